//! Unit tests of `codebuild-project`: the requests it builds and what it reads.

use aws_sdk_codebuild::types::{
    ComputeType, EnvironmentVariableType, LogsConfigStatusType, Project, SourceType,
};
use eco_provider::values::{map, s};
use eco_provider::{Attrs, ErrorKind, Value};

use super::requests::differs;
use super::*;

fn client() -> aws_sdk_codebuild::Client {
    crate::aws::Aws::for_endpoint("http://127.0.0.1:9", "us-east-1").codebuild()
}

fn desired() -> Attrs {
    Attrs::from([
        ("name".to_string(), s("deploy")),
        (
            "service-role".to_string(),
            s("arn:aws:iam::123456789012:role/build"),
        ),
        (
            "source".to_string(),
            map(&[
                ("type", s("CODEPIPELINE")),
                ("buildspec", s("buildspec.yml")),
            ]),
        ),
        ("artifacts".to_string(), map(&[("type", s("CODEPIPELINE"))])),
        (
            "environment".to_string(),
            map(&[
                ("compute-type", s("BUILD_GENERAL1_SMALL")),
                ("image", s("aws/codebuild/standard:7.0")),
                ("type", s("LINUX_CONTAINER")),
                ("env", map(&[("STAGE", s("dev"))])),
            ]),
        ),
        ("build-timeout".to_string(), Value::Int(30)),
        (
            "logs".to_string(),
            map(&[("group-name", s("/ecogy/dev/codebuild"))]),
        ),
        ("tags".to_string(), map(&[("team", s("platform"))])),
    ])
}

/// The project AWS would report for `desired()` (plus fields eco does not manage).
fn live() -> Project {
    let req = create_request(client().create_project(), &desired()).unwrap();
    let mut src = req.get_source().clone().unwrap();
    src.auth = None;
    src.report_build_status = Some(true);
    let mut logs = req.get_logs_config().clone().unwrap();
    logs.s3_logs = Some(
        aws_sdk_codebuild::types::S3LogsConfig::builder()
            .status(LogsConfigStatusType::Disabled)
            .build()
            .unwrap(),
    );
    Project::builder()
        .name("deploy")
        .arn("arn:aws:codebuild:us-east-1:123456789012:project/deploy")
        .service_role("arn:aws:iam::123456789012:role/build")
        .source(src)
        .artifacts(req.get_artifacts().clone().unwrap())
        .environment(req.get_environment().clone().unwrap())
        .timeout_in_minutes(30)
        .queued_timeout_in_minutes(480)
        .logs_config(logs)
        .encryption_key("arn:aws:kms:us-east-1:123456789012:alias/aws/s3")
        .set_tags(req.get_tags().clone())
        .build()
}

#[test]
fn create_request_carries_the_configuration() {
    let req = create_request(client().create_project(), &desired()).unwrap();
    assert_eq!(req.get_name().as_deref(), Some("deploy"));
    let src = req.get_source().as_ref().unwrap();
    assert_eq!(src.r#type, SourceType::Codepipeline);
    assert_eq!(src.location, None);
    assert_eq!(src.buildspec.as_deref(), Some("buildspec.yml"));
    let env = req.get_environment().as_ref().unwrap();
    assert_eq!(env.compute_type, ComputeType::BuildGeneral1Small);
    let vars = env.environment_variables.as_ref().unwrap();
    assert_eq!(vars.len(), 1);
    assert_eq!(
        (vars[0].name.as_str(), vars[0].value.as_str()),
        ("STAGE", "dev")
    );
    assert_eq!(vars[0].r#type, Some(EnvironmentVariableType::Plaintext));
    assert_eq!(req.get_timeout_in_minutes(), &Some(30));
    let cw = req
        .get_logs_config()
        .as_ref()
        .unwrap()
        .cloud_watch_logs
        .as_ref()
        .unwrap();
    assert_eq!(cw.status, LogsConfigStatusType::Enabled);
    assert_eq!(cw.group_name.as_deref(), Some("/ecogy/dev/codebuild"));
    assert_eq!(req.get_tags().as_ref().unwrap().len(), 1);
}

#[test]
fn read_reports_the_configuration_shape() {
    let attrs = to_attrs(&live());
    for (k, v) in desired() {
        assert!(
            !differs(&v, attrs.get(&k)),
            "`{k}` differs: {:?} vs {v:?}",
            attrs.get(&k)
        );
    }
    assert_eq!(
        attrs["arn"],
        s("arn:aws:codebuild:us-east-1:123456789012:project/deploy")
    );
    // Nothing differs, so an update (or an adoption) calls nothing.
    assert!(to_change(&live(), &desired(), &managed()).is_empty());
}

#[test]
fn update_project_sends_only_what_differs_keeping_unmanaged_fields() {
    let mut want = desired();
    want.insert(
        "environment".into(),
        map(&[
            ("image", s("aws/codebuild/standard:8.0")),
            ("env", map(&[("STAGE", s("dev")), ("DEBUG", s("1"))])),
            ("secret-env", map(&[("TOKEN", s("github:token"))])),
        ]),
    );
    want.insert("build-timeout".into(), Value::Int(45));
    want.insert("tags".into(), map(&[("team", s("web"))]));
    let changed: Vec<String> = ["environment", "build-timeout", "tags", "source"]
        .iter()
        .map(|s| s.to_string())
        .collect();
    let live = live();
    let attrs = to_change(&live, &want, &changed);
    assert_eq!(
        attrs,
        vec!["environment", "build-timeout", "tags"],
        "source is unchanged"
    );
    let req = update_request(client().update_project(), &live, &want, &attrs).unwrap();
    assert_eq!(req.get_name().as_deref(), Some("deploy"));
    assert_eq!(req.get_source(), &None, "an unchanged block is not sent");
    assert_eq!(req.get_timeout_in_minutes(), &Some(45));
    let env = req.get_environment().as_ref().unwrap();
    assert_eq!(env.image, "aws/codebuild/standard:8.0");
    assert_eq!(
        env.compute_type,
        ComputeType::BuildGeneral1Small,
        "kept from live"
    );
    let mut vars: Vec<(String, String, Option<EnvironmentVariableType>)> = env
        .environment_variables
        .clone()
        .unwrap()
        .into_iter()
        .map(|v| (v.name, v.value, v.r#type))
        .collect();
    vars.sort_by(|a, b| a.0.cmp(&b.0));
    assert_eq!(
        vars,
        vec![
            (
                "DEBUG".into(),
                "1".into(),
                Some(EnvironmentVariableType::Plaintext)
            ),
            (
                "STAGE".into(),
                "dev".into(),
                Some(EnvironmentVariableType::Plaintext)
            ),
            (
                "TOKEN".into(),
                "github:token".into(),
                Some(EnvironmentVariableType::SecretsManager)
            ),
        ]
    );
    let tags = req.get_tags().as_ref().unwrap();
    assert_eq!(tags.len(), 1);
    assert_eq!(tags[0].key.as_deref(), Some("team"));
    assert_eq!(tags[0].value.as_deref(), Some("web"));
    assert_eq!(req.get_logs_config(), &None);

    // A changed source keeps the live fields eco does not manage.
    want.insert(
        "source".into(),
        map(&[
            ("type", s("GITHUB")),
            ("location", s("https://github.com/ecogy/app")),
        ]),
    );
    let req = update_request(
        client().update_project(),
        &live,
        &want,
        &["source".into(), "logs".into()],
    )
    .unwrap();
    let src = req.get_source().as_ref().unwrap();
    assert_eq!(src.r#type, SourceType::Github);
    assert_eq!(
        src.location.as_deref(),
        Some("https://github.com/ecogy/app")
    );
    assert_eq!(src.buildspec.as_deref(), Some("buildspec.yml"));
    assert_eq!(src.report_build_status, Some(true));
    let logs = req.get_logs_config().as_ref().unwrap();
    assert!(logs.s3_logs.is_some(), "the live s3Logs setting is kept");
}

#[test]
fn invalid_values_are_refused_before_any_call() {
    let mut d = desired();
    d.insert("source".into(), map(&[("type", s("SVN"))]));
    assert_eq!(
        create_request(client().create_project(), &d)
            .unwrap_err()
            .kind,
        ErrorKind::Invalid
    );
    let mut d = desired();
    d.insert("source".into(), map(&[("type", s("GITHUB"))]));
    let e = create_request(client().create_project(), &d).unwrap_err();
    assert!(e.message.contains("source.location"), "{e}");
    let mut d = desired();
    d.insert("build-timeout".into(), Value::Int(3000));
    assert_eq!(
        create_request(client().create_project(), &d)
            .unwrap_err()
            .kind,
        ErrorKind::Invalid
    );
    let mut d = desired();
    d.insert("artifacts".into(), map(&[("type", s("S3"))]));
    assert!(create_request(client().create_project(), &d).is_err());
    assert!(update_request(
        client().update_project(),
        &live(),
        &desired(),
        &["name".into()]
    )
    .is_err());
}
