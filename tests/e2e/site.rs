//! The static site family end to end (s3-sync, cloudfront-distribution, acm-certificate,
//! route53-zone, route53-record): examples/static-site applies from empty and plans clean; one
//! changed file is exactly one upload and one invalidation; a removed file's key is deleted;
//! distribution changes are in place; 100 records of a zone go in one ChangeBatch and refresh
//! in one listing.

use crate::support::*;

fn differing_keys(before: &serde_json::Value, after: &serde_json::Value) -> Vec<String> {
    let empty = serde_json::Map::new();
    let b = before.as_object().unwrap_or(&empty);
    let a = after.as_object().unwrap_or(&empty);
    let mut keys: Vec<String> = b
        .keys()
        .chain(a.keys())
        .filter(|k| b.get(*k) != a.get(*k))
        .cloned()
        .collect();
    keys.sort();
    keys.dedup();
    keys
}

fn invalidated_paths(p: &Project, dist: &str) -> Vec<Vec<String>> {
    let cf = p.aws().cloudfront();
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        let list = cf
            .list_invalidations()
            .distribution_id(dist)
            .send()
            .await
            .unwrap();
        let mut out = Vec::new();
        for item in list
            .invalidation_list()
            .map(|l| l.items())
            .unwrap_or_default()
        {
            let inv = cf
                .get_invalidation()
                .distribution_id(dist)
                .id(item.id())
                .send()
                .await
                .unwrap();
            let mut paths: Vec<String> = inv
                .invalidation()
                .and_then(|i| i.invalidation_batch())
                .and_then(|b| b.paths())
                .map(|p| p.items().to_vec())
                .unwrap_or_default();
            paths.sort();
            out.push(paths);
        }
        out
    })
}

fn object_exists(p: &Project, bucket: &str, key: &str) -> bool {
    let s3 = p.aws().s3();
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        s3.head_object()
            .bucket(bucket)
            .key(key)
            .send()
            .await
            .is_ok()
    })
}

#[test]
fn static_site_applies_plans_clean_and_syncs_exactly_what_changed() {
    let p = Project::from_example("examples/static-site");
    let out = ok(&p.eco(&["apply", "-auto-approve"]));
    assert!(
        out.contains("Apply complete! Resources: 7 added, 0 changed, 0 destroyed."),
        "{out}"
    );
    assert!(object_exists(&p, "static-site-dev-web", "index.html"));
    assert!(object_exists(
        &p,
        "static-site-dev-web",
        "static/js/main.8b4e2d.js"
    ));
    p.no_changes();
    let dist = p.id_of("cloudfront-distribution.site");
    assert!(
        invalidated_paths(&p, &dist).is_empty(),
        "nothing cached yet"
    );

    // One file changes: the plan names exactly it; the apply uploads it and invalidates it.
    let index = p.file("site/index.html");
    let text = std::fs::read_to_string(&index).unwrap();
    std::fs::write(&index, text.replace("static-site", "static-site v2")).unwrap();
    let change = p.planned("s3-sync.site");
    assert_eq!(change["action"], "update", "{change:#}");
    let files = change["changes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == "files")
        .expect("files differ");
    assert_eq!(
        differing_keys(&files["before"], &files["after"]),
        vec!["index.html"]
    );
    let plan = ok(&p.eco(&["plan", "-json"]));
    let plan: serde_json::Value = serde_json::from_str(&plan).unwrap();
    assert_eq!(plan["summary"]["change"], 1, "only the sync: {plan:#}");
    // People see the counts and the file's name.
    let human = ok(&p.eco(&["plan"]));
    assert!(
        human.contains("files") && human.contains("= { 0 added, 1 changed, 0 removed }"),
        "{human}"
    );
    assert!(human.contains("~ index.html = "), "{human}");
    p.moto.start_recording();
    ok(&p.eco(&["apply", "-auto-approve"]));
    let calls = p.moto.recorded_calls();
    let puts: Vec<&str> = calls
        .iter()
        .filter(|c| c.method == "PUT" && c.url.contains("/static-site-dev-web/"))
        .map(|c| c.url.as_str())
        .collect();
    assert_eq!(puts.len(), 1, "one upload: {puts:?}");
    assert!(
        puts[0].split('?').next().unwrap().ends_with("/index.html"),
        "{puts:?}"
    );
    assert_eq!(
        invalidated_paths(&p, &dist),
        vec![vec!["/".to_string(), "/index.html".to_string()]]
    );
    p.no_changes();

    // A removed file: its key is deleted.
    std::fs::remove_file(p.file("site/robots.txt")).unwrap();
    let change = p.planned("s3-sync.site");
    let files = change["changes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == "files")
        .unwrap();
    assert_eq!(
        differing_keys(&files["before"], &files["after"]),
        vec!["robots.txt"]
    );
    let human = ok(&p.eco(&["plan"]));
    assert!(
        human.contains("= { 0 added, 0 changed, 1 removed }") && human.contains("- robots.txt"),
        "{human}"
    );
    ok(&p.eco(&["apply", "-auto-approve"]));
    assert!(!object_exists(&p, "static-site-dev-web", "robots.txt"));
    assert!(object_exists(&p, "static-site-dev-web", "index.html"));
    p.no_changes();

    // The distribution's comment, then its default behavior: updated in place, same id.
    p.edit(
        "comment \"static-site ${stage}\"",
        "comment \"static-site ${stage} (v2)\"",
    );
    let out = ok(&p.eco(&["plan"]));
    assert!(
        out.contains("# cloudfront-distribution.site will be updated in place"),
        "{out}"
    );
    ok(&p.eco(&["apply", "-auto-approve"]));
    assert_eq!(p.id_of("cloudfront-distribution.site"), dist);
    p.no_changes();
    p.edit(
        "viewer-protocol-policy=\"redirect-to-https\"",
        "viewer-protocol-policy=\"https-only\"",
    );
    let out = ok(&p.eco(&["plan"]));
    assert!(
        out.contains("# cloudfront-distribution.site will be updated in place"),
        "{out}"
    );
    assert!(!out.contains("must be replaced"), "{out}");
    ok(&p.eco(&["apply", "-auto-approve"]));
    assert_eq!(p.id_of("cloudfront-distribution.site"), dist);
    p.no_changes();

    // Destroy: everything goes, the distribution disabled first.
    let out = ok(&p.eco(&["destroy", "-auto-approve"]));
    assert!(out.contains("7 destroyed"), "{out}");
}

#[test]
fn a_hundred_records_of_a_zone_are_one_change_batch_and_one_listing() {
    let mut main = String::from(
        "project \"records\"\n\nstage \"dev\" {\n    account \"123456789012\"\n    region \"us-east-1\"\n}\n\n\
         route53-zone \"main\" {\n    name \"records.example.com\"\n}\n",
    );
    for i in 0..100 {
        main.push_str(&format!(
            "\nroute53-record \"r{i}\" {{\n    zone \"${{route53-zone.main.id}}\"\n    name \"host{i}.records.example.com\"\n    \
             type \"A\"\n    ttl 300\n    records \"192.0.2.{}\"\n}}\n",
            i + 1
        ));
    }
    let p = Project::with_main(&main);
    ok(&p.eco(&["apply", "-auto-approve", "-target", "route53-zone.main"]));
    p.moto.start_recording();
    let out = ok(&p.eco(&["apply", "-auto-approve"]));
    let calls = p.moto.recorded_calls();
    assert!(
        out.contains("Apply complete! Resources: 100 added"),
        "{out}"
    );
    let changes = calls
        .iter()
        .filter(|c| c.method == "POST" && c.url.split('?').next().unwrap().ends_with("/rrset"))
        .count();
    assert_eq!(changes, 1, "one ChangeResourceRecordSets for 100 records");

    // A plan with nothing to do: at most one ListResourceRecordSets per 300 records of the zone.
    p.moto.start_recording();
    p.no_changes();
    let calls = p.moto.recorded_calls();
    let listings = calls
        .iter()
        .filter(|c| c.method == "GET" && c.url.contains("/rrset"))
        .count();
    assert_eq!(listings, 1, "one listing for 100 records");

    // One record changed: one UPSERT batch.
    let zone = p.id_of("route53-zone.main");
    p.edit("records \"192.0.2.8\"", "records \"192.0.2.208\"");
    p.moto.start_recording();
    ok(&p.eco(&["apply", "-auto-approve"]));
    let calls = p.moto.recorded_calls();
    assert_eq!(
        calls
            .iter()
            .filter(|c| c.method == "POST" && c.url.contains(&format!("{zone}/rrset")))
            .count(),
        1
    );
    p.no_changes();
}
