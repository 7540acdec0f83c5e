//! One provider for CloudFront's three policy types (`cloudfront-cache-policy`,
//! `cloudfront-origin-request-policy`, `cloudfront-response-headers-policy`), which differ only
//! in their configuration and the names of their calls: each type module implements
//! [`PolicyApi`] (its Get / List / Create / Update / Delete calls on its typed spec) and names
//! [`PolicyProvider`] its `Provider`.
//!
//! CloudFront policies carry no tags: a policy's name (unique per account and kind) is its
//! identity. `find` (adoption after a crash) takes the custom policy of the configured name; a
//! create that CloudFront refuses because the name exists adopts that policy only when its
//! configuration is exactly the one asked for (what a retried create of ours would have made),
//! and is otherwise a conflict naming the `eco import` to run. Every update and delete sends the
//! ETag of a Get made just before (If-Match), as CloudFront requires.

use std::marker::PhantomData;

use async_trait::async_trait;
use aws_sdk_cloudfront::Client;
use eco_provider::{
    Attrs, ErrorKind, Live, OpContext, OpError, OpResult, ResourceProvider, Transient,
};
use eco_schema::{Schema, Spec};

use crate::attrs::spec_of;
use crate::aws::Aws;
use crate::calls::to_update;

/// A policy as CloudFront reports it: its id, the ETag of the answer (a listing has none) and
/// its configuration as the type's spec (with `id` and `etag` filled in).
#[derive(Debug, Clone, PartialEq)]
pub struct Got<S> {
    pub id: String,
    pub etag: Option<String>,
    pub spec: S,
}

/// Whether a listing asks for the policies AWS manages or the account's own.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Managed,
    Custom,
}

/// One kind of CloudFront policy: its spec and its five calls.
#[async_trait]
pub trait PolicyApi: Send + Sync + 'static {
    /// The typed configuration (with computed `id` and `etag`).
    type Spec: Spec + Clone + PartialEq + std::fmt::Debug + Send + Sync + 'static;
    /// The resource type name.
    const TYPE_NAME: &'static str;
    /// What the policy is called in messages, e.g. "cache policy".
    const WHAT: &'static str;
    /// The Create call's name and the code CloudFront answers when the name is taken.
    const CREATE: &'static str;
    const ALREADY_EXISTS: &'static str;
    /// The Get call's name (also the read before an update or a delete).
    const GET: &'static str;
    /// The List call's name.
    const LIST: &'static str;
    /// The type's schema.
    fn schema() -> Schema;
    /// The type's transient rules.
    fn transient() -> &'static [Transient];
    /// The policy name of a configuration.
    fn name(spec: &Self::Spec) -> &str;
    /// The configuration without the computed `id` and `etag`, for comparing two.
    fn settings(spec: &Self::Spec) -> Self::Spec;
    /// The policy `id`, or `None` when CloudFront has none of that id.
    async fn get(cf: &Client, id: &str) -> Result<Option<Got<Self::Spec>>, OpError>;
    /// One page of the listing of `kind` from `marker`, and the next page's marker.
    async fn list_page(
        cf: &Client,
        kind: Kind,
        marker: Option<String>,
    ) -> Result<(Vec<Got<Self::Spec>>, Option<String>), OpError>;
    /// Creates the policy; the error keeps CloudFront's code.
    async fn create(cf: &Client, spec: &Self::Spec) -> Result<Got<Self::Spec>, OpError>;
    /// Replaces the configuration of `id`, whose current ETag is `etag`.
    async fn update(
        cf: &Client,
        id: &str,
        etag: &str,
        spec: &Self::Spec,
    ) -> Result<Got<Self::Spec>, OpError>;
    /// Deletes `id`, whose current ETag is `etag`; a policy already gone is success.
    async fn delete(cf: &Client, id: &str, etag: &str) -> Result<(), OpError>;
}

/// The marker of the next page of a CloudFront listing (`None` after the last).
pub fn next_marker(marker: Option<&str>) -> Option<String> {
    marker.filter(|m| !m.is_empty()).map(str::to_string)
}

/// The items of a CloudFront list (`Headers`, `CookieNames`, ...) as a quantity and items, or
/// `None` for an empty list (CloudFront takes `Quantity 0` without items).
pub fn quantity_and_items(items: &[String]) -> (i32, Option<Vec<String>>) {
    (
        items.len() as i32,
        (!items.is_empty()).then(|| items.to_vec()),
    )
}

/// The CloudFront name list `$shape` (`Headers`, `CookieNames`, `QueryStringNames`: a quantity
/// and the items) of the names `$names`, `None` when there are none; `$build` turns the SDK's
/// build error into the operation's.
macro_rules! name_list {
    ($shape:ident, $names:expr, $build:expr) => {{
        let (quantity, items) = $crate::cloudfront_policy::quantity_and_items($names);
        (quantity > 0)
            .then(|| {
                $build(
                    $shape::builder()
                        .quantity(quantity)
                        .set_items(items)
                        .build(),
                )
            })
            .transpose()
    }};
}
pub(crate) use name_list;

/// A build error of an SDK shape (a required member left out) as the operation's `Invalid`
/// error naming the type.
pub fn built<T>(
    shape: Result<T, aws_smithy_types::error::operation::BuildError>,
    ty: &str,
    op: &str,
) -> Result<T, OpError> {
    shape.map_err(|e| OpError::invalid(op, format!("{ty}: {e}")))
}

/// The operations of a CloudFront policy type `A`.
pub struct PolicyProvider<A: PolicyApi> {
    cf: Client,
    schema: Schema,
    api: PhantomData<A>,
}

fn live<S: Spec>(got: Got<S>) -> Live {
    Live {
        id: got.id,
        attrs: got.spec.to_attrs(),
    }
}

impl<A: PolicyApi> PolicyProvider<A> {
    pub fn new(aws: &Aws) -> Self {
        PolicyProvider {
            cf: aws.cloudfront(),
            schema: A::schema(),
            api: PhantomData,
        }
    }

    /// Every policy of `kind` (every page).
    pub async fn all(&self, kind: Kind) -> Result<Vec<Got<A::Spec>>, OpError> {
        crate::calls::every_page(|marker| A::list_page(&self.cf, kind, marker)).await
    }

    /// The custom policy named `name`, if any.
    async fn named(&self, name: &str) -> Result<Option<Got<A::Spec>>, OpError> {
        let all = self.all(Kind::Custom).await?;
        Ok(all.into_iter().find(|g| A::name(&g.spec) == name))
    }

    /// The policy of `id` with a fresh ETag, which must be there (for an update).
    async fn current(&self, id: &str) -> Result<(Got<A::Spec>, String), OpError> {
        let what = format!("{} {} `{id}`", A::TYPE_NAME, A::WHAT);
        let got = to_update(A::get(&self.cf, id).await?, A::GET, &what)?;
        let etag = got.etag.clone().ok_or_else(|| {
            OpError::new(
                A::GET,
                ErrorKind::Other,
                format!("{what}: {} answered without an ETag", A::GET),
            )
        })?;
        Ok((got, etag))
    }
}

#[async_trait]
impl<A: PolicyApi> ResourceProvider for PolicyProvider<A> {
    fn schema(&self) -> &Schema {
        &self.schema
    }

    /// The Get call: configuration and ETag.
    async fn read(&self, _ctx: &OpContext, id: &str) -> OpResult<Option<Live>> {
        Ok(A::get(&self.cf, id).await?.map(live))
    }

    /// The custom policy of the configured name (policies carry no tags: the name is the
    /// identity, unique per account).
    async fn find(
        &self,
        _ctx: &OpContext,
        desired: &Attrs,
        _token: &str,
    ) -> OpResult<Option<Live>> {
        let spec: A::Spec = spec_of(desired, A::TYPE_NAME, A::LIST)?;
        Ok(self.named(A::name(&spec)).await?.map(live))
    }

    /// The Create call. A name CloudFront already has is adopted when that policy's
    /// configuration is the one asked for (a retried create of ours), else a Conflict.
    async fn create(&self, _ctx: &OpContext, desired: &Attrs, _token: &str) -> OpResult<Live> {
        let spec: A::Spec = spec_of(desired, A::TYPE_NAME, A::CREATE)?;
        match A::create(&self.cf, &spec).await {
            Ok(made) => Ok(live(made)),
            Err(e) if e.code.as_deref() == Some(A::ALREADY_EXISTS) => {
                let name = A::name(&spec);
                match self.named(name).await? {
                    Some(found) if A::settings(&found.spec) == A::settings(&spec) => {
                        Ok(live(found))
                    }
                    Some(found) => Err(OpError::new(
                        A::CREATE,
                        ErrorKind::Conflict,
                        format!(
                            "a CloudFront {} named `{name}` already exists with other settings \
                             (CloudFront policies carry no tags, so eco cannot tell whose it is); \
                             adopt it with `eco import {}.NAME {}`, or choose another name",
                            A::WHAT,
                            A::TYPE_NAME,
                            found.id
                        ),
                    )
                    .with_code(A::ALREADY_EXISTS)),
                    None => Err(e),
                }
            }
            Err(e) => Err(e),
        }
    }

    /// The Get call for the current ETag, then the Update call with the whole configuration
    /// and If-Match.
    async fn update(
        &self,
        _ctx: &OpContext,
        id: &str,
        _prior: &Attrs,
        desired: &Attrs,
        _changed: &[String],
    ) -> OpResult<Live> {
        let spec: A::Spec = spec_of(desired, A::TYPE_NAME, A::GET)?;
        let (_, etag) = self.current(id).await?;
        Ok(live(A::update(&self.cf, id, &etag, &spec).await?))
    }

    /// The Get call for the current ETag, then the Delete call with If-Match; a policy already
    /// gone is success.
    async fn delete(&self, _ctx: &OpContext, id: &str, _prior: &Attrs) -> OpResult<()> {
        let Some(got) = A::get(&self.cf, id).await? else {
            return Ok(());
        };
        let etag = got.etag.unwrap_or_default();
        A::delete(&self.cf, id, &etag).await
    }

    /// The account's own policies (the List call with type custom, every page).
    async fn list(&self, _ctx: &OpContext) -> Option<OpResult<Vec<Live>>> {
        Some(
            self.all(Kind::Custom)
                .await
                .map(|all| all.into_iter().map(live).collect()),
        )
    }

    /// The policies AWS manages (Managed-CachingOptimized, ...) and the account's own: a lookup
    /// by `name` picks one.
    async fn lookup(&self, _ctx: &OpContext, _wanted: &Attrs) -> Option<OpResult<Vec<Live>>> {
        let both = async {
            let mut all = self.all(Kind::Managed).await?;
            all.extend(self.all(Kind::Custom).await?);
            Ok(all.into_iter().map(live).collect())
        };
        Some(both.await)
    }

    fn transient(&self) -> &'static [Transient] {
        A::transient()
    }
}

/// A policy type's calls, written once for the three: the module's `Api` ([`PolicyApi`] over
/// its spec, `schema()`, `TYPE_NAME`, `policy_config` and `from_sdk`), its `TRANSIENT` rules,
/// `got` (an answer's policy, which AWS always returns, as [`Got`]) and `update_request`
/// (Update with the whole configuration, If-Match the ETag). The arguments name the type's
/// SDK shapes and calls, e.g. `CachePolicy`, `get_cache_policy`, `"CachePolicy"`.
macro_rules! policy_api {
    (
        spec: $spec:ty,
        what: $what:literal,
        noun: $noun:literal,
        plural: $plural:literal,
        sdk: $sdk:ty,
        config: $config:ty,
        kind: $kind:ident,
        update_builder: $builder:ty,
        calls: ($get:ident, $list:ident, $create:ident, $update:ident, $delete:ident),
        answer: ($answer:ident, $set_config:ident, $list_answer:ident) $(,)?
    ) => {
        const TRANSIENT: &[eco_provider::Transient] = &[
            eco_provider::Transient {
                operations: &[concat!("Delete", $noun)],
                codes: &[concat!($noun, "InUse")],
                message: None,
                budget: std::time::Duration::from_secs(600),
                why: "a distribution that stopped using the policy is still deploying",
            },
            eco_provider::Transient {
                operations: &[concat!("Update", $noun), concat!("Delete", $noun)],
                codes: &["PreconditionFailed", "InvalidIfMatchVersion"],
                message: None,
                budget: std::time::Duration::from_secs(120),
                why: "the policy changed since its ETag was read (eco reads it again)",
            },
        ];

        fn got(
            policy: Option<&$sdk>,
            etag: Option<&str>,
            op: &str,
        ) -> Result<$crate::cloudfront_policy::Got<$spec>, eco_provider::OpError> {
            let policy = $crate::calls::answered(policy, op, $noun)?;
            Ok($crate::cloudfront_policy::Got {
                id: policy.id().to_string(),
                etag: etag.map(str::to_string),
                spec: from_sdk(policy, etag),
            })
        }

        #[doc = concat!("Update", $noun, " of `id` with the whole configuration, If-Match `etag`.")]
        pub fn update_request(req: $builder, id: &str, etag: &str, config: $config) -> $builder {
            req.id(id).if_match(etag).$set_config(config)
        }

        #[doc = concat!("The ", $what, " calls.")]
        pub struct Api;

        #[async_trait::async_trait]
        impl $crate::cloudfront_policy::PolicyApi for Api {
            type Spec = $spec;
            const TYPE_NAME: &'static str = TYPE_NAME;
            const WHAT: &'static str = $what;
            const CREATE: &'static str = concat!("Create", $noun);
            const ALREADY_EXISTS: &'static str = concat!($noun, "AlreadyExists");
            const GET: &'static str = concat!("Get", $noun);
            const LIST: &'static str = concat!("List", $plural);

            fn schema() -> eco_schema::Schema {
                schema()
            }
            fn transient() -> &'static [eco_provider::Transient] {
                TRANSIENT
            }
            fn name(spec: &Self::Spec) -> &str {
                &spec.name
            }
            fn settings(spec: &Self::Spec) -> Self::Spec {
                let mut s = spec.clone();
                (s.id, s.etag) = (None, None);
                s
            }

            async fn get(
                cf: &aws_sdk_cloudfront::Client,
                id: &str,
            ) -> Result<Option<$crate::cloudfront_policy::Got<Self::Spec>>, eco_provider::OpError>
            {
                let call = cf.$get().id(id).send();
                let gone = |e: &_| $crate::aws::has_code(e, &[concat!("No", $noun)]);
                match $crate::calls::get_optional(Self::GET, gone, call).await? {
                    Some(out) => got(out.$answer(), out.e_tag(), Self::GET).map(Some),
                    None => Ok(None),
                }
            }

            async fn list_page(
                cf: &aws_sdk_cloudfront::Client,
                kind: $crate::cloudfront_policy::Kind,
                marker: Option<String>,
            ) -> Result<
                (
                    Vec<$crate::cloudfront_policy::Got<Self::Spec>>,
                    Option<String>,
                ),
                eco_provider::OpError,
            > {
                let out = cf
                    .$list()
                    .r#type(match kind {
                        $crate::cloudfront_policy::Kind::Managed => $kind::Managed,
                        $crate::cloudfront_policy::Kind::Custom => $kind::Custom,
                    })
                    .set_marker(marker)
                    .send()
                    .await
                    .map_err(|e| $crate::aws::op_error(Self::LIST, e))?;
                let Some(list) = out.$list_answer() else {
                    return Ok((Vec::new(), None));
                };
                let items = list
                    .items()
                    .iter()
                    .filter_map(|s| s.$answer())
                    .map(|p| got(Some(p), None, Self::LIST))
                    .collect::<Result<_, _>>()?;
                Ok((
                    items,
                    $crate::cloudfront_policy::next_marker(list.next_marker()),
                ))
            }

            async fn create(
                cf: &aws_sdk_cloudfront::Client,
                spec: &Self::Spec,
            ) -> Result<$crate::cloudfront_policy::Got<Self::Spec>, eco_provider::OpError> {
                let out = cf
                    .$create()
                    .$set_config(policy_config(spec)?)
                    .send()
                    .await
                    .map_err(|e| $crate::aws::op_error(Self::CREATE, e))?;
                got(out.$answer(), out.e_tag(), Self::CREATE)
            }

            async fn update(
                cf: &aws_sdk_cloudfront::Client,
                id: &str,
                etag: &str,
                spec: &Self::Spec,
            ) -> Result<$crate::cloudfront_policy::Got<Self::Spec>, eco_provider::OpError> {
                let op = concat!("Update", $noun);
                let req = update_request(cf.$update(), id, etag, policy_config(spec)?);
                let out = req.send().await.map_err(|e| $crate::aws::op_error(op, e))?;
                got(out.$answer(), out.e_tag(), op)
            }

            async fn delete(
                cf: &aws_sdk_cloudfront::Client,
                id: &str,
                etag: &str,
            ) -> Result<(), eco_provider::OpError> {
                let call = cf.$delete().id(id).if_match(etag).send();
                let gone = |e: &_| $crate::aws::has_code(e, &[concat!("No", $noun)]);
                $crate::calls::delete_if_present(concat!("Delete", $noun), gone, call).await
            }
        }
    };
}
pub(crate) use policy_api;
