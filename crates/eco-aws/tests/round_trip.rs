//! The round-trip property test (issue 18): for every resource type moto can run, valid
//! configurations generated from the type's schema (allowed values, ranges, booleans, tags,
//! blocks, empty blocks, repeated list items, the spellings AWS normalises) are created against
//! moto through the provider and read back, and the planner's diff (with the type's `normalize`
//! applied, as at plan time) must find no change. The converse: changing one in-place attribute
//! plans exactly that attribute's update (nothing else, never a replacement), the update makes
//! it, and the next diff is empty again.
//!
//! One moto for the whole binary; `ECO_FIDELITY_CASES` sets the cases per type (default 8) and
//! `ECO_FIDELITY_TYPES` (comma-separated) runs only some types. Types moto cannot create are
//! listed in [`NOT_COVERED`] with the reason; the coverage test keeps the two lists complete.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use eco_aws::resources::TYPES;
use eco_aws::Aws;
use eco_plan::diff::{diff_attributes, satisfies};
use eco_provider::values::{list, map, s};
use eco_provider::{Attrs, OpContext, ResourceProvider, Value};
use eco_schema::{Attribute, ScalarType, Schema, Shape, Update};
use eco_test_support::Moto;
use proptest::prelude::*;
use proptest::test_runner::{Config, TestCaseError, TestRunner};

/// Types moto cannot create, or whose round trip other tests cover instead, and why.
const NOT_COVERED: &[(&str, &str)] = &[
    ("cloudfront-cache-policy", "moto has none of CloudFront's policy calls (their requests and answer reading are unit-tested)"),
    ("cloudfront-origin-request-policy", "moto has none of CloudFront's policy calls (unit-tested)"),
    ("cloudfront-response-headers-policy", "moto has none of CloudFront's policy calls (unit-tested)"),
    ("codepipeline", "a pipeline is repeated stage blocks of actions only: no optional in-place attribute the generator can vary (tests/cicd.rs)"),
    ("s3-sync", "an upload of a local folder: its attributes are local inputs, covered by tests/s3_sync.rs"),
    ("rest-deployment", "a snapshot with no in-place attribute besides its description (tests/rest_api.rs)"),
    ("api-domain", "needs an issued ACM certificate moto's API Gateway v2 accepts (tests/api_domain.rs)"),
    ("cognito-user-pool-domain", "moto's domains keep no managed-login version; tests/cognito_extras.rs"),
    ("lambda-event-source-mapping", "covered by tests/lambda_event_source_mapping.rs (needs a stream or queue per case)"),
    ("lambda-layer", "every change publishes a version: covered by tests/lambda_layer.rs"),
    ("lambda-permission", "every attribute forces replacement: nothing in place to vary"),
    ("iam-role-policy-attachment", "every attribute forces replacement: nothing in place to vary"),
    ("route53-record", "batched through Route53 change batches; tests/route53.rs"),
    ("rest-resource", "every attribute forces replacement: nothing in place to vary"),
    ("rest-method", "covered by tests/rest_api.rs"),
    ("rest-integration", "covered by tests/rest_api.rs"),
    ("rest-authorizer", "covered by tests/rest_api.rs"),
    ("rest-stage", "needs a deployment per case: tests/rest_api.rs"),
    ("codebuild-project", "covered by tests/cicd.rs"),
    ("cloudfront-function", "moto has no UpdateFunction / PublishFunction: tests/cloudfront_function.rs"),
    ("api-authorizer", "covered by tests/serverless.rs"),
    ("api-integration", "needs an API and a backend per case: tests/serverless.rs"),
    ("api-route", "needs an API and an integration per case: tests/serverless.rs"),
    ("api-stage", "needs an API per case: tests/serverless.rs"),
    ("s3-bucket-policy", "the policy of an s3-bucket, whose policy this test varies"),
    ("ses-email-identity", "moto has none of SES v2's Put*Attributes calls, so no in-place change reaches it (unit-tested; tests/ses_email_identity.rs)"),
    ("rest-domain", "moto has no UpdateDomainName (its PATCH operations are unit-tested; tests/rest_api.rs)"),
    ("rest-base-path-mapping", "needs a domain, an API and a stage per case: tests/rest_api.rs"),
    ("rest-usage-plan", "needs a REST API stage per case, and moto keeps a patched quota as text: tests/rest_usage_plans.rs"),
    ("rest-api-key", "covered by tests/rest_usage_plans.rs (name, description, enabled, customer id in place; a new value replaces)"),
    ("rest-usage-plan-key", "every attribute forces replacement: nothing in place to vary"),
];

/// How the generator makes one attribute (or block field), by its path `attr` / `block.field`.
#[derive(Clone)]
enum Gen {
    /// Not generated (what needs a live reference, or moto refuses): the reason is the entry's.
    Skip,
    /// One of these values.
    Pick(Vec<Value>),
    /// Free text: a few words, in varying case.
    Text,
}

/// One type's case: the minimal valid base (made unique per case) and the generator's
/// exceptions to the schema.
struct TypeCase {
    type_name: &'static str,
    base: Box<dyn Fn(usize) -> Attrs + Send + Sync>,
    gens: Vec<(&'static str, Gen)>,
}

impl TypeCase {
    fn gen(&self, path: &str) -> Option<&Gen> {
        self.gens.iter().find(|(p, _)| *p == path).map(|(_, g)| g)
    }
}

const WORDS: &[&str] = &[
    "nightly", "Jobs", "of", "ECOGY", "data", "a-b", "x_1", "Éte",
];

fn text() -> BoxedStrategy<Value> {
    proptest::collection::vec(proptest::sample::select(WORDS), 1..4)
        .prop_map(|w| s(&w.join(" ")))
        .boxed()
}

/// A strategy for one attribute from its schema, or `None` when the generator cannot make a
/// valid value for it (a free string, a repeated block) and the type names no [`Gen`].
fn strategy(case: &TypeCase, path: &str, attr: &Attribute) -> Option<BoxedStrategy<Value>> {
    match case.gen(path) {
        Some(Gen::Skip) => return None,
        Some(Gen::Pick(values)) => return Some(proptest::sample::select(values.clone()).boxed()),
        Some(Gen::Text) => return Some(text()),
        None => {}
    }
    if attr.computed || attr.local || attr.sensitive {
        return None;
    }
    match &attr.shape {
        Shape::Scalar(ScalarType::Bool) => Some(any::<bool>().prop_map(Value::Bool).boxed()),
        Shape::Scalar(ScalarType::Int) => {
            if !attr.allowed.is_empty() {
                let ints: Vec<Value> = attr
                    .allowed
                    .iter()
                    .filter_map(|a| a.parse::<i64>().ok())
                    .map(Value::Int)
                    .collect();
                return Some(proptest::sample::select(ints).boxed());
            }
            let (lo, hi) = attr.range?;
            // The bounds themselves, and values between.
            Some(
                prop_oneof![Just(lo), Just(hi), lo..=hi]
                    .prop_map(Value::Int)
                    .boxed(),
            )
        }
        Shape::Scalar(ScalarType::String) if !attr.allowed.is_empty() => Some(
            proptest::sample::select(attr.allowed.to_vec())
                .prop_map(s)
                .boxed(),
        ),
        Shape::List(ScalarType::String) if !attr.allowed.is_empty() => {
            let allowed = attr.allowed.to_vec();
            let n = allowed.len();
            let unordered = attr.unordered;
            Some(
                (proptest::sample::subsequence(allowed, 1..=n), any::<bool>())
                    .prop_map(move |(mut items, twice)| {
                        // A set written in another order, with a value repeated: the same set.
                        if unordered {
                            items.reverse();
                            if twice {
                                items.push(items[0]);
                            }
                        }
                        list(&items)
                    })
                    .boxed(),
            )
        }
        Shape::Block(block) if !block.repeated => {
            let mut fields: Vec<BoxedStrategy<Option<(String, Value)>>> = Vec::new();
            for f in &block.fields {
                let name = f.name.to_string();
                match strategy(case, &format!("{path}.{}", f.name), f) {
                    Some(st) if f.required => {
                        fields.push(st.prop_map(move |v| Some((name.clone(), v))).boxed())
                    }
                    Some(st) => fields.push(
                        proptest::option::of(st)
                            .prop_map(move |v| v.map(|v| (name.clone(), v)))
                            .boxed(),
                    ),
                    None if f.required => return None,
                    None => {}
                }
            }
            // Empty blocks too, when nothing in them is required.
            Some(
                fields
                    .prop_map(|fs| Value::Map(fs.into_iter().flatten().collect()))
                    .boxed(),
            )
        }
        _ => None,
    }
}

/// Extra tags (eco's ownership tags are merged in per case).
fn tag_strategy() -> BoxedStrategy<Value> {
    proptest::collection::btree_map(
        proptest::sample::select(vec!["team", "Cost-Center", "env"]),
        proptest::sample::select(vec!["data", "Platform", "a b"]),
        0..3,
    )
    .prop_map(|m| Value::Map(m.into_iter().map(|(k, v)| (k.to_string(), s(v))).collect()))
    .boxed()
}

/// The generated optional attributes of one configuration.
fn config_strategy(case: &TypeCase, schema: &Schema) -> BoxedStrategy<Attrs> {
    let mut parts: Vec<BoxedStrategy<Option<(String, Value)>>> = Vec::new();
    for attr in &schema.attributes {
        let name = attr.name.to_string();
        let st = if attr.name == "tags" && schema.taggable && case.gen("tags").is_none() {
            Some(tag_strategy())
        } else {
            strategy(case, attr.name, attr)
        };
        let Some(st) = st else { continue };
        if attr.required {
            parts.push(st.prop_map(move |v| Some((name.clone(), v))).boxed());
        } else {
            parts.push(
                proptest::option::of(st)
                    .prop_map(move |v| v.map(|v| (name.clone(), v)))
                    .boxed(),
            );
        }
    }
    parts
        .prop_map(|ps| ps.into_iter().flatten().collect())
        .boxed()
}

struct Env {
    dir: PathBuf,
    providers: BTreeMap<&'static str, Arc<dyn ResourceProvider>>,
    next: AtomicUsize,
}

/// The whole desired configuration of case `n`: the base, the generated attributes, eco's
/// ownership tags; then normalised and expanded as at plan time.
fn desired_of(
    env: &Env,
    case: &TypeCase,
    schema: &Schema,
    ctx: &OpContext,
    n: usize,
    generated: &Attrs,
) -> Result<Attrs, String> {
    let mut desired = (case.base)(n);
    for (k, v) in generated {
        desired.insert(k.clone(), v.clone());
    }
    if schema.taggable {
        let mut tags: BTreeMap<String, Value> = ctx
            .ownership_tags()
            .into_iter()
            .map(|(k, v)| (k, Value::String(v)))
            .collect();
        if let Some(Value::Map(extra)) = desired.get("tags") {
            tags.extend(extra.clone());
        }
        desired.insert("tags".into(), Value::Map(tags));
    }
    let p = &env.providers[case.type_name];
    p.normalize(&mut desired);
    p.expand(&env.dir, &mut desired)
        .map_err(|e| format!("expand: {e:?}"))?;
    Ok(desired)
}

/// What state holds after a refresh: the read, plus the eco-only attributes state keeps.
fn as_state(schema: &Schema, read: &Attrs, desired: &Attrs) -> Attrs {
    let mut live = read.clone();
    for a in schema.attributes.iter().filter(|a| a.local) {
        if let Some(v) = desired.get(a.name) {
            live.entry(a.name.to_string()).or_insert_with(|| v.clone());
        }
    }
    live
}

fn describe(diffs: &[eco_plan::diff::AttrDiff]) -> String {
    diffs
        .iter()
        .map(|d| {
            format!(
                "\n  {} ({:?}): live {:?}, desired {:?}",
                d.name, d.update, d.before, d.after
            )
        })
        .collect()
}

/// One case: create `a`, read, diff (no change); change one in-place attribute to its value in
/// `b` (the `pick`-th that `b` sets): exactly that change, applied, then no change.
async fn round_trip(
    env: &Env,
    case: &TypeCase,
    schema: &Schema,
    a: &Attrs,
    b: &Attrs,
    pick: usize,
) -> Result<(), String> {
    let n = env.next.fetch_add(1, Ordering::SeqCst);
    let ctx = OpContext::new(format!("{}.c{n}", case.type_name), "fidelity", "dev")
        .with_base_dir(&env.dir);
    let p = &env.providers[case.type_name];
    let desired = desired_of(env, case, schema, &ctx, n, a)?;
    let created = p
        .create(&ctx, &desired, &format!("t{n}"))
        .await
        .map_err(|e| format!("create {desired:?}: {e:?}"))?;
    let read = p
        .read(&ctx, &created.id)
        .await
        .map_err(|e| format!("read: {e:?}"))?
        .ok_or("created, then read as gone")?;
    let live = as_state(schema, &read.attrs, &desired);
    let diffs = diff_attributes(schema, &desired, &live, &[]);
    if !diffs.is_empty() {
        return Err(format!(
            "a plan right after create shows changes:{}",
            describe(&diffs)
        ));
    }

    // The converse: one in-place attribute changed.
    let candidates: Vec<&Attribute> = schema
        .attributes
        .iter()
        .filter(|at| at.update == Update::InPlace && !at.computed && b.contains_key(at.name))
        .collect();
    if candidates.is_empty() {
        return Ok(());
    }
    let attr = candidates[pick % candidates.len()];
    let mut changed_config = a.clone();
    changed_config.insert(attr.name.to_string(), b[attr.name].clone());
    let desired2 = desired_of(env, case, schema, &ctx, n, &changed_config)?;
    let diffs = diff_attributes(schema, &desired2, &live, &[]);
    // What the configuration wrote and the normal form dropped as meaningless alone (a filter
    // scope without a filter policy) may come back with the change.
    let dropped: Vec<String> = (case.base)(n)
        .keys()
        .chain(a.keys())
        .filter(|k| !desired.contains_key(*k))
        .cloned()
        .collect();
    if let Some(other) = diffs.iter().find(|d| {
        d.update != Update::InPlace || (d.name != attr.name && !dropped.contains(&d.name))
    }) {
        return Err(format!(
            "changing `{}` plans a change of `{}` ({:?}):{}",
            attr.name,
            other.name,
            other.update,
            describe(&diffs)
        ));
    }
    // A scalar or list that really differs from what was created must show.
    let scalar = matches!(attr.shape, Shape::Scalar(_) | Shape::List(_));
    if scalar && diffs.is_empty() {
        if let (Some(old), Some(new)) = (desired.get(attr.name), desired2.get(attr.name)) {
            if !satisfies(attr, new, Some(old)) {
                return Err(format!(
                    "changing `{}` from {old:?} to {new:?} plans nothing",
                    attr.name
                ));
            }
        }
    }
    if diffs.is_empty() {
        return Ok(());
    }
    // What the engine hands the update: every attribute the diff found.
    let changed: Vec<String> = diffs.iter().map(|d| d.name.clone()).collect();
    let updated = p
        .update(&ctx, &created.id, &live, &desired2, &changed)
        .await
        .map_err(|e| {
            format!(
                "update `{}` to {:?}: {e:?}",
                attr.name,
                desired2.get(attr.name)
            )
        })?;
    let read = p
        .read(&ctx, &updated.id)
        .await
        .map_err(|e| format!("read after update: {e:?}"))?
        .ok_or("updated, then read as gone")?;
    let live = as_state(schema, &read.attrs, &desired2);
    let diffs = diff_attributes(schema, &desired2, &live, &[]);
    if !diffs.is_empty() {
        return Err(format!(
            "a plan right after the update of `{}` shows changes:{}",
            attr.name,
            describe(&diffs)
        ));
    }
    Ok(())
}

fn cases_per_type() -> u32 {
    std::env::var("ECO_FIDELITY_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(8)
}

fn attrs(entries: &[(&str, Value)]) -> Attrs {
    eco_provider::values::attrs(entries)
}

const POLICY_A: &str = r#"{"Version":"2012-10-17","Statement":[{"Sid":"a","Effect":"Allow","Principal":{"Service":"events.amazonaws.com"},"Action":"sqs:SendMessage","Resource":"*"}]}"#;
/// The same document as a person writes it: other key order, lists for single values.
const POLICY_A_REWRITTEN: &str = r#"{ "Statement": [ { "Resource": ["*"], "Action": ["sqs:SendMessage"],
  "Principal": { "Service": ["events.amazonaws.com"] }, "Effect": "Allow", "Sid": "a" } ], "Version": "2012-10-17" }"#;
const POLICY_B: &str = r#"{"Version":"2012-10-17","Statement":[{"Sid":"b","Effect":"Allow","Principal":{"Service":"sns.amazonaws.com"},"Action":"sqs:SendMessage","Resource":"*"}]}"#;

fn policies() -> Gen {
    Gen::Pick(vec![s(POLICY_A), s(POLICY_A_REWRITTEN), s(POLICY_B)])
}

/// Resources the cases refer to, made once.
struct Setup {
    role_arn: String,
    pool_id: String,
    queue_arn: String,
    topic_arn: String,
}

async fn setup(env: &Env) -> Setup {
    let role = env.providers["iam-role"]
        .create(
            &OpContext::new("iam-role.setup", "fidelity", "dev"),
            &attrs(&[
                ("name", s("fidelity-setup")),
                ("assume-service", list(&["lambda.amazonaws.com"])),
            ]),
            "setup",
        )
        .await
        .expect("setup role");
    let pool = env.providers["cognito-user-pool"]
        .create(
            &OpContext::new("cognito-user-pool.setup", "fidelity", "dev"),
            &attrs(&[
                ("name", s("fidelity-setup")),
                ("deletion-protection", Value::Bool(false)),
            ]),
            "setup",
        )
        .await
        .expect("setup pool");
    let queue = env.providers["sqs-queue"]
        .create(
            &OpContext::new("sqs-queue.setup", "fidelity", "dev"),
            &attrs(&[("name", s("fidelity-setup"))]),
            "setup",
        )
        .await
        .expect("setup queue");
    let topic = env.providers["sns-topic"]
        .create(
            &OpContext::new("sns-topic.setup", "fidelity", "dev"),
            &attrs(&[("name", s("fidelity-setup"))]),
            "setup",
        )
        .await
        .expect("setup topic");
    Setup {
        topic_arn: topic.attrs["arn"].as_str().unwrap().to_string(),
        role_arn: role.attrs["arn"].as_str().unwrap().to_string(),
        pool_id: pool.id,
        queue_arn: queue.attrs["arn"].as_str().unwrap().to_string(),
    }
}

fn type_cases(set: &Setup) -> Vec<TypeCase> {
    let role = set.role_arn.clone();
    let pool = set.pool_id.clone();
    let queue = set.queue_arn.clone();
    vec![
        TypeCase {
            type_name: "sqs-queue",
            base: Box::new(|n| attrs(&[("name", s(&format!("rt-queue-{n}")))])),
            gens: vec![
                // A FIFO queue needs a `.fifo` name: the standard tests cover it.
                ("fifo", Gen::Skip),
                ("content-based-deduplication", Gen::Skip),
                ("kms-key", Gen::Skip),
                // moto's SetQueueAttributes drops the policy when the call does not carry it
                // (AWS keeps it): tests/sqs_queue.rs covers the policy.
                ("policy", Gen::Skip),
                ("redrive.dead-letter-arn", Gen::Pick(vec![s(&queue)])),
            ],
        },
        TypeCase {
            type_name: "sns-topic",
            base: Box::new(|n| attrs(&[("name", s(&format!("rt-topic-{n}")))])),
            gens: vec![
                ("fifo", Gen::Skip),
                ("content-based-deduplication", Gen::Skip),
                ("kms-key", Gen::Skip),
                ("display-name", Gen::Text),
                ("policy", Gen::Skip),
                ("delivery-policy", Gen::Skip),
            ],
        },
        TypeCase {
            type_name: "log-group",
            base: Box::new(|n| attrs(&[("name", s(&format!("/rt/group-{n}")))])),
            gens: vec![("kms-key-id", Gen::Skip)],
        },
        TypeCase {
            type_name: "ssm-parameter",
            base: Box::new(|n| {
                attrs(&[
                    ("name", s(&format!("/rt/param-{n}"))),
                    ("type", s("String")),
                    ("value", s("v")),
                ])
            }),
            gens: vec![
                ("type", Gen::Pick(vec![s("String"), s("StringList")])),
                ("description", Gen::Text),
                ("key-id", Gen::Skip),
                // Advanced parameters cost money and cannot go back to Standard.
                ("tier", Gen::Pick(vec![s("Standard")])),
            ],
        },
        TypeCase {
            type_name: "secretsmanager-secret",
            base: Box::new(|n| attrs(&[("name", s(&format!("rt/secret-{n}")))])),
            gens: vec![("description", Gen::Text), ("kms-key-id", Gen::Skip)],
        },
        TypeCase {
            type_name: "eventbridge-bus",
            base: Box::new(|n| attrs(&[("name", s(&format!("rt-bus-{n}")))])),
            gens: vec![],
        },
        TypeCase {
            type_name: "eventbridge-rule",
            base: Box::new(|n| {
                attrs(&[
                    ("name", s(&format!("rt-rule-{n}"))),
                    ("schedule-expression", s("rate(5 minutes)")),
                ])
            }),
            gens: vec![
                ("bus", Gen::Skip),
                ("description", Gen::Text),
                (
                    "schedule-expression",
                    Gen::Pick(vec![s("rate(5 minutes)"), s("cron(0 3 * * ? *)")]),
                ),
                ("event-pattern", Gen::Skip),
                ("state", Gen::Pick(vec![s("ENABLED"), s("DISABLED")])),
            ],
        },
        TypeCase {
            type_name: "route53-zone",
            base: Box::new(|n| attrs(&[("name", s(&format!("z{n}.example.com")))])),
            gens: vec![
                // The spellings Route53 answers in lower case without the trailing dot.
                (
                    "name",
                    Gen::Pick(vec![
                        s("rt.example.com"),
                        s("rt.example.com."),
                        s("RT.Example.com."),
                    ]),
                ),
                ("comment", Gen::Text),
                ("delegation-set", Gen::Skip),
            ],
        },
        TypeCase {
            type_name: "iam-role",
            base: Box::new(|n| {
                attrs(&[
                    ("name", s(&format!("rt-role-{n}"))),
                    ("assume-service", list(&["lambda.amazonaws.com"])),
                ])
            }),
            gens: vec![
                ("path", Gen::Pick(vec![s("/"), s("/rt/")])),
                ("description", Gen::Text),
                (
                    "assume-service",
                    Gen::Pick(vec![
                        list(&["lambda.amazonaws.com"]),
                        list(&["lambda.amazonaws.com", "scheduler.amazonaws.com"]),
                    ]),
                ),
                ("assume-policy", Gen::Skip),
                (
                    "managed-policy",
                    Gen::Pick(vec![
                        list(&["arn:aws:iam::aws:policy/ReadOnlyAccess"]),
                        list(&[
                            "arn:aws:iam::aws:policy/ReadOnlyAccess",
                            "arn:aws:iam::aws:policy/AWSLambdaExecute",
                        ]),
                    ]),
                ),
                // moto's UpdateRole resets it to 3600 when the call leaves it out (AWS keeps it).
                ("max-session-duration", Gen::Skip),
                ("permissions-boundary", Gen::Skip),
            ],
        },
        TypeCase {
            type_name: "iam-policy",
            base: Box::new(|n| {
                attrs(&[
                    ("name", s(&format!("rt-policy-{n}"))),
                    ("document", s(POLICY_A)),
                ])
            }),
            gens: vec![
                ("path", Gen::Pick(vec![s("/"), s("/rt/")])),
                ("description", Gen::Text),
                ("document", policies()),
            ],
        },
        TypeCase {
            type_name: "dynamodb-table",
            base: Box::new(|n| {
                attrs(&[
                    ("name", s(&format!("rt-table-{n}"))),
                    ("hash-key", map(&[("name", s("pk")), ("type", s("S"))])),
                ])
            }),
            gens: vec![
                ("hash-key", Gen::Skip),
                ("range-key", Gen::Skip),
                // Capacities go with PROVISIONED: the standard tests cover that pairing.
                ("billing-mode", Gen::Pick(vec![s("PAY_PER_REQUEST")])),
                ("ttl", Gen::Pick(vec![s("expires"), s("ttl")])),
                ("kms-key", Gen::Skip),
                // moto has no table classes.
                ("table-class", Gen::Skip),
                // moto never forgets a disabled stream, so it refuses to enable another (AWS
                // allows it): one view type, enabled or left out.
                ("stream-view-type", Gen::Pick(vec![s("NEW_AND_OLD_IMAGES")])),
                // Left on, the table could not be deleted; its own test covers it.
                ("deletion-protection", Gen::Skip),
            ],
        },
        TypeCase {
            type_name: "s3-bucket",
            base: Box::new(|n| attrs(&[("name", s(&format!("rt-bucket-{n}")))])),
            gens: vec![
                // A website needs its index (or a redirect): `website {}` passes eco validate but
                // apply refuses it (a rule inside a block, which Schema rules cannot state yet).
                (
                    "website",
                    Gen::Pick(vec![
                        map(&[("index", s("index.html"))]),
                        map(&[("index", s("index.html")), ("error", s("404.html"))]),
                    ]),
                ),
                ("policy", Gen::Skip),
                ("encryption.kms-key", Gen::Skip),
                ("encryption.algorithm", Gen::Pick(vec![s("AES256")])),
            ],
        },
        TypeCase {
            type_name: "cognito-user-pool",
            base: Box::new(|n| {
                attrs(&[
                    ("name", s(&format!("rt-pool-{n}"))),
                    ("deletion-protection", Value::Bool(false)),
                ])
            }),
            gens: vec![
                ("name", Gen::Skip),
                ("deletion-protection", Gen::Skip),
                // moto's UpdateUserPool drops what UpdateUserPool cannot carry (username and
                // alias attributes, case sensitivity; AWS keeps them): tests/cognito.rs.
                ("username-attributes", Gen::Skip),
                ("alias-attributes", Gen::Skip),
                ("case-sensitive", Gen::Skip),
                ("auto-verify", Gen::Pick(vec![list(&["email"])])),
                ("email.source-arn", Gen::Skip),
                (
                    "email.sending-account",
                    Gen::Pick(vec![s("COGNITO_DEFAULT")]),
                ),
                ("email.from", Gen::Skip),
                ("email.reply-to", Gen::Skip),
                ("email.configuration-set", Gen::Skip),
                ("sms", Gen::Skip),
                ("mfa", Gen::Skip),
                ("lambda-triggers", Gen::Skip),
                ("verification-message", Gen::Skip),
                ("admin-create-user.invite-email-subject", Gen::Text),
            ],
        },
        TypeCase {
            type_name: "cognito-user-pool-client",
            base: Box::new(move |n| {
                attrs(&[
                    ("user-pool", s(&pool)),
                    ("name", s(&format!("rt-client-{n}"))),
                ])
            }),
            gens: vec![
                ("user-pool", Gen::Skip),
                // The base's name, unique per case: a create finds a client of the pool by name.
                ("name", Gen::Skip),
                (
                    "allowed-oauth-scopes",
                    Gen::Pick(vec![list(&["openid", "email"]), list(&["openid"])]),
                ),
                (
                    "callback-urls",
                    Gen::Pick(vec![list(&["https://a.example.com/cb"])]),
                ),
                (
                    "logout-urls",
                    Gen::Pick(vec![list(&["https://a.example.com/out"])]),
                ),
                ("default-redirect-uri", Gen::Skip),
                ("identity-providers", Gen::Pick(vec![list(&["COGNITO"])])),
                (
                    "read-attributes",
                    Gen::Pick(vec![list(&["email"]), list(&["email", "name"])]),
                ),
                ("write-attributes", Gen::Pick(vec![list(&["name"])])),
                (
                    "token-validity.access",
                    Gen::Pick(vec![Value::Int(1), Value::Int(2)]),
                ),
                (
                    "token-validity.id",
                    Gen::Pick(vec![Value::Int(1), Value::Int(3)]),
                ),
                (
                    "token-validity.refresh",
                    Gen::Pick(vec![Value::Int(5), Value::Int(30)]),
                ),
                ("token-validity.access-unit", Gen::Pick(vec![s("hours")])),
                ("token-validity.id-unit", Gen::Pick(vec![s("hours")])),
                ("token-validity.refresh-unit", Gen::Pick(vec![s("days")])),
            ],
        },
        TypeCase {
            type_name: "cognito-group",
            base: Box::new({
                let pool = set.pool_id.clone();
                move |n| {
                    attrs(&[
                        ("user-pool", s(&pool)),
                        ("name", s(&format!("rt-group-{n}"))),
                    ])
                }
            }),
            gens: vec![
                ("user-pool", Gen::Skip),
                ("description", Gen::Text),
                ("role", Gen::Pick(vec![s(&set.role_arn)])),
            ],
        },
        TypeCase {
            type_name: "api",
            base: Box::new(|n| attrs(&[("name", s(&format!("rt-api-{n}")))])),
            gens: vec![
                ("name", Gen::Text),
                ("protocol-type", Gen::Pick(vec![s("HTTP")])),
                ("description", Gen::Text),
                (
                    "cors.allow-origins",
                    Gen::Pick(vec![list(&["https://a.example.com"]), list(&["*"])]),
                ),
                (
                    "cors.allow-methods",
                    Gen::Pick(vec![list(&["GET"]), list(&["GET", "POST"])]),
                ),
                (
                    "cors.allow-headers",
                    Gen::Pick(vec![list(&["content-type"])]),
                ),
                ("cors.expose-headers", Gen::Skip),
                ("cors.allow-credentials", Gen::Skip),
                ("route-selection-expression", Gen::Skip),
            ],
        },
        TypeCase {
            type_name: "cloudfront-distribution",
            base: Box::new(|_| {
                attrs(&[
                    (
                        "origin",
                        Value::List(vec![map(&[
                            ("id", s("site")),
                            ("domain-name", s("rt-site.s3.us-east-1.amazonaws.com")),
                        ])]),
                    ),
                    (
                        "default-cache-behavior",
                        map(&[("target-origin", s("site"))]),
                    ),
                    ("wait-for-deployment", Value::Bool(false)),
                ])
            }),
            gens: vec![
                ("comment", Gen::Text),
                ("aliases", Gen::Skip),
                ("certificate", Gen::Skip),
                ("minimum-protocol-version", Gen::Skip),
                ("web-acl", Gen::Skip),
                ("logging", Gen::Skip),
                ("default-root-object", Gen::Pick(vec![s("index.html")])),
                (
                    "default-cache-behavior.target-origin",
                    Gen::Pick(vec![s("site")]),
                ),
                (
                    "default-cache-behavior.allowed-methods",
                    Gen::Pick(vec![
                        list(&["GET", "HEAD"]),
                        list(&["HEAD", "GET"]),
                        list(&["GET", "HEAD", "OPTIONS"]),
                    ]),
                ),
                ("default-cache-behavior.cached-methods", Gen::Skip),
                ("default-cache-behavior.cache-policy", Gen::Skip),
                ("default-cache-behavior.origin-request-policy", Gen::Skip),
                ("default-cache-behavior.response-headers-policy", Gen::Skip),
                (
                    "geo-restriction",
                    Gen::Pick(vec![
                        map(&[("type", s("none"))]),
                        map(&[("type", s("whitelist")), ("locations", list(&["DE", "FR"]))]),
                        map(&[("type", s("blacklist")), ("locations", list(&["US"]))]),
                    ]),
                ),
                (
                    "cache-behavior",
                    Gen::Pick(vec![
                        Value::List(vec![]),
                        Value::List(vec![map(&[
                            ("path-pattern", s("/api/*")),
                            ("target-origin", s("site")),
                        ])]),
                        Value::List(vec![
                            map(&[
                                ("path-pattern", s("/api/v2/*")),
                                ("target-origin", s("site")),
                            ]),
                            map(&[("path-pattern", s("/api/*")), ("target-origin", s("site"))]),
                        ]),
                        Value::List(vec![
                            map(&[("path-pattern", s("/api/*")), ("target-origin", s("site"))]),
                            map(&[
                                ("path-pattern", s("/api/v2/*")),
                                ("target-origin", s("site")),
                            ]),
                        ]),
                    ]),
                ),
                (
                    "custom-error-response",
                    Gen::Pick(vec![Value::List(vec![map(&[
                        ("error-code", s("404")),
                        ("response-code", Value::Int(200)),
                        ("response-page", s("/index.html")),
                    ])])]),
                ),
            ],
        },
        TypeCase {
            type_name: "scheduler-schedule",
            base: Box::new({
                let (queue, role) = (set.queue_arn.clone(), set.role_arn.clone());
                move |n| {
                    attrs(&[
                        ("name", s(&format!("rt-schedule-{n}"))),
                        ("schedule-expression", s("rate(5 minutes)")),
                        ("target", map(&[("arn", s(&queue)), ("role-arn", s(&role))])),
                    ])
                }
            }),
            gens: vec![
                (
                    "schedule-expression",
                    Gen::Pick(vec![s("rate(5 minutes)"), s("cron(0 3 * * ? *)")]),
                ),
                (
                    "schedule-expression-timezone",
                    Gen::Pick(vec![s("UTC"), s("Europe/Paris")]),
                ),
                // FLEXIBLE goes with its minutes (a rule eco validate checks).
                ("flexible-time-window", Gen::Pick(vec![s("OFF")])),
                ("maximum-window-minutes", Gen::Skip),
                (
                    "start-date",
                    Gen::Pick(vec![
                        s("2030-01-01T00:00:00Z"),
                        s("2030-01-01T00:00:00.000Z"),
                    ]),
                ),
                ("end-date", Gen::Pick(vec![s("2031-06-01T12:30:00Z")])),
                ("description", Gen::Text),
                ("target.arn", Gen::Pick(vec![s(&set.queue_arn)])),
                ("target.role-arn", Gen::Pick(vec![s(&set.role_arn)])),
                ("target.input", Gen::Pick(vec![s(r#"{"job":"nightly"}"#)])),
                ("target.dead-letter-arn", Gen::Pick(vec![s(&set.queue_arn)])),
            ],
        },
        TypeCase {
            type_name: "sns-subscription",
            base: Box::new({
                let topic = set.topic_arn.clone();
                move |n| {
                    attrs(&[
                        ("topic-arn", s(&topic)),
                        ("protocol", s("sqs")),
                        (
                            "endpoint",
                            s(&format!("arn:aws:sqs:us-east-1:123456789012:rt-sub-{n}")),
                        ),
                    ])
                }
            }),
            gens: vec![
                ("topic-arn", Gen::Skip),
                ("protocol", Gen::Skip),
                ("endpoint", Gen::Skip),
                (
                    "filter-policy",
                    Gen::Pick(vec![
                        s(r#"{"kind":["order"],"size":[{"numeric":[">",10]}]}"#),
                        s(r#"{ "size": [ { "numeric": [ ">", 10 ] } ], "kind": [ "order" ] }"#),
                        s(r#"{"kind":["refund"]}"#),
                    ]),
                ),
                ("dead-letter-arn", Gen::Pick(vec![s(&set.queue_arn)])),
                ("subscription-role-arn", Gen::Skip),
            ],
        },
        TypeCase {
            type_name: "acm-certificate",
            base: Box::new(|_| attrs(&[("domain-name", s("rt.example.com"))])),
            gens: vec![
                (
                    "alternative-names",
                    Gen::Pick(vec![
                        list(&["www.rt.example.com"]),
                        // The primary name repeated, as Terraform users write it, and a name
                        // repeated in another case.
                        list(&["rt.example.com", "www.rt.example.com"]),
                        list(&["WWW.rt.example.com", "www.rt.example.com"]),
                    ]),
                ),
                ("region", Gen::Skip),
                // moto's RequestCertificate ignores the key algorithm (always RSA_2048).
                ("key-algorithm", Gen::Skip),
                // Publishing validation records waits for issuance: tests/acm_certificate.rs.
                ("validation-zone", Gen::Skip),
            ],
        },
        TypeCase {
            type_name: "rest-api",
            base: Box::new(|n| attrs(&[("name", s(&format!("rt-rest-{n}")))])),
            gens: vec![
                ("name", Gen::Text),
                ("description", Gen::Text),
                // moto's UpdateRestApi has no patch path for either.
                ("minimum-compression-size", Gen::Skip),
                ("disable-execute-api-endpoint", Gen::Skip),
                // moto's API Gateway has no TagResource: tests/rest_api.rs.
                ("tags", Gen::Skip),
            ],
        },
        TypeCase {
            type_name: "lambda-function",
            base: Box::new(move |n| {
                attrs(&[
                    ("name", s(&format!("rt-fn-{n}"))),
                    ("runtime", s("nodejs20.x")),
                    ("handler", s("index.handler")),
                    ("source", s("src")),
                    ("role", s(&role)),
                ])
            }),
            gens: vec![
                ("description", Gen::Text),
                ("runtime", Gen::Pick(vec![s("nodejs20.x"), s("python3.12")])),
                (
                    "handler",
                    Gen::Pick(vec![s("index.handler"), s("main.handler")]),
                ),
                ("source", Gen::Skip),
                ("code-bucket", Gen::Skip),
                ("role", Gen::Skip),
                ("memory", Gen::Pick(vec![Value::Int(128), Value::Int(1024)])),
                ("timeout", Gen::Pick(vec![Value::Int(3), Value::Int(900)])),
                ("layers", Gen::Skip),
                // CreateFunction takes exactly one (eco validate does not refuse two yet), and
                // moto's UpdateFunctionCode ignores a new one: tests/serverless.rs.
                ("architectures", Gen::Skip),
                ("reserved-concurrency", Gen::Skip),
                // moto's UpdateFunctionConfiguration ignores both (AWS applies them).
                ("ephemeral-storage", Gen::Skip),
                ("tracing", Gen::Skip),
                ("vpc", Gen::Skip),
                // moto's functions have no dead-letter configuration: tests/serverless.rs
                // unit-tests the request.
                ("dead-letter", Gen::Skip),
                // moto keeps no LoggingConfig (unit-tested in lambda_function/tests.rs).
                ("logging", Gen::Skip),
                ("alias", Gen::Skip),
            ],
        },
    ]
}

fn run_type(rt: &tokio::runtime::Runtime, env: &Env, case: &TypeCase) -> Result<u32, String> {
    let schema = env.providers[case.type_name].schema();
    let strategy = (
        config_strategy(case, schema),
        config_strategy(case, schema),
        any::<usize>(),
    );
    let mut runner = TestRunner::new(Config {
        cases: cases_per_type(),
        failure_persistence: None,
        max_shrink_iters: 16,
        ..Config::default()
    });
    let ran = AtomicUsize::new(0);
    let result = runner.run(&strategy, |(a, b, pick)| {
        ran.fetch_add(1, Ordering::SeqCst);
        rt.block_on(round_trip(env, case, schema, &a, &b, pick))
            .map_err(TestCaseError::fail)
    });
    match result {
        Ok(()) => Ok(ran.load(Ordering::SeqCst) as u32),
        Err(e) => Err(format!("{}: {e}", case.type_name)),
    }
}

#[test]
fn every_type_round_trips_through_moto() {
    let moto = Moto::start();
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    let aws = Aws::for_endpoint(&moto.endpoint(), "us-east-1");
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("src")).unwrap();
    for file in ["index.js", "main.js"] {
        std::fs::write(
            dir.path().join("src").join(file),
            "exports.handler = async () => 'ok';\n",
        )
        .unwrap();
    }
    for file in ["index.py", "main.py"] {
        std::fs::write(
            dir.path().join("src").join(file),
            "def handler(event, context):\n    return 'ok'\n",
        )
        .unwrap();
    }
    let env = Env {
        providers: eco_aws::resources::providers(&aws).into_iter().collect(),
        dir: dir.path().to_path_buf(),
        next: AtomicUsize::new(0),
    };
    let set = rt.block_on(setup(&env));
    let only: Option<Vec<String>> = std::env::var("ECO_FIDELITY_TYPES")
        .ok()
        .map(|v| v.split(',').map(|t| t.trim().to_string()).collect());
    let mut failures = Vec::new();
    let mut total = 0;
    for case in type_cases(&set) {
        if only
            .as_ref()
            .is_some_and(|o| !o.iter().any(|t| t == case.type_name))
        {
            continue;
        }
        let started = std::time::Instant::now();
        match run_type(&rt, &env, &case) {
            Ok(n) => {
                total += n;
                eprintln!(
                    "{}: {n} cases round-trip ({:.1?})",
                    case.type_name,
                    started.elapsed()
                );
            }
            Err(e) => failures.push(e),
        }
    }
    eprintln!("{total} cases in all");
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

#[test]
fn every_type_is_covered_or_says_why_not() {
    let covered: Vec<&str> = type_cases(&Setup {
        role_arn: String::new(),
        pool_id: String::new(),
        queue_arn: String::new(),
        topic_arn: String::new(),
    })
    .iter()
    .map(|c| c.type_name)
    .collect();
    for t in TYPES {
        let listed = NOT_COVERED.iter().any(|(n, _)| *n == t.name);
        assert!(
            covered.contains(&t.name) ^ listed,
            "{}: give it a round-trip case or a reason in NOT_COVERED (not both)",
            t.name
        );
    }
}

/// What AWS counts on its own (items, bytes, messages, users) and the answers it changes by
/// itself (a status, an ETag) are computed attributes: never compared with the configuration,
/// and never drift (the planner leaves computed attributes out of drift; e2e
/// `fidelity::aws_side_counters_are_never_drift` proves it with real counts).
#[test]
fn aws_side_counters_are_computed() {
    const AWS_SIDE: &[&str] = &[
        "item-count",
        "size-bytes",
        "stored-bytes",
        "approximate-messages",
        "estimated-users",
        "object-count",
        "etag",
        "status",
    ];
    let mut seen = Vec::new();
    for schema in eco_aws::resources::all() {
        for a in schema
            .attributes
            .iter()
            .filter(|a| AWS_SIDE.contains(&a.name))
        {
            assert!(
                a.computed,
                "{}.{} changes on AWS's side: make it computed",
                schema.type_name, a.name
            );
            seen.push(format!("{}.{}", schema.type_name, a.name));
        }
    }
    for counter in [
        "dynamodb-table.item-count",
        "sqs-queue.approximate-messages",
        "cognito-user-pool.estimated-users",
        "log-group.stored-bytes",
    ] {
        assert!(
            seen.iter().any(|s| s == counter),
            "{counter} is read: {seen:?}"
        );
    }
}
