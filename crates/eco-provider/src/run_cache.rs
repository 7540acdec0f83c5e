//! What the operations of one apply share: values looked up once per run (S3's ListBuckets
//! before the run's bucket creates in us-east-1), each computed by the first operation that
//! needs it while the others wait for it (single flight). The engine makes one per apply and
//! hands it to every operation in its [`OpContext`](crate::OpContext); providers keep no state
//! of their own.

use std::any::{Any, TypeId};
use std::collections::HashMap;
use std::fmt;
use std::future::Future;
use std::sync::{Arc, Mutex};

use tokio::sync::OnceCell;

type Cell = Arc<OnceCell<Arc<dyn Any + Send + Sync>>>;

/// Values shared by the operations of one run, by key and type (see the module docs). A
/// handle: clones share the values.
#[derive(Clone, Default)]
pub struct RunCache {
    cells: Arc<Mutex<HashMap<(TypeId, String), Cell>>>,
}

impl RunCache {
    /// An empty cache.
    pub fn new() -> RunCache {
        RunCache::default()
    }

    /// The value of type `T` under `key`: computed by `init` the first time it is asked for
    /// (concurrent callers wait for that one computation), then the same value for the rest of
    /// the run. A failed `init` stores nothing: the next caller tries again.
    pub async fn get_or_try_init<T, E, F, Fut>(&self, key: &str, init: F) -> Result<Arc<T>, E>
    where
        T: Any + Send + Sync,
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<T, E>>,
    {
        let cell = self
            .cells
            .lock()
            .expect("not poisoned")
            .entry((TypeId::of::<T>(), key.to_string()))
            .or_default()
            .clone();
        let value = cell
            .get_or_try_init(|| async {
                let value: Arc<dyn Any + Send + Sync> = Arc::new(init().await?);
                Ok(value)
            })
            .await?;
        Ok(value
            .clone()
            .downcast::<T>()
            .unwrap_or_else(|_| unreachable!("cells are keyed by their value's type")))
    }
}

impl fmt::Debug for RunCache {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let n = self.cells.lock().map(|c| c.len()).unwrap_or(0);
        write!(f, "RunCache({n} values)")
    }
}

/// What a run looked up says nothing about what an operation is asked to do: contexts compare
/// equal whatever run they belong to.
impl PartialEq for RunCache {
    fn eq(&self, _: &Self) -> bool {
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};

    #[tokio::test]
    async fn a_value_is_computed_once_for_concurrent_callers_and_a_failure_is_not_kept() {
        let cache = RunCache::new();
        let calls = Arc::new(AtomicUsize::new(0));
        let failed: Result<Arc<u32>, String> = cache
            .get_or_try_init("k", || async { Err("no".to_string()) })
            .await;
        assert_eq!(failed, Err("no".to_string()));
        let mut tasks = Vec::new();
        for _ in 0..8 {
            let (cache, calls) = (cache.clone(), calls.clone());
            tasks.push(tokio::spawn(async move {
                cache
                    .get_or_try_init("k", || async {
                        calls.fetch_add(1, Ordering::SeqCst);
                        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
                        Ok::<u32, String>(7)
                    })
                    .await
            }));
        }
        for t in tasks {
            assert_eq!(*t.await.unwrap().unwrap(), 7);
        }
        assert_eq!(calls.load(Ordering::SeqCst), 1);
        // Another key, or another type under the same key, is another value.
        let other: Arc<u32> = cache
            .get_or_try_init("j", || async { Ok::<u32, ()>(1) })
            .await
            .unwrap();
        let typed: Arc<String> = cache
            .get_or_try_init("k", || async { Ok::<String, ()>("s".into()) })
            .await
            .unwrap();
        assert_eq!((*other, typed.as_str()), (1, "s"));
    }
}
