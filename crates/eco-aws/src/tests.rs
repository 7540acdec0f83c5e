//! Invariants every schema must keep, the generated reference, and the examples' consistency
//! with the schemas.

use crate::{docs, registry, resources};
use eco_schema::{Attribute, BlockSchema, ScalarType, Shape, Update};
use std::collections::BTreeSet;
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
fn registry_has_every_type() {
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
        "iam-policy",
        "iam-role-policy-attachment",
        "log-group",
        "ssm-parameter",
        "secretsmanager-secret",
        "sqs-queue",
        "eventbridge-bus",
        "eventbridge-rule",
        "sns-topic",
        "sns-subscription",
        "rest-api",
        "rest-resource",
        "rest-method",
        "rest-integration",
        "rest-authorizer",
        "rest-deployment",
        "rest-stage",
        "s3-bucket-policy",
        "lambda-event-source-mapping",
        "lambda-layer",
        "scheduler-schedule",
        "cloudfront-cache-policy",
        "cloudfront-origin-request-policy",
        "cloudfront-response-headers-policy",
        "cloudfront-function",
        "ses-email-identity",
        "rest-domain",
        "rest-base-path-mapping",
        "rest-usage-plan",
        "rest-api-key",
        "rest-usage-plan-key",
    ];
    let registry = registry();
    let names: BTreeSet<&str> = registry.type_names().collect();
    assert_eq!(names, expected.into_iter().collect::<BTreeSet<_>>());
    assert_eq!(
        resources::all().len(),
        expected.len(),
        "a type is registered twice"
    );
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
        (sqs_queue::TYPE_NAME, sqs_queue::schema()),
        (eventbridge_bus::TYPE_NAME, eventbridge_bus::schema()),
        (s3_bucket_policy::TYPE_NAME, s3_bucket_policy::schema()),
        (eventbridge_rule::TYPE_NAME, eventbridge_rule::schema()),
        (sns_topic::TYPE_NAME, sns_topic::schema()),
        (sns_subscription::TYPE_NAME, sns_subscription::schema()),
        (
            lambda_event_source_mapping::TYPE_NAME,
            lambda_event_source_mapping::schema(),
        ),
        (lambda_layer::TYPE_NAME, lambda_layer::schema()),
        (scheduler_schedule::TYPE_NAME, scheduler_schedule::schema()),
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

/// Loads an example with the real configuration loader and graph builder (every schema check,
/// reference and cycle check eco itself runs), and returns the resource types it uses.
fn check_example(dir: &str) -> BTreeSet<String> {
    let config = eco_config::load_dir(&workspace_root().join(dir), &registry())
        .unwrap_or_else(|e| panic!("{dir} does not load:\n{e}"));
    eco_graph::ResourceGraph::from_config(&config)
        .unwrap_or_else(|d| panic!("{dir}: {}", d.to_plain(&config.sources)));
    config
        .resources
        .iter()
        .chain(config.for_each.iter().map(|fe| &fe.resource))
        // The resources of a module called with for-each are made per stage.
        .chain(config.module_for_each.iter().flat_map(|m| {
            m.module
                .resources
                .iter()
                .chain(m.module.for_each.iter().map(|fe| &fe.resource))
        }))
        .map(|r| r.address.type_name.clone())
        .collect()
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

#[tokio::test]
async fn each_concurrently_keeps_order_bounds_calls_in_flight_and_stops_at_an_error() {
    use std::sync::atomic::{AtomicUsize, Ordering};
    let (in_flight, most) = (AtomicUsize::new(0), AtomicUsize::new(0));
    let read = |i: u64| {
        let (in_flight, most) = (&in_flight, &most);
        async move {
            let now = in_flight.fetch_add(1, Ordering::SeqCst) + 1;
            most.fetch_max(now, Ordering::SeqCst);
            // Later items answer sooner: the answers must still come back in order.
            tokio::time::sleep(std::time::Duration::from_millis(20 - i)).await;
            in_flight.fetch_sub(1, Ordering::SeqCst);
            Ok::<_, eco_provider::OpError>(i * 10)
        }
    };
    let out = crate::aws::each_concurrently((0..7).collect(), 3, read).await;
    assert_eq!(out.unwrap(), vec![0, 10, 20, 30, 40, 50, 60]);
    assert_eq!(most.load(Ordering::SeqCst), 3);

    let failing = crate::aws::each_concurrently(vec![1, 2, 3], 2, |i| async move {
        match i {
            2 => Err(eco_provider::OpError::invalid("Op", "two")),
            _ => Ok(i),
        }
    });
    assert_eq!(failing.await.unwrap_err().message, "two");
}
