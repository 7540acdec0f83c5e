//! `cloudfront-response-headers-policy`: a CloudFront response headers policy (CORS, security
//! headers, custom headers added and headers removed), referenced by a distribution's behaviors
//! as `response-headers-policy "${cloudfront-response-headers-policy.NAME.id}"`.
//!
//! AWS calls (the shared provider: `crate::cloudfront_policy`):
//! - read: GetResponseHeadersPolicy (configuration and ETag)
//! - find: ListResponseHeadersPolicies type=custom (every page), the policy of the configured name
//! - create: CreateResponseHeadersPolicy (ResponseHeadersPolicyAlreadyExists: adopted when its
//!   configuration is the one asked for, else a conflict)
//! - update: GetResponseHeadersPolicy (ETag), UpdateResponseHeadersPolicy with If-Match
//! - delete: GetResponseHeadersPolicy (ETag), DeleteResponseHeadersPolicy with If-Match
//! - import: by policy id; discover: type=custom; lookup (managed policies such as
//!   Managed-SecurityHeadersPolicy by name): type=managed and custom

use aws_sdk_cloudfront::types::{
    FrameOptionsList, ReferrerPolicyList, ResponseHeadersPolicy,
    ResponseHeadersPolicyAccessControlAllowHeaders, ResponseHeadersPolicyAccessControlAllowMethods,
    ResponseHeadersPolicyAccessControlAllowMethodsValues as SdkMethod,
    ResponseHeadersPolicyAccessControlAllowOrigins,
    ResponseHeadersPolicyAccessControlExposeHeaders, ResponseHeadersPolicyConfig,
    ResponseHeadersPolicyContentSecurityPolicy, ResponseHeadersPolicyContentTypeOptions,
    ResponseHeadersPolicyCorsConfig, ResponseHeadersPolicyCustomHeader,
    ResponseHeadersPolicyCustomHeadersConfig, ResponseHeadersPolicyFrameOptions,
    ResponseHeadersPolicyReferrerPolicy, ResponseHeadersPolicyRemoveHeader,
    ResponseHeadersPolicyRemoveHeadersConfig, ResponseHeadersPolicySecurityHeadersConfig,
    ResponseHeadersPolicyStrictTransportSecurity, ResponseHeadersPolicyType,
    ResponseHeadersPolicyXssProtection,
};
use eco_provider::OpError;
use eco_schema::{Schema, Spec, SpecEnum};

use crate::cloudfront_policy::{built, PolicyProvider};

/// An HTTP method CORS allows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, SpecEnum)]
pub enum CorsMethod {
    #[eco(rename = "GET")]
    Get,
    #[eco(rename = "POST")]
    Post,
    #[eco(rename = "OPTIONS")]
    Options,
    #[eco(rename = "PUT")]
    Put,
    #[eco(rename = "DELETE")]
    Delete,
    #[eco(rename = "PATCH")]
    Patch,
    #[eco(rename = "HEAD")]
    Head,
    #[eco(rename = "ALL")]
    All,
}

/// X-Frame-Options.
#[derive(Debug, Clone, Copy, PartialEq, Eq, SpecEnum)]
pub enum FrameOption {
    #[eco(rename = "DENY")]
    Deny,
    #[eco(rename = "SAMEORIGIN")]
    SameOrigin,
}

/// Referrer-Policy.
#[derive(Debug, Clone, Copy, PartialEq, Eq, SpecEnum)]
pub enum Referrer {
    #[eco(rename = "no-referrer")]
    NoReferrer,
    #[eco(rename = "no-referrer-when-downgrade")]
    NoReferrerWhenDowngrade,
    #[eco(rename = "origin")]
    Origin,
    #[eco(rename = "origin-when-cross-origin")]
    OriginWhenCrossOrigin,
    #[eco(rename = "same-origin")]
    SameOrigin,
    #[eco(rename = "strict-origin")]
    StrictOrigin,
    #[eco(rename = "strict-origin-when-cross-origin")]
    StrictOriginWhenCrossOrigin,
    #[eco(rename = "unsafe-url")]
    UnsafeUrl,
}

/// CORS headers CloudFront adds to responses.
#[derive(Debug, Clone, PartialEq, Eq, Default, Spec)]
pub struct Cors {
    /// Access-Control-Allow-Origin values, e.g. https://app.ecogy.io, or *
    #[eco(unordered)]
    pub allow_origins: Vec<String>,
    /// Access-Control-Allow-Headers values, or *
    #[eco(unordered)]
    pub allow_headers: Vec<String>,
    /// Access-Control-Allow-Methods: GET, POST, OPTIONS, PUT, DELETE, PATCH, HEAD or ALL
    #[eco(unordered)]
    pub allow_methods: Vec<CorsMethod>,
    /// Access-Control-Allow-Credentials, default #false
    pub allow_credentials: Option<bool>,
    /// Access-Control-Expose-Headers values
    #[eco(unordered)]
    pub expose_headers: Vec<String>,
    /// Access-Control-Max-Age in seconds
    #[eco(min = 0, max = 2147483647)]
    pub max_age: Option<i64>,
    /// replace the origin's CORS headers, default #false
    pub origin_override: Option<bool>,
}

/// Strict-Transport-Security.
#[derive(Debug, Clone, PartialEq, Eq, Default, Spec)]
pub struct Hsts {
    /// max-age in seconds
    #[eco(min = 0, max = 2147483647)]
    pub max_age: i64,
    /// includeSubDomains
    pub include_subdomains: Option<bool>,
    /// preload
    pub preload: Option<bool>,
    /// replace the origin's header, default #false
    #[eco(rename = "override")]
    pub override_origin: Option<bool>,
}

/// A header with one value: `frame-options value="DENY" override=#true`.
#[derive(Debug, Clone, PartialEq, Eq, Spec)]
pub struct FrameOptions {
    /// DENY or SAMEORIGIN
    pub value: FrameOption,
    /// replace the origin's header, default #false
    #[eco(rename = "override")]
    pub override_origin: Option<bool>,
}

/// Referrer-Policy: `referrer-policy value="strict-origin-when-cross-origin"`.
#[derive(Debug, Clone, PartialEq, Eq, Spec)]
pub struct ReferrerPolicy {
    /// the policy, e.g. strict-origin-when-cross-origin
    pub value: Referrer,
    /// replace the origin's header, default #false
    #[eco(rename = "override")]
    pub override_origin: Option<bool>,
}

/// Content-Security-Policy: `content-security-policy value="default-src 'self'"`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Spec)]
pub struct Csp {
    /// the policy's directives
    pub value: String,
    /// replace the origin's header, default #false
    #[eco(rename = "override")]
    pub override_origin: Option<bool>,
}

/// X-Content-Type-Options: nosniff.
#[derive(Debug, Clone, PartialEq, Eq, Default, Spec)]
pub struct ContentTypeOptions {
    /// replace the origin's header, default #false
    #[eco(rename = "override")]
    pub override_origin: Option<bool>,
}

/// X-XSS-Protection.
#[derive(Debug, Clone, PartialEq, Eq, Default, Spec)]
pub struct Xss {
    /// 1 (#true) or 0
    pub protection: bool,
    /// mode=block
    pub mode_block: Option<bool>,
    /// report=URI
    pub report_uri: Option<String>,
    /// replace the origin's header, default #false
    #[eco(rename = "override")]
    pub override_origin: Option<bool>,
}

/// The security headers CloudFront adds.
#[derive(Debug, Clone, PartialEq, Eq, Default, Spec)]
pub struct SecurityHeaders {
    /// Strict-Transport-Security
    pub strict_transport_security: Option<Hsts>,
    /// X-Content-Type-Options: nosniff
    pub content_type_options: Option<ContentTypeOptions>,
    /// X-Frame-Options
    pub frame_options: Option<FrameOptions>,
    /// Referrer-Policy
    pub referrer_policy: Option<ReferrerPolicy>,
    /// X-XSS-Protection
    pub xss_protection: Option<Xss>,
    /// Content-Security-Policy
    pub content_security_policy: Option<Csp>,
}

/// A header CloudFront adds: `custom-header "X-Stage" value="dev" override=#true`.
#[derive(Debug, Clone, PartialEq, Eq, Spec)]
#[eco(label = "header")]
pub struct CustomHeader {
    /// header name
    pub header: String,
    /// header value
    #[eco(required)]
    pub value: String,
    /// replace the origin's header, default #false
    #[eco(rename = "override")]
    pub override_origin: Option<bool>,
}

/// A response headers policy's attributes, declared once.
#[derive(Debug, Clone, PartialEq, Eq, Default, Spec)]
#[eco(
    resource = "cloudfront-response-headers-policy",
    doc = "A CloudFront response headers policy: CORS, security headers, headers added and removed",
    import_id = "the response headers policy id"
)]
pub struct CloudfrontResponseHeadersPolicy {
    /// policy name, unique in the account (UpdateResponseHeadersPolicy)
    #[eco(name_rule = CloudfrontPolicy)]
    pub name: String,
    /// comment (UpdateResponseHeadersPolicy)
    pub comment: Option<String>,
    /// CORS headers (UpdateResponseHeadersPolicy)
    pub cors: Option<Cors>,
    /// security headers (UpdateResponseHeadersPolicy)
    pub security_headers: Option<SecurityHeaders>,
    /// a header added to responses (UpdateResponseHeadersPolicy)
    pub custom_header: Vec<CustomHeader>,
    /// headers removed from the origin's responses (UpdateResponseHeadersPolicy)
    #[eco(unordered)]
    pub remove_headers: Vec<String>,
    /// response headers policy id, for a behavior's `response-headers-policy`
    #[eco(computed)]
    pub id: Option<String>,
    /// ETag when last read (eco reads the current one before each update and delete)
    #[eco(computed)]
    pub etag: Option<String>,
}

pub const TYPE_NAME: &str = CloudfrontResponseHeadersPolicy::TYPE_NAME;

/// An SDK shape built, or the `Invalid` error naming the type (a required member left out).
fn build<T>(
    shape: Result<T, aws_smithy_types::error::operation::BuildError>,
) -> Result<T, OpError> {
    built(shape, TYPE_NAME, "CreateResponseHeadersPolicy")
}

pub fn schema() -> Schema {
    CloudfrontResponseHeadersPolicy::schema()
}

/// The `cloudfront-response-headers-policy` operations.
pub type Provider = PolicyProvider<Api>;

fn cors_config(c: &Cors) -> Result<ResponseHeadersPolicyCorsConfig, OpError> {
    let len = |v: usize| v as i32;
    let origins = ResponseHeadersPolicyAccessControlAllowOrigins::builder()
        .quantity(len(c.allow_origins.len()))
        .set_items(Some(c.allow_origins.clone()))
        .build();
    let headers = ResponseHeadersPolicyAccessControlAllowHeaders::builder()
        .quantity(len(c.allow_headers.len()))
        .set_items(Some(c.allow_headers.clone()))
        .build();
    let methods = ResponseHeadersPolicyAccessControlAllowMethods::builder()
        .quantity(len(c.allow_methods.len()))
        .set_items(Some(
            c.allow_methods
                .iter()
                .map(|m| SdkMethod::from(m.as_str()))
                .collect(),
        ))
        .build();
    let expose = (!c.expose_headers.is_empty())
        .then(|| {
            build(
                ResponseHeadersPolicyAccessControlExposeHeaders::builder()
                    .quantity(len(c.expose_headers.len()))
                    .set_items(Some(c.expose_headers.clone()))
                    .build(),
            )
        })
        .transpose()?;
    build(
        ResponseHeadersPolicyCorsConfig::builder()
            .access_control_allow_origins(build(origins)?)
            .access_control_allow_headers(build(headers)?)
            .access_control_allow_methods(build(methods)?)
            .access_control_allow_credentials(c.allow_credentials.unwrap_or(false))
            .set_access_control_expose_headers(expose)
            .set_access_control_max_age_sec(c.max_age.map(|s| s as i32))
            .origin_override(c.origin_override.unwrap_or(false))
            .build(),
    )
}

fn security_config(
    s: &SecurityHeaders,
) -> Result<ResponseHeadersPolicySecurityHeadersConfig, OpError> {
    let over = |o: Option<bool>| o.unwrap_or(false);
    let hsts = s
        .strict_transport_security
        .as_ref()
        .map(|h| {
            build(
                ResponseHeadersPolicyStrictTransportSecurity::builder()
                    .access_control_max_age_sec(h.max_age as i32)
                    .set_include_subdomains(h.include_subdomains)
                    .set_preload(h.preload)
                    .r#override(over(h.override_origin))
                    .build(),
            )
        })
        .transpose()?;
    let nosniff = s
        .content_type_options
        .as_ref()
        .map(|o| {
            build(
                ResponseHeadersPolicyContentTypeOptions::builder()
                    .r#override(over(o.override_origin))
                    .build(),
            )
        })
        .transpose()?;
    let frame = s
        .frame_options
        .as_ref()
        .map(|f| {
            build(
                ResponseHeadersPolicyFrameOptions::builder()
                    .frame_option(FrameOptionsList::from(f.value.as_str()))
                    .r#override(over(f.override_origin))
                    .build(),
            )
        })
        .transpose()?;
    let referrer = s
        .referrer_policy
        .as_ref()
        .map(|r| {
            build(
                ResponseHeadersPolicyReferrerPolicy::builder()
                    .referrer_policy(ReferrerPolicyList::from(r.value.as_str()))
                    .r#override(over(r.override_origin))
                    .build(),
            )
        })
        .transpose()?;
    let xss = s
        .xss_protection
        .as_ref()
        .map(|x| {
            build(
                ResponseHeadersPolicyXssProtection::builder()
                    .protection(x.protection)
                    .set_mode_block(x.mode_block)
                    .set_report_uri(x.report_uri.clone())
                    .r#override(over(x.override_origin))
                    .build(),
            )
        })
        .transpose()?;
    let csp = s
        .content_security_policy
        .as_ref()
        .map(|c| {
            build(
                ResponseHeadersPolicyContentSecurityPolicy::builder()
                    .content_security_policy(&c.value)
                    .r#override(over(c.override_origin))
                    .build(),
            )
        })
        .transpose()?;
    Ok(ResponseHeadersPolicySecurityHeadersConfig::builder()
        .set_strict_transport_security(hsts)
        .set_content_type_options(nosniff)
        .set_frame_options(frame)
        .set_referrer_policy(referrer)
        .set_xss_protection(xss)
        .set_content_security_policy(csp)
        .build())
}

/// The ResponseHeadersPolicyConfig a configuration asks for.
pub fn policy_config(
    spec: &CloudfrontResponseHeadersPolicy,
) -> Result<ResponseHeadersPolicyConfig, OpError> {
    let cors = spec.cors.as_ref().map(cors_config).transpose()?;
    let security = spec
        .security_headers
        .as_ref()
        .map(security_config)
        .transpose()?;
    let custom = (!spec.custom_header.is_empty())
        .then(|| {
            let items = spec
                .custom_header
                .iter()
                .map(|h| {
                    build(
                        ResponseHeadersPolicyCustomHeader::builder()
                            .header(&h.header)
                            .value(&h.value)
                            .r#override(h.override_origin.unwrap_or(false))
                            .build(),
                    )
                })
                .collect::<Result<Vec<_>, _>>()?;
            build(
                ResponseHeadersPolicyCustomHeadersConfig::builder()
                    .quantity(items.len() as i32)
                    .set_items(Some(items))
                    .build(),
            )
        })
        .transpose()?;
    let remove = (!spec.remove_headers.is_empty())
        .then(|| {
            let items = spec
                .remove_headers
                .iter()
                .map(|h| {
                    build(
                        ResponseHeadersPolicyRemoveHeader::builder()
                            .header(h)
                            .build(),
                    )
                })
                .collect::<Result<Vec<_>, _>>()?;
            build(
                ResponseHeadersPolicyRemoveHeadersConfig::builder()
                    .quantity(items.len() as i32)
                    .set_items(Some(items))
                    .build(),
            )
        })
        .transpose()?;
    build(
        ResponseHeadersPolicyConfig::builder()
            .name(&spec.name)
            .set_comment(spec.comment.clone())
            .set_cors_config(cors)
            .set_security_headers_config(security)
            .set_custom_headers_config(custom)
            .set_remove_headers_config(remove)
            .build(),
    )
}

fn read_cors(c: &ResponseHeadersPolicyCorsConfig) -> Cors {
    let items = |v: Option<&[String]>| v.map(<[String]>::to_vec).unwrap_or_default();
    Cors {
        allow_origins: items(c.access_control_allow_origins().map(|o| o.items())),
        allow_headers: items(c.access_control_allow_headers().map(|o| o.items())),
        allow_methods: c
            .access_control_allow_methods()
            .map(|m| {
                m.items()
                    .iter()
                    .filter_map(|v| CorsMethod::parse(v.as_str()))
                    .collect()
            })
            .unwrap_or_default(),
        allow_credentials: Some(c.access_control_allow_credentials()),
        expose_headers: items(c.access_control_expose_headers().map(|o| o.items())),
        max_age: c.access_control_max_age_sec().map(i64::from),
        origin_override: Some(c.origin_override()),
    }
}

fn read_security(s: &ResponseHeadersPolicySecurityHeadersConfig) -> SecurityHeaders {
    SecurityHeaders {
        strict_transport_security: s.strict_transport_security().map(|h| Hsts {
            max_age: i64::from(h.access_control_max_age_sec()),
            include_subdomains: h.include_subdomains(),
            preload: h.preload(),
            override_origin: Some(h.r#override()),
        }),
        content_type_options: s.content_type_options().map(|o| ContentTypeOptions {
            override_origin: Some(o.r#override()),
        }),
        frame_options: s.frame_options().and_then(|f| {
            Some(FrameOptions {
                value: FrameOption::parse(f.frame_option().as_str())?,
                override_origin: Some(f.r#override()),
            })
        }),
        referrer_policy: s.referrer_policy().and_then(|r| {
            Some(ReferrerPolicy {
                value: Referrer::parse(r.referrer_policy().as_str())?,
                override_origin: Some(r.r#override()),
            })
        }),
        xss_protection: s.xss_protection().map(|x| Xss {
            protection: x.protection(),
            mode_block: x.mode_block(),
            report_uri: x.report_uri().map(str::to_string),
            override_origin: Some(x.r#override()),
        }),
        content_security_policy: s.content_security_policy().map(|c| Csp {
            value: c.content_security_policy().to_string(),
            override_origin: Some(c.r#override()),
        }),
    }
}

/// A policy as read: every setting CloudFront reports (an empty comment as none).
pub fn from_sdk(
    policy: &ResponseHeadersPolicy,
    etag: Option<&str>,
) -> CloudfrontResponseHeadersPolicy {
    let mut spec = CloudfrontResponseHeadersPolicy {
        id: Some(policy.id().to_string()),
        etag: etag.map(str::to_string),
        ..Default::default()
    };
    let Some(c) = policy.response_headers_policy_config() else {
        return spec;
    };
    spec.name = c.name().to_string();
    spec.comment = c.comment().filter(|c| !c.is_empty()).map(str::to_string);
    spec.cors = c.cors_config().map(read_cors);
    spec.security_headers = c.security_headers_config().map(read_security);
    spec.custom_header = c
        .custom_headers_config()
        .map(|h| {
            h.items()
                .iter()
                .map(|h| CustomHeader {
                    header: h.header().to_string(),
                    value: h.value().to_string(),
                    override_origin: Some(h.r#override()),
                })
                .collect()
        })
        .unwrap_or_default();
    spec.remove_headers = c
        .remove_headers_config()
        .map(|r| r.items().iter().map(|h| h.header().to_string()).collect())
        .unwrap_or_default();
    spec
}

crate::cloudfront_policy::policy_api! {
    spec: CloudfrontResponseHeadersPolicy,
    what: "response headers policy",
    noun: "ResponseHeadersPolicy",
    plural: "ResponseHeadersPolicies",
    sdk: ResponseHeadersPolicy,
    config: ResponseHeadersPolicyConfig,
    kind: ResponseHeadersPolicyType,
    update_builder: aws_sdk_cloudfront::operation::update_response_headers_policy::builders::UpdateResponseHeadersPolicyFluentBuilder,
    calls: (
        get_response_headers_policy,
        list_response_headers_policies,
        create_response_headers_policy,
        update_response_headers_policy,
        delete_response_headers_policy
    ),
    answer: (response_headers_policy, response_headers_policy_config, response_headers_policy_list),
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cloudfront_policy::PolicyApi;

    fn site_policy() -> CloudfrontResponseHeadersPolicy {
        CloudfrontResponseHeadersPolicy {
            name: "ecogy-dev-site-headers".into(),
            comment: Some("security headers and CORS for the app".into()),
            cors: Some(Cors {
                allow_origins: vec!["https://app.ecogy.io".into()],
                allow_headers: vec!["Authorization".into(), "Content-Type".into()],
                allow_methods: vec![CorsMethod::Get, CorsMethod::Options],
                allow_credentials: Some(true),
                expose_headers: vec!["X-Request-Id".into()],
                max_age: Some(600),
                origin_override: Some(true),
            }),
            security_headers: Some(SecurityHeaders {
                strict_transport_security: Some(Hsts {
                    max_age: 63072000,
                    include_subdomains: Some(true),
                    preload: Some(true),
                    override_origin: Some(true),
                }),
                content_type_options: Some(ContentTypeOptions {
                    override_origin: Some(true),
                }),
                frame_options: Some(FrameOptions {
                    value: FrameOption::Deny,
                    override_origin: Some(true),
                }),
                referrer_policy: Some(ReferrerPolicy {
                    value: Referrer::StrictOriginWhenCrossOrigin,
                    override_origin: Some(false),
                }),
                xss_protection: Some(Xss {
                    protection: true,
                    mode_block: Some(true),
                    report_uri: None,
                    override_origin: Some(true),
                }),
                content_security_policy: Some(Csp {
                    value: "default-src 'self'".into(),
                    override_origin: Some(true),
                }),
            }),
            custom_header: vec![CustomHeader {
                header: "X-Stage".into(),
                value: "dev".into(),
                override_origin: Some(false),
            }],
            remove_headers: vec!["Server".into(), "X-Powered-By".into()],
            id: None,
            etag: None,
        }
    }

    #[test]
    fn the_config_holds_cors_security_custom_and_removed_headers() {
        // moto has no response headers policies (docs/testing.md): the request is checked here.
        let c = policy_config(&site_policy()).unwrap();
        let cors = c.cors_config().unwrap();
        assert_eq!(
            cors.access_control_allow_origins().unwrap().items(),
            ["https://app.ecogy.io"]
        );
        assert_eq!(cors.access_control_allow_methods().unwrap().quantity(), 2);
        assert_eq!(
            cors.access_control_allow_methods().unwrap().items(),
            [SdkMethod::Get, SdkMethod::Options]
        );
        assert!(cors.access_control_allow_credentials() && cors.origin_override());
        assert_eq!(cors.access_control_max_age_sec(), Some(600));
        let sec = c.security_headers_config().unwrap();
        let hsts = sec.strict_transport_security().unwrap();
        assert_eq!(hsts.access_control_max_age_sec(), 63072000);
        assert_eq!(
            sec.frame_options().unwrap().frame_option(),
            &FrameOptionsList::Deny
        );
        assert_eq!(
            sec.referrer_policy().unwrap().referrer_policy(),
            &ReferrerPolicyList::StrictOriginWhenCrossOrigin
        );
        assert_eq!(
            sec.content_security_policy()
                .unwrap()
                .content_security_policy(),
            "default-src 'self'"
        );
        let custom = c.custom_headers_config().unwrap();
        assert_eq!(
            (custom.quantity(), custom.items()[0].header()),
            (1, "X-Stage")
        );
        let removed = c.remove_headers_config().unwrap();
        assert_eq!(removed.quantity(), 2);
    }

    #[test]
    fn an_answer_reads_back_as_the_configuration_that_made_it() {
        let want = site_policy();
        let sdk = ResponseHeadersPolicy::builder()
            .id("67f7725c")
            .last_modified_time(aws_smithy_types::DateTime::from_secs(0))
            .response_headers_policy_config(policy_config(&want).unwrap())
            .build()
            .unwrap();
        let read = from_sdk(&sdk, Some("E3"));
        assert_eq!(Api::settings(&read), want);
        assert_eq!(
            CloudfrontResponseHeadersPolicy::from_attrs(&read.to_attrs()).unwrap(),
            read
        );
        // A policy with only a name sends no optional part.
        let bare = CloudfrontResponseHeadersPolicy {
            name: "p".into(),
            ..Default::default()
        };
        let c = policy_config(&bare).unwrap();
        assert!(c.cors_config().is_none() && c.custom_headers_config().is_none());
    }

    #[test]
    fn an_update_sends_the_etag_of_the_last_get() {
        let config = policy_config(&site_policy()).unwrap();
        let req = update_request(
            crate::aws::offline()
                .cloudfront()
                .update_response_headers_policy(),
            "67f7725c",
            "E4",
            config.clone(),
        );
        assert_eq!(req.get_if_match().as_deref(), Some("E4"));
        assert_eq!(
            req.get_response_headers_policy_config().as_ref(),
            Some(&config)
        );
    }
}
