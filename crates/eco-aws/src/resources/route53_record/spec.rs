//! The typed spec of `route53-record`: each attribute's name, shape, update strategy and
//! documentation, written once.

use eco_provider::{Attrs, Value};
use eco_schema::Spec;

/// An alias to an AWS resource (a distribution, a load balancer, another record).
#[derive(Debug, Clone, PartialEq, Eq, Spec)]
pub struct Alias {
    /// DNS name of the target, e.g. a distribution's domain-name
    #[eco(required)]
    pub name: String,
    /// hosted zone id of the target, e.g. a distribution's hosted-zone-id
    #[eco(required)]
    pub zone_id: String,
    /// inherit the target's health (default #false)
    pub evaluate_target_health: Option<bool>,
}

/// A record set's attributes, declared once.
#[derive(Debug, Clone, PartialEq, Eq, Default, Spec)]
#[eco(
    resource = "route53-record",
    doc = "A Route53 record set: values with a TTL, or an alias to an AWS resource",
    import_id = "`ZONE-ID/NAME/TYPE` (with `/SET-IDENTIFIER` for weighted records)"
)]
pub struct Route53Record {
    /// id of the hosted zone
    #[eco(required, replace)]
    pub zone: String,
    /// fully qualified record name (e.g. www.example.com); compared in lower case without the
    /// trailing dot, as Route53 reports it
    #[eco(required, replace)]
    pub name: String,
    /// A, AAAA, CNAME, TXT, MX, NS, CAA, SRV, ... (compared in upper case)
    #[eco(rename = "type", required, replace)]
    pub ty: String,
    /// time to live in seconds, for plain records (default 300) (UPSERT)
    #[eco(min = 0, max = 2147483647)]
    pub ttl: Option<i64>,
    /// record values; TXT values are quoted by eco (UPSERT)
    #[eco(unordered)]
    pub records: Vec<String>,
    /// alias to an AWS resource, instead of ttl and records (UPSERT)
    pub alias: Option<Alias>,
    /// distinguishes records of a routing policy with the same name and type
    #[eco(replace)]
    pub set_identifier: Option<String>,
    /// weight for weighted routing, with set-identifier (UPSERT)
    pub weight: Option<i64>,
    /// id of a Route53 health check the record's answers depend on (UPSERT)
    pub health_check: Option<String>,
    /// take over an existing record on create (UPSERT instead of CREATE); eco-only
    #[eco(local)]
    pub allow_overwrite: Option<bool>,
    /// fully qualified record name
    #[eco(computed)]
    pub fqdn: Option<String>,
}

/// `attrs` with integer record values written as strings (`records 10` is the value "10"), as
/// Route53 takes every value.
pub fn values_as_strings(attrs: &Attrs) -> Attrs {
    let mut attrs = attrs.clone();
    if let Some(Value::List(items)) = attrs.get_mut("records") {
        for v in items.iter_mut() {
            if let Value::Int(i) = v {
                *v = Value::String(i.to_string());
            }
        }
    }
    attrs
}
