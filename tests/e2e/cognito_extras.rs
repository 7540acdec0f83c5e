//! The Cognito app client, hosted domain and group end to end: examples/cognito (a pool, a client,
//! a domain, a group) applies from empty and then plans no changes; a client change is one
//! in-place UpdateUserPoolClient; the whole examples/serverless-api (with auth.kdl: the pool and
//! client whose issuer and id the API's JWT authorizer uses) applies and then plans no changes.

use crate::support::*;

#[test]
fn cognito_example_applies_from_empty_and_then_plans_no_changes() {
    let p = Project::from_example(&format!("examples/{}", "cognito"));
    let out = ok(&p.eco(&["apply", "-auto-approve", "-stage", "dev"]));
    assert!(out.contains("Apply complete! Resources: 4 added"), "{out}");

    let pool = p.resource("cognito-user-pool.users");
    let pool_id = pool["id"].as_str().unwrap();
    let client = p.resource("cognito-user-pool-client.web");
    let client_id = client["attributes"]["id"].as_str().unwrap();
    assert_eq!(client["id"], format!("{pool_id}/{client_id}"));
    assert_eq!(
        client["attributes"]["token-validity"]["access-unit"], "hours",
        "{client}"
    );
    assert_eq!(
        p.resource("cognito-user-pool-domain.hosted")["id"],
        "example-dev-auth"
    );
    assert_eq!(
        p.resource("cognito-group.admins")["id"],
        format!("{pool_id}/admins")
    );
    p.no_changes();

    // One client attribute changed: one in-place update of the client, nothing else.
    p.edit_file(
        "main.kdl",
        "logout-urls \"https://${var.domain}/\"",
        "logout-urls \"https://${var.domain}/bye\"",
    );
    let out = p.eco(&["plan", "-detailed-exitcode", "-stage", "dev"]);
    assert_eq!(
        out.status.code(),
        Some(2),
        "{}\n{}",
        stdout(&out),
        stderr(&out)
    );
    let plan = stdout(&out);
    assert!(plan.contains("cognito-user-pool-client.web"), "{plan}");
    assert!(plan.contains("1 to change"), "{plan}");
    assert!(
        !plan.contains("to destroy") || plan.contains("0 to destroy"),
        "{plan}"
    );
    p.moto.start_recording();
    let out = ok(&p.eco(&["apply", "-auto-approve", "-stage", "dev"]));
    assert!(out.contains("1 changed"), "{out}");
    let calls = p.moto.recorded_calls();
    let updates: Vec<_> = calls
        .iter()
        .filter(|c| c.operation.starts_with("Update") || c.operation.starts_with("Create"))
        .map(|c| c.operation.as_str())
        .collect();
    assert_eq!(updates, ["UpdateUserPoolClient"], "{calls:#?}");
    let body: serde_json::Value = serde_json::from_str(
        &calls
            .iter()
            .find(|c| c.operation == "UpdateUserPoolClient")
            .unwrap()
            .body,
    )
    .unwrap();
    // The full merged configuration: the callback URL is sent again along with the change.
    assert_eq!(
        body["CallbackURLs"],
        serde_json::json!(["https://dev.example.com/auth/callback"])
    );
    assert_eq!(
        body["LogoutURLs"],
        serde_json::json!(["https://dev.example.com/bye"])
    );
    p.no_changes();
}

#[test]
fn serverless_api_example_with_its_cognito_pool_applies_and_then_plans_no_changes() {
    let p = Project::from_example(&format!("examples/{}", "serverless-api"));
    let out = ok(&p.eco(&["apply", "-auto-approve"]));
    assert!(out.contains("Apply complete! Resources: 14 added"), "{out}");

    let pool = p.resource("cognito-user-pool.users");
    let client = p.resource("cognito-user-pool-client.web");
    let authorizer = p.resource("api-authorizer.cognito");
    let issuer = pool["attributes"]["issuer"].as_str().unwrap();
    assert_eq!(
        issuer,
        format!(
            "https://cognito-idp.us-east-1.amazonaws.com/{}",
            pool["id"].as_str().unwrap()
        )
    );
    assert_eq!(
        authorizer["attributes"]["jwt"]["issuer"], issuer,
        "{authorizer}"
    );
    assert_eq!(
        authorizer["attributes"]["jwt"]["audience"],
        serde_json::json!([client["attributes"]["id"]]),
        "{authorizer}"
    );
    p.no_changes();
}
