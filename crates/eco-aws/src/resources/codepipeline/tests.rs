//! Unit tests of `codepipeline`: the structure it sends and what it reads.

use aws_sdk_codepipeline::types::{ActionCategory, ArtifactStoreType, ExecutionMode, PipelineType};
use eco_provider::values::{list, map, s};
use eco_provider::{Attrs, ErrorKind, Value};

use super::*;

fn action(name: &str, category: &str, provider: &str, extra: &[(&str, Value)]) -> Value {
    let mut items = vec![
        ("name", s(name)),
        ("category", s(category)),
        ("owner", s("AWS")),
        ("provider", s(provider)),
        ("version", s("1")),
    ];
    items.extend(extra.iter().cloned());
    map(&items)
}

fn desired() -> Attrs {
    Attrs::from([
        ("name".to_string(), s("ecogy-dev")),
        (
            "role".to_string(),
            s("arn:aws:iam::123456789012:role/pipeline"),
        ),
        ("execution-mode".to_string(), s("QUEUED")),
        (
            "artifact-store".to_string(),
            map(&[("location", s("artifacts"))]),
        ),
        (
            "stage".to_string(),
            Value::List(vec![
                map(&[
                    ("name", s("Source")),
                    (
                        "action",
                        Value::List(vec![action(
                            "GitHub",
                            "Source",
                            "CodeStarSourceConnection",
                            &[
                                ("output-artifacts", list(&["source"])),
                                (
                                    "configuration",
                                    map(&[
                                        ("BranchName", s("main")),
                                        ("FullRepositoryId", s("ecogy/app")),
                                    ]),
                                ),
                            ],
                        )]),
                    ),
                ]),
                map(&[
                    ("name", s("Deploy")),
                    (
                        "action",
                        Value::List(vec![action(
                            "Build",
                            "Build",
                            "CodeBuild",
                            &[
                                ("input-artifacts", list(&["source"])),
                                ("configuration", map(&[("ProjectName", s("deploy"))])),
                            ],
                        )]),
                    ),
                ]),
            ]),
        ),
        ("tags".to_string(), map(&[("team", s("platform"))])),
    ])
}

fn all() -> Vec<String> {
    structure_attrs()
}

#[test]
fn create_structure_and_read_shape() {
    let p = structure(None, &desired(), &all(), "CreatePipeline").unwrap();
    assert_eq!(p.pipeline_type, Some(PipelineType::V2));
    assert_eq!(p.execution_mode, Some(ExecutionMode::Queued));
    assert_eq!(
        p.artifact_store.as_ref().unwrap().r#type,
        ArtifactStoreType::S3
    );
    assert_eq!(
        p.stages.iter().map(|s| s.name.as_str()).collect::<Vec<_>>(),
        vec!["Source", "Deploy"]
    );
    let build = &p.stages[1].actions[0];
    assert_eq!(
        build.action_type_id.as_ref().unwrap().category,
        ActionCategory::Build
    );
    assert_eq!(
        build.configuration.as_ref().unwrap()["ProjectName"],
        "deploy"
    );
    assert_eq!(build.input_artifacts.as_ref().unwrap()[0].name, "source");
    // What GetPipeline would report reads back in configuration shape.
    let attrs = to_attrs(
        &p,
        Some("arn:aws:codepipeline:us-east-1:123456789012:ecogy-dev"),
        &tags_of(desired().get("tags")),
    );
    let stages = match &attrs["stage"] {
        Value::List(l) => l.clone(),
        other => panic!("{other:?}"),
    };
    let Value::Map(src) = &stages[0] else {
        panic!()
    };
    let Value::List(actions) = &src["action"] else {
        panic!()
    };
    let Value::Map(gh) = &actions[0] else {
        panic!()
    };
    assert_eq!(gh["output-artifacts"], list(&["source"]));
    assert_eq!(gh["run-order"], Value::Int(1));
    assert_eq!(attrs["tags"], desired()["tags"]);
    // The same structure again is no change.
    let again = structure(Some(&p), &desired(), &all(), "UpdatePipeline").unwrap();
    assert_eq!(normalized(&again), normalized(&p));
}

#[test]
fn update_structure_keeps_what_eco_does_not_manage() {
    let mut live = structure(None, &desired(), &all(), "CreatePipeline").unwrap();
    live.version = Some(3);
    live.stages[1].actions[0].timeout_in_minutes = Some(20);
    let mut want = desired();
    let Value::List(stages) = want.get_mut("stage").unwrap() else {
        panic!()
    };
    stages.push(map(&[
        ("name", s("Approve")),
        (
            "action",
            Value::List(vec![map(&[
                ("name", s("Ok")),
                ("category", s("Approval")),
                ("owner", s("AWS")),
                ("provider", s("Manual")),
            ])]),
        ),
    ]));
    let Value::Map(deploy) = &mut stages[1] else {
        panic!()
    };
    deploy.insert(
        "action".into(),
        Value::List(vec![action(
            "Build",
            "Build",
            "CodeBuild",
            &[
                ("input-artifacts", list(&["source"])),
                ("configuration", map(&[("ProjectName", s("deploy-2"))])),
            ],
        )]),
    );
    let p = structure(Some(&live), &want, &["stage".into()], "UpdatePipeline").unwrap();
    assert_eq!(p.stages.len(), 3);
    let build = &p.stages[1].actions[0];
    assert_eq!(
        build.configuration.as_ref().unwrap()["ProjectName"],
        "deploy-2"
    );
    assert_eq!(
        build.timeout_in_minutes,
        Some(20),
        "a live field eco does not manage is kept"
    );
    assert_eq!(
        p.stages[2].actions[0]
            .action_type_id
            .as_ref()
            .unwrap()
            .version,
        "1"
    );
    assert_eq!(p.execution_mode, Some(ExecutionMode::Queued));
    assert_ne!(normalized(&p), normalized(&live));
    // Only `role` changed: the rest of the live structure is sent as it is.
    want.insert("role".into(), s("arn:aws:iam::123456789012:role/other"));
    let p = structure(Some(&live), &want, &["role".into()], "UpdatePipeline").unwrap();
    assert_eq!(p.role_arn, "arn:aws:iam::123456789012:role/other");
    assert_eq!(p.stages.len(), 2);
    assert_eq!(
        p.version,
        Some(3),
        "UpdatePipeline carries the version it updates"
    );
}

#[test]
fn invalid_structures_are_refused_before_any_call() {
    let mut d = desired();
    let Value::List(stages) = d.get_mut("stage").unwrap() else {
        panic!()
    };
    stages.pop();
    assert_eq!(
        structure(None, &d, &all(), "CreatePipeline")
            .unwrap_err()
            .kind,
        ErrorKind::Invalid
    );
    let mut d = desired();
    d.insert("execution-mode".into(), s("FAST"));
    assert!(structure(None, &d, &all(), "CreatePipeline").is_err());
    let mut d = desired();
    d.remove("artifact-store");
    assert!(structure(None, &d, &all(), "CreatePipeline").is_err());
    let mut d = desired();
    let Value::List(stages) = d.get_mut("stage").unwrap() else {
        panic!()
    };
    stages[0] = map(&[
        ("name", s("Source")),
        (
            "action",
            Value::List(vec![map(&[
                ("name", s("x")),
                ("category", s("Fetch")),
                ("owner", s("AWS")),
                ("provider", s("S3")),
            ])]),
        ),
    ]);
    assert!(structure(None, &d, &all(), "CreatePipeline").is_err());
}
