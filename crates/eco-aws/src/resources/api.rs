//! `api`: an API Gateway v2 HTTP API.
//!
//! AWS calls (apigatewayv2):
//! - read: GetApi (tags included); refresh pages through GetApis
//! - create: CreateApi
//! - update: UpdateApi (name, description, CORS, endpoint switch), DeleteCorsConfiguration when
//!   `cors` is removed, TagResource / UntagResource
//! - delete: DeleteApi
//! - import: by API id (GetApi)

use std::collections::BTreeMap;

use async_trait::async_trait;
use aws_sdk_apigatewayv2::operation::get_api::GetApiOutput;
use aws_sdk_apigatewayv2::types::{Cors, ProtocolType};
use eco_provider::{Attrs, Live, OpContext, OpError, OpResult, ResourceProvider, Value};
use eco_schema::spec::SpecValue;
use eco_schema::{Schema, Spec, SpecEnum};

use crate::apigw::{fixed, tagged, tags, Gateway};
use crate::aws::{differing, is_gone, op_error, Aws};
use crate::calls::{collect_pages, delete_if_present, find_in_pages, get_optional, still_there};
use crate::tags::retag;

/// An HTTP API's attributes, declared once.
#[derive(Debug, Clone, PartialEq, Default, Spec)]
#[eco(
    resource = "api",
    doc = "An API Gateway v2 HTTP API",
    import_id = "the API id (e.g. a1b2c3d4e5)"
)]
pub struct Api {
    /// API name (UpdateApi)
    pub name: String,
    /// HTTP (default) or WEBSOCKET; fixed at creation
    #[eco(replace)]
    pub protocol_type: Option<Protocol>,
    /// description (UpdateApi)
    pub description: Option<String>,
    /// CORS configuration (UpdateApi / DeleteCorsConfiguration)
    pub cors: Option<CorsConfig>,
    /// serve only through custom domains (UpdateApi)
    pub disable_execute_api_endpoint: Option<bool>,
    /// route selection expression, with $${ for a literal ${ (default: method and path; UpdateApi)
    pub route_selection_expression: Option<String>,
    /// API id
    #[eco(computed)]
    pub id: Option<String>,
    /// default endpoint, https://ID.execute-api.REGION.amazonaws.com
    #[eco(computed)]
    pub api_endpoint: Option<String>,
    /// arn:aws:execute-api:REGION:ACCOUNT:ID, for lambda-permission source-arn
    #[eco(computed)]
    pub execution_arn: Option<String>,
    /// API ARN (for tagging and IAM)
    #[eco(computed)]
    pub arn: Option<String>,
    #[eco(tags)]
    pub tags: BTreeMap<String, String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, SpecEnum)]
#[eco(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Protocol {
    Http,
    Websocket,
}

/// `cors { allow-origins ..; ... }`.
#[derive(Debug, Clone, PartialEq, Default, Spec)]
pub struct CorsConfig {
    /// allowed origins
    pub allow_origins: Option<Vec<String>>,
    /// allowed methods
    pub allow_methods: Option<Vec<String>>,
    /// allowed request headers
    pub allow_headers: Option<Vec<String>>,
    /// response headers exposed to the browser
    pub expose_headers: Option<Vec<String>>,
    /// seconds a preflight response may be cached
    #[eco(min = -1, max = 86400)]
    pub max_age: Option<i32>,
    /// whether credentials are allowed
    pub allow_credentials: Option<bool>,
}

pub const TYPE_NAME: &str = Api::TYPE_NAME;
const TY: &str = TYPE_NAME;

pub fn schema() -> Schema {
    Api::schema()
}

fn spec_of(desired: &Attrs, op: &str) -> Result<Api, OpError> {
    Api::from_attrs(desired).map_err(|e| OpError::invalid(op, format!("{TY}: {e}")))
}

impl CorsConfig {
    /// The CORS configuration CreateApi / UpdateApi send.
    fn request(&self) -> Cors {
        Cors::builder()
            .set_allow_origins(self.allow_origins.clone())
            .set_allow_methods(self.allow_methods.clone())
            .set_allow_headers(self.allow_headers.clone())
            .set_expose_headers(self.expose_headers.clone())
            .set_max_age(self.max_age)
            .set_allow_credentials(self.allow_credentials)
            .build()
    }

    fn from_live(c: &Cors) -> CorsConfig {
        let list = |v: &[String]| (!v.is_empty()).then(|| v.to_vec());
        CorsConfig {
            allow_origins: list(c.allow_origins()),
            allow_methods: list(c.allow_methods()),
            allow_headers: list(c.allow_headers()),
            expose_headers: list(c.expose_headers()),
            max_age: c.max_age(),
            allow_credentials: c.allow_credentials(),
        }
    }
}

/// The CORS configuration of `cors` (a block), for CreateApi / UpdateApi.
pub fn cors_of(fields: &BTreeMap<String, Value>, op: &str) -> Result<Cors, OpError> {
    let cors = CorsConfig::from_attrs_at(fields, "cors")
        .map_err(|e| OpError::invalid(op, format!("{TY}: {e}")))?;
    Ok(cors.request())
}

/// The `cors` block value of a live CORS configuration.
pub fn cors_value(c: &Cors) -> Value {
    CorsConfig::from_live(c).to_value().unwrap_or(Value::Null)
}

/// The account id of the caller (for execution ARNs), looked up once per provider.
async fn account_id(
    sts: &aws_sdk_sts::Client,
    cell: &tokio::sync::OnceCell<String>,
) -> Result<String, OpError> {
    cell.get_or_try_init(|| async {
        sts.get_caller_identity()
            .send()
            .await
            .map_err(|e| op_error("GetCallerIdentity", e))
            .map(|o| o.account().unwrap_or_default().to_string())
    })
    .await
    .cloned()
}

type UpdateReq = aws_sdk_apigatewayv2::operation::update_api::builders::UpdateApiFluentBuilder;

/// UpdateApi with the changed fields (`None` when none of them is UpdateApi's), and whether
/// `cors` was removed (DeleteCorsConfiguration).
fn update_request(
    mut req: UpdateReq,
    spec: &Api,
    changed: &[String],
) -> Result<(Option<UpdateReq>, bool), OpError> {
    let (mut send, mut drop_cors) = (false, false);
    for c in changed {
        req = match (c.as_str(), &spec.cors) {
            ("name", _) => req.name(&spec.name),
            ("description", _) => req.description(spec.description.clone().unwrap_or_default()),
            ("cors", Some(cors)) => req.cors_configuration(cors.request()),
            ("cors", None) => {
                drop_cors = true;
                continue;
            }
            ("disable-execute-api-endpoint", _) => {
                req.disable_execute_api_endpoint(spec.disable_execute_api_endpoint.unwrap_or(false))
            }
            ("route-selection-expression", _) => {
                req.set_route_selection_expression(spec.route_selection_expression.clone())
            }
            ("protocol-type", _) => return Err(fixed("UpdateApi", TY, c)),
            _ => continue,
        };
        send = true;
    }
    Ok((send.then_some(req), drop_cors))
}

/// The `api` operations.
pub struct Provider {
    gw: Gateway,
    sts: aws_sdk_sts::Client,
    account: tokio::sync::OnceCell<String>,
    schema: Schema,
}

impl Provider {
    pub fn new(aws: &Aws) -> Provider {
        Provider {
            gw: Gateway::new(aws),
            sts: aws.sts(),
            account: tokio::sync::OnceCell::new(),
            schema: schema(),
        }
    }

    /// The API AWS reports.
    fn api(&self, id: &str, out: &GetApiOutput, account: &str) -> Api {
        let region = &self.gw.region;
        let endpoint = out.api_endpoint().map(str::to_string);
        Api {
            name: out.name().unwrap_or_default().to_string(),
            protocol_type: out
                .protocol_type()
                .and_then(|p| Protocol::parse(p.as_str())),
            description: out
                .description()
                .filter(|d| !d.is_empty())
                .map(str::to_string),
            cors: out.cors_configuration().map(CorsConfig::from_live),
            disable_execute_api_endpoint: Some(out.disable_execute_api_endpoint().unwrap_or(false)),
            route_selection_expression: out.route_selection_expression().map(str::to_string),
            id: Some(id.to_string()),
            api_endpoint: endpoint.or_else(|| Some(self.gw.endpoint(id))),
            execution_arn: Some(format!("arn:aws:execute-api:{region}:{account}:{id}")),
            arn: Some(self.gw.arn(&format!("/apis/{id}"))),
            tags: tags(out.tags()),
        }
    }

    async fn read_id(&self, id: &str) -> Result<Option<(Live, BTreeMap<String, String>)>, OpError> {
        let call = self.gw.client.get_api().api_id(id).send();
        let Some(out) = get_optional("GetApi", is_gone, call).await? else {
            return Ok(None);
        };
        let account = account_id(&self.sts, &self.account).await?;
        let api = self.api(id, &out, &account);
        Ok(Some((tagged(id, api.to_attrs(), &api.tags), api.tags)))
    }

    /// A page of GetApis (its API ids and the next token), for `list` and `find`.
    async fn page(
        &self,
        token: Option<String>,
    ) -> Result<Option<aws_sdk_apigatewayv2::operation::get_apis::GetApisOutput>, OpError> {
        let out = self.gw.client.get_apis().set_next_token(token).send().await;
        out.map(Some).map_err(|e| op_error("GetApis", e))
    }

    /// Brings API `id` to `spec` for the attributes in `changed`; what a read reports after.
    async fn change(&self, id: &str, spec: &Api, changed: &[String]) -> Result<Live, OpError> {
        let op = "UpdateApi";
        let (_, live_tags) = still_there(self.read_id(id).await?, op, TY, id)?;
        let (req, drop_cors) =
            update_request(self.gw.client.update_api().api_id(id), spec, changed)?;
        if drop_cors {
            let call = self.gw.client.delete_cors_configuration().api_id(id).send();
            delete_if_present("DeleteCorsConfiguration", is_gone, call).await?;
        }
        if let Some(req) = req {
            req.send().await.map_err(|e| op_error(op, e))?;
        }
        if changed.iter().any(|c| c == "tags") {
            retag(
                &self.gw.client,
                &self.gw.arn(&format!("/apis/{id}")),
                &live_tags,
                &spec.tags,
                &[],
            )
            .await?;
        }
        Ok(still_there(self.read_id(id).await?, op, TY, id)?.0)
    }
}

fn next(out: &aws_sdk_apigatewayv2::operation::get_apis::GetApisOutput) -> Option<String> {
    out.next_token()
        .filter(|t| !t.is_empty())
        .map(str::to_string)
}

#[async_trait]
impl ResourceProvider for Provider {
    crate::resources::schema_and_transient!(crate::apigw::TRANSIENT);

    /// GetApis (every page), each API read in full.
    async fn list(&self, _ctx: &OpContext) -> Option<Result<Vec<Live>, OpError>> {
        let ids = |out: &aws_sdk_apigatewayv2::operation::get_apis::GetApisOutput| {
            let items = out.items().iter();
            items
                .filter_map(|a| a.api_id().map(str::to_string))
                .collect()
        };
        crate::aws::read_listed(
            collect_pages(|t| self.page(t), ids, next).await,
            |id| async move { Ok(self.read_id(&id).await?.map(|(live, _)| live)) },
        )
        .await
    }

    async fn read(&self, _ctx: &OpContext, id: &str) -> Result<Option<Live>, OpError> {
        Ok(self.read_id(id).await?.map(|(l, _)| l))
    }

    /// API names need not be unique: only the ownership tags identify this address's API,
    /// through GetApis pages.
    async fn find(&self, ctx: &OpContext, desired: &Attrs, _token: &str) -> OpResult<Option<Live>> {
        spec_of(desired, "GetApis")?;
        let ours = |out: &aws_sdk_apigatewayv2::operation::get_apis::GetApisOutput| {
            let mut items = out.items().iter();
            let found = items.find(|api| {
                ctx.owns(&tags(api.tags())) && !ctx.is_replaced(api.api_id().unwrap_or_default())
            })?;
            found.api_id().map(str::to_string)
        };
        match find_in_pages(|t| self.page(t), ours, next).await? {
            Some(id) => Ok(self.read_id(&id).await?.map(|(l, _)| l)),
            None => Ok(None),
        }
    }

    async fn create(&self, ctx: &OpContext, desired: &Attrs, token: &str) -> Result<Live, OpError> {
        let op = "CreateApi";
        let spec = spec_of(desired, op)?;
        if let Some(existing) = self.find(ctx, desired, token).await? {
            let changed = differing(desired, &existing.attrs, &["protocol-type"]);
            if changed.is_empty() {
                return Ok(existing);
            }
            return self.change(&existing.id, &spec, &changed).await;
        }
        let protocol = spec.protocol_type.unwrap_or(Protocol::Http);
        let out = self
            .gw
            .client
            .create_api()
            .name(&spec.name)
            .protocol_type(ProtocolType::from(protocol.as_str()))
            .set_description(spec.description.clone())
            .set_cors_configuration(spec.cors.as_ref().map(CorsConfig::request))
            .set_disable_execute_api_endpoint(spec.disable_execute_api_endpoint)
            .set_route_selection_expression(spec.route_selection_expression.clone())
            .set_tags(Some(spec.tags.clone().into_iter().collect()))
            .send()
            .await
            .map_err(|e| op_error(op, e))?;
        let id = out.api_id().unwrap_or_default().to_string();
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
        let spec = spec_of(desired, "UpdateApi")?;
        self.change(id, &spec, changed).await
    }

    async fn delete(&self, _ctx: &OpContext, id: &str, _prior: &Attrs) -> Result<(), OpError> {
        let call = self.gw.client.delete_api().api_id(id).send();
        delete_if_present("DeleteApi", is_gone, call).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::attrs::str_list_value;
    use eco_provider::ErrorKind;

    #[test]
    fn cors_round_trips_through_the_request_shape() {
        let fields = BTreeMap::from([
            (
                "allow-origins".to_string(),
                str_list_value(["https://a.example"]),
            ),
            ("allow-methods".to_string(), str_list_value(["GET", "POST"])),
            ("max-age".to_string(), Value::Int(3600)),
            ("allow-credentials".to_string(), Value::Bool(true)),
        ]);
        let cors = cors_of(&fields, "CreateApi").unwrap();
        assert_eq!(
            cors.allow_methods(),
            ["GET".to_string(), "POST".to_string()]
        );
        assert_eq!(cors_value(&cors), Value::Map(fields.clone()));
        let mut bad = fields.clone();
        bad.insert("max-age".into(), Value::Int(100_000));
        assert_eq!(
            cors_of(&bad, "CreateApi").unwrap_err().kind,
            ErrorKind::Invalid
        );
    }
}
