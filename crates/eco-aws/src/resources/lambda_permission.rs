//! `lambda-permission`: one statement in a Lambda function's resource policy, letting a service
//! (API Gateway, S3, EventBridge, ...) invoke it.
//!
//! Lambda has no call to change a statement, so every attribute forces a replacement
//! (RemovePermission, then AddPermission under the same statement id).
//!
//! AWS calls:
//! - read: GetPolicy, then the statement with this statement id
//! - create: AddPermission
//! - update: none; every change replaces the statement
//! - delete: RemovePermission
//! - import: by `FUNCTION/STATEMENT-ID` (GetPolicy); `FUNCTION:QUALIFIER/STATEMENT-ID` for a
//!   permission on a version or alias. The id in state has the same form.
//!
//! Statements carry no tags: the statement id (by default `eco-` + the address with `.` turned
//! into `-`, e.g. `eco-lambda-permission-assets-api`) is what marks one as this address's. A
//! create that finds a statement with its id adopts it when it grants the same thing, and is a
//! Conflict otherwise.

use async_trait::async_trait;
use eco_provider::{Attrs, ErrorKind, Live, OpContext, OpError, OpResult, ResourceProvider, Value};
use eco_schema::{Schema, Spec};

use crate::aws::{error_code, is_gone, op_error, Aws};
use crate::calls::{delete_if_present, get_optional, refuse_any};

/// A statement's attributes, declared once. Lambda cannot change a statement: every attribute
/// forces a replacement.
#[derive(Debug, Clone, PartialEq, Default, Spec)]
#[eco(
    resource = "lambda-permission",
    doc = "A statement in a Lambda function's resource policy",
    import_id = "`FUNCTION/STATEMENT-ID` (or `FUNCTION:QUALIFIER/STATEMENT-ID`)"
)]
pub struct LambdaPermission {
    /// function name or ARN
    #[eco(replace)]
    pub function: String,
    /// statement id (default: derived from the eco address)
    #[eco(replace)]
    pub statement_id: Option<String>,
    /// action allowed (default lambda:InvokeFunction)
    #[eco(replace)]
    pub action: Option<String>,
    /// service or account allowed, e.g. apigateway.amazonaws.com
    #[eco(replace)]
    pub principal: String,
    /// ARN the invocation must come from, e.g. an API's execution ARN with /*
    #[eco(replace)]
    pub source_arn: Option<String>,
    /// account the invocation must come from
    #[eco(replace)]
    pub source_account: Option<String>,
    /// version or alias the permission applies to
    #[eco(replace)]
    pub qualifier: Option<String>,
}

pub const TYPE_NAME: &str = LambdaPermission::TYPE_NAME;

/// What AWS answers this type's calls with for a while before they succeed, and for how long eco
/// keeps trying (the engine retries; see `eco_provider::transient` and docs/aws-behaviour.md).
pub(crate) const TRANSIENT: &[eco_provider::Transient] = &[eco_provider::Transient {
    operations: &["AddPermission", "RemovePermission"],
    codes: &["ResourceConflictException"],
    message: None,
    budget: std::time::Duration::from_secs(300),
    why: "Lambda is writing another change to the function's policy",
}];
const TY: &str = TYPE_NAME;
const DEFAULT_ACTION: &str = "lambda:InvokeFunction";

pub fn schema() -> Schema {
    LambdaPermission::schema()
}

impl LambdaPermission {
    fn sid(&self) -> &str {
        self.statement_id.as_deref().unwrap_or_default()
    }

    /// `FUNCTION[:QUALIFIER]/STATEMENT-ID`.
    fn id(&self) -> String {
        match &self.qualifier {
            Some(q) => format!("{}:{q}/{}", self.function, self.sid()),
            None => format!("{}/{}", self.function, self.sid()),
        }
    }
}

/// The default statement id of an address: `eco-` + the address with every character outside
/// [A-Za-z0-9_-] turned into `-`, at most 100 characters.
pub fn default_statement_id(address: &str) -> String {
    let body: String = address
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '_' || c == '-' {
                c
            } else {
                '-'
            }
        })
        .collect();
    let mut id = format!("eco-{body}");
    id.truncate(100);
    id
}

/// The desired statement, its statement id (by default the address's) and action (by default
/// lambda:InvokeFunction) filled in.
fn spec_of(ctx: &OpContext, desired: &Attrs, op: &str) -> Result<LambdaPermission, OpError> {
    let mut spec = LambdaPermission::from_attrs(desired)
        .map_err(|e| OpError::invalid(op, format!("{TY}: {e}")))?;
    let statement_id = spec
        .statement_id
        .get_or_insert_with(|| default_statement_id(&ctx.address));
    if statement_id.is_empty()
        || statement_id.len() > 100
        || !statement_id
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
    {
        return Err(OpError::invalid(
            op,
            format!(
                "{TY}: statement-id `{statement_id}` must be 1 to 100 letters, digits, - and _"
            ),
        ));
    }
    if spec.function.contains('/') {
        return Err(OpError::invalid(
            op,
            format!(
                "{TY}: function `{}` is not a function name or ARN",
                spec.function
            ),
        ));
    }
    spec.action
        .get_or_insert_with(|| DEFAULT_ACTION.to_string());
    Ok(spec)
}

/// Splits an id `FUNCTION[:QUALIFIER]/STATEMENT-ID` into (function as given to GetPolicy,
/// qualifier, statement id). A function ARN's own colons are kept: the qualifier is an 8th
/// ARN part, or a second part of a plain name.
pub fn parse_id(id: &str) -> Option<(String, Option<String>, String)> {
    let (function, sid) = id.rsplit_once('/')?;
    if function.is_empty() || sid.is_empty() {
        return None;
    }
    let parts: Vec<&str> = function.split(':').collect();
    let (name, qualifier) = if function.starts_with("arn:") {
        if parts.len() == 8 {
            (parts[..7].join(":"), Some(parts[7].to_string()))
        } else {
            (function.to_string(), None)
        }
    } else if parts.len() == 2 {
        (parts[0].to_string(), Some(parts[1].to_string()))
    } else {
        (function.to_string(), None)
    };
    Some((name, qualifier, sid.to_string()))
}

fn first_string(v: &serde_json::Value) -> Option<String> {
    match v {
        serde_json::Value::String(s) => Some(s.clone()),
        serde_json::Value::Array(items) if items.len() == 1 => first_string(&items[0]),
        _ => None,
    }
}

/// A condition value by key (keys compared case-insensitively, as IAM does), across operators.
fn condition(stmt: &serde_json::Value, key: &str) -> Option<String> {
    stmt.get("Condition")?.as_object()?.values().find_map(|op| {
        op.as_object()?
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(key))
            .and_then(|(_, v)| first_string(v))
    })
}

/// The statement with `sid` in a policy document, in configuration shape.
pub fn statement_attrs(
    policy: &str,
    function: &str,
    qualifier: Option<&str>,
    sid: &str,
) -> Option<Attrs> {
    let doc: serde_json::Value = serde_json::from_str(policy).ok()?;
    let statements = match doc.get("Statement")? {
        serde_json::Value::Array(items) => items.clone(),
        one => vec![one.clone()],
    };
    let stmt = statements
        .iter()
        .find(|st| st.get("Sid").and_then(|v| v.as_str()) == Some(sid))?;
    let principal = match stmt.get("Principal") {
        Some(serde_json::Value::String(p)) => Some(p.clone()),
        Some(serde_json::Value::Object(m)) => m
            .get("Service")
            .or_else(|| m.get("AWS"))
            .and_then(first_string),
        _ => None,
    };
    // An account principal comes back as its root ARN.
    let principal = principal.map(|p| {
        match p
            .strip_prefix("arn:aws:iam::")
            .and_then(|r| r.strip_suffix(":root"))
        {
            Some(account) => account.to_string(),
            None => p,
        }
    });
    let mut a = LambdaPermission {
        function: function.to_string(),
        statement_id: Some(sid.to_string()),
        action: stmt.get("Action").and_then(first_string),
        principal: principal.clone().unwrap_or_default(),
        source_arn: condition(stmt, "AWS:SourceArn"),
        source_account: condition(stmt, "AWS:SourceAccount"),
        qualifier: qualifier.map(str::to_string),
    }
    .to_attrs();
    if principal.is_none() {
        a.remove("principal");
    }
    Some(a)
}

/// [`parse_id`], or the error of `op` for an id of another form.
fn parts(id: &str, op: &str) -> Result<(String, Option<String>, String), OpError> {
    parse_id(id)
        .ok_or_else(|| OpError::invalid(op, format!("{TY}: `{id}` is not FUNCTION/STATEMENT-ID")))
}

/// The `lambda-permission` operations.
pub struct Provider {
    lambda: aws_sdk_lambda::Client,
    schema: Schema,
}

impl Provider {
    pub fn new(aws: &Aws) -> Provider {
        Provider {
            lambda: aws.lambda(),
            schema: schema(),
        }
    }

    async fn read_id(&self, id: &str) -> Result<Option<Live>, OpError> {
        let (function, qualifier, sid) = parts(id, "GetPolicy")?;
        let call = self.lambda.get_policy().function_name(&function);
        let call = call.set_qualifier(qualifier.clone()).send();
        let Some(out) = get_optional("GetPolicy", is_gone, call).await? else {
            return Ok(None);
        };
        Ok(out
            .policy()
            .and_then(|p| statement_attrs(p, &function, qualifier.as_deref(), &sid))
            .map(|attrs| Live {
                id: id.to_string(),
                attrs,
            }))
    }
}

/// Whether a live statement grants what `spec` asks.
fn same_grant(spec: &LambdaPermission, live: &Attrs) -> bool {
    let get = |k: &str| live.get(k).and_then(Value::as_str).map(str::to_string);
    get("action") == spec.action
        && get("principal").as_deref() == Some(spec.principal.as_str())
        && get("source-arn") == spec.source_arn
        && get("source-account") == spec.source_account
}

#[async_trait]
impl ResourceProvider for Provider {
    crate::resources::schema_and_transient!(TRANSIENT);

    /// Lambda keeps one resource policy per function and writes it one change at a time.
    fn lane(&self, attrs: &Attrs) -> Option<String> {
        let function = match attrs.get("function") {
            Some(eco_provider::Value::String(f)) if !f.is_empty() => f,
            _ => return None,
        };
        Some(format!("lambda-policy:{}", function_name(function)))
    }

    async fn read(&self, _ctx: &OpContext, id: &str) -> Result<Option<Live>, OpError> {
        self.read_id(id).await
    }

    async fn find(&self, ctx: &OpContext, desired: &Attrs, _token: &str) -> OpResult<Option<Live>> {
        let spec = spec_of(ctx, desired, "GetPolicy")?;
        let Some(live) = ctx.unless_replaced(self.read_id(&spec.id()).await?) else {
            return Ok(None);
        };
        if !same_grant(&spec, &live.attrs) {
            return Err(OpError::new(
                "GetPolicy",
                ErrorKind::Conflict,
                format!(
                    "{TY}: function `{}` already has a statement `{}` that grants something else; \
                     remove it, or give {} another statement-id",
                    spec.function,
                    spec.sid(),
                    ctx.address
                ),
            ));
        }
        Ok(Some(live))
    }

    async fn create(&self, ctx: &OpContext, desired: &Attrs, token: &str) -> Result<Live, OpError> {
        let op = "AddPermission";
        let spec = spec_of(ctx, desired, op)?;
        if let Some(live) = self.find(ctx, desired, token).await? {
            return Ok(live);
        }
        let sent = self
            .lambda
            .add_permission()
            .function_name(&spec.function)
            .set_statement_id(spec.statement_id.clone())
            .set_action(spec.action.clone())
            .principal(&spec.principal)
            .set_source_arn(spec.source_arn.clone())
            .set_source_account(spec.source_account.clone())
            .set_qualifier(spec.qualifier.clone())
            .send()
            .await;
        match sent {
            Ok(_) => {}
            // Added meanwhile: find decides whether it is the same grant.
            Err(e) if error_code(&e) == Some("ResourceConflictException") => {
                let found = self.find(ctx, desired, token).await?;
                return found.ok_or_else(|| op_error(op, e));
            }
            Err(e) => return Err(op_error(op, e)),
        }
        self.read_id(&spec.id()).await?.ok_or_else(|| {
            let message = format!(
                "{TY}: statement `{}` is not in the policy after AddPermission",
                spec.sid()
            );
            OpError::new(op, ErrorKind::Other, message)
        })
    }

    async fn update(
        &self,
        _ctx: &OpContext,
        id: &str,
        _prior: &Attrs,
        _desired: &Attrs,
        changed: &[String],
    ) -> Result<Live, OpError> {
        refuse_any(
            changed,
            TY,
            "AddPermission",
            "Lambda cannot change a statement",
        )?;
        self.read_id(id).await?.ok_or_else(|| {
            let message = format!("{TY}: `{id}` no longer exists");
            OpError::new("GetPolicy", ErrorKind::Other, message)
        })
    }

    async fn delete(&self, _ctx: &OpContext, id: &str, _prior: &Attrs) -> Result<(), OpError> {
        let (function, qualifier, sid) = parts(id, "RemovePermission")?;
        let call = self.lambda.remove_permission().function_name(function);
        let call = call.statement_id(sid).set_qualifier(qualifier).send();
        delete_if_present("RemovePermission", is_gone, call).await
    }
}

/// The function name in a function name or ARN, with or without a qualifier
/// (`arn:aws:lambda:REGION:ACCOUNT:function:NAME[:QUALIFIER]`, `NAME[:QUALIFIER]`).
fn function_name(function: &str) -> &str {
    let parts: Vec<&str> = function.split(':').collect();
    if function.starts_with("arn:") && parts.len() >= 7 {
        parts[6]
    } else {
        parts[0]
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use eco_provider::values::s;

    #[test]
    fn ids_round_trip() {
        assert_eq!(
            parse_id("fn/eco-x"),
            Some(("fn".to_string(), None, "eco-x".to_string()))
        );
        assert_eq!(
            parse_id("fn:live/sid"),
            Some((
                "fn".to_string(),
                Some("live".to_string()),
                "sid".to_string()
            ))
        );
        let arn = "arn:aws:lambda:us-east-1:123456789012:function:fn";
        assert_eq!(
            parse_id(&format!("{arn}/sid")),
            Some((arn.to_string(), None, "sid".to_string()))
        );
        assert_eq!(
            parse_id(&format!("{arn}:3/sid")),
            Some((arn.to_string(), Some("3".to_string()), "sid".to_string()))
        );
        assert_eq!(parse_id("no-slash"), None);
        assert_eq!(
            default_statement_id("lambda-permission.assets-api"),
            "eco-lambda-permission-assets-api"
        );
    }

    #[test]
    fn statements_read_in_config_shape() {
        let policy = r#"{"Version":"2012-10-17","Id":"default","Statement":[
            {"Sid":"other","Effect":"Allow","Principal":{"Service":"s3.amazonaws.com"},"Action":"lambda:InvokeFunction","Resource":"x"},
            {"Sid":"eco-p","Effect":"Allow","Principal":{"Service":"apigateway.amazonaws.com"},"Action":"lambda:InvokeFunction","Resource":"x",
             "Condition":{"ArnLike":{"AWS:SourceArn":"arn:aws:execute-api:us-east-1:1:abc/*/*"},"StringEquals":{"AWS:SourceAccount":"123456789012"}}},
            {"Sid":"acct","Effect":"Allow","Principal":{"AWS":"arn:aws:iam::210987654321:root"},"Action":"lambda:GetFunction","Resource":"x"}]}"#;
        let a = statement_attrs(policy, "fn", None, "eco-p").unwrap();
        assert_eq!(a["principal"], s("apigateway.amazonaws.com"));
        assert_eq!(a["action"], s("lambda:InvokeFunction"));
        assert_eq!(
            a["source-arn"],
            s("arn:aws:execute-api:us-east-1:1:abc/*/*")
        );
        assert_eq!(a["source-account"], s("123456789012"));
        assert_eq!(a["statement-id"], s("eco-p"));
        let b = statement_attrs(policy, "fn", Some("live"), "acct").unwrap();
        assert_eq!(b["principal"], s("210987654321"));
        assert_eq!(b["qualifier"], s("live"));
        assert!(!b.contains_key("source-arn"));
        assert_eq!(statement_attrs(policy, "fn", None, "missing"), None);
    }

    #[test]
    fn spec_defaults_and_validation() {
        let ctx = OpContext::new("lambda-permission.api", "p", "dev");
        let d = Attrs::from([
            ("function".to_string(), s("fn")),
            ("principal".to_string(), s("apigateway.amazonaws.com")),
        ]);
        let spec = spec_of(&ctx, &d, "Op").unwrap();
        assert_eq!(
            spec.statement_id.as_deref(),
            Some("eco-lambda-permission-api")
        );
        assert_eq!(spec.action.as_deref(), Some(DEFAULT_ACTION));
        assert_eq!(spec.id(), "fn/eco-lambda-permission-api");
        let mut bad = d.clone();
        bad.insert("statement-id".into(), s("has space"));
        assert_eq!(
            spec_of(&ctx, &bad, "Op").unwrap_err().kind,
            ErrorKind::Invalid
        );
    }
}
