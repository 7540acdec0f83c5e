//! `secretsmanager-secret`: a Secrets Manager secret and its current string value (sensitive),
//! with rotation off (eco configures none).
//!
//! AWS calls:
//! - read: DescribeSecret (carries tags and whether deletion is scheduled), then GetSecretValue
//! - create: CreateSecret (name, description, key, value, tags); a secret of ours scheduled for
//!   deletion under the name is restored (RestoreSecret) and brought to the configuration
//! - update: UpdateSecret (description, key), PutSecretValue (a new current version),
//!   TagResource / UntagResource
//! - delete: DeleteSecret with the recovery window, or without recovery when
//!   `force-delete-without-recovery` is set (both eco-only: taken from the prior attributes)
//! - import: by the secret name

use std::collections::BTreeMap;

use async_trait::async_trait;
use aws_sdk_secretsmanager::operation::describe_secret::DescribeSecretOutput;
use aws_sdk_secretsmanager::types::Tag;
use eco_provider::{Attrs, Live, OpContext, OpError, OpResult, ResourceProvider, Value};
use eco_schema::{Schema, Spec};

use crate::attrs::spec_of;
use crate::aws::{error_code, is_not_found, op_error, Aws};
use crate::calls::{
    bring_to, delete_if_present, every_page, found_to_adopt, get_optional, refuse_fixed, to_update,
};
use crate::ownership::ensure_ours;
use crate::tags::{retag, TagByKey};

/// A secret: the desired configuration or what Secrets Manager reports, in one shape.
#[derive(Debug, Clone, PartialEq, Eq, Default, Spec)]
#[eco(
    resource = "secretsmanager-secret",
    doc = "A Secrets Manager secret and its string value (sensitive); rotation off",
    import_id = "the secret name"
)]
pub struct SecretsmanagerSecret {
    /// secret name, e.g. ecogy/dev/partner-api; Secrets Manager cannot rename a secret
    #[eco(replace, name_rule = Secret)]
    pub name: String,
    /// description (UpdateSecret)
    pub description: Option<String>,
    /// ARN or alias of the KMS key that encrypts the value (default aws/secretsmanager)
    /// (UpdateSecret)
    pub kms_key_id: Option<String>,
    /// the secret's value, never printed (PutSecretValue: a new current version)
    #[eco(sensitive)]
    pub secret_string: Option<String>,
    /// days Secrets Manager keeps a deleted secret restorable, 7 to 30 (default 30); eco-only,
    /// used when the secret is deleted
    #[eco(local, min = 7, max = 30)]
    pub recovery_window_in_days: Option<i64>,
    /// delete at once, with no recovery window; eco-only, used when the secret is deleted
    #[eco(local)]
    pub force_delete_without_recovery: Option<bool>,
    /// secret ARN (with Secrets Manager's random suffix)
    #[eco(computed)]
    pub arn: Option<String>,
    #[eco(tags)]
    pub tags: BTreeMap<String, String>,
}

pub const TYPE_NAME: &str = SecretsmanagerSecret::TYPE_NAME;
const TY: &str = TYPE_NAME;

pub fn schema() -> Schema {
    SecretsmanagerSecret::schema()
}

/// The eco-only attributes, kept from the configuration into what create and update return.
const LOCAL: &[&str] = &["recovery-window-in-days", "force-delete-without-recovery"];

/// How DeleteSecret is asked to delete, from the recorded attributes.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Deletion {
    /// Restorable for this many days (Secrets Manager's default is 30).
    Window(Option<i64>),
    /// At once, not restorable.
    Forced,
}

impl Deletion {
    pub fn of(prior: &Attrs) -> Deletion {
        match prior.get("force-delete-without-recovery") {
            Some(Value::Bool(true)) => Deletion::Forced,
            _ => Deletion::Window(match prior.get("recovery-window-in-days") {
                Some(Value::Int(days)) => Some(*days),
                _ => None,
            }),
        }
    }
}

type DeleteReq =
    aws_sdk_secretsmanager::operation::delete_secret::builders::DeleteSecretFluentBuilder;

/// DeleteSecret of `name` as `deletion` says.
pub fn delete_request(req: DeleteReq, name: &str, deletion: Deletion) -> DeleteReq {
    let req = req.secret_id(name);
    match deletion {
        Deletion::Forced => req.force_delete_without_recovery(true),
        Deletion::Window(days) => req.set_recovery_window_in_days(days),
    }
}

fn sdk_tags(tags: &BTreeMap<String, String>) -> Vec<Tag> {
    tags.iter()
        .map(|(k, v)| Tag::builder().key(k).value(v).build())
        .collect()
}

/// TagResource / UntagResource of a secret, by name.
struct SecretTagging<'a>(&'a aws_sdk_secretsmanager::Client);

#[async_trait]
impl TagByKey for SecretTagging<'_> {
    async fn tag(&self, name: &str, tags: BTreeMap<String, String>) -> Result<(), OpError> {
        let call = self
            .0
            .tag_resource()
            .secret_id(name)
            .set_tags(Some(sdk_tags(&tags)));
        call.send().await.map_err(|e| op_error("TagResource", e))?;
        Ok(())
    }

    async fn untag(&self, name: &str, keys: Vec<String>) -> Result<(), OpError> {
        let call = self
            .0
            .untag_resource()
            .secret_id(name)
            .set_tag_keys(Some(keys));
        call.send()
            .await
            .map_err(|e| op_error("UntagResource", e))?;
        Ok(())
    }
}

/// A secret as read, or `None` when it is scheduled for deletion (gone, for eco).
fn from_described(d: &DescribeSecretOutput, value: Option<String>) -> Option<SecretsmanagerSecret> {
    if d.deleted_date().is_some() {
        return None;
    }
    Some(SecretsmanagerSecret {
        name: d.name().unwrap_or_default().to_string(),
        description: d
            .description()
            .filter(|s| !s.is_empty())
            .map(str::to_string),
        kms_key_id: d.kms_key_id().map(str::to_string),
        secret_string: value,
        arn: d.arn().map(str::to_string),
        tags: d
            .tags()
            .iter()
            .filter_map(|t| Some((t.key()?.to_string(), t.value()?.to_string())))
            .collect(),
        ..SecretsmanagerSecret::default()
    })
}

/// The `secretsmanager-secret` operations, on one account's Secrets Manager client.
///
/// `read` costs 2 calls (DescribeSecret, GetSecretValue).
pub struct Provider {
    sm: aws_sdk_secretsmanager::Client,
    schema: Schema,
}

impl Provider {
    pub fn new(aws: &Aws) -> Provider {
        Provider {
            sm: aws.secretsmanager(),
            schema: schema(),
        }
    }

    async fn describe(&self, name: &str) -> Result<Option<DescribeSecretOutput>, OpError> {
        let call = self.sm.describe_secret().secret_id(name).send();
        get_optional("DescribeSecret", is_not_found, call).await
    }

    /// The secret when it exists and is not scheduled for deletion.
    async fn read_secret(&self, name: &str) -> Result<Option<SecretsmanagerSecret>, OpError> {
        let Some(described) = self.describe(name).await? else {
            return Ok(None);
        };
        if described.deleted_date().is_some() {
            return Ok(None);
        }
        let call = self.sm.get_secret_value().secret_id(name).send();
        // A secret without a value yet answers ResourceNotFoundException too; DescribeSecret
        // said it exists, so that is "no value".
        let value = get_optional("GetSecretValue", is_not_found, call)
            .await?
            .and_then(|o| o.secret_string);
        Ok(from_described(&described, value))
    }

    /// The result of a create or update: what is live, with the eco-only attributes of
    /// `desired`.
    fn result(secret: SecretsmanagerSecret, desired: &Attrs) -> Live {
        let mut attrs = secret.to_attrs();
        for key in LOCAL {
            if let Some(v) = desired.get(*key).filter(|v| !matches!(v, Value::Null)) {
                attrs.insert(key.to_string(), v.clone());
            }
        }
        Live {
            id: secret.name,
            attrs,
        }
    }

    /// A secret of the configured name, ours (a Conflict otherwise), restored first when it
    /// was scheduled for deletion.
    async fn adopt(&self, ctx: &OpContext, desired: &Attrs, name: &str) -> Result<Live, OpError> {
        let op = "CreateSecret";
        let what = format!("secret `{name}`");
        let described = found_to_adopt(self.describe(name).await?, op, &what)?;
        let tags: BTreeMap<String, String> = described
            .tags()
            .iter()
            .filter_map(|t| Some((t.key()?.to_string(), t.value()?.to_string())))
            .collect();
        ensure_ours(ctx, op, &format!("secret `{name}`"), name, &tags)?;
        if described.deleted_date().is_some() {
            let call = self.sm.restore_secret().secret_id(name).send();
            call.await.map_err(|e| op_error("RestoreSecret", e))?;
        }
        let found = self.read_secret(name).await?;
        let found = to_update(found, op, &format!("secret `{name}`"))?;
        let live = Self::result(found, desired);
        bring_to(self, ctx, live, desired, LOCAL).await
    }
}

fn live(secret: SecretsmanagerSecret) -> Live {
    Live {
        id: secret.name.clone(),
        attrs: secret.to_attrs(),
    }
}

#[async_trait]
impl ResourceProvider for Provider {
    fn schema(&self) -> &Schema {
        &self.schema
    }

    async fn read(&self, _ctx: &OpContext, id: &str) -> Result<Option<Live>, OpError> {
        Ok(self.read_secret(id).await?.map(live))
    }

    /// The secret of the configured name, when it exists and carries this address's ownership
    /// tags.
    async fn find(&self, ctx: &OpContext, desired: &Attrs, _token: &str) -> OpResult<Option<Live>> {
        let want: SecretsmanagerSecret = spec_of(desired, TY, "DescribeSecret")?;
        let Some(found) = self.read_secret(&want.name).await? else {
            return Ok(None);
        };
        let what = format!("secret `{}`", want.name);
        ensure_ours(ctx, "DescribeSecret", &what, &want.name, &found.tags)?;
        Ok(Some(live(found)))
    }

    /// CreateSecret with the value and tags (ownership recorded by the first call). A secret of
    /// ours under the name (a re-run after a crash, or one deleted with a recovery window and
    /// configured again) is adopted; anyone else's is a Conflict.
    async fn create(&self, ctx: &OpContext, desired: &Attrs, _: &str) -> Result<Live, OpError> {
        let op = "CreateSecret";
        let want: SecretsmanagerSecret = spec_of(desired, TY, op)?;
        let tags = (!want.tags.is_empty()).then(|| sdk_tags(&want.tags));
        let created = self
            .sm
            .create_secret()
            .name(&want.name)
            .set_description(want.description.clone())
            .set_kms_key_id(want.kms_key_id.clone())
            .set_secret_string(want.secret_string.clone())
            .set_tags(tags)
            .send()
            .await;
        match created {
            Ok(_) => {
                let made = self.read_secret(&want.name).await?;
                let made = to_update(made, op, &format!("secret `{}`", want.name))?;
                Ok(Self::result(made, desired))
            }
            // Taken, or scheduled for deletion (InvalidRequestException).
            Err(e)
                if matches!(
                    error_code(&e),
                    Some("ResourceExistsException" | "InvalidRequestException")
                ) =>
            {
                match self.describe(&want.name).await? {
                    Some(_) => self.adopt(ctx, desired, &want.name).await,
                    None => Err(op_error(op, e)),
                }
            }
            Err(e) => Err(op_error(op, e)),
        }
    }

    /// UpdateSecret for the description and key, PutSecretValue for a value that differs from
    /// the current one, TagResource / UntagResource; then a read.
    async fn update(
        &self,
        _ctx: &OpContext,
        id: &str,
        _prior: &Attrs,
        desired: &Attrs,
        changed: &[String],
    ) -> Result<Live, OpError> {
        let op = "UpdateSecret";
        refuse_fixed(changed, &["name"], TY, op)?;
        let want: SecretsmanagerSecret = spec_of(desired, TY, op)?;
        let what = format!("secret `{id}`");
        let current = to_update(self.read_secret(id).await?, "DescribeSecret", &what)?;
        let has = |k: &str| changed.iter().any(|c| c == k);
        let description_differs = has("description")
            && current.description.as_deref().unwrap_or("")
                != want.description.as_deref().unwrap_or("");
        let key_differs =
            has("kms-key-id") && want.kms_key_id.is_some() && want.kms_key_id != current.kms_key_id;
        if description_differs || key_differs {
            self.sm
                .update_secret()
                .secret_id(id)
                .set_description(
                    description_differs.then(|| want.description.clone().unwrap_or_default()),
                )
                .set_kms_key_id(key_differs.then(|| want.kms_key_id.clone()).flatten())
                .send()
                .await
                .map_err(|e| op_error(op, e))?;
        }
        if let Some(value) = want.secret_string.as_ref().filter(|_| has("secret-string")) {
            if current.secret_string.as_ref() != Some(value) {
                self.sm
                    .put_secret_value()
                    .secret_id(id)
                    .secret_string(value)
                    .send()
                    .await
                    .map_err(|e| op_error("PutSecretValue", e))?;
            }
        }
        if has("tags") {
            retag(&SecretTagging(&self.sm), id, &current.tags, &want.tags, &[]).await?;
        }
        let after = to_update(self.read_secret(id).await?, "DescribeSecret", &what)?;
        Ok(Self::result(after, desired))
    }

    /// DeleteSecret with the recorded recovery window, or without recovery; a secret already
    /// gone, or already scheduled for deletion, is success.
    async fn delete(&self, _ctx: &OpContext, id: &str, prior: &Attrs) -> Result<(), OpError> {
        let deletion = Deletion::of(prior);
        if deletion != Deletion::Forced {
            match self.describe(id).await? {
                None => return Ok(()),
                Some(d) if d.deleted_date().is_some() => return Ok(()),
                Some(_) => {}
            }
        }
        let call = delete_request(self.sm.delete_secret(), id, deletion).send();
        delete_if_present("DeleteSecret", is_not_found, call).await
    }

    /// ListSecrets (every page), each secret read in full.
    async fn list(&self, _ctx: &OpContext) -> Option<Result<Vec<Live>, OpError>> {
        let names = every_page(|token| async move {
            let out = self
                .sm
                .list_secrets()
                .set_next_token(token)
                .send()
                .await
                .map_err(|e| op_error("ListSecrets", e))?;
            let names: Vec<String> = out
                .secret_list()
                .iter()
                .filter_map(|s| s.name().map(str::to_string))
                .collect();
            Ok((names, out.next_token))
        })
        .await;
        crate::aws::read_listed(names, |name| async move {
            Ok(self.read_secret(&name).await?.map(live))
        })
        .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn deletion_follows_the_recorded_eco_only_settings() {
        let prior = |pairs: &[(&str, Value)]| -> Attrs {
            pairs
                .iter()
                .map(|(k, v)| (k.to_string(), v.clone()))
                .collect()
        };
        assert_eq!(Deletion::of(&Attrs::new()), Deletion::Window(None));
        let seven = prior(&[("recovery-window-in-days", Value::Int(7))]);
        assert_eq!(Deletion::of(&seven), Deletion::Window(Some(7)));
        let forced = prior(&[
            ("recovery-window-in-days", Value::Int(7)),
            ("force-delete-without-recovery", Value::Bool(true)),
        ]);
        assert_eq!(Deletion::of(&forced), Deletion::Forced);
        let req = delete_request(
            crate::aws::offline().secretsmanager().delete_secret(),
            "s",
            Deletion::Forced,
        );
        assert_eq!(req.get_force_delete_without_recovery(), &Some(true));
        assert_eq!(req.get_recovery_window_in_days(), &None);
        let req = delete_request(
            crate::aws::offline().secretsmanager().delete_secret(),
            "s",
            Deletion::Window(Some(7)),
        );
        assert_eq!(req.get_recovery_window_in_days(), &Some(7));
    }

    #[test]
    fn the_value_is_sensitive_and_the_deletion_settings_eco_only() {
        let schema = SecretsmanagerSecret::schema();
        assert!(schema.attribute("secret-string").unwrap().sensitive);
        for key in LOCAL {
            assert!(schema.attribute(key).unwrap().local, "{key}");
        }
        assert_eq!(
            schema.attribute("recovery-window-in-days").unwrap().range,
            Some((7, 30))
        );
    }
}
