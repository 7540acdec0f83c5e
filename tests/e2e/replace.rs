//! Replacement executed end to end through the real `eco` binary, checked in moto through the
//! SDK: a certificate's alternative names change (ACM has no update for them) and the apply
//! replaces it create-before-destroy: a new certificate with the new names, the distribution
//! that uses it switched to the new ARN, and only then the old certificate deleted. An HTTP API
//! authorizer moved to another API is replaced and its route follows.

use crate::support::*;

const SITE: &str = r#"
project "replace"

stage "dev" {
    account "123456789012"
    region "us-east-1"
}

route53-zone "main" {
    name "r.example.com"
}

acm-certificate "site" {
    domain-name "r.example.com"
    alternative-names "www.r.example.com"
    region "us-east-1"
    validation-zone "${route53-zone.main.id}"
    // The distribution keeps a certificate at every moment: the new one is made first.
    lifecycle create-before-destroy=#true
}

cloudfront-distribution "site" {
    comment "replace"
    aliases "r.example.com" "www.r.example.com"
    certificate "${acm-certificate.site.arn}"
    origin "web" {
        domain-name "replace-dev-web.s3.us-east-1.amazonaws.com"
    }
    default-cache-behavior target-origin="web" viewer-protocol-policy="redirect-to-https"
}
"#;

/// The alternative names ACM reports for a certificate (without the primary name), or `None`
/// when ACM no longer has it.
fn certificate_names(p: &Project, arn: &str) -> Option<Vec<String>> {
    let acm = p.aws().acm(None);
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        match acm.describe_certificate().certificate_arn(arn).send().await {
            Ok(out) => {
                let cert = out.certificate().expect("a certificate");
                let mut names: Vec<String> = cert
                    .subject_alternative_names()
                    .iter()
                    .filter(|n| Some(n.as_str()) != cert.domain_name())
                    .cloned()
                    .collect();
                names.sort();
                Some(names)
            }
            Err(e) => {
                let e = e.into_service_error();
                assert!(e.is_resource_not_found_exception(), "{e:?}");
                None
            }
        }
    })
}

/// The certificate ARN the distribution serves.
fn distribution_certificate(p: &Project, id: &str) -> String {
    let cf = p.aws().cloudfront();
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        let out = cf.get_distribution_config().id(id).send().await.unwrap();
        out.distribution_config()
            .and_then(|c| c.viewer_certificate())
            .and_then(|v| v.acm_certificate_arn())
            .expect("an ACM certificate")
            .to_string()
    })
}

#[test]
fn a_certificate_whose_alternative_names_change_is_replaced_and_the_distribution_switched_first() {
    let p = Project::with_main(SITE);
    ok(&p.eco(&["apply", "-auto-approve"]));
    let old = p.id_of("acm-certificate.site");
    let dist = p.id_of("cloudfront-distribution.site");
    assert_eq!(distribution_certificate(&p, &dist), old);
    assert_eq!(
        certificate_names(&p, &old),
        Some(vec!["www.r.example.com".to_string()])
    );
    p.no_changes();

    p.edit(
        r#"alternative-names "www.r.example.com""#,
        r#"alternative-names "www.r.example.com" "api.r.example.com""#,
    );
    p.edit(
        r#"aliases "r.example.com" "www.r.example.com""#,
        r#"aliases "r.example.com" "www.r.example.com" "api.r.example.com""#,
    );
    let change = p.planned("acm-certificate.site");
    assert_eq!(change["action"], "replace", "{change:#}");
    assert_eq!(change["create_before_destroy"], true, "{change:#}");
    assert_eq!(
        change["replace_because"][0], "alternative-names",
        "{change:#}"
    );
    assert_eq!(
        p.planned("cloudfront-distribution.site")["action"],
        "update"
    );

    p.moto.start_recording();
    let out = ok(&p.eco(&["apply", "-auto-approve"]));
    assert!(
        out.contains("Apply complete! Resources: 1 added, 1 changed, 1 destroyed."),
        "{out}"
    );
    let calls = p.moto.recorded_calls();
    let position = |op: &str| {
        calls
            .iter()
            .position(|c| c.operation.ends_with(op))
            .unwrap_or_else(|| {
                panic!(
                    "no {op} in {:?}",
                    calls.iter().map(|c| &c.operation).collect::<Vec<_>>()
                )
            })
    };
    let requested = position("RequestCertificate");
    let switched = calls
        .iter()
        .position(|c| c.method == "PUT" && c.url.contains(&format!("/distribution/{dist}/config")))
        .expect("an UpdateDistribution");
    let deleted = position("DeleteCertificate");
    assert!(
        requested < switched && switched < deleted,
        "new certificate, then the distribution switched, then the old deleted: {requested} {switched} {deleted}"
    );

    // A new certificate with the new names; the distribution serves it; the old one is gone.
    let new = p.id_of("acm-certificate.site");
    assert_ne!(new, old, "a new certificate, not the old one adopted");
    assert_eq!(
        certificate_names(&p, &new),
        Some(vec![
            "api.r.example.com".to_string(),
            "www.r.example.com".to_string()
        ])
    );
    assert_eq!(
        p.id_of("cloudfront-distribution.site"),
        dist,
        "updated in place"
    );
    assert_eq!(distribution_certificate(&p, &dist), new);
    assert_eq!(
        certificate_names(&p, &old),
        None,
        "the old certificate is deleted"
    );
    let state = p.state();
    assert!(
        state["pending"].as_array().is_none_or(|a| a.is_empty()),
        "{state:#}"
    );
    assert!(
        state["resources"]
            .as_array()
            .unwrap()
            .iter()
            .all(|r| !r["address"].as_str().unwrap().contains("~deposed")),
        "{state:#}"
    );
    p.no_changes();
}

/// The certificates ACM has (ARNs).
fn certificates(p: &Project) -> Vec<String> {
    let acm = p.aws().acm(None);
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        let out = acm.list_certificates().send().await.unwrap();
        out.certificate_summary_list()
            .iter()
            .filter_map(|c| c.certificate_arn().map(str::to_string))
            .collect()
    })
}

/// The same replacement killed (the real process, `ECO_TEST_FAULTS=crash:..`) at each step: of
/// the certificate's change, and of the deferred delete of the old certificate. The next
/// `eco apply` converges with no manual step: one certificate (no second replacement made, the
/// old one not left behind), with the new names, served by the distribution; nothing pending,
/// nothing deposed, and no changes after.
#[test]
fn a_replacement_killed_at_each_step_converges_on_the_next_apply() {
    for fault in [
        "crash:before-call:acm-certificate.site",
        "crash:after-call:acm-certificate.site",
        "crash:after-result:acm-certificate.site",
        "crash:before-call:acm-certificate.site~deposed",
        "crash:after-call:acm-certificate.site~deposed",
    ] {
        let p = Project::with_main(SITE);
        ok(&p.eco(&["apply", "-auto-approve"]));
        let old = p.id_of("acm-certificate.site");
        let dist = p.id_of("cloudfront-distribution.site");
        p.edit(
            r#"alternative-names "www.r.example.com""#,
            r#"alternative-names "www.r.example.com" "api.r.example.com""#,
        );
        let out = eco()
            .args(["apply", "-auto-approve", "-parallelism", "1"])
            .current_dir(p.path())
            .envs(p.moto.env())
            .env("ECO_TEST_FAULTS", fault)
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(86), "{fault}: {}", stderr(&out));
        let state = p.state();
        if fault.contains("~deposed") || fault.contains("after-result") {
            // The replacement is recorded; the old certificate waits, deposed, for its delete.
            let deposed = p.resource("acm-certificate.site~deposed");
            assert_eq!(deposed["id"], old.as_str(), "{fault}: {state:#}");
        } else {
            let pending = state["pending"].as_array().unwrap();
            assert_eq!(pending.len(), 1, "{fault}: {state:#}");
            assert_eq!(pending[0]["operation"], "replace");
            assert_eq!(
                pending[0]["replaces"],
                old.as_str(),
                "{fault}: the intent names the old id"
            );
        }

        let out = ok(&p.eco(&["apply", "-auto-approve"]));
        let new = p.id_of("acm-certificate.site");
        assert_ne!(new, old, "{fault}: {out}");
        assert_eq!(
            certificates(&p),
            std::slice::from_ref(&new),
            "{fault}: one certificate, the new one"
        );
        assert_eq!(
            certificate_names(&p, &new),
            Some(vec![
                "api.r.example.com".to_string(),
                "www.r.example.com".to_string()
            ]),
            "{fault}"
        );
        assert_eq!(distribution_certificate(&p, &dist), new, "{fault}");
        let state = p.state();
        assert!(
            state["pending"].as_array().is_none_or(|a| a.is_empty()),
            "{fault}: {state:#}"
        );
        assert!(
            state["resources"]
                .as_array()
                .unwrap()
                .iter()
                .all(|r| !r["address"].as_str().unwrap().contains("~deposed")),
            "{fault}: {state:#}"
        );
        p.no_changes();
    }
}

const AUTHORIZED: &str = r#"
project "authz"

stage "dev" {
    account "123456789012"
    region "us-east-1"
}

api "a" {
    name "authz-a"
}

api "b" {
    name "authz-b"
}

api-authorizer "jwt" {
    api "${api.a.id}"
    name "jwt"
    type "JWT"
    identity-sources "$request.header.Authorization"
    jwt issuer="https://issuer.example.com" {
        audience "web"
    }
}

api-route "me" {
    api "${api.a.id}"
    route-key "GET /me"
    authorization-type "JWT"
    authorizer "${api-authorizer.jwt.id}"
}
"#;

/// The authorizer API Gateway has under `api` (its name), or `None` when it has none by that id.
fn authorizer_name(p: &Project, api: &str, id: &str) -> Option<String> {
    let client = p.aws().apigatewayv2();
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        match client
            .get_authorizer()
            .api_id(api)
            .authorizer_id(id)
            .send()
            .await
        {
            Ok(out) => Some(out.name().unwrap_or_default().to_string()),
            // moto's AuthorizerNotFound is a 404 whose body is not AWS's JSON: the status says it.
            Err(e) => {
                let status = e.raw_response().map(|r| r.status().as_u16());
                assert_eq!(status, Some(404), "{e:?}");
                None
            }
        }
    })
}

/// The authorizer id a route of `api` uses.
fn route_authorizer(p: &Project, api: &str, route: &str) -> String {
    let client = p.aws().apigatewayv2();
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        let out = client
            .get_route()
            .api_id(api)
            .route_id(route)
            .send()
            .await
            .unwrap();
        out.authorizer_id().unwrap_or_default().to_string()
    })
}

/// An HTTP API authorizer moved to another API (its `api` forces replacement) is replaced: the
/// new one exists on the new API, the old one is gone, and the route that uses it (moved too)
/// points at the new one. (moto's GetAuthorizers answers 500, so the provider-level standard
/// replacement test, which finds through it, cannot run; this runs the engine's replace.)
#[test]
fn an_api_authorizer_moved_to_another_api_is_replaced_and_its_route_follows() {
    let p = Project::with_main(AUTHORIZED);
    ok(&p.eco(&["apply", "-auto-approve"]));
    let (a, b) = (p.attr("api.a", "id"), p.attr("api.b", "id"));
    // State ids are `API-ID/CHILD-ID`.
    let child_id = |address: &str| {
        let id = p.id_of(address);
        id.rsplit('/').next().unwrap().to_string()
    };
    let old = child_id("api-authorizer.jwt");
    let old_route = child_id("api-route.me");
    assert_eq!(authorizer_name(&p, &a, &old).as_deref(), Some("jwt"));
    assert_eq!(route_authorizer(&p, &a, &old_route), old);
    p.no_changes();

    p.edit(
        "api-authorizer \"jwt\" {\n    api \"${api.a.id}\"",
        "api-authorizer \"jwt\" {\n    api \"${api.b.id}\"",
    );
    p.edit(
        "api-route \"me\" {\n    api \"${api.a.id}\"",
        "api-route \"me\" {\n    api \"${api.b.id}\"",
    );
    let change = p.planned("api-authorizer.jwt");
    assert_eq!(change["action"], "replace", "{change:#}");
    assert_eq!(change["replace_because"][0], "api", "{change:#}");
    assert_eq!(p.planned("api-route.me")["action"], "replace");
    let out = ok(&p.eco(&["apply", "-auto-approve"]));
    assert!(
        out.contains("Apply complete! Resources: 2 added, 0 changed, 2 destroyed."),
        "{out}"
    );

    let new = child_id("api-authorizer.jwt");
    let new_route = child_id("api-route.me");
    assert_ne!(new, old, "a new authorizer, not the old one adopted");
    assert_eq!(p.attr("api-authorizer.jwt", "api"), b);
    assert_eq!(authorizer_name(&p, &b, &new).as_deref(), Some("jwt"));
    assert_eq!(route_authorizer(&p, &b, &new_route), new);
    assert_eq!(
        authorizer_name(&p, &a, &old),
        None,
        "the old one is deleted"
    );
    assert_eq!(p.attr("api.a", "id"), a, "the APIs stay");
    let state = p.state();
    assert!(
        state["pending"].as_array().is_none_or(|x| x.is_empty()),
        "{state:#}"
    );
    p.no_changes();
}
