//! The CreateFunction and UpdateFunctionConfiguration requests of a typed function.

use std::collections::BTreeMap;

use aws_sdk_lambda::operation::create_function::builders::CreateFunctionFluentBuilder;
use aws_sdk_lambda::operation::update_function_configuration::builders::UpdateFunctionConfigurationFluentBuilder as UpdateConfig;
use aws_sdk_lambda::types::{
    ApplicationLogLevel, Architecture, DeadLetterConfig, Environment, EphemeralStorage,
    FunctionCode, LogFormat, LoggingConfig, Runtime, SystemLogLevel, TracingConfig, TracingMode,
    VpcConfig,
};
use eco_schema::SpecEnum;

use super::spec::{LambdaFunction, Tracing, Vpc};

type Setter = fn(UpdateConfig, &LambdaFunction, &BTreeMap<String, String>) -> UpdateConfig;

/// The attributes UpdateFunctionConfiguration sets, and how; an attribute removed from the
/// configuration resets to Lambda's default.
const CONFIG: &[(&str, Setter)] = &[
    ("description", |r, f, _| {
        r.description(f.description.clone().unwrap_or_default())
    }),
    ("runtime", |r, f, _| {
        r.set_runtime(f.runtime.as_deref().map(Runtime::from))
    }),
    ("handler", |r, f, _| r.set_handler(f.handler.clone())),
    ("role", |r, f, _| r.set_role(f.role.clone())),
    ("memory", |r, f, _| r.memory_size(f.memory.unwrap_or(128))),
    ("timeout", |r, f, _| r.timeout(f.timeout.unwrap_or(3))),
    ("env", |r, _, vars| r.environment(environment(vars))),
    ("sensitive-env", |r, _, vars| {
        r.environment(environment(vars))
    }),
    ("layers", |r, f, _| {
        r.set_layers(Some(f.layers.clone().unwrap_or_default()))
    }),
    ("ephemeral-storage", |r, f, _| {
        r.ephemeral_storage(ephemeral(f.ephemeral_storage.unwrap_or(512)))
    }),
    ("tracing", |r, f, _| {
        r.tracing_config(tracing(f.tracing.unwrap_or(Tracing::PassThrough)))
    }),
    ("vpc", |r, f, _| {
        r.vpc_config(vpc(&f.vpc.clone().unwrap_or_default()))
    }),
    ("dead-letter", |r, f, _| {
        r.dead_letter_config(dead_letter(f))
    }),
    ("logging", |r, f, _| r.logging_config(logging(f))),
];

/// Whether UpdateFunctionConfiguration sets `attr`.
pub fn is_config(attr: &str) -> bool {
    CONFIG.iter().any(|(a, _)| *a == attr)
}

/// The attributes UpdateFunctionCode sets.
pub const CODE_ATTRS: &[&str] = &["source-hash", "architectures"];

/// The SDK's architectures of `spec`, when it sets them.
pub fn architectures(spec: &LambdaFunction) -> Option<Vec<Architecture>> {
    let archs = spec.architectures.iter().flatten();
    let archs = archs.map(|a| Architecture::from(a.as_str()));
    spec.architectures.is_some().then(|| archs.collect())
}

fn environment(vars: &BTreeMap<String, String>) -> Environment {
    let vars = vars.clone().into_iter().collect();
    Environment::builder().set_variables(Some(vars)).build()
}

fn ephemeral(size: i32) -> EphemeralStorage {
    EphemeralStorage::builder()
        .size(size)
        .build()
        .expect("size set")
}

fn tracing(mode: Tracing) -> TracingConfig {
    let mode = TracingMode::from(mode.as_str());
    TracingConfig::builder().mode(mode).build()
}

/// The function's DeadLetterConfig: its target, or an empty one (which removes it).
fn dead_letter(f: &LambdaFunction) -> DeadLetterConfig {
    let target = f.dead_letter.as_ref().map(|d| d.target_arn.clone());
    DeadLetterConfig::builder()
        .target_arn(target.unwrap_or_default())
        .build()
}

/// The function's LoggingConfig; without a `logging` block, Lambda's defaults (Text logs to
/// /aws/lambda/NAME).
fn logging(f: &LambdaFunction) -> LoggingConfig {
    let l = f.logging.clone().unwrap_or_default();
    LoggingConfig::builder()
        .log_format(LogFormat::from(
            l.format.map_or("Text", |format| format.as_str()),
        ))
        .set_log_group(l.log_group)
        .set_application_log_level(
            l.application_log_level
                .map(|v| ApplicationLogLevel::from(v.as_str())),
        )
        .set_system_log_level(l.system_log_level.map(|v| SystemLogLevel::from(v.as_str())))
        .build()
}

fn vpc(v: &Vpc) -> VpcConfig {
    VpcConfig::builder()
        .set_subnet_ids(Some(v.subnet_ids.clone()))
        .set_security_group_ids(Some(v.security_group_ids.clone()))
        .build()
}

/// CreateFunction with everything `spec` sets (tags and environment already worked out).
pub fn create_request(
    req: CreateFunctionFluentBuilder,
    spec: &LambdaFunction,
    code: FunctionCode,
    vars: &BTreeMap<String, String>,
    tags: BTreeMap<String, String>,
) -> CreateFunctionFluentBuilder {
    let mut req = req
        .function_name(&spec.name)
        .code(code)
        .set_role(spec.role.clone())
        .set_handler(spec.handler.clone())
        .set_runtime(spec.runtime.as_deref().map(Runtime::from))
        .set_description(spec.description.clone())
        .set_memory_size(spec.memory)
        .set_timeout(spec.timeout)
        .set_layers(spec.layers.clone())
        .set_architectures(architectures(spec))
        .set_tags(Some(tags.into_iter().collect()))
        .publish(spec.publish());
    if !vars.is_empty() {
        req = req.environment(environment(vars));
    }
    if let Some(size) = spec.ephemeral_storage {
        req = req.ephemeral_storage(ephemeral(size));
    }
    if let Some(t) = spec.tracing {
        req = req.tracing_config(tracing(t));
    }
    if let Some(v) = &spec.vpc {
        req = req.vpc_config(vpc(v));
    }
    if spec.dead_letter.is_some() {
        req = req.dead_letter_config(dead_letter(spec));
    }
    if spec.logging.is_some() {
        req = req.logging_config(logging(spec));
    }
    req
}

/// UpdateFunctionConfiguration setting the attributes of `changed` that it manages.
pub fn update_config_request(
    mut req: UpdateConfig,
    spec: &LambdaFunction,
    vars: &BTreeMap<String, String>,
    changed: &[String],
) -> UpdateConfig {
    for attr in changed {
        if let Some((_, set)) = CONFIG.iter().find(|(a, _)| a == attr) {
            req = set(req, spec, vars);
        }
    }
    req
}
