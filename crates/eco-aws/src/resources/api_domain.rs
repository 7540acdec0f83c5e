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

use eco_schema::{Attribute, Schema};

pub const TYPE_NAME: &str = "api-domain";

pub fn schema() -> Schema {
    Schema::new(
        TYPE_NAME,
        "A custom domain name for HTTP APIs and its API mappings",
    )
    .import_id("the domain name")
    .attr(
        Attribute::string("domain-name")
            .required()
            .forces_replacement()
            .doc("the custom domain, e.g. api.example.com"),
    )
    .attr(
        Attribute::string("certificate")
            .required()
            .doc("ACM certificate ARN in the API's region (UpdateDomainName)"),
    )
    .attr(
        Attribute::string("endpoint-type")
            .forces_replacement()
            .one_of(&["REGIONAL", "EDGE"])
            .doc("REGIONAL (the only type HTTP APIs support)"),
    )
    .attr(
        Attribute::string("security-policy")
            .one_of(&["TLS_1_0", "TLS_1_2"])
            .doc("TLS_1_2 (default) (UpdateDomainName)"),
    )
    .attr(
        Attribute::repeated_block(
            "mapping",
            "key",
            vec![
                Attribute::string("key").doc("base path, \"\" for the root of the domain"),
                Attribute::string("api")
                    .required()
                    .doc("id of the mapped API"),
                Attribute::string("stage")
                    .required()
                    .doc("name of the mapped stage"),
            ],
        )
        .doc("an API mapping (CreateApiMapping / UpdateApiMapping / DeleteApiMapping)"),
    )
    .attr(
        Attribute::string("target-domain-name")
            .computed()
            .doc("regional domain name to point a Route53 alias record at"),
    )
    .attr(
        Attribute::string("hosted-zone-id")
            .computed()
            .doc("hosted zone id of the target domain name, for the alias record"),
    )
    .attr(Attribute::string("arn").computed().doc("domain name ARN"))
    .taggable()
}

// ---------------------------------------------------------------------------------------------
// Operations
// ---------------------------------------------------------------------------------------------

use std::collections::BTreeMap;

use async_trait::async_trait;
use aws_sdk_apigatewayv2::types::{
    ApiMapping, DomainNameConfiguration, EndpointType, SecurityPolicy,
};
use eco_provider::{Attrs, ErrorKind, Live, OpContext, OpError, ResourceProvider, Value};

use crate::attrs::{opt_str, req_str, s};
use crate::aws::{is_gone, op_error, Aws};
use crate::calls::{delete_if_present, get_optional};
use crate::ownership::not_ours;
use crate::tags::retag;
use crate::tags::{tags_of, tags_value};

const TY: &str = "api-domain";

/// One configured API mapping.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mapping {
    pub key: String,
    pub api: String,
    pub stage: String,
}

/// The configured mappings, by key (`None` when `mapping` is not configured).
pub fn mappings_of(
    desired: &Attrs,
    op: &str,
) -> Result<Option<BTreeMap<String, Mapping>>, OpError> {
    let items = match desired.get("mapping") {
        None | Some(Value::Null) => return Ok(None),
        Some(Value::List(items)) => items,
        Some(other) => {
            return Err(OpError::invalid(
                op,
                format!("{TY}: `mapping` must be a list of blocks, got {other}"),
            ))
        }
    };
    let mut out = BTreeMap::new();
    for item in items {
        let Value::Map(m) = item else {
            return Err(OpError::invalid(
                op,
                format!("{TY}: `mapping` must be blocks"),
            ));
        };
        let get = |k: &str| match m.get(k) {
            Some(Value::String(v)) => Ok(v.clone()),
            None if k == "key" => Ok(String::new()),
            other => Err(OpError::invalid(
                op,
                format!("{TY}: mapping `{k}` must be a string, got {other:?}"),
            )),
        };
        let key = get("key")?;
        if key.starts_with('/') || key.ends_with('/') || key.contains("//") {
            return Err(OpError::invalid(
                op,
                format!("{TY}: mapping key `{key}` must not start or end with `/` or contain `//` (\"\" maps the root)"),
            ));
        }
        let mapping = Mapping {
            key: key.clone(),
            api: get("api")?,
            stage: get("stage")?,
        };
        if out.insert(key.clone(), mapping).is_some() {
            return Err(OpError::invalid(
                op,
                format!("{TY}: mapping key `{key}` appears twice"),
            ));
        }
    }
    Ok(Some(out))
}

/// The domain's one configuration: certificate, endpoint type, security policy.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct DomainConfig {
    pub certificate: Option<String>,
    pub endpoint_type: Option<String>,
    pub security_policy: Option<String>,
}

impl DomainConfig {
    fn from_live(c: Option<&DomainNameConfiguration>) -> DomainConfig {
        DomainConfig {
            certificate: c.and_then(|c| c.certificate_arn()).map(str::to_string),
            endpoint_type: c
                .and_then(|c| c.endpoint_type())
                .map(|e| e.as_str().to_string()),
            security_policy: c
                .and_then(|c| c.security_policy())
                .map(|e| e.as_str().to_string()),
        }
    }

    /// This configuration with the attributes in `changed` taken from `want`.
    fn overlay(&self, want: &Attrs, changed: &[String], op: &str) -> Result<DomainConfig, OpError> {
        let mut out = self.clone();
        for c in changed {
            match c.as_str() {
                "certificate" => out.certificate = Some(req_str(want, c, TY, op)?),
                "endpoint-type" => {
                    if let Some(v) = opt_str(want, c, TY, op)? {
                        out.endpoint_type = Some(v);
                    }
                }
                "security-policy" => {
                    if let Some(v) = opt_str(want, c, TY, op)? {
                        out.security_policy = Some(v);
                    }
                }
                _ => {}
            }
        }
        if let Some(e) = &out.endpoint_type {
            if e != "REGIONAL" {
                return Err(OpError::invalid(
                    op,
                    format!("{TY}: endpoint-type must be REGIONAL (the only type HTTP APIs support), got `{e}`"),
                ));
            }
        }
        if let Some(p) = &out.security_policy {
            if p != "TLS_1_2" && p != "TLS_1_0" {
                return Err(OpError::invalid(
                    op,
                    format!("{TY}: security-policy must be TLS_1_2 or TLS_1_0, got `{p}`"),
                ));
            }
        }
        Ok(out)
    }

    /// The DomainNameConfiguration to send (REGIONAL when no endpoint type is set).
    pub fn request(&self) -> DomainNameConfiguration {
        DomainNameConfiguration::builder()
            .set_certificate_arn(self.certificate.clone())
            .endpoint_type(EndpointType::from(
                self.endpoint_type.as_deref().unwrap_or("REGIONAL"),
            ))
            .set_security_policy(self.security_policy.as_deref().map(SecurityPolicy::from))
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

fn mappings_value(live: &BTreeMap<String, (String, Mapping)>) -> Value {
    Value::List(
        live.values()
            .map(|(_, m)| {
                Value::Map(BTreeMap::from([
                    ("key".to_string(), s(&m.key)),
                    ("api".to_string(), s(&m.api)),
                    ("stage".to_string(), s(&m.stage)),
                ]))
            })
            .collect(),
    )
}

struct LiveDomain {
    live: Live,
    tags: BTreeMap<String, String>,
    config: DomainConfig,
    mappings: BTreeMap<String, (String, Mapping)>,
}

/// The `api-domain` operations.
pub struct Provider {
    client: aws_sdk_apigatewayv2::Client,
    region: String,
    schema: Schema,
}

impl Provider {
    pub fn new(aws: &Aws) -> Provider {
        Provider {
            client: aws.apigatewayv2(),
            region: aws.region(),
            schema: schema(),
        }
    }

    async fn mappings(&self, domain: &str) -> Result<BTreeMap<String, (String, Mapping)>, OpError> {
        let mut out = BTreeMap::new();
        let mut token = None;
        loop {
            let page = match self
                .client
                .get_api_mappings()
                .domain_name(domain)
                .set_next_token(token)
                .send()
                .await
            {
                Ok(p) => p,
                Err(e) if is_gone(&e) => return Ok(out),
                Err(e) => return Err(op_error("GetApiMappings", e)),
            };
            out.extend(page.items().iter().filter_map(mapping_of));
            token = page
                .next_token()
                .filter(|t| !t.is_empty())
                .map(str::to_string);
            if token.is_none() {
                return Ok(out);
            }
        }
    }

    async fn read_domain(&self, domain: &str) -> Result<Option<LiveDomain>, OpError> {
        let Some(out) = get_optional(
            "GetDomainName",
            is_gone,
            self.client.get_domain_name().domain_name(domain).send(),
        )
        .await?
        else {
            return Ok(None);
        };
        let mappings = self.mappings(domain).await?;
        let conf = out.domain_name_configurations().first();
        let config = DomainConfig::from_live(conf);
        let mut a = Attrs::new();
        a.insert("domain-name".into(), s(domain));
        if let Some(c) = &config.certificate {
            a.insert("certificate".into(), s(c));
        }
        if let Some(e) = &config.endpoint_type {
            a.insert("endpoint-type".into(), s(e));
        }
        if let Some(p) = &config.security_policy {
            a.insert("security-policy".into(), s(p));
        }
        a.insert("mapping".into(), mappings_value(&mappings));
        if let Some(t) = conf.and_then(|c| c.api_gateway_domain_name()) {
            a.insert("target-domain-name".into(), s(t));
        }
        if let Some(z) = conf.and_then(|c| c.hosted_zone_id()) {
            a.insert("hosted-zone-id".into(), s(z));
        }
        let arn = out
            .domain_name_arn()
            .map(str::to_string)
            .unwrap_or_else(|| {
                format!("arn:aws:apigateway:{}::/domainnames/{domain}", self.region)
            });
        a.insert("arn".into(), s(arn));
        let tags: BTreeMap<String, String> = out
            .tags()
            .map(|t| t.iter().map(|(k, v)| (k.clone(), v.clone())).collect())
            .unwrap_or_default();
        a.insert("tags".into(), tags_value(&tags));
        Ok(Some(LiveDomain {
            live: Live {
                id: domain.to_string(),
                attrs: a,
            },
            tags,
            config,
            mappings,
        }))
    }

    async fn read_required(&self, domain: &str, op: &str) -> Result<LiveDomain, OpError> {
        self.read_domain(domain).await?.ok_or_else(|| {
            OpError::new(
                op,
                ErrorKind::Other,
                format!("{TY}: domain name `{domain}` vanished during {op} (deleted outside eco?)"),
            )
        })
    }

    async fn create_mapping(&self, domain: &str, m: &Mapping) -> Result<(), OpError> {
        self.client
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
        delete_if_present(
            "DeleteApiMapping",
            is_gone,
            self.client
                .delete_api_mapping()
                .domain_name(domain)
                .api_mapping_id(id)
                .send(),
        )
        .await
    }

    async fn change(
        &self,
        domain: &str,
        live: &LiveDomain,
        desired: &Attrs,
        changed: &[String],
        op: &str,
    ) -> Result<(), OpError> {
        if changed.iter().any(|c| c == "domain-name") {
            return Err(OpError::invalid(
                op,
                format!("{TY}: `domain-name` cannot change in place (it forces a replacement)"),
            ));
        }
        let merged = live.config.overlay(desired, changed, op)?;
        if merged != live.config {
            update_domain_request(self.client.update_domain_name(), domain, &merged)
                .send()
                .await
                .map_err(|e| op_error("UpdateDomainName", e))?;
        }
        if changed.iter().any(|c| c == "mapping") {
            if let Some(want) = mappings_of(desired, op)? {
                let plan = plan_mappings(&live.mappings, &want);
                for id in &plan.delete {
                    self.delete_mapping(domain, id).await?;
                }
                for (id, m) in &plan.update {
                    update_mapping_request(self.client.update_api_mapping(), domain, id, m)
                        .send()
                        .await
                        .map_err(|e| op_error("UpdateApiMapping", e))?;
                }
                for m in &plan.create {
                    self.create_mapping(domain, m).await?;
                }
            }
        }
        if changed.iter().any(|c| c == "tags") {
            let arn = live
                .live
                .attrs
                .get("arn")
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_string();
            retag(
                &self.client,
                &arn,
                &live.tags,
                &tags_of(desired.get("tags")),
                &[],
            )
            .await?;
        }
        Ok(())
    }
}

#[async_trait]
impl ResourceProvider for Provider {
    fn schema(&self) -> &Schema {
        &self.schema
    }

    async fn read(&self, _ctx: &OpContext, id: &str) -> Result<Option<Live>, OpError> {
        Ok(self.read_domain(id).await?.map(|d| d.live))
    }

    async fn find(
        &self,
        ctx: &OpContext,
        desired: &Attrs,
        _token: &str,
    ) -> Result<Option<Live>, OpError> {
        let domain = req_str(desired, "domain-name", TY, "GetDomainName")?;
        match self.read_domain(&domain).await? {
            None => Ok(None),
            Some(d) if ctx.owns(&d.tags) => Ok(Some(d.live)),
            Some(d) => Err(not_ours(
                ctx,
                "GetDomainName",
                &format!("domain name `{domain}`"),
                &domain,
                &d.tags,
            )),
        }
    }

    async fn create(&self, ctx: &OpContext, desired: &Attrs, token: &str) -> Result<Live, OpError> {
        let op = "CreateDomainName";
        let domain = req_str(desired, "domain-name", TY, op)?;
        let config = DomainConfig::default().overlay(
            desired,
            &[
                "certificate".into(),
                "endpoint-type".into(),
                "security-policy".into(),
            ],
            op,
        )?;
        let mappings = mappings_of(desired, op)?.unwrap_or_default();
        if self.find(ctx, desired, token).await?.is_some() {
            // An earlier run made it: bring it to the configuration.
            let live = self.read_required(&domain, op).await?;
            let changed: Vec<String> = desired
                .iter()
                .filter(|(k, v)| k.as_str() != "domain-name" && live.live.attrs.get(*k) != Some(*v))
                .map(|(k, _)| k.clone())
                .collect();
            self.change(&domain, &live, desired, &changed, op).await?;
            return Ok(self.read_required(&domain, op).await?.live);
        }
        self.client
            .create_domain_name()
            .domain_name(&domain)
            .domain_name_configurations(config.request())
            .set_tags(Some(tags_of(desired.get("tags")).into_iter().collect()))
            .send()
            .await
            .map_err(|e| op_error(op, e))?;
        for m in mappings.values() {
            self.create_mapping(&domain, m).await?;
        }
        Ok(self.read_required(&domain, op).await?.live)
    }

    async fn update(
        &self,
        _ctx: &OpContext,
        id: &str,
        _prior: &Attrs,
        desired: &Attrs,
        changed: &[String],
    ) -> Result<Live, OpError> {
        let op = "UpdateDomainName";
        let live = self.read_required(id, op).await?;
        self.change(id, &live, desired, changed, op).await?;
        Ok(self.read_required(id, op).await?.live)
    }

    async fn delete(&self, _ctx: &OpContext, id: &str, _prior: &Attrs) -> Result<(), OpError> {
        for (mapping_id, _) in self.mappings(id).await?.values() {
            self.delete_mapping(id, mapping_id).await?;
        }
        delete_if_present(
            "DeleteDomainName",
            is_gone,
            self.client.delete_domain_name().domain_name(id).send(),
        )
        .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn client() -> aws_sdk_apigatewayv2::Client {
        crate::aws::Aws::for_endpoint("http://127.0.0.1:9", "us-east-1").apigatewayv2()
    }

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
            endpoint_type: Some("REGIONAL".into()),
            security_policy: Some("TLS_1_2".into()),
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
