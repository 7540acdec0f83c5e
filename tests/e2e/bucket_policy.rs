//! `s3-bucket-policy` end to end against moto: a bucket, a distribution whose origin is the
//! bucket and a policy that names the distribution apply from empty (no cycle) and plan clean; a
//! policy change is one in-place update; the policy set on the bucket as well is refused by
//! `eco validate`; a policy made by hand imports with generated KDL and plans clean.

use crate::support::{ok, stderr, stdout, Project};

const MAIN: &str = r#"project "edge"

stage "dev" {
    account "123456789012"
    region "us-east-1"
}

s3-bucket "site" {
    name "edge-${stage}-site"
    public-access-block block-public-acls=#true ignore-public-acls=#true block-public-policy=#true restrict-public-buckets=#true
    tags team="web"
}

cloudfront-distribution "site" {
    comment "edge ${stage}"
    origin "site" {
        domain-name "${s3-bucket.site.regional-domain-name}"
        origin-access-control #true
    }
    default-cache-behavior target-origin="site" viewer-protocol-policy="redirect-to-https"
}

s3-bucket-policy "site" {
    bucket "${s3-bucket.site.name}"
    policy {
        statement "AllowCloudFrontOAC" effect="Allow" {
            principal service="cloudfront.amazonaws.com"
            action "s3:GetObject"
            resource "${s3-bucket.site.arn}/*"
            condition "StringEquals" "AWS:SourceArn" "${cloudfront-distribution.site.arn}"
        }
    }
}
"#;

fn rt() -> tokio::runtime::Runtime {
    tokio::runtime::Runtime::new().unwrap()
}

#[test]
fn a_bucket_policy_apart_from_its_bucket_applies_plans_clean_and_imports() {
    let p = Project::with_main(MAIN);
    let out = ok(&p.eco(&["apply", "-auto-approve", "-no-color"]));
    assert!(out.contains("Apply complete!"), "{out}");
    let plan = p.eco(&["plan", "-detailed-exitcode"]);
    assert_eq!(plan.status.code(), Some(0), "{}", stdout(&plan));
    assert_eq!(p.id_of("s3-bucket-policy.site"), "edge-dev-site");

    // What S3 holds names the distribution this run made.
    let aws = p.aws();
    let (policy, distribution) = rt().block_on(async {
        let got = aws
            .s3()
            .get_bucket_policy()
            .bucket("edge-dev-site")
            .send()
            .await
            .unwrap();
        let list = aws.cloudfront().list_distributions().send().await.unwrap();
        let arn = list.distribution_list().unwrap().items()[0]
            .arn()
            .to_string();
        (got.policy().unwrap().to_string(), arn)
    });
    let policy: serde_json::Value = serde_json::from_str(&policy).unwrap();
    // A KDL condition's values are a list.
    assert_eq!(
        policy["Statement"][0]["Condition"]["StringEquals"]["AWS:SourceArn"],
        serde_json::json!([distribution])
    );

    // A change of the document is one in-place update of the policy, nothing else.
    let listing = MAIN.replace(
        "action \"s3:GetObject\"",
        "action \"s3:GetObject\" \"s3:ListBucket\"",
    );
    p.write("main.kdl", &listing);
    let out = ok(&p.eco(&["apply", "-auto-approve", "-no-color"]));
    assert!(
        out.contains("s3-bucket-policy.site will be updated in place"),
        "{out}"
    );
    assert!(out.contains("0 to add, 1 to change, 0 to destroy"), "{out}");
    p.no_changes_in("dev");

    // The policy on the bucket as well: refused before any call.
    let both = listing.replace(
        "    tags team=\"web\"\n}",
        "    tags team=\"web\"\n    policy \"{}\"\n}",
    );
    p.write("main.kdl", &both);
    let out = p.eco(&["validate"]);
    assert_eq!(out.status.code(), Some(1), "{}", stdout(&out));
    let err = stderr(&out);
    assert!(
        err.contains("`s3-bucket.site` sets `policy`, which `s3-bucket-policy.site` manages"),
        "{err}"
    );
    p.write("main.kdl", &listing);

    // A policy made by hand on a bucket eco does not manage imports with generated KDL.
    let doc = r#"{"Version":"2012-10-17","Statement":[{"Sid":"Deny","Effect":"Deny","Principal":"*","Action":"s3:DeleteBucket","Resource":"arn:aws:s3:::edge-hand-made"}]}"#;
    rt().block_on(async {
        let s3 = aws.s3();
        s3.create_bucket()
            .bucket("edge-hand-made")
            .send()
            .await
            .unwrap();
        s3.put_bucket_policy()
            .bucket("edge-hand-made")
            .policy(doc)
            .send()
            .await
            .unwrap();
    });
    let out = ok(&p.eco(&[
        "import",
        "-generate",
        "s3-bucket-policy.hand",
        "edge-hand-made",
    ]));
    assert!(out.contains("s3-bucket-policy.hand: imported"), "{out}");
    let generated = std::fs::read_to_string(p.path().join("generated.kdl")).unwrap();
    assert!(
        generated.contains("s3-bucket-policy \"hand\" {"),
        "{generated}"
    );
    assert!(
        generated.contains("bucket \"edge-hand-made\""),
        "{generated}"
    );
    let plan = p.eco(&["plan", "-detailed-exitcode"]);
    assert_eq!(
        plan.status.code(),
        Some(0),
        "plan after import:\n{}\ngenerated:\n{generated}",
        stdout(&plan),
    );
}

/// `import` blocks for a bucket made by hand and its policy: `plan -generate-config-out` writes
/// the policy once, in the `s3-bucket-policy` (not also as the bucket's `policy`, which
/// validate would refuse), and the plan that follows imports both and changes nothing else.
#[test]
fn import_blocks_generate_a_buckets_policy_once() {
    let p = Project::with_main(
        r#"project "edge"

stage "dev" {
    account "123456789012"
    region "us-east-1"
}

import to="s3-bucket.old" id="edge-old"
import to="s3-bucket-policy.old" id="edge-old"
"#,
    );
    let doc = r#"{"Version":"2012-10-17","Statement":[{"Sid":"Deny","Effect":"Deny","Principal":"*","Action":"s3:DeleteBucket","Resource":"arn:aws:s3:::edge-old"}]}"#;
    rt().block_on(async {
        let s3 = p.aws().s3();
        s3.create_bucket().bucket("edge-old").send().await.unwrap();
        s3.put_bucket_policy()
            .bucket("edge-old")
            .policy(doc)
            .send()
            .await
            .unwrap();
    });
    let out = ok(&p.eco(&["plan", "-generate-config-out", "old.kdl"]));
    let generated = std::fs::read_to_string(p.path().join("old.kdl")).unwrap();
    assert!(
        generated.contains("s3-bucket \"old\" {")
            && generated.contains("s3-bucket-policy \"old\" {"),
        "{generated}"
    );
    assert_eq!(
        generated.matches("s3:DeleteBucket").count(),
        1,
        "the policy is written once, in the s3-bucket-policy:\n{generated}"
    );
    assert!(
        out.contains("s3-bucket.old will be imported")
            && out.contains("s3-bucket-policy.old will be imported"),
        "{out}"
    );
    ok(&p.eco(&["validate"]));
}
