//! eco's planning core, with no I/O: what the configuration asks for ([`desired`]), how it
//! compares with what AWS has ([`diff`]), what apply will therefore do to each resource
//! ([`planner`]), and how a plan is shown ([`render`]) and saved ([`SavedPlan`]).
//!
//! Given the same configuration, stage and refreshed state, planning gives the same plan; its
//! unit tests never need AWS.

// Diagnostics are the cold error path; keeping them unboxed keeps their construction simple.
#![allow(clippy::result_large_err)]

pub mod desired;
pub mod diff;
mod model;
pub mod moves;
pub mod planner;
pub mod redeploy;
pub mod render;
mod render_structured;
pub mod sensitive;

pub use desired::{
    attrs_from_json, attrs_to_json, desired_attrs, ownership_tags, EvalContext, Expander, Known,
};
pub use model::*;
pub use planner::{plan, PlanRequest};

#[cfg(test)]
mod tests;
