//! In-place update steps of `cognito-user-pool`: the guard on what AWS fixes at creation, new
//! custom attributes (AddCustomAttributes, never a replacement), MFA (SetUserPoolMfaConfig) and
//! one UpdateUserPool with the full merged configuration.

use aws_sdk_cognitoidentityprovider::operation::set_user_pool_mfa_config::builders::SetUserPoolMfaConfigFluentBuilder;
use aws_sdk_cognitoidentityprovider::types::{
    EmailMfaConfigType, SmsMfaConfigType, SoftwareTokenMfaConfigType,
};
use eco_provider::{Attrs, OpError, Value};
use eco_schema::{Schema, Shape, Spec, Update};

use super::read::{from_live, mfa_of, sdk_mode};
use super::requests::{
    check_custom_name, custom_schema, declared, update_request, OmitUnusedAccountValidityDays,
    PoolConfig,
};
use super::spec::{CognitoUserPool, CustomAttribute, Mfa, MfaMode};
use super::{Provider, TYPE_NAME};
use crate::attrs::spec_of;
use crate::aws::op_error;
use crate::calls::to_update;

/// Attributes AWS fixes at creation; the planner refuses changes, and `update` does too.
const FIXED: &[&str] = &[
    "username-attributes",
    "alias-attributes",
    "case-sensitive",
    "standard-attribute",
];

/// Attributes that UpdateUserPool carries (sent with the full merged configuration).
const UPDATE_POOL: &[&str] = &[
    "name",
    "auto-verify",
    "password-policy",
    "mfa",
    "account-recovery",
    "email",
    "sms",
    "verification-message",
    "admin-create-user",
    "lambda-triggers",
    "deletion-protection",
    "tier",
    "tags",
];

/// Why the guarded attribute `name` cannot change in place (its schema's explanation).
fn why_fixed(schema: &Schema, name: &str) -> &'static str {
    match schema.attribute(name).map(|a| &a.update) {
        Some(Update::Guarded(why)) => why,
        _ => "AWS fixes it at creation",
    }
}

/// MFA with nothing allowed: what a new pool has.
pub fn mfa_off() -> Mfa {
    Mfa {
        mode: Some(MfaMode::Off),
        software_token: Some(false),
        sms: Some(false),
        email: Some(false),
    }
}

/// The MFA settings the configuration asks for (`want`), merged over `live` (every field set).
pub fn mfa_target(live: &Mfa, want: Option<&Mfa>, op: &str) -> Result<Mfa, OpError> {
    let mut m = live.clone();
    if let Some(w) = want {
        m.mode = w.mode.or(m.mode);
        m.software_token = w.software_token.or(m.software_token);
        m.sms = w.sms.or(m.sms);
        m.email = w.email.or(m.email);
    }
    let any = [m.software_token, m.sms, m.email].contains(&Some(true));
    if m.mode.unwrap_or_default() != MfaMode::Off && !any {
        return Err(OpError::invalid(
            op,
            "`mfa` ON or OPTIONAL needs at least one factor: software-token, sms or email",
        ));
    }
    Ok(m)
}

/// Which declared custom attributes are new, given the live ones; an error when one that exists
/// would change (the planner refuses that first; this guards direct calls).
pub fn new_customs(
    schema: &Schema,
    want: &[CustomAttribute],
    live: &[CustomAttribute],
    op: &str,
) -> Result<Vec<CustomAttribute>, OpError> {
    let mut out = Vec::new();
    for c in want {
        check_custom_name(&c.name, op)?;
        match live.iter().find(|l| l.name == c.name) {
            None => out.push(c.clone()),
            Some(l) => {
                let has = l.to_attrs();
                if c.to_attrs().iter().any(|(k, v)| has.get(k) != Some(v)) {
                    return Err(OpError::invalid(
                        op,
                        format!(
                            "custom attribute `{}` cannot change: {}",
                            c.name,
                            why_fixed(schema, "custom-attribute")
                        ),
                    ));
                }
            }
        }
    }
    Ok(out)
}

/// Whether `live` satisfies `want` for a fixed attribute (declared fields / labels only).
fn value_satisfies(attr: &eco_schema::Attribute, want: &Value, live: Option<&Value>) -> bool {
    match (&attr.shape, want, live) {
        (Shape::List(_), Value::List(w), Some(Value::List(l))) => {
            let mut a: Vec<String> = w.iter().map(Value::to_string).collect();
            let mut b: Vec<String> = l.iter().map(Value::to_string).collect();
            a.sort();
            b.sort();
            a == b
        }
        (Shape::List(_), Value::List(w), None | Some(Value::Null)) => w.is_empty(),
        (Shape::Block(_), Value::List(w), Some(Value::List(l))) => w.iter().all(|wi| {
            let Value::Map(wm) = wi else { return false };
            l.iter().any(|li| {
                let Value::Map(lm) = li else { return false };
                wm.iter().all(|(k, v)| lm.get(k) == Some(v))
            })
        }),
        (_, w, l) => Some(w) == l,
    }
}

/// Refuses a change in `changed` to an attribute AWS fixes at creation, unless `live` already
/// satisfies it.
fn refuse_fixed(
    schema: &Schema,
    id: &str,
    want: &Attrs,
    live: &Attrs,
    changed: &[String],
    op: &str,
) -> Result<(), OpError> {
    for fixed in FIXED {
        let attr = schema.attribute(fixed).expect("declared");
        let differs = want
            .get(*fixed)
            .is_some_and(|w| !value_satisfies(attr, w, live.get(*fixed)));
        if differs && changed.iter().any(|c| c == fixed) {
            return Err(OpError::invalid(
                op,
                format!(
                    "`{fixed}` of user pool `{id}` cannot change in place: {}",
                    why_fixed(schema, fixed)
                ),
            ));
        }
    }
    Ok(())
}

impl Provider {
    /// SetUserPoolMfaConfig with `mfa`; SMS codes go through the SMS configuration of `cfg`.
    pub(super) async fn set_mfa(
        &self,
        id: &str,
        mfa: &Mfa,
        cfg: &PoolConfig,
    ) -> Result<(), OpError> {
        mfa_request(&self.client, id, mfa, cfg)?
            .send()
            .await
            .map_err(|e| op_error("SetUserPoolMfaConfig", e))?;
        Ok(())
    }
}

/// SetUserPoolMfaConfig for `mfa`. With MFA OFF no factor is sent (no SMS or email
/// configuration; the software token disabled), whatever the factors say.
pub fn mfa_request(
    client: &aws_sdk_cognitoidentityprovider::Client,
    id: &str,
    mfa: &Mfa,
    cfg: &PoolConfig,
) -> Result<SetUserPoolMfaConfigFluentBuilder, OpError> {
    let op = "SetUserPoolMfaConfig";
    let off = mfa.mode.unwrap_or_default() == MfaMode::Off;
    let sms = match (!off && mfa.sms == Some(true), cfg.sms.clone()) {
        (false, _) => None,
        (true, Some(sms)) => Some(
            SmsMfaConfigType::builder()
                .set_sms_authentication_message(cfg.sms_authentication_message.clone())
                .sms_configuration(sms)
                .build(),
        ),
        (true, None) => {
            return Err(OpError::invalid(
                op,
                "`mfa sms=#true` needs the `sms` block (the SNS role Cognito sends codes with)",
            ))
        }
    };
    let software = SoftwareTokenMfaConfigType::builder()
        .enabled(!off && mfa.software_token == Some(true))
        .build();
    Ok(client
        .set_user_pool_mfa_config()
        .user_pool_id(id)
        .mfa_configuration(sdk_mode(mfa.mode.unwrap_or_default()))
        .software_token_mfa_configuration(software)
        .set_sms_mfa_configuration(sms)
        .set_email_mfa_configuration(
            (!off && mfa.email == Some(true)).then(|| EmailMfaConfigType::builder().build()),
        ))
}

impl Provider {
    /// Brings the attributes named in `changed` to `desired`, calling only where AWS differs:
    /// new custom attributes (AddCustomAttributes), MFA (SetUserPoolMfaConfig), then one
    /// UpdateUserPool with the full merged configuration.
    pub(super) async fn converge(
        &self,
        id: &str,
        desired: &Attrs,
        changed: &[String],
        op: &str,
    ) -> Result<(), OpError> {
        let want: CognitoUserPool = spec_of(desired, TYPE_NAME, op)?;
        let what = format!("user pool `{id}`");
        let (pool, mfa_live) = to_update(self.read_pool(id).await?, op, &what)?;
        let live = from_live(&pool, &mfa_live);
        let live_attrs = super::read::to_attrs(&pool, &mfa_live);
        refuse_fixed(&self.schema, id, desired, &live_attrs, changed, op)?;
        let has = |a: &str| changed.iter().any(|c| c == a);
        if has("custom-attribute") {
            let add = "AddCustomAttributes";
            let new = new_customs(
                &self.schema,
                &want.custom_attribute,
                &live.custom_attribute,
                add,
            )?;
            if !new.is_empty() {
                let schemas = new
                    .iter()
                    .map(|c| custom_schema(c, add))
                    .collect::<Result<Vec<_>, _>>()?;
                self.client
                    .add_custom_attributes()
                    .user_pool_id(id)
                    .set_custom_attributes(Some(schemas))
                    .send()
                    .await
                    .map_err(|e| op_error(add, e))?;
            }
        }
        let live_mfa = mfa_of(&mfa_live);
        let current = PoolConfig::from_live(&pool, live_mfa.mode.map(sdk_mode));
        let mut merged = current.clone();
        let names = changed
            .iter()
            .filter(|c| UPDATE_POOL.contains(&c.as_str()))
            .cloned();
        merged.overlay(&want, &declared(desired, names), op)?;
        if has("mfa") {
            let target = mfa_target(&live_mfa, want.mfa.as_ref(), "SetUserPoolMfaConfig")?;
            if target != live_mfa {
                self.set_mfa(id, &target, &merged).await?;
            }
            merged.mfa = target.mode.map(sdk_mode);
        }
        if merged != current {
            update_request(&self.client, id, &merged)
                .customize()
                .interceptor(OmitUnusedAccountValidityDays)
                .send()
                .await
                .map_err(|e| op_error("UpdateUserPool", e))?;
        }
        Ok(())
    }
}
