//! `sqs-queue` against moto: the standard tests (a standard queue with a redrive to a
//! dead-letter queue, a FIFO queue), a policy written another way sends nothing, the message
//! count a replacement would lose, ownership and import by name.

use eco_aws::resources::sqs_queue::Provider;
use eco_aws::Aws;
use eco_provider::standard::{self, Case, Replacement};
use eco_provider::values::{map, s, tags};
use eco_provider::{Attrs, ErrorKind, OpContext, ResourceProvider, Value};
use eco_test_support::Moto;

fn ctx(name: &str) -> OpContext {
    OpContext::new(format!("sqs-queue.{name}"), "ecogy", "dev")
}

fn setup() -> (Moto, Aws) {
    let moto = Moto::start();
    let aws = Aws::for_endpoint(&moto.endpoint(), "us-east-1");
    (moto, aws)
}

fn with(a: &Attrs, changes: &[(&str, Value)]) -> Attrs {
    let mut a = a.clone();
    for (k, v) in changes {
        a.insert(k.to_string(), v.clone());
    }
    a
}

const POLICY: &str = r#"{"Version":"2012-10-17","Statement":[{"Sid":"send","Effect":"Allow","Principal":{"Service":"events.amazonaws.com"},"Action":"sqs:SendMessage","Resource":"*"}]}"#;

/// The same policy as a person would write it: other key order, other whitespace.
const POLICY_REWRITTEN: &str = r#"{
  "Statement": [ { "Action": "sqs:SendMessage", "Effect": "Allow", "Resource": "*",
                   "Principal": { "Service": "events.amazonaws.com" }, "Sid": "send" } ],
  "Version": "2012-10-17"
}"#;

#[tokio::test]
async fn standard_queue_with_a_dead_letter_queue() {
    let (_moto, aws) = setup();
    let p = Provider::new(&aws);
    let dlq_ctx = ctx("failed");
    let dlq = p
        .create(
            &dlq_ctx,
            &Attrs::from([
                ("name".to_string(), s("jobs-failed")),
                ("tags".to_string(), tags(&dlq_ctx, &[])),
            ]),
            "t0",
        )
        .await
        .unwrap();
    let dlq_arn = dlq.attrs["arn"].as_str().unwrap().to_string();
    assert_eq!(dlq_arn, "arn:aws:sqs:us-east-1:123456789012:jobs-failed");
    let c = ctx("jobs");
    let desired = Attrs::from([
        ("name".to_string(), s("jobs")),
        ("visibility-timeout-seconds".to_string(), Value::Int(60)),
        ("message-retention-seconds".to_string(), Value::Int(86400)),
        ("receive-wait-seconds".to_string(), Value::Int(10)),
        (
            "redrive".to_string(),
            map(&[
                ("dead-letter-arn", s(&dlq_arn)),
                ("max-receive-count", Value::Int(5)),
            ]),
        ),
        // No policy here: moto's SetQueueAttributes drops a queue's policy when the call does
        // not carry one (AWS keeps it); the policy has its own test below.
        ("tags".to_string(), tags(&c, &[("team", "data")])),
    ]);
    let updated = with(
        &desired,
        &[
            ("visibility-timeout-seconds", Value::Int(120)),
            ("delay-seconds", Value::Int(5)),
            ("tags", tags(&c, &[("team", "platform")])),
        ],
    );
    standard::run(Case {
        provider: &p,
        ctx: c,
        desired,
        updated,
        changed: ["visibility-timeout-seconds", "delay-seconds", "tags"]
            .map(String::from)
            .to_vec(),
        token: "t1".into(),
    })
    .await;
}

#[tokio::test]
async fn fifo_queue() {
    let (_moto, aws) = setup();
    let p = Provider::new(&aws);
    let c = ctx("orders");
    let desired = Attrs::from([
        ("name".to_string(), s("orders.fifo")),
        ("fifo".to_string(), Value::Bool(true)),
        (
            "content-based-deduplication".to_string(),
            Value::Bool(false),
        ),
        ("tags".to_string(), tags(&c, &[])),
    ]);
    let updated = with(
        &desired,
        &[("content-based-deduplication", Value::Bool(true))],
    );
    standard::run(Case {
        provider: &p,
        ctx: c.clone(),
        desired: desired.clone(),
        updated,
        changed: vec!["content-based-deduplication".into()],
        token: "t".into(),
    })
    .await;
    // A FIFO flag without the .fifo name is refused before any call.
    let bad = with(&desired, &[("name", s("orders"))]);
    let e = p.create(&c, &bad, "t").await.unwrap_err();
    assert_eq!(e.kind, ErrorKind::Invalid, "{e}");
}

#[tokio::test]
async fn a_policy_written_another_way_sends_nothing_and_messages_are_counted() {
    let (moto, aws) = setup();
    let p = Provider::new(&aws);
    let c = ctx("jobs");
    let desired = Attrs::from([
        ("name".to_string(), s("jobs")),
        ("policy".to_string(), s(POLICY)),
        ("tags".to_string(), tags(&c, &[])),
    ]);
    let made = p.create(&c, &desired, "t").await.unwrap();
    assert!(made.id.ends_with("/123456789012/jobs"), "{}", made.id);
    moto.start_recording();
    let rewritten = with(&desired, &[("policy", s(POLICY_REWRITTEN))]);
    p.update(&c, &made.id, &made.attrs, &rewritten, &["policy".into()])
        .await
        .unwrap();
    let calls = moto.recorded_calls();
    assert!(
        !calls.iter().any(|c| c.operation == "SetQueueAttributes"),
        "{calls:#?}"
    );
    // A real change of the policy is sent.
    let other = POLICY.replace("\"send\"", "\"send-events\"");
    let changed = with(&desired, &[("policy", s(&other))]);
    let after = p
        .update(&c, &made.id, &made.attrs, &changed, &["policy".into()])
        .await
        .unwrap();
    assert_eq!(after.attrs["policy"], s(&other));
    let read = p.read(&c, &made.id).await.unwrap().unwrap();
    assert_eq!(read.attrs["policy"], s(&other));
    for body in ["a", "b"] {
        aws.sqs()
            .send_message()
            .queue_url(&made.id)
            .message_body(body)
            .send()
            .await
            .unwrap();
    }
    let read = p.read(&c, &made.id).await.unwrap().unwrap();
    assert_eq!(read.attrs["approximate-messages"], Value::Int(2));
}

#[tokio::test]
async fn a_queue_made_by_hand_is_not_taken_and_imports_by_name_or_url() {
    let (_moto, aws) = setup();
    let p = Provider::new(&aws);
    let url = aws
        .sqs()
        .create_queue()
        .queue_name("legacy")
        .send()
        .await
        .unwrap()
        .queue_url
        .unwrap();
    let c = ctx("legacy");
    let desired = Attrs::from([
        ("name".to_string(), s("legacy")),
        ("tags".to_string(), tags(&c, &[])),
    ]);
    let e = p.create(&c, &desired, "t").await.unwrap_err();
    assert_eq!(e.kind, ErrorKind::Conflict);
    assert!(
        e.message.contains("eco import sqs-queue.legacy legacy"),
        "{e}"
    );
    let e = p.find(&c, &desired, "t").await.unwrap_err();
    assert_eq!(e.kind, ErrorKind::Conflict);
    let by_name = p.import(&c, "legacy").await.unwrap().unwrap();
    assert_eq!(by_name.id, url);
    assert_eq!(by_name.attrs["fifo"], Value::Bool(false));
    assert_eq!(by_name.attrs["visibility-timeout-seconds"], Value::Int(30));
    assert_eq!(p.import(&c, &url).await.unwrap().unwrap(), by_name);
    assert_eq!(p.import(&c, "nothing-here").await.unwrap(), None);
    let listed = p.list(&c).await.unwrap().unwrap();
    assert!(listed.iter().any(|l| l.id == url));
}

/// Another name, or standard to FIFO (AWS fixes both at creation), forces a new queue: beside
/// the old one.
#[tokio::test]
async fn standard_replacement() {
    let (_moto, aws) = setup();
    let p = Provider::new(&aws);
    let c = ctx("jobs");
    let queue = |name: &str| {
        Attrs::from([
            ("name".to_string(), s(name)),
            ("tags".to_string(), tags(&c, &[])),
        ])
    };
    standard::replace(Replacement {
        provider: &p,
        ctx: c.clone(),
        desired: queue("jobs-old"),
        replaced: queue("jobs-new"),
        beside: true,
    })
    .await;
    standard::replace(Replacement {
        provider: &p,
        ctx: c.clone(),
        desired: queue("orders"),
        replaced: with(&queue("orders.fifo"), &[("fifo", Value::Bool(true))]),
        beside: true,
    })
    .await;
}
