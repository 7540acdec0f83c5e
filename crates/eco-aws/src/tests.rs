//! Invariants every schema must keep, the generated reference, and the examples' consistency
//! with the schemas.

use crate::{docs, registry, resources};
use eco_schema::{Attribute, BlockSchema, Registry, ScalarType, Schema, Shape, Update};
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

const META: [&str; 3] = ["depends-on", "lifecycle", "ignore-changes"];

fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// Calls `f` on every attribute, including block fields, with its dotted path.
fn walk<'a>(attributes: &'a [Attribute], prefix: &str, f: &mut dyn FnMut(&str, &'a Attribute)) {
    for attribute in attributes {
        let path = format!("{prefix}{}", attribute.name);
        f(&path, attribute);
        if let Shape::Block(block) = &attribute.shape {
            walk(&block.fields, &format!("{path}."), f);
        }
    }
}

#[test]
fn registry_has_all_22_types() {
    let expected = [
        "s3-bucket",
        "s3-sync",
        "dynamodb-table",
        "iam-role",
        "lambda-function",
        "lambda-permission",
        "api",
        "api-integration",
        "api-route",
        "api-stage",
        "api-authorizer",
        "api-domain",
        "acm-certificate",
        "cloudfront-distribution",
        "route53-zone",
        "route53-record",
        "cognito-user-pool",
        "cognito-user-pool-client",
        "cognito-user-pool-domain",
        "cognito-group",
        "codebuild-project",
        "codepipeline",
    ];
    let registry = registry();
    let names: BTreeSet<&str> = registry.type_names().collect();
    assert_eq!(names, expected.into_iter().collect::<BTreeSet<_>>());
    assert_eq!(resources::all().len(), 22, "a type is registered twice");
}

#[test]
fn type_name_constants_match_schemas() {
    use resources::*;
    let pairs = [
        (s3_bucket::TYPE_NAME, s3_bucket::schema()),
        (s3_sync::TYPE_NAME, s3_sync::schema()),
        (dynamodb_table::TYPE_NAME, dynamodb_table::schema()),
        (iam_role::TYPE_NAME, iam_role::schema()),
        (lambda_function::TYPE_NAME, lambda_function::schema()),
        (lambda_permission::TYPE_NAME, lambda_permission::schema()),
        (api::TYPE_NAME, api::schema()),
        (api_integration::TYPE_NAME, api_integration::schema()),
        (api_route::TYPE_NAME, api_route::schema()),
        (api_stage::TYPE_NAME, api_stage::schema()),
        (api_authorizer::TYPE_NAME, api_authorizer::schema()),
        (api_domain::TYPE_NAME, api_domain::schema()),
        (acm_certificate::TYPE_NAME, acm_certificate::schema()),
        (
            cloudfront_distribution::TYPE_NAME,
            cloudfront_distribution::schema(),
        ),
        (route53_zone::TYPE_NAME, route53_zone::schema()),
        (route53_record::TYPE_NAME, route53_record::schema()),
        (cognito_user_pool::TYPE_NAME, cognito_user_pool::schema()),
        (
            cognito_user_pool_client::TYPE_NAME,
            cognito_user_pool_client::schema(),
        ),
        (
            cognito_user_pool_domain::TYPE_NAME,
            cognito_user_pool_domain::schema(),
        ),
        (cognito_group::TYPE_NAME, cognito_group::schema()),
        (codebuild_project::TYPE_NAME, codebuild_project::schema()),
        (codepipeline::TYPE_NAME, codepipeline::schema()),
    ];
    for (name, schema) in pairs {
        assert_eq!(name, schema.type_name);
        assert!(!schema.doc.is_empty(), "{name} has no doc");
    }
}

#[test]
fn attribute_names_are_unique_at_every_level() {
    fn check(type_name: &str, path: &str, attributes: &[Attribute]) {
        let mut seen = BTreeSet::new();
        for attribute in attributes {
            assert!(
                seen.insert(attribute.name),
                "{type_name}: attribute {path}{} declared twice",
                attribute.name
            );
            if let Shape::Block(block) = &attribute.shape {
                check(
                    type_name,
                    &format!("{path}{}.", attribute.name),
                    &block.fields,
                );
            }
        }
    }
    for schema in registry().schemas() {
        check(schema.type_name, "", &schema.attributes);
    }
}

#[test]
fn attribute_names_are_kebab_case_and_not_meta() {
    for schema in registry().schemas() {
        walk(&schema.attributes, "", &mut |path, attribute| {
            let name = attribute.name;
            assert!(
                !name.is_empty()
                    && name
                        .chars()
                        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
                    && !name.starts_with('-')
                    && !name.ends_with('-'),
                "{}: {path} is not kebab-case",
                schema.type_name
            );
        });
        for meta in META {
            assert!(
                schema.attribute(meta).is_none(),
                "{}: {meta} is handled by the config crate",
                schema.type_name
            );
        }
    }
}

#[test]
fn no_computed_attribute_is_required_or_has_an_update_strategy() {
    for schema in registry().schemas() {
        walk(&schema.attributes, "", &mut |path, attribute| {
            if attribute.computed {
                assert!(
                    !attribute.required,
                    "{}: computed {path} is required",
                    schema.type_name
                );
                assert_eq!(
                    attribute.update,
                    Update::InPlace,
                    "{}: computed {path} cannot force replacement or be guarded",
                    schema.type_name
                );
            }
        });
    }
}

#[test]
fn every_guarded_attribute_explains_itself() {
    let mut guarded = 0;
    for schema in registry().schemas() {
        walk(&schema.attributes, "", &mut |path, attribute| {
            if let Update::Guarded(why) = attribute.update {
                guarded += 1;
                assert!(
                    why.trim().len() > 40,
                    "{}: guarded {path} needs an explanation with the manual options",
                    schema.type_name
                );
            }
        });
    }
    assert!(guarded > 0);
}

#[test]
fn every_attribute_is_documented() {
    for schema in registry().schemas() {
        walk(&schema.attributes, "", &mut |path, attribute| {
            assert!(
                !attribute.doc.trim().is_empty(),
                "{}: {path} has no doc",
                schema.type_name
            );
            assert!(
                !attribute.doc.contains('\n'),
                "{}: {path} doc is not one line",
                schema.type_name
            );
        });
    }
}

#[test]
fn block_labels_name_a_string_field() {
    for schema in registry().schemas() {
        walk(&schema.attributes, "", &mut |path, attribute| {
            if let Shape::Block(BlockSchema {
                label: Some(label),
                fields,
                ..
            }) = &attribute.shape
            {
                let field = fields.iter().find(|f| f.name == *label).unwrap_or_else(|| {
                    panic!("{}: {path} label {label} is not a field", schema.type_name)
                });
                // The configuration reads a block's first argument as a string.
                assert!(
                    matches!(field.shape, Shape::Scalar(ScalarType::String)),
                    "{}: {path} label {label} is not a string field",
                    schema.type_name
                );
            }
        });
    }
}

#[test]
fn taggable_types_have_tags() {
    for schema in registry().schemas() {
        assert_eq!(
            schema.taggable,
            schema.attribute("tags").is_some(),
            "{}",
            schema.type_name
        );
    }
}

#[test]
fn referenced_attributes_are_declared() {
    let registry = registry();
    let expect = [
        ("iam-role", "arn"),
        ("lambda-function", "arn"),
        ("lambda-function", "invoke-arn"),
        ("api", "id"),
        ("api", "api-endpoint"),
        ("api", "execution-arn"),
        ("cognito-user-pool", "id"),
        ("cognito-user-pool", "arn"),
        ("cognito-user-pool", "endpoint"),
        ("cloudfront-distribution", "id"),
        ("cloudfront-distribution", "arn"),
        ("cloudfront-distribution", "domain-name"),
        ("cloudfront-distribution", "hosted-zone-id"),
        ("route53-zone", "id"),
        ("route53-zone", "name-servers"),
        ("acm-certificate", "arn"),
        ("acm-certificate", "validation-record-name"),
        ("s3-bucket", "arn"),
        ("s3-bucket", "regional-domain-name"),
        ("s3-bucket", "website-endpoint"),
        ("dynamodb-table", "arn"),
        ("dynamodb-table", "stream-arn"),
        ("codebuild-project", "arn"),
        ("cognito-user-pool-client", "id"),
        ("api-integration", "id"),
        ("api-authorizer", "id"),
    ];
    for (type_name, attribute) in expect {
        let a = registry.get(type_name).unwrap().attribute(attribute);
        assert!(
            a.is_some_and(|a| a.computed),
            "{type_name}.{attribute} must be a computed attribute"
        );
    }
}

#[test]
fn update_strategies_follow_aws() {
    let registry = registry();
    let update = |t: &str, a: &str| {
        registry
            .get(t)
            .unwrap()
            .attribute(a)
            .unwrap()
            .update
            .clone()
    };
    for (t, a) in [
        ("s3-bucket", "name"),
        ("dynamodb-table", "name"),
        ("dynamodb-table", "hash-key"),
        ("dynamodb-table", "range-key"),
        ("iam-role", "name"),
        ("lambda-function", "name"),
        ("cognito-user-pool-client", "generate-secret"),
    ] {
        assert_eq!(update(t, a), Update::Replace, "{t}.{a}");
    }
    for (t, a) in [
        ("dynamodb-table", "gsi"),
        ("dynamodb-table", "billing-mode"),
        ("lambda-function", "source"),
        ("lambda-function", "memory"),
        ("iam-role", "managed-policy"),
        ("cognito-user-pool", "password-policy"),
        ("cognito-user-pool", "auto-verify"),
    ] {
        assert_eq!(update(t, a), Update::InPlace, "{t}.{a}");
    }
}

#[test]
fn cognito_user_pool_is_never_replaced() {
    let schema = resources::cognito_user_pool::schema();
    assert!(schema.prevent_destroy_by_default);
    walk(&schema.attributes, "", &mut |path, attribute| {
        assert_ne!(
            attribute.update,
            Update::Replace,
            "cognito-user-pool {path} would replace the pool"
        );
    });
    for name in [
        "username-attributes",
        "alias-attributes",
        "standard-attribute",
        "custom-attribute",
    ] {
        assert!(
            matches!(schema.attribute(name).unwrap().update, Update::Guarded(_)),
            "{name} must be guarded"
        );
    }
    let custom = schema
        .attribute("custom-attribute")
        .unwrap()
        .block_schema()
        .unwrap();
    assert!(custom.repeated);
    let fields: Vec<&str> = custom.fields.iter().map(|f| f.name).collect();
    for f in [
        "name",
        "type",
        "mutable",
        "min-length",
        "max-length",
        "min-value",
        "max-value",
        "developer-only",
    ] {
        assert!(fields.contains(&f), "custom-attribute lacks {f}");
    }
}

#[test]
fn secrets_are_sensitive() {
    let registry = registry();
    assert!(
        registry
            .get("cognito-user-pool-client")
            .unwrap()
            .attribute("secret")
            .unwrap()
            .sensitive
    );
    let lambda = registry.get("lambda-function").unwrap();
    assert!(lambda.attribute("sensitive-env").unwrap().sensitive);
    assert!(!lambda.attribute("env").unwrap().sensitive);
}

#[test]
fn docs_reference_is_up_to_date() {
    let rendered = docs::reference_markdown(&registry());
    let path = workspace_root().join("docs/resources/README.md");
    if std::env::var_os("ECO_UPDATE_DOCS").is_some() {
        std::fs::write(&path, &rendered).unwrap();
        return;
    }
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        committed == rendered,
        "docs/resources/README.md is stale; run `ECO_UPDATE_DOCS=1 cargo test -p eco-aws docs_reference`"
    );
}

// ---- examples ----------------------------------------------------------------------------

/// A light structural check of example configurations against the schemas: node names,
/// shapes, scalar types, required attributes, and that every `${...}` reference resolves. The
/// full checker lives in eco-config; this keeps the examples honest from the schema side.
struct ExampleChecker<'r> {
    registry: &'r Registry,
    errors: Vec<String>,
}

impl ExampleChecker<'_> {
    fn error(&mut self, at: &str, message: String) {
        self.errors.push(format!("{at}: {message}"));
    }

    fn check_value(&mut self, at: &str, expected: ScalarType, value: &kdl::KdlValue) {
        let interpolated = value.as_string().is_some_and(|s| s.contains("${"));
        let ok = interpolated
            || match expected {
                ScalarType::String => value.is_string(),
                ScalarType::Int => value.is_integer(),
                ScalarType::Float => value.is_integer() || value.is_float(),
                ScalarType::Bool => value.is_bool(),
            };
        if !ok {
            self.error(
                at,
                format!("expected {}, found {value}", expected.describe()),
            );
        }
    }

    /// Checks the child nodes of a resource or block against `attributes`.
    fn check_children(
        &mut self,
        at: &str,
        attributes: &[Attribute],
        children: &[kdl::KdlNode],
        top: bool,
    ) {
        let mut counts: BTreeMap<&str, usize> = BTreeMap::new();
        for node in children {
            let name = node.name().value();
            if top && META.contains(&name) {
                continue;
            }
            let here = format!("{at} {name}");
            let Some(attribute) = attributes.iter().find(|a| a.name == name) else {
                self.error(&here, "unknown attribute".into());
                continue;
            };
            if attribute.computed {
                self.error(&here, "computed attribute set in configuration".into());
            }
            *counts.entry(attribute.name).or_default() += 1;
            self.check_node(&here, attribute, node);
        }
        for attribute in attributes {
            let count = counts.get(attribute.name).copied().unwrap_or(0);
            if attribute.required && count == 0 && top {
                self.error(at, format!("missing required attribute {}", attribute.name));
            }
            let repeatable = matches!(attribute.shape, Shape::List(_) | Shape::Map(_))
                || matches!(&attribute.shape, Shape::Block(b) if b.repeated);
            if count > 1 && !repeatable {
                self.error(at, format!("{} written {count} times", attribute.name));
            }
        }
    }

    fn check_node(&mut self, at: &str, attribute: &Attribute, node: &kdl::KdlNode) {
        let args: Vec<&kdl::KdlValue> = node
            .entries()
            .iter()
            .filter(|e| e.name().is_none())
            .map(|e| e.value())
            .collect();
        let props: Vec<(&str, &kdl::KdlValue)> = node
            .entries()
            .iter()
            .filter_map(|e| e.name().map(|n| (n.value(), e.value())))
            .collect();
        let children = node.children().map(|c| c.nodes()).unwrap_or_default();
        match &attribute.shape {
            Shape::Scalar(t) => {
                if args.len() != 1 || !props.is_empty() || !children.is_empty() {
                    self.error(at, "expected exactly one argument".into());
                }
                for v in args {
                    self.check_value(at, *t, v);
                }
            }
            Shape::List(t) => {
                if args.is_empty() || !props.is_empty() || !children.is_empty() {
                    self.error(at, "expected one or more arguments".into());
                }
                for v in args {
                    self.check_value(at, *t, v);
                }
            }
            Shape::Map(t) => {
                if props.is_empty() || !args.is_empty() || !children.is_empty() {
                    self.error(at, "expected properties".into());
                }
                for (_, v) in props {
                    self.check_value(at, *t, v);
                }
            }
            Shape::Block(block) => {
                let mut given: BTreeSet<&str> = BTreeSet::new();
                match block.label {
                    Some(label) => {
                        if args.len() != 1 {
                            self.error(at, format!("expected one argument (the {label})"));
                        }
                        if let (Some(v), Some(field)) =
                            (args.first(), block.fields.iter().find(|f| f.name == label))
                        {
                            if let Shape::Scalar(t) = field.shape {
                                self.check_value(at, t, v);
                            }
                        }
                        given.insert(label);
                    }
                    None if !args.is_empty() => self.error(at, "a block takes no arguments".into()),
                    None => {}
                }
                for (name, v) in props {
                    let here = format!("{at} {name}=");
                    match block.fields.iter().find(|f| f.name == name) {
                        Some(Attribute {
                            shape: Shape::Scalar(t),
                            ..
                        }) => self.check_value(&here, *t, v),
                        Some(_) => self.error(&here, "only scalar fields may be properties".into()),
                        None => self.error(&here, "unknown field".into()),
                    }
                    given.insert(name);
                }
                for child in children {
                    given.insert(child.name().value());
                }
                self.check_children(at, &block.fields, children, false);
                for field in &block.fields {
                    if field.required && !given.contains(field.name) {
                        self.error(at, format!("missing required field {}", field.name));
                    }
                }
            }
        }
    }

    fn check_project(&mut self, dir: &Path) -> BTreeSet<String> {
        let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.extension().is_some_and(|e| e == "kdl"))
            .collect();
        files.sort();
        assert!(!files.is_empty(), "no .kdl files in {}", dir.display());

        let mut nodes = Vec::new();
        for file in &files {
            let text = std::fs::read_to_string(file).unwrap();
            let doc = kdl::KdlDocument::parse_v2(&text)
                .unwrap_or_else(|e| panic!("{} does not parse as KDL v2: {e:?}", file.display()));
            let short = file
                .strip_prefix(workspace_root())
                .unwrap_or(file)
                .display()
                .to_string();
            nodes.extend(doc.nodes().iter().cloned().map(|n| (short.clone(), n)));
        }

        let mut resources: BTreeMap<String, &'static str> = BTreeMap::new();
        let mut vars: BTreeSet<String> = BTreeSet::new();
        let mut types_used = BTreeSet::new();
        for (file, node) in &nodes {
            let kind = node.name().value();
            let label = node
                .entries()
                .first()
                .filter(|e| e.name().is_none())
                .and_then(|e| e.value().as_string());
            match kind {
                "var" => {
                    if let Some(label) = label {
                        vars.insert(label.to_string());
                    }
                }
                "stage" => {
                    for child in node.children().map(|c| c.nodes()).unwrap_or_default() {
                        if child.name().value() == "var" {
                            for e in child.entries() {
                                if let Some(n) = e.name() {
                                    vars.insert(n.value().to_string());
                                }
                            }
                        }
                    }
                }
                "project" | "backend" | "output" | "import" => {}
                _ => match (self.registry.get(kind), label) {
                    (Some(schema), Some(label)) => {
                        if resources
                            .insert(format!("{kind}.{label}"), schema.type_name)
                            .is_some()
                        {
                            self.error(file, format!("{kind}.{label} declared twice"));
                        }
                        types_used.insert(schema.type_name.to_string());
                    }
                    (Some(_), None) => self.error(file, format!("{kind} without a name")),
                    (None, _) => self.error(file, format!("unknown node {kind}")),
                },
            }
        }

        let mut edges: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
        for (file, node) in &nodes {
            let kind = node.name().value();
            let from = self.registry.get(kind).map(|_| {
                let label = node
                    .entries()
                    .first()
                    .and_then(|e| e.value().as_string())
                    .unwrap_or("?");
                format!("{kind}.{label}")
            });
            if let Some(from) = &from {
                let targets = edges.entry(from.clone()).or_default();
                let mut strings = Vec::new();
                collect_strings(node, &mut strings);
                for s in &strings {
                    for reference in references(s) {
                        let parts: Vec<&str> = reference.split('.').collect();
                        if parts.len() == 3 && parts[0] != "var" {
                            targets.insert(format!("{}.{}", parts[0], parts[1]));
                        }
                    }
                }
                for child in node.children().map(|c| c.nodes()).unwrap_or_default() {
                    if child.name().value() == "depends-on" {
                        for e in child.entries() {
                            if let Some(s) = e.value().as_string() {
                                targets.insert(s.to_string());
                            }
                        }
                    }
                }
            }
            if let Some(schema) = self.registry.get(kind) {
                let label = node
                    .entries()
                    .first()
                    .and_then(|e| e.value().as_string())
                    .unwrap_or("?");
                let at = format!("{file}: {kind}.{label}");
                let children = node.children().map(|c| c.nodes()).unwrap_or_default();
                self.check_children(&at, &schema.attributes, children, true);
            }
            let mut strings = Vec::new();
            collect_strings(node, &mut strings);
            for s in strings {
                for reference in references(&s) {
                    self.check_reference(file, &reference, &resources, &vars);
                }
            }
        }
        if let Some(cycle) = find_cycle(&edges) {
            self.error(
                &dir.display().to_string(),
                format!("dependency cycle: {}", cycle.join(" -> ")),
            );
        }
        types_used
    }

    fn check_reference(
        &mut self,
        file: &str,
        reference: &str,
        resources: &BTreeMap<String, &'static str>,
        vars: &BTreeSet<String>,
    ) {
        let parts: Vec<&str> = reference.split('.').collect();
        match parts.as_slice() {
            ["stage"] => {}
            ["var", name] => {
                if !vars.contains(*name) {
                    self.error(file, format!("${{{reference}}}: no var {name}"));
                }
            }
            [type_name, name, attribute] => match resources.get(&format!("{type_name}.{name}")) {
                None => self.error(
                    file,
                    format!("${{{reference}}}: no resource {type_name}.{name}"),
                ),
                Some(t) => {
                    if self.registry.get(t).unwrap().attribute(attribute).is_none() {
                        self.error(
                            file,
                            format!("${{{reference}}}: {type_name} has no attribute {attribute}"),
                        );
                    }
                }
            },
            _ => self.error(
                file,
                format!("${{{reference}}}: not a reference eco understands"),
            ),
        }
    }
}

/// A dependency cycle in `edges`, as the path that closes it.
fn find_cycle(edges: &BTreeMap<String, BTreeSet<String>>) -> Option<Vec<String>> {
    fn visit(
        node: &str,
        edges: &BTreeMap<String, BTreeSet<String>>,
        done: &mut BTreeSet<String>,
        path: &mut Vec<String>,
    ) -> Option<Vec<String>> {
        if let Some(start) = path.iter().position(|p| p == node) {
            let mut cycle = path[start..].to_vec();
            cycle.push(node.to_string());
            return Some(cycle);
        }
        if done.contains(node) {
            return None;
        }
        path.push(node.to_string());
        for next in edges.get(node).into_iter().flatten() {
            if let Some(cycle) = visit(next, edges, done, path) {
                return Some(cycle);
            }
        }
        path.pop();
        done.insert(node.to_string());
        None
    }
    let mut done = BTreeSet::new();
    edges
        .keys()
        .find_map(|start| visit(start, edges, &mut done, &mut Vec::new()))
}

fn collect_strings(node: &kdl::KdlNode, out: &mut Vec<String>) {
    for entry in node.entries() {
        if let Some(s) = entry.value().as_string() {
            out.push(s.to_string());
        }
    }
    for child in node.children().map(|c| c.nodes()).unwrap_or_default() {
        collect_strings(child, out);
    }
}

/// The `${...}` expressions in a string.
fn references(s: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = s;
    while let Some(start) = rest.find("${") {
        let after = &rest[start + 2..];
        match after.find('}') {
            Some(end) => {
                out.push(after[..end].trim().to_string());
                rest = &after[end + 1..];
            }
            None => break,
        }
    }
    out
}

fn check_example(dir: &str) -> BTreeSet<String> {
    let registry = registry();
    let mut checker = ExampleChecker {
        registry: &registry,
        errors: Vec::new(),
    };
    let used = checker.check_project(&workspace_root().join(dir));
    assert!(
        checker.errors.is_empty(),
        "{dir}:\n{}",
        checker.errors.join("\n")
    );
    used
}

#[test]
fn minimal_example_matches_the_schemas() {
    let used = check_example("examples/minimal");
    for t in ["s3-bucket", "dynamodb-table", "iam-role"] {
        assert!(used.contains(t), "minimal example lacks {t}");
    }
}

#[test]
fn ecogy_platform_example_matches_the_schemas_and_uses_every_type() {
    let used = check_example("examples/ecogy-platform");
    let all: BTreeSet<String> = registry().type_names().map(String::from).collect();
    let missing: Vec<_> = all.difference(&used).collect();
    assert!(
        missing.is_empty(),
        "ecogy-platform example lacks {missing:?}"
    );
    let root = workspace_root().join("examples/ecogy-platform");
    for f in [
        "site/index.html",
        "backend/assets/index.js",
        "backend/users/index.js",
    ] {
        assert!(
            root.join(f).is_file(),
            "examples/ecogy-platform/{f} is missing"
        );
    }
}

#[test]
fn checker_catches_mistakes() {
    let registry = registry();
    let mut checker = ExampleChecker {
        registry: &registry,
        errors: Vec::new(),
    };
    let schema: &Schema = registry.get("dynamodb-table").unwrap();
    let doc = kdl::KdlDocument::parse_v2(
        r#"t { hash-key "pk" type="S" kind="x"; gsi "a"; versioning #true; arn "x"; read-capacity "five" }"#,
    )
    .unwrap();
    let children = doc.nodes()[0].children().unwrap().nodes();
    checker.check_children("t", &schema.attributes, children, true);
    let text = checker.errors.join("\n");
    for expected in [
        "kind=: unknown field",
        "missing required field hash-key",
        "versioning: unknown attribute",
        "computed attribute",
        "expected an integer",
        "missing required attribute name",
    ] {
        assert!(text.contains(expected), "expected {expected:?} in:\n{text}");
    }
    assert_eq!(
        references("a ${stage}-${var.x} ${ s3-bucket.b.arn }"),
        ["stage", "var.x", "s3-bucket.b.arn"]
    );
}
