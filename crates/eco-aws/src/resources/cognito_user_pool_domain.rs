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

use std::time::Duration;

use async_trait::async_trait;
use aws_sdk_cognitoidentityprovider::types::{
    CustomDomainConfigType, DomainDescriptionType, DomainStatusType,
};
use eco_provider::{Attrs, ErrorKind, Live, OpContext, OpError, OpResult, ResourceProvider};
use eco_schema::{Schema, Spec};

use crate::attrs::{req_str, spec_of};
use crate::aws::{is_not_found, op_error};
use crate::calls::{delete_if_present, get_optional, still_there, to_update};
use crate::wait::{self, Backoff, Look};

/// A domain's attributes, declared once: the schema, the typed reading of a configuration and
/// the attributes a read reports all come from here.
#[derive(Debug, Clone, PartialEq, Default, Spec)]
#[eco(
    resource = "cognito-user-pool-domain",
    doc = "The hosted UI and OAuth domain of a Cognito user pool",
    import_id = "the domain prefix (or custom domain)"
)]
pub struct CognitoUserPoolDomain {
    /// prefix (ecogy-dev) or a custom domain (auth.example.com)
    #[eco(replace)]
    pub domain: String,
    /// id of the user pool
    #[eco(replace)]
    pub user_pool: String,
    /// ACM certificate ARN in us-east-1 for a custom domain (UpdateUserPoolDomain)
    pub certificate: Option<String>,
    /// 1 (classic hosted UI) or 2 (managed login) (UpdateUserPoolDomain)
    #[eco(min = 1, max = 2)]
    pub managed_login_version: Option<i32>,
    /// CloudFront domain behind a custom domain, for its alias record
    #[eco(computed)]
    pub cloudfront_domain_name: Option<String>,
    /// CloudFront's hosted zone id, for that alias record
    #[eco(computed)]
    pub hosted_zone_id: Option<String>,
}

pub const TYPE_NAME: &str = CognitoUserPoolDomain::TYPE_NAME;
const TY: &str = TYPE_NAME;

pub fn schema() -> Schema {
    CognitoUserPoolDomain::schema()
}

/// CloudFront's hosted zone id: the alias target zone of every CloudFront distribution.
pub const CLOUDFRONT_ZONE_ID: &str = "Z2FDTNDATAQYW2";

/// How create/update wait for the domain to become ACTIVE: 2 s doubling to 30 s, at most 30
/// minutes in all (a custom domain provisions a CloudFront distribution).
const READY_WAIT: Backoff = Backoff::new(
    Duration::from_secs(2),
    Duration::from_secs(30),
    Duration::from_secs(30 * 60),
);

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

/// A domain as the typed spec.
pub fn from_live(d: &DomainDescriptionType) -> CognitoUserPoolDomain {
    let cloudfront = d.cloud_front_distribution().filter(|x| !x.is_empty());
    let custom = d.domain().is_some_and(|x| x.contains('.'));
    CognitoUserPoolDomain {
        domain: d.domain().unwrap_or_default().to_string(),
        user_pool: d.user_pool_id().unwrap_or_default().to_string(),
        certificate: d
            .custom_domain_config()
            .map(|c| c.certificate_arn())
            .filter(|c| !c.is_empty())
            .map(str::to_string),
        managed_login_version: d.managed_login_version(),
        cloudfront_domain_name: cloudfront.map(str::to_string),
        hosted_zone_id: cloudfront
            .filter(|_| custom)
            .map(|_| CLOUDFRONT_ZONE_ID.to_string()),
    }
}

/// The configuration-shaped attributes of a domain.
pub fn to_attrs(d: &DomainDescriptionType) -> Attrs {
    from_live(d).to_attrs()
}

fn live_of(d: &DomainDescriptionType) -> Live {
    Live {
        id: d.domain().unwrap_or_default().to_string(),
        attrs: to_attrs(d),
    }
}

super::cognito_user_pool::cognito_provider!("The `cognito-user-pool-domain` operations.");

impl Provider {
    async fn describe(&self, domain: &str) -> Result<Option<DomainDescriptionType>, OpError> {
        let call = self
            .client
            .describe_user_pool_domain()
            .domain(domain)
            .send();
        Ok(get_optional("DescribeUserPoolDomain", is_not_found, call)
            .await?
            .and_then(|o| o.domain_description)
            .filter(present))
    }

    /// DescribeUserPoolDomain until the domain is ACTIVE ([`READY_WAIT`]); FAILED is an error.
    async fn wait_active(&self, domain: &str, op: &str) -> Result<Live, OpError> {
        let active = wait::until(READY_WAIT, || async {
            let Some(d) = self.describe(domain).await? else {
                return Err(OpError::new(
                    op,
                    ErrorKind::Other,
                    format!("{TY}: domain `{domain}` vanished during {op}"),
                ));
            };
            match d.status() {
                Some(DomainStatusType::Failed) => Err(OpError::new(
                    op,
                    ErrorKind::Other,
                    format!("{TY}: domain `{domain}` is FAILED (check the certificate: ACM, us-east-1, ISSUED, covering the domain)"),
                )),
                Some(DomainStatusType::Creating) | Some(DomainStatusType::Updating) => {
                    Ok(Look::NotYet(()))
                }
                _ => Ok(Look::Done(Live {
                    id: domain.to_string(),
                    attrs: to_attrs(&d),
                })),
            }
        });
        active.await?.map_err(|()| {
            OpError::new(
                op,
                ErrorKind::Other,
                format!(
                    "{TY}: domain `{domain}` is still not ACTIVE after {} minutes",
                    READY_WAIT.limit.as_secs() / 60
                ),
            )
        })
    }

    async fn converge(
        &self,
        live: &DomainDescriptionType,
        desired: &Attrs,
        changed: &[String],
        op: &str,
    ) -> Result<Live, OpError> {
        let want: CognitoUserPoolDomain = spec_of(desired, TY, op)?;
        let cur = from_live(live);
        let has = |a: &str| changed.iter().any(|c| c == a);
        let mut cert = cur.certificate.clone();
        let mut version = cur.managed_login_version;
        let mut send = false;
        if let Some(c) = want.certificate.filter(|_| has("certificate")) {
            send |= cert.as_deref() != Some(c.as_str());
            cert = Some(c);
        }
        if let Some(v) = want
            .managed_login_version
            .filter(|_| has("managed-login-version"))
        {
            send |= version != Some(v);
            version = Some(v);
        }
        for (fixed, differs) in [
            ("domain", want.domain != cur.domain),
            ("user-pool", want.user_pool != cur.user_pool),
        ] {
            if has(fixed) && differs {
                return Err(OpError::invalid(
                    op,
                    format!("{TY}: `{fixed}` cannot change in place (it forces a replacement)"),
                ));
            }
        }
        if !send {
            return Ok(live_of(live));
        }
        check_domain(&cur.domain, cert.as_deref(), op)?;
        update_request(
            self.client.update_user_pool_domain(),
            &cur.domain,
            &cur.user_pool,
            cert.as_deref(),
            version,
        )
        .send()
        .await
        .map_err(|e| op_error("UpdateUserPoolDomain", e))?;
        self.wait_active(&cur.domain, op).await
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

    async fn find(&self, ctx: &OpContext, desired: &Attrs, _token: &str) -> OpResult<Option<Live>> {
        let op = "DescribeUserPoolDomain";
        let domain = req_str(desired, "domain", TY, op)?;
        let pool = req_str(desired, "user-pool", TY, op)?;
        match self.describe(&domain).await? {
            None => Ok(None),
            Some(d) if d.user_pool_id() == Some(pool.as_str()) => {
                Ok(ctx.unless_replaced(Some(live_of(&d))))
            }
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
        let CognitoUserPoolDomain {
            domain,
            user_pool: pool,
            certificate: cert,
            managed_login_version: version,
            ..
        } = spec_of(desired, TY, op)?;
        check_domain(&domain, cert.as_deref(), op)?;
        if self.find(ctx, desired, token).await?.is_some() {
            let live = still_there(self.describe(&domain).await?, op, TY, &domain)?;
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
        let what = format!("{TY}: domain `{id}`");
        let live = to_update(self.describe(id).await?, op, &what)?;
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
    use crate::attrs::s;

    const CERT: &str = "arn:aws:acm:us-east-1:123456789012:certificate/abc";

    #[test]
    fn update_request_carries_certificate_and_version() {
        let req = update_request(
            crate::aws::offline()
                .cognito_idp()
                .update_user_pool_domain(),
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
