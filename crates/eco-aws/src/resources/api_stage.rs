//! `api-stage`: a stage of an HTTP API (`$default` or a named stage), usually auto-deployed.
//!
//! AWS calls (apigatewayv2):
//! - read: GetStage; refresh pages through GetStages per API
//! - create: CreateStage
//! - update: UpdateStage, TagResource / UntagResource
//! - delete: DeleteStage
//! - import: by `API-ID/STAGE-NAME` (GetStage)

use eco_schema::{Attribute, ScalarType, Schema};

pub const TYPE_NAME: &str = "api-stage";

pub fn schema() -> Schema {
    Schema::new(TYPE_NAME, "A stage of an HTTP API")
        .import_id("`API-ID/STAGE-NAME`")
        .attr(
            Attribute::string("api")
                .required()
                .forces_replacement()
                .doc("id of the API"),
        )
        .attr(
            Attribute::string("name")
                .required()
                .forces_replacement()
                .doc("stage name, $default for the root of the endpoint; stages cannot be renamed"),
        )
        .attr(Attribute::string("description").doc("description (UpdateStage)"))
        .attr(
            Attribute::bool("auto-deploy")
                .doc("deploy every change to the API automatically (UpdateStage)"),
        )
        .attr(
            Attribute::map("stage-variables", ScalarType::String)
                .doc("stage variables (UpdateStage)"),
        )
        .attr(
            Attribute::block(
                "throttling",
                vec![
                    Attribute::int("burst-limit").doc("burst limit in requests"),
                    Attribute::float("rate-limit").doc("steady-state limit in requests per second"),
                ],
            )
            .doc("default route throttling (UpdateStage DefaultRouteSettings)"),
        )
        .attr(
            Attribute::block(
                "access-log",
                vec![
                    Attribute::string("destination")
                        .required()
                        .doc("CloudWatch Logs log group ARN"),
                    Attribute::string("format")
                        .required()
                        .doc("log line format with $context variables"),
                ],
            )
            .doc("access logging (UpdateStage AccessLogSettings)"),
        )
        .attr(
            Attribute::string("invoke-url")
                .computed()
                .doc("URL that invokes this stage"),
        )
        .taggable()
}

// ---------------------------------------------------------------------------------------------
// Operations
// ---------------------------------------------------------------------------------------------

use std::collections::BTreeMap;

use async_trait::async_trait;
use aws_sdk_apigatewayv2::types::{AccessLogSettings, RouteSettings};
use eco_provider::{Attrs, ErrorKind, Live, OpContext, OpError, ResourceProvider, Value};

use super::api_integration::split_id;
use crate::attrs::{opt_block, opt_bool, opt_str, opt_str_map, req_str, s, str_map_value};
use crate::aws::{is_gone, op_error, Aws};
use crate::calls::{delete_if_present, get_optional};
use crate::ownership::not_ours;
use crate::tags::retag;
use crate::tags::{tags_of, tags_value};

const TY: &str = "api-stage";

#[derive(Debug, Clone, PartialEq, Default)]
struct Spec {
    api: String,
    name: String,
    description: Option<String>,
    auto_deploy: Option<bool>,
    variables: Option<BTreeMap<String, String>>,
    throttling: Option<(Option<i32>, Option<f64>)>,
    access_log: Option<(String, String)>,
    tags: BTreeMap<String, String>,
}

fn spec_of(desired: &Attrs, op: &str) -> Result<Spec, OpError> {
    let throttling = match opt_block(desired, "throttling", TY, op)? {
        None => None,
        Some(f) => {
            let burst = match f.get("burst-limit") {
                None => None,
                Some(Value::Int(n)) if *n >= 0 && *n <= i32::MAX as i64 => Some(*n as i32),
                Some(other) => return Err(OpError::invalid(op, format!("{TY}: throttling burst-limit must be a non-negative integer, got {other:?}"))),
            };
            let rate = match f.get("rate-limit") {
                None => None,
                Some(Value::Float(x)) if *x >= 0.0 => Some(*x),
                Some(Value::Int(n)) if *n >= 0 => Some(*n as f64),
                Some(other) => {
                    return Err(OpError::invalid(
                        op,
                        format!(
                        "{TY}: throttling rate-limit must be a non-negative number, got {other:?}"
                    ),
                    ))
                }
            };
            Some((burst, rate))
        }
    };
    let access_log = match opt_block(desired, "access-log", TY, op)? {
        None => None,
        Some(f) => match (f.get("destination"), f.get("format")) {
            (Some(Value::String(d)), Some(Value::String(fm))) => Some((d.clone(), fm.clone())),
            _ => {
                return Err(OpError::invalid(
                    op,
                    format!("{TY}: access-log needs destination and format"),
                ))
            }
        },
    };
    Ok(Spec {
        api: req_str(desired, "api", TY, op)?,
        name: req_str(desired, "name", TY, op)?,
        description: opt_str(desired, "description", TY, op)?,
        auto_deploy: opt_bool(desired, "auto-deploy", TY, op)?,
        variables: opt_str_map(desired, "stage-variables", TY, op)?,
        throttling,
        access_log,
        tags: tags_of(desired.get("tags")),
    })
}

fn route_settings(t: &(Option<i32>, Option<f64>)) -> RouteSettings {
    RouteSettings::builder()
        .set_throttling_burst_limit(t.0)
        .set_throttling_rate_limit(t.1)
        .build()
}

fn access_log(a: &(String, String)) -> AccessLogSettings {
    AccessLogSettings::builder()
        .destination_arn(&a.0)
        .format(&a.1)
        .build()
}

type UpdateReq = aws_sdk_apigatewayv2::operation::update_stage::builders::UpdateStageFluentBuilder;

/// UpdateStage with the changed fields (`None` when only tags changed).
fn update_request(
    mut req: UpdateReq,
    spec: &Spec,
    changed: &[String],
) -> Result<Option<UpdateReq>, OpError> {
    let mut any = false;
    for c in changed {
        req = match c.as_str() {
            "description" => req.description(spec.description.clone().unwrap_or_default()),
            "auto-deploy" => req.auto_deploy(spec.auto_deploy.unwrap_or(false)),
            // UpdateStage merges stage variables; an emptied value removes one, as AWS documents.
            "stage-variables" => req.set_stage_variables(Some(
                spec.variables
                    .clone()
                    .unwrap_or_default()
                    .into_iter()
                    .collect(),
            )),
            "throttling" => {
                req.default_route_settings(route_settings(&spec.throttling.unwrap_or((None, None))))
            }
            "access-log" => match &spec.access_log {
                Some(a) => req.access_log_settings(access_log(a)),
                None => req.access_log_settings(AccessLogSettings::builder().build()),
            },
            "api" | "name" => {
                return Err(OpError::invalid(
                    "UpdateStage",
                    format!("{TY}: `{c}` cannot change in place (it forces a replacement)"),
                ))
            }
            _ => continue,
        };
        any = true;
    }
    Ok(any.then_some(req))
}

/// The `api-stage` operations.
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

    fn arn(&self, api: &str, stage: &str) -> String {
        format!(
            "arn:aws:apigateway:{}::/apis/{api}/stages/{stage}",
            self.region
        )
    }

    async fn read_id(&self, id: &str) -> Result<Option<(Live, BTreeMap<String, String>)>, OpError> {
        let (api, name) = split_id(id, TY, "GetStage")?;
        let Some(o) = get_optional(
            "GetStage",
            is_gone,
            self.client
                .get_stage()
                .api_id(&api)
                .stage_name(&name)
                .send(),
        )
        .await?
        else {
            return Ok(None);
        };
        let mut a = Attrs::new();
        a.insert("api".into(), s(&api));
        a.insert("name".into(), s(&name));
        if let Some(d) = o.description().filter(|d| !d.is_empty()) {
            a.insert("description".into(), s(d));
        }
        a.insert(
            "auto-deploy".into(),
            Value::Bool(o.auto_deploy().unwrap_or(false)),
        );
        if let Some(v) = o.stage_variables().filter(|v| !v.is_empty()) {
            let m: BTreeMap<String, String> =
                v.iter().map(|(k, v)| (k.clone(), v.clone())).collect();
            a.insert("stage-variables".into(), str_map_value(&m));
        }
        if let Some(r) = o.default_route_settings() {
            let mut m = BTreeMap::new();
            if let Some(b) = r.throttling_burst_limit() {
                m.insert("burst-limit".to_string(), Value::Int(b as i64));
            }
            if let Some(x) = r.throttling_rate_limit() {
                m.insert("rate-limit".to_string(), Value::Float(x));
            }
            if !m.is_empty() {
                a.insert("throttling".into(), Value::Map(m));
            }
        }
        if let Some(l) = o
            .access_log_settings()
            .filter(|l| l.destination_arn().is_some())
        {
            a.insert(
                "access-log".into(),
                Value::Map(BTreeMap::from([
                    (
                        "destination".to_string(),
                        s(l.destination_arn().unwrap_or_default()),
                    ),
                    ("format".to_string(), s(l.format().unwrap_or_default())),
                ])),
            );
        }
        let base = format!("https://{api}.execute-api.{}.amazonaws.com", self.region);
        let url = if name == "$default" {
            format!("{base}/")
        } else {
            format!("{base}/{name}")
        };
        a.insert("invoke-url".into(), s(url));
        let tags: BTreeMap<String, String> = o
            .tags()
            .map(|t| t.iter().map(|(k, v)| (k.clone(), v.clone())).collect())
            .unwrap_or_default();
        a.insert("tags".into(), tags_value(&tags));
        Ok(Some((
            Live {
                id: id.to_string(),
                attrs: a,
            },
            tags,
        )))
    }

    async fn read_required(
        &self,
        id: &str,
        op: &str,
    ) -> Result<(Live, BTreeMap<String, String>), OpError> {
        self.read_id(id).await?.ok_or_else(|| {
            OpError::new(
                op,
                ErrorKind::Other,
                format!("{TY}: stage `{id}` vanished during {op}"),
            )
        })
    }

    async fn change(
        &self,
        id: &str,
        spec: &Spec,
        live_tags: &BTreeMap<String, String>,
        changed: &[String],
    ) -> Result<(), OpError> {
        let (api, name) = split_id(id, TY, "UpdateStage")?;
        if let Some(req) = update_request(
            self.client.update_stage().api_id(&api).stage_name(&name),
            spec,
            changed,
        )? {
            req.send().await.map_err(|e| op_error("UpdateStage", e))?;
        }
        if changed.iter().any(|c| c == "tags") {
            let arn = self.arn(&api, &name);
            retag(&self.client, &arn, live_tags, &spec.tags, &[]).await?;
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
        Ok(self.read_id(id).await?.map(|(l, _)| l))
    }

    /// Stage names are unique in an API; ownership tags say whether the stage is ours.
    async fn find(
        &self,
        ctx: &OpContext,
        desired: &Attrs,
        _token: &str,
    ) -> Result<Option<Live>, OpError> {
        let spec = spec_of(desired, "GetStage")?;
        let id = format!("{}/{}", spec.api, spec.name);
        let Some((live, tags)) = self.read_id(&id).await? else {
            return Ok(None);
        };
        if !ctx.owns(&tags) {
            return Err(not_ours(
                ctx,
                "GetStage",
                &format!("stage `{}` of API `{}`", spec.name, spec.api),
                &id,
                &tags,
            ));
        }
        Ok(Some(live))
    }

    async fn create(&self, ctx: &OpContext, desired: &Attrs, token: &str) -> Result<Live, OpError> {
        let op = "CreateStage";
        let spec = spec_of(desired, op)?;
        if let Some(live) = self.find(ctx, desired, token).await? {
            let (_, tags) = self.read_required(&live.id, op).await?;
            let changed = super::api::differing(desired, &live.attrs, &["api", "name"]);
            if !changed.is_empty() {
                self.change(&live.id, &spec, &tags, &changed).await?;
            }
            return Ok(self.read_required(&live.id, op).await?.0);
        }
        self.client
            .create_stage()
            .api_id(&spec.api)
            .stage_name(&spec.name)
            .set_description(spec.description.clone())
            .set_auto_deploy(spec.auto_deploy)
            .set_stage_variables(spec.variables.clone().map(|m| m.into_iter().collect()))
            .set_default_route_settings(spec.throttling.as_ref().map(route_settings))
            .set_access_log_settings(spec.access_log.as_ref().map(access_log))
            .set_tags(Some(spec.tags.clone().into_iter().collect()))
            .send()
            .await
            .map_err(|e| op_error(op, e))?;
        Ok(self
            .read_required(&format!("{}/{}", spec.api, spec.name), op)
            .await?
            .0)
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
        let (_, tags) = self.read_required(id, "UpdateStage").await?;
        self.change(id, &spec, &tags, changed).await?;
        Ok(self.read_required(id, "UpdateStage").await?.0)
    }

    async fn delete(&self, _ctx: &OpContext, id: &str, _prior: &Attrs) -> Result<(), OpError> {
        let (api, name) = split_id(id, TY, "DeleteStage")?;
        delete_if_present(
            "DeleteStage",
            is_gone,
            self.client
                .delete_stage()
                .api_id(api)
                .stage_name(name)
                .send(),
        )
        .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn client() -> aws_sdk_apigatewayv2::Client {
        let conf = aws_sdk_apigatewayv2::Config::builder()
            .behavior_version(aws_sdk_apigatewayv2::config::BehaviorVersion::latest())
            .region(aws_sdk_apigatewayv2::config::Region::new("us-east-1"))
            .build();
        aws_sdk_apigatewayv2::Client::from_conf(conf)
    }

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
