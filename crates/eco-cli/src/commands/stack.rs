//! `eco import -from-stack` and `eco discover -stacks`: adopting CloudFormation stacks (and so
//! serverless.com services) without recreating anything.
//!
//! `eco import -from-stack NAME` reads the stack (eco-aws's `cloudformation`), maps each of its
//! resources to an eco type and import id, reads every one of them with its type's import
//! (nothing changes while any of them fails), writes their KDL (`-generate FILE`, default
//! generated.kdl) with the references the template's `Ref` / `Fn::GetAtt` / `Fn::Sub` show as
//! `${TYPE.NAME.ATTR}`, then adopts them all (ownership tags) under the stage's lock and writes
//! the state once: all or nothing. What cannot be adopted is listed with the reason.
//! `-retain-template FILE` writes the stack's template with every resource retained; eco never
//! updates or deletes a stack itself.

use std::collections::{HashMap, HashSet};
use std::path::Path;

use eco_aws::cloudformation::{self, mapping, Adoptable, Adoption, StackReader, TemplateFormat};
use eco_aws::eco_provider::{Live, OpError};
use eco_config::Address;
use eco_engine::RetryPolicy;

use super::import::{self, Ctx};
use super::{CliError, CmdResult, Status};
use crate::cli::{DiscoverArgs, ImportArgs};
use crate::ui::Ui;

/// The folder (in the configuration directory) Lambda code packages are saved to.
pub const CODE_DIR: &str = "stack-code";

fn stack_error(stack: &str, e: OpError) -> CliError {
    CliError::msg(
        format!("stack `{stack}`: {e}"),
        "check the stack's name and the stage's region (`eco discover -stacks` lists the stacks), \
         and that the credentials may call cloudformation:ListStackResources and GetTemplate",
    )
}

/// `eco import -from-stack NAME [-generate FILE] [-retain-template FILE]`.
pub async fn import_stack(ui: &Ui, dir: &Path, args: &ImportArgs, stack: &str) -> CmdResult {
    if args.address.is_some() || args.id.is_some() {
        return Err(CliError::msg(
            "-from-stack imports a whole stack: it takes no ADDRESS or ID",
            "run `eco import -from-stack NAME`, or `eco import ADDRESS ID` for one resource",
        ));
    }
    let c = import::open(dir, &args.stage).await?;
    let reader = StackReader::new(&c.aws);
    reader
        .status(stack)
        .await
        .map_err(|e| stack_error(stack, e))?;
    let template = reader
        .template(stack)
        .await
        .map_err(|e| stack_error(stack, e))?;
    if let Some(path) = &args.retain_template {
        return retain(ui, dir, stack, &template, path);
    }
    let resources = reader
        .resources(stack)
        .await
        .map_err(|e| stack_error(stack, e))?;
    let taken: HashSet<String> = c
        .config
        .resources
        .iter()
        .map(|r| r.address.to_string())
        .collect();
    let adoption = mapping::adoption(
        &template,
        &resources,
        &|t: &str| c.providers.contains_key(t),
        &taken,
    );
    ui.out(format!(
        "Stack `{stack}`: {} of {} resources adoptable.",
        adoption.adoptable_resources(),
        resources.len()
    ));

    // 1. Read every resource with its type's import: nothing changes until all are read.
    let mut lives: HashMap<String, (String, Live)> = HashMap::new();
    for a in &adoption.adoptable {
        let address = a.address();
        let id = mapping::resolve(&a.import_id, |key, attr| {
            lives
                .get(key)?
                .1
                .attrs
                .get(attr)?
                .as_str()
                .map(str::to_string)
        })
        .map_err(|missing| {
            CliError::msg(
                format!(
                    "{address} ({}, {}): its import id needs {missing}, which AWS did not report",
                    a.logical_id, a.cfn_type
                ),
                "nothing was imported and state is as it was",
            )
        })?;
        let provider = import::provider_for(&c, a.eco_type)?;
        let ctx = import::op_ctx(&c, &address);
        let live = match RetryPolicy::default()
            .run(|| provider.import(&ctx, &id))
            .await
        {
            Ok(Some(live)) => live,
            Ok(None) => {
                return Err(CliError::msg(
                    format!(
                        "{address} ({}, {}): Import: there is no {} with import id `{id}` (deleted outside the stack?)",
                        a.logical_id, a.cfn_type, a.eco_type
                    ),
                    "nothing was imported and state is as it was; `aws cloudformation detect-stack-drift` shows what changed under the stack",
                ))
            }
            Err(e) => {
                return Err(CliError::msg(
                    format!("{address} ({}, {}): {e}", a.logical_id, a.cfn_type),
                    "nothing was imported and state is as it was",
                ))
            }
        };
        tracing::debug!(%address, %id, "read for adoption");
        lives.insert(a.key.clone(), (id, live));
    }

    // 2. Their KDL, with references where the template has them.
    let mut text = format!(
        "// Adopted from CloudFormation stack `{stack}` by `eco import -from-stack {stack}`.\n"
    );
    let mut saved_code = Vec::new();
    for a in &adoption.adoptable {
        let (_, live) = &lives[&a.key];
        let provider = import::provider_for(&c, a.eco_type)?;
        let schema = c
            .registry
            .get(a.eco_type)
            .expect("mapped types are registered");
        let mut attrs = provider.config_from_live(&live.attrs);
        // What another adopted resource manages (a bucket's policy, when the stack has its
        // BucketPolicy) is left out: written in both, validate refuses the pair.
        let others = adoption
            .adoptable
            .iter()
            .filter(|o| o.key != a.key)
            .map(|o| (o.eco_type, &lives[&o.key].1.attrs));
        for attr in
            eco_engine::managed::managed_by_imported(&c.registry, a.eco_type, &attrs, others)
        {
            attrs.remove(attr);
        }
        let mut kdl = eco_config::generate::generate_resource(schema, &a.name, &attrs);
        if let Some(code) = &a.code {
            if let Some(source) = save_code(dir, &reader, a, code).await? {
                kdl = with_source(&kdl, &source);
                saved_code.push((a.address(), source));
            }
        }
        text.push('\n');
        text.push_str(&with_references(kdl, a, &adoption, &lives));
    }
    let file_name = args
        .generate
        .clone()
        .flatten()
        .unwrap_or_else(|| import::GENERATED_FILE.to_string());
    let file = dir.join(&file_name);
    let previous = std::fs::read_to_string(&file).ok();
    let restore = || match &previous {
        Some(p) => std::fs::write(&file, p),
        None => std::fs::remove_file(&file),
    };
    let body = match &previous {
        Some(p) if !p.trim().is_empty() => format!("{p}\n{text}"),
        _ => text,
    };
    std::fs::write(&file, &body).map_err(|e| {
        CliError::msg(
            format!("cannot write {}: {e}", file.display()),
            "check the directory's permissions",
        )
    })?;
    let loaded = super::load(dir).and_then(|config| super::for_stage(&config, &c.stage));

    // 3. Adopt them all under the stage's lock; state is written once, or not at all.
    let engine = import::engine(
        dir,
        &c,
        loaded
            .as_ref()
            .map_or_else(|_| c.config.clone(), Clone::clone),
    );
    let adopted = import::adopt_under_lock(&c, async |state| {
        let mut tagged = 0;
        for a in &adoption.adoptable {
            let address = Address::new(a.eco_type, &a.name);
            let (id, _) = &lives[&a.key];
            let adopted = engine.adopt(state, &address, id).await.map_err(|e| {
                CliError::msg(
                    format!("{} ({}): {e}", a.logical_id, a.cfn_type),
                    format!(
                        "{} (nothing of the stack was recorded: state is as it was)",
                        e.help()
                    ),
                )
            })?;
            tagged += usize::from(adopted.tagged);
        }
        Ok(tagged)
    })
    .await;
    let tagged = match adopted {
        Ok(tagged) => tagged,
        Err(e) => {
            if let Err(re) = restore() {
                tracing::warn!(file = %file.display(), "could not restore: {re}");
            }
            return Err(e);
        }
    };
    for a in &adoption.adoptable {
        ui.out(format!(
            "  {}  <- {} ({}) {}",
            a.address(),
            a.logical_id,
            a.cfn_type,
            lives[&a.key].0
        ));
    }
    ui.out(format!(
        "\nImported {} resources into the state of stage `{}` ({tagged} got eco's ownership tags, \
         the only change import makes); their configuration is in {file_name}.",
        adoption.adoptable.len(),
        c.stage.name
    ));
    for (address, source) in &saved_code {
        ui.out(format!(
            "{address}: its deployed code package is saved as {source} (its `source`)."
        ));
    }
    print_unmapped(ui, &adoption);
    if let Err(e) = loaded {
        ui.error(&e);
        ui.out("\nThe resources are imported; complete their configuration as shown above, then run `eco plan`.");
        return Ok(Status::Ok);
    }
    ui.out(format!(
        "\nNext: `eco plan` shows no changes; then `eco import -from-stack {stack} -retain-template FILE`, \
         update the stack with it and delete the stack (docs/migrating-from-cloudformation.md)."
    ));
    Ok(Status::Ok)
}

/// Prints the table of what was not adopted.
fn print_unmapped(ui: &Ui, adoption: &Adoption) {
    if adoption.unmapped.is_empty() {
        return;
    }
    ui.out(format!(
        "\nNot adopted ({}): logical id, type, reason",
        adoption.unmapped.len()
    ));
    let width = |f: fn(&cloudformation::Unmapped) -> usize| {
        adoption.unmapped.iter().map(f).max().unwrap_or(0)
    };
    let (lw, tw) = (width(|u| u.logical_id.len()), width(|u| u.cfn_type.len()));
    for u in &adoption.unmapped {
        ui.out(format!(
            "  {:lw$}  {:tw$}  {}",
            u.logical_id, u.cfn_type, u.reason
        ));
    }
}

/// `-retain-template FILE`: the template with every resource retained, in its own format.
fn retain(
    ui: &Ui,
    dir: &Path,
    stack: &str,
    template: &cloudformation::Template,
    path: &Path,
) -> CmdResult {
    let text = template.retained().map_err(|e| {
        CliError::msg(
            format!("stack `{stack}`: {e}"),
            "the template could not be rewritten; add DeletionPolicy: Retain by hand",
        )
    })?;
    let out = dir.join(path);
    std::fs::write(&out, text).map_err(|e| {
        CliError::msg(
            format!("cannot write {}: {e}", out.display()),
            "check the directory's permissions",
        )
    })?;
    let format = match template.format {
        TemplateFormat::Json => "JSON",
        TemplateFormat::Yaml => "YAML",
    };
    ui.out(format!(
        "Wrote {} ({format}): stack `{stack}`'s template with DeletionPolicy and UpdateReplacePolicy Retain on every resource.\n\
         eco never updates or deletes a stack itself. To retire the stack and keep every resource:\n\
         \n  aws cloudformation update-stack --stack-name {stack} --template-body file://{} --capabilities CAPABILITY_IAM CAPABILITY_NAMED_IAM\
         \n  aws cloudformation wait stack-update-complete --stack-name {stack}\
         \n  aws cloudformation delete-stack --stack-name {stack}\n\
         \nFor a serverless.com service, never run `serverless remove` afterwards.",
        path.display(),
        path.display()
    ));
    Ok(Status::Ok)
}

/// Saves a function's deployed package (from the bucket its template names) as
/// `stack-code/NAME.zip`, its `source`; `None` when it cannot be read (the generated KDL then
/// asks for the source).
async fn save_code(
    dir: &Path,
    reader: &StackReader,
    a: &Adoptable,
    code: &mapping::CodeLocation,
) -> Result<Option<String>, CliError> {
    let bytes = match reader.object(&code.bucket, &code.key).await {
        Ok(b) => b,
        Err(e) => {
            tracing::warn!(address = %a.address(), "code package s3://{}/{}: {e}", code.bucket, code.key);
            return Ok(None);
        }
    };
    let folder = dir.join(CODE_DIR);
    let source = format!("{CODE_DIR}/{}.zip", a.name);
    std::fs::create_dir_all(&folder)
        .and_then(|_| std::fs::write(dir.join(&source), bytes))
        .map_err(|e| {
            CliError::msg(
                format!("cannot write {}: {e}", dir.join(&source).display()),
                "check the directory's permissions",
            )
        })?;
    Ok(Some(source))
}

/// The generated KDL with its `// source ...` request answered.
fn with_source(kdl: &str, source: &str) -> String {
    kdl.lines()
        .map(|line| {
            if line.trim_start().starts_with("// source ") {
                format!("    source \"{source}\"")
            } else {
                line.to_string()
            }
        })
        .collect::<Vec<_>>()
        .join("\n")
        + "\n"
}

/// Whether a live attribute identifies its resource (what another resource's property names
/// it by).
fn identifies(attr: &str) -> bool {
    matches!(attr, "id" | "name" | "url") || attr.ends_with("arn") || attr.ends_with("-id")
}

/// `kdl` with the values that name a resource its template references (`Ref`, `Fn::GetAtt`,
/// `Fn::Sub`) written as `${TYPE.NAME.ATTR}`: whole strings, and ARNs inside strings (a policy's
/// `Resource`, an integration's URI).
fn with_references(
    mut kdl: String,
    a: &Adoptable,
    adoption: &Adoption,
    lives: &HashMap<String, (String, Live)>,
) -> String {
    let mut pairs: Vec<(String, String)> = Vec::new();
    for key in &a.refers_to {
        let (Some(target), Some((_, live))) = (
            adoption.adoptable.iter().find(|t| &t.key == key),
            lives.get(key),
        ) else {
            continue;
        };
        for (attr, value) in &live.attrs {
            let Some(value) = value.as_str() else {
                continue;
            };
            if identifies(attr) && value.len() >= 3 {
                pairs.push((
                    value.to_string(),
                    format!("${{{}.{attr}}}", target.address()),
                ));
            }
        }
        // An integration is made after its method: its `http-method` names the method's.
        if a.eco_type == "rest-integration" && target.eco_type == "rest-method" {
            if let Some(m) = live.attrs.get("http-method").and_then(|v| v.as_str()) {
                kdl = kdl.replacen(
                    &format!("    http-method \"{m}\"\n"),
                    &format!(
                        "    http-method \"${{{}.http-method}}\"\n",
                        target.address()
                    ),
                    1,
                );
            }
        }
    }
    // Longest first, so that an ARN is replaced before a name inside it.
    pairs.sort_by_key(|pair| std::cmp::Reverse(pair.0.len()));
    let mut seen = HashSet::new();
    for (value, reference) in pairs {
        if !seen.insert(value.clone()) {
            continue;
        }
        kdl = kdl.replace(&format!("\"{value}\""), &format!("\"{reference}\""));
        if value.starts_with("arn:") {
            kdl = kdl.replace(&value, &reference);
        }
    }
    kdl
}

/// `eco discover -stacks`: the account's stacks, each with how many of its resources eco can
/// adopt.
pub async fn discover_stacks(ui: &Ui, dir: &Path, args: &DiscoverArgs) -> CmdResult {
    let c: Ctx = import::open(dir, &args.stage).await?;
    let reader = StackReader::new(&c.aws);
    let stacks = reader.stacks().await.map_err(|e| {
        CliError::msg(
            format!("cannot list the stacks: {e}"),
            "check the credentials' cloudformation:ListStacks permission",
        )
    })?;
    if stacks.is_empty() {
        ui.out(format!(
            "No CloudFormation stacks in stage `{}`'s account and region.",
            c.stage.name
        ));
        return Ok(Status::Ok);
    }
    ui.out(format!(
        "CloudFormation stacks in stage `{}`'s account and region:\n",
        c.stage.name
    ));
    let width = stacks.iter().map(|s| s.name.len()).max().unwrap_or(0);
    let stage_flag = if args.stage.stage.is_some() {
        format!(" -stage {}", c.stage.name)
    } else {
        String::new()
    };
    for s in &stacks {
        let counted = async {
            let template = reader.template(&s.name).await?;
            let resources = reader.resources(&s.name).await?;
            let adoption = mapping::adoption(
                &template,
                &resources,
                &|t: &str| c.providers.contains_key(t),
                &HashSet::new(),
            );
            Ok::<_, OpError>((adoption.adoptable_resources(), resources.len()))
        };
        match counted.await {
            Ok((n, m)) => ui.out(format!(
                "  {:width$}  {:20}  {n} of {m} resources adoptable\n      eco import{stage_flag} -from-stack {}",
                s.name, s.status, s.name
            )),
            Err(e) => ui.out(format!("  {:width$}  {:20}  cannot be read: {e}", s.name, s.status)),
        }
    }
    Ok(Status::Ok)
}

#[cfg(test)]
mod tests {
    use super::*;
    use eco_aws::cloudformation::{IdPart, Unmapped};
    use eco_schema::Value;

    fn adoptable(key: &str, eco_type: &'static str, name: &str, refers_to: &[&str]) -> Adoptable {
        Adoptable {
            key: key.into(),
            logical_id: key.into(),
            cfn_type: "AWS::X".into(),
            eco_type,
            name: name.into(),
            import_id: vec![IdPart::Text("x".into())],
            refers_to: refers_to.iter().map(|s| s.to_string()).collect(),
            code: None,
        }
    }

    fn live(id: &str, attrs: &[(&str, &str)]) -> (String, Live) {
        (
            id.into(),
            Live {
                id: id.into(),
                attrs: attrs
                    .iter()
                    .map(|(k, v)| (k.to_string(), Value::String(v.to_string())))
                    .collect(),
            },
        )
    }

    #[test]
    fn referenced_values_become_references() {
        let role = adoptable("Role", "iam-role", "role", &[]);
        let table = adoptable("Table", "dynamodb-table", "table", &[]);
        let f = adoptable("Fn", "lambda-function", "fn", &["Role", "Table"]);
        let other = adoptable("Other", "sqs-queue", "other", &[]);
        let adoption = Adoption {
            adoptable: vec![role, table, f.clone(), other],
            unmapped: vec![Unmapped {
                logical_id: "V".into(),
                cfn_type: "AWS::Lambda::Version".into(),
                reason: "r".into(),
            }],
        };
        let lives: HashMap<String, (String, Live)> = [
            (
                "Role".to_string(),
                live(
                    "r",
                    &[
                        ("name", "svc-role"),
                        ("arn", "arn:aws:iam::1:role/svc-role"),
                    ],
                ),
            ),
            (
                "Table".to_string(),
                live(
                    "t",
                    &[
                        ("name", "svc-users"),
                        ("arn", "arn:aws:dynamodb:us-east-1:1:table/svc-users"),
                        ("billing-mode", "PAY_PER_REQUEST"),
                    ],
                ),
            ),
            ("Other".to_string(), live("o", &[("name", "svc-users-2")])),
        ]
        .into();
        let kdl = "lambda-function \"fn\" {\n    role \"arn:aws:iam::1:role/svc-role\"\n    env TABLE=\"svc-users\" INDEX=\"arn:aws:dynamodb:us-east-1:1:table/svc-users/index/*\" MODE=\"PAY_PER_REQUEST\" Q=\"svc-users-2\"\n}\n";
        let out = with_references(kdl.to_string(), &f, &adoption, &lives);
        assert!(out.contains("role \"${iam-role.role.arn}\""), "{out}");
        assert!(
            out.contains("TABLE=\"${dynamodb-table.table.name}\""),
            "{out}"
        );
        assert!(
            out.contains("INDEX=\"${dynamodb-table.table.arn}/index/*\""),
            "{out}"
        );
        // Only identifying attributes, of resources the template references.
        assert!(out.contains("MODE=\"PAY_PER_REQUEST\""), "{out}");
        assert!(out.contains("Q=\"svc-users-2\""), "{out}");
    }

    #[test]
    fn a_saved_package_answers_the_source_request() {
        let kdl = "lambda-function \"f\" {\n    name \"f\"\n    // source ...  (required, and AWS does not report it: set it; see docs/resources/lambda-function.md)\n}\n";
        assert_eq!(
            with_source(kdl, "stack-code/f.zip"),
            "lambda-function \"f\" {\n    name \"f\"\n    source \"stack-code/f.zip\"\n}\n"
        );
    }
}
