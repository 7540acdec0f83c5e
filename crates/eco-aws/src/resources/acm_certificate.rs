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
//! - lookup: ListCertificates (pages; pending and issued) for the domain name, DescribeCertificate
//!   of each: the newest ISSUED one (by issue time), read as above

use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

use async_trait::async_trait;
use aws_sdk_acm::client::Waiters;
use aws_sdk_acm::types::{
    CertificateDetail, CertificateStatus, KeyAlgorithm, Tag, ValidationMethod,
};
use aws_sdk_route53::types::{
    Change, ChangeAction, ChangeBatch, ResourceRecord, ResourceRecordSet, RrType,
};
use eco_provider::{Attrs, ErrorKind, Live, OpContext, OpError, OpResult, ResourceProvider, Value};
use eco_schema::spec::SpecError;
use eco_schema::{Schema, Spec, SpecEnum};

use crate::attrs::str_of;
use crate::aws::{error_code, op_error, Aws};
use crate::tags::{retag, tags_of, tags_value, TagByKey};
use crate::wait::{self, Backoff, Look};

#[derive(Debug, Clone, Copy, PartialEq, Eq, SpecEnum)]
pub enum Validation {
    #[eco(rename = "DNS")]
    Dns,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, SpecEnum)]
pub enum KeyAlg {
    #[eco(rename = "RSA_2048")]
    Rsa2048,
    #[eco(rename = "EC_prime256v1")]
    EcPrime256v1,
    #[eco(rename = "EC_secp384r1")]
    EcSecp384r1,
}

/// The DNS record that validates one name of the certificate.
#[derive(Debug, Clone, PartialEq, Eq, Spec)]
#[eco(label = "domain")]
pub struct ValidationRecord {
    /// domain name validated by this record
    pub domain: String,
    /// record name
    pub name: Option<String>,
    /// record type (CNAME)
    #[eco(rename = "type")]
    pub ty: Option<String>,
    /// record value
    pub value: Option<String>,
}

/// A certificate's attributes, declared once.
#[derive(Debug, Clone, PartialEq, Eq, Default, Spec)]
#[eco(
    resource = "acm-certificate",
    doc = "A public ACM certificate with DNS validation",
    import_id = "the certificate ARN"
)]
pub struct AcmCertificate {
    /// primary domain name, e.g. app.example.com or *.example.com
    #[eco(required, replace)]
    pub domain_name: String,
    /// further names (subject alternative names); ACM cannot change them. Compared without the
    /// primary name and without repeats (case-insensitively): listing the primary name here, as
    /// Terraform users do, is the same certificate
    #[eco(unordered, replace)]
    pub alternative_names: Vec<String>,
    /// DNS (the only method eco supports; EMAIL is refused)
    #[eco(replace)]
    pub validation_method: Option<Validation>,
    /// RSA_2048 (default), EC_prime256v1 or EC_secp384r1
    #[eco(replace)]
    pub key_algorithm: Option<KeyAlg>,
    /// region to request the certificate in (default: the stage's; CloudFront needs us-east-1)
    #[eco(replace)]
    pub region: Option<String>,
    /// Route53 zone id where eco publishes the validation records and waits for issuance
    #[eco(local)]
    pub validation_zone: Option<String>,
    /// certificate ARN
    #[eco(computed)]
    pub arn: Option<String>,
    /// PENDING_VALIDATION, ISSUED, ...
    #[eco(computed)]
    pub status: Option<String>,
    /// name of the DNS validation record of the primary domain
    #[eco(computed)]
    pub validation_record_name: Option<String>,
    /// type of that record (CNAME)
    #[eco(computed)]
    pub validation_record_type: Option<String>,
    /// value of that record
    #[eco(computed)]
    pub validation_record_value: Option<String>,
    /// DNS validation records of every name on the certificate
    #[eco(computed)]
    pub validation_records: Vec<ValidationRecord>,
    #[eco(tags)]
    pub tags: BTreeMap<String, String>,
}

pub const TYPE_NAME: &str = AcmCertificate::TYPE_NAME;

/// What AWS answers this type's calls with for a while before they succeed, and for how long eco
/// keeps trying (the engine retries; see `eco_provider::transient` and docs/aws-behaviour.md).
pub(crate) const TRANSIENT: &[eco_provider::Transient] = &[
    eco_provider::Transient {
        operations: &["DeleteCertificate"],
        codes: &["ResourceInUseException"],
        message: None,
        budget: std::time::Duration::from_secs(1200),
        why: "CloudFront or API Gateway has not yet released the certificate",
    },
    eco_provider::Transient {
        operations: &["ChangeResourceRecordSets"],
        codes: &["PriorRequestNotComplete", "Throttling"],
        message: None,
        budget: std::time::Duration::from_secs(300),
        why: "Route53 is still applying an earlier change to the zone",
    },
];

pub fn schema() -> Schema {
    AcmCertificate::schema()
}

/// A configuration the type cannot use, as an error of `op`.
fn invalid(op: &str) -> impl Fn(SpecError) -> OpError + '_ {
    move |e| OpError::invalid(op, format!("{TYPE_NAME}: {e}"))
}

/// The longest eco waits for ISSUED after publishing the records.
const ISSUE_WAIT: Duration = Duration::from_secs(45 * 60);
/// How eco waits for ACM to assign the validation records: from 250 ms doubling to 8 s, for at
/// most 60 s.
const RECORDS_WAIT: Backoff = Backoff::new(
    Duration::from_millis(250),
    Duration::from_secs(8),
    Duration::from_secs(60),
);

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

/// A certificate as the spec holds it (tags left to the caller).
pub fn from_live(c: &CertificateDetail) -> AcmCertificate {
    let domain = c.domain_name().unwrap_or_default().to_string();
    let method = c
        .domain_validation_options()
        .first()
        .and_then(|v| v.validation_method())
        .map_or("DNS", |m| m.as_str());
    let records = validation_records(c);
    let primary = records.iter().find(|(d, ..)| *d == domain);
    AcmCertificate {
        alternative_names: c
            .subject_alternative_names()
            .iter()
            .filter(|n| **n != domain)
            .cloned()
            .collect(),
        validation_method: Validation::parse(method),
        // ACM answers RSA-2048 / EC-prime256v1; requests take RSA_2048 / EC_prime256v1.
        key_algorithm: c
            .key_algorithm()
            .and_then(|k| KeyAlg::parse(&k.as_str().replace('-', "_"))),
        region: c.certificate_arn().and_then(arn_region).map(str::to_string),
        arn: c.certificate_arn().map(str::to_string),
        status: c.status().map(|s| s.as_str().to_string()),
        validation_record_name: primary.map(|r| r.1.clone()),
        validation_record_type: primary.map(|r| r.2.clone()),
        validation_record_value: primary.map(|r| r.3.clone()),
        validation_records: records
            .into_iter()
            .map(|(domain, name, ty, value)| ValidationRecord {
                domain,
                name: Some(name),
                ty: Some(ty),
                value: Some(value),
            })
            .collect(),
        domain_name: domain,
        ..AcmCertificate::default()
    }
}

/// A certificate's attributes in configuration shape (`validation-records` always present).
pub fn certificate_attrs(c: &CertificateDetail) -> Attrs {
    let mut a = from_live(c).to_attrs();
    a.entry("validation-records".into())
        .or_insert(Value::List(Vec::new()));
    a
}

/// A ChangeResourceRecordSets change of one validation record (TTL 300).
fn record_change(action: ChangeAction, name: &str, ty: &str, value: &str) -> Change {
    let rrset = ResourceRecordSet::builder()
        .name(name)
        .r#type(RrType::from(ty))
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
        .action(action)
        .resource_record_set(rrset)
        .build()
        .expect("set")
}

/// One change per record name (the names of a wildcard and its apex share one record).
fn record_changes<'a>(
    action: ChangeAction,
    records: impl Iterator<Item = (&'a str, &'a str, &'a str)>,
) -> Vec<Change> {
    let mut seen = BTreeSet::new();
    records
        .filter(|(n, ..)| seen.insert(n.to_string()))
        .map(|(name, ty, value)| record_change(action.clone(), name, ty, value))
        .collect()
}

/// ACM's tags: AddTagsToCertificate with key-value pairs, RemoveTagsFromCertificate by key.
#[async_trait]
impl TagByKey for aws_sdk_acm::Client {
    async fn tag(&self, arn: &str, tags: BTreeMap<String, String>) -> Result<(), OpError> {
        let tags = acm_tags(
            tags.into_iter().map(|(k, v)| (k, Some(v))),
            "AddTagsToCertificate",
        )?;
        self.add_tags_to_certificate()
            .certificate_arn(arn)
            .set_tags(Some(tags))
            .send()
            .await
            .map_err(|e| op_error("AddTagsToCertificate", e))?;
        Ok(())
    }

    async fn untag(&self, arn: &str, keys: Vec<String>) -> Result<(), OpError> {
        let op = "RemoveTagsFromCertificate";
        let tags = acm_tags(keys.into_iter().map(|k| (k, None)), op)?;
        self.remove_tags_from_certificate()
            .certificate_arn(arn)
            .set_tags(Some(tags))
            .send()
            .await
            .map_err(|e| op_error(op, e))?;
        Ok(())
    }
}

/// ACM `Tag`s (a tag without a value names a key to remove).
fn acm_tags(
    pairs: impl Iterator<Item = (String, Option<String>)>,
    op: &str,
) -> Result<Vec<Tag>, OpError> {
    pairs
        .map(|(k, v)| {
            Tag::builder()
                .key(k)
                .set_value(v)
                .build()
                .map_err(|e| OpError::invalid(op, e.to_string()))
        })
        .collect()
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

    /// A lookup's certificate: the newest issued one of the wanted domain (none without one).
    async fn newest_issued(&self, wanted: &Attrs) -> Result<Vec<Live>, OpError> {
        let Some(domain) = str_of(wanted, "domain-name") else {
            return Ok(Vec::new());
        };
        let acm = self.acm(str_of(wanted, "region"));
        let mut next: Option<String> = None;
        let mut newest: Option<(aws_smithy_types::DateTime, String)> = None;
        loop {
            let out = acm
                .list_certificates()
                .set_certificate_statuses(Some(vec![
                    CertificateStatus::PendingValidation,
                    CertificateStatus::Issued,
                ]))
                .set_next_token(next.take())
                .send()
                .await
                .map_err(|e| op_error("ListCertificates", e))?;
            for arn in out
                .certificate_summary_list()
                .iter()
                .filter(|s| s.domain_name() == Some(domain))
                .filter_map(|s| s.certificate_arn())
            {
                let Some(c) = self.describe(arn).await? else {
                    continue;
                };
                if c.status() != Some(&CertificateStatus::Issued) {
                    continue;
                }
                let Some(at) = c.issued_at().or(c.created_at()).copied() else {
                    continue;
                };
                if newest.as_ref().is_none_or(|(t, _)| at > *t) {
                    newest = Some((at, arn.to_string()));
                }
            }
            match out.next_token() {
                Some(t) if !t.is_empty() => next = Some(t.to_string()),
                _ => break,
            }
        }
        match newest {
            Some((_, arn)) => Ok(self.read_cert(&arn).await?.into_iter().collect()),
            None => Ok(Vec::new()),
        }
    }

    /// The certificate of this domain with this address's ownership tags.
    async fn find_owned(&self, ctx: &OpContext, desired: &Attrs) -> OpResult<Option<String>> {
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
                let Some(arn) = s.certificate_arn().filter(|arn| !ctx.is_replaced(arn)) else {
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
        let found = wait::until(RECORDS_WAIT, || async {
            Ok(match self.describe(arn).await? {
                Some(c)
                    if !c.domain_validation_options().is_empty()
                        && validation_records(&c).len() == c.domain_validation_options().len() =>
                {
                    Look::Done(c)
                }
                _ => Look::NotYet(()),
            })
        })
        .await?;
        found.map_err(|()| {
            OpError::new(
                "DescribeCertificate",
                ErrorKind::Other,
                format!(
                    "ACM assigned no DNS validation records to {arn} within {} s",
                    RECORDS_WAIT.limit.as_secs()
                ),
            )
        })
    }

    /// Sends `changes` to `zone` in one ChangeResourceRecordSets.
    async fn change_records(
        &self,
        zone: &str,
        changes: Vec<Change>,
        comment: Option<&str>,
    ) -> Result<
        aws_sdk_route53::operation::change_resource_record_sets::ChangeResourceRecordSetsOutput,
        aws_smithy_runtime_api::client::result::SdkError<
            aws_sdk_route53::operation::change_resource_record_sets::ChangeResourceRecordSetsError,
            aws_smithy_runtime_api::http::Response,
        >,
    > {
        let batch = ChangeBatch::builder()
            .set_changes(Some(changes))
            .set_comment(comment.map(str::to_string))
            .build()
            .expect("set");
        self.aws
            .route53()
            .change_resource_record_sets()
            .hosted_zone_id(super::route53_zone::bare_zone_id(zone))
            .change_batch(batch)
            .send()
            .await
    }

    /// Publishes the validation records in `zone` and waits for ISSUED.
    async fn validate_in(&self, arn: &str, zone: &str, c: &CertificateDetail) -> OpResult<()> {
        // Written even when already issued: ACM's managed renewal needs the records to stay.
        let records = validation_records(c);
        let changes = record_changes(
            ChangeAction::Upsert,
            records
                .iter()
                .map(|(_, n, t, v)| (n.as_str(), t.as_str(), v.as_str())),
        );
        self.change_records(zone, changes, Some("eco: ACM validation"))
            .await
            .map_err(|e| op_error("ChangeResourceRecordSets", e))?;
        if c.status() == Some(&CertificateStatus::Issued) {
            return Ok(());
        }
        let acm = self.acm(arn_region(arn));
        acm.wait_until_certificate_validated()
            .certificate_arn(arn)
            .wait(wait::budget(ISSUE_WAIT))
            .await
            .map_err(|e| {
                OpError::new(
                    "DescribeCertificate",
                    crate::wait::waiter_failure_kind(&e),
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
        retag(&acm, arn, &live, want, &[]).await
    }

    /// After the delete: the records eco wrote into `validation-zone` (from the recorded
    /// attributes), deleted with their recorded values in one ChangeBatch. Records already gone
    /// or changed since (Route53 refuses the batch) and a zone already gone are left alone.
    async fn remove_validation_records(&self, prior: &Attrs) -> Result<(), OpError> {
        let Some(zone) = str_of(prior, "validation-zone") else {
            return Ok(());
        };
        let recorded: Vec<(&str, &str, &str)> = match prior.get("validation-records") {
            Some(Value::List(items)) => items
                .iter()
                .filter_map(|v| match v {
                    Value::Map(m) => Some((
                        m.get("name")?.as_str()?,
                        m.get("type")?.as_str()?,
                        m.get("value")?.as_str()?,
                    )),
                    _ => None,
                })
                .collect(),
            _ => Vec::new(),
        };
        let changes = record_changes(ChangeAction::Delete, recorded.into_iter());
        if changes.is_empty() {
            return Ok(());
        }
        match self.change_records(zone, changes, None).await {
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

/// The key algorithm as RequestCertificate takes it: `RSA_2048`, `EC_prime256v1` (the spelling
/// eco's attribute uses; DescribeCertificate answers with hyphens instead).
fn request_key_algorithm(key: KeyAlg) -> KeyAlgorithm {
    KeyAlgorithm::from(key.as_str())
}

/// `alternative-names` without the primary name and without repeats (case-insensitively, as DNS
/// names compare), in the order written; left alone while either is not known yet.
pub fn normalize_alternative_names(desired: &mut Attrs) {
    let Some(Value::String(primary)) = desired.get("domain-name").cloned() else {
        return;
    };
    let Some(Value::List(names)) = desired.get_mut("alternative-names") else {
        return;
    };
    if names.iter().any(|n| !matches!(n, Value::String(_))) {
        return;
    }
    let mut seen = vec![primary.to_ascii_lowercase()];
    names.retain(|n| {
        let name = n.as_str().unwrap_or_default().to_ascii_lowercase();
        let new = !seen.contains(&name);
        seen.push(name);
        new
    });
    if names.is_empty() {
        desired.remove("alternative-names");
    }
}

#[async_trait]
impl ResourceProvider for Provider {
    crate::resources::schema_and_transient!(TRANSIENT);

    /// ACM lists the primary name among the alternative names, and the read leaves it out:
    /// a configuration that repeats it there (as Terraform users write it) or repeats a name
    /// means the same certificate, not a replacement.
    fn normalize(&self, desired: &mut Attrs) {
        normalize_alternative_names(desired);
    }

    async fn read(&self, _ctx: &OpContext, id: &str) -> Result<Option<Live>, OpError> {
        self.read_cert(id).await
    }

    /// The newest issued certificate of the wanted domain.
    async fn lookup(&self, _ctx: &OpContext, wanted: &Attrs) -> Option<Result<Vec<Live>, OpError>> {
        Some(self.newest_issued(wanted).await)
    }

    async fn find(&self, ctx: &OpContext, desired: &Attrs, _token: &str) -> OpResult<Option<Live>> {
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
        let want = AcmCertificate::from_attrs(desired).map_err(invalid(OP))?;
        if let Some(arn) = self.find_owned(ctx, desired).await? {
            self.set_tags(&arn, &tags_of(desired.get("tags"))).await?;
            return self.finish(&arn, desired).await;
        }
        let tags = acm_tags(want.tags.into_iter().map(|(k, v)| (k, Some(v))), OP)?;
        let key = want.key_algorithm.map(request_key_algorithm);
        let alternatives = want.alternative_names;
        let acm = self.acm(want.region.as_deref());
        let out = acm
            .request_certificate()
            .domain_name(want.domain_name)
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
            )
            .with_code("ResourceInUseException")),
            Err(e) => Err(op_error("DeleteCertificate", e)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// RequestCertificate takes `EC_prime256v1`; the hyphenated form only comes back from
    /// DescribeCertificate (the request used to send it, which the SDK passes on unknown).
    #[test]
    fn requests_name_the_key_algorithm_as_acm_takes_it() {
        assert_eq!(
            request_key_algorithm(KeyAlg::Rsa2048),
            KeyAlgorithm::Rsa2048
        );
        assert_eq!(
            request_key_algorithm(KeyAlg::EcPrime256v1),
            KeyAlgorithm::EcPrime256v1
        );
        assert_eq!(
            request_key_algorithm(KeyAlg::EcSecp384r1),
            KeyAlgorithm::EcSecp384r1
        );
    }
    use eco_provider::values::s as sv;

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

    #[test]
    fn alternative_names_drop_the_primary_name_and_repeats_as_acm_reports_them() {
        let mut d = Attrs::from([
            (
                "domain-name".to_string(),
                Value::String("example.com".into()),
            ),
            (
                "alternative-names".to_string(),
                Value::List(
                    [
                        "Example.com",
                        "www.example.com",
                        "*.example.com",
                        "WWW.example.com",
                    ]
                    .map(|n| Value::String(n.into()))
                    .to_vec(),
                ),
            ),
        ]);
        normalize_alternative_names(&mut d);
        assert_eq!(
            d["alternative-names"],
            Value::List(vec![
                Value::String("www.example.com".into()),
                Value::String("*.example.com".into())
            ])
        );
        // Only the primary: no alternative names at all, as the read reports it.
        let mut only = Attrs::from([
            ("domain-name".to_string(), Value::String("a.io".into())),
            (
                "alternative-names".to_string(),
                Value::List(vec![Value::String("a.io".into())]),
            ),
        ]);
        normalize_alternative_names(&mut only);
        assert!(!only.contains_key("alternative-names"));
        // Not known yet: left alone.
        let mut unknown = Attrs::from([
            ("domain-name".to_string(), Value::Unknown),
            (
                "alternative-names".to_string(),
                Value::List(vec![Value::String("a.io".into())]),
            ),
        ]);
        normalize_alternative_names(&mut unknown);
        assert_eq!(
            unknown["alternative-names"],
            Value::List(vec![Value::String("a.io".into())])
        );
    }
}
