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
    walk_grouped(
        graph,
        direction,
        parallelism,
        |_| None,
        |mut batch: Vec<Address>| {
            let address = batch.pop().expect("a group of one");
            let fut = f(address.clone());
            async move { vec![(address, fut.await)] }
        },
    )
    .await
}

/// Like [`walk`], but nodes that are ready at the same time and that `group_of` puts in the
/// same group run together in one call of `run` (which returns one result per node). A group
/// counts as one toward `parallelism`. `group_of` is asked when a node becomes ready, so it may
/// depend on what its predecessors produced. Used for APIs that take many changes in one call
/// (Route53 ChangeBatch).
pub async fn walk_grouped<T, E, G, F, Fut>(
    graph: &ResourceGraph,
    direction: Direction,
    parallelism: usize,
    group_of: G,
    run: F,
) -> BTreeMap<Address, Outcome<T, E>>
where
    T: Send + 'static,
    E: Send + 'static,
    G: Fn(&Address) -> Option<String>,
    F: Fn(Vec<Address>) -> Fut,
    Fut: Future<Output = Vec<(Address, Result<T, E>)>> + Send + 'static,
{
    let g = graph.inner();
    let parallelism = parallelism.max(1);
    // waits_on[n]: how many nodes must finish before n.
    let (wait_dir, unlock_dir) = match direction {
        Direction::Forward => (petgraph::Direction::Outgoing, petgraph::Direction::Incoming),
        Direction::Reverse => (petgraph::Direction::Incoming, petgraph::Direction::Outgoing),
    };
    let index: HashMap<Address, NodeIndex> = g.node_indices().map(|n| (g[n].clone(), n)).collect();
    let mut waits_on: HashMap<NodeIndex, usize> = g
        .node_indices()
        .map(|n| (n, g.neighbors_directed(n, wait_dir).count()))
        .collect();
    // Ready nodes with their group, in address order (popped from the end: smallest first).
    let mut ready: Vec<(NodeIndex, Option<String>)> = Vec::new();
    let mut newly: Vec<NodeIndex> = g.node_indices().filter(|n| waits_on[n] == 0).collect();
    let mut outcomes: BTreeMap<Address, Outcome<T, E>> = BTreeMap::new();
    let mut running: JoinSet<Vec<(Address, Result<T, E>)>> = JoinSet::new();
    loop {
        newly.sort_by(|a, b| g[*b].cmp(&g[*a]));
        for n in newly.drain(..) {
            let group = group_of(&g[n]);
            ready.push((n, group));
        }
        ready.sort_by(|a, b| g[b.0].cmp(&g[a.0]));
        while running.len() < parallelism {
            let Some((n, group)) = ready.pop() else { break };
            let mut batch = vec![g[n].clone()];
            if let Some(key) = &group {
                let mut rest = Vec::new();
                for (m, k) in ready.drain(..) {
                    if k.as_ref() == Some(key) {
                        batch.push(g[m].clone());
                    } else {
                        rest.push((m, k));
                    }
                }
                ready = rest;
            }
            running.spawn(run(batch));
        }
        let Some(joined) = running.join_next().await else {
            break;
        };
        let results = match joined {
            Ok(r) => r,
            Err(e) => std::panic::resume_unwind(e.into_panic()),
        };
        for (address, result) in results {
            let n = index[&address];
            match result {
                Ok(v) => {
                    outcomes.insert(address, Outcome::Done(v));
                    for m in g.neighbors_directed(n, unlock_dir) {
                        let w = waits_on.get_mut(&m).expect("every node has a count");
                        *w -= 1;
                        if *w == 0 {
                            newly.push(m);
                        }
                    }
                }
                Err(e) => {
                    outcomes.insert(address, Outcome::Failed(e));
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
        newly.retain(|m| waits_on[m] != usize::MAX);
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

    #[tokio::test]
    async fn ready_nodes_of_one_group_run_together() {
        // r1..r5 depend on zone; all become ready when zone is done: one batch.
        let s = Span::new(FileId(0), 0, 0);
        let mut g = ResourceGraph::new();
        for i in 1..=5 {
            g.add_dependency(&a(&format!("r{i}")), &a("zone"), s);
        }
        g.add_node(a("other"));
        let calls = Arc::new(Mutex::new(Vec::new()));
        let c = calls.clone();
        let out = walk_grouped(
            &g,
            Direction::Forward,
            2,
            |addr| addr.name.starts_with('r').then(|| "zone-1".to_string()),
            move |batch: Vec<Address>| {
                let c = c.clone();
                async move {
                    c.lock().unwrap().push(batch.len());
                    batch.into_iter().map(|x| (x, Ok::<_, ()>(()))).collect()
                }
            },
        )
        .await;
        assert_eq!(out.len(), 7);
        let mut sizes = calls.lock().unwrap().clone();
        sizes.sort();
        assert_eq!(sizes, [1, 1, 5]);
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
