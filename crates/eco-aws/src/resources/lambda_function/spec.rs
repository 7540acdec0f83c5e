//! The typed spec of `lambda-function`: each attribute's name, shape, update strategy, allowed
//! values and documentation, written once; the checks a desired function must pass; and the
//! environment and tags it is deployed with.

use std::collections::BTreeMap;

use eco_provider::{Attrs, ErrorKind, OpError, Value};
use eco_schema::spec::SpecError;
use eco_schema::{Spec, SpecEnum};

use super::{SENSITIVE_ENV_TAG, TY};
use crate::attrs::opt_str_map;

#[derive(Debug, Clone, Copy, PartialEq, Eq, SpecEnum)]
pub enum Architecture {
    #[eco(rename = "x86_64")]
    X86_64,
    #[eco(rename = "arm64")]
    Arm64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, SpecEnum)]
pub enum Tracing {
    PassThrough,
    Active,
}

/// `vpc { subnet-ids ...; security-group-ids ... }`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Spec)]
pub struct Vpc {
    /// subnets the function's network interfaces are placed in
    #[eco(required, unordered)]
    pub subnet_ids: Vec<String>,
    /// security groups of those interfaces
    #[eco(required, unordered)]
    pub security_group_ids: Vec<String>,
}

/// `dead-letter target-arn="..."`: where Lambda sends the events of asynchronous invocations
/// that failed every attempt (DeadLetterConfig).
#[derive(Debug, Clone, PartialEq, Eq, Default, Spec)]
pub struct DeadLetter {
    /// ARN of an SQS queue or SNS topic, e.g. `${sqs-queue.failed.arn}`
    pub target_arn: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, SpecEnum)]
pub enum LogFormat {
    Text,
    #[eco(rename = "JSON")]
    Json,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, SpecEnum)]
#[eco(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum ApplicationLogLevel {
    Trace,
    Debug,
    Info,
    Warn,
    Error,
    Fatal,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, SpecEnum)]
#[eco(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum SystemLogLevel {
    Debug,
    Info,
    Warn,
}

/// `logging log-group="..." format="JSON" ...`: where and how the function logs
/// (LoggingConfig).
#[derive(Debug, Clone, PartialEq, Eq, Default, Spec)]
pub struct Logging {
    /// the CloudWatch log group the function writes to, e.g. `${log-group.api.name}` (Lambda's
    /// default: /aws/lambda/NAME)
    pub log_group: Option<String>,
    /// Text (Lambda's default) or JSON
    pub format: Option<LogFormat>,
    /// with JSON: the least severe application logs kept
    pub application_log_level: Option<ApplicationLogLevel>,
    /// with JSON: the least severe Lambda platform logs kept
    pub system_log_level: Option<SystemLogLevel>,
}

/// A function: the desired configuration (checked by [`LambdaFunction::desired`]) or what AWS
/// reports, in one shape. Attributes the schema requires but an operation can do without
/// (runtime, handler, source, role) are options here.
#[derive(Debug, Clone, PartialEq, Default, Spec)]
#[eco(
    resource = "lambda-function",
    doc = "A Lambda function built from a local source directory",
    import_id = "the function name"
)]
pub struct LambdaFunction {
    /// function name; Lambda cannot rename a function
    #[eco(replace, name_rule = LambdaFunction)]
    pub name: String,
    /// description (UpdateFunctionConfiguration)
    pub description: Option<String>,
    /// runtime identifier, e.g. nodejs20.x (UpdateFunctionConfiguration)
    #[eco(required)]
    pub runtime: Option<String>,
    /// entry point, e.g. index.handler (UpdateFunctionConfiguration)
    #[eco(required)]
    pub handler: Option<String>,
    /// directory (relative to the configuration) zipped by eco, or a prebuilt .zip; its content
    /// hash drives code updates (UpdateFunctionCode)
    #[eco(required, local)]
    pub source: Option<String>,
    /// S3 bucket packages over 50 MB are uploaded to (key eco/lambda/NAME/HASH.zip) before
    /// UpdateFunctionCode
    #[eco(local)]
    pub code_bucket: Option<String>,
    /// execution role ARN (UpdateFunctionConfiguration)
    #[eco(required)]
    pub role: Option<String>,
    /// memory in MB, 128 to 10240 (UpdateFunctionConfiguration)
    pub memory: Option<i32>,
    /// timeout in seconds, up to 900 (UpdateFunctionConfiguration)
    pub timeout: Option<i32>,
    /// environment variables, shown in plans (UpdateFunctionConfiguration)
    pub env: Option<BTreeMap<String, String>>,
    /// environment variables kept out of plans and logs, merged with env
    /// (UpdateFunctionConfiguration)
    #[eco(sensitive)]
    pub sensitive_env: Option<BTreeMap<String, String>>,
    /// layer version ARNs, in order (UpdateFunctionConfiguration)
    pub layers: Option<Vec<String>>,
    /// x86_64 (default) or arm64 (UpdateFunctionCode)
    pub architectures: Option<Vec<Architecture>>,
    /// reserved concurrent executions (PutFunctionConcurrency / DeleteFunctionConcurrency)
    pub reserved_concurrency: Option<i32>,
    /// /tmp size in MB, 512 to 10240 (UpdateFunctionConfiguration)
    pub ephemeral_storage: Option<i32>,
    /// X-Ray tracing mode: PassThrough (default) or Active (UpdateFunctionConfiguration)
    pub tracing: Option<Tracing>,
    /// run the function inside a VPC (UpdateFunctionConfiguration)
    pub vpc: Option<Vpc>,
    /// where failed asynchronous invocations go: an SQS queue or SNS topic
    /// (UpdateFunctionConfiguration; removing it removes the dead-letter queue)
    pub dead_letter: Option<DeadLetter>,
    /// the log group and log format (UpdateFunctionConfiguration)
    pub logging: Option<Logging>,
    /// publish a new version after each code or configuration change (PublishVersion)
    #[eco(local)]
    pub publish: Option<bool>,
    /// alias kept pointing at the latest published version (CreateAlias / UpdateAlias)
    pub alias: Option<String>,
    /// unqualified function ARN
    #[eco(computed, derived_from = "name")]
    pub arn: Option<String>,
    /// ARN API Gateway uses to invoke the function (integration uri)
    #[eco(computed, derived_from = "name")]
    pub invoke_arn: Option<String>,
    /// ARN of the latest published version
    #[eco(
        computed,
        derived_from = "name, source-hash, architectures, description, runtime, handler, role, memory, timeout, env, sensitive-env, layers, ephemeral-storage, tracing, vpc, dead-letter, logging, publish",
        derived_when = "publish"
    )]
    pub qualified_arn: Option<String>,
    /// latest published version, or $LATEST
    #[eco(
        computed,
        derived_from = "name, source-hash, architectures, description, runtime, handler, role, memory, timeout, env, sensitive-env, layers, ephemeral-storage, tracing, vpc, dead-letter, logging, publish",
        derived_when = "publish"
    )]
    pub version: Option<String>,
    /// ARN of the alias, when one is configured
    #[eco(computed)]
    pub alias_arn: Option<String>,
    /// base64 SHA-256 of the deployed zip (CodeSha256)
    #[eco(computed)]
    pub source_hash: Option<String>,
    #[eco(tags)]
    pub tags: BTreeMap<String, String>,
}

/// A configuration the type cannot use, as an error of `op`.
fn invalid(op: &str, message: impl std::fmt::Display) -> OpError {
    OpError::invalid(op, format!("{TY}: {message}"))
}

fn valid_env_name(k: &str) -> bool {
    let mut chars = k.chars();
    chars.next().is_some_and(|c| c.is_ascii_alphabetic())
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

impl LambdaFunction {
    /// The desired function from configuration attributes; invalid values are refused here,
    /// before any AWS call, as `op` errors. A `source-hash` not known yet is left out.
    pub fn desired(attrs: &Attrs, op: &str) -> Result<LambdaFunction, OpError> {
        let mut attrs = attrs.clone();
        if !matches!(attrs.get("source-hash"), Some(Value::String(_))) {
            attrs.remove("source-hash");
        }
        let f = LambdaFunction::from_attrs(&attrs).map_err(|e: SpecError| invalid(op, e))?;
        f.check().map_err(|m| invalid(op, m))?;
        Ok(f)
    }

    fn check(&self) -> Result<(), String> {
        let name = &self.name;
        let ok = !name.is_empty()
            && name.len() <= 64
            && name
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
        if !ok {
            return Err(format!(
                "name `{name}` is not a valid function name (1 to 64 letters, digits, - and _)"
            ));
        }
        let (env, sensitive) = (
            self.env.iter().flatten(),
            self.sensitive_env.iter().flatten(),
        );
        if let Some((key, _)) = env.chain(sensitive).find(|(k, _)| !valid_env_name(k)) {
            return Err(format!("environment variable name `{key}` must start with a letter and hold only letters, digits and _"));
        }
        if let (Some(e), Some(se)) = (&self.env, &self.sensitive_env) {
            if let Some(k) = e.keys().find(|k| se.contains_key(*k)) {
                return Err(format!("`{k}` is in both env and sensitive-env"));
            }
        }
        if let Some(l) = &self.logging {
            let levels = l.application_log_level.is_some() || l.system_log_level.is_some();
            if levels && l.format != Some(LogFormat::Json) {
                return Err("logging: application-log-level and system-log-level need format=\"JSON\" (Lambda refuses log levels with Text logs)".into());
            }
        }
        if let Some(archs) = self.architectures.as_ref().filter(|a| a.len() != 1) {
            let archs: Vec<&str> = archs.iter().map(|a| a.as_str()).collect();
            return Err(format!(
                "architectures must be exactly one of x86_64 or arm64, got {archs:?}"
            ));
        }
        for (key, value, min, max) in [
            ("memory", self.memory, 128, 10240),
            ("timeout", self.timeout, 1, 900),
            (
                "reserved-concurrency",
                self.reserved_concurrency,
                0,
                1_000_000,
            ),
            ("ephemeral-storage", self.ephemeral_storage, 512, 10240),
        ] {
            if let Some(n) = value.filter(|n| !(min..=max).contains(n)) {
                return Err(format!("`{key}` must be from {min} to {max}, got {n}"));
            }
        }
        Ok(())
    }

    pub fn publish(&self) -> bool {
        self.publish.unwrap_or(false)
    }

    /// The attributes eco keeps in state and never reads from AWS.
    pub fn local_attrs() -> Vec<&'static str> {
        let fields = LambdaFunction::fields();
        fields.iter().filter(|a| a.local).map(|a| a.name).collect()
    }
}

/// Environment variables to send (env + sensitive-env; either falls back to what `prior`
/// reports when the configuration does not manage it) and the tag naming the sensitive ones
/// (sorted, space-separated; `None` when there are none).
pub fn environment(
    spec: &LambdaFunction,
    prior: &Attrs,
    op: &str,
) -> Result<(BTreeMap<String, String>, Option<String>), OpError> {
    let prior_map = |k: &str| opt_str_map(prior, k, TY, op).map(Option::unwrap_or_default);
    let env = match &spec.env {
        Some(e) => e.clone(),
        None => prior_map("env")?,
    };
    let sensitive = match &spec.sensitive_env {
        Some(e) => e.clone(),
        None => prior_map("sensitive-env")?,
    };
    let names: Vec<&str> = sensitive
        .keys()
        .filter(|k| !env.contains_key(*k))
        .map(String::as_str)
        .collect();
    let tag = names.join(" ");
    if tag.len() > 256 {
        return Err(invalid(op, format!("the names of sensitive-env variables exceed the 256 characters eco can record in its `{SENSITIVE_ENV_TAG}` tag")));
    }
    let tag = (!names.is_empty()).then_some(tag);
    let mut all = sensitive.clone();
    all.extend(env);
    Ok((all, tag))
}

/// The tags to put on the function: `tags` plus the sensitive-env marker.
pub fn wanted_tags(
    tags: &BTreeMap<String, String>,
    sensitive_tag: Option<String>,
) -> BTreeMap<String, String> {
    let mut tags = tags.clone();
    tags.remove(SENSITIVE_ENV_TAG);
    if let Some(v) = sensitive_tag {
        tags.insert(SENSITIVE_ENV_TAG.to_string(), v);
    }
    tags
}

/// Classifies CreateFunction / UpdateFunctionConfiguration errors: a role IAM has just made is
/// not yet assumable by Lambda for a few seconds (InvalidParameterValueException "The role
/// defined for the function cannot be assumed by Lambda."): retryable, unlike every other
/// invalid parameter.
pub fn classify_role_error(mut err: OpError) -> OpError {
    if err.message.starts_with("InvalidParameterValueException")
        && err.message.contains("cannot be assumed by Lambda")
    {
        err.kind = ErrorKind::Retryable;
    }
    err
}
