//! `api-stage`: a stage of an HTTP API (`$default` or a named stage), usually auto-deployed.
//!
//! AWS calls (apigatewayv2):
//! - read: GetStage; refresh pages through GetStages per API
//! - create: CreateStage
//! - update: UpdateStage, TagResource / UntagResource
//! - delete: DeleteStage
//! - import: by `API-ID/STAGE-NAME` (GetStage)

use std::collections::BTreeMap;

use async_trait::async_trait;
use aws_sdk_apigatewayv2::operation::get_stage::GetStageOutput;
use aws_sdk_apigatewayv2::types::{AccessLogSettings, RouteSettings};
use eco_provider::{Attrs, Live, OpContext, OpError, OpResult, ResourceProvider};
use eco_schema::{Schema, Spec};

use crate::apigw::{fixed, split_id, tagged, tags, Gateway};
use crate::aws::{differing, is_gone, op_error, Aws};
use crate::calls::{delete_if_present, get_optional, still_there};
use crate::ownership::not_ours;
use crate::tags::retag;

/// A stage's attributes, declared once.
#[derive(Debug, Clone, PartialEq, Default, Spec)]
#[eco(
    resource = "api-stage",
    doc = "A stage of an HTTP API",
    import_id = "`API-ID/STAGE-NAME`"
)]
pub struct ApiStage {
    /// id of the API
    #[eco(replace)]
    pub api: String,
    /// stage name, $default for the root of the endpoint; stages cannot be renamed
    #[eco(replace)]
    pub name: String,
    /// description (UpdateStage)
    pub description: Option<String>,
    /// deploy every change to the API automatically (UpdateStage)
    pub auto_deploy: Option<bool>,
    /// stage variables (UpdateStage)
    pub stage_variables: Option<BTreeMap<String, String>>,
    /// default route throttling (UpdateStage DefaultRouteSettings)
    pub throttling: Option<Throttling>,
    /// access logging (UpdateStage AccessLogSettings)
    pub access_log: Option<AccessLog>,
    /// URL that invokes this stage
    #[eco(computed)]
    pub invoke_url: Option<String>,
    #[eco(tags)]
    pub tags: BTreeMap<String, String>,
}

/// `throttling { burst-limit ..; rate-limit .. }`.
#[derive(Debug, Clone, Copy, PartialEq, Default, Spec)]
pub struct Throttling {
    /// burst limit in requests
    pub burst_limit: Option<i32>,
    /// steady-state limit in requests per second
    pub rate_limit: Option<f64>,
}

/// `access-log { destination ..; format .. }`.
#[derive(Debug, Clone, PartialEq, Default, Spec)]
pub struct AccessLog {
    /// CloudWatch Logs log group ARN
    pub destination: String,
    /// log line format with $context variables
    pub format: String,
}

pub const TYPE_NAME: &str = ApiStage::TYPE_NAME;
const TY: &str = TYPE_NAME;

pub fn schema() -> Schema {
    ApiStage::schema()
}

/// The desired stage; throttling limits are not negative.
fn spec_of(desired: &Attrs, op: &str) -> Result<ApiStage, OpError> {
    let spec =
        ApiStage::from_attrs(desired).map_err(|e| OpError::invalid(op, format!("{TY}: {e}")))?;
    if let Some(t) = &spec.throttling {
        if t.burst_limit.is_some_and(|b| b < 0) || t.rate_limit.is_some_and(|r| r < 0.0) {
            return Err(OpError::invalid(
                op,
                format!("{TY}: throttling limits must not be negative"),
            ));
        }
    }
    Ok(spec)
}

impl Throttling {
    fn request(&self) -> RouteSettings {
        RouteSettings::builder()
            .set_throttling_burst_limit(self.burst_limit)
            .set_throttling_rate_limit(self.rate_limit)
            .build()
    }
}

impl AccessLog {
    fn request(&self) -> AccessLogSettings {
        AccessLogSettings::builder()
            .destination_arn(&self.destination)
            .format(&self.format)
            .build()
    }
}

type UpdateReq = aws_sdk_apigatewayv2::operation::update_stage::builders::UpdateStageFluentBuilder;

/// UpdateStage with the changed fields (`None` when only tags changed).
fn update_request(
    mut req: UpdateReq,
    spec: &ApiStage,
    changed: &[String],
) -> Result<Option<UpdateReq>, OpError> {
    let mut any = false;
    for c in changed {
        req = match c.as_str() {
            "description" => req.description(spec.description.clone().unwrap_or_default()),
            "auto-deploy" => req.auto_deploy(spec.auto_deploy.unwrap_or(false)),
            // UpdateStage merges stage variables; an emptied value removes one, as AWS documents.
            "stage-variables" => req.set_stage_variables(Some(
                spec.stage_variables
                    .clone()
                    .unwrap_or_default()
                    .into_iter()
                    .collect(),
            )),
            "throttling" => {
                req.default_route_settings(spec.throttling.unwrap_or_default().request())
            }
            "access-log" => match &spec.access_log {
                Some(a) => req.access_log_settings(a.request()),
                None => req.access_log_settings(AccessLogSettings::builder().build()),
            },
            "api" | "name" => return Err(fixed("UpdateStage", TY, c)),
            _ => continue,
        };
        any = true;
    }
    Ok(any.then_some(req))
}

/// The `api-stage` operations.
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

    /// The stage AWS reports.
    fn stage(&self, api: &str, name: &str, o: &GetStageOutput) -> ApiStage {
        let base = self.gw.endpoint(api);
        let path = if name == "$default" { "" } else { name };
        let throttling = o.default_route_settings().map(|r| Throttling {
            burst_limit: r.throttling_burst_limit(),
            rate_limit: r.throttling_rate_limit(),
        });
        ApiStage {
            api: api.to_string(),
            name: name.to_string(),
            description: o
                .description()
                .filter(|d| !d.is_empty())
                .map(str::to_string),
            auto_deploy: Some(o.auto_deploy().unwrap_or(false)),
            stage_variables: o
                .stage_variables()
                .filter(|v| !v.is_empty())
                .map(|v| v.iter().map(|(k, v)| (k.clone(), v.clone())).collect()),
            throttling: throttling.filter(|t| *t != Throttling::default()),
            access_log: o.access_log_settings().and_then(|l| {
                Some(AccessLog {
                    destination: l.destination_arn()?.to_string(),
                    format: l.format().unwrap_or_default().to_string(),
                })
            }),
            invoke_url: Some(format!("{base}/{path}")),
            tags: tags(o.tags()),
        }
    }

    async fn read_id(&self, id: &str) -> Result<Option<(Live, BTreeMap<String, String>)>, OpError> {
        let (api, name) = split_id(id, TY, "GetStage")?;
        let call = self
            .gw
            .client
            .get_stage()
            .api_id(&api)
            .stage_name(&name)
            .send();
        let Some(o) = get_optional("GetStage", is_gone, call).await? else {
            return Ok(None);
        };
        let stage = self.stage(&api, &name, &o);
        Ok(Some((
            tagged(id, stage.to_attrs(), &stage.tags),
            stage.tags,
        )))
    }

    /// Brings stage `id` to `spec` for the attributes in `changed`; what a read reports after.
    async fn change(&self, id: &str, spec: &ApiStage, changed: &[String]) -> Result<Live, OpError> {
        let op = "UpdateStage";
        let (_, live_tags) = still_there(self.read_id(id).await?, op, TY, id)?;
        let (api, name) = split_id(id, TY, op)?;
        let req = self.gw.client.update_stage().api_id(&api).stage_name(&name);
        if let Some(req) = update_request(req, spec, changed)? {
            req.send().await.map_err(|e| op_error(op, e))?;
        }
        if changed.iter().any(|c| c == "tags") {
            let arn = self.gw.arn(&format!("/apis/{api}/stages/{name}"));
            retag(&self.gw.client, &arn, &live_tags, &spec.tags, &[]).await?;
        }
        Ok(still_there(self.read_id(id).await?, op, TY, id)?.0)
    }
}

#[async_trait]
impl ResourceProvider for Provider {
    crate::resources::schema_and_transient!(crate::apigw::TRANSIENT);

    fn lane(&self, attrs: &Attrs) -> Option<String> {
        crate::apigw::lane(attrs)
    }

    async fn read(&self, _ctx: &OpContext, id: &str) -> Result<Option<Live>, OpError> {
        Ok(self.read_id(id).await?.map(|(l, _)| l))
    }

    /// Stage names are unique in an API; ownership tags say whether the stage is ours.
    async fn find(&self, ctx: &OpContext, desired: &Attrs, _token: &str) -> OpResult<Option<Live>> {
        let spec = spec_of(desired, "GetStage")?;
        let id = format!("{}/{}", spec.api, spec.name);
        let Some((live, tags)) = self.read_id(&id).await? else {
            return Ok(None);
        };
        if ctx.is_replaced(&live.id) {
            return Ok(None);
        }
        if !ctx.owns(&tags) {
            let what = format!("stage `{}` of API `{}`", spec.name, spec.api);
            return Err(not_ours(ctx, "GetStage", &what, &id, &tags));
        }
        Ok(Some(live))
    }

    async fn create(&self, ctx: &OpContext, desired: &Attrs, token: &str) -> Result<Live, OpError> {
        let op = "CreateStage";
        let spec = spec_of(desired, op)?;
        if let Some(live) = self.find(ctx, desired, token).await? {
            let changed = differing(desired, &live.attrs, &["api", "name"]);
            if changed.is_empty() {
                return Ok(live);
            }
            return self.change(&live.id, &spec, &changed).await;
        }
        self.gw
            .client
            .create_stage()
            .api_id(&spec.api)
            .stage_name(&spec.name)
            .set_description(spec.description.clone())
            .set_auto_deploy(spec.auto_deploy)
            .set_stage_variables(
                spec.stage_variables
                    .clone()
                    .map(|m| m.into_iter().collect()),
            )
            .set_default_route_settings(spec.throttling.as_ref().map(Throttling::request))
            .set_access_log_settings(spec.access_log.as_ref().map(AccessLog::request))
            .set_tags(Some(spec.tags.clone().into_iter().collect()))
            .send()
            .await
            .map_err(|e| op_error(op, e))?;
        let id = format!("{}/{}", spec.api, spec.name);
        Ok(still_there(self.read_id(&id).await?, op, TY, &id)?.0)
    }

    async fn update(
        &self,
        _ctx: &OpContext,
        id: &str,
        _prior: &Attrs,
        desired: &Attrs,
        changed: &[String],
    ) -> Result<Live, OpError> {
        let spec = spec_of(desired, "UpdateStage")?;
        self.change(id, &spec, changed).await
    }

    async fn delete(&self, _ctx: &OpContext, id: &str, _prior: &Attrs) -> Result<(), OpError> {
        let (api, name) = split_id(id, TY, "DeleteStage")?;
        let call = self
            .gw
            .client
            .delete_stage()
            .api_id(api)
            .stage_name(name)
            .send();
        delete_if_present("DeleteStage", is_gone, call).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use eco_provider::values::s;
    use eco_provider::Value;

    use crate::apigw::offline_client as client;

    #[test]
    fn update_stage_request_carries_throttling_variables_and_auto_deploy() {
        let d = Attrs::from([
            ("api".to_string(), s("a")),
            ("name".to_string(), s("$default")),
            ("auto-deploy".to_string(), Value::Bool(true)),
            (
                "stage-variables".to_string(),
                Value::Map(BTreeMap::from([("mode".to_string(), s("x"))])),
            ),
            (
                "throttling".to_string(),
                Value::Map(BTreeMap::from([
                    ("burst-limit".to_string(), Value::Int(200)),
                    ("rate-limit".to_string(), Value::Float(100.0)),
                ])),
            ),
        ]);
        let spec = spec_of(&d, "Op").unwrap();
        let req = update_request(
            client().update_stage().api_id("a").stage_name("$default"),
            &spec,
            &[
                "auto-deploy".into(),
                "stage-variables".into(),
                "throttling".into(),
                "tags".into(),
            ],
        )
        .unwrap()
        .unwrap();
        assert_eq!(req.get_auto_deploy(), &Some(true));
        assert_eq!(
            req.get_stage_variables()
                .as_ref()
                .unwrap()
                .get("mode")
                .map(String::as_str),
            Some("x")
        );
        let rs = req.get_default_route_settings().clone().unwrap();
        assert_eq!(rs.throttling_burst_limit(), Some(200));
        assert_eq!(rs.throttling_rate_limit(), Some(100.0));
        assert_eq!(req.get_description(), &None);
        // Only tags: no UpdateStage at all.
        assert!(
            update_request(client().update_stage(), &spec, &["tags".into()])
                .unwrap()
                .is_none()
        );
        assert!(update_request(client().update_stage(), &spec, &["name".into()]).is_err());
    }
}
