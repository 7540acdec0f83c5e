//! `acm-certificate`: a public ACM certificate validated through DNS.
//!
//! When `validation-zone` names a Route53 zone, eco writes the validation records into it and the
//! create finishes only once the certificate is issued; otherwise the records are exposed as
//! computed attributes for `route53-record`s (or another DNS provider) to publish.
//!
//! AWS calls:
//! - read: DescribeCertificate, ListTagsForCertificate
//! - create: RequestCertificate (IdempotencyToken from the eco address), DescribeCertificate until
//!   the validation records appear, ChangeResourceRecordSets UPSERT into `validation-zone`, waiter
//!   CertificateValidated
//! - update: AddTagsToCertificate / RemoveTagsFromCertificate; ChangeResourceRecordSets for a
//!   changed `validation-zone`
//! - delete: DeleteCertificate (refused by ACM while in use; the plan orders users first)
//! - import: by certificate ARN (DescribeCertificate)

use eco_schema::{Attribute, ScalarType, Schema};

pub const TYPE_NAME: &str = "acm-certificate";

pub fn schema() -> Schema {
    Schema::new(TYPE_NAME, "A public ACM certificate with DNS validation")
        .attr(
            Attribute::string("domain-name")
                .required()
                .forces_replacement()
                .doc("primary domain name, e.g. app.example.com or *.example.com"),
        )
        .attr(
            Attribute::list("alternative-names", ScalarType::String).unordered()
                .forces_replacement()
                .doc("further names (subject alternative names); ACM cannot change them"),
        )
        .attr(
            Attribute::string("validation-method")
                .forces_replacement()
                .doc("DNS (default) or EMAIL"),
        )
        .attr(
            Attribute::string("key-algorithm")
                .forces_replacement()
                .doc("RSA_2048 (default), EC_prime256v1 or EC_secp384r1"),
        )
        .attr(
            Attribute::string("region")
                .forces_replacement()
                .doc("region to request the certificate in (default: the stage's; CloudFront needs us-east-1)"),
        )
        .attr(
            Attribute::string("validation-zone")
                .doc("Route53 zone id where eco publishes the validation records and waits for issuance"),
        )
        .attr(Attribute::string("arn").computed().doc("certificate ARN"))
        .attr(
            Attribute::string("status")
                .computed()
                .doc("PENDING_VALIDATION, ISSUED, ..."),
        )
        .attr(
            Attribute::string("validation-record-name")
                .computed()
                .doc("name of the DNS validation record of the primary domain"),
        )
        .attr(
            Attribute::string("validation-record-type")
                .computed()
                .doc("type of that record (CNAME)"),
        )
        .attr(
            Attribute::string("validation-record-value")
                .computed()
                .doc("value of that record"),
        )
        .attr(
            Attribute::repeated_block(
                "validation-records",
                "domain",
                vec![
                    Attribute::string("domain").doc("domain name validated by this record"),
                    Attribute::string("name").doc("record name"),
                    Attribute::string("type").doc("record type (CNAME)"),
                    Attribute::string("value").doc("record value"),
                ],
            )
            .computed()
            .doc("DNS validation records of every name on the certificate"),
        )
        .taggable()
}
