//! Choosing a stage and resolving variables for it.

use std::collections::BTreeMap;

use eco_schema::{did_you_mean, Value};

use crate::diagnostic::Diagnostic;
use crate::model::{Config, Stage};

/// The stage name used when a configuration declares no stages.
pub const DEFAULT_STAGE: &str = "default";

/// A stage chosen for a run, with every variable's value for it.
#[derive(Debug, Clone, PartialEq)]
pub struct StageContext {
    pub name: String,
    /// The stage's block; `None` for the implicit default stage.
    pub stage: Option<Stage>,
    /// Variable values: `-var` over the stage's `var` over the declared default.
    pub vars: BTreeMap<String, Value>,
    /// The stage's identity for `${aws.NAME}` (`account-id`, `region`, `partition`), as far as
    /// known: from the stage block, completed from the credentials when a run opens.
    pub aws: BTreeMap<String, String>,
    /// What each `lookup` found (by `TYPE.NAME`): its attributes and `id`. Empty until a run
    /// reads them.
    pub lookups: BTreeMap<String, BTreeMap<String, Value>>,
}

impl StageContext {
    /// Sets what `${aws.region}` and `${aws.partition}` give (the partition follows the region).
    pub fn set_region(&mut self, region: &str) {
        self.aws.insert("region".into(), region.to_string());
        let partition = if region.starts_with("cn-") {
            "aws-cn"
        } else if region.starts_with("us-gov-") {
            "aws-us-gov"
        } else {
            "aws"
        };
        self.aws.insert("partition".into(), partition.into());
    }
}

impl Config {
    /// Picks the stage for a run: the one asked for, else the declared default, else the only
    /// one; and resolves variables (`-var k=v` pairs win).
    pub fn select_stage(
        &self,
        requested: Option<&str>,
        cli_vars: &[(String, String)],
    ) -> Result<StageContext, Diagnostic> {
        let stage = match requested {
            Some(name) => match self.stage(name) {
                Some(s) => Some(s.clone()),
                None if self.stages.is_empty() && name == DEFAULT_STAGE => None,
                None => {
                    let names: Vec<&str> = self.stages.iter().map(|s| s.name.as_str()).collect();
                    let hint = match did_you_mean(name, names.iter().copied()) {
                        Some(s) => format!("did you mean `{s}`? declared stages: {}", names.join(", ")),
                        None if names.is_empty() => {
                            "this configuration declares no stages; declare one with stage \"NAME\" { ... } or leave out -stage"
                                .to_string()
                        }
                        None => format!("declared stages: {}", names.join(", ")),
                    };
                    return Err(Diagnostic::new(
                        "eco::unknown_stage",
                        format!("unknown stage `{name}`"),
                    )
                    .help(hint));
                }
            },
            None => match (
                self.stages.iter().find(|s| s.default),
                self.stages.as_slice(),
            ) {
                (Some(s), _) => Some(s.clone()),
                (None, []) => None,
                (None, [only]) => Some(only.clone()),
                (None, many) => {
                    let names: Vec<&str> = many.iter().map(|s| s.name.as_str()).collect();
                    return Err(Diagnostic::new(
                        "eco::no_stage",
                        "this configuration has several stages: choose one with -stage",
                    )
                    .help(format!(
                        "declared stages: {} (or mark one `default=#true`)",
                        names.join(", ")
                    )));
                }
            },
        };
        let mut vars = BTreeMap::new();
        for decl in &self.vars {
            if let Some(d) = &decl.default {
                vars.insert(decl.name.clone(), d.clone());
            }
        }
        if let Some(s) = &stage {
            for (k, v) in &s.vars {
                if let Some(declared) = vars.get(k) {
                    let structured = |v: &Value| matches!(v, Value::List(_) | Value::Map(_));
                    if (structured(declared) || structured(v))
                        && !crate::collections::same_shape(declared, v)
                    {
                        return Err(Diagnostic::new(
                            "eco::type_error",
                            format!(
                                "stage `{}` gives variable `{k}` {}, but its default is {}",
                                s.name,
                                crate::collections::shape_name(v),
                                crate::collections::shape_name(declared)
                            ),
                        )
                        .at(s.span, "in this stage")
                        .help("give the stage's value the shape of the variable's default"));
                    }
                }
                vars.insert(k.clone(), v.clone());
            }
        }
        for (k, raw) in cli_vars {
            let declared = self.vars.iter().any(|d| d.name == *k)
                || self.stages.iter().any(|s| s.vars.contains_key(k));
            if !declared {
                let mut names: Vec<&str> = self.vars.iter().map(|d| d.name.as_str()).collect();
                names.extend(
                    self.stages
                        .iter()
                        .flat_map(|s| s.vars.keys().map(String::as_str)),
                );
                names.sort_unstable();
                names.dedup();
                let hint = match (did_you_mean(k, names.iter().copied()), names.is_empty()) {
                    (Some(close), _) => format!("did you mean `{close}`? declared variables: {}", names.join(", ")),
                    (None, true) => format!("this configuration declares no variables; declare it with var \"{k}\" default=..."),
                    (None, false) => format!("declared variables: {}", names.join(", ")),
                };
                return Err(Diagnostic::new(
                    "eco::unknown_variable",
                    format!("-var {k}={raw}: no variable `{k}` is declared"),
                )
                .help(hint));
            }
            let typed = match vars.get(k) {
                Some(declared @ (Value::List(_) | Value::Map(_))) => {
                    serde_json::from_str::<serde_json::Value>(raw)
                        .ok()
                        .map(|j| Value::from_json(&j))
                        .filter(|v| crate::collections::same_shape(declared, v))
                }
                Some(Value::Int(_)) => raw.parse().map(Value::Int).ok(),
                Some(Value::Float(_)) => raw.parse().map(Value::Float).ok(),
                Some(Value::Bool(_)) => raw.parse().map(Value::Bool).ok(),
                _ => Some(Value::String(raw.clone())),
            };
            let Some(typed) = typed else {
                return Err(Diagnostic::new(
                    "eco::type_error",
                    format!("-var {k}={raw}: `{k}` is {}", describe(&vars[k])),
                )
                .help(match &vars[k] {
                    Value::List(_) => "write the list as JSON: -var 'NAME=[\"a\",\"b\"]'",
                    Value::Map(_) => "write the map as JSON: -var 'NAME={\"key\":\"value\"}'",
                    _ => "give a value of the variable's type",
                }));
            };
            vars.insert(k.clone(), typed);
        }
        Ok(StageContext {
            name: stage
                .as_ref()
                .map(|s| s.name.clone())
                .unwrap_or_else(|| DEFAULT_STAGE.to_string()),
            aws: identity_of(stage.as_ref()),
            lookups: BTreeMap::new(),
            stage,
            vars,
        })
    }
}

/// What a stage block says of its identity: its declared account (which the account guard
/// holds the credentials to) and region.
fn identity_of(stage: Option<&Stage>) -> BTreeMap<String, String> {
    let mut ctx = StageContext {
        name: String::new(),
        stage: None,
        vars: BTreeMap::new(),
        aws: BTreeMap::new(),
        lookups: BTreeMap::new(),
    };
    if let Some(region) = stage.and_then(|s| s.region.as_deref()) {
        ctx.set_region(region);
    }
    if let Some(account) = stage.and_then(|s| s.account.as_deref()) {
        ctx.aws.insert("account-id".into(), account.to_string());
    }
    ctx.aws
}

fn describe(v: &Value) -> &'static str {
    match v {
        Value::Int(_) => "an integer",
        Value::Float(_) => "a number",
        Value::Bool(_) => "a boolean (true or false)",
        Value::List(_) => "a list",
        Value::Map(_) => "a map",
        _ => "a string",
    }
}

/// Parses `-var k=v`.
pub fn parse_cli_var(s: &str) -> Result<(String, String), String> {
    match s.split_once('=') {
        Some((k, v)) if !k.is_empty() => Ok((k.to_string(), v.to_string())),
        _ => Err(format!("`{s}` is not of the form NAME=VALUE")),
    }
}
