//! eco's AWS resource types.
//!
//! Each module under [`resources`] declares one type's [`Schema`](eco_schema::Schema): its
//! attributes, their shapes, and how a change to each reaches AWS (in place, by replacement, or
//! refused). [`registry`] gathers them for the configuration checker, the planner and the CLI.
//!
//! Types whose operations exist implement [`eco_provider::ResourceProvider`] (read, find, create,
//! update, delete, import) with the official AWS SDK; [`providers`] gathers them for the engine.
//! This crate (with `state-backends/s3`) is the only one that knows the AWS SDK.

pub mod apigw;
pub mod attrs;
pub mod aws;
pub mod calls;
pub mod cloudformation;
pub mod cloudfront_policy;
pub mod docs;
pub mod ids;
pub mod limits;
pub mod ownership;
pub mod resources;
pub mod rest;
pub mod tagging;
pub mod tags;
pub mod wait;

use std::collections::BTreeMap;
use std::sync::Arc;

use eco_provider::ResourceProvider;
use eco_schema::Registry;

pub use aws::Aws;
/// The operations interface, for the CLI's import and discovery.
pub use eco_provider;

/// The operations of every type that has them, by type name, for one stage's AWS clients.
pub fn providers(aws: &Aws) -> BTreeMap<&'static str, Arc<dyn ResourceProvider>> {
    resources::providers(aws).into_iter().collect()
}

/// Every resource type eco manages.
pub fn registry() -> Registry {
    let mut registry = Registry::new();
    for schema in resources::all() {
        registry.register(schema);
    }
    registry
}

#[cfg(test)]
mod behaviour_tests;
#[cfg(test)]
mod tests;
