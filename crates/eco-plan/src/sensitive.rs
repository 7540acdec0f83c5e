//! Which values a plan must hide: attributes the schema marks sensitive, and everything
//! computed from a sensitive value, as Terraform propagates sensitivity. An attribute whose
//! expression references a `var` declared `sensitive=#true`, or a sensitive attribute of another
//! resource (a client secret), is sensitive too; so is an output that references either.

use std::collections::{HashMap, HashSet};

use eco_config::{Config, Expr, RefTarget, Resource};
use eco_schema::{Registry, Schema};

/// The sensitive attributes of each resource planned so far (in dependency order, so that a
/// reference always finds its target already recorded).
#[derive(Debug, Default)]
pub struct Sensitivity {
    vars: HashSet<String>,
    by_address: HashMap<String, HashSet<String>>,
}

impl Sensitivity {
    /// Knows the configuration's sensitive variables; no resource recorded yet.
    pub fn new(config: &Config) -> Sensitivity {
        Sensitivity {
            vars: config
                .vars
                .iter()
                .filter(|v| v.sensitive)
                .map(|v| v.name.clone())
                .collect(),
            by_address: HashMap::new(),
        }
    }

    /// Every resource of `config` recorded, in whatever order: repeated until nothing new is
    /// found, so sensitivity flows along chains of references.
    pub fn of_config(config: &Config, registry: &Registry) -> Sensitivity {
        let mut all = Sensitivity::new(config);
        // What a lookup finds is as sensitive as its type's attributes (an SSM SecureString).
        for l in &config.lookups {
            if let Some(schema) = registry.get(&l.type_name) {
                let hidden = schema
                    .attributes
                    .iter()
                    .filter(|a| a.sensitive)
                    .map(|a| a.name.to_string())
                    .collect();
                all.by_address
                    .insert(format!("lookup.{}.{}", l.type_name, l.name), hidden);
            }
        }
        let hidden = |s: &Sensitivity| s.by_address.values().map(HashSet::len).sum::<usize>();
        loop {
            let before = hidden(&all);
            for r in &config.resources {
                if let Some(schema) = registry.get(&r.address.type_name) {
                    all.record(&r.address.to_string(), r, schema);
                }
            }
            if hidden(&all) == before {
                return all;
            }
        }
    }

    /// Whether `expr` references a sensitive variable or a sensitive attribute.
    pub fn taints(&self, expr: &Expr) -> bool {
        let mut tainted = false;
        expr.for_each_ref(&mut |r| tainted = tainted || self.names_sensitive(r));
        tainted
    }

    /// Whether the reference `r` names a sensitive variable or a sensitive attribute.
    fn names_sensitive(&self, r: &eco_config::Reference) -> bool {
        match &r.target {
            // Replaced by values before planning (for-each instances, module calls); the stage's
            // identity and locals are not secrets of their own.
            RefTarget::Stage
            | RefTarget::Aws(_)
            | RefTarget::Local(_)
            | RefTarget::Each(_)
            | RefTarget::Param(_)
            | RefTarget::ModuleOutput { .. } => false,
            RefTarget::Var(name) => self.vars.contains(name),
            RefTarget::Resource { address, path } => {
                !self.by_address.is_empty()
                    && path
                        .first()
                        .is_some_and(|attr| self.is(&address.to_string(), attr))
            }
            RefTarget::Lookup {
                type_name,
                name,
                path,
            } => path
                .first()
                .is_some_and(|attr| self.is(&format!("lookup.{type_name}.{name}"), attr)),
        }
    }

    /// Records which of `resource`'s top-level attributes are sensitive: marked so by `schema`,
    /// or computed from something sensitive. Computed attributes the schema marks sensitive are
    /// recorded too, for references to them.
    pub fn record(&mut self, address: &str, resource: &Resource, schema: &Schema) {
        let mut hidden: HashSet<String> = schema
            .attributes
            .iter()
            .filter(|a| a.sensitive)
            .map(|a| a.name.to_string())
            .collect();
        for (name, value) in &resource.attributes {
            if self.taints(&value.expr) {
                hidden.insert(name.clone());
            }
        }
        // Only resources with something hidden are recorded: `is` and `hidden` answer the
        // same for an absent one, and most resources hide nothing.
        if !hidden.is_empty() {
            self.by_address.insert(address.to_string(), hidden);
        }
    }

    /// The sensitive top-level attributes of the resource at `address`.
    pub fn hidden(&self, address: &str) -> Vec<String> {
        let mut names: Vec<String> = self
            .by_address
            .get(address)
            .map(|h| h.iter().cloned().collect())
            .unwrap_or_default();
        names.sort();
        names
    }

    /// Whether `attr` of the resource at `address` is sensitive.
    pub fn is(&self, address: &str, attr: &str) -> bool {
        self.by_address
            .get(address)
            .is_some_and(|hidden| hidden.contains(attr))
    }
}
