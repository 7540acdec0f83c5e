//! examples/serverless-api end to end against moto: apply from empty, no-change plan, a source
//! edit plans a code update of one function only, an env change a configuration update only,
//! reproducible packaging, in-place route/integration changes, plan-time source diagnostics.
//!
//! The example's authorizer takes its issuer and audience from the Cognito pool and client
//! (auth.kdl); this test applies main.kdl alone, with a literal issuer and audience, so that it
//! does not depend on the Cognito types.

use crate::support::*;

impl Project {
    fn serverless() -> Project {
        let p = Project::empty();
        let example = repo().join("examples/serverless-api");
        copy_dir(&example.join("functions"), &p.file("functions"));
        let text = std::fs::read_to_string(example.join("main.kdl")).unwrap();
        let text = text
            .replace(
                "jwt issuer=\"${cognito-user-pool.users.issuer}\"",
                "jwt issuer=\"https://cognito-idp.us-east-1.amazonaws.com/us-east-1_test\"",
            )
            .replace(
                "audience \"${cognito-user-pool-client.web.id}\"",
                "audience \"test-client\"",
            );
        assert!(!text.contains("cognito-user-pool"), "{text}");
        p.write("main.kdl", &text);
        p
    }
}

#[test]
fn serverless_api_applies_then_plans_code_and_configuration_updates_separately() {
    let p = Project::serverless();
    let out = ok(&p.eco(&["apply", "-auto-approve"]));
    assert!(out.contains("Apply complete! Resources: 12 added"), "{out}");

    let out = p.eco(&["plan", "-detailed-exitcode"]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}\n{}",
        stdout(&out),
        stderr(&out)
    );

    // Same directory, second run: the same CodeSha256 (mtimes touched in between).
    let hash = p.attr("lambda-function.assets", "source-hash");
    assert!(!hash.is_empty());
    let f = std::fs::File::options()
        .write(true)
        .open(p.path().join("functions/assets/index.js"))
        .unwrap();
    f.set_modified(std::time::SystemTime::now() + std::time::Duration::from_secs(3600))
        .unwrap();
    let out = p.eco(&["plan", "-detailed-exitcode"]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "touching mtimes changes nothing: {}",
        stdout(&out)
    );

    // One source file edited: a code update of that function only.
    p.edit_file(
        "functions/users/index.js",
        "stage: process.env.STAGE",
        "stage: process.env.STAGE, v: 2",
    );
    let out = p.eco(&["plan", "-detailed-exitcode"]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(
        text.contains("# lambda-function.users will be updated in place"),
        "{text}"
    );
    assert!(text.contains("source-hash"), "{text}");
    assert!(!text.contains("lambda-function.assets will"), "{text}");
    assert!(text.contains("1 to change"), "{text}");
    let users_arn = p.attr("lambda-function.users", "arn");
    ok(&p.eco(&["apply", "-auto-approve"]));
    assert_eq!(p.attr("lambda-function.users", "arn"), users_arn);
    let out = p.eco(&["plan", "-detailed-exitcode"]);
    assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));

    // An env value changed: a configuration update only (no source-hash change).
    p.edit_file("main.kdl", "LOG_LEVEL=\"info\"", "LOG_LEVEL=\"debug\"");
    let out = p.eco(&["plan", "-detailed-exitcode"]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(
        text.contains("# lambda-function.assets will be updated in place"),
        "{text}"
    );
    assert!(text.contains("env"), "{text}");
    assert!(!text.contains("source-hash"), "{text}");
    ok(&p.eco(&["apply", "-auto-approve"]));
    assert_eq!(p.attr("lambda-function.assets", "source-hash"), hash);

    // Route and integration changes update in place: same API, same route.
    let api = p.attr("api.main", "id");
    let route = p.attr("api-route.assets", "id");
    p.edit_file(
        "main.kdl",
        "route-key \"GET /assets\"",
        "route-key \"GET /assets/list\"",
    );
    p.edit_file(
        "main.kdl",
        "uri \"${lambda-function.assets.arn}\"\n    payload-format-version \"2.0\"",
        "uri \"${lambda-function.assets.arn}\"\n    payload-format-version \"2.0\"\n    timeout-ms 5000",
    );
    let text = ok(&p.eco(&["plan"]));
    assert!(
        text.contains("# api-route.assets will be updated in place"),
        "{text}"
    );
    assert!(
        text.contains("# api-integration.assets will be updated in place"),
        "{text}"
    );
    ok(&p.eco(&["apply", "-auto-approve"]));
    assert_eq!(p.attr("api.main", "id"), api);
    assert_eq!(p.attr("api-route.assets", "id"), route);
    let out = p.eco(&["plan", "-detailed-exitcode"]);
    assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));
}

#[test]
fn a_missing_source_or_handler_file_is_a_plan_time_diagnostic() {
    let p = Project::serverless();
    p.edit_file(
        "main.kdl",
        "source \"./functions/assets\"",
        "source \"./functions/nope\"",
    );
    let out = p.eco(&["plan"]);
    assert_eq!(out.status.code(), Some(1), "{}", stdout(&out));
    let err = stderr(&out);
    assert!(err.contains("lambda-function.assets"), "{err}");
    assert!(err.contains("source"), "{err}");
    assert!(err.contains("functions/nope"), "{err}");

    p.edit_file(
        "main.kdl",
        "source \"./functions/nope\"",
        "source \"./functions/assets\"",
    );
    p.edit_file(
        "main.kdl",
        "handler \"index.handler\"",
        "handler \"app.handler\"",
    );
    let out = p.eco(&["plan"]);
    assert_eq!(out.status.code(), Some(1), "{}", stdout(&out));
    let err = stderr(&out);
    assert!(err.contains("lambda-function.assets"), "{err}");
    assert!(err.contains("`handler`"), "{err}");
    assert!(err.contains("app.js"), "{err}");
}
