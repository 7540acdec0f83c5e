//! `eco validate` on the examples and on broken fixtures.

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

/// Every attribute that takes one of a fixed set of values (an enum in its schema), at any
/// depth of blocks, refuses another value at validate time: with the file:line:col of the value
/// and the allowed values in the help.
#[test]
fn values_outside_an_allowed_set_are_refused_at_validate_for_every_type() {
    use eco_schema::{Attribute, Shape};

    /// KDL lines that set the attribute at `path` (outermost first) to `bad`, the index of the
    /// line holding `bad` and the (0-based) column where it starts.
    fn nodes(path: &[&Attribute], bad: &str, indent: usize) -> (Vec<String>, usize, usize) {
        let pad = " ".repeat(indent);
        let attr = path[0];
        match &attr.shape {
            Shape::Block(b) => {
                let label = b.label.map(|_| " \"x\"").unwrap_or("");
                let (inner, at, col) = nodes(&path[1..], bad, indent + 4);
                let mut lines = vec![format!("{pad}{}{label} {{", attr.name)];
                lines.extend(inner);
                lines.push(format!("{pad}}}"));
                (lines, at + 1, col)
            }
            _ => {
                let line = format!("{pad}{} \"{bad}\"", attr.name);
                (vec![line], 0, indent + attr.name.len() + 1)
            }
        }
    }
    fn with_allowed<'a>(
        attrs: &'a [Attribute],
        prefix: &mut Vec<&'a Attribute>,
        out: &mut Vec<Vec<&'a Attribute>>,
    ) {
        for a in attrs {
            prefix.push(a);
            if !a.allowed.is_empty() {
                out.push(prefix.clone());
            }
            if let Some(b) = a.block_schema() {
                with_allowed(&b.fields, prefix, out);
            }
            prefix.pop();
        }
    }

    let registry = eco_aws::registry();
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("main.kdl"), "project \"enums\"\n").unwrap();
    let mut expected = Vec::new();
    let mut types_with_enums = 0;
    for schema in registry.schemas() {
        let mut paths = Vec::new();
        with_allowed(&schema.attributes, &mut Vec::new(), &mut paths);
        if paths.is_empty() {
            continue;
        }
        types_with_enums += 1;
        let file = format!("{}.kdl", schema.type_name);
        let mut text = String::new();
        let mut line = 1;
        for (i, path) in paths.iter().enumerate() {
            text.push_str(&format!("{} \"bad-{i}\" {{\n", schema.type_name));
            line += 1;
            let (lines, at, col) = nodes(path, "NOT-ALLOWED", 4);
            let bad_line = line + at;
            for l in &lines {
                text.push_str(l);
                text.push('\n');
            }
            line += lines.len();
            text.push_str("}\n");
            line += 1;
            let leaf = path.last().unwrap();
            expected.push((
                format!("{file}:{bad_line}:{}", col + 1),
                format!("`{}` does not take the value \"NOT-ALLOWED\"", leaf.name),
                leaf.allowed
                    .iter()
                    .map(|a| format!("\"{a}\""))
                    .collect::<Vec<_>>()
                    .join(", "),
            ));
        }
        std::fs::write(dir.path().join(&file), text).unwrap();
    }
    assert!(
        types_with_enums >= 14,
        "only {types_with_enums} types have enums"
    );

    let out = eco()
        .args(["validate", "-chdir"])
        .arg(dir.path())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    // miette wraps long lines (continuing them after a `│`): compare without the wrapping.
    let squash = |s: &str| {
        s.chars()
            .filter(|c| !c.is_whitespace() && *c != '│')
            .collect::<String>()
    };
    let err = squash(&stderr(&out));
    for (location, message, allowed) in &expected {
        let located = squash(&format!("{location}: {message}"));
        assert!(
            err.contains(&located),
            "no diagnostic `{location}: {message}` in:\n{}",
            stderr(&out)
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
    use eco_schema::{Attribute, Shape};

    fn ranged<'a>(
        attrs: &'a [Attribute],
        prefix: &mut Vec<&'a Attribute>,
        out: &mut Vec<Vec<&'a Attribute>>,
    ) {
        for a in attrs {
            prefix.push(a);
            if a.range.is_some() {
                out.push(prefix.clone());
            }
            if let Some(b) = a.block_schema() {
                ranged(&b.fields, prefix, out);
            }
            prefix.pop();
        }
    }

    let registry = eco_aws::registry();
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("main.kdl"), "project \"ranges\"\n").unwrap();
    let mut expected = Vec::new();
    for schema in registry.schemas() {
        let mut paths = Vec::new();
        ranged(&schema.attributes, &mut Vec::new(), &mut paths);
        let mut text = String::new();
        let mut line = 1;
        for (i, path) in paths.iter().enumerate() {
            let leaf = path.last().unwrap();
            let (min, max) = leaf.range.unwrap();
            for (j, bad) in [min.checked_sub(1), max.checked_add(1)]
                .into_iter()
                .flatten()
                .enumerate()
            {
                text.push_str(&format!("{} \"bad-{i}-{j}\" {{\n", schema.type_name));
                line += 1;
                let mut indent = 4;
                for outer in &path[..path.len() - 1] {
                    let label = match &outer.shape {
                        Shape::Block(b) if b.label.is_some() => " \"x\"",
                        _ => "",
                    };
                    text.push_str(&format!("{}{}{label} {{\n", " ".repeat(indent), outer.name));
                    line += 1;
                    indent += 4;
                }
                text.push_str(&format!("{}{} {bad}\n", " ".repeat(indent), leaf.name));
                expected.push((
                    format!(
                        "{}.kdl:{line}:{}",
                        schema.type_name,
                        indent + leaf.name.len() + 2
                    ),
                    format!(
                        "`{}` must be between {min} and {max}, found {bad}",
                        leaf.name
                    ),
                ));
                line += 1;
                for k in (0..path.len() - 1).rev() {
                    text.push_str(&format!("{}}}\n", " ".repeat(4 + 4 * k)));
                    line += 1;
                }
                text.push_str("}\n");
                line += 1;
            }
        }
        if !text.is_empty() {
            std::fs::write(dir.path().join(format!("{}.kdl", schema.type_name)), text).unwrap();
        }
    }
    assert!(
        expected.len() >= 20,
        "only {} out-of-range cases",
        expected.len()
    );

    let out = eco()
        .args(["validate", "-chdir"])
        .arg(dir.path())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let squash = |s: &str| {
        s.chars()
            .filter(|c| !c.is_whitespace() && *c != '│')
            .collect::<String>()
    };
    let err = squash(&stderr(&out));
    for (location, message) in &expected {
        assert!(
            err.contains(&squash(&format!("{location}: {message}"))),
            "no diagnostic `{location}: {message}` in:\n{}",
            stderr(&out)
        );
    }
}
