//! eco's AWS resource types.
//!
//! Each module under [`resources`] declares one type's [`Schema`](eco_schema::Schema): its
//! attributes, their shapes, and how a change to each reaches AWS (in place, by replacement, or
//! refused). [`registry`] gathers them for the configuration checker, the planner and the CLI.
//! The operations that call AWS are added per type in later work; this crate does not yet depend
//! on the AWS SDK.

pub mod docs;
pub mod resources;

use eco_schema::Registry;

/// Every resource type eco manages.
pub fn registry() -> Registry {
    let mut registry = Registry::new();
    for schema in resources::all() {
        registry.register(schema);
    }
    registry
}

#[cfg(test)]
mod tests;
