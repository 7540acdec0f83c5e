//! `api`: an API Gateway v2 HTTP API.
//!
//! AWS calls (apigatewayv2):
//! - read: GetApi (tags included); refresh pages through GetApis
//! - create: CreateApi
//! - update: UpdateApi (name, description, CORS, endpoint switch), DeleteCorsConfiguration when
//!   `cors` is removed, TagResource / UntagResource
//! - delete: DeleteApi
//! - import: by API id (GetApi)

use eco_schema::{Attribute, ScalarType, Schema};

pub const TYPE_NAME: &str = "api";

pub fn schema() -> Schema {
    Schema::new(TYPE_NAME, "An API Gateway v2 HTTP API")
        .import_id("the API id (e.g. a1b2c3d4e5)")
        .attr(
            Attribute::string("name")
                .required()
                .doc("API name (UpdateApi)"),
        )
        .attr(
            Attribute::string("protocol-type")
                .forces_replacement()
                .one_of(&["HTTP", "WEBSOCKET"]).doc("HTTP (default) or WEBSOCKET; fixed at creation"),
        )
        .attr(Attribute::string("description").doc("description (UpdateApi)"))
        .attr(
            Attribute::block(
                "cors",
                vec![
                    Attribute::list("allow-origins", ScalarType::String).doc("allowed origins"),
                    Attribute::list("allow-methods", ScalarType::String).doc("allowed methods"),
                    Attribute::list("allow-headers", ScalarType::String)
                        .doc("allowed request headers"),
                    Attribute::list("expose-headers", ScalarType::String)
                        .doc("response headers exposed to the browser"),
                    Attribute::int("max-age").range(-1, 86400).doc("seconds a preflight response may be cached"),
                    Attribute::bool("allow-credentials").doc("whether credentials are allowed"),
                ],
            )
            .doc("CORS configuration (UpdateApi / DeleteCorsConfiguration)"),
        )
        .attr(
            Attribute::bool("disable-execute-api-endpoint")
                .doc("serve only through custom domains (UpdateApi)"),
        )
        .attr(Attribute::string("route-selection-expression").doc(
            "route selection expression, with $${ for a literal ${ (default: method and path; UpdateApi)",
        ))
        .attr(Attribute::string("id").computed().doc("API id"))
        .attr(
            Attribute::string("api-endpoint")
                .computed()
                .doc("default endpoint, https://ID.execute-api.REGION.amazonaws.com"),
        )
        .attr(
            Attribute::string("execution-arn")
                .computed()
                .doc("arn:aws:execute-api:REGION:ACCOUNT:ID, for lambda-permission source-arn"),
        )
        .attr(
            Attribute::string("arn")
                .computed()
                .doc("API ARN (for tagging and IAM)"),
        )
        .taggable()
}

// ---------------------------------------------------------------------------------------------
// Operations
// ---------------------------------------------------------------------------------------------

use std::collections::BTreeMap;

use async_trait::async_trait;
use aws_sdk_apigatewayv2::types::{Cors, ProtocolType};
use eco_provider::{Attrs, ErrorKind, Live, OpContext, OpError, ResourceProvider, Value};

use crate::attrs::{opt_block, opt_bool, opt_str, req_str, s, str_list, str_list_value};
use crate::aws::{is_gone, op_error, Aws};
use crate::calls::{delete_if_present, get_optional};
use crate::tags::retag;
use crate::tags::{tags_of, tags_value};

const TY: &str = "api";

/// The account id of the caller (for execution ARNs), looked up once per provider.
pub(crate) async fn account_id(
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

/// The CORS configuration of `cors` (a block), for CreateApi / UpdateApi.
pub fn cors_of(fields: &BTreeMap<String, Value>, op: &str) -> Result<Cors, OpError> {
    let list = |k: &str| -> Result<Option<Vec<String>>, OpError> {
        fields.get(k).map(|v| str_list(v, k, TY, op)).transpose()
    };
    let max_age = match fields.get("max-age") {
        None => None,
        Some(Value::Int(n)) if (-1..=86400).contains(n) => Some(*n as i32),
        Some(other) => {
            return Err(OpError::invalid(
                op,
                format!("{TY}: cors max-age must be -1 to 86400 seconds, got {other:?}"),
            ))
        }
    };
    let credentials = match fields.get("allow-credentials") {
        None => None,
        Some(Value::Bool(b)) => Some(*b),
        Some(other) => {
            return Err(OpError::invalid(
                op,
                format!("{TY}: cors allow-credentials must be a boolean, got {other:?}"),
            ))
        }
    };
    Ok(Cors::builder()
        .set_allow_origins(list("allow-origins")?)
        .set_allow_methods(list("allow-methods")?)
        .set_allow_headers(list("allow-headers")?)
        .set_expose_headers(list("expose-headers")?)
        .set_max_age(max_age)
        .set_allow_credentials(credentials)
        .build())
}

/// The `cors` block value of a live CORS configuration.
pub fn cors_value(c: &Cors) -> Value {
    let mut m = BTreeMap::new();
    let mut put = |k: &str, v: &[String]| {
        if !v.is_empty() {
            m.insert(k.to_string(), str_list_value(v.iter().cloned()));
        }
    };
    put("allow-origins", c.allow_origins());
    put("allow-methods", c.allow_methods());
    put("allow-headers", c.allow_headers());
    put("expose-headers", c.expose_headers());
    if let Some(n) = c.max_age() {
        m.insert("max-age".into(), Value::Int(n as i64));
    }
    if let Some(b) = c.allow_credentials() {
        m.insert("allow-credentials".into(), Value::Bool(b));
    }
    Value::Map(m)
}

/// The `api` operations.
pub struct Provider {
    client: aws_sdk_apigatewayv2::Client,
    sts: aws_sdk_sts::Client,
    region: String,
    account: tokio::sync::OnceCell<String>,
    schema: Schema,
}

impl Provider {
    pub fn new(aws: &Aws) -> Provider {
        Provider {
            client: aws.apigatewayv2(),
            sts: aws.sts(),
            region: aws.region(),
            account: tokio::sync::OnceCell::new(),
            schema: schema(),
        }
    }

    fn arn(&self, id: &str) -> String {
        format!("arn:aws:apigateway:{}::/apis/{id}", self.region)
    }

    async fn read_id(&self, id: &str) -> Result<Option<(Live, BTreeMap<String, String>)>, OpError> {
        let Some(out) =
            get_optional("GetApi", is_gone, self.client.get_api().api_id(id).send()).await?
        else {
            return Ok(None);
        };
        let account = account_id(&self.sts, &self.account).await?;
        let mut a = Attrs::new();
        a.insert("id".into(), s(id));
        if let Some(n) = out.name() {
            a.insert("name".into(), s(n));
        }
        if let Some(p) = out.protocol_type() {
            a.insert("protocol-type".into(), s(p.as_str()));
        }
        if let Some(d) = out.description().filter(|d| !d.is_empty()) {
            a.insert("description".into(), s(d));
        }
        if let Some(c) = out.cors_configuration() {
            a.insert("cors".into(), cors_value(c));
        }
        a.insert(
            "disable-execute-api-endpoint".into(),
            Value::Bool(out.disable_execute_api_endpoint().unwrap_or(false)),
        );
        if let Some(r) = out.route_selection_expression() {
            a.insert("route-selection-expression".into(), s(r));
        }
        let endpoint = out
            .api_endpoint()
            .map(str::to_string)
            .unwrap_or_else(|| format!("https://{id}.execute-api.{}.amazonaws.com", self.region));
        a.insert("api-endpoint".into(), s(endpoint));
        a.insert(
            "execution-arn".into(),
            s(format!(
                "arn:aws:execute-api:{}:{account}:{id}",
                self.region
            )),
        );
        a.insert("arn".into(), s(self.arn(id)));
        let tags: BTreeMap<String, String> = out
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

    /// The API of this address (by ownership tags), through GetApis pages.
    /// API names need not be unique: only the ownership tags identify this address's API.
    async fn find_tagged(&self, ctx: &OpContext) -> Result<Option<String>, OpError> {
        let mut token = None;
        loop {
            let out = self
                .client
                .get_apis()
                .set_next_token(token)
                .send()
                .await
                .map_err(|e| op_error("GetApis", e))?;
            for api in out.items() {
                let tags: BTreeMap<String, String> = api
                    .tags()
                    .map(|t| t.iter().map(|(k, v)| (k.clone(), v.clone())).collect())
                    .unwrap_or_default();
                if ctx.owns(&tags) {
                    return Ok(api.api_id().map(str::to_string));
                }
            }
            token = out.next_token().map(str::to_string);
            if token.is_none() {
                return Ok(None);
            }
        }
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
                format!("{TY}: API `{id}` vanished during {op}"),
            )
        })
    }

    async fn change(
        &self,
        id: &str,
        desired: &Attrs,
        live_tags: &BTreeMap<String, String>,
        changed: &[String],
    ) -> Result<(), OpError> {
        let op = "UpdateApi";
        let mut req = self.client.update_api().api_id(id);
        let mut send = false;
        for c in changed {
            match c.as_str() {
                "name" => {
                    req = req.name(req_str(desired, "name", TY, op)?);
                    send = true;
                }
                "description" => {
                    req = req
                        .description(opt_str(desired, "description", TY, op)?.unwrap_or_default());
                    send = true;
                }
                "cors" => match opt_block(desired, "cors", TY, op)? {
                    Some(fields) => {
                        req = req.cors_configuration(cors_of(fields, op)?);
                        send = true;
                    }
                    None => {
                        match self
                            .client
                            .delete_cors_configuration()
                            .api_id(id)
                            .send()
                            .await
                        {
                            Ok(_) => {}
                            Err(e) if is_gone(&e) => {}
                            Err(e) => return Err(op_error("DeleteCorsConfiguration", e)),
                        }
                    }
                },
                "disable-execute-api-endpoint" => {
                    req = req.disable_execute_api_endpoint(
                        opt_bool(desired, c, TY, op)?.unwrap_or(false),
                    );
                    send = true;
                }
                "route-selection-expression" => {
                    req = req.set_route_selection_expression(opt_str(desired, c, TY, op)?);
                    send = true;
                }
                "tags" | "id" | "api-endpoint" | "execution-arn" | "arn" => {}
                "protocol-type" => {
                    return Err(OpError::invalid(
                        op,
                        format!(
                        "{TY}: `protocol-type` cannot change in place (it forces a replacement)"
                    ),
                    ))
                }
                _ => {}
            }
        }
        if send {
            req.send().await.map_err(|e| op_error(op, e))?;
        }
        if changed.iter().any(|c| c == "tags") {
            let arn = self.arn(id);
            retag(
                &self.client,
                &arn,
                live_tags,
                &tags_of(desired.get("tags")),
                &[],
            )
            .await?;
        }
        Ok(())
    }
}

pub(crate) use crate::aws::differing;

#[async_trait]
impl ResourceProvider for Provider {
    fn schema(&self) -> &Schema {
        &self.schema
    }

    /// GetApis (every page), each API read in full.
    async fn list(&self, _ctx: &OpContext) -> Option<Result<Vec<Live>, OpError>> {
        let mut ids = Vec::new();
        let mut token: Option<String> = None;
        loop {
            let out = match self
                .client
                .get_apis()
                .set_next_token(token.take())
                .send()
                .await
            {
                Ok(o) => o,
                Err(e) => return Some(Err(crate::aws::op_error("GetApis", e))),
            };
            ids.extend(
                out.items()
                    .iter()
                    .filter_map(|a| a.api_id().map(str::to_string)),
            );
            match out.next_token() {
                Some(t) if !t.is_empty() => token = Some(t.to_string()),
                _ => break,
            }
        }
        Some(
            crate::aws::read_each(ids, |id| async move {
                Ok(self.read_id(&id).await?.map(|(live, _)| live))
            })
            .await,
        )
    }

    async fn read(&self, _ctx: &OpContext, id: &str) -> Result<Option<Live>, OpError> {
        Ok(self.read_id(id).await?.map(|(l, _)| l))
    }

    async fn find(
        &self,
        ctx: &OpContext,
        desired: &Attrs,
        _token: &str,
    ) -> Result<Option<Live>, OpError> {
        req_str(desired, "name", TY, "GetApis")?;
        match self.find_tagged(ctx).await? {
            Some(id) => Ok(self.read_id(&id).await?.map(|(l, _)| l)),
            None => Ok(None),
        }
    }

    async fn create(&self, ctx: &OpContext, desired: &Attrs, token: &str) -> Result<Live, OpError> {
        let op = "CreateApi";
        let name = req_str(desired, "name", TY, op)?;
        let protocol = opt_str(desired, "protocol-type", TY, op)?.unwrap_or_else(|| "HTTP".into());
        if protocol != "HTTP" && protocol != "WEBSOCKET" {
            return Err(OpError::invalid(
                op,
                format!("{TY}: protocol-type must be HTTP or WEBSOCKET, got `{protocol}`"),
            ));
        }
        let cors = opt_block(desired, "cors", TY, op)?
            .map(|f| cors_of(f, op))
            .transpose()?;
        if let Some(existing) = self.find(ctx, desired, token).await? {
            let (_, tags) = self.read_required(&existing.id, op).await?;
            let changed = differing(desired, &existing.attrs, &["protocol-type"]);
            if changed.is_empty() {
                return Ok(existing);
            }
            self.change(&existing.id, desired, &tags, &changed).await?;
            return Ok(self.read_required(&existing.id, op).await?.0);
        }
        let tags = tags_of(desired.get("tags"));
        let out = self
            .client
            .create_api()
            .name(name)
            .protocol_type(ProtocolType::from(protocol.as_str()))
            .set_description(opt_str(desired, "description", TY, op)?)
            .set_cors_configuration(cors)
            .set_disable_execute_api_endpoint(opt_bool(
                desired,
                "disable-execute-api-endpoint",
                TY,
                op,
            )?)
            .set_route_selection_expression(opt_str(desired, "route-selection-expression", TY, op)?)
            .set_tags(Some(tags.into_iter().collect()))
            .send()
            .await
            .map_err(|e| op_error(op, e))?;
        let id = out.api_id().unwrap_or_default().to_string();
        Ok(self.read_required(&id, op).await?.0)
    }

    async fn update(
        &self,
        _ctx: &OpContext,
        id: &str,
        _prior: &Attrs,
        desired: &Attrs,
        changed: &[String],
    ) -> Result<Live, OpError> {
        let (_, tags) = self.read_required(id, "UpdateApi").await?;
        self.change(id, desired, &tags, changed).await?;
        Ok(self.read_required(id, "UpdateApi").await?.0)
    }

    async fn delete(&self, _ctx: &OpContext, id: &str, _prior: &Attrs) -> Result<(), OpError> {
        delete_if_present(
            "DeleteApi",
            is_gone,
            self.client.delete_api().api_id(id).send(),
        )
        .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
