//! The one owner of retries: which failed operations are tried again, how often, and how long
//! the engine waits in between. Resource types never retry (their operations return
//! [`ErrorKind::Retryable`] for throttling and transient failures), and the AWS SDK's own retries
//! are off, so this policy is the only one: it does not stack under another.
//!
//! Two kinds of retry: an error a type's rules name as transient ([`Transient`]: AWS not yet
//! consistent, a resource still settling) is tried again with jittered backoff until the rule's
//! time budget is spent, and so is, in the apply walk, any other [`ErrorKind::Retryable`] error
//! (throttling, a 5xx, a dropped connection: [`RETRYABLE`]'s budget), as is refresh's read of a
//! resource ([`RetryPolicy::run_within_budget`]); other reads ([`RetryPolicy::run`]) get the
//! policy's fixed number of tries. Everything else is final at once.

use std::future::Future;
use std::time::Duration;

use eco_provider::{ErrorKind, OpError, Transient};

/// How the engine retries operations that fail with [`ErrorKind::Retryable`]: up to `attempts`
/// tries in all, waiting `first_delay` before the second and `multiplier` times longer before
/// each next one. The default is 4 attempts, waiting 0.5 s, 1 s, 2 s.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Tries in all (1: no retries).
    pub attempts: u32,
    pub first_delay: Duration,
    pub multiplier: u32,
}

/// The budget of a change's call that failed with an [`ErrorKind::Retryable`] error no rule of
/// its type names (throttling, a 5xx, a dropped connection).
pub const RETRYABLE: Transient = Transient {
    operations: &["*"],
    codes: &[],
    message: None,
    budget: Duration::from_secs(300),
    why: "AWS throttled the call or failed on its side",
};

/// The longest pause between two tries of a transient error.
pub const MAX_TRANSIENT_DELAY: Duration = Duration::from_secs(20);

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            attempts: 4,
            first_delay: Duration::from_millis(500),
            multiplier: 2,
        }
    }
}

impl RetryPolicy {
    /// No retries: every error is final.
    pub fn none() -> Self {
        RetryPolicy {
            attempts: 1,
            ..Self::default()
        }
    }

    /// How long to wait before trying again after `error` ended try number `attempt` (from 1),
    /// or `None` when the error is final.
    pub fn retry_after(&self, error: &OpError, attempt: u32) -> Option<Duration> {
        if error.kind != ErrorKind::Retryable || attempt >= self.attempts {
            return None;
        }
        let factor = self
            .multiplier
            .max(1)
            .saturating_pow(attempt.saturating_sub(1));
        Some(self.first_delay.saturating_mul(factor))
    }

    /// How long to wait before trying again after `error` ended try number `attempt` (from 1)
    /// of a change's call that has been failing for `failing_for`: under the first of `rules` it
    /// matches (see [`RetryPolicy::retry_transient`]), else, for a [`ErrorKind::Retryable`]
    /// error, under [`RETRYABLE`]'s budget (a create or update is many calls: under throttling
    /// a count of tries of the whole would run out). Also says which of `rules` matched.
    pub fn retry_with<'r>(
        &self,
        rules: &'r [Transient],
        error: &OpError,
        attempt: u32,
        failing_for: Duration,
    ) -> (Option<Duration>, Option<&'r Transient>) {
        match eco_provider::transient::find(rules, error) {
            Some(rule) => (self.retry_transient(rule, attempt, failing_for), Some(rule)),
            None if error.kind == ErrorKind::Retryable => {
                (self.retry_transient(&RETRYABLE, attempt, failing_for), None)
            }
            None => (None, None),
        }
    }

    /// The pause before the next try under `rule`, or `None` once its budget (scaled by
    /// `ECO_TEST_TIME_SCALE`) would be spent: `first_delay` doubling per try, capped at a
    /// sixteenth of the budget (and at [`MAX_TRANSIENT_DELAY`]: many tries fit in a budget), with "equal jitter" (a random pause
    /// between half and all of that) so that many changes failing together do not retry in step.
    /// A policy of one attempt ([`RetryPolicy::none`]) retries nothing.
    pub fn retry_transient(
        &self,
        rule: &Transient,
        attempt: u32,
        failing_for: Duration,
    ) -> Option<Duration> {
        if self.attempts <= 1 {
            return None;
        }
        let budget = rule.scaled_budget();
        let factor = self
            .multiplier
            .max(1)
            .saturating_pow(attempt.saturating_sub(1).min(16));
        let cap = (budget / 16).clamp(Duration::from_millis(50), MAX_TRANSIENT_DELAY);
        let full = self.first_delay.saturating_mul(factor).min(cap);
        let pause = full / 2 + full.mul_f64(fastrand::f64() / 2.0);
        (failing_for + pause <= budget).then_some(pause)
    }

    /// Runs `f`, trying again while it fails with a retryable error and tries are left.
    pub async fn run<T, F, Fut>(&self, mut f: F) -> Result<T, OpError>
    where
        F: FnMut() -> Fut,
        Fut: Future<Output = Result<T, OpError>>,
    {
        let mut attempt = 1;
        loop {
            match f().await {
                Err(e) => match self.retry_after(&e, attempt) {
                    Some(delay) => {
                        tracing::debug!(operation = %e.operation, attempt, "retrying: {}", e.message);
                        tokio::time::sleep(delay).await;
                        attempt += 1;
                    }
                    None => return Err(e),
                },
                ok => return ok,
            }
        }
    }
}

impl RetryPolicy {
    /// Runs `f`, trying again while it fails with a retryable error, for up to [`RETRYABLE`]'s
    /// time budget (jittered backoff) instead of a count of tries: for a read of one resource,
    /// which is several calls for many types (under steady throttling a count of tries of the
    /// whole would run out). No retries under a policy of one attempt.
    pub async fn run_within_budget<T, F, Fut>(&self, mut f: F) -> Result<T, OpError>
    where
        F: FnMut() -> Fut,
        Fut: Future<Output = Result<T, OpError>>,
    {
        let mut attempt = 1;
        let mut failing_since: Option<tokio::time::Instant> = None;
        loop {
            match f().await {
                Err(e) if e.kind == ErrorKind::Retryable => {
                    let failing_for = failing_since
                        .get_or_insert_with(tokio::time::Instant::now)
                        .elapsed();
                    match self.retry_transient(&RETRYABLE, attempt, failing_for) {
                        Some(delay) => {
                            tracing::debug!(operation = %e.operation, attempt, "retrying: {}", e.message);
                            tokio::time::sleep(delay).await;
                            attempt += 1;
                        }
                        None => return Err(e),
                    }
                }
                done => return done,
            }
        }
    }

    /// [`RetryPolicy::run`] for operations a type may not have (`None`: it has none, as
    /// `read_many` and `list`), retried like any other.
    pub async fn run_optional<T, F, Fut>(&self, mut f: F) -> Option<Result<T, OpError>>
    where
        F: FnMut() -> Fut,
        Fut: Future<Output = Option<Result<T, OpError>>>,
    {
        self.run(|| {
            let call = f();
            async move {
                match call.await {
                    None => Ok(None),
                    Some(result) => result.map(Some),
                }
            }
        })
        .await
        .transpose()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_default_is_four_tries_half_a_second_doubling() {
        let p = RetryPolicy::default();
        let e = OpError::new("Op", ErrorKind::Retryable, "slow down");
        let delays: Vec<_> = (1..=4).map(|a| p.retry_after(&e, a)).collect();
        assert_eq!(
            delays,
            [
                Some(Duration::from_millis(500)),
                Some(Duration::from_secs(1)),
                Some(Duration::from_secs(2)),
                None
            ]
        );
        let invalid = OpError::invalid("Op", "bad name");
        assert_eq!(p.retry_after(&invalid, 1), None);
        assert_eq!(RetryPolicy::none().retry_after(&e, 1), None);
    }

    const ROLE: Transient = Transient {
        operations: &["CreateFunction"],
        codes: &["InvalidParameterValueException"],
        message: Some("cannot be assumed"),
        budget: Duration::from_secs(300),
        why: "IAM is propagating the new role",
    };

    #[test]
    fn a_transient_error_is_retried_with_jitter_until_its_time_budget_is_spent() {
        let p = RetryPolicy::default();
        let e = OpError::invalid(
            "CreateFunction",
            "InvalidParameterValueException: The role cannot be assumed by Lambda",
        )
        .with_code("InvalidParameterValueException");
        // Far more tries than the count policy allows, while the budget lasts.
        let mut failing_for = Duration::ZERO;
        let mut tries = 1;
        loop {
            let (pause, rule) = p.retry_with(&[ROLE], &e, tries, failing_for);
            assert_eq!(rule, Some(&ROLE));
            let Some(pause) = pause else { break };
            let full = Duration::from_millis(500)
                .saturating_mul(2u32.saturating_pow(tries - 1))
                .min(Duration::from_secs(300) / 16);
            assert!(
                pause >= full / 2 && pause <= full,
                "try {tries}: {pause:?} of {full:?}"
            );
            failing_for += pause;
            tries += 1;
        }
        assert!(tries > 10, "{tries} tries");
        assert!(failing_for <= Duration::from_secs(300));
        assert!(failing_for >= Duration::from_secs(300) - MAX_TRANSIENT_DELAY);
        // Not the rule's: the count policy (an Invalid error is final).
        let other = OpError::invalid(
            "CreateFunction",
            "InvalidParameterValueException: bad runtime",
        )
        .with_code("InvalidParameterValueException");
        assert_eq!(
            p.retry_with(&[ROLE], &other, 1, Duration::ZERO),
            (None, None)
        );
        // No retries at all under `none`.
        assert_eq!(
            RetryPolicy::none().retry_transient(&ROLE, 1, Duration::ZERO),
            None
        );
    }

    #[tokio::test(start_paused = true)]
    async fn a_read_is_retried_for_a_time_budget_not_a_count() {
        let calls = std::sync::atomic::AtomicU32::new(0);
        let throttled = || OpError::new("Describe", ErrorKind::Retryable, "throttled");
        // Ten throttled tries, more than the count policy's four: still read.
        let read = RetryPolicy::default()
            .run_within_budget(|| async {
                match calls.fetch_add(1, std::sync::atomic::Ordering::SeqCst) {
                    0..10 => Err(throttled()),
                    _ => Ok(3u8),
                }
            })
            .await;
        assert_eq!(read, Ok(3));
        // Throttled for good: given up once the budget is spent; other errors are final at once.
        let started = tokio::time::Instant::now();
        let stuck: Result<(), _> = RetryPolicy::default()
            .run_within_budget(|| async { Err(throttled()) })
            .await;
        assert!(stuck.is_err());
        assert!(
            started.elapsed() <= RETRYABLE.budget,
            "{:?}",
            started.elapsed()
        );
        assert!(started.elapsed() >= RETRYABLE.budget - MAX_TRANSIENT_DELAY);
        let tries = std::sync::atomic::AtomicU32::new(0);
        let invalid: Result<(), _> = RetryPolicy::default()
            .run_within_budget(|| async {
                tries.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                Err(OpError::invalid("Describe", "bad"))
            })
            .await;
        assert!(invalid.is_err());
        assert_eq!(tries.load(std::sync::atomic::Ordering::SeqCst), 1);
    }

    #[tokio::test(start_paused = true)]
    async fn run_retries_retryable_errors_until_the_tries_are_spent() {
        let calls = std::sync::atomic::AtomicU32::new(0);
        let started = tokio::time::Instant::now();
        let result: Result<(), OpError> = RetryPolicy::default()
            .run(|| async {
                calls.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                Err(OpError::new("Op", ErrorKind::Retryable, "throttled"))
            })
            .await;
        assert!(result.is_err());
        assert_eq!(calls.load(std::sync::atomic::Ordering::SeqCst), 4);
        assert_eq!(started.elapsed(), Duration::from_millis(3500));

        // An operation a type does not have is not called again; one that recovers succeeds.
        let none: Option<Result<u8, OpError>> =
            RetryPolicy::default().run_optional(|| async { None }).await;
        assert!(none.is_none());
        let tries = std::sync::atomic::AtomicU32::new(0);
        let ok = RetryPolicy::default()
            .run_optional(|| async {
                match tries.fetch_add(1, std::sync::atomic::Ordering::SeqCst) {
                    0 => Some(Err(OpError::new("Op", ErrorKind::Retryable, "slow down"))),
                    _ => Some(Ok(7u8)),
                }
            })
            .await;
        assert_eq!(ok, Some(Ok(7)));
    }
}
