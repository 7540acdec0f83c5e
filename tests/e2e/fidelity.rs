//! Plan fidelity on configurations written the way Terraform migrants write them: each applies,
//! and the next plan is empty (no false change, no false replacement).

use crate::support::{ok, stderr, stdout, Project};

const MIGRANT: &str = r#"project "fidelity"

stage "dev" {
    account "123456789012"
    region "us-east-1"
}

// Terraform users list the primary name among the SANs; ACM does too, and eco's read leaves it
// out: this must not plan a replacement of a certificate CloudFront and Cognito use.
acm-certificate "site" {
    domain-name "example.com"
    alternative-names "example.com" "www.example.com"
    validation-method "DNS"
}

// Terraform requires the restrictions block, so every migrant writes type "none".
cloudfront-distribution "cdn" {
    origin "site" {
        domain-name "fidelity-site.s3.us-east-1.amazonaws.com"
    }
    default-cache-behavior {
        target-origin "site"
    }
    geo-restriction type="none"
}

cognito-user-pool "users" {
    name "fidelity-users"
    lifecycle prevent-destroy=#false
}

// Units without values, as a migrated aws_cognito_user_pool_client's token_validity_units.
cognito-user-pool-client "web" {
    user-pool "${cognito-user-pool.users.id}"
    name "web"
    token-validity access-unit="hours" id-unit="hours" refresh-unit="days"
}
"#;

#[test]
fn migrant_idioms_apply_once_and_then_plan_no_change() {
    let p = Project::with_main(MIGRANT);
    let out = ok(&p.eco(&["apply", "-auto-approve"]));
    assert!(out.contains("Resources: 4 added"), "{out}");
    let plan = p.eco(&["plan", "-detailed-exitcode", "-no-color"]);
    assert_eq!(
        plan.status.code(),
        Some(0),
        "a plan right after apply shows changes nobody made:\n{}\n{}",
        stdout(&plan),
        stderr(&plan)
    );
    assert!(stdout(&plan).contains("No changes."));

    // The normal forms hide nothing real: a new alternative name is still a replacement, and a
    // lifetime with its unit is still an update.
    p.edit(
        "\"www.example.com\"",
        "\"www.example.com\" \"api.example.com\"",
    );
    p.edit("access-unit=\"hours\"", "access=2 access-unit=\"hours\"");
    let out = ok(&p.eco(&["plan", "-no-color"]));
    assert!(
        out.contains("# acm-certificate.site must be replaced"),
        "{out}"
    );
    assert!(
        out.contains("# cognito-user-pool-client.web will be updated in place"),
        "{out}"
    );
    assert!(!out.contains("cloudfront-distribution.cdn"), "{out}");
}
