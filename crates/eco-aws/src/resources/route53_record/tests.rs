//! Unit tests of `route53-record`: TXT quoting, ids, record sets built and read back, batches.

use super::requests::chunk_changes;
use super::*;
use aws_sdk_route53::types::{ChangeAction, ResourceRecord};
use eco_provider::values::{attrs, s};

#[test]
fn txt_values_are_quoted_split_and_unquoted() {
    assert_eq!(quote_txt("hello"), "\"hello\"");
    assert_eq!(quote_txt("say \"hi\""), "\"say \\\"hi\\\"\"");
    let long = "x".repeat(300);
    let q = quote_txt(&long);
    assert_eq!(q, format!("\"{}\" \"{}\"", "x".repeat(255), "x".repeat(45)));
    assert_eq!(unquote_txt(&q), long);
    assert_eq!(unquote_txt("\"say \\\"hi\\\"\""), "say \"hi\"");
    assert_eq!(unquote_txt("\"a\\053b\""), "a+b");
    assert_eq!(unquote_txt("plain"), "plain");
}

#[test]
fn ids_round_trip() {
    let key = ("www.example.com".to_string(), "A".to_string(), None);
    assert_eq!(record_id("/hostedzone/Z1", &key), "Z1/www.example.com/A");
    assert_eq!(
        parse_id("Z1/WWW.example.com./a").unwrap(),
        ("Z1".to_string(), key)
    );
    let weighted = parse_id("Z1/api.example.com/CNAME/blue").unwrap();
    assert_eq!(weighted.1 .2.as_deref(), Some("blue"));
    assert!(parse_id("Z1/www.example.com").is_err());
}

#[test]
fn record_sets_are_built_and_read_back_in_configuration_shape() {
    let desired = attrs(&[
        ("zone", s("Z1")),
        ("name", s("_verify.example.com")),
        ("type", s("TXT")),
        ("ttl", Value::Int(60)),
        ("records", Value::List(vec![s("hello world")])),
    ]);
    let (zone, rrset) = record_set(&desired).unwrap();
    assert_eq!(zone, "Z1");
    assert_eq!(rrset.resource_records()[0].value(), "\"hello world\"");
    let back = attrs_of(&zone, &rrset);
    for (k, v) in &desired {
        assert_eq!(back.get(k), Some(v), "{k}");
    }
    assert_eq!(back.get("fqdn"), Some(&s("_verify.example.com")));

    let alias = attrs(&[
        ("zone", s("Z1")),
        ("name", s("example.com")),
        ("type", s("A")),
        (
            "alias",
            Value::Map(BTreeMap::from([
                ("name".to_string(), s("d123.cloudfront.net")),
                ("zone-id".to_string(), s("Z2FDTNDATAQYW2")),
            ])),
        ),
    ]);
    let (_, rrset) = record_set(&alias).unwrap();
    let target = rrset.alias_target().unwrap();
    assert_eq!(target.hosted_zone_id(), "Z2FDTNDATAQYW2");
    assert!(!target.evaluate_target_health());
    assert_eq!(rrset.ttl(), None);
}

#[test]
fn invalid_records_are_refused_locally() {
    let base = [
        ("zone", s("Z1")),
        ("name", s("a.example.com")),
        ("type", s("A")),
    ];
    assert!(record_set(&attrs(&base)).is_err(), "no values");
    let mut both = attrs(&base);
    both.insert("records".into(), Value::List(vec![s("1.2.3.4")]));
    both.insert(
        "alias".into(),
        Value::Map(BTreeMap::from([("name".to_string(), s("x"))])),
    );
    assert_eq!(record_set(&both).unwrap_err().kind, ErrorKind::Invalid);
    let mut weight = attrs(&base);
    weight.insert("records".into(), Value::List(vec![s("1.2.3.4")]));
    weight.insert("weight".into(), Value::Int(10));
    assert!(
        record_set(&weight).is_err(),
        "weight without set-identifier"
    );
}

#[test]
fn batches_split_only_beyond_aws_limits() {
    let rr = |n: usize| {
        ResourceRecordSet::builder()
            .name(format!("r{n}.example.com"))
            .r#type(RrType::A)
            .ttl(60)
            .resource_records(ResourceRecord::builder().value("10.0.0.1").build().unwrap())
            .build()
            .unwrap()
    };
    let creates: Vec<_> = (0..1000)
        .map(|i| (i, ChangeAction::Create, rr(i)))
        .collect();
    assert_eq!(chunk_changes(creates).len(), 1);
    let creates: Vec<_> = (0..1001)
        .map(|i| (i, ChangeAction::Create, rr(i)))
        .collect();
    let chunks = chunk_changes(creates);
    assert_eq!(
        chunks.iter().map(Vec::len).collect::<Vec<_>>(),
        vec![1000, 1]
    );
    let upserts: Vec<_> = (0..600).map(|i| (i, ChangeAction::Upsert, rr(i))).collect();
    assert_eq!(chunk_changes(upserts).len(), 2, "UPSERTs count twice");
    let big = |n: usize| {
        ResourceRecordSet::builder()
            .name(format!("t{n}.example.com"))
            .r#type(RrType::Txt)
            .ttl(60)
            .resource_records(
                ResourceRecord::builder()
                    .value("y".repeat(4000))
                    .build()
                    .unwrap(),
            )
            .build()
            .unwrap()
    };
    let txt: Vec<_> = (0..10).map(|i| (i, ChangeAction::Create, big(i))).collect();
    assert_eq!(chunk_changes(txt).len(), 2, "32,000 characters per request");
}

#[test]
fn batch_key_is_the_zone() {
    let p = Provider {
        schema: schema(),
        r53: Client::from_conf(
            aws_sdk_route53::Config::builder()
                .behavior_version(aws_sdk_route53::config::BehaviorVersion::latest())
                .build(),
        ),
    };
    assert_eq!(
        p.batch_key(&attrs(&[("zone", s("/hostedzone/Z9"))]))
            .as_deref(),
        Some("Z9")
    );
    assert_eq!(p.batch_key(&Attrs::new()), None);
}

/// A record written as Terraform users often write it (trailing dot, capitals, a lower-case
/// type) is the record the read reports, not a replacement.
#[test]
fn a_record_name_and_type_compare_as_route53_reports_them() {
    let mut desired = Attrs::from([
        ("name".to_string(), Value::from("WWW.Example.com.")),
        ("type".to_string(), Value::from("cname")),
    ]);
    normalize_record(&mut desired);
    assert_eq!(desired["name"], Value::from("www.example.com"));
    assert_eq!(desired["type"], Value::from("CNAME"));
}
