//! The bucket's conversions between attribute values and SDK types: pure functions on the
//! typed spec of `spec.rs`, used by the table of `sub_resources.rs` and by the provider.

use std::collections::{BTreeMap, BTreeSet};

use aws_sdk_s3::error::BuildError;
use aws_sdk_s3::types::{
    AbortIncompleteMultipartUpload, BucketLifecycleConfiguration, BucketVersioningStatus,
    CorsConfiguration, CorsRule, ErrorDocument, Event, ExpirationStatus, FilterRule,
    FilterRuleName, IndexDocument, LambdaFunctionConfiguration, LifecycleExpiration, LifecycleRule,
    LifecycleRuleFilter, NoncurrentVersionExpiration, NotificationConfiguration,
    NotificationConfigurationFilter, ObjectOwnership, OwnershipControls, OwnershipControlsRule,
    Protocol, PublicAccessBlockConfiguration, QueueConfiguration, RedirectAllRequestsTo,
    S3KeyFilter, ServerSideEncryption, ServerSideEncryptionByDefault,
    ServerSideEncryptionConfiguration, ServerSideEncryptionRule, Tag, Tagging, TopicConfiguration,
    Transition as SdkTransition, TransitionStorageClass, VersioningConfiguration,
    WebsiteConfiguration,
};
use eco_provider::{OpError, Value};
use eco_schema::spec::{Spec, SpecEnum, SpecItem, SpecValue};

use super::spec::{
    Cors, Encryption, Lifecycle, Notification, Ownership, PublicAccessBlock, SseAlgorithm,
    Transition, Website,
};

/// The typed value of attribute `attr`; a value of the wrong shape is an Invalid error of `op`.
pub(super) fn parse<T: SpecValue>(op: &str, attr: &str, v: &Value) -> Result<T, OpError> {
    T::from_value(v, attr).map_err(|e| OpError::invalid(op, e.to_string()))
}

/// A builder's error as an Invalid error of `op`.
pub(super) fn built(op: &'static str) -> impl Fn(BuildError) -> OpError {
    move |e| OpError::invalid(op, e.to_string())
}

/// A number of days (or seconds) of at least `min` that fits AWS's 32-bit integers.
pub(super) fn int_at_least(
    op: &str,
    what: &str,
    n: Option<i64>,
    min: i64,
) -> Result<Option<i32>, OpError> {
    if let Some(i) = n {
        let fits = i >= min && i <= i64::from(i32::MAX);
        ensure!(
            fits,
            op,
            "`{what}` must be a whole number of at least {min}, not {i}"
        );
    }
    Ok(n.map(|i| i as i32))
}

/// `<Status>` of a `<GetBucketVersioningResponse>` body (see `sub_resources::misrooted_versioning`).
pub(super) fn versioning_status_from_xml(body: &str) -> Option<Option<BucketVersioningStatus>> {
    if !body.contains("<GetBucketVersioningResponse") {
        return None;
    }
    let status = body
        .split_once("<Status>")
        .and_then(|(_, rest)| rest.split_once("</Status>"))
        .map(|(status, _)| BucketVersioningStatus::from(status.trim()));
    Some(status)
}

pub(super) fn versioning_to_sdk(on: bool) -> VersioningConfiguration {
    let status = if on {
        BucketVersioningStatus::Enabled
    } else {
        BucketVersioningStatus::Suspended
    };
    VersioningConfiguration::builder().status(status).build()
}

/// Enabled is on; Suspended and never-versioned (no status) are off.
pub(super) fn versioning_from_sdk(status: Option<&BucketVersioningStatus>) -> bool {
    matches!(status, Some(BucketVersioningStatus::Enabled))
}

pub(super) fn website_to_sdk(v: &Value) -> Result<WebsiteConfiguration, OpError> {
    const OP: &str = "PutBucketWebsite";
    let w: Website = parse(OP, "website", v)?;
    let conf = WebsiteConfiguration::builder();
    match (w.index, w.error, w.redirect_all_to) {
        (None, None, Some(target)) => {
            let (protocol, host) = match target.split_once("://") {
                Some(("https", host)) => (Some(Protocol::Https), host),
                Some(("http", host)) => (Some(Protocol::Http), host),
                Some(_) => (None, ""),
                None => (None, target.as_str()),
            };
            let scheme_ok = protocol.is_some() || !target.contains("://");
            ensure!(scheme_ok, OP, "`website redirect-all-to` takes a host name, optionally after http:// or https://, not `{target}`");
            let host_ok = !host.is_empty() && !host.contains('/');
            ensure!(
                host_ok,
                OP,
                "`website redirect-all-to` must be a host name, not `{target}`"
            );
            let to = RedirectAllRequestsTo::builder().host_name(host);
            let to = to.set_protocol(protocol).build().map_err(built(OP))?;
            Ok(conf.redirect_all_requests_to(to).build())
        }
        (_, _, Some(_)) => Err(OpError::invalid(
            OP,
            "`website redirect-all-to` cannot be combined with `index` or `error`",
        )),
        (None, _, None) => Err(OpError::invalid(
            OP,
            "`website` needs `index` (the index document suffix) or `redirect-all-to`",
        )),
        (Some(index), error, None) => {
            let suffix_ok = !index.is_empty() && !index.contains('/');
            ensure!(
                suffix_ok,
                OP,
                "`website index` is a suffix such as index.html, without a slash, not `{index}`"
            );
            let index = IndexDocument::builder().suffix(index).build();
            let error = error.map(|e| ErrorDocument::builder().key(e).build());
            Ok(conf
                .index_document(index.map_err(built(OP))?)
                .set_error_document(error.transpose().map_err(built(OP))?)
                .build())
        }
    }
}

pub(super) fn website_from_sdk(
    index: Option<&IndexDocument>,
    error: Option<&ErrorDocument>,
    redirect: Option<&RedirectAllRequestsTo>,
) -> Option<Value> {
    let w = Website {
        index: index.map(|i| i.suffix().to_string()),
        error: error.map(|e| e.key().to_string()),
        redirect_all_to: redirect.map(|r| match r.protocol() {
            Some(p) => format!("{}://{}", p.as_str(), r.host_name()),
            None => r.host_name().to_string(),
        }),
    };
    (w != Website::default()).then(|| Value::Map(w.to_attrs()))
}

pub(super) fn cors_to_sdk(v: &Value) -> Result<CorsConfiguration, OpError> {
    const OP: &str = "PutBucketCors";
    let items: Vec<Cors> = parse(OP, "cors", v)?;
    ensure!(items.len() <= 100, OP, "S3 takes at most 100 CORS rules");
    let mut ids = BTreeSet::new();
    let mut rules = Vec::new();
    for c in items {
        if let Some(id) = &c.id {
            ensure!(
                ids.insert(id.clone()),
                OP,
                "two `cors` rules have the id `{id}`"
            );
        }
        ensure!(
            !c.allowed_origins.is_empty(),
            OP,
            "a `cors` rule needs `allowed-origins`"
        );
        ensure!(
            !c.allowed_methods.is_empty(),
            OP,
            "a `cors` rule needs `allowed-methods`"
        );
        let methods = c.allowed_methods.iter().map(|m| m.as_str().to_string());
        let rule = CorsRule::builder()
            .set_id(c.id)
            .set_allowed_origins(Some(c.allowed_origins))
            .set_allowed_methods(Some(methods.collect()))
            .set_allowed_headers(Some(c.allowed_headers).filter(|h| !h.is_empty()))
            .set_expose_headers(Some(c.expose_headers).filter(|h| !h.is_empty()))
            .set_max_age_seconds(int_at_least(OP, "cors max-age", c.max_age, 0)?);
        rules.push(rule.build().map_err(built(OP))?);
    }
    let conf = CorsConfiguration::builder().set_cors_rules(Some(rules));
    conf.build().map_err(built(OP))
}

pub(super) fn cors_from_sdk(rules: &[CorsRule]) -> Value {
    let items: Vec<Cors> = rules
        .iter()
        .map(|r| Cors {
            id: r.id().map(str::to_string),
            allowed_origins: r.allowed_origins().to_vec(),
            allowed_methods: r
                .allowed_methods()
                .iter()
                .filter_map(|m| SpecEnum::parse(m))
                .collect(),
            allowed_headers: r.allowed_headers().to_vec(),
            expose_headers: r.expose_headers().to_vec(),
            max_age: r.max_age_seconds().map(i64::from),
        })
        .collect();
    sorted_by_id(items, |c| &c.id)
}

/// The policy text, checked to be a JSON object (S3 refuses anything else, and a malformed
/// policy is cheaper to catch here).
pub(crate) fn policy_to_sdk(v: &Value) -> Result<String, OpError> {
    const OP: &str = "PutBucketPolicy";
    let text = match v {
        Value::String(s) => s.clone(),
        // A policy written as a structured value: serialize it.
        Value::Map(_) | Value::List(_) => v.to_json().to_string(),
        other => {
            return Err(OpError::invalid(
                OP,
                format!("`policy` must be a JSON document, not {other}"),
            ))
        }
    };
    match serde_json::from_str::<serde_json::Value>(&text) {
        Ok(serde_json::Value::Object(_)) => Ok(text),
        Ok(_) => Err(OpError::invalid(OP, "`policy` must be a JSON object")),
        Err(e) => Err(OpError::invalid(
            OP,
            format!("`policy` is not valid JSON: {e}"),
        )),
    }
}

pub(super) fn encryption_to_sdk(v: &Value) -> Result<ServerSideEncryptionConfiguration, OpError> {
    const OP: &str = "PutBucketEncryption";
    let e: Encryption = parse(OP, "encryption", v)?;
    let algorithm = e.algorithm.unwrap_or(SseAlgorithm::Aes256);
    let key_ok = e.kms_key.is_none() || algorithm != SseAlgorithm::Aes256;
    ensure!(
        key_ok,
        OP,
        "`encryption kms-key` needs `algorithm=\"aws:kms\"` (AES256 uses S3-managed keys)"
    );
    let by_default = ServerSideEncryptionByDefault::builder()
        .sse_algorithm(ServerSideEncryption::from(algorithm.as_str()))
        .set_kms_master_key_id(e.kms_key)
        .build()
        .map_err(built(OP))?;
    let rule = ServerSideEncryptionRule::builder()
        .apply_server_side_encryption_by_default(by_default)
        .set_bucket_key_enabled(e.bucket_key)
        .build();
    let conf = ServerSideEncryptionConfiguration::builder().rules(rule);
    conf.build().map_err(built(OP))
}

pub(super) fn encryption_from_sdk(conf: &ServerSideEncryptionConfiguration) -> Option<Value> {
    let rule = conf.rules().first()?;
    let by_default = rule.apply_server_side_encryption_by_default()?;
    let e = Encryption {
        algorithm: SpecEnum::parse(by_default.sse_algorithm().as_str()),
        kms_key: by_default.kms_master_key_id().map(str::to_string),
        bucket_key: rule.bucket_key_enabled(),
    };
    e.to_value()
}

/// Every field is sent; an unset one is `false` (what AWS assumes for a field not sent).
pub(super) fn pab_to_sdk(v: &Value) -> Result<PublicAccessBlockConfiguration, OpError> {
    let p: PublicAccessBlock = parse("PutPublicAccessBlock", "public-access-block", v)?;
    Ok(PublicAccessBlockConfiguration::builder()
        .block_public_acls(p.block_public_acls.unwrap_or(false))
        .ignore_public_acls(p.ignore_public_acls.unwrap_or(false))
        .block_public_policy(p.block_public_policy.unwrap_or(false))
        .restrict_public_buckets(p.restrict_public_buckets.unwrap_or(false))
        .build())
}

pub(super) fn pab_from_sdk(c: &PublicAccessBlockConfiguration) -> Value {
    let p = PublicAccessBlock {
        block_public_acls: Some(c.block_public_acls().unwrap_or(false)),
        ignore_public_acls: Some(c.ignore_public_acls().unwrap_or(false)),
        block_public_policy: Some(c.block_public_policy().unwrap_or(false)),
        restrict_public_buckets: Some(c.restrict_public_buckets().unwrap_or(false)),
    };
    Value::Map(p.to_attrs())
}

pub(super) fn ownership_to_sdk(v: &Value) -> Result<OwnershipControls, OpError> {
    const OP: &str = "PutBucketOwnershipControls";
    let o: Ownership = parse(OP, "object-ownership", v)?;
    let rule = OwnershipControlsRule::builder().object_ownership(ObjectOwnership::from(o.as_str()));
    let conf = OwnershipControls::builder().rules(rule.build().map_err(built(OP))?);
    conf.build().map_err(built(OP))
}

pub(super) fn lifecycle_to_sdk(v: &Value) -> Result<BucketLifecycleConfiguration, OpError> {
    const OP: &str = "PutBucketLifecycleConfiguration";
    let items: Vec<Lifecycle> = parse(OP, "lifecycle-rule", v)?;
    ensure!(
        items.len() <= 1000,
        OP,
        "S3 takes at most 1000 lifecycle rules"
    );
    let mut ids = BTreeSet::new();
    let mut rules = Vec::new();
    for l in items {
        ensure!(
            l.id.is_some(),
            OP,
            "a `lifecycle-rule` needs an id (its label)"
        );
        let id = l.id.unwrap_or_default();
        ensure!(
            !id.is_empty() && id.len() <= 255,
            OP,
            "lifecycle rule id `{id}` must have 1 to 255 characters"
        );
        ensure!(
            ids.insert(id.clone()),
            OP,
            "two lifecycle rules have the id `{id}`"
        );
        let days = |field: &str, n| int_at_least(OP, &format!("lifecycle-rule {field}"), n, 1);
        let expiration = days("expiration-days", l.expiration_days)?;
        let noncurrent = days("noncurrent-expiration-days", l.noncurrent_expiration_days)?;
        let abort = days(
            "abort-incomplete-upload-days",
            l.abort_incomplete_upload_days,
        )?;
        let transitions = transitions_to_sdk(&id, l.transition)?;
        let acts = expiration.is_some()
            || noncurrent.is_some()
            || abort.is_some()
            || !transitions.is_empty();
        ensure!(acts, OP, "lifecycle rule `{id}` needs an action: expiration-days, noncurrent-expiration-days, abort-incomplete-upload-days or transition");
        let status = match l.enabled.unwrap_or(true) {
            true => ExpirationStatus::Enabled,
            false => ExpirationStatus::Disabled,
        };
        let rule = LifecycleRule::builder()
            .id(id)
            .filter(
                LifecycleRuleFilter::builder()
                    .prefix(l.prefix.unwrap_or_default())
                    .build(),
            )
            .status(status)
            .set_expiration(expiration.map(|d| LifecycleExpiration::builder().days(d).build()))
            .set_noncurrent_version_expiration(noncurrent.map(|d| {
                NoncurrentVersionExpiration::builder()
                    .noncurrent_days(d)
                    .build()
            }))
            .set_abort_incomplete_multipart_upload(abort.map(|d| {
                AbortIncompleteMultipartUpload::builder()
                    .days_after_initiation(d)
                    .build()
            }))
            .set_transitions(Some(transitions).filter(|t| !t.is_empty()));
        rules.push(rule.build().map_err(built(OP))?);
    }
    let conf = BucketLifecycleConfiguration::builder().set_rules(Some(rules));
    conf.build().map_err(built(OP))
}

pub(super) fn lifecycle_from_sdk(rules: &[LifecycleRule]) -> Value {
    let items: Vec<Lifecycle> = rules
        .iter()
        .map(|r| {
            #[allow(deprecated)] // rules made before filters carry a top-level prefix
            let prefix = r.filter().and_then(|f| f.prefix()).or(r.prefix());
            let noncurrent = r
                .noncurrent_version_expiration()
                .and_then(|e| e.noncurrent_days());
            let abort = r.abort_incomplete_multipart_upload();
            Lifecycle {
                id: r.id().map(str::to_string),
                prefix: prefix.filter(|p| !p.is_empty()).map(str::to_string),
                enabled: Some(*r.status() == ExpirationStatus::Enabled),
                expiration_days: r.expiration().and_then(|e| e.days()).map(i64::from),
                noncurrent_expiration_days: noncurrent.map(i64::from),
                abort_incomplete_upload_days: abort
                    .and_then(|a| a.days_after_initiation())
                    .map(i64::from),
                transition: transitions_from_sdk(r.transitions()),
            }
        })
        .collect();
    sorted_by_id(items, |l| &l.id)
}

/// A rule's transitions as S3 takes them: by days, each storage class once.
pub(super) fn transitions_to_sdk(
    rule: &str,
    items: Vec<Transition>,
) -> Result<Vec<SdkTransition>, OpError> {
    const OP: &str = "PutBucketLifecycleConfiguration";
    let mut classes = BTreeSet::new();
    let mut out = Vec::new();
    for t in items {
        let Some(class) = t.storage_class else {
            return Err(OpError::invalid(
                OP,
                format!(
                    "a `transition` of lifecycle rule `{rule}` needs its storage class (the label)"
                ),
            ));
        };
        ensure!(
            classes.insert(class.as_str()),
            OP,
            "lifecycle rule `{rule}` moves objects to {} twice",
            class.as_str()
        );
        let days = int_at_least(OP, "transition days", Some(t.days), 0)?.unwrap_or_default();
        out.push(
            SdkTransition::builder()
                .days(days)
                .storage_class(TransitionStorageClass::from(class.as_str()))
                .build(),
        );
    }
    Ok(out)
}

pub(super) fn transitions_from_sdk(items: &[SdkTransition]) -> Vec<Transition> {
    let mut out: Vec<Transition> = items
        .iter()
        .map(|t| Transition {
            storage_class: t.storage_class().and_then(|c| SpecEnum::parse(c.as_str())),
            days: t.days().map(i64::from).unwrap_or_default(),
        })
        .collect();
    out.sort_by_key(|t| t.days);
    out
}

/// Whether a notification configuration configures anything.
pub(super) fn configures_notifications(n: &NotificationConfiguration) -> bool {
    !(n.lambda_function_configurations().is_empty()
        && n.queue_configurations().is_empty()
        && n.topic_configurations().is_empty())
}

/// The `notification` blocks as one configuration: each with its id, exactly one destination,
/// at least one event, and its key filters.
pub(super) fn notifications_to_sdk(v: &Value) -> Result<NotificationConfiguration, OpError> {
    const OP: &str = "PutBucketNotificationConfiguration";
    let items: Vec<Notification> = parse(OP, "notification", v)?;
    let mut ids = BTreeSet::new();
    let mut conf = NotificationConfiguration::builder();
    for n in items {
        let id = n.id.clone().unwrap_or_default();
        ensure!(
            !id.is_empty(),
            OP,
            "a `notification` needs an id (its label)"
        );
        ensure!(
            ids.insert(id.clone()),
            OP,
            "two notifications have the id `{id}`"
        );
        ensure!(
            !n.events.is_empty(),
            OP,
            "notification `{id}` needs `events`, e.g. events \"s3:ObjectCreated:*\""
        );
        let events: Vec<Event> = n.events.iter().map(|e| Event::from(e.as_str())).collect();
        let mut rules = Vec::new();
        for (name, value) in [
            (FilterRuleName::Prefix, &n.filter_prefix),
            (FilterRuleName::Suffix, &n.filter_suffix),
        ] {
            if let Some(value) = value {
                ensure!(
                    value.chars().count() <= 1024,
                    OP,
                    "notification `{id}`: a key filter has at most 1024 characters"
                );
                rules.push(FilterRule::builder().name(name).value(value).build());
            }
        }
        let filter = (!rules.is_empty()).then(|| {
            NotificationConfigurationFilter::builder()
                .key(S3KeyFilter::builder().set_filter_rules(Some(rules)).build())
                .build()
        });
        let destination =
            |arn: &Option<String>, service: &str| -> Result<Option<String>, OpError> {
                let Some(arn) = arn else { return Ok(None) };
                let ok = arn.starts_with("arn:") && arn.split(':').nth(2) == Some(service);
                ensure!(
                    ok,
                    OP,
                    "notification `{id}`: `{arn}` is not an ARN of {service}"
                );
                Ok(Some(arn.clone()))
            };
        let lambda = destination(&n.lambda_function_arn, "lambda")?;
        let queue = destination(&n.queue_arn, "sqs")?;
        let topic = destination(&n.topic_arn, "sns")?;
        let set = [lambda.is_some(), queue.is_some(), topic.is_some()];
        ensure!(
            set.iter().filter(|s| **s).count() == 1,
            OP,
            "notification `{id}` needs exactly one of `lambda-function-arn`, `queue-arn`, `topic-arn`"
        );
        conf = match (lambda, queue, topic) {
            (Some(arn), _, _) => conf.lambda_function_configurations(
                LambdaFunctionConfiguration::builder()
                    .id(id)
                    .lambda_function_arn(arn)
                    .set_events(Some(events))
                    .set_filter(filter)
                    .build()
                    .map_err(built(OP))?,
            ),
            (_, Some(arn), _) => conf.queue_configurations(
                QueueConfiguration::builder()
                    .id(id)
                    .queue_arn(arn)
                    .set_events(Some(events))
                    .set_filter(filter)
                    .build()
                    .map_err(built(OP))?,
            ),
            (_, _, Some(arn)) => conf.topic_configurations(
                TopicConfiguration::builder()
                    .id(id)
                    .topic_arn(arn)
                    .set_events(Some(events))
                    .set_filter(filter)
                    .build()
                    .map_err(built(OP))?,
            ),
            _ => conf,
        };
    }
    Ok(conf.build())
}

/// The notifications S3 reports, sorted by id; `None` when there are none. Filter rule names
/// are compared without case (AWS answers `Prefix`, the request says `prefix`).
pub(super) fn notifications_from_sdk(
    lambdas: &[LambdaFunctionConfiguration],
    queues: &[QueueConfiguration],
    topics: &[TopicConfiguration],
) -> Option<Value> {
    fn filter(f: Option<&NotificationConfigurationFilter>, name: &str) -> Option<String> {
        let rules = f?.key()?.filter_rules();
        let rule = rules.iter().find(|r| {
            r.name()
                .is_some_and(|n| n.as_str().eq_ignore_ascii_case(name))
        })?;
        rule.value().map(str::to_string)
    }
    fn events(events: &[Event]) -> Vec<super::spec::S3Event> {
        events
            .iter()
            .filter_map(|e| SpecEnum::parse(e.as_str()))
            .collect()
    }
    let blank =
        |id: Option<&str>, f: Option<&NotificationConfigurationFilter>, e: &[Event]| Notification {
            id: id.map(str::to_string),
            lambda_function_arn: None,
            queue_arn: None,
            topic_arn: None,
            events: events(e),
            filter_prefix: filter(f, "prefix"),
            filter_suffix: filter(f, "suffix"),
        };
    let mut items = Vec::new();
    for l in lambdas {
        items.push(Notification {
            lambda_function_arn: Some(l.lambda_function_arn().to_string()),
            ..blank(l.id(), l.filter(), l.events())
        });
    }
    for q in queues {
        items.push(Notification {
            queue_arn: Some(q.queue_arn().to_string()),
            ..blank(q.id(), q.filter(), q.events())
        });
    }
    for t in topics {
        items.push(Notification {
            topic_arn: Some(t.topic_arn().to_string()),
            ..blank(t.id(), t.filter(), t.events())
        });
    }
    (!items.is_empty()).then(|| sorted_by_id(items, |n| &n.id))
}

/// Repeated blocks sorted by their label, so that read output is stable.
pub(super) fn sorted_by_id<T: SpecItem>(mut items: Vec<T>, id: fn(&T) -> &Option<String>) -> Value {
    items.sort_by(|a, b| id(a).cmp(id(b)));
    items.to_value().unwrap_or(Value::List(Vec::new()))
}

/// The `tags` attribute as a request (its values checked to be strings).
pub(super) fn tags_to_tagging(v: &Value) -> Result<Tagging, OpError> {
    tagging_to_sdk(&parse("PutBucketTagging", "tags", v)?)
}

pub(super) fn tags_to_sdk(tags: &BTreeMap<String, String>) -> Result<Vec<Tag>, OpError> {
    const OP: &str = "PutBucketTagging";
    ensure!(
        tags.len() <= 50,
        OP,
        "S3 takes at most 50 tags, not {}",
        tags.len()
    );
    tags.iter()
        .map(|(k, v)| {
            let key_len = k.chars().count();
            ensure!(
                key_len > 0 && key_len <= 128,
                OP,
                "tag key `{k}` must have 1 to 128 characters"
            );
            ensure!(
                !k.starts_with("aws:"),
                OP,
                "tag key `{k}`: the aws: prefix is reserved"
            );
            ensure!(
                v.chars().count() <= 256,
                OP,
                "the value of tag `{k}` is longer than 256 characters"
            );
            Tag::builder().key(k).value(v).build().map_err(built(OP))
        })
        .collect()
}

pub(super) fn tagging_to_sdk(tags: &BTreeMap<String, String>) -> Result<Tagging, OpError> {
    let tagging = Tagging::builder().set_tag_set(Some(tags_to_sdk(tags)?));
    tagging.build().map_err(built("PutBucketTagging"))
}

pub(super) fn tags_from_sdk(tags: &[Tag]) -> BTreeMap<String, String> {
    tags.iter()
        .map(|t| (t.key().to_string(), t.value().to_string()))
        .collect()
}
