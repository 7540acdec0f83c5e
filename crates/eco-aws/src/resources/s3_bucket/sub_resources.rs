//! The bucket's sub-resources: one entry per attribute S3 configures with its own Get / Put /
//! Delete calls, in the order `create` and `update` apply them. Read, create, update and delete
//! loop over [`SUB_RESOURCES`]; the conversions between attribute values and SDK types it calls
//! are pure and live in `conversions.rs`.

use std::future::Future;
use std::pin::Pin;

use aws_sdk_s3::error::ProvideErrorMetadata;
use aws_sdk_s3::types::{
    BucketLifecycleConfiguration, BucketVersioningStatus, CorsConfiguration,
    NotificationConfiguration, Tagging,
};
use aws_sdk_s3::Client;
use aws_smithy_runtime_api::client::orchestrator::HttpResponse;
use aws_smithy_runtime_api::client::result::SdkError;
use eco_provider::{Attrs, ErrorKind, OpError, Value};

use super::conversions::*;
use super::present;
use crate::attrs::s;
use crate::aws::{error_code, op_error};
use crate::tags::tags_value;

/// What the SDK's errors are (the bounds [`op_error`] and [`error_code`] need).
trait SdkErr: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static {}
impl<E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static> SdkErr for E {}

type Fut<T> = Pin<Box<dyn Future<Output = Result<T, OpError>> + Send>>;

/// A Get* call's answer: the configuration, "not configured", or "the bucket is gone".
pub(super) enum Got<T> {
    Some(T),
    Absent,
    Gone,
}

/// One sub-resource of a bucket: the attribute that holds it and its calls.
pub(super) struct SubResource {
    pub attr: &'static str,
    /// Reads the attribute's value (`Absent` when nothing is configured).
    pub get: fn(Client, String) -> Fut<Got<Value>>,
    /// Whether a set value configures something (`false`: the sub-resource is removed),
    /// checked by building its request (no call).
    pub wanted: fn(&Value) -> Result<bool, OpError>,
    /// Puts a wanted value.
    pub put: fn(Client, String, Value) -> Fut<()>,
    /// Removes the configuration (never called on a bucket just created).
    pub delete: fn(Client, String) -> Fut<()>,
}

/// A table entry: the attribute; its Get* call, the error codes that mean "not configured" and
/// the value of an answer (none: not configured); its Put* call, the request's setter, how the
/// attribute's value becomes the request and whether a request configures anything; its Delete*.
macro_rules! sub_resource {
    ($attr:literal,
     get: $get:ident $get_op:literal $absent:expr, $value:expr;
     put: $put:ident $put_op:literal . $set:ident($to_sdk:expr) if $configures:expr;
     delete: $delete:ident $delete_op:literal) => {
        SubResource {
            attr: $attr,
            get: |s3, b| read($get_op, $absent, s3.$get().bucket(b).send(), $value),
            wanted: |v| $to_sdk(v).map(|r| $configures(&r)),
            put: |s3, b, v| {
                then($to_sdk(&v), |r| {
                    call($put_op, s3.$put().bucket(b).$set(r).send())
                })
            },
            delete: |s3, b| call($delete_op, s3.$delete().bucket(b).send()),
        }
    };
}

/// Every sub-resource, in the order `create` and `update` apply them: tags first (ownership as
/// early as possible); the public access block and the policy are ordered at run time (see
/// [`policy_before_public_access_block`]).
#[rustfmt::skip]
pub(super) const SUB_RESOURCES: &[SubResource] = &[
    sub_resource!("tags",
        get: get_bucket_tagging "GetBucketTagging" &["NoSuchTagSet"],
            |t| Some(tags_value(&tags_from_sdk(t.tag_set())));
        put: put_bucket_tagging "PutBucketTagging" .tagging(tags_to_tagging)
            if |t: &Tagging| !t.tag_set().is_empty();
        delete: delete_bucket_tagging "DeleteBucketTagging"),
    sub_resource!("object-ownership",
        get: get_bucket_ownership_controls "GetBucketOwnershipControls"
            &["OwnershipControlsNotFoundError"],
            |o| o.ownership_controls()?.rules().first().map(|r| s(r.object_ownership().as_str()));
        put: put_bucket_ownership_controls "PutBucketOwnershipControls"
            .ownership_controls(ownership_to_sdk) if |_| true;
        delete: delete_bucket_ownership_controls "DeleteBucketOwnershipControls"),
    // Removal suspends (S3 cannot un-version); a new bucket is unversioned, so #false needs no
    // call there.
    SubResource {
        attr: "versioning",
        get: |s3, b| Box::pin(async move {
            let status = match s3.get_bucket_versioning().bucket(b).send().await {
                Err(err) if misrooted_versioning(&err).is_some() => misrooted_versioning(&err).flatten(),
                other => match got("GetBucketVersioning", &[], other)? {
                    Got::Gone => return Ok(Got::Gone),
                    Got::Some(v) => v.status().cloned(),
                    Got::Absent => None,
                },
            };
            Ok(Got::Some(Value::Bool(versioning_from_sdk(status.as_ref()))))
        }),
        wanted: |v| parse("PutBucketVersioning", "versioning", v),
        put: |s3, b, _| put_versioning(s3, b, true),
        delete: |s3, b| put_versioning(s3, b, false),
    },
    sub_resource!("public-access-block",
        get: get_public_access_block "GetPublicAccessBlock" &["NoSuchPublicAccessBlockConfiguration"],
            |p| p.public_access_block_configuration().map(pab_from_sdk);
        put: put_public_access_block "PutPublicAccessBlock"
            .public_access_block_configuration(pab_to_sdk) if |_| true;
        delete: delete_public_access_block "DeletePublicAccessBlock"),
    sub_resource!("policy",
        get: get_bucket_policy "GetBucketPolicy" &["NoSuchBucketPolicy"], |p| p.policy().map(s);
        put: put_bucket_policy "PutBucketPolicy" .policy(policy_to_sdk) if |_| true;
        delete: delete_bucket_policy "DeleteBucketPolicy"),
    sub_resource!("website",
        get: get_bucket_website "GetBucketWebsite" &["NoSuchWebsiteConfiguration"],
            |w| website_from_sdk(w.index_document(), w.error_document(), w.redirect_all_requests_to());
        put: put_bucket_website "PutBucketWebsite" .website_configuration(website_to_sdk) if |_| true;
        delete: delete_bucket_website "DeleteBucketWebsite"),
    sub_resource!("cors",
        get: get_bucket_cors "GetBucketCors" &["NoSuchCORSConfiguration"],
            |c| (!c.cors_rules().is_empty()).then(|| cors_from_sdk(c.cors_rules()));
        put: put_bucket_cors "PutBucketCors" .cors_configuration(cors_to_sdk)
            if |c: &CorsConfiguration| !c.cors_rules().is_empty();
        delete: delete_bucket_cors "DeleteBucketCors"),
    // Removal: AWS falls back to its default (SSE-S3).
    sub_resource!("encryption",
        get: get_bucket_encryption "GetBucketEncryption"
            &["ServerSideEncryptionConfigurationNotFoundError"],
            |e| e.server_side_encryption_configuration().and_then(encryption_from_sdk);
        put: put_bucket_encryption "PutBucketEncryption"
            .server_side_encryption_configuration(encryption_to_sdk) if |_| true;
        delete: delete_bucket_encryption "DeleteBucketEncryption"),
    sub_resource!("lifecycle-rule",
        get: get_bucket_lifecycle_configuration "GetBucketLifecycleConfiguration"
            &["NoSuchLifecycleConfiguration"],
            |l| (!l.rules().is_empty()).then(|| lifecycle_from_sdk(l.rules()));
        put: put_bucket_lifecycle_configuration "PutBucketLifecycleConfiguration"
            .lifecycle_configuration(lifecycle_to_sdk)
            if |l: &BucketLifecycleConfiguration| !l.rules().is_empty();
        delete: delete_bucket_lifecycle "DeleteBucketLifecycle"),
    // Removal: S3 has no Delete call; an empty configuration removes every notification.
    SubResource {
        attr: "notification",
        get: |s3, b| Box::pin(async move {
            const OP: &str = "GetBucketNotificationConfiguration";
            let answer = s3.get_bucket_notification_configuration().bucket(b).send().await;
            let n = match answer {
                Err(err) if misrooted_empty_notifications(&err) => return Ok(Got::Absent),
                other => match got(OP, &[], other)? {
                    Got::Some(n) => n,
                    Got::Absent => return Ok(Got::Absent),
                    Got::Gone => return Ok(Got::Gone),
                },
            };
            let value = notifications_from_sdk(
                n.lambda_function_configurations(),
                n.queue_configurations(),
                n.topic_configurations(),
            );
            Ok(value.map_or(Got::Absent, Got::Some))
        }),
        wanted: |v| notifications_to_sdk(v).map(|n| configures_notifications(&n)),
        put: |s3, b, v| then(notifications_to_sdk(&v), |n| {
            let req = s3.put_bucket_notification_configuration().bucket(b);
            call("PutBucketNotificationConfiguration", req.notification_configuration(n).send())
        }),
        delete: |s3, b| {
            let req = s3.put_bucket_notification_configuration().bucket(b);
            let none = NotificationConfiguration::builder().build();
            call("PutBucketNotificationConfiguration", req.notification_configuration(none).send())
        },
    },
];

/// Reads the sub-resources of bucket `name` whose attribute `wanted` accepts, concurrently; the
/// answers in table order (`Absent` for those not read).
pub(super) async fn get_all(
    s3: &Client,
    name: &str,
    wanted: &(dyn Fn(&str) -> bool + Sync),
) -> Result<Vec<Got<Value>>, OpError> {
    let mut tasks = tokio::task::JoinSet::new();
    let mut answers: Vec<Option<Result<Got<Value>, OpError>>> =
        SUB_RESOURCES.iter().map(|_| None).collect();
    for (i, sub) in SUB_RESOURCES.iter().enumerate() {
        if !wanted(sub.attr) {
            answers[i] = Some(Ok(Got::Absent));
            continue;
        }
        let get = (sub.get)(s3.clone(), name.to_string());
        tasks.spawn(async move { (i, get.await) });
    }
    while let Some(joined) = tasks.join_next().await {
        let (i, answer) = joined.map_err(|e| {
            OpError::new("HeadBucket", ErrorKind::Other, format!("task failed: {e}"))
        })?;
        answers[i] = Some(answer);
    }
    answers.into_iter().flatten().collect()
}

/// The result of a Get* `call`: the value `value` makes of its answer (none is `Absent`).
fn read<T: Send + 'static, E: SdkErr, R>(
    op: &'static str,
    absent_codes: &'static [&'static str],
    call: impl Future<Output = Result<T, SdkError<E, R>>> + Send + 'static,
    value: fn(T) -> Option<Value>,
) -> Fut<Got<Value>>
where
    R: std::fmt::Debug + Send + Sync + 'static,
{
    Box::pin(async move {
        Ok(match got(op, absent_codes, call.await)? {
            Got::Some(out) => value(out).map_or(Got::Absent, Got::Some),
            Got::Absent => Got::Absent,
            Got::Gone => Got::Gone,
        })
    })
}

/// A Get* answer: `Gone` for NoSuchBucket, `Absent` for one of `absent_codes`.
fn got<T, E: SdkErr, R>(
    operation: &str,
    absent_codes: &[&str],
    result: Result<T, SdkError<E, R>>,
) -> Result<Got<T>, OpError>
where
    R: std::fmt::Debug + Send + Sync + 'static,
{
    match result {
        Ok(v) => Ok(Got::Some(v)),
        Err(err) => match error_code(&err) {
            Some("NoSuchBucket") => Ok(Got::Gone),
            Some(c) if absent_codes.contains(&c) => Ok(Got::Absent),
            _ => Err(op_error(operation, err)),
        },
    }
}

/// A Put* or Delete* `call`, its error an [`OpError`] of `op`.
fn call<T, E: SdkErr, R>(
    op: &'static str,
    call: impl Future<Output = Result<T, SdkError<E, R>>> + Send + 'static,
) -> Fut<()>
where
    R: std::fmt::Debug + Send + Sync + 'static,
{
    Box::pin(async move { call.await.map(|_| ()).map_err(|e| op_error(op, e)) })
}

/// `send` with a request built from the attribute, or the error building it.
fn then<C>(request: Result<C, OpError>, send: impl FnOnce(C) -> Fut<()>) -> Fut<()> {
    match request {
        Ok(c) => send(c),
        Err(e) => Box::pin(std::future::ready(Err(e))),
    }
}

fn put_versioning(s3: Client, bucket: String, on: bool) -> Fut<()> {
    let req = s3.put_bucket_versioning().bucket(bucket);
    call(
        "PutBucketVersioning",
        req.versioning_configuration(versioning_to_sdk(on)).send(),
    )
}

/// Whether the policy goes before the public access block: when the new block refuses public
/// policies, the policy is put while the old block still lets it in; otherwise the block is
/// relaxed (or removed) first so that a public policy is accepted.
pub(super) fn policy_before_public_access_block(desired: &Attrs) -> bool {
    match present(desired, "public-access-block") {
        Some(Value::Map(m)) => m.get("block-public-policy") == Some(&Value::Bool(true)),
        _ => false,
    }
}

/// The status in a GetBucketVersioning answer whose XML root the SDK refused: moto 5.2.5 names
/// it `GetBucketVersioningResponse` instead of AWS's `VersioningConfiguration` (a moto bug; AWS
/// never takes this path). `None` when the error is anything else; `Some(None)` for a bucket
/// that was never versioned.
fn misrooted_versioning<E>(
    err: &SdkError<E, HttpResponse>,
) -> Option<Option<BucketVersioningStatus>> {
    let SdkError::ServiceError(e) = err else {
        return None;
    };
    if e.raw().status().as_u16() != 200 {
        return None;
    }
    versioning_status_from_xml(std::str::from_utf8(e.raw().body().bytes()?).ok()?)
}

/// Whether a GetBucketNotificationConfiguration answer the SDK refused is moto 5.2.5's answer
/// for a bucket without notifications: an empty `<GetBucketNotificationResponse/>` instead of
/// AWS's `<NotificationConfiguration/>` (a moto bug, as [`misrooted_versioning`]; AWS never takes
/// this path).
fn misrooted_empty_notifications<E>(err: &SdkError<E, HttpResponse>) -> bool {
    let SdkError::ServiceError(e) = err else {
        return false;
    };
    let body = e
        .raw()
        .body()
        .bytes()
        .and_then(|b| std::str::from_utf8(b).ok());
    e.raw().status().as_u16() == 200
        && body.is_some_and(|b| {
            b.trim_end().ends_with(
            "<GetBucketNotificationResponse xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\"/>",
        )
        })
}
