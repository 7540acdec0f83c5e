//! `cloudfront-distribution`: a CloudFront distribution, with origin access control for S3 origins.
//!
//! An origin with `origin-access-control #true` gets an origin access control owned by the
//! distribution (named after the eco address, signing always with SigV4); the bucket's policy
//! grants `cloudfront.amazonaws.com` read access on the condition `AWS:SourceArn` = this
//! distribution's `arn`. Invalidation after a site changes is done by `s3-sync`'s `invalidate`.
//!
//! AWS calls:
//! - read: GetDistribution (config and ETag), ListTagsForResource, GetOriginAccessControl
//! - create: CreateOriginAccessControl per OAC origin, CreateDistributionWithTags (CallerReference
//!   from the eco address, so a retried create finds the first), waiter DistributionDeployed when
//!   `wait-for-deployment`
//! - update: UpdateDistribution with the full config and If-Match, UpdateOriginAccessControl,
//!   TagResource / UntagResource
//! - delete: UpdateDistribution with Enabled=false, waiter DistributionDeployed,
//!   DeleteDistribution with If-Match, then DeleteOriginAccessControl
//! - import: by distribution id (GetDistribution)

use eco_schema::{Attribute, ScalarType, Schema};

pub const TYPE_NAME: &str = "cloudfront-distribution";

/// Fields of a cache behavior; `key` is the path pattern of an ordered behavior.
fn behavior_fields(key: Option<Attribute>) -> Vec<Attribute> {
    let mut fields: Vec<Attribute> = key.into_iter().collect();
    fields.extend([
        Attribute::string("target-origin")
            .required()
            .doc("id of the origin requests go to"),
        Attribute::string("viewer-protocol-policy")
            .doc("redirect-to-https (default), https-only or allow-all"),
        Attribute::list("allowed-methods", ScalarType::String)
            .doc("methods CloudFront forwards (default GET HEAD)"),
        Attribute::list("cached-methods", ScalarType::String)
            .doc("methods whose responses are cached (default GET HEAD)"),
        Attribute::string("cache-policy")
            .doc("cache policy id (default: the managed CachingOptimized policy)"),
        Attribute::string("origin-request-policy").doc("origin request policy id"),
        Attribute::string("response-headers-policy").doc("response headers policy id"),
        Attribute::bool("compress").doc("compress responses (default #true)"),
        Attribute::repeated_block(
            "function",
            "event-type",
            vec![
                Attribute::string("event-type").doc("viewer-request or viewer-response"),
                Attribute::string("arn")
                    .required()
                    .doc("CloudFront function ARN"),
            ],
        )
        .doc("a CloudFront function association"),
    ]);
    fields
}

pub fn schema() -> Schema {
    Schema::new(TYPE_NAME, "A CloudFront distribution with origin access control for S3 origins")
        .attr(Attribute::bool("enabled").doc("serve requests (default #true) (UpdateDistribution)"))
        .attr(Attribute::string("comment").doc("comment (UpdateDistribution)"))
        .attr(
            Attribute::list("aliases", ScalarType::String).unordered()
                .doc("alternate domain names (CNAMEs); need a certificate covering them (UpdateDistribution)"),
        )
        .attr(
            Attribute::string("certificate")
                .doc("ACM certificate ARN in us-east-1 for the aliases (UpdateDistribution)"),
        )
        .attr(
            Attribute::string("minimum-protocol-version")
                .doc("minimum TLS version with a certificate, default TLSv1.2_2021 (UpdateDistribution)"),
        )
        .attr(
            Attribute::string("default-root-object")
                .doc("object served for /, e.g. index.html (UpdateDistribution)"),
        )
        .attr(
            Attribute::string("price-class")
                .doc("PriceClass_All (default), PriceClass_200 or PriceClass_100 (UpdateDistribution)"),
        )
        .attr(
            Attribute::string("http-version")
                .doc("http2 (default), http2and3, http3 or http1.1 (UpdateDistribution)"),
        )
        .attr(Attribute::bool("ipv6").doc("answer on IPv6 (default #true) (UpdateDistribution)"))
        .attr(Attribute::string("web-acl").doc("AWS WAF web ACL ARN (UpdateDistribution)"))
        .attr(
            Attribute::repeated_block(
                "origin",
                "id",
                vec![
                    Attribute::string("id").doc("origin id, referenced by cache behaviors"),
                    Attribute::string("domain-name")
                        .required()
                        .doc("origin host, e.g. a bucket's regional-domain-name"),
                    Attribute::string("path").doc("path prefix added to origin requests"),
                    Attribute::bool("origin-access-control")
                        .doc("S3 origin reached through an origin access control owned by this distribution"),
                    Attribute::block(
                        "custom-origin",
                        vec![
                            Attribute::int("http-port").doc("HTTP port (default 80)"),
                            Attribute::int("https-port").doc("HTTPS port (default 443)"),
                            Attribute::string("protocol-policy")
                                .doc("https-only (default), http-only or match-viewer"),
                            Attribute::list("ssl-protocols", ScalarType::String)
                                .doc("TLS versions towards the origin (default TLSv1.2)"),
                            Attribute::int("read-timeout").doc("seconds to wait for a response (default 30)"),
                        ],
                    )
                    .doc("settings of a non-S3 (custom) origin"),
                    Attribute::map("custom-headers", ScalarType::String)
                        .doc("headers added to every origin request"),
                    Attribute::int("connection-attempts").doc("connection attempts, 1 to 3"),
                    Attribute::int("connection-timeout").doc("connection timeout in seconds, 1 to 10"),
                ],
            )
            .doc("an origin (UpdateDistribution; OAC origins also CreateOriginAccessControl)"),
        )
        .attr(
            Attribute::block(
                "default-cache-behavior",
                behavior_fields(None),
            )
            .required()
            .doc("behavior for requests no cache-behavior matches (UpdateDistribution)"),
        )
        .attr(
            Attribute::repeated_block(
                "cache-behavior",
                "path-pattern",
                behavior_fields(Some(
                    Attribute::string("path-pattern").doc("path pattern, e.g. /api/*; earlier blocks take precedence"),
                )),
            )
            .doc("an ordered cache behavior (UpdateDistribution)"),
        )
        .attr(
            Attribute::repeated_block(
                "custom-error-response",
                "error-code",
                vec![
                    Attribute::string("error-code")
                        .doc("HTTP status from the origin, written as the label: custom-error-response \"404\" ..."),
                    Attribute::int("response-code").doc("status returned to the viewer instead"),
                    Attribute::string("response-page").doc("path of the page returned instead, e.g. /index.html"),
                    Attribute::int("cache-ttl").doc("seconds the error response is cached"),
                ],
            )
            .doc("a custom error response, e.g. serving /index.html for 403/404 of a single-page app (UpdateDistribution)"),
        )
        .attr(
            Attribute::block(
                "geo-restriction",
                vec![
                    Attribute::string("type").required().doc("none, whitelist or blacklist"),
                    Attribute::list("locations", ScalarType::String).doc("ISO 3166-1 alpha-2 country codes"),
                ],
            )
            .doc("geographic restriction (UpdateDistribution)"),
        )
        .attr(
            Attribute::block(
                "logging",
                vec![
                    Attribute::string("bucket").required().doc("log bucket domain name, BUCKET.s3.amazonaws.com"),
                    Attribute::string("prefix").doc("key prefix of log files"),
                    Attribute::bool("include-cookies").doc("log cookies"),
                ],
            )
            .doc("standard access logging to S3 (UpdateDistribution)"),
        )
        .attr(
            Attribute::bool("wait-for-deployment")
                .doc("wait until the distribution is Deployed after create and update (default #true); eco-only"),
        )
        .attr(Attribute::string("id").computed().doc("distribution id"))
        .attr(Attribute::string("arn").computed().doc("distribution ARN, for bucket policy conditions"))
        .attr(
            Attribute::string("domain-name")
                .computed()
                .doc("dxxxx.cloudfront.net domain, for alias records"),
        )
        .attr(
            Attribute::string("hosted-zone-id")
                .computed()
                .doc("CloudFront's hosted zone id (Z2FDTNDATAQYW2), for alias records"),
        )
        .attr(Attribute::string("status").computed().doc("InProgress or Deployed"))
        .attr(Attribute::string("etag").computed().doc("current ETag, sent as If-Match on update"))
        .attr(
            Attribute::map("origin-access-control-ids", ScalarType::String)
                .computed()
                .doc("origin access control id per origin id"),
        )
        .taggable()
}
