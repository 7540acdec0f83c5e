//! `lambda-layer`: a Lambda layer packaged by eco from a local source directory (or a prebuilt
//! zip), with the same reproducible packaging and content hash as `lambda-function`. A layer
//! version cannot change: a change of the content (its hash), description, license or
//! compatible runtimes / architectures publishes a new version, and functions reference the
//! latest through `${lambda-layer.NAME.version-arn}`.
//!
//! A layer has no tags: the layer of the configured name is this address's. Its id is the
//! layer name.
//!
//! AWS calls:
//! - read: ListLayerVersions (the latest), GetLayerVersion (its content hash)
//! - create: PublishLayerVersion; a layer whose latest version already holds this content and
//!   these settings (a re-run after a crash) is taken as it is
//! - update: PublishLayerVersion (a new version) when the content or a setting differs
//! - delete: DeleteLayerVersion for every version (ListLayerVersions)
//! - find: the read of the layer name
//! - import: by layer name; list: ListLayers (every page)

use std::collections::HashMap;
use std::path::Path;
use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use aws_sdk_lambda::primitives::Blob;
use aws_sdk_lambda::types::{LayerVersionContentInput, Runtime};
use eco_provider::{Attrs, ErrorKind, Live, OpContext, OpError, ResourceProvider, Value};
use eco_schema::spec::overlay;
use eco_schema::{Schema, Spec, SpecEnum};

use super::lambda_function::{package_source, Architecture};
use crate::attrs::{spec_invalid, spec_of};
use crate::aws::{is_not_found_or_bare_404, op_error, read_each, Aws};
use crate::calls::{delete_if_present, every_page, get_optional, to_update};

/// A layer's attributes, declared once.
#[derive(Debug, Clone, PartialEq, Eq, Default, Spec)]
#[eco(
    resource = "lambda-layer",
    doc = "A Lambda layer built from a local source directory; a change publishes a new version",
    import_id = "the layer name"
)]
pub struct LambdaLayer {
    /// layer name
    #[eco(replace, name_rule = LambdaLayer)]
    pub name: String,
    /// directory (relative to the configuration) zipped by eco, or a prebuilt .zip; a change of
    /// its content publishes a new version (PublishLayerVersion)
    #[eco(required, local)]
    pub source: Option<String>,
    /// description of the version (PublishLayerVersion)
    pub description: Option<String>,
    /// license of the layer's content, e.g. MIT or a URL (PublishLayerVersion)
    pub license: Option<String>,
    /// runtime identifiers the layer is for, e.g. nodejs20.x, at most 15 (PublishLayerVersion)
    #[eco(unordered)]
    pub compatible_runtimes: Option<Vec<String>>,
    /// x86_64 and/or arm64 (PublishLayerVersion)
    #[eco(unordered)]
    pub compatible_architectures: Option<Vec<Architecture>>,
    /// base64 SHA-256 of the latest version's zip (CodeSha256)
    #[eco(computed)]
    pub source_hash: Option<String>,
    /// layer ARN (without a version)
    #[eco(computed, derived_from = "name")]
    pub arn: Option<String>,
    /// ARN of the latest version, what a function's `layers` takes; new with every publish
    #[eco(
        computed,
        derived_from = "name, source-hash, description, license, compatible-runtimes, compatible-architectures"
    )]
    pub version_arn: Option<String>,
    /// number of the latest version
    #[eco(
        computed,
        derived_from = "name, source-hash, description, license, compatible-runtimes, compatible-architectures"
    )]
    pub version: Option<i64>,
}

pub const TYPE_NAME: &str = LambdaLayer::TYPE_NAME;
const TY: &str = TYPE_NAME;

pub fn schema() -> Schema {
    LambdaLayer::schema()
}

/// What a version is published with: everything but the name is fixed per version.
const VERSION_SETTINGS: &[&str] = &[
    "source-hash",
    "description",
    "license",
    "compatible-runtimes",
    "compatible-architectures",
];

impl LambdaLayer {
    /// The settings a version is published with, as compared: lists as sorted sets.
    fn version_settings(&self) -> (Option<String>, Option<String>, Vec<String>, Vec<String>) {
        let mut runtimes = self.compatible_runtimes.clone().unwrap_or_default();
        runtimes.sort();
        let mut archs: Vec<String> = self
            .compatible_architectures
            .iter()
            .flatten()
            .map(|a| a.as_str().to_string())
            .collect();
        archs.sort();
        (
            self.description.clone().filter(|d| !d.is_empty()),
            self.license.clone().filter(|l| !l.is_empty()),
            runtimes,
            archs,
        )
    }

    /// Whether a version with `live`'s content and settings is what `self` wants.
    fn satisfied_by(&self, live: &LambdaLayer) -> bool {
        self.source_hash == live.source_hash && self.version_settings() == live.version_settings()
    }
}

/// The `lambda-layer` operations, on one account's Lambda client.
pub struct Provider {
    client: aws_sdk_lambda::Client,
    schema: Schema,
    /// `expand` packages each source once per plan and keeps the zip (keyed by its hash) for
    /// the publish.
    packages: Mutex<HashMap<String, Arc<Vec<u8>>>>,
}

impl Provider {
    pub fn new(aws: &Aws) -> Provider {
        Provider {
            client: aws.lambda(),
            schema: schema(),
            packages: Mutex::new(HashMap::new()),
        }
    }

    /// The latest version of the layer (ListLayerVersions, then GetLayerVersion for its
    /// hash); `None` when the layer has no version.
    async fn get(&self, name: &str) -> Result<Option<LambdaLayer>, OpError> {
        let op = "ListLayerVersions";
        let call = self.client.list_layer_versions().layer_name(name).send();
        let Some(out) = get_optional(op, is_not_found_or_bare_404, call).await? else {
            return Ok(None);
        };
        let Some(latest) = out
            .layer_versions()
            .iter()
            .max_by_key(|v| v.version())
            .cloned()
        else {
            return Ok(None);
        };
        let op = "GetLayerVersion";
        let call = self
            .client
            .get_layer_version()
            .layer_name(name)
            .version_number(latest.version())
            .send();
        let Some(version) = get_optional(op, is_not_found_or_bare_404, call).await? else {
            return Ok(None);
        };
        let version_arn = version.layer_version_arn().unwrap_or_default().to_string();
        let arn = version.layer_arn().map(str::to_string).unwrap_or_else(|| {
            version_arn
                .rsplit_once(':')
                .map(|(a, _)| a.to_string())
                .unwrap_or_default()
        });
        let runtimes: Vec<String> = version
            .compatible_runtimes()
            .iter()
            .map(|r| r.as_str().to_string())
            .collect();
        let archs: Vec<Architecture> = version
            .compatible_architectures()
            .iter()
            .filter_map(|a| Architecture::parse(a.as_str()))
            .collect();
        Ok(Some(LambdaLayer {
            name: name.to_string(),
            source: None,
            description: version
                .description()
                .filter(|d| !d.is_empty())
                .map(Into::into),
            license: version
                .license_info()
                .filter(|l| !l.is_empty())
                .map(Into::into),
            compatible_runtimes: (!runtimes.is_empty()).then_some(runtimes),
            compatible_architectures: (!archs.is_empty()).then_some(archs),
            source_hash: version
                .content()
                .and_then(|c| c.code_sha256())
                .map(Into::into),
            arn: Some(arn),
            version_arn: Some(version_arn),
            version: Some(version.version()),
        }))
    }

    fn live(layer: LambdaLayer) -> Live {
        Live {
            id: layer.name.clone(),
            attrs: layer.to_attrs(),
        }
    }

    /// What a create or update answers: the layer with the configuration's `source`, which
    /// AWS does not keep and state records.
    fn live_with_source(mut layer: LambdaLayer, desired: &Attrs) -> Live {
        layer.source = desired
            .get("source")
            .and_then(Value::as_str)
            .map(str::to_string);
        Self::live(layer)
    }

    /// The zip of `layer`'s source: from this plan's `expand`, or packaged again.
    fn zip_of(
        &self,
        layer: &LambdaLayer,
        base_dir: &Path,
        op: &str,
    ) -> Result<Arc<Vec<u8>>, OpError> {
        if let Some(zip) = layer
            .source_hash
            .as_ref()
            .and_then(|h| self.packages.lock().unwrap().get(h).cloned())
        {
            return Ok(zip);
        }
        let source = layer.source.as_deref().ok_or_else(|| {
            OpError::invalid(
                op,
                format!("{TY}: `source` is required to publish a version"),
            )
        })?;
        let pkg = package_source(base_dir, source, None, None)?;
        if layer.source_hash.as_ref().is_some_and(|h| *h != pkg.hash) {
            return Err(OpError::new(
                op,
                ErrorKind::Other,
                format!("{TY}: source `{source}` changed since the plan; plan again"),
            ));
        }
        Ok(pkg.zip)
    }

    /// PublishLayerVersion with `layer`'s content and settings; the new version read back.
    async fn publish(
        &self,
        ctx: &OpContext,
        layer: &LambdaLayer,
        op: &str,
    ) -> Result<LambdaLayer, OpError> {
        let base_dir = ctx.base_dir.clone();
        let zip = self.zip_of(layer, &base_dir, op)?;
        let (description, license, runtimes, archs) = layer.version_settings();
        self.client
            .publish_layer_version()
            .layer_name(&layer.name)
            .content(
                LayerVersionContentInput::builder()
                    .zip_file(Blob::new(zip.as_ref().clone()))
                    .build(),
            )
            .set_description(description)
            .set_license_info(license)
            .set_compatible_runtimes(
                layer
                    .compatible_runtimes
                    .as_ref()
                    .map(|_| runtimes.iter().map(|r| Runtime::from(r.as_str())).collect()),
            )
            .set_compatible_architectures(layer.compatible_architectures.as_ref().map(|_| {
                archs
                    .iter()
                    .map(|a| aws_sdk_lambda::types::Architecture::from(a.as_str()))
                    .collect()
            }))
            .send()
            .await
            .map_err(|e| op_error(op, e))?;
        let what = format!("{TY}: layer `{}`", layer.name);
        to_update(self.get(&layer.name).await?, op, &what)
    }
}

#[async_trait]
impl ResourceProvider for Provider {
    fn schema(&self) -> &Schema {
        &self.schema
    }

    async fn read(&self, _ctx: &OpContext, id: &str) -> Result<Option<Live>, OpError> {
        Ok(self.get(id).await?.map(Self::live))
    }

    /// The layer of the configured name (layers carry no tags: the name is the identity),
    /// unless it is the one a replacement replaces.
    async fn find(
        &self,
        ctx: &OpContext,
        desired: &Attrs,
        _: &str,
    ) -> Result<Option<Live>, OpError> {
        let want: LambdaLayer = spec_of(desired, TY, "ListLayerVersions")?;
        let found = self.get(&want.name).await?.map(Self::live);
        Ok(ctx.unless_replaced(found))
    }

    /// PublishLayerVersion, unless the layer's latest version already holds this content and
    /// these settings (a create re-run after a crash).
    async fn create(&self, ctx: &OpContext, desired: &Attrs, _: &str) -> Result<Live, OpError> {
        let op = "PublishLayerVersion";
        let want: LambdaLayer = spec_of(desired, TY, op)?;
        if let Some(found) = self.get(&want.name).await? {
            if !ctx.is_replaced(&found.name) && want.satisfied_by(&found) {
                return Ok(Self::live_with_source(found, desired));
            }
        }
        let made = self.publish(ctx, &want, op).await?;
        Ok(Self::live_with_source(made, desired))
    }

    /// A new version (PublishLayerVersion) when the content or a setting differs from the
    /// latest version; nothing when it does not.
    async fn update(
        &self,
        ctx: &OpContext,
        id: &str,
        _prior: &Attrs,
        desired: &Attrs,
        changed: &[String],
    ) -> Result<Live, OpError> {
        let op = "PublishLayerVersion";
        let what = format!("{TY}: layer `{id}`");
        let found = to_update(self.get(id).await?, op, &what)?;
        let mut changed: Vec<String> = changed.to_vec();
        if changed.iter().any(|c| c == "source") && !changed.iter().any(|c| c == "source-hash") {
            changed.push("source-hash".into());
        }
        let mut merged: LambdaLayer =
            overlay(&found, desired, &changed).map_err(spec_invalid(TY, op))?;
        merged.source = desired
            .get("source")
            .and_then(Value::as_str)
            .map(str::to_string);
        if merged.satisfied_by(&found)
            || !VERSION_SETTINGS
                .iter()
                .any(|s| changed.iter().any(|c| c == s))
        {
            return Ok(Self::live_with_source(found, desired));
        }
        let published = self.publish(ctx, &merged, op).await?;
        Ok(Self::live_with_source(published, desired))
    }

    /// DeleteLayerVersion for every version of the layer; a layer already gone is success.
    async fn delete(&self, _ctx: &OpContext, id: &str, _prior: &Attrs) -> Result<(), OpError> {
        let call = self.client.list_layer_versions().layer_name(id).send();
        let Some(out) = get_optional("ListLayerVersions", is_not_found_or_bare_404, call).await?
        else {
            return Ok(());
        };
        for v in out.layer_versions() {
            let call = self
                .client
                .delete_layer_version()
                .layer_name(id)
                .version_number(v.version())
                .send();
            delete_if_present("DeleteLayerVersion", is_not_found_or_bare_404, call).await?;
        }
        Ok(())
    }

    /// ListLayers (every page), each layer read.
    async fn list(&self, ctx: &OpContext) -> Option<Result<Vec<Live>, OpError>> {
        let names = every_page(|marker| {
            let call = self.client.list_layers().set_marker(marker).send();
            async move {
                let out = call.await.map_err(|e| op_error("ListLayers", e))?;
                let names = out
                    .layers()
                    .iter()
                    .filter_map(|l| l.layer_name().map(str::to_string))
                    .collect::<Vec<_>>();
                Ok((names, out.next_marker))
            }
        })
        .await;
        Some(match names {
            Ok(names) => read_each(names, |name| async move { self.read(ctx, &name).await }).await,
            Err(e) => Err(e),
        })
    }

    /// Packages the source and adds its hash as `source-hash`, as `lambda-function` does.
    fn expand(&self, base_dir: &Path, desired: &mut Attrs) -> Result<(), OpError> {
        let Some(Value::String(source)) = desired.get("source") else {
            return match desired.get("source") {
                None => Err(OpError::invalid("source", "`source` is required")),
                // Not known yet (a reference): nothing to package.
                _ => Ok(()),
            };
        };
        let pkg = package_source(base_dir, source, None, None)?;
        self.packages
            .lock()
            .unwrap()
            .insert(pkg.hash.clone(), pkg.zip.clone());
        desired.insert("source-hash".into(), Value::String(pkg.hash));
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_version_satisfies_what_has_its_hash_and_settings_in_any_order() {
        let want = LambdaLayer {
            name: "shared".into(),
            source_hash: Some("h1".into()),
            compatible_runtimes: Some(vec!["nodejs20.x".into(), "nodejs18.x".into()]),
            compatible_architectures: Some(vec![Architecture::Arm64, Architecture::X86_64]),
            ..Default::default()
        };
        let mut live = want.clone();
        live.compatible_runtimes = Some(vec!["nodejs18.x".into(), "nodejs20.x".into()]);
        live.compatible_architectures = Some(vec![Architecture::X86_64, Architecture::Arm64]);
        live.version = Some(3);
        assert!(want.satisfied_by(&live));
        live.source_hash = Some("h2".into());
        assert!(!want.satisfied_by(&live));
        live.source_hash = Some("h1".into());
        live.license = Some("MIT".into());
        assert!(!want.satisfied_by(&live));
    }

    #[test]
    fn the_schema_refuses_bad_names_and_publishes_on_change() {
        let s = schema();
        let name = s.attribute("name").unwrap();
        assert_eq!(name.update, eco_schema::Update::Replace);
        assert_eq!(name.name_rule, Some(eco_schema::NameRule::LambdaLayer));
        assert!(eco_schema::NameRule::LambdaLayer
            .check("shared-deps_v2")
            .is_ok());
        assert!(eco_schema::NameRule::LambdaLayer
            .check("shared.deps")
            .is_err());
        assert!(eco_schema::NameRule::LambdaLayer
            .check(&"l".repeat(141))
            .is_err());
        assert_eq!(
            s.attribute("description").unwrap().update,
            eco_schema::Update::InPlace
        );
        assert!(!s.taggable);
    }
}
