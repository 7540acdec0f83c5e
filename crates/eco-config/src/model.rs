//! The typed configuration model: what the KDL files say, checked against the schemas.

use std::collections::BTreeMap;

use eco_schema::Value;

use crate::expr::{Address, Expr, Reference};
use crate::source::{Sources, Span};

/// A whole configuration: every `*.kdl` file of one directory.
#[derive(Debug, Clone, Default)]
pub struct Config {
    pub sources: Sources,
    /// `project "NAME"`; used in ownership tags and lock paths.
    pub project: Option<String>,
    pub backend: Option<Backend>,
    pub stages: Vec<Stage>,
    pub vars: Vec<VarDecl>,
    pub resources: Vec<Resource>,
    pub outputs: Vec<Output>,
    pub imports: Vec<ImportBlock>,
    /// `local "NAME" value=...`: named values (already put in place of `${local.NAME}`).
    pub locals: Vec<LocalDecl>,
    /// `lookup "TYPE" "NAME" { ... }`: read-only reads of resources not managed here.
    pub lookups: Vec<LookupDecl>,
    /// Resources with `for-each`, expanded into instances by [`Config::for_stage`].
    pub for_each: Vec<ForEachResource>,
    /// `moved from= to=` blocks.
    pub moved: Vec<Moved>,
    /// `module "NAME" source="./dir" { ... }` calls (expanded into `resources` while loading:
    /// what remains here is for reading, e.g. `eco graph`'s clusters).
    pub module_calls: Vec<ModuleCall>,
    /// Module calls with `for-each`, expanded into instances by [`Config::for_stage`].
    pub module_for_each: Vec<ModuleForEach>,
    /// `param "NAME"` declarations: a module's inputs.
    pub params: Vec<ParamDecl>,
    /// `resources` by address, built on the first lookup (a plan looks up every resource and
    /// every reference: a scan each time made planning quadratic).
    index: ResourceIndex,
}

/// Positions in [`Config::resources`] by address. Checked on every use, so that an index built
/// before resources were appended is never wrong: a stale answer falls back to a scan.
#[derive(Debug, Clone, Default)]
struct ResourceIndex(std::sync::OnceLock<Positions>);

#[derive(Debug, Clone)]
struct Positions {
    positions: std::collections::HashMap<Address, usize>,
    /// How many resources there were when it was built.
    built_for: usize,
}

impl Config {
    /// The resource at an address.
    pub fn resource(&self, address: &Address) -> Option<&Resource> {
        let at = |index: &Positions| {
            index
                .positions
                .get(address)
                .and_then(|&i| self.resources.get(i))
                .filter(|r| &r.address == address)
        };
        let index = self.index.0.get_or_init(|| self.build_index());
        if let Some(r) = at(index) {
            return Some(r);
        }
        if index.built_for == self.resources.len() {
            // Nothing was added since the index was built (resources are only ever appended,
            // while parsing): absent.
            return None;
        }
        self.resources.iter().find(|r| &r.address == address)
    }

    /// Forgets the index (after resources were added out of order of [`Config::resource`]).
    pub(crate) fn reset_index(&mut self) {
        self.index = ResourceIndex::default();
    }

    fn build_index(&self) -> Positions {
        let mut positions = std::collections::HashMap::with_capacity(self.resources.len());
        for (i, r) in self.resources.iter().enumerate() {
            positions.entry(r.address.clone()).or_insert(i);
        }
        Positions {
            positions,
            built_for: self.resources.len(),
        }
    }

    /// The stage with a name.
    pub fn stage(&self, name: &str) -> Option<&Stage> {
        self.stages.iter().find(|s| s.name == name)
    }

    /// The project's name (`project` node), or `default`.
    pub fn project_name(&self) -> &str {
        self.project.as_deref().unwrap_or("default")
    }
}

/// Where state is kept: `backend "s3" bucket=... key=... region=... lock-table=...`.
#[derive(Debug, Clone, PartialEq)]
pub struct Backend {
    /// `s3` or `local`.
    pub kind: String,
    /// The properties, as written.
    pub settings: BTreeMap<String, String>,
    pub span: Span,
}

impl Backend {
    /// A setting's value.
    pub fn get(&self, key: &str) -> Option<&str> {
        self.settings.get(key).map(String::as_str)
    }
}

/// Role to assume for a stage.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AssumeRole {
    pub role_arn: String,
    pub session_name: Option<String>,
    pub external_id: Option<String>,
}

/// `stage "NAME" { ... }`: one environment, usually its own AWS account.
#[derive(Debug, Clone, PartialEq)]
pub struct Stage {
    pub name: String,
    pub span: Span,
    pub default: bool,
    pub account: Option<String>,
    pub region: Option<String>,
    pub profile: Option<String>,
    pub assume_role: Option<AssumeRole>,
    /// An endpoint URL for every service (a local emulator).
    pub endpoint: Option<String>,
    pub vars: BTreeMap<String, Value>,
    /// Default tags added to every taggable resource of the stage.
    pub tags: BTreeMap<String, String>,
}

/// `var "NAME" default=...`: a variable with an optional default.
#[derive(Debug, Clone, PartialEq)]
pub struct VarDecl {
    pub name: String,
    pub default: Option<Value>,
    pub description: Option<String>,
    pub sensitive: bool,
    pub span: Span,
}

/// `local "NAME" value=...` (or a map / list written as children): a value named once and
/// used as `${local.NAME}`.
#[derive(Debug, Clone, PartialEq)]
pub struct LocalDecl {
    pub name: String,
    pub value: Expr,
    pub span: Span,
}

/// `lookup "TYPE" "NAME" { ATTRIBUTE VALUE ... }`: the one live resource of a type whose
/// attributes match, read at plan time and referenced as `${lookup.TYPE.NAME.ATTRIBUTE}`.
#[derive(Debug, Clone, PartialEq)]
pub struct LookupDecl {
    pub type_name: String,
    pub name: String,
    /// The attributes to match, as written.
    pub filters: BTreeMap<String, Expr>,
    pub span: Span,
}

/// `output "NAME" value="${...}"`.
#[derive(Debug, Clone, PartialEq)]
pub struct Output {
    pub name: String,
    pub value: Expr,
    pub sensitive: bool,
    pub description: Option<String>,
    pub span: Span,
}

/// `import to="TYPE.NAME" id="..."`: adopt a live resource on the next apply.
#[derive(Debug, Clone, PartialEq)]
pub struct ImportBlock {
    pub to: Address,
    pub id: Expr,
    pub span: Span,
}

/// A resource with `for-each "${var.NAME}"`: one instance per key of the collection, addressed
/// `TYPE.NAME["KEY"]`, its `${each.key}` / `${each.value}` replaced per instance.
#[derive(Debug, Clone, PartialEq)]
pub struct ForEachResource {
    /// The block, its address without a key and `${each.*}` still in its attributes.
    pub resource: Resource,
    /// The collection: a list of strings or a map.
    pub collection: Expr,
    /// The `for-each` node.
    pub span: Span,
}

/// `module "NAME" source="./dir" { PARAM VALUE ... }`: the KDL files of a directory, their
/// resources addressed `module.NAME.TYPE.RES`.
#[derive(Debug, Clone, PartialEq)]
pub struct ModuleCall {
    pub name: String,
    /// The directory, as written (relative to the calling file's directory).
    pub source: String,
    /// The parameters given, by name, with where each was written.
    pub args: BTreeMap<String, (Expr, Span)>,
    /// `for-each`: the collection whose elements each get an instance of the module
    /// (`module.NAME["KEY"]`), with where it was written.
    pub for_each: Option<(Expr, Span)>,
    pub span: Span,
}

/// A module call with `for-each`, kept until the stage is known: [`Config::for_stage`] makes
/// one instance of the module per element, at `module.NAME["KEY"].TYPE.RES`.
#[derive(Debug, Clone)]
pub struct ModuleForEach {
    /// The call: `${each.*}` still in its parameters.
    pub call: ModuleCall,
    /// The collection: a list of strings or a map.
    pub collection: Expr,
    /// The module's own configuration (its own plain calls already expanded).
    pub module: Box<Config>,
    /// The `for-each`.
    pub span: Span,
    /// The module calls this call is inside, outermost first (empty at the root): its
    /// instances are at `module.OUTER.module.CALL["KEY"]`.
    pub prefix: Vec<String>,
}

/// `param "NAME" type="string" default=...`: an input of a module.
#[derive(Debug, Clone, PartialEq)]
pub struct ParamDecl {
    pub name: String,
    /// `string`, `number`, `bool`, `list` or `map`; `None` accepts anything.
    pub type_name: Option<String>,
    pub default: Option<Value>,
    pub span: Span,
}

/// `moved from="ADDRESS" to="ADDRESS"`: what state tracks at `from` is now `to`.
#[derive(Debug, Clone, PartialEq)]
pub struct Moved {
    pub from: Address,
    pub to: Address,
    pub span: Span,
}

/// `lifecycle ...` settings of a resource.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Lifecycle {
    /// Refuse any plan that would delete the resource.
    pub prevent_destroy: bool,
    /// Create the replacement before deleting the old one.
    pub create_before_destroy: bool,
}

/// One attribute as written: its expression and where it was written.
#[derive(Debug, Clone, PartialEq)]
pub struct AttrValue {
    pub expr: Expr,
    pub span: Span,
}

/// A resource: `TYPE "NAME" { ... }`.
#[derive(Debug, Clone, PartialEq)]
pub struct Resource {
    pub address: Address,
    /// The whole node.
    pub span: Span,
    /// The node name and label (`s3-bucket "site"`), for pointing at the resource.
    pub head_span: Span,
    pub attributes: BTreeMap<String, AttrValue>,
    pub depends_on: Vec<(Address, Span)>,
    pub lifecycle: Lifecycle,
    pub ignore_changes: Vec<String>,
}

impl Resource {
    /// Every `${...}` reference in the resource's attributes.
    pub fn references(&self) -> Vec<&Reference> {
        let mut out = Vec::new();
        for a in self.attributes.values() {
            a.expr.for_each_ref(&mut |r| out.push(r));
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn resource(name: &str) -> Resource {
        let span = Span::new(crate::source::FileId(0), 0, 0);
        Resource {
            address: Address::new("s3-bucket", name),
            span,
            head_span: span,
            attributes: BTreeMap::new(),
            depends_on: Vec::new(),
            lifecycle: Lifecycle::default(),
            ignore_changes: Vec::new(),
        }
    }

    #[test]
    fn resources_are_found_by_address_also_after_more_were_added() {
        let mut config = Config::default();
        config.resources.push(resource("a"));
        config.resources.push(resource("b"));
        let b = Address::new("s3-bucket", "b");
        let c = Address::new("s3-bucket", "c");
        assert_eq!(config.resource(&b).map(|r| &r.address), Some(&b));
        assert!(config.resource(&c).is_none());
        // The index was built for two; a third appended afterwards is still found.
        config.resources.push(resource("c"));
        assert_eq!(config.resource(&c).map(|r| &r.address), Some(&c));
        assert!(config.resource(&Address::new("s3-bucket", "d")).is_none());
        // A clone gets a working index too.
        assert_eq!(config.clone().resource(&b).map(|r| &r.address), Some(&b));
    }
}
