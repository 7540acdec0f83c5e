//! examples/ecogy-platform end to end against moto: the whole platform (site, API, data, auth,
//! CI/CD) applies from empty for stage dev, then plans clean. The copy differs from the example
//! only where moto departs from AWS (see the test).

use crate::support::*;

/// The copy departs from the example only where moto departs from AWS (docs/testing.md):
/// - moto's CreateProject wants a location for every CodeBuild source and artifacts type;
/// - moto's GetDomainName returns no `target-domain-name` / `hosted-zone-id` for an API custom
///   domain (AWS always does), so the API's alias record is given literal values;
/// - moto's DescribeUserPoolDomain leaves out ManagedLoginVersion, so the copy does not set it.
#[test]
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
    p.edit_file(
        "api.kdl",
        r#"alias name="${api-domain.main.target-domain-name}" zone-id="${api-domain.main.hosted-zone-id}""#,
        r#"alias name="d-moto.execute-api.us-east-1.amazonaws.com" zone-id="Z1UJRXOUMOOFQ8""#,
    );
    p.edit_file("auth.kdl", "    managed-login-version 2\n", "");
    // moto has no CloudFront policies, UpdateFunction nor PublishFunction (docs/testing.md):
    // this copy leaves out edge.kdl and the distribution's references to what it declares.
    std::fs::remove_file(p.file("edge.kdl")).unwrap();
    // moto issues no DKIM tokens (docs/testing.md): the DKIM records could not be written, so
    // this copy leaves out mail.kdl (the SES identity and its records).
    std::fs::remove_file(p.file("mail.kdl")).unwrap();
    p.edit_file(
        "site.kdl",
        "        // Security headers and the directory-index rewrite (edge.kdl).\n        response-headers-policy \"${cloudfront-response-headers-policy.site.id}\"\n        function \"viewer-request\" arn=\"${cloudfront-function.index.arn}\"\n",
        "",
    );
    p.edit_file(
        "site.kdl",
        "    // Reports, cached by the period they show (edge.kdl).\n    cache-behavior \"/reports/*\" target-origin=\"site\" {\n        cache-policy \"${cloudfront-cache-policy.reports.id}\"\n        origin-request-policy \"${cloudfront-origin-request-policy.reports.id}\"\n    }\n",
        "",
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

    // The same platform for prod: into account 222222222222 (assume-role), its own state.
    ok(&p.eco(&["bootstrap", "-stage", "prod"]));
    let out = p.eco(&["apply", "-stage", "prod", "-auto-approve"]);
    assert!(
        out.status.success(),
        "prod apply failed:\n{}\n{}",
        stdout(&out),
        stderr(&out)
    );
    p.no_changes_in("prod");
    let prod = rt.block_on(eco_aws::Aws::for_endpoint_as(
        &p.moto.endpoint(),
        "us-east-1",
        "arn:aws:iam::222222222222:role/eco-deploy",
    ));
    let functions = |aws: &eco_aws::Aws| -> Vec<String> {
        let mut names: Vec<String> = rt
            .block_on(async { aws.lambda().list_functions().send().await.unwrap() })
            .functions()
            .iter()
            .filter_map(|f| f.function_name().map(str::to_string))
            .collect();
        names.sort();
        names
    };
    let prod_functions = functions(&prod);
    let dev_functions = functions(&aws);
    assert!(
        !prod_functions.is_empty() && prod_functions.iter().all(|f| f.contains("-prod-")),
        "{prod_functions:?}"
    );
    assert!(
        !dev_functions.is_empty() && dev_functions.iter().all(|f| f.contains("-dev-")),
        "{dev_functions:?}"
    );
    for stage in ["dev", "prod"] {
        let out = ok(&p.eco(&["state", "list", "-stage", stage]));
        assert_eq!(out.lines().count(), 66, "{stage}: {out}");
    }

    // Every type whose import had no test of its own (issue 24): forgotten by state, imported
    // back by its id (composite ids included), and the next plan has nothing to do.
    let forgotten = [
        "api.main",
        "api-authorizer.cognito",
        "module.service[\"assets\"].api-integration.function",
        "module.service[\"assets\"].api-route.route[\"item\"]",
        "api-stage.default",
        "cloudfront-distribution.site",
        "codebuild-project.deploy",
        "codepipeline.main",
        "rest-domain.webhooks",
        "rest-base-path-mapping.webhooks",
        "rest-usage-plan.partners",
        "rest-api-key.partner",
        "rest-usage-plan-key.partner",
    ];
    let before = p.state_of("dev");
    let ids: Vec<(&str, String)> = forgotten
        .iter()
        .map(|address| {
            let id = before["resources"]
                .as_array()
                .unwrap()
                .iter()
                .find(|r| r["address"] == *address)
                .and_then(|r| r["id"].as_str())
                .unwrap_or_else(|| panic!("{address} not in dev's state"))
                .to_string();
            (*address, id)
        })
        .collect();
    for (address, id) in &ids {
        ok(&p.eco(&["state", "rm", "-stage", "dev", address]));
        let out = ok(&p.eco(&["import", "-stage", "dev", address, id]));
        assert!(out.contains(&format!("{address}: imported")), "{out}");
    }
    p.no_changes_in("dev");
    let after = p.state_of("dev");
    for (address, id) in &ids {
        let now = after["resources"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["address"] == *address)
            .and_then(|r| r["id"].as_str());
        assert_eq!(
            now,
            Some(id.as_str()),
            "{address} came back as the same resource"
        );
    }
}
