//! Waiting for AWS to finish something it does after answering (a table becoming ACTIVE, a
//! function leaving Pending, a certificate's records appearing, a domain deploying), written
//! once: look, and while not done pause with a doubling backoff up to a bound, for at most a
//! time limit.
//!
//! The caller decides what a look found ([`Look`]) and what running out of time means (its
//! own error, which names the resource and what it is still waiting for). Running out of time is
//! final: a wait's error is never [`ErrorKind::Retryable`](eco_provider::ErrorKind), so the
//! engine does not wait the whole limit again. Every limit (here and the SDK waiters' given
//! [`budget`]) is scaled by `ECO_TEST_TIME_SCALE` for tests.

use std::future::Future;
use std::time::Duration;

use tokio::time::Instant;

use eco_provider::OpError;

/// How to pause between looks: `first`, doubling up to `max`; give up after `limit`.
#[derive(Debug, Clone, Copy)]
pub struct Backoff {
    pub first: Duration,
    pub max: Duration,
    pub limit: Duration,
}

impl Backoff {
    /// Pauses from `first` doubling to `max`, for at most `limit`.
    pub const fn new(first: Duration, max: Duration, limit: Duration) -> Backoff {
        Backoff { first, max, limit }
    }
}

/// What one look found: done (with what it waited for), or not yet (with what it saw, for the
/// message when time runs out).
#[derive(Debug)]
pub enum Look<T, S = ()> {
    Done(T),
    NotYet(S),
}

/// The time limit of a wait as this process applies it (scaled by `ECO_TEST_TIME_SCALE`): what
/// SDK waiters are given.
pub fn budget(limit: Duration) -> Duration {
    eco_provider::transient::scaled(limit)
}

/// How the engine should treat an SDK waiter's failure: running out of time (or AWS reporting
/// the thing failed) is final; a poll that failed (throttled, a dropped connection: eco turns
/// the SDK's own retries off) is retryable, as the poll itself would be.
pub fn waiter_failure_kind<O, E>(
    error: &aws_smithy_runtime_api::client::waiters::error::WaiterError<O, E>,
) -> eco_provider::ErrorKind {
    use aws_smithy_runtime_api::client::waiters::error::WaiterError;
    match error {
        WaiterError::OperationFailed(_) => eco_provider::ErrorKind::Retryable,
        _ => eco_provider::ErrorKind::Other,
    }
}

/// Looks until `look` says done (`Ok(Ok(..))`) or `backoff.limit` passes (`Ok(Err(last seen))`);
/// an error from a look ends the wait at once.
pub async fn until<T, S, F, Fut>(backoff: Backoff, mut look: F) -> Result<Result<T, S>, OpError>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<Look<T, S>, OpError>>,
{
    let start = Instant::now();
    let limit = budget(backoff.limit);
    let mut pause = backoff.first;
    loop {
        match look().await? {
            Look::Done(done) => return Ok(Ok(done)),
            Look::NotYet(seen) if start.elapsed() + pause > limit => return Ok(Err(seen)),
            Look::NotYet(_) => {}
        }
        tokio::time::sleep(pause).await;
        pause = (pause * 2).min(backoff.max);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use eco_provider::ErrorKind;

    const QUICK: Backoff = Backoff::new(
        Duration::from_millis(1),
        Duration::from_millis(4),
        Duration::from_millis(200),
    );

    #[tokio::test]
    async fn looks_until_done_and_returns_what_it_found() {
        let mut looks = 0;
        let found = until(QUICK, || {
            looks += 1;
            let n = looks;
            async move {
                Ok(if n < 3 {
                    Look::NotYet(n)
                } else {
                    Look::Done("ready")
                })
            }
        })
        .await
        .unwrap();
        assert_eq!(found, Ok("ready"));
        assert_eq!(looks, 3);
    }

    // Paused time: the pauses advance the clock exactly, so the looks and the time are exact.
    #[tokio::test(start_paused = true)]
    async fn gives_up_after_the_limit_with_the_last_thing_seen() {
        let limit = Backoff::new(
            Duration::from_millis(5),
            Duration::from_millis(5),
            Duration::from_millis(30),
        );
        let started = Instant::now();
        let mut looks = 0;
        let found: Result<(), u32> = until(limit, || {
            looks += 1;
            let n = looks;
            async move { Ok(Look::NotYet(n)) }
        })
        .await
        .unwrap();
        assert_eq!(found, Err(looks));
        // One look every 5 ms while the next pause still fits the (scaled) 30 ms budget.
        let limit = budget(Duration::from_millis(30));
        let pauses = looks - 1;
        assert!(looks >= 2, "{looks} looks");
        assert_eq!(started.elapsed(), Duration::from_millis(5) * pauses);
        assert!(started.elapsed() <= limit, "{:?}", started.elapsed());
        assert!(started.elapsed() + Duration::from_millis(5) > limit);
    }

    #[tokio::test]
    async fn an_error_from_a_look_ends_the_wait() {
        let failed = until(QUICK, || async {
            Err::<Look<(), ()>, _>(OpError::new("Describe", ErrorKind::Other, "boom"))
        })
        .await;
        assert_eq!(failed.unwrap_err().message, "boom");
    }
}
