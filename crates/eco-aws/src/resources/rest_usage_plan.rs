//! `rest-usage-plan`: an API Gateway (v1) usage plan: throttling and a request quota for the
//! callers of the API keys it holds (`rest-usage-plan-key`), on the stages of REST APIs it names.
//!
//! AWS calls (apigateway):
//! - read: GetUsagePlan (tags included)
//! - list (discover): GetUsagePlans (every page)
//! - find: GetUsagePlans pages: ours by the ownership tags (usage plan names need not be unique)
//! - create: CreateUsagePlan (API stages with their per-method throttles, throttle, quota, tags);
//!   a plan of ours already there is adopted and brought to the configuration
//! - update: UpdateUsagePlan (PATCH operations: `/name`, `/description`, `/throttle/*`,
//!   `/quota/*`, `/apiStages` add / remove `API-ID:STAGE`,
//!   `/apiStages/API-ID:STAGE/throttle/RESOURCE-PATH/METHOD/*`), TagResource / UntagResource
//! - delete: DeleteUsagePlan (gone: success)
//! - import: by usage plan id
//!
//! A throttle limit of 0 is no limit ([`normalize_throttles`]): the SDK leaves a 0 out of
//! CreateUsagePlan, and reads a limit AWS leaves out as 0.

use std::collections::{BTreeMap, HashMap};

use async_trait::async_trait;
use aws_sdk_apigateway::operation::get_usage_plan::GetUsagePlanOutput;
use aws_sdk_apigateway::operation::get_usage_plans::GetUsagePlansOutput;
use aws_sdk_apigateway::types::{PatchOperation, QuotaPeriodType, QuotaSettings, ThrottleSettings};
use eco_provider::{Attrs, Live, OpContext, OpError, OpResult, ResourceProvider, Value};
use eco_schema::{Schema, Spec, SpecEnum};

use crate::attrs::spec_of;
use crate::aws::{is_gone, op_error, Aws};
use crate::calls::{bring_to, confirm_deleted, delete_if_present, get_optional, still_there};
use crate::rest::{
    find_owned, fixed, list_top, ordered, path_key, remove, replace, tagged_live, update_top,
    RestGateway, TopLevel,
};

/// A usage plan's attributes, declared once.
#[derive(Debug, Clone, PartialEq, Default, Spec)]
#[eco(
    resource = "rest-usage-plan",
    doc = "An API Gateway (v1) usage plan: throttling and a quota for the API keys it holds, on stages of REST APIs",
    import_id = "the usage plan id"
)]
pub struct RestUsagePlan {
    /// usage plan name (UpdateUsagePlan)
    pub name: String,
    /// description (UpdateUsagePlan)
    pub description: Option<String>,
    /// `throttle burst-limit=.. rate-limit=..`: the request rate of each key (UpdateUsagePlan).
    /// A limit of 0, or one left out, is no limit (as Terraform's `throttle_settings` defaults
    /// of 0 mean, and as the SDK sends it: a 0 is left out of the request); a throttle with no
    /// limit above 0 is no throttle, and plans as its removal
    pub throttle: Option<Throttle>,
    /// `quota limit=.. period=..`: the requests each key may make per period (UpdateUsagePlan)
    pub quota: Option<Quota>,
    /// a stage of a REST API the plan covers: `api-stage rest-api=.. stage=..`, compared as a set
    /// (UpdateUsagePlan `/apiStages`)
    pub api_stage: Option<Vec<ApiStage>>,
    /// usage plan id
    #[eco(computed)]
    pub id: Option<String>,
    /// usage plan ARN
    #[eco(computed)]
    pub arn: Option<String>,
    #[eco(tags)]
    pub tags: BTreeMap<String, String>,
}

/// `throttle burst-limit=.. rate-limit=..`.
#[derive(Debug, Clone, Copy, PartialEq, Default, Spec)]
pub struct Throttle {
    /// requests a key may send at once; 0 or left out: no burst limit
    #[eco(min = 0, max = 2147483647)]
    pub burst_limit: Option<i32>,
    /// steady-state requests per second of a key; 0 or left out: no rate limit
    pub rate_limit: Option<f64>,
}

/// `quota limit=.. period=.. offset=..`.
#[derive(Debug, Clone, Copy, PartialEq, Default, Spec)]
pub struct Quota {
    /// requests a key may make in a period
    #[eco(min = 0, max = 2147483647)]
    pub limit: i32,
    /// DAY, WEEK or MONTH
    pub period: QuotaPeriod,
    /// requests already taken from the first period's limit
    #[eco(min = 0, max = 2147483647)]
    pub offset: Option<i32>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, SpecEnum)]
#[eco(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum QuotaPeriod {
    #[default]
    Day,
    Week,
    Month,
}

/// `api-stage rest-api=.. stage=.. { method-throttle "/items/GET" burst-limit=.. rate-limit=.. }`.
#[derive(Debug, Clone, PartialEq, Default, Spec)]
pub struct ApiStage {
    /// id of the REST API
    pub rest_api: String,
    /// name of its stage
    pub stage: String,
    /// a throttle of one method of the stage, labelled `RESOURCE-PATH/HTTP-METHOD`
    /// (`/items/GET`); one with no limit above 0 is no throttle (as the plan's `throttle`)
    pub method_throttle: Option<Vec<MethodThrottle>>,
}

/// `method-throttle "/items/GET" burst-limit=.. rate-limit=..`.
#[derive(Debug, Clone, PartialEq, Default, Spec)]
#[eco(label = "method")]
pub struct MethodThrottle {
    /// the method: its resource path and HTTP method, `/items/GET`
    #[eco(required)]
    pub method: String,
    /// requests a key may send the method at once; 0 or left out: no burst limit
    #[eco(min = 0, max = 2147483647)]
    pub burst_limit: Option<i32>,
    /// steady-state requests per second of a key to the method; 0 or left out: no rate limit
    pub rate_limit: Option<f64>,
}

pub const TYPE_NAME: &str = RestUsagePlan::TYPE_NAME;
const TY: &str = TYPE_NAME;

pub fn schema() -> Schema {
    RestUsagePlan::schema()
}

impl ApiStage {
    /// `API-ID:STAGE`, how UpdateUsagePlan names an API stage.
    fn key(&self) -> String {
        format!("{}:{}", self.rest_api, self.stage)
    }

    /// The method throttles that limit anything, by method.
    fn throttles(&self) -> BTreeMap<&str, &MethodThrottle> {
        let all = self.method_throttle.iter().flatten();
        all.filter(|t| limits(t.burst_limit, t.rate_limit))
            .map(|t| (t.method.as_str(), t))
            .collect()
    }
}

/// Whether a throttle limits anything: a limit of 0, or none, is no limit (the SDK leaves a 0 out
/// of every request, so AWS could not be told one anyway).
fn limits(burst: Option<i32>, rate: Option<f64>) -> bool {
    burst.unwrap_or(0) != 0 || rate.unwrap_or(0.0) != 0.0
}

impl Throttle {
    /// The throttle, when it limits anything.
    fn limiting(self) -> Option<Throttle> {
        limits(self.burst_limit, self.rate_limit).then_some(self)
    }
}

fn throttle_settings(burst: Option<i32>, rate: Option<f64>) -> ThrottleSettings {
    ThrottleSettings::builder()
        .set_burst_limit(burst)
        .set_rate_limit(rate)
        .build()
}

/// The API stages as CreateUsagePlan takes them.
pub fn api_stages(spec: &RestUsagePlan) -> Vec<aws_sdk_apigateway::types::ApiStage> {
    let stages = spec.api_stage.iter().flatten();
    stages
        .map(|s| {
            let throttle: HashMap<String, ThrottleSettings> = s
                .throttles()
                .into_iter()
                .map(|(m, t)| {
                    (
                        m.to_string(),
                        throttle_settings(t.burst_limit, t.rate_limit),
                    )
                })
                .collect();
            aws_sdk_apigateway::types::ApiStage::builder()
                .api_id(&s.rest_api)
                .stage(&s.stage)
                .set_throttle((!throttle.is_empty()).then_some(throttle))
                .build()
        })
        .collect()
}

fn quota_settings(q: &Quota) -> QuotaSettings {
    QuotaSettings::builder()
        .limit(q.limit)
        .set_offset(q.offset)
        .period(QuotaPeriodType::from(q.period.as_str()))
        .build()
}

/// A number as a PATCH value: `10`, `2.5`.
fn number(n: f64) -> String {
    n.to_string()
}

/// The PATCH operations for the per-method throttles of API stage `key` (`API-ID:STAGE`), from
/// `live` to `want`.
fn method_throttle_patch(
    key: &str,
    live: &BTreeMap<&str, &MethodThrottle>,
    want: &BTreeMap<&str, &MethodThrottle>,
    ops: &mut Vec<PatchOperation>,
) {
    // `/items/GET` is the resource path `/items` and the method `GET`: one JSON pointer step
    // for the path (`~1items`), one for the method.
    let pointer = |method: &str| {
        let (path, verb) = method.rsplit_once('/').unwrap_or(("/", method));
        let path = if path.is_empty() { "/" } else { path };
        format!("/apiStages/{key}/throttle/{}/{verb}", path_key(path))
    };
    for (method, t) in want {
        if live.get(method) == Some(t) {
            continue;
        }
        // Both limits: one left out is no limit, 0 (what a read reports for it).
        let at = pointer(method);
        let (burst, rate) = (t.burst_limit.unwrap_or(0), t.rate_limit.unwrap_or(0.0));
        ops.push(replace(&format!("{at}/burstLimit"), burst.to_string()));
        ops.push(replace(&format!("{at}/rateLimit"), number(rate)));
    }
    for method in live.keys().filter(|m| !want.contains_key(*m)) {
        ops.push(remove(&pointer(method)));
    }
}

/// The PATCH operations of UpdateUsagePlan for the changed fields, from `live` to `spec`.
pub fn patch(
    spec: &RestUsagePlan,
    live: &RestUsagePlan,
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
            "throttle" => match spec.throttle.and_then(Throttle::limiting) {
                None => ops.push(remove("/throttle")),
                // Both limits: one left out is no limit, 0 (what a read reports for it).
                Some(t) => {
                    let burst = t.burst_limit.unwrap_or(0);
                    ops.push(replace("/throttle/burstLimit", burst.to_string()));
                    let rate = t.rate_limit.unwrap_or(0.0);
                    ops.push(replace("/throttle/rateLimit", number(rate)));
                }
            },
            "quota" => match spec.quota {
                None => ops.push(remove("/quota")),
                Some(q) => {
                    ops.push(replace("/quota/limit", q.limit.to_string()));
                    ops.push(replace("/quota/period", q.period.as_str()));
                    ops.push(replace("/quota/offset", q.offset.unwrap_or(0).to_string()));
                }
            },
            "api-stage" => {
                let live_stages: BTreeMap<String, &ApiStage> = live
                    .api_stage
                    .iter()
                    .flatten()
                    .map(|s| (s.key(), s))
                    .collect();
                let want: BTreeMap<String, &ApiStage> = spec
                    .api_stage
                    .iter()
                    .flatten()
                    .map(|s| (s.key(), s))
                    .collect();
                for key in live_stages.keys().filter(|k| !want.contains_key(*k)) {
                    ops.push(value_op(
                        aws_sdk_apigateway::types::Op::Remove,
                        "/apiStages",
                        key,
                    ));
                }
                for (key, s) in &want {
                    let had = live_stages
                        .get(key)
                        .map(|l| l.throttles())
                        .unwrap_or_default();
                    if !live_stages.contains_key(key) {
                        ops.push(value_op(
                            aws_sdk_apigateway::types::Op::Add,
                            "/apiStages",
                            key,
                        ));
                    }
                    method_throttle_patch(key, &had, &s.throttles(), &mut ops);
                }
            }
            "tags" | "id" | "arn" => {}
            other => return Err(fixed("UpdateUsagePlan", TY, other)),
        }
    }
    Ok(ops)
}

/// A PATCH operation `op` of `path` with `value` (`add /apiStages API-ID:STAGE`).
fn value_op(op: aws_sdk_apigateway::types::Op, path: &str, value: &str) -> PatchOperation {
    PatchOperation::builder()
        .op(op)
        .path(path)
        .value(value)
        .build()
}

/// The usage plan AWS reports.
fn plan_of(gw: &RestGateway, out: &GetUsagePlanOutput) -> RestUsagePlan {
    let id = out.id().unwrap_or_default();
    let stages: Vec<ApiStage> = out
        .api_stages()
        .iter()
        .map(|s| {
            let mut throttles: Vec<MethodThrottle> = s
                .throttle()
                .into_iter()
                .flatten()
                .map(|(m, t)| MethodThrottle {
                    method: m.clone(),
                    burst_limit: Some(t.burst_limit()),
                    rate_limit: Some(t.rate_limit()),
                })
                .filter(|t| limits(t.burst_limit, t.rate_limit))
                .collect();
            throttles.sort_by(|a, b| a.method.cmp(&b.method));
            ApiStage {
                rest_api: s.api_id().unwrap_or_default().to_string(),
                stage: s.stage().unwrap_or_default().to_string(),
                method_throttle: (!throttles.is_empty()).then_some(throttles),
            }
        })
        .collect();
    let mut stages = stages;
    stages.sort_by_key(ApiStage::key);
    RestUsagePlan {
        name: out.name().unwrap_or_default().to_string(),
        description: out
            .description()
            .filter(|d| !d.is_empty())
            .map(str::to_string),
        // A limit AWS leaves out reads as 0 (the SDK's default), which is no limit.
        throttle: out.throttle().and_then(|t| {
            Throttle {
                burst_limit: Some(t.burst_limit()),
                rate_limit: Some(t.rate_limit()),
            }
            .limiting()
        }),
        quota: out.quota().map(|q| Quota {
            limit: q.limit(),
            period: q
                .period()
                .and_then(|p| QuotaPeriod::parse(p.as_str()))
                .unwrap_or_default(),
            offset: Some(q.offset()),
        }),
        api_stage: (!stages.is_empty()).then_some(stages),
        id: Some(id.to_string()),
        arn: Some(gw.arn(&format!("/usageplans/{id}"))),
        tags: ordered(out.tags()),
    }
}

/// What a read reports: the attributes with `tags` always (an empty map when there are none).
fn live_of(id: &str, plan: &RestUsagePlan) -> Live {
    tagged_live(id, plan, &plan.tags)
}

/// The `rest-usage-plan` operations.
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

    async fn read_plan(&self, id: &str) -> Result<Option<RestUsagePlan>, OpError> {
        let call = self.gw.client.get_usage_plan().usage_plan_id(id).send();
        let out = get_optional("GetUsagePlan", is_gone, call).await?;
        Ok(out.map(|out| plan_of(&self.gw, &out)))
    }
}

#[async_trait]
impl TopLevel for Provider {
    type Spec = RestUsagePlan;
    type Page = GetUsagePlansOutput;
    const TY: &'static str = TY;
    const UPDATE: &'static str = "UpdateUsagePlan";

    async fn read_id(&self, id: &str) -> Result<Option<Live>, OpError> {
        Ok(self.read_plan(id).await?.map(|p| live_of(id, &p)))
    }

    /// A page of GetUsagePlans (limit 500, AWS's largest).
    async fn page(&self, position: Option<String>) -> Result<Option<GetUsagePlansOutput>, OpError> {
        let call = self.gw.client.get_usage_plans().limit(500);
        let out = call.set_position(position).send().await;
        out.map(Some).map_err(|e| op_error("GetUsagePlans", e))
    }

    /// Brings plan `id` to `spec` for the attributes in `changed`; what a read reports after.
    async fn change(
        &self,
        id: &str,
        spec: &RestUsagePlan,
        changed: &[String],
    ) -> Result<Live, OpError> {
        let op = "UpdateUsagePlan";
        let live = still_there(self.read_plan(id).await?, op, TY, id)?;
        let ops = patch(spec, &live, changed)?;
        if !ops.is_empty() {
            let call = self.gw.client.update_usage_plan().usage_plan_id(id);
            call.set_patch_operations(Some(ops))
                .send()
                .await
                .map_err(|e| op_error(op, e))?;
        }
        let path = format!("/usageplans/{id}");
        (self.gw)
            .retag_if_changed(&path, changed, &live.tags, &spec.tags)
            .await?;
        still_there(self.read_id(id).await?, op, TY, id)
    }
}

#[async_trait]
impl ResourceProvider for Provider {
    crate::resources::schema_and_transient!(crate::rest::TRANSIENT);

    /// GetUsagePlans (every page), each plan read in full.
    async fn list(&self, _ctx: &OpContext) -> Option<Result<Vec<Live>, OpError>> {
        list_top(self).await
    }

    async fn read(&self, _ctx: &OpContext, id: &str) -> Result<Option<Live>, OpError> {
        self.read_id(id).await
    }

    /// API stages in the order a read reports them (by `API-ID:STAGE`): AWS keeps them in the
    /// order they were added, which means nothing. Throttles as a read reports them
    /// ([`normalize_throttles`]): a limit left out is 0, and a throttle with no limit above 0
    /// is none.
    fn normalize(&self, desired: &mut Attrs) {
        normalize_throttles(desired);
        if let Some(Value::List(stages)) = desired.get_mut("api-stage") {
            sort_stages(stages);
        }
    }

    /// Usage plan names need not be unique: only the ownership tags identify this address's
    /// plan, through GetUsagePlans pages.
    async fn find(&self, ctx: &OpContext, desired: &Attrs, _token: &str) -> OpResult<Option<Live>> {
        find_owned(self, ctx, desired, "GetUsagePlans").await
    }

    async fn create(&self, ctx: &OpContext, desired: &Attrs, token: &str) -> Result<Live, OpError> {
        let op = "CreateUsagePlan";
        let spec: RestUsagePlan = spec_of(desired, TY, op)?;
        if let Some(existing) = self.find(ctx, desired, token).await? {
            return bring_to(self, ctx, existing, desired, &[]).await;
        }
        let out = create_request(self.gw.client.create_usage_plan(), &spec)
            .send()
            .await
            .map_err(|e| op_error(op, e))?;
        let id = out.id().unwrap_or_default().to_string();
        still_there(self.read_id(&id).await?, op, TY, &id)
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
        let call = self.gw.client.delete_usage_plan().usage_plan_id(id).send();
        let deleted = delete_if_present("DeleteUsagePlan", is_gone, call);
        confirm_deleted(deleted, self.read_plan(id)).await
    }
}

/// Whether a value is a limit of 0.
fn is_zero(v: &Value) -> bool {
    matches!(v, Value::Int(0)) || matches!(v, Value::Float(f) if *f == 0.0)
}

/// Fills the limits a throttle block leaves out with 0; `false` when it then limits nothing
/// (every limit a known 0).
fn zero_filled(block: &mut BTreeMap<String, Value>) -> bool {
    for limit in ["burst-limit", "rate-limit"] {
        block.entry(limit.to_string()).or_insert(Value::Int(0));
    }
    !["burst-limit", "rate-limit"]
        .iter()
        .all(|l| block.get(*l).is_some_and(is_zero))
}

/// A usage plan's throttles in the normal form a read reports them in. The SDK leaves a limit of
/// 0 out of every request and reads one AWS leaves out as 0, so 0 and "no limit" are one value
/// (as in Terraform, whose `throttle_settings` limits default to 0): a limit left out is 0; a
/// `throttle` with no limit above 0 is no throttle (`null`: a live throttle is then a change,
/// its removal); a `method-throttle` with no limit above 0 is left out of its stage's list.
pub fn normalize_throttles(desired: &mut Attrs) {
    if let Some(Value::Map(throttle)) = desired.get_mut("throttle") {
        if !zero_filled(throttle) {
            desired.insert("throttle".into(), Value::Null);
        }
    }
    let Some(Value::List(stages)) = desired.get_mut("api-stage") else {
        return;
    };
    for stage in stages {
        let Value::Map(stage) = stage else { continue };
        if let Some(Value::List(throttles)) = stage.get_mut("method-throttle") {
            throttles.retain_mut(|t| match t {
                Value::Map(t) => zero_filled(t),
                _ => true,
            });
        }
    }
}

/// Sorts API stage blocks by `API-ID:STAGE` when every one's are known (else leaves them).
fn sort_stages(stages: &mut [Value]) {
    let key = |v: &Value| -> Option<String> {
        let Value::Map(m) = v else { return None };
        let text = |k: &str| match m.get(k) {
            Some(Value::String(s)) => Some(s.clone()),
            _ => None,
        };
        Some(format!("{}:{}", text("rest-api")?, text("stage")?))
    };
    if stages.iter().all(|s| key(s).is_some()) {
        stages.sort_by_key(|s| key(s).unwrap_or_default());
    }
}

type CreateUsagePlanReq =
    aws_sdk_apigateway::operation::create_usage_plan::builders::CreateUsagePlanFluentBuilder;

/// CreateUsagePlan for `spec`.
pub fn create_request(req: CreateUsagePlanReq, spec: &RestUsagePlan) -> CreateUsagePlanReq {
    let stages = api_stages(spec);
    req.name(&spec.name)
        .set_description(spec.description.clone())
        .set_throttle(
            spec.throttle
                .and_then(Throttle::limiting)
                .map(|t| throttle_settings(t.burst_limit, t.rate_limit)),
        )
        .set_quota(spec.quota.as_ref().map(quota_settings))
        .set_api_stages((!stages.is_empty()).then_some(stages))
        .set_tags(Some(spec.tags.clone().into_iter().collect()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rest::offline_client as client;
    use eco_provider::values::map as block;

    fn stage(api: &str, throttles: &[(&str, i32, f64)]) -> ApiStage {
        let throttles: Vec<MethodThrottle> = throttles
            .iter()
            .map(|(m, b, r)| MethodThrottle {
                method: m.to_string(),
                burst_limit: Some(*b),
                rate_limit: Some(*r),
            })
            .collect();
        ApiStage {
            rest_api: api.into(),
            stage: "prod".into(),
            method_throttle: (!throttles.is_empty()).then_some(throttles),
        }
    }

    fn paths(ops: &[PatchOperation]) -> Vec<(String, String, String)> {
        ops.iter()
            .map(|o| {
                (
                    o.op().unwrap().as_str().to_string(),
                    o.path().unwrap().to_string(),
                    o.value().unwrap_or_default().to_string(),
                )
            })
            .collect()
    }

    /// moto has no UpdateUsagePlan of a stage's method throttles (docs/testing.md): its PATCH
    /// operations are checked here, with those of the stages, the throttle and the quota.
    #[test]
    fn update_usage_plan_patches_stages_method_throttles_throttle_and_quota() {
        let live = RestUsagePlan {
            api_stage: Some(vec![
                stage("a1", &[("/items/GET", 5, 2.0), ("/items/POST", 1, 1.0)]),
                stage("gone", &[]),
            ]),
            throttle: Some(Throttle {
                burst_limit: Some(10),
                rate_limit: Some(5.0),
            }),
            ..Default::default()
        };
        let want = RestUsagePlan {
            api_stage: Some(vec![
                stage("a1", &[("/items/GET", 8, 2.5)]),
                stage("new", &[("/GET", 1, 1.0)]),
            ]),
            quota: Some(Quota {
                limit: 1000,
                period: QuotaPeriod::Month,
                offset: None,
            }),
            ..Default::default()
        };
        let changed: Vec<String> = ["api-stage", "throttle", "quota"]
            .map(String::from)
            .to_vec();
        let ops = paths(&patch(&want, &live, &changed).unwrap());
        let op = |o: &str, p: &str, v: &str| (o.to_string(), p.to_string(), v.to_string());
        assert_eq!(
            ops,
            [
                op("remove", "/apiStages", "gone:prod"),
                op(
                    "replace",
                    "/apiStages/a1:prod/throttle/~1items/GET/burstLimit",
                    "8"
                ),
                op(
                    "replace",
                    "/apiStages/a1:prod/throttle/~1items/GET/rateLimit",
                    "2.5"
                ),
                op("remove", "/apiStages/a1:prod/throttle/~1items/POST", ""),
                op("add", "/apiStages", "new:prod"),
                op(
                    "replace",
                    "/apiStages/new:prod/throttle/~1/GET/burstLimit",
                    "1"
                ),
                op(
                    "replace",
                    "/apiStages/new:prod/throttle/~1/GET/rateLimit",
                    "1"
                ),
                op("remove", "/throttle", ""),
                op("replace", "/quota/limit", "1000"),
                op("replace", "/quota/period", "MONTH"),
                op("replace", "/quota/offset", "0"),
            ]
        );
        assert!(patch(&want, &live, &["nothing".into()]).is_err());
    }

    /// The SDK leaves a limit of 0 out of CreateUsagePlan (AWS then reports no throttle) and
    /// reads a limit AWS leaves out as 0: the desired value, the read and the requests all take
    /// 0 as "no limit", so that a throttle of zeros plans nothing after it is made and a change
    /// to 0 is still a change.
    #[test]
    fn a_limit_of_zero_is_no_limit_in_the_desired_value_the_read_and_the_requests() {
        let mut desired: Attrs = [
            (
                "throttle".to_string(),
                block(&[
                    ("burst-limit", Value::Int(0)),
                    ("rate-limit", Value::Int(0)),
                ]),
            ),
            (
                "api-stage".to_string(),
                Value::List(vec![block(&[
                    ("rest-api", Value::String("a1".into())),
                    ("stage", Value::String("prod".into())),
                    (
                        "method-throttle",
                        Value::List(vec![
                            block(&[
                                ("method", Value::String("/GET".into())),
                                ("rate-limit", Value::Float(0.0)),
                            ]),
                            block(&[
                                ("method", Value::String("/items/GET".into())),
                                ("burst-limit", Value::Int(5)),
                            ]),
                        ]),
                    ),
                ])]),
            ),
        ]
        .into_iter()
        .collect();
        normalize_throttles(&mut desired);
        assert_eq!(desired["throttle"], Value::Null);
        let Value::List(stages) = &desired["api-stage"] else {
            panic!("{desired:?}")
        };
        let Value::Map(first) = &stages[0] else {
            panic!("{stages:?}")
        };
        assert_eq!(
            first["method-throttle"],
            Value::List(vec![block(&[
                ("method", Value::String("/items/GET".into())),
                ("burst-limit", Value::Int(5)),
                ("rate-limit", Value::Int(0)),
            ])])
        );
        // A limit still to be known is left alone.
        let mut pending: Attrs = [(
            "throttle".to_string(),
            block(&[
                ("burst-limit", Value::Unknown),
                ("rate-limit", Value::Int(0)),
            ]),
        )]
        .into_iter()
        .collect();
        normalize_throttles(&mut pending);
        assert!(matches!(pending["throttle"], Value::Map(_)));

        // The requests: a throttle of zeros is none, a change to zeros removes it, a limit left
        // out is sent as 0.
        let zeros = Throttle {
            burst_limit: Some(0),
            rate_limit: Some(0.0),
        };
        let spec = RestUsagePlan {
            name: "basic".into(),
            throttle: Some(zeros),
            api_stage: Some(vec![stage("a1", &[("/GET", 0, 0.0)])]),
            ..Default::default()
        };
        let req = create_request(client().create_usage_plan(), &spec);
        assert_eq!(req.get_throttle(), &None);
        assert_eq!(req.get_api_stages().as_ref().unwrap()[0].throttle(), None);
        let live = RestUsagePlan {
            throttle: Some(Throttle {
                burst_limit: Some(10),
                rate_limit: Some(5.0),
            }),
            ..Default::default()
        };
        let op = |o: &str, p: &str, v: &str| (o.to_string(), p.to_string(), v.to_string());
        let throttle = ["throttle".to_string()];
        assert_eq!(
            paths(&patch(&spec, &live, &throttle).unwrap()),
            [op("remove", "/throttle", "")]
        );
        let burst_only = RestUsagePlan {
            throttle: Some(Throttle {
                burst_limit: Some(20),
                rate_limit: None,
            }),
            ..Default::default()
        };
        assert_eq!(
            paths(&patch(&burst_only, &live, &throttle).unwrap()),
            [
                op("replace", "/throttle/burstLimit", "20"),
                op("replace", "/throttle/rateLimit", "0"),
            ]
        );
    }

    #[test]
    fn api_stages_compare_as_a_set() {
        let stage = |api: &str| {
            Value::Map(
                [("rest-api", api), ("stage", "prod")]
                    .iter()
                    .map(|(k, v)| (k.to_string(), Value::String(v.to_string())))
                    .collect(),
            )
        };
        let mut stages = vec![stage("b"), stage("a")];
        sort_stages(&mut stages);
        assert_eq!(stages, [stage("a"), stage("b")]);
        // A stage not known yet (a reference to an API still to be made) leaves the order.
        let mut pending = vec![stage("b"), Value::Unknown, stage("a")];
        sort_stages(&mut pending);
        assert_eq!(pending[0], stage("b"));
    }

    #[test]
    fn create_usage_plan_sends_stages_with_their_method_throttles() {
        let spec = RestUsagePlan {
            name: "basic".into(),
            api_stage: Some(vec![stage("a1", &[("/items/GET", 5, 2.0)])]),
            ..Default::default()
        };
        let req = create_request(client().create_usage_plan(), &spec);
        let stages = req.get_api_stages().as_ref().unwrap();
        assert_eq!(stages[0].api_id(), Some("a1"));
        let t = &stages[0].throttle().unwrap()["/items/GET"];
        assert_eq!((t.burst_limit(), t.rate_limit()), (5, 2.0));
        assert_eq!(req.get_quota(), &None);
    }
}
