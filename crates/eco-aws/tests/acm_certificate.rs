//! `acm-certificate` operations against moto (started with MOTO_ACM_VALIDATION_WAIT=0, so
//! certificates are issued at once): the standard tests, validation records for route53-record,
//! validation through a Route53 zone, adoption by tags, and import.

use eco_aws::resources::{acm_certificate, route53_record, route53_zone};
use eco_provider::standard::{self, Case, Replacement};
use eco_provider::values::{s, tags};
use eco_provider::{Attrs, ErrorKind, OpContext, ResourceProvider, Value};
use eco_test_support::Moto;

fn ctx() -> OpContext {
    OpContext::new("acm-certificate.site", "ecogy", "dev")
}

fn cert(domain: &str) -> Attrs {
    Attrs::from([
        ("domain-name".to_string(), s(domain)),
        ("tags".to_string(), tags(&ctx(), &[])),
    ])
}

fn setup() -> (Moto, eco_aws::Aws, acm_certificate::Provider) {
    let moto = Moto::start();
    let aws = eco_aws::Aws::for_endpoint(&moto.endpoint(), "us-east-1");
    let p = acm_certificate::Provider::new(&aws);
    (moto, aws, p)
}

#[tokio::test]
async fn standard() {
    let (_moto, _aws, p) = setup();
    let mut desired = cert("app.example.com");
    desired.insert(
        "alternative-names".into(),
        Value::List(vec![s("www.app.example.com")]),
    );
    let mut updated = desired.clone();
    updated.insert("tags".into(), tags(&ctx(), &[("team", "platform")]));
    standard::run(Case {
        provider: &p,
        ctx: ctx(),
        desired,
        updated,
        changed: vec!["tags".into()],
        token: "eco-0123456789abcdef".into(),
    })
    .await;
}

#[tokio::test]
async fn validation_records_feed_route53_records_and_a_validation_zone_is_written_and_waited_on() {
    let (_moto, aws, p) = setup();
    // Records exposed for route53-record.
    let live = p
        .create(&ctx(), &cert("site.example.com"), "tok1")
        .await
        .unwrap();
    assert!(live.id.starts_with("arn:aws:acm:us-east-1:"));
    let name = live.attrs["validation-record-name"]
        .as_str()
        .unwrap()
        .to_string();
    let value = live.attrs["validation-record-value"]
        .as_str()
        .unwrap()
        .to_string();
    assert_eq!(live.attrs.get("validation-record-type"), Some(&s("CNAME")));
    assert!(name.ends_with("site.example.com"), "{name}");
    let zones = route53_zone::Provider::new(&aws);
    let records = route53_record::Provider::new(&aws);
    let zctx = OpContext::new("route53-zone.main", "ecogy", "dev");
    let zone = zones
        .create(
            &zctx,
            &Attrs::from([
                ("name".to_string(), s("example.com")),
                ("tags".to_string(), tags(&zctx, &[])),
            ]),
            "z",
        )
        .await
        .unwrap()
        .id;
    let rctx = OpContext::new("route53-record.validation", "ecogy", "dev");
    records
        .create(
            &rctx,
            &Attrs::from([
                ("zone".to_string(), s(&zone)),
                ("name".to_string(), s(&name)),
                ("type".to_string(), s("CNAME")),
                ("ttl".to_string(), Value::Int(300)),
                ("records".to_string(), Value::List(vec![s(&value)])),
            ]),
            "r",
        )
        .await
        .expect("the validation record as a route53-record");

    // validation-zone: eco writes the records itself and waits for ISSUED.
    let other = OpContext::new("acm-certificate.api", "ecogy", "dev");
    let mut desired = cert("api.example.com");
    desired.insert("tags".into(), tags(&other, &[]));
    desired.insert("validation-zone".into(), s(&zone));
    let live = p.create(&other, &desired, "tok2").await.unwrap();
    assert_eq!(live.attrs.get("status"), Some(&s("ISSUED")));
    assert_eq!(live.attrs.get("validation-zone"), Some(&s(&zone)));
    let listed = records.list_zone(&zone).await.unwrap().unwrap();
    let vname = live.attrs["validation-record-name"].as_str().unwrap();
    assert!(
        listed
            .iter()
            .any(|r| r.name().trim_end_matches('.') == vname),
        "validation record written to the zone"
    );
    // Deleting the certificate removes the records it wrote, so the zone can go after it.
    p.delete(&other, &live.id, &live.attrs).await.unwrap();
    let listed = records.list_zone(&zone).await.unwrap().unwrap();
    assert!(!listed
        .iter()
        .any(|r| r.name().trim_end_matches('.') == vname));
    p.delete(&other, &live.id, &live.attrs)
        .await
        .expect("deleting what is gone is success");
}

#[tokio::test]
async fn a_crashed_create_is_adopted_by_tags_and_import_reads_by_arn() {
    let (_moto, _aws, p) = setup();
    let first = p
        .create(&ctx(), &cert("x.example.com"), "tokA")
        .await
        .unwrap();
    // Another plan (new token) after a crash: found by tags, not requested twice.
    let again = p
        .create(&ctx(), &cert("x.example.com"), "tokB")
        .await
        .unwrap();
    assert_eq!(again.id, first.id);
    let imported = p.import(&ctx(), &first.id).await.unwrap().unwrap();
    assert_eq!(imported.attrs.get("domain-name"), Some(&s("x.example.com")));
    // EMAIL validation is refused before any call.
    let mut email = cert("y.example.com");
    email.insert("validation-method".into(), s("EMAIL"));
    assert_eq!(
        p.create(&ctx(), &email, "t").await.unwrap_err().kind,
        ErrorKind::Invalid
    );
}

/// A certificate's alternative names, sorted (ACM keeps no order).
fn names(attrs: &Attrs) -> Vec<&str> {
    let Some(Value::List(names)) = attrs.get("alternative-names") else {
        return Vec::new();
    };
    let mut names: Vec<&str> = names.iter().filter_map(Value::as_str).collect();
    names.sort();
    names
}

/// A create-before-destroy replacement (new alternative names) runs while the old certificate
/// lives, and ACM finds certificates by domain and ownership tags, which the old one has: its
/// create must request a new certificate, never adopt the one it replaces, and settling its
/// intent must find the new one, never the old.
#[tokio::test]
async fn a_replacement_requests_a_new_certificate_and_never_adopts_the_one_it_replaces() {
    let (_moto, _aws, p) = setup();
    let mut desired = cert("r.example.com");
    desired.insert(
        "alternative-names".into(),
        Value::List(vec![s("www.r.example.com")]),
    );
    let old = p.create(&ctx(), &desired, "tokOld").await.unwrap();
    let mut wanted = desired.clone();
    wanted.insert(
        "alternative-names".into(),
        Value::List(vec![s("api.r.example.com"), s("www.r.example.com")]),
    );
    let replacing = ctx().with_replacing(Some(old.id.clone()));
    // Settling before the create made anything: nothing of the replacement's is found.
    assert_eq!(p.find(&replacing, &wanted, "tokNew").await.unwrap(), None);

    let new = p.create(&replacing, &wanted, "tokNew").await.unwrap();
    assert_ne!(new.id, old.id, "a new certificate, not the one it replaces");
    let read = p.read(&ctx(), &new.id).await.unwrap().unwrap();
    assert_eq!(
        names(&read.attrs),
        ["api.r.example.com", "www.r.example.com"]
    );
    // Both live now; settling the replacement's intent finds the new one, never the old.
    let found = p
        .find(&replacing, &wanted, "tokNew")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(found.id, new.id);
    let again = p.create(&replacing, &wanted, "tokNew2").await.unwrap();
    assert_eq!(again.id, new.id, "a retried create adopts the replacement");
    // The old certificate is untouched until its delete.
    let old_now = p.read(&ctx(), &old.id).await.unwrap().unwrap();
    assert_eq!(names(&old_now.attrs), ["www.r.example.com"]);
    p.delete(&ctx(), &old.id, &old_now.attrs).await.unwrap();
    assert_eq!(p.read(&ctx(), &old.id).await.unwrap(), None);
}

/// The standard replacement test: new alternative names (ACM cannot change them), in both
/// orders; ACM finds certificates by domain and ownership tags, so create-before-destroy is where
/// adopting the old certificate would hide the change.
#[tokio::test]
async fn standard_replacement() {
    let (_moto, _aws, p) = setup();
    let desired = cert("rep.example.com");
    let mut replaced = desired.clone();
    replaced.insert(
        "alternative-names".into(),
        Value::List(vec![s("www.rep.example.com")]),
    );
    standard::replace(Replacement {
        provider: &p,
        ctx: ctx(),
        desired,
        replaced,
        beside: true,
    })
    .await;
}
