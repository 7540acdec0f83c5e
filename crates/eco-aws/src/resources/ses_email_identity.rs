//! `ses-email-identity`: an SES (v2) sending identity, a domain or an email address: Easy DKIM
//! (signing, key length) with the DKIM records to publish, the MAIL FROM domain, the default
//! configuration set and tags.
//!
//! AWS calls:
//! - read: GetEmailIdentity (DKIM, MAIL FROM, configuration set and tags in one answer; the ARN
//!   needs the account, asked of STS once per provider)
//! - create: CreateEmailIdentity (DKIM key length, configuration set, tags), then
//!   PutEmailIdentityDkimAttributes when signing is off and PutEmailIdentityMailFromAttributes
//!   when a MAIL FROM domain is set
//! - update: PutEmailIdentityDkimAttributes, PutEmailIdentityDkimSigningAttributes,
//!   PutEmailIdentityMailFromAttributes, PutEmailIdentityConfigurationSetAttributes,
//!   TagResource / UntagResource
//! - delete: DeleteEmailIdentity
//! - import: by the identity (the domain or the address); list: ListEmailIdentities, each read
//!
//! No batched read: ListEmailIdentities reports neither DKIM nor tags, so a refresh would still
//! need one GetEmailIdentity per identity.

use std::collections::BTreeMap;

use async_trait::async_trait;
use aws_sdk_sesv2::operation::get_email_identity::GetEmailIdentityOutput;
use aws_sdk_sesv2::types::{
    BehaviorOnMxFailure, DkimSigningAttributes, DkimSigningAttributesOrigin, DkimSigningKeyLength,
    Tag,
};
use eco_provider::{Attrs, Live, OpContext, OpError, OpResult, ResourceProvider};
use eco_schema::{Schema, Spec, SpecEnum};

use crate::attrs::spec_of;
use crate::aws::{has_code, op_error, partition, Aws};
use crate::calls::{
    bring_to, delete_if_present, every_page, found_to_adopt, get_optional, refuse_fixed, to_update,
};
use crate::ownership::ensure_ours;
use crate::tags::retag;

/// The length of the RSA key Easy DKIM signs with.
#[derive(Debug, Clone, Copy, PartialEq, Eq, SpecEnum)]
pub enum DkimKeyLength {
    #[eco(rename = "RSA_1024_BIT")]
    Rsa1024Bit,
    #[eco(rename = "RSA_2048_BIT")]
    Rsa2048Bit,
}

/// What SES does with mail when the MAIL FROM domain's MX record is missing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, SpecEnum)]
pub enum MxFailureBehavior {
    /// Send with the default MAIL FROM domain (amazonses.com).
    #[eco(rename = "USE_DEFAULT_VALUE")]
    UseDefaultValue,
    /// Refuse to send.
    #[eco(rename = "REJECT_MESSAGE")]
    RejectMessage,
}

/// An email identity: the desired configuration or what SES reports, in one shape.
#[derive(Debug, Clone, PartialEq, Eq, Default, Spec)]
#[eco(
    resource = "ses-email-identity",
    doc = "An SES sending identity (a domain with Easy DKIM, or an email address)",
    import_id = "the identity: the domain or the email address"
)]
pub struct EmailIdentity {
    /// the domain (example.com) or email address (noreply@example.com) SES sends as; the
    /// identity cannot be renamed
    #[eco(replace, name_rule = SesIdentity)]
    pub identity: String,
    /// whether SES signs the domain's mail with Easy DKIM (domains only; AWS turns it on when
    /// the identity is made; PutEmailIdentityDkimAttributes)
    pub dkim_signing_enabled: Option<bool>,
    /// length of the next Easy DKIM key, RSA_2048_BIT when not set (domains only; AWS takes a
    /// change at most once a day; PutEmailIdentityDkimSigningAttributes)
    pub dkim_key_length: Option<DkimKeyLength>,
    /// MAIL FROM domain, a subdomain of the identity's domain (e.g. mail.example.com), whose
    /// MX and SPF records you publish (PutEmailIdentityMailFromAttributes)
    pub mail_from_domain: Option<String>,
    /// what SES does when the MAIL FROM domain's MX record is missing (default
    /// USE_DEFAULT_VALUE); without `mail-from-domain` there is no MX record to miss, so it means
    /// nothing and is not compared (no call sets it)
    pub mail_from_behavior_on_mx_failure: Option<MxFailureBehavior>,
    /// configuration set mail from this identity uses by default
    /// (PutEmailIdentityConfigurationSetAttributes)
    pub configuration_set_name: Option<String>,
    /// DOMAIN or EMAIL_ADDRESS
    #[eco(computed)]
    pub identity_type: Option<String>,
    /// identity ARN (for IAM policies: `ses:SendEmail` on it)
    #[eco(computed)]
    pub arn: Option<String>,
    /// whether SES lets the identity send (its DNS records or address verified)
    #[eco(computed)]
    pub verified_for_sending: Option<bool>,
    /// Easy DKIM status: PENDING until the DKIM records are seen, then SUCCESS
    #[eco(computed)]
    pub dkim_status: Option<String>,
    /// the three Easy DKIM tokens
    #[eco(computed)]
    pub dkim_tokens: Vec<String>,
    /// the names of the three DKIM CNAME records, `TOKEN._domainkey.DOMAIN` (index them:
    /// `dkim-record-names.0`)
    #[eco(computed)]
    pub dkim_record_names: Vec<String>,
    /// the values of the three DKIM CNAME records, `TOKEN.dkim.amazonses.com`, in the order of
    /// `dkim-record-names`
    #[eco(computed)]
    pub dkim_record_values: Vec<String>,
    #[eco(tags)]
    pub tags: BTreeMap<String, String>,
}

pub const TYPE_NAME: &str = EmailIdentity::TYPE_NAME;
const TY: &str = TYPE_NAME;

/// The hosted zone Easy DKIM publishes its keys under when SES names none.
const DKIM_ZONE: &str = "dkim.amazonses.com";

/// The error code SES answers for an identity that does not exist.
const NOT_FOUND: &[&str] = &["NotFoundException"];

pub fn schema() -> Schema {
    EmailIdentity::schema()
}

impl EmailIdentity {
    /// Whether the identity is a domain (else an email address).
    pub fn is_domain(&self) -> bool {
        !self.identity.contains('@')
    }
}

crate::tags::sdk_tags!(pub(crate) Tag, TY);

// TagResource / UntagResource, naming the identity by its ARN.
crate::tags::tag_by_key!(aws_sdk_sesv2::Client, resource_arn, sdk_tags);

/// The identity's ARN: `arn:PARTITION:ses:REGION:ACCOUNT:identity/IDENTITY`.
pub fn identity_arn(region: &str, account: &str, identity: &str) -> String {
    let (partition, _) = partition(region);
    format!("arn:{partition}:ses:{region}:{account}:identity/{identity}")
}

/// The DKIM CNAME records of `domain` for `tokens`: (`TOKEN._domainkey.DOMAIN`,
/// `TOKEN.ZONE`), ZONE being the signing hosted zone SES names (dkim.amazonses.com).
pub fn dkim_records(domain: &str, tokens: &[String], zone: Option<&str>) -> Vec<(String, String)> {
    let zone = zone.unwrap_or(DKIM_ZONE);
    tokens
        .iter()
        .map(|t| (format!("{t}._domainkey.{domain}"), format!("{t}.{zone}")))
        .collect()
}

/// An identity as read: what GetEmailIdentity reports (`arn` given apart).
pub fn from_sdk(
    identity: &str,
    out: &GetEmailIdentityOutput,
    arn: Option<String>,
) -> EmailIdentity {
    let dkim = out.dkim_attributes();
    let mail_from = out.mail_from_attributes();
    let tokens: Vec<String> = dkim.map(|d| d.tokens().to_vec()).unwrap_or_default();
    let domain = identity.rsplit('@').next().unwrap_or(identity);
    let records = dkim_records(domain, &tokens, dkim.and_then(|d| d.signing_hosted_zone()));
    let key_length = dkim
        .and_then(|d| d.next_signing_key_length())
        .and_then(|k| match k {
            DkimSigningKeyLength::Rsa1024Bit => Some(DkimKeyLength::Rsa1024Bit),
            DkimSigningKeyLength::Rsa2048Bit => Some(DkimKeyLength::Rsa2048Bit),
            _ => None,
        });
    let behavior = mail_from.and_then(|m| match m.behavior_on_mx_failure() {
        BehaviorOnMxFailure::UseDefaultValue => Some(MxFailureBehavior::UseDefaultValue),
        BehaviorOnMxFailure::RejectMessage => Some(MxFailureBehavior::RejectMessage),
        _ => None,
    });
    EmailIdentity {
        identity: identity.to_string(),
        dkim_signing_enabled: dkim.map(|d| d.signing_enabled()),
        dkim_key_length: key_length,
        mail_from_domain: mail_from
            .map(|m| m.mail_from_domain().to_string())
            .filter(|d| !d.is_empty()),
        mail_from_behavior_on_mx_failure: behavior,
        configuration_set_name: out.configuration_set_name().map(str::to_string),
        identity_type: out.identity_type().map(|t| t.as_str().to_string()),
        arn,
        verified_for_sending: Some(out.verified_for_sending_status()),
        dkim_status: dkim
            .and_then(|d| d.status())
            .map(|s| s.as_str().to_string()),
        dkim_record_names: records.iter().map(|(n, _)| n.clone()).collect(),
        dkim_record_values: records.into_iter().map(|(_, v)| v).collect(),
        dkim_tokens: tokens,
        tags: out
            .tags()
            .iter()
            .map(|t| (t.key().to_string(), t.value().to_string()))
            .collect(),
    }
}

/// One SES call of an update, in the order they run (tags are retagged apart).
#[derive(Debug, Clone, PartialEq)]
pub enum Call {
    /// PutEmailIdentityDkimAttributes: Easy DKIM signing on or off.
    DkimSigning(bool),
    /// PutEmailIdentityDkimSigningAttributes: the next Easy DKIM key's length.
    DkimKeyLength(DkimKeyLength),
    /// PutEmailIdentityMailFromAttributes: the domain and MX failure behaviour (`None`: the
    /// default MAIL FROM domain again).
    MailFrom(Option<String>, Option<MxFailureBehavior>),
    /// PutEmailIdentityConfigurationSetAttributes (`None`: no default configuration set).
    ConfigurationSet(Option<String>),
}

/// The calls that take `live` to `want` for the attributes in `changed`; nothing when they
/// already agree. An attribute the configuration no longer sets is left as it is, except the
/// MAIL FROM domain and the configuration set, which are removed.
pub fn update_calls(live: &EmailIdentity, want: &EmailIdentity, changed: &[String]) -> Vec<Call> {
    let has = |k: &str| changed.iter().any(|c| c == k);
    let mut calls = Vec::new();
    if let Some(on) = want.dkim_signing_enabled {
        if has("dkim-signing-enabled") && live.dkim_signing_enabled != Some(on) {
            calls.push(Call::DkimSigning(on));
        }
    }
    if let Some(length) = want.dkim_key_length {
        if has("dkim-key-length") && live.dkim_key_length != Some(length) {
            calls.push(Call::DkimKeyLength(length));
        }
    }
    let mail_from = ["mail-from-domain", "mail-from-behavior-on-mx-failure"];
    if mail_from.iter().any(|k| has(k))
        && (want.mail_from_domain != live.mail_from_domain
            || (want.mail_from_behavior_on_mx_failure.is_some()
                && want.mail_from_behavior_on_mx_failure != live.mail_from_behavior_on_mx_failure))
    {
        calls.push(Call::MailFrom(
            want.mail_from_domain.clone(),
            want.mail_from_behavior_on_mx_failure,
        ));
    }
    if has("configuration-set-name") && want.configuration_set_name != live.configuration_set_name {
        calls.push(Call::ConfigurationSet(want.configuration_set_name.clone()));
    }
    calls
}

type DkimSigningReq = aws_sdk_sesv2::operation::put_email_identity_dkim_signing_attributes::builders::PutEmailIdentityDkimSigningAttributesFluentBuilder;
type MailFromReq = aws_sdk_sesv2::operation::put_email_identity_mail_from_attributes::builders::PutEmailIdentityMailFromAttributesFluentBuilder;
type CreateReq =
    aws_sdk_sesv2::operation::create_email_identity::builders::CreateEmailIdentityFluentBuilder;

fn sdk_key_length(length: DkimKeyLength) -> DkimSigningKeyLength {
    match length {
        DkimKeyLength::Rsa1024Bit => DkimSigningKeyLength::Rsa1024Bit,
        DkimKeyLength::Rsa2048Bit => DkimSigningKeyLength::Rsa2048Bit,
    }
}

/// PutEmailIdentityDkimSigningAttributes: Easy DKIM (origin AWS_SES) with the next key length.
pub fn dkim_signing_request(
    req: DkimSigningReq,
    identity: &str,
    length: DkimKeyLength,
) -> DkimSigningReq {
    req.email_identity(identity)
        .signing_attributes_origin(DkimSigningAttributesOrigin::AwsSes)
        .signing_attributes(
            DkimSigningAttributes::builder()
                .next_signing_key_length(sdk_key_length(length))
                .build(),
        )
}

/// PutEmailIdentityMailFromAttributes: the MAIL FROM domain and MX failure behaviour; without a
/// domain, SES goes back to its default MAIL FROM domain.
pub fn mail_from_request(
    req: MailFromReq,
    identity: &str,
    domain: Option<&str>,
    behavior: Option<MxFailureBehavior>,
) -> MailFromReq {
    let behavior = behavior.map(|b| match b {
        MxFailureBehavior::UseDefaultValue => BehaviorOnMxFailure::UseDefaultValue,
        MxFailureBehavior::RejectMessage => BehaviorOnMxFailure::RejectMessage,
    });
    req.email_identity(identity)
        .set_mail_from_domain(domain.map(str::to_string))
        .set_behavior_on_mx_failure(behavior)
}

/// CreateEmailIdentity of `spec`: Easy DKIM's key length when set, the configuration set and
/// the tags (eco's ownership tags among them, recorded by this one call).
pub fn create_request(req: CreateReq, spec: &EmailIdentity) -> Result<CreateReq, OpError> {
    let tags = (!spec.tags.is_empty())
        .then(|| sdk_tags(&spec.tags, "CreateEmailIdentity"))
        .transpose()?;
    let dkim = spec.dkim_key_length.map(|length| {
        DkimSigningAttributes::builder()
            .next_signing_key_length(sdk_key_length(length))
            .build()
    });
    Ok(req
        .email_identity(&spec.identity)
        .set_dkim_signing_attributes(dkim)
        .set_configuration_set_name(spec.configuration_set_name.clone())
        .set_tags(tags))
}

/// What an email address identity cannot take (Easy DKIM is configured on its domain).
fn check_kind(spec: &EmailIdentity, op: &str) -> Result<(), OpError> {
    if spec.is_domain() {
        return Ok(());
    }
    let domain_only = [
        ("dkim-signing-enabled", spec.dkim_signing_enabled.is_some()),
        ("dkim-key-length", spec.dkim_key_length.is_some()),
        ("mail-from-domain", spec.mail_from_domain.is_some()),
    ];
    match domain_only.iter().find(|(_, set)| *set) {
        Some((name, _)) => Err(OpError::invalid(
            op,
            format!(
                "{TY} `{}`: `{name}` is for a domain identity; an email address's DKIM and MAIL \
                 FROM are its domain's (declare a ses-email-identity for the domain)",
                spec.identity
            ),
        )),
        None => Ok(()),
    }
}

/// The `ses-email-identity` operations, on one account's SES v2 client.
///
/// `read` costs 1 call (GetEmailIdentity), plus STS GetCallerIdentity once per provider for the
/// ARN.
pub struct Provider {
    ses: aws_sdk_sesv2::Client,
    aws: Aws,
    account: tokio::sync::OnceCell<String>,
    schema: Schema,
}

impl Provider {
    pub fn new(aws: &Aws) -> Provider {
        Provider {
            ses: aws.sesv2(),
            aws: aws.clone(),
            account: tokio::sync::OnceCell::new(),
            schema: schema(),
        }
    }

    async fn arn(&self, identity: &str) -> Result<String, OpError> {
        let account = self
            .account
            .get_or_try_init(|| self.aws.caller_account())
            .await?;
        Ok(identity_arn(&self.aws.region(), account, identity))
    }

    async fn read_identity(&self, identity: &str) -> Result<Option<EmailIdentity>, OpError> {
        let call = self
            .ses
            .get_email_identity()
            .email_identity(identity)
            .send();
        let not_found = |e: &_| has_code(e, NOT_FOUND);
        let Some(out) = get_optional("GetEmailIdentity", not_found, call).await? else {
            return Ok(None);
        };
        let arn = self.arn(identity).await?;
        Ok(Some(from_sdk(identity, &out, Some(arn))))
    }

    async fn run(&self, identity: &str, call: Call) -> Result<(), OpError> {
        let ses = &self.ses;
        match call {
            Call::DkimSigning(on) => ses
                .put_email_identity_dkim_attributes()
                .email_identity(identity)
                .signing_enabled(on)
                .send()
                .await
                .map(drop)
                .map_err(|e| op_error("PutEmailIdentityDkimAttributes", e)),
            Call::DkimKeyLength(length) => dkim_signing_request(
                ses.put_email_identity_dkim_signing_attributes(),
                identity,
                length,
            )
            .send()
            .await
            .map(drop)
            .map_err(|e| op_error("PutEmailIdentityDkimSigningAttributes", e)),
            Call::MailFrom(domain, behavior) => mail_from_request(
                ses.put_email_identity_mail_from_attributes(),
                identity,
                domain.as_deref(),
                behavior,
            )
            .send()
            .await
            .map(drop)
            .map_err(|e| op_error("PutEmailIdentityMailFromAttributes", e)),
            Call::ConfigurationSet(name) => ses
                .put_email_identity_configuration_set_attributes()
                .email_identity(identity)
                .set_configuration_set_name(name)
                .send()
                .await
                .map(drop)
                .map_err(|e| op_error("PutEmailIdentityConfigurationSetAttributes", e)),
        }
    }

    /// The identity when it exists: ours, or a Conflict naming its owner.
    async fn find_identity(
        &self,
        ctx: &OpContext,
        identity: &str,
        op: &str,
    ) -> OpResult<Option<Live>> {
        let Some(found) = self.read_identity(identity).await? else {
            return Ok(None);
        };
        let what = format!("SES identity `{identity}`");
        ensure_ours(ctx, op, &what, identity, &found.tags)?;
        Ok(Some(live(found)))
    }
}

fn live(identity: EmailIdentity) -> Live {
    Live {
        id: identity.identity.clone(),
        attrs: identity.to_attrs(),
    }
}

#[async_trait]
impl ResourceProvider for Provider {
    fn schema(&self) -> &Schema {
        &self.schema
    }

    fn normalize(&self, desired: &mut Attrs) {
        normalize_mail_from(desired);
    }

    async fn read(&self, _ctx: &OpContext, id: &str) -> Result<Option<Live>, OpError> {
        Ok(self.read_identity(id).await?.map(live))
    }

    /// The identity of the configuration, when it exists and carries this address's ownership
    /// tags (the identity is its own id: there is nothing else to find it by).
    async fn find(&self, ctx: &OpContext, desired: &Attrs, _token: &str) -> OpResult<Option<Live>> {
        let spec: EmailIdentity = spec_of(desired, TY, "GetEmailIdentity")?;
        self.find_identity(ctx, &spec.identity, "GetEmailIdentity")
            .await
    }

    /// CreateEmailIdentity (DKIM key length, configuration set, tags), then what it cannot set:
    /// signing off, the MAIL FROM domain. An identity of ours that already exists (a re-run
    /// after a crash) is adopted and brought to `desired`; anyone else's is a Conflict.
    async fn create(&self, ctx: &OpContext, desired: &Attrs, _: &str) -> Result<Live, OpError> {
        let op = "CreateEmailIdentity";
        let spec: EmailIdentity = spec_of(desired, TY, op)?;
        check_kind(&spec, op)?;
        let created = create_request(self.ses.create_email_identity(), &spec)?
            .send()
            .await;
        match created {
            Ok(_) => {
                let made = EmailIdentity {
                    identity: spec.identity.clone(),
                    ..EmailIdentity::default()
                };
                let after_create = EmailIdentity {
                    dkim_key_length: spec.dkim_key_length,
                    configuration_set_name: spec.configuration_set_name.clone(),
                    ..made
                };
                let rest = ["dkim-signing-enabled", "mail-from-domain"].map(String::from);
                let mut calls = update_calls(&after_create, &spec, &rest);
                // Signing is on after CreateEmailIdentity: only turning it off is a call.
                calls.retain(|c| *c != Call::DkimSigning(true));
                for call in calls {
                    self.run(&spec.identity, call).await?;
                }
                let read = self.read_identity(&spec.identity).await?;
                Ok(live(crate::calls::made(read, op, TY, &spec.identity)?))
            }
            Err(e) if has_code(&e, &["AlreadyExistsException"]) => {
                let found = found_to_adopt(
                    self.find_identity(ctx, &spec.identity, op).await?,
                    op,
                    &format!("SES identity `{}`", spec.identity),
                )?;
                bring_to(self, ctx, found, desired, &[]).await
            }
            Err(e) => Err(op_error(op, e)),
        }
    }

    async fn update(
        &self,
        _ctx: &OpContext,
        id: &str,
        _prior: &Attrs,
        desired: &Attrs,
        changed: &[String],
    ) -> Result<Live, OpError> {
        let op = "PutEmailIdentityDkimAttributes";
        refuse_fixed(changed, &["identity"], TY, op)?;
        let want: EmailIdentity = spec_of(desired, TY, op)?;
        check_kind(&want, op)?;
        let what = format!("SES identity `{id}`");
        let current = to_update(self.read_identity(id).await?, "GetEmailIdentity", &what)?;
        for call in update_calls(&current, &want, changed) {
            self.run(id, call).await?;
        }
        if changed.iter().any(|c| c == "tags") {
            let arn = self.arn(id).await?;
            retag(&self.ses, &arn, &current.tags, &want.tags, &[]).await?;
        }
        let after = to_update(self.read_identity(id).await?, "GetEmailIdentity", &what)?;
        Ok(live(after))
    }

    /// DeleteEmailIdentity; an identity already gone is success.
    async fn delete(&self, _ctx: &OpContext, id: &str, _prior: &Attrs) -> Result<(), OpError> {
        let call = self.ses.delete_email_identity().email_identity(id).send();
        delete_if_present("DeleteEmailIdentity", |e| has_code(e, NOT_FOUND), call).await
    }

    /// ListEmailIdentities (every page), each identity read.
    async fn list(&self, _ctx: &OpContext) -> Option<Result<Vec<Live>, OpError>> {
        let names = every_page(|token| async move {
            let out = self
                .ses
                .list_email_identities()
                .set_next_token(token)
                .send()
                .await
                .map_err(|e| op_error("ListEmailIdentities", e))?;
            let names: Vec<String> = out
                .email_identities()
                .iter()
                .filter_map(|i| i.identity_name().map(str::to_string))
                .collect();
            Ok((names, out.next_token().map(str::to_string)))
        })
        .await;
        crate::aws::read_listed(names, |name| async move {
            Ok(self.read_identity(&name).await?.map(live))
        })
        .await
    }
}

/// The MX failure behaviour without a MAIL FROM domain is left out: it applies only to a custom
/// MAIL FROM domain's MX record, and SES's default domain has none (so it is never compared,
/// and no PutEmailIdentityMailFromAttributes is made for it alone).
pub fn normalize_mail_from(desired: &mut Attrs) {
    let domain = desired.get("mail-from-domain");
    if domain.is_none() || domain == Some(&eco_provider::Value::Null) {
        desired.remove("mail-from-behavior-on-mx-failure");
    }
}

#[cfg(test)]
mod tests {
    use aws_sdk_sesv2::types::{DkimAttributes, DkimStatus, IdentityType, MailFromAttributes};
    use eco_provider::Value;

    use super::*;

    fn domain() -> EmailIdentity {
        EmailIdentity {
            identity: "ecogy.example".into(),
            ..EmailIdentity::default()
        }
    }

    fn changed(keys: &[&str]) -> Vec<String> {
        keys.iter().map(|k| k.to_string()).collect()
    }

    #[test]
    fn the_dkim_records_are_the_three_cnames_route53_takes() {
        let out = GetEmailIdentityOutput::builder()
            .identity_type(IdentityType::Domain)
            .verified_for_sending_status(false)
            .dkim_attributes(
                DkimAttributes::builder()
                    .signing_enabled(true)
                    .status(DkimStatus::Pending)
                    .tokens("tok1")
                    .tokens("tok2")
                    .tokens("tok3")
                    .next_signing_key_length(DkimSigningKeyLength::Rsa2048Bit)
                    .build(),
            )
            .mail_from_attributes(
                MailFromAttributes::builder()
                    .mail_from_domain("mail.ecogy.example")
                    .mail_from_domain_status(aws_sdk_sesv2::types::MailFromDomainStatus::Pending)
                    .behavior_on_mx_failure(BehaviorOnMxFailure::RejectMessage)
                    .build()
                    .unwrap(),
            )
            .tags(
                Tag::builder()
                    .key("team")
                    .value("platform")
                    .build()
                    .unwrap(),
            )
            .build();
        let read = from_sdk("ecogy.example", &out, Some("arn".into()));
        assert_eq!(
            read.dkim_record_names,
            vec![
                "tok1._domainkey.ecogy.example",
                "tok2._domainkey.ecogy.example",
                "tok3._domainkey.ecogy.example"
            ]
        );
        assert_eq!(read.dkim_record_values[2], "tok3.dkim.amazonses.com");
        assert_eq!(read.dkim_key_length, Some(DkimKeyLength::Rsa2048Bit));
        assert_eq!(read.dkim_status.as_deref(), Some("PENDING"));
        assert_eq!(read.mail_from_domain.as_deref(), Some("mail.ecogy.example"));
        assert_eq!(
            read.mail_from_behavior_on_mx_failure,
            Some(MxFailureBehavior::RejectMessage)
        );
        assert_eq!(read.identity_type.as_deref(), Some("DOMAIN"));
        let attrs = read.to_attrs();
        assert_eq!(
            attrs["dkim-record-names"],
            Value::List(vec![
                Value::String("tok1._domainkey.ecogy.example".into()),
                Value::String("tok2._domainkey.ecogy.example".into()),
                Value::String("tok3._domainkey.ecogy.example".into()),
            ])
        );
        // A region whose keys SES publishes under another zone names it.
        let other = dkim_records(
            "d.example",
            &["t".into()],
            Some("dkim.eu-south-2.amazonses.com"),
        );
        assert_eq!(other[0].1, "t.dkim.eu-south-2.amazonses.com");
    }

    #[test]
    fn changes_make_only_the_calls_they_need() {
        let live = EmailIdentity {
            dkim_signing_enabled: Some(true),
            dkim_key_length: Some(DkimKeyLength::Rsa2048Bit),
            ..domain()
        };
        let want = EmailIdentity {
            dkim_signing_enabled: Some(false),
            dkim_key_length: Some(DkimKeyLength::Rsa1024Bit),
            mail_from_domain: Some("mail.ecogy.example".into()),
            configuration_set_name: Some("transactional".into()),
            ..domain()
        };
        let all = changed(&[
            "dkim-signing-enabled",
            "dkim-key-length",
            "mail-from-domain",
            "configuration-set-name",
        ]);
        assert_eq!(
            update_calls(&live, &want, &all),
            vec![
                Call::DkimSigning(false),
                Call::DkimKeyLength(DkimKeyLength::Rsa1024Bit),
                Call::MailFrom(Some("mail.ecogy.example".into()), None),
                Call::ConfigurationSet(Some("transactional".into())),
            ]
        );
        assert!(update_calls(&live, &want, &[]).is_empty());
        assert!(update_calls(&want, &want, &all).is_empty());
        // Removed from the configuration: MAIL FROM and the configuration set go back to none;
        // DKIM settings stay as they are.
        assert_eq!(
            update_calls(&want, &domain(), &all),
            vec![Call::MailFrom(None, None), Call::ConfigurationSet(None)]
        );
        // Only the behaviour changes: the domain is sent with it.
        let reject = EmailIdentity {
            mail_from_behavior_on_mx_failure: Some(MxFailureBehavior::RejectMessage),
            ..want.clone()
        };
        assert_eq!(
            update_calls(
                &want,
                &reject,
                &changed(&["mail-from-behavior-on-mx-failure"])
            ),
            vec![Call::MailFrom(
                Some("mail.ecogy.example".into()),
                Some(MxFailureBehavior::RejectMessage)
            )]
        );
    }

    #[test]
    fn the_put_requests_name_the_identity_and_what_they_set() {
        // moto has none of the Put*Attributes calls (docs/testing.md): the requests are checked
        // here.
        let ses = crate::aws::offline().sesv2();
        let req = dkim_signing_request(
            ses.put_email_identity_dkim_signing_attributes(),
            "ecogy.example",
            DkimKeyLength::Rsa1024Bit,
        );
        assert_eq!(req.get_email_identity().as_deref(), Some("ecogy.example"));
        assert_eq!(
            req.get_signing_attributes_origin(),
            &Some(DkimSigningAttributesOrigin::AwsSes)
        );
        assert_eq!(
            req.get_signing_attributes()
                .as_ref()
                .and_then(|a| a.next_signing_key_length()),
            Some(&DkimSigningKeyLength::Rsa1024Bit)
        );
        let req = mail_from_request(
            ses.put_email_identity_mail_from_attributes(),
            "ecogy.example",
            Some("mail.ecogy.example"),
            Some(MxFailureBehavior::UseDefaultValue),
        );
        assert_eq!(
            req.get_mail_from_domain().as_deref(),
            Some("mail.ecogy.example")
        );
        assert_eq!(
            req.get_behavior_on_mx_failure(),
            &Some(BehaviorOnMxFailure::UseDefaultValue)
        );
        let cleared = mail_from_request(
            ses.put_email_identity_mail_from_attributes(),
            "ecogy.example",
            None,
            None,
        );
        assert_eq!(cleared.get_mail_from_domain(), &None);
    }

    #[test]
    fn create_sends_the_key_length_configuration_set_and_tags_and_an_address_takes_no_dkim() {
        let spec = EmailIdentity {
            dkim_key_length: Some(DkimKeyLength::Rsa2048Bit),
            configuration_set_name: Some("transactional".into()),
            tags: BTreeMap::from([("team".into(), "platform".into())]),
            ..domain()
        };
        let req =
            create_request(crate::aws::offline().sesv2().create_email_identity(), &spec).unwrap();
        assert_eq!(
            req.get_dkim_signing_attributes()
                .as_ref()
                .and_then(|a| a.next_signing_key_length()),
            Some(&DkimSigningKeyLength::Rsa2048Bit)
        );
        assert_eq!(
            req.get_configuration_set_name().as_deref(),
            Some("transactional")
        );
        assert_eq!(req.get_tags().as_ref().map(Vec::len), Some(1));

        let address = EmailIdentity {
            identity: "noreply@ecogy.example".into(),
            dkim_key_length: Some(DkimKeyLength::Rsa1024Bit),
            ..EmailIdentity::default()
        };
        let e = check_kind(&address, "CreateEmailIdentity").unwrap_err();
        assert_eq!(e.kind, eco_provider::ErrorKind::Invalid);
        assert!(
            e.message
                .contains("`dkim-key-length` is for a domain identity"),
            "{e}"
        );
        assert!(check_kind(&domain(), "CreateEmailIdentity").is_ok());
        assert_eq!(
            identity_arn("eu-west-1", "123456789012", "ecogy.example"),
            "arn:aws:ses:eu-west-1:123456789012:identity/ecogy.example"
        );
    }

    #[test]
    fn an_mx_failure_behaviour_without_a_mail_from_domain_means_nothing() {
        use eco_provider::Value;
        let behavior = (
            "mail-from-behavior-on-mx-failure".to_string(),
            Value::String("REJECT_MESSAGE".into()),
        );
        let mut alone: Attrs = [behavior.clone()].into_iter().collect();
        normalize_mail_from(&mut alone);
        assert!(alone.is_empty(), "{alone:?}");
        let domain = (
            "mail-from-domain".to_string(),
            Value::String("mail.example.com".into()),
        );
        let mut with_domain: Attrs = [behavior, domain].into_iter().collect();
        let before = with_domain.clone();
        normalize_mail_from(&mut with_domain);
        assert_eq!(with_domain, before);
    }
}
