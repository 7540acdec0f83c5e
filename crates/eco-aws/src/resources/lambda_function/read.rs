//! What a read reports: the typed function from GetFunction and the alias and versions.

use std::collections::BTreeMap;

use aws_sdk_lambda::operation::get_function::GetFunctionOutput;
use eco_provider::Attrs;
use eco_schema::{Spec, SpecEnum};

use super::spec::{
    ApplicationLogLevel, Architecture, DeadLetter, LambdaFunction, LogFormat, Logging,
    SystemLogLevel, Tracing, Vpc,
};
use super::SENSITIVE_ENV_TAG;
use crate::tags::tags_value;

/// What `read` learns besides GetFunction.
#[derive(Debug, Clone, Default)]
pub struct Extra {
    /// The eco alias: name, arn, version it points at.
    pub alias: Option<(String, String, String)>,
    /// Latest published version number.
    pub latest_version: Option<String>,
}

/// The live tags of a read (the sensitive marker included), from GetFunction.
pub fn live_tags(out: &GetFunctionOutput) -> BTreeMap<String, String> {
    out.tags()
        .map(|t| t.iter().map(|(k, v)| (k.clone(), v.clone())).collect())
        .unwrap_or_default()
}

fn some_map(m: BTreeMap<String, String>) -> Option<BTreeMap<String, String>> {
    (!m.is_empty()).then_some(m)
}

/// The function GetFunction reports (`None` without a configuration).
pub fn from_output(out: &GetFunctionOutput, extra: &Extra) -> Option<LambdaFunction> {
    let c = out.configuration()?;
    let mut tags = live_tags(out);
    let sensitive: Vec<String> = tags
        .remove(SENSITIVE_ENV_TAG)
        .map(|v| v.split_whitespace().map(str::to_string).collect())
        .unwrap_or_default();
    let vars: BTreeMap<String, String> = c
        .environment()
        .and_then(|e| e.variables())
        .map(|v| v.iter().map(|(k, v)| (k.clone(), v.clone())).collect())
        .unwrap_or_default();
    let (secret, plain): (BTreeMap<_, _>, BTreeMap<_, _>) =
        vars.into_iter().partition(|(k, _)| sensitive.contains(k));
    let layers: Vec<String> = c
        .layers()
        .iter()
        .filter_map(|l| l.arn())
        .map(Into::into)
        .collect();
    let mut archs: Vec<Architecture> = c
        .architectures()
        .iter()
        .filter_map(|x| Architecture::parse(x.as_str()))
        .collect();
    if c.architectures().is_empty() {
        archs.push(Architecture::X86_64);
    }
    let arn = c.function_arn().unwrap_or_default();
    // An ARN read with a qualifier would carry ":VERSION"; the unqualified one has 7 parts.
    let arn: String = arn.split(':').take(7).collect::<Vec<_>>().join(":");
    let region = arn.split(':').nth(3).unwrap_or("us-east-1");
    let version = match (&extra.alias, &extra.latest_version) {
        (Some((_, _, v)), _) | (None, Some(v)) => v.clone(),
        (None, None) => "$LATEST".to_string(),
    };
    Some(LambdaFunction {
        name: c.function_name().unwrap_or_default().to_string(),
        description: c.description().filter(|d| !d.is_empty()).map(Into::into),
        runtime: c.runtime().map(|r| r.as_str().to_string()),
        handler: c.handler().map(Into::into),
        role: c.role().map(Into::into),
        memory: c.memory_size(),
        timeout: c.timeout(),
        env: some_map(plain),
        sensitive_env: some_map(secret),
        layers: (!layers.is_empty()).then_some(layers),
        architectures: Some(archs),
        reserved_concurrency: out
            .concurrency()
            .and_then(|c| c.reserved_concurrent_executions()),
        ephemeral_storage: c.ephemeral_storage().map(|e| e.size()),
        tracing: c
            .tracing_config()
            .and_then(|t| t.mode())
            .and_then(|m| Tracing::parse(m.as_str())),
        vpc: c
            .vpc_config()
            .filter(|v| !v.subnet_ids().is_empty())
            .map(|v| Vpc {
                subnet_ids: v.subnet_ids().to_vec(),
                security_group_ids: v.security_group_ids().to_vec(),
            }),
        dead_letter: c
            .dead_letter_config()
            .and_then(|d| d.target_arn())
            .filter(|arn| !arn.is_empty())
            .map(|arn| DeadLetter {
                target_arn: arn.to_string(),
            }),
        logging: c.logging_config().map(|l| Logging {
            log_group: l.log_group().map(str::to_string),
            format: l.log_format().and_then(|f| LogFormat::parse(f.as_str())),
            application_log_level: l
                .application_log_level()
                .and_then(|v| ApplicationLogLevel::parse(v.as_str())),
            system_log_level: l
                .system_log_level()
                .and_then(|v| SystemLogLevel::parse(v.as_str())),
        }),
        invoke_arn: Some(format!(
            "arn:aws:apigateway:{region}:lambda:path/2015-03-31/functions/{arn}/invocations"
        )),
        qualified_arn: Some(format!("{arn}:{version}")),
        version: Some(version),
        alias: extra.alias.as_ref().map(|a| a.0.clone()),
        alias_arn: extra.alias.as_ref().map(|a| a.1.clone()),
        arn: Some(arn),
        source_hash: c.code_sha256().map(Into::into),
        tags,
        ..LambdaFunction::default()
    })
}

/// The attributes `read` reports (tags always, even when there are none).
pub fn to_attrs(f: &LambdaFunction) -> Attrs {
    let mut attrs = f.to_attrs();
    attrs.insert("tags".to_string(), tags_value(&f.tags));
    attrs
}
