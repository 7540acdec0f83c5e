//! `eco console [-stage S]`: evaluates expressions against a stage, one per line of standard
//! input, as `terraform console` does. Each line is what goes inside `${...}` (`var.domain`,
//! `upper(local.name)`, `s3-bucket.site.arn`), or a whole string with `${...}` in it (quoted or
//! not). Values of
//! resources come from the stage's state (read without the lock); `${aws.*}` from the stage's
//! block; lookups are not read (unknown). Nothing is written and AWS is not called besides
//! reading the state.

use std::io::BufRead;
use std::path::Path;

use eco_config::{Config, Sources, StageContext};
use eco_plan::desired::{attrs_from_json, eval_expr, EvalContext, Known};
use eco_plan::sensitive::Sensitivity;

use super::{backend, CliError, CmdResult, Status};
use crate::cli::ConsoleArgs;
use crate::ui::Ui;

/// The output each line becomes, so that it is parsed and checked as configuration is.
const CONSOLE_OUTPUT: &str = "eco-console-expression";

pub async fn run(ui: &Ui, dir: &Path, args: &ConsoleArgs) -> CmdResult {
    let sources = eco_config::read_dir_sources(dir).map_err(CliError::Config)?;
    let registry = super::registry();
    let config = eco_config::parse_sources(sources.clone(), &registry).map_err(CliError::Config)?;
    let stage = config
        .select_stage(args.stage.stage.as_deref(), &args.stage.vars)
        .map_err(|d| CliError::Diagnostic(config.sources.clone(), d))?;
    crate::redact::learn_sensitive_vars(&config, &stage);
    let expanded = super::for_stage(&config, &stage)?;
    let backend = backend::open(&expanded, dir, &stage).await?;
    let (state, _) = backend
        .as_dyn()
        .read(&stage.name)
        .await?
        .into_state_or_new(&stage.name);
    let mut known = Known::new();
    for r in &state.resources {
        let mut attrs = attrs_from_json(&r.attributes);
        attrs
            .entry("id".into())
            .or_insert_with(|| eco_schema::Value::String(r.id.clone()));
        known.set(r.address.clone(), attrs);
    }
    let console_file = eco_config::display_name(dir, &dir.join("<console>"));
    let mut failed = false;
    for line in std::io::stdin().lock().lines() {
        let line = line.map_err(|e| {
            CliError::msg(format!("cannot read standard input: {e}"), "pipe text in")
        })?;
        let line = line.trim();
        match line {
            "" => continue,
            "exit" | "quit" => break,
            _ => {}
        }
        match evaluate(&sources, &console_file, line, &stage, &known) {
            Ok(shown) => ui.out(shown),
            Err(e) => {
                failed = true;
                ui.error(&e);
            }
        }
    }
    Ok(if failed { Status::Failed } else { Status::Ok })
}

/// One line, evaluated: parsed and checked as an output of the configuration, then evaluated
/// with what the state knows. A value computed from a sensitive one is not shown.
fn evaluate(
    sources: &Sources,
    console_file: &str,
    line: &str,
    stage: &StageContext,
    known: &Known,
) -> Result<String, CliError> {
    // `"${stage}-x"` (as Terraform's console takes it) and `${stage}-x` are the same string.
    let quoted = line.len() >= 2 && line.starts_with('"') && line.ends_with('"');
    let template = match line.contains("${") {
        true if quoted => line[1..line.len() - 1].to_string(),
        true => line.to_string(),
        false => format!("${{{line}}}"),
    };
    let mut sources = sources.clone();
    sources.add(
        console_file.to_string(),
        format!(
            "output \"{CONSOLE_OUTPUT}\" value={}\n",
            raw_kdl_string(&template)
        ),
    );
    let registry = super::registry();
    let config = eco_config::parse_sources(sources, &registry).map_err(CliError::Config)?;
    let config: Config = super::for_stage(&config, stage)?;
    let output = config
        .outputs
        .iter()
        .find(|o| o.name == CONSOLE_OUTPUT)
        .expect("the console's output was parsed");
    if Sensitivity::of_config(&config, &registry).taints(&output.value) {
        return Ok(eco_plan::render::SENSITIVE.to_string());
    }
    let ctx = EvalContext {
        config: &config,
        stage,
        registry: &registry,
        expander: None,
    };
    let value = eval_expr(&ctx, &output.value, known)
        .map_err(|d| CliError::Diagnostic(config.sources.clone(), d))?;
    Ok(value.to_string())
}

/// `text` as a KDL raw string (`#"..."#`, with as many `#` as it needs).
fn raw_kdl_string(text: &str) -> String {
    let mut hashes = "#".to_string();
    while text.contains(&format!("\"{hashes}")) {
        hashes.push('#');
    }
    format!("{hashes}\"{text}\"{hashes}")
}

#[cfg(test)]
mod tests {
    use super::raw_kdl_string;

    #[test]
    fn raw_strings_outlast_the_quotes_inside() {
        assert_eq!(raw_kdl_string("a"), "#\"a\"#");
        assert_eq!(raw_kdl_string("say \"#hi\""), "##\"say \"#hi\"\"##");
    }
}
