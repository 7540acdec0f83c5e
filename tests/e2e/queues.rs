//! `sqs-queue` end to end: a queue made by hand is imported with generated KDL and then plans
//! clean; a replacement of a queue holding messages says how many would be lost; FIFO names are
//! checked by `eco validate`. An event bus made by hand imports the same way.

use crate::support::{ok, stderr, stdout, Project};

const CONFIG: &str = r#"project "legacy"

stage "dev" {
    account "123456789012"
    region "us-east-1"
}
"#;

fn rt() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
}

#[test]
fn a_hand_made_queue_imports_with_generated_kdl_and_plans_clean() {
    let p = Project::with_main(CONFIG);
    let aws = p.aws();
    let policy = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"events.amazonaws.com"},"Action":"sqs:SendMessage","Resource":"*"}]}"#;
    rt().block_on(async {
        let sqs = aws.sqs();
        let dlq = sqs
            .create_queue()
            .queue_name("handmade-failed")
            .send()
            .await
            .unwrap();
        let arn = sqs
            .get_queue_attributes()
            .queue_url(dlq.queue_url.unwrap())
            .attribute_names(aws_sdk_sqs::types::QueueAttributeName::QueueArn)
            .send()
            .await
            .unwrap()
            .attributes
            .unwrap()[&aws_sdk_sqs::types::QueueAttributeName::QueueArn]
            .clone();
        use aws_sdk_sqs::types::QueueAttributeName as N;
        sqs.create_queue()
            .queue_name("handmade-jobs")
            .attributes(N::VisibilityTimeout, "90")
            .attributes(
                N::RedrivePolicy,
                format!(r#"{{"deadLetterTargetArn":"{arn}","maxReceiveCount":3}}"#),
            )
            .attributes(N::Policy, policy)
            .tags("team", "data")
            .send()
            .await
            .unwrap();
    });
    let out = ok(&p.eco(&["import", "-generate", "sqs-queue.jobs", "handmade-jobs"]));
    assert!(out.contains("sqs-queue.jobs: imported"), "{out}");
    let generated = std::fs::read_to_string(p.path().join("generated.kdl")).unwrap();
    assert!(generated.contains("sqs-queue \"jobs\" {"), "{generated}");
    assert!(generated.contains("max-receive-count=3"), "{generated}");
    assert!(!generated.contains("approximate-messages"), "{generated}");
    let plan = p.eco(&["plan", "-detailed-exitcode"]);
    assert_eq!(
        plan.status.code(),
        Some(0),
        "plan after import:\n{}\n{}\ngenerated:\n{generated}",
        stdout(&plan),
        stderr(&plan)
    );
}

#[test]
fn replacing_a_queue_with_messages_says_how_many_would_be_lost() {
    let p = Project::with_main(&format!(
        "{CONFIG}\nsqs-queue \"jobs\" {{\n    name \"jobs-a\"\n    policy \"{{\\\"Version\\\": \\\"2012-10-17\\\", \\\"Statement\\\": [{{\\\"Effect\\\": \\\"Deny\\\", \\\"Principal\\\": \\\"*\\\", \\\"Action\\\": \\\"sqs:PurgeQueue\\\", \\\"Resource\\\": \\\"*\\\"}}]}}\"\n}}\n"
    ));
    ok(&p.eco(&["apply", "-auto-approve"]));
    let url = p.id_of("sqs-queue.jobs");
    let aws = p.aws();
    rt().block_on(async {
        for body in ["1", "2", "3"] {
            let send = aws.sqs().send_message().queue_url(&url).message_body(body);
            send.send().await.unwrap();
        }
    });
    // The same policy written another way is no change.
    p.edit(
        r#"{\"Version\": \"2012-10-17\", \"Statement\": [{\"Effect\""#,
        r#"{ \"Statement\": [ {  \"Effect\""#,
    );
    p.edit(
        r#"\"Resource\": \"*\"}]}"#,
        r#"\"Resource\": \"*\"} ],  \"Version\": \"2012-10-17\" }"#,
    );
    p.no_changes();
    p.edit("jobs-a", "jobs-b");
    let plan = ok(&p.eco(&["plan"]));
    assert!(plan.contains("about 3 messages would be lost"), "{plan}");
}

#[test]
fn validate_refuses_a_fifo_queue_without_the_fifo_suffix() {
    let p = Project::with_main(&format!(
        "{CONFIG}\nsqs-queue \"orders\" {{\n    name \"orders\"\n    fifo #true\n}}\n"
    ));
    let out = p.eco(&["validate"]);
    assert_eq!(out.status.code(), Some(1), "{}", stdout(&out));
    let err = stderr(&out);
    assert!(err.contains("does not end in `.fifo`"), "{err}");
    assert!(err.contains("orders.fifo"), "{err}");
}

#[test]
fn a_hand_made_event_bus_imports_with_generated_kdl_and_plans_clean() {
    let p = Project::with_main(CONFIG);
    let aws = p.aws();
    rt().block_on(async {
        let create = aws.eventbridge().create_event_bus().name("handmade-events");
        create.send().await.unwrap();
    });
    let out = ok(&p.eco(&[
        "import",
        "-generate",
        "eventbridge-bus.events",
        "handmade-events",
    ]));
    assert!(out.contains("eventbridge-bus.events: imported"), "{out}");
    let generated = std::fs::read_to_string(p.path().join("generated.kdl")).unwrap();
    assert!(
        generated.contains("name \"handmade-events\""),
        "{generated}"
    );
    let plan = p.eco(&["plan", "-detailed-exitcode"]);
    assert_eq!(
        plan.status.code(),
        Some(0),
        "plan after import:\n{}\n{}\ngenerated:\n{generated}",
        stdout(&plan),
        stderr(&plan)
    );
}

#[test]
fn a_hand_made_topic_and_subscription_import_with_generated_kdl_and_plan_clean() {
    let p = Project::with_main(CONFIG);
    let aws = p.aws();
    let (topic, subscription) = rt().block_on(async {
        let topic = aws
            .sns()
            .create_topic()
            .name("handmade-alerts")
            .attributes("DisplayName", "Hand made")
            .send()
            .await
            .unwrap()
            .topic_arn
            .unwrap();
        aws.sqs()
            .create_queue()
            .queue_name("handmade-alerts-queue")
            .send()
            .await
            .unwrap();
        let subscription = aws
            .sns()
            .subscribe()
            .topic_arn(&topic)
            .protocol("sqs")
            .endpoint("arn:aws:sqs:us-east-1:123456789012:handmade-alerts-queue")
            .attributes("RawMessageDelivery", "true")
            .return_subscription_arn(true)
            .send()
            .await
            .unwrap()
            .subscription_arn
            .unwrap();
        (topic, subscription)
    });
    let out = ok(&p.eco(&["import", "-generate", "sns-topic.alerts", &topic]));
    assert!(out.contains("sns-topic.alerts: imported"), "{out}");
    let generated = std::fs::read_to_string(p.path().join("generated.kdl")).unwrap();
    assert!(
        generated.contains("display-name \"Hand made\""),
        "{generated}"
    );
    let plan = p.eco(&["plan", "-detailed-exitcode"]);
    assert_eq!(
        plan.status.code(),
        Some(0),
        "plan after import:\n{}\n{}\ngenerated:\n{generated}",
        stdout(&plan),
        stderr(&plan)
    );
    std::fs::rename(p.path().join("generated.kdl"), p.path().join("topic.kdl")).unwrap();
    let out = ok(&p.eco(&[
        "import",
        "-generate",
        "sns-subscription.alerts",
        &subscription,
    ]));
    assert!(out.contains("sns-subscription.alerts: imported"), "{out}");
    let generated = std::fs::read_to_string(p.path().join("generated.kdl")).unwrap();
    assert!(generated.contains("protocol \"sqs\""), "{generated}");
    let plan = p.eco(&["plan", "-detailed-exitcode"]);
    assert_eq!(
        plan.status.code(),
        Some(0),
        "plan after import:\n{}\n{}\ngenerated:\n{generated}",
        stdout(&plan),
        stderr(&plan)
    );
}
