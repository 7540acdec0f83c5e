use super::conversions::*;
use super::sub_resources::*;
use super::*;
use aws_sdk_s3::types::{BucketVersioningStatus, ExpirationStatus, ServerSideEncryption};
use eco_provider::values::{map, s};
use eco_schema::SpecEnum;

fn strings(items: &[&str]) -> Value {
    Value::List(items.iter().map(|i| s(i)).collect())
}

fn invalid_op(err: OpError) -> String {
    assert_eq!(err.kind, ErrorKind::Invalid, "{err}");
    err.operation
}

#[test]
fn bucket_names_follow_s3_rules() {
    for ok in ["ecogy-dev-site", "a.b.c", "abc", "x1-2.y", &"a".repeat(63)] {
        validate_bucket_name(ok).unwrap_or_else(|e| panic!("{ok}: {e}"));
    }
    for bad in [
        "Ecogy",
        "ab",
        &"a".repeat(64),
        "a..b",
        "-abc",
        "abc-",
        ".abc",
        "a_b",
        "10.0.0.1",
        "xn--abc",
        "sthree-x",
        "abc-s3alias",
        "abc--ol-s3",
        "abc.mrap",
    ] {
        let err = validate_bucket_name(bad).unwrap_err();
        assert_eq!(invalid_op(err), "CreateBucket", "{bad}");
    }
    // An IP-like name needs four numeric parts.
    validate_bucket_name("1.2.3").unwrap();
}

#[test]
fn versioning_round_trips_and_never_versioned_is_off() {
    for on in [true, false] {
        let c = versioning_to_sdk(on);
        assert_eq!(versioning_from_sdk(c.status()), on);
    }
    assert!(!versioning_from_sdk(None));
    assert_eq!(
        versioning_to_sdk(false).status(),
        Some(&BucketVersioningStatus::Suspended)
    );
}

#[test]
fn misrooted_versioning_bodies_are_read() {
    let moto = r#"<?xml version="1.0" encoding="utf-8"?>
<GetBucketVersioningResponse xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Status>Enabled</Status></GetBucketVersioningResponse>"#;
    assert_eq!(
        versioning_status_from_xml(moto),
        Some(Some(BucketVersioningStatus::Enabled))
    );
    let never = r#"<GetBucketVersioningResponse xmlns="http://s3.amazonaws.com/doc/2006-03-01/"/>"#;
    assert_eq!(versioning_status_from_xml(never), Some(None));
    assert_eq!(
        versioning_status_from_xml("<Error><Code>X</Code></Error>"),
        None
    );
}

#[test]
fn website_index_and_error_round_trip() {
    let v = map(&[("index", s("index.html")), ("error", s("404.html"))]);
    let w = website_to_sdk(&v).unwrap();
    assert_eq!(w.index_document().unwrap().suffix(), "index.html");
    assert_eq!(w.error_document().unwrap().key(), "404.html");
    assert!(w.redirect_all_requests_to().is_none());
    assert_eq!(
        website_from_sdk(
            w.index_document(),
            w.error_document(),
            w.redirect_all_requests_to()
        ),
        Some(v)
    );
    assert_eq!(website_from_sdk(None, None, None), None);
}

#[test]
fn website_redirect_keeps_its_protocol() {
    for target in ["www.ecogy.io", "https://www.ecogy.io", "http://a.io"] {
        let v = map(&[("redirect-all-to", s(target))]);
        let w = website_to_sdk(&v).unwrap();
        let r = w.redirect_all_requests_to().unwrap();
        assert_eq!(r.host_name(), target.rsplit("://").next().unwrap());
        assert_eq!(website_from_sdk(None, None, Some(r)), Some(v));
    }
}

#[test]
fn website_refuses_impossible_combinations() {
    for bad in [
        map(&[("error", s("e.html"))]),
        map(&[("index", s("a/index.html"))]),
        map(&[("index", s("i.html")), ("redirect-all-to", s("x.io"))]),
        map(&[("redirect-all-to", s("ftp://x.io"))]),
        map(&[("redirect-all-to", s("x.io/path"))]),
        s("index.html"),
    ] {
        let err = website_to_sdk(&bad).unwrap_err();
        assert_eq!(invalid_op(err), "PutBucketWebsite", "{bad}");
    }
}

#[test]
fn cors_round_trips_sorted_by_id() {
    let upload = map(&[
        ("id", s("upload")),
        ("allowed-origins", strings(&["https://app.ecogy.io"])),
        ("allowed-methods", strings(&["PUT", "POST"])),
        ("allowed-headers", strings(&["*"])),
        ("expose-headers", strings(&["ETag"])),
        ("max-age", Value::Int(600)),
    ]);
    let read = map(&[
        ("id", s("read")),
        ("allowed-origins", strings(&["*"])),
        ("allowed-methods", strings(&["GET"])),
    ]);
    let c = cors_to_sdk(&Value::List(vec![upload.clone(), read.clone()])).unwrap();
    assert_eq!(c.cors_rules().len(), 2);
    // Sent in the configured order (S3 matches the first rule that applies)...
    assert_eq!(c.cors_rules()[0].id(), Some("upload"));
    assert_eq!(c.cors_rules()[0].max_age_seconds(), Some(600));
    assert!(c.cors_rules()[1].allowed_headers().is_empty());
    // ...read back sorted by id.
    assert_eq!(
        cors_from_sdk(c.cors_rules()),
        Value::List(vec![read, upload])
    );
}

#[test]
fn cors_refuses_bad_rules() {
    let rule = |entries: &[(&str, Value)]| Value::List(vec![map(entries)]);
    for bad in [
        rule(&[("allowed-methods", strings(&["GET"]))]),
        rule(&[("allowed-origins", strings(&["*"]))]),
        rule(&[
            ("allowed-origins", strings(&["*"])),
            ("allowed-methods", strings(&["PATCH"])),
        ]),
        rule(&[
            ("allowed-origins", strings(&["*"])),
            ("allowed-methods", strings(&["GET"])),
            ("max-age", Value::Int(-1)),
        ]),
        Value::List(vec![
            map(&[
                ("id", s("a")),
                ("allowed-origins", strings(&["*"])),
                ("allowed-methods", strings(&["GET"])),
            ]),
            map(&[
                ("id", s("a")),
                ("allowed-origins", strings(&["*"])),
                ("allowed-methods", strings(&["GET"])),
            ]),
        ]),
    ] {
        let err = cors_to_sdk(&bad).unwrap_err();
        assert_eq!(invalid_op(err), "PutBucketCors", "{bad}");
    }
}

#[test]
fn policy_must_be_a_json_object() {
    let text = r#"{"Version":"2012-10-17","Statement":[]}"#;
    assert_eq!(policy_to_sdk(&s(text)).unwrap(), text, "sent as written");
    for bad in [s("{"), s("[]"), s("\"x\""), Value::Int(1)] {
        assert_eq!(
            invalid_op(policy_to_sdk(&bad).unwrap_err()),
            "PutBucketPolicy"
        );
    }
    let structured = map(&[("Version", s("2012-10-17"))]);
    assert_eq!(
        policy_to_sdk(&structured).unwrap(),
        r#"{"Version":"2012-10-17"}"#
    );
}

#[test]
fn encryption_round_trips() {
    let kms = map(&[
        ("algorithm", s("aws:kms")),
        ("kms-key", s("alias/ecogy")),
        ("bucket-key", Value::Bool(true)),
    ]);
    let c = encryption_to_sdk(&kms).unwrap();
    let by_default = c.rules()[0]
        .apply_server_side_encryption_by_default()
        .unwrap();
    assert_eq!(by_default.sse_algorithm(), &ServerSideEncryption::AwsKms);
    assert_eq!(encryption_from_sdk(&c), Some(kms));

    // The algorithm defaults to AES256; bucket-key is sent only when set.
    let c = encryption_to_sdk(&map(&[])).unwrap();
    assert_eq!(c.rules()[0].bucket_key_enabled(), None);
    assert_eq!(
        encryption_from_sdk(&c),
        Some(map(&[("algorithm", s("AES256"))]))
    );
}

#[test]
fn encryption_refuses_bad_values() {
    for bad in [
        map(&[("algorithm", s("DES"))]),
        map(&[("kms-key", s("alias/x"))]),
        map(&[("algorithm", s("AES256")), ("kms-key", s("alias/x"))]),
        map(&[("bucket-key", s("yes"))]),
    ] {
        let err = encryption_to_sdk(&bad).unwrap_err();
        assert_eq!(invalid_op(err), "PutBucketEncryption", "{bad}");
    }
}

#[test]
fn public_access_block_sends_every_field() {
    let v = map(&[("block-public-acls", Value::Bool(true))]);
    let c = pab_to_sdk(&v).unwrap();
    assert_eq!(c.block_public_acls(), Some(true));
    assert_eq!(c.ignore_public_acls(), Some(false));
    assert_eq!(c.block_public_policy(), Some(false));
    assert_eq!(c.restrict_public_buckets(), Some(false));
    assert_eq!(
        pab_from_sdk(&c),
        map(&[
            ("block-public-acls", Value::Bool(true)),
            ("ignore-public-acls", Value::Bool(false)),
            ("block-public-policy", Value::Bool(false)),
            ("restrict-public-buckets", Value::Bool(false)),
        ])
    );
}

#[test]
fn policy_goes_first_only_when_the_new_block_refuses_public_policies() {
    let with_block = |on: bool| {
        Attrs::from([(
            "public-access-block".to_string(),
            map(&[("block-public-policy", Value::Bool(on))]),
        )])
    };
    assert!(policy_before_public_access_block(&with_block(true)));
    assert!(!policy_before_public_access_block(&with_block(false)));
    assert!(!policy_before_public_access_block(&Attrs::new()));
}

#[test]
fn object_ownership_values() {
    for ok in spec::Ownership::ALLOWED {
        let c = ownership_to_sdk(&s(ok)).unwrap();
        assert_eq!(c.rules()[0].object_ownership().as_str(), *ok);
    }
    let err = ownership_to_sdk(&s("Everyone")).unwrap_err();
    assert_eq!(invalid_op(err), "PutBucketOwnershipControls");
}

#[test]
fn lifecycle_round_trips_sorted_by_id() {
    let logs = map(&[
        ("id", s("logs")),
        ("prefix", s("logs/")),
        ("enabled", Value::Bool(true)),
        ("expiration-days", Value::Int(30)),
        ("noncurrent-expiration-days", Value::Int(7)),
    ]);
    let uploads = map(&[
        ("id", s("abort")),
        ("enabled", Value::Bool(false)),
        ("abort-incomplete-upload-days", Value::Int(2)),
    ]);
    let c = lifecycle_to_sdk(&Value::List(vec![logs.clone(), uploads.clone()])).unwrap();
    let rule = &c.rules()[0];
    assert_eq!(rule.filter().unwrap().prefix(), Some("logs/"));
    assert_eq!(rule.status(), &ExpirationStatus::Enabled);
    // No prefix: an empty filter prefix (every key).
    assert_eq!(c.rules()[1].filter().unwrap().prefix(), Some(""));
    assert_eq!(
        lifecycle_from_sdk(c.rules()),
        Value::List(vec![uploads, logs])
    );
}

#[test]
fn lifecycle_refuses_bad_rules() {
    for bad in [
        Value::List(vec![map(&[("id", s("nothing"))])]),
        Value::List(vec![map(&[("expiration-days", Value::Int(3))])]),
        Value::List(vec![map(&[
            ("id", s("zero")),
            ("expiration-days", Value::Int(0)),
        ])]),
    ] {
        let err = lifecycle_to_sdk(&bad).unwrap_err();
        assert_eq!(invalid_op(err), "PutBucketLifecycleConfiguration", "{bad}");
    }
}

#[test]
fn tags_round_trip_and_are_checked() {
    let tags = BTreeMap::from([
        ("eco:project".to_string(), "ecogy".to_string()),
        ("team".to_string(), "platform".to_string()),
    ]);
    let t = tagging_to_sdk(&tags).unwrap();
    assert_eq!(tags_from_sdk(t.tag_set()), tags);
    let reserved = BTreeMap::from([("aws:x".to_string(), "y".to_string())]);
    assert_eq!(
        invalid_op(tags_to_sdk(&reserved).unwrap_err()),
        "PutBucketTagging"
    );
    let many: BTreeMap<String, String> = (0..51)
        .map(|i| (format!("k{i}"), "v".to_string()))
        .collect();
    assert_eq!(
        invalid_op(tags_to_sdk(&many).unwrap_err()),
        "PutBucketTagging"
    );
}

#[test]
fn validate_checks_every_configured_attribute() {
    let good = Attrs::from([
        ("name".to_string(), s("ecogy-dev-site")),
        ("versioning".to_string(), Value::Bool(true)),
        ("website".to_string(), map(&[("index", s("index.html"))])),
        ("tags".to_string(), map(&[("team", s("platform"))])),
    ]);
    validate(&good).unwrap();
    let mut bad = good.clone();
    bad.insert("versioning".into(), s("yes"));
    assert_eq!(
        invalid_op(validate(&bad).unwrap_err()),
        "PutBucketVersioning"
    );
    let mut bad = good.clone();
    bad.insert("tags".into(), map(&[("n", Value::Int(1))]));
    assert_eq!(invalid_op(validate(&bad).unwrap_err()), "PutBucketTagging");
}

#[test]
fn computed_attributes_by_region() {
    let a = computed_attrs("site", "us-east-1");
    assert_eq!(a["arn"], s("arn:aws:s3:::site"));
    assert_eq!(a["domain-name"], s("site.s3.amazonaws.com"));
    assert_eq!(
        a["regional-domain-name"],
        s("site.s3.us-east-1.amazonaws.com")
    );
    assert_eq!(a["hosted-zone-id"], s("Z3AQBSTGFYJSTF"));
    assert_eq!(
        website_endpoint("site", "us-east-1"),
        "site.s3-website-us-east-1.amazonaws.com"
    );
    assert_eq!(
        website_endpoint("site", "eu-central-1"),
        "site.s3-website.eu-central-1.amazonaws.com"
    );
    let cn = computed_attrs("site", "cn-north-1");
    assert_eq!(cn["arn"], s("arn:aws-cn:s3:::site"));
    assert_eq!(cn["domain-name"], s("site.s3.amazonaws.com.cn"));
    assert!(!computed_attrs("site", "xx-new-1").contains_key("hosted-zone-id"));
    assert_eq!(normalize_location(None), "us-east-1");
    assert_eq!(normalize_location(Some("")), "us-east-1");
    assert_eq!(normalize_location(Some("EU")), "eu-west-1");
    assert_eq!(normalize_location(Some("eu-west-2")), "eu-west-2");
}

#[test]
fn conflict_messages_name_the_owner() {
    let ctx = OpContext::new("s3-bucket.site", "ecogy", "dev");
    let none = not_ours_message(&ctx, "b", &BTreeMap::new());
    assert!(none.contains("eco import s3-bucket.site b"), "{none}");
    let other = OpContext::new("s3-bucket.other", "ecogy", "prod").ownership_tags();
    let msg = not_ours_message(&ctx, "b", &other);
    assert!(
        msg.contains("s3-bucket.other") && msg.contains("prod"),
        "{msg}"
    );
}

#[test]
fn every_configurable_attribute_has_one_sub_resource() {
    // The table is the only place a bucket attribute is read, put and deleted: every attribute
    // the user configures (but the name, fixed at creation) has exactly one entry.
    let mut configurable: Vec<&str> = schema()
        .attributes
        .iter()
        .filter(|a| !a.computed && !a.local && a.name != "name")
        .map(|a| a.name)
        .collect();
    let mut table: Vec<&str> = SUB_RESOURCES.iter().map(|s| s.attr).collect();
    configurable.sort_unstable();
    table.sort_unstable();
    assert_eq!(table, configurable);
}

#[test]
fn the_typed_spec_reads_what_a_read_reports() {
    // Read output goes through the spec's blocks: it parses back into the typed bucket.
    let mut attrs = computed_attrs("site", "eu-west-1");
    attrs.insert("versioning".into(), Value::Bool(true));
    attrs.insert(
        "public-access-block".into(),
        pab_from_sdk(&pab_to_sdk(&map(&[])).unwrap()),
    );
    let bucket = spec::S3Bucket::from_attrs(&attrs).unwrap();
    assert_eq!(bucket.region.as_deref(), Some("eu-west-1"));
    assert_eq!(bucket.versioning, Some(true));
    assert_eq!(bucket.to_attrs(), attrs);
}

#[test]
fn notifications_round_trip_sorted_by_id_with_filters() {
    let thumbs = map(&[
        ("id", s("thumbs")),
        (
            "lambda-function-arn",
            s("arn:aws:lambda:us-east-1:123456789012:function:thumbs"),
        ),
        ("events", strings(&["s3:ObjectCreated:*"])),
        ("filter-prefix", s("uploads/")),
        ("filter-suffix", s(".jpg")),
    ]);
    let audit = map(&[
        ("id", s("audit")),
        ("queue-arn", s("arn:aws:sqs:us-east-1:123456789012:audit")),
        (
            "events",
            strings(&["s3:ObjectRemoved:*", "s3:ObjectCreated:Put"]),
        ),
    ]);
    let alerts = map(&[
        ("id", s("alerts")),
        ("topic-arn", s("arn:aws:sns:us-east-1:123456789012:alerts")),
        ("events", strings(&["s3:ReducedRedundancyLostObject"])),
    ]);
    let value = Value::List(vec![thumbs.clone(), audit.clone(), alerts.clone()]);
    let c = notifications_to_sdk(&value).unwrap();
    let lambda = &c.lambda_function_configurations()[0];
    assert_eq!(lambda.id(), Some("thumbs"));
    let rules = lambda.filter().unwrap().key().unwrap().filter_rules();
    assert_eq!(rules.len(), 2);
    assert_eq!(
        rules[0].name(),
        Some(&aws_sdk_s3::types::FilterRuleName::Prefix)
    );
    assert_eq!(c.queue_configurations()[0].events().len(), 2);
    assert_eq!(
        notifications_from_sdk(
            c.lambda_function_configurations(),
            c.queue_configurations(),
            c.topic_configurations()
        ),
        Some(Value::List(vec![alerts, audit, thumbs]))
    );
    // None configured reads as absent; an empty list configures nothing (removal).
    assert_eq!(notifications_from_sdk(&[], &[], &[]), None);
    let none = notifications_to_sdk(&Value::List(Vec::new())).unwrap();
    assert!(none.lambda_function_configurations().is_empty());
}

#[test]
fn notifications_refuse_what_s3_would() {
    let lambda = s("arn:aws:lambda:us-east-1:123456789012:function:f");
    let queue = s("arn:aws:sqs:us-east-1:123456789012:q");
    let events = strings(&["s3:ObjectCreated:*"]);
    for (bad, why) in [
        (
            map(&[("id", s("none")), ("events", events.clone())]),
            "exactly one of",
        ),
        (
            map(&[
                ("id", s("two")),
                ("lambda-function-arn", lambda.clone()),
                ("queue-arn", queue.clone()),
                ("events", events.clone()),
            ]),
            "exactly one of",
        ),
        (
            map(&[
                ("id", s("wrong")),
                ("queue-arn", lambda.clone()),
                ("events", events.clone()),
            ]),
            "is not an ARN of sqs",
        ),
        (
            map(&[("id", s("quiet")), ("queue-arn", queue.clone())]),
            "needs `events`",
        ),
        (
            map(&[("queue-arn", queue.clone()), ("events", events.clone())]),
            "needs an id",
        ),
    ] {
        let err = notifications_to_sdk(&Value::List(vec![bad.clone()])).unwrap_err();
        assert_eq!(err.kind, ErrorKind::Invalid, "{bad}");
        assert!(err.message.contains(why), "{bad}: {err}");
    }
    let twice = map(&[("id", s("same")), ("queue-arn", queue), ("events", events)]);
    let err = notifications_to_sdk(&Value::List(vec![twice.clone(), twice])).unwrap_err();
    assert!(err.message.contains("two notifications"), "{err}");
}

#[test]
fn lifecycle_transitions_round_trip_by_days() {
    let archive = map(&[
        ("id", s("archive")),
        (
            "transition",
            Value::List(vec![
                map(&[("storage-class", s("GLACIER")), ("days", Value::Int(90))]),
                map(&[
                    ("storage-class", s("STANDARD_IA")),
                    ("days", Value::Int(30)),
                ]),
            ]),
        ),
    ]);
    let c = lifecycle_to_sdk(&Value::List(vec![archive])).unwrap();
    let transitions = c.rules()[0].transitions();
    assert_eq!(transitions.len(), 2);
    assert_eq!(transitions[0].days(), Some(90));
    let read = lifecycle_from_sdk(c.rules());
    let Value::List(rules) = &read else {
        panic!("{read}")
    };
    let Value::Map(rule) = &rules[0] else {
        panic!("{read}")
    };
    assert_eq!(
        rule["transition"],
        Value::List(vec![
            map(&[
                ("storage-class", s("STANDARD_IA")),
                ("days", Value::Int(30))
            ]),
            map(&[("storage-class", s("GLACIER")), ("days", Value::Int(90))]),
        ])
    );
    let twice = map(&[
        ("id", s("twice")),
        (
            "transition",
            Value::List(vec![
                map(&[("storage-class", s("GLACIER")), ("days", Value::Int(90))]),
                map(&[("storage-class", s("GLACIER")), ("days", Value::Int(120))]),
            ]),
        ),
    ]);
    let err = lifecycle_to_sdk(&Value::List(vec![twice])).unwrap_err();
    assert!(err.message.contains("GLACIER twice"), "{err}");
}
