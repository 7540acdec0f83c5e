//! KDL documents -> the typed [`Config`], checked against the resource schemas.

use std::collections::{BTreeMap, HashMap};

use eco_kdl::{Entry as KdlEntry, Node as KdlNode, Value as KdlValue};
use eco_schema::{did_you_mean, Attribute, Registry, ScalarType, Schema, Shape, Value};

use crate::diagnostic::{Diagnostic, Diagnostics};
use crate::expr::{parse_template, Address, Expr, RefTarget};
use crate::model::*;
use crate::source::{FileId, Sources, Span};

/// Top-level node names other than resource types.
pub const KEYWORDS: &[&str] = &[
    "project", "backend", "stage", "var", "output", "import", "local", "lookup", "moved", "module",
    "param",
];

/// Nodes every resource accepts besides its schema's attributes.
pub const META_ATTRIBUTES: &[&str] = &["depends-on", "lifecycle", "ignore-changes", "for-each"];

const BACKEND_S3_KEYS: &[&str] = &[
    "bucket",
    "key",
    "region",
    "lock-table",
    "profile",
    "role-arn",
    "endpoint",
    "account",
];
const BACKEND_LOCAL_KEYS: &[&str] = &["path"];

pub(crate) struct Parser<'a> {
    registry: &'a Registry,
    sources: &'a Sources,
    pub(crate) diags: Diagnostics,
    pub(crate) config: Config,
    addresses: HashMap<Address, Span>,
    project_span: Option<Span>,
}

impl<'a> Parser<'a> {
    pub(crate) fn new(registry: &'a Registry, sources: &'a Sources) -> Self {
        Parser {
            registry,
            sources,
            diags: Diagnostics::default(),
            config: Config::default(),
            addresses: HashMap::new(),
            project_span: None,
        }
    }

    /// Parses one file into the configuration being built.
    pub(crate) fn parse_file(&mut self, file: FileId) {
        let text = self.sources.file(file).text.clone();
        // The fast parser reads the file; only when it rejects the file is the `kdl` crate (the
        // reference for the language) asked, for its better error messages.
        let doc = match eco_kdl::parse(&text) {
            Ok(doc) => doc,
            Err(fast) => {
                self.syntax_error(file, &text, &fast);
                return;
            }
        };
        for node in doc.nodes() {
            self.top_level(file, node);
        }
    }

    fn syntax_error(&mut self, file: FileId, text: &str, fast: &eco_kdl::ParseError) {
        for e in crate::syntax::explain(text, fast) {
            let help = e.help.unwrap_or_else(|| {
                "see docs/language.md; KDL v2 writes booleans as #true/#false and quotes strings".into()
            });
            self.diags.push(
                Diagnostic::new("eco::syntax", format!("syntax error: {}", e.message))
                    .at(Span::new(file, e.offset, e.len), e.label)
                    .help(help),
            );
        }
    }

    fn span(&self, file: FileId, s: eco_kdl::Span) -> Span {
        Span::new(file, s.offset(), s.len())
    }

    /// The node's name and first argument, for pointing at a whole block.
    fn head_span(&self, file: FileId, node: &KdlNode) -> Span {
        let start = node.name().span().offset();
        let end = node
            .entries()
            .first()
            .map(|e| e.span().offset() + e.span().len())
            .unwrap_or(start + node.name().span().len());
        Span::new(file, start, end.saturating_sub(start))
    }

    fn error(&mut self, d: Diagnostic) {
        self.diags.push(d);
    }

    /// `what` is declared a second time at `span` (first at `first`).
    fn declared_twice(&mut self, what: String, span: Span, first: Span, help: &str) {
        self.error(
            Diagnostic::new("eco::duplicate", format!("{what} is declared twice"))
                .at(span, "second declaration")
                .also(first, "first declared here")
                .help(help.to_string()),
        );
    }

    /// A property or setting named `key` that `owner` does not take (`unknown property` /
    /// `unknown setting` as `kind` says), with what it does take as the hint.
    fn unknown_key(&mut self, span: Span, kind: &str, key: &str, owner: &str, hint: String) {
        self.error(
            Diagnostic::new(
                "eco::unknown_attribute",
                format!("unknown {owner} {kind} `{key}`"),
            )
            .at(span, format!("unknown {kind}"))
            .help(hint),
        );
    }

    fn top_level(&mut self, file: FileId, node: &KdlNode) {
        let name = node.name().value();
        match name {
            "project" => self.project(file, node),
            "backend" => self.backend(file, node),
            "stage" => self.stage(file, node),
            "var" => self.var(file, node),
            "output" => self.output(file, node),
            "import" => self.import(file, node),
            "local" => self.local(file, node),
            "lookup" => self.lookup(file, node),
            "moved" => {
                if let Some(m) =
                    crate::moved::parse_moved(file, node, self.sources, &mut self.diags)
                {
                    self.config.moved.push(m);
                }
            }
            "module" => {
                if let Some(c) =
                    crate::module::parse_call(file, node, self.sources, &mut self.diags)
                {
                    self.config.module_calls.push(c);
                }
            }
            "param" => {
                if let Some(p) = crate::module::parse_param(file, node, &mut self.diags) {
                    self.config.params.push(p);
                }
            }
            ty => match self.registry.get(ty) {
                Some(schema) => self.resource(file, node, schema),
                None => {
                    let candidates = KEYWORDS.iter().copied().chain(self.registry.type_names());
                    let hint = did_you_mean(ty, candidates)
                        .map(|s| format!("did you mean `{s}`?"))
                        .unwrap_or_else(|| {
                            "a top-level node is a resource type (see docs/resources/) or one of \
                             project, backend, stage, var, output, import, moved, module, param"
                                .to_string()
                        });
                    self.error(
                        Diagnostic::new("eco::unknown_node", format!("unknown node `{ty}`"))
                            .at(
                                self.span(file, node.name().span()),
                                "not a resource type or keyword",
                            )
                            .help(hint),
                    );
                }
            },
        }
    }

    /// Arguments (entries without a name).
    fn args(node: &KdlNode) -> impl Iterator<Item = &KdlEntry> {
        node.entries().iter().filter(|e| e.name().is_none())
    }

    /// Properties (named entries).
    /// Whether `node` writes `name`, as a property or a child node, whatever its value.
    fn writes(node: &KdlNode, name: &str) -> bool {
        Self::props(node).any(|(k, _)| k == name)
            || node
                .children()
                .is_some_and(|c| c.nodes().iter().any(|n| n.name().value() == name))
    }

    fn props(node: &KdlNode) -> impl Iterator<Item = (&str, &KdlEntry)> {
        node.entries()
            .iter()
            .filter_map(|e| e.name().map(|n| (n.value(), e)))
    }

    /// The node's one string argument (its label), with a diagnostic when it is not there.
    fn label(&mut self, file: FileId, node: &KdlNode, what: &str, example: &str) -> Option<String> {
        let args: Vec<&KdlEntry> = Self::args(node).collect();
        match args.as_slice() {
            [e] => match e.value() {
                KdlValue::String(s) => Some(s.clone()),
                other => {
                    self.error(
                        Diagnostic::new(
                            "eco::type_error",
                            format!("{what} must be a string, found {}", describe(other)),
                        )
                        .at(self.span(file, e.span()), "expected a string")
                        .help(format!("write it as {example}")),
                    );
                    None
                }
            },
            [] => {
                self.error(
                    Diagnostic::new("eco::missing_label", format!("{what} is missing"))
                        .at(self.span(file, node.name().span()), "needs a name")
                        .help(format!("write it as {example}")),
                );
                None
            }
            [_, extra, ..] => {
                self.error(
                    Diagnostic::new(
                        "eco::extra_argument",
                        format!("{what}: only one argument is expected"),
                    )
                    .at(self.span(file, extra.span()), "unexpected argument")
                    .help(format!("write it as {example}")),
                );
                None
            }
        }
    }

    fn no_children(&mut self, file: FileId, node: &KdlNode, example: &str) {
        if let Some(children) = node.children() {
            self.error(
                Diagnostic::new(
                    "eco::unexpected_block",
                    format!("`{}` takes no block", node.name().value()),
                )
                .at(self.span(file, children.span()), "unexpected block")
                .help(format!("write it as {example}")),
            );
        }
    }

    fn project(&mut self, file: FileId, node: &KdlNode) {
        let example = "project \"NAME\"";
        self.no_children(file, node, example);
        let Some(name) = self.label(file, node, "the project name", example) else {
            return;
        };
        let span = self.head_span(file, node);
        if let Some(first) = self.project_span {
            self.declared_twice("`project`".into(), span, first, "keep one `project` node");
            return;
        }
        self.project_span = Some(span);
        self.config.project = Some(name);
    }

    fn backend(&mut self, file: FileId, node: &KdlNode) {
        let example = "backend \"s3\" bucket=\"...\" key=\"...\" region=\"...\" lock-table=\"...\"";
        self.no_children(file, node, example);
        let Some(kind) = self.label(file, node, "the backend kind", example) else {
            return;
        };
        let span = self.head_span(file, node);
        let allowed: &[&str] = match kind.as_str() {
            "s3" => BACKEND_S3_KEYS,
            "local" => BACKEND_LOCAL_KEYS,
            other => {
                let hint = did_you_mean(other, ["s3", "local"])
                    .map(|s| format!("did you mean `{s}`?"))
                    .unwrap_or_else(|| "eco has the backends `s3` and `local`".into());
                self.error(
                    Diagnostic::new("eco::unknown_backend", format!("unknown backend `{other}`"))
                        .at(span, "unknown backend")
                        .help(hint),
                );
                return;
            }
        };
        let mut settings = BTreeMap::new();
        for (key, entry) in Self::props(node) {
            if !allowed.contains(&key) {
                let hint = did_you_mean(key, allowed.iter().copied())
                    .map(|s| format!("did you mean `{s}`?"))
                    .unwrap_or_else(|| format!("the {kind} backend takes: {}", allowed.join(", ")));
                self.error(
                    Diagnostic::new(
                        "eco::unknown_attribute",
                        format!("unknown setting `{key}` for the {kind} backend"),
                    )
                    .at(self.span(file, entry.span()), "unknown setting")
                    .help(hint),
                );
                continue;
            }
            match entry.value() {
                KdlValue::String(s) => {
                    settings.insert(key.to_string(), s.clone());
                }
                other => self.error(
                    Diagnostic::new(
                        "eco::type_error",
                        format!(
                            "backend setting `{key}` must be a string, found {}",
                            describe(other)
                        ),
                    )
                    .at(self.span(file, entry.span()), "expected a string")
                    .help(format!("quote it: {key}=\"...\"")),
                ),
            }
        }
        if kind == "s3" {
            for required in ["bucket", "key"] {
                if !settings.contains_key(required) {
                    self.error(
                        Diagnostic::new(
                            "eco::missing_attribute",
                            format!("the s3 backend needs `{required}`"),
                        )
                        .at(span, format!("missing {required}="))
                        .help(example.to_string()),
                    );
                }
            }
        }
        if let Some(first) = &self.config.backend {
            self.declared_twice(
                "`backend`".into(),
                span,
                first.span,
                "keep one `backend` node",
            );
            return;
        }
        self.config.backend = Some(Backend {
            kind,
            settings,
            span,
        });
    }

    fn stage(&mut self, file: FileId, node: &KdlNode) {
        let example = "stage \"dev\" { account \"123456789012\"; region \"us-east-1\" }";
        let Some(name) = self.label(file, node, "the stage name", example) else {
            return;
        };
        let span = self.head_span(file, node);
        let mut stage = Stage {
            name,
            span,
            default: false,
            account: None,
            region: None,
            profile: None,
            assume_role: None,
            endpoint: None,
            vars: BTreeMap::new(),
            tags: BTreeMap::new(),
        };
        for (key, entry) in Self::props(node) {
            if key == "default" {
                stage.default = self.bool_entry(file, entry, "default").unwrap_or(false);
            } else {
                self.unknown_key(
                    self.span(file, entry.span()),
                    "property",
                    key,
                    "stage",
                    "a stage takes `default=#true`; its settings go inside its block".into(),
                );
            }
        }
        const STAGE_CHILDREN: &[&str] = &[
            "account",
            "region",
            "profile",
            "assume-role",
            "endpoint",
            "var",
            "tags",
            "default",
        ];
        for child in node.children().map(|c| c.nodes()).unwrap_or(&[]) {
            let key = child.name().value();
            match key {
                "account" | "region" | "profile" | "endpoint" => {
                    let ex = format!("{key} \"...\"");
                    self.no_children(file, child, &ex);
                    let v = self.label(file, child, &format!("the stage's {key}"), &ex);
                    if key == "account" {
                        if let Some(acct) = &v {
                            if acct.len() != 12 || !acct.chars().all(|c| c.is_ascii_digit()) {
                                self.error(
                                    Diagnostic::new(
                                        "eco::invalid_value",
                                        format!("`{acct}` is not an AWS account id"),
                                    )
                                    .at(self.span(file, child.span()), "expected 12 digits")
                                    .help("an account id is 12 digits, written as a string: account \"123456789012\""),
                                );
                            }
                        }
                    }
                    match key {
                        "account" => stage.account = v,
                        "region" => stage.region = v,
                        "profile" => stage.profile = v,
                        _ => stage.endpoint = v,
                    }
                }
                "assume-role" => {
                    let ex = "assume-role \"arn:aws:iam::222222222222:role/eco-deploy\" session-name=\"eco\" external-id=\"...\"";
                    self.no_children(file, child, ex);
                    if let Some(arn) = self.label(file, child, "the role ARN", ex) {
                        let mut role = AssumeRole {
                            role_arn: arn,
                            session_name: None,
                            external_id: None,
                        };
                        for (k, e) in Self::props(child) {
                            let v = self.string_entry(file, e, k);
                            match k {
                                "session-name" => role.session_name = v,
                                "external-id" => role.external_id = v,
                                _ => self.unknown_key(
                                    self.span(file, e.span()),
                                    "property",
                                    k,
                                    "assume-role",
                                    "assume-role takes session-name= and external-id=".into(),
                                ),
                            }
                        }
                        stage.assume_role = Some(role);
                    }
                }
                "var" if !child.child_nodes().is_empty() => {
                    // `var "NAME" { ... }`: a list or map for this stage.
                    let ex = "var \"names\" { - \"a\"; - \"b\" }";
                    if let Some(name) = self.label(file, child, "the variable name", ex) {
                        match crate::collections::structured_value(
                            file,
                            child,
                            &format!("variable `{name}`"),
                        ) {
                            Ok(v) => {
                                stage.vars.insert(name, v);
                            }
                            Err(d) => self.error(d),
                        }
                    }
                }
                "var" => {
                    let ex = "var domain=\"dev.example.com\"";
                    self.no_children(file, child, ex);
                    if let Some(arg) = Self::args(child).next() {
                        self.error(
                            Diagnostic::new(
                                "eco::extra_argument",
                                "a stage's `var` takes properties",
                            )
                            .at(self.span(file, arg.span()), "unexpected argument")
                            .help(format!("write it as {ex}")),
                        );
                    }
                    for (k, e) in Self::props(child) {
                        if let Some(v) = plain_value(e.value()) {
                            stage.vars.insert(k.to_string(), v);
                        }
                    }
                }
                "tags" => {
                    for (k, e) in Self::props(child) {
                        if let Some(v) = self.string_entry(file, e, k) {
                            stage.tags.insert(k.to_string(), v);
                        }
                    }
                }
                "default" => {
                    if let Some(e) = Self::args(child).next() {
                        stage.default = self.bool_entry(file, e, "default").unwrap_or(false);
                    }
                }
                other => {
                    let hint = did_you_mean(other, STAGE_CHILDREN.iter().copied())
                        .map(|s| format!("did you mean `{s}`?"))
                        .unwrap_or_else(|| format!("a stage takes: {}", STAGE_CHILDREN.join(", ")));
                    self.unknown_key(
                        self.span(file, child.name().span()),
                        "setting",
                        other,
                        "stage",
                        hint,
                    );
                }
            }
        }
        if let Some(first) = self.config.stage(&stage.name) {
            let first_span = first.span;
            self.declared_twice(
                format!("stage `{}`", stage.name),
                span,
                first_span,
                "merge the two stage blocks",
            );
            return;
        }
        self.config.stages.push(stage);
    }

    fn var(&mut self, file: FileId, node: &KdlNode) {
        let example = "var \"NAME\" default=VALUE";
        let structured = !node.child_nodes().is_empty();
        if Self::args(node).next().is_none() && Self::props(node).next().is_some() {
            self.error(
                Diagnostic::new("eco::missing_label", "a top-level `var` declares one variable by name")
                    .at(self.head_span(file, node), "no name")
                    .help("write `var \"NAME\" default=VALUE`; per-stage values go in a stage block: `var NAME=VALUE`"),
            );
            return;
        }
        let Some(name) = self.label(file, node, "the variable name", example) else {
            return;
        };
        let span = self.head_span(file, node);
        let mut decl = VarDecl {
            name,
            default: None,
            description: None,
            sensitive: false,
            span,
        };
        if structured {
            // `var "NAME" { ... }`: a list or map as the default.
            match crate::collections::structured_value(
                file,
                node,
                &format!("variable `{}`", decl.name),
            ) {
                Ok(v) => decl.default = Some(v),
                Err(d) => self.error(d),
            }
        }
        for (k, e) in Self::props(node) {
            match k {
                "default" => decl.default = plain_value(e.value()),
                "description" => decl.description = self.string_entry(file, e, k),
                "sensitive" => decl.sensitive = self.bool_entry(file, e, k).unwrap_or(false),
                _ => self.unknown_key(
                    self.span(file, e.span()),
                    "property",
                    k,
                    "var",
                    "a var takes default=, description= and sensitive=".into(),
                ),
            }
        }
        if let Some(first) = self.config.vars.iter().find(|v| v.name == decl.name) {
            let first_span = first.span;
            self.declared_twice(
                format!("variable `{}`", decl.name),
                span,
                first_span,
                "keep one declaration",
            );
            return;
        }
        self.config.vars.push(decl);
    }

    /// `local "NAME" value=...`, or a map / list as children (`local "tags" { team "x" }`,
    /// `local "names" { - "a"; - "b" }`).
    fn local(&mut self, file: FileId, node: &KdlNode) {
        let example = "local \"NAME\" value=\"...\"";
        let Some(name) = self.label(file, node, "the local's name", example) else {
            return;
        };
        let span = self.head_span(file, node);
        let mut value = None;
        for (k, e) in Self::props(node) {
            match k {
                "value" => value = self.any_scalar(file, e),
                _ => self.unknown_key(
                    self.span(file, e.span()),
                    "property",
                    k,
                    "local",
                    "a local takes value=, or its map or list as children".into(),
                ),
            }
        }
        if node.children().is_some() {
            value = self.structured(file, node);
        }
        let Some(value) = value else {
            if node.children().is_none() && !Self::props(node).any(|(k, _)| k == "value") {
                self.error(
                    Diagnostic::new("eco::missing_value", format!("local `{name}` has no value"))
                        .at(span, "no value")
                        .help(format!("write it as {example}")),
                );
            }
            return;
        };
        if let Some(first) = self.config.locals.iter().find(|l| l.name == name) {
            let first_span = first.span;
            self.declared_twice(
                format!("local `{name}`"),
                span,
                first_span,
                "keep one declaration",
            );
            return;
        }
        self.config.locals.push(LocalDecl { name, value, span });
    }

    /// A node's children as a value: a list when every child is `-`, else a map by child name;
    /// a child with one argument is that value, with several a list, with children a value again.
    fn structured(&mut self, file: FileId, node: &KdlNode) -> Option<Expr> {
        let children = node.children().map(|c| c.nodes()).unwrap_or(&[]);
        let mut items = Vec::new();
        let mut map = BTreeMap::new();
        let as_list = !children.is_empty() && children.iter().all(|c| c.name().value() == "-");
        for child in children {
            let value = if child.children().is_some() {
                self.structured(file, child)?
            } else {
                let args: Vec<&KdlEntry> = Self::args(child).collect();
                let mut values: Vec<Expr> = Vec::new();
                for e in &args {
                    values.push(self.any_scalar(file, e)?);
                }
                match values.len() {
                    1 => values.pop().expect("one value"),
                    _ if as_list => Expr::List(values),
                    0 => {
                        self.error(
                            Diagnostic::new(
                                "eco::missing_value",
                                format!("`{}` has no value", child.name().value()),
                            )
                            .at(self.span(file, child.span()), "no value")
                            .help("write a value after the key: key \"value\""),
                        );
                        return None;
                    }
                    _ => Expr::List(values),
                }
            };
            if as_list {
                items.push(value);
            } else {
                map.insert(child.name().value().to_string(), value);
            }
        }
        Some(if as_list {
            Expr::List(items)
        } else {
            Expr::Map(map)
        })
    }

    fn output(&mut self, file: FileId, node: &KdlNode) {
        let example = "output \"NAME\" value=\"${TYPE.NAME.ATTRIBUTE}\"";
        self.no_children(file, node, example);
        let Some(name) = self.label(file, node, "the output name", example) else {
            return;
        };
        let span = self.head_span(file, node);
        let mut value = None;
        let mut sensitive = false;
        let mut description = None;
        for (k, e) in Self::props(node) {
            match k {
                "value" => value = self.any_scalar(file, e),
                "sensitive" => sensitive = self.bool_entry(file, e, k).unwrap_or(false),
                "description" => description = self.string_entry(file, e, k),
                _ => self.unknown_key(
                    self.span(file, e.span()),
                    "property",
                    k,
                    "output",
                    "an output takes value=, sensitive= and description=".into(),
                ),
            }
        }
        let Some(value) = value else {
            self.error(
                Diagnostic::new(
                    "eco::missing_attribute",
                    format!("output `{name}` has no value"),
                )
                .at(span, "missing value=")
                .help(example),
            );
            return;
        };
        if let Some(first) = self.config.outputs.iter().find(|o| o.name == name) {
            let first_span = first.span;
            self.declared_twice(
                format!("output `{name}`"),
                span,
                first_span,
                "keep one declaration",
            );
            return;
        }
        self.config.outputs.push(Output {
            name,
            value,
            sensitive,
            description,
            span,
        });
    }

    /// `lookup "TYPE" "NAME" { ATTRIBUTE VALUE ... }`: a read-only read of a resource this
    /// configuration does not manage, matched by the given attributes.
    fn lookup(&mut self, file: FileId, node: &KdlNode) {
        let example = "lookup \"route53-zone\" \"root\" { name \"example.com\"; }";
        self.no_props(file, node, example);
        let span = self.head_span(file, node);
        let args: Vec<&KdlEntry> = Self::args(node).collect();
        let (Some(ty), Some(name)) = (
            args.first()
                .and_then(|e| self.string_entry(file, e, "type")),
            args.get(1).and_then(|e| self.string_entry(file, e, "name")),
        ) else {
            self.error(
                Diagnostic::new("eco::missing_label", "a lookup names a type and a name")
                    .at(span, "expected TYPE and NAME")
                    .help(format!("write it as {example}")),
            );
            return;
        };
        let Some(schema) = self.registry.get(&ty) else {
            let hint = did_you_mean(&ty, self.registry.type_names())
                .map(|s| format!("did you mean `{s}`?"))
                .unwrap_or_else(|| "a lookup's type is a resource type (docs/resources/)".into());
            self.error(
                Diagnostic::new("eco::unknown_node", format!("unknown resource type `{ty}`"))
                    .at(self.span(file, args[0].span()), "not a resource type")
                    .help(hint),
            );
            return;
        };
        let mut filters = BTreeMap::new();
        let mut first_spans = HashMap::new();
        let context = format!("lookup {ty}");
        for child in node.children().map(|c| c.nodes()).unwrap_or(&[]) {
            self.field_node(
                file,
                child,
                &schema.attributes,
                &context,
                false,
                &mut filters,
                &mut first_spans,
            );
        }
        if filters.is_empty() {
            self.error(
                Diagnostic::new(
                    "eco::missing_attribute",
                    format!("lookup `{ty}.{name}` says nothing to match"),
                )
                .at(span, "no attributes to match")
                .help(format!("name what to find: {example}")),
            );
            return;
        }
        if let Some(first) = self
            .config
            .lookups
            .iter()
            .find(|l| l.type_name == ty && l.name == name)
        {
            let first_span = first.span;
            self.declared_twice(
                format!("lookup `{ty}.{name}`"),
                span,
                first_span,
                "keep one declaration",
            );
            return;
        }
        self.config.lookups.push(LookupDecl {
            type_name: ty,
            name,
            filters: filters.into_iter().map(|(k, v)| (k, v.expr)).collect(),
            span,
        });
    }

    fn import(&mut self, file: FileId, node: &KdlNode) {
        let example = "import to=\"TYPE.NAME\" id=\"LIVE-ID\"";
        self.no_children(file, node, example);
        let span = self.head_span(file, node);
        let mut to = None;
        let mut id = None;
        for (k, e) in Self::props(node) {
            match k {
                "to" => {
                    if let Some(s) = self.string_entry(file, e, k) {
                        match Address::parse(&s) {
                            Some(a) => to = Some(a),
                            None => self.error(
                                Diagnostic::new(
                                    "eco::bad_address",
                                    format!("`{s}` is not a resource address"),
                                )
                                .at(self.span(file, e.span()), "expected TYPE.NAME")
                                .help(example),
                            ),
                        }
                    }
                }
                "id" => id = self.scalar(file, e, ScalarType::String, "id"),
                _ => self.unknown_key(
                    self.span(file, e.span()),
                    "property",
                    k,
                    "import",
                    example.into(),
                ),
            }
        }
        match (to, id) {
            (Some(to), Some(id)) => self.config.imports.push(ImportBlock { to, id, span }),
            _ => self.error(
                Diagnostic::new("eco::missing_attribute", "an import needs `to` and `id`")
                    .at(span, "incomplete import")
                    .help(example),
            ),
        }
    }

    fn resource(&mut self, file: FileId, node: &KdlNode, schema: &Schema) {
        let ty = schema.type_name;
        let example = format!("{ty} \"NAME\" {{ ... }}");
        let Some(name) = self.label(file, node, &format!("the name of this {ty}"), &example) else {
            return;
        };
        let head_span = self.head_span(file, node);
        if !is_name(&name) {
            self.error(
                Diagnostic::new("eco::invalid_name", format!("`{name}` is not a valid resource name"))
                    .at(head_span, "invalid name")
                    .help("a resource name uses letters, digits, `-` and `_` (it becomes part of the address TYPE.NAME)"),
            );
            return;
        }
        for (k, e) in Self::props(node) {
            self.error(
                Diagnostic::new(
                    "eco::unexpected_property",
                    format!("`{k}=` on the resource node itself"),
                )
                .at(self.span(file, e.span()), "unexpected property")
                .help(format!(
                    "write attributes inside the block: {ty} \"{name}\" {{ {k} ... }}"
                )),
            );
        }
        let address = Address::new(ty, name);
        let mut resource = Resource {
            address: address.clone(),
            span: self.span(file, node.span()),
            head_span,
            attributes: BTreeMap::new(),
            depends_on: Vec::new(),
            lifecycle: Lifecycle {
                prevent_destroy: schema.prevent_destroy_by_default,
                create_before_destroy: false,
            },
            ignore_changes: Vec::new(),
        };
        let mut first_spans: HashMap<String, Span> = HashMap::new();
        let mut for_each = None;
        for child in node.children().map(|c| c.nodes()).unwrap_or(&[]) {
            match child.name().value() {
                "for-each" => for_each = self.for_each(file, child),
                "depends-on" => self.depends_on(file, child, &mut resource),
                "lifecycle" => self.lifecycle(file, child, &mut resource),
                "ignore-changes" => self.ignore_changes(file, child, schema, &mut resource),
                _ if child
                    .entries()
                    .iter()
                    .any(|e| e.name().map(|n| n.value()) == Some("for-each")) =>
                {
                    self.dynamic_block(
                        file,
                        child,
                        schema,
                        &mut resource.attributes,
                        &mut first_spans,
                    )
                }
                _ => self.field_node(
                    file,
                    child,
                    &schema.attributes,
                    ty,
                    true,
                    &mut resource.attributes,
                    &mut first_spans,
                ),
            }
        }
        // An attribute written with a bad value already has its error; "missing" would mislead.
        for attr in &schema.attributes {
            if attr.required
                && !resource.attributes.contains_key(attr.name)
                && !Self::writes(node, attr.name)
            {
                self.error(
                    Diagnostic::new(
                        "eco::missing_attribute",
                        format!(
                            "{address} is missing the required attribute `{}`",
                            attr.name
                        ),
                    )
                    .at(head_span, format!("needs `{}`", attr.name))
                    .help(format!(
                        "add `{} ...` inside the block ({})",
                        attr.name, attr.doc
                    )),
                );
            }
        }
        self.check_rules(schema, &resource, head_span);
        if let Some(first) = self.addresses.get(&address) {
            let first = *first;
            self.error(
                Diagnostic::new(
                    "eco::duplicate_address",
                    format!("{address} is declared twice"),
                )
                .at(head_span, "second declaration")
                .also(first, "first declared here")
                .help("resource addresses (TYPE.NAME) must be unique: rename one of them"),
            );
            return;
        }
        self.addresses.insert(address, head_span);
        match for_each {
            Some((collection, span)) => self.config.for_each.push(ForEachResource {
                resource,
                collection,
                span,
            }),
            None => self.config.resources.push(resource),
        }
    }

    /// A repeated block generated from a collection (Terraform's `dynamic`):
    /// `gsi for-each="${var.indexes}" { name "${each.key}"; ... }` is one `gsi` per element, its
    /// `${each.*}` replaced per element when the stage is known ([`Config::for_stage`]). It waits
    /// in its attribute's list as a [`crate::collections::dynamic_block`].
    fn dynamic_block(
        &mut self,
        file: FileId,
        node: &KdlNode,
        schema: &Schema,
        into: &mut BTreeMap<String, AttrValue>,
        first_spans: &mut HashMap<String, Span>,
    ) {
        let name = node.name().value();
        let name_span = self.span(file, node.name().span());
        let Some(attr) = schema.attributes.iter().find(|a| a.name == name) else {
            self.unknown_attribute(name_span, name, schema.type_name, &schema.attributes, true);
            return;
        };
        let repeated_block = matches!(&attr.shape, Shape::Block(b) if b.repeated);
        let entry = node
            .entries()
            .iter()
            .rfind(|e| e.name().map(|n| n.value()) == Some("for-each"))
            .expect("called for a node with for-each=");
        let entry_span = self.span(file, entry.span());
        if !repeated_block || attr.computed {
            self.error(
                Diagnostic::new(
                    "eco::bad_for_each",
                    format!("`{name}` cannot take for-each="),
                )
                .at(entry_span, "not a repeated block")
                .help(format!(
                    "for-each= generates repeated blocks (such as a table's `gsi`); to make several {}s, put `for-each` inside the resource",
                    schema.type_name
                )),
            );
            return;
        }
        let Some(collection) = self.scalar(file, entry, ScalarType::String, "for-each") else {
            return;
        };
        let mut template = node.clone();
        template
            .entries
            .retain(|e| e.name().map(|n| n.value()) != Some("for-each"));
        let span = self.span(file, node.span());
        let Some(expr) = self.attr_value(file, &template, attr, schema.type_name) else {
            return;
        };
        let dynamic = crate::collections::dynamic_block(collection, expr, entry_span);
        self.merge(
            attr.name,
            attr,
            Expr::List(vec![dynamic]),
            span,
            into,
            first_spans,
        );
    }

    /// `for-each "${var.NAME}"`, or the collection written inline as children.
    fn for_each(&mut self, file: FileId, node: &KdlNode) -> Option<(Expr, Span)> {
        let span = self.span(file, node.span());
        if !node.child_nodes().is_empty() {
            return match crate::collections::structured_value(file, node, "for-each") {
                Ok(v) => Some((crate::collections::value_to_expr(&v, span), span)),
                Err(d) => {
                    self.error(d);
                    None
                }
            };
        }
        let example = "for-each \"${var.NAME}\" (a list of strings or a map)";
        match Self::args(node).collect::<Vec<_>>().as_slice() {
            [e] => self
                .scalar(file, e, ScalarType::String, "for-each")
                .map(|x| (x, span)),
            _ => {
                self.error(
                    Diagnostic::new("eco::missing_value", "for-each takes one collection")
                        .at(span, "expected one value")
                        .help(example),
                );
                None
            }
        }
    }

    /// The schema's rules across attributes ([`eco_schema::Rule`]), on the values written; a
    /// rule names a block's field by its path (`website.index`).
    fn check_rules(&mut self, schema: &Schema, resource: &Resource, head_span: Span) {
        let literal = |path: &str| {
            let mut parts = path.split('.');
            let mut expr = &resource.attributes.get(parts.next()?)?.expr;
            for field in parts {
                match expr {
                    Expr::Map(fields) => expr = fields.get(field)?,
                    // The block is known only at plan time.
                    _ => return Some(None),
                }
            }
            Some(match expr {
                Expr::Bool(b) => Some(eco_schema::Literal::Bool(*b)),
                Expr::Str(t) => t.as_literal().map(eco_schema::Literal::Str),
                Expr::Int(i) => Some(eco_schema::Literal::Int(*i)),
                Expr::List(items) => Some(eco_schema::Literal::Items(items.len())),
                _ => Some(eco_schema::Literal::Other),
            })
        };
        for rule in &schema.rules {
            if let Err((what, hint)) = rule.check(&literal) {
                // At the block (or attribute) the rule is about, else at the resource.
                let span = match rule {
                    eco_schema::Rule::InBlock { block, .. } => resource.attributes.get(*block),
                    eco_schema::Rule::Items { name, .. } => resource.attributes.get(*name),
                    _ => None,
                }
                .map_or(head_span, |v| v.span);
                self.error(
                    Diagnostic::new("eco::rule", format!("{} {what}", resource.address))
                        .at(span, "AWS would refuse this")
                        .help(hint),
                );
            }
        }
    }

    fn depends_on(&mut self, file: FileId, node: &KdlNode, resource: &mut Resource) {
        for e in Self::args(node) {
            let span = self.span(file, e.span());
            match e.value().as_string().and_then(Address::parse) {
                Some(a) => resource.depends_on.push((a, span)),
                None => self.error(
                    Diagnostic::new("eco::bad_address", "depends-on takes resource addresses")
                        .at(span, "expected \"TYPE.NAME\"")
                        .help("write it as depends-on \"iam-role.api\""),
                ),
            }
        }
    }

    fn lifecycle(&mut self, file: FileId, node: &KdlNode, resource: &mut Resource) {
        for (k, e) in Self::props(node) {
            match k {
                "prevent-destroy" => {
                    if let Some(b) = self.bool_entry(file, e, k) {
                        resource.lifecycle.prevent_destroy = b;
                    }
                }
                "create-before-destroy" => {
                    if let Some(b) = self.bool_entry(file, e, k) {
                        resource.lifecycle.create_before_destroy = b;
                    }
                }
                _ => {
                    let hint = did_you_mean(k, ["prevent-destroy", "create-before-destroy"])
                        .map(|s| format!("did you mean `{s}`?"))
                        .unwrap_or_else(|| {
                            "lifecycle takes prevent-destroy= and create-before-destroy=".into()
                        });
                    self.unknown_key(self.span(file, e.span()), "setting", k, "lifecycle", hint);
                }
            }
        }
        if let Some(a) = Self::args(node).next() {
            self.error(
                Diagnostic::new("eco::extra_argument", "lifecycle takes properties")
                    .at(self.span(file, a.span()), "unexpected argument")
                    .help(
                        "write it as lifecycle prevent-destroy=#true create-before-destroy=#true",
                    ),
            );
        }
    }

    fn ignore_changes(
        &mut self,
        file: FileId,
        node: &KdlNode,
        schema: &Schema,
        resource: &mut Resource,
    ) {
        for e in Self::args(node) {
            let span = self.span(file, e.span());
            let Some(name) = e.value().as_string() else {
                self.error(
                    Diagnostic::new("eco::type_error", "ignore-changes takes attribute names")
                        .at(span, "expected a string")
                        .help("write it as ignore-changes \"tags\" \"memory\""),
                );
                continue;
            };
            if schema.attribute(name).is_none() {
                self.unknown_attribute(span, name, schema.type_name, &schema.attributes, false);
                continue;
            }
            resource.ignore_changes.push(name.to_string());
        }
    }

    fn unknown_attribute(
        &mut self,
        span: Span,
        name: &str,
        context: &str,
        fields: &[Attribute],
        meta: bool,
    ) {
        let candidates = fields
            .iter()
            .filter(|a| !a.computed)
            .map(|a| a.name)
            .chain(if meta { META_ATTRIBUTES } else { &[] }.iter().copied());
        let hint = did_you_mean(name, candidates)
            .map(|s| format!("did you mean `{s}`?"))
            .unwrap_or_else(|| {
                let names: Vec<&str> = fields
                    .iter()
                    .filter(|a| !a.computed)
                    .map(|a| a.name)
                    .collect();
                format!("{context} takes: {}", names.join(", "))
            });
        self.error(
            Diagnostic::new(
                "eco::unknown_attribute",
                format!("unknown attribute `{name}` in {context}"),
            )
            .at(span, "unknown attribute")
            .help(hint),
        );
    }

    /// Parses one child node as a field of a resource or block and merges it into `into`.
    #[allow(clippy::too_many_arguments)]
    fn field_node(
        &mut self,
        file: FileId,
        node: &KdlNode,
        fields: &[Attribute],
        context: &str,
        meta: bool,
        into: &mut BTreeMap<String, AttrValue>,
        first_spans: &mut HashMap<String, Span>,
    ) {
        let name = node.name().value();
        let name_span = self.span(file, node.name().span());
        let Some(attr) = fields
            .iter()
            .find(|a| a.name == name)
            .or_else(|| policy_field(name, node, fields))
        else {
            self.unknown_attribute(name_span, name, context, fields, meta);
            return;
        };
        if attr.computed {
            self.error(
                Diagnostic::new(
                    "eco::computed_attribute",
                    format!("`{name}` is computed by AWS and cannot be set"),
                )
                .at(name_span, "read-only")
                .help(format!("reference it instead: ${{TYPE.NAME.{name}}}")),
            );
            return;
        }
        let span = self.span(file, node.span());
        let Some(expr) = self.attr_value(file, node, attr, context) else {
            return;
        };
        self.merge(attr.name, attr, expr, span, into, first_spans);
    }

    fn merge(
        &mut self,
        name: &str,
        attr: &Attribute,
        expr: Expr,
        span: Span,
        into: &mut BTreeMap<String, AttrValue>,
        first_spans: &mut HashMap<String, Span>,
    ) {
        let repeatable = match &attr.shape {
            Shape::List(_) | Shape::Map(_) => true,
            Shape::Block(b) => b.repeated,
            Shape::Scalar(_) => false,
        };
        match into.get_mut(name) {
            None => {
                first_spans.insert(name.to_string(), span);
                into.insert(name.to_string(), AttrValue { expr, span });
            }
            Some(existing) if repeatable => match (&mut existing.expr, expr) {
                (Expr::List(items), Expr::List(more)) => {
                    if let Shape::Block(b) = &attr.shape {
                        if let Some(label) = b.label {
                            for m in &more {
                                let key = block_label(m, label);
                                if key.is_some()
                                    && items.iter().any(|i| block_label(i, label) == key)
                                {
                                    self.error(
                                        Diagnostic::new(
                                            "eco::duplicate",
                                            format!(
                                                "`{name} {:?}` is declared twice",
                                                key.unwrap_or_default()
                                            ),
                                        )
                                        .at(span, "second declaration")
                                        .also(first_spans[name], "first one here")
                                        .help("each one needs its own name"),
                                    );
                                    return;
                                }
                            }
                        }
                    }
                    items.extend(more);
                }
                (Expr::Map(m), Expr::Map(more)) => {
                    for (k, v) in more {
                        if m.contains_key(&k) {
                            self.error(
                                Diagnostic::new(
                                    "eco::duplicate",
                                    format!("`{name}` sets `{k}` twice"),
                                )
                                .at(span, "second value")
                                .also(first_spans[name], "first one here")
                                .help("keep one value per key"),
                            );
                            return;
                        }
                        m.insert(k, v);
                    }
                }
                // One of them is a whole value from one `${...}` (`tags "${merge(...)}"`): the
                // two cannot be combined key by key.
                (Expr::Str(_), _) | (_, Expr::Str(_)) => self.error(
                    Diagnostic::new(
                        "eco::duplicate",
                        format!("`{name}` is set twice, once by one expression"),
                    )
                    .at(span, "second value")
                    .also(first_spans[name], "first set here")
                    .help(format!(
                        "set `{name}` in one place: its items written out, or one expression (`merge(...)`, `concat(...)`) that gives all of them"
                    )),
                ),
                _ => {}
            },
            Some(_) => self.error(
                Diagnostic::new("eco::duplicate", format!("`{name}` is set twice"))
                    .at(span, "second value")
                    .also(first_spans[name], "first set here")
                    .help("an attribute takes one value: remove one of them"),
            ),
        }
    }

    /// Converts a node to the value its attribute's shape says.
    fn attr_value(
        &mut self,
        file: FileId,
        node: &KdlNode,
        attr: &Attribute,
        context: &str,
    ) -> Option<Expr> {
        let name = attr.name;
        if attr.json && node.children().is_some() {
            // A policy document written as KDL.
            return match crate::policy::document(self.sources, file, node) {
                Ok(expr) => Some(expr),
                Err(diags) => {
                    diags.into_iter().for_each(|d| self.error(d));
                    None
                }
            };
        }
        match &attr.shape {
            Shape::Scalar(ty) => {
                let example = format!("{name} {}", example_of(*ty));
                self.no_children(file, node, &example);
                self.no_props(file, node, &example);
                let args: Vec<&KdlEntry> = Self::args(node).collect();
                match args.as_slice() {
                    [e] => self
                        .scalar(file, e, *ty, name)
                        .filter(|v| self.allowed(file, e, attr, v)),
                    [] => {
                        self.error(
                            Diagnostic::new("eco::missing_value", format!("`{name}` has no value"))
                                .at(
                                    self.span(file, node.span()),
                                    format!("expected {}", ty.describe()),
                                )
                                .help(format!("write it as {example}")),
                        );
                        None
                    }
                    [_, extra, ..] => {
                        self.error(
                            Diagnostic::new(
                                "eco::extra_argument",
                                format!("`{name}` takes one value"),
                            )
                            .at(self.span(file, extra.span()), "unexpected value")
                            .help(format!("write it as {example}")),
                        );
                        None
                    }
                }
            }
            Shape::List(ty) => {
                let example = format!("{name} {} {}", example_of(*ty), example_of(*ty));
                self.no_children(file, node, &example);
                self.no_props(file, node, &example);
                let items: Vec<Expr> = Self::args(node)
                    .filter_map(|e| {
                        self.scalar(file, e, *ty, name)
                            .filter(|v| self.allowed(file, e, attr, v))
                    })
                    .collect();
                // One `${...}` expression that gives a list (`concat(...)`, `split(...)`) is the list.
                if let [Expr::Str(t)] = items.as_slice() {
                    if t.single_expr()
                        .is_some_and(|e| e.node.static_type() == crate::functions::Ty::List)
                    {
                        return items.into_iter().next();
                    }
                }
                Some(Expr::List(items))
            }
            Shape::Map(ty) => {
                let example = format!("{name} key={}", example_of(*ty));
                self.no_children(file, node, &example);
                // One `${...}` that gives a map (`merge(...)`, a map local or variable) is the map.
                if let ([one], true) = (
                    Self::args(node).collect::<Vec<_>>().as_slice(),
                    Self::props(node).next().is_none(),
                ) {
                    if let Some(Expr::Str(t)) = self.scalar(file, one, ScalarType::String, name) {
                        let gives_a_map = t.single_ref().is_some()
                            || t.single_expr().is_some_and(|e| {
                                matches!(
                                    e.node.static_type(),
                                    crate::functions::Ty::Map | crate::functions::Ty::Any
                                )
                            });
                        if gives_a_map {
                            return Some(Expr::Str(t));
                        }
                    }
                }
                if let Some(a) = Self::args(node).next() {
                    self.error(
                        Diagnostic::new(
                            "eco::extra_argument",
                            format!("`{name}` takes key=value properties"),
                        )
                        .at(self.span(file, a.span()), "unexpected argument")
                        .help(format!("write it as {example}")),
                    );
                    return None;
                }
                let mut map = BTreeMap::new();
                for (k, e) in Self::props(node) {
                    if let Some(v) = self.scalar(file, e, *ty, name) {
                        map.insert(k.to_string(), v);
                    }
                }
                Some(Expr::Map(map))
            }
            Shape::Block(b) => {
                let ctx = format!("`{name}` of {context}");
                let mut fields: BTreeMap<String, AttrValue> = BTreeMap::new();
                let mut first_spans = HashMap::new();
                let args: Vec<&KdlEntry> = Self::args(node).collect();
                match (b.label, args.as_slice()) {
                    (Some(label), [e, rest @ ..]) => {
                        if let Some(v) = self.scalar(file, e, ScalarType::String, label) {
                            fields.insert(
                                label.to_string(),
                                AttrValue {
                                    expr: v,
                                    span: self.span(file, e.span()),
                                },
                            );
                        }
                        if let Some(extra) = rest.first() {
                            self.error(
                                Diagnostic::new(
                                    "eco::extra_argument",
                                    format!("`{name}` takes one name"),
                                )
                                .at(self.span(file, extra.span()), "unexpected argument")
                                .help(format!("write it as {name} \"{label}\" key=value ...")),
                            );
                        }
                    }
                    (Some(label), []) => {
                        self.error(
                            Diagnostic::new(
                                "eco::missing_label",
                                format!("`{name}` needs its {label}"),
                            )
                            .at(
                                self.span(file, node.name().span()),
                                format!("missing {label}"),
                            )
                            .help(format!("write it as {name} \"{label}\" key=value ...")),
                        );
                        return None;
                    }
                    (None, [e, ..]) => {
                        self.error(
                            Diagnostic::new(
                                "eco::extra_argument",
                                format!("`{name}` takes key=value properties"),
                            )
                            .at(self.span(file, e.span()), "unexpected argument")
                            .help(format!("write it as {name} key=value ...")),
                        );
                        return None;
                    }
                    (None, []) => {}
                }
                for (k, e) in Self::props(node) {
                    let espan = self.span(file, e.span());
                    let Some(field) = b.fields.iter().find(|f| f.name == k) else {
                        self.unknown_attribute(espan, k, &ctx, &b.fields, false);
                        continue;
                    };
                    let Shape::Scalar(ty) = field.shape else {
                        self.error(
                            Diagnostic::new(
                                "eco::shape_error",
                                format!("`{k}` in {ctx} is not a single value"),
                            )
                            .at(espan, "write this as a child node")
                            .help(format!("write it inside a block: {name} {{ {k} ... }}")),
                        );
                        continue;
                    };
                    if let Some(v) = self
                        .scalar(file, e, ty, k)
                        .filter(|v| self.allowed(file, e, field, v))
                    {
                        self.merge(k, field, v, espan, &mut fields, &mut first_spans);
                    }
                }
                for child in node.children().map(|c| c.nodes()).unwrap_or(&[]) {
                    self.field_node(
                        file,
                        child,
                        &b.fields,
                        &ctx,
                        false,
                        &mut fields,
                        &mut first_spans,
                    );
                }
                // A required field that is written but refused (a value outside its allowed set)
                // has its diagnostic already: it is not reported missing as well.
                for f in &b.fields {
                    if f.required
                        && !fields.contains_key(f.name)
                        && Some(f.name) != b.label
                        && !Self::writes(node, f.name)
                    {
                        self.error(
                            Diagnostic::new(
                                "eco::missing_attribute",
                                format!("{ctx} is missing the required `{}`", f.name),
                            )
                            .at(self.head_span(file, node), format!("needs `{}`", f.name))
                            .help(format!("add {}=... ({})", f.name, f.doc)),
                        );
                    }
                }
                let map = Expr::Map(fields.into_iter().map(|(k, v)| (k, v.expr)).collect());
                Some(if b.repeated {
                    Expr::List(vec![map])
                } else {
                    map
                })
            }
        }
    }

    /// Whether a literal value is one the attribute allows (see [`Attribute::allowed`] and
    /// [`Attribute::range`]); an interpolated one is checked once known. Reports the diagnostic
    /// when it is not.
    fn allowed(&mut self, file: FileId, e: &KdlEntry, attr: &Attribute, value: &Expr) -> bool {
        if let (Some((min, max)), Expr::Int(i)) = (attr.range, value) {
            if *i < min || *i > max {
                self.error(
                    Diagnostic::new(
                        "eco::out_of_range",
                        format!("`{}` must be between {min} and {max}, found {i}", attr.name),
                    )
                    .at(self.span(file, e.span()), "out of range")
                    .help(format!("AWS accepts {min} to {max} for `{}`", attr.name)),
                );
                return false;
            }
        }
        if let (Some(rule), Expr::Str(template)) = (attr.name_rule, value) {
            if let Some(text) = template.as_literal() {
                if let Err(why) = rule.check(&text) {
                    // A sensitive value (an API key) is never repeated in a diagnostic.
                    let shown = if attr.sensitive {
                        "(sensitive value)".to_string()
                    } else {
                        format!("\"{text}\"")
                    };
                    self.error(
                        Diagnostic::new(
                            "eco::invalid_name",
                            format!("`{}` {shown} {why}", attr.name),
                        )
                        .at(self.span(file, e.span()), "AWS would refuse this name")
                        .help(format!(
                            "`{}` takes {}",
                            attr.name,
                            rule.describe()
                        )),
                    );
                    return false;
                }
            }
        }
        if attr.allowed.is_empty() {
            return true;
        }
        // An integer attribute may take a fixed set too (CloudWatch Logs' retention days).
        let text = match value {
            Expr::Str(template) => match template.as_literal() {
                Some(text) => text,
                None => return true,
            },
            Expr::Int(i) => i.to_string(),
            _ => return true,
        };
        if attr.allowed.contains(&text.as_str()) {
            return true;
        }
        let list = attr
            .allowed
            .iter()
            .map(|a| format!("\"{a}\""))
            .collect::<Vec<_>>()
            .join(", ");
        let close = attr
            .allowed
            .iter()
            .find(|a| a.eq_ignore_ascii_case(&text))
            .copied()
            .or_else(|| did_you_mean(&text, attr.allowed.iter().copied()));
        let help = match close {
            Some(c) => format!("did you mean \"{c}\"? `{}` takes one of: {list}", attr.name),
            None => format!("`{}` takes one of: {list}", attr.name),
        };
        self.error(
            Diagnostic::new(
                "eco::not_allowed",
                format!("`{}` does not take the value \"{text}\"", attr.name),
            )
            .at(self.span(file, e.span()), "not an allowed value")
            .help(help),
        );
        false
    }

    fn no_props(&mut self, file: FileId, node: &KdlNode, example: &str) {
        if let Some((k, e)) = Self::props(node).next() {
            self.error(
                Diagnostic::new(
                    "eco::unexpected_property",
                    format!(
                        "`{}` takes no properties (found `{k}=`)",
                        node.name().value()
                    ),
                )
                .at(self.span(file, e.span()), "unexpected property")
                .help(format!("write it as {example}")),
            );
        }
    }

    /// A value of any scalar type (outputs); strings may interpolate.
    fn any_scalar(&mut self, file: FileId, e: &KdlEntry) -> Option<Expr> {
        let ty = match e.value() {
            KdlValue::String(_) => ScalarType::String,
            KdlValue::Integer(_) => ScalarType::Int,
            KdlValue::Float(_) => ScalarType::Float,
            KdlValue::Bool(_) => ScalarType::Bool,
            KdlValue::Null => return Some(Expr::Null),
        };
        self.scalar(file, e, ty, "value")
    }

    /// Converts one KDL value to an expression of the expected type.
    fn scalar(&mut self, file: FileId, e: &KdlEntry, ty: ScalarType, name: &str) -> Option<Expr> {
        let span = self.span(file, e.span());
        let mismatch = |found: &KdlValue| {
            Diagnostic::new(
                "eco::type_error",
                format!(
                    "`{name}` expects {}, found {}",
                    ty.describe(),
                    describe(found)
                ),
            )
            .at(span, format!("expected {}", ty.describe()))
            .help(match (ty, found) {
                (ScalarType::String, _) => format!("quote it: \"{}\"", found_text(found)),
                (ScalarType::Int | ScalarType::Float, KdlValue::String(s))
                    if s.trim().parse::<f64>().is_ok() =>
                {
                    format!("write the number without quotes: {}", s.trim())
                }
                (ScalarType::Int | ScalarType::Float, KdlValue::String(_)) => {
                    format!("write a number, e.g. {}", example_of(ty))
                }
                (ScalarType::Bool, _) => "write #true or #false".to_string(),
                _ => format!("write {}", example_of(ty)),
            })
        };
        match (e.value(), ty) {
            (KdlValue::String(s), _) => {
                let raw = self.sources.slice(span).to_string();
                let template = match parse_template(s, span, &raw) {
                    Ok(t) => t,
                    Err(d) => {
                        self.error(d);
                        return None;
                    }
                };
                if ty == ScalarType::String
                    || template.single_ref().is_some()
                    || template.single_expr().is_some()
                {
                    Some(Expr::Str(template))
                } else {
                    self.error(mismatch(e.value()));
                    None
                }
            }
            (KdlValue::Integer(i), ScalarType::Int) => match i64::try_from(*i) {
                Ok(i) => Some(Expr::Int(i)),
                Err(_) => {
                    self.error(
                        Diagnostic::new("eco::out_of_range", format!("`{name}` is out of range"))
                            .at(span, "too large")
                            .help("integers must fit in 64 bits"),
                    );
                    None
                }
            },
            (KdlValue::Integer(i), ScalarType::Float) => Some(Expr::Float(*i as f64)),
            (KdlValue::Float(f), ScalarType::Float) => Some(Expr::Float(*f)),
            (KdlValue::Bool(b), ScalarType::Bool) => Some(Expr::Bool(*b)),
            (KdlValue::Null, _) => Some(Expr::Null),
            (found, _) => {
                self.error(mismatch(found));
                None
            }
        }
    }

    fn string_entry(&mut self, file: FileId, e: &KdlEntry, name: &str) -> Option<String> {
        match e.value() {
            KdlValue::String(s) => Some(s.clone()),
            other => {
                self.error(
                    Diagnostic::new(
                        "eco::type_error",
                        format!("`{name}` expects a string, found {}", describe(other)),
                    )
                    .at(self.span(file, e.span()), "expected a string")
                    .help(format!("quote it: \"{}\"", found_text(other))),
                );
                None
            }
        }
    }

    fn bool_entry(&mut self, file: FileId, e: &KdlEntry, name: &str) -> Option<bool> {
        match e.value() {
            KdlValue::Bool(b) => Some(*b),
            other => {
                self.error(
                    Diagnostic::new(
                        "eco::type_error",
                        format!("`{name}` expects a boolean, found {}", describe(other)),
                    )
                    .at(self.span(file, e.span()), "expected #true or #false")
                    .help("KDL v2 writes booleans as #true and #false"),
                );
                None
            }
        }
    }
}

fn block_label(e: &Expr, label: &str) -> Option<String> {
    match e {
        Expr::Map(m) => match m.get(label) {
            Some(Expr::Str(t)) => t.as_literal(),
            _ => None,
        },
        _ => None,
    }
}

/// A KDL value as a plain value (stage vars, var defaults: no interpolation there).
fn plain_value(v: &KdlValue) -> Option<Value> {
    Some(match v {
        KdlValue::String(s) => Value::String(s.clone()),
        KdlValue::Integer(i) => Value::Int(i64::try_from(*i).ok()?),
        KdlValue::Float(f) => Value::Float(*f),
        KdlValue::Bool(b) => Value::Bool(*b),
        KdlValue::Null => Value::Null,
    })
}

fn describe(v: &KdlValue) -> &'static str {
    match v {
        KdlValue::String(_) => "a string",
        KdlValue::Integer(_) => "an integer",
        KdlValue::Float(_) => "a number",
        KdlValue::Bool(_) => "a boolean",
        KdlValue::Null => "#null",
    }
}

fn found_text(v: &KdlValue) -> String {
    match v {
        KdlValue::String(s) => s.clone(),
        KdlValue::Integer(i) => i.to_string(),
        KdlValue::Float(f) => f.to_string(),
        KdlValue::Bool(b) => b.to_string(),
        KdlValue::Null => "null".into(),
    }
}

fn example_of(ty: ScalarType) -> &'static str {
    match ty {
        ScalarType::String => "\"...\"",
        ScalarType::Int => "10",
        ScalarType::Float => "1.5",
        ScalarType::Bool => "#true",
    }
}

/// `policy { statement ... }` where the one JSON attribute is a policy `document` (an
/// `iam-policy`, an `inline-policy` of a role).
fn policy_field<'a>(name: &str, node: &KdlNode, fields: &'a [Attribute]) -> Option<&'a Attribute> {
    if name != "policy" || node.children().is_none() {
        return None;
    }
    match fields
        .iter()
        .filter(|a| a.json)
        .collect::<Vec<_>>()
        .as_slice()
    {
        [only] if only.name == "document" => Some(*only),
        _ => None,
    }
}

fn is_name(s: &str) -> bool {
    !s.is_empty()
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
}

/// Checks what needs the whole configuration: references and import targets.
pub(crate) fn check_references(config: &Config, registry: &Registry, diags: &mut Diagnostics) {
    let declared_vars: std::collections::HashSet<&str> = config
        .vars
        .iter()
        .map(|v| v.name.as_str())
        .chain(
            config
                .stages
                .iter()
                .flat_map(|s| s.vars.keys().map(String::as_str)),
        )
        .collect();
    let addresses: HashMap<&Address, &Resource> = config
        .resources
        .iter()
        .chain(config.for_each.iter().map(|fe| &fe.resource))
        .map(|r| (&r.address, r))
        .collect();
    let for_each_blocks: std::collections::HashSet<&Address> = config
        .for_each
        .iter()
        .map(|fe| &fe.resource.address)
        .collect();
    let locals: Vec<&str> = config.locals.iter().map(|l| l.name.as_str()).collect();
    let check = |r: &crate::expr::Reference, in_for_each: bool, diags: &mut Diagnostics| match &r
        .target
    {
        RefTarget::Stage | RefTarget::Aws(_) => {}
        RefTarget::Lookup {
            type_name,
            name,
            path,
        } => {
            let declared: Vec<String> = config
                .lookups
                .iter()
                .map(|l| format!("{}.{}", l.type_name, l.name))
                .collect();
            let wanted = format!("{type_name}.{name}");
            if !declared.contains(&wanted) {
                let hint = did_you_mean(&wanted, declared.iter().map(String::as_str))
                    .map(|s| format!("did you mean `lookup.{s}`?"))
                    .unwrap_or_else(|| {
                        format!("declare it: lookup \"{type_name}\" \"{name}\" {{ ... }}")
                    });
                diags.push(
                    Diagnostic::new(
                        "eco::unknown_reference",
                        format!("unknown lookup `lookup.{wanted}`"),
                    )
                    .at(r.span, "not declared")
                    .help(hint),
                );
            } else if let Some(schema) = registry.get(type_name) {
                if path[0] != "id" && schema.attribute(&path[0]).is_none() {
                    let hint = did_you_mean(&path[0], schema.attributes.iter().map(|a| a.name))
                        .map(|s| format!("did you mean `{s}`?"))
                        .unwrap_or_else(|| format!("see docs/resources/{type_name}.md"));
                    diags.push(
                        Diagnostic::new(
                            "eco::unknown_reference",
                            format!("{type_name} has no attribute `{}`", path[0]),
                        )
                        .at(r.span, "unknown attribute")
                        .help(hint),
                    );
                }
            }
        }
        RefTarget::Local(reference) => {
            // Known locals were inlined; this one is not declared, has no such key, or is in a
            // cycle (reported already).
            let name = reference.split('.').next().unwrap_or_default();
            if locals.contains(&name) {
                if name != reference {
                    diags.push(
                        Diagnostic::new(
                            "eco::unknown_reference",
                            format!("local `{name}` has nothing at `local.{reference}`"),
                        )
                        .at(r.span, "no such key")
                        .help("a key of a map local or an index of a list local, written in the local's block"),
                    );
                }
            } else {
                let hint = did_you_mean(name, locals.iter().copied())
                    .map(|s| format!("did you mean `local.{s}`?"))
                    .unwrap_or_else(|| format!("declare it: local \"{name}\" value=..."));
                diags.push(
                    Diagnostic::new(
                        "eco::unknown_reference",
                        format!("unknown local `local.{name}`"),
                    )
                    .at(r.span, "not declared")
                    .help(hint),
                );
            }
        }
        RefTarget::Each(_) if in_for_each => {}
        // An instance of a for-each module call: its output was checked while expanding calls,
        // its key is checked per stage.
        RefTarget::ModuleOutput { call, .. } if call.contains("[\"") => {}
        RefTarget::Each(_) | RefTarget::Param(_) | RefTarget::ModuleOutput { .. } => {
            diags.push(crate::collections::unexpanded(r))
        }
        RefTarget::Resource { address, .. }
            if address.key.is_some() != for_each_blocks.contains(&address.block()) =>
        {
            let block = address.block();
            diags.push(if address.key.is_some() && addresses.contains_key(&block) {
                Diagnostic::new(
                    "eco::unknown_reference",
                    format!("{block} has no for-each: `{address}` names no instance"),
                )
                .at(r.span, "not a for-each resource")
                .help(format!("refer to it as `{block}`"))
            } else if address.key.is_some() {
                Diagnostic::new(
                    "eco::unknown_reference",
                    format!("unknown resource `{block}`"),
                )
                .at(r.span, "no such resource")
                .help(format!(
                    "declare it: {} \"{}\" {{ for-each ...; ... }}",
                    block.type_name, block.name
                ))
            } else {
                Diagnostic::new(
                    "eco::unknown_reference",
                    format!("{address} has a for-each: name one of its instances"),
                )
                .at(r.span, "which instance?")
                .help(format!("write {address}[\"KEY\"].ATTRIBUTE"))
            });
        }
        RefTarget::Var(name) => {
            if !declared_vars.contains(name.as_str()) {
                let hint = did_you_mean(name, declared_vars.iter().copied())
                    .map(|s| format!("did you mean `var.{s}`?"))
                    .unwrap_or_else(|| {
                        format!("declare it: var \"{name}\" default=..., or give it a value in each stage: var {name}=...")
                    });
                diags.push(
                    Diagnostic::new(
                        "eco::unknown_reference",
                        format!("unknown variable `var.{name}`"),
                    )
                    .at(r.span, "not declared")
                    .help(hint),
                );
            }
        }
        RefTarget::Resource { address, path } => match addresses.get(&address.block()) {
            None => {
                let all: Vec<String> = addresses.keys().map(|a| a.to_string()).collect();
                let wanted = address.to_string();
                let hint = did_you_mean(&wanted, all.iter().map(String::as_str))
                    .map(|s| format!("did you mean `{s}`?"))
                    .unwrap_or_else(|| {
                        if registry.get(&address.type_name).is_none() {
                            format!("`{}` is not a resource type", address.type_name)
                        } else {
                            format!(
                                "declare it: {} \"{}\" {{ ... }}",
                                address.type_name, address.name
                            )
                        }
                    });
                diags.push(
                    Diagnostic::new(
                        "eco::unknown_reference",
                        format!("unknown resource `{address}`"),
                    )
                    .at(r.span, "no such resource")
                    .help(hint),
                );
            }
            Some(_) => {
                let schema = registry
                    .get(&address.type_name)
                    .expect("resources in config have registered types");
                if schema.attribute(&path[0]).is_none() {
                    let hint = did_you_mean(&path[0], schema.attributes.iter().map(|a| a.name))
                        .map(|s| format!("did you mean `{s}`?"))
                        .unwrap_or_else(|| {
                            let names: Vec<&str> =
                                schema.attributes.iter().map(|a| a.name).collect();
                            format!("{} has: {}", schema.type_name, names.join(", "))
                        });
                    diags.push(
                        Diagnostic::new(
                            "eco::unknown_reference",
                            format!("{} has no attribute `{}`", address, path[0]),
                        )
                        .at(r.span, "unknown attribute")
                        .help(hint),
                    );
                }
            }
        },
    };
    let for_each_resources = config.for_each.iter().map(|fe| (&fe.resource, true));
    for (res, in_for_each) in config
        .resources
        .iter()
        .map(|r| (r, false))
        .chain(for_each_resources)
    {
        for attr in res.attributes.values() {
            match &attr.expr {
                Expr::List(items) => {
                    for item in items {
                        match crate::collections::as_dynamic_block(item) {
                            // `${each.*}` in a generated block names its element.
                            Some((collection, template)) => {
                                collection.for_each_ref(&mut |r| check(r, false, diags));
                                template.for_each_ref(&mut |r| check(r, true, diags));
                            }
                            None => item.for_each_ref(&mut |r| check(r, in_for_each, diags)),
                        }
                    }
                }
                other => other.for_each_ref(&mut |r| check(r, in_for_each, diags)),
            }
        }
        for (dep, span) in &res.depends_on {
            if !addresses.contains_key(&dep.block()) {
                let all: Vec<String> = addresses.keys().map(|a| a.to_string()).collect();
                let hint = did_you_mean(&dep.to_string(), all.iter().map(String::as_str))
                    .map(|s| format!("did you mean `{s}`?"))
                    .unwrap_or_else(|| {
                        "depends-on names resources declared in this configuration".into()
                    });
                diags.push(
                    Diagnostic::new(
                        "eco::unknown_reference",
                        format!("depends-on names unknown resource `{dep}`"),
                    )
                    .at(*span, "no such resource")
                    .help(hint),
                );
            }
        }
    }
    for fe in &config.for_each {
        for r in fe.collection.references() {
            check(r, false, diags);
        }
    }
    for o in &config.outputs {
        for r in o.value.references() {
            check(r, false, diags);
        }
    }
    for l in &config.locals {
        for r in l.value.references() {
            check(r, false, diags);
        }
    }
    for l in &config.lookups {
        for e in l.filters.values() {
            for r in e.references() {
                check(r, false, diags);
            }
        }
    }
    for i in &config.imports {
        for r in i.id.references() {
            check(r, false, diags);
        }
        if !addresses.contains_key(&i.to.block()) {
            diags.push(
                Diagnostic::new("eco::unknown_reference", format!("import target `{}` is not in the configuration", i.to))
                    .at(i.span, "no such resource")
                    .help(format!(
                        "declare {} \"{}\" {{ ... }} (or generate it: eco plan -generate-config-out FILE)",
                        i.to.type_name, i.to.name
                    )),
            );
        }
    }
    let defaults: Vec<&Stage> = config.stages.iter().filter(|s| s.default).collect();
    if let [first, second, ..] = defaults.as_slice() {
        diags.push(
            Diagnostic::new("eco::duplicate", "more than one stage is marked default")
                .at(second.span, "second default")
                .also(first.span, "first default")
                .help("mark at most one stage default=#true"),
        );
    }
}
