//! A bounded parallel walk over the graph in dependency order.

use std::collections::{BTreeMap, HashMap};
use std::future::Future;

use eco_config::Address;
use petgraph::graph::NodeIndex;
use tokio::task::JoinSet;

use crate::ResourceGraph;

/// Which way to walk.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    /// Dependencies before dependents (refresh, create, update).
    Forward,
    /// Dependents before dependencies (destroy).
    Reverse,
}

/// What happened to one node in a walk.
#[derive(Debug, Clone, PartialEq)]
pub enum Outcome<T, E> {
    Done(T),
    Failed(E),
    /// Not run because a node it waits on failed or was skipped.
    Skipped {
        because: Address,
    },
}

/// Runs `f` on every node, each only after all the nodes it waits on have succeeded (its
/// dependencies when walking forward, its dependents in reverse), at most `parallelism` at a
/// time. A failure skips everything that waits on it; independent parts of the graph go on.
pub async fn walk<T, E, F, Fut>(
    graph: &ResourceGraph,
    direction: Direction,
    parallelism: usize,
    f: F,
) -> BTreeMap<Address, Outcome<T, E>>
where
    T: Send + 'static,
    E: Send + 'static,
    F: Fn(Address) -> Fut,
    Fut: Future<Output = Result<T, E>> + Send + 'static,
{
    let g = graph.inner();
    let parallelism = parallelism.max(1);
    // waits_on[n]: how many nodes must finish before n; unlocks[n]: who n unblocks.
    let (wait_dir, unlock_dir) = match direction {
        Direction::Forward => (petgraph::Direction::Outgoing, petgraph::Direction::Incoming),
        Direction::Reverse => (petgraph::Direction::Incoming, petgraph::Direction::Outgoing),
    };
    let mut waits_on: HashMap<NodeIndex, usize> = g
        .node_indices()
        .map(|n| (n, g.neighbors_directed(n, wait_dir).count()))
        .collect();
    let mut ready: Vec<NodeIndex> = g.node_indices().filter(|n| waits_on[n] == 0).collect();
    // Deterministic start order: smallest address first (popped from the end).
    ready.sort_by(|a, b| g[*b].cmp(&g[*a]));
    let mut outcomes: BTreeMap<Address, Outcome<T, E>> = BTreeMap::new();
    let mut running: JoinSet<(NodeIndex, Result<T, E>)> = JoinSet::new();
    loop {
        while running.len() < parallelism {
            let Some(n) = ready.pop() else { break };
            let fut = f(g[n].clone());
            running.spawn(async move { (n, fut.await) });
        }
        let Some(joined) = running.join_next().await else {
            break;
        };
        let (n, result) = match joined {
            Ok(r) => r,
            Err(e) => std::panic::resume_unwind(e.into_panic()),
        };
        match result {
            Ok(v) => {
                outcomes.insert(g[n].clone(), Outcome::Done(v));
                let mut newly: Vec<NodeIndex> = Vec::new();
                for m in g.neighbors_directed(n, unlock_dir) {
                    let w = waits_on.get_mut(&m).expect("every node has a count");
                    *w -= 1;
                    if *w == 0 {
                        newly.push(m);
                    }
                }
                newly.sort_by(|a, b| g[*b].cmp(&g[*a]));
                ready.extend(newly);
            }
            Err(e) => {
                outcomes.insert(g[n].clone(), Outcome::Failed(e));
                // Skip everything downstream of n.
                let mut todo: Vec<NodeIndex> = g.neighbors_directed(n, unlock_dir).collect();
                while let Some(m) = todo.pop() {
                    if outcomes.contains_key(&g[m]) {
                        continue;
                    }
                    outcomes.insert(
                        g[m].clone(),
                        Outcome::Skipped {
                            because: g[n].clone(),
                        },
                    );
                    waits_on.insert(m, usize::MAX);
                    todo.extend(g.neighbors_directed(m, unlock_dir));
                }
            }
        }
    }
    outcomes
}

#[cfg(test)]
mod tests {
    use super::*;
    use eco_config::{FileId, Span};
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::{Arc, Mutex};
    use std::time::Duration;

    fn a(n: &str) -> Address {
        Address::new("t", n)
    }

    fn chain_graph() -> ResourceGraph {
        // d -> b -> a, c -> a, e (alone)
        let s = Span::new(FileId(0), 0, 0);
        let mut g = ResourceGraph::new();
        g.add_dependency(&a("b"), &a("a"), s);
        g.add_dependency(&a("d"), &a("b"), s);
        g.add_dependency(&a("c"), &a("a"), s);
        g.add_node(a("e"));
        g
    }

    #[tokio::test]
    async fn forward_runs_dependencies_first() {
        let g = chain_graph();
        let order = Arc::new(Mutex::new(Vec::new()));
        let o = order.clone();
        let out = walk(&g, Direction::Forward, 4, move |addr| {
            let o = o.clone();
            async move {
                o.lock().unwrap().push(addr.name.clone());
                Ok::<_, ()>(())
            }
        })
        .await;
        assert_eq!(out.len(), 5);
        let order = order.lock().unwrap().clone();
        let pos = |n: &str| order.iter().position(|x| x == n).unwrap();
        assert!(pos("a") < pos("b") && pos("b") < pos("d") && pos("a") < pos("c"));
    }

    #[tokio::test]
    async fn reverse_runs_dependents_first() {
        let g = chain_graph();
        let order = Arc::new(Mutex::new(Vec::new()));
        let o = order.clone();
        walk(&g, Direction::Reverse, 4, move |addr| {
            let o = o.clone();
            async move {
                o.lock().unwrap().push(addr.name.clone());
                Ok::<_, ()>(())
            }
        })
        .await;
        let order = order.lock().unwrap().clone();
        let pos = |n: &str| order.iter().position(|x| x == n).unwrap();
        assert!(pos("d") < pos("b") && pos("b") < pos("a") && pos("c") < pos("a"));
    }

    #[tokio::test]
    async fn failure_skips_dependents_but_not_the_rest() {
        let g = chain_graph();
        let out = walk(&g, Direction::Forward, 2, |addr| async move {
            if addr.name == "b" {
                Err("boom")
            } else {
                Ok(())
            }
        })
        .await;
        assert_eq!(out[&a("b")], Outcome::Failed("boom"));
        assert_eq!(out[&a("d")], Outcome::Skipped { because: a("b") });
        assert_eq!(out[&a("c")], Outcome::Done(()));
        assert_eq!(out[&a("e")], Outcome::Done(()));
    }

    #[tokio::test(start_paused = true)]
    async fn parallelism_is_bounded() {
        let s = Span::new(FileId(0), 0, 0);
        let mut g = ResourceGraph::new();
        for i in 0..20 {
            g.add_node(a(&format!("n{i}")));
        }
        g.add_dependency(&a("n0"), &a("n1"), s);
        let running = Arc::new(AtomicUsize::new(0));
        let peak = Arc::new(AtomicUsize::new(0));
        let (r, p) = (running.clone(), peak.clone());
        let out = walk(&g, Direction::Forward, 3, move |_| {
            let (r, p) = (r.clone(), p.clone());
            async move {
                let now = r.fetch_add(1, Ordering::SeqCst) + 1;
                p.fetch_max(now, Ordering::SeqCst);
                tokio::time::sleep(Duration::from_millis(10)).await;
                r.fetch_sub(1, Ordering::SeqCst);
                Ok::<_, ()>(())
            }
        })
        .await;
        assert_eq!(out.len(), 20);
        assert_eq!(peak.load(Ordering::SeqCst), 3);
    }
}
