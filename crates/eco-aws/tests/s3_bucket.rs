//! `s3-bucket` against moto: the standard tests, then each in-place change the type offers
//! (versioning, website, CORS, policy, encryption, public access block, object ownership,
//! lifecycle rules, tags), `force-destroy` of a bucket with object versions, name validation,
//! ownership conflicts (same account and another account), deletion outside eco and import.

use aws_smithy_runtime_api::box_error::BoxError;
use aws_smithy_runtime_api::client::interceptors::context::BeforeTransmitInterceptorContextMut;
use aws_smithy_runtime_api::client::interceptors::Intercept;
use aws_smithy_runtime_api::client::runtime_components::RuntimeComponents;
use aws_smithy_types::config_bag::ConfigBag;
use eco_aws::resources::s3_bucket::{Provider, TYPE_NAME};
use eco_aws::Aws;
use eco_provider::standard::{self, Case};
use eco_provider::values::{attrs, list, map, s, tags};
use eco_provider::{Attrs, ErrorKind, OpContext, ResourceProvider, Value};
use eco_test_support::Moto;

fn ctx(address: &str) -> OpContext {
    OpContext::new(format!("{TYPE_NAME}.{address}"), "ecogy", "dev")
}

/// Ownership tags of `ctx` plus `extra`, as the engine passes them.
fn setup() -> (Moto, Aws, Provider) {
    let moto = Moto::start();
    let aws = Aws::for_endpoint(&moto.endpoint(), "us-east-1");
    let provider = Provider::new(&aws);
    (moto, aws, provider)
}

/// Asserts that `live` satisfies `want` the way the engine's diff judges it: inside a block only
/// the fields the user set count (AWS fills in the rest, e.g. `bucket-key #false`), and repeated
/// blocks match by label (`id`) in any order.
fn assert_satisfies(what: &str, want: &Attrs, live: &Attrs) {
    fn satisfies(want: &Value, live: &Value) -> bool {
        match (want, live) {
            (Value::Map(w), Value::Map(l)) => w
                .iter()
                .all(|(k, v)| l.get(k).is_some_and(|lv| satisfies(v, lv))),
            (Value::List(w), Value::List(l))
                if w.iter()
                    .all(|i| matches!(i, Value::Map(m) if m.contains_key("id"))) =>
            {
                w.len() == l.len()
                    && w.iter().all(|wi| {
                        let Value::Map(wm) = wi else { return false };
                        l.iter().any(|li| {
                            matches!(li, Value::Map(lm) if lm.get("id") == wm.get("id"))
                                && satisfies(wi, li)
                        })
                    })
            }
            _ => want == live,
        }
    }
    for (k, v) in want {
        // Tags are a plain map: compared whole.
        let ok = if k == "tags" {
            live.get(k) == Some(v)
        } else {
            live.get(k).is_some_and(|l| satisfies(v, l))
        };
        assert!(
            ok,
            "{what}: attribute `{k}` differs: want {v:?}, live: {live:#?}"
        );
    }
}

/// Creates a bucket with `desired` and returns its read attributes.
async fn create(p: &Provider, ctx: &OpContext, desired: &Attrs) -> Attrs {
    let live = p.create(ctx, desired, "token").await.expect("create");
    assert_satisfies("after create", desired, &live.attrs);
    live.attrs
}

/// Updates `changed` to `desired` and checks that read reports it.
async fn update(
    p: &Provider,
    ctx: &OpContext,
    prior: &Attrs,
    desired: &Attrs,
    changed: &[&str],
) -> Attrs {
    let name = desired["name"].as_str().unwrap();
    let changed: Vec<String> = changed.iter().map(|c| c.to_string()).collect();
    let live = p
        .update(ctx, name, prior, desired, &changed)
        .await
        .expect("update");
    assert_satisfies("after update", desired, &live.attrs);
    let read = p.read(ctx, name).await.expect("read").expect("exists");
    assert_satisfies("read after update", desired, &read.attrs);
    read.attrs
}

#[tokio::test]
async fn standard_tests() {
    let (_moto, _aws, p) = setup();
    let ctx = ctx("site");
    let desired = attrs(&[
        ("name", s("ecogy-dev-site")),
        ("versioning", Value::Bool(true)),
        (
            "website",
            map(&[("index", s("index.html")), ("error", s("index.html"))]),
        ),
        (
            "cors",
            Value::List(vec![map(&[
                ("id", s("app")),
                ("allowed-origins", list(&["https://app.ecogy.io"])),
                ("allowed-methods", list(&["GET", "HEAD"])),
                ("max-age", Value::Int(3600)),
            ])]),
        ),
        // In full, as AWS reports it (the standard tests compare whole values).
        (
            "encryption",
            map(&[
                ("algorithm", s("AES256")),
                ("bucket-key", Value::Bool(false)),
            ]),
        ),
        ("tags", tags(&ctx, &[("team", "platform")])),
    ]);
    let mut updated = desired.clone();
    updated.insert("versioning".into(), Value::Bool(false));
    updated.insert(
        "website".into(),
        map(&[("index", s("index.html")), ("error", s("404.html"))]),
    );
    updated.insert(
        "cors".into(),
        Value::List(vec![map(&[
            ("id", s("app")),
            (
                "allowed-origins",
                list(&["https://app.ecogy.io", "https://dev.ecogy.io"]),
            ),
            ("allowed-methods", list(&["GET", "PUT"])),
            ("allowed-headers", list(&["*"])),
        ])]),
    );
    updated.insert(
        "tags".into(),
        tags(&ctx, &[("team", "web"), ("cost", "site")]),
    );
    standard::run(Case {
        provider: &p,
        ctx,
        desired,
        updated,
        changed: vec![
            "versioning".into(),
            "website".into(),
            "cors".into(),
            "tags".into(),
        ],
        token: "ecogy-dev-site".into(),
    })
    .await;
}

#[tokio::test]
async fn computed_attributes_and_import() {
    let (_moto, _aws, p) = setup();
    let ctx = ctx("assets");
    let desired = attrs(&[("name", s("ecogy-dev-assets")), ("tags", tags(&ctx, &[]))]);
    let live = create(&p, &ctx, &desired).await;
    assert_eq!(live["arn"], s("arn:aws:s3:::ecogy-dev-assets"));
    assert_eq!(live["region"], s("us-east-1"));
    assert_eq!(live["domain-name"], s("ecogy-dev-assets.s3.amazonaws.com"));
    assert_eq!(
        live["regional-domain-name"],
        s("ecogy-dev-assets.s3.us-east-1.amazonaws.com")
    );
    assert_eq!(live["hosted-zone-id"], s("Z3AQBSTGFYJSTF"));
    // The create records what it set; what was not declared is not read back (issue 21).
    assert!(!live.contains_key("versioning"));
    assert!(!live.contains_key("website") && !live.contains_key("website-endpoint"));

    // A full read reports every attribute; what the create recorded agrees with it.
    let read = p.read(&ctx, "ecogy-dev-assets").await.unwrap().unwrap();
    for (k, v) in &live {
        assert_eq!(read.attrs.get(k), Some(v), "`{k}` as created and as read");
    }
    assert_eq!(
        read.attrs["versioning"],
        Value::Bool(false),
        "never versioned reads as off"
    );
    assert!(!read.attrs.contains_key("website") && !read.attrs.contains_key("website-endpoint"));
    let imported = p
        .import(&ctx, "ecogy-dev-assets")
        .await
        .expect("import")
        .expect("exists");
    assert_eq!(imported, read, "import returns what read does");
    assert_eq!(p.import(&ctx, "ecogy-dev-nothing").await.unwrap(), None);
    // The batched read (ListBuckets + GetResources) gives what read does; a missing bucket is
    // None.
    let batch = p
        .read_many(&[
            (ctx.clone(), "ecogy-dev-assets".into()),
            (ctx.clone(), "ecogy-dev-nothing".into()),
        ])
        .await
        .expect("S3 reads buckets in a batch")
        .expect("batched read");
    assert_eq!(batch, vec![Some(read), None]);
}

#[tokio::test]
async fn versioning_on_off_on() {
    let (_moto, _aws, p) = setup();
    let ctx = ctx("versioned");
    let mut desired = attrs(&[
        ("name", s("ecogy-dev-versioned")),
        ("versioning", Value::Bool(true)),
        ("tags", tags(&ctx, &[])),
    ]);
    let mut prior = create(&p, &ctx, &desired).await;
    for on in [false, true, false] {
        desired.insert("versioning".into(), Value::Bool(on));
        prior = update(&p, &ctx, &prior, &desired, &["versioning"]).await;
    }
}

#[tokio::test]
async fn website_added_changed_removed() {
    let (_moto, _aws, p) = setup();
    let ctx = ctx("www");
    let mut desired = attrs(&[("name", s("ecogy-dev-www")), ("tags", tags(&ctx, &[]))]);
    let prior = create(&p, &ctx, &desired).await;

    desired.insert("website".into(), map(&[("index", s("index.html"))]));
    let prior = update(&p, &ctx, &prior, &desired, &["website"]).await;
    assert_eq!(
        prior["website-endpoint"],
        s("ecogy-dev-www.s3-website-us-east-1.amazonaws.com")
    );

    desired.insert(
        "website".into(),
        map(&[("index", s("main.html")), ("error", s("index.html"))]),
    );
    let prior = update(&p, &ctx, &prior, &desired, &["website"]).await;

    desired.insert(
        "website".into(),
        map(&[("redirect-all-to", s("https://www.ecogy.io"))]),
    );
    let prior = update(&p, &ctx, &prior, &desired, &["website"]).await;
    assert_eq!(
        prior["website"],
        map(&[("redirect-all-to", s("https://www.ecogy.io"))])
    );

    desired.remove("website");
    let prior = update(&p, &ctx, &prior, &desired, &["website"]).await;
    assert!(!prior.contains_key("website"), "{prior:#?}");
    assert!(!prior.contains_key("website-endpoint"));

    // Obviously wrong values are refused before any call.
    desired.insert(
        "website".into(),
        map(&[("index", s("index.html")), ("redirect-all-to", s("x.io"))]),
    );
    let err = p
        .update(&ctx, "ecogy-dev-www", &prior, &desired, &["website".into()])
        .await
        .unwrap_err();
    assert_eq!(
        (err.kind, err.operation.as_str()),
        (ErrorKind::Invalid, "PutBucketWebsite")
    );
}

#[tokio::test]
async fn cors_rules_sorted_changed_removed() {
    let (_moto, _aws, p) = setup();
    let ctx = ctx("api");
    let mut desired = attrs(&[
        ("name", s("ecogy-dev-uploads")),
        (
            "cors",
            Value::List(vec![
                map(&[
                    ("id", s("upload")),
                    ("allowed-origins", list(&["https://app.ecogy.io"])),
                    ("allowed-methods", list(&["PUT", "POST"])),
                    ("allowed-headers", list(&["Content-Type", "Authorization"])),
                    ("expose-headers", list(&["ETag"])),
                    ("max-age", Value::Int(600)),
                ]),
                map(&[
                    ("id", s("read")),
                    ("allowed-origins", list(&["*"])),
                    ("allowed-methods", list(&["GET"])),
                ]),
            ]),
        ),
        ("tags", tags(&ctx, &[])),
    ]);
    let live = p.create(&ctx, &desired, "t").await.expect("create");
    let Value::List(rules) = &live.attrs["cors"] else {
        panic!("cors is a list: {:#?}", live.attrs)
    };
    let ids: Vec<_> = rules
        .iter()
        .map(|r| match r {
            Value::Map(m) => m["id"].clone(),
            _ => panic!("a rule is a map"),
        })
        .collect();
    assert_eq!(
        ids,
        vec![s("read"), s("upload")],
        "read output is sorted by id"
    );
    assert!(rules.contains(&desired["cors"].clone().into_items()[0]));
    assert!(rules.contains(&desired["cors"].clone().into_items()[1]));

    desired.insert(
        "cors".into(),
        Value::List(vec![map(&[
            ("id", s("read")),
            ("allowed-origins", list(&["https://app.ecogy.io"])),
            ("allowed-methods", list(&["GET", "HEAD"])),
        ])]),
    );
    let prior = update(&p, &ctx, &live.attrs, &desired, &["cors"]).await;

    desired.remove("cors");
    let prior = update(&p, &ctx, &prior, &desired, &["cors"]).await;
    assert!(!prior.contains_key("cors"));

    desired.insert(
        "cors".into(),
        Value::List(vec![map(&[
            ("id", s("bad")),
            ("allowed-origins", list(&["*"])),
            ("allowed-methods", list(&["PATCH"])),
        ])]),
    );
    let err = p
        .update(
            &ctx,
            "ecogy-dev-uploads",
            &prior,
            &desired,
            &["cors".into()],
        )
        .await
        .unwrap_err();
    assert_eq!(
        (err.kind, err.operation.as_str()),
        (ErrorKind::Invalid, "PutBucketCors")
    );
}

trait IntoItems {
    fn into_items(self) -> Vec<Value>;
}
impl IntoItems for Value {
    fn into_items(self) -> Vec<Value> {
        match self {
            Value::List(items) => items,
            other => vec![other],
        }
    }
}

fn json(v: &Value) -> serde_json::Value {
    serde_json::from_str(v.as_str().expect("policy is a string")).expect("policy is JSON")
}

#[tokio::test]
async fn policy_set_changed_removed() {
    let (_moto, _aws, p) = setup();
    let ctx = ctx("shared");
    let name = "ecogy-dev-shared";
    // A single statement in a list, a single action in a list: AWS may give either back as a
    // scalar; the engine compares semantically, read returns the text as AWS gives it.
    let policy = serde_json::json!({
        "Version": "2012-10-17",
        "Statement": [{
            "Sid": "ReadFromAccount",
            "Effect": "Allow",
            "Principal": {"AWS": "arn:aws:iam::123456789012:root"},
            "Action": ["s3:GetObject"],
            "Resource": format!("arn:aws:s3:::{name}/*"),
        }]
    });
    let mut desired = attrs(&[
        ("name", s(name)),
        ("policy", s(&policy.to_string())),
        ("tags", tags(&ctx, &[])),
    ]);
    let live = create(&p, &ctx, &desired).await;
    assert_eq!(json(&live["policy"]), policy);

    let mut changed = policy.clone();
    changed["Statement"][0]["Action"] = serde_json::json!(["s3:GetObject", "s3:ListBucket"]);
    changed["Statement"][0]["Resource"] = serde_json::json!([
        format!("arn:aws:s3:::{name}"),
        format!("arn:aws:s3:::{name}/*")
    ]);
    desired.insert("policy".into(), s(&changed.to_string()));
    let prior = update(&p, &ctx, &live, &desired, &["policy"]).await;
    assert_eq!(json(&prior["policy"]), changed);

    desired.remove("policy");
    let prior = update(&p, &ctx, &prior, &desired, &["policy"]).await;
    assert!(!prior.contains_key("policy"));

    // Malformed JSON is refused before the call (moto would answer 500 on later calls).
    desired.insert("policy".into(), s("{\"Version\": "));
    let err = p
        .update(&ctx, name, &prior, &desired, &["policy".into()])
        .await
        .unwrap_err();
    assert_eq!(
        (err.kind, err.operation.as_str()),
        (ErrorKind::Invalid, "PutBucketPolicy")
    );
    assert!(p.read(&ctx, name).await.unwrap().is_some());
}

#[tokio::test]
async fn encryption_set_changed_removed() {
    let (_moto, _aws, p) = setup();
    let ctx = ctx("secure");
    let name = "ecogy-dev-secure";
    let mut desired = attrs(&[
        ("name", s(name)),
        (
            "encryption",
            map(&[
                ("algorithm", s("aws:kms")),
                (
                    "kms-key",
                    s("arn:aws:kms:us-east-1:123456789012:alias/ecogy"),
                ),
                ("bucket-key", Value::Bool(true)),
            ]),
        ),
        ("tags", tags(&ctx, &[])),
    ]);
    let prior = create(&p, &ctx, &desired).await;

    desired.insert("encryption".into(), map(&[("algorithm", s("AES256"))]));
    let prior = update(&p, &ctx, &prior, &desired, &["encryption"]).await;
    let Value::Map(enc) = &prior["encryption"] else {
        panic!()
    };
    assert!(!enc.contains_key("kms-key"));

    desired.remove("encryption");
    let prior = update(&p, &ctx, &prior, &desired, &["encryption"]).await;
    // AWS falls back to SSE-S3 (reported as AES256); moto reports no configuration.
    if let Some(Value::Map(enc)) = prior.get("encryption") {
        assert_eq!(enc["algorithm"], s("AES256"));
    }

    desired.insert(
        "encryption".into(),
        map(&[("algorithm", s("AES256")), ("kms-key", s("alias/x"))]),
    );
    let err = p
        .update(&ctx, name, &prior, &desired, &["encryption".into()])
        .await
        .unwrap_err();
    assert_eq!(
        (err.kind, err.operation.as_str()),
        (ErrorKind::Invalid, "PutBucketEncryption")
    );
}

#[tokio::test]
async fn public_access_block_ownership_and_public_policy() {
    let (_moto, _aws, p) = setup();
    let ctx = ctx("private");
    let name = "ecogy-dev-private";
    let all_on = map(&[
        ("block-public-acls", Value::Bool(true)),
        ("ignore-public-acls", Value::Bool(true)),
        ("block-public-policy", Value::Bool(true)),
        ("restrict-public-buckets", Value::Bool(true)),
    ]);
    let mut desired = attrs(&[
        ("name", s(name)),
        ("public-access-block", all_on.clone()),
        ("object-ownership", s("BucketOwnerEnforced")),
        ("tags", tags(&ctx, &[])),
    ]);
    let prior = create(&p, &ctx, &desired).await;

    // Relaxed, with a public read policy in the same update: the block is relaxed first.
    desired.insert(
        "public-access-block".into(),
        map(&[
            ("block-public-acls", Value::Bool(true)),
            ("ignore-public-acls", Value::Bool(true)),
        ]),
    );
    desired.insert(
        "policy".into(),
        s(&serde_json::json!({
            "Version": "2012-10-17",
            "Statement": {
                "Effect": "Allow",
                "Principal": "*",
                "Action": "s3:GetObject",
                "Resource": format!("arn:aws:s3:::{name}/*"),
            }
        })
        .to_string()),
    );
    desired.insert("object-ownership".into(), s("BucketOwnerPreferred"));
    let prior = update(
        &p,
        &ctx,
        &prior,
        &desired,
        &["public-access-block", "policy", "object-ownership"],
    )
    .await;
    // Fields not set are sent, and read, as false.
    assert_eq!(
        prior["public-access-block"],
        map(&[
            ("block-public-acls", Value::Bool(true)),
            ("ignore-public-acls", Value::Bool(true)),
            ("block-public-policy", Value::Bool(false)),
            ("restrict-public-buckets", Value::Bool(false)),
        ])
    );

    desired.remove("public-access-block");
    desired.remove("object-ownership");
    let prior = update(
        &p,
        &ctx,
        &prior,
        &desired,
        &["public-access-block", "object-ownership"],
    )
    .await;
    assert!(!prior.contains_key("public-access-block"), "{prior:#?}");
    assert!(!prior.contains_key("object-ownership"), "{prior:#?}");

    desired.insert("object-ownership".into(), s("Everyone"));
    let err = p
        .update(&ctx, name, &prior, &desired, &["object-ownership".into()])
        .await
        .unwrap_err();
    assert_eq!(
        (err.kind, err.operation.as_str()),
        (ErrorKind::Invalid, "PutBucketOwnershipControls")
    );
}

#[tokio::test]
async fn lifecycle_rules_and_tags_in_place() {
    let (_moto, _aws, p) = setup();
    let ctx = ctx("logs");
    let name = "ecogy-dev-logs";
    let mut desired = attrs(&[
        ("name", s(name)),
        (
            "lifecycle-rule",
            Value::List(vec![
                map(&[
                    ("id", s("expire-logs")),
                    ("prefix", s("logs/")),
                    ("enabled", Value::Bool(true)),
                    ("expiration-days", Value::Int(30)),
                    ("noncurrent-expiration-days", Value::Int(7)),
                ]),
                map(&[
                    ("id", s("abort-uploads")),
                    ("enabled", Value::Bool(false)),
                    ("abort-incomplete-upload-days", Value::Int(2)),
                ]),
            ]),
        ),
        ("tags", tags(&ctx, &[("team", "platform")])),
    ]);
    let live = p.create(&ctx, &desired, "t").await.expect("create");
    let Value::List(rules) = &live.attrs["lifecycle-rule"] else {
        panic!()
    };
    assert_eq!(rules.len(), 2);
    for rule in desired["lifecycle-rule"].clone().into_items() {
        assert!(rules.contains(&rule), "{rule:?} in {rules:#?}");
    }
    let prior = live.attrs;

    // Tags changed in place: one changed, one added, one removed; ownership kept.
    desired.insert("tags".into(), tags(&ctx, &[("cost", "logs")]));
    let prior = update(&p, &ctx, &prior, &desired, &["tags"]).await;
    assert_eq!(prior["tags"], desired["tags"]);
    assert!(ctx.owns(&eco_aws::aws::tags_of(prior.get("tags"))));

    desired.remove("lifecycle-rule");
    let prior = update(&p, &ctx, &prior, &desired, &["lifecycle-rule"]).await;
    assert!(!prior.contains_key("lifecycle-rule"));

    desired.insert(
        "lifecycle-rule".into(),
        Value::List(vec![map(&[("id", s("nothing"))])]),
    );
    let err = p
        .update(&ctx, name, &prior, &desired, &["lifecycle-rule".into()])
        .await
        .unwrap_err();
    assert_eq!(
        (err.kind, err.operation.as_str()),
        (ErrorKind::Invalid, "PutBucketLifecycleConfiguration")
    );
}

#[tokio::test]
async fn force_destroy_deletes_every_version() {
    let (_moto, aws, p) = setup();
    let ctx = ctx("data");
    let name = "ecogy-dev-data";
    let desired = attrs(&[
        ("name", s(name)),
        ("versioning", Value::Bool(true)),
        ("force-destroy", Value::Bool(true)),
        ("tags", tags(&ctx, &[])),
    ]);
    let live = p.create(&ctx, &desired, "t").await.expect("create");
    assert_eq!(
        live.attrs["force-destroy"],
        Value::Bool(true),
        "eco-only, kept in the result"
    );
    let s3 = aws.s3();
    for key in ["a.txt", "b/c.txt"] {
        for body in ["one", "two", "three"] {
            s3.put_object()
                .bucket(name)
                .key(key)
                .body(body.as_bytes().to_vec().into())
                .send()
                .await
                .unwrap();
        }
    }
    s3.delete_object()
        .bucket(name)
        .key("a.txt")
        .send()
        .await
        .unwrap(); // a delete marker
    let versions = s3.list_object_versions().bucket(name).send().await.unwrap();
    assert_eq!(
        versions.versions().len() + versions.delete_markers().len(),
        7
    );
    // What destroying it would lose: every version (not the delete marker) and its bytes.
    let held = p
        .data_at_risk(&ctx, name, &live.attrs)
        .await
        .expect("s3-bucket reads what it holds")
        .expect("ListObjectVersions")
        .expect("it holds objects");
    assert_eq!(
        (held.count, held.bytes, held.more_than),
        (Some(6), Some(22), false)
    );
    assert_eq!(
        held.describe(),
        "6 objects would be lost (22 B; every version counted)"
    );

    // Without force-destroy, a bucket with objects is refused (a Conflict saying what to do).
    let mut without = live.attrs.clone();
    without.remove("force-destroy");
    let err = p.delete(&ctx, name, &without).await.unwrap_err();
    assert_eq!(
        (err.kind, err.operation.as_str()),
        (ErrorKind::Conflict, "DeleteBucket")
    );
    assert!(err.message.contains("force-destroy"), "{err}");

    p.delete(&ctx, name, &live.attrs)
        .await
        .expect("force-destroy");
    assert_eq!(p.read(&ctx, name).await.unwrap(), None);
    assert_eq!(
        p.data_at_risk(&ctx, name, &live.attrs)
            .await
            .unwrap()
            .unwrap(),
        None,
        "a bucket that is gone holds nothing"
    );
    p.delete(&ctx, name, &live.attrs)
        .await
        .expect("deleting again is success");
}

#[tokio::test]
async fn invalid_names_fail_before_create() {
    let (_moto, _aws, p) = setup();
    let ctx = ctx("bad");
    for name in [
        "Ecogy-Dev-Site",
        "ab",
        "ecogy..site",
        "-ecogy",
        "192.168.1.1",
        "ecogy_site",
    ] {
        let desired = attrs(&[("name", s(name)), ("tags", tags(&ctx, &[]))]);
        let err = p.create(&ctx, &desired, "t").await.unwrap_err();
        assert_eq!(err.kind, ErrorKind::Invalid, "{name}: {err}");
        assert_eq!(err.operation, "CreateBucket", "{name}: {err}");
        assert!(err.message.contains(name), "{err}");
    }
    // moto accepts uppercase names (AWS does not): nothing was made.
    assert_eq!(p.read(&ctx, "Ecogy-Dev-Site").await.unwrap(), None);
}

#[tokio::test]
async fn deleted_outside_eco_reads_as_gone() {
    let (_moto, aws, p) = setup();
    let ctx = ctx("gone");
    let name = "ecogy-dev-gone";
    let desired = attrs(&[("name", s(name)), ("tags", tags(&ctx, &[]))]);
    let live = create(&p, &ctx, &desired).await;
    aws.s3().delete_bucket().bucket(name).send().await.unwrap();
    assert_eq!(p.read(&ctx, name).await.unwrap(), None);
    assert_eq!(p.find(&ctx, &desired, "t").await.unwrap(), None);
    p.delete(&ctx, name, &live)
        .await
        .expect("already gone is success");
    // And create makes it again.
    create(&p, &ctx, &desired).await;
}

#[tokio::test]
async fn same_name_owned_by_someone_else_is_a_conflict() {
    ownership_conflicts("us-east-1").await;
}

/// Outside us-east-1 a create sends CreateBucket at once and learns from its answer whose the
/// name is (BucketAlreadyOwnedByYou, BucketAlreadyExists): the same ownership rules hold.
#[tokio::test]
async fn outside_us_east_1_create_bucket_answers_whose_the_name_is() {
    ownership_conflicts("eu-west-1").await;
}

/// A name held by another eco address, by a bucket made by hand and by another account, with
/// the stage in `region` (us-east-1 looks the name up before CreateBucket; elsewhere
/// CreateBucket's answer says).
async fn ownership_conflicts(region: &str) {
    let moto = Moto::start();
    let aws = Aws::for_endpoint(&moto.endpoint(), region);
    let p = Provider::new(&aws);
    let s3 = aws.s3();

    // Another eco address holds the name.
    let other = ctx("other");
    let name = "ecogy-dev-taken";
    create(
        &p,
        &other,
        &attrs(&[("name", s(name)), ("tags", tags(&other, &[]))]),
    )
    .await;
    let mine = ctx("mine");
    let desired = attrs(&[("name", s(name)), ("tags", tags(&mine, &[]))]);
    let err = p.create(&mine, &desired, "t").await.unwrap_err();
    assert_eq!(
        (err.kind, err.operation.as_str()),
        (ErrorKind::Conflict, "CreateBucket")
    );
    assert!(
        err.message.contains("s3-bucket.other"),
        "names the owner: {err}"
    );
    let err = p.find(&mine, &desired, "t").await.unwrap_err();
    assert_eq!(err.kind, ErrorKind::Conflict);
    // The other's bucket is untouched, in the stage's region.
    let theirs = p.read(&other, name).await.unwrap().unwrap();
    assert!(other.owns(&eco_aws::aws::tags_of(theirs.attrs.get("tags"))));
    assert_eq!(theirs.attrs["region"], s(region));

    // A bucket made by hand in this account (no eco tags).
    let mut conf = aws_sdk_s3::types::CreateBucketConfiguration::builder();
    if region != "us-east-1" {
        conf = conf.location_constraint(region.into());
    }
    s3.create_bucket()
        .bucket("ecogy-dev-manual")
        .create_bucket_configuration(conf.build())
        .send()
        .await
        .unwrap();
    let desired = attrs(&[("name", s("ecogy-dev-manual")), ("tags", tags(&mine, &[]))]);
    let err = p.create(&mine, &desired, "t").await.unwrap_err();
    assert_eq!(err.kind, ErrorKind::Conflict);
    assert!(err.message.contains("eco import"), "suggests import: {err}");
    assert_eq!(
        p.find(&mine, &desired, "t").await.unwrap_err().kind,
        ErrorKind::Conflict
    );
    // ... unless this create was attempted before (its answer lost, or the run killed after
    // sending it): the untagged bucket of exactly that name is the attempt's, adopted and
    // tagged. Another eco address's bucket is never claimed that way.
    let again = mine.clone().with_attempted();
    let found = p
        .find(&again, &desired, "t")
        .await
        .unwrap()
        .expect("claimed");
    assert_eq!(found.id, "ecogy-dev-manual");
    let live = p.create(&again, &desired, "t").await.expect("adopted");
    assert!(mine.owns(&eco_aws::aws::tags_of(live.attrs.get("tags"))));
    assert_eq!(live.attrs["region"], s(region));
    let taken = attrs(&[("name", s(name)), ("tags", tags(&mine, &[]))]);
    assert_eq!(
        p.create(&again, &taken, "t").await.unwrap_err().kind,
        ErrorKind::Conflict
    );

    // A bucket of another AWS account (moto's account header).
    let foreign = foreign_s3(&moto.endpoint(), "222222222222");
    foreign
        .create_bucket()
        .bucket("ecogy-dev-foreign")
        .send()
        .await
        .unwrap();
    let desired = attrs(&[("name", s("ecogy-dev-foreign")), ("tags", tags(&mine, &[]))]);
    let err = p.create(&mine, &desired, "t").await.unwrap_err();
    assert_eq!(
        (err.kind, err.operation.as_str()),
        (ErrorKind::Conflict, "CreateBucket")
    );
    if region != "us-east-1" {
        // CreateBucket's BucketAlreadyExists.
        assert!(
            err.message.contains("owned by another AWS account"),
            "says whose: {err}"
        );
    }
    assert_eq!(
        p.find(&mine, &desired, "t").await.unwrap_err().kind,
        ErrorKind::Conflict
    );
}

/// Puts moto's `x-moto-account-id` header on every request (another account).
#[derive(Debug)]
struct MotoAccount(&'static str);

impl Intercept for MotoAccount {
    fn name(&self) -> &'static str {
        "MotoAccount"
    }

    fn modify_before_signing(
        &self,
        context: &mut BeforeTransmitInterceptorContextMut<'_>,
        _: &RuntimeComponents,
        _: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        context
            .request_mut()
            .headers_mut()
            .insert("x-moto-account-id", self.0);
        Ok(())
    }
}

fn foreign_s3(endpoint: &str, account: &'static str) -> aws_sdk_s3::Client {
    let aws = Aws::for_endpoint(endpoint, "us-east-1");
    let conf = aws_sdk_s3::config::Builder::from(aws.config())
        .force_path_style(true)
        .interceptor(MotoAccount(account))
        .build();
    aws_sdk_s3::Client::from_conf(conf)
}

/// The standard replacement test of a bucket: another name (a bucket's identity), in both
/// orders.
#[tokio::test]
async fn standard_replacement() {
    let (_moto, _aws, p) = setup();
    let ctx = ctx("site");
    let bucket = |name: &str| {
        Attrs::from([
            ("name".to_string(), s(name)),
            ("tags".to_string(), tags(&ctx, &[])),
        ])
    };
    standard::replace(standard::Replacement {
        provider: &p,
        ctx: ctx.clone(),
        desired: bucket("ecogy-dev-old-site"),
        replaced: bucket("ecogy-dev-new-site"),
        beside: true,
    })
    .await;
}

/// In us-east-1 (where CreateBucket answers 200 for a bucket the account owns) the creates of
/// one apply share one ListBuckets (`OpContext::run`) instead of a HeadBucket each: a name it
/// does not list is created at once; a listed one is looked up as before: a bucket made by hand
/// is refused, one this address made (a crashed run's) adopted, one deleted since the listing
/// created again.
#[tokio::test]
async fn us_east_1_creates_of_one_run_share_one_listing() {
    let (moto, aws, p) = setup();
    let s3 = aws.s3();
    let desired =
        |ctx: &OpContext, name: &str| attrs(&[("name", s(name)), ("tags", tags(ctx, &[]))]);
    s3.create_bucket()
        .bucket("ecogy-dev-run-manual")
        .send()
        .await
        .unwrap();
    let crashed = ctx("crashed");
    create(&p, &crashed, &desired(&crashed, "ecogy-dev-run-crashed")).await;
    let gone = ctx("gone");
    create(&p, &gone, &desired(&gone, "ecogy-dev-run-gone")).await;

    let run = eco_provider::RunCache::new();
    let in_run = |address: &str| ctx(address).with_run(run.clone());
    moto.start_recording();
    for i in 0..3 {
        let c = in_run(&format!("new{i}"));
        create(&p, &c, &desired(&c, &format!("ecogy-dev-run-new{i}"))).await;
    }
    let ops: Vec<String> = moto.recorded_calls().iter().map(|c| c.group()).collect();
    // ListBuckets once (`GET /?x-id=ListBuckets`), then CreateBucket and PutBucketTagging.
    assert_eq!(
        ops,
        [
            "GET ?x-id",
            "PUT ?",
            "PUT ?tagging",
            "PUT ?",
            "PUT ?tagging",
            "PUT ?",
            "PUT ?tagging"
        ],
    );

    // Listed: looked up. By hand: refused, untouched.
    let c = in_run("manual");
    let err = p
        .create(&c, &desired(&c, "ecogy-dev-run-manual"), "t")
        .await
        .unwrap_err();
    assert_eq!(err.kind, ErrorKind::Conflict, "{err}");
    assert!(err.message.contains("eco import"), "{err}");
    // This address's: adopted.
    let c = in_run("crashed");
    let live = create(&p, &c, &desired(&c, "ecogy-dev-run-crashed")).await;
    assert_eq!(live["region"], s("us-east-1"));
    // Deleted after the listing (earlier in the same run): made again.
    s3.delete_bucket()
        .bucket("ecogy-dev-run-gone")
        .send()
        .await
        .unwrap();
    let c = in_run("gone");
    create(&p, &c, &desired(&c, "ecogy-dev-run-gone")).await;
    assert!(p.read(&c, "ecogy-dev-run-gone").await.unwrap().is_some());
    let listings = moto
        .recorded_calls()
        .iter()
        .filter(|c| c.group() == "GET ?x-id")
        .count();
    assert_eq!(listings, 1, "one listing for the whole run");
}
