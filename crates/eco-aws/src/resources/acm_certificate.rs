//! `acm-certificate`: a public ACM certificate validated through DNS. The id (and import id) is
//! the certificate ARN.
//!
//! Two ways to publish the validation records:
//! - `validation-zone` names a Route53 zone: eco writes the records there itself (one
//!   ChangeBatch UPSERT) and the create finishes only once the certificate is ISSUED (the
//!   CertificateValidated waiter, at most 45 minutes; a timeout is reported as a retryable error
//!   naming the records, and the next apply waits again). Use this when something (CloudFront)
//!   needs an issued certificate in the same apply.
//! - otherwise the records are computed attributes (`validation-record-name/-type/-value`,
//!   `validation-records`) for `route53-record`s (or another DNS provider) to publish; the create
//!   returns once ACM has assigned them, without waiting for ISSUED (the records cannot exist
//!   before the create returns).
//!
//! AWS calls:
//! - read: DescribeCertificate, ListTagsForCertificate (in the ARN's region)
//! - find: ListCertificates (pages; every status but expired/revoked/failed) for the domain name,
//!   then ListTagsForCertificate: the certificate with this address's ownership tags
//! - create: find (adopt), else RequestCertificate (DNS validation, IdempotencyToken from the
//!   engine's token, the tags in the request so the certificate is never untagged);
//!   DescribeCertificate until the validation records appear (backoff from 1 s, at most 60 s);
//!   with `validation-zone`: ChangeResourceRecordSets UPSERT, then the CertificateValidated waiter
//! - update: AddTagsToCertificate / RemoveTagsFromCertificate; ChangeResourceRecordSets UPSERT into
//!   a changed `validation-zone` (and the wait)
//! - delete: DeleteCertificate (ACM refuses while the certificate is in use: the plan deletes
//!   users first); a certificate already gone is success. Then the records eco wrote into a
//!   `validation-zone` are deleted with their recorded values (ChangeResourceRecordSets DELETE;
//!   records already gone or changed, and a zone already gone, are left alone), so the zone can
//!   be deleted after it.
//! - import: by certificate ARN

use eco_schema::{Attribute, ScalarType, Schema};

pub const TYPE_NAME: &str = "acm-certificate";

pub fn schema() -> Schema {
    Schema::new(TYPE_NAME, "A public ACM certificate with DNS validation")
        .import_id("the certificate ARN")
        .attr(
            Attribute::string("domain-name")
                .required()
                .forces_replacement()
                .doc("primary domain name, e.g. app.example.com or *.example.com"),
        )
        .attr(
            Attribute::list("alternative-names", ScalarType::String).unordered()
                .forces_replacement()
                .doc("further names (subject alternative names); ACM cannot change them"),
        )
        .attr(
            Attribute::string("validation-method")
                .forces_replacement()
                .one_of(&["DNS"]).doc("DNS (the only method eco supports; EMAIL is refused)"),
        )
        .attr(
            Attribute::string("key-algorithm")
                .forces_replacement()
                .one_of(&["RSA_2048", "EC_prime256v1", "EC_secp384r1"]).doc("RSA_2048 (default), EC_prime256v1 or EC_secp384r1"),
        )
        .attr(
            Attribute::string("region")
                .forces_replacement()
                .doc("region to request the certificate in (default: the stage's; CloudFront needs us-east-1)"),
        )
        .attr(
            Attribute::string("validation-zone")
                .local()
                .doc("Route53 zone id where eco publishes the validation records and waits for issuance"),
        )
        .attr(Attribute::string("arn").computed().doc("certificate ARN"))
        .attr(
            Attribute::string("status")
                .computed()
                .doc("PENDING_VALIDATION, ISSUED, ..."),
        )
        .attr(
            Attribute::string("validation-record-name")
                .computed()
                .doc("name of the DNS validation record of the primary domain"),
        )
        .attr(
            Attribute::string("validation-record-type")
                .computed()
                .doc("type of that record (CNAME)"),
        )
        .attr(
            Attribute::string("validation-record-value")
                .computed()
                .doc("value of that record"),
        )
        .attr(
            Attribute::repeated_block(
                "validation-records",
                "domain",
                vec![
                    Attribute::string("domain").doc("domain name validated by this record"),
                    Attribute::string("name").doc("record name"),
                    Attribute::string("type").doc("record type (CNAME)"),
                    Attribute::string("value").doc("record value"),
                ],
            )
            .computed()
            .doc("DNS validation records of every name on the certificate"),
        )
        .taggable()
}

// ---------------------------------------------------------------------------------------------
// Operations
// ---------------------------------------------------------------------------------------------

use std::collections::BTreeMap;
use std::time::Duration;

use async_trait::async_trait;
use aws_sdk_acm::client::Waiters;
use aws_sdk_acm::types::{
    CertificateDetail, CertificateStatus, KeyAlgorithm, Tag, ValidationMethod,
};
use aws_sdk_route53::types::{
    Change, ChangeAction, ChangeBatch, ResourceRecord, ResourceRecordSet, RrType,
};
use eco_provider::{Attrs, ErrorKind, Live, OpContext, OpError, ResourceProvider, Value};

use crate::attrs::str_of;
use crate::aws::{error_code, op_error, Aws};
use crate::tags::{tags_of, tags_value};

/// The longest eco waits for ISSUED after publishing the records.
const ISSUE_WAIT: Duration = Duration::from_secs(45 * 60);
/// The longest eco waits for ACM to assign the validation records.
const RECORDS_WAIT: Duration = Duration::from_secs(60);

fn sv(s: impl Into<String>) -> Value {
    Value::String(s.into())
}

/// ACM's IdempotencyToken (`\w+`, at most 32 characters) from the engine's token.
pub fn idempotency_token(token: &str) -> String {
    token
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || *c == '_')
        .take(32)
        .collect()
}

/// The region of a certificate ARN (`arn:aws:acm:REGION:ACCOUNT:certificate/ID`).
fn arn_region(arn: &str) -> Option<&str> {
    arn.split(':').nth(3).filter(|r| !r.is_empty())
}

/// The validation records of a certificate: (domain, name, type, value), sorted by domain.
fn validation_records(c: &CertificateDetail) -> Vec<(String, String, String, String)> {
    let mut out: Vec<_> = c
        .domain_validation_options()
        .iter()
        .filter_map(|v| {
            let r = v.resource_record()?;
            Some((
                v.domain_name().to_string(),
                r.name().trim_end_matches('.').to_string(),
                r.r#type().as_str().to_string(),
                r.value().to_string(),
            ))
        })
        .collect();
    out.sort();
    out
}

/// A certificate's attributes in configuration shape.
pub fn certificate_attrs(c: &CertificateDetail) -> Attrs {
    let mut a = Attrs::new();
    let domain = c.domain_name().unwrap_or_default().to_string();
    a.insert("domain-name".into(), sv(&domain));
    let alternatives: Vec<Value> = c
        .subject_alternative_names()
        .iter()
        .filter(|n| **n != domain)
        .map(|n| sv(n.clone()))
        .collect();
    if !alternatives.is_empty() {
        a.insert("alternative-names".into(), Value::List(alternatives));
    }
    let method = c
        .domain_validation_options()
        .first()
        .and_then(|v| v.validation_method())
        .map(|m| m.as_str().to_string())
        .unwrap_or_else(|| "DNS".to_string());
    a.insert("validation-method".into(), sv(method));
    if let Some(k) = c.key_algorithm() {
        // ACM answers RSA-2048 / EC-prime256v1; requests take RSA_2048 / EC_prime256v1.
        a.insert("key-algorithm".into(), sv(k.as_str().replace('-', "_")));
    }
    if let Some(arn) = c.certificate_arn() {
        a.insert("arn".into(), sv(arn));
        if let Some(r) = arn_region(arn) {
            a.insert("region".into(), sv(r));
        }
    }
    if let Some(s) = c.status() {
        a.insert("status".into(), sv(s.as_str()));
    }
    let records = validation_records(c);
    if let Some((_, name, ty, value)) = records.iter().find(|(d, ..)| *d == domain) {
        a.insert("validation-record-name".into(), sv(name));
        a.insert("validation-record-type".into(), sv(ty));
        a.insert("validation-record-value".into(), sv(value));
    }
    a.insert(
        "validation-records".into(),
        Value::List(
            records
                .into_iter()
                .map(|(d, n, t, v)| {
                    Value::Map(BTreeMap::from([
                        ("domain".to_string(), sv(d)),
                        ("name".to_string(), sv(n)),
                        ("type".to_string(), sv(t)),
                        ("value".to_string(), sv(v)),
                    ]))
                })
                .collect(),
        ),
    );
    a
}

/// The operations of `acm-certificate`.
pub struct Provider {
    schema: Schema,
    aws: Aws,
}

impl Provider {
    pub fn new(aws: &Aws) -> Provider {
        Provider {
            schema: schema(),
            aws: aws.clone(),
        }
    }

    fn acm(&self, region: Option<&str>) -> aws_sdk_acm::Client {
        self.aws.acm(region)
    }

    async fn tags(
        &self,
        acm: &aws_sdk_acm::Client,
        arn: &str,
    ) -> Result<Option<BTreeMap<String, String>>, OpError> {
        match acm
            .list_tags_for_certificate()
            .certificate_arn(arn)
            .send()
            .await
        {
            Ok(o) => Ok(Some(
                o.tags()
                    .iter()
                    .map(|t| (t.key().to_string(), t.value().unwrap_or("").to_string()))
                    .collect(),
            )),
            Err(e) if error_code(&e) == Some("ResourceNotFoundException") => Ok(None),
            Err(e) => Err(op_error("ListTagsForCertificate", e)),
        }
    }

    async fn describe(&self, arn: &str) -> Result<Option<CertificateDetail>, OpError> {
        let acm = self.acm(arn_region(arn));
        match acm.describe_certificate().certificate_arn(arn).send().await {
            Ok(o) => Ok(o.certificate().cloned()),
            Err(e)
                if matches!(
                    error_code(&e),
                    Some("ResourceNotFoundException" | "InvalidArnException")
                ) =>
            {
                Ok(None)
            }
            Err(e) => Err(op_error("DescribeCertificate", e)),
        }
    }

    async fn read_cert(&self, arn: &str) -> Result<Option<Live>, OpError> {
        let Some(c) = self.describe(arn).await? else {
            return Ok(None);
        };
        let acm = self.acm(arn_region(arn));
        let Some(tags) = self.tags(&acm, arn).await? else {
            return Ok(None);
        };
        let mut attrs = certificate_attrs(&c);
        attrs.insert("tags".into(), tags_value(&tags));
        Ok(Some(Live {
            id: arn.to_string(),
            attrs,
        }))
    }

    /// The certificate of this domain with this address's ownership tags.
    async fn find_owned(
        &self,
        ctx: &OpContext,
        desired: &Attrs,
    ) -> Result<Option<String>, OpError> {
        let Some(domain) = str_of(desired, "domain-name") else {
            return Ok(None);
        };
        let acm = self.acm(str_of(desired, "region"));
        let mut next: Option<String> = None;
        loop {
            let out = acm
                .list_certificates()
                .set_certificate_statuses(Some(vec![
                    CertificateStatus::PendingValidation,
                    CertificateStatus::Issued,
                    CertificateStatus::Inactive,
                ]))
                .set_next_token(next.take())
                .send()
                .await
                .map_err(|e| op_error("ListCertificates", e))?;
            for s in out.certificate_summary_list() {
                if s.domain_name() != Some(domain) {
                    continue;
                }
                let Some(arn) = s.certificate_arn() else {
                    continue;
                };
                if let Some(tags) = self.tags(&acm, arn).await? {
                    if ctx.owns(&tags) {
                        return Ok(Some(arn.to_string()));
                    }
                }
            }
            match out.next_token() {
                Some(t) if !t.is_empty() => next = Some(t.to_string()),
                _ => return Ok(None),
            }
        }
    }

    /// DescribeCertificate until ACM has assigned every name's record (backoff, bounded).
    async fn wait_for_records(&self, arn: &str) -> Result<CertificateDetail, OpError> {
        let start = std::time::Instant::now();
        let mut delay = Duration::from_millis(250);
        loop {
            if let Some(c) = self.describe(arn).await? {
                let names = c.domain_validation_options().len();
                if names > 0 && validation_records(&c).len() == names {
                    return Ok(c);
                }
            }
            if start.elapsed() > RECORDS_WAIT {
                return Err(OpError::new(
                    "DescribeCertificate",
                    ErrorKind::Retryable,
                    format!(
                        "ACM assigned no DNS validation records to {arn} within {} s",
                        RECORDS_WAIT.as_secs()
                    ),
                ));
            }
            tokio::time::sleep(delay).await;
            delay = (delay * 2).min(Duration::from_secs(8));
        }
    }

    /// Publishes the validation records in `zone` and waits for ISSUED.
    async fn validate_in(
        &self,
        arn: &str,
        zone: &str,
        c: &CertificateDetail,
    ) -> Result<(), OpError> {
        // Written even when already issued: ACM's managed renewal needs the records to stay.
        let mut seen = std::collections::BTreeSet::new();
        let changes: Vec<Change> = validation_records(c)
            .into_iter()
            .filter(|(_, n, ..)| seen.insert(n.clone())) // names of a wildcard and its apex share one
            .map(|(_, name, ty, value)| {
                let rrset = ResourceRecordSet::builder()
                    .name(name)
                    .r#type(RrType::from(ty.as_str()))
                    .ttl(300)
                    .resource_records(
                        ResourceRecord::builder()
                            .value(value)
                            .build()
                            .expect("value set"),
                    )
                    .build()
                    .expect("name and type set");
                Change::builder()
                    .action(ChangeAction::Upsert)
                    .resource_record_set(rrset)
                    .build()
                    .expect("set")
            })
            .collect();
        self.aws
            .route53()
            .change_resource_record_sets()
            .hosted_zone_id(super::route53_zone::bare_zone_id(zone))
            .change_batch(
                ChangeBatch::builder()
                    .set_changes(Some(changes))
                    .comment("eco: ACM validation")
                    .build()
                    .expect("set"),
            )
            .send()
            .await
            .map_err(|e| op_error("ChangeResourceRecordSets", e))?;
        if c.status() == Some(&CertificateStatus::Issued) {
            return Ok(());
        }
        let acm = self.acm(arn_region(arn));
        acm.wait_until_certificate_validated()
            .certificate_arn(arn)
            .wait(ISSUE_WAIT)
            .await
            .map_err(|e| {
                OpError::new(
                    "DescribeCertificate",
                    ErrorKind::Retryable,
                    format!(
                        "{arn} was not ISSUED within {} minutes after its validation records were written to zone {zone} ({e}); \
                         check that the zone is the one the domain is delegated to",
                        ISSUE_WAIT.as_secs() / 60
                    ),
                )
            })?;
        Ok(())
    }

    async fn set_tags(&self, arn: &str, want: &BTreeMap<String, String>) -> Result<(), OpError> {
        let acm = self.acm(arn_region(arn));
        let live = self.tags(&acm, arn).await?.unwrap_or_default();
        let add: Vec<Tag> = want
            .iter()
            .filter(|(k, v)| live.get(*k) != Some(v))
            .map(|(k, v)| {
                Tag::builder()
                    .key(k)
                    .value(v)
                    .build()
                    .map_err(|e| OpError::invalid("AddTagsToCertificate", e.to_string()))
            })
            .collect::<Result<_, _>>()?;
        let remove: Vec<Tag> = live
            .iter()
            .filter(|(k, _)| !want.contains_key(*k))
            .map(|(k, v)| {
                Tag::builder()
                    .key(k)
                    .value(v)
                    .build()
                    .map_err(|e| OpError::invalid("RemoveTagsFromCertificate", e.to_string()))
            })
            .collect::<Result<_, _>>()?;
        if !add.is_empty() {
            acm.add_tags_to_certificate()
                .certificate_arn(arn)
                .set_tags(Some(add))
                .send()
                .await
                .map_err(|e| op_error("AddTagsToCertificate", e))?;
        }
        if !remove.is_empty() {
            acm.remove_tags_from_certificate()
                .certificate_arn(arn)
                .set_tags(Some(remove))
                .send()
                .await
                .map_err(|e| op_error("RemoveTagsFromCertificate", e))?;
        }
        Ok(())
    }

    /// After the delete: the records eco wrote into `validation-zone` (from the recorded
    /// attributes), deleted with their recorded values in one ChangeBatch. Records already gone
    /// or changed since (Route53 refuses the batch) and a zone already gone are left alone.
    async fn remove_validation_records(&self, prior: &Attrs) -> Result<(), OpError> {
        let Some(zone) = str_of(prior, "validation-zone") else {
            return Ok(());
        };
        let mut seen = std::collections::BTreeSet::new();
        let changes: Vec<Change> = match prior.get("validation-records") {
            Some(Value::List(items)) => items
                .iter()
                .filter_map(|v| match v {
                    Value::Map(m) => Some((
                        m.get("name")?.as_str()?.to_string(),
                        m.get("type")?.as_str()?.to_string(),
                        m.get("value")?.as_str()?.to_string(),
                    )),
                    _ => None,
                })
                .filter(|(n, ..)| seen.insert(n.clone()))
                .map(|(name, ty, value)| {
                    let rrset = ResourceRecordSet::builder()
                        .name(name)
                        .r#type(RrType::from(ty.as_str()))
                        .ttl(300)
                        .resource_records(
                            ResourceRecord::builder()
                                .value(value)
                                .build()
                                .expect("value set"),
                        )
                        .build()
                        .expect("name and type set");
                    Change::builder()
                        .action(ChangeAction::Delete)
                        .resource_record_set(rrset)
                        .build()
                        .expect("set")
                })
                .collect(),
            _ => Vec::new(),
        };
        if changes.is_empty() {
            return Ok(());
        }
        match self
            .aws
            .route53()
            .change_resource_record_sets()
            .hosted_zone_id(super::route53_zone::bare_zone_id(zone))
            .change_batch(
                ChangeBatch::builder()
                    .set_changes(Some(changes))
                    .build()
                    .expect("set"),
            )
            .send()
            .await
        {
            Ok(_) => Ok(()),
            Err(e)
                if matches!(
                    error_code(&e),
                    Some("InvalidChangeBatch" | "NoSuchHostedZone")
                ) =>
            {
                Ok(())
            }
            Err(e) => Err(op_error("ChangeResourceRecordSets", e)),
        }
    }

    fn with_local(mut live: Live, desired: &Attrs) -> Live {
        if let Some(v) = desired.get("validation-zone") {
            live.attrs.insert("validation-zone".into(), v.clone());
        }
        live
    }

    async fn finish(&self, arn: &str, desired: &Attrs) -> Result<Live, OpError> {
        let c = self.wait_for_records(arn).await?;
        if let Some(zone) = str_of(desired, "validation-zone") {
            self.validate_in(arn, zone, &c).await?;
        }
        let live = self.read_cert(arn).await?.ok_or_else(|| {
            OpError::new(
                "DescribeCertificate",
                ErrorKind::Other,
                format!("{arn} disappeared"),
            )
        })?;
        Ok(Self::with_local(live, desired))
    }
}

#[async_trait]
impl ResourceProvider for Provider {
    fn schema(&self) -> &Schema {
        &self.schema
    }

    async fn read(&self, _ctx: &OpContext, id: &str) -> Result<Option<Live>, OpError> {
        self.read_cert(id).await
    }

    async fn find(
        &self,
        ctx: &OpContext,
        desired: &Attrs,
        _token: &str,
    ) -> Result<Option<Live>, OpError> {
        match self.find_owned(ctx, desired).await? {
            Some(arn) => Ok(self
                .read_cert(&arn)
                .await?
                .map(|l| Self::with_local(l, desired))),
            None => Ok(None),
        }
    }

    async fn create(&self, ctx: &OpContext, desired: &Attrs, token: &str) -> Result<Live, OpError> {
        const OP: &str = "RequestCertificate";
        let domain = str_of(desired, "domain-name")
            .ok_or_else(|| OpError::invalid(OP, "`domain-name` is required"))?;
        if let Some(m) = str_of(desired, "validation-method") {
            if m != "DNS" {
                return Err(OpError::invalid(
                    OP,
                    format!("validation-method `{m}`: eco validates through DNS only"),
                ));
            }
        }
        if let Some(arn) = self.find_owned(ctx, desired).await? {
            self.set_tags(&arn, &tags_of(desired.get("tags"))).await?;
            return self.finish(&arn, desired).await;
        }
        let alternatives: Vec<String> = match desired.get("alternative-names") {
            Some(Value::List(items)) => items
                .iter()
                .filter_map(|v| v.as_str().map(str::to_string))
                .collect(),
            _ => Vec::new(),
        };
        let tags: Vec<Tag> = tags_of(desired.get("tags"))
            .into_iter()
            .map(|(k, v)| {
                Tag::builder()
                    .key(k)
                    .value(v)
                    .build()
                    .map_err(|e| OpError::invalid(OP, e.to_string()))
            })
            .collect::<Result<_, _>>()?;
        let key = str_of(desired, "key-algorithm")
            .map(|k| KeyAlgorithm::from(k.replace('_', "-").as_str()));
        let acm = self.acm(str_of(desired, "region"));
        let out = acm
            .request_certificate()
            .domain_name(domain)
            .validation_method(ValidationMethod::Dns)
            .set_subject_alternative_names((!alternatives.is_empty()).then_some(alternatives))
            .idempotency_token(idempotency_token(token))
            .set_key_algorithm(key)
            .set_tags((!tags.is_empty()).then_some(tags))
            .send()
            .await
            .map_err(|e| op_error(OP, e))?;
        let arn = out
            .certificate_arn()
            .ok_or_else(|| OpError::new(OP, ErrorKind::Other, "the answer names no certificate"))?
            .to_string();
        self.finish(&arn, desired).await
    }

    async fn update(
        &self,
        _ctx: &OpContext,
        id: &str,
        _prior: &Attrs,
        desired: &Attrs,
        changed: &[String],
    ) -> Result<Live, OpError> {
        if changed.iter().any(|c| c == "tags") {
            self.set_tags(id, &tags_of(desired.get("tags"))).await?;
        }
        self.finish(id, desired).await
    }

    async fn delete(&self, _ctx: &OpContext, id: &str, prior: &Attrs) -> Result<(), OpError> {
        let acm = self.acm(arn_region(id));
        match acm.delete_certificate().certificate_arn(id).send().await {
            Ok(_) => self.remove_validation_records(prior).await,
            Err(e) if matches!(error_code(&e), Some("ResourceNotFoundException")) => {
                self.remove_validation_records(prior).await
            }
            Err(e) if matches!(error_code(&e), Some("ResourceInUseException")) => Err(OpError::new(
                "DeleteCertificate",
                ErrorKind::Conflict,
                format!("{id} is still in use (by a CloudFront distribution or an API domain): delete or change those first"),
            )),
            Err(e) => Err(op_error("DeleteCertificate", e)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_and_regions() {
        assert_eq!(
            idempotency_token("eco-0123456789abcdef"),
            "eco0123456789abcdef"
        );
        assert!(idempotency_token(&"x".repeat(40)).len() <= 32);
        assert_eq!(
            arn_region("arn:aws:acm:us-east-1:123456789012:certificate/abc"),
            Some("us-east-1")
        );
        assert_eq!(arn_region("nope"), None);
    }

    #[test]
    fn records_are_read_in_configuration_shape() {
        use aws_sdk_acm::types::{DomainValidation, RecordType, ResourceRecord as Rr};
        let rr = |d: &str| {
            DomainValidation::builder()
                .domain_name(d)
                .validation_method(ValidationMethod::Dns)
                .resource_record(
                    Rr::builder()
                        .name(format!("_x.{d}."))
                        .r#type(RecordType::Cname)
                        .value("_y.acm-validations.aws.")
                        .build()
                        .unwrap(),
                )
                .build()
                .unwrap()
        };
        let c = CertificateDetail::builder()
            .certificate_arn("arn:aws:acm:us-east-1:1:certificate/a")
            .domain_name("example.com")
            .subject_alternative_names("example.com")
            .subject_alternative_names("www.example.com")
            .domain_validation_options(rr("www.example.com"))
            .domain_validation_options(rr("example.com"))
            .key_algorithm(KeyAlgorithm::Rsa2048)
            .status(CertificateStatus::Issued)
            .build();
        let a = certificate_attrs(&c);
        assert_eq!(
            a.get("alternative-names"),
            Some(&Value::List(vec![sv("www.example.com")]))
        );
        assert_eq!(a.get("validation-record-name"), Some(&sv("_x.example.com")));
        assert_eq!(a.get("validation-record-type"), Some(&sv("CNAME")));
        assert_eq!(a.get("key-algorithm"), Some(&sv("RSA_2048")));
        assert_eq!(a.get("region"), Some(&sv("us-east-1")));
        assert!(matches!(a.get("validation-records"), Some(Value::List(l)) if l.len() == 2));
    }
}
