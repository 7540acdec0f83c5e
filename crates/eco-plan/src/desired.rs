//! What the configuration asks for, per resource: its attributes evaluated for a stage, with the
//! values of other resources as far as they are known, and eco's default tags merged in.

use std::collections::{BTreeMap, HashMap};

use eco_config::{Address, Config, Diagnostic, Resolver, Resource, StageContext};
use eco_schema::{Registry, Schema, Value};

use crate::model::Attrs;

/// The tag keys eco puts on every taggable resource.
pub const TAG_PROJECT: &str = "eco:project";
pub const TAG_STAGE: &str = "eco:stage";
pub const TAG_ADDRESS: &str = "eco:address";

/// Adds what local inputs determine (source hashes, file manifests) to a resource's desired
/// attributes at plan time; implemented by the engine through each type's `expand`.
pub trait Expander: Send + Sync {
    /// Expands `attrs` of a resource of `type_name`. An error names the attribute at fault
    /// (`Err((attribute, message))`).
    fn expand(&self, type_name: &str, attrs: &mut Attrs) -> Result<(), (String, String)>;
}

/// Everything evaluation needs besides other resources' values.
#[derive(Clone, Copy)]
pub struct EvalContext<'a> {
    pub config: &'a Config,
    pub stage: &'a StageContext,
    pub registry: &'a Registry,
    /// Local inputs (source directories); `None` skips expansion (`eco validate`, tests).
    pub expander: Option<&'a dyn Expander>,
}

impl EvalContext<'_> {
    /// The project name used in ownership tags.
    pub fn project(&self) -> &str {
        self.config.project_name()
    }
}

/// The attribute values each resource shows to references: known ones, or `Unknown`.
#[derive(Debug, Clone, Default)]
pub struct Known {
    values: HashMap<String, Attrs>,
}

impl Known {
    /// No values known.
    pub fn new() -> Self {
        Self::default()
    }
    /// Sets what a resource shows.
    pub fn set(&mut self, address: impl Into<String>, attrs: Attrs) {
        self.values.insert(address.into(), attrs);
    }
    /// What a resource shows, if anything.
    pub fn get(&self, address: &str) -> Option<&Attrs> {
        self.values.get(address)
    }
}

struct KnownResolver<'a> {
    stage: &'a StageContext,
    known: &'a Known,
}

impl Resolver for KnownResolver<'_> {
    fn stage(&self) -> &str {
        &self.stage.name
    }
    fn var(&self, name: &str) -> Option<Value> {
        self.stage.vars.get(name).cloned()
    }
    fn lookup(&self, type_name: &str, name: &str, path: &[String]) -> Value {
        let Some(found) = self.stage.lookups.get(&format!("{type_name}.{name}")) else {
            return Value::Unknown;
        };
        let mut v = Value::Map(found.clone());
        for seg in path {
            v = match v {
                Value::Map(mut m) => m.remove(seg).unwrap_or(Value::Unknown),
                Value::List(items) => seg
                    .parse::<usize>()
                    .ok()
                    .and_then(|i| items.into_iter().nth(i))
                    .unwrap_or(Value::Unknown),
                _ => Value::Unknown,
            };
        }
        v
    }
    fn aws(&self, name: &str) -> Value {
        self.stage
            .aws
            .get(name)
            .map_or(Value::Unknown, |v| Value::String(v.clone()))
    }
    fn attribute(&self, address: &Address, path: &[String]) -> Value {
        let Some(attrs) = self.known.get(&address.to_string()) else {
            return Value::Unknown;
        };
        let Some((first, rest)) = path.split_first() else {
            return Value::Unknown;
        };
        let mut v = match attrs.get(first) {
            Some(v) => v,
            None => return Value::Unknown,
        };
        for seg in rest {
            v = match v {
                Value::Map(m) => match m.get(seg) {
                    Some(x) => x,
                    None => return Value::Unknown,
                },
                Value::List(items) => match seg.parse::<usize>().ok().and_then(|i| items.get(i)) {
                    Some(x) => x,
                    None => return Value::Unknown,
                },
                _ => return Value::Unknown,
            };
        }
        v.clone()
    }
}

/// Evaluates an expression of the configuration (an output, an import id) with known values.
pub fn eval_expr(
    ctx: &EvalContext,
    expr: &eco_config::Expr,
    known: &Known,
) -> Result<Value, Diagnostic> {
    expr.eval(&KnownResolver {
        stage: ctx.stage,
        known,
    })
}

/// A resource's desired attributes: every attribute it sets, evaluated; for taggable types,
/// `tags` = the stage's default tags, then the resource's own, then eco's ownership tags.
pub fn desired_attrs(
    ctx: &EvalContext,
    resource: &Resource,
    known: &Known,
) -> Result<Attrs, Diagnostic> {
    let resolver = KnownResolver {
        stage: ctx.stage,
        known,
    };
    let mut attrs = BTreeMap::new();
    for (name, value) in &resource.attributes {
        attrs.insert(name.clone(), value.expr.eval(&resolver)?);
    }
    let schema = ctx
        .registry
        .get(&resource.address.type_name)
        .expect("configured resources have registered types");
    if schema.taggable {
        let mut tags: BTreeMap<String, Value> = ctx
            .stage
            .stage
            .as_ref()
            .map(|s| {
                s.tags
                    .iter()
                    .map(|(k, v)| (k.clone(), Value::String(v.clone())))
                    .collect()
            })
            .unwrap_or_default();
        match attrs.remove("tags") {
            Some(Value::Map(own)) => tags.extend(own),
            Some(Value::Unknown) => {
                attrs.insert("tags".into(), Value::Unknown);
                return Ok(attrs);
            }
            _ => {}
        }
        for (k, v) in ownership_tags(
            ctx.project(),
            &ctx.stage.name,
            &resource.address.to_string(),
        ) {
            tags.insert(k, Value::String(v));
        }
        attrs.insert("tags".into(), Value::Map(tags));
    }
    if let Some(expander) = ctx.expander {
        if let Err((attribute, message)) = expander.expand(&resource.address.type_name, &mut attrs)
        {
            let span = resource
                .attributes
                .get(&attribute)
                .map(|a| a.span)
                .unwrap_or(resource.head_span);
            return Err(Diagnostic::new(
                "eco::invalid_input",
                format!("{}: `{attribute}`: {message}", resource.address),
            )
            .at(span, "here")
            .help("fix the path or the files it names; eco reads them at plan time"));
        }
    }
    Ok(attrs)
}

/// eco's ownership tags for one resource.
pub fn ownership_tags(project: &str, stage: &str, address: &str) -> BTreeMap<String, String> {
    BTreeMap::from([
        (TAG_PROJECT.to_string(), project.to_string()),
        (TAG_STAGE.to_string(), stage.to_string()),
        (
            TAG_ADDRESS.to_string(),
            eco_schema::address_tag_value(address),
        ),
    ])
}

/// What a resource shows to references once its plan is known: live values overlaid with what
/// the configuration sets (for a create or replace, only what the configuration sets).
pub fn shown_values(schema: &Schema, live: Option<Attrs>, desired: &Attrs) -> Attrs {
    let fresh = live.is_none();
    let mut shown = live.unwrap_or_default();
    if fresh {
        for a in &schema.attributes {
            if a.computed {
                shown.insert(a.name.to_string(), Value::Unknown);
            }
        }
    }
    for (k, v) in desired {
        shown.insert(k.clone(), v.clone());
    }
    shown
}

/// The computed values a replacement keeps: those AWS derives only from configured attributes
/// (`derived_from`) whose desired values equal the live ones (a bucket's ARN when its name stays).
pub fn kept_across_replacement(schema: &Schema, live: &Attrs, desired: &Attrs) -> Attrs {
    schema
        .attributes
        .iter()
        .filter(|a| a.computed && !a.derived_from.is_empty())
        .filter(|a| {
            a.derived_from.iter().all(|from| {
                desired.get(*from).is_some_and(|d| !d.contains_unknown())
                    && desired.get(*from) == live.get(*from)
            })
        })
        .filter_map(|a| Some((a.name.to_string(), live.get(a.name)?.clone())))
        .collect()
}

/// State attributes (JSON) as values.
pub fn attrs_from_json(json: &serde_json::Map<String, serde_json::Value>) -> Attrs {
    json.iter()
        .map(|(k, v)| (k.clone(), Value::from_json(v)))
        .collect()
}

/// Values as state attributes (JSON). Unknowns must have been resolved.
pub fn attrs_to_json(attrs: &Attrs) -> serde_json::Map<String, serde_json::Value> {
    attrs
        .iter()
        .map(|(k, v)| (k.clone(), v.to_json()))
        .collect()
}
