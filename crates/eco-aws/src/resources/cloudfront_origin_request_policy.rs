//! `cloudfront-origin-request-policy`: a CloudFront origin request policy (the headers, cookies
//! and query strings CloudFront forwards to the origin beyond the cache key), referenced by a
//! distribution's behaviors as `origin-request-policy "${cloudfront-origin-request-policy.NAME.id}"`.
//!
//! AWS calls (the shared provider: `crate::cloudfront_policy`):
//! - read: GetOriginRequestPolicy (configuration and ETag)
//! - find: ListOriginRequestPolicies type=custom (every page), the policy of the configured name
//! - create: CreateOriginRequestPolicy (OriginRequestPolicyAlreadyExists: adopted when its
//!   configuration is the one asked for, else a conflict)
//! - update: GetOriginRequestPolicy (ETag), UpdateOriginRequestPolicy with If-Match
//! - delete: GetOriginRequestPolicy (ETag), DeleteOriginRequestPolicy with If-Match (gone: success)
//! - import: by policy id; discover: ListOriginRequestPolicies type=custom; lookup (managed
//!   policies such as Managed-CORS-S3Origin by name): type=managed and custom

use aws_sdk_cloudfront::types::{
    CookieNames, Headers, OriginRequestPolicy, OriginRequestPolicyConfig,
    OriginRequestPolicyCookieBehavior, OriginRequestPolicyCookiesConfig,
    OriginRequestPolicyHeaderBehavior, OriginRequestPolicyHeadersConfig,
    OriginRequestPolicyQueryStringBehavior, OriginRequestPolicyQueryStringsConfig,
    OriginRequestPolicyType, QueryStringNames,
};
use eco_provider::OpError;
use eco_schema::{Schema, Spec, SpecEnum};

use crate::cloudfront_policy::{built, name_list, PolicyProvider};
pub use crate::resources::cloudfront_cache_policy::{KeyNames as Names, ListBehavior};

/// Which viewer headers go to the origin.
#[derive(Debug, Clone, Copy, PartialEq, Eq, SpecEnum)]
pub enum HeaderBehavior {
    #[eco(rename = "none")]
    Nothing,
    #[eco(rename = "whitelist")]
    Whitelist,
    #[eco(rename = "allViewer")]
    AllViewer,
    #[eco(rename = "allViewerAndWhitelistCloudFront")]
    AllViewerAndWhitelistCloudFront,
    #[eco(rename = "allExcept")]
    AllExcept,
}

/// The headers forwarded: `headers behavior="allViewerAndWhitelistCloudFront" { names
/// "CloudFront-Viewer-Country"; }`.
#[derive(Debug, Clone, PartialEq, Eq, Spec)]
pub struct ForwardedHeaders {
    /// none, whitelist, allViewer, allViewerAndWhitelistCloudFront or allExcept
    pub behavior: HeaderBehavior,
    /// header names, with whitelist, allViewerAndWhitelistCloudFront (CloudFront-* headers) and
    /// allExcept
    #[eco(unordered)]
    pub names: Vec<String>,
}

/// An origin request policy's attributes, declared once.
#[derive(Debug, Clone, PartialEq, Eq, Default, Spec)]
#[eco(
    resource = "cloudfront-origin-request-policy",
    doc = "A CloudFront origin request policy: what is forwarded to the origin",
    import_id = "the origin request policy id"
)]
pub struct CloudfrontOriginRequestPolicy {
    /// policy name, unique in the account (UpdateOriginRequestPolicy)
    #[eco(name_rule = CloudfrontPolicy)]
    pub name: String,
    /// comment (UpdateOriginRequestPolicy)
    pub comment: Option<String>,
    /// headers forwarded, default none (UpdateOriginRequestPolicy)
    pub headers: Option<ForwardedHeaders>,
    /// cookies forwarded, default none (UpdateOriginRequestPolicy)
    pub cookies: Option<Names>,
    /// query strings forwarded, default none (UpdateOriginRequestPolicy)
    pub query_strings: Option<Names>,
    /// origin request policy id, for a behavior's `origin-request-policy`
    #[eco(computed)]
    pub id: Option<String>,
    /// ETag when last read (eco reads the current one before each update and delete)
    #[eco(computed)]
    pub etag: Option<String>,
}

pub const TYPE_NAME: &str = CloudfrontOriginRequestPolicy::TYPE_NAME;

/// An SDK shape built, or the `Invalid` error naming the type (a required member left out).
fn build<T>(
    shape: Result<T, aws_smithy_types::error::operation::BuildError>,
) -> Result<T, OpError> {
    built(shape, TYPE_NAME, "CreateOriginRequestPolicy")
}

pub fn schema() -> Schema {
    CloudfrontOriginRequestPolicy::schema()
}

/// The `cloudfront-origin-request-policy` operations.
pub type Provider = PolicyProvider<Api>;

/// The OriginRequestPolicyConfig a configuration asks for (none forwarded where it says
/// nothing).
pub fn policy_config(
    spec: &CloudfrontOriginRequestPolicy,
) -> Result<OriginRequestPolicyConfig, OpError> {
    let none = Names {
        behavior: ListBehavior::Nothing,
        names: Vec::new(),
    };
    let headers = spec.headers.clone().unwrap_or(ForwardedHeaders {
        behavior: HeaderBehavior::Nothing,
        names: Vec::new(),
    });
    let headers = OriginRequestPolicyHeadersConfig::builder()
        .header_behavior(OriginRequestPolicyHeaderBehavior::from(
            headers.behavior.as_str(),
        ))
        .set_headers(name_list!(Headers, &headers.names, build)?)
        .build();
    let cookies = spec.cookies.as_ref().unwrap_or(&none);
    let cookies = OriginRequestPolicyCookiesConfig::builder()
        .cookie_behavior(OriginRequestPolicyCookieBehavior::from(
            cookies.behavior.as_str(),
        ))
        .set_cookies(name_list!(CookieNames, &cookies.names, build)?)
        .build();
    let strings = spec.query_strings.as_ref().unwrap_or(&none);
    let strings = OriginRequestPolicyQueryStringsConfig::builder()
        .query_string_behavior(OriginRequestPolicyQueryStringBehavior::from(
            strings.behavior.as_str(),
        ))
        .set_query_strings(name_list!(QueryStringNames, &strings.names, build)?)
        .build();
    build(
        OriginRequestPolicyConfig::builder()
            .name(&spec.name)
            .set_comment(spec.comment.clone())
            .headers_config(build(headers)?)
            .cookies_config(build(cookies)?)
            .query_strings_config(build(strings)?)
            .build(),
    )
}

/// A policy as read: every setting CloudFront reports (an empty comment as none).
pub fn from_sdk(policy: &OriginRequestPolicy, etag: Option<&str>) -> CloudfrontOriginRequestPolicy {
    let mut spec = CloudfrontOriginRequestPolicy {
        id: Some(policy.id().to_string()),
        etag: etag.map(str::to_string),
        ..Default::default()
    };
    let Some(c) = policy.origin_request_policy_config() else {
        return spec;
    };
    spec.name = c.name().to_string();
    spec.comment = c.comment().filter(|c| !c.is_empty()).map(str::to_string);
    spec.headers = c.headers_config().map(|h| ForwardedHeaders {
        behavior: HeaderBehavior::parse(h.header_behavior().as_str())
            .unwrap_or(HeaderBehavior::Nothing),
        names: h.headers().map(|n| n.items().to_vec()).unwrap_or_default(),
    });
    spec.cookies = c.cookies_config().map(|k| Names {
        behavior: ListBehavior::parse(k.cookie_behavior().as_str())
            .unwrap_or(ListBehavior::Nothing),
        names: k.cookies().map(|n| n.items().to_vec()).unwrap_or_default(),
    });
    spec.query_strings = c.query_strings_config().map(|q| Names {
        behavior: ListBehavior::parse(q.query_string_behavior().as_str())
            .unwrap_or(ListBehavior::Nothing),
        names: q
            .query_strings()
            .map(|n| n.items().to_vec())
            .unwrap_or_default(),
    });
    spec
}

crate::cloudfront_policy::policy_api! {
    spec: CloudfrontOriginRequestPolicy,
    what: "origin request policy",
    noun: "OriginRequestPolicy",
    plural: "OriginRequestPolicies",
    sdk: OriginRequestPolicy,
    config: OriginRequestPolicyConfig,
    kind: OriginRequestPolicyType,
    update_builder: aws_sdk_cloudfront::operation::update_origin_request_policy::builders::UpdateOriginRequestPolicyFluentBuilder,
    calls: (
        get_origin_request_policy,
        list_origin_request_policies,
        create_origin_request_policy,
        update_origin_request_policy,
        delete_origin_request_policy
    ),
    answer: (origin_request_policy, origin_request_policy_config, origin_request_policy_list),
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cloudfront_policy::PolicyApi;

    fn api_policy() -> CloudfrontOriginRequestPolicy {
        CloudfrontOriginRequestPolicy {
            name: "ecogy-dev-api-origin".into(),
            comment: Some("country and the user's cookies to the API".into()),
            headers: Some(ForwardedHeaders {
                behavior: HeaderBehavior::AllViewerAndWhitelistCloudFront,
                names: vec!["CloudFront-Viewer-Country".into()],
            }),
            cookies: Some(Names {
                behavior: ListBehavior::Whitelist,
                names: vec!["session".into()],
            }),
            query_strings: Some(Names {
                behavior: ListBehavior::All,
                names: Vec::new(),
            }),
            id: None,
            etag: None,
        }
    }

    #[test]
    fn the_config_holds_every_setting_and_reads_back_the_same() {
        // moto has no origin request policies (docs/testing.md): the request is checked here.
        let want = api_policy();
        let c = policy_config(&want).unwrap();
        assert_eq!(c.name(), "ecogy-dev-api-origin");
        let h = c.headers_config().unwrap();
        assert_eq!(
            h.header_behavior(),
            &OriginRequestPolicyHeaderBehavior::AllViewerAndWhitelistCloudFront
        );
        assert_eq!(h.headers().unwrap().items(), ["CloudFront-Viewer-Country"]);
        assert_eq!(c.cookies_config().unwrap().cookies().unwrap().quantity(), 1);
        let q = c.query_strings_config().unwrap();
        assert_eq!(
            q.query_string_behavior(),
            &OriginRequestPolicyQueryStringBehavior::All
        );
        assert!(q.query_strings().is_none());

        let sdk = OriginRequestPolicy::builder()
            .id("b689b0a8")
            .last_modified_time(aws_smithy_types::DateTime::from_secs(0))
            .origin_request_policy_config(c)
            .build()
            .unwrap();
        let read = from_sdk(&sdk, Some("E1"));
        assert_eq!(Api::settings(&read), want);
        assert_eq!(
            (read.id.as_deref(), read.etag.as_deref()),
            (Some("b689b0a8"), Some("E1"))
        );
        assert_eq!(
            CloudfrontOriginRequestPolicy::from_attrs(&read.to_attrs()).unwrap(),
            read
        );
    }

    #[test]
    fn an_update_sends_the_etag_of_the_last_get_and_defaults_forward_nothing() {
        let bare = CloudfrontOriginRequestPolicy {
            name: "p".into(),
            ..Default::default()
        };
        let config = policy_config(&bare).unwrap();
        assert_eq!(
            config.headers_config().unwrap().header_behavior(),
            &OriginRequestPolicyHeaderBehavior::None
        );
        let req = update_request(
            crate::aws::offline()
                .cloudfront()
                .update_origin_request_policy(),
            "b689b0a8",
            "E2",
            config.clone(),
        );
        assert_eq!(req.get_if_match().as_deref(), Some("E2"));
        assert_eq!(req.get_id().as_deref(), Some("b689b0a8"));
        assert_eq!(
            req.get_origin_request_policy_config().as_ref(),
            Some(&config)
        );
    }
}
