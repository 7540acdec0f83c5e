//! Unit tests of `dynamodb-table`: the typed spec, the read mapping, requests and updates.

use std::collections::BTreeMap;

use aws_sdk_dynamodb::types::{
    AttributeDefinition, BillingMode, BillingModeSummary, GlobalSecondaryIndexDescription,
    IndexStatus, LocalSecondaryIndexDescription, Projection, ProjectionType,
    ProvisionedThroughputDescription, ScalarAttributeType, SseDescription, SseType, TableClass,
    TableClassSummary, TableDescription, TableStatus,
};
use eco_provider::{Attrs, ErrorKind, OpContext, Value, TAG_PROJECT, TAG_STAGE};
use eco_schema::SpecEnum;

use super::read::{from_description, to_attrs};
use super::requests::*;
use super::spec::{self, DynamodbTable, Gsi, Key};
use super::updates::*;
use super::{is_settled, not_ours, status_of};
use crate::aws::Aws;
use eco_provider::values::{attrs, map, s};

fn key(name: &str, ty: &str) -> Key {
    Key {
        name: name.to_string(),
        ty: spec::KeyType::parse(ty).expect("S, N or B"),
    }
}

fn base() -> Attrs {
    attrs(&[
        ("name", s("assets")),
        ("hash-key", map(&[("name", s("pk")), ("type", s("S"))])),
        ("range-key", map(&[("name", s("sk")), ("type", s("N"))])),
        (
            "gsi",
            Value::List(vec![map(&[
                ("name", s("by-owner")),
                ("hash-key", s("owner")),
            ])]),
        ),
        ("tags", map(&[("eco:stage", s("dev"))])),
    ])
}

fn spec(a: &Attrs) -> DynamodbTable {
    DynamodbTable::desired(a, "CreateTable").expect("valid")
}

fn with(a: &Attrs, changes: &[(&str, Value)]) -> Attrs {
    let mut a = a.clone();
    for (k, v) in changes {
        a.insert(k.to_string(), v.clone());
    }
    a
}

/// The base table with one global secondary index instead of its own.
fn with_gsi(index: &[(&str, Value)]) -> Attrs {
    with(&base(), &[("gsi", Value::List(vec![map(index)]))])
}

fn changed(names: &[&str]) -> Vec<String> {
    names.iter().map(|n| n.to_string()).collect()
}

fn client() -> aws_sdk_dynamodb::Client {
    Aws::for_endpoint("http://127.0.0.1:9", "us-east-1").dynamodb()
}

fn defs(pairs: &[(&str, &str)]) -> Vec<AttributeDefinition> {
    pairs
        .iter()
        .map(|(n, t)| {
            AttributeDefinition::builder()
                .attribute_name(*n)
                .attribute_type(ScalarAttributeType::from(*t))
                .build()
                .unwrap()
        })
        .collect()
}

#[test]
fn desired_attributes_get_eco_defaults() {
    let t = spec(&base());
    assert_eq!(t.name, "assets");
    assert_eq!(t.hash_key, key("pk", "S"));
    assert_eq!(t.range_key, Some(key("sk", "N")));
    assert_eq!(t.billing_mode, Some(spec::BillingMode::PayPerRequest));
    assert_eq!(t.capacity(), None);
    assert_eq!(t.table_class, Some(spec::TableClass::Standard));
    assert_eq!(
        (t.point_in_time_recovery, t.deletion_protection),
        (Some(false), Some(false))
    );
    assert_eq!(t.ttl, None);
    assert_eq!(
        t.gsi,
        vec![Gsi {
            name: "by-owner".to_string(),
            hash_key: "owner".to_string(),
            key_type: Some(spec::KeyType::S),
            range_key: None,
            range_type: None,
            projection: Some(spec::ProjectionType::All),
            non_key_attributes: vec![],
            read_capacity: None,
            write_capacity: None,
        }]
    );
    assert_eq!(t.tags.get("eco:stage").map(String::as_str), Some("dev"));
}

#[test]
fn provisioned_indexes_inherit_the_table_capacity() {
    let a = with(
        &base(),
        &[
            ("billing-mode", s("PROVISIONED")),
            ("read-capacity", Value::Int(5)),
            ("write-capacity", Value::Int(3)),
            (
                "gsi",
                Value::List(vec![
                    map(&[("name", s("zzz")), ("hash-key", s("a"))]),
                    map(&[
                        ("name", s("aaa")),
                        ("hash-key", s("b")),
                        ("read-capacity", Value::Int(1)),
                    ]),
                ]),
            ),
        ],
    );
    let t = spec(&a);
    assert_eq!(t.billing_mode, Some(spec::BillingMode::Provisioned));
    assert_eq!(t.capacity(), Some((5, 3)));
    // Sorted by name, capacities filled in.
    assert_eq!(t.gsi[0].name, "aaa");
    assert_eq!(t.gsi[0].capacity(), Some((1, 3)));
    assert_eq!(t.gsi[1].capacity(), Some((5, 3)));
}

#[test]
fn invalid_values_are_refused_with_a_reason() {
    let bad: Vec<(Attrs, &str)> = vec![
        (with(&base(), &[("name", s("x"))]), "3-255"),
        (with(&base(), &[("name", s("a b c"))]), "3-255"),
        (
            with(&base(), &[("billing-mode", s("ON_DEMAND"))]),
            "billing-mode",
        ),
        (
            with(&base(), &[("read-capacity", Value::Int(1))]),
            "need billing-mode",
        ),
        (
            with(&base(), &[("billing-mode", s("PROVISIONED"))]),
            "needs both",
        ),
        (
            with(&base(), &[("read-capacity", Value::Int(0))]),
            "positive integer",
        ),
        (
            with(
                &base(),
                &[("hash-key", map(&[("name", s("pk")), ("type", s("STRING"))]))],
            ),
            "expected one of S, N, B",
        ),
        (
            with(&base(), &[("stream-view-type", s("ALL"))]),
            "stream-view-type",
        ),
        (with(&base(), &[("table-class", s("COLD"))]), "table-class"),
        (with(&base(), &[("ttl", s(""))]), "ttl"),
        (
            with(&base(), &[("point-in-time-recovery", s("yes"))]),
            "#true or #false",
        ),
        (
            with_gsi(&[
                ("name", s("by-x")),
                ("hash-key", s("x")),
                ("projection", s("INCLUDE")),
            ]),
            "no non-key-attributes",
        ),
        (
            with_gsi(&[
                ("name", s("by-x")),
                ("hash-key", s("x")),
                ("non-key-attributes", Value::List(vec![s("y")])),
            ]),
            "need projection INCLUDE",
        ),
        (
            with(
                &base(),
                &[(
                    "gsi",
                    Value::List(vec![
                        map(&[("name", s("dup")), ("hash-key", s("x"))]),
                        map(&[("name", s("dup")), ("hash-key", s("y"))]),
                    ]),
                )],
            ),
            "declared twice",
        ),
        (
            with_gsi(&[
                ("name", s("by-pk")),
                ("hash-key", s("pk")),
                ("type", s("N")),
            ]),
            "two types",
        ),
        (
            with_gsi(&[
                ("name", s("by-x")),
                ("hash-key", s("x")),
                ("read-capacity", Value::Int(1)),
            ]),
            "PAY_PER_REQUEST",
        ),
        (
            {
                let mut a = with(
                    &base(),
                    &[(
                        "lsi",
                        Value::List(vec![map(&[("name", s("by-y")), ("range-key", s("y"))])]),
                    )],
                );
                a.remove("range-key");
                a
            },
            "need a table with a range-key",
        ),
    ];
    for (a, why) in bad {
        let err = DynamodbTable::desired(&a, "CreateTable").unwrap_err();
        assert_eq!(err.kind, ErrorKind::Invalid, "{err}");
        assert_eq!(err.operation, "CreateTable");
        assert!(
            err.message.contains(why),
            "`{}` should say `{why}`",
            err.message
        );
    }
    let mut no_hash = base();
    no_hash.remove("hash-key");
    assert!(DynamodbTable::desired(&no_hash, "CreateTable").is_err());
}

fn description() -> TableDescription {
    let pt = |r, w| {
        ProvisionedThroughputDescription::builder()
            .read_capacity_units(r)
            .write_capacity_units(w)
            .build()
    };
    TableDescription::builder()
        .table_name("assets")
        .table_arn("arn:aws:dynamodb:us-east-1:1:table/assets")
        .table_status(TableStatus::Active)
        .set_attribute_definitions(Some(defs(&[
            ("pk", "S"),
            ("sk", "N"),
            ("owner", "S"),
            ("created", "N"),
            ("lsk", "B"),
        ])))
        .set_key_schema(Some(key_schema(&key("pk", "S"), Some(&key("sk", "N")))))
        .billing_mode_summary(
            BillingModeSummary::builder()
                .billing_mode(BillingMode::Provisioned)
                .build(),
        )
        .provisioned_throughput(pt(5, 3))
        .global_secondary_indexes(
            GlobalSecondaryIndexDescription::builder()
                .index_name("z-by-owner")
                .set_key_schema(Some(key_schema(
                    &key("owner", "S"),
                    Some(&key("created", "N")),
                )))
                .projection(
                    Projection::builder()
                        .projection_type(ProjectionType::Include)
                        .non_key_attributes("title")
                        .build(),
                )
                .index_status(IndexStatus::Active)
                .provisioned_throughput(pt(2, 1))
                .build(),
        )
        .global_secondary_indexes(
            GlobalSecondaryIndexDescription::builder()
                .index_name("a-going")
                .set_key_schema(Some(key_schema(&key("owner", "S"), None)))
                .index_status(IndexStatus::Deleting)
                .build(),
        )
        .local_secondary_indexes(
            LocalSecondaryIndexDescription::builder()
                .index_name("by-lsk")
                .set_key_schema(Some(key_schema(&key("pk", "S"), Some(&key("lsk", "B")))))
                .projection(
                    Projection::builder()
                        .projection_type(ProjectionType::KeysOnly)
                        .build(),
                )
                .build(),
        )
        .stream_specification(stream_spec(Some(spec::StreamViewType::NewImage)))
        .latest_stream_arn("arn:aws:dynamodb:us-east-1:1:table/assets/stream/2026")
        .latest_stream_label("2026")
        .sse_description(
            SseDescription::builder()
                .sse_type(SseType::Kms)
                .kms_master_key_arn("arn:aws:kms:us-east-1:1:key/k1")
                .build(),
        )
        .table_class_summary(
            TableClassSummary::builder()
                .table_class(TableClass::StandardInfrequentAccess)
                .build(),
        )
        .deletion_protection_enabled(true)
        .build()
}

#[test]
fn describe_table_reads_in_configuration_shape() {
    let mut live = from_description(&description());
    live.ttl = Some("expires".to_string());
    live.point_in_time_recovery = Some(true);
    live.tags = BTreeMap::from([("team".to_string(), "a".to_string())]);
    let a = to_attrs(&live);
    let expected = attrs(&[
        ("name", s("assets")),
        ("hash-key", map(&[("name", s("pk")), ("type", s("S"))])),
        ("range-key", map(&[("name", s("sk")), ("type", s("N"))])),
        ("billing-mode", s("PROVISIONED")),
        ("read-capacity", Value::Int(5)),
        ("write-capacity", Value::Int(3)),
        (
            "gsi",
            Value::List(vec![map(&[
                ("name", s("z-by-owner")),
                ("hash-key", s("owner")),
                ("type", s("S")),
                ("range-key", s("created")),
                ("range-type", s("N")),
                ("projection", s("INCLUDE")),
                ("non-key-attributes", Value::List(vec![s("title")])),
                ("read-capacity", Value::Int(2)),
                ("write-capacity", Value::Int(1)),
            ])]),
        ),
        (
            "lsi",
            Value::List(vec![map(&[
                ("name", s("by-lsk")),
                ("range-key", s("lsk")),
                ("type", s("B")),
                ("projection", s("KEYS_ONLY")),
            ])]),
        ),
        ("ttl", s("expires")),
        ("point-in-time-recovery", Value::Bool(true)),
        ("stream-view-type", s("NEW_IMAGE")),
        ("table-class", s("STANDARD_INFREQUENT_ACCESS")),
        ("deletion-protection", Value::Bool(true)),
        ("kms-key", s("arn:aws:kms:us-east-1:1:key/k1")),
        ("arn", s("arn:aws:dynamodb:us-east-1:1:table/assets")),
        (
            "stream-arn",
            s("arn:aws:dynamodb:us-east-1:1:table/assets/stream/2026"),
        ),
        ("stream-label", s("2026")),
        ("tags", map(&[("team", s("a"))])),
    ]);
    assert_eq!(a, expected);
    // What read reports is valid configuration that means the same table.
    assert_eq!(DynamodbTable::desired(&a, "UpdateTable").unwrap(), live);
}

#[test]
fn describe_without_summaries_means_provisioned_standard_no_stream() {
    let d = TableDescription::builder()
        .table_name("old")
        .table_arn("arn")
        .set_attribute_definitions(Some(defs(&[("pk", "S")])))
        .set_key_schema(Some(key_schema(&key("pk", "S"), None)))
        .provisioned_throughput(
            ProvisionedThroughputDescription::builder()
                .read_capacity_units(1)
                .write_capacity_units(1)
                .build(),
        )
        .stream_specification(stream_spec(None))
        .latest_stream_arn("arn/stream/old")
        .build();
    let a = to_attrs(&from_description(&d));
    assert_eq!(a["billing-mode"], s("PROVISIONED"));
    assert_eq!(a["table-class"], s("STANDARD"));
    assert_eq!(a["deletion-protection"], Value::Bool(false));
    for absent in [
        "range-key",
        "gsi",
        "lsi",
        "stream-view-type",
        "stream-arn",
        "kms-key",
    ] {
        assert!(!a.contains_key(absent), "{absent} should be absent");
    }
}

#[test]
fn attribute_definitions_are_the_deduplicated_key_attributes() {
    let t = spec(&base());
    let d = attribute_definitions(&t, &t.gsi).unwrap();
    assert_eq!(d, defs(&[("owner", "S"), ("pk", "S"), ("sk", "N")]));
}

#[test]
fn create_table_request_carries_the_whole_table() {
    let a = with(
        &base(),
        &[
            ("stream-view-type", s("KEYS_ONLY")),
            ("table-class", s("STANDARD_INFREQUENT_ACCESS")),
            ("deletion-protection", Value::Bool(true)),
            ("kms-key", s("arn:aws:kms:us-east-1:1:key/k1")),
            (
                "lsi",
                Value::List(vec![map(&[("name", s("by-y")), ("range-key", s("y"))])]),
            ),
        ],
    );
    let c = client();
    let req = create_table_request(&c, &spec(&a));
    let input = req.as_input();
    assert_eq!(input.get_table_name().as_deref(), Some("assets"));
    assert_eq!(
        input.get_attribute_definitions().clone().unwrap(),
        defs(&[("owner", "S"), ("pk", "S"), ("sk", "N"), ("y", "S")])
    );
    assert_eq!(
        input.get_key_schema().clone().unwrap(),
        key_schema(&key("pk", "S"), Some(&key("sk", "N")))
    );
    assert_eq!(input.get_billing_mode(), &Some(BillingMode::PayPerRequest));
    assert_eq!(input.get_provisioned_throughput(), &None);
    let gsis = input.get_global_secondary_indexes().clone().unwrap();
    assert_eq!(gsis.len(), 1);
    assert_eq!(gsis[0].index_name(), "by-owner");
    assert_eq!(gsis[0].provisioned_throughput(), None);
    let lsis = input.get_local_secondary_indexes().clone().unwrap();
    assert_eq!(
        lsis[0].key_schema(),
        key_schema(&key("pk", "S"), Some(&key("y", "S")))
    );
    assert_eq!(
        input.get_stream_specification(),
        &Some(stream_spec(Some(spec::StreamViewType::KeysOnly)))
    );
    assert_eq!(
        input.get_table_class(),
        &Some(TableClass::StandardInfrequentAccess)
    );
    assert_eq!(input.get_deletion_protection_enabled(), &Some(true));
    let sse = input.get_sse_specification().clone().unwrap();
    assert_eq!(sse.enabled(), Some(true));
    assert_eq!(sse.sse_type(), Some(&SseType::Kms));
    assert_eq!(
        sse.kms_master_key_id(),
        Some("arn:aws:kms:us-east-1:1:key/k1")
    );
    let tags = input.get_tags().clone().unwrap();
    assert_eq!(tags.len(), 1);
    assert_eq!((tags[0].key(), tags[0].value()), ("eco:stage", "dev"));
}

#[test]
fn provisioned_create_gives_indexes_their_capacity() {
    let a = with(
        &base(),
        &[
            ("billing-mode", s("PROVISIONED")),
            ("read-capacity", Value::Int(4)),
            ("write-capacity", Value::Int(2)),
        ],
    );
    let c = client();
    let req = create_table_request(&c, &spec(&a));
    let input = req.as_input();
    assert_eq!(input.get_billing_mode(), &Some(BillingMode::Provisioned));
    assert_eq!(input.get_provisioned_throughput(), &Some(throughput(4, 2)));
    let gsis = input.get_global_secondary_indexes().clone().unwrap();
    assert_eq!(gsis[0].provisioned_throughput(), Some(&throughput(4, 2)));
}

fn live_of(a: &Attrs) -> DynamodbTable {
    DynamodbTable::desired(a, "UpdateTable").unwrap()
}

#[test]
fn nothing_to_do_plans_no_call() {
    let t = spec(&base());
    let all = changed(&[
        "gsi",
        "billing-mode",
        "read-capacity",
        "write-capacity",
        "stream-view-type",
        "table-class",
        "deletion-protection",
        "kms-key",
    ]);
    assert_eq!(plan_table_updates(&t, &t, &all).unwrap(), vec![]);
}

#[test]
fn attributes_not_named_as_changed_are_left_alone() {
    let live = spec(&base());
    let want = spec(&with(
        &base(),
        &[
            ("table-class", s("STANDARD_INFREQUENT_ACCESS")),
            ("stream-view-type", s("NEW_IMAGE")),
        ],
    ));
    assert_eq!(
        plan_table_updates(&live, &want, &changed(&["tags"])).unwrap(),
        vec![]
    );
}

#[test]
fn gsi_changes_are_one_call_each_deletes_first_with_full_definitions() {
    let live = live_of(&with(
        &base(),
        &[(
            "gsi",
            Value::List(vec![
                map(&[("name", s("by-owner")), ("hash-key", s("owner"))]),
                map(&[("name", s("by-site")), ("hash-key", s("site"))]),
                map(&[("name", s("old")), ("hash-key", s("legacy"))]),
            ]),
        )],
    ));
    let want = spec(&with(
        &base(),
        &[(
            "gsi",
            Value::List(vec![
                map(&[("name", s("by-owner")), ("hash-key", s("owner"))]),
                // Its key changed: rebuilt.
                map(&[("name", s("by-site")), ("hash-key", s("region"))]),
                map(&[
                    ("name", s("by-date")),
                    ("hash-key", s("kind")),
                    ("range-key", s("created")),
                    ("range-type", s("N")),
                ]),
            ]),
        )],
    ));
    let steps = plan_table_updates(&live, &want, &changed(&["gsi"])).unwrap();
    assert_eq!(steps.len(), 4, "{steps:#?}");
    assert_eq!(steps[0].gsi_updates, vec![gsi_delete("by-site")]);
    assert_eq!(steps[1].gsi_updates, vec![gsi_delete("old")]);
    assert!(steps[0].attribute_definitions.is_none());
    // Creates in name order, each with every key attribute of the table as it will be.
    let created = |i: usize| {
        steps[i].gsi_updates[0]
            .create()
            .unwrap()
            .index_name()
            .to_string()
    };
    assert_eq!(created(2), "by-date");
    assert_eq!(
        steps[2].attribute_definitions.clone().unwrap(),
        defs(&[
            ("created", "N"),
            ("kind", "S"),
            ("owner", "S"),
            ("pk", "S"),
            ("sk", "N"),
        ])
    );
    assert_eq!(created(3), "by-site");
    assert_eq!(
        steps[3].attribute_definitions.clone().unwrap(),
        defs(&[
            ("created", "N"),
            ("kind", "S"),
            ("owner", "S"),
            ("pk", "S"),
            ("region", "S"),
            ("sk", "N"),
        ])
    );
    for step in &steps {
        assert_eq!(step.gsi_updates.len(), 1, "one GSI create/delete per call");
    }
}

#[test]
fn switching_to_provisioned_gives_every_index_its_capacity_in_the_same_call() {
    let live = spec(&base());
    let want = spec(&with(
        &base(),
        &[
            ("billing-mode", s("PROVISIONED")),
            ("read-capacity", Value::Int(5)),
            ("write-capacity", Value::Int(3)),
        ],
    ));
    let steps = plan_table_updates(
        &live,
        &want,
        &changed(&["billing-mode", "read-capacity", "write-capacity"]),
    )
    .unwrap();
    assert_eq!(
        steps,
        vec![TableUpdate {
            billing_mode: Some(BillingMode::Provisioned),
            throughput: Some(throughput(5, 3)),
            gsi_updates: vec![gsi_capacity("by-owner", 5, 3)],
            ..Default::default()
        }]
    );
    // Back to on demand: only the mode.
    let back = plan_table_updates(&want, &live, &changed(&["billing-mode"])).unwrap();
    assert_eq!(
        back,
        vec![TableUpdate {
            billing_mode: Some(BillingMode::PayPerRequest),
            ..Default::default()
        }]
    );
}

#[test]
fn provisioned_capacity_changes() {
    let p = |r: i64, gr: i64| {
        spec(&with(
            &base(),
            &[
                ("billing-mode", s("PROVISIONED")),
                ("read-capacity", Value::Int(r)),
                ("write-capacity", Value::Int(1)),
                (
                    "gsi",
                    Value::List(vec![map(&[
                        ("name", s("by-owner")),
                        ("hash-key", s("owner")),
                        ("read-capacity", Value::Int(gr)),
                    ])]),
                ),
            ],
        ))
    };
    let steps =
        plan_table_updates(&p(1, 1), &p(7, 9), &changed(&["read-capacity", "gsi"])).unwrap();
    assert_eq!(
        steps,
        vec![
            TableUpdate {
                billing_mode: Some(BillingMode::Provisioned),
                throughput: Some(throughput(7, 1)),
                ..Default::default()
            },
            TableUpdate {
                gsi_updates: vec![gsi_capacity("by-owner", 9, 1)],
                ..Default::default()
            },
        ]
    );
    // A GSI added to a PROVISIONED table gets capacity.
    let live = p(1, 1);
    let mut want = live.clone();
    want.gsi.push(Gsi {
        name: "new".to_string(),
        hash_key: "n".to_string(),
        key_type: Some(spec::KeyType::S),
        range_key: None,
        range_type: None,
        projection: Some(spec::ProjectionType::KeysOnly),
        non_key_attributes: vec![],
        read_capacity: Some(1),
        write_capacity: Some(1),
    });
    let steps = plan_table_updates(&live, &want, &changed(&["gsi"])).unwrap();
    assert_eq!(steps.len(), 1);
    let create = steps[0].gsi_updates[0].create().unwrap();
    assert_eq!(create.provisioned_throughput(), Some(&throughput(1, 1)));
    assert_eq!(
        create.projection().unwrap().projection_type(),
        Some(&ProjectionType::KeysOnly)
    );
}

#[test]
fn a_new_stream_view_type_disables_then_enables() {
    let live = spec(&with(&base(), &[("stream-view-type", s("NEW_IMAGE"))]));
    let want = spec(&with(&base(), &[("stream-view-type", s("KEYS_ONLY"))]));
    let steps = plan_table_updates(&live, &want, &changed(&["stream-view-type"])).unwrap();
    assert_eq!(
        steps,
        vec![
            TableUpdate {
                stream: Some(stream_spec(None)),
                ..Default::default()
            },
            TableUpdate {
                stream: Some(stream_spec(Some(spec::StreamViewType::KeysOnly))),
                ..Default::default()
            },
        ]
    );
    assert!(!steps[0].stream.as_ref().unwrap().stream_enabled());
    assert_eq!(steps[0].stream.as_ref().unwrap().stream_view_type(), None);
    // Off.
    let off = plan_table_updates(&live, &spec(&base()), &changed(&["stream-view-type"])).unwrap();
    assert_eq!(off, vec![steps[0].clone()]);
}

#[test]
fn table_class_deletion_protection_and_key_are_one_call_each() {
    let live = spec(&base());
    let want = spec(&with(
        &base(),
        &[
            ("table-class", s("STANDARD_INFREQUENT_ACCESS")),
            ("deletion-protection", Value::Bool(true)),
            ("kms-key", s("k1")),
        ],
    ));
    let steps = plan_table_updates(
        &live,
        &want,
        &changed(&["table-class", "deletion-protection", "kms-key"]),
    )
    .unwrap();
    assert_eq!(
        steps,
        vec![
            TableUpdate {
                table_class: Some(TableClass::StandardInfrequentAccess),
                ..Default::default()
            },
            TableUpdate {
                deletion_protection: Some(true),
                ..Default::default()
            },
            TableUpdate {
                sse: Some(sse_spec(Some("k1"))),
                ..Default::default()
            },
        ]
    );
    // The key configured by id matches the ARN AWS reports; removing it goes back to the
    // AWS owned key.
    let mut live_kms = want.clone();
    live_kms.kms_key = Some("arn:aws:kms:us-east-1:1:key/k1".to_string());
    assert_eq!(
        plan_table_updates(&live_kms, &want, &changed(&["kms-key"])).unwrap(),
        vec![]
    );
    let steps = plan_table_updates(&live_kms, &live, &changed(&["kms-key"])).unwrap();
    assert_eq!(steps[0].sse.as_ref().unwrap().enabled(), Some(false));
}

#[test]
fn update_table_request_sets_only_the_planned_parts() {
    let c = client();
    let step = TableUpdate {
        attribute_definitions: Some(defs(&[("pk", "S")])),
        gsi_updates: vec![gsi_delete("x")],
        ..Default::default()
    };
    let req = update_table_request(&c, "assets", step);
    let input = req.as_input();
    assert_eq!(input.get_table_name().as_deref(), Some("assets"));
    assert_eq!(
        input.get_global_secondary_index_updates(),
        &Some(vec![gsi_delete("x")])
    );
    assert_eq!(input.get_billing_mode(), &None);
    assert_eq!(input.get_stream_specification(), &None);
    assert_eq!(input.get_sse_specification(), &None);
    let req = update_table_request(&c, "assets", TableUpdate::default());
    assert_eq!(req.as_input().get_global_secondary_index_updates(), &None);
}

#[test]
fn tag_changes_remove_set_and_spare_aws_tags() {
    let live = BTreeMap::from([
        ("a".to_string(), "1".to_string()),
        ("b".to_string(), "2".to_string()),
        ("aws:cloudformation:stack".to_string(), "s".to_string()),
    ]);
    let want = BTreeMap::from([
        ("a".to_string(), "1".to_string()),
        ("b".to_string(), "3".to_string()),
        ("c".to_string(), "4".to_string()),
    ]);
    let (remove, set) = tag_changes(&live, &want);
    assert!(remove.is_empty());
    let set: Vec<(&str, &str)> = set.iter().map(|t| (t.key(), t.value())).collect();
    assert_eq!(set, [("b", "3"), ("c", "4")]);
    let (remove, set) = tag_changes(&want, &BTreeMap::new());
    assert_eq!(remove, ["a", "b", "c"]);
    assert!(set.is_empty());
}

#[test]
fn kms_keys_match_by_arn_or_id() {
    assert!(kms_matches(None, None));
    assert!(kms_matches(Some("arn:k"), Some("arn:k")));
    assert!(kms_matches(
        Some("k1"),
        Some("arn:aws:kms:us-east-1:1:key/k1")
    ));
    assert!(!kms_matches(
        Some("k2"),
        Some("arn:aws:kms:us-east-1:1:key/k1")
    ));
    assert!(!kms_matches(None, Some("arn:k")));
    assert!(!kms_matches(Some("k"), None));
}

#[test]
fn settled_means_table_and_indexes_active() {
    let mut d = description();
    assert!(!is_settled(&d), "an index is DELETING");
    d.global_secondary_indexes = Some(vec![d.global_secondary_indexes()[0].clone()]);
    assert!(is_settled(&d));
    d.table_status = Some(TableStatus::Updating);
    assert!(!is_settled(&d));
    assert_eq!(status_of(Some(&d)), "UPDATING");
    assert_eq!(status_of(None), "gone");
}

#[test]
fn not_ours_names_the_owner() {
    let ctx = OpContext::new("dynamodb-table.assets", "ecogy", "dev");
    let theirs = BTreeMap::from([
        (TAG_PROJECT.to_string(), "ecogy".to_string()),
        (TAG_STAGE.to_string(), "prod".to_string()),
    ]);
    let e = not_ours(&ctx, "CreateTable", "t", &theirs);
    assert_eq!(e.kind, ErrorKind::Conflict);
    assert!(
        e.message.contains("eco:project=ecogy, eco:stage=prod"),
        "{e}"
    );
    let e = not_ours(&ctx, "CreateTable", "t", &BTreeMap::new());
    assert!(
        e.message.contains("eco import dynamodb-table.assets t"),
        "{e}"
    );
}
