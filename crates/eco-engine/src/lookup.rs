//! `lookup` blocks: read-only reads of resources this configuration does not manage. A lookup
//! lists its type through the type's `lookup` (by default its own `list`, the code `eco
//! discover` uses; ACM narrows it to the newest issued certificate of the domain), keeps the live
//! resources whose attributes satisfy its filters (compared as the planner compares desired with
//! live, after the type's `normalize`), and must find exactly one. Lookups run in parallel when a
//! run opens; what they find goes into the stage's context for `${lookup.TYPE.NAME.ATTR}`.

use std::collections::BTreeMap;
use std::sync::Arc;

use eco_config::{Config, Diagnostic, LookupDecl, StageContext};
use eco_plan::{EvalContext, Known};
use eco_provider::{Live, OpContext, OpError, ResourceProvider};
use eco_schema::{Registry, Value};

use crate::{Providers, RetryPolicy};

/// Reads every lookup of `config`; the stage's context with what they found, or the first
/// lookup's problem (located at the lookup).
pub async fn read_lookups(
    config: &Config,
    stage: &StageContext,
    registry: &Registry,
    providers: &Providers,
    retry: &RetryPolicy,
) -> Result<BTreeMap<String, BTreeMap<String, Value>>, Diagnostic> {
    let mut tasks = tokio::task::JoinSet::new();
    for (i, decl) in config.lookups.iter().enumerate() {
        let mut filters = evaluate_filters(config, stage, registry, decl)?;
        let Some(provider) = providers.get(decl.type_name.as_str()).cloned() else {
            return Err(problem(
                decl,
                format!("no operations for `{}`", decl.type_name),
            ));
        };
        provider.normalize(&mut filters);
        let ctx = OpContext::new(
            format!("lookup.{}.{}", decl.type_name, decl.name),
            config.project_name(),
            &stage.name,
        );
        let retry = *retry;
        tasks.spawn(async move {
            let listed = retry
                .run(|| async {
                    match provider.lookup(&ctx, &filters).await {
                        None => Ok(None),
                        Some(result) => result.map(Some),
                    }
                })
                .await;
            (i, matching(provider.as_ref(), listed, &filters))
        });
    }
    let mut found = BTreeMap::new();
    let mut results = Vec::new();
    while let Some(joined) = tasks.join_next().await {
        let (i, result) = joined.expect("a lookup task does not panic");
        results.push((i, result));
    }
    results.sort_by_key(|(i, _)| *i);
    for (i, result) in results {
        let decl = &config.lookups[i];
        let what = describe_filters(registry, decl, &result.filters_shown);
        let live = match result.outcome {
            Outcome::NotListable => {
                return Err(problem(
                    decl,
                    format!(
                        "`{}` cannot be looked up: eco cannot list it",
                        decl.type_name
                    ),
                ))
            }
            Outcome::Failed(e) => {
                return Err(problem(
                    decl,
                    format!("lookup `{}.{}` failed: {e}", decl.type_name, decl.name),
                ))
            }
            Outcome::Found(mut matches) => match matches.len() {
                1 => matches.remove(0),
                0 => {
                    return Err(problem(
                        decl,
                        format!(
                            "lookup `{}.{}` found no {} with {what} (of {} listed)",
                            decl.type_name, decl.name, decl.type_name, result.listed
                        ),
                    ))
                }
                n => {
                    let ids: Vec<&str> = matches.iter().map(|l| l.id.as_str()).collect();
                    return Err(problem(
                        decl,
                        format!(
                            "lookup `{}.{}` found {n} {} with {what}: {}",
                            decl.type_name,
                            decl.name,
                            decl.type_name,
                            ids.join(", ")
                        ),
                    ));
                }
            },
        };
        tracing::debug!(lookup = %format!("{}.{}", decl.type_name, decl.name), id = %live.id, "lookup found");
        let mut attrs = live.attrs;
        attrs
            .entry("id".to_string())
            .or_insert(Value::String(live.id));
        found.insert(format!("{}.{}", decl.type_name, decl.name), attrs);
    }
    Ok(found)
}

enum Outcome {
    NotListable,
    Failed(OpError),
    Found(Vec<Live>),
}

struct LookupResult {
    outcome: Outcome,
    listed: usize,
    /// The filters as matched (normalized), for the messages.
    filters_shown: BTreeMap<String, Value>,
}

fn matching(
    provider: &dyn ResourceProvider,
    listed: Result<Option<Vec<Live>>, OpError>,
    filters: &BTreeMap<String, Value>,
) -> LookupResult {
    let wanted = filters.clone();
    let schema = provider.schema();
    let outcome_of = |lives: Vec<Live>| {
        lives
            .into_iter()
            .filter(|live| {
                wanted.iter().all(|(name, value)| {
                    let Some(attr) = schema.attribute(name) else {
                        return false;
                    };
                    eco_plan::diff::satisfies(attr, value, live.attrs.get(name))
                })
            })
            .collect::<Vec<_>>()
    };
    let (outcome, listed) = match listed {
        Ok(None) => (Outcome::NotListable, 0),
        Err(e) => (Outcome::Failed(e), 0),
        Ok(Some(lives)) => {
            let n = lives.len();
            (Outcome::Found(outcome_of(lives)), n)
        }
    };
    LookupResult {
        outcome,
        listed,
        filters_shown: wanted,
    }
}

/// The filters' values: known before any resource exists (stage, variables, locals, aws.*).
fn evaluate_filters(
    config: &Config,
    stage: &StageContext,
    registry: &Registry,
    decl: &LookupDecl,
) -> Result<BTreeMap<String, Value>, Diagnostic> {
    let ctx = EvalContext {
        config,
        stage,
        registry,
        expander: None,
    };
    let known = Known::new();
    let mut out = BTreeMap::new();
    for (name, expr) in &decl.filters {
        let value = eco_plan::desired::eval_expr(&ctx, expr, &known)?;
        if value.contains_unknown() {
            return Err(problem(
                decl,
                format!(
                    "lookup `{}.{}`: `{name}` is not known before apply",
                    decl.type_name, decl.name
                ),
            )
            .help(
                "a lookup matches values known at plan time: literals, variables, locals, aws.*",
            ));
        }
        out.insert(name.clone(), value);
    }
    Ok(out)
}

fn describe_filters(
    registry: &Registry,
    decl: &LookupDecl,
    filters: &BTreeMap<String, Value>,
) -> String {
    let sensitive = |name: &str| {
        registry
            .get(&decl.type_name)
            .and_then(|s| s.attribute(name))
            .is_some_and(|a| a.sensitive)
    };
    filters
        .iter()
        .map(|(k, v)| {
            if sensitive(k) {
                format!("{k} = (sensitive)")
            } else {
                format!("{k} = {}", v.to_json())
            }
        })
        .collect::<Vec<_>>()
        .join(", ")
}

fn problem(decl: &LookupDecl, message: String) -> Diagnostic {
    Diagnostic::new("eco::lookup", message)
        .at(decl.span, "this lookup")
        .help(format!(
            "a lookup must match exactly one live {}; see docs/language.md (Lookups)",
            decl.type_name
        ))
}

/// A stage's context with its lookups read.
pub(crate) async fn with_lookups(
    config: &Config,
    stage: Arc<StageContext>,
    registry: &Registry,
    providers: &Providers,
    retry: &RetryPolicy,
) -> Result<Arc<StageContext>, Diagnostic> {
    if config.lookups.is_empty() {
        return Ok(stage);
    }
    let found = read_lookups(config, &stage, registry, providers, retry).await?;
    let mut stage = (*stage).clone();
    stage.lookups = found;
    Ok(Arc::new(stage))
}
