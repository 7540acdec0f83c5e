//! The typed spec as CloudFront request values: the DistributionConfig a create or an update
//! sends (with eco's defaults), and the full builder of a live configuration.

use std::collections::HashMap;

use aws_sdk_cloudfront::types::builders::DistributionConfigBuilder;
use aws_sdk_cloudfront::types::{
    self as cf, Aliases, AllowedMethods, CacheBehavior, CacheBehaviors, CachedMethods,
    CustomErrorResponse, CustomErrorResponses, CustomHeaders, CustomOriginConfig,
    DefaultCacheBehavior, DistributionConfig, FunctionAssociation, FunctionAssociations,
    GeoRestriction, GeoRestrictionType, LoggingConfig, Method, MinimumProtocolVersion,
    OriginCustomHeader, OriginProtocolPolicy, OriginSslProtocols, Origins, Restrictions,
    S3OriginConfig, SslProtocol, SslSupportMethod, ViewerCertificate, ViewerProtocolPolicy,
};
use eco_provider::{Attrs, ErrorKind, OpError};
use eco_schema::{Spec, SpecEnum};

use super::spec::{Behavior, CloudfrontDistribution, EventType, Origin, ViewerPolicy};
use super::CACHING_OPTIMIZED;

const OP: &str = "CreateDistribution";

/// An SDK builder's error as an invalid configuration of `op`.
pub(super) fn bad(
    op: &str,
) -> impl Fn(aws_smithy_types::error::operation::BuildError) -> OpError + '_ {
    move |e| OpError::invalid(op, e.to_string())
}

fn methods(items: &[String], op: &str) -> Result<Vec<Method>, OpError> {
    let get_head = ["GET".to_string(), "HEAD".to_string()];
    let items = if items.is_empty() {
        &get_head[..]
    } else {
        items
    };
    items
        .iter()
        .map(|m| {
            let upper = m.to_ascii_uppercase();
            if Method::values().contains(&upper.as_str()) {
                Ok(Method::from(upper.as_str()))
            } else {
                Err(OpError::invalid(op, format!("`{m}` is not an HTTP method")))
            }
        })
        .collect()
}

/// The parts of a cache behavior both kinds share, with eco's defaults.
struct BehaviorParts {
    target: String,
    viewer: ViewerProtocolPolicy,
    allowed: AllowedMethods,
    compress: bool,
    cache_policy: String,
    origin_request: Option<String>,
    response_headers: Option<String>,
    functions: FunctionAssociations,
}

/// A DefaultCacheBehavior or CacheBehavior built from `builder` with the parts both share.
macro_rules! with_parts {
    ($builder:expr, $parts:expr) => {{
        let p: BehaviorParts = $parts;
        $builder
            .target_origin_id(p.target)
            .viewer_protocol_policy(p.viewer)
            .allowed_methods(p.allowed)
            .compress(p.compress)
            .cache_policy_id(p.cache_policy)
            .set_origin_request_policy_id(p.origin_request)
            .set_response_headers_policy_id(p.response_headers)
            .function_associations(p.functions)
            .build()
            .map_err(bad(OP))?
    }};
}

fn behavior_parts(b: &Behavior, origin_ids: &[String]) -> Result<BehaviorParts, OpError> {
    let t = &b.target_origin;
    if !origin_ids.contains(t) {
        return Err(OpError::invalid(
            OP,
            format!(
                "target-origin `{t}` names no origin (origins: {})",
                origin_ids.join(", ")
            ),
        ));
    }
    let viewer = b
        .viewer_protocol_policy
        .unwrap_or(ViewerPolicy::RedirectToHttps);
    let allowed_m = methods(&b.allowed_methods, OP)?;
    let cached_m = methods(&b.cached_methods, OP)?;
    let allowed = AllowedMethods::builder()
        .quantity(allowed_m.len() as i32)
        .set_items(Some(allowed_m))
        .cached_methods(
            CachedMethods::builder()
                .quantity(cached_m.len() as i32)
                .set_items(Some(cached_m))
                .build()
                .map_err(bad(OP))?,
        )
        .build()
        .map_err(bad(OP))?;
    let fns: Vec<FunctionAssociation> = b
        .function
        .iter()
        .map(|f| {
            let event = f.event_type.unwrap_or(EventType::ViewerRequest);
            FunctionAssociation::builder()
                .function_arn(&f.arn)
                .event_type(event.as_str().into())
                .build()
                .map_err(bad(OP))
        })
        .collect::<Result<_, _>>()?;
    Ok(BehaviorParts {
        target: t.clone(),
        viewer: ViewerProtocolPolicy::from(viewer.as_str()),
        allowed,
        compress: b.compress.unwrap_or(true),
        cache_policy: b
            .cache_policy
            .clone()
            .unwrap_or_else(|| CACHING_OPTIMIZED.to_string()),
        origin_request: b.origin_request_policy.clone(),
        response_headers: b.response_headers_policy.clone(),
        functions: FunctionAssociations::builder()
            .quantity(fns.len() as i32)
            .set_items((!fns.is_empty()).then_some(fns))
            .build()
            .map_err(bad(OP))?,
    })
}

/// An SDK origin: S3 (through eco's OAC, whose id `oacs` holds per origin id) or custom.
fn origin(o: &Origin, oacs: &HashMap<String, String>) -> Result<cf::Origin, OpError> {
    let id = &o.id;
    let mut b = cf::Origin::builder()
        .id(id)
        .domain_name(&o.domain_name)
        .origin_path(o.path.as_deref().unwrap_or(""))
        .set_connection_attempts(o.connection_attempts.map(|n| n as i32))
        .set_connection_timeout(o.connection_timeout.map(|n| n as i32));
    let headers: Vec<OriginCustomHeader> = o
        .custom_headers
        .iter()
        .map(|(k, v)| {
            OriginCustomHeader::builder()
                .header_name(k)
                .header_value(v)
                .build()
                .map_err(bad(OP))
        })
        .collect::<Result<_, _>>()?;
    b = b.custom_headers(
        CustomHeaders::builder()
            .quantity(headers.len() as i32)
            .set_items((!headers.is_empty()).then_some(headers))
            .build()
            .map_err(bad(OP))?,
    );
    if o.is_s3() {
        b = b.s3_origin_config(S3OriginConfig::builder().origin_access_identity("").build());
        if o.origin_access_control == Some(true) {
            let oac = oacs.get(id).ok_or_else(|| {
                OpError::new(
                    OP,
                    ErrorKind::Other,
                    format!("no origin access control for origin `{id}`"),
                )
            })?;
            b = b.origin_access_control_id(oac);
        } else {
            b = b.origin_access_control_id("");
        }
    } else {
        let c = o.custom_origin.clone().unwrap_or_default();
        let protocols: Vec<SslProtocol> = if c.ssl_protocols.is_empty() {
            vec![SslProtocol::from("TLSv1.2")]
        } else {
            c.ssl_protocols
                .iter()
                .map(|p| SslProtocol::from(p.as_str()))
                .collect()
        };
        let policy = c.protocol_policy.map_or("https-only", |p| p.as_str());
        b = b.custom_origin_config(
            CustomOriginConfig::builder()
                .http_port(c.http_port.unwrap_or(80) as i32)
                .https_port(c.https_port.unwrap_or(443) as i32)
                .origin_protocol_policy(OriginProtocolPolicy::from(policy))
                .origin_ssl_protocols(
                    OriginSslProtocols::builder()
                        .quantity(protocols.len() as i32)
                        .set_items(Some(protocols))
                        .build()
                        .map_err(bad(OP))?,
                )
                .origin_read_timeout(c.read_timeout.unwrap_or(30) as i32)
                .build()
                .map_err(bad(OP))?,
        );
    }
    b.build().map_err(bad(OP))
}

fn error_response(e: &super::spec::ErrorResponse) -> Result<CustomErrorResponse, OpError> {
    let code: i32 = e.error_code.parse().map_err(|_| {
        OpError::invalid(
            OP,
            "custom-error-response needs an HTTP status code as its label, e.g. \"404\"",
        )
    })?;
    CustomErrorResponse::builder()
        .error_code(code)
        .set_response_page_path(e.response_page.clone())
        .set_response_code(e.response_code.map(|c| c.to_string()))
        .set_error_caching_min_ttl(e.cache_ttl)
        .build()
        .map_err(bad(OP))
}

/// The viewer certificate: the ACM certificate for the aliases, or CloudFront's own.
fn certificate(d: &CloudfrontDistribution) -> Result<ViewerCertificate, OpError> {
    Ok(match &d.certificate {
        Some(arn) => ViewerCertificate::builder()
            .acm_certificate_arn(arn)
            .ssl_support_method(SslSupportMethod::SniOnly)
            .minimum_protocol_version(MinimumProtocolVersion::from(
                d.minimum_protocol_version
                    .as_deref()
                    .unwrap_or("TLSv1.2_2021"),
            ))
            .cloud_front_default_certificate(false)
            .build(),
        None if !d.aliases.is_empty() => {
            return Err(OpError::invalid(
                OP,
                "`aliases` need a `certificate` (an ACM certificate in us-east-1 covering them)",
            ));
        }
        None => ViewerCertificate::builder()
            .cloud_front_default_certificate(true)
            .build(),
    })
}

fn restrictions(d: &CloudfrontDistribution) -> Result<Restrictions, OpError> {
    let (kind, locs) = match &d.geo_restriction {
        Some(g) => (
            GeoRestrictionType::from(g.kind.as_str()),
            g.locations.clone(),
        ),
        None => (GeoRestrictionType::None, Vec::new()),
    };
    let geo = GeoRestriction::builder()
        .restriction_type(kind)
        .quantity(locs.len() as i32)
        .set_items((!locs.is_empty()).then_some(locs))
        .build()
        .map_err(bad(OP))?;
    Ok(Restrictions::builder().geo_restriction(geo).build())
}

fn logging(d: &CloudfrontDistribution) -> LoggingConfig {
    let l = d.logging.as_ref();
    LoggingConfig::builder()
        .enabled(l.is_some())
        .bucket(l.map_or("", |l| l.bucket.as_str()))
        .prefix(l.and_then(|l| l.prefix.as_deref()).unwrap_or(""))
        .include_cookies(l.and_then(|l| l.include_cookies).unwrap_or(false))
        .build()
}

/// The DistributionConfig desired attributes describe. `oacs`: OAC id per origin id;
/// `caller_reference`: the create's token (or the live config's, on update); `base`: the live
/// config on update, whose fields eco does not manage are kept.
pub fn distribution_config(
    desired: &Attrs,
    oacs: &HashMap<String, String>,
    caller_reference: &str,
    base: Option<&DistributionConfig>,
) -> Result<DistributionConfig, OpError> {
    let d = CloudfrontDistribution::from_attrs(desired)
        .map_err(|e| OpError::invalid(OP, format!("{}: {e}", super::TYPE_NAME)))?;
    let origins: Vec<cf::Origin> = d
        .origin
        .iter()
        .map(|o| origin(o, oacs))
        .collect::<Result<_, _>>()?;
    if origins.is_empty() {
        return Err(OpError::invalid(
            OP,
            "a distribution needs at least one `origin`",
        ));
    }
    let origin_ids: Vec<String> = origins.iter().map(|o| o.id().to_string()).collect();
    let p = behavior_parts(&d.default_cache_behavior, &origin_ids)?;
    let default_behavior = with_parts!(DefaultCacheBehavior::builder(), p);
    let mut behaviors = Vec::new();
    for b in &d.cache_behavior {
        let p = behavior_parts(&b.behavior, &origin_ids)?;
        behaviors.push(with_parts!(
            CacheBehavior::builder().path_pattern(&b.path_pattern),
            p
        ));
    }
    let errors: Vec<CustomErrorResponse> = d
        .custom_error_response
        .iter()
        .map(error_response)
        .collect::<Result<_, _>>()?;
    let cert = certificate(&d)?;
    let aliases = d.aliases.clone();
    let b = match base {
        Some(live) => rebuild(live),
        None => DistributionConfig::builder(),
    };
    b.caller_reference(caller_reference)
        .comment(d.comment.as_deref().unwrap_or(""))
        .enabled(d.enabled.unwrap_or(true))
        .aliases(
            Aliases::builder()
                .quantity(aliases.len() as i32)
                .set_items((!aliases.is_empty()).then_some(aliases))
                .build()
                .map_err(bad(OP))?,
        )
        .default_root_object(d.default_root_object.as_deref().unwrap_or(""))
        .origins(
            Origins::builder()
                .quantity(origins.len() as i32)
                .set_items(Some(origins))
                .build()
                .map_err(bad(OP))?,
        )
        .default_cache_behavior(default_behavior)
        .cache_behaviors(
            CacheBehaviors::builder()
                .quantity(behaviors.len() as i32)
                .set_items((!behaviors.is_empty()).then_some(behaviors))
                .build()
                .map_err(bad(OP))?,
        )
        .custom_error_responses(
            CustomErrorResponses::builder()
                .quantity(errors.len() as i32)
                .set_items((!errors.is_empty()).then_some(errors))
                .build()
                .map_err(bad(OP))?,
        )
        .price_class(cf::PriceClass::from(
            d.price_class.map_or("PriceClass_All", |p| p.as_str()),
        ))
        .http_version(cf::HttpVersion::from(
            d.http_version.map_or("http2", |h| h.as_str()),
        ))
        .is_ipv6_enabled(d.ipv6.unwrap_or(true))
        .web_acl_id(d.web_acl.as_deref().unwrap_or(""))
        .viewer_certificate(cert)
        .restrictions(restrictions(&d)?)
        .logging(logging(&d))
        .build()
        .map_err(bad(OP))
}

/// A builder holding every field of `c` (the SDK has no `to_builder`), for an UpdateDistribution
/// that must send the whole configuration.
pub fn rebuild(c: &DistributionConfig) -> DistributionConfigBuilder {
    DistributionConfig::builder()
        .caller_reference(c.caller_reference())
        .set_aliases(c.aliases().cloned())
        .set_default_root_object(c.default_root_object().map(str::to_string))
        .set_origins(c.origins().cloned())
        .set_origin_groups(c.origin_groups().cloned())
        .set_default_cache_behavior(c.default_cache_behavior().cloned())
        .set_cache_behaviors(c.cache_behaviors().cloned())
        .set_custom_error_responses(c.custom_error_responses().cloned())
        .comment(c.comment())
        .set_logging(c.logging().cloned())
        .set_price_class(c.price_class().cloned())
        .enabled(c.enabled())
        .set_viewer_certificate(c.viewer_certificate().cloned())
        .set_restrictions(c.restrictions().cloned())
        .set_web_acl_id(c.web_acl_id().map(str::to_string))
        .set_http_version(c.http_version().cloned())
        .set_is_ipv6_enabled(c.is_ipv6_enabled())
        .set_continuous_deployment_policy_id(
            c.continuous_deployment_policy_id().map(str::to_string),
        )
        .set_staging(c.staging())
        .set_anycast_ip_list_id(c.anycast_ip_list_id().map(str::to_string))
        .set_tenant_config(c.tenant_config().cloned())
        .set_connection_mode(c.connection_mode().cloned())
        .set_viewer_mtls_config(c.viewer_mtls_config().cloned())
        .set_connection_function_association(c.connection_function_association().cloned())
        .set_cache_tag_config(c.cache_tag_config().cloned())
}
