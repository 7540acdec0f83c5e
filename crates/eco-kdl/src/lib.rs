//! A fast, hand-written KDL v2 parser for eco's hot path.
//!
//! # Why this crate exists
//!
//! eco's configuration language is KDL v2 *as the [`kdl`](https://docs.rs/kdl) crate (v6)
//! parses it*. The `kdl` crate is built on `winnow` combinators with heavy backtracking and
//! allocation, and parses roughly 1.7 MB/s: a generated 10,000-resource configuration
//! (1.4 MB) took ~750 ms to parse, while eco's budget for parse + check + graph of 10,000
//! resources is 200 ms. This crate is a single-pass, byte-oriented recursive-descent parser
//! for the same language that runs well over an order of magnitude faster.
//!
//! # The `kdl` crate remains the reference
//!
//! * **Language.** This parser accepts exactly the documents `kdl::KdlDocument::parse_v2`
//!   accepts, and yields the same tree (node names, type annotations, entries in order,
//!   property keys, values). That includes the `kdl` crate's quirks (for instance `-inf` is
//!   a valid bare identifier, U+007F is allowed in identifiers, a keyword such as `#true`
//!   may be directly followed by a `{` children block, and single-line comments may contain
//!   disallowed code points). The equivalence is enforced by differential tests
//!   (`tests/differential.rs`): a hand-written corpus of valid and invalid documents, every
//!   `*.kdl` file of the repository's examples and fixtures, thousands of randomly generated
//!   documents, and random byte mutations of valid documents, all parsed by both parsers.
//! * **Diagnostics.** [`ParseError`] only carries a byte offset and a terse message. When a
//!   document is rejected, eco re-parses it with the `kdl` crate to show its (much richer)
//!   diagnostic. The offset of this crate's error is not guaranteed to match the `kdl`
//!   crate's.
//! * **Formatting.** `eco fmt` keeps using the `kdl` crate, which preserves formatting; this
//!   crate's AST keeps values and spans only.
//!
//! # Known differences from the `kdl` crate
//!
//! * Nesting (children blocks, and slashdashes applied to slashdashed entries) deeper than
//!   [`MAX_DEPTH`] (128) is rejected with an error, which the `kdl` crate would accept (it
//!   recurses without a limit until its stack overflows). This is the only known difference
//!   in the accepted language; no difference in values is known.
//! * Spans: node spans here end at the node's last significant token (the children block's
//!   `}`, or the last entry, or the name), whereas the `kdl` crate's node spans also cover
//!   trailing whitespace, comments and slashdashed entries/children. Children spans here
//!   cover `{ ... }` inclusive, whereas the `kdl` crate's children (document) span starts at
//!   the first node. Identifier and entry spans are the same.
//!
//! No `unsafe`, and no panics on any input.

#![forbid(unsafe_code)]
#![warn(missing_docs)]

mod parser;

use std::fmt;

/// Maximum nesting depth of children blocks (and of slashdashes applied to slashdashed
/// entries) that [`parse`] accepts; deeper input is an error, never a stack overflow. 128
/// keeps the recursion within a 2 MiB thread stack even in unoptimized builds, and is far
/// beyond any real configuration (the `kdl` crate has no limit, but overflows its stack at
/// a few thousand levels in release builds and much earlier in debug builds).
pub const MAX_DEPTH: usize = 128;

/// Parses a KDL v2 document.
///
/// Accepts exactly what `kdl::KdlDocument::parse_v2` accepts (up to [`MAX_DEPTH`] nesting).
pub fn parse(text: &str) -> Result<Document, ParseError> {
    parser::Parser::new(text).document()
}

/// A parse failure: where, and a terse description. For a user-facing diagnostic, re-parse
/// the text with the `kdl` crate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParseError {
    /// Byte offset into the parsed text at which the parser gave up.
    pub offset: usize,
    /// A short description of what was expected.
    pub message: String,
}

impl fmt::Display for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} at byte {}", self.message, self.offset)
    }
}

impl std::error::Error for ParseError {}

/// A byte range in the parsed text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct Span {
    /// Byte offset of the first byte.
    pub offset: usize,
    /// Length in bytes.
    pub len: usize,
}

impl Span {
    /// A span from `start` (inclusive) to `end` (exclusive) byte offsets.
    pub fn new(start: usize, end: usize) -> Span {
        Span {
            offset: start,
            len: end.saturating_sub(start),
        }
    }

    /// Byte offset of the first byte.
    pub fn offset(&self) -> usize {
        self.offset
    }

    /// Length in bytes.
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether the span is empty.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Byte offset just past the last byte.
    pub fn end(&self) -> usize {
        self.offset + self.len
    }
}

/// A parsed document: its top-level nodes (slashdashed nodes are dropped).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Document {
    /// The top-level nodes, in order.
    pub nodes: Vec<Node>,
}

impl Document {
    /// The top-level nodes, in order.
    pub fn nodes(&self) -> &[Node] {
        &self.nodes
    }

    /// The first top-level node with the given name.
    pub fn get(&self, name: &str) -> Option<&Node> {
        self.nodes.iter().find(|n| n.name.value == name)
    }
}

/// A node: `(type)name entries... { children }`.
#[derive(Debug, Clone, PartialEq)]
pub struct Node {
    /// The type annotation, if any.
    pub ty: Option<Ident>,
    /// The node's name.
    pub name: Ident,
    /// Arguments and properties in source order (slashdashed ones dropped; duplicate
    /// properties are all kept, as the `kdl` crate does).
    pub entries: Vec<Entry>,
    /// The children block, if any (slashdashed blocks dropped).
    pub children: Option<Children>,
    /// From the type annotation (or name) to the end of the children block (or the last
    /// entry, or the name).
    pub span: Span,
}

impl Node {
    /// The node's name.
    pub fn name(&self) -> &Ident {
        &self.name
    }

    /// The node's type annotation.
    pub fn ty(&self) -> Option<&Ident> {
        self.ty.as_ref()
    }

    /// All entries, in source order.
    pub fn entries(&self) -> &[Entry] {
        &self.entries
    }

    /// The children block.
    pub fn children(&self) -> Option<&Children> {
        self.children.as_ref()
    }

    /// The child nodes (empty if there is no children block).
    pub fn child_nodes(&self) -> &[Node] {
        self.children.as_ref().map_or(&[], |c| &c.nodes)
    }

    /// The arguments (entries without a name), in order.
    pub fn args(&self) -> impl Iterator<Item = &Entry> {
        self.entries.iter().filter(|e| e.name.is_none())
    }

    /// The properties (entries with a name), in order, duplicates included.
    pub fn props(&self) -> impl Iterator<Item = &Entry> {
        self.entries.iter().filter(|e| e.name.is_some())
    }

    /// The `index`th argument.
    pub fn arg(&self, index: usize) -> Option<&Entry> {
        self.args().nth(index)
    }

    /// The value of property `key`; the last one wins if it is repeated (like
    /// `kdl::KdlNode::get`).
    pub fn prop(&self, key: &str) -> Option<&Value> {
        self.entries
            .iter()
            .rev()
            .find(|e| e.name.as_ref().is_some_and(|n| n.value == key))
            .map(|e| &e.value)
    }

    /// The node's span.
    pub fn span(&self) -> Span {
        self.span
    }
}

/// A children block `{ ... }`.
#[derive(Debug, Clone, PartialEq)]
pub struct Children {
    /// The child nodes (slashdashed ones dropped).
    pub nodes: Vec<Node>,
    /// Covers `{ ... }`, braces included.
    pub span: Span,
}

impl Children {
    /// The child nodes.
    pub fn nodes(&self) -> &[Node] {
        &self.nodes
    }

    /// The block's span (braces included).
    pub fn span(&self) -> Span {
        self.span
    }
}

/// A node name, property key or type annotation: a string of any kind.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ident {
    /// The string value (escapes processed, multi-line strings dedented).
    pub value: String,
    /// The token as written (quotes included for quoted strings).
    pub span: Span,
}

impl Ident {
    /// The string value.
    pub fn value(&self) -> &str {
        &self.value
    }

    /// The token's span.
    pub fn span(&self) -> Span {
        self.span
    }
}

/// An argument or a property.
#[derive(Debug, Clone, PartialEq)]
pub struct Entry {
    /// The key, for a property.
    pub name: Option<Ident>,
    /// The value's type annotation.
    pub ty: Option<Ident>,
    /// The value.
    pub value: Value,
    /// `key=(type)value` for a property, `(type)value` for an argument.
    pub span: Span,
}

impl Entry {
    /// The key, for a property.
    pub fn name(&self) -> Option<&Ident> {
        self.name.as_ref()
    }

    /// The value's type annotation.
    pub fn ty(&self) -> Option<&Ident> {
        self.ty.as_ref()
    }

    /// The value.
    pub fn value(&self) -> &Value {
        &self.value
    }

    /// The entry's span.
    pub fn span(&self) -> Span {
        self.span
    }
}

/// A value, with the same semantics as `kdl::KdlValue`.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    /// Any kind of string.
    String(String),
    /// An integer (decimal, hex, octal or binary) in `-(2^127-1) ..= 2^127-1`.
    Integer(i128),
    /// A float, including `#inf`, `#-inf` and `#nan`.
    Float(f64),
    /// `#true` or `#false`.
    Bool(bool),
    /// `#null`.
    Null,
}

impl Value {
    /// The string, if this is a string.
    pub fn as_string(&self) -> Option<&str> {
        match self {
            Value::String(s) => Some(s),
            _ => None,
        }
    }

    /// The integer, if this is an integer.
    pub fn as_integer(&self) -> Option<i128> {
        match self {
            Value::Integer(i) => Some(*i),
            _ => None,
        }
    }

    /// The float, if this is a float.
    pub fn as_float(&self) -> Option<f64> {
        match self {
            Value::Float(f) => Some(*f),
            _ => None,
        }
    }

    /// The boolean, if this is a boolean.
    pub fn as_bool(&self) -> Option<bool> {
        match self {
            Value::Bool(b) => Some(*b),
            _ => None,
        }
    }

    /// Whether this is `#null`.
    pub fn is_null(&self) -> bool {
        matches!(self, Value::Null)
    }
}
