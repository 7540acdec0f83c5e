//! API Gateway v2 (HTTP APIs), written once for the types on it (`api`, `api-authorizer`,
//! `api-integration`, `api-route`, `api-stage`, `api-domain`): the `API-ID/CHILD-ID` ids of what
//! lives inside an API, tags by ARN, the payload format values, and [`Children`], the one
//! provider of the children an API holds by id (authorizers, integrations, routes), whose kinds
//! ([`Child`]) only say how to call AWS.

use std::collections::{BTreeMap, HashMap};
use std::marker::PhantomData;

use async_trait::async_trait;
use aws_sdk_apigatewayv2::Client;
use eco_provider::{Attrs, Live, OpContext, OpError, ResourceProvider};
use eco_schema::{Schema, SpecEnum};

use crate::aws::Aws;
use crate::calls::{bring_to, find_in_pages, still_there};
use crate::tags::tags_value;

/// An API Gateway v2 client and its region (for the ARNs it tags by and the URLs it serves).
pub struct Gateway {
    pub client: Client,
    pub region: String,
}

impl Gateway {
    pub fn new(aws: &Aws) -> Gateway {
        Gateway {
            client: aws.apigatewayv2(),
            region: aws.region(),
        }
    }

    /// `arn:aws:apigateway:REGION::PATH`, PATH such as `/apis/ID`.
    pub fn arn(&self, path: &str) -> String {
        format!("arn:aws:apigateway:{}::{path}", self.region)
    }

    /// The default endpoint of API `api`: `https://API.execute-api.REGION.amazonaws.com`.
    pub fn endpoint(&self, api: &str) -> String {
        format!("https://{api}.execute-api.{}.amazonaws.com", self.region)
    }
}

/// Splits `API-ID/CHILD-ID` (the id and import id of what lives inside an API).
pub fn split_id(id: &str, ty: &str, op: &str) -> Result<(String, String), OpError> {
    crate::ids::split_pair(id, ty, op, "API-ID/ID")
}

/// The tags an API Gateway answer carries (none when it has none).
pub fn tags(live: Option<&HashMap<String, String>>) -> BTreeMap<String, String> {
    live.map(|t| t.iter().map(|(k, v)| (k.clone(), v.clone())).collect())
        .unwrap_or_default()
}

/// What a read reports: `attrs` with `tags` always (an empty map when there are none).
pub fn tagged(id: &str, mut attrs: Attrs, tags: &BTreeMap<String, String>) -> Live {
    attrs.insert("tags".into(), tags_value(tags));
    Live {
        id: id.to_string(),
        attrs,
    }
}

/// The refusal of an in-place change of `attr`, which forces a replacement (the planner never
/// asks for one).
pub fn fixed(op: &str, ty: &str, attr: &str) -> OpError {
    OpError::invalid(
        op,
        format!("{ty}: `{attr}` cannot change in place (it forces a replacement)"),
    )
}

// API Gateway v2 tags any of its resources by ARN: TagResource with a map, UntagResource by key.
crate::tags::tag_by_key!(Client, resource_arn);

/// A Lambda payload format version (authorizers and integrations).
#[derive(Debug, Clone, Copy, PartialEq, Eq, eco_schema::SpecEnum)]
pub enum PayloadFormat {
    #[eco(rename = "1.0")]
    V1,
    #[eco(rename = "2.0")]
    V2,
}

impl PayloadFormat {
    pub fn to_aws(self) -> String {
        self.as_str().to_string()
    }
}

/// The names of a child kind's AWS operations.
pub struct Ops {
    pub get: &'static str,
    pub list: &'static str,
    pub create: &'static str,
    pub update: &'static str,
    pub delete: &'static str,
}

/// The items of a [`Child`] impl that follow from its derived spec type and the noun AWS names
/// it by: `child!(ApiRoute, "Route")` gives TY and the schema from the spec, the operations
/// GetRoute, GetRoutes, CreateRoute, UpdateRoute and DeleteRoute, the desired child through the
/// module's `spec_of`, and the API from its `api` field.
macro_rules! child {
    ($spec:ty, $noun:literal) => {
        const TY: &'static str = <$spec>::TYPE_NAME;
        const OPS: $crate::apigw::Ops = $crate::apigw::Ops {
            get: concat!("Get", $noun),
            list: concat!("Get", $noun, "s"),
            create: concat!("Create", $noun),
            update: concat!("Update", $noun),
            delete: concat!("Delete", $noun),
        };

        fn schema() -> eco_schema::Schema {
            <$spec>::schema()
        }

        fn desired(attrs: &eco_provider::Attrs, op: &str) -> Result<Self, eco_provider::OpError> {
            spec_of(attrs, op)
        }

        fn api(spec: &Self) -> &str {
            &spec.api
        }
    };
}
pub(crate) use child;

/// What API Gateway v2 answers for a while before it succeeds: an API takes one change at a
/// time, and answers ConflictException to another meanwhile (the engine also runs an API's
/// changes in one lane, [`lane`]).
pub(crate) const TRANSIENT: &[eco_provider::Transient] = &[eco_provider::Transient {
    operations: &["*"],
    codes: &["ConflictException"],
    message: Some("concurrent modification"),
    budget: std::time::Duration::from_secs(300),
    why: "API Gateway is applying another change to the API",
}];

/// The lane of an API's children and stages: one change of an API at a time.
pub(crate) fn lane(attrs: &Attrs) -> Option<String> {
    match attrs.get("api") {
        Some(eco_provider::Value::String(api)) if !api.is_empty() => {
            Some(format!("apigatewayv2:{api}"))
        }
        _ => None,
    }
}

/// One page of a listing: the id of the child looked for, if it is on this page, and the token
/// of the next page.
pub type Page = (Option<String>, Option<String>);

/// A kind of child of an API (authorizer, integration, route), implemented by its typed spec:
/// the AWS calls that differ between kinds. [`Children`] does the rest.
#[async_trait]
pub trait Child: Sized + Send + Sync + 'static {
    const TY: &'static str;
    const OPS: Ops;
    /// Whether create calls AWS first and adopts what [`Child::taken`] says exists (instead of
    /// looking first).
    const CREATE_FIRST: bool = false;
    fn schema() -> Schema;
    /// The desired child from configuration attributes; refusals are `op` errors.
    fn desired(attrs: &Attrs, op: &str) -> Result<Self, OpError>;
    /// The id of the API the child belongs to.
    fn api(spec: &Self) -> &str;
    /// The attributes of child `id` of `api` (`None` when it is gone).
    async fn get(c: &Client, api: &str, id: &str) -> Result<Option<Attrs>, OpError>;
    /// A page of the API's children (`None` when the API is gone), looking for `spec`'s.
    async fn page(c: &Client, spec: &Self, token: Option<String>) -> Result<Option<Page>, OpError>;
    /// Creates the child; its id.
    async fn create(c: &Client, spec: &Self) -> Result<String, OpError>;
    /// Sends the changes in `changed` (never only `id`).
    async fn update(
        c: &Client,
        api: &str,
        id: &str,
        spec: &Self,
        changed: &[String],
    ) -> Result<(), OpError>;
    /// Deletes the child (already gone: success).
    async fn delete(c: &Client, api: &str, id: &str) -> Result<(), OpError>;
    /// Whether a create failed because the child exists already (then it is found and adopted).
    fn taken(_e: &OpError) -> bool {
        false
    }
}

/// The operations of a kind of API child. Children carry no tags: what identifies one in its
/// API (a name, a route key, a type and URI) is what `find` looks for, and a create that finds
/// it adopts it and brings it to the configuration.
pub struct Children<K> {
    client: Client,
    schema: Schema,
    kind: PhantomData<K>,
}

impl<K: Child> Children<K> {
    pub fn new(aws: &Aws) -> Self {
        Children {
            client: aws.apigatewayv2(),
            schema: K::schema(),
            kind: PhantomData,
        }
    }

    async fn read_id(&self, id: &str) -> Result<Option<Live>, OpError> {
        let (api, child) = split_id(id, K::TY, K::OPS.get)?;
        let attrs = K::get(&self.client, &api, &child).await?;
        Ok(attrs.map(|attrs| Live {
            id: id.to_string(),
            attrs,
        }))
    }

    async fn adopt(&self, ctx: &OpContext, live: Live, desired: &Attrs) -> Result<Live, OpError> {
        bring_to(self, ctx, live, desired, &["api"]).await
    }
}

#[async_trait]
impl<K: Child> ResourceProvider for Children<K> {
    crate::resources::schema_and_transient!(TRANSIENT);

    fn lane(&self, attrs: &Attrs) -> Option<String> {
        lane(attrs)
    }

    async fn read(&self, _ctx: &OpContext, id: &str) -> Result<Option<Live>, OpError> {
        self.read_id(id).await
    }

    async fn find(
        &self,
        ctx: &OpContext,
        desired: &Attrs,
        _: &str,
    ) -> Result<Option<Live>, OpError> {
        let spec = K::desired(desired, K::OPS.list)?;
        let found = find_in_pages(
            |token| K::page(&self.client, &spec, token),
            |p: &Page| p.0.clone(),
            |p: &Page| p.1.clone(),
        )
        .await?;
        match found {
            Some(id) => {
                Ok(ctx.unless_replaced(self.read_id(&format!("{}/{id}", K::api(&spec))).await?))
            }
            None => Ok(None),
        }
    }

    async fn create(&self, ctx: &OpContext, desired: &Attrs, token: &str) -> Result<Live, OpError> {
        let op = K::OPS.create;
        let spec = K::desired(desired, op)?;
        if !K::CREATE_FIRST {
            if let Some(live) = self.find(ctx, desired, token).await? {
                return self.adopt(ctx, live, desired).await;
            }
        }
        let child = match K::create(&self.client, &spec).await {
            Ok(child) => child,
            Err(e) if K::taken(&e) => {
                let live = self.find(ctx, desired, token).await?.ok_or(e)?;
                return self.adopt(ctx, live, desired).await;
            }
            Err(e) => return Err(e),
        };
        let id = format!("{}/{child}", K::api(&spec));
        still_there(self.read_id(&id).await?, op, K::TY, &id)
    }

    async fn update(
        &self,
        _ctx: &OpContext,
        id: &str,
        _prior: &Attrs,
        desired: &Attrs,
        changed: &[String],
    ) -> Result<Live, OpError> {
        let op = K::OPS.update;
        let spec = K::desired(desired, op)?;
        let (api, child) = split_id(id, K::TY, op)?;
        if changed.iter().any(|c| c != "id") {
            K::update(&self.client, &api, &child, &spec, changed).await?;
        }
        still_there(self.read_id(id).await?, op, K::TY, id)
    }

    async fn delete(&self, _ctx: &OpContext, id: &str, _prior: &Attrs) -> Result<(), OpError> {
        let (api, child) = split_id(id, K::TY, K::OPS.delete)?;
        K::delete(&self.client, &api, &child).await
    }
}

/// A client for request-building unit tests (it never reaches AWS).
#[cfg(test)]
pub fn offline_client() -> Client {
    Aws::for_endpoint("http://127.0.0.1:9", "us-east-1").apigatewayv2()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_tags_and_refusals() {
        assert_eq!(
            split_id("a/b", "api-route", "Op").unwrap(),
            ("a".to_string(), "b".to_string())
        );
        assert!(split_id("ab", "api-route", "Op").is_err());
        let live = HashMap::from([("k".to_string(), "v".to_string())]);
        assert_eq!(tags(Some(&live)).len(), 1);
        assert!(tags(None).is_empty());
        let read = tagged("x", Attrs::new(), &BTreeMap::new());
        assert_eq!(read.attrs["tags"], tags_value(&BTreeMap::new()));
        assert_eq!(
            fixed("UpdateStage", "api-stage", "name").message,
            "api-stage: `name` cannot change in place (it forces a replacement)"
        );
        assert_eq!(PayloadFormat::parse("2.0"), Some(PayloadFormat::V2));
    }
}
