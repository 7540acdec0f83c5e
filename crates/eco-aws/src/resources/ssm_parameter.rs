//! `ssm-parameter`: a Systems Manager Parameter Store parameter (String, StringList or
//! SecureString), its value sensitive.
//!
//! AWS calls:
//! - read: GetParameter (decrypted), DescribeParameters (description, tier, key) and
//!   ListTagsForResource, at once
//! - create: PutParameter (with tags, without Overwrite)
//! - update: PutParameter with Overwrite (value, description, tier, key);
//!   AddTagsToResource / RemoveTagsFromResource
//! - delete: DeleteParameter
//! - import: by the parameter name

use std::collections::BTreeMap;

use async_trait::async_trait;
use aws_sdk_ssm::types::{ParameterStringFilter, ResourceTypeForTagging, Tag};
use eco_provider::{Attrs, Live, OpContext, OpError, OpResult, ResourceProvider};
use eco_schema::{Schema, Spec, SpecEnum};

use crate::attrs::spec_of;
use crate::aws::{error_code, has_code, op_error, Aws};
use crate::calls::{
    bring_to, delete_if_present, every_page, found_to_adopt, get_optional, made, to_update,
};
use crate::ownership::ensure_ours;
use crate::tags::{retag, TagByKey};

/// The kinds of parameter.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, SpecEnum)]
pub enum ParameterType {
    #[default]
    String,
    StringList,
    SecureString,
}

/// Parameter Store's storage tiers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, SpecEnum)]
pub enum ParameterTier {
    Standard,
    Advanced,
    #[eco(rename = "Intelligent-Tiering")]
    IntelligentTiering,
}

/// A parameter: the desired configuration or what Parameter Store reports, in one shape.
#[derive(Debug, Clone, PartialEq, Eq, Default, Spec)]
#[eco(
    resource = "ssm-parameter",
    doc = "A Parameter Store parameter: String, StringList or SecureString",
    import_id = "the parameter name"
)]
pub struct SsmParameter {
    /// parameter name, e.g. /ecogy/dev/api-url; Parameter Store cannot rename one
    #[eco(replace, name_rule = SsmParameter)]
    pub name: String,
    /// String, StringList (comma-separated) or SecureString (encrypted with `key-id`)
    #[eco(replace, rename = "type")]
    pub kind: ParameterType,
    /// the value, never printed (PutParameter with Overwrite)
    #[eco(sensitive)]
    pub value: String,
    /// description (PutParameter with Overwrite)
    pub description: Option<String>,
    /// Standard, Advanced or Intelligent-Tiering (PutParameter with Overwrite; an Advanced
    /// parameter cannot go back to Standard)
    pub tier: Option<ParameterTier>,
    /// KMS key of a SecureString (default alias/aws/ssm) (PutParameter with Overwrite)
    pub key_id: Option<String>,
    /// parameter ARN
    #[eco(computed, derived_from = "name")]
    pub arn: Option<String>,
    /// version, one more at every PutParameter
    #[eco(computed)]
    pub version: Option<i64>,
    #[eco(tags)]
    pub tags: BTreeMap<String, String>,
}

pub const TYPE_NAME: &str = SsmParameter::TYPE_NAME;
const TY: &str = TYPE_NAME;

pub fn schema() -> Schema {
    SsmParameter::schema()
}

/// What Parameter Store answers for a parameter that does not exist (GetParameter,
/// DeleteParameter; ListTagsForResource says InvalidResourceId).
const GONE: &[&str] = &["ParameterNotFound", "InvalidResourceId"];

fn gone<E: aws_smithy_types::error::metadata::ProvideErrorMetadata, R>(
    e: &aws_sdk_ssm::error::SdkError<E, R>,
) -> bool {
    has_code(e, GONE)
}

type PutReq = aws_sdk_ssm::operation::put_parameter::builders::PutParameterFluentBuilder;

/// PutParameter carrying the whole configuration: with `overwrite`, the update of an existing
/// parameter (a description removed from the configuration is cleared); without, a create with
/// its tags (PutParameter takes tags only when it creates).
pub fn put_request(
    req: PutReq,
    want: &SsmParameter,
    overwrite: bool,
    op: &str,
) -> Result<PutReq, OpError> {
    let req = req
        .name(&want.name)
        .value(&want.value)
        .r#type(want.kind.as_str().into())
        .set_tier(want.tier.map(|t| t.as_str().into()))
        .set_key_id(want.key_id.clone());
    Ok(match overwrite {
        true => req
            .overwrite(true)
            .description(want.description.clone().unwrap_or_default()),
        false => req.set_description(want.description.clone()).set_tags(
            (!want.tags.is_empty())
                .then(|| sdk_tags(&want.tags, op))
                .transpose()?,
        ),
    })
}

/// Whether a PutParameter is needed to take `live` to `want`: the value, description, tier or
/// key differ (tags apart; an attribute left out of the configuration is not managed).
pub fn needs_put(live: &SsmParameter, want: &SsmParameter) -> bool {
    let description = |p: &SsmParameter| p.description.clone().unwrap_or_default();
    live.value != want.value
        || description(live) != description(want)
        || want.tier.is_some_and(|t| live.tier != Some(t))
        || want
            .key_id
            .as_ref()
            .is_some_and(|k| live.key_id.as_ref() != Some(k))
}

crate::tags::sdk_tags!(Tag, TY);

/// AddTagsToResource / RemoveTagsFromResource of a parameter, by name.
struct ParameterTagging<'a>(&'a aws_sdk_ssm::Client);

#[async_trait]
impl TagByKey for ParameterTagging<'_> {
    async fn tag(&self, name: &str, tags: BTreeMap<String, String>) -> Result<(), OpError> {
        let op = "AddTagsToResource";
        self.0
            .add_tags_to_resource()
            .resource_type(ResourceTypeForTagging::Parameter)
            .resource_id(name)
            .set_tags(Some(sdk_tags(&tags, op)?))
            .send()
            .await
            .map_err(|e| op_error(op, e))?;
        Ok(())
    }

    async fn untag(&self, name: &str, keys: Vec<String>) -> Result<(), OpError> {
        let op = "RemoveTagsFromResource";
        self.0
            .remove_tags_from_resource()
            .resource_type(ResourceTypeForTagging::Parameter)
            .resource_id(name)
            .set_tag_keys(Some(keys))
            .send()
            .await
            .map_err(|e| op_error(op, e))?;
        Ok(())
    }
}

fn live(p: SsmParameter) -> Live {
    Live {
        id: p.name.clone(),
        attrs: p.to_attrs(),
    }
}

/// The `ssm-parameter` operations, on one account's SSM client.
///
/// `read` costs 3 calls run concurrently (GetParameter with decryption, DescribeParameters for
/// the name, ListTagsForResource).
pub struct Provider {
    ssm: aws_sdk_ssm::Client,
    schema: Schema,
}

impl Provider {
    pub fn new(aws: &Aws) -> Provider {
        Provider {
            ssm: aws.ssm(),
            schema: schema(),
        }
    }

    async fn read_parameter(&self, name: &str) -> Result<Option<SsmParameter>, OpError> {
        let get = self
            .ssm
            .get_parameter()
            .name(name)
            .with_decryption(true)
            .send();
        let filter = ParameterStringFilter::builder()
            .key("Name")
            .option("Equals")
            .values(name)
            .build()
            .map_err(|e| OpError::invalid("DescribeParameters", format!("{TY}: {e}")))?;
        let describe = self
            .ssm
            .describe_parameters()
            .parameter_filters(filter)
            .send();
        let tags = self
            .ssm
            .list_tags_for_resource()
            .resource_type(ResourceTypeForTagging::Parameter)
            .resource_id(name)
            .send();
        let (got, described, tags) = tokio::join!(
            get_optional("GetParameter", gone, get),
            async {
                describe
                    .await
                    .map_err(|e| op_error("DescribeParameters", e))
            },
            get_optional("ListTagsForResource", gone, tags),
        );
        let Some(parameter) = got?.and_then(|o| o.parameter) else {
            return Ok(None);
        };
        let described = described?;
        let meta = described
            .parameters()
            .iter()
            .find(|m| m.name() == Some(name));
        // A parameter deleted between the calls reads as gone.
        let (Some(meta), Some(tags)) = (meta, tags?) else {
            return Ok(None);
        };
        let kind = parameter
            .r#type()
            .and_then(|t| ParameterType::parse(t.as_str()))
            .unwrap_or_default();
        Ok(Some(SsmParameter {
            name: parameter.name().unwrap_or(name).to_string(),
            kind,
            value: parameter.value().unwrap_or_default().to_string(),
            description: meta
                .description()
                .filter(|d| !d.is_empty())
                .map(str::to_string),
            tier: meta.tier().and_then(|t| ParameterTier::parse(t.as_str())),
            key_id: meta.key_id().map(str::to_string),
            arn: parameter.arn().map(str::to_string),
            version: Some(parameter.version()),
            tags: tags
                .tag_list()
                .iter()
                .map(|t| (t.key().to_string(), t.value().to_string()))
                .collect(),
        }))
    }

    async fn find_named(&self, ctx: &OpContext, name: &str, op: &str) -> OpResult<Option<Live>> {
        let Some(found) = self.read_parameter(name).await? else {
            return Ok(None);
        };
        let what = format!("SSM parameter `{name}`");
        ensure_ours(ctx, op, &what, name, &found.tags)?;
        Ok(Some(live(found)))
    }
}

#[async_trait]
impl ResourceProvider for Provider {
    fn schema(&self) -> &Schema {
        &self.schema
    }

    async fn read(&self, _ctx: &OpContext, id: &str) -> Result<Option<Live>, OpError> {
        Ok(self.read_parameter(id).await?.map(live))
    }

    /// The parameter of the configured name, when it exists and carries this address's
    /// ownership tags.
    async fn find(&self, ctx: &OpContext, desired: &Attrs, _token: &str) -> OpResult<Option<Live>> {
        let want: SsmParameter = spec_of(desired, TY, "GetParameter")?;
        self.find_named(ctx, &want.name, "GetParameter").await
    }

    /// PutParameter without Overwrite, with the tags (ownership recorded by the first call). A
    /// parameter of ours that already exists (a re-run after a crash) is adopted and brought to
    /// `desired`; anyone else's is a Conflict.
    async fn create(&self, ctx: &OpContext, desired: &Attrs, _: &str) -> Result<Live, OpError> {
        let op = "PutParameter";
        let want: SsmParameter = spec_of(desired, TY, op)?;
        let put = put_request(self.ssm.put_parameter(), &want, false, op)?;
        match put.send().await {
            Ok(_) => {
                let read = self.read_parameter(&want.name).await?;
                Ok(live(made(read, op, TY, &want.name)?))
            }
            Err(e) if error_code(&e) == Some("ParameterAlreadyExists") => {
                let what = format!("SSM parameter `{}`", want.name);
                let found = found_to_adopt(self.find_named(ctx, &want.name, op).await?, op, &what)?;
                bring_to(self, ctx, found, desired, &[]).await
            }
            Err(e) => Err(op_error(op, e)),
        }
    }

    /// PutParameter with Overwrite when the value, description, tier or key differ from what is
    /// live (so a repeated update publishes no new version); tags by AddTagsToResource /
    /// RemoveTagsFromResource; then a read.
    async fn update(
        &self,
        _ctx: &OpContext,
        id: &str,
        _prior: &Attrs,
        desired: &Attrs,
        changed: &[String],
    ) -> Result<Live, OpError> {
        let op = "PutParameter";
        if let Some(fixed) = changed.iter().find(|c| *c == "name" || *c == "type") {
            return Err(OpError::invalid(
                op,
                format!("{TY}: `{fixed}` cannot change in place (it forces a replacement)"),
            ));
        }
        let want: SsmParameter = spec_of(desired, TY, op)?;
        let what = format!("SSM parameter `{id}`");
        let current = to_update(self.read_parameter(id).await?, "GetParameter", &what)?;
        let puts = ["value", "description", "tier", "key-id"];
        if changed.iter().any(|c| puts.contains(&c.as_str())) && needs_put(&current, &want) {
            let req = put_request(self.ssm.put_parameter(), &want, true, op)?;
            req.send().await.map_err(|e| op_error(op, e))?;
        }
        if changed.iter().any(|c| c == "tags") {
            retag(
                &ParameterTagging(&self.ssm),
                id,
                &current.tags,
                &want.tags,
                &[],
            )
            .await?;
        }
        let after = to_update(self.read_parameter(id).await?, "GetParameter", &what)?;
        Ok(live(after))
    }

    /// DeleteParameter; a parameter already gone is success.
    async fn delete(&self, _ctx: &OpContext, id: &str, _prior: &Attrs) -> Result<(), OpError> {
        let call = self.ssm.delete_parameter().name(id).send();
        delete_if_present("DeleteParameter", gone, call).await
    }

    /// DescribeParameters (every page), each parameter read in full.
    async fn list(&self, _ctx: &OpContext) -> Option<Result<Vec<Live>, OpError>> {
        let names = every_page(|token| async move {
            let out = self
                .ssm
                .describe_parameters()
                .set_next_token(token)
                .send()
                .await
                .map_err(|e| op_error("DescribeParameters", e))?;
            let names: Vec<String> = out
                .parameters()
                .iter()
                .filter_map(|p| p.name().map(str::to_string))
                .collect();
            Ok((names, out.next_token))
        })
        .await;
        crate::aws::read_listed(names, |name| async move {
            Ok(self.read_parameter(&name).await?.map(live))
        })
        .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn param() -> SsmParameter {
        SsmParameter {
            name: "/ecogy/dev/db-password".into(),
            kind: ParameterType::SecureString,
            value: "s3cr3t".into(),
            description: Some("database password".into()),
            tier: Some(ParameterTier::Standard),
            key_id: Some("alias/aws/ssm".into()),
            tags: BTreeMap::from([("team".to_string(), "data".to_string())]),
            ..SsmParameter::default()
        }
    }

    #[test]
    fn an_overwrite_carries_the_whole_configuration_and_no_tags() {
        let mut want = param();
        want.description = None;
        let req = put_request(
            crate::aws::offline().ssm().put_parameter(),
            &want,
            true,
            "Op",
        )
        .unwrap();
        assert_eq!(req.get_overwrite(), &Some(true));
        assert_eq!(req.get_value().as_deref(), Some("s3cr3t"));
        assert_eq!(
            req.get_type().as_ref().map(|t| t.as_str()),
            Some("SecureString")
        );
        // A description removed from the configuration is cleared.
        assert_eq!(req.get_description().as_deref(), Some(""));
        assert_eq!(req.get_tags(), &None);
        let create = put_request(
            crate::aws::offline().ssm().put_parameter(),
            &param(),
            false,
            "Op",
        )
        .unwrap();
        assert_eq!(create.get_overwrite(), &None);
        assert_eq!(create.get_tags().as_ref().map(Vec::len), Some(1));
        assert_eq!(
            create.get_tier().as_ref().map(|t| t.as_str()),
            Some("Standard")
        );
    }

    #[test]
    fn a_put_is_needed_only_for_what_differs() {
        let live = param();
        assert!(!needs_put(&live, &live));
        let unmanaged = SsmParameter {
            tier: None,
            key_id: None,
            ..param()
        };
        assert!(!needs_put(&live, &unmanaged));
        for want in [
            SsmParameter {
                value: "other".into(),
                ..param()
            },
            SsmParameter {
                description: None,
                ..param()
            },
            SsmParameter {
                tier: Some(ParameterTier::Advanced),
                ..param()
            },
        ] {
            assert!(needs_put(&live, &want), "{want:?}");
        }
    }

    #[test]
    fn the_value_is_sensitive_and_the_types_are_closed() {
        let schema = SsmParameter::schema();
        assert!(schema.attribute("value").unwrap().sensitive);
        assert_eq!(
            schema.attribute("type").unwrap().allowed,
            &["String", "StringList", "SecureString"]
        );
        assert!(schema
            .attribute("tier")
            .unwrap()
            .allowed
            .contains(&"Intelligent-Tiering"));
    }
}
