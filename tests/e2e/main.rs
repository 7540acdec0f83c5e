//! End-to-end tests: the real `eco` binary, run as a user would.
//!
//! Tests that need AWS start moto's server on loopback with `eco_test_support::Moto`.

mod support;

mod apply;
mod architecture;
mod aws_behaviour;
mod bucket_policy;
mod cdn;
mod cli;
mod cloudformation;
mod cognito;
mod cognito_extras;
mod crash;
mod data_at_risk;
mod docs_examples;
mod event_sources;
mod expressions;
mod faults;
mod fidelity;
mod fmt;
mod for_each;
mod fuzz;
mod graph;
mod import;
mod lookups;
mod modules;
mod moved;
mod performance;
mod platform;
mod queues;
mod replace;
mod rest_api;
mod scheduled_jobs;
mod secrets;
mod serverless;
mod service_limits;
mod show_console;
mod site;
mod stages;
mod state;
mod supporting;
mod validate;
