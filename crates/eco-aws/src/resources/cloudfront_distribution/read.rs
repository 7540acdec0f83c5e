//! What CloudFront reports, as the typed spec: a DistributionConfig -> [`CloudfrontDistribution`]
//! and its attributes.

use std::collections::{BTreeMap, HashMap};

use aws_sdk_cloudfront::types::{
    self as cf, AllowedMethods, DistributionConfig, FunctionAssociations, GeoRestrictionType,
    Method, ViewerProtocolPolicy,
};
use eco_provider::{Attrs, Value};
use eco_schema::{Spec, SpecEnum};

use super::spec::{
    Behavior, CloudfrontDistribution, CustomOrigin, ErrorResponse, EventType, Function, Geo,
    GeoType, HttpVersion, Logging, OrderedBehavior, Origin, OriginProtocol, PriceClass,
    ViewerPolicy,
};

fn names(m: &[Method]) -> Vec<String> {
    m.iter().map(|m| m.as_str().to_string()).collect()
}

fn non_empty(s: Option<&str>) -> Option<String> {
    s.filter(|s| !s.is_empty()).map(str::to_string)
}

/// A cache behavior's shared fields, as the spec holds them.
#[allow(clippy::too_many_arguments)]
fn behavior(
    target: &str,
    viewer: &ViewerProtocolPolicy,
    allowed: Option<&AllowedMethods>,
    compress: Option<bool>,
    cache_policy: Option<&str>,
    origin_request: Option<&str>,
    response_headers: Option<&str>,
    functions: Option<&FunctionAssociations>,
) -> Behavior {
    Behavior {
        target_origin: target.to_string(),
        viewer_protocol_policy: ViewerPolicy::parse(viewer.as_str()),
        allowed_methods: allowed.map(|a| names(a.items())).unwrap_or_default(),
        cached_methods: allowed
            .and_then(|a| a.cached_methods())
            .map(|c| names(c.items()))
            .unwrap_or_default(),
        cache_policy: non_empty(cache_policy),
        origin_request_policy: non_empty(origin_request),
        response_headers_policy: non_empty(response_headers),
        compress,
        function: functions
            .map(|f| f.items())
            .unwrap_or_default()
            .iter()
            .map(|f| Function {
                event_type: EventType::parse(f.event_type().as_str()),
                arn: f.function_arn().to_string(),
            })
            .collect(),
    }
}

/// The shared fields of a DefaultCacheBehavior or a CacheBehavior (two SDK types with the same
/// accessors).
macro_rules! behavior_of {
    ($d:expr) => {{
        let d = $d;
        behavior(
            d.target_origin_id(),
            d.viewer_protocol_policy(),
            d.allowed_methods(),
            d.compress(),
            d.cache_policy_id(),
            d.origin_request_policy_id(),
            d.response_headers_policy_id(),
            d.function_associations(),
        )
    }};
}

/// The origins whose OAC must be looked up by name: only those answered with no origin type at
/// all (moto's answer; AWS always names S3OriginConfig or CustomOriginConfig, and the OAC id).
/// On AWS this is empty, so a read lists no OACs, and an S3 origin answered without an OAC id
/// reads as reached without one: a lost attachment shows as drift.
pub fn origins_to_look_up(c: &DistributionConfig) -> Vec<String> {
    c.origins()
        .map(|o| o.items())
        .unwrap_or_default()
        .iter()
        .filter(|o| {
            o.custom_origin_config().is_none()
                && o.s3_origin_config().is_none()
                && o.origin_access_control_id().is_none_or(str::is_empty)
        })
        .map(|o| o.id().to_string())
        .collect()
}

/// An origin as the spec holds it, and the OAC it is reached through. `oac_by_origin`: eco's
/// OACs of this address, for an answer that names no origin type (see the module docs).
fn origin(o: &cf::Origin, oac_by_origin: &HashMap<String, String>) -> (Origin, Option<String>) {
    let oac = match o.origin_access_control_id().filter(|s| !s.is_empty()) {
        Some(id) => Some(id.to_string()),
        // An answer with no origin type at all (moto drops S3OriginConfig and
        // OriginAccessControlId; AWS always names one): what eco sent, found by name.
        None if o.s3_origin_config().is_none() && o.custom_origin_config().is_none() => {
            oac_by_origin.get(o.id()).cloned()
        }
        None => None,
    };
    let custom = o.custom_origin_config().map(|cc| CustomOrigin {
        http_port: Some(cc.http_port() as i64),
        https_port: Some(cc.https_port() as i64),
        protocol_policy: OriginProtocol::parse(cc.origin_protocol_policy().as_str()),
        ssl_protocols: cc
            .origin_ssl_protocols()
            .map(|p| p.items().iter().map(|x| x.as_str().to_string()).collect())
            .unwrap_or_default(),
        read_timeout: cc.origin_read_timeout().map(i64::from),
    });
    let spec = Origin {
        id: o.id().to_string(),
        domain_name: o.domain_name().to_string(),
        path: non_empty(o.origin_path()),
        origin_access_control: custom.is_none().then_some(oac.is_some()),
        custom_origin: custom,
        custom_headers: o
            .custom_headers()
            .map(|h| h.items())
            .unwrap_or_default()
            .iter()
            .map(|h| (h.header_name().to_string(), h.header_value().to_string()))
            .collect(),
        connection_attempts: o.connection_attempts().map(i64::from),
        connection_timeout: o.connection_timeout().map(i64::from),
    };
    (spec, oac)
}

/// A distribution's configuration as the spec (computed fields and tags left to the caller).
pub fn from_config(
    c: &DistributionConfig,
    oac_by_origin: &HashMap<String, String>,
) -> CloudfrontDistribution {
    let cert = c
        .viewer_certificate()
        .filter(|v| v.acm_certificate_arn().is_some_and(|a| !a.is_empty()));
    let mut oac_ids = BTreeMap::new();
    let mut origins: Vec<Origin> = Vec::new();
    for o in c.origins().map(|o| o.items()).unwrap_or_default() {
        let (spec, oac) = origin(o, oac_by_origin);
        if let Some(id) = oac {
            oac_ids.insert(spec.id.clone(), id);
        }
        origins.push(spec);
    }
    origins.sort_by_cached_key(|o| Value::Map(o.to_attrs()).to_string());
    let default_cache_behavior = c
        .default_cache_behavior()
        .map(|d| behavior_of!(d))
        .unwrap_or_default();
    let cache_behavior = c
        .cache_behaviors()
        .map(|b| b.items())
        .unwrap_or_default()
        .iter()
        .map(|d| OrderedBehavior {
            path_pattern: d.path_pattern().to_string(),
            behavior: behavior_of!(d),
        })
        .collect();
    let custom_error_response = c
        .custom_error_responses()
        .map(|e| e.items())
        .unwrap_or_default()
        .iter()
        .map(|e| ErrorResponse {
            error_code: e.error_code().to_string(),
            response_code: e.response_code().and_then(|c| c.parse().ok()),
            response_page: non_empty(e.response_page_path()),
            cache_ttl: e.error_caching_min_ttl(),
        })
        .collect();
    let geo_restriction = c
        .restrictions()
        .and_then(|r| r.geo_restriction())
        .filter(|g| *g.restriction_type() != GeoRestrictionType::None)
        .and_then(|g| {
            Some(Geo {
                kind: GeoType::parse(g.restriction_type().as_str())?,
                locations: g.items().to_vec(),
            })
        });
    CloudfrontDistribution {
        enabled: Some(c.enabled()),
        comment: Some(c.comment().to_string()),
        aliases: c.aliases().map(|x| x.items().to_vec()).unwrap_or_default(),
        certificate: cert
            .and_then(|v| v.acm_certificate_arn())
            .map(str::to_string),
        minimum_protocol_version: cert
            .and_then(|v| v.minimum_protocol_version())
            .map(|m| m.as_str().to_string()),
        default_root_object: non_empty(c.default_root_object()),
        price_class: c.price_class().and_then(|p| PriceClass::parse(p.as_str())),
        http_version: c
            .http_version()
            .and_then(|h| HttpVersion::parse(h.as_str())),
        ipv6: c.is_ipv6_enabled(),
        web_acl: non_empty(c.web_acl_id()),
        origin: origins,
        default_cache_behavior,
        cache_behavior,
        custom_error_response,
        geo_restriction,
        logging: c.logging().filter(|l| l.enabled()).map(|l| Logging {
            bucket: l.bucket().to_string(),
            prefix: non_empty(Some(l.prefix())),
            include_cookies: Some(l.include_cookies()),
        }),
        origin_access_control_ids: oac_ids,
        ..CloudfrontDistribution::default()
    }
}

/// A distribution's configuration as attributes (`origin-access-control-ids` always present).
pub fn config_attrs(c: &DistributionConfig, oac_by_origin: &HashMap<String, String>) -> Attrs {
    with_oac_ids(from_config(c, oac_by_origin).to_attrs())
}

/// `attrs` with `origin-access-control-ids`, empty when no origin has one.
pub fn with_oac_ids(mut attrs: Attrs) -> Attrs {
    attrs
        .entry("origin-access-control-ids".into())
        .or_insert_with(|| Value::Map(BTreeMap::new()));
    attrs
}
