//! `rest-api`: an API Gateway REST API (v1), the API family serverless.com's `http` events and
//! most hand-made and CloudFormation-made APIs use.
//!
//! AWS calls (apigateway):
//! - read: GetRestApi (tags included); discover pages through GetRestApis
//! - create: CreateRestApi (tags included); with a `body`, then PutRestApi (mode=overwrite) and
//!   UpdateRestApi for what the document set differently from the configuration
//! - update: UpdateRestApi (PATCH operations), TagResource / UntagResource; a changed `body`
//!   (its SHA-256, computed at plan time) PutRestApi (mode=overwrite) first
//! - delete: DeleteRestApi
//! - import: by REST API id (GetRestApi)

use std::collections::BTreeMap;

use async_trait::async_trait;
use aws_sdk_apigateway::operation::get_rest_api::GetRestApiOutput;
use aws_sdk_apigateway::primitives::Blob;
use aws_sdk_apigateway::types::{
    ApiKeySourceType, EndpointConfiguration, EndpointType, PatchOperation, PutMode,
};
use eco_provider::{Attrs, Live, Member, OpContext, OpError, OpResult, ResourceProvider, Value};
use eco_schema::{Schema, Spec, SpecEnum};
use sha2::{Digest, Sha256};

use crate::attrs::{same_json, spec_of};
use crate::aws::{differing, is_gone, op_error, Aws};
use crate::calls::{bring_to, confirm_deleted, delete_if_present, get_optional, still_there};
use crate::rest::{
    add, find_owned, fixed, list_top, ordered, remove, replace, tagged_live, update_top,
    RestGateway, TopLevel,
};

/// A REST API's attributes, declared once.
#[derive(Debug, Clone, PartialEq, Default, Spec)]
#[eco(
    resource = "rest-api",
    doc = "An API Gateway REST API (v1): the container of resources, methods, authorizers, deployments and stages",
    import_id = "the REST API id (e.g. a1b2c3d4e5)"
)]
pub struct RestApi {
    /// API name (UpdateRestApi)
    pub name: String,
    /// description (UpdateRestApi)
    pub description: Option<String>,
    /// EDGE (AWS's default), REGIONAL or PRIVATE (UpdateRestApi)
    pub endpoint_type: Option<Endpoint>,
    /// media types served as binary, e.g. image/png or */* (UpdateRestApi)
    #[eco(unordered)]
    pub binary_media_types: Option<Vec<String>>,
    /// smallest payload in bytes that is compressed; absent: no compression (UpdateRestApi)
    #[eco(min = 0, max = 10485760)]
    pub minimum_compression_size: Option<i32>,
    /// where API keys come from: HEADER (default) or AUTHORIZER (UpdateRestApi)
    pub api_key_source: Option<KeySource>,
    /// resource policy, a JSON document (UpdateRestApi)
    #[eco(json)]
    pub policy: Option<String>,
    /// serve only through custom domains (UpdateRestApi)
    pub disable_execute_api_endpoint: Option<bool>,
    /// an OpenAPI document (JSON or YAML) that defines the API's resources, methods and
    /// integrations, e.g. `${file("openapi.json")}`; AWS does not report it back: state keeps it
    /// and its SHA-256, whose change puts it again (PutRestApi mode=overwrite)
    #[eco(local)]
    pub body: Option<String>,
    /// hex SHA-256 of `body`, computed by eco at plan time
    #[eco(computed, local)]
    pub body_sha256: Option<String>,
    /// REST API id
    #[eco(computed)]
    pub id: Option<String>,
    /// id of the root resource `/`, the default parent of a rest-resource
    #[eco(computed)]
    pub root_resource_id: Option<String>,
    /// arn:aws:execute-api:REGION:ACCOUNT:ID, for lambda-permission source-arn
    #[eco(computed)]
    pub execution_arn: Option<String>,
    /// REST API ARN (for tagging and IAM)
    #[eco(computed)]
    pub arn: Option<String>,
    #[eco(tags)]
    pub tags: BTreeMap<String, String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, SpecEnum)]
#[eco(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Endpoint {
    Edge,
    Regional,
    Private,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, SpecEnum)]
#[eco(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum KeySource {
    Header,
    Authorizer,
}

pub const TYPE_NAME: &str = RestApi::TYPE_NAME;
const TY: &str = TYPE_NAME;

pub fn schema() -> Schema {
    RestApi::schema()
}

/// The PATCH operations of UpdateRestApi for the changed fields, from `live` to `spec`.
fn patch(
    spec: &RestApi,
    live: &RestApi,
    changed: &[String],
) -> Result<Vec<PatchOperation>, OpError> {
    let mut ops = Vec::new();
    for c in changed {
        match c.as_str() {
            "name" => ops.push(replace("/name", &spec.name)),
            "description" => ops.push(replace(
                "/description",
                spec.description.clone().unwrap_or_default(),
            )),
            "endpoint-type" => {
                let from = live.endpoint_type.unwrap_or(Endpoint::Edge);
                let to = spec.endpoint_type.unwrap_or(Endpoint::Edge);
                if from != to {
                    ops.push(replace(
                        &format!("/endpointConfiguration/types/{}", from.as_str()),
                        to.as_str(),
                    ));
                }
            }
            "binary-media-types" => {
                let live_types = live.binary_media_types.clone().unwrap_or_default();
                let want = spec.binary_media_types.clone().unwrap_or_default();
                for t in live_types.iter().filter(|t| !want.contains(t)) {
                    ops.push(remove(&format!(
                        "/binaryMediaTypes/{}",
                        crate::rest::path_key(t)
                    )));
                }
                for t in want.iter().filter(|t| !live_types.contains(t)) {
                    ops.push(add(&format!(
                        "/binaryMediaTypes/{}",
                        crate::rest::path_key(t)
                    )));
                }
            }
            "minimum-compression-size" => ops.push(replace(
                "/minimumCompressionSize",
                spec.minimum_compression_size
                    .map(|n| n.to_string())
                    .unwrap_or_default(),
            )),
            "api-key-source" => ops.push(replace(
                "/apiKeySource",
                spec.api_key_source.unwrap_or(KeySource::Header).as_str(),
            )),
            "policy" => ops.push(replace("/policy", spec.policy.clone().unwrap_or_default())),
            "disable-execute-api-endpoint" => ops.push(replace(
                "/disableExecuteApiEndpoint",
                spec.disable_execute_api_endpoint
                    .unwrap_or(false)
                    .to_string(),
            )),
            // The document is put by PutRestApi, before these operations.
            "tags" | "id" | "body" | "body-sha256" => {}
            other => return Err(fixed("UpdateRestApi", TY, other)),
        }
    }
    Ok(ops)
}

/// The `rest-api` operations.
pub struct Provider {
    gw: RestGateway,
    sts: aws_sdk_sts::Client,
    account: tokio::sync::OnceCell<String>,
    schema: Schema,
}

impl Provider {
    pub fn new(aws: &Aws) -> Provider {
        Provider {
            gw: RestGateway::new(aws),
            sts: aws.sts(),
            account: tokio::sync::OnceCell::new(),
            schema: schema(),
        }
    }

    async fn account(&self) -> Result<String, OpError> {
        self.account
            .get_or_try_init(|| async {
                self.sts
                    .get_caller_identity()
                    .send()
                    .await
                    .map_err(|e| op_error("GetCallerIdentity", e))
                    .map(|o| o.account().unwrap_or_default().to_string())
            })
            .await
            .cloned()
    }

    /// The REST API AWS reports.
    fn api(&self, id: &str, out: &GetRestApiOutput, account: &str) -> RestApi {
        let region = &self.gw.region;
        let media = out.binary_media_types();
        RestApi {
            name: out.name().unwrap_or_default().to_string(),
            description: out
                .description()
                .filter(|d| !d.is_empty())
                .map(str::to_string),
            endpoint_type: out
                .endpoint_configuration()
                .and_then(|e| e.types().first())
                .and_then(|t| Endpoint::parse(t.as_str())),
            binary_media_types: (!media.is_empty()).then(|| media.to_vec()),
            minimum_compression_size: out.minimum_compression_size(),
            api_key_source: out
                .api_key_source()
                .and_then(|s| KeySource::parse(s.as_str())),
            policy: out.policy().filter(|p| !p.is_empty()).map(unescape_policy),
            disable_execute_api_endpoint: Some(out.disable_execute_api_endpoint()),
            id: Some(id.to_string()),
            root_resource_id: out.root_resource_id().map(str::to_string),
            execution_arn: Some(format!("arn:aws:execute-api:{region}:{account}:{id}")),
            arn: Some(self.gw.arn(&format!("/restapis/{id}"))),
            tags: ordered(out.tags()),
            // AWS does not report the document an API was put from.
            body: None,
            body_sha256: None,
        }
    }

    async fn read_api(&self, id: &str) -> Result<Option<RestApi>, OpError> {
        let call = self.gw.client.get_rest_api().rest_api_id(id).send();
        let Some(out) = get_optional("GetRestApi", is_gone, call).await? else {
            return Ok(None);
        };
        let account = self.account().await?;
        Ok(Some(self.api(id, &out, &account)))
    }
}

#[async_trait]
impl TopLevel for Provider {
    type Spec = RestApi;
    type Page = aws_sdk_apigateway::operation::get_rest_apis::GetRestApisOutput;
    const TY: &'static str = TY;
    const UPDATE: &'static str = "UpdateRestApi";

    async fn read_id(&self, id: &str) -> Result<Option<Live>, OpError> {
        Ok(self.read_api(id).await?.map(|api| live_of(id, &api)))
    }

    /// A page of GetRestApis (limit 500, AWS's largest).
    async fn page(&self, position: Option<String>) -> Result<Option<Self::Page>, OpError> {
        let out = self
            .gw
            .client
            .get_rest_apis()
            .limit(500)
            .set_position(position)
            .send()
            .await;
        out.map(Some).map_err(|e| op_error("GetRestApis", e))
    }

    /// Brings REST API `id` to `spec` for the attributes in `changed`; what a read reports after
    /// (with the configuration's `body` and its hash, which AWS does not report).
    async fn change(&self, id: &str, spec: &RestApi, changed: &[String]) -> Result<Live, OpError> {
        let op = "UpdateRestApi";
        let mut changed = changed.to_vec();
        let body_changed = changed.iter().any(|c| c == "body" || c == "body-sha256");
        if let Some(body) = spec.body.as_deref().filter(|_| body_changed) {
            self.gw
                .client
                .put_rest_api()
                .rest_api_id(id)
                .mode(PutMode::Overwrite)
                .body(Blob::new(body.as_bytes()))
                .send()
                .await
                .map_err(|e| op_error("PutRestApi", e))?;
        }
        let live = still_there(self.read_api(id).await?, op, TY, id)?;
        if body_changed {
            // The document may set the name, description, endpoint...: what now differs from
            // the configuration is patched back.
            let skip = ["body", "body-sha256", "tags"];
            for c in differing(&spec.to_attrs(), &live.to_attrs(), &skip) {
                if !changed.contains(&c) {
                    changed.push(c);
                }
            }
        }
        let ops = patch(spec, &live, &changed)?;
        if !ops.is_empty() {
            self.gw
                .client
                .update_rest_api()
                .rest_api_id(id)
                .set_patch_operations(Some(ops))
                .send()
                .await
                .map_err(|e| op_error(op, e))?;
        }
        let path = format!("/restapis/{id}");
        (self.gw)
            .retag_if_changed(&path, &changed, &live.tags, &spec.tags)
            .await?;
        let live = still_there(self.read_id(id).await?, op, TY, id)?;
        Ok(with_body(live, spec))
    }
}

/// `live` with the configuration's `body` and its hash, which state keeps (AWS reports neither).
fn with_body(mut live: Live, spec: &RestApi) -> Live {
    if let Some(body) = &spec.body {
        live.attrs
            .insert("body".into(), Value::String(body.clone()));
        live.attrs
            .insert("body-sha256".into(), Value::String(body_sha256(body)));
    }
    live
}

/// The hex SHA-256 of an OpenAPI document.
pub fn body_sha256(body: &str) -> String {
    Sha256::digest(body.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// What a read reports: the attributes with `tags` always (an empty map when there are none).
fn live_of(id: &str, api: &RestApi) -> Live {
    tagged_live(id, api, &api.tags)
}

/// A policy as AWS answers it: real API Gateway returns the document with its quotes
/// backslash-escaped (`{\"Version\":...}`); the document itself is what the configuration holds.
fn unescape_policy(text: &str) -> String {
    if serde_json::from_str::<serde_json::Value>(text).is_ok() {
        return text.to_string();
    }
    let unescaped = text.replace("\\\"", "\"").replace("\\\\", "\\");
    if serde_json::from_str::<serde_json::Value>(&unescaped).is_ok() {
        unescaped
    } else {
        text.to_string()
    }
}

#[async_trait]
impl ResourceProvider for Provider {
    crate::resources::schema_and_transient!(crate::rest::TRANSIENT);

    /// GetRestApis (every page), each API read in full.
    async fn list(&self, _ctx: &OpContext) -> Option<Result<Vec<Live>, OpError>> {
        list_top(self).await
    }

    async fn read(&self, _ctx: &OpContext, id: &str) -> Result<Option<Live>, OpError> {
        self.read_id(id).await
    }

    /// The API's authorizers, resources (the root aside), methods, integrations, and each
    /// stage with the deployment it serves: GetAuthorizers, GetResources (methods embedded),
    /// GetIntegration per method, GetStages.
    async fn members(&self, _ctx: &OpContext, live: &Live) -> Result<Vec<Member>, OpError> {
        members_of(&self.gw.client, &live.id).await
    }

    /// REST API names need not be unique: only the ownership tags identify this address's API,
    /// through GetRestApis pages.
    async fn find(&self, ctx: &OpContext, desired: &Attrs, _token: &str) -> OpResult<Option<Live>> {
        find_owned(self, ctx, desired, "GetRestApis").await
    }

    async fn create(&self, ctx: &OpContext, desired: &Attrs, token: &str) -> Result<Live, OpError> {
        let op = "CreateRestApi";
        let spec: RestApi = spec_of(desired, TY, op)?;
        if let Some(existing) = self.find(ctx, desired, token).await? {
            return bring_to(self, ctx, existing, desired, &[]).await;
        }
        let endpoint = spec.endpoint_type.map(|t| {
            EndpointConfiguration::builder()
                .types(EndpointType::from(t.as_str()))
                .build()
        });
        let out = self
            .gw
            .client
            .create_rest_api()
            .name(&spec.name)
            .set_description(spec.description.clone())
            .set_endpoint_configuration(endpoint)
            .set_binary_media_types(spec.binary_media_types.clone())
            .set_minimum_compression_size(spec.minimum_compression_size)
            .set_api_key_source(
                spec.api_key_source
                    .map(|s| ApiKeySourceType::from(s.as_str())),
            )
            .set_policy(spec.policy.clone())
            .set_disable_execute_api_endpoint(spec.disable_execute_api_endpoint)
            .set_tags(Some(spec.tags.clone().into_iter().collect()))
            .send()
            .await
            .map_err(|e| op_error(op, e))?;
        let id = out.id().unwrap_or_default().to_string();
        if spec.body.is_some() {
            return self.change(&id, &spec, &["body".to_string()]).await;
        }
        still_there(self.read_id(&id).await?, op, TY, &id)
    }

    /// The SHA-256 of `body`, which drives its updates (AWS does not report the document).
    fn expand(&self, _base_dir: &std::path::Path, desired: &mut Attrs) -> Result<(), OpError> {
        if let Some(Value::String(body)) = desired.get("body") {
            let hash = body_sha256(body);
            desired.insert("body-sha256".into(), Value::String(hash));
        }
        Ok(())
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
        let call = self.gw.client.delete_rest_api().rest_api_id(id).send();
        let deleted = delete_if_present("DeleteRestApi", is_gone, call);
        confirm_deleted(deleted, self.read_api(id)).await
    }
}

/// A name for an address from free text (a path, an authorizer or stage name): lower-case
/// letters, digits and `-`, `root` when nothing is left.
fn address_name(text: &str) -> String {
    let mut out = String::new();
    for c in text.chars() {
        if c.is_ascii_alphanumeric() {
            out.push(c.to_ascii_lowercase());
        } else if !out.ends_with('-') && !out.is_empty() {
            out.push('-');
        }
    }
    let out = out.trim_end_matches('-').to_string();
    if out.is_empty() {
        "root".into()
    } else {
        out
    }
}

/// What [`ResourceProvider::members`] answers for REST API `api`.
async fn members_of(c: &aws_sdk_apigateway::Client, api: &str) -> Result<Vec<Member>, OpError> {
    use crate::resources::{
        rest_authorizer, rest_deployment, rest_integration, rest_method, rest_resource, rest_stage,
    };
    let member =
        |type_name, import_id: String, name: String, reference_id: Option<String>| Member {
            type_name,
            import_id,
            name,
            reference_id,
            refers_to: Vec::new(),
        };
    let mut out = Vec::new();
    let mut position = None;
    loop {
        let call = c
            .get_authorizers()
            .rest_api_id(api)
            .limit(500)
            .set_position(position)
            .send();
        let page = call.await.map_err(|e| op_error("GetAuthorizers", e))?;
        for a in page.items() {
            let id = a.id().unwrap_or_default();
            out.push(member(
                rest_authorizer::TYPE_NAME,
                format!("{api}/{id}"),
                address_name(a.name().unwrap_or(id)),
                Some(id.to_string()),
            ));
        }
        position = page
            .position()
            .filter(|p| !p.is_empty())
            .map(str::to_string);
        if position.is_none() {
            break;
        }
    }
    let mut resources = Vec::new();
    let mut position = None;
    loop {
        let call = c
            .get_resources()
            .rest_api_id(api)
            .embed("methods")
            .limit(500)
            .set_position(position)
            .send();
        let page = call.await.map_err(|e| op_error("GetResources", e))?;
        resources.extend(page.items().iter().cloned());
        position = page
            .position()
            .filter(|p| !p.is_empty())
            .map(str::to_string);
        if position.is_none() {
            break;
        }
    }
    // Parents before children: by path depth.
    resources.sort_by_key(|r| {
        (
            r.path().unwrap_or("/").matches('/').count(),
            r.path().map(str::to_string),
        )
    });
    let mut methods = Vec::new();
    for r in &resources {
        let id = r.id().unwrap_or_default().to_string();
        let path = r.path().unwrap_or("/");
        let name = address_name(path);
        if path != "/" {
            out.push(member(
                rest_resource::TYPE_NAME,
                format!("{api}/{id}"),
                name.clone(),
                Some(id.clone()),
            ));
        }
        let mut verbs: Vec<&String> = r
            .resource_methods()
            .map(|m| m.keys().collect())
            .unwrap_or_default();
        verbs.sort();
        for verb in verbs {
            methods.push((
                format!("{api}/{id}/{verb}"),
                format!("{name}-{}", verb.to_ascii_lowercase()),
            ));
        }
    }
    let first_method = out.len();
    for (import_id, name) in &methods {
        out.push(member(
            rest_method::TYPE_NAME,
            import_id.clone(),
            name.clone(),
            None,
        ));
    }
    for (n, (import_id, name)) in methods.into_iter().enumerate() {
        let (_, key) = import_id.split_once('/').unwrap_or_default();
        if <rest_integration::RestIntegration as crate::rest::Part>::get(c, api, key)
            .await?
            .is_some()
        {
            // Named after its method's http-method, so that it is made after the method.
            let mut integration = member(rest_integration::TYPE_NAME, import_id, name, None);
            integration.refers_to.push((
                "http-method".into(),
                first_method + n,
                "http-method".into(),
            ));
            out.push(integration);
        }
    }
    let stages = c
        .get_stages()
        .rest_api_id(api)
        .send()
        .await
        .map_err(|e| op_error("GetStages", e))?;
    let mut deployments: Vec<String> = Vec::new();
    for s in stages.item() {
        let Some(d) = s.deployment_id() else { continue };
        if !deployments.iter().any(|x| x == d) {
            deployments.push(d.to_string());
            out.push(member(
                rest_deployment::TYPE_NAME,
                format!("{api}/{d}"),
                address_name(s.stage_name().unwrap_or(d)),
                Some(d.to_string()),
            ));
        }
    }
    for s in stages.item() {
        let Some(name) = s.stage_name() else { continue };
        out.push(member(
            rest_stage::TYPE_NAME,
            format!("{api}/{name}"),
            address_name(name),
            None,
        ));
    }
    Ok(out)
}

/// Whether two policies are the same document (for tests and callers comparing by hand).
pub fn same_policy(a: &str, b: &str) -> bool {
    same_json(&unescape_policy(a), &unescape_policy(b))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn patches_for_each_attribute() {
        let live = RestApi {
            name: "a".into(),
            endpoint_type: Some(Endpoint::Edge),
            binary_media_types: Some(vec!["image/png".into()]),
            ..Default::default()
        };
        let spec = RestApi {
            name: "b".into(),
            endpoint_type: Some(Endpoint::Regional),
            binary_media_types: Some(vec!["*/*".into()]),
            minimum_compression_size: Some(1024),
            disable_execute_api_endpoint: Some(true),
            ..Default::default()
        };
        let changed: Vec<String> = [
            "name",
            "endpoint-type",
            "binary-media-types",
            "minimum-compression-size",
            "disable-execute-api-endpoint",
            "tags",
        ]
        .map(String::from)
        .to_vec();
        let ops = patch(&spec, &live, &changed).unwrap();
        assert_eq!(
            crate::rest::shown(&ops),
            [
                "replace /name b",
                "replace /endpointConfiguration/types/EDGE REGIONAL",
                "remove /binaryMediaTypes/image~1png -",
                "add /binaryMediaTypes/*~1* -",
                "replace /minimumCompressionSize 1024",
                "replace /disableExecuteApiEndpoint true",
            ]
        );
        assert!(same_policy(
            r#"{\"Version\":\"2012-10-17\"}"#,
            r#"{"Version": "2012-10-17"}"#
        ));
    }
}
