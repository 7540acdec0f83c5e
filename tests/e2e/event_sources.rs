//! `lambda-event-source-mapping` end to end: a mapping made by hand (a queue feeding a function)
//! imports by its UUID with generated KDL and then plans clean; `eco discover` lists it.

use crate::support::{ok, stderr, stdout, Project};

const CONFIG: &str = r#"project "legacy"

stage "dev" {
    account "123456789012"
    region "us-east-1"
}
"#;

const TRUST: &str = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"lambda.amazonaws.com"},"Action":"sts:AssumeRole"}]}"#;

#[test]
fn a_hand_made_event_source_mapping_imports_with_generated_kdl_and_plans_clean() {
    let p = Project::with_main(CONFIG);
    let aws = p.aws();
    let code = tempfile::tempdir().unwrap();
    std::fs::write(
        code.path().join("index.js"),
        "exports.handler = async () => ({});\n",
    )
    .unwrap();
    let zip = eco_aws::resources::lambda_function::package_dir(code.path()).unwrap();
    let rt = tokio::runtime::Runtime::new().unwrap();
    let uuid = rt.block_on(async {
        aws.sqs()
            .create_queue()
            .queue_name("handmade-jobs")
            .send()
            .await
            .unwrap();
        let role = aws
            .iam()
            .create_role()
            .role_name("handmade-worker-role")
            .assume_role_policy_document(TRUST)
            .send()
            .await
            .unwrap();
        aws.lambda()
            .create_function()
            .function_name("handmade-worker")
            .runtime(aws_sdk_lambda::types::Runtime::Nodejs20x)
            .handler("index.handler")
            .role(role.role().unwrap().arn())
            .code(
                aws_sdk_lambda::types::FunctionCode::builder()
                    .zip_file(aws_sdk_lambda::primitives::Blob::new(zip))
                    .build(),
            )
            .send()
            .await
            .unwrap();
        let filter = aws_sdk_lambda::types::Filter::builder()
            .pattern(r#"{"body": {"kind": ["import"]}}"#)
            .build();
        aws.lambda()
            .create_event_source_mapping()
            .function_name("handmade-worker")
            .event_source_arn("arn:aws:sqs:us-east-1:123456789012:handmade-jobs")
            .batch_size(7)
            .filter_criteria(
                aws_sdk_lambda::types::FilterCriteria::builder()
                    .filters(filter)
                    .build(),
            )
            .send()
            .await
            .unwrap()
            .uuid
            .unwrap()
    });
    let listed = ok(&p.eco(&["discover", "-type", "lambda-event-source-mapping"]));
    assert!(listed.contains(&uuid), "{listed}");
    let out = ok(&p.eco(&[
        "import",
        "-generate",
        "lambda-event-source-mapping.jobs",
        &uuid,
    ]));
    assert!(
        out.contains("lambda-event-source-mapping.jobs: imported"),
        "{out}"
    );
    let generated = std::fs::read_to_string(p.path().join("generated.kdl")).unwrap();
    assert!(
        generated.contains("function \"handmade-worker\""),
        "{generated}"
    );
    assert!(generated.contains("batch-size 7"), "{generated}");
    assert!(!generated.contains("function-arn"), "{generated}");
    let plan = p.eco(&["plan", "-detailed-exitcode"]);
    assert_eq!(
        plan.status.code(),
        Some(0),
        "plan after import:\n{}\n{}\ngenerated:\n{generated}",
        stdout(&plan),
        stderr(&plan)
    );
    // The batch size changed in the configuration: exactly that change, in place.
    p.edit_file("generated.kdl", "batch-size 7", "batch-size 9");
    let plan = ok(&p.eco(&["plan"]));
    assert!(
        plan.contains("# lambda-event-source-mapping.jobs will be updated in place"),
        "{plan}"
    );
    assert!(plan.contains("1 to change"), "{plan}");
    ok(&p.eco(&["apply", "-auto-approve"]));
    p.no_changes();
}
