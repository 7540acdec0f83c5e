//! Resource-type schemas and eco's value model.
//!
//! A [`Schema`] says which attributes a resource type takes, their [`Shape`] (how they are written
//! in KDL and what value they hold), and how a change to each is applied ([`Update`]). Every other
//! crate reads schemas: `eco-config` type-checks against them, `eco-plan` diffs with them, and each
//! module of `eco-aws` declares one. This crate is pure data: no I/O, no AWS.

// The derives name `::eco_schema::...`; this lets them be used inside this crate too.
extern crate self as eco_schema;

pub mod at_risk;
mod names;
pub mod spec;
mod value;

// Each derive beside its trait, under the same name (as serde's `Serialize`).
pub use at_risk::{DataAtRisk, Held};
pub use eco_schema_derive::{Spec, SpecEnum};
pub use names::{address_tag_value, NameRule};
pub use spec::{Spec, SpecEnum};
pub use value::Value;

use std::collections::BTreeMap;

/// The scalar type of a value written in KDL.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ScalarType {
    String,
    Int,
    Float,
    Bool,
}

impl ScalarType {
    /// A short name used in diagnostics ("a string", "an integer").
    pub fn describe(self) -> &'static str {
        match self {
            ScalarType::String => "a string",
            ScalarType::Int => "an integer",
            ScalarType::Float => "a number",
            ScalarType::Bool => "a boolean (#true or #false)",
        }
    }
}

/// How an attribute is written in KDL and the value it holds.
#[derive(Debug, Clone, PartialEq)]
pub enum Shape {
    /// One argument: `name "x"`, `versioning #true`.
    Scalar(ScalarType),
    /// One or more arguments; the node may repeat and its arguments append: `records "a" "b"`.
    List(ScalarType),
    /// Properties, merged when the node repeats: `tags team="platform"`.
    Map(ScalarType),
    /// A structured value: properties and/or child nodes, each a field; optionally a leading
    /// argument (the label) and optionally repeated (a list of blocks).
    Block(BlockSchema),
}

/// The fields of a [`Shape::Block`].
#[derive(Debug, Clone, PartialEq)]
pub struct BlockSchema {
    /// Field that holds the node's first argument (`gsi "by-owner" ...` -> `name = "by-owner"`).
    pub label: Option<&'static str>,
    /// The block's fields, written as properties (scalars) or child nodes (any shape).
    pub fields: Vec<Attribute>,
    /// Whether the node may repeat; the value is then a list of blocks.
    pub repeated: bool,
}

/// How a change to an attribute reaches AWS.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Update {
    /// Updated in place by an API call (named for the plan and the docs).
    InPlace,
    /// AWS offers no in-place change: the resource is replaced.
    Replace,
    /// A change is refused at plan time with this explanation (and never turned into a replace).
    Guarded(&'static str),
}

/// How a repeated block keyed by its label is compared and changed, label by label.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum LabelSet {
    /// The set of labels is compared whole: a label added, changed or removed is a change of
    /// the attribute, applied as its [`Update`] says.
    #[default]
    Exact,
    /// New labels are added in place; changing or removing an existing label is a change of the
    /// attribute as its [`Update`] says (typically guarded). Cognito custom attributes.
    Additive,
    /// Only the labels the configuration declares are compared; labels AWS has besides them are
    /// not managed. Cognito standard attributes (AWS gives every pool all of them).
    Declared,
}

/// One attribute of a resource type.
#[derive(Debug, Clone, PartialEq)]
pub struct Attribute {
    pub name: &'static str,
    pub shape: Shape,
    /// Must be set in configuration.
    pub required: bool,
    /// Known only from AWS (an id, an ARN); may be referenced, never set.
    pub computed: bool,
    /// Kept out of plan output and logs.
    pub sensitive: bool,
    pub update: Update,
    /// One line for docs and `did you mean` hints.
    pub doc: &'static str,
    /// A JSON document (a policy): compared semantically, not as text.
    pub json: bool,
    /// An eco-only setting AWS does not store (e.g. `force-destroy`): never read from AWS,
    /// kept in state, compared against state.
    pub local: bool,
    /// A list whose order AWS does not keep: compared as a set.
    pub unordered: bool,
    /// A repeated block keyed by label whose order means something (CloudFront's cache
    /// behaviors: their precedence): compared label by label and in order.
    pub ordered: bool,
    /// For a computed attribute AWS derives from configured attributes only (an ARN from the
    /// name): those attributes. A replacement that keeps their values keeps this one, so the
    /// plan shows it known instead of "known after apply" (and dependents do not change).
    pub derived_from: &'static [&'static str],
    /// For a `derived_from` attribute: a boolean attribute that must be true in the desired
    /// configuration for an in-place update to give it a new value (a function's published
    /// version changes only when the function publishes); `None`: every such update does.
    pub derived_when: Option<&'static str>,
    /// For a name: the rule AWS applies to it, which `eco validate` checks on literal values.
    pub name_rule: Option<NameRule>,
    /// For a repeated block keyed by label: how its labels compare (see [`LabelSet`]).
    pub label_set: LabelSet,
    /// The values AWS accepts, for a string attribute (or each item of a list of strings) that
    /// takes one of a fixed set; empty when any value goes. `eco validate` refuses others.
    pub allowed: &'static [&'static str],
    /// The inclusive range AWS accepts, for an integer attribute; `eco validate` refuses a
    /// literal outside it.
    pub range: Option<(i64, i64)>,
}

impl Attribute {
    fn new(name: &'static str, shape: Shape) -> Self {
        Attribute {
            name,
            shape,
            required: false,
            computed: false,
            sensitive: false,
            update: Update::InPlace,
            doc: "",
            json: false,
            local: false,
            unordered: false,
            ordered: false,
            derived_from: &[],
            derived_when: None,
            name_rule: None,
            label_set: LabelSet::Exact,
            allowed: &[],
            range: None,
        }
    }
    /// A single string argument.
    pub fn string(name: &'static str) -> Self {
        Self::new(name, Shape::Scalar(ScalarType::String))
    }
    /// A single integer argument.
    pub fn int(name: &'static str) -> Self {
        Self::new(name, Shape::Scalar(ScalarType::Int))
    }
    /// A single number argument.
    pub fn float(name: &'static str) -> Self {
        Self::new(name, Shape::Scalar(ScalarType::Float))
    }
    /// A single boolean argument.
    pub fn bool(name: &'static str) -> Self {
        Self::new(name, Shape::Scalar(ScalarType::Bool))
    }
    /// A list of arguments of one type.
    pub fn list(name: &'static str, item: ScalarType) -> Self {
        Self::new(name, Shape::List(item))
    }
    /// A map written as properties.
    pub fn map(name: &'static str, item: ScalarType) -> Self {
        Self::new(name, Shape::Map(item))
    }
    /// A block with fields, written once.
    pub fn block(name: &'static str, fields: Vec<Attribute>) -> Self {
        Self::new(
            name,
            Shape::Block(BlockSchema {
                label: None,
                fields,
                repeated: false,
            }),
        )
    }
    /// A block whose first argument fills the field `label`, written once.
    pub fn labeled_block(name: &'static str, label: &'static str, fields: Vec<Attribute>) -> Self {
        Self::new(
            name,
            Shape::Block(BlockSchema {
                label: Some(label),
                fields,
                repeated: false,
            }),
        )
    }
    /// A block that may repeat, each keyed by its first argument (`gsi "by-owner" ...`).
    pub fn repeated_block(name: &'static str, label: &'static str, fields: Vec<Attribute>) -> Self {
        Self::new(
            name,
            Shape::Block(BlockSchema {
                label: Some(label),
                fields,
                repeated: true,
            }),
        )
    }
    /// Marks the attribute as required.
    pub fn required(mut self) -> Self {
        self.required = true;
        self
    }
    /// Marks the attribute as computed by AWS (read-only, referenceable).
    pub fn computed(mut self) -> Self {
        self.computed = true;
        self
    }
    /// Marks the attribute as sensitive.
    pub fn sensitive(mut self) -> Self {
        self.sensitive = true;
        self
    }
    /// A change to this attribute replaces the resource.
    pub fn forces_replacement(mut self) -> Self {
        self.update = Update::Replace;
        self
    }
    /// A change to this attribute is refused with `why`.
    pub fn guarded(mut self, why: &'static str) -> Self {
        self.update = Update::Guarded(why);
        self
    }
    /// Marks a string attribute as a JSON document, compared semantically (key order,
    /// whitespace, and single-item lists AWS returns as scalars do not count as changes).
    pub fn json(mut self) -> Self {
        self.json = true;
        self
    }
    /// Marks an eco-only setting that AWS does not store (see [`Attribute::local`]).
    pub fn local(mut self) -> Self {
        self.local = true;
        self
    }
    /// Marks a list whose order does not matter (AWS returns it in its own order).
    pub fn unordered(mut self) -> Self {
        self.unordered = true;
        self
    }
    /// The naming rule AWS applies to this attribute's value (checked by `eco validate`).
    pub fn name_rule(mut self, rule: NameRule) -> Self {
        self.name_rule = Some(rule);
        self
    }
    /// Marks a computed attribute as derived from the configured attributes `from` only (see
    /// [`Attribute::derived_from`]).
    pub fn derived_from(mut self, from: &'static [&'static str]) -> Self {
        self.derived_from = from;
        self
    }
    /// Makes a `derived_from` attribute change on an in-place update only when the boolean
    /// attribute `flag` is true in the desired configuration (see [`Attribute::derived_when`]).
    pub fn derived_when(mut self, flag: &'static str) -> Self {
        self.derived_when = Some(flag);
        self
    }
    /// Marks a repeated block keyed by label whose order matters (a precedence): reordering the
    /// blocks is a change.
    pub fn ordered(mut self) -> Self {
        self.ordered = true;
        self
    }
    /// A repeated block keyed by label where adding a label is an in-place update, and
    /// changing or removing an existing one is a change as the attribute's [`Update`] says
    /// (with `.guarded(why)`: refused with `why`). See [`LabelSet::Additive`].
    pub fn additive(mut self) -> Self {
        self.label_set = LabelSet::Additive;
        self
    }
    /// A repeated block keyed by label where only the declared labels are compared
    /// ([`LabelSet::Declared`]).
    pub fn declared_labels(mut self) -> Self {
        self.label_set = LabelSet::Declared;
        self
    }
    /// Restricts a string attribute (or each item of a list of strings) to `values`, exactly as
    /// AWS spells them; `eco validate` refuses any other literal value. Typically the
    /// `ALLOWED` of a [`SpecEnum`](spec::SpecEnum): `.one_of(BillingMode::ALLOWED)`.
    pub fn one_of(mut self, values: &'static [&'static str]) -> Self {
        self.allowed = values;
        self
    }
    /// Restricts an integer attribute to `min..=max` (see [`Attribute::range`]).
    pub fn range(mut self, min: i64, max: i64) -> Self {
        self.range = Some((min, max));
        self
    }
    /// Documentation line.
    pub fn doc(mut self, doc: &'static str) -> Self {
        self.doc = doc;
        self
    }

    /// The block schema, when this attribute is a block.
    pub fn block_schema(&self) -> Option<&BlockSchema> {
        match &self.shape {
            Shape::Block(b) => Some(b),
            _ => None,
        }
    }
}

/// A rule across several attributes of one resource, which `eco validate` checks on the values
/// written literally (a value known only at plan time is not checked).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Rule {
    /// Exactly one of these attributes is set (EventBridge: a schedule or an event pattern).
    ExactlyOne(&'static [&'static str]),
    /// The string attribute `name` ends with `suffix` exactly when the boolean `flag` is true
    /// (SQS and SNS: a FIFO queue's or topic's name ends in `.fifo`); `flag` unset is false.
    SuffixIff {
        flag: &'static str,
        name: &'static str,
        suffix: &'static str,
    },
    /// The boolean `setting` may be true only when the boolean `flag` is true (SQS:
    /// content-based deduplication is for FIFO queues only).
    OnlyWith {
        setting: &'static str,
        flag: &'static str,
    },
    /// The integer attributes, those set, are in this order, each at most the next (CloudFront:
    /// a cache policy's minimum, default and maximum TTL).
    Ascending(&'static [&'static str]),
    /// The list attribute `name`, when written, has `min` to `max` items (Lambda: a function
    /// has exactly one architecture).
    Items {
        name: &'static str,
        min: usize,
        max: usize,
    },
    /// The attributes `settings` may be set only when the string attribute `attr` is `value`
    /// (Lambda: log levels go with JSON logs).
    OnlyWhenIs {
        settings: &'static [&'static str],
        attr: &'static str,
        value: &'static str,
    },
    /// None of the attributes `settings` may be set when `attr` is (S3: a website that redirects
    /// every request serves no error document).
    Excludes {
        attr: &'static str,
        settings: &'static [&'static str],
    },
    /// `rule`, on the fields of the block `block`, whenever the block is written (S3: a
    /// `website` block serves an index document or redirects, exactly one of the two).
    InBlock {
        block: &'static str,
        rule: &'static Rule,
    },
}

impl Rule {
    /// The rule in words, for the reference.
    pub fn describe(self) -> String {
        match self {
            Rule::ExactlyOne(names) => {
                let names: Vec<String> = names.iter().map(|n| format!("`{n}`")).collect();
                format!("exactly one of {} is set", names.join(", "))
            }
            Rule::SuffixIff { flag, name, suffix } => {
                format!("`{name}` ends in `{suffix}` exactly when `{flag}` is true")
            }
            Rule::OnlyWith { setting, flag } => {
                format!("`{setting}` may be true only when `{flag}` is true")
            }
            Rule::Ascending(names) => {
                let names: Vec<String> = names.iter().map(|n| format!("`{n}`")).collect();
                format!("{} (those set)", names.join(" <= "))
            }
            Rule::Items { name, min, max } if min == max => {
                format!(
                    "`{name}` has exactly {min} item{}",
                    if min == 1 { "" } else { "s" }
                )
            }
            Rule::Items { name, min, max } => format!("`{name}` has {min} to {max} items"),
            Rule::OnlyWhenIs {
                settings,
                attr,
                value,
            } => {
                let names: Vec<String> = settings.iter().map(|n| format!("`{n}`")).collect();
                format!("{} only with `{attr}` \"{value}\"", names.join(", "))
            }
            Rule::Excludes { attr, settings } => {
                let names: Vec<String> = settings.iter().map(|n| format!("`{n}`")).collect();
                format!("{} not with `{attr}`", names.join(", "))
            }
            Rule::InBlock { block, rule } => format!("in `{block}`: {}", rule.describe()),
        }
    }

    /// What is wrong with a resource whose literal values are `set` (attribute name -> `Some`
    /// literal value, or `None` for a value known only at plan time), with a hint; `Ok` when
    /// nothing is, or when it cannot be told yet.
    pub fn check(
        self,
        set: &dyn Fn(&str) -> Option<Option<Literal>>,
    ) -> Result<(), (String, String)> {
        let flag_of = |name: &str| match set(name) {
            None => Some(false),
            Some(Some(Literal::Bool(b))) => Some(b),
            Some(_) => None,
        };
        match self {
            Rule::ExactlyOne(names) => {
                let given: Vec<&str> = names.iter().copied().filter(|n| set(n).is_some()).collect();
                let all: Vec<String> = names.iter().map(|n| format!("`{n}`")).collect();
                match given.len() {
                    1 => Ok(()),
                    0 => Err((
                        format!("needs one of {}", all.join(", ")),
                        format!("set exactly one of {}", all.join(", ")),
                    )),
                    _ => Err((
                        format!(
                            "sets {} together",
                            given
                                .iter()
                                .map(|n| format!("`{n}`"))
                                .collect::<Vec<_>>()
                                .join(" and ")
                        ),
                        format!("keep exactly one of {}", all.join(", ")),
                    )),
                }
            }
            Rule::SuffixIff { flag, name, suffix } => {
                let (Some(on), Some(Some(Literal::Str(text)))) = (flag_of(flag), set(name)) else {
                    return Ok(());
                };
                match (on, text.ends_with(suffix)) {
                    (true, false) => Err((
                        format!("sets `{flag}` but `{name}` \"{text}\" does not end in `{suffix}`"),
                        format!("AWS requires the {suffix} suffix: `{name}` \"{text}{suffix}\""),
                    )),
                    (false, true) => Err((
                        format!("`{name}` \"{text}\" ends in `{suffix}` but `{flag}` is not set"),
                        format!("add `{flag} #true`, or drop the {suffix} suffix"),
                    )),
                    _ => Ok(()),
                }
            }
            Rule::OnlyWith { setting, flag } => match (flag_of(setting), flag_of(flag)) {
                (Some(true), Some(false)) => Err((
                    format!("sets `{setting}` without `{flag}`"),
                    format!("`{setting}` needs `{flag} #true`"),
                )),
                _ => Ok(()),
            },
            Rule::Ascending(names) => {
                let ints: Vec<(&str, i64)> = names
                    .iter()
                    .filter_map(|n| match set(n) {
                        Some(Some(Literal::Int(i))) => Some((*n, i)),
                        _ => None,
                    })
                    .collect();
                for pair in ints.windows(2) {
                    let ((low, a), (high, b)) = (pair[0], pair[1]);
                    if a > b {
                        let all: Vec<String> = names.iter().map(|n| format!("`{n}`")).collect();
                        return Err((
                            format!("sets `{low}` {a} above `{high}` {b}"),
                            format!("AWS requires {}", all.join(" <= ")),
                        ));
                    }
                }
                Ok(())
            }
            Rule::Items { name, min, max } => match set(name) {
                Some(Some(Literal::Items(n))) if n < min || n > max => {
                    let wanted = if min == max {
                        format!("exactly {min}")
                    } else {
                        format!("{min} to {max}")
                    };
                    Err((
                        format!("sets {n} items in `{name}`"),
                        format!("AWS takes {wanted} in `{name}`"),
                    ))
                }
                _ => Ok(()),
            },
            Rule::OnlyWhenIs {
                settings,
                attr,
                value,
            } => {
                let is = match set(attr) {
                    None => false,
                    Some(Some(Literal::Str(text))) => text == value,
                    // Known only at plan time.
                    Some(_) => return Ok(()),
                };
                let given: Vec<String> = settings
                    .iter()
                    .filter(|n| set(n).is_some())
                    .map(|n| format!("`{n}`"))
                    .collect();
                if is || given.is_empty() {
                    return Ok(());
                }
                let now = match set(attr) {
                    Some(Some(Literal::Str(text))) => format!("`{attr}` \"{text}\""),
                    _ => format!("no `{attr}`"),
                };
                let (verb, them) = if given.len() == 1 {
                    ("needs", "it")
                } else {
                    ("need", "them")
                };
                Err((
                    format!("sets {} with {now}", given.join(" and ")),
                    format!(
                        "{} {verb} `{attr}` \"{value}\": set it so, or remove {them}",
                        given.join(" and ")
                    ),
                ))
            }
            Rule::Excludes { attr, settings } => {
                let given: Vec<String> = settings
                    .iter()
                    .filter(|n| set(n).is_some())
                    .map(|n| format!("`{n}`"))
                    .collect();
                if set(attr).is_none() || given.is_empty() {
                    return Ok(());
                }
                Err((
                    format!("sets {} with `{attr}`", given.join(" and ")),
                    format!(
                        "AWS refuses {} together with `{attr}`: remove one",
                        given.join(" and ")
                    ),
                ))
            }
            Rule::InBlock { block, rule } => {
                // A block written literally (a map); a value known later is not checked.
                if set(block) != Some(Some(Literal::Other)) {
                    return Ok(());
                }
                let field = |name: &str| set(&format!("{block}.{name}"));
                rule.check(&field)
                    .map_err(|(what, hint)| (format!("`{block}` {what}"), hint))
            }
        }
    }
}

/// A value written literally in a configuration, as a [`Rule`] sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Literal {
    Bool(bool),
    Str(String),
    /// An integer.
    Int(i64),
    /// A list, by its number of items.
    Items(usize),
    /// Any other literal (a number, a block).
    Other,
}

/// The schema of one resource type.
#[derive(Debug, Clone, PartialEq)]
pub struct Schema {
    /// The KDL node name, e.g. `s3-bucket`.
    pub type_name: &'static str,
    pub doc: &'static str,
    pub attributes: Vec<Attribute>,
    /// Whether the type carries tags (and so eco's ownership tags).
    pub taggable: bool,
    /// Whether `lifecycle prevent-destroy` defaults to true (Cognito user pools).
    pub prevent_destroy_by_default: bool,
    /// What `eco import ADDRESS ID` takes as `ID`, in words (`the bucket name`,
    /// `` `API-ID/ROUTE-ID` ``); empty for a type that cannot be imported.
    pub import_id: &'static str,
    /// Rules across attributes, checked by `eco validate` (see [`Rule`]).
    pub rules: Vec<Rule>,
    /// Attributes of another type's resource that a resource of this type manages instead
    /// (see [`Owned`]).
    pub owns: Vec<Owned>,
}

/// An attribute of another type's resource that a resource of this type manages in its place:
/// `s3-bucket-policy` manages the `policy` of the `s3-bucket` whose `name` is its `bucket`.
/// `eco validate` refuses a configuration that sets the attribute in both places, or names one
/// resource from two of this type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Owned {
    /// This type's attribute naming the other resource (`bucket`).
    pub by: &'static str,
    /// The other type (`s3-bucket`).
    pub of_type: &'static str,
    /// The other type's attribute that `by` holds (`name`), as a literal or a reference.
    pub key: &'static str,
    /// The other type's attribute managed here (`policy`).
    pub attribute: &'static str,
}

impl Schema {
    /// A schema with no attributes yet.
    pub fn new(type_name: &'static str, doc: &'static str) -> Self {
        Schema {
            type_name,
            doc,
            attributes: Vec::new(),
            taggable: false,
            prevent_destroy_by_default: false,
            import_id: "",
            rules: Vec::new(),
            owns: Vec::new(),
        }
    }
    /// Declares an attribute of another type that this type manages (see [`Owned`]).
    pub fn owns(mut self, owned: Owned) -> Self {
        self.owns.push(owned);
        self
    }
    /// Adds a rule across attributes (see [`Rule`]).
    pub fn rule(mut self, rule: Rule) -> Self {
        self.rules.push(rule);
        self
    }
    /// Documents the id `eco import` takes for this type (see [`Schema::import_id`]).
    pub fn import_id(mut self, format: &'static str) -> Self {
        self.import_id = format;
        self
    }
    /// Adds an attribute.
    pub fn attr(mut self, attribute: Attribute) -> Self {
        self.attributes.push(attribute);
        self
    }
    /// Adds the standard `tags` map and marks the type taggable.
    pub fn taggable(mut self) -> Self {
        self.taggable = true;
        self.attributes.push(
            Attribute::map("tags", ScalarType::String)
                .doc("tags; eco adds eco:project, eco:stage and eco:address"),
        );
        self
    }
    /// Makes `prevent-destroy` the default.
    pub fn prevent_destroy_by_default(mut self) -> Self {
        self.prevent_destroy_by_default = true;
        self
    }
    /// Looks an attribute up by name.
    pub fn attribute(&self, name: &str) -> Option<&Attribute> {
        self.attributes.iter().find(|a| a.name == name)
    }
}

/// All resource types eco knows, by type name.
#[derive(Debug, Clone, Default)]
pub struct Registry {
    types: BTreeMap<&'static str, Schema>,
}

impl Registry {
    /// An empty registry.
    pub fn new() -> Self {
        Self::default()
    }
    /// Adds a type's schema (a later one with the same name replaces it).
    pub fn register(&mut self, schema: Schema) {
        self.types.insert(schema.type_name, schema);
    }
    /// The schema of a type.
    pub fn get(&self, type_name: &str) -> Option<&Schema> {
        self.types.get(type_name)
    }
    /// All type names, sorted.
    pub fn type_names(&self) -> impl Iterator<Item = &'static str> + '_ {
        self.types.keys().copied()
    }
    /// All schemas, sorted by type name.
    pub fn schemas(&self) -> impl Iterator<Item = &Schema> {
        self.types.values()
    }
}

/// The closest candidate to `word` by edit distance, if it is close enough to be a likely typo.
pub fn did_you_mean<'a>(
    word: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> Option<&'a str> {
    candidates
        .into_iter()
        .map(|c| (strsim::damerau_levenshtein(word, c), c))
        .filter(|(d, c)| *d <= 2.max(c.len() / 3) && *d < word.len().max(1))
        .min_by_key(|(d, _)| *d)
        .map(|(_, c)| c)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rules_refuse_what_aws_would_and_say_how_to_fix_it() {
        use std::collections::BTreeMap;
        let check = |rule: Rule, values: &[(&str, Option<Literal>)]| {
            let m: BTreeMap<&str, Option<Literal>> = values.iter().cloned().collect();
            rule.check(&|n| m.get(n).cloned())
        };
        let one = Rule::ExactlyOne(&["schedule", "event-pattern"]);
        let s = |v: &str| Some(Literal::Str(v.into()));
        assert!(check(one, &[("schedule", s("rate(1 day)"))]).is_ok());
        assert!(check(one, &[("event-pattern", None)]).is_ok());
        let (what, hint) = check(one, &[]).unwrap_err();
        assert_eq!(what, "needs one of `schedule`, `event-pattern`");
        assert!(hint.contains("exactly one"), "{hint}");
        let both = [("schedule", s("x")), ("event-pattern", s("{}"))];
        assert!(check(one, &both).unwrap_err().0.contains("together"));

        let fifo = Rule::SuffixIff {
            flag: "fifo",
            name: "name",
            suffix: ".fifo",
        };
        let on = Some(Literal::Bool(true));
        assert!(check(fifo, &[("fifo", on.clone()), ("name", s("q.fifo"))]).is_ok());
        assert!(check(fifo, &[("name", s("q"))]).is_ok());
        let (what, hint) = check(fifo, &[("fifo", on.clone()), ("name", s("q"))]).unwrap_err();
        assert!(what.contains("does not end in `.fifo`"), "{what}");
        assert!(hint.contains("\"q.fifo\""), "{hint}");
        assert!(check(fifo, &[("name", s("q.fifo"))]).is_err());
        // Not known until plan time: not checked.
        assert!(check(fifo, &[("fifo", on.clone()), ("name", None)]).is_ok());

        let dedup = Rule::OnlyWith {
            setting: "content-based-deduplication",
            flag: "fifo",
        };
        assert!(check(dedup, &[("content-based-deduplication", on.clone())]).is_err());
        let both = [("content-based-deduplication", on.clone()), ("fifo", on)];
        assert!(check(dedup, &both).is_ok());
        assert!(one.describe().contains("exactly one of `schedule`"));
    }

    #[test]
    fn did_you_mean_finds_close_words_only() {
        let words = ["versioning", "website", "name", "tags"];
        assert_eq!(did_you_mean("versionning", words), Some("versioning"));
        assert_eq!(did_you_mean("nam", words), Some("name"));
        assert_eq!(did_you_mean("completely-different", words), None);
    }

    #[test]
    fn taggable_adds_tags_attribute() {
        let s = Schema::new("x", "").taggable();
        assert!(s.taggable);
        assert!(matches!(
            s.attribute("tags").unwrap().shape,
            Shape::Map(ScalarType::String)
        ));
    }

    #[test]
    fn ascending_checks_the_integers_written_and_skips_the_rest() {
        use std::collections::BTreeMap;
        let ttl = Rule::Ascending(&["min-ttl", "default-ttl", "max-ttl"]);
        let check = |values: &[(&str, Option<Literal>)]| {
            let m: BTreeMap<&str, Option<Literal>> = values.iter().cloned().collect();
            ttl.check(&|n| m.get(n).cloned())
        };
        let int = |i: i64| Some(Literal::Int(i));
        assert!(check(&[
            ("min-ttl", int(0)),
            ("default-ttl", int(60)),
            ("max-ttl", int(60))
        ])
        .is_ok());
        // Unset and plan-time values are not compared.
        assert!(check(&[("min-ttl", int(10)), ("max-ttl", int(100))]).is_ok());
        assert!(check(&[
            ("min-ttl", int(10)),
            ("default-ttl", None),
            ("max-ttl", int(100))
        ])
        .is_ok());
        let (what, hint) = check(&[("min-ttl", int(10)), ("max-ttl", int(5))]).unwrap_err();
        assert_eq!(what, "sets `min-ttl` 10 above `max-ttl` 5");
        assert!(
            hint.contains("`min-ttl` <= `default-ttl` <= `max-ttl`"),
            "{hint}"
        );
        assert!(check(&[("default-ttl", int(600)), ("max-ttl", int(60))]).is_err());
        assert!(ttl.describe().contains("<="));
    }

    /// Checks `rule` on literal values by path (`block.field`); a block written is `Other`.
    fn check_paths(rule: Rule, values: &[(&str, Option<Literal>)]) -> Result<(), (String, String)> {
        let m: std::collections::BTreeMap<&str, Option<Literal>> = values.iter().cloned().collect();
        rule.check(&|n| m.get(n).cloned())
    }

    #[test]
    fn items_counts_the_list_written_and_skips_the_rest() {
        let one = Rule::Items {
            name: "architectures",
            min: 1,
            max: 1,
        };
        let items = |n| Some(Literal::Items(n));
        assert!(check_paths(one, &[("architectures", items(1))]).is_ok());
        assert!(check_paths(one, &[]).is_ok());
        assert!(check_paths(one, &[("architectures", None)]).is_ok());
        let (what, hint) = check_paths(one, &[("architectures", items(2))]).unwrap_err();
        assert_eq!(what, "sets 2 items in `architectures`");
        assert_eq!(hint, "AWS takes exactly 1 in `architectures`");
        assert!(check_paths(one, &[("architectures", items(0))]).is_err());
        assert_eq!(one.describe(), "`architectures` has exactly 1 item");
    }

    #[test]
    fn excludes_refuses_a_setting_only_beside_the_attribute() {
        let redirect = Rule::Excludes {
            attr: "redirect-all-to",
            settings: &["error"],
        };
        let text = |t: &str| Some(Literal::Str(t.into()));
        assert!(check_paths(redirect, &[]).is_ok());
        assert!(check_paths(redirect, &[("error", text("404.html"))]).is_ok());
        assert!(check_paths(redirect, &[("redirect-all-to", text("example.com"))]).is_ok());
        // A value known only at plan time is still a value set.
        let (what, hint) = check_paths(
            redirect,
            &[("redirect-all-to", text("example.com")), ("error", None)],
        )
        .unwrap_err();
        assert_eq!(what, "sets `error` with `redirect-all-to`");
        assert_eq!(
            hint,
            "AWS refuses `error` together with `redirect-all-to`: remove one"
        );
        assert_eq!(redirect.describe(), "`error` not with `redirect-all-to`");
    }

    #[test]
    fn in_block_rules_check_the_block_written_and_only_then() {
        let levels = Rule::InBlock {
            block: "logging",
            rule: &Rule::OnlyWhenIs {
                settings: &["application-log-level", "system-log-level"],
                attr: "format",
                value: "JSON",
            },
        };
        let text = |t: &str| Some(Literal::Str(t.into()));
        let block = Some(Literal::Other);
        // No block, a block known only at plan time, levels with JSON, no levels: fine.
        assert!(check_paths(levels, &[]).is_ok());
        assert!(check_paths(
            levels,
            &[("logging", None), ("logging.system-log-level", None)]
        )
        .is_ok());
        assert!(check_paths(
            levels,
            &[
                ("logging", block.clone()),
                ("logging.format", text("JSON")),
                ("logging.system-log-level", text("WARN"))
            ]
        )
        .is_ok());
        assert!(check_paths(
            levels,
            &[("logging", block.clone()), ("logging.format", text("Text"))]
        )
        .is_ok());
        // A format known only at plan time is not judged.
        assert!(check_paths(
            levels,
            &[
                ("logging", block.clone()),
                ("logging.format", None),
                ("logging.system-log-level", text("WARN"))
            ]
        )
        .is_ok());
        let (what, hint) = check_paths(
            levels,
            &[
                ("logging", block.clone()),
                ("logging.format", text("Text")),
                ("logging.application-log-level", text("INFO")),
            ],
        )
        .unwrap_err();
        assert_eq!(
            what,
            "`logging` sets `application-log-level` with `format` \"Text\""
        );
        assert_eq!(
            hint,
            "`application-log-level` needs `format` \"JSON\": set it so, or remove it"
        );
        let (what, _) = check_paths(
            levels,
            &[
                ("logging", block.clone()),
                ("logging.system-log-level", text("WARN")),
            ],
        )
        .unwrap_err();
        assert_eq!(what, "`logging` sets `system-log-level` with no `format`");
        assert!(
            levels.describe().starts_with("in `logging`: "),
            "{}",
            levels.describe()
        );

        let website = Rule::InBlock {
            block: "website",
            rule: &Rule::ExactlyOne(&["index", "redirect-all-to"]),
        };
        let (what, _) = check_paths(website, &[("website", block.clone())]).unwrap_err();
        assert_eq!(what, "`website` needs one of `index`, `redirect-all-to`");
        assert!(check_paths(
            website,
            &[("website", block), ("website.index", text("index.html"))]
        )
        .is_ok());
    }
}
