//! `s3-sync` operations against moto: the standard tests, then content types and cache-control,
//! change detection (only changed files uploaded, stale keys deleted), `delete #false`,
//! invalidations of changed paths, ownership conflicts, and import.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use async_trait::async_trait;
use eco_aws::resources::s3_sync;
use eco_provider::standard::{self, Case};
use eco_provider::values::{map, s};
use eco_provider::{Attrs, ErrorKind, Live, OpContext, OpError, ResourceProvider, Schema, Value};
use eco_test_support::Moto;

/// The configuration directory every site of this test process lives in (see `site`).
fn config_dir() -> PathBuf {
    std::env::temp_dir().join(format!("eco-s3-sync-{}", std::process::id()))
}

/// The operations' context: `source` is relative to the configuration's directory.
fn ctx() -> OpContext {
    OpContext::new("s3-sync.site", "ecogy", "dev").with_base_dir(config_dir())
}

/// A temporary site folder, removed on drop.
struct TempDir(PathBuf);

impl TempDir {
    fn path(&self) -> &Path {
        &self.0
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn site(files: &[(&str, &str)]) -> TempDir {
    static NEXT: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
    // Every site of a test process under one configuration directory, as in one project.
    let dir = config_dir().join(format!("site-{n}"));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    write(&dir, files);
    TempDir(dir)
}

fn write(dir: &Path, files: &[(&str, &str)]) {
    for (rel, content) in files {
        let p = dir.join(rel);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, content).unwrap();
    }
}

fn rule(pattern: &str, value: &str) -> Value {
    map(&[("pattern", s(pattern)), ("value", s(value))])
}

/// Desired attributes as the engine passes them: configured, then expanded.
fn desired(p: &s3_sync::Provider, bucket: &str, dir: &Path, extra: &[(&str, Value)]) -> Attrs {
    let mut a = Attrs::from([
        ("bucket".to_string(), s(bucket)),
        ("source".to_string(), s("site")),
        (
            "cache-control".to_string(),
            Value::List(vec![
                rule("index.html", "no-cache"),
                rule("static/**", "public,max-age=31536000,immutable"),
            ]),
        ),
    ]);
    for (k, v) in extra {
        a.insert(k.to_string(), v.clone());
    }
    // `source` is relative to the configuration's directory: here, the site's parent.
    let base = dir.parent().unwrap();
    let mut a2 = a.clone();
    a2.insert(
        "source".into(),
        s(dir.file_name().unwrap().to_str().unwrap()),
    );
    p.expand(base, &mut a2).expect("expand");
    a2
}

async fn setup() -> (Moto, eco_aws::Aws, s3_sync::Provider) {
    let moto = Moto::start();
    let aws = eco_aws::Aws::for_endpoint(&moto.endpoint(), "us-east-1");
    let p = s3_sync::Provider::new(&aws);
    (moto, aws, p)
}

async fn bucket(aws: &eco_aws::Aws, name: &str) {
    aws.s3().create_bucket().bucket(name).send().await.unwrap();
}

fn files(attrs: &Attrs) -> Vec<String> {
    match attrs.get("files") {
        Some(Value::Map(m)) => m.keys().cloned().collect(),
        _ => vec![],
    }
}

/// The standard tests compare every desired attribute with what `read` reports; eco-only
/// settings (`source`, rules) and the resolved source directory are not read from AWS, so this
/// wrapper adds them on the way in, as the engine's expansion does.
struct Expanded<'a> {
    inner: &'a s3_sync::Provider,
    /// source-hash -> the attributes that produced it.
    by_hash: BTreeMap<String, Attrs>,
}

impl Expanded<'_> {
    fn full(&self, desired: &Attrs) -> Attrs {
        let hash = desired.get("source-hash").and_then(Value::as_str).unwrap();
        self.by_hash[hash].clone()
    }
}

fn visible(a: &Attrs) -> Attrs {
    a.iter()
        .filter(|(k, _)| ["bucket", "files", "source-hash", "object-count"].contains(&k.as_str()))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect()
}

#[async_trait]
impl ResourceProvider for Expanded<'_> {
    fn schema(&self) -> &Schema {
        self.inner.schema()
    }
    async fn read(&self, ctx: &OpContext, id: &str) -> Result<Option<Live>, OpError> {
        self.inner.read(ctx, id).await
    }
    async fn find(&self, ctx: &OpContext, d: &Attrs, t: &str) -> Result<Option<Live>, OpError> {
        self.inner.find(ctx, &self.full(d), t).await
    }
    async fn create(&self, ctx: &OpContext, d: &Attrs, t: &str) -> Result<Live, OpError> {
        self.inner.create(ctx, &self.full(d), t).await
    }
    async fn update(
        &self,
        ctx: &OpContext,
        id: &str,
        prior: &Attrs,
        d: &Attrs,
        changed: &[String],
    ) -> Result<Live, OpError> {
        self.inner
            .update(ctx, id, prior, &self.full(d), changed)
            .await
    }
    async fn delete(&self, ctx: &OpContext, id: &str, prior: &Attrs) -> Result<(), OpError> {
        self.inner.delete(ctx, id, prior).await
    }
}

#[tokio::test]
async fn standard() {
    let (_moto, aws, p) = setup().await;
    bucket(&aws, "site-std").await;
    let one = site(&[("index.html", "<h1>1</h1>"), ("static/a.js", "a")]);
    let two = site(&[("index.html", "<h1>2</h1>"), ("static/b.js", "b")]);
    let d1 = desired(&p, "site-std", one.path(), &[]);
    let d2 = desired(&p, "site-std", two.path(), &[]);
    let hash = |a: &Attrs| {
        a.get("source-hash")
            .and_then(Value::as_str)
            .unwrap()
            .to_string()
    };
    let wrapper = Expanded {
        inner: &p,
        by_hash: BTreeMap::from([(hash(&d1), d1.clone()), (hash(&d2), d2.clone())]),
    };
    standard::run(Case {
        provider: &wrapper,
        ctx: ctx(),
        desired: visible(&d1),
        updated: visible(&d2),
        changed: vec!["files".into(), "source-hash".into()],
        token: "t".into(),
    })
    .await;
}

#[tokio::test]
async fn uploads_only_what_changed_deletes_stale_keys_and_sets_headers() {
    let (moto, aws, p) = setup().await;
    bucket(&aws, "site-a").await;
    let dir = site(&[
        ("index.html", "<h1>hello</h1>"),
        ("static/js/main.1.js", "console.log(1)"),
        ("static/css/main.1.css", "body{}"),
        ("logo.svg", "<svg/>"),
    ]);
    let d = desired(&p, "site-a", dir.path(), &[("prefix", s("app"))]);
    let live = p.create(&ctx(), &d, "t").await.unwrap();
    assert_eq!(live.id, "site-a/app");
    assert_eq!(live.attrs.get("object-count"), Some(&Value::Int(4)));
    assert_eq!(
        live.attrs.get("source"),
        d.get("source"),
        "eco-only settings kept"
    );
    let head = aws
        .s3()
        .head_object()
        .bucket("site-a")
        .key("app/index.html")
        .send()
        .await
        .unwrap();
    assert_eq!(head.content_type(), Some("text/html; charset=utf-8"));
    assert_eq!(head.cache_control(), Some("no-cache"));
    let head = aws
        .s3()
        .head_object()
        .bucket("site-a")
        .key("app/static/js/main.1.js")
        .send()
        .await
        .unwrap();
    assert_eq!(
        head.cache_control(),
        Some("public,max-age=31536000,immutable")
    );
    assert_eq!(head.content_type(), Some("text/javascript; charset=utf-8"));
    // Read reports exactly the manifest expand computed.
    let read = p.read(&ctx(), &live.id).await.unwrap().unwrap();
    assert_eq!(read.attrs.get("files"), d.get("files"));
    assert_eq!(read.attrs.get("source-hash"), d.get("source-hash"));

    // One file changed, one removed, one added: two PutObject, one DeleteObjects.
    write(
        dir.path(),
        &[("index.html", "<h1>changed</h1>"), ("robots.txt", "ok")],
    );
    std::fs::remove_file(dir.path().join("logo.svg")).unwrap();
    let d2 = desired(&p, "site-a", dir.path(), &[("prefix", s("app"))]);
    moto.start_recording();
    let updated = p
        .update(&ctx(), &live.id, &read.attrs, &d2, &["files".into()])
        .await
        .unwrap();
    let calls = moto.recorded_calls();
    let puts: Vec<&str> = calls
        .iter()
        .filter(|c| c.method == "PUT")
        .map(|c| c.url.as_str())
        .collect();
    assert_eq!(puts.len(), 2, "{puts:?}");
    assert!(puts.iter().any(|u| u.contains("app/index.html")));
    assert!(puts.iter().any(|u| u.contains("app/robots.txt")));
    assert_eq!(
        calls
            .iter()
            .filter(|c| c.method == "POST" && c.url.contains("delete"))
            .count(),
        1
    );
    assert_eq!(updated.attrs.get("files"), d2.get("files"));
    let read = p.read(&ctx(), &live.id).await.unwrap().unwrap();
    assert_eq!(read.attrs.get("files"), d2.get("files"));
    assert!(!files(&read.attrs).contains(&"logo.svg".to_string()));

    // Update twice = once: nothing uploaded.
    moto.start_recording();
    p.update(&ctx(), &live.id, &read.attrs, &d2, &["files".into()])
        .await
        .unwrap();
    let calls = moto.recorded_calls();
    assert_eq!(calls.iter().filter(|c| c.method == "PUT").count(), 0);

    // A changed cache-control rule re-uploads exactly the files it covers.
    let mut d3 = d2.clone();
    d3.insert(
        "cache-control".into(),
        Value::List(vec![
            rule("index.html", "no-cache"),
            rule("static/**", "public,max-age=60"),
        ]),
    );
    let base = dir.path().parent().unwrap();
    p.expand(base, &mut d3).unwrap();
    moto.start_recording();
    p.update(&ctx(), &live.id, &read.attrs, &d3, &["files".into()])
        .await
        .unwrap();
    let calls = moto.recorded_calls();
    assert_eq!(calls.iter().filter(|c| c.method == "PUT").count(), 2);

    // Delete removes what the sync uploaded, and only that.
    aws.s3()
        .put_object()
        .bucket("site-a")
        .key("other/keep.txt")
        .body(b"x".to_vec().into())
        .send()
        .await
        .unwrap();
    p.delete(&ctx(), &live.id, &read.attrs).await.unwrap();
    let left = aws
        .s3()
        .list_objects_v2()
        .bucket("site-a")
        .send()
        .await
        .unwrap();
    let keys: Vec<&str> = left.contents().iter().filter_map(|o| o.key()).collect();
    assert_eq!(keys, vec!["other/keep.txt"]);
    p.delete(&ctx(), &live.id, &read.attrs).await.unwrap();
}

#[tokio::test]
async fn delete_false_keeps_stale_keys_without_reporting_them() {
    let (_moto, aws, p) = setup().await;
    bucket(&aws, "site-b").await;
    let dir = site(&[("index.html", "1"), ("static/old.1.js", "old")]);
    let d = desired(&p, "site-b", dir.path(), &[("delete", Value::Bool(false))]);
    let live = p.create(&ctx(), &d, "t").await.unwrap();
    std::fs::remove_file(dir.path().join("static/old.1.js")).unwrap();
    write(dir.path(), &[("static/new.2.js", "new")]);
    let d2 = desired(&p, "site-b", dir.path(), &[("delete", Value::Bool(false))]);
    p.update(&ctx(), &live.id, &live.attrs, &d2, &["files".into()])
        .await
        .unwrap();
    // The old asset is still served...
    aws.s3()
        .head_object()
        .bucket("site-b")
        .key("static/old.1.js")
        .send()
        .await
        .expect("kept");
    // ...but no longer part of the manifest, so the next plan has nothing to do.
    let read = p.read(&ctx(), &live.id).await.unwrap().unwrap();
    assert_eq!(read.attrs.get("files"), d2.get("files"));
    // Switching to delete #true removes it.
    let d3 = desired(&p, "site-b", dir.path(), &[]);
    p.update(&ctx(), &live.id, &read.attrs, &d3, &["delete".into()])
        .await
        .unwrap();
    let err = aws
        .s3()
        .head_object()
        .bucket("site-b")
        .key("static/old.1.js")
        .send()
        .await;
    assert!(err.is_err(), "deleted once delete is on");
}

#[tokio::test]
async fn changed_files_are_invalidated_on_the_distribution() {
    let (_moto, aws, p) = setup().await;
    bucket(&aws, "site-c").await;
    let cf = aws.cloudfront();
    let origin = aws_sdk_cloudfront::types::Origin::builder()
        .id("s3")
        .domain_name("site-c.s3.us-east-1.amazonaws.com")
        .s3_origin_config(
            aws_sdk_cloudfront::types::S3OriginConfig::builder()
                .origin_access_identity("")
                .build(),
        )
        .build()
        .unwrap();
    let config = aws_sdk_cloudfront::types::DistributionConfig::builder()
        .caller_reference("test-dist")
        .comment("")
        .enabled(true)
        .origins(
            aws_sdk_cloudfront::types::Origins::builder()
                .quantity(1)
                .items(origin)
                .build()
                .unwrap(),
        )
        .default_cache_behavior(
            aws_sdk_cloudfront::types::DefaultCacheBehavior::builder()
                .target_origin_id("s3")
                .viewer_protocol_policy(
                    aws_sdk_cloudfront::types::ViewerProtocolPolicy::RedirectToHttps,
                )
                .cache_policy_id("658327ea-f89d-4fab-a63d-7e88639e58f6")
                .build()
                .unwrap(),
        )
        .build()
        .unwrap();
    let dist = cf
        .create_distribution()
        .distribution_config(config)
        .send()
        .await
        .unwrap();
    let dist_id = dist.distribution().unwrap().id().to_string();

    let dir = site(&[("index.html", "1"), ("static/a.1.js", "a")]);
    let extra = [("invalidate", s(&dist_id))];
    let d = desired(&p, "site-c", dir.path(), &extra);
    let live = p.create(&ctx(), &d, "t").await.unwrap();
    write(dir.path(), &[("index.html", "2")]);
    let d2 = desired(&p, "site-c", dir.path(), &extra);
    p.update(&ctx(), &live.id, &live.attrs, &d2, &["files".into()])
        .await
        .unwrap();
    // A retried update uploads nothing; its invalidation has the same CallerReference, which
    // AWS answers with the first invalidation (moto makes another one: see docs/testing.md).
    p.update(&ctx(), &live.id, &live.attrs, &d2, &["files".into()])
        .await
        .unwrap();
    let list = cf
        .list_invalidations()
        .distribution_id(&dist_id)
        .send()
        .await
        .unwrap();
    let items = list.invalidation_list().unwrap().items();
    assert!(
        !items.is_empty(),
        "the create (all keys new) invalidated nothing; the update did"
    );
    let mut references = Vec::new();
    for item in items {
        let inv = cf
            .get_invalidation()
            .distribution_id(&dist_id)
            .id(item.id())
            .send()
            .await
            .unwrap();
        let batch = inv.invalidation().unwrap().invalidation_batch().unwrap();
        let mut paths: Vec<String> = batch.paths().unwrap().items().to_vec();
        paths.sort();
        assert_eq!(paths, vec!["/", "/index.html"]);
        references.push(batch.caller_reference().to_string());
    }
    references.dedup();
    assert_eq!(references.len(), 1, "one CallerReference: {references:?}");
}

#[tokio::test]
async fn another_syncs_prefix_is_a_conflict_and_import_reads_it() {
    let (_moto, aws, p) = setup().await;
    bucket(&aws, "site-d").await;
    let dir = site(&[("index.html", "1")]);
    let d = desired(&p, "site-d", dir.path(), &[]);
    let live = p.create(&ctx(), &d, "t").await.unwrap();
    let other = OpContext::new("s3-sync.other", "ecogy", "dev").with_base_dir(config_dir());
    let err = p.create(&other, &d, "t").await.unwrap_err();
    assert_eq!(err.kind, ErrorKind::Conflict, "{err}");
    assert!(err.message.contains("s3-sync.site"), "{err}");
    assert_eq!(
        p.find(&other, &d, "t").await.unwrap_err().kind,
        ErrorKind::Conflict
    );
    let imported = p.import(&ctx(), "site-d/").await.unwrap().unwrap();
    assert_eq!(imported.id, live.id);
    assert_eq!(imported.attrs.get("files"), d.get("files"));
    // A bucket that is gone reads as gone.
    assert_eq!(p.read(&ctx(), "no-such-bucket/").await.unwrap(), None);
}

/// The standard replacement test of a sync: another bucket (fixed: the sync's identity is its
/// bucket and prefix), in both orders.
#[tokio::test]
async fn standard_replacement() {
    let (_moto, aws, p) = setup().await;
    bucket(&aws, "site-old").await;
    bucket(&aws, "site-new").await;
    let one = site(&[("index.html", "<h1>1</h1>")]);
    let two = site(&[("index.html", "<h1>2</h1>")]);
    let d1 = desired(&p, "site-old", one.path(), &[]);
    let d2 = desired(&p, "site-new", two.path(), &[]);
    let hash = |a: &Attrs| {
        a.get("source-hash")
            .and_then(Value::as_str)
            .unwrap()
            .to_string()
    };
    let wrapper = Expanded {
        inner: &p,
        by_hash: BTreeMap::from([(hash(&d1), d1.clone()), (hash(&d2), d2.clone())]),
    };
    standard::replace(standard::Replacement {
        provider: &wrapper,
        ctx: ctx(),
        desired: visible(&d1),
        replaced: visible(&d2),
        beside: true,
    })
    .await;
}

#[tokio::test]
async fn uploads_report_their_progress_file_by_file() {
    let (_moto, aws, p) = setup().await;
    bucket(&aws, "site-progress").await;
    let names: Vec<String> = (0..25).map(|i| format!("assets/f{i}.txt")).collect();
    let dir = site(&names.iter().map(|n| (n.as_str(), "x")).collect::<Vec<_>>());
    let d = desired(&p, "site-progress", dir.path(), &[]);
    let seen = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let sink = {
        let seen = seen.clone();
        eco_provider::ProgressSink::new(move |r| {
            seen.lock().unwrap().push((r.done, r.total, r.unit))
        })
    };
    let live = p
        .create(&ctx().with_progress(sink.clone()), &d, "t")
        .await
        .unwrap();
    let mut reports = seen.lock().unwrap().clone();
    assert_eq!(reports.len(), 26, "a start, then one per file: {reports:?}");
    assert_eq!(reports[0], (0, 25, "files"));
    reports.sort();
    assert_eq!(
        reports,
        (0..=25).map(|n| (n, 25, "files")).collect::<Vec<_>>(),
        "every count from 0 to 25 once"
    );
    // Nothing to upload: nothing reported.
    seen.lock().unwrap().clear();
    p.update(&ctx().with_progress(sink), &live.id, &live.attrs, &d, &[])
        .await
        .unwrap();
    assert!(
        seen.lock().unwrap().is_empty(),
        "{:?}",
        seen.lock().unwrap()
    );
}
