//! `api-domain`: a custom domain name for HTTP APIs, with its API mappings.
//!
//! AWS calls (apigatewayv2):
//! - read: GetDomainName (certificate, endpoint type, security policy, target domain name and
//!   hosted zone id from its DomainNameConfiguration; tags), GetApiMappings (every page)
//! - find: GetDomainName: ours by the ownership tags; a domain with other tags is a Conflict
//! - create: CreateDomainName (one REGIONAL DomainNameConfiguration, tags), then CreateApiMapping
//!   per mapping; an existing domain of ours is adopted and brought to the configuration
//! - update: UpdateDomainName with the full DomainNameConfiguration (certificate, endpoint type,
//!   security policy: the live value of whatever did not change); mappings by key:
//!   DeleteApiMapping for keys no longer configured, UpdateApiMapping for a key whose API or stage
//!   changed, CreateApiMapping for new keys (in that order); TagResource / UntagResource
//! - delete: DeleteApiMapping for every mapping, then DeleteDomainName (gone: success)
//! - import: by domain name (GetDomainName); the state id is the domain name

use std::collections::BTreeMap;

use async_trait::async_trait;
use aws_sdk_apigatewayv2::operation::get_domain_name::GetDomainNameOutput;
use aws_sdk_apigatewayv2::types::{
    ApiMapping, DomainNameConfiguration, EndpointType, SecurityPolicy,
};
use eco_provider::{Attrs, Live, OpContext, OpError, OpResult, ResourceProvider, Value};
use eco_schema::spec::{overlay, read_field, SpecError};
use eco_schema::{Schema, Spec, SpecEnum};

use crate::apigw::{fixed, tagged, tags, Gateway};
use crate::aws::{differing, is_gone, op_error, Aws};
use crate::calls::{collect_pages, delete_if_present, get_optional, still_there};
use crate::ownership::not_ours;
use crate::tags::retag;

/// A custom domain's attributes, declared once.
#[derive(Debug, Clone, PartialEq, Default, Spec)]
#[eco(
    resource = "api-domain",
    doc = "A custom domain name for HTTP APIs and its API mappings",
    import_id = "the domain name"
)]
pub struct ApiDomain {
    /// the custom domain, e.g. api.example.com
    #[eco(replace)]
    pub domain_name: String,
    #[eco(flatten)]
    pub config: DomainConfig,
    /// an API mapping (CreateApiMapping / UpdateApiMapping / DeleteApiMapping)
    pub mapping: Option<Vec<Mapping>>,
    /// regional domain name to point a Route53 alias record at
    #[eco(computed)]
    pub target_domain_name: Option<String>,
    /// hosted zone id of the target domain name, for the alias record
    #[eco(computed)]
    pub hosted_zone_id: Option<String>,
    /// domain name ARN
    #[eco(computed)]
    pub arn: Option<String>,
    #[eco(tags)]
    pub tags: BTreeMap<String, String>,
}

/// The domain's one configuration: certificate, endpoint type, security policy.
#[derive(Debug, Clone, PartialEq, Eq, Default, Spec)]
pub struct DomainConfig {
    /// ACM certificate ARN in the API's region (UpdateDomainName)
    #[eco(required)]
    pub certificate: Option<String>,
    /// REGIONAL (the only type HTTP APIs support)
    #[eco(replace)]
    pub endpoint_type: Option<Endpoint>,
    /// TLS_1_2 (default) (UpdateDomainName)
    pub security_policy: Option<TlsPolicy>,
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

/// One API mapping: `mapping "v1" { api ..; stage .. }` (no key: the root of the domain).
#[derive(Debug, Clone, PartialEq, Eq, Default, Spec)]
#[eco(label = "key")]
pub struct Mapping {
    /// base path, "" for the root of the domain
    pub key: String,
    /// id of the mapped API
    pub api: String,
    /// name of the mapped stage
    pub stage: String,
}

pub const TYPE_NAME: &str = ApiDomain::TYPE_NAME;
const TY: &str = TYPE_NAME;

pub fn schema() -> Schema {
    ApiDomain::schema()
}

/// A configuration the type cannot use, as an error of `op`.
fn invalid(op: &str) -> impl Fn(SpecError) -> OpError + '_ {
    move |e| OpError::invalid(op, format!("{TY}: {e}"))
}

/// `desired` with the key of a mapping written without one: "" (the root).
fn with_root_keys(desired: &Attrs) -> Attrs {
    let mut desired = desired.clone();
    if let Some(Value::List(items)) = desired.get_mut("mapping") {
        for item in items {
            if let Value::Map(m) = item {
                m.entry("key".into())
                    .or_insert(Value::String(String::new()));
            }
        }
    }
    desired
}

/// The desired domain, its configuration and mappings checked.
fn spec_of(desired: &Attrs, op: &str) -> Result<ApiDomain, OpError> {
    let spec = ApiDomain::from_attrs(&with_root_keys(desired)).map_err(invalid(op))?;
    spec.config.check(op)?;
    mappings_of(desired, op)?;
    Ok(spec)
}

/// The configured mappings, by key (`None` when `mapping` is not configured).
pub fn mappings_of(
    desired: &Attrs,
    op: &str,
) -> Result<Option<BTreeMap<String, Mapping>>, OpError> {
    let listed: Option<Vec<Mapping>> =
        read_field(&with_root_keys(desired), "mapping", "").map_err(invalid(op))?;
    let Some(listed) = listed else {
        return Ok(None);
    };
    let mut out = BTreeMap::new();
    for mapping in listed {
        let key = mapping.key.clone();
        if key.starts_with('/') || key.ends_with('/') || key.contains("//") {
            return Err(OpError::invalid(
                op,
                format!("{TY}: mapping key `{key}` must not start or end with `/` or contain `//` (\"\" maps the root)"),
            ));
        }
        if out.insert(key.clone(), mapping).is_some() {
            return Err(OpError::invalid(
                op,
                format!("{TY}: mapping key `{key}` appears twice"),
            ));
        }
    }
    Ok(Some(out))
}

impl DomainConfig {
    fn from_live(c: Option<&DomainNameConfiguration>) -> DomainConfig {
        DomainConfig {
            certificate: c.and_then(|c| c.certificate_arn()).map(str::to_string),
            endpoint_type: c
                .and_then(|c| c.endpoint_type())
                .and_then(|e| Endpoint::parse(e.as_str())),
            security_policy: c
                .and_then(|c| c.security_policy())
                .and_then(|p| TlsPolicy::parse(p.as_str())),
        }
    }

    fn check(&self, op: &str) -> Result<(), OpError> {
        match self.endpoint_type {
            Some(Endpoint::Edge) => Err(OpError::invalid(
                op,
                format!("{TY}: endpoint-type must be REGIONAL (the only type HTTP APIs support), got `EDGE`"),
            )),
            _ => Ok(()),
        }
    }

    /// This configuration with the attributes in `changed` taken from `want`.
    fn overlay(&self, want: &Attrs, changed: &[String], op: &str) -> Result<DomainConfig, OpError> {
        let out = overlay(self, want, changed).map_err(invalid(op))?;
        out.check(op)?;
        Ok(out)
    }

    /// The DomainNameConfiguration to send (REGIONAL when no endpoint type is set).
    pub fn request(&self) -> DomainNameConfiguration {
        let endpoint = self.endpoint_type.unwrap_or(Endpoint::Regional);
        DomainNameConfiguration::builder()
            .set_certificate_arn(self.certificate.clone())
            .endpoint_type(EndpointType::from(endpoint.as_str()))
            .set_security_policy(
                self.security_policy
                    .map(|p| SecurityPolicy::from(p.as_str())),
            )
            .build()
    }
}

type UpdateDomainReq =
    aws_sdk_apigatewayv2::operation::update_domain_name::builders::UpdateDomainNameFluentBuilder;
type UpdateMappingReq =
    aws_sdk_apigatewayv2::operation::update_api_mapping::builders::UpdateApiMappingFluentBuilder;

/// UpdateDomainName with the whole configuration (AWS replaces the configuration list).
pub fn update_domain_request(
    req: UpdateDomainReq,
    domain: &str,
    cfg: &DomainConfig,
) -> UpdateDomainReq {
    req.domain_name(domain)
        .domain_name_configurations(cfg.request())
}

/// UpdateApiMapping pointing an existing mapping (by id) at `m`'s API and stage.
pub fn update_mapping_request(
    req: UpdateMappingReq,
    domain: &str,
    mapping_id: &str,
    m: &Mapping,
) -> UpdateMappingReq {
    req.domain_name(domain)
        .api_mapping_id(mapping_id)
        .api_id(&m.api)
        .stage(&m.stage)
        .api_mapping_key(&m.key)
}

/// What to do to go from the live mappings to the configured ones.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct MappingPlan {
    /// Mapping ids to delete (keys no longer configured).
    pub delete: Vec<String>,
    /// (mapping id, target) for keys whose API or stage changed.
    pub update: Vec<(String, Mapping)>,
    pub create: Vec<Mapping>,
}

/// Plans the mapping changes: `live` is (mapping id, mapping) by key.
pub fn plan_mappings(
    live: &BTreeMap<String, (String, Mapping)>,
    want: &BTreeMap<String, Mapping>,
) -> MappingPlan {
    let mut plan = MappingPlan::default();
    for (key, (id, m)) in live {
        match want.get(key) {
            None => plan.delete.push(id.clone()),
            Some(w) if w != m => plan.update.push((id.clone(), w.clone())),
            Some(_) => {}
        }
    }
    for (key, w) in want {
        if !live.contains_key(key) {
            plan.create.push(w.clone());
        }
    }
    plan
}

fn mapping_of(m: &ApiMapping) -> Option<(String, (String, Mapping))> {
    let key = m.api_mapping_key().unwrap_or_default().to_string();
    Some((
        key.clone(),
        (
            m.api_mapping_id()?.to_string(),
            Mapping {
                key,
                api: m.api_id()?.to_string(),
                stage: m.stage().unwrap_or_default().to_string(),
            },
        ),
    ))
}

struct LiveDomain {
    live: Live,
    tags: BTreeMap<String, String>,
    config: DomainConfig,
    mappings: BTreeMap<String, (String, Mapping)>,
}

/// The `api-domain` operations.
pub struct Provider {
    gw: Gateway,
    schema: Schema,
}

impl Provider {
    pub fn new(aws: &Aws) -> Provider {
        Provider {
            gw: Gateway::new(aws),
            schema: schema(),
        }
    }

    /// The domain's mappings by key (none when the domain is gone): GetApiMappings, every page.
    async fn mappings(&self, domain: &str) -> Result<BTreeMap<String, (String, Mapping)>, OpError> {
        let page = |token| {
            let call = self.gw.client.get_api_mappings().domain_name(domain);
            get_optional("GetApiMappings", is_gone, call.set_next_token(token).send())
        };
        let items =
            |p: &aws_sdk_apigatewayv2::operation::get_api_mappings::GetApiMappingsOutput| {
                p.items().iter().filter_map(mapping_of).collect()
            };
        let next = |p: &aws_sdk_apigatewayv2::operation::get_api_mappings::GetApiMappingsOutput| {
            p.next_token().filter(|t| !t.is_empty()).map(str::to_string)
        };
        Ok(collect_pages(page, items, next)
            .await?
            .into_iter()
            .collect())
    }

    /// The domain AWS reports.
    fn domain(
        &self,
        domain: &str,
        out: &GetDomainNameOutput,
        mappings: &BTreeMap<String, (String, Mapping)>,
    ) -> ApiDomain {
        let conf = out.domain_name_configurations().first();
        let arn = out.domain_name_arn().map(str::to_string);
        let arn = arn.unwrap_or_else(|| self.gw.arn(&format!("/domainnames/{domain}")));
        ApiDomain {
            domain_name: domain.to_string(),
            config: DomainConfig::from_live(conf),
            mapping: Some(mappings.values().map(|(_, m)| m.clone()).collect()),
            target_domain_name: conf
                .and_then(|c| c.api_gateway_domain_name())
                .map(str::to_string),
            hosted_zone_id: conf.and_then(|c| c.hosted_zone_id()).map(str::to_string),
            arn: Some(arn),
            tags: tags(out.tags()),
        }
    }

    async fn read_domain(&self, domain: &str) -> Result<Option<LiveDomain>, OpError> {
        let call = self.gw.client.get_domain_name().domain_name(domain).send();
        let Some(out) = get_optional("GetDomainName", is_gone, call).await? else {
            return Ok(None);
        };
        let mappings = self.mappings(domain).await?;
        let spec = self.domain(domain, &out, &mappings);
        let mut attrs = spec.to_attrs();
        // The mappings always, an empty list when there are none.
        attrs
            .entry("mapping".into())
            .or_insert(Value::List(Vec::new()));
        Ok(Some(LiveDomain {
            live: tagged(domain, attrs, &spec.tags),
            tags: spec.tags,
            config: spec.config,
            mappings,
        }))
    }

    async fn read_required(&self, domain: &str, op: &str) -> Result<LiveDomain, OpError> {
        still_there(self.read_domain(domain).await?, op, TY, domain)
    }

    async fn create_mapping(&self, domain: &str, m: &Mapping) -> Result<(), OpError> {
        self.gw
            .client
            .create_api_mapping()
            .domain_name(domain)
            .api_id(&m.api)
            .stage(&m.stage)
            .api_mapping_key(&m.key)
            .send()
            .await
            .map_err(|e| op_error("CreateApiMapping", e))?;
        Ok(())
    }

    async fn delete_mapping(&self, domain: &str, id: &str) -> Result<(), OpError> {
        let call = self.gw.client.delete_api_mapping().domain_name(domain);
        let call = call.api_mapping_id(id).send();
        delete_if_present("DeleteApiMapping", is_gone, call).await
    }

    /// Brings `domain` to `desired` for the attributes in `changed`; what a read reports after.
    async fn change(
        &self,
        domain: &str,
        desired: &Attrs,
        changed: &[String],
        op: &str,
    ) -> Result<Live, OpError> {
        if changed.iter().any(|c| c == "domain-name") {
            return Err(fixed(op, TY, "domain-name"));
        }
        let spec = spec_of(desired, op)?;
        let live = self.read_required(domain, op).await?;
        let merged = live.config.overlay(desired, changed, op)?;
        if merged != live.config {
            update_domain_request(self.gw.client.update_domain_name(), domain, &merged)
                .send()
                .await
                .map_err(|e| op_error("UpdateDomainName", e))?;
        }
        let want = mappings_of(desired, op)?;
        if let Some(want) = want.filter(|_| changed.iter().any(|c| c == "mapping")) {
            let plan = plan_mappings(&live.mappings, &want);
            for id in &plan.delete {
                self.delete_mapping(domain, id).await?;
            }
            for (id, m) in &plan.update {
                update_mapping_request(self.gw.client.update_api_mapping(), domain, id, m)
                    .send()
                    .await
                    .map_err(|e| op_error("UpdateApiMapping", e))?;
            }
            for m in &plan.create {
                self.create_mapping(domain, m).await?;
            }
        }
        if changed.iter().any(|c| c == "tags") {
            let arn = live.live.attrs.get("arn").and_then(Value::as_str);
            retag(
                &self.gw.client,
                arn.unwrap_or_default(),
                &live.tags,
                &spec.tags,
                &[],
            )
            .await?;
        }
        Ok(self.read_required(domain, op).await?.live)
    }
}

#[async_trait]
impl ResourceProvider for Provider {
    crate::resources::schema_and_transient!(crate::apigw::TRANSIENT);

    async fn read(&self, _ctx: &OpContext, id: &str) -> Result<Option<Live>, OpError> {
        Ok(self.read_domain(id).await?.map(|d| d.live))
    }

    async fn find(&self, ctx: &OpContext, desired: &Attrs, _token: &str) -> OpResult<Option<Live>> {
        let op = "GetDomainName";
        let domain = spec_of(desired, op)?.domain_name;
        match self.read_domain(&domain).await? {
            None => Ok(None),
            Some(d) if ctx.owns(&d.tags) => Ok(ctx.unless_replaced(Some(d.live))),
            Some(d) => {
                let what = format!("domain name `{domain}`");
                Err(not_ours(ctx, op, &what, &domain, &d.tags))
            }
        }
    }

    async fn create(&self, ctx: &OpContext, desired: &Attrs, token: &str) -> Result<Live, OpError> {
        let op = "CreateDomainName";
        let spec = spec_of(desired, op)?;
        let domain = &spec.domain_name;
        if let Some(live) = self.find(ctx, desired, token).await? {
            // An earlier run made it: bring it to the configuration.
            let changed = differing(desired, &live.attrs, &["domain-name"]);
            return self.change(domain, desired, &changed, op).await;
        }
        self.gw
            .client
            .create_domain_name()
            .domain_name(domain)
            .domain_name_configurations(spec.config.request())
            .set_tags(Some(spec.tags.clone().into_iter().collect()))
            .send()
            .await
            .map_err(|e| op_error(op, e))?;
        for m in mappings_of(desired, op)?.unwrap_or_default().values() {
            self.create_mapping(domain, m).await?;
        }
        Ok(self.read_required(domain, op).await?.live)
    }

    async fn update(
        &self,
        _ctx: &OpContext,
        id: &str,
        _prior: &Attrs,
        desired: &Attrs,
        changed: &[String],
    ) -> Result<Live, OpError> {
        self.change(id, desired, changed, "UpdateDomainName").await
    }

    async fn delete(&self, _ctx: &OpContext, id: &str, _prior: &Attrs) -> Result<(), OpError> {
        for (mapping_id, _) in self.mappings(id).await?.values() {
            self.delete_mapping(id, mapping_id).await?;
        }
        let call = self.gw.client.delete_domain_name().domain_name(id).send();
        delete_if_present("DeleteDomainName", is_gone, call).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use eco_provider::values::s;
    use eco_provider::ErrorKind;

    use crate::apigw::offline_client as client;

    const CERT: &str = "arn:aws:acm:us-east-1:123456789012:certificate/new";

    fn m(key: &str, api: &str, stage: &str) -> Mapping {
        Mapping {
            key: key.into(),
            api: api.into(),
            stage: stage.into(),
        }
    }

    #[test]
    fn update_domain_name_sends_the_whole_configuration() {
        let live = DomainConfig {
            certificate: Some("arn:aws:acm:us-east-1:123456789012:certificate/old".into()),
            endpoint_type: Some(Endpoint::Regional),
            security_policy: Some(TlsPolicy::Tls12),
        };
        let want = Attrs::from([("certificate".to_string(), s(CERT))]);
        let merged = live
            .overlay(&want, &["certificate".into()], "UpdateDomainName")
            .unwrap();
        let req = update_domain_request(client().update_domain_name(), "api.example.com", &merged);
        assert_eq!(req.get_domain_name().as_deref(), Some("api.example.com"));
        let confs = req.get_domain_name_configurations().clone().unwrap();
        assert_eq!(confs.len(), 1);
        assert_eq!(confs[0].certificate_arn(), Some(CERT));
        assert_eq!(confs[0].endpoint_type(), Some(&EndpointType::Regional));
        assert_eq!(confs[0].security_policy(), Some(&SecurityPolicy::Tls12));
        let edge = Attrs::from([("endpoint-type".to_string(), s("EDGE"))]);
        assert_eq!(
            live.overlay(&edge, &["endpoint-type".into()], "Op")
                .unwrap_err()
                .kind,
            ErrorKind::Invalid
        );
    }

    #[test]
    fn mapping_changes_are_planned_by_key() {
        let live = BTreeMap::from([
            ("".to_string(), ("id1".to_string(), m("", "a1", "$default"))),
            ("v1".to_string(), ("id2".to_string(), m("v1", "a1", "v1"))),
            ("old".to_string(), ("id3".to_string(), m("old", "a0", "s"))),
        ]);
        let want = BTreeMap::from([
            ("".to_string(), m("", "a1", "$default")),
            ("v1".to_string(), m("v1", "a2", "prod")),
            ("v2".to_string(), m("v2", "a2", "prod")),
        ]);
        let plan = plan_mappings(&live, &want);
        assert_eq!(plan.delete, vec!["id3".to_string()]);
        assert_eq!(
            plan.update,
            vec![("id2".to_string(), m("v1", "a2", "prod"))]
        );
        assert_eq!(plan.create, vec![m("v2", "a2", "prod")]);
        let (id, target) = &plan.update[0];
        let req =
            update_mapping_request(client().update_api_mapping(), "api.example.com", id, target);
        assert_eq!(req.get_api_mapping_id().as_deref(), Some("id2"));
        assert_eq!(req.get_api_id().as_deref(), Some("a2"));
        assert_eq!(req.get_stage().as_deref(), Some("prod"));
        assert_eq!(req.get_api_mapping_key().as_deref(), Some("v1"));
        assert_eq!(req.get_domain_name().as_deref(), Some("api.example.com"));
    }

    #[test]
    fn mapping_keys_are_checked_locally() {
        let bad = Attrs::from([(
            "mapping".to_string(),
            Value::List(vec![Value::Map(BTreeMap::from([
                ("key".to_string(), s("/v1")),
                ("api".to_string(), s("a")),
                ("stage".to_string(), s("s")),
            ]))]),
        )]);
        assert_eq!(
            mappings_of(&bad, "Op").unwrap_err().kind,
            ErrorKind::Invalid
        );
        assert_eq!(mappings_of(&Attrs::new(), "Op").unwrap(), None);
    }
}
