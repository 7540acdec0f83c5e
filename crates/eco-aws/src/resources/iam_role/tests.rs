use super::read::decode_policy;
use super::spec::{service_trust_policy, services_of_trust, Trust};
use super::updates::changed_attrs;
use super::*;
use aws_sdk_iam::types::{AttachedPermissionsBoundary, Role};
use eco_provider::values::{list, s};
use eco_provider::{ErrorKind, Value, TAG_ADDRESS, TAG_PROJECT, TAG_STAGE};

/// A role's attributes as `read` reports them.
fn role_attrs(role: &Role, managed: &[String], inline: &[(String, String)]) -> Attrs {
    from_role(role, managed, inline).to_attrs()
}

fn inline(name: &str, doc: &str) -> Value {
    Value::Map(BTreeMap::from([
        ("name".to_string(), s(name)),
        ("document".to_string(), s(doc)),
    ]))
}

const DOC_A: &str = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"*"}]}"#;
const DOC_B: &str = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:PutObject","Resource":"*"}]}"#;

fn base() -> Attrs {
    Attrs::from([
        ("name".to_string(), s("api")),
        (
            "assume-service".to_string(),
            list(&["lambda.amazonaws.com"]),
        ),
    ])
}

#[test]
fn spec_reads_every_attribute() {
    let mut d = base();
    d.insert("path".into(), s("/svc/"));
    d.insert("description".into(), s("the api"));
    d.insert(
        "managed-policy".into(),
        list(&["arn:aws:iam::aws:policy/A", "arn:aws:iam::aws:policy/A"]),
    );
    d.insert(
        "inline-policy".into(),
        Value::List(vec![inline("read", DOC_A)]),
    );
    d.insert("max-session-duration".into(), Value::Int(7200));
    d.insert(
        "permissions-boundary".into(),
        s("arn:aws:iam::aws:policy/PowerUserAccess"),
    );
    d.insert(
        "tags".into(),
        Value::Map(BTreeMap::from([("team".to_string(), s("platform"))])),
    );
    let spec = spec_of(&d, "CreateRole").unwrap();
    assert_eq!(spec.name, "api");
    assert_eq!(spec.path.as_deref(), Some("/svc/"));
    assert_eq!(
        spec.trust_opt(),
        Some(Trust::Services(vec!["lambda.amazonaws.com".into()]))
    );
    assert_eq!(
        spec.managed_policy,
        vec!["arn:aws:iam::aws:policy/A".to_string()]
    );
    assert_eq!(spec.inline().get("read").map(String::as_str), Some(DOC_A));
    assert_eq!(spec.max_session(), Some(7200));
    assert_eq!(spec.tags.get("team").map(String::as_str), Some("platform"));
}

#[test]
fn spec_refuses_invalid_values_before_calling_aws() {
    let cases: Vec<(&str, Value)> = vec![
        ("name", s("has space")),
        ("name", s(&"x".repeat(65))),
        ("path", s("no-slashes")),
        ("max-session-duration", Value::Int(60)),
        ("max-session-duration", Value::Int(50000)),
        ("assume-policy", s("{not json")),
        ("assume-service", Value::List(vec![])),
        ("managed-policy", list(&["AWSLambdaBasicExecutionRole"])),
        (
            "inline-policy",
            Value::List(vec![inline("a", DOC_A), inline("a", DOC_B)]),
        ),
        ("inline-policy", Value::List(vec![inline("a", "[1")])),
        ("permissions-boundary", s("PowerUserAccess")),
    ];
    for (key, value) in cases {
        let mut d = base();
        d.insert(key.to_string(), value.clone());
        let err = spec_of(&d, "CreateRole").expect_err(&format!("{key} = {value:?}"));
        assert_eq!(err.kind, ErrorKind::Invalid, "{key}: {err}");
        assert_eq!(err.operation, "CreateRole");
    }
    // Both trust forms at once.
    let mut d = base();
    d.insert("assume-policy".into(), s(DOC_A));
    assert_eq!(
        spec_of(&d, "CreateRole").unwrap_err().kind,
        ErrorKind::Invalid
    );
    // No trust at all: fine for an update that does not touch it, refused by create.
    let mut d = base();
    d.remove("assume-service");
    let spec = spec_of(&d, "CreateRole").unwrap();
    assert_eq!(
        spec.trust("CreateRole").unwrap_err().kind,
        ErrorKind::Invalid
    );
}

#[test]
fn generated_trust_policy_reads_back_as_its_services() {
    let one = service_trust_policy(&["lambda.amazonaws.com".into()]);
    assert_eq!(
        one,
        r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"lambda.amazonaws.com"},"Action":"sts:AssumeRole"}]}"#
    );
    assert_eq!(
        services_of_trust(&one),
        Some(vec!["lambda.amazonaws.com".to_string()])
    );
    let two = vec![
        "states.amazonaws.com".to_string(),
        "lambda.amazonaws.com".to_string(),
    ];
    assert_eq!(services_of_trust(&service_trust_policy(&two)), Some(two));
    // The console's shape (a Sid "", a lone statement, a one-item action list) counts too.
    let console = r#"{"Version":"2012-10-17","Statement":{"Sid":"","Effect":"Allow","Principal":{"Service":["ec2.amazonaws.com"]},"Action":["sts:AssumeRole"]}}"#;
    assert_eq!(
        services_of_trust(console),
        Some(vec!["ec2.amazonaws.com".to_string()])
    );
}

#[test]
fn other_trust_policies_are_not_services() {
    for doc in [
        // A condition.
        r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"lambda.amazonaws.com"},"Action":"sts:AssumeRole","Condition":{"StringEquals":{"aws:SourceAccount":"1"}}}]}"#,
        // An account principal.
        r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::1:root"},"Action":"sts:AssumeRole"}]}"#,
        // Two statements.
        r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"a"},"Action":"sts:AssumeRole"},{"Effect":"Allow","Principal":{"Service":"b"},"Action":"sts:AssumeRole"}]}"#,
        // Another action, another version, a Deny.
        r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"a"},"Action":["sts:AssumeRole","sts:TagSession"]}]}"#,
        r#"{"Version":"2008-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"a"},"Action":"sts:AssumeRole"}]}"#,
        r#"{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Principal":{"Service":"a"},"Action":"sts:AssumeRole"}]}"#,
        "not json",
    ] {
        assert_eq!(services_of_trust(doc), None, "{doc}");
    }
}

#[test]
fn policy_documents_are_url_decoded() {
    // As IAM (and moto) send them.
    let encoded = "%7B%22Version%22%3A%20%222012-10-17%22%2C%22x%22%3A%22a%20b%2Bc%25%22%7D";
    assert_eq!(
        decode_policy(encoded),
        r#"{"Version": "2012-10-17","x":"a b+c%"}"#
    );
    assert_eq!(decode_policy("%7B%22a%22%3A+1%7D"), r#"{"a": 1}"#);
    // Plain JSON (moto's ListRoles) is left alone, even with a % inside.
    assert_eq!(decode_policy(r#"{"a":"50%"}"#), r#"{"a":"50%"}"#);
    // A stray % is kept.
    assert_eq!(decode_policy("%7B%ZZ%7D"), "{%ZZ}");
}

fn role(doc: &str) -> Role {
    Role::builder()
        .path("/")
        .role_name("api")
        .role_id("AROAEXAMPLE")
        .arn("arn:aws:iam::123456789012:role/api")
        .create_date(aws_smithy_types::DateTime::from_secs(0))
        .assume_role_policy_document(doc)
        .max_session_duration(7200)
        .tags(
            Tag::builder()
                .key("eco:project")
                .value("p")
                .build()
                .unwrap(),
        )
        .build()
        .unwrap()
}

#[test]
fn role_attrs_report_everything_in_config_shape() {
    let doc = service_trust_policy(&["lambda.amazonaws.com".into()]);
    let encoded: String = doc
        .bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect();
    let mut r = role(&encoded);
    r.permissions_boundary = Some(
        AttachedPermissionsBoundary::builder()
            .permissions_boundary_arn("arn:aws:iam::aws:policy/B")
            .build(),
    );
    let attrs = role_attrs(
        &r,
        &["arn:z".to_string(), "arn:a".to_string()],
        &[("zz".into(), DOC_B.into()), ("aa".into(), DOC_A.into())],
    );
    assert_eq!(attrs["name"], s("api"));
    assert_eq!(attrs["path"], s("/"));
    assert_eq!(attrs["arn"], s("arn:aws:iam::123456789012:role/api"));
    assert_eq!(attrs["unique-id"], s("AROAEXAMPLE"));
    assert_eq!(attrs["max-session-duration"], Value::Int(7200));
    assert_eq!(attrs["assume-service"], list(&["lambda.amazonaws.com"]));
    assert_eq!(attrs["assume-policy"], s(&doc));
    assert_eq!(attrs["managed-policy"], list(&["arn:a", "arn:z"]));
    assert_eq!(
        attrs["inline-policy"],
        Value::List(vec![inline("aa", DOC_A), inline("zz", DOC_B)])
    );
    assert_eq!(
        attrs["permissions-boundary"],
        s("arn:aws:iam::aws:policy/B")
    );
    assert_eq!(
        attrs["tags"],
        Value::Map(BTreeMap::from([("eco:project".to_string(), s("p"))]))
    );
    assert!(!attrs.contains_key("description"));
}

#[test]
fn role_attrs_omit_what_is_absent_and_keep_custom_trust_as_policy() {
    let custom = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::1:root"},"Action":"sts:AssumeRole"}]}"#;
    let attrs = role_attrs(&role(custom), &[], &[]);
    assert_eq!(attrs["assume-policy"], s(custom));
    for absent in [
        "assume-service",
        "managed-policy",
        "inline-policy",
        "permissions-boundary",
        "description",
    ] {
        assert!(!attrs.contains_key(absent), "{absent}");
    }
}

#[test]
fn sdk_tags_carry_every_tag() {
    let tags = BTreeMap::from([
        ("eco:project".to_string(), "p".to_string()),
        ("team".to_string(), "x".to_string()),
    ]);
    let sdk = sdk_tags(&tags, "CreateRole").unwrap();
    let back: BTreeMap<String, String> = sdk
        .iter()
        .map(|t| (t.key().to_string(), t.value().to_string()))
        .collect();
    assert_eq!(back, tags);
}

fn changed(keys: &[&str]) -> Vec<String> {
    keys.iter().map(|k| k.to_string()).collect()
}

#[test]
fn update_calls_cover_each_attribute() {
    let prior = Attrs::from([
        (
            "inline-policy".to_string(),
            Value::List(vec![
                inline("keep", DOC_A),
                inline("edit", DOC_A),
                inline("drop", DOC_A),
            ]),
        ),
        (
            "tags".to_string(),
            Value::Map(BTreeMap::from([
                ("a".to_string(), s("1")),
                ("old".to_string(), s("x")),
            ])),
        ),
    ]);
    let mut d = base();
    d.insert("description".into(), s("new"));
    d.insert("managed-policy".into(), list(&["arn:new", "arn:keep"]));
    d.insert(
        "inline-policy".into(),
        Value::List(vec![
            inline("keep", DOC_A),
            inline("edit", DOC_B),
            inline("add", DOC_B),
        ]),
    );
    d.insert(
        "tags".into(),
        Value::Map(BTreeMap::from([("a".to_string(), s("2"))])),
    );
    let spec = spec_of(&d, "UpdateRole").unwrap();
    let calls = update_calls(
        &prior,
        &spec,
        &changed(&[
            "assume-service",
            "description",
            "managed-policy",
            "inline-policy",
            "permissions-boundary",
            "tags",
        ]),
        &["arn:keep".to_string(), "arn:old".to_string()],
        &["keep".to_string(), "edit".to_string(), "drop".to_string()],
    )
    .unwrap();
    assert_eq!(
        calls,
        vec![
            Call::UpdateAssumeRolePolicy(service_trust_policy(&["lambda.amazonaws.com".into()])),
            Call::UpdateRole {
                description: Some("new".into()),
                max_session: None
            },
            Call::DeleteRolePermissionsBoundary,
            Call::AttachRolePolicy("arn:new".into()),
            Call::DetachRolePolicy("arn:old".into()),
            Call::PutRolePolicy {
                name: "add".into(),
                document: DOC_B.into()
            },
            Call::PutRolePolicy {
                name: "edit".into(),
                document: DOC_B.into()
            },
            Call::DeleteRolePolicy("drop".into()),
            Call::TagRole(BTreeMap::from([("a".to_string(), "2".to_string())])),
            Call::UntagRole(vec!["old".into()]),
        ]
    );
}

#[test]
fn removed_attributes_reset_to_their_off_values() {
    let mut d = base();
    d.insert(
        "permissions-boundary".into(),
        s("arn:aws:iam::aws:policy/B"),
    );
    let spec = spec_of(&d, "UpdateRole").unwrap();
    let calls = update_calls(
        &Attrs::new(),
        &spec,
        &changed(&[
            "description",
            "max-session-duration",
            "permissions-boundary",
        ]),
        &[],
        &[],
    )
    .unwrap();
    assert_eq!(
        calls,
        vec![
            Call::UpdateRole {
                description: Some(String::new()),
                max_session: Some(3600)
            },
            Call::PutRolePermissionsBoundary("arn:aws:iam::aws:policy/B".into()),
        ]
    );
}

#[test]
fn update_refuses_what_forces_replacement() {
    let spec = spec_of(&base(), "UpdateRole").unwrap();
    for key in ["name", "path", "no-such-attr"] {
        let err = update_calls(&Attrs::new(), &spec, &changed(&[key]), &[], &[]).unwrap_err();
        assert_eq!(err.kind, ErrorKind::Invalid, "{key}");
    }
    // Trust changed but removed from the configuration: nothing to send.
    let mut d = base();
    d.remove("assume-service");
    let spec = spec_of(&d, "UpdateRole").unwrap();
    assert!(update_calls(&Attrs::new(), &spec, &changed(&["assume-policy"]), &[], &[]).is_err());
}

#[test]
fn adoption_changes_only_what_differs() {
    let live = role_attrs(
        &role(&service_trust_policy(&["lambda.amazonaws.com".into()])),
        &["arn:b".to_string(), "arn:a".to_string()],
        &[(
            "p".into(),
            r#"{"Statement": [], "Version": "2012-10-17"}"#.into(),
        )],
    );
    let mut d = base();
    d.insert("managed-policy".into(), list(&["arn:a", "arn:b"]));
    d.insert(
        "inline-policy".into(),
        Value::List(vec![inline(
            "p",
            r#"{"Version":"2012-10-17","Statement":[]}"#,
        )]),
    );
    d.insert("max-session-duration".into(), Value::Int(7200));
    d.insert(
        "tags".into(),
        Value::Map(BTreeMap::from([("eco:project".to_string(), s("p"))])),
    );
    assert_eq!(
        changed_attrs(&spec_of(&d, "CreateRole").unwrap(), &live),
        Vec::<String>::new()
    );
    d.insert("description".into(), s("x"));
    d.insert("assume-service".into(), list(&["ec2.amazonaws.com"]));
    assert_eq!(
        changed_attrs(&spec_of(&d, "CreateRole").unwrap(), &live),
        vec!["assume-service".to_string(), "description".to_string()]
    );
}

#[test]
fn conflict_names_the_owner() {
    let ctx = OpContext::new("iam-role.api", "ecogy", "dev");
    let theirs = BTreeMap::from([
        (TAG_PROJECT.to_string(), "other".to_string()),
        (TAG_STAGE.to_string(), "prod".to_string()),
        (TAG_ADDRESS.to_string(), "iam-role.x".to_string()),
    ]);
    let err = not_ours(&ctx, "CreateRole", "api", &theirs);
    assert_eq!(err.kind, ErrorKind::Conflict);
    assert!(
        err.message
            .contains("eco project `other`, stage `prod`, address `iam-role.x`"),
        "{err}"
    );
    let err = not_ours(&ctx, "CreateRole", "api", &BTreeMap::new());
    assert!(err.message.contains("eco import iam-role.api api"), "{err}");
}
