//! Lookups end to end against moto: a zone made by hand feeds a record's zone; a lookup that
//! matches nothing fails at plan with its location; a SecureString found by a lookup never
//! appears in plan output or logs.

use crate::support::{ok, stderr, stdout, Project};

const HEADER: &str = r#"project "looks"

stage "dev" {
    account "123456789012"
    region "us-east-1"
}
"#;

fn rt() -> tokio::runtime::Runtime {
    tokio::runtime::Runtime::new().unwrap()
}

#[test]
fn a_zone_made_by_hand_feeds_a_record() {
    let p = Project::with_main(&format!(
        r#"{HEADER}
lookup "route53-zone" "root" {{
    name "handmade.example.com"
}}

route53-record "www" {{
    zone "${{lookup.route53-zone.root.id}}"
    name "www.${{lookup.route53-zone.root.name}}"
    type "CNAME"
    ttl 60
    records "target.example.net"
}}
"#
    ));
    let r53 = p.aws().route53();
    let zone = rt()
        .block_on(
            r53.create_hosted_zone()
                .name("handmade.example.com")
                .caller_reference("by-hand")
                .send(),
        )
        .unwrap();
    let zone_id = zone
        .hosted_zone()
        .unwrap()
        .id()
        .trim_start_matches("/hostedzone/")
        .to_string();
    // Another zone, which the lookup must not pick.
    rt().block_on(
        r53.create_hosted_zone()
            .name("other.example.com")
            .caller_reference("other")
            .send(),
    )
    .unwrap();

    // The plan says which lookup feeds which change.
    let out = ok(&p.eco(&["plan", "-no-color"]));
    assert!(
        out.contains("Lookups read for these changes:\n  # lookup.route53-zone.root feeds route53-record.www"),
        "{out}"
    );
    let json: serde_json::Value = serde_json::from_str(&ok(&p.eco(&["plan", "-json"]))).unwrap();
    assert_eq!(
        json["lookups"],
        serde_json::json!([{"lookup": "lookup.route53-zone.root", "feeds": ["route53-record.www"]}])
    );
    let out = p.eco(&["apply", "-auto-approve"]);
    assert!(out.status.success(), "{}\n{}", stdout(&out), stderr(&out));
    assert_eq!(p.attr("route53-record.www", "zone"), zone_id);
    let sets = rt()
        .block_on(
            r53.list_resource_record_sets()
                .hosted_zone_id(&zone_id)
                .send(),
        )
        .unwrap();
    assert!(
        sets.resource_record_sets()
            .iter()
            .any(|s| s.name().trim_end_matches('.') == "www.handmade.example.com"),
        "{sets:?}"
    );
    // The lookup is not managed: not in state, and nothing more to do.
    assert!(p.state()["resources"]
        .as_array()
        .unwrap()
        .iter()
        .all(|r| r["type"] != "route53-zone"));
    p.no_changes();
}

#[test]
fn a_lookup_that_matches_nothing_fails_at_plan_with_its_location() {
    let p = Project::with_main(&format!(
        r#"{HEADER}
lookup "route53-zone" "root" {{
    name "nowhere.example.com"
}}

route53-record "www" {{
    zone "${{lookup.route53-zone.root.id}}"
    name "www.nowhere.example.com"
    type "CNAME"
    ttl 60
    records "target.example.net"
}}
"#
    ));
    let out = p.eco(&["plan"]);
    assert_eq!(out.status.code(), Some(1), "{}", stdout(&out));
    let err = stderr(&out);
    assert!(
        err.contains("lookup `route53-zone.root` found no route53-zone with name =")
            && err.contains("\"nowhere.example.com\""),
        "{err}"
    );
    assert!(err.contains("main.kdl:8:1"), "{err}");

    // Route53 lets two zones have one name: a lookup that finds both names them.
    let r53 = p.aws().route53();
    for reference in ["twice-1", "twice-2"] {
        rt().block_on(
            r53.create_hosted_zone()
                .name("nowhere.example.com")
                .caller_reference(reference)
                .send(),
        )
        .unwrap();
    }
    let out = p.eco(&["plan"]);
    assert_eq!(out.status.code(), Some(1), "{}", stdout(&out));
    let err = stderr(&out);
    assert!(
        err.contains("lookup `route53-zone.root` found 2 route53-zone with name ="),
        "{err}"
    );
    assert!(err.contains("main.kdl:8:1"), "{err}");

    // A destroy needs no lookup: one that matches nothing does not stop it.
    let out = p.eco(&["destroy", "-auto-approve"]);
    assert!(out.status.success(), "{}\n{}", stdout(&out), stderr(&out));

    // Validate knows nothing of AWS: the same configuration is valid.
    let out = p.eco(&["validate"]);
    assert!(out.status.success(), "{}", stderr(&out));

    // A lookup of something undeclared is a validate error with a did-you-mean.
    p.edit("lookup.route53-zone.root.id", "lookup.route53-zone.rot.id");
    let out = p.eco(&["validate"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("did you mean `lookup.route53-zone.root`?"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn a_secure_string_lookup_never_appears_in_plan_output_or_logs() {
    const SECRET: &str = "s3cr3t-from-by-hand";
    let p = Project::with_main(&format!(
        r#"{HEADER}
lookup "ssm-parameter" "db" {{
    name "/looks/db-password"
}}

dynamodb-table "t" {{
    name "looks-table"
    hash-key "pk" type="S"
    tags password="${{lookup.ssm-parameter.db.value}}" version="v${{lookup.ssm-parameter.db.version}}"
}}

output "password" value="${{lookup.ssm-parameter.db.value}}"
"#
    ));
    let ssm = p.aws().ssm();
    rt().block_on(
        ssm.put_parameter()
            .name("/looks/db-password")
            .value(SECRET)
            .r#type(aws_sdk_ssm::types::ParameterType::SecureString)
            .send(),
    )
    .unwrap();
    for args in [
        vec!["plan"],
        vec!["plan", "-json"],
        vec!["apply", "-auto-approve"],
        vec!["plan"],
        vec!["output"],
    ] {
        let out = crate::support::eco()
            .args(&args)
            .current_dir(p.path())
            .envs(p.moto.env())
            .env("ECO_LOG", "debug")
            .output()
            .unwrap();
        let all = format!("{}\n{}", stdout(&out), stderr(&out));
        assert!(out.status.success(), "{args:?}: {all}");
        assert!(!all.contains(SECRET), "{args:?} shows the secret:\n{all}");
    }
    // It did reach AWS.
    let table = rt()
        .block_on(
            p.aws()
                .dynamodb()
                .describe_table()
                .table_name("looks-table")
                .send(),
        )
        .unwrap();
    let arn = table.table().unwrap().table_arn().unwrap().to_string();
    let tags = rt()
        .block_on(
            p.aws()
                .dynamodb()
                .list_tags_of_resource()
                .resource_arn(arn)
                .send(),
        )
        .unwrap();
    assert!(tags
        .tags()
        .iter()
        .any(|t| t.key() == "password" && t.value() == SECRET));
}

#[test]
fn a_certificate_lookup_finds_the_newest_issued_one_of_the_domain() {
    let p = Project::with_main(&format!(
        r#"{HEADER}
lookup "acm-certificate" "api" {{
    domain-name "api.lookup.example.com"
}}

dynamodb-table "t" {{
    name "certs"
    hash-key "pk" type="S"
    tags cert="${{lookup.acm-certificate.api.id}}"
}}
"#
    ));
    let acm = p.aws().acm(None);
    let request = |domain: &str| {
        rt().block_on(
            acm.request_certificate()
                .domain_name(domain)
                .validation_method(aws_sdk_acm::types::ValidationMethod::Dns)
                .send(),
        )
        .unwrap()
        .certificate_arn()
        .unwrap()
        .to_string()
    };
    let _older = request("api.lookup.example.com");
    std::thread::sleep(std::time::Duration::from_millis(1100));
    let newer = request("api.lookup.example.com");
    let _other = request("www.lookup.example.com");

    let out = p.eco(&["apply", "-auto-approve"]);
    assert!(out.status.success(), "{}\n{}", stdout(&out), stderr(&out));
    assert_eq!(
        p.resource("dynamodb-table.t")["attributes"]["tags"]["cert"],
        newer.as_str()
    );
    p.no_changes();
}
