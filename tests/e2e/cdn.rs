//! CloudFront policies end to end: `eco validate` refuses what CloudFront would (TTLs out of
//! order, names), a distribution references policies by id through the graph, and lookups of
//! managed policies are checked at validate; moto has no policy calls, so against it a lookup
//! fails at plan naming the lookup and the List call (docs/testing.md).

use crate::support::{ok, stderr, stdout, Project};

const HEADER: &str = r#"project "cdn"

stage "dev" {
    account "123456789012"
    region "us-east-1"
}
"#;

#[test]
fn validate_refuses_ttls_out_of_order_and_names_cloudfront_refuses() {
    let p = Project::with_main(&format!(
        r#"{HEADER}
cloudfront-cache-policy "api" {{
    name "ecogy api"
    min-ttl 600
    default-ttl 60
}}
"#
    ));
    let out = p.eco(&["validate"]);
    assert_eq!(out.status.code(), Some(1), "{}", stdout(&out));
    let err = stderr(&out);
    assert!(
        err.contains("cloudfront-cache-policy.api sets `min-ttl` 600 above `default-ttl` 60"),
        "{err}"
    );
    assert!(
        err.contains("`min-ttl` <= `default-ttl` <= `max-ttl`"),
        "{err}"
    );
    assert!(err.contains("contains ` `"), "{err}");

    p.edit("name \"ecogy api\"", "name \"ecogy-api\"");
    p.edit("min-ttl 600", "min-ttl 0");
    ok(&p.eco(&["validate"]));
    p.edit("min-ttl 0", "min-ttl -1");
    let err = stderr(&p.eco(&["validate"]));
    assert!(err.contains("min-ttl"), "{err}");
}

#[test]
fn a_distribution_references_its_policies_by_id_and_depends_on_them() {
    let p = Project::with_main(&format!(
        r#"{HEADER}
cloudfront-cache-policy "api" {{
    name "ecogy-api"
    headers behavior="whitelist" {{
        names "Authorization"
    }}
}}
cloudfront-origin-request-policy "api" {{
    name "ecogy-api-origin"
    query-strings behavior="all"
}}
cloudfront-response-headers-policy "api" {{
    name "ecogy-api-headers"
    security-headers {{
        frame-options value="DENY" override=#true
    }}
}}
cloudfront-distribution "site" {{
    origin "api" domain-name="abc123.execute-api.us-east-1.amazonaws.com" {{
        custom-origin protocol-policy="https-only"
    }}
    default-cache-behavior target-origin="api" {{
        cache-policy "${{cloudfront-cache-policy.api.id}}"
        origin-request-policy "${{cloudfront-origin-request-policy.api.id}}"
        response-headers-policy "${{cloudfront-response-headers-policy.api.id}}"
    }}
}}
"#
    ));
    ok(&p.eco(&["validate"]));
    let dot = ok(&p.eco(&["graph"]));
    for policy in [
        "cloudfront-cache-policy.api",
        "cloudfront-origin-request-policy.api",
        "cloudfront-response-headers-policy.api",
    ] {
        let edge = format!("\"cloudfront-distribution.site\" -> \"{policy}\"");
        assert!(dot.contains(&edge), "no edge {edge} in\n{dot}");
    }
    // A misspelt attribute of a policy is caught with a suggestion.
    p.edit("behavior=\"all\"", "behavior=\"everything\"");
    let err = stderr(&p.eco(&["validate"]));
    assert!(
        err.contains("everything") && err.contains("allExcept"),
        "{err}"
    );
}

#[test]
fn lookups_of_managed_policies_validate_and_fail_at_plan_naming_the_lookup() {
    let p = Project::with_main(&format!(
        r#"{HEADER}
lookup "cloudfront-cache-policy" "optimized" {{
    name "Managed-CachingOptimized"
}}
cloudfront-distribution "site" {{
    origin "site" domain-name="ecogy-site.s3.us-east-1.amazonaws.com" origin-access-control=#true
    default-cache-behavior target-origin="site" cache-policy="${{lookup.cloudfront-cache-policy.optimized.id}}"
}}
"#
    ));
    ok(&p.eco(&["validate"]));
    // moto has no ListCachePolicies: the plan fails, naming the lookup and the call.
    let out = p.eco(&["plan"]);
    assert_eq!(out.status.code(), Some(1), "{}", stdout(&out));
    let err = stderr(&out);
    assert!(err.contains("cloudfront-cache-policy.optimized"), "{err}");
    assert!(err.contains("ListCachePolicies"), "{err}");
}
