//! `cloudfront-cache-policy`: a CloudFront cache policy (TTLs, the headers, cookies and query
//! strings in the cache key, compressed encodings), referenced by a distribution's behaviors as
//! `cache-policy "${cloudfront-cache-policy.NAME.id}"`.
//!
//! AWS calls (the shared provider: `crate::cloudfront_policy`):
//! - read: GetCachePolicy (configuration and ETag)
//! - find: ListCachePolicies type=custom (every page), the policy of the configured name
//! - create: CreateCachePolicy (CachePolicyAlreadyExists: the policy of that name is adopted when
//!   its configuration is the one asked for, else a conflict)
//! - update: GetCachePolicy (ETag), UpdateCachePolicy with the whole configuration and If-Match
//! - delete: GetCachePolicy (ETag), DeleteCachePolicy with If-Match (gone: success)
//! - import: by policy id; discover: ListCachePolicies type=custom; lookup (managed policies
//!   such as Managed-CachingOptimized by name): ListCachePolicies type=managed and custom

use aws_sdk_cloudfront::types::{
    CachePolicy, CachePolicyConfig, CachePolicyCookieBehavior, CachePolicyCookiesConfig,
    CachePolicyHeaderBehavior, CachePolicyHeadersConfig, CachePolicyQueryStringBehavior,
    CachePolicyQueryStringsConfig, CachePolicyType, CookieNames, Headers,
    ParametersInCacheKeyAndForwardedToOrigin, QueryStringNames,
};
use eco_provider::OpError;
use eco_schema::{Rule, Schema, Spec, SpecEnum};

use crate::cloudfront_policy::{built, name_list, PolicyProvider};

/// Which headers a cache key holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, SpecEnum)]
pub enum HeaderBehavior {
    #[eco(rename = "none")]
    Nothing,
    #[eco(rename = "whitelist")]
    Whitelist,
}

/// Which cookies or query strings a cache key (or an origin request) holds: none, the ones
/// named (`whitelist`), all but the ones named (`allExcept`), or all.
#[derive(Debug, Clone, Copy, PartialEq, Eq, SpecEnum)]
pub enum ListBehavior {
    #[eco(rename = "none")]
    Nothing,
    #[eco(rename = "whitelist")]
    Whitelist,
    #[eco(rename = "allExcept")]
    AllExcept,
    #[eco(rename = "all")]
    All,
}

/// The headers in the cache key: `headers behavior="whitelist" { names "Authorization"; }`.
#[derive(Debug, Clone, PartialEq, Eq, Spec)]
pub struct KeyHeaders {
    /// none or whitelist
    pub behavior: HeaderBehavior,
    /// header names, with `whitelist`
    #[eco(unordered)]
    pub names: Vec<String>,
}

/// The cookies or query strings in the cache key: `cookies behavior="allExcept" { names "a"; }`.
#[derive(Debug, Clone, PartialEq, Eq, Spec)]
pub struct KeyNames {
    /// none, whitelist, allExcept or all
    pub behavior: ListBehavior,
    /// cookie or query string names, with `whitelist` and `allExcept`
    #[eco(unordered)]
    pub names: Vec<String>,
}

/// A cache policy's attributes, declared once.
#[derive(Debug, Clone, PartialEq, Eq, Default, Spec)]
#[eco(
    resource = "cloudfront-cache-policy",
    doc = "A CloudFront cache policy: TTLs and what the cache key holds",
    import_id = "the cache policy id"
)]
pub struct CloudfrontCachePolicy {
    /// policy name, unique in the account (UpdateCachePolicy)
    #[eco(name_rule = CloudfrontPolicy)]
    pub name: String,
    /// comment (UpdateCachePolicy)
    pub comment: Option<String>,
    /// least seconds objects stay cached, default 0 (UpdateCachePolicy)
    #[eco(min = 0)]
    pub min_ttl: Option<i64>,
    /// seconds objects stay cached when the origin sends no Cache-Control, default 86400
    /// (UpdateCachePolicy)
    #[eco(min = 0)]
    pub default_ttl: Option<i64>,
    /// most seconds objects stay cached, default 31536000 (UpdateCachePolicy)
    #[eco(min = 0)]
    pub max_ttl: Option<i64>,
    /// cache gzip-compressed objects apart (Accept-Encoding gzip in the key), default #false
    /// (UpdateCachePolicy)
    pub gzip: Option<bool>,
    /// cache Brotli-compressed objects apart, default #false (UpdateCachePolicy)
    pub brotli: Option<bool>,
    /// headers in the cache key, default none (UpdateCachePolicy)
    pub headers: Option<KeyHeaders>,
    /// cookies in the cache key, default none (UpdateCachePolicy)
    pub cookies: Option<KeyNames>,
    /// query strings in the cache key, default none (UpdateCachePolicy)
    pub query_strings: Option<KeyNames>,
    /// cache policy id, for a behavior's `cache-policy`
    #[eco(computed)]
    pub id: Option<String>,
    /// ETag when last read (eco reads the current one before each update and delete)
    #[eco(computed)]
    pub etag: Option<String>,
}

pub const TYPE_NAME: &str = CloudfrontCachePolicy::TYPE_NAME;

/// An SDK shape built, or the `Invalid` error naming the type (a required member left out).
fn build<T>(
    shape: Result<T, aws_smithy_types::error::operation::BuildError>,
) -> Result<T, OpError> {
    built(shape, TYPE_NAME, "CreateCachePolicy")
}

pub fn schema() -> Schema {
    CloudfrontCachePolicy::schema().rule(Rule::Ascending(&["min-ttl", "default-ttl", "max-ttl"]))
}

/// The `cloudfront-cache-policy` operations.
pub type Provider = PolicyProvider<Api>;

/// The CachePolicyConfig a configuration asks for (AWS's defaults where it says nothing).
pub fn policy_config(spec: &CloudfrontCachePolicy) -> Result<CachePolicyConfig, OpError> {
    let none = KeyNames {
        behavior: ListBehavior::Nothing,
        names: Vec::new(),
    };
    let headers = spec.headers.clone().unwrap_or(KeyHeaders {
        behavior: HeaderBehavior::Nothing,
        names: Vec::new(),
    });
    let headers = CachePolicyHeadersConfig::builder()
        .header_behavior(CachePolicyHeaderBehavior::from(headers.behavior.as_str()))
        .set_headers(name_list!(Headers, &headers.names, build)?)
        .build();
    let cookies = spec.cookies.as_ref().unwrap_or(&none);
    let cookies = CachePolicyCookiesConfig::builder()
        .cookie_behavior(CachePolicyCookieBehavior::from(cookies.behavior.as_str()))
        .set_cookies(name_list!(CookieNames, &cookies.names, build)?)
        .build();
    let strings = spec.query_strings.as_ref().unwrap_or(&none);
    let strings = CachePolicyQueryStringsConfig::builder()
        .query_string_behavior(CachePolicyQueryStringBehavior::from(
            strings.behavior.as_str(),
        ))
        .set_query_strings(name_list!(QueryStringNames, &strings.names, build)?)
        .build();
    let parameters = ParametersInCacheKeyAndForwardedToOrigin::builder()
        .enable_accept_encoding_gzip(spec.gzip.unwrap_or(false))
        .set_enable_accept_encoding_brotli(spec.brotli)
        .headers_config(build(headers)?)
        .cookies_config(build(cookies)?)
        .query_strings_config(build(strings)?)
        .build();
    build(
        CachePolicyConfig::builder()
            .name(&spec.name)
            .set_comment(spec.comment.clone())
            .min_ttl(spec.min_ttl.unwrap_or(0))
            .set_default_ttl(spec.default_ttl)
            .set_max_ttl(spec.max_ttl)
            .parameters_in_cache_key_and_forwarded_to_origin(build(parameters)?)
            .build(),
    )
}

/// A policy as read: every setting CloudFront reports (an empty comment as none).
pub fn from_sdk(policy: &CachePolicy, etag: Option<&str>) -> CloudfrontCachePolicy {
    let mut spec = CloudfrontCachePolicy {
        id: Some(policy.id().to_string()),
        etag: etag.map(str::to_string),
        ..CloudfrontCachePolicy::default()
    };
    let Some(c) = policy.cache_policy_config() else {
        return spec;
    };
    spec.name = c.name().to_string();
    spec.comment = c.comment().filter(|c| !c.is_empty()).map(str::to_string);
    spec.min_ttl = Some(c.min_ttl());
    spec.default_ttl = c.default_ttl();
    spec.max_ttl = c.max_ttl();
    if let Some(p) = c.parameters_in_cache_key_and_forwarded_to_origin() {
        spec.gzip = Some(p.enable_accept_encoding_gzip());
        spec.brotli = Some(p.enable_accept_encoding_brotli().unwrap_or(false));
        spec.headers = p.headers_config().map(|h| KeyHeaders {
            behavior: HeaderBehavior::parse(h.header_behavior().as_str())
                .unwrap_or(HeaderBehavior::Nothing),
            names: h.headers().map(|n| n.items().to_vec()).unwrap_or_default(),
        });
        spec.cookies = p.cookies_config().map(|k| KeyNames {
            behavior: ListBehavior::parse(k.cookie_behavior().as_str())
                .unwrap_or(ListBehavior::Nothing),
            names: k.cookies().map(|n| n.items().to_vec()).unwrap_or_default(),
        });
        spec.query_strings = p.query_strings_config().map(|q| KeyNames {
            behavior: ListBehavior::parse(q.query_string_behavior().as_str())
                .unwrap_or(ListBehavior::Nothing),
            names: q
                .query_strings()
                .map(|n| n.items().to_vec())
                .unwrap_or_default(),
        });
    }
    spec
}

crate::cloudfront_policy::policy_api! {
    spec: CloudfrontCachePolicy,
    what: "cache policy",
    noun: "CachePolicy",
    plural: "CachePolicies",
    sdk: CachePolicy,
    config: CachePolicyConfig,
    kind: CachePolicyType,
    update_builder: aws_sdk_cloudfront::operation::update_cache_policy::builders::UpdateCachePolicyFluentBuilder,
    calls: (
        get_cache_policy,
        list_cache_policies,
        create_cache_policy,
        update_cache_policy,
        delete_cache_policy
    ),
    answer: (cache_policy, cache_policy_config, cache_policy_list),
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cloudfront_policy::PolicyApi;
    use eco_provider::Value;

    fn api_policy() -> CloudfrontCachePolicy {
        CloudfrontCachePolicy {
            name: "ecogy-dev-api".into(),
            comment: Some("API answers, per user".into()),
            min_ttl: Some(0),
            default_ttl: Some(60),
            max_ttl: Some(300),
            gzip: Some(true),
            brotli: Some(true),
            headers: Some(KeyHeaders {
                behavior: HeaderBehavior::Whitelist,
                names: vec!["Authorization".into(), "Origin".into()],
            }),
            cookies: Some(KeyNames {
                behavior: ListBehavior::Nothing,
                names: Vec::new(),
            }),
            query_strings: Some(KeyNames {
                behavior: ListBehavior::AllExcept,
                names: vec!["utm_source".into()],
            }),
            id: None,
            etag: None,
        }
    }

    #[test]
    fn the_config_holds_every_setting_with_quantities() {
        // moto has no cache policies (docs/testing.md): the request is checked here.
        let c = policy_config(&api_policy()).unwrap();
        assert_eq!(c.name(), "ecogy-dev-api");
        assert_eq!(c.comment(), Some("API answers, per user"));
        assert_eq!(
            (c.min_ttl(), c.default_ttl(), c.max_ttl()),
            (0, Some(60), Some(300))
        );
        let p = c.parameters_in_cache_key_and_forwarded_to_origin().unwrap();
        assert!(p.enable_accept_encoding_gzip());
        assert_eq!(p.enable_accept_encoding_brotli(), Some(true));
        let h = p.headers_config().unwrap();
        assert_eq!(h.header_behavior(), &CachePolicyHeaderBehavior::Whitelist);
        assert_eq!(h.headers().unwrap().quantity(), 2);
        assert_eq!(h.headers().unwrap().items(), ["Authorization", "Origin"]);
        let k = p.cookies_config().unwrap();
        assert_eq!(k.cookie_behavior(), &CachePolicyCookieBehavior::None);
        assert!(k.cookies().is_none(), "no empty list is sent");
        let q = p.query_strings_config().unwrap();
        assert_eq!(
            q.query_string_behavior(),
            &CachePolicyQueryStringBehavior::AllExcept
        );
        assert_eq!(q.query_strings().unwrap().items(), ["utm_source"]);
    }

    #[test]
    fn what_the_configuration_leaves_out_is_sent_as_aws_defaults() {
        let bare = CloudfrontCachePolicy {
            name: "p".into(),
            ..Default::default()
        };
        let c = policy_config(&bare).unwrap();
        assert_eq!((c.min_ttl(), c.default_ttl(), c.max_ttl()), (0, None, None));
        let p = c.parameters_in_cache_key_and_forwarded_to_origin().unwrap();
        assert!(!p.enable_accept_encoding_gzip());
        assert_eq!(
            p.headers_config().unwrap().header_behavior(),
            &CachePolicyHeaderBehavior::None
        );
        assert_eq!(
            p.cookies_config().unwrap().cookie_behavior(),
            &CachePolicyCookieBehavior::None
        );
    }

    #[test]
    fn an_answer_reads_back_as_the_configuration_that_made_it() {
        let want = api_policy();
        let sdk = CachePolicy::builder()
            .id("2e54312d-136d-493c-8eb9-b001f22f67d2")
            .last_modified_time(aws_smithy_types::DateTime::from_secs(0))
            .cache_policy_config(policy_config(&want).unwrap())
            .build()
            .unwrap();
        let read = from_sdk(&sdk, Some("E2QWRUHAPOMQZL"));
        assert_eq!(
            read.id.as_deref(),
            Some("2e54312d-136d-493c-8eb9-b001f22f67d2")
        );
        assert_eq!(read.etag.as_deref(), Some("E2QWRUHAPOMQZL"));
        assert_eq!(Api::settings(&read), want);
        // In attributes too: what the plan compares.
        let attrs = read.to_attrs();
        assert_eq!(attrs["min-ttl"], Value::Int(0));
        assert_eq!(CloudfrontCachePolicy::from_attrs(&attrs).unwrap(), read);
    }

    #[test]
    fn an_update_sends_the_etag_of_the_last_get() {
        let config = policy_config(&api_policy()).unwrap();
        let req = update_request(
            crate::aws::offline().cloudfront().update_cache_policy(),
            "2e54312d",
            "E3UN6WX5RRO2AG",
            config.clone(),
        );
        assert_eq!(req.get_id().as_deref(), Some("2e54312d"));
        assert_eq!(req.get_if_match().as_deref(), Some("E3UN6WX5RRO2AG"));
        assert_eq!(req.get_cache_policy_config().as_ref(), Some(&config));
    }

    #[test]
    fn validate_refuses_ttls_out_of_order_and_names_aws_refuses() {
        let s = schema();
        assert!(s
            .rules
            .contains(&Rule::Ascending(&["min-ttl", "default-ttl", "max-ttl"])));
        let name = s.attribute("name").unwrap().name_rule.unwrap();
        assert!(name.check("ecogy-dev_api").is_ok());
        assert!(name.check("ecogy dev").is_err());
        assert!(name.check(&"x".repeat(129)).is_err());
        assert_eq!(s.attribute("min-ttl").unwrap().range, Some((0, i64::MAX)));
    }
}
