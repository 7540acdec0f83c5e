//! `eco validate` on the examples and on broken fixtures.

use std::path::Path;

use crate::support::{eco, repo, stderr, temp_with};

#[test]
fn examples_validate() {
    for example in [
        "examples/minimal",
        "examples/ecogy-platform",
        "examples/static-site",
        "examples/serverless-api",
        "examples/cognito",
    ] {
        let out = eco()
            .args(["validate", "-chdir"])
            .arg(repo().join(example))
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{example} does not validate:\n{}",
            stderr(&out)
        );
        assert!(String::from_utf8_lossy(&out.stdout).contains("Success!"));
    }
}

/// Each broken fixture: exit 1, the file:line:col and the specific message; the full
/// rendering is a snapshot.
#[test]
fn invalid_fixtures_give_located_diagnostics() {
    let cases = [
        (
            "unknown-attribute.kdl",
            "unknown-attribute.kdl:5:5",
            "unknown attribute `versionning` in s3-bucket",
        ),
        (
            "type-error.kdl",
            "type-error.kdl:5:16",
            "`versioning` expects a boolean",
        ),
        (
            "unknown-reference.kdl",
            "unknown-reference.kdl:8:20",
            "unknown resource `s3-bucket.sites`",
        ),
        (
            "cycle.kdl",
            "cycle.kdl:4:13",
            "dependency cycle: iam-role.a -> iam-role.c -> iam-role.b -> iam-role.a",
        ),
        (
            "duplicate-address.kdl",
            "duplicate-address.kdl:7:1",
            "s3-bucket.site is declared twice",
        ),
        ("syntax-error.kdl", "syntax-error.kdl:4:10", "syntax error"),
        (
            "unknown-node.kdl",
            "unknown-node.kdl:3:1",
            "unknown node `s3-buckt`",
        ),
        (
            "unknown-variable.kdl",
            "unknown-variable.kdl:6:16",
            "unknown variable `var.domian`",
        ),
        (
            "missing-required.kdl",
            "missing-required.kdl:3:1",
            "missing the required attribute `name`",
        ),
    ];
    for (file, location, message) in cases {
        let dir = temp_with(&[&format!("tests/fixtures/invalid/{file}")]);
        let out = eco()
            .arg("validate")
            .current_dir(dir.path())
            .output()
            .unwrap();
        let err = stderr(&out);
        assert_eq!(out.status.code(), Some(1), "{file}: {err}");
        assert!(
            err.contains(location),
            "{file}: expected {location} in:\n{err}"
        );
        assert!(
            err.contains(message),
            "{file}: expected `{message}` in:\n{err}"
        );
        assert!(!err.contains("panicked"), "{file} panicked:\n{err}");
        insta::assert_snapshot!(file, err);
    }
}

#[test]
fn did_you_mean_hints() {
    let dir = temp_with(&["tests/fixtures/invalid/unknown-attribute.kdl"]);
    let out = eco()
        .arg("validate")
        .current_dir(dir.path())
        .output()
        .unwrap();
    assert!(stderr(&out).contains("did you mean `versioning`?"));
}

#[test]
fn unknown_stage_is_refused_with_the_declared_ones() {
    let out = eco()
        .args(["validate", "-stage", "prd", "-chdir"])
        .arg(repo().join("examples/ecogy-platform"))
        .output()
        .unwrap();
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(err.contains("unknown stage `prd`"), "{err}");
    assert!(err.contains("did you mean `prod`?"), "{err}");
}

#[test]
fn a_stage_without_a_value_for_a_variable_is_reported() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("main.kdl"),
        "project \"p\"\nstage \"dev\" { var domain=\"dev.example.com\" }\nstage \"prod\" { }\n\
         s3-bucket \"site\" { name \"site.${var.domain}\" }\n",
    )
    .unwrap();
    let out = eco()
        .arg("validate")
        .current_dir(dir.path())
        .output()
        .unwrap();
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(
        err.contains("stage `prod`: variable `domain` has no value in stage `prod`"),
        "{err}"
    );
    assert!(err.contains("main.kdl:4:31"), "{err}");
    // -var supplies it
    let out = eco()
        .args(["validate", "-stage", "prod", "-var", "domain=x.example.com"])
        .current_dir(dir.path())
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
}

#[test]
fn a_directory_without_kdl_files_is_a_clear_error() {
    let dir = tempfile::tempdir().unwrap();
    let out = eco()
        .arg("validate")
        .current_dir(dir.path())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("no *.kdl files"));
}

/// Every path (outermost attribute first) to an attribute, at any depth of blocks, that `keep`
/// selects.
fn attribute_paths(
    attrs: &[eco_schema::Attribute],
    keep: fn(&eco_schema::Attribute) -> bool,
) -> Vec<Vec<&eco_schema::Attribute>> {
    fn walk<'a>(
        attrs: &'a [eco_schema::Attribute],
        keep: fn(&eco_schema::Attribute) -> bool,
        prefix: &mut Vec<&'a eco_schema::Attribute>,
        out: &mut Vec<Vec<&'a eco_schema::Attribute>>,
    ) {
        for a in attrs {
            prefix.push(a);
            if keep(a) {
                out.push(prefix.clone());
            }
            if let Some(b) = a.block_schema() {
                walk(&b.fields, keep, prefix, out);
            }
            prefix.pop();
        }
    }
    let mut out = Vec::new();
    walk(attrs, keep, &mut Vec::new(), &mut out);
    out
}

/// A KDL file being written, one resource at a time.
#[derive(Default)]
struct KdlFile {
    text: String,
    lines: usize,
}

impl KdlFile {
    /// Appends `TYPE "NAME" { ... }` setting the attribute at `path` (through its blocks) to the
    /// KDL `value`; returns the 1-based line and column of the value.
    fn resource(
        &mut self,
        type_name: &str,
        name: &str,
        path: &[&eco_schema::Attribute],
        value: &str,
    ) -> (usize, usize) {
        let push = |file: &mut KdlFile, line: String| {
            file.text.push_str(&line);
            file.text.push('\n');
            file.lines += 1;
        };
        push(self, format!("{type_name} \"{name}\" {{"));
        let (leaf, outer) = path.split_last().unwrap();
        for (depth, block) in outer.iter().enumerate() {
            let label = match block.block_schema() {
                Some(b) if b.label.is_some() => " \"x\"",
                _ => "",
            };
            push(
                self,
                format!("{}{}{label} {{", " ".repeat(4 + 4 * depth), block.name),
            );
        }
        let indent = 4 + 4 * outer.len();
        push(self, format!("{}{} {value}", " ".repeat(indent), leaf.name));
        let at = (self.lines, indent + leaf.name.len() + 2);
        for depth in (0..outer.len()).rev() {
            push(self, format!("{}}}", " ".repeat(4 + 4 * depth)));
        }
        push(self, "}".to_string());
        at
    }
}

/// `eco validate` of `dir`, which must fail: its standard error without miette's wrapping (long
/// lines continue after a `│`), for `contains` checks of text passed through [`squash`].
fn validate_errors(dir: &Path) -> (String, String) {
    let out = eco()
        .args(["validate", "-chdir"])
        .arg(dir)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    (squash(&err), err)
}

/// `eco validate` of a directory whose only file is `main.kdl` with `text`; its stderr.
fn validate_main(text: &str) -> String {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("main.kdl"), text).unwrap();
    validate_errors(dir.path()).1
}

fn squash(s: &str) -> String {
    s.chars()
        .filter(|c| !c.is_whitespace() && *c != '│')
        .collect()
}

/// Every attribute that takes one of a fixed set of values (an enum in its schema), at any
/// depth of blocks, refuses another value at validate time: with the file:line:col of the value
/// and the allowed values in the help.
#[test]
fn values_outside_an_allowed_set_are_refused_at_validate_for_every_type() {
    let registry = eco_aws::registry();
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("main.kdl"), "project \"enums\"\n").unwrap();
    let mut expected = Vec::new();
    let mut types_with_enums = 0;
    for schema in registry.schemas() {
        let paths = attribute_paths(&schema.attributes, |a| !a.allowed.is_empty());
        if paths.is_empty() {
            continue;
        }
        types_with_enums += 1;
        let file = format!("{}.kdl", schema.type_name);
        let mut kdl = KdlFile::default();
        for (i, path) in paths.iter().enumerate() {
            let leaf = path.last().unwrap();
            // An integer attribute with a fixed set (log retention days) gets an integer
            // outside it; every other one a string.
            let (literal, shown) = match leaf.shape {
                eco_schema::Shape::Scalar(eco_schema::ScalarType::Int) => {
                    let bad = (2..)
                        .find(|n: &i64| !leaf.allowed.contains(&n.to_string().as_str()))
                        .unwrap()
                        .to_string();
                    (bad.clone(), bad)
                }
                _ => ("\"NOT-ALLOWED\"".to_string(), "NOT-ALLOWED".to_string()),
            };
            let (line, col) = kdl.resource(schema.type_name, &format!("bad-{i}"), path, &literal);
            expected.push((
                format!("{file}:{line}:{col}"),
                format!("`{}` does not take the value \"{shown}\"", leaf.name),
                leaf.allowed
                    .iter()
                    .map(|a| format!("\"{a}\""))
                    .collect::<Vec<_>>()
                    .join(", "),
            ));
        }
        std::fs::write(dir.path().join(&file), kdl.text).unwrap();
    }
    assert!(
        types_with_enums >= 14,
        "only {types_with_enums} types have enums"
    );

    let (err, raw) = validate_errors(dir.path());
    for (location, message, allowed) in &expected {
        let located = squash(&format!("{location}: {message}"));
        assert!(
            err.contains(&located),
            "no diagnostic `{location}: {message}` in:\n{raw}"
        );
        assert!(
            err.contains(&squash(&format!("takes one of: {allowed}"))),
            "the allowed values {allowed} are not listed for {location}"
        );
    }
    assert!(
        expected.len() >= 50,
        "only {} enum attributes",
        expected.len()
    );
}

/// Every integer attribute with a range AWS enforces, at any depth of blocks, refuses a value
/// past either end at validate time, with the file:line:col and the range.
#[test]
fn integers_outside_their_range_are_refused_at_validate_for_every_type() {
    let registry = eco_aws::registry();
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("main.kdl"), "project \"ranges\"\n").unwrap();
    let mut expected = Vec::new();
    for schema in registry.schemas() {
        let paths = attribute_paths(&schema.attributes, |a| a.range.is_some());
        if paths.is_empty() {
            continue;
        }
        let mut kdl = KdlFile::default();
        for (i, path) in paths.iter().enumerate() {
            let leaf = path.last().unwrap();
            let (min, max) = leaf.range.unwrap();
            for (j, bad) in [min.checked_sub(1), max.checked_add(1)]
                .into_iter()
                .flatten()
                .enumerate()
            {
                let (line, col) = kdl.resource(
                    schema.type_name,
                    &format!("bad-{i}-{j}"),
                    path,
                    &bad.to_string(),
                );
                expected.push((
                    format!("{}.kdl:{line}:{col}", schema.type_name),
                    format!(
                        "`{}` must be between {min} and {max}, found {bad}",
                        leaf.name
                    ),
                ));
            }
        }
        std::fs::write(
            dir.path().join(format!("{}.kdl", schema.type_name)),
            kdl.text,
        )
        .unwrap();
    }
    assert!(
        expected.len() >= 20,
        "only {} out-of-range cases",
        expected.len()
    );

    let (err, raw) = validate_errors(dir.path());
    for (location, message) in &expected {
        assert!(
            err.contains(&squash(&format!("{location}: {message}"))),
            "no diagnostic `{location}: {message}` in:\n{raw}"
        );
    }
}

/// A required attribute written with a bad value gets one error (the value's), not also
/// "missing the required attribute"; a word where a number goes is told to write a number, and
/// a quoted number to drop the quotes.
#[test]
fn a_bad_value_is_one_error_with_a_hint_that_fits_it() {
    let err = validate_main(
        r#"project "p"
stage "dev" { account "123456789012"; region "us-east-1" }
s3-bucket "x" {
    name "${nope"
}
dynamodb-table "t" {
    name "things"
    hash-key "pk" type="S"
    billing-mode "PROVISIONED"
    write-capacity "one"
    read-capacity "5"
}
"#,
    );
    assert!(err.contains("main.kdl:4:10: `${` is never closed"), "{err}");
    assert!(!err.contains("missing the required attribute"), "{err}");
    assert!(err.contains("help: write a number, e.g. 10"), "{err}");
    assert!(!err.contains("without quotes: one"), "{err}");
    assert!(err.contains("write the number without quotes: 5"), "{err}");
    assert!(err.contains("3 problems found"), "{err}");
}

/// Names AWS would refuse (an upper-case bucket, an empty table name, a role name with spaces)
/// are refused by `eco validate`, each at its place with the rule, before anything is created.
#[test]
fn names_aws_would_refuse_are_refused_at_validate() {
    let err = validate_main(
        r#"project "p"
stage "dev" { account "123456789012"; region "us-east-1" }
s3-bucket "x" {
    name "My_Bucket"
}
dynamodb-table "t" {
    name ""
    hash-key "pk" type="S"
}
iam-role "r" {
    name "a role with spaces"
    assume-service "lambda.amazonaws.com"
}
"#,
    );
    assert!(
        err.contains("main.kdl:4:10: `name` \"My_Bucket\" contains `M`"),
        "{err}"
    );
    assert!(
        err.contains("main.kdl:7:10: `name` \"\" is 0 characters long; AWS takes 3 to 255"),
        "{err}"
    );
    assert!(
        err.contains("main.kdl:11:10: `name` \"a role with spaces\" contains ` `"),
        "{err}"
    );
    assert!(
        err.contains("lower-case letters, digits, dots and hyphens"),
        "{err}"
    );
    assert!(err.contains("3 problems found"), "{err}");
}

/// REST API names AWS would refuse (a path part with a `/` or empty braces, a stage name with a
/// dot or over 128 characters) are refused by `eco validate` at their place, with the rule.
#[test]
fn rest_api_path_parts_and_stage_names_aws_would_refuse_are_refused_at_validate() {
    let long = "s".repeat(129);
    let err = validate_main(&format!(
        r#"project "p"
stage "dev" {{ account "123456789012"; region "us-east-1" }}
rest-api "main" {{
    name "items"
}}
rest-resource "deep" {{
    rest-api "${{rest-api.main.id}}"
    path-part "items/{{id}}"
}}
rest-resource "empty" {{
    rest-api "${{rest-api.main.id}}"
    path-part "{{}}"
}}
rest-resource "proxy" {{
    rest-api "${{rest-api.main.id}}"
    path-part "{{proxy+}}"
}}
rest-deployment "main" {{
    rest-api "${{rest-api.main.id}}"
}}
rest-stage "dotted" {{
    rest-api "${{rest-api.main.id}}"
    name "v1.2"
    deployment "${{rest-deployment.main.id}}"
}}
rest-stage "long" {{
    rest-api "${{rest-api.main.id}}"
    name "{long}"
    deployment "${{rest-deployment.main.id}}"
}}
"#
    ));
    assert!(
        err.contains("main.kdl:8:15: `path-part` \"items/{id}\" contains `/`"),
        "{err}"
    );
    assert!(
        err.contains("main.kdl:12:15: `path-part` \"{}\" has no parameter name between its braces"),
        "{err}"
    );
    assert!(err.contains("nest resources for deeper paths"), "{err}");
    assert!(
        err.contains("main.kdl:23:10: `name` \"v1.2\" contains `.`"),
        "{err}"
    );
    assert!(
        err.contains("is 129 characters long; AWS takes 1 to 128"),
        "{err}"
    );
    assert!(err.contains("4 problems found"), "{err}");
}

/// Rules inside blocks and on list lengths, which apply refused before: an s3-bucket `website`
/// with neither an index document nor a redirect (and one with both), a lambda-function with two
/// architectures, and log levels with Text logs. Each is refused by `eco validate` at the block or
/// list, with what AWS expects.
#[test]
fn block_rules_and_list_lengths_aws_would_refuse_are_refused_at_validate() {
    let err = validate_main(
        r#"project "p"
stage "dev" { account "123456789012"; region "us-east-1" }
s3-bucket "site" {
    name "p-site"
    website {
        error "404.html"
    }
}
s3-bucket "both" {
    name "p-both"
    website index="index.html" redirect-all-to="example.com"
}
s3-bucket "fine" {
    name "p-fine"
    website index="index.html"
}
lambda-function "api" {
    name "api"
    runtime "nodejs20.x"
    handler "index.handler"
    source "src"
    role "arn:aws:iam::123456789012:role/api"
    architectures "x86_64" "arm64"
    logging format="Text" application-log-level="INFO"
}
lambda-function "json" {
    name "json"
    runtime "nodejs20.x"
    handler "index.handler"
    source "src"
    role "arn:aws:iam::123456789012:role/api"
    architectures "arm64"
    logging format="JSON" application-log-level="INFO" system-log-level="WARN"
}
lambda-function "unset" {
    name "unset"
    runtime "nodejs20.x"
    handler "index.handler"
    source "src"
    role "arn:aws:iam::123456789012:role/api"
    logging system-log-level="WARN"
}
"#,
    );
    // Long messages wrap: compared without whitespace.
    let flat = squash(&err);
    for expected in [
        "main.kdl:5:5: s3-bucket.site `website` needs one of `index`, `redirect-all-to`",
        "main.kdl:11:5: s3-bucket.both `website` sets `index` and `redirect-all-to` together",
        "main.kdl:23:5: lambda-function.api sets 2 items in `architectures`",
        "main.kdl:24:5: lambda-function.api `logging` sets `application-log-level` with `format` \"Text\"",
        "main.kdl:41:5: lambda-function.unset `logging` sets `system-log-level` with no `format`",
        // The hints: what AWS expects.
        "set exactly one of `index`, `redirect-all-to`",
        "keep exactly one of `index`, `redirect-all-to`",
        "AWS takes exactly 1 in `architectures`",
        "`application-log-level` needs `format` \"JSON\": set it so, or remove it",
    ] {
        assert!(flat.contains(&squash(expected)), "{expected}\n{err}");
    }
    assert!(err.contains("5 problems found"), "{err}");
}

/// A website that redirects every request and names an error document (PutBucketWebsite refuses
/// it) is refused at validate; a required field written with a value outside its allowed set gets
/// that one diagnostic, not a second one saying it is missing.
#[test]
fn a_redirect_with_an_error_document_and_a_refused_required_value_are_one_diagnostic_each() {
    let err = validate_main(
        r#"project "p"
stage "dev" { account "123456789012"; region "us-east-1" }
s3-bucket "redirect" {
    name "p-redirect"
    website redirect-all-to="example.com" error="404.html"
}
dynamodb-table "t" {
    name "p-items"
    hash-key "pk" type="X"
}
s3-bucket "fine" {
    name "p-fine"
    website index="index.html" error="404.html"
}
s3-bucket "prop" name="p-prop"
"#,
    );
    let flat = squash(&err);
    for expected in [
        "main.kdl:5:5: s3-bucket.redirect `website` sets `error` with `redirect-all-to`",
        "AWS refuses `error` together with `redirect-all-to`: remove one",
        "main.kdl:9:19: `type` does not take the value \"X\"",
    ] {
        assert!(flat.contains(&squash(expected)), "{expected}\n{err}");
    }
    assert!(!err.contains("missing the required `type`"), "{err}");
    // A name written on the resource node is told where it goes, not also reported missing.
    assert!(
        flat.contains(&squash(
            "main.kdl:15:18: `name=` on the resource node itself"
        )),
        "{err}"
    );
    assert!(
        !err.contains("missing the required attribute `name`"),
        "{err}"
    );
    assert!(err.contains("3 problems found"), "{err}");
}

#[test]
fn rest_base_paths_api_key_values_and_usage_plan_limits_aws_would_refuse_are_refused_at_validate() {
    let err = validate_main(
        r#"project "p"
stage "dev" { account "123456789012"; region "us-east-1" }
rest-base-path-mapping "slash" {
    domain "api.example.com"
    base-path "/"
    rest-api "a1"
}
rest-base-path-mapping "nested" {
    domain "api.example.com"
    base-path "v1/items"
    rest-api "a1"
}
rest-base-path-mapping "spaced" {
    domain "api.example.com"
    base-path "v 1"
    rest-api "a1"
}
rest-base-path-mapping "fine" {
    domain "api.example.com"
    base-path "v1"
    rest-api "a1"
}
rest-api-key "short" {
    name "partner"
    value "too-short-key"
}
rest-usage-plan "basic" {
    name "basic"
    throttle burst-limit=-1 rate-limit=10
    quota limit=100 period="YEAR"
}
"#,
    );
    assert!(
        err.contains("main.kdl:5:15: `base-path` \"/\" contains `/`; a base path mapping takes"),
        "{err}"
    );
    assert!(
        err.contains("main.kdl:10:15: `base-path` \"v1/items\" contains `/`"),
        "{err}"
    );
    assert!(
        err.contains("main.kdl:15:15: `base-path` \"v 1\" contains ` `"),
        "{err}"
    );
    assert!(err.contains("base-path out for the domain's root"), "{err}");
    // The key's value is not repeated in the message.
    assert!(
        err.contains("`value` (sensitive value) is 13 characters long; AWS takes 20"),
        "{err}"
    );
    assert!(!err.contains("`value` \"too-short-key\""), "{err}");
    assert!(err.contains("`burst-limit` must be between 0 and"), "{err}");
    assert!(
        err.contains("`period` does not take the value \"YEAR\""),
        "{err}"
    );
    // The one-segment base path is taken.
    assert!(!err.contains("`base-path` \"v1\""), "{err}");
}
