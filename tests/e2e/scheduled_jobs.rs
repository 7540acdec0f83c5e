//! examples/scheduled-jobs end to end against moto: an EventBridge rule that runs a Lambda
//! function every night (failures to an SQS dead-letter queue, settings in an SSM parameter, runs
//! recorded in a DynamoDB table, logs kept 14 days), a Scheduler schedule in a time zone, a
//! worker fed by an SQS queue through an event source mapping and a layer both functions use
//! apply from empty, plan clean, change in place, and destroy; a rule made by hand imports with
//! generated KDL and then plans clean.

use crate::support::*;

fn rt() -> tokio::runtime::Runtime {
    tokio::runtime::Runtime::new().unwrap()
}

#[test]
fn scheduled_jobs_apply_from_empty_plan_clean_and_destroy() {
    let p = Project::from_example("examples/scheduled-jobs");
    let out = ok(&p.eco(&["apply", "-auto-approve"]));
    assert!(out.contains("Apply complete! Resources: 15 added"), "{out}");
    p.no_changes();

    // The rule, as EventBridge has it: the schedule, and the function as its one target with
    // the dead-letter queue and the retry policy.
    assert_eq!(p.id_of("eventbridge-rule.nightly"), "scheduled-dev-nightly");
    let function_arn = p.attr("lambda-function.import", "arn");
    let queue_arn = p.attr("sqs-queue.failed", "arn");
    let aws = p.aws();
    let (rule, targets, retention) = rt().block_on(async {
        let events = aws.eventbridge();
        let rule = events
            .describe_rule()
            .name("scheduled-dev-nightly")
            .send()
            .await
            .unwrap();
        let targets = events
            .list_targets_by_rule()
            .rule("scheduled-dev-nightly")
            .send()
            .await
            .unwrap();
        let groups = aws
            .logs()
            .describe_log_groups()
            .log_group_name_prefix("/aws/lambda/scheduled-dev-import")
            .send()
            .await
            .unwrap();
        let retention = groups.log_groups()[0].retention_in_days();
        (rule, targets, retention)
    });
    assert_eq!(rule.schedule_expression(), Some("cron(0 3 * * ? *)"));
    let targets = targets.targets();
    assert_eq!(targets.len(), 1, "{targets:?}");
    assert_eq!(targets[0].arn(), function_arn);
    assert_eq!(
        targets[0].dead_letter_config().and_then(|d| d.arn()),
        Some(queue_arn.as_str())
    );
    assert_eq!(
        targets[0]
            .retry_policy()
            .and_then(|r| r.maximum_retry_attempts()),
        Some(4)
    );
    assert_eq!(retention, Some(14));
    assert_eq!(
        p.attr("lambda-permission.nightly", "source-arn"),
        p.attr("eventbridge-rule.nightly", "arn")
    );

    // A target changed in place: only the rule is updated.
    p.edit("maximum-retry-attempts=4", "maximum-retry-attempts=8");
    let plan = ok(&p.eco(&["plan"]));
    assert!(
        plan.contains("# eventbridge-rule.nightly will be updated in place"),
        "{plan}"
    );
    assert!(plan.contains("1 to change"), "{plan}");
    ok(&p.eco(&["apply", "-auto-approve"]));
    p.no_changes();

    // The schedule, the mapping and the layer, as AWS has them.
    let layer_version = p.attr("lambda-layer.shared", "version-arn");
    let (schedule, mapping, worker) = rt().block_on(async {
        let schedule = aws
            .scheduler()
            .get_schedule()
            .name("scheduled-dev-weekly")
            .send()
            .await
            .unwrap();
        let mapping = aws
            .lambda()
            .get_event_source_mapping()
            .uuid(p.id_of("lambda-event-source-mapping.jobs"))
            .send()
            .await
            .unwrap();
        let worker = aws
            .lambda()
            .get_function()
            .function_name("scheduled-dev-worker")
            .send()
            .await
            .unwrap();
        (schedule, mapping, worker)
    });
    assert_eq!(
        schedule.schedule_expression_timezone(),
        Some("Europe/Paris")
    );
    assert_eq!(schedule.target().unwrap().arn(), function_arn);
    assert_eq!(
        schedule
            .target()
            .unwrap()
            .dead_letter_config()
            .and_then(|d| d.arn()),
        Some(queue_arn.as_str())
    );
    assert_eq!(mapping.batch_size(), Some(10));
    assert_eq!(
        mapping.event_source_arn(),
        Some(p.attr("sqs-queue.jobs", "arn").as_str())
    );
    let layers = worker.configuration().unwrap().layers();
    assert_eq!(layers[0].arn(), Some(layer_version.as_str()));

    // The mapping's batch size changed in place: only the mapping is updated.
    p.edit("batch-size 10", "batch-size 5");
    let plan = ok(&p.eco(&["plan"]));
    assert!(
        plan.contains("# lambda-event-source-mapping.jobs will be updated in place"),
        "{plan}"
    );
    assert!(plan.contains("1 to change"), "{plan}");
    ok(&p.eco(&["apply", "-auto-approve"]));
    p.no_changes();

    // A layer file edited: a new version, and both functions move to it.
    p.write(
        "layers/shared/nodejs/node_modules/jobs-shared/index.js",
        "exports.runKey = (job, time) => `run#${job}#${time}#v2`;\n",
    );
    let plan = ok(&p.eco(&["plan"]));
    assert!(
        plan.contains("# lambda-layer.shared will be updated in place"),
        "{plan}"
    );
    assert!(plan.contains("3 to change"), "{plan}");
    ok(&p.eco(&["apply", "-auto-approve"]));
    p.no_changes();
    let new_version = p.attr("lambda-layer.shared", "version-arn");
    assert_ne!(new_version, layer_version);
    assert_eq!(
        p.resource("lambda-function.worker")["attributes"]["layers"][0]
            .as_str()
            .unwrap(),
        new_version
    );

    let out = ok(&p.eco(&["destroy", "-auto-approve"]));
    assert!(out.contains("15 destroyed"), "{out}");
    let rules = rt().block_on(async { aws.eventbridge().list_rules().send().await.unwrap() });
    assert!(rules.rules().is_empty(), "{rules:?}");
}

#[test]
fn a_hand_made_rule_imports_with_generated_kdl_and_plans_clean() {
    let p = Project::with_main(
        "project \"legacy\"\nstage \"dev\" {\n    account \"123456789012\"\n    region \"us-east-1\"\n}\n",
    );
    let aws = p.aws();
    rt().block_on(async {
        let events = aws.eventbridge();
        events
            .create_event_bus()
            .name("legacy")
            .send()
            .await
            .unwrap();
        events
            .put_rule()
            .name("uploads")
            .event_bus_name("legacy")
            .event_pattern(r#"{"source":["legacy.uploads"]}"#)
            .description("hand made")
            .send()
            .await
            .unwrap();
        let transformer = aws_sdk_eventbridge::types::InputTransformer::builder()
            .input_paths_map("key", "$.detail.key")
            .input_template("\"<key> uploaded\"")
            .build()
            .unwrap();
        let target = aws_sdk_eventbridge::types::Target::builder()
            .id("notify")
            .arn("arn:aws:sns:us-east-1:123456789012:uploads")
            .input_transformer(transformer)
            .build()
            .unwrap();
        let put = events
            .put_targets()
            .rule("uploads")
            .event_bus_name("legacy")
            .targets(target);
        put.send().await.unwrap();
    });
    let out = ok(&p.eco(&[
        "import",
        "-generate",
        "eventbridge-rule.uploads",
        "legacy/uploads",
    ]));
    assert!(out.contains("eventbridge-rule.uploads: imported"), "{out}");
    let generated = std::fs::read_to_string(p.path().join("generated.kdl")).unwrap();
    assert!(generated.contains("bus \"legacy\""), "{generated}");
    assert!(generated.contains("target \"notify\""), "{generated}");
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
fn validate_refuses_a_rule_with_both_a_schedule_and_a_pattern() {
    let p = Project::with_main(
        "project \"p\"\neventbridge-rule \"r\" {\n    name \"r\"\n    schedule-expression \"rate(1 day)\"\n    event-pattern \"{}\"\n}\n",
    );
    let out = p.eco(&["validate"]);
    assert_eq!(out.status.code(), Some(1), "{}", stdout(&out));
    let err = stderr(&out);
    assert!(err.contains("schedule-expression"), "{err}");
    let p = Project::with_main(
        "project \"p\"\neventbridge-rule \"r\" {\n    name \"no spaces allowed\"\n    schedule-expression \"rate(1 day)\"\n}\n",
    );
    let out = p.eco(&["validate"]);
    assert_eq!(out.status.code(), Some(1), "{}", stdout(&out));
}
