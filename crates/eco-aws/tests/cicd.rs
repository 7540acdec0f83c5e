//! `codebuild-project` and `codepipeline` against moto: the standard tests, then batched reads,
//! listing, ownership conflicts, pipeline updates (structure, tags) and what moto refuses.
//!
//! moto has no UpdateProject: the codebuild-project standard case updates nothing (`changed` is
//! empty, so update must call nothing), and UpdateProject is covered by the module's unit tests
//! of the request it builds. moto also wants a `location` for every source type, so the moto
//! cases use a GITHUB source.

use eco_aws::resources::{codebuild_project, codepipeline};
use eco_provider::standard::{self, Case};
use eco_provider::values::{list, map, s, tags};
use eco_provider::{Attrs, ErrorKind, OpContext, ResourceProvider, Value};
use eco_test_support::Moto;

const BUILD_ROLE: &str = "arn:aws:iam::123456789012:role/ecogy-dev-codebuild";

fn project(ctx: &OpContext, name: &str) -> Attrs {
    Attrs::from([
        ("name".to_string(), s(name)),
        ("description".to_string(), s("Builds and deploys")),
        ("service-role".to_string(), s(BUILD_ROLE)),
        (
            "source".to_string(),
            map(&[
                ("type", s("GITHUB")),
                ("location", s("https://github.com/ecogy/platform")),
                ("buildspec", s("buildspec.yml")),
            ]),
        ),
        ("artifacts".to_string(), map(&[("type", s("NO_ARTIFACTS"))])),
        (
            "environment".to_string(),
            map(&[
                ("compute-type", s("BUILD_GENERAL1_SMALL")),
                ("image", s("aws/codebuild/standard:7.0")),
                ("type", s("LINUX_CONTAINER")),
                ("env", map(&[("STAGE", s("dev"))])),
                ("parameter-env", map(&[("TOKEN", s("/ecogy/token"))])),
            ]),
        ),
        ("build-timeout".to_string(), Value::Int(30)),
        (
            "logs".to_string(),
            map(&[
                ("group-name", s("/ecogy/dev/codebuild")),
                ("enabled", Value::Bool(true)),
            ]),
        ),
        ("tags".to_string(), tags(ctx, &[("team", "platform")])),
    ])
}

fn build_ctx(name: &str) -> OpContext {
    OpContext::new(format!("codebuild-project.{name}"), "ecogy", "dev")
}

#[tokio::test]
async fn codebuild_project_standard() {
    let moto = Moto::start();
    let aws = eco_aws::Aws::for_endpoint(&moto.endpoint(), "us-east-1");
    let p = codebuild_project::Provider::new(&aws);
    let ctx = build_ctx("deploy");
    let desired = project(&ctx, "ecogy-dev-deploy");
    standard::run(Case {
        provider: &p,
        ctx,
        // moto has no UpdateProject: nothing changes, so update must not call it.
        updated: desired.clone(),
        desired,
        changed: vec![],
        token: "t1".into(),
    })
    .await;
}

#[tokio::test]
async fn codebuild_projects_read_in_one_batch_listed_and_guarded() {
    let moto = Moto::start();
    let aws = eco_aws::Aws::for_endpoint(&moto.endpoint(), "us-east-1");
    let p = codebuild_project::Provider::new(&aws);
    let mut requests = Vec::new();
    for name in ["a", "b", "c"] {
        let ctx = build_ctx(name);
        let live = p
            .create(&ctx, &project(&ctx, &format!("ecogy-dev-{name}")), "t")
            .await
            .expect("create");
        assert_eq!(live.id, format!("ecogy-dev-{name}"));
        assert_eq!(
            live.attrs["arn"],
            s(&format!(
                "arn:aws:codebuild:us-east-1:123456789012:project/ecogy-dev-{name}"
            ))
        );
        requests.push((ctx, live.id));
    }
    requests.push((build_ctx("gone"), "ecogy-dev-gone".to_string()));

    moto.start_recording();
    let read = p
        .read_many(&requests)
        .await
        .expect("codebuild-project reads in batches")
        .expect("read_many");
    let calls = moto.recorded_calls();
    assert_eq!(
        calls.len(),
        1,
        "one BatchGetProjects for four projects: {:?}",
        calls.iter().map(|c| &c.operation).collect::<Vec<_>>()
    );
    assert_eq!(read.len(), 4);
    for (i, name) in ["a", "b", "c"].iter().enumerate() {
        let live = read[i].as_ref().expect("exists");
        assert_eq!(live.id, format!("ecogy-dev-{name}"));
        standard::assert_attrs_match("read_many", &project(&requests[i].0, &live.id), &live.attrs);
    }
    assert_eq!(read[3], None);

    // eco discover: every project, with its tags.
    let listed = p.list(&build_ctx("x")).await.expect("lists").expect("list");
    let mut ids: Vec<&str> = listed.iter().map(|l| l.id.as_str()).collect();
    ids.sort();
    assert_eq!(ids, vec!["ecogy-dev-a", "ecogy-dev-b", "ecogy-dev-c"]);
    assert!(listed
        .iter()
        .all(|l| matches!(&l.attrs["tags"], Value::Map(t) if t.contains_key("eco:address"))));

    // Another address's project of that name is not adopted.
    let other = build_ctx("other");
    let err = p
        .create(&other, &project(&other, "ecogy-dev-a"), "t")
        .await
        .unwrap_err();
    assert_eq!(err.kind, ErrorKind::Conflict, "{err}");
    assert!(err.message.contains("codebuild-project.a"), "{err}");
    let err = p
        .find(&other, &project(&other, "ecogy-dev-a"), "t")
        .await
        .unwrap_err();
    assert_eq!(err.kind, ErrorKind::Conflict);

    // Obviously wrong values are refused before any call.
    let mut bad = project(&other, "ecogy-dev-bad");
    bad.insert("source".into(), map(&[("type", s("SVN"))]));
    assert_eq!(
        p.create(&other, &bad, "t").await.unwrap_err().kind,
        ErrorKind::Invalid
    );
}

/// A role CodePipeline may assume (moto checks the trust policy names the service).
async fn pipeline_role(aws: &eco_aws::Aws, name: &str) -> String {
    let trust = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"codepipeline.amazonaws.com"},"Action":"sts:AssumeRole"}]}"#;
    let out = aws
        .iam()
        .create_role()
        .role_name(name)
        .assume_role_policy_document(trust)
        .send()
        .await
        .expect("CreateRole");
    out.role().unwrap().arn().to_string()
}

fn action(name: &str, category: &str, provider: &str, extra: &[(&str, Value)]) -> Value {
    let mut items = vec![
        ("name", s(name)),
        ("category", s(category)),
        ("owner", s("AWS")),
        ("provider", s(provider)),
        ("version", s("1")),
        ("run-order", Value::Int(1)),
    ];
    items.extend(extra.iter().cloned());
    map(&items)
}

fn pipeline(ctx: &OpContext, name: &str, role: &str, project: &str) -> Attrs {
    Attrs::from([
        ("name".to_string(), s(name)),
        ("role".to_string(), s(role)),
        ("pipeline-type".to_string(), s("V2")),
        ("execution-mode".to_string(), s("QUEUED")),
        (
            "artifact-store".to_string(),
            map(&[("location", s("ecogy-dev-artifacts")), ("type", s("S3"))]),
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
                                        ("ConnectionArn", s("arn:aws:codestar-connections:us-east-1:123456789012:connection/abc")),
                                        ("FullRepositoryId", s("ecogy/platform")),
                                        ("BranchName", s("main")),
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
                                ("configuration", map(&[("ProjectName", s(project))])),
                            ],
                        )]),
                    ),
                ]),
            ]),
        ),
        ("tags".to_string(), tags(ctx, &[("team", "platform")])),
    ])
}

fn pipe_ctx() -> OpContext {
    OpContext::new("codepipeline.main", "ecogy", "dev")
}

#[tokio::test]
async fn codepipeline_standard() {
    let moto = Moto::start();
    let aws = eco_aws::Aws::for_endpoint(&moto.endpoint(), "us-east-1");
    let role = pipeline_role(&aws, "ecogy-dev-pipeline").await;
    let p = codepipeline::Provider::new(&aws);
    let ctx = pipe_ctx();
    let desired = pipeline(&ctx, "ecogy-dev", &role, "ecogy-dev-deploy");
    let mut updated = pipeline(&ctx, "ecogy-dev", &role, "ecogy-dev-deploy-2");
    updated.insert("execution-mode".into(), s("SUPERSEDED"));
    updated.insert(
        "tags".into(),
        tags(&ctx, &[("team", "web"), ("cost", "ci")]),
    );
    standard::run(Case {
        provider: &p,
        ctx,
        desired,
        updated,
        changed: vec!["execution-mode".into(), "stage".into(), "tags".into()],
        token: "t1".into(),
    })
    .await;
}

#[tokio::test]
async fn codepipeline_updates_structure_and_tags_with_the_fewest_calls() {
    let moto = Moto::start();
    let aws = eco_aws::Aws::for_endpoint(&moto.endpoint(), "us-east-1");
    let role = pipeline_role(&aws, "ecogy-dev-pipeline").await;
    let p = codepipeline::Provider::new(&aws);
    let ctx = pipe_ctx();
    let desired = pipeline(&ctx, "ecogy-dev", &role, "deploy");
    let live = p.create(&ctx, &desired, "t").await.expect("create");
    assert_eq!(live.attrs["version"], Value::Int(1));
    assert_eq!(
        live.attrs["arn"],
        s("arn:aws:codepipeline:us-east-1:123456789012:ecogy-dev")
    );

    // Tags only: no UpdatePipeline.
    let mut want = desired.clone();
    want.insert("tags".into(), tags(&ctx, &[("cost", "ci")]));
    moto.start_recording();
    let after = p
        .update(&ctx, &live.id, &live.attrs, &want, &["tags".into()])
        .await
        .expect("update tags");
    let ops: Vec<String> = moto
        .recorded_calls()
        .into_iter()
        .map(|c| c.operation)
        .collect();
    assert!(!ops.iter().any(|o| o == "UpdatePipeline"), "{ops:?}");
    assert!(
        ops.iter().any(|o| o == "TagResource") && ops.iter().any(|o| o == "UntagResource"),
        "{ops:?}"
    );
    assert_eq!(after.attrs["tags"], want["tags"]);
    assert_eq!(after.attrs["version"], Value::Int(1));

    // A third stage: one UpdatePipeline, version 2; the same update again calls nothing more.
    let Value::List(mut stages) = want["stage"].clone() else {
        panic!()
    };
    stages.push(map(&[
        ("name", s("Approve")),
        (
            "action",
            Value::List(vec![action("Ok", "Approval", "Manual", &[])]),
        ),
    ]));
    want.insert("stage".into(), Value::List(stages));
    for round in 0..2 {
        moto.start_recording();
        let after = p
            .update(&ctx, &live.id, &live.attrs, &want, &["stage".into()])
            .await
            .expect("update stages");
        let updates = moto
            .recorded_calls()
            .iter()
            .filter(|c| c.operation == "UpdatePipeline")
            .count();
        assert_eq!(updates, if round == 0 { 1 } else { 0 }, "round {round}");
        assert_eq!(after.attrs["version"], Value::Int(2));
        standard::assert_attrs_match("after adding a stage", &want, &after.attrs);
    }

    // Someone else's pipeline of that name is refused; listing shows ours.
    let other = OpContext::new("codepipeline.other", "ecogy", "dev");
    let err = p
        .create(&other, &pipeline(&other, "ecogy-dev", &role, "deploy"), "t")
        .await
        .unwrap_err();
    assert_eq!(err.kind, ErrorKind::Conflict, "{err}");
    let listed = p.list(&ctx).await.expect("lists").expect("list");
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0].id, "ecogy-dev");

    // One stage is refused before any call.
    let mut bad = pipeline(&ctx, "ecogy-dev-bad", &role, "deploy");
    bad.insert("stage".into(), Value::List(vec![]));
    assert_eq!(
        p.create(&ctx, &bad, "t").await.unwrap_err().kind,
        ErrorKind::Invalid
    );

    // A role CodePipeline cannot assume: AWS's refusal, naming the call.
    let bad_role = pipeline(
        &ctx,
        "ecogy-dev-2",
        "arn:aws:iam::123456789012:role/nobody",
        "deploy",
    );
    let err = p.create(&ctx, &bad_role, "t").await.unwrap_err();
    assert_eq!(err.operation, "CreatePipeline", "{err}");
}

#[tokio::test]
async fn eco_trust_policy_for_one_service_satisfies_codepipeline() {
    // iam-role `assume-service "codepipeline.amazonaws.com"` writes the service as a plain
    // string, which is what CodePipeline (and moto's check of it) wants.
    let moto = Moto::start();
    let aws = eco_aws::Aws::for_endpoint(&moto.endpoint(), "us-east-1");
    let roles = eco_aws::resources::iam_role::Provider::new(&aws);
    let rctx = OpContext::new("iam-role.pipeline", "ecogy", "dev");
    let role = roles
        .create(
            &rctx,
            &Attrs::from([
                ("name".to_string(), s("ecogy-dev-pipeline")),
                (
                    "assume-service".to_string(),
                    list(&["codepipeline.amazonaws.com"]),
                ),
                ("tags".to_string(), tags(&rctx, &[])),
            ]),
            "t",
        )
        .await
        .expect("role");
    let arn = role.attrs["arn"].as_str().unwrap().to_string();
    let p = codepipeline::Provider::new(&aws);
    let ctx = pipe_ctx();
    p.create(&ctx, &pipeline(&ctx, "ecogy-dev", &arn, "deploy"), "t")
        .await
        .expect("CreatePipeline accepts eco's trust policy");
}

/// The standard replacement test of a build project: another name (a project's identity), in
/// both orders.
#[tokio::test]
async fn codebuild_project_standard_replacement() {
    let moto = Moto::start();
    let aws = eco_aws::Aws::for_endpoint(&moto.endpoint(), "us-east-1");
    let p = codebuild_project::Provider::new(&aws);
    let ctx = build_ctx("deploy");
    eco_provider::standard::replace(eco_provider::standard::Replacement {
        provider: &p,
        desired: project(&ctx, "ecogy-dev-old"),
        replaced: project(&ctx, "ecogy-dev-new"),
        ctx,
        beside: true,
    })
    .await;
}

/// The standard replacement test of a pipeline: another name (a pipeline's identity), in both
/// orders.
#[tokio::test]
async fn codepipeline_standard_replacement() {
    let moto = Moto::start();
    let aws = eco_aws::Aws::for_endpoint(&moto.endpoint(), "us-east-1");
    let role = pipeline_role(&aws, "ecogy-dev-pipeline").await;
    let p = codepipeline::Provider::new(&aws);
    let ctx = pipe_ctx();
    eco_provider::standard::replace(eco_provider::standard::Replacement {
        provider: &p,
        desired: pipeline(&ctx, "ecogy-dev-old", &role, "ecogy-dev-deploy"),
        replaced: pipeline(&ctx, "ecogy-dev-new", &role, "ecogy-dev-deploy"),
        ctx,
        beside: true,
    })
    .await;
}
