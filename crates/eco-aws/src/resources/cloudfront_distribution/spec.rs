//! The typed spec of `cloudfront-distribution`: each attribute's name, shape, update strategy,
//! allowed values and documentation, written once.

use std::collections::BTreeMap;

use eco_schema::{Spec, SpecEnum};

#[derive(Debug, Clone, Copy, PartialEq, Eq, SpecEnum)]
pub enum PriceClass {
    #[eco(rename = "PriceClass_All")]
    All,
    #[eco(rename = "PriceClass_200")]
    Class200,
    #[eco(rename = "PriceClass_100")]
    Class100,
    #[eco(rename = "None")]
    Nothing,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, SpecEnum)]
pub enum HttpVersion {
    #[eco(rename = "http1.1")]
    Http11,
    #[eco(rename = "http2")]
    Http2,
    #[eco(rename = "http2and3")]
    Http2And3,
    #[eco(rename = "http3")]
    Http3,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, SpecEnum)]
pub enum ViewerPolicy {
    #[eco(rename = "allow-all")]
    AllowAll,
    #[eco(rename = "https-only")]
    HttpsOnly,
    #[eco(rename = "redirect-to-https")]
    RedirectToHttps,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, SpecEnum)]
pub enum EventType {
    #[eco(rename = "viewer-request")]
    ViewerRequest,
    #[eco(rename = "viewer-response")]
    ViewerResponse,
    #[eco(rename = "origin-request")]
    OriginRequest,
    #[eco(rename = "origin-response")]
    OriginResponse,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, SpecEnum)]
pub enum OriginProtocol {
    #[eco(rename = "http-only")]
    HttpOnly,
    #[eco(rename = "match-viewer")]
    MatchViewer,
    #[eco(rename = "https-only")]
    HttpsOnly,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, SpecEnum)]
pub enum GeoType {
    #[eco(rename = "none")]
    Nothing,
    #[eco(rename = "whitelist")]
    Whitelist,
    #[eco(rename = "blacklist")]
    Blacklist,
}

/// A CloudFront function association: `function "viewer-request" arn=".."`.
#[derive(Debug, Clone, PartialEq, Eq, Spec)]
#[eco(label = "event-type")]
pub struct Function {
    /// viewer-request or viewer-response
    pub event_type: Option<EventType>,
    /// CloudFront function ARN
    #[eco(required)]
    pub arn: String,
}

/// The fields of a cache behavior, the default one and the ordered ones alike.
#[derive(Debug, Clone, PartialEq, Eq, Default, Spec)]
pub struct Behavior {
    /// id of the origin requests go to
    #[eco(required)]
    pub target_origin: String,
    /// redirect-to-https (default), https-only or allow-all
    pub viewer_protocol_policy: Option<ViewerPolicy>,
    /// methods CloudFront forwards (default GET HEAD)
    #[eco(unordered)]
    pub allowed_methods: Vec<String>,
    /// methods whose responses are cached (default GET HEAD)
    #[eco(unordered)]
    pub cached_methods: Vec<String>,
    /// cache policy id (default: the managed CachingOptimized policy)
    pub cache_policy: Option<String>,
    /// origin request policy id
    pub origin_request_policy: Option<String>,
    /// response headers policy id
    pub response_headers_policy: Option<String>,
    /// compress responses (default #true)
    pub compress: Option<bool>,
    /// a CloudFront function association
    pub function: Vec<Function>,
}

/// An ordered cache behavior: `cache-behavior "/api/*" target-origin="api" ..`.
#[derive(Debug, Clone, PartialEq, Eq, Spec)]
#[eco(label = "path-pattern")]
pub struct OrderedBehavior {
    /// path pattern, e.g. /api/*; earlier blocks take precedence
    pub path_pattern: String,
    #[eco(flatten)]
    pub behavior: Behavior,
}

/// The settings of a non-S3 origin.
#[derive(Debug, Clone, PartialEq, Eq, Default, Spec)]
pub struct CustomOrigin {
    /// HTTP port (default 80)
    pub http_port: Option<i64>,
    /// HTTPS port (default 443)
    pub https_port: Option<i64>,
    /// https-only (default), http-only or match-viewer
    pub protocol_policy: Option<OriginProtocol>,
    /// TLS versions towards the origin (default TLSv1.2)
    pub ssl_protocols: Vec<String>,
    /// seconds to wait for a response (default 30)
    pub read_timeout: Option<i64>,
}

#[derive(Debug, Clone, PartialEq, Eq, Spec)]
#[eco(label = "id")]
pub struct Origin {
    /// origin id, referenced by cache behaviors
    pub id: String,
    /// origin host, e.g. a bucket's regional-domain-name
    #[eco(required)]
    pub domain_name: String,
    /// path prefix added to origin requests
    pub path: Option<String>,
    /// S3 origin reached through an origin access control owned by this distribution
    pub origin_access_control: Option<bool>,
    /// settings of a non-S3 (custom) origin
    pub custom_origin: Option<CustomOrigin>,
    /// headers added to every origin request
    pub custom_headers: BTreeMap<String, String>,
    /// connection attempts, 1 to 3
    #[eco(min = 1, max = 3)]
    pub connection_attempts: Option<i64>,
    /// connection timeout in seconds, 1 to 10
    #[eco(min = 1, max = 10)]
    pub connection_timeout: Option<i64>,
}

impl Origin {
    /// Whether CloudFront reaches this origin as S3 (an OAC origin, or an S3 domain without
    /// custom-origin settings).
    pub fn is_s3(&self) -> bool {
        if self.origin_access_control == Some(true) {
            return true;
        }
        if self.custom_origin.is_some() {
            return false;
        }
        let d = &self.domain_name;
        d.ends_with(".s3.amazonaws.com") || d.contains(".s3.") || d.contains(".s3-")
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Spec)]
#[eco(label = "error-code")]
pub struct ErrorResponse {
    /// HTTP status from the origin, written as the label: custom-error-response "404" ...
    pub error_code: String,
    /// status returned to the viewer instead
    pub response_code: Option<i64>,
    /// path of the page returned instead, e.g. /index.html
    pub response_page: Option<String>,
    /// seconds the error response is cached
    pub cache_ttl: Option<i64>,
}

#[derive(Debug, Clone, PartialEq, Eq, Spec)]
pub struct Geo {
    /// none, whitelist or blacklist
    #[eco(rename = "type")]
    pub kind: GeoType,
    /// ISO 3166-1 alpha-2 country codes
    #[eco(unordered)]
    pub locations: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Spec)]
pub struct Logging {
    /// log bucket domain name, BUCKET.s3.amazonaws.com
    #[eco(required)]
    pub bucket: String,
    /// key prefix of log files
    pub prefix: Option<String>,
    /// log cookies
    pub include_cookies: Option<bool>,
}

/// A distribution's attributes, declared once.
#[derive(Debug, Clone, PartialEq, Eq, Default, Spec)]
#[eco(
    resource = "cloudfront-distribution",
    doc = "A CloudFront distribution with origin access control for S3 origins",
    import_id = "the distribution id (e.g. E2QWRUHAPOMQZL)"
)]
pub struct CloudfrontDistribution {
    /// serve requests (default #true) (UpdateDistribution)
    pub enabled: Option<bool>,
    /// comment (UpdateDistribution)
    pub comment: Option<String>,
    /// alternate domain names (CNAMEs); need a certificate covering them (UpdateDistribution)
    #[eco(unordered)]
    pub aliases: Vec<String>,
    /// ACM certificate ARN in us-east-1 for the aliases (UpdateDistribution)
    pub certificate: Option<String>,
    /// minimum TLS version with a certificate, default TLSv1.2_2021 (UpdateDistribution)
    pub minimum_protocol_version: Option<String>,
    /// object served for /, e.g. index.html (UpdateDistribution)
    pub default_root_object: Option<String>,
    /// PriceClass_All (default), PriceClass_200 or PriceClass_100 (UpdateDistribution)
    pub price_class: Option<PriceClass>,
    /// http2 (default), http2and3, http3 or http1.1 (UpdateDistribution)
    pub http_version: Option<HttpVersion>,
    /// answer on IPv6 (default #true) (UpdateDistribution)
    pub ipv6: Option<bool>,
    /// AWS WAF web ACL ARN (UpdateDistribution)
    pub web_acl: Option<String>,
    /// an origin (UpdateDistribution; OAC origins also CreateOriginAccessControl)
    pub origin: Vec<Origin>,
    /// behavior for requests no cache-behavior matches (UpdateDistribution)
    pub default_cache_behavior: Behavior,
    /// an ordered cache behavior; their order is their precedence, and reordering them is a
    /// change (UpdateDistribution)
    #[eco(ordered)]
    pub cache_behavior: Vec<OrderedBehavior>,
    /// a custom error response, e.g. serving /index.html for 403/404 of a single-page app
    /// (UpdateDistribution)
    pub custom_error_response: Vec<ErrorResponse>,
    /// geographic restriction (UpdateDistribution); `type="none"` without locations is no
    /// restriction, the same as no block
    pub geo_restriction: Option<Geo>,
    /// standard access logging to S3 (UpdateDistribution)
    pub logging: Option<Logging>,
    /// wait until the distribution is Deployed after create and update (default #true); eco-only
    #[eco(local)]
    pub wait_for_deployment: Option<bool>,
    /// distribution id
    #[eco(computed)]
    pub id: Option<String>,
    /// distribution ARN, for bucket policy conditions
    #[eco(computed)]
    pub arn: Option<String>,
    /// dxxxx.cloudfront.net domain, for alias records
    #[eco(computed)]
    pub domain_name: Option<String>,
    /// CloudFront's hosted zone id (Z2FDTNDATAQYW2), for alias records
    #[eco(computed)]
    pub hosted_zone_id: Option<String>,
    /// InProgress or Deployed
    #[eco(computed)]
    pub status: Option<String>,
    /// ETag when last read (eco reads the current one before each update, for If-Match)
    #[eco(computed)]
    pub etag: Option<String>,
    /// origin access control id per origin id
    #[eco(computed)]
    pub origin_access_control_ids: BTreeMap<String, String>,
    #[eco(tags)]
    pub tags: BTreeMap<String, String>,
}
