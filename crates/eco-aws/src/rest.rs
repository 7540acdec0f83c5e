//! API Gateway v1 (REST APIs), written once for the `rest-*` types: the client, the ids of what
//! lives inside a REST API (`API-ID/RESOURCE-ID`, `API-ID/RESOURCE-ID/METHOD`), PATCH operations
//! (every v1 update is a list of them), the one-change-at-a-time lane of an API, and tags by ARN.

use std::collections::{BTreeMap, HashMap};
use std::future::Future;
use std::marker::PhantomData;

use async_trait::async_trait;
use aws_sdk_apigateway::types::{Op, PatchOperation};
use aws_sdk_apigateway::Client;
use eco_provider::{Attrs, Live, OpContext, OpError, ResourceProvider, Value};
use eco_schema::{Schema, Spec};

use crate::attrs::spec_of;
use crate::aws::Aws;
use crate::calls::{bring_to, collect_pages, confirm_deleted, find_in_pages, still_there};
use crate::tags::{retag, tags_value};

/// An API Gateway (v1) client and its region (for the ARNs it tags by and the URLs it serves).
pub struct RestGateway {
    pub client: Client,
    pub region: String,
}

impl RestGateway {
    pub fn new(aws: &Aws) -> RestGateway {
        RestGateway {
            client: aws.apigateway(),
            region: aws.region(),
        }
    }

    /// `arn:aws:apigateway:REGION::PATH`, PATH such as `/restapis/ID`.
    pub fn arn(&self, path: &str) -> String {
        format!("arn:aws:apigateway:{}::{path}", self.region)
    }

    /// The invoke URL of stage `stage` of API `api`.
    pub fn invoke_url(&self, api: &str, stage: &str) -> String {
        format!(
            "https://{api}.execute-api.{}.amazonaws.com/{stage}",
            self.region
        )
    }
}

// API Gateway tags its resources by ARN: TagResource with a map, UntagResource by key.
crate::tags::tag_by_key!(Client, resource_arn);

impl RestGateway {
    /// Takes the tags of what `path` names (`/restapis/ID`) from `live` to `desired` when `tags`
    /// is among `changed`.
    pub async fn retag_if_changed(
        &self,
        path: &str,
        changed: &[String],
        live: &BTreeMap<String, String>,
        desired: &BTreeMap<String, String>,
    ) -> Result<(), OpError> {
        if changed.iter().any(|c| c == "tags") {
            retag(&self.client, &self.arn(path), live, desired, &[]).await?;
        }
        Ok(())
    }
}

/// What a read of a top-level object (an API, key, usage plan, domain) reports: its attributes
/// with `tags` always (an empty map when there are none).
pub fn tagged_live<S: Spec>(id: &str, spec: &S, tags: &BTreeMap<String, String>) -> Live {
    let mut attrs = spec.to_attrs();
    attrs.insert("tags".into(), tags_value(tags));
    Live {
        id: id.to_string(),
        attrs,
    }
}

/// A listed object's id and tags.
pub type Entry<'a> = (Option<&'a str>, Option<&'a HashMap<String, String>>);

/// A page of one of API Gateway's top-level listings (GetRestApis, GetApiKeys, GetUsagePlans,
/// GetDomainNames): each item's id and tags, and where the next page starts.
pub trait Listing {
    fn entries(&self) -> Vec<Entry<'_>>;
    /// The position of the next page (`None` after the last).
    fn next(&self) -> Option<String>;
}

macro_rules! listing {
    ($($out:ty => $id:ident),* $(,)?) => {$(
        impl Listing for $out {
            fn entries(&self) -> Vec<Entry<'_>> {
                self.items().iter().map(|i| (i.$id(), i.tags())).collect()
            }

            fn next(&self) -> Option<String> {
                self.position().filter(|t| !t.is_empty()).map(str::to_string)
            }
        }
    )*};
}

listing!(
    aws_sdk_apigateway::operation::get_rest_apis::GetRestApisOutput => id,
    aws_sdk_apigateway::operation::get_api_keys::GetApiKeysOutput => id,
    aws_sdk_apigateway::operation::get_usage_plans::GetUsagePlansOutput => id,
    aws_sdk_apigateway::operation::get_domain_names::GetDomainNamesOutput => domain_name,
);

/// Every id of a top-level listing, `page(position)` fetching each page.
pub async fn listed_ids<P, F, Fut>(page: F) -> Result<Vec<String>, OpError>
where
    P: Listing,
    F: FnMut(Option<String>) -> Fut,
    Fut: Future<Output = Result<Option<P>, OpError>>,
{
    let ids = |p: &P| {
        let entries = p.entries().into_iter();
        entries
            .filter_map(|(id, _)| id.map(str::to_string))
            .collect()
    };
    collect_pages(page, ids, P::next).await
}

/// The id of this address's object in a top-level listing whose names need not be unique: the
/// first the ownership tags say is ours and that is not being replaced.
pub async fn owned_id<P, F, Fut>(ctx: &OpContext, page: F) -> Result<Option<String>, OpError>
where
    P: Listing,
    F: FnMut(Option<String>) -> Fut,
    Fut: Future<Output = Result<Option<P>, OpError>>,
{
    let ours = |p: &P| {
        let mut entries = p.entries().into_iter();
        let (id, _) = entries.find(|(id, tags)| {
            ctx.owns(&ordered(*tags)) && !ctx.is_replaced(id.unwrap_or_default())
        })?;
        id.map(str::to_string)
    };
    find_in_pages(page, ours, P::next).await
}

/// A top-level object (an API, API key, usage plan, domain name): the read, listing page and
/// update its provider writes, from which follow the operations they share ([`list_top`],
/// [`find_owned`], [`update_top`]).
#[async_trait]
pub trait TopLevel: Sync {
    /// The type's derived spec.
    type Spec: Spec + Send + Sync;
    /// A page of the type's listing.
    type Page: Listing + Send;
    /// The type's name.
    const TY: &'static str;
    /// The update call (`UpdateRestApi`, ...).
    const UPDATE: &'static str;

    /// Object `id` as a read reports it (`None`: it is gone).
    async fn read_id(&self, id: &str) -> Result<Option<Live>, OpError>;

    /// The listing's page at `position`.
    async fn page(&self, position: Option<String>) -> Result<Option<Self::Page>, OpError>;

    /// Brings `id` to `spec` for the attributes in `changed`; what a read reports after.
    async fn change(
        &self,
        id: &str,
        spec: &Self::Spec,
        changed: &[String],
    ) -> Result<Live, OpError>;
}

/// Every object of the listing (every page), each read in full.
pub async fn list_top<T: TopLevel>(top: &T) -> Option<Result<Vec<Live>, OpError>> {
    let ids = listed_ids(|position| top.page(position)).await;
    crate::aws::read_listed(ids, |id| async move { top.read_id(&id).await }).await
}

/// This address's object, for a type whose names need not be unique: only the ownership tags
/// identify it, through the listing's pages (`op`).
pub async fn find_owned<T: TopLevel>(
    top: &T,
    ctx: &OpContext,
    desired: &Attrs,
    op: &str,
) -> Result<Option<Live>, OpError> {
    spec_of::<T::Spec>(desired, T::TY, op)?;
    match owned_id(ctx, |position| top.page(position)).await? {
        Some(id) => top.read_id(&id).await,
        None => Ok(None),
    }
}

/// The update of `id` to `desired` for the attributes in `changed`.
pub async fn update_top<T: TopLevel>(
    top: &T,
    id: &str,
    desired: &Attrs,
    changed: &[String],
) -> Result<Live, OpError> {
    let spec: T::Spec = spec_of(desired, T::TY, T::UPDATE)?;
    top.change(id, &spec, changed).await
}

/// PATCH operations as `op path value` lines (`-` for no value), for tests to compare.
#[cfg(test)]
pub fn shown(ops: &[PatchOperation]) -> Vec<String> {
    let line = |o: &PatchOperation| {
        let (op, path) = (o.op().unwrap().as_str(), o.path().unwrap());
        format!("{op} {path} {}", o.value().unwrap_or("-"))
    };
    ops.iter().map(line).collect()
}

/// Splits `API-ID/ID` (the id and import id of an API's resource, authorizer, deployment, stage).
pub fn split_pair(id: &str, ty: &str, op: &str) -> Result<(String, String), OpError> {
    crate::ids::split_pair(id, ty, op, "REST-API-ID/ID")
}

/// Splits `API-ID/RESOURCE-ID/HTTP-METHOD` (a method's and an integration's id).
pub fn split_method(id: &str, ty: &str, op: &str) -> Result<[String; 3], OpError> {
    crate::ids::split_id::<3>(id, ty, op, "REST-API-ID/RESOURCE-ID/HTTP-METHOD")
}

/// A PATCH `replace` of `path` (a JSON pointer such as `/description`) with `value`.
pub fn replace(path: &str, value: impl Into<String>) -> PatchOperation {
    PatchOperation::builder()
        .op(Op::Replace)
        .path(path)
        .value(value)
        .build()
}

/// A PATCH `add` of `path` (an item of a set, such as `/binaryMediaTypes/image~1png`).
pub fn add(path: &str) -> PatchOperation {
    PatchOperation::builder().op(Op::Add).path(path).build()
}

/// A PATCH `remove` of `path`.
pub fn remove(path: &str) -> PatchOperation {
    PatchOperation::builder().op(Op::Remove).path(path).build()
}

/// `~1`-escapes `/` in a key that becomes one step of a PATCH path (`/variables/KEY`).
pub fn path_key(key: &str) -> String {
    key.replace('~', "~0").replace('/', "~1")
}

/// The PATCH operations that take a map at `prefix` (`/variables`) from `live` to `desired`:
/// a replace for every new or changed key, a remove for every dropped one.
pub fn map_patch(
    prefix: &str,
    live: &BTreeMap<String, String>,
    desired: &BTreeMap<String, String>,
) -> Vec<PatchOperation> {
    let mut ops = Vec::new();
    for (k, v) in desired {
        if live.get(k) != Some(v) {
            ops.push(replace(&format!("{prefix}/{}", path_key(k)), v.clone()));
        }
    }
    for k in live.keys().filter(|k| !desired.contains_key(*k)) {
        ops.push(remove(&format!("{prefix}/{}", path_key(k))));
    }
    ops
}

/// A map AWS answers (none when it has none), ordered.
pub fn ordered(live: Option<&HashMap<String, String>>) -> BTreeMap<String, String> {
    live.map(|t| t.iter().map(|(k, v)| (k.clone(), v.clone())).collect())
        .unwrap_or_default()
}

/// A map AWS answers, as an optional attribute (absent when empty).
pub fn opt_map(live: Option<&HashMap<String, String>>) -> Option<BTreeMap<String, String>> {
    Some(ordered(live)).filter(|m| !m.is_empty())
}

/// A `NAME: required` map (request parameters) as eco writes it: `"true"` / `"false"` values.
pub fn flags_value(live: Option<&HashMap<String, bool>>) -> Option<BTreeMap<String, String>> {
    let m: BTreeMap<String, String> = live
        .map(|t| t.iter().map(|(k, v)| (k.clone(), v.to_string())).collect())
        .unwrap_or_default();
    Some(m).filter(|m| !m.is_empty())
}

/// A `NAME: "true"|"false"` map as AWS takes it; another value is refused.
pub fn flags_of(
    m: &Option<BTreeMap<String, String>>,
    what: &str,
    ty: &str,
    op: &str,
) -> Result<Option<HashMap<String, bool>>, OpError> {
    let Some(m) = m else { return Ok(None) };
    m.iter()
        .map(|(k, v)| match v.as_str() {
            "true" => Ok((k.clone(), true)),
            "false" => Ok((k.clone(), false)),
            other => Err(OpError::invalid(
                op,
                format!(
                    "{ty}: {what} `{k}` is `{other}`; expected \"true\" (required) or \"false\""
                ),
            )),
        })
        .collect::<Result<HashMap<_, _>, _>>()
        .map(Some)
}

/// What API Gateway answers for a while before it succeeds: it takes one change of an API at a
/// time ("ConflictException"), and throttles control-plane calls hard ("TooManyRequests").
pub(crate) const TRANSIENT: &[eco_provider::Transient] = &[eco_provider::Transient {
    operations: &["*"],
    codes: &["ConflictException"],
    message: Some("concurrent modification"),
    budget: std::time::Duration::from_secs(300),
    why: "API Gateway is applying another change to the REST API",
}];

/// The lane of an API's parts: one change of a REST API at a time.
pub(crate) fn lane(attrs: &Attrs) -> Option<String> {
    match attrs.get("rest-api") {
        Some(Value::String(api)) if !api.is_empty() => Some(format!("apigateway:{api}")),
        _ => None,
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

/// A kind of part of a REST API (resource, method, integration, authorizer, deployment, stage),
/// implemented by its typed spec: the AWS calls that differ between kinds. Its id is
/// `API-ID/KEY`, KEY what names it in its API (`RESOURCE-ID`, `RESOURCE-ID/GET`, a stage name).
/// [`Parts`] does the rest.
#[async_trait]
pub trait Part: Sized + Send + Sync + 'static {
    const TY: &'static str;
    /// How KEY is written, for the error on a malformed id (`RESOURCE-ID/HTTP-METHOD`).
    const KEY: &'static str;
    /// The operation that reads one (GetResource), for errors.
    const GET: &'static str;
    /// Whether a create sends the part's create call before looking for it: for parts whose
    /// key the configuration gives and whose create AWS refuses with a ConflictException when
    /// the key is taken (the part there is then found and adopted). Saves the read in the common
    /// case, where nothing is there.
    const CREATE_FIRST: bool = false;
    fn schema() -> Schema;
    /// The desired part from configuration attributes; refusals are `op` errors.
    fn desired(attrs: &Attrs, op: &str) -> Result<Self, OpError>;
    /// The id of the REST API the part belongs to.
    fn api(&self) -> &str;
    /// The attributes of part `key` of `api` (`None` when it is gone).
    async fn get(c: &Client, api: &str, key: &str) -> Result<Option<Attrs>, OpError>;
    /// The key of the part a create of `self` made, if it exists (`None` also when the API is
    /// gone). Parts whose key AWS assigns look through the API's listing.
    async fn find_key(&self, c: &Client) -> Result<Option<String>, OpError>;
    /// Creates the part; its key.
    async fn create(&self, c: &Client) -> Result<String, OpError>;
    /// Sends the changes in `changed` (never only computed ones), `live` what a read reported.
    async fn update(
        &self,
        c: &Client,
        key: &str,
        live: &Attrs,
        changed: &[String],
    ) -> Result<(), OpError>;
    /// Deletes the part (already gone: success).
    async fn delete(c: &Client, api: &str, key: &str) -> Result<(), OpError>;
}

/// The [`Part`] items every part of a REST API writes the same way: its type, how its key is
/// written, its read operation's name, its schema, its desired value (the module's
/// `desired_of`, which adds the part's own checks) and its API (`rest_api`).
macro_rules! part {
    ($spec:ty, $key:literal, $get:literal) => {
        const TY: &'static str = <$spec>::TYPE_NAME;
        const KEY: &'static str = $key;
        const GET: &'static str = $get;

        fn schema() -> eco_schema::Schema {
            <$spec>::schema()
        }

        fn desired(attrs: &eco_provider::Attrs, op: &str) -> Result<Self, eco_provider::OpError> {
            desired_of(attrs, op)
        }

        fn api(&self) -> &str {
            &self.rest_api
        }
    };
}
pub(crate) use part;

/// The operations of a kind of REST API part. What identifies one in its API (a parent and
/// path part, a method, a name) is what `find` looks for; a create that finds it adopts it and
/// brings it to the configuration.
pub struct Parts<K> {
    client: Client,
    schema: Schema,
    kind: PhantomData<K>,
}

impl<K: Part> Parts<K> {
    pub fn new(aws: &Aws) -> Self {
        Parts {
            client: aws.apigateway(),
            schema: K::schema(),
            kind: PhantomData,
        }
    }

    fn split(id: &str, op: &str) -> Result<(String, String), OpError> {
        crate::ids::split_pair(id, K::TY, op, &format!("REST-API-ID/{}", K::KEY))
    }

    async fn read_id(&self, id: &str) -> Result<Option<Live>, OpError> {
        let (api, key) = Self::split(id, K::GET)?;
        let attrs = K::get(&self.client, &api, &key).await?;
        Ok(attrs.map(|attrs| Live {
            id: id.to_string(),
            attrs,
        }))
    }
}

#[async_trait]
impl<K: Part> ResourceProvider for Parts<K> {
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
        let spec = K::desired(desired, K::GET)?;
        match spec.find_key(&self.client).await? {
            Some(key) => {
                Ok(ctx.unless_replaced(self.read_id(&format!("{}/{key}", spec.api())).await?))
            }
            None => Ok(None),
        }
    }

    async fn create(&self, ctx: &OpContext, desired: &Attrs, token: &str) -> Result<Live, OpError> {
        let op = format!("Create {}", K::TY);
        let spec = K::desired(desired, &op)?;
        if K::CREATE_FIRST {
            let key = match spec.create(&self.client).await {
                Ok(key) => key,
                Err(e) if e.code.as_deref() == Some("ConflictException") => {
                    return match self.find(ctx, desired, token).await? {
                        Some(live) => bring_to(self, ctx, live, desired, &["rest-api"]).await,
                        None => Err(e),
                    };
                }
                Err(e) => return Err(e),
            };
            let id = format!("{}/{key}", spec.api());
            return still_there(self.read_id(&id).await?, &op, K::TY, &id);
        }
        if let Some(live) = self.find(ctx, desired, token).await? {
            return bring_to(self, ctx, live, desired, &["rest-api"]).await;
        }
        let key = spec.create(&self.client).await?;
        let id = format!("{}/{key}", spec.api());
        still_there(self.read_id(&id).await?, &op, K::TY, &id)
    }

    async fn update(
        &self,
        _ctx: &OpContext,
        id: &str,
        prior: &Attrs,
        desired: &Attrs,
        changed: &[String],
    ) -> Result<Live, OpError> {
        let op = format!("Update {}", K::TY);
        let spec = K::desired(desired, &op)?;
        let (_, key) = Self::split(id, &op)?;
        let live = match self.read_id(id).await? {
            Some(live) => live.attrs,
            None => prior.clone(),
        };
        if changed.iter().any(|c| c != "id") {
            spec.update(&self.client, &key, &live, changed).await?;
        }
        still_there(self.read_id(id).await?, &op, K::TY, id)
    }

    async fn delete(&self, _ctx: &OpContext, id: &str, _prior: &Attrs) -> Result<(), OpError> {
        let (api, key) = Self::split(id, &format!("Delete {}", K::TY))?;
        let deleted = K::delete(&self.client, &api, &key);
        confirm_deleted(deleted, K::get(&self.client, &api, &key)).await
    }
}

/// A client for request-building unit tests (it never reaches AWS).
#[cfg(test)]
pub fn offline_client() -> Client {
    Aws::for_endpoint("http://127.0.0.1:9", "us-east-1").apigateway()
}

/// A method's key, `RESOURCE-ID/HTTP-METHOD` (the key of `rest-method` and `rest-integration`).
pub(crate) fn method_key<'k>(
    ty: &str,
    key: &'k str,
    op: &str,
) -> Result<(&'k str, &'k str), OpError> {
    key.split_once('/').ok_or_else(|| {
        OpError::invalid(op, format!("{ty}: `{key}` is not RESOURCE-ID/HTTP-METHOD"))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn patches_ids_and_flags() {
        let live = BTreeMap::from([
            ("a".to_string(), "1".to_string()),
            ("b/c".to_string(), "1".to_string()),
        ]);
        let desired = BTreeMap::from([
            ("a".to_string(), "2".to_string()),
            ("d".to_string(), "3".to_string()),
        ]);
        let ops = map_patch("/variables", &live, &desired);
        let paths: Vec<_> = ops
            .iter()
            .map(|o| (o.op().unwrap().as_str(), o.path().unwrap()))
            .collect();
        assert_eq!(
            paths,
            [
                ("replace", "/variables/a"),
                ("replace", "/variables/d"),
                ("remove", "/variables/b~1c")
            ]
        );
        assert_eq!(
            split_method("a/b/GET", "rest-method", "Op").unwrap(),
            ["a", "b", "GET"]
        );
        assert!(split_pair("a", "rest-stage", "Op").is_err());
        let flags = Some(BTreeMap::from([(
            "method.request.header.X".to_string(),
            "true".to_string(),
        )]));
        assert!(
            flags_of(&flags, "request parameter", "rest-method", "Op")
                .unwrap()
                .unwrap()["method.request.header.X"]
        );
        let bad = Some(BTreeMap::from([("x".to_string(), "yes".to_string())]));
        assert!(flags_of(&bad, "request parameter", "rest-method", "Op").is_err());
        assert_eq!(
            lane(&Attrs::from([(
                "rest-api".to_string(),
                Value::String("a".into())
            )])),
            Some("apigateway:a".into())
        );
    }
}
