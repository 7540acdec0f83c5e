//! Cognito user pools end to end: custom attributes added in place to a pool with users, no
//! false changes, refused changes that touch nothing, and destroy only after an explicit opt-out.

use std::collections::BTreeMap;

use aws_sdk_cognitoidentityprovider::types::AttributeType;

use crate::support::{ok, stderr, stdout, Project};

const CONFIG: &str = r#"project "ecogy"

stage "dev" {
    account "123456789012"
    region "us-east-1"
}

cognito-user-pool "users" {
    name "ecogy-${stage}-users"
    auto-verify "email"
    password-policy min-length=12 require-symbols=#false
    mfa "OPTIONAL" software-token=#true
    verification-message email-subject="Your Ecogy code" email-message="Your code is {####}"
    admin-create-user invite-email-subject="Welcome to Ecogy"
    standard-attribute "email" required=#false mutable=#true
    custom-attribute "org" type="String" mutable=#true max-length=64
    tags team="platform"
}
"#;

impl Project {
    fn pool_id(&self) -> String {
        self.id_of("cognito-user-pool.users")
    }
    fn client(&self) -> aws_sdk_cognitoidentityprovider::Client {
        self.aws().cognito_idp()
    }
}

fn exit_code(p: &Project, args: &[&str]) -> (Option<i32>, String) {
    let out = p.eco(args);
    (
        out.status.code(),
        format!("{}\n{}", stdout(&out), stderr(&out)),
    )
}

/// The pool as AWS has it: custom attributes (name -> max length), password minimum, MFA mode,
/// and every user's custom:org.
struct Seen {
    customs: BTreeMap<String, Option<String>>,
    min_length: Option<i32>,
    require_symbols: bool,
    mfa: String,
    token_mfa: bool,
    email_subject: Option<String>,
    users: BTreeMap<String, String>,
}

fn seen(p: &Project, id: &str) -> Seen {
    let client = p.client();
    tokio::runtime::Runtime::new().unwrap().block_on(async {
        let pool = client
            .describe_user_pool()
            .user_pool_id(id)
            .send()
            .await
            .unwrap()
            .user_pool
            .unwrap();
        let mfa = client
            .get_user_pool_mfa_config()
            .user_pool_id(id)
            .send()
            .await
            .unwrap();
        let mut users = BTreeMap::new();
        let mut token: Option<String> = None;
        loop {
            let page = client
                .list_users()
                .user_pool_id(id)
                .limit(60)
                .set_pagination_token(token.take())
                .send()
                .await
                .unwrap();
            for u in page.users() {
                let org = u
                    .attributes()
                    .iter()
                    .find(|a| a.name() == "custom:org")
                    .and_then(|a| a.value())
                    .unwrap_or_default();
                users.insert(u.username().unwrap().to_string(), org.to_string());
            }
            match page.pagination_token {
                Some(t) if !t.is_empty() => token = Some(t),
                _ => break,
            }
        }
        let policy = pool.policies().unwrap().password_policy().unwrap();
        Seen {
            customs: pool
                .schema_attributes()
                .iter()
                .filter(|a| a.name().unwrap_or_default().starts_with("custom:"))
                .map(|a| {
                    (
                        a.name().unwrap().to_string(),
                        a.string_attribute_constraints()
                            .and_then(|c| c.max_length())
                            .map(str::to_string),
                    )
                })
                .collect(),
            min_length: policy.minimum_length(),
            require_symbols: policy.require_symbols(),
            mfa: mfa.mfa_configuration().unwrap().as_str().to_string(),
            token_mfa: mfa
                .software_token_mfa_configuration()
                .is_some_and(|t| t.enabled()),
            email_subject: pool
                .verification_message_template()
                .and_then(|t| t.email_subject())
                .map(str::to_string),
            users,
        }
    })
}

fn add_users(p: &Project, id: &str, n: usize) {
    let client = p.client();
    tokio::runtime::Runtime::new().unwrap().block_on(async {
        for i in 0..n {
            client
                .admin_create_user()
                .user_pool_id(id)
                .username(format!("user{i:02}"))
                .user_attributes(
                    AttributeType::builder()
                        .name("custom:org")
                        .value(format!("org-{i}"))
                        .build()
                        .unwrap(),
                )
                .send()
                .await
                .unwrap();
        }
    });
}

#[test]
fn custom_attribute_is_added_in_place_to_a_pool_with_users_and_changes_are_refused() {
    let p = Project::with_main(CONFIG);
    ok(&p.eco(&["apply", "-auto-approve"]));
    let id = p.pool_id();
    let (code, text) = exit_code(&p, &["plan", "-detailed-exitcode"]);
    assert_eq!(
        code,
        Some(0),
        "no changes right after the first apply:\n{text}"
    );

    add_users(&p, &id, 50);
    let (code, text) = exit_code(&p, &["plan", "-detailed-exitcode"]);
    assert_eq!(code, Some(0), "users are not a change:\n{text}");

    // A second custom attribute: an in-place update, never a replacement.
    p.edit(
        "    tags team=",
        "    custom-attribute \"plan\" type=\"String\" mutable=#true\n    tags team=",
    );
    let (code, text) = exit_code(&p, &["plan", "-detailed-exitcode"]);
    assert_eq!(code, Some(2), "{text}");
    assert!(
        text.contains("# cognito-user-pool.users will be updated in place"),
        "{text}"
    );
    assert!(!text.contains("replace"), "{text}");
    assert!(
        text.contains("Plan: 0 to add, 1 to change, 0 to destroy."),
        "{text}"
    );
    ok(&p.eco(&["apply", "-auto-approve"]));
    assert_eq!(p.pool_id(), id, "same pool");
    let after = seen(&p, &id);
    assert_eq!(after.users.len(), 50);
    for i in 0..50 {
        assert_eq!(after.users[&format!("user{i:02}")], format!("org-{i}"));
    }
    assert!(
        after.customs.contains_key("custom:plan"),
        "{:?}",
        after.customs
    );
    assert_eq!(after.customs["custom:org"].as_deref(), Some("64"));
    assert_eq!(after.min_length, Some(12));
    assert!(!after.require_symbols);
    assert_eq!(after.mfa, "OPTIONAL");
    assert!(after.token_mfa);
    assert_eq!(after.email_subject.as_deref(), Some("Your Ecogy code"));
    let (code, text) = exit_code(&p, &["plan", "-detailed-exitcode"]);
    assert_eq!(
        code,
        Some(0),
        "no changes after the attribute is added:\n{text}"
    );

    // Changing an existing attribute's length or type: refused at plan time, nothing touched.
    for (from, to) in [
        ("max-length=64", "max-length=32"),
        (
            "custom-attribute \"org\" type=\"String\" mutable=#true max-length=64",
            "custom-attribute \"org\" type=\"Number\" mutable=#true",
        ),
    ] {
        p.edit(from, to);
        let (code, text) = exit_code(&p, &["plan", "-detailed-exitcode"]);
        assert_eq!(code, Some(1), "{text}");
        assert!(
            text.contains("Cognito can neither change nor remove an existing custom attribute"),
            "{text}"
        );
        assert!(text.contains("about 50 users would be lost"), "{text}");
        let (code, text) = exit_code(&p, &["apply", "-auto-approve"]);
        assert_eq!(code, Some(1), "{text}");
        let now = seen(&p, &id);
        assert_eq!(now.customs, after.customs);
        assert_eq!(now.users.len(), 50);
        p.edit(to, from);
    }
    // Removing one is refused too.
    p.edit(
        "    custom-attribute \"plan\" type=\"String\" mutable=#true\n",
        "",
    );
    let (code, text) = exit_code(&p, &["plan"]);
    assert_eq!(code, Some(1), "{text}");
    assert!(text.contains("custom-attribute"), "{text}");
}

#[test]
fn destroy_is_refused_without_the_opt_out_and_works_with_it() {
    let p = Project::with_main(CONFIG);
    ok(&p.eco(&["apply", "-auto-approve"]));
    let id = p.pool_id();
    let (code, text) = exit_code(&p, &["destroy", "-auto-approve"]);
    assert_eq!(code, Some(1), "{text}");
    assert!(text.contains("prevent-destroy"), "{text}");
    assert_eq!(seen(&p, &id).min_length, Some(12), "still there");

    // prevent-destroy lifted, but deletion protection still on: AWS-side refusal, pool kept.
    p.edit(
        "    tags team=",
        "    lifecycle prevent-destroy=#false\n    tags team=",
    );
    let (code, text) = exit_code(&p, &["destroy", "-auto-approve"]);
    assert_eq!(code, Some(1), "{text}");
    assert!(text.contains("deletion-protection #false"), "{text}");
    assert_eq!(seen(&p, &id).min_length, Some(12), "still there");

    // Both lifted: applied first, then destroy works.
    p.edit(
        "    tags team=",
        "    deletion-protection #false\n    tags team=",
    );
    ok(&p.eco(&["apply", "-auto-approve"]));
    let out = ok(&p.eco(&["destroy", "-auto-approve"]));
    assert!(out.contains("1 destroyed"), "{out}");
    let client = p.client();
    let gone = tokio::runtime::Runtime::new()
        .unwrap()
        .block_on(async { client.describe_user_pool().user_pool_id(&id).send().await });
    assert!(gone.is_err(), "the pool is deleted");
}
