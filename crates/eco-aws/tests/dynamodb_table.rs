//! `dynamodb-table` against moto: the standard tests, then each in-place change the type offers
//! (GSIs added and removed, TTL, point-in-time recovery, billing mode, stream, tags, deletion
//! protection), ownership conflicts, deletion outside eco and import.

mod common;

use std::collections::BTreeMap;

use eco_aws::resources::dynamodb_table::{Provider, TYPE_NAME};
use eco_aws::Aws;
use eco_provider::standard::{self, assert_attrs_match, Case};
use eco_provider::values::{map, s, tags};
use eco_provider::{Attrs, ErrorKind, OpContext, ResourceProvider, Value};
use eco_test_support::Moto;

fn key(name: &str, ty: &str) -> Value {
    map(&[("name", s(name)), ("type", s(ty))])
}

fn ctx(address: &str) -> OpContext {
    OpContext::new(format!("{TYPE_NAME}.{address}"), "ecogy", "dev")
}

/// Ownership tags of `ctx` plus `extra`, as the engine passes them.
fn gsi(name: &str, hash: &str) -> Value {
    map(&[
        ("name", s(name)),
        ("hash-key", s(hash)),
        ("type", s("S")),
        ("projection", s("ALL")),
    ])
}

/// A table with hash+range keys, on demand, one GSI.
fn base(ctx: &OpContext, name: &str) -> Attrs {
    Attrs::from([
        ("name".to_string(), s(name)),
        ("hash-key".to_string(), key("pk", "S")),
        ("range-key".to_string(), key("sk", "S")),
        ("billing-mode".to_string(), s("PAY_PER_REQUEST")),
        (
            "gsi".to_string(),
            Value::List(vec![gsi("by-owner", "owner")]),
        ),
        ("tags".to_string(), tags(ctx, &[("team", "platform")])),
    ])
}

fn setup() -> (Moto, Aws) {
    let moto = Moto::start();
    let aws = Aws::for_endpoint(&moto.endpoint(), "us-east-1");
    (moto, aws)
}

fn with(attrs: &Attrs, changes: &[(&str, Value)]) -> Attrs {
    let mut a = attrs.clone();
    for (k, v) in changes {
        a.insert(k.to_string(), v.clone());
    }
    a
}

/// Runs an update of `changed` to `desired`, twice, and checks the result both times and on a
/// fresh read.
async fn update(p: &Provider, ctx: &OpContext, desired: &Attrs, changed: &[&str]) -> Attrs {
    let name = desired["name"].as_str().unwrap();
    let prior = p.read(ctx, name).await.unwrap().unwrap().attrs;
    let changed: Vec<String> = changed.iter().map(|c| c.to_string()).collect();
    let live = p
        .update(ctx, name, &prior, desired, &changed)
        .await
        .expect("update");
    assert_attrs_match("after update", desired, &live.attrs);
    let again = p
        .update(ctx, name, &prior, desired, &changed)
        .await
        .expect("the same update again");
    assert_attrs_match("after the same update again", desired, &again.attrs);
    let read = p.read(ctx, name).await.unwrap().unwrap().attrs;
    assert_attrs_match("read after update", desired, &read);
    read
}

fn gsi_names(attrs: &Attrs) -> Vec<String> {
    match attrs.get("gsi") {
        Some(Value::List(items)) => items
            .iter()
            .map(|g| match g {
                Value::Map(m) => m["name"].as_str().unwrap().to_string(),
                _ => panic!("gsi is a map"),
            })
            .collect(),
        None => Vec::new(),
        other => panic!("gsi: {other:?}"),
    }
}

async fn attribute_definitions(aws: &Aws, name: &str) -> BTreeMap<String, String> {
    let d = aws
        .dynamodb()
        .describe_table()
        .table_name(name)
        .send()
        .await
        .unwrap()
        .table
        .unwrap();
    d.attribute_definitions()
        .iter()
        .map(|a| {
            (
                a.attribute_name().to_string(),
                a.attribute_type().as_str().to_string(),
            )
        })
        .collect()
}

#[tokio::test]
async fn standard_tests() {
    let (_moto, aws) = setup();
    let p = Provider::new(&aws);
    let ctx = ctx("assets");
    let mut desired = base(&ctx, "ecogy-dev-assets");
    desired.insert("ttl".to_string(), s("expires"));
    desired.insert("point-in-time-recovery".to_string(), Value::Bool(true));
    let updated = with(
        &desired,
        &[
            ("point-in-time-recovery", Value::Bool(false)),
            ("stream-view-type", s("NEW_AND_OLD_IMAGES")),
            (
                "tags",
                tags(&ctx, &[("team", "data"), ("cost-center", "42")]),
            ),
        ],
    );
    standard::run(Case {
        provider: &p,
        ctx,
        desired,
        updated,
        changed: vec![
            "point-in-time-recovery".to_string(),
            "stream-view-type".to_string(),
            "tags".to_string(),
        ],
        token: "ecogy-dev-assets".to_string(),
    })
    .await;
}

#[tokio::test]
async fn create_reads_every_attribute_in_config_shape() {
    let (_moto, aws) = setup();
    let p = Provider::new(&aws);
    let ctx = ctx("assets");
    let desired = base(&ctx, "shape-assets");
    let created = p.create(&ctx, &desired, "t").await.unwrap();
    assert_eq!(created.id, "shape-assets");
    // The create records what it set, without reading back what was not declared (issue 21):
    // no DescribeContinuousBackups for a table that says nothing of point-in-time recovery.
    assert!(!created.attrs.contains_key("point-in-time-recovery"));
    // A full read (import, adoption) reports every attribute, in configuration shape.
    let live = p.read(&ctx, "shape-assets").await.unwrap().unwrap();
    for (k, v) in &created.attrs {
        assert_eq!(live.attrs.get(k), Some(v), "`{k}` as created and as read");
    }
    let a = &live.attrs;
    assert_eq!(a["hash-key"], key("pk", "S"));
    assert_eq!(a["range-key"], key("sk", "S"));
    assert_eq!(a["billing-mode"], s("PAY_PER_REQUEST"));
    assert!(!a.contains_key("read-capacity"), "no capacity on demand");
    assert_eq!(a["gsi"], Value::List(vec![gsi("by-owner", "owner")]));
    assert_eq!(a["point-in-time-recovery"], Value::Bool(false));
    assert_eq!(a["deletion-protection"], Value::Bool(false));
    assert_eq!(a["table-class"], s("STANDARD"));
    assert!(!a.contains_key("ttl"));
    assert!(!a.contains_key("stream-view-type"));
    assert!(!a.contains_key("stream-arn"));
    assert!(a["arn"].as_str().unwrap().ends_with(":table/shape-assets"));
    assert_eq!(
        attribute_definitions(&aws, "shape-assets").await,
        BTreeMap::from([
            ("owner".to_string(), "S".to_string()),
            ("pk".to_string(), "S".to_string()),
            ("sk".to_string(), "S".to_string()),
        ])
    );
    // import by name gives what read gives.
    let imported = p.import(&ctx, "shape-assets").await.unwrap().unwrap();
    let read = p.read(&ctx, "shape-assets").await.unwrap().unwrap();
    assert_eq!(imported, read);
    assert_eq!(read.attrs, live.attrs);
}

#[tokio::test]
async fn gsis_are_added_rebuilt_and_removed_in_place() {
    let (_moto, aws) = setup();
    let p = Provider::new(&aws);
    let ctx = ctx("assets");
    let desired = base(&ctx, "gsi-assets");
    let created = p.create(&ctx, &desired, "t").await.unwrap();
    let arn = created.attrs["arn"].clone();

    // Two new GSIs at once: one UpdateTable each; a numeric range key in the second.
    let by_date = map(&[
        ("name", s("by-date")),
        ("hash-key", s("kind")),
        ("type", s("S")),
        ("range-key", s("created")),
        ("range-type", s("N")),
        ("projection", s("INCLUDE")),
        (
            "non-key-attributes",
            Value::List(vec![s("title"), s("owner")]),
        ),
    ]);
    let three = with(
        &desired,
        &[(
            "gsi",
            Value::List(vec![
                by_date.clone(),
                gsi("by-owner", "owner"),
                gsi("by-site", "site"),
            ]),
        )],
    );
    let read = update(&p, &ctx, &three, &["gsi"]).await;
    assert_eq!(gsi_names(&read), ["by-date", "by-owner", "by-site"]);
    assert_eq!(read["arn"], arn, "the table is kept");
    // The full set was sent: the table keys and the first GSI's key are still defined.
    assert_eq!(
        attribute_definitions(&aws, "gsi-assets").await,
        BTreeMap::from([
            ("created".to_string(), "N".to_string()),
            ("kind".to_string(), "S".to_string()),
            ("owner".to_string(), "S".to_string()),
            ("pk".to_string(), "S".to_string()),
            ("site".to_string(), "S".to_string()),
            ("sk".to_string(), "S".to_string()),
        ])
    );

    // A changed key rebuilds that index (delete, then create).
    let rebuilt = with(
        &three,
        &[(
            "gsi",
            Value::List(vec![
                by_date.clone(),
                gsi("by-owner", "owner"),
                gsi("by-site", "region"),
            ]),
        )],
    );
    let read = update(&p, &ctx, &rebuilt, &["gsi"]).await;
    assert_eq!(gsi_names(&read), ["by-date", "by-owner", "by-site"]);

    // Remove one, then all.
    let one = with(&desired, &[("gsi", Value::List(vec![by_date]))]);
    let read = update(&p, &ctx, &one, &["gsi"]).await;
    assert_eq!(gsi_names(&read), ["by-date"]);
    let mut none = desired.clone();
    none.remove("gsi");
    let read = update(&p, &ctx, &none, &["gsi"]).await;
    assert!(gsi_names(&read).is_empty());
    assert_eq!(read["arn"], arn, "the table is kept");
}

#[tokio::test]
async fn ttl_and_point_in_time_recovery_turn_on_and_off() {
    let (_moto, aws) = setup();
    let p = Provider::new(&aws);
    let ctx = ctx("assets");
    let desired = base(&ctx, "ttl-assets");
    p.create(&ctx, &desired, "t").await.unwrap();

    let on = with(
        &desired,
        &[
            ("ttl", s("expires")),
            ("point-in-time-recovery", Value::Bool(true)),
        ],
    );
    update(&p, &ctx, &on, &["ttl", "point-in-time-recovery"]).await;
    let renamed = with(&on, &[("ttl", s("expires-at"))]);
    update(&p, &ctx, &renamed, &["ttl"]).await;

    let off = with(&desired, &[("point-in-time-recovery", Value::Bool(false))]);
    let read = update(&p, &ctx, &off, &["ttl", "point-in-time-recovery"]).await;
    assert!(!read.contains_key("ttl"), "ttl off reads as absent");
    assert_eq!(read["point-in-time-recovery"], Value::Bool(false));
}

#[tokio::test]
async fn billing_mode_switches_with_capacities() {
    let (_moto, aws) = setup();
    let p = Provider::new(&aws);
    let ctx = ctx("assets");
    let desired = base(&ctx, "billing-assets");
    p.create(&ctx, &desired, "t").await.unwrap();

    // The index sets no capacity of its own: it gets the table's, in the same UpdateTable call
    // (AWS requires it), and reads it back explicitly.
    let provisioned = with(
        &desired,
        &[
            ("billing-mode", s("PROVISIONED")),
            ("read-capacity", Value::Int(5)),
            ("write-capacity", Value::Int(3)),
        ],
    );
    let mut owner = match gsi("by-owner", "owner") {
        Value::Map(m) => m,
        _ => unreachable!(),
    };
    owner.insert("read-capacity".to_string(), Value::Int(5));
    owner.insert("write-capacity".to_string(), Value::Int(3));
    let read_back = with(
        &provisioned,
        &[("gsi", Value::List(vec![Value::Map(owner.clone())]))],
    );
    let prior = p.read(&ctx, "billing-assets").await.unwrap().unwrap().attrs;
    let changed: Vec<String> = ["billing-mode", "read-capacity", "write-capacity"]
        .iter()
        .map(|c| c.to_string())
        .collect();
    for _ in 0..2 {
        let live = p
            .update(&ctx, "billing-assets", &prior, &provisioned, &changed)
            .await
            .unwrap();
        assert_attrs_match("provisioned", &read_back, &live.attrs);
    }

    // Capacity changes, the index's own capacity too.
    owner.insert("read-capacity".to_string(), Value::Int(2));
    owner.insert("write-capacity".to_string(), Value::Int(2));
    let bigger = with(
        &provisioned,
        &[
            ("read-capacity", Value::Int(10)),
            ("gsi", Value::List(vec![Value::Map(owner)])),
        ],
    );
    update(&p, &ctx, &bigger, &["read-capacity", "gsi"]).await;

    // And back to on demand: capacities are no longer reported.
    let read = update(
        &p,
        &ctx,
        &desired,
        &["billing-mode", "read-capacity", "write-capacity"],
    )
    .await;
    assert!(!read.contains_key("read-capacity"));
    assert_eq!(read["gsi"], Value::List(vec![gsi("by-owner", "owner")]));

    // A provisioned table from the start.
    let fresh = with(&provisioned, &[("name", s("provisioned-assets"))]);
    let live = p.create(&ctx, &fresh, "t2").await.unwrap();
    let expected = with(&read_back, &[("name", s("provisioned-assets"))]);
    assert_attrs_match("provisioned create", &expected, &live.attrs);
}

#[tokio::test]
async fn stream_turns_on_and_off() {
    let (_moto, aws) = setup();
    let p = Provider::new(&aws);
    let ctx = ctx("assets");
    let desired = base(&ctx, "stream-assets");
    let created = p.create(&ctx, &desired, "t").await.unwrap();
    assert!(!created.attrs.contains_key("stream-view-type"));

    let on = with(&desired, &[("stream-view-type", s("NEW_IMAGE"))]);
    let read = update(&p, &ctx, &on, &["stream-view-type"]).await;
    let arn = read["arn"].as_str().unwrap();
    assert!(read["stream-arn"]
        .as_str()
        .unwrap()
        .starts_with(&format!("{arn}/stream/")));
    assert!(read.contains_key("stream-label"));

    let read = update(&p, &ctx, &desired, &["stream-view-type"]).await;
    assert!(!read.contains_key("stream-view-type"));
    assert!(!read.contains_key("stream-arn"));

    // Created with a stream.
    let fresh = with(&on, &[("name", s("stream-assets-2"))]);
    let live = p.create(&ctx, &fresh, "t2").await.unwrap();
    assert_eq!(live.attrs["stream-view-type"], s("NEW_IMAGE"));
}

#[tokio::test]
async fn tags_are_added_changed_and_removed_across_pages() {
    let (_moto, aws) = setup();
    let p = Provider::new(&aws);
    let ctx = ctx("assets");
    // 3 ownership tags + 12 more: more than one ListTagsOfResource page under moto (10 a page).
    let many: Vec<(String, String)> = (0..12)
        .map(|i| (format!("k{i:02}"), format!("v{i}")))
        .collect();
    let many_ref: Vec<(&str, &str)> = many.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let desired = with(
        &base(&ctx, "tag-assets"),
        &[("tags", tags(&ctx, &many_ref))],
    );
    let live = p.create(&ctx, &desired, "t").await.unwrap();
    assert_eq!(live.attrs["tags"], desired["tags"]);

    let fewer = with(
        &desired,
        &[("tags", tags(&ctx, &[("k00", "changed"), ("new", "x")]))],
    );
    let read = update(&p, &ctx, &fewer, &["tags"]).await;
    assert_eq!(read["tags"], fewer["tags"]);
}

#[tokio::test]
async fn deletion_protection_refuses_delete_until_turned_off() {
    let (_moto, aws) = setup();
    let p = Provider::new(&aws);
    let ctx = ctx("assets");
    let desired = with(
        &base(&ctx, "protected-assets"),
        &[("deletion-protection", Value::Bool(true))],
    );
    let live = p.create(&ctx, &desired, "t").await.unwrap();
    assert_eq!(live.attrs["deletion-protection"], Value::Bool(true));
    let err = p
        .delete(&ctx, "protected-assets", &live.attrs)
        .await
        .unwrap_err();
    assert_eq!(err.kind, ErrorKind::Conflict);
    assert!(err.message.contains("deletion-protection #false"), "{err}");

    let off = with(&desired, &[("deletion-protection", Value::Bool(false))]);
    update(&p, &ctx, &off, &["deletion-protection"]).await;
    p.delete(&ctx, "protected-assets", &live.attrs)
        .await
        .unwrap();
    assert_eq!(p.read(&ctx, "protected-assets").await.unwrap(), None);
}

#[tokio::test]
async fn a_table_deleted_outside_eco_reads_as_gone() {
    let (_moto, aws) = setup();
    let p = Provider::new(&aws);
    let ctx = ctx("assets");
    let desired = base(&ctx, "gone-assets");
    let live = p.create(&ctx, &desired, "t").await.unwrap();
    aws.dynamodb()
        .delete_table()
        .table_name("gone-assets")
        .send()
        .await
        .unwrap();
    assert_eq!(p.read(&ctx, "gone-assets").await.unwrap(), None);
    assert_eq!(p.import(&ctx, "gone-assets").await.unwrap(), None);
    assert_eq!(p.find(&ctx, &desired, "t").await.unwrap(), None);
    p.delete(&ctx, "gone-assets", &live.attrs).await.unwrap();
    // Updating it is an error that says so.
    let err = p
        .update(
            &ctx,
            "gone-assets",
            &live.attrs,
            &desired,
            &["tags".to_string()],
        )
        .await
        .unwrap_err();
    assert!(err.message.contains("no longer exists"), "{err}");
}

#[tokio::test]
async fn a_table_of_someone_else_is_a_conflict() {
    let (_moto, aws) = setup();
    let p = Provider::new(&aws);
    let ctx = ctx("assets");

    // Made by hand: no eco tags.
    let desired = base(&ctx, "hand-made");
    common::hand_made_table(&aws, "hand-made").await;
    let err = p.create(&ctx, &desired, "t").await.unwrap_err();
    assert_eq!(err.kind, ErrorKind::Conflict, "{err}");
    assert!(err.message.contains("no eco ownership tags"), "{err}");
    let err = p.find(&ctx, &desired, "t").await.unwrap_err();
    assert_eq!(err.kind, ErrorKind::Conflict, "{err}");
    // It can still be imported: import reads whatever is there.
    let imported = p.import(&ctx, "hand-made").await.unwrap().unwrap();
    assert_eq!(imported.attrs["hash-key"], key("pk", "S"));
    assert!(!imported.attrs.contains_key("range-key"));

    // Another stage's table of the same name.
    let other = OpContext::new(format!("{TYPE_NAME}.assets"), "ecogy", "prod");
    let theirs = base(&other, "shared-name");
    p.create(&other, &theirs, "t").await.unwrap();
    let mine = base(&ctx, "shared-name");
    let err = p.create(&ctx, &mine, "t").await.unwrap_err();
    assert_eq!(err.kind, ErrorKind::Conflict);
    assert!(err.message.contains("eco:stage=prod"), "{err}");
    let err = p.find(&ctx, &mine, "t").await.unwrap_err();
    assert_eq!(err.kind, ErrorKind::Conflict);
}

#[tokio::test]
async fn an_adopted_table_is_brought_to_the_configuration() {
    let (_moto, aws) = setup();
    let p = Provider::new(&aws);
    let ctx = ctx("assets");
    // An earlier run created it (with our tags) and crashed before TTL and the second GSI.
    let first = base(&ctx, "adopted-assets");
    p.create(&ctx, &first, "t").await.unwrap();
    let desired = with(
        &first,
        &[
            ("ttl", s("expires")),
            (
                "gsi",
                Value::List(vec![gsi("by-owner", "owner"), gsi("by-site", "site")]),
            ),
            ("tags", tags(&ctx, &[("team", "data")])),
        ],
    );
    let live = p.create(&ctx, &desired, "t").await.unwrap();
    assert_attrs_match("adopted", &desired, &live.attrs);
}

#[tokio::test]
async fn invalid_configuration_is_refused_before_any_call() {
    // No emulator: nothing may be sent.
    let aws = Aws::for_endpoint("http://127.0.0.1:9", "us-east-1");
    let p = Provider::new(&aws);
    let ctx = ctx("assets");
    let cases = [
        with(&base(&ctx, "ok-name"), &[("billing-mode", s("ON_DEMAND"))]),
        with(&base(&ctx, "ok-name"), &[("read-capacity", Value::Int(5))]),
        with(&base(&ctx, "ok-name"), &[("hash-key", key("pk", "X"))]),
        with(&base(&ctx, "ok-name"), &[("name", s("a"))]),
        with(&base(&ctx, "ok-name"), &[("stream-view-type", s("ALL"))]),
        with(
            &base(&ctx, "ok-name"),
            &[(
                "gsi",
                Value::List(vec![
                    gsi("by-pk", "pk"),
                    map(&[
                        ("name", s("by-pk2")),
                        ("hash-key", s("pk")),
                        ("type", s("N")),
                    ]),
                ]),
            )],
        ),
    ];
    for desired in cases {
        let err = p.create(&ctx, &desired, "t").await.unwrap_err();
        assert_eq!(err.kind, ErrorKind::Invalid, "{err}");
        assert_eq!(err.operation, "CreateTable");
    }
}

/// The standard replacement test of a table: another hash key (fixed at creation) under the
/// same name, so only destroy-before-create (the names collide).
#[tokio::test]
async fn standard_replacement() {
    let (_moto, aws) = setup();
    let p = Provider::new(&aws);
    let ctx = ctx("assets");
    let desired = base(&ctx, "ecogy-dev-replaced");
    let replaced = with(&desired, &[("hash-key", key("id", "S"))]);
    standard::replace(standard::Replacement {
        provider: &p,
        ctx,
        desired,
        replaced,
        beside: false,
    })
    .await;
}
