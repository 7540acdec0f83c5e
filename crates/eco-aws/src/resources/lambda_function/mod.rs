//! `lambda-function`: a Lambda function deployed from a local directory (or prebuilt zip) that
//! eco packages.
//!
//! The zip is built reproducibly (entries sorted by path, every timestamp 1980-01-01 00:00, mode
//! 0644, or 0755 for files with an execute bit, deflate level 6), so the same files give the same
//! bytes and the same SHA-256. `expand` packages the source at plan time and adds `source-hash`
//! (base64 SHA-256 of the zip, exactly Lambda's CodeSha256) to desired; `read` reports CodeSha256
//! as `source-hash`, so a changed file plans UpdateFunctionCode and nothing else.
//!
//! AWS calls:
//! - read: GetFunction (configuration, CodeSha256, tags, reserved concurrency), ListAliases,
//!   ListVersionsByFunction (concurrently)
//! - read_many (refresh): ListFunctions and GetResources for all, per function only the declared
//!   reserved concurrency, alias and versions (see `batch.rs`)
//! - create: CreateFunction (zip or S3 object for packages over 50 MB, role, runtime, handler,
//!   memory, timeout, environment, layers, architectures, tags, publish), GetFunctionConfiguration
//!   until State is Active, then PutFunctionConcurrency and CreateAlias when configured
//! - update: UpdateFunctionCode (source, architectures), GetFunctionConfiguration until
//!   LastUpdateStatus is no longer InProgress, UpdateFunctionConfiguration (everything else), wait
//!   again, PutFunctionConcurrency / DeleteFunctionConcurrency, PublishVersion, CreateAlias /
//!   UpdateAlias, TagResource / UntagResource
//! - delete: DeleteFunction
//! - import: by function name (GetFunction)
//!
//! `sensitive-env` values go into the same Environment as `env`; the names of the sensitive ones
//! are kept in the tag `eco:sensitive-env` (space-separated), so `read` can report each variable
//! under the attribute it was set with. That tag is eco's and never shown as a tag.
mod batch;
mod package;
mod read;
mod requests;
mod spec;

use std::collections::{BTreeMap, HashMap};
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use async_trait::async_trait;
use aws_sdk_lambda::primitives::Blob;
use aws_sdk_lambda::types::{FunctionCode, LastUpdateStatus, State};
use eco_provider::{Attrs, ErrorKind, Live, OpContext, OpError, OpResult, ResourceProvider, Value};
use eco_schema::{Rule, Schema};

pub use self::package::{
    code_sha256, code_upload, handler_files, package_dir, package_source, CodeUpload, Package,
    DIRECT_UPLOAD_LIMIT,
};
use self::read::{from_output, live_tags, to_attrs, Extra};
use self::requests::{architectures, create_request, is_config, update_config_request, CODE_ATTRS};
pub use self::spec::classify_role_error;
use self::spec::{environment, wanted_tags, LambdaFunction};
pub use self::spec::{Architecture, DeadLetter};
use crate::attrs::any_changed;
use crate::aws::{error_code, is_gone, op_error, Aws};
use crate::calls::{delete_if_present, get_optional};
use crate::ownership::not_ours;
use crate::tags::{tag_diff, TagByKey};
use crate::wait::{self, Backoff, Look};

pub const TYPE_NAME: &str = LambdaFunction::TYPE_NAME;

/// What AWS answers this type's calls with for a while before they succeed, and for how long eco
/// keeps trying (the engine retries; see `eco_provider::transient` and docs/aws-behaviour.md).
pub(crate) const TRANSIENT: &[eco_provider::Transient] = &[
    eco_provider::Transient {
        operations: &["CreateFunction", "UpdateFunctionConfiguration"],
        codes: &["InvalidParameterValueException"],
        message: Some("cannot be assumed by Lambda"),
        budget: std::time::Duration::from_secs(300),
        why: "IAM is still propagating the function's new role to Lambda",
    },
    eco_provider::Transient {
        operations: &["CreateFunction", "UpdateFunctionConfiguration"],
        codes: &["InvalidParameterValueException"],
        message: Some("KMS key is invalid for CreateGrant"),
        budget: std::time::Duration::from_secs(300),
        why: "IAM is still propagating the role's permission to create a KMS grant for the environment",
    },
    eco_provider::Transient {
        operations: &["CreateFunction", "UpdateFunctionConfiguration"],
        codes: &["InvalidParameterValueException"],
        message: Some("execution role does not have permissions"),
        budget: std::time::Duration::from_secs(120),
        why: "IAM is still propagating the role's policies",
    },
    eco_provider::Transient {
        operations: &["UpdateFunctionCode", "UpdateFunctionConfiguration", "PutFunctionConcurrency", "CreateAlias", "UpdateAlias"],
        codes: &["ResourceConflictException"],
        message: Some("in progress"),
        budget: std::time::Duration::from_secs(300),
        why: "another update of the function is in progress",
    },
];
const TY: &str = TYPE_NAME;

/// The function's schema, with the rules Lambda applies across attributes: exactly one
/// architecture, and log levels only with JSON logs (CreateFunction refuses both).
pub fn schema() -> Schema {
    LambdaFunction::schema()
        .rule(Rule::Items {
            name: "architectures",
            min: 1,
            max: 1,
        })
        .rule(Rule::InBlock {
            block: "logging",
            rule: &Rule::OnlyWhenIs {
                settings: &["application-log-level", "system-log-level"],
                attr: "format",
                value: "JSON",
            },
        })
}

/// The tag that names the variables set through `sensitive-env`.
pub const SENSITIVE_ENV_TAG: &str = "eco:sensitive-env";
/// Description of the alias eco manages (how `read` tells it from others).
const ALIAS_DESCRIPTION: &str = "managed by eco";
/// Polling a function until it leaves Pending / InProgress: 250 ms doubling to 5 s, 5 minutes.
const READY_WAIT: Backoff = Backoff::new(
    Duration::from_millis(250),
    Duration::from_secs(5),
    Duration::from_secs(300),
);

/// The `lambda-function` operations.
///
/// `expand` packages each source once per plan and keeps the zip in memory (keyed by its hash)
/// for create and update; when it is not there (another process planned), the source is
/// packaged again relative to the operation's configuration directory (`OpContext::base_dir`)
/// and must still have the planned hash.
pub struct Provider {
    lambda: aws_sdk_lambda::Client,
    s3: aws_sdk_s3::Client,
    tagging: aws_sdk_resourcegroupstagging::Client,
    schema: Schema,
    packages: Mutex<HashMap<String, Arc<Vec<u8>>>>,
}

impl Provider {
    pub fn new(aws: &Aws) -> Provider {
        Provider {
            lambda: aws.lambda(),
            s3: aws.s3(),
            tagging: aws.tagging(),
            schema: schema(),
            packages: Mutex::new(HashMap::new()),
        }
    }

    /// The package for `spec`: from the plan's cache, or packaged now.
    fn package(
        &self,
        spec: &LambdaFunction,
        base_dir: &Path,
        op: &str,
    ) -> Result<Package, OpError> {
        let cached = spec.source_hash.as_ref().and_then(|hash| {
            let zip = self.packages.lock().unwrap().get(hash)?.clone();
            Some(Package {
                zip,
                hash: hash.clone(),
            })
        });
        if let Some(pkg) = cached {
            return Ok(pkg);
        }
        let Some(source) = &spec.source else {
            return Err(OpError::invalid(op, format!("{TY}: `source` is required")));
        };
        let pkg = package_source(base_dir, source, None, None)
            .map_err(|e| OpError::invalid(op, format!("{TY}: {}", e.message)))?;
        if let Some(hash) = spec.source_hash.as_ref().filter(|h| **h != pkg.hash) {
            let now = &pkg.hash;
            let message = format!("{TY}: source `{source}` changed since the plan (hash {hash}, now {now}): plan again");
            return Err(OpError::invalid(op, message));
        }
        self.cache(&pkg);
        Ok(pkg)
    }

    /// Keeps a package for apply, keyed by its hash.
    fn cache(&self, pkg: &Package) {
        let mut packages = self.packages.lock().unwrap();
        packages.insert(pkg.hash.clone(), pkg.zip.clone());
    }

    /// Uploads a large package to S3 when it needs to be, and returns where the code is.
    async fn code_location(
        &self,
        spec: &LambdaFunction,
        pkg: &Package,
        op: &str,
    ) -> Result<CodeUpload, OpError> {
        let bucket = spec.code_bucket.as_deref();
        let upload = code_upload(pkg.zip.len(), &spec.name, &pkg.hash, bucket, op)?;
        if let CodeUpload::S3 { bucket, key } = &upload {
            let body = aws_sdk_s3::primitives::ByteStream::from(pkg.zip.as_ref().clone());
            let req = self.s3.put_object().bucket(bucket).key(key).body(body);
            req.send().await.map_err(|e| op_error("PutObject", e))?;
        }
        Ok(upload)
    }

    /// The eco alias (name, ARN, version it points at) and the latest published version,
    /// from ListAliases and ListVersionsByFunction (every page, concurrently).
    async fn extra(&self, name: &str) -> Result<Extra, OpError> {
        let aliases = self.lambda.list_aliases().function_name(name);
        let aliases = aliases
            .into_paginator()
            .items()
            .send()
            .collect::<Result<Vec<_>, _>>();
        let versions = self.lambda.list_versions_by_function().function_name(name);
        let versions = versions.into_paginator().items().send();
        let versions = versions.collect::<Result<Vec<_>, _>>();
        let (aliases, versions) = tokio::join!(aliases, versions);
        let alias = aliases
            .map_err(|e| op_error("ListAliases", e))?
            .into_iter()
            .find(|a| a.description() == Some(ALIAS_DESCRIPTION))
            .map(|a| {
                let version = a.function_version().unwrap_or("$LATEST").to_string();
                (
                    a.name.unwrap_or_default(),
                    a.alias_arn.unwrap_or_default(),
                    version,
                )
            });
        let versions = versions.map_err(|e| op_error("ListVersionsByFunction", e))?;
        let numbers = versions
            .iter()
            .filter_map(|v| v.version()?.parse::<u64>().ok());
        Ok(Extra {
            alias,
            latest_version: numbers.max().map(|n| n.to_string()),
        })
    }

    async fn read_name(&self, name: &str) -> OpResult<Option<(Live, BTreeMap<String, String>)>> {
        let call = self.lambda.get_function().function_name(name).send();
        let Some(out) = get_optional("GetFunction", is_gone, call).await? else {
            return Ok(None);
        };
        let extra = match self.extra(name).await {
            Ok(x) => x,
            Err(e) if e.message.contains("ResourceNotFoundException") => return Ok(None),
            Err(e) => return Err(e),
        };
        Ok(from_output(&out, &extra).map(|f| {
            let attrs = to_attrs(&f);
            let id = name.to_string();
            (Live { id, attrs }, live_tags(&out))
        }))
    }

    /// Polls GetFunctionConfiguration (backing off 250 ms doubling to 5 s, at most 5 minutes)
    /// until the function is neither Pending nor InProgress; Failed is an error with AWS's
    /// reason.
    async fn wait_ready(&self, name: &str, op: &str) -> Result<(), OpError> {
        let ready = wait::until(READY_WAIT, || async {
            let req = self.lambda.get_function_configuration().function_name(name);
            let c = req.send().await;
            let c = c.map_err(|e| op_error("GetFunctionConfiguration", e))?;
            let state = c.state().cloned();
            let update = c.last_update_status().cloned();
            if state == Some(State::Failed) || update == Some(LastUpdateStatus::Failed) {
                let reason = c.last_update_status_reason().or(c.state_reason());
                let reason = reason.unwrap_or("no reason given");
                let message = format!("{TY}: function `{name}` failed to become ready: {reason}");
                return Err(OpError::new(op, ErrorKind::Other, message));
            }
            let busy =
                state == Some(State::Pending) || update == Some(LastUpdateStatus::InProgress);
            Ok(if busy {
                Look::NotYet(())
            } else {
                Look::Done(())
            })
        });
        if ready.await?.is_err() {
            let secs = READY_WAIT.limit.as_secs();
            let message = format!("{TY}: function `{name}` still not ready after {secs} s");
            return Err(OpError::new(op, ErrorKind::Other, message));
        }
        Ok(())
    }

    async fn create_new(&self, spec: &LambdaFunction, base_dir: &Path) -> Result<(), OpError> {
        let op = "CreateFunction";
        let pkg = self.package(spec, base_dir, op)?;
        let code = FunctionCode::builder();
        let code = match self.code_location(spec, &pkg, op).await? {
            CodeUpload::Direct => code.zip_file(Blob::new(pkg.zip.as_ref().clone())),
            CodeUpload::S3 { bucket, key } => code.s3_bucket(bucket).s3_key(key),
        };
        let code = code.build();
        let (vars, sensitive_tag) = environment(spec, &Attrs::new(), op)?;
        let tags = wanted_tags(&spec.tags, sensitive_tag);
        let req = create_request(self.lambda.create_function(), spec, code, &vars, tags);
        req.send()
            .await
            .map_err(|e| classify_role_error(op_error(op, e)))?;
        self.wait_ready(&spec.name, op).await?;
        if spec.reserved_concurrency.is_some() {
            self.set_concurrency(spec).await?;
        }
        if spec.alias.is_some() {
            self.publish_and_point(spec, None).await?;
        }
        Ok(())
    }

    /// PutFunctionConcurrency, or DeleteFunctionConcurrency when none is configured.
    async fn set_concurrency(&self, spec: &LambdaFunction) -> Result<(), OpError> {
        let name = &spec.name;
        match spec.reserved_concurrency {
            Some(n) => {
                let req = self.lambda.put_function_concurrency().function_name(name);
                let result = req.reserved_concurrent_executions(n).send().await;
                result
                    .map(drop)
                    .map_err(|e| op_error("PutFunctionConcurrency", e))
            }
            None => {
                let req = self
                    .lambda
                    .delete_function_concurrency()
                    .function_name(name);
                let result = req.send().await;
                result
                    .map(drop)
                    .map_err(|e| op_error("DeleteFunctionConcurrency", e))
            }
        }
    }

    /// PublishVersion when `publish` is set (returns the version; publishing unchanged code
    /// returns the last one), then the alias pointed at it, or at $LATEST.
    async fn publish_and_point(
        &self,
        spec: &LambdaFunction,
        live_alias: Option<&str>,
    ) -> Result<(), OpError> {
        let version = if spec.publish() {
            let req = self.lambda.publish_version().function_name(&spec.name);
            let out = req
                .send()
                .await
                .map_err(|e| op_error("PublishVersion", e))?;
            out.version().unwrap_or("$LATEST").to_string()
        } else {
            "$LATEST".to_string()
        };
        let Some(alias) = &spec.alias else {
            return Ok(());
        };
        let update = || async {
            let req = self
                .lambda
                .update_alias()
                .function_name(&spec.name)
                .name(alias);
            let req = req
                .function_version(&version)
                .description(ALIAS_DESCRIPTION);
            req.send().await.map_err(|e| op_error("UpdateAlias", e))
        };
        // CreateAlias, or UpdateAlias when the live alias has the same name; a renamed alias
        // is deleted after the new one exists.
        if live_alias == Some(alias.as_str()) {
            update().await?;
            return Ok(());
        }
        let req = self
            .lambda
            .create_alias()
            .function_name(&spec.name)
            .name(alias);
        let req = req
            .function_version(&version)
            .description(ALIAS_DESCRIPTION);
        match req.send().await {
            Ok(_) => {}
            Err(e) if error_code(&e) == Some("ResourceConflictException") => {
                update().await?;
            }
            Err(e) => return Err(op_error("CreateAlias", e)),
        }
        if let Some(old) = live_alias {
            let call = self
                .lambda
                .delete_alias()
                .function_name(&spec.name)
                .name(old);
            delete_if_present("DeleteAlias", is_gone, call.send()).await?;
        }
        Ok(())
    }

    /// Brings the function from `prior` (its live attributes) to `spec` for the attributes in
    /// `changed`.
    async fn apply_changes(
        &self,
        spec: &LambdaFunction,
        base_dir: &Path,
        prior: &Attrs,
        live_tags: &BTreeMap<String, String>,
        changed: &[String],
    ) -> Result<(), OpError> {
        let name = &spec.name;
        let calls = planned_calls(spec, prior, changed);
        let mut deployed = false;
        if calls.code {
            let op = "UpdateFunctionCode";
            let pkg = self.package(spec, base_dir, op)?;
            let mut req = self.lambda.update_function_code().function_name(name);
            req = match self.code_location(spec, &pkg, op).await? {
                CodeUpload::Direct => req.zip_file(Blob::new(pkg.zip.as_ref().clone())),
                CodeUpload::S3 { bucket, key } => req.s3_bucket(bucket).s3_key(key),
            };
            if let Some(a) = architectures(spec) {
                req = req.set_architectures(Some(a));
            }
            req.send().await.map_err(|e| op_error(op, e))?;
            self.wait_ready(name, op).await?;
            deployed = true;
        }
        let (vars, sensitive_tag) = environment(spec, prior, "UpdateFunctionConfiguration")?;
        if calls.config {
            let op = "UpdateFunctionConfiguration";
            let req = self.lambda.update_function_configuration();
            let req = update_config_request(req.function_name(name), spec, &vars, changed);
            req.send()
                .await
                .map_err(|e| classify_role_error(op_error(op, e)))?;
            self.wait_ready(name, op).await?;
            deployed = true;
        }
        if any_changed(changed, &["reserved-concurrency"]) {
            self.set_concurrency(spec).await?;
        }
        let live_alias = prior.get("alias").and_then(Value::as_str);
        let publish_now = spec.publish() && (deployed || any_changed(changed, &["publish"]));
        if publish_now || (spec.alias.is_some() && any_changed(changed, &["alias"])) {
            self.publish_and_point(spec, live_alias).await?;
        }
        // Tags: the configured ones (when managed) plus the sensitive-env marker.
        let desired_tags = if spec.tags.is_empty() && !changed.iter().any(|c| c == "tags") {
            wanted_tags(live_tags, sensitive_tag)
        } else {
            wanted_tags(&spec.tags, sensitive_tag)
        };
        let (set, remove) = tag_diff(live_tags, &desired_tags, &[]);
        if !set.is_empty() || !remove.is_empty() {
            let Some(arn) = prior.get("arn").and_then(Value::as_str) else {
                let message = format!("{TY}: `{name}` has no known ARN");
                return Err(OpError::new("TagResource", ErrorKind::Other, message));
            };
            if !set.is_empty() {
                self.lambda.tag(arn, set).await?;
            }
            if !remove.is_empty() {
                self.lambda.untag(arn, remove).await?;
            }
        }
        Ok(())
    }

    async fn read_required(
        &self,
        name: &str,
        op: &str,
    ) -> Result<(Live, BTreeMap<String, String>), OpError> {
        let message = || format!("{TY}: function `{name}` vanished during {op}");
        let found = self.read_name(name).await?;
        found.ok_or_else(|| OpError::new(op, ErrorKind::Other, message()))
    }
}

/// Which of the update calls a change needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
struct Calls {
    code: bool,
    config: bool,
}

fn planned_calls(spec: &LambdaFunction, prior: &Attrs, changed: &[String]) -> Calls {
    let hash_differs = spec
        .source_hash
        .as_ref()
        .is_some_and(|h| prior.get("source-hash").and_then(Value::as_str) != Some(h.as_str()));
    Calls {
        code: any_changed(changed, CODE_ATTRS)
            || (any_changed(changed, &["source"]) && hash_differs),
        config: changed.iter().any(|c| is_config(c)),
    }
}

/// The live resource after a create or update, with the eco-only attributes of `desired`.
fn with_local(mut live: Live, desired: &Attrs) -> Live {
    for k in LambdaFunction::local_attrs() {
        if let Some(v) = desired.get(k) {
            live.attrs.insert(k.to_string(), v.clone());
        }
    }
    live
}

/// The attributes of `spec` that differ from `live` (for adoption by create).
fn differing(desired: &Attrs, live: &Attrs) -> Vec<String> {
    crate::aws::differing(desired, live, &LambdaFunction::local_attrs())
}

// Lambda tags a function by ARN: TagResource with a map, UntagResource by key.
crate::tags::tag_by_key!(aws_sdk_lambda::Client, resource);

#[async_trait]
impl ResourceProvider for Provider {
    crate::resources::schema_and_transient!(TRANSIENT);

    /// ListFunctions (every page), each function read in full.
    async fn list(&self, _ctx: &OpContext) -> Option<Result<Vec<Live>, OpError>> {
        let pages = self.lambda.list_functions().into_paginator().items().send();
        let names = match pages.collect::<Result<Vec<_>, _>>().await {
            Ok(functions) => functions.into_iter().filter_map(|f| f.function_name),
            Err(e) => return Some(Err(op_error("ListFunctions", e))),
        };
        let names: Vec<String> = names.collect();
        Some(
            crate::aws::read_each(names, |name| async move {
                Ok(self.read_name(&name).await?.map(|(live, _)| live))
            })
            .await,
        )
    }

    async fn read(&self, _ctx: &OpContext, id: &str) -> Result<Option<Live>, OpError> {
        Ok(self.read_name(id).await?.map(|(live, _)| live))
    }

    /// ListFunctions and GetResources for all, then only the declared reads the listing does
    /// not answer (see `batch`).
    async fn read_many(
        &self,
        requests: &[(OpContext, String)],
    ) -> Option<Result<Vec<Option<Live>>, OpError>> {
        Some(self.read_batch(requests).await)
    }

    async fn find(&self, ctx: &OpContext, desired: &Attrs, _token: &str) -> OpResult<Option<Live>> {
        let spec = LambdaFunction::desired(desired, "GetFunction")?;
        let Some((live, tags)) = self.read_name(&spec.name).await? else {
            return Ok(None);
        };
        if ctx.is_replaced(&live.id) {
            return Ok(None);
        }
        if !ctx.owns(&tags) {
            let what = format!("Lambda function `{}`", spec.name);
            return Err(not_ours(ctx, "GetFunction", &what, &spec.name, &tags));
        }
        Ok(Some(live))
    }

    async fn create(&self, ctx: &OpContext, desired: &Attrs, token: &str) -> Result<Live, OpError> {
        let spec = LambdaFunction::desired(desired, "CreateFunction")?;
        if let Some(existing) = self.find(ctx, desired, token).await? {
            let (_, tags) = self.read_required(&spec.name, "CreateFunction").await?;
            let changed = differing(desired, &existing.attrs);
            if changed.is_empty() {
                return Ok(with_local(existing, desired));
            }
            self.apply_changes(&spec, &ctx.base_dir, &existing.attrs, &tags, &changed)
                .await?;
            let live = self.read_required(&spec.name, "CreateFunction").await?.0;
            return Ok(with_local(live, desired));
        }
        match self.create_new(&spec, &ctx.base_dir).await {
            Ok(()) => {}
            Err(e) if e.message.starts_with("ResourceConflictException") => {
                // Made meanwhile: adopt it if it is ours.
                return match self.find(ctx, desired, token).await? {
                    Some(live) => Ok(with_local(live, desired)),
                    None => Err(e),
                };
            }
            Err(e) => return Err(e),
        }
        let live = self.read_required(&spec.name, "CreateFunction").await?.0;
        Ok(with_local(live, desired))
    }

    async fn update(
        &self,
        ctx: &OpContext,
        id: &str,
        prior: &Attrs,
        desired: &Attrs,
        changed: &[String],
    ) -> Result<Live, OpError> {
        const OP: &str = "UpdateFunctionConfiguration";
        let spec = LambdaFunction::desired(desired, OP)?;
        if let Some(bad) = changed.iter().find(|c| c.as_str() == "name") {
            let message = format!("{TY}: `{bad}` cannot change in place (it forces a replacement)");
            return Err(OpError::invalid(OP, message));
        }
        // Tags and the sensitive marker are compared with what is live now, not with `prior`.
        let (live, tags) = self.read_required(id, OP).await?;
        let mut base = live.attrs.clone();
        for (k, v) in prior {
            base.entry(k.clone()).or_insert_with(|| v.clone());
        }
        let spec = LambdaFunction {
            name: id.to_string(),
            ..spec
        };
        self.apply_changes(&spec, &ctx.base_dir, &base, &tags, changed)
            .await?;
        let live = self.read_required(id, OP).await?.0;
        Ok(with_local(live, desired))
    }

    async fn delete(&self, _ctx: &OpContext, id: &str, _prior: &Attrs) -> Result<(), OpError> {
        delete_if_present(
            "DeleteFunction",
            is_gone,
            self.lambda.delete_function().function_name(id).send(),
        )
        .await
    }

    fn expand(&self, base_dir: &Path, desired: &mut Attrs) -> Result<(), OpError> {
        let Some(Value::String(source)) = desired.get("source") else {
            return match desired.get("source") {
                None => Err(OpError::invalid("source", "`source` is required")),
                // Not known yet (a reference): nothing to package.
                _ => Ok(()),
            };
        };
        let runtime = desired.get("runtime").and_then(Value::as_str);
        let handler = desired.get("handler").and_then(Value::as_str);
        let pkg = package_source(base_dir, source, runtime, handler)?;
        self.cache(&pkg);
        desired.insert("source-hash".into(), Value::String(pkg.hash));
        Ok(())
    }
}

#[cfg(test)]
mod tests;
