//! examples/ecogy-platform end to end against moto: the whole platform (site, API, data, auth,
//! CI/CD) applies from empty for stage dev, then plans clean. The copy differs from the example
//! only where moto departs from AWS (see the test).

use crate::support::*;

/// Ignored until two moto gaps outside the CI/CD types are handled by their families (both
/// reproduced with this test; codebuild-project and codepipeline apply and plan clean):
/// - route53-record.api: "the value of `alias` is still unknown at apply time" — its alias takes
///   api-domain.main's `target-domain-name` / `hosted-zone-id`, which moto's GetDomainName does
///   not return (35 of 36 resources apply);
/// - cognito-user-pool-domain.hosted: the plan after apply wants `managed-login-version = 2`
///   again, as moto's DescribeUserPoolDomain omits ManagedLoginVersion.
#[test]
#[ignore = "moto: api-domain target-domain-name/hosted-zone-id and user-pool-domain managed-login-version are not returned"]
fn ecogy_platform_applies_for_dev_then_plans_clean() {
    let p = Project::from_example("examples/ecogy-platform");
    // moto's CreateProject wants a location for every source and artifacts type, CODEPIPELINE
    // included (AWS takes none there): this copy gives the CodeBuild project locations moto
    // accepts; the example itself stays as AWS wants it.
    p.edit_file(
        "cicd.kdl",
        r#"source type="CODEPIPELINE" buildspec="buildspec.yml""#,
        r#"source type="CODEPIPELINE" location="ecogy-dev-pipeline-artifacts/source" buildspec="buildspec.yml""#,
    );
    p.edit_file(
        "cicd.kdl",
        r#"artifacts type="CODEPIPELINE""#,
        r#"artifacts type="CODEPIPELINE" location="ecogy-dev-pipeline-artifacts""#,
    );
    // The example keeps its state in S3 with a DynamoDB lock table: made once per account.
    ok(&p.eco(&["bootstrap", "-stage", "dev"]));
    let started = std::time::Instant::now();
    let out = p.eco(&["apply", "-stage", "dev", "-auto-approve"]);
    assert!(
        out.status.success(),
        "apply failed:\n{}\n{}",
        stdout(&out),
        stderr(&out)
    );
    let applied = stdout(&out);
    assert!(applied.contains("Apply complete!"), "{applied}");
    eprintln!("apply: {:?}", started.elapsed());

    let started = std::time::Instant::now();
    let out = p.eco(&["plan", "-stage", "dev", "-detailed-exitcode"]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "expected no changes after apply:\n{}\n{}",
        stdout(&out),
        stderr(&out)
    );
    eprintln!("plan: {:?}", started.elapsed());

    // The CI/CD resources exist as configured.
    let rt = tokio::runtime::Runtime::new().unwrap();
    let aws = p.aws();
    rt.block_on(async {
        let projects = aws
            .codebuild()
            .batch_get_projects()
            .names("ecogy-dev-deploy")
            .send()
            .await
            .unwrap();
        assert_eq!(projects.projects().len(), 1);
        let pipeline = aws
            .codepipeline()
            .get_pipeline()
            .name("ecogy-dev")
            .send()
            .await
            .unwrap();
        let stages: Vec<&str> = pipeline
            .pipeline()
            .unwrap()
            .stages()
            .iter()
            .map(|s| s.name())
            .collect();
        assert_eq!(stages, vec!["Source", "Deploy"]);
    });
}
