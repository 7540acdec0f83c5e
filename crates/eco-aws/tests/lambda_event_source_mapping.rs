//! `lambda-event-source-mapping` against moto: the standard tests on an SQS mapping (batch
//! size and window, enabled, filter patterns and partial-failure reporting changed in place),
//! replacement by another queue, a DynamoDB stream mapping with its starting position, a mapping
//! made by hand adopted by a create, import by UUID and listing.

mod common;

use std::io::Write;

use eco_aws::resources::lambda_event_source_mapping::{
    self, FunctionResponseType, LambdaEventSourceMapping, StartingPosition,
};
use eco_aws::Aws;
use eco_provider::standard::{self, Case, Replacement};
use eco_provider::{ErrorKind, OpContext, ResourceProvider};
use eco_schema::Spec;
use eco_test_support::Moto;

/// A zip holding one handler file.
fn handler_zip() -> Vec<u8> {
    let mut writer = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    writer
        .start_file("index.js", zip::write::SimpleFileOptions::default())
        .unwrap();
    writer
        .write_all(b"exports.handler = async () => ({});\n")
        .unwrap();
    writer.finish().unwrap().into_inner()
}

/// A function `name` made straight through the SDK; its ARN.
async fn function(aws: &Aws, name: &str) -> String {
    let role = format!("{name}-role");
    common::hand_made_role(aws, &role).await;
    aws.lambda()
        .create_function()
        .function_name(name)
        .runtime(aws_sdk_lambda::types::Runtime::Nodejs20x)
        .handler("index.handler")
        .role(format!("arn:aws:iam::123456789012:role/{role}"))
        .code(
            aws_sdk_lambda::types::FunctionCode::builder()
                .zip_file(aws_sdk_lambda::primitives::Blob::new(handler_zip()))
                .build(),
        )
        .send()
        .await
        .unwrap()
        .function_arn
        .unwrap()
}

/// A queue `name`; its ARN.
async fn queue(aws: &Aws, name: &str) -> String {
    aws.sqs()
        .create_queue()
        .queue_name(name)
        .send()
        .await
        .unwrap();
    format!("arn:aws:sqs:us-east-1:123456789012:{name}")
}

#[tokio::test]
async fn queue_mapping_standard_replace_adopt_import_and_list() {
    let moto = Moto::start();
    let aws = Aws::for_endpoint(&moto.endpoint(), "us-east-1");
    let p = lambda_event_source_mapping::Provider::new(&aws);
    let function_arn = function(&aws, "worker").await;
    let jobs = queue(&aws, "jobs").await;
    let other = queue(&aws, "jobs-b").await;
    let ctx = OpContext::new("lambda-event-source-mapping.jobs", "ecogy", "dev");
    let desired = LambdaEventSourceMapping {
        function: "worker".into(),
        event_source_arn: jobs.clone(),
        batch_size: Some(5),
        enabled: Some(true),
        ..Default::default()
    };
    let mut updated = desired.clone();
    updated.batch_size = Some(50);
    updated.maximum_batching_window = Some(20);
    updated.enabled = Some(false);
    updated.filter_patterns = Some(vec![r#"{"body":{"kind":["import"]}}"#.into()]);
    updated.function_response_types = Some(vec![FunctionResponseType::ReportBatchItemFailures]);
    standard::run(Case {
        provider: &p,
        ctx: ctx.clone(),
        desired: desired.to_attrs(),
        updated: updated.to_attrs(),
        changed: [
            "batch-size",
            "maximum-batching-window",
            "enabled",
            "filter-patterns",
            "function-response-types",
        ]
        .iter()
        .map(|c| c.to_string())
        .collect(),
        token: "t".into(),
    })
    .await;

    // Another queue replaces the mapping, before or beside the old one.
    let mut replaced = desired.clone();
    replaced.event_source_arn = other.clone();
    standard::replace(Replacement {
        provider: &p,
        ctx: ctx.clone(),
        desired: desired.to_attrs(),
        replaced: replaced.to_attrs(),
        beside: true,
    })
    .await;

    // A mapping made by hand (the function named by ARN) is what a create of the same
    // function and queue adopts, brought to the configuration.
    let made = aws
        .lambda()
        .create_event_source_mapping()
        .function_name(&function_arn)
        .event_source_arn(&jobs)
        .batch_size(3)
        .send()
        .await
        .unwrap();
    let uuid = made.uuid.unwrap();
    let adopted = p.create(&ctx, &desired.to_attrs(), "t").await.unwrap();
    assert_eq!(adopted.id, uuid);
    let live = LambdaEventSourceMapping::from_attrs(&adopted.attrs).unwrap();
    assert_eq!(live.batch_size, Some(5));
    assert_eq!(live.function, "worker");
    assert_eq!(live.function_arn.as_deref(), Some(function_arn.as_str()));

    // Import by UUID, and the listing.
    let imported = p.import(&ctx, &uuid).await.unwrap().unwrap();
    let live = LambdaEventSourceMapping::from_attrs(&imported.attrs).unwrap();
    assert_eq!(live.event_source_arn, jobs);
    let listed = p.list(&ctx).await.unwrap().unwrap();
    assert_eq!(listed.len(), 1, "{listed:?}");
    assert!(p.import(&ctx, "no-such-uuid").await.unwrap().is_none());

    // What the queue kind refuses is refused before any call.
    let mut too_big = desired.clone();
    too_big.batch_size = Some(100);
    let e = p.create(&ctx, &too_big.to_attrs(), "t").await.unwrap_err();
    assert_eq!(e.kind, ErrorKind::Invalid, "{e}");
    assert!(e.message.contains("maximum-batching-window"), "{e}");
}

#[tokio::test]
async fn stream_mapping_keeps_its_starting_position() {
    use aws_sdk_dynamodb::types::{StreamSpecification, StreamViewType};
    let moto = Moto::start();
    let aws = Aws::for_endpoint(&moto.endpoint(), "us-east-1");
    let p = lambda_event_source_mapping::Provider::new(&aws);
    function(&aws, "projector").await;
    common::hand_made_table(&aws, "orders").await;
    let table = aws
        .dynamodb()
        .update_table()
        .table_name("orders")
        .stream_specification(
            StreamSpecification::builder()
                .stream_enabled(true)
                .stream_view_type(StreamViewType::NewImage)
                .build()
                .unwrap(),
        )
        .send()
        .await
        .unwrap();
    let stream = table.table_description.unwrap().latest_stream_arn.unwrap();
    let ctx = OpContext::new("lambda-event-source-mapping.orders", "ecogy", "dev");
    let desired = LambdaEventSourceMapping {
        function: "projector".into(),
        event_source_arn: stream.clone(),
        batch_size: Some(200),
        starting_position: Some(StartingPosition::Latest),
        ..Default::default()
    };
    let mut updated = desired.clone();
    updated.batch_size = Some(500);
    standard::run(Case {
        provider: &p,
        ctx: ctx.clone(),
        desired: desired.to_attrs(),
        updated: updated.to_attrs(),
        changed: vec!["batch-size".into()],
        token: "t".into(),
    })
    .await;
    // A stream without a starting position is refused before any call.
    let mut none = desired.clone();
    none.starting_position = None;
    let e = p.create(&ctx, &none.to_attrs(), "t").await.unwrap_err();
    assert_eq!(e.kind, ErrorKind::Invalid, "{e}");
}
