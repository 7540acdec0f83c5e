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
}

impl Config {
    /// The resource at an address.
    pub fn resource(&self, address: &Address) -> Option<&Resource> {
        self.resources.iter().find(|r| &r.address == address)
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
