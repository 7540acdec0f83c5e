//! The one owner of retries: which failed operations are tried again, how often, and how long
//! the engine waits in between. Resource types never retry (their operations return
//! [`ErrorKind::Retryable`] for throttling and transient failures), and the AWS SDK's own retries
//! are off, so this policy is the only one: it does not stack under another.

use std::future::Future;
use std::time::Duration;

use eco_provider::{ErrorKind, OpError};

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
}
