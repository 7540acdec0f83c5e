//! `cognito-user-pool-domain`: the hosted UI / OAuth domain of a user pool, either a prefix
//! (`PREFIX.auth.REGION.amazoncognito.com`) or a custom domain with an ACM certificate.
//!
//! AWS calls:
//! - read: DescribeUserPoolDomain (an empty DomainDescription means no such domain)
//! - find: DescribeUserPoolDomain: a domain of the configured pool is this address's (domains
//!   carry no tags; the pool, by its id, is what makes it ours); one of another pool is a Conflict
//! - create: CreateUserPoolDomain (CustomDomainConfig with the certificate for a custom domain,
//!   ManagedLoginVersion), then DescribeUserPoolDomain until ACTIVE: backoff from 2 s doubling to
//!   30 s, at most 30 minutes in all (a custom domain provisions a CloudFront distribution); FAILED
//!   is an error
//! - update: UpdateUserPoolDomain with the certificate and the managed login version (both sent:
//!   the live value for the one not changed), then the same wait
//! - delete: DescribeUserPoolDomain (gone: success) for the pool id, then DeleteUserPoolDomain
//! - import: by domain (DescribeUserPoolDomain); the state id is the domain

use eco_schema::{Attribute, Schema};

pub const TYPE_NAME: &str = "cognito-user-pool-domain";

pub fn schema() -> Schema {
    Schema::new(
        TYPE_NAME,
        "The hosted UI and OAuth domain of a Cognito user pool",
    )
    .import_id("the domain prefix (or custom domain)")
    .attr(
        Attribute::string("domain")
            .required()
            .forces_replacement()
            .doc("prefix (ecogy-dev) or a custom domain (auth.example.com)"),
    )
    .attr(
        Attribute::string("user-pool")
            .required()
            .forces_replacement()
            .doc("id of the user pool"),
    )
    .attr(
        Attribute::string("certificate")
            .doc("ACM certificate ARN in us-east-1 for a custom domain (UpdateUserPoolDomain)"),
    )
    .attr(
        Attribute::int("managed-login-version")
            .range(1, 2)
            .doc("1 (classic hosted UI) or 2 (managed login) (UpdateUserPoolDomain)"),
    )
    .attr(
        Attribute::string("cloudfront-domain-name")
            .computed()
            .doc("CloudFront domain behind a custom domain, for its alias record"),
    )
    .attr(
        Attribute::string("hosted-zone-id")
            .computed()
            .doc("CloudFront's hosted zone id, for that alias record"),
    )
}

// ---------------------------------------------------------------------------------------------
// Operations
// ---------------------------------------------------------------------------------------------

use std::time::Duration;

use async_trait::async_trait;
use aws_sdk_cognitoidentityprovider::types::{
    CustomDomainConfigType, DomainDescriptionType, DomainStatusType,
};
use eco_provider::{Attrs, ErrorKind, Live, OpContext, OpError, ResourceProvider, Value};

use crate::attrs::{opt_int_in, opt_str, req_str, s};
use crate::aws::{is_not_found, op_error, Aws};
use crate::calls::delete_if_present;

const TY: &str = "cognito-user-pool-domain";

/// CloudFront's hosted zone id: the alias target zone of every CloudFront distribution.
pub const CLOUDFRONT_ZONE_ID: &str = "Z2FDTNDATAQYW2";

/// How long create/update wait for the domain to become ACTIVE, at most.
const READY_TIMEOUT: Duration = Duration::from_secs(30 * 60);

/// A custom domain (with dots) needs a certificate; a prefix domain takes none.
pub fn check_domain(domain: &str, certificate: Option<&str>, op: &str) -> Result<(), OpError> {
    let custom = domain.contains('.');
    if custom && certificate.is_none() {
        return Err(OpError::invalid(
            op,
            format!("{TY}: `{domain}` is a custom domain: set `certificate` to an ACM certificate ARN in us-east-1"),
        ));
    }
    if !custom {
        if certificate.is_some() {
            return Err(OpError::invalid(
                op,
                format!("{TY}: `{domain}` is a prefix domain ({domain}.auth.REGION.amazoncognito.com), which takes no certificate"),
            ));
        }
        let ok = !domain.is_empty()
            && domain.len() <= 63
            && domain
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
            && !domain.starts_with('-')
            && !domain.ends_with('-');
        if !ok {
            return Err(OpError::invalid(
                op,
                format!("{TY}: prefix `{domain}` must be 1-63 lowercase letters, digits and hyphens, not starting or ending with a hyphen"),
            ));
        }
    }
    Ok(())
}

fn custom_config(arn: &str) -> CustomDomainConfigType {
    CustomDomainConfigType::builder()
        .certificate_arn(arn)
        .build()
        .expect("certificate_arn is set")
}

type UpdateReq = aws_sdk_cognitoidentityprovider::operation::update_user_pool_domain::builders::UpdateUserPoolDomainFluentBuilder;

/// UpdateUserPoolDomain with the certificate and managed login version to have.
pub fn update_request(
    req: UpdateReq,
    domain: &str,
    pool: &str,
    certificate: Option<&str>,
    managed_login_version: Option<i32>,
) -> UpdateReq {
    req.domain(domain)
        .user_pool_id(pool)
        .set_custom_domain_config(certificate.map(custom_config))
        .set_managed_login_version(managed_login_version)
}

fn present(d: &DomainDescriptionType) -> bool {
    d.domain().is_some_and(|x| !x.is_empty()) && d.user_pool_id().is_some_and(|x| !x.is_empty())
}

/// The configuration-shaped attributes of a domain.
pub fn to_attrs(d: &DomainDescriptionType) -> Attrs {
    let mut a = Attrs::new();
    if let Some(x) = d.domain() {
        a.insert("domain".into(), s(x));
    }
    if let Some(x) = d.user_pool_id() {
        a.insert("user-pool".into(), s(x));
    }
    let cert = d
        .custom_domain_config()
        .map(|c| c.certificate_arn())
        .filter(|c| !c.is_empty());
    if let Some(c) = cert {
        a.insert("certificate".into(), s(c));
    }
    if let Some(v) = d.managed_login_version() {
        a.insert("managed-login-version".into(), Value::Int(v as i64));
    }
    if let Some(cf) = d.cloud_front_distribution().filter(|x| !x.is_empty()) {
        a.insert("cloudfront-domain-name".into(), s(cf));
        if d.domain().is_some_and(|x| x.contains('.')) {
            a.insert("hosted-zone-id".into(), s(CLOUDFRONT_ZONE_ID));
        }
    }
    a
}

/// The `cognito-user-pool-domain` operations.
pub struct Provider {
    client: aws_sdk_cognitoidentityprovider::Client,
    schema: Schema,
}

impl Provider {
    pub fn new(aws: &Aws) -> Provider {
        Provider {
            client: aws.cognito_idp(),
            schema: schema(),
        }
    }

    async fn describe(&self, domain: &str) -> Result<Option<DomainDescriptionType>, OpError> {
        match self
            .client
            .describe_user_pool_domain()
            .domain(domain)
            .send()
            .await
        {
            Ok(o) => Ok(o.domain_description.filter(present)),
            Err(e) if is_not_found(&e) => Ok(None),
            Err(e) => Err(op_error("DescribeUserPoolDomain", e)),
        }
    }

    /// DescribeUserPoolDomain until the domain is ACTIVE (backoff 2 s doubling to 30 s, at most
    /// [`READY_TIMEOUT`]).
    async fn wait_active(&self, domain: &str, op: &str) -> Result<Live, OpError> {
        let started = std::time::Instant::now();
        let mut delay = Duration::from_secs(2);
        loop {
            let Some(d) = self.describe(domain).await? else {
                return Err(OpError::new(
                    op,
                    ErrorKind::Other,
                    format!("{TY}: domain `{domain}` vanished during {op}"),
                ));
            };
            match d.status() {
                Some(DomainStatusType::Failed) => {
                    return Err(OpError::new(
                        op,
                        ErrorKind::Other,
                        format!("{TY}: domain `{domain}` is FAILED (check the certificate: ACM, us-east-1, ISSUED, covering the domain)"),
                    ))
                }
                Some(DomainStatusType::Creating) | Some(DomainStatusType::Updating)
                    if started.elapsed() < READY_TIMEOUT =>
                {
                    tokio::time::sleep(delay).await;
                    delay = (delay * 2).min(Duration::from_secs(30));
                }
                Some(DomainStatusType::Creating) | Some(DomainStatusType::Updating) => {
                    return Err(OpError::new(
                        op,
                        ErrorKind::Retryable,
                        format!("{TY}: domain `{domain}` is still not ACTIVE after {} minutes", READY_TIMEOUT.as_secs() / 60),
                    ))
                }
                _ => {
                    return Ok(Live {
                        id: domain.to_string(),
                        attrs: to_attrs(&d),
                    })
                }
            }
        }
    }

    async fn converge(
        &self,
        live: &DomainDescriptionType,
        want: &Attrs,
        changed: &[String],
        op: &str,
    ) -> Result<Live, OpError> {
        let domain = live.domain().unwrap_or_default();
        let pool = live.user_pool_id().unwrap_or_default();
        let cur = to_attrs(live);
        let has = |a: &str| changed.iter().any(|c| c == a);
        let mut cert = cur
            .get("certificate")
            .and_then(Value::as_str)
            .map(str::to_string);
        let mut version = live.managed_login_version();
        let mut send = false;
        if has("certificate") {
            if let Some(c) = opt_str(want, "certificate", TY, op)? {
                send |= cert.as_deref() != Some(c.as_str());
                cert = Some(c);
            }
        }
        if has("managed-login-version") {
            if let Some(v) = opt_int_in(want, "managed-login-version", 1..=2, TY, op)? {
                send |= version != Some(v);
                version = Some(v);
            }
        }
        for fixed in ["domain", "user-pool"] {
            if has(fixed) && want.get(fixed) != cur.get(fixed) {
                return Err(OpError::invalid(
                    op,
                    format!("{TY}: `{fixed}` cannot change in place (it forces a replacement)"),
                ));
            }
        }
        if !send {
            return Ok(Live {
                id: domain.to_string(),
                attrs: cur,
            });
        }
        check_domain(domain, cert.as_deref(), op)?;
        update_request(
            self.client.update_user_pool_domain(),
            domain,
            pool,
            cert.as_deref(),
            version,
        )
        .send()
        .await
        .map_err(|e| op_error("UpdateUserPoolDomain", e))?;
        self.wait_active(domain, op).await
    }
}

#[async_trait]
impl ResourceProvider for Provider {
    fn schema(&self) -> &Schema {
        &self.schema
    }

    async fn read(&self, _ctx: &OpContext, id: &str) -> Result<Option<Live>, OpError> {
        Ok(self.describe(id).await?.map(|d| Live {
            id: id.to_string(),
            attrs: to_attrs(&d),
        }))
    }

    async fn find(
        &self,
        ctx: &OpContext,
        desired: &Attrs,
        _token: &str,
    ) -> Result<Option<Live>, OpError> {
        let op = "DescribeUserPoolDomain";
        let domain = req_str(desired, "domain", TY, op)?;
        let pool = req_str(desired, "user-pool", TY, op)?;
        match self.describe(&domain).await? {
            None => Ok(None),
            Some(d) if d.user_pool_id() == Some(pool.as_str()) => Ok(Some(Live {
                id: domain,
                attrs: to_attrs(&d),
            })),
            Some(d) => Err(OpError::new(
                op,
                ErrorKind::Conflict,
                format!(
                    "{TY}: domain `{domain}` already belongs to user pool `{}`, not to `{pool}` (the pool of {} in project `{}` stage `{}`); \
                     a domain serves one pool: remove it there first, or choose another domain",
                    d.user_pool_id().unwrap_or("?"),
                    ctx.address,
                    ctx.project,
                    ctx.stage
                ),
            )),
        }
    }

    async fn create(&self, ctx: &OpContext, desired: &Attrs, token: &str) -> Result<Live, OpError> {
        let op = "CreateUserPoolDomain";
        let domain = req_str(desired, "domain", TY, op)?;
        let pool = req_str(desired, "user-pool", TY, op)?;
        let cert = opt_str(desired, "certificate", TY, op)?;
        let version = opt_int_in(desired, "managed-login-version", 1..=2, TY, op)?;
        check_domain(&domain, cert.as_deref(), op)?;
        if self.find(ctx, desired, token).await?.is_some() {
            let live = self.describe(&domain).await?.ok_or_else(|| {
                OpError::new(
                    op,
                    ErrorKind::Other,
                    format!("{TY}: domain `{domain}` vanished"),
                )
            })?;
            let names = vec![
                "certificate".to_string(),
                "managed-login-version".to_string(),
            ];
            self.converge(&live, desired, &names, op).await?;
            return self.wait_active(&domain, op).await;
        }
        self.client
            .create_user_pool_domain()
            .domain(&domain)
            .user_pool_id(&pool)
            .set_custom_domain_config(cert.as_deref().map(custom_config))
            .set_managed_login_version(version)
            .send()
            .await
            .map_err(|e| op_error(op, e))?;
        self.wait_active(&domain, op).await
    }

    async fn update(
        &self,
        _ctx: &OpContext,
        id: &str,
        _prior: &Attrs,
        desired: &Attrs,
        changed: &[String],
    ) -> Result<Live, OpError> {
        let op = "UpdateUserPoolDomain";
        let Some(live) = self.describe(id).await? else {
            return Err(OpError::new(
                op,
                ErrorKind::Other,
                format!("{TY}: domain `{id}` no longer exists (deleted outside eco?)"),
            ));
        };
        self.converge(&live, desired, changed, op).await
    }

    async fn delete(&self, _ctx: &OpContext, id: &str, _prior: &Attrs) -> Result<(), OpError> {
        let Some(d) = self.describe(id).await? else {
            return Ok(());
        };
        delete_if_present(
            "DeleteUserPoolDomain",
            is_not_found,
            self.client
                .delete_user_pool_domain()
                .domain(id)
                .user_pool_id(d.user_pool_id().unwrap_or_default())
                .send(),
        )
        .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn client() -> aws_sdk_cognitoidentityprovider::Client {
        crate::aws::Aws::for_endpoint("http://127.0.0.1:9", "us-east-1").cognito_idp()
    }

    const CERT: &str = "arn:aws:acm:us-east-1:123456789012:certificate/abc";

    #[test]
    fn update_request_carries_certificate_and_version() {
        let req = update_request(
            client().update_user_pool_domain(),
            "auth.example.com",
            "us-east-1_p",
            Some(CERT),
            Some(2),
        );
        assert_eq!(req.get_domain().as_deref(), Some("auth.example.com"));
        assert_eq!(req.get_user_pool_id().as_deref(), Some("us-east-1_p"));
        assert_eq!(
            req.get_custom_domain_config()
                .as_ref()
                .map(|c| c.certificate_arn()),
            Some(CERT)
        );
        assert_eq!(req.get_managed_login_version(), &Some(2));
    }

    #[test]
    fn domains_are_checked_locally() {
        assert!(check_domain("ecogy-dev", None, "Op").is_ok());
        assert!(check_domain("auth.example.com", Some(CERT), "Op").is_ok());
        assert_eq!(
            check_domain("auth.example.com", None, "Op")
                .unwrap_err()
                .kind,
            ErrorKind::Invalid
        );
        assert!(check_domain("ecogy-dev", Some(CERT), "Op").is_err());
        assert!(check_domain("Ecogy_Dev", None, "Op").is_err());
    }

    #[test]
    fn read_reports_the_alias_target_of_a_custom_domain() {
        let d = DomainDescriptionType::builder()
            .domain("auth.example.com")
            .user_pool_id("us-east-1_p")
            .cloud_front_distribution("d111.cloudfront.net")
            .custom_domain_config(custom_config(CERT))
            .status(DomainStatusType::Active)
            .build();
        let a = to_attrs(&d);
        assert_eq!(a["certificate"], s(CERT));
        assert_eq!(a["cloudfront-domain-name"], s("d111.cloudfront.net"));
        assert_eq!(a["hosted-zone-id"], s(CLOUDFRONT_ZONE_ID));
        assert!(!present(&DomainDescriptionType::builder().build()));
    }
}
