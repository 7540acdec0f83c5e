//! What the commands that touch AWS open before their work: the stage's credentials, its
//! account check (asked of AWS at most once a run), the resource types' operations, and the
//! rendering of the engine's run errors.

use std::sync::{Arc, Mutex};

use eco_config::{Config, Sources, StageContext};
use eco_engine::{AccountSource, Providers, RunError};

use super::CliError;
use crate::ui::Ui;

/// The stage's AWS options: region, profile, assume-role, endpoint.
pub fn aws_options(stage: &StageContext) -> eco_aws::aws::AwsOptions {
    let s = stage.stage.as_ref();
    eco_aws::aws::AwsOptions {
        region: s.and_then(|s| s.region.clone()),
        profile: s.and_then(|s| s.profile.clone()),
        assume_role: s.and_then(|s| s.assume_role.as_ref().map(|r| r.role_arn.clone())),
        session_name: s.and_then(|s| s.assume_role.as_ref().and_then(|r| r.session_name.clone())),
        external_id: s.and_then(|s| s.assume_role.as_ref().and_then(|r| r.external_id.clone())),
        endpoint: s.and_then(|s| s.endpoint.clone()),
    }
}

/// A stage's AWS: its credentials' account (for the engine's account check) and the operations
/// of every resource type.
pub struct StageAws {
    pub account: AwsAccount,
    pub providers: Arc<Providers>,
}

impl StageAws {
    pub async fn load(stage: &StageContext) -> StageAws {
        let aws = eco_aws::Aws::load(&aws_options(stage)).await;
        let providers = Arc::new(eco_aws::providers(&aws));
        StageAws {
            account: AwsAccount {
                aws,
                answer: Mutex::new(None),
            },
            providers,
        }
    }

    /// Holds the run's AWS requests in flight, all services together, to `n` (`-parallelism`).
    pub fn limit_in_flight(&self, n: usize) {
        self.account.aws.limit_in_flight(n);
    }

    /// Completes the stage's identity for `${aws.NAME}` when the configuration uses it: the
    /// region from the credentials' configuration, the account from the account check's
    /// GetCallerIdentity (asked once a run, shared with the guard).
    pub async fn identify(&self, config: &Config, stage: &mut StageContext) -> Result<(), String> {
        if !config.references_aws() {
            return Ok(());
        }
        if !stage.aws.contains_key("region") {
            stage.set_region(&self.account.aws.region());
        }
        if !stage.aws.contains_key("account-id") {
            let account = self
                .account
                .caller_account()
                .await
                .map_err(|e| format!("cannot tell the account for ${{aws.account-id}}: {e}"))?;
            stage.aws.insert("account-id".into(), account);
        }
        Ok(())
    }

    /// The engine's account check, as a CLI error.
    pub async fn check_account(&self, stage: &StageContext) -> Result<(), CliError> {
        eco_engine::check_account(&self.account, stage)
            .await
            .map_err(CliError::from)
    }
}

/// GetCallerIdentity, asked once and remembered.
pub struct AwsAccount {
    aws: eco_aws::Aws,
    answer: Mutex<Option<Result<String, String>>>,
}

impl AwsAccount {
    /// The stage's AWS clients.
    pub fn aws(&self) -> &eco_aws::Aws {
        &self.aws
    }
}

#[async_trait::async_trait]
impl AccountSource for AwsAccount {
    async fn caller_account(&self) -> Result<String, String> {
        if let Some(answer) = self.answer.lock().expect("not poisoned").clone() {
            return answer;
        }
        let answer = self.aws.caller_account().await.map_err(|e| e.to_string());
        *self.answer.lock().expect("not poisoned") = Some(answer.clone());
        answer
    }
}

impl From<RunError> for CliError {
    fn from(e: RunError) -> Self {
        match e {
            RunError::State(e) => e.into(),
            e => CliError::Message {
                message: e.to_string(),
                help: e.help(),
            },
        }
    }
}

/// A run error as the CLI shows it: the engine errors behind it first, one line each, then the
/// error itself (configuration problems with their source lines).
pub fn run_error(ui: &Ui, sources: &Sources, e: RunError) -> CliError {
    for inner in e.errors() {
        ui.err_line(format!("Error: {inner}"));
    }
    match e {
        RunError::Config(d) => CliError::Diagnostic(sources.clone(), d),
        RunError::Plan(diagnostics) => CliError::Config(eco_config::LoadError {
            sources: sources.clone(),
            diagnostics,
        }),
        e => e.into(),
    }
}
