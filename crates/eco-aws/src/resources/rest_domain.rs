//! `rest-domain`: a custom domain name for REST APIs (API Gateway v1), regional or edge
//! (served through CloudFront); its base path mappings are `rest-base-path-mapping`s.
//!
//! AWS calls (apigateway):
//! - read: GetDomainName (certificate, endpoint type, security policy, the regional and
//!   distribution domain names and hosted zone ids a Route53 alias points at, tags)
//! - list (discover): GetDomainNames (every page), each domain read in full
//! - find: GetDomainName: ours by the ownership tags; a domain with other tags is a Conflict
//! - create: CreateDomainName (a REGIONAL domain takes `regionalCertificateArn`, an EDGE one
//!   `certificateArn`; tags); an existing domain of ours is adopted and brought to the
//!   configuration
//! - update: UpdateDomainName (PATCH operations: the certificate, the security policy),
//!   TagResource / UntagResource
//! - delete: DeleteDomainName (gone: success)
//! - import: by domain name (GetDomainName); the state id is the domain name

use std::collections::BTreeMap;

use async_trait::async_trait;
use aws_sdk_apigateway::operation::get_domain_name::GetDomainNameOutput;
use aws_sdk_apigateway::operation::get_domain_names::GetDomainNamesOutput;
use aws_sdk_apigateway::types::{
    EndpointConfiguration, EndpointType, PatchOperation, SecurityPolicy,
};
use eco_provider::{Attrs, Live, OpContext, OpError, OpResult, ResourceProvider};
use eco_schema::{Schema, Spec, SpecEnum};

use crate::attrs::spec_of;
use crate::aws::{is_gone, op_error, Aws};
use crate::calls::{bring_to, confirm_deleted, delete_if_present, get_optional, still_there};
use crate::ownership::not_ours;
use crate::rest::{
    fixed, list_top, ordered, replace, tagged_live, update_top, RestGateway, TopLevel,
};

/// A custom domain's attributes, declared once.
#[derive(Debug, Clone, PartialEq, Default, Spec)]
#[eco(
    resource = "rest-domain",
    doc = "A custom domain name for REST APIs (API Gateway v1), regional or edge",
    import_id = "the domain name"
)]
pub struct RestDomain {
    /// the custom domain, e.g. api.example.com
    #[eco(replace)]
    pub domain_name: String,
    /// REGIONAL (default) or EDGE (served through CloudFront)
    #[eco(replace)]
    pub endpoint_type: Option<Endpoint>,
    /// ACM certificate ARN: in the API's region for REGIONAL, in us-east-1 for EDGE
    /// (UpdateDomainName)
    pub certificate: String,
    /// TLS_1_0 or TLS_1_2 (UpdateDomainName)
    pub security_policy: Option<TlsPolicy>,
    /// the regional domain name a Route53 alias record of a REGIONAL domain points at
    #[eco(computed)]
    pub regional_domain_name: Option<String>,
    /// the hosted zone id of `regional-domain-name`, for the alias record
    #[eco(computed)]
    pub regional_hosted_zone_id: Option<String>,
    /// the CloudFront domain name a Route53 alias record of an EDGE domain points at
    #[eco(computed)]
    pub distribution_domain_name: Option<String>,
    /// the hosted zone id of `distribution-domain-name`, for the alias record
    #[eco(computed)]
    pub distribution_hosted_zone_id: Option<String>,
    /// domain name ARN
    #[eco(computed)]
    pub arn: Option<String>,
    #[eco(tags)]
    pub tags: BTreeMap<String, String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, SpecEnum)]
#[eco(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Endpoint {
    Regional,
    Edge,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, SpecEnum)]
pub enum TlsPolicy {
    #[eco(rename = "TLS_1_0")]
    Tls10,
    #[eco(rename = "TLS_1_2")]
    Tls12,
}

pub const TYPE_NAME: &str = RestDomain::TYPE_NAME;
const TY: &str = TYPE_NAME;

pub fn schema() -> Schema {
    RestDomain::schema()
}

impl RestDomain {
    fn endpoint(&self) -> Endpoint {
        self.endpoint_type.unwrap_or(Endpoint::Regional)
    }
}

/// The PATCH operations of UpdateDomainName for the changed fields: the certificate at the path
/// of the domain's endpoint type, the security policy.
pub fn patch(
    spec: &RestDomain,
    changed: &[String],
    op: &str,
) -> Result<Vec<PatchOperation>, OpError> {
    let mut ops = Vec::new();
    for c in changed {
        match c.as_str() {
            "certificate" => ops.push(replace(
                match spec.endpoint() {
                    Endpoint::Regional => "/regionalCertificateArn",
                    Endpoint::Edge => "/certificateArn",
                },
                &spec.certificate,
            )),
            "security-policy" => ops.push(replace(
                "/securityPolicy",
                spec.security_policy.unwrap_or(TlsPolicy::Tls12).as_str(),
            )),
            "domain-name" | "endpoint-type" => return Err(fixed(op, TY, c)),
            _ => {}
        }
    }
    Ok(ops)
}

/// The `rest-domain` operations.
pub struct Provider {
    gw: RestGateway,
    schema: Schema,
}

impl Provider {
    pub fn new(aws: &Aws) -> Provider {
        Provider {
            gw: RestGateway::new(aws),
            schema: schema(),
        }
    }

    fn arn(&self, domain: &str) -> String {
        self.gw.arn(&format!("/domainnames/{domain}"))
    }

    /// The domain AWS reports.
    fn domain(&self, domain: &str, out: &GetDomainNameOutput) -> RestDomain {
        let endpoint = out
            .endpoint_configuration()
            .and_then(|e| e.types().first())
            .and_then(|t| Endpoint::parse(t.as_str()));
        let certificate = match endpoint.unwrap_or(Endpoint::Regional) {
            Endpoint::Regional => out.regional_certificate_arn(),
            Endpoint::Edge => out.certificate_arn(),
        };
        let text = |s: Option<&str>| s.filter(|s| !s.is_empty()).map(str::to_string);
        RestDomain {
            domain_name: domain.to_string(),
            endpoint_type: endpoint,
            certificate: certificate.unwrap_or_default().to_string(),
            security_policy: out
                .security_policy()
                .and_then(|p| TlsPolicy::parse(p.as_str())),
            regional_domain_name: text(out.regional_domain_name()),
            regional_hosted_zone_id: text(out.regional_hosted_zone_id()),
            distribution_domain_name: text(out.distribution_domain_name()),
            distribution_hosted_zone_id: text(out.distribution_hosted_zone_id()),
            arn: Some(self.arn(domain)),
            tags: ordered(out.tags()),
        }
    }

    async fn read_domain(&self, domain: &str) -> Result<Option<RestDomain>, OpError> {
        let call = self.gw.client.get_domain_name().domain_name(domain).send();
        let out = get_optional("GetDomainName", is_gone, call).await?;
        Ok(out.map(|out| self.domain(domain, &out)))
    }
}

#[async_trait]
impl TopLevel for Provider {
    type Spec = RestDomain;
    type Page = GetDomainNamesOutput;
    const TY: &'static str = TY;
    const UPDATE: &'static str = "UpdateDomainName";

    async fn read_id(&self, domain: &str) -> Result<Option<Live>, OpError> {
        Ok(self.read_domain(domain).await?.map(|d| live_of(domain, &d)))
    }

    /// A page of GetDomainNames (limit 500, AWS's largest).
    async fn page(
        &self,
        position: Option<String>,
    ) -> Result<Option<GetDomainNamesOutput>, OpError> {
        let call = self.gw.client.get_domain_names().limit(500);
        let out = call.set_position(position).send().await;
        out.map(Some).map_err(|e| op_error("GetDomainNames", e))
    }

    /// Brings `domain` to `spec` for the attributes in `changed`; what a read reports after.
    async fn change(
        &self,
        domain: &str,
        spec: &RestDomain,
        changed: &[String],
    ) -> Result<Live, OpError> {
        let op = "UpdateDomainName";
        let live = still_there(self.read_domain(domain).await?, op, TY, domain)?;
        let ops = patch(spec, changed, op)?;
        if !ops.is_empty() {
            self.gw
                .client
                .update_domain_name()
                .domain_name(domain)
                .set_patch_operations(Some(ops))
                .send()
                .await
                .map_err(|e| op_error(op, e))?;
        }
        let path = format!("/domainnames/{domain}");
        (self.gw)
            .retag_if_changed(&path, changed, &live.tags, &spec.tags)
            .await?;
        still_there(self.read_id(domain).await?, op, TY, domain)
    }
}

/// What a read reports: the attributes with `tags` always (an empty map when there are none).
fn live_of(domain: &str, d: &RestDomain) -> Live {
    tagged_live(domain, d, &d.tags)
}

#[async_trait]
impl ResourceProvider for Provider {
    crate::resources::schema_and_transient!(crate::rest::TRANSIENT);

    /// GetDomainNames (every page), each domain read in full.
    async fn list(&self, _ctx: &OpContext) -> Option<Result<Vec<Live>, OpError>> {
        list_top(self).await
    }

    async fn read(&self, _ctx: &OpContext, id: &str) -> Result<Option<Live>, OpError> {
        self.read_id(id).await
    }

    async fn find(&self, ctx: &OpContext, desired: &Attrs, _token: &str) -> OpResult<Option<Live>> {
        let op = "GetDomainName";
        let domain = spec_of::<RestDomain>(desired, TY, op)?.domain_name;
        match self.read_domain(&domain).await? {
            None => Ok(None),
            Some(d) if ctx.owns(&d.tags) => Ok(ctx.unless_replaced(Some(live_of(&domain, &d)))),
            Some(d) => {
                let what = format!("domain name `{domain}`");
                Err(not_ours(ctx, op, &what, &domain, &d.tags))
            }
        }
    }

    async fn create(&self, ctx: &OpContext, desired: &Attrs, token: &str) -> Result<Live, OpError> {
        let op = "CreateDomainName";
        let spec: RestDomain = spec_of(desired, TY, op)?;
        if let Some(existing) = self.find(ctx, desired, token).await? {
            // An earlier run made it: bring it to the configuration.
            let skip = ["domain-name", "endpoint-type"];
            return bring_to(self, ctx, existing, desired, &skip).await;
        }
        create_request(self.gw.client.create_domain_name(), &spec)
            .send()
            .await
            .map_err(|e| op_error(op, e))?;
        still_there(
            self.read_id(&spec.domain_name).await?,
            op,
            TY,
            &spec.domain_name,
        )
    }

    async fn update(
        &self,
        _ctx: &OpContext,
        id: &str,
        _prior: &Attrs,
        desired: &Attrs,
        changed: &[String],
    ) -> Result<Live, OpError> {
        update_top(self, id, desired, changed).await
    }

    async fn delete(&self, _ctx: &OpContext, id: &str, _prior: &Attrs) -> Result<(), OpError> {
        let call = self.gw.client.delete_domain_name().domain_name(id).send();
        let deleted = delete_if_present("DeleteDomainName", is_gone, call);
        confirm_deleted(deleted, self.read_domain(id)).await
    }
}

type CreateDomainReq =
    aws_sdk_apigateway::operation::create_domain_name::builders::CreateDomainNameFluentBuilder;

/// CreateDomainName for `spec`: the certificate in the field of its endpoint type.
pub fn create_request(req: CreateDomainReq, spec: &RestDomain) -> CreateDomainReq {
    let endpoint = spec.endpoint();
    let req = req
        .domain_name(&spec.domain_name)
        .endpoint_configuration(
            EndpointConfiguration::builder()
                .types(EndpointType::from(endpoint.as_str()))
                .build(),
        )
        .set_security_policy(
            spec.security_policy
                .map(|p| SecurityPolicy::from(p.as_str())),
        )
        .set_tags(Some(spec.tags.clone().into_iter().collect()));
    match endpoint {
        Endpoint::Regional => req.regional_certificate_arn(&spec.certificate),
        Endpoint::Edge => req.certificate_arn(&spec.certificate),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rest::offline_client as client;

    const CERT: &str = "arn:aws:acm:us-east-1:123456789012:certificate/new";

    fn spec(endpoint: Endpoint) -> RestDomain {
        RestDomain {
            domain_name: "api.example.com".into(),
            endpoint_type: Some(endpoint),
            certificate: CERT.into(),
            security_policy: Some(TlsPolicy::Tls12),
            ..Default::default()
        }
    }

    #[test]
    fn the_certificate_goes_where_the_endpoint_type_takes_it() {
        let regional = create_request(client().create_domain_name(), &spec(Endpoint::Regional));
        assert_eq!(
            regional.get_regional_certificate_arn().as_deref(),
            Some(CERT)
        );
        assert_eq!(regional.get_certificate_arn(), &None);
        assert_eq!(regional.get_security_policy(), &Some(SecurityPolicy::Tls12));
        let edge = create_request(client().create_domain_name(), &spec(Endpoint::Edge));
        assert_eq!(edge.get_certificate_arn().as_deref(), Some(CERT));
        assert_eq!(edge.get_regional_certificate_arn(), &None);
        assert_eq!(
            edge.get_endpoint_configuration().as_ref().unwrap().types(),
            [EndpointType::Edge]
        );
    }

    /// moto has no UpdateDomainName (docs/testing.md): its PATCH operations are checked here.
    #[test]
    fn update_domain_name_patches_the_certificate_and_the_policy() {
        let changed = ["certificate".to_string(), "security-policy".to_string()];
        let paths = |e| {
            patch(&spec(e), &changed, "UpdateDomainName")
                .unwrap()
                .iter()
                .map(|o| {
                    (
                        o.path().unwrap().to_string(),
                        o.value().unwrap().to_string(),
                    )
                })
                .collect::<Vec<_>>()
        };
        assert_eq!(
            paths(Endpoint::Regional),
            [
                ("/regionalCertificateArn".to_string(), CERT.to_string()),
                ("/securityPolicy".to_string(), "TLS_1_2".to_string())
            ]
        );
        assert_eq!(paths(Endpoint::Edge)[0].0, "/certificateArn");
        assert!(patch(&spec(Endpoint::Edge), &["endpoint-type".into()], "Op").is_err());
    }

    /// API Gateway's answer to GetDomainName after CreateDomainName `req` (what it keeps of the
    /// request; TLS_1_2 when no policy is sent, and the regional or CloudFront target).
    fn created(req: &CreateDomainReq) -> GetDomainNameOutput {
        let edge = req
            .get_endpoint_configuration()
            .as_ref()
            .is_some_and(|e| e.types().contains(&EndpointType::Edge));
        let out = GetDomainNameOutput::builder()
            .domain_name(req.get_domain_name().clone().unwrap_or_default())
            .set_endpoint_configuration(req.get_endpoint_configuration().clone())
            .set_regional_certificate_arn(req.get_regional_certificate_arn().clone())
            .set_certificate_arn(req.get_certificate_arn().clone())
            .security_policy(
                req.get_security_policy()
                    .clone()
                    .unwrap_or(SecurityPolicy::Tls12),
            )
            .set_tags(req.get_tags().clone());
        if edge {
            out.distribution_domain_name("d111111abcdef8.cloudfront.net")
                .distribution_hosted_zone_id("Z2FDTNDATAQYW2")
                .build()
        } else {
            out.regional_domain_name("d-abc.execute-api.us-east-1.amazonaws.com")
                .regional_hosted_zone_id("Z1UJRXOUMOOFQ8")
                .build()
        }
    }

    /// `out` with UpdateDomainName's PATCH operations `ops` applied, as API Gateway applies them.
    fn patched(out: &GetDomainNameOutput, ops: &[PatchOperation]) -> GetDomainNameOutput {
        let mut out = out.clone();
        for op in ops {
            let value = op.value().map(str::to_string);
            match op.path().unwrap_or_default() {
                "/regionalCertificateArn" => out.regional_certificate_arn = value,
                "/certificateArn" => out.certificate_arn = value,
                "/securityPolicy" => {
                    out.security_policy = value.as_deref().map(SecurityPolicy::from)
                }
                other => panic!("UpdateDomainName has no path {other}"),
            }
        }
        out
    }

    /// The round trip moto cannot run (it has no UpdateDomainName), over every endpoint type,
    /// security policy (or none) and a certificate change: the configuration's create request,
    /// answered as API Gateway keeps it and read back, plans no change; changing the certificate
    /// or the policy plans exactly that in-place change, whose PATCH operations, applied as API
    /// Gateway applies them, read back with no change planned. AWS's own normalisations are not
    /// in it (the moto round trip covers the create half).
    #[test]
    fn every_configuration_round_trips_through_create_and_patch() {
        let provider = Provider::new(&crate::aws::offline());
        let schema = schema();
        let diff = |desired: &RestDomain, out: &GetDomainNameOutput| {
            let live = live_of("api.example.com", &provider.domain("api.example.com", out));
            eco_plan::diff::diff_attributes(&schema, &desired.to_attrs(), &live.attrs, &[])
        };
        let endpoints = [None, Some(Endpoint::Regional), Some(Endpoint::Edge)];
        let policies = [None, Some(TlsPolicy::Tls10), Some(TlsPolicy::Tls12)];
        let mut cases = 0;
        for endpoint_type in endpoints {
            for security_policy in policies {
                let desired = RestDomain {
                    endpoint_type,
                    security_policy,
                    tags: BTreeMap::from([("team".to_string(), "platform".to_string())]),
                    ..spec(Endpoint::Regional)
                };
                let out = created(&create_request(client().create_domain_name(), &desired));
                assert_eq!(diff(&desired, &out), vec![], "{desired:?}");
                let changes = [
                    (
                        "certificate",
                        RestDomain {
                            certificate: format!("{CERT}-2"),
                            ..desired.clone()
                        },
                    ),
                    (
                        "security-policy",
                        RestDomain {
                            security_policy: Some(match security_policy {
                                Some(TlsPolicy::Tls10) => TlsPolicy::Tls12,
                                _ => TlsPolicy::Tls10,
                            }),
                            ..desired.clone()
                        },
                    ),
                ];
                for (name, want) in changes {
                    let planned = diff(&want, &out);
                    let names: Vec<&str> = planned.iter().map(|d| d.name.as_str()).collect();
                    assert_eq!(names, [name], "{want:?}");
                    assert_eq!(planned[0].update, eco_schema::Update::InPlace);
                    let ops = patch(&want, &[name.to_string()], "UpdateDomainName").unwrap();
                    assert_eq!(diff(&want, &patched(&out, &ops)), vec![], "{want:?}");
                    cases += 1;
                }
            }
        }
        assert_eq!(cases, 18);
    }
}
