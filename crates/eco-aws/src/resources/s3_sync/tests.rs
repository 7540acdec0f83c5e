//! Unit tests of `s3-sync`: globs, content types, the manifest, invalidation paths and ids.

use std::path::Path;

use eco_provider::values::{list, map, s};
use eco_provider::{Attrs, ErrorKind, ResourceProvider, Value};

use super::local::{map_of, sha256_hex};
use super::remote::urlencode_key;
use super::*;

#[test]
fn globs() {
    assert!(glob_match("index.html", "index.html"));
    assert!(
        glob_match("index.html", "docs/index.html"),
        "no / matches names"
    );
    assert!(glob_match("*.js", "static/js/main.abc.js"));
    assert!(glob_match("static/**", "static/js/main.js"));
    assert!(glob_match("static/*", "static/a.css"));
    assert!(!glob_match("static/*", "static/js/a.css"));
    assert!(glob_match("**/*.map", "static/js/a.js.map"));
    assert!(glob_match("**/*.map", "a.map"));
    assert!(glob_match("?.txt", "a.txt"));
    assert!(!glob_match("*.css", "a.js"));
}

#[test]
fn content_types_by_extension() {
    assert_eq!(content_type_for("index.html"), "text/html; charset=utf-8");
    assert_eq!(content_type_for("a/b.JS"), "text/javascript; charset=utf-8");
    assert_eq!(content_type_for("x.svg"), "image/svg+xml");
    assert_eq!(content_type_for("LICENSE"), "application/octet-stream");
    // Beyond the web's own types, the MIME database knows what a site ships.
    assert_eq!(content_type_for("feed.rss"), "application/rss+xml");
    assert_eq!(content_type_for("data.yaml"), "text/x-yaml; charset=utf-8");
    assert_eq!(content_type_for("model.glb"), "model/gltf-binary");
    assert_eq!(content_type_for("cal.ics"), "text/calendar; charset=utf-8");
    assert_eq!(content_type_for("a.unknownext"), "application/octet-stream");
}

#[test]
fn manifest_from_a_folder_with_rules() {
    let dir = std::env::temp_dir().join(format!("eco-sync-unit-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(dir.join("static/js")).unwrap();
    std::fs::write(dir.join("index.html"), "<html></html>").unwrap();
    std::fs::write(dir.join("static/js/main.1234.js"), "console.log(1)").unwrap();
    std::fs::write(dir.join(".DS_Store"), "x").unwrap();
    let rules = |cc: &str| {
        Value::List(vec![
            map(&[("pattern", s("index.html")), ("value", s("no-cache"))]),
            map(&[("pattern", s("static/**")), ("value", s(cc))]),
        ])
    };
    let mut attrs = Attrs::from([
        ("source".to_string(), s(&dir.to_string_lossy())),
        ("exclude".to_string(), list(&[".DS_Store"])),
        (
            "cache-control".to_string(),
            rules("public,max-age=31536000,immutable"),
        ),
    ]);
    let files = scan(&dir, &attrs).unwrap();
    assert_eq!(
        files.iter().map(|f| f.rel.as_str()).collect::<Vec<_>>(),
        vec!["index.html", "static/js/main.1234.js"]
    );
    assert_eq!(files[0].cache_control, "no-cache");
    assert_eq!(files[1].cache_control, "public,max-age=31536000,immutable");
    assert_eq!(files[0].sha256, sha256_hex(b"<html></html>"));

    let p = Provider::new(&Aws::for_endpoint("http://127.0.0.1:9", "us-east-1"));
    let mut a = attrs.clone();
    p.expand(Path::new("/"), &mut a).unwrap();
    let before = map_of(&a, "files");
    assert_eq!(a.get("object-count"), Some(&Value::Int(2)));
    // A changed rule changes exactly the files it covers.
    attrs.insert("cache-control".into(), rules("public,max-age=60"));
    let mut b = attrs.clone();
    p.expand(Path::new("/"), &mut b).unwrap();
    let after = map_of(&b, "files");
    assert_eq!(
        manifest_diff(&before, &after),
        (vec!["static/js/main.1234.js".to_string()], vec![])
    );
    assert_ne!(a.get("source-hash"), b.get("source-hash"));
    // A missing source is an error naming it.
    let mut missing = Attrs::from([("source".to_string(), s("nope"))]);
    let err = p.expand(&dir, &mut missing).unwrap_err();
    assert_eq!(err.kind, ErrorKind::Invalid);
    assert!(err.message.contains("nope"), "{err}");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn invalidation_paths_cover_changed_keys_and_fall_back_to_a_wildcard() {
    assert_eq!(
        invalidation_paths("", &["index.html".into(), "static/a.js".into()]),
        vec!["/", "/index.html", "/static/a.js"]
    );
    assert_eq!(
        invalidation_paths("app", &["a.css".into()]),
        vec!["/app/a.css"]
    );
    let many: Vec<String> = (0..20).map(|i| format!("f{i}.js")).collect();
    assert_eq!(invalidation_paths("app/", &many), vec!["/app/*"]);
}

#[test]
fn ids_and_keys() {
    assert_eq!(parse_id("b/app").unwrap(), ("b".into(), "app".into()));
    assert_eq!(parse_id("b/").unwrap(), ("b".into(), "".into()));
    assert_eq!(parse_id("b").unwrap(), ("b".into(), "".into()));
    assert!(parse_id("/x").is_err());
    assert_eq!(key_for("", "a.js"), "a.js");
    assert_eq!(key_for("app", "a.js"), "app/a.js");
    assert_eq!(key_for("app/", "a.js"), "app/a.js");
    assert_eq!(urlencode_key("a b/ü.js"), "a%20b/%C3%BC.js");
}

#[tokio::test]
async fn at_most_runs_every_task_and_returns_every_output() {
    let running = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let tasks = (0..6).map(|i| {
        let running = running.clone();
        async move {
            let now = running.fetch_add(1, std::sync::atomic::Ordering::SeqCst) + 1;
            tokio::task::yield_now().await;
            running.fetch_sub(1, std::sync::atomic::Ordering::SeqCst);
            (i, now)
        }
    });
    let mut done = super::remote::at_most(2, tasks).await;
    assert!(done.iter().all(|(_, now)| *now <= 2), "{done:?}");
    done.sort();
    assert_eq!(
        done.iter().map(|(i, _)| *i).collect::<Vec<_>>(),
        [0, 1, 2, 3, 4, 5]
    );
}
