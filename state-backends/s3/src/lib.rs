//! The S3 state backend, for teams: state in an S3 object, the lock in a DynamoDB item.
//!
//! - State of stage `S`: object `<key>/S.json` in the bucket (versioned, so every earlier state
//!   can be restored). Every write is conditional: `If-Match` with the ETag read, or
//!   `If-None-Match: *` for the first, so a concurrent writer gets [`StateError::Conflict`] instead
//!   of clobbering (or being clobbered).
//! - Lock of stage `S`: the item `LockID = "<bucket>/<key>/S"` in the lock table, put with
//!   `attribute_not_exists(LockID)`; its `Info` attribute holds the [`LockInfo`] JSON. Unlock and
//!   force-unlock delete it only if `Info` is still exactly what was read (a conditional delete)
//!   and names the given ID.
//! - [`S3Backend::bootstrap`] creates the bucket (versioned, AES256-encrypted, public access
//!   blocked) and the table (hash key `LockID`, on-demand), and is a no-op when they exist.
//!
//! Clients come from the standard AWS configuration chain ([`S3Backend::from_env`]) or from a
//! given [`SdkConfig`] ([`S3Backend::from_sdk_config`]); with an overridden endpoint (an emulator)
//! S3 uses path-style addressing.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use aws_config::{BehaviorVersion, Region, SdkConfig};
use aws_sdk_dynamodb::client::Waiters;
use aws_sdk_dynamodb::types::{
    AttributeDefinition, AttributeValue, BillingMode, KeySchemaElement, KeyType,
    ScalarAttributeType,
};
use aws_sdk_s3::error::{DisplayErrorContext, ProvideErrorMetadata};
use aws_sdk_s3::primitives::ByteStream;
use aws_sdk_s3::types::{
    BucketLocationConstraint, BucketVersioningStatus, CreateBucketConfiguration,
    PublicAccessBlockConfiguration, ServerSideEncryption, ServerSideEncryptionByDefault,
    ServerSideEncryptionConfiguration, ServerSideEncryptionRule, VersioningConfiguration,
};
use eco_state::{
    async_trait, prepare_write, validate_stage, LockInfo, Snapshot, State, StateBackend,
    StateError, StateVersion,
};

/// The attribute of the lock item that names the lock.
pub const LOCK_KEY: &str = "LockID";
/// The attribute of the lock item that holds the [`LockInfo`] JSON.
pub const LOCK_INFO: &str = "Info";
/// The lock item's attribute holding the holder's process id (to tell a killed run's lock).
pub const LOCK_PID: &str = "Pid";
/// The lock item's attribute holding the holder's process space (`eco_state::process_space`):
/// with it, a lock whose process is gone is taken over by the next run without a manual step.
pub const LOCK_SPACE: &str = "Space";

/// A lock item as read: the info JSON, and the holder's process id and process space.
struct LockItem {
    info: String,
    pid: Option<u32>,
    space: Option<String>,
}

/// Where the S3 backend keeps state: the `backend "s3"` node of the configuration.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct S3Settings {
    /// The state bucket.
    pub bucket: String,
    /// The key prefix: stage `S` is stored at `<key>/S.json`.
    pub key: String,
    /// The DynamoDB lock table.
    pub lock_table: String,
    /// A region overriding the one the AWS configuration resolves.
    pub region: Option<String>,
}

/// State in S3 with a DynamoDB lock (see the crate docs).
#[derive(Debug, Clone)]
pub struct S3Backend {
    settings: S3Settings,
    s3: aws_sdk_s3::Client,
    dynamodb: aws_sdk_dynamodb::Client,
    region: Option<String>,
    /// The locks this backend took and holds, by stage: a state write first checks that its
    /// stage's lock is still this one (fencing a run whose lock was force-unlocked).
    held: Arc<Mutex<BTreeMap<String, String>>>,
}

/// What [`S3Backend::bootstrap`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BootstrapReport {
    /// The bucket was created (false: it existed; its settings were still enforced).
    pub bucket_created: bool,
    /// The lock table was created (false: it existed).
    pub table_created: bool,
}

impl S3Backend {
    /// Clients from the standard chain (environment, profiles, SSO, assume-role, `AWS_ENDPOINT_URL`),
    /// with `settings.region` overriding the resolved region.
    pub async fn from_env(settings: S3Settings) -> S3Backend {
        let mut loader = aws_config::defaults(BehaviorVersion::latest());
        if let Some(region) = &settings.region {
            loader = loader.region(Region::new(region.clone()));
        }
        let config = loader.load().await;
        let s3_endpoint = std::env::var_os("AWS_ENDPOINT_URL_S3").is_some_and(|v| !v.is_empty());
        S3Backend::build(&config, settings, s3_endpoint)
    }

    /// Clients from a given configuration (tests build one pointing at an emulator). An endpoint
    /// set in it makes S3 use path-style addressing. `settings.region` overrides its region.
    pub fn from_sdk_config(config: &SdkConfig, settings: S3Settings) -> S3Backend {
        S3Backend::build(config, settings, false)
    }

    fn build(config: &SdkConfig, settings: S3Settings, s3_endpoint: bool) -> S3Backend {
        let mut s3 = aws_sdk_s3::config::Builder::from(config);
        let mut dynamodb = aws_sdk_dynamodb::config::Builder::from(config);
        if let Some(region) = &settings.region {
            s3 = s3.region(Region::new(region.clone()));
            dynamodb = dynamodb.region(Region::new(region.clone()));
        }
        if config.endpoint_url().is_some() || s3_endpoint {
            s3 = s3.force_path_style(true);
        }
        let region = settings
            .region
            .clone()
            .or_else(|| config.region().map(|r| r.to_string()));
        S3Backend {
            s3: aws_sdk_s3::Client::from_conf(s3.build()),
            dynamodb: aws_sdk_dynamodb::Client::from_conf(dynamodb.build()),
            settings,
            region,
            held: Arc::default(),
        }
    }

    /// Refuses a write to `stage` when this backend locked it and the lock is no longer its own.
    async fn check_still_locked(&self, stage: &str) -> Result<(), StateError> {
        let Some(id) = self.held_lock(stage) else {
            return Ok(());
        };
        let holder = self
            .read_lock(stage)
            .await?
            .map(|item| self.holder(stage, &item));
        match holder {
            Some(h) if h.id == id => Ok(()),
            holder => Err(StateError::LockLost {
                stage: stage.to_string(),
                id,
                holder: holder.map(Box::new),
            }),
        }
    }

    fn held_lock(&self, stage: &str) -> Option<String> {
        let held = self.held.lock().unwrap_or_else(PoisonError::into_inner);
        held.get(stage).cloned()
    }

    fn set_held(&self, stage: &str, id: Option<&str>) {
        let mut held = self.held.lock().unwrap_or_else(PoisonError::into_inner);
        match id {
            Some(id) => held.insert(stage.to_string(), id.to_string()),
            None => held.remove(stage),
        };
    }

    /// The settings this backend was made with.
    pub fn settings(&self) -> &S3Settings {
        &self.settings
    }

    /// The S3 object key of `stage`'s state.
    pub fn object_key(&self, stage: &str) -> String {
        format!("{}{stage}.json", self.prefix())
    }

    /// The `LockID` of `stage`'s lock item: `<bucket>/<key>/<stage>`.
    pub fn lock_id(&self, stage: &str) -> String {
        format!("{}/{}{stage}", self.settings.bucket, self.prefix())
    }

    fn prefix(&self) -> String {
        let key = self.settings.key.trim_matches('/');
        if key.is_empty() {
            String::new()
        } else {
            format!("{key}/")
        }
    }

    fn url(&self, stage: &str) -> String {
        format!("s3://{}/{}", self.settings.bucket, self.object_key(stage))
    }

    fn table_target(&self) -> String {
        format!("DynamoDB table {}", self.settings.lock_table)
    }

    fn recovery_hint(&self, stage: &str) -> String {
        format!(
            "restore an earlier version of the object from the bucket's version history \
             (`aws s3api list-object-versions --bucket {b} --prefix {k}`, then copy the good \
             version over it), or `eco state push -stage {stage} FILE` a good copy; see docs/state.md",
            b = self.settings.bucket,
            k = self.object_key(stage)
        )
    }

    /// An AWS error as a [`StateError`]: a missing bucket or table becomes
    /// [`StateError::Missing`] (suggesting `eco bootstrap`); anything else keeps the operation,
    /// the target and the service's own message.
    fn aws_error<E>(
        &self,
        operation: &str,
        target: String,
        stage: Option<&str>,
        err: &E,
    ) -> StateError
    where
        E: ProvideErrorMetadata + std::error::Error + 'static,
    {
        match err.code() {
            Some("NoSuchBucket") => StateError::Missing {
                kind: "bucket",
                name: self.settings.bucket.clone(),
                operation: operation.to_string(),
                stage: stage.map(str::to_string),
            },
            Some("ResourceNotFoundException") => StateError::Missing {
                kind: "lock table",
                name: self.settings.lock_table.clone(),
                operation: operation.to_string(),
                stage: stage.map(str::to_string),
            },
            _ => StateError::Backend {
                operation: operation.to_string(),
                target,
                message: DisplayErrorContext(err).to_string(),
            },
        }
    }

    fn lock_key(&self, stage: &str) -> (String, AttributeValue) {
        (LOCK_KEY.to_string(), AttributeValue::S(self.lock_id(stage)))
    }

    /// The lock item's raw `Info` string and the holder's process id, if the item exists.
    async fn read_lock(&self, stage: &str) -> Result<Option<LockItem>, StateError> {
        let (k, v) = self.lock_key(stage);
        let out = self
            .dynamodb
            .get_item()
            .table_name(&self.settings.lock_table)
            .key(k, v)
            .consistent_read(true)
            .send()
            .await
            .map_err(|e| self.aws_error("GetItem", self.table_target(), Some(stage), &e))?;
        Ok(out.item().map(|item| {
            let info = item.get(LOCK_INFO).and_then(|v| v.as_s().ok());
            let pid = item.get(LOCK_PID).and_then(|v| v.as_n().ok());
            let space = item.get(LOCK_SPACE).and_then(|v| v.as_s().ok());
            LockItem {
                info: info.cloned().unwrap_or_default(),
                pid: pid.and_then(|p| p.parse().ok()),
                space: space.cloned(),
            }
        }))
    }

    /// The holder a lock item names.
    fn holder(&self, stage: &str, item: &LockItem) -> LockInfo {
        LockInfo {
            pid: item.pid,
            process_space: item.space.clone(),
            ..self.parse_info(stage, &item.info)
        }
    }

    fn parse_info(&self, stage: &str, raw: &str) -> LockInfo {
        LockInfo::from_json(raw).unwrap_or_else(|_| LockInfo {
            id: "(unreadable)".to_string(),
            operation: "unknown".to_string(),
            who: format!("unknown (the lock item's Info is not lock JSON: {raw:?})"),
            version: "unknown".to_string(),
            created: "unknown".to_string(),
            path: self.url(stage),
            pid: None,
            process_space: None,
            took_over: None,
        })
    }

    /// Deletes the lock if it names `lock_id`, conditionally on `Info` being unchanged.
    async fn release(&self, stage: &str, lock_id: &str) -> Result<(), StateError> {
        let not_locked = || StateError::NotLocked {
            stage: stage.to_string(),
            requested: lock_id.to_string(),
        };
        let Some(item) = self.read_lock(stage).await? else {
            return Err(not_locked());
        };
        let held = self.holder(stage, &item);
        let raw = item.info;
        if held.id != lock_id {
            return Err(StateError::LockIdMismatch {
                stage: stage.to_string(),
                requested: lock_id.to_string(),
                held: held.id.clone(),
                holder: Box::new(held),
            });
        }
        let (k, v) = self.lock_key(stage);
        let result = self
            .dynamodb
            .delete_item()
            .table_name(&self.settings.lock_table)
            .key(k, v)
            .condition_expression("#info = :info")
            .expression_attribute_names("#info", LOCK_INFO)
            .expression_attribute_values(":info", AttributeValue::S(raw))
            .send()
            .await;
        match result {
            Ok(_) => {
                tracing::debug!(stage, id = lock_id, "released DynamoDB state lock");
                if self.held_lock(stage).as_deref() == Some(lock_id) {
                    self.set_held(stage, None);
                }
                Ok(())
            }
            Err(e) if e.code() == Some("ConditionalCheckFailedException") => {
                // Released or taken over between the read and the delete: report what is there now.
                match self.read_lock(stage).await? {
                    None => Err(not_locked()),
                    Some(item) => {
                        let now = self.holder(stage, &item);
                        Err(StateError::LockIdMismatch {
                            stage: stage.to_string(),
                            requested: lock_id.to_string(),
                            held: now.id.clone(),
                            holder: Box::new(now),
                        })
                    }
                }
            }
            Err(e) => Err(self.aws_error("DeleteItem", self.table_target(), Some(stage), &e)),
        }
    }

    /// Creates the state bucket (versioned, encrypted with AES256, all public access blocked) and
    /// the lock table (hash key `LockID`, on-demand billing). Idempotent: what exists is kept, and
    /// the bucket's settings are applied again.
    pub async fn bootstrap(&self) -> Result<BootstrapReport, StateError> {
        let bucket_created = self.ensure_bucket().await?;
        let table_created = self.ensure_table().await?;
        Ok(BootstrapReport {
            bucket_created,
            table_created,
        })
    }

    async fn ensure_bucket(&self) -> Result<bool, StateError> {
        let bucket = &self.settings.bucket;
        let target = format!("bucket {bucket}");
        let created = match self.s3.head_bucket().bucket(bucket).send().await {
            Ok(_) => false,
            Err(e) if e.as_service_error().is_some_and(|s| s.is_not_found()) => {
                let mut create = self.s3.create_bucket().bucket(bucket);
                if let Some(region) = self.region.as_deref().filter(|r| *r != "us-east-1") {
                    create = create.create_bucket_configuration(
                        CreateBucketConfiguration::builder()
                            .location_constraint(BucketLocationConstraint::from(region))
                            .build(),
                    );
                }
                match create.send().await {
                    Ok(_) => true,
                    Err(e) if e.code() == Some("BucketAlreadyOwnedByYou") => false,
                    Err(e) if e.code() == Some("BucketAlreadyExists") => {
                        return Err(StateError::Backend {
                            operation: "CreateBucket".into(),
                            target,
                            message: "the name is taken by another AWS account (bucket names are global): \
                                      choose another bucket in the backend node"
                                .into(),
                        })
                    }
                    Err(e) => return Err(self.aws_error("CreateBucket", target, None, &e)),
                }
            }
            Err(e) => return Err(self.aws_error("HeadBucket", target, None, &e)),
        };
        if created {
            tracing::info!(bucket = %bucket, "created the state bucket");
        }
        self.s3
            .put_bucket_versioning()
            .bucket(bucket)
            .versioning_configuration(
                VersioningConfiguration::builder()
                    .status(BucketVersioningStatus::Enabled)
                    .build(),
            )
            .send()
            .await
            .map_err(|e| self.aws_error("PutBucketVersioning", target.clone(), None, &e))?;
        let rule = ServerSideEncryptionRule::builder()
            .apply_server_side_encryption_by_default(
                ServerSideEncryptionByDefault::builder()
                    .sse_algorithm(ServerSideEncryption::Aes256)
                    .build()
                    .expect("sse_algorithm is set"),
            )
            .build();
        self.s3
            .put_bucket_encryption()
            .bucket(bucket)
            .server_side_encryption_configuration(
                ServerSideEncryptionConfiguration::builder()
                    .rules(rule)
                    .build()
                    .expect("rules are set"),
            )
            .send()
            .await
            .map_err(|e| self.aws_error("PutBucketEncryption", target.clone(), None, &e))?;
        self.s3
            .put_public_access_block()
            .bucket(bucket)
            .public_access_block_configuration(
                PublicAccessBlockConfiguration::builder()
                    .block_public_acls(true)
                    .ignore_public_acls(true)
                    .block_public_policy(true)
                    .restrict_public_buckets(true)
                    .build(),
            )
            .send()
            .await
            .map_err(|e| self.aws_error("PutPublicAccessBlock", target.clone(), None, &e))?;
        Ok(created)
    }

    async fn ensure_table(&self) -> Result<bool, StateError> {
        let table = &self.settings.lock_table;
        let target = self.table_target();
        match self
            .dynamodb
            .describe_table()
            .table_name(table)
            .send()
            .await
        {
            Ok(out) => {
                let key_ok = out.table().is_some_and(|t| {
                    t.key_schema()
                        .iter()
                        .any(|k| k.attribute_name() == LOCK_KEY && k.key_type() == &KeyType::Hash)
                });
                return if key_ok {
                    Ok(false)
                } else {
                    Err(StateError::Backend {
                        operation: "DescribeTable".into(),
                        target,
                        message: format!(
                            "the table exists but its hash key is not {LOCK_KEY}: choose another lock-table name"
                        ),
                    })
                };
            }
            Err(e)
                if e.as_service_error()
                    .is_some_and(|s| s.is_resource_not_found_exception()) => {}
            Err(e) => return Err(self.aws_error("DescribeTable", target, None, &e)),
        }
        let created = self
            .dynamodb
            .create_table()
            .table_name(table)
            .attribute_definitions(
                AttributeDefinition::builder()
                    .attribute_name(LOCK_KEY)
                    .attribute_type(ScalarAttributeType::S)
                    .build()
                    .expect("name and type are set"),
            )
            .key_schema(
                KeySchemaElement::builder()
                    .attribute_name(LOCK_KEY)
                    .key_type(KeyType::Hash)
                    .build()
                    .expect("name and type are set"),
            )
            .billing_mode(BillingMode::PayPerRequest)
            .send()
            .await;
        let created = match created {
            Ok(_) => true,
            // Created meanwhile by a concurrent bootstrap.
            Err(e) if e.code() == Some("ResourceInUseException") => false,
            Err(e) => return Err(self.aws_error("CreateTable", target, None, &e)),
        };
        self.dynamodb
            .wait_until_table_exists()
            .table_name(table)
            .wait(Duration::from_secs(300))
            .await
            .map_err(|e| StateError::Backend {
                operation: "DescribeTable (waiting for ACTIVE)".into(),
                target: target.clone(),
                message: DisplayErrorContext(&e).to_string(),
            })?;
        if created {
            tracing::info!(table = %table, "created the lock table");
        }
        Ok(created)
    }
}

#[async_trait]
impl StateBackend for S3Backend {
    fn describe(&self) -> String {
        format!(
            "s3://{}/{} (lock table {})",
            self.settings.bucket,
            self.settings.key.trim_matches('/'),
            self.settings.lock_table
        )
    }

    fn location(&self, stage: &str) -> String {
        self.url(stage)
    }

    async fn read(&self, stage: &str) -> Result<Snapshot, StateError> {
        validate_stage(stage)?;
        let key = self.object_key(stage);
        let out = match self
            .s3
            .get_object()
            .bucket(&self.settings.bucket)
            .key(&key)
            .send()
            .await
        {
            Ok(out) => out,
            Err(e) if e.as_service_error().is_some_and(|s| s.is_no_such_key()) => {
                return Ok(Snapshot {
                    state: None,
                    version: StateVersion::absent(),
                })
            }
            Err(e) => return Err(self.aws_error("GetObject", self.url(stage), Some(stage), &e)),
        };
        let etag = out.e_tag().unwrap_or_default().to_string();
        let bytes = out
            .body
            .collect()
            .await
            .map_err(|e| StateError::Backend {
                operation: "GetObject (reading the body)".into(),
                target: self.url(stage),
                message: e.to_string(),
            })?
            .into_bytes();
        let location = self.url(stage);
        let hint = self.recovery_hint(stage);
        let state = State::from_json(&bytes, &location, &hint)?;
        if state.stage != stage {
            return Err(StateError::Corrupt {
                location,
                detail: format!("it holds the state of stage {}, not {stage}", state.stage),
                hint,
            });
        }
        let version = StateVersion::present(state.serial, state.lineage.clone(), etag);
        Ok(Snapshot {
            state: Some(state),
            version,
        })
    }

    async fn write(
        &self,
        state: &mut State,
        expected: &StateVersion,
    ) -> Result<StateVersion, StateError> {
        validate_stage(&state.stage)?;
        let stage = state.stage.clone();
        self.check_still_locked(&stage).await?;
        let mut next = state.clone();
        prepare_write(&mut next, expected)?;
        let mut put = self
            .s3
            .put_object()
            .bucket(&self.settings.bucket)
            .key(self.object_key(&stage))
            .content_type("application/json")
            .body(ByteStream::from(next.to_json()));
        put = match expected.tag() {
            None => put.if_none_match("*"),
            Some(etag) => put.if_match(etag),
        };
        let out = match put.send().await {
            Ok(out) => out,
            Err(e)
                if matches!(
                    e.code(),
                    Some("PreconditionFailed" | "ConditionalRequestConflict")
                ) =>
            {
                let detail = match expected.tag() {
                    None => "the object was created by another writer".to_string(),
                    Some(etag) => format!("its ETag is no longer {etag}"),
                };
                return Err(StateError::Conflict {
                    location: self.url(&stage),
                    detail,
                });
            }
            Err(e) => return Err(self.aws_error("PutObject", self.url(&stage), Some(&stage), &e)),
        };
        let etag = match out.e_tag() {
            Some(t) => t.to_string(),
            None => self
                .s3
                .head_object()
                .bucket(&self.settings.bucket)
                .key(self.object_key(&stage))
                .send()
                .await
                .map_err(|e| self.aws_error("HeadObject", self.url(&stage), Some(&stage), &e))?
                .e_tag()
                .unwrap_or_default()
                .to_string(),
        };
        tracing::debug!(url = %self.url(&stage), serial = next.serial, "wrote S3 state");
        let version = StateVersion::present(next.serial, next.lineage.clone(), etag);
        *state = next;
        Ok(version)
    }

    async fn try_lock(&self, stage: &str, info: &LockInfo) -> Result<LockInfo, StateError> {
        validate_stage(stage)?;
        let mut info = info.clone();
        info.path = format!("{}/{}", self.settings.bucket, self.object_key(stage));
        let space = eco_state::process_space();
        let mut took_over: Option<Box<LockInfo>> = None;
        // Three tries: if the holder releases between our put and our read, or its lock was stale
        // and is now released, put again.
        for _ in 0..3 {
            let (k, v) = self.lock_key(stage);
            let mut put = self
                .dynamodb
                .put_item()
                .table_name(&self.settings.lock_table)
                .item(k, v)
                .item(LOCK_INFO, AttributeValue::S(info.to_json()))
                .item(LOCK_PID, AttributeValue::N(std::process::id().to_string()))
                .condition_expression("attribute_not_exists(#id)")
                .expression_attribute_names("#id", LOCK_KEY);
            if let Some(space) = &space {
                put = put.item(LOCK_SPACE, AttributeValue::S(space.clone()));
            }
            let put = put.send().await;
            match put {
                Ok(_) => {
                    tracing::debug!(stage, id = %info.id, "took DynamoDB state lock");
                    self.set_held(stage, Some(&info.id));
                    info.took_over = took_over;
                    return Ok(info);
                }
                Err(e) if e.code() == Some("ConditionalCheckFailedException") => {
                    let Some(item) = self.read_lock(stage).await? else {
                        continue;
                    };
                    let holder = self.holder(stage, &item);
                    if holder.can_be_taken_over() && took_over.is_none() {
                        // Its process is gone (killed): the lock protects nothing any more. The
                        // delete is conditional on the item being unchanged, so a run that took
                        // it meanwhile keeps it.
                        tracing::info!(stage, id = %holder.id, pid = ?holder.pid, "taking over a stale lock");
                        match self.release(stage, &holder.id).await {
                            Ok(()) | Err(StateError::NotLocked { .. }) => {}
                            Err(StateError::LockIdMismatch { .. }) => continue,
                            Err(e) => return Err(e),
                        }
                        took_over = Some(Box::new(holder));
                        continue;
                    }
                    return Err(StateError::Locked {
                        stage: stage.to_string(),
                        holder: Some(Box::new(holder)),
                        waited: Duration::ZERO,
                    });
                }
                Err(e) => {
                    return Err(self.aws_error("PutItem", self.table_target(), Some(stage), &e))
                }
            }
        }
        Err(StateError::Locked {
            stage: stage.to_string(),
            holder: None,
            waited: Duration::ZERO,
        })
    }

    async fn unlock(&self, stage: &str, lock_id: &str) -> Result<(), StateError> {
        validate_stage(stage)?;
        self.release(stage, lock_id).await
    }

    async fn force_unlock(&self, stage: &str, lock_id: &str) -> Result<(), StateError> {
        validate_stage(stage)?;
        self.release(stage, lock_id).await
    }

    async fn lock_holder(&self, stage: &str) -> Result<Option<LockInfo>, StateError> {
        validate_stage(stage)?;
        Ok(self
            .read_lock(stage)
            .await?
            .map(|item| self.holder(stage, &item)))
    }

    async fn list_stages(&self) -> Result<Vec<String>, StateError> {
        let prefix = self.prefix();
        let mut stages = Vec::new();
        let mut token: Option<String> = None;
        loop {
            let out = self
                .s3
                .list_objects_v2()
                .bucket(&self.settings.bucket)
                .prefix(&prefix)
                .set_continuation_token(token.take())
                .send()
                .await
                .map_err(|e| {
                    self.aws_error(
                        "ListObjectsV2",
                        format!("s3://{}/{prefix}", self.settings.bucket),
                        None,
                        &e,
                    )
                })?;
            for object in out.contents() {
                let Some(name) = object.key().and_then(|k| k.strip_prefix(prefix.as_str())) else {
                    continue;
                };
                if let Some(stage) = name.strip_suffix(".json") {
                    if validate_stage(stage).is_ok() {
                        stages.push(stage.to_string());
                    }
                }
            }
            match out.next_continuation_token() {
                Some(t) if out.is_truncated() == Some(true) => token = Some(t.to_string()),
                _ => break,
            }
        }
        stages.sort();
        Ok(stages)
    }
}
