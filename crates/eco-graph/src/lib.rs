//! The dependency graph of a configuration's resources.
//!
//! An edge `a -> b` means `a` depends on `b` (it references `b`, or names it in `depends-on`), so
//! `b` is created first and destroyed last. [`ResourceGraph::from_config`] reports a cycle as a
//! diagnostic naming the whole path; [`walk`] runs a function over the nodes in dependency order
//! with bounded parallelism, as refresh, apply and destroy need.

// Diagnostics are the cold error path; keeping them unboxed keeps their construction simple.
#![allow(clippy::result_large_err)]

mod walk;

use std::collections::{BTreeSet, HashMap};
use std::fmt::Write as _;

use eco_config::{Address, Config, Diagnostic, Span};
use petgraph::graph::{DiGraph, NodeIndex};

pub use walk::{walk, walk_grouped, Direction, Outcome};

/// Resources and the dependencies between them.
#[derive(Debug, Clone, Default)]
pub struct ResourceGraph {
    graph: DiGraph<Address, Span>,
    index: HashMap<Address, NodeIndex>,
}

impl ResourceGraph {
    /// An empty graph.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds a node (no-op when present) and returns its index.
    pub fn add_node(&mut self, address: Address) -> NodeIndex {
        if let Some(i) = self.index.get(&address) {
            return *i;
        }
        let i = self.graph.add_node(address.clone());
        self.index.insert(address, i);
        i
    }

    /// Records that `from` depends on `to` (one edge per pair; `span` is where it was written).
    pub fn add_dependency(&mut self, from: &Address, to: &Address, span: Span) {
        let a = self.add_node(from.clone());
        let b = self.add_node(to.clone());
        if self.graph.find_edge(a, b).is_none() {
            self.graph.add_edge(a, b, span);
        }
    }

    /// Builds the graph of a configuration: one node per resource, an edge per referenced
    /// resource and per `depends-on`. A dependency cycle is an error naming the whole path.
    pub fn from_config(config: &Config) -> Result<ResourceGraph, Diagnostic> {
        let mut g = ResourceGraph::new();
        for r in &config.resources {
            g.add_node(r.address.clone());
        }
        for r in &config.resources {
            for reference in r.references() {
                if let eco_config::RefTarget::Resource { address, .. } = &reference.target {
                    g.add_dependency(&r.address, address, reference.span);
                }
            }
            for (dep, span) in &r.depends_on {
                g.add_dependency(&r.address, dep, *span);
            }
        }
        for (from, to, span) in snapshot_dependencies(config) {
            g.add_dependency(from, to, span);
        }
        g.check_acyclic()?;
        Ok(g)
    }

    /// Fails with the path of a cycle, if there is one.
    pub fn check_acyclic(&self) -> Result<(), Diagnostic> {
        let Some(cycle) = self.find_cycle() else {
            return Ok(());
        };
        let path: Vec<String> = cycle
            .iter()
            .chain(cycle.first())
            .map(|i| self.graph[*i].to_string())
            .collect();
        let mut d = Diagnostic::new(
            "eco::cycle",
            format!("dependency cycle: {}", path.join(" -> ")),
        )
        .help("break the cycle: one of these references must go (or move the value into a var)");
        for (k, from) in cycle.iter().enumerate() {
            let to = cycle[(k + 1) % cycle.len()];
            let edge = self.graph.find_edge(*from, to).expect("cycle edges exist");
            let text = format!("{} depends on {}", self.graph[*from], self.graph[to]);
            d = if k == 0 {
                d.at(self.graph[edge], text)
            } else {
                d.also(self.graph[edge], text)
            };
        }
        Err(d)
    }

    /// One cycle as a list of nodes (the first is where it starts), if any. Linear time.
    fn find_cycle(&self) -> Option<Vec<NodeIndex>> {
        let n = self.graph.node_count();
        // 0 = unvisited, 1 = on the stack, 2 = done
        let mut color = vec![0u8; n];
        let mut stack_path: Vec<NodeIndex> = Vec::new();
        // Iterative DFS with an explicit stack of (node, next-neighbor-iterator position).
        let mut nodes: Vec<NodeIndex> = self.graph.node_indices().collect();
        nodes.sort_by(|a, b| self.graph[*a].cmp(&self.graph[*b]));
        for start in nodes {
            if color[start.index()] != 0 {
                continue;
            }
            let mut stack: Vec<(NodeIndex, Vec<NodeIndex>)> = Vec::new();
            color[start.index()] = 1;
            stack_path.push(start);
            stack.push((start, self.sorted_neighbors(start)));
            while let Some((_, pending)) = stack.last_mut() {
                match pending.pop() {
                    Some(next) => match color[next.index()] {
                        0 => {
                            color[next.index()] = 1;
                            stack_path.push(next);
                            let nb = self.sorted_neighbors(next);
                            stack.push((next, nb));
                        }
                        1 => {
                            let pos = stack_path
                                .iter()
                                .position(|x| *x == next)
                                .expect("on stack");
                            return Some(stack_path[pos..].to_vec());
                        }
                        _ => {}
                    },
                    None => {
                        let (done, _) = stack.pop().expect("non-empty");
                        color[done.index()] = 2;
                        stack_path.pop();
                    }
                }
            }
        }
        None
    }

    fn sorted_neighbors(&self, i: NodeIndex) -> Vec<NodeIndex> {
        let mut nb: Vec<NodeIndex> = self.graph.neighbors(i).collect();
        // popped from the end: reverse order so the smallest address is visited first
        nb.sort_by(|a, b| self.graph[*b].cmp(&self.graph[*a]));
        nb
    }

    /// Number of resources.
    pub fn len(&self) -> usize {
        self.graph.node_count()
    }

    /// Whether there are no resources.
    pub fn is_empty(&self) -> bool {
        self.graph.node_count() == 0
    }

    /// Whether an address is in the graph.
    pub fn contains(&self, address: &Address) -> bool {
        self.index.contains_key(address)
    }

    /// All addresses, sorted.
    pub fn addresses(&self) -> Vec<&Address> {
        let mut v: Vec<&Address> = self.graph.node_weights().collect();
        v.sort();
        v
    }

    /// What `address` depends on directly, sorted.
    pub fn dependencies(&self, address: &Address) -> Vec<&Address> {
        self.neighbors(address, petgraph::Direction::Outgoing)
    }

    /// What depends on `address` directly, sorted.
    pub fn dependents(&self, address: &Address) -> Vec<&Address> {
        self.neighbors(address, petgraph::Direction::Incoming)
    }

    fn neighbors(&self, address: &Address, dir: petgraph::Direction) -> Vec<&Address> {
        let Some(i) = self.index.get(address) else {
            return Vec::new();
        };
        let set: BTreeSet<&Address> = self
            .graph
            .neighbors_directed(*i, dir)
            .map(|n| &self.graph[n])
            .collect();
        set.into_iter().collect()
    }

    /// Every edge as (dependent, dependency), sorted.
    pub fn edges(&self) -> Vec<(&Address, &Address)> {
        let mut v: Vec<(&Address, &Address)> = self
            .graph
            .edge_indices()
            .map(|e| {
                let (a, b) = self.graph.edge_endpoints(e).expect("edge exists");
                (&self.graph[a], &self.graph[b])
            })
            .collect();
        v.sort();
        v
    }

    /// The graph restricted to `keep` and everything they depend on (for `-target`).
    pub fn with_dependencies_of(&self, keep: &[Address]) -> ResourceGraph {
        let mut wanted: BTreeSet<&Address> = BTreeSet::new();
        let mut todo: Vec<&Address> = keep.iter().filter(|a| self.contains(a)).collect();
        while let Some(a) = todo.pop() {
            if wanted.insert(a) {
                todo.extend(self.dependencies(a));
            }
        }
        let mut g = ResourceGraph::new();
        for a in &wanted {
            g.add_node((*a).clone());
        }
        for e in self.graph.edge_indices() {
            let (a, b) = self.graph.edge_endpoints(e).expect("edge exists");
            if wanted.contains(&self.graph[a]) && wanted.contains(&self.graph[b]) {
                g.add_dependency(&self.graph[a], &self.graph[b], self.graph[e]);
            }
        }
        g
    }

    /// The graph in Graphviz DOT: a node per resource, an edge per dependency
    /// (pointing from the dependent to what it depends on).
    pub fn to_dot(&self) -> String {
        let mut out =
            String::from("digraph eco {\n    rankdir = \"RL\";\n    node [shape = box];\n");
        let quoted = |a: &Address| a.to_string().replace('"', "\\\"");
        // Resources of modules are drawn in one cluster per module call.
        let mut clusters: std::collections::BTreeMap<String, Vec<&Address>> = Default::default();
        for a in self.addresses() {
            if a.module.is_empty() {
                let _ = writeln!(out, "    \"{}\";", quoted(a));
            } else {
                let call: Vec<String> = a.module.iter().map(|m| format!("module.{m}")).collect();
                // An instance of a for-each call is `module.CALL["KEY"]`: quotes escaped.
                clusters
                    .entry(call.join(".").replace('"', "\\\""))
                    .or_default()
                    .push(a);
            }
        }
        for (call, members) in &clusters {
            let _ = writeln!(
                out,
                "    subgraph \"cluster_{call}\" {{\n        label = \"{call}\";"
            );
            for a in members {
                let _ = writeln!(out, "        \"{}\";", quoted(a));
            }
            out.push_str("    }\n");
        }
        for (a, b) in self.edges() {
            let _ = writeln!(out, "    \"{}\" -> \"{}\";", quoted(a), quoted(b));
        }
        out.push_str("}\n");
        out
    }

    pub(crate) fn inner(&self) -> &DiGraph<Address, Span> {
        &self.graph
    }
}

/// The types whose resources a REST API deployment snapshots (see [`SNAPSHOT_TYPE`]).
pub const SNAPSHOT_PARTS: &[&str] = &[
    "rest-resource",
    "rest-method",
    "rest-integration",
    "rest-authorizer",
];

/// A REST API deployment: a snapshot of its API's resources, methods, integrations and
/// authorizers, taken when it is created. It depends on every such part of the same API in the
/// configuration (the parts whose `rest-api` references what its `rest-api` references), so
/// that it is created after them, and the planner replaces it when one of them changes.
pub const SNAPSHOT_TYPE: &str = "rest-deployment";

/// The implicit edges `deployment -> part` of [`SNAPSHOT_TYPE`], with the span of the
/// deployment's `rest-api` (for a cycle's message).
fn snapshot_dependencies(config: &Config) -> Vec<(&Address, &Address, eco_config::Span)> {
    let api_refs = |r: &eco_config::Resource| -> Vec<Address> {
        let mut out = Vec::new();
        if let Some(a) = r.attributes.get("rest-api") {
            a.expr.for_each_ref(&mut |reference| {
                if let eco_config::RefTarget::Resource { address, .. } = &reference.target {
                    out.push(address.clone());
                }
            });
        }
        out
    };
    let mut edges = Vec::new();
    for d in config
        .resources
        .iter()
        .filter(|r| r.address.type_name == SNAPSHOT_TYPE)
    {
        let apis = api_refs(d);
        let Some(span) = d.attributes.get("rest-api").map(|a| a.span) else {
            continue;
        };
        if apis.is_empty() {
            continue;
        }
        for part in config
            .resources
            .iter()
            .filter(|r| SNAPSHOT_PARTS.contains(&r.address.type_name.as_str()))
        {
            if api_refs(part).iter().any(|a| apis.contains(a)) {
                edges.push((&d.address, &part.address, span));
            }
        }
    }
    edges
}

#[cfg(test)]
mod tests {
    use super::*;
    use eco_config::{parse_sources, Sources};
    use eco_schema::{Attribute, Registry, Schema};

    fn registry() -> Registry {
        let mut r = Registry::new();
        r.register(
            Schema::new("thing", "a test type")
                .attr(Attribute::string("name"))
                .attr(Attribute::string("ref"))
                .attr(Attribute::string("arn").computed()),
        );
        r
    }

    fn config(text: &str) -> Config {
        let mut s = Sources::new();
        s.add("main.kdl", text);
        parse_sources(s, &registry()).unwrap()
    }

    #[test]
    fn a_rest_deployment_depends_on_the_parts_of_its_api() {
        let mut r = Registry::new();
        r.register(
            Schema::new("rest-api", "t")
                .attr(Attribute::string("name"))
                .attr(Attribute::string("id").computed()),
        );
        for t in ["rest-method", "rest-integration", "rest-deployment"] {
            r.register(
                Schema::new(t, "t")
                    .attr(Attribute::string("rest-api"))
                    .attr(Attribute::string("id").computed()),
            );
        }
        let mut s = Sources::new();
        s.add(
            "main.kdl",
            r#"
            rest-api "a" { name "a" }
            rest-api "b" { name "b" }
            rest-method "a-get" { rest-api "${rest-api.a.id}" }
            rest-integration "a-get" { rest-api "${rest-api.a.id}" }
            rest-method "b-get" { rest-api "${rest-api.b.id}" }
            rest-method "literal" { rest-api "x1y2" }
            rest-deployment "a" { rest-api "${rest-api.a.id}" }
            "#,
        );
        let c = parse_sources(s, &r).unwrap();
        let g = ResourceGraph::from_config(&c).unwrap();
        let deps: Vec<String> = g
            .dependencies(&Address::new("rest-deployment", "a"))
            .iter()
            .map(|a| a.to_string())
            .collect();
        assert_eq!(
            deps.iter().collect::<BTreeSet<_>>(),
            ["rest-api.a", "rest-integration.a-get", "rest-method.a-get"]
                .iter()
                .map(|a| a.to_string())
                .collect::<Vec<_>>()
                .iter()
                .collect::<BTreeSet<_>>()
        );
    }

    #[test]
    fn edges_are_exactly_the_references() {
        let c = config(
            r#"
            thing "a" { name "a" }
            thing "b" { ref "${thing.a.arn}" }
            thing "c" { ref "${thing.a.arn}-${thing.b.arn}"; depends-on "thing.b" }
            "#,
        );
        let g = ResourceGraph::from_config(&c).unwrap();
        let edges: Vec<String> = g.edges().iter().map(|(a, b)| format!("{a}->{b}")).collect();
        assert_eq!(
            edges,
            ["thing.b->thing.a", "thing.c->thing.a", "thing.c->thing.b"]
        );
        assert!(g.to_dot().contains("\"thing.c\" -> \"thing.b\";"));
    }

    #[test]
    fn cycles_name_the_whole_path() {
        let c = config(
            r#"
            thing "a" { ref "${thing.c.arn}" }
            thing "b" { ref "${thing.a.arn}" }
            thing "c" { ref "${thing.b.arn}" }
            thing "d" { ref "${thing.a.arn}" }
            "#,
        );
        let err = ResourceGraph::from_config(&c).unwrap_err();
        assert_eq!(
            err.message,
            "dependency cycle: thing.a -> thing.c -> thing.b -> thing.a"
        );
        assert_eq!(err.secondary.len(), 2);
    }

    #[test]
    fn self_reference_is_a_cycle() {
        let c = config(r#"thing "a" { ref "${thing.a.arn}" }"#);
        let err = ResourceGraph::from_config(&c).unwrap_err();
        assert_eq!(err.message, "dependency cycle: thing.a -> thing.a");
    }

    #[test]
    fn target_keeps_dependencies() {
        let c = config(
            r#"
            thing "a" { name "a" }
            thing "b" { ref "${thing.a.arn}" }
            thing "c" { name "c" }
            "#,
        );
        let g = ResourceGraph::from_config(&c).unwrap();
        let t = g.with_dependencies_of(&[Address::new("thing", "b")]);
        let names: Vec<String> = t.addresses().iter().map(|a| a.to_string()).collect();
        assert_eq!(names, ["thing.a", "thing.b"]);
    }
}

/// The graph as an SVG picture, laid out in pure Rust (the `layout-rs` crate: no Graphviz).
pub fn to_svg(graph: &ResourceGraph) -> String {
    // layout-rs reads DOT; quoted node names keep the dots and dashes of addresses.
    let dot = graph.to_dot().replace("    rankdir = \"RL\";\n", "");
    let mut parser = layout::gv::DotParser::new(&dot);
    let ast = parser
        .process()
        .expect("eco's own DOT output is always valid for layout-rs");
    let mut builder = layout::gv::GraphBuilder::new();
    builder.visit_graph(&ast);
    let mut visual = builder.get();
    if visual.num_nodes() == 0 {
        return "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"0\" height=\"0\"></svg>"
            .to_string();
    }
    let mut svg = layout::backends::svg::SVGWriter::new();
    visual.do_it(false, false, false, &mut svg);
    svg.finalize()
}

#[cfg(test)]
mod svg_tests {
    use super::*;
    use eco_config::{FileId, Span};

    #[test]
    fn svg_has_a_box_per_resource() {
        let mut g = ResourceGraph::new();
        let s = Span::new(FileId(0), 0, 0);
        g.add_dependency(
            &Address::new("lambda-function", "api"),
            &Address::new("iam-role", "api"),
            s,
        );
        let svg = to_svg(&g);
        assert!(svg.contains("<svg"), "{svg}");
        assert!(svg.contains("lambda-function.api") && svg.contains("iam-role.api"));
        assert!(to_svg(&ResourceGraph::new()).contains("<svg"));
    }
}

impl ResourceGraph {
    /// Every address, dependencies before dependents (ties broken by address).
    pub fn topological_order(&self) -> Vec<&Address> {
        let g = &self.graph;
        let mut remaining: HashMap<NodeIndex, usize> = g
            .node_indices()
            .map(|n| {
                (
                    n,
                    g.neighbors_directed(n, petgraph::Direction::Outgoing)
                        .count(),
                )
            })
            .collect();
        let mut ready: BTreeSet<(&Address, NodeIndex)> = remaining
            .iter()
            .filter(|(_, c)| **c == 0)
            .map(|(n, _)| (&g[*n], *n))
            .collect();
        let mut out = Vec::with_capacity(g.node_count());
        while let Some(first) = ready.iter().next().copied() {
            ready.remove(&first);
            out.push(first.0);
            for m in g.neighbors_directed(first.1, petgraph::Direction::Incoming) {
                let c = remaining.get_mut(&m).expect("counted");
                *c -= 1;
                if *c == 0 {
                    ready.insert((&g[m], m));
                }
            }
        }
        out
    }
}

#[cfg(test)]
mod topo_tests {
    use super::*;
    use eco_config::{FileId, Span};

    #[test]
    fn dependencies_come_first() {
        let s = Span::new(FileId(0), 0, 0);
        let a = |n: &str| Address::new("t", n);
        let mut g = ResourceGraph::new();
        g.add_dependency(&a("c"), &a("b"), s);
        g.add_dependency(&a("b"), &a("a"), s);
        g.add_node(a("d"));
        let order: Vec<String> = g
            .topological_order()
            .iter()
            .map(|x| x.name.clone())
            .collect();
        assert_eq!(order, ["a", "b", "c", "d"]);
    }
}
