//! Generated workloads: KDL configurations of N resources, and for the scale runs the state
//! that a finished apply of them would have left (so that a `-refresh=false` plan is a no-change
//! plan over N resources without creating them first).

use std::fmt::Write as _;

const HEADER: &str =
    "project \"bench\"\nstage \"dev\" { account \"123456789012\"; region \"us-east-1\" }\n";

/// Issue 21's W301: `n` S3 buckets, `n` DynamoDB tables, one Route53 zone and `n` TXT records
/// in it (n = 100 gives 301 resources).
pub fn w301(n: usize) -> String {
    let mut s = String::from(HEADER);
    s.push_str("route53-zone \"zone\" { name \"bench.example.com\" }\n");
    for i in 0..n {
        let _ = write!(
            s,
            "s3-bucket \"b{i}\" {{ name \"bench-${{stage}}-b{i}\"; tags team=\"platform\" }}\n\
             dynamodb-table \"t{i}\" {{ name \"bench-${{stage}}-t{i}\"; hash-key \"pk\" type=\"S\"; billing-mode \"PAY_PER_REQUEST\" }}\n\
             route53-record \"r{i}\" {{ zone \"${{route53-zone.zone.id}}\"; name \"r{i}.bench.example.com\"; type \"TXT\"; ttl 300; records \"\\\"v{i}\\\"\" }}\n"
        );
    }
    s
}

/// `n` S3 buckets only (the latency runs).
pub fn buckets(n: usize) -> String {
    let mut s = String::from(HEADER);
    for i in 0..n {
        let _ = writeln!(
            s,
            "s3-bucket \"b{i}\" {{ name \"bench-${{stage}}-b{i}\"; tags team=\"platform\" }}"
        );
    }
    s
}

/// A configuration of about `n` resources (a third each buckets, tables and TXT records in one
/// zone) and the state an apply of it leaves, as `(kdl, state json)`.
pub fn scale(n: usize) -> (String, String) {
    let per = n / 3;
    let mut kdl = w301(per);
    kdl.push('\n');
    let zone = "ZBENCH0000000";
    let mut resources = Vec::with_capacity(3 * per + 1);
    let tags = |address: &str, extra: &[(&str, &str)]| {
        let mut t = serde_json::Map::new();
        t.insert("eco:address".into(), address.into());
        t.insert("eco:project".into(), "bench".into());
        t.insert("eco:stage".into(), "dev".into());
        for (k, v) in extra {
            t.insert((*k).into(), (*v).into());
        }
        serde_json::Value::Object(t)
    };
    resources.push(serde_json::json!({
        "address": "route53-zone.zone", "type": "route53-zone", "id": zone,
        "attributes": {
            "arn": format!("arn:aws:route53:::hostedzone/{zone}"), "delegation-set": "", "id": zone,
            "name": "bench.example.com", "name-servers": ["ns-1.awsdns-00.com"], "private": false,
            "tags": tags("route53-zone.zone", &[]),
        },
        "dependencies": [],
    }));
    for i in 0..per {
        let (b, t, r) = (
            format!("s3-bucket.b{i}"),
            format!("dynamodb-table.t{i}"),
            format!("route53-record.r{i}"),
        );
        let bucket = format!("bench-dev-b{i}");
        let table = format!("bench-dev-t{i}");
        let fqdn = format!("r{i}.bench.example.com");
        resources.push(serde_json::json!({
            "address": b, "type": "s3-bucket", "id": bucket,
            "attributes": {
                "arn": format!("arn:aws:s3:::{bucket}"), "domain-name": format!("{bucket}.s3.amazonaws.com"),
                "hosted-zone-id": "Z3AQBSTGFYJSTF", "name": bucket, "region": "us-east-1",
                "regional-domain-name": format!("{bucket}.s3.us-east-1.amazonaws.com"),
                "tags": tags(&b, &[("team", "platform")]), "versioning": false,
            },
            "dependencies": [],
        }));
        resources.push(serde_json::json!({
            "address": t, "type": "dynamodb-table", "id": table,
            "attributes": {
                "arn": format!("arn:aws:dynamodb:us-east-1:123456789012:table/{table}"),
                "billing-mode": "PAY_PER_REQUEST", "deletion-protection": false,
                "hash-key": {"name": "pk", "type": "S"}, "item-count": 0, "name": table,
                "point-in-time-recovery": false, "size-bytes": 0, "table-class": "STANDARD",
                "tags": tags(&t, &[]),
            },
            "dependencies": [],
        }));
        resources.push(serde_json::json!({
            "address": r, "type": "route53-record", "id": format!("{zone}/{fqdn}/TXT"),
            "attributes": {
                "fqdn": fqdn, "name": fqdn, "records": [format!("\"v{i}\"")], "ttl": 300,
                "type": "TXT", "zone": zone,
            },
            "dependencies": ["route53-zone.zone"],
        }));
    }
    resources.sort_by(|a, b| a["address"].as_str().cmp(&b["address"].as_str()));
    let state = serde_json::json!({
        "format_version": 1, "eco_version": "0.1.0", "serial": 1,
        "lineage": "00000000-0000-4000-8000-000000000000", "stage": "dev",
        "resources": resources, "outputs": {}, "pending": [],
    });
    (
        kdl,
        serde_json::to_string_pretty(&state).expect("state serializes"),
    )
}
