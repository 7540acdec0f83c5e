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
    #[eco(doc = "viewer-request or viewer-response")]
    pub event_type: Option<EventType>,
    #[eco(required, doc = "CloudFront function ARN")]
    pub arn: String,
}

/// The fields of a cache behavior, the default one and the ordered ones alike.
#[derive(Debug, Clone, PartialEq, Eq, Default, Spec)]
pub struct Behavior {
    #[eco(required, doc = "id of the origin requests go to")]
    pub target_origin: String,
    #[eco(doc = "redirect-to-https (default), https-only or allow-all")]
    pub viewer_protocol_policy: Option<ViewerPolicy>,
    #[eco(unordered, doc = "methods CloudFront forwards (default GET HEAD)")]
    pub allowed_methods: Vec<String>,
    #[eco(
        unordered,
        doc = "methods whose responses are cached (default GET HEAD)"
    )]
    pub cached_methods: Vec<String>,
    #[eco(doc = "cache policy id (default: the managed CachingOptimized policy)")]
    pub cache_policy: Option<String>,
    #[eco(doc = "origin request policy id")]
    pub origin_request_policy: Option<String>,
    #[eco(doc = "response headers policy id")]
    pub response_headers_policy: Option<String>,
    #[eco(doc = "compress responses (default #true)")]
    pub compress: Option<bool>,
    #[eco(doc = "a CloudFront function association")]
    pub function: Vec<Function>,
}

/// An ordered cache behavior: `cache-behavior "/api/*" target-origin="api" ..`.
#[derive(Debug, Clone, PartialEq, Eq, Spec)]
#[eco(label = "path-pattern")]
pub struct OrderedBehavior {
    #[eco(doc = "path pattern, e.g. /api/*; earlier blocks take precedence")]
    pub path_pattern: String,
    #[eco(flatten)]
    pub behavior: Behavior,
}

/// The settings of a non-S3 origin.
#[derive(Debug, Clone, PartialEq, Eq, Default, Spec)]
pub struct CustomOrigin {
    #[eco(doc = "HTTP port (default 80)")]
    pub http_port: Option<i64>,
    #[eco(doc = "HTTPS port (default 443)")]
    pub https_port: Option<i64>,
    #[eco(doc = "https-only (default), http-only or match-viewer")]
    pub protocol_policy: Option<OriginProtocol>,
    #[eco(doc = "TLS versions towards the origin (default TLSv1.2)")]
    pub ssl_protocols: Vec<String>,
    #[eco(doc = "seconds to wait for a response (default 30)")]
    pub read_timeout: Option<i64>,
}

#[derive(Debug, Clone, PartialEq, Eq, Spec)]
#[eco(label = "id")]
pub struct Origin {
    #[eco(doc = "origin id, referenced by cache behaviors")]
    pub id: String,
    #[eco(required, doc = "origin host, e.g. a bucket's regional-domain-name")]
    pub domain_name: String,
    #[eco(doc = "path prefix added to origin requests")]
    pub path: Option<String>,
    #[eco(doc = "S3 origin reached through an origin access control owned by this distribution")]
    pub origin_access_control: Option<bool>,
    #[eco(doc = "settings of a non-S3 (custom) origin")]
    pub custom_origin: Option<CustomOrigin>,
    #[eco(doc = "headers added to every origin request")]
    pub custom_headers: BTreeMap<String, String>,
    #[eco(min = 1, max = 3, doc = "connection attempts, 1 to 3")]
    pub connection_attempts: Option<i64>,
    #[eco(min = 1, max = 10, doc = "connection timeout in seconds, 1 to 10")]
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
    #[eco(
        doc = "HTTP status from the origin, written as the label: custom-error-response \"404\" ..."
    )]
    pub error_code: String,
    #[eco(doc = "status returned to the viewer instead")]
    pub response_code: Option<i64>,
    #[eco(doc = "path of the page returned instead, e.g. /index.html")]
    pub response_page: Option<String>,
    #[eco(doc = "seconds the error response is cached")]
    pub cache_ttl: Option<i64>,
}

#[derive(Debug, Clone, PartialEq, Eq, Spec)]
pub struct Geo {
    #[eco(rename = "type", doc = "none, whitelist or blacklist")]
    pub kind: GeoType,
    #[eco(unordered, doc = "ISO 3166-1 alpha-2 country codes")]
    pub locations: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Spec)]
pub struct Logging {
    #[eco(required, doc = "log bucket domain name, BUCKET.s3.amazonaws.com")]
    pub bucket: String,
    #[eco(doc = "key prefix of log files")]
    pub prefix: Option<String>,
    #[eco(doc = "log cookies")]
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
    #[eco(doc = "serve requests (default #true) (UpdateDistribution)")]
    pub enabled: Option<bool>,
    #[eco(doc = "comment (UpdateDistribution)")]
    pub comment: Option<String>,
    #[eco(
        unordered,
        doc = "alternate domain names (CNAMEs); need a certificate covering them (UpdateDistribution)"
    )]
    pub aliases: Vec<String>,
    #[eco(doc = "ACM certificate ARN in us-east-1 for the aliases (UpdateDistribution)")]
    pub certificate: Option<String>,
    #[eco(
        doc = "minimum TLS version with a certificate, default TLSv1.2_2021 (UpdateDistribution)"
    )]
    pub minimum_protocol_version: Option<String>,
    #[eco(doc = "object served for /, e.g. index.html (UpdateDistribution)")]
    pub default_root_object: Option<String>,
    #[eco(doc = "PriceClass_All (default), PriceClass_200 or PriceClass_100 (UpdateDistribution)")]
    pub price_class: Option<PriceClass>,
    #[eco(doc = "http2 (default), http2and3, http3 or http1.1 (UpdateDistribution)")]
    pub http_version: Option<HttpVersion>,
    #[eco(doc = "answer on IPv6 (default #true) (UpdateDistribution)")]
    pub ipv6: Option<bool>,
    #[eco(doc = "AWS WAF web ACL ARN (UpdateDistribution)")]
    pub web_acl: Option<String>,
    #[eco(doc = "an origin (UpdateDistribution; OAC origins also CreateOriginAccessControl)")]
    pub origin: Vec<Origin>,
    #[eco(doc = "behavior for requests no cache-behavior matches (UpdateDistribution)")]
    pub default_cache_behavior: Behavior,
    #[eco(doc = "an ordered cache behavior (UpdateDistribution)")]
    pub cache_behavior: Vec<OrderedBehavior>,
    #[eco(
        doc = "a custom error response, e.g. serving /index.html for 403/404 of a single-page app (UpdateDistribution)"
    )]
    pub custom_error_response: Vec<ErrorResponse>,
    #[eco(doc = "geographic restriction (UpdateDistribution)")]
    pub geo_restriction: Option<Geo>,
    #[eco(doc = "standard access logging to S3 (UpdateDistribution)")]
    pub logging: Option<Logging>,
    #[eco(
        local,
        doc = "wait until the distribution is Deployed after create and update (default #true); eco-only"
    )]
    pub wait_for_deployment: Option<bool>,
    #[eco(computed, doc = "distribution id")]
    pub id: Option<String>,
    #[eco(computed, doc = "distribution ARN, for bucket policy conditions")]
    pub arn: Option<String>,
    #[eco(computed, doc = "dxxxx.cloudfront.net domain, for alias records")]
    pub domain_name: Option<String>,
    #[eco(
        computed,
        doc = "CloudFront's hosted zone id (Z2FDTNDATAQYW2), for alias records"
    )]
    pub hosted_zone_id: Option<String>,
    #[eco(computed, doc = "InProgress or Deployed")]
    pub status: Option<String>,
    #[eco(
        computed,
        doc = "ETag when last read (eco reads the current one before each update, for If-Match)"
    )]
    pub etag: Option<String>,
    #[eco(computed, doc = "origin access control id per origin id")]
    pub origin_access_control_ids: BTreeMap<String, String>,
    #[eco(tags)]
    pub tags: BTreeMap<String, String>,
}
