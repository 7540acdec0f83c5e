//! The parser. Each function mirrors a rule of `kdl` 6.7.1's `v2_parser.rs`; where that
//! parser backtracks, this one decides with a bounded look-ahead instead. Where the `kdl`
//! crate backtracks out of a rule only to fail later anyway (for instance an integer that
//! overflows `i128`), this parser fails right away: the accepted language is the same.
//!
//! The input is scanned as bytes. Every multi-byte token this grammar cares about (unicode
//! spaces and newlines) is matched from its UTF-8 lead byte, and continuation bytes never
//! look like lead bytes, so byte-wise scanning never matches inside a character; positions
//! only ever advance by whole characters.

use crate::{Children, Document, Entry, Ident, Node, ParseError, Span, Value, MAX_DEPTH};

type R<T> = Result<T, ParseError>;

/// ASCII bytes that may appear in a bare identifier: `!` ..= DEL minus `\/(){}[];"#=`.
const fn ident_ascii_table() -> [bool; 128] {
    let mut t = [false; 128];
    let mut i = 0x21;
    while i < 128 {
        t[i] = !matches!(
            i as u8,
            b'\\' | b'/' | b'(' | b')' | b'{' | b'}' | b'[' | b']' | b';' | b'"' | b'#' | b'='
        );
        i += 1;
    }
    t
}

static IDENT_ASCII: [bool; 128] = ident_ascii_table();

fn is_disallowed(c: char) -> bool {
    matches!(c,
        '\u{0000}'..='\u{0008}'
        | '\u{000E}'..='\u{001F}'
        | '\u{200E}'..='\u{200F}'
        | '\u{202A}'..='\u{202E}'
        | '\u{2066}'..='\u{2069}'
        | '\u{FEFF}'
    )
}

fn is_unicode_space(c: char) -> bool {
    matches!(
        c,
        '\u{0009}' | '\u{0020}' | '\u{00A0}' | '\u{1680}' | '\u{2000}'
            ..='\u{200A}' | '\u{202F}' | '\u{205F}' | '\u{3000}'
    )
}

fn is_newline_char(c: char) -> bool {
    matches!(
        c,
        '\r' | '\n' | '\u{0085}' | '\u{000B}' | '\u{000C}' | '\u{2028}' | '\u{2029}'
    )
}

fn is_ident_char(c: char) -> bool {
    if c.is_ascii() {
        IDENT_ASCII[c as usize]
    } else {
        !(is_unicode_space(c) || is_newline_char(c) || is_disallowed(c))
    }
}

pub(crate) struct Parser<'a> {
    s: &'a str,
    b: &'a [u8],
    pos: usize,
    depth: usize,
    /// Scratch stacks shared by all levels: a node's entries (and a block's nodes) are
    /// pushed here, then moved into an exactly-sized `Vec` once complete. This avoids the
    /// repeated reallocation of growing many small vectors.
    node_stack: Vec<Node>,
    entry_stack: Vec<Entry>,
}

impl<'a> Parser<'a> {
    pub(crate) fn new(s: &'a str) -> Self {
        Parser {
            s,
            b: s.as_bytes(),
            pos: 0,
            depth: 0,
            node_stack: Vec::new(),
            entry_stack: Vec::new(),
        }
    }

    // ----- low-level helpers -------------------------------------------------------------

    fn fail<T>(&self, at: usize, msg: &str) -> R<T> {
        Err(ParseError {
            offset: at,
            message: msg.to_string(),
        })
    }

    #[inline]
    fn at(&self, i: usize) -> Option<u8> {
        self.b.get(i).copied()
    }

    #[inline]
    fn cur(&self) -> Option<u8> {
        self.b.get(self.pos).copied()
    }

    #[inline]
    fn starts(&self, i: usize, pat: &[u8]) -> bool {
        self.b.get(i..).is_some_and(|r| r.starts_with(pat))
    }

    /// The character at byte `i` (None at the end, or off a character boundary).
    #[inline]
    fn char_at(&self, i: usize) -> Option<char> {
        self.s.get(i..).and_then(|r| r.chars().next())
    }

    #[inline]
    fn is_digit_at(&self, i: usize) -> bool {
        self.at(i).is_some_and(|b| b.is_ascii_digit())
    }

    /// Length of the newline at `i`, 0 if none.
    #[inline]
    fn newline_len(&self, i: usize) -> usize {
        let Some(b) = self.at(i) else { return 0 };
        if b > 0x0D && b != 0xC2 && b != 0xE2 {
            return 0;
        }
        match (b, self.at(i + 1), self.at(i + 2)) {
            (b'\r', Some(b'\n'), _) => 2,
            (b'\n' | b'\r' | 0x0B | 0x0C, _, _) => 1,
            (0xC2, Some(0x85), _) => 2,
            (0xE2, Some(0x80), Some(0xA8 | 0xA9)) => 3,
            _ => 0,
        }
    }

    /// Length of the unicode space at `i`, 0 if none.
    #[inline]
    fn space_len(&self, i: usize) -> usize {
        let Some(b) = self.at(i) else { return 0 };
        if b == b' ' || b == b'\t' {
            return 1;
        }
        if b < 0xC2 {
            return 0;
        }
        match (b, self.at(i + 1), self.at(i + 2)) {
            (0xC2, Some(0xA0), _) => 2,
            (0xE1, Some(0x9A), Some(0x80))
            | (0xE2, Some(0x80), Some(0x80..=0x8A | 0xAF))
            | (0xE2, Some(0x81), Some(0x9F))
            | (0xE3, Some(0x80), Some(0x80)) => 3,
            _ => 0,
        }
    }

    /// Length in bytes of the character at `i` (1 past the end, so loops terminate).
    #[inline]
    fn char_len(&self, i: usize) -> usize {
        match self.at(i) {
            Some(b) if b < 0x80 => 1,
            _ => self.char_at(i).map_or(1, char::len_utf8),
        }
    }

    // ----- whitespace and comments -------------------------------------------------------

    /// `single-line-comment := '//' ^newline* (newline | eof)`, at `//`.
    fn single_line_comment(&mut self) {
        let mut i = self.pos + 2;
        let n = self.b.len();
        while i < n {
            let b = self.b[i];
            if b <= 0x0D || b == 0xC2 || b == 0xE2 {
                let nl = self.newline_len(i);
                if nl > 0 {
                    self.pos = i + nl;
                    return;
                }
            }
            i += 1;
        }
        self.pos = n;
    }

    /// `multi-line-comment := '/*' commented-block`, at `/*`. Nested comments nest.
    fn multi_line_comment(&mut self) -> R<()> {
        let start = self.pos;
        let mut i = self.pos + 2;
        let mut depth = 1usize;
        let n = self.b.len();
        while i < n {
            match self.b[i] {
                b'*' if self.at(i + 1) == Some(b'/') => {
                    depth -= 1;
                    i += 2;
                    if depth == 0 {
                        self.pos = i;
                        return Ok(());
                    }
                }
                b'/' if self.at(i + 1) == Some(b'*') => {
                    depth += 1;
                    i += 2;
                }
                _ => i += 1,
            }
        }
        self.fail(start, "unclosed multi-line comment")
    }

    /// `ws := unicode-space | multi-line-comment`; one of them.
    #[inline]
    fn ws(&mut self) -> R<bool> {
        let l = self.space_len(self.pos);
        if l > 0 {
            self.pos += l;
            return Ok(true);
        }
        if self.starts(self.pos, b"/*") {
            self.multi_line_comment()?;
            return Ok(true);
        }
        Ok(false)
    }

    fn wss(&mut self) -> R<()> {
        while self.ws()? {}
        Ok(())
    }

    /// `escline := '\\' ws* (single-line-comment | newline | eof) ws*`, at `\`. Restores the
    /// position and returns false if it doesn't match.
    fn escline(&mut self) -> R<bool> {
        let save = self.pos;
        self.pos += 1;
        self.wss()?;
        if self.starts(self.pos, b"//") {
            self.single_line_comment();
        } else {
            let nl = self.newline_len(self.pos);
            if nl > 0 {
                self.pos += nl;
            } else if self.pos < self.b.len() {
                self.pos = save;
                return Ok(false);
            }
        }
        self.wss()?;
        Ok(true)
    }

    /// `node-space*`; returns whether anything was consumed (i.e. `node-space+`).
    fn node_space0(&mut self) -> R<bool> {
        let start = self.pos;
        loop {
            if self.ws()? {
                continue;
            }
            if self.cur() == Some(b'\\') && self.escline()? {
                continue;
            }
            break;
        }
        Ok(self.pos > start)
    }

    /// Whether a `node-space` starts at the current position (no consumption).
    fn at_node_space(&mut self) -> R<bool> {
        if self.space_len(self.pos) > 0 || self.starts(self.pos, b"/*") {
            return Ok(true);
        }
        if self.cur() == Some(b'\\') {
            let save = self.pos;
            let ok = self.escline()?;
            self.pos = save;
            return Ok(ok);
        }
        Ok(false)
    }

    /// `line-space*` (`node-space | newline | single-line-comment`); returns whether
    /// anything was consumed.
    fn line_space0(&mut self) -> R<bool> {
        let start = self.pos;
        loop {
            if self.ws()? {
                continue;
            }
            let nl = self.newline_len(self.pos);
            if nl > 0 {
                self.pos += nl;
                continue;
            }
            match self.cur() {
                Some(b'/') if self.at(self.pos + 1) == Some(b'/') => {
                    self.single_line_comment();
                    continue;
                }
                Some(b'\\') if self.escline()? => continue,
                _ => {}
            }
            break;
        }
        Ok(self.pos > start)
    }

    /// `node-terminator := ';' | newline | single-line-comment` (eof is handled by callers).
    fn node_terminator(&mut self) -> bool {
        if self.cur() == Some(b';') {
            self.pos += 1;
            return true;
        }
        let nl = self.newline_len(self.pos);
        if nl > 0 {
            self.pos += nl;
            return true;
        }
        if self.starts(self.pos, b"//") {
            self.single_line_comment();
            return true;
        }
        false
    }

    /// `slashdash := '/-' (node-space | line-space)*`, at `/-`.
    fn slashdash(&mut self) -> R<()> {
        self.pos += 2;
        self.line_space0()?;
        Ok(())
    }

    /// `value-terminator`, peeked: eof `=` `)` `{` `}` node-space node-terminator.
    fn value_terminator_check(&mut self) -> R<()> {
        let ok = match self.cur() {
            None | Some(b'=' | b')' | b'{' | b'}' | b';') => true,
            Some(b'/') => matches!(self.at(self.pos + 1), Some(b'/' | b'*')),
            _ => self.newline_len(self.pos) > 0 || self.at_node_space()?,
        };
        if ok {
            Ok(())
        } else {
            self.fail(self.pos, "expected whitespace or the end of the value")
        }
    }

    fn enter(&mut self) -> R<()> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return self.fail(self.pos, "nesting too deep");
        }
        Ok(())
    }

    // ----- document structure ------------------------------------------------------------

    pub(crate) fn document(mut self) -> R<Document> {
        if self.s.starts_with('\u{FEFF}') {
            self.pos = 3;
        }
        let nodes = self.nodes()?;
        if self.pos < self.b.len() {
            return self.fail(
                self.pos,
                "expected a node terminator or the end of the document",
            );
        }
        Ok(Document { nodes })
    }

    /// Leading/trailing `(line-space | slashdash base-node)*` of `nodes`.
    fn leading(&mut self) -> R<()> {
        loop {
            if self.line_space0()? {
                continue;
            }
            if self.starts(self.pos, b"/-") {
                let save = self.pos;
                self.slashdash()?;
                if matches!(self.cur(), None | Some(b'}')) {
                    self.pos = save;
                    return Ok(());
                }
                self.base_node()?;
                continue;
            }
            return Ok(());
        }
    }

    /// `nodes := (line-space* node)* line-space*`, stopping before `}` or eof (or before
    /// whatever follows a node that isn't terminated; the caller checks).
    fn nodes(&mut self) -> R<Vec<Node>> {
        let base = self.node_stack.len();
        self.nodes_onto_stack()?;
        Ok(self.node_stack.drain(base..).collect())
    }

    fn nodes_onto_stack(&mut self) -> R<()> {
        loop {
            self.leading()?;
            if matches!(self.cur(), None | Some(b'}')) {
                return Ok(());
            }
            let node = self.base_node()?;
            self.node_stack.push(node);
            if !self.node_terminator() {
                self.leading()?;
                return Ok(());
            }
        }
    }

    fn base_node(&mut self) -> R<Node> {
        let start = self.pos;
        if self.cur() == Some(b'{') {
            return self.fail(self.pos, "found a children block instead of a node name");
        }
        let ty = if self.cur() == Some(b'(') {
            Some(self.type_annotation()?)
        } else {
            None
        };
        self.node_space0()?;
        let name = match self.string()? {
            Some(name) => name,
            None => return self.fail(self.pos, "invalid node name"),
        };
        let mut end = name.span.end();
        let entry_base = self.entry_stack.len();
        loop {
            let save = self.pos;
            if !self.node_space0()? {
                break;
            }
            match self.node_entry()? {
                Some(e) => {
                    end = e.span.end();
                    self.entry_stack.push(e);
                }
                None => {
                    self.pos = save;
                    break;
                }
            }
        }
        let entries: Vec<Entry> = self.entry_stack.drain(entry_base..).collect();
        self.before_node_children()?;
        let mut children = None;
        if self.cur() == Some(b'{') {
            let c = self.node_children()?;
            end = c.span.end();
            children = Some(c);
            let save = self.pos;
            if !self.slashdashed_children()? {
                self.pos = save;
            }
        }
        self.node_space0()?;
        Ok(Node {
            ty,
            name,
            entries,
            children,
            span: Span::new(start, end),
        })
    }

    /// `(node-space+ slashdash node-prop-or-arg)* (node-space+ slashdash node-children)*`
    /// before a node's (optional) children block, as kdl's `before_node_children`.
    fn before_node_children(&mut self) -> R<()> {
        if self.node_space0()? {
            let s1 = self.pos;
            if self.slashdashed_entries()? {
                let s2 = self.pos;
                if !(self.node_space0()? && self.slashdashed_children()?) {
                    self.pos = s2;
                }
            } else if !self.slashdashed_children()? {
                self.pos = s1;
            }
        }
        self.node_space0()?;
        Ok(())
    }

    /// `node-space* (slashdash node-children) (node-space+ slashdash node-children)*`.
    /// Returns false (position unspecified; callers restore) if it doesn't match.
    fn slashdashed_children(&mut self) -> R<bool> {
        self.node_space0()?;
        if !self.starts(self.pos, b"/-") {
            return Ok(false);
        }
        self.slashdash()?;
        if self.cur() != Some(b'{') {
            return Ok(false);
        }
        self.node_children()?;
        loop {
            let s = self.pos;
            if !self.node_space0()? || !self.starts(self.pos, b"/-") {
                self.pos = s;
                return Ok(true);
            }
            self.slashdash()?;
            if self.cur() != Some(b'{') {
                self.pos = s;
                return Ok(true);
            }
            self.node_children()?;
        }
    }

    /// `(slashdash node-prop-or-arg) (node-space+ slashdash node-prop-or-arg)*`. Restores
    /// the position and returns false if it doesn't match.
    fn slashdashed_entries(&mut self) -> R<bool> {
        if !self.starts(self.pos, b"/-") {
            return Ok(false);
        }
        let s0 = self.pos;
        self.slashdash()?;
        self.enter()?;
        let first = self.node_entry()?;
        self.depth -= 1;
        if first.is_none() {
            self.pos = s0;
            return Ok(false);
        }
        loop {
            let s = self.pos;
            if !self.node_space0()? || !self.starts(self.pos, b"/-") {
                self.pos = s;
                return Ok(true);
            }
            self.slashdash()?;
            self.enter()?;
            let e = self.node_entry()?;
            self.depth -= 1;
            if e.is_none() {
                self.pos = s;
                return Ok(true);
            }
        }
    }

    /// `node-children := '{' nodes '}'`, at `{`.
    fn node_children(&mut self) -> R<Children> {
        let start = self.pos;
        self.pos += 1;
        self.enter()?;
        let nodes = self.nodes()?;
        if self.cur() != Some(b'}') {
            return self.fail(self.pos, "expected '}' closing the children block");
        }
        self.pos += 1;
        self.depth -= 1;
        Ok(Children {
            nodes,
            span: Span::new(start, self.pos),
        })
    }

    /// kdl's `node_entry` after its leading node-space: optional slashdashed entries (then
    /// node-space+), then a property or an argument. Restores the position and returns None
    /// if no entry starts here.
    fn node_entry(&mut self) -> R<Option<Entry>> {
        let save = self.pos;
        if self.starts(self.pos, b"/-") {
            if self.slashdashed_entries()? {
                if !self.node_space0()? {
                    self.pos = save;
                }
            } else {
                self.pos = save;
            }
        }
        let e = self.entry_core()?;
        if e.is_none() {
            self.pos = save;
        }
        Ok(e)
    }

    /// `prop := string node-space* '=' node-space* value`, or `value`.
    fn entry_core(&mut self) -> R<Option<Entry>> {
        let start = self.pos;
        if let Some(key) = self.string()? {
            let save = self.pos;
            self.node_space0()?;
            if self.cur() == Some(b'=') {
                self.pos += 1;
                self.node_space0()?;
                return match self.value()? {
                    Some((ty, value)) => Ok(Some(Entry {
                        name: Some(key),
                        ty,
                        value,
                        span: Span::new(start, self.pos),
                    })),
                    None => self.fail(self.pos, "expected a property value"),
                };
            }
            self.pos = save;
            return Ok(Some(Entry {
                name: None,
                ty: None,
                value: Value::String(key.value),
                span: key.span,
            }));
        }
        Ok(self.value()?.map(|(ty, value)| Entry {
            name: None,
            ty,
            value,
            span: Span::new(start, self.pos),
        }))
    }

    /// `value := type? node-space* (keyword | number | string)`. None if nothing value-like
    /// starts here.
    fn value(&mut self) -> R<Option<(Option<Ident>, Value)>> {
        let ty = if self.cur() == Some(b'(') {
            let t = self.type_annotation()?;
            self.node_space0()?;
            Some(t)
        } else {
            None
        };
        let v = match self.cur() {
            Some(b'#') if !matches!(self.at(self.pos + 1), Some(b'#' | b'"')) => {
                Some(self.keyword()?)
            }
            Some(b'0'..=b'9') => Some(self.number()?),
            Some(b'+' | b'-') if self.is_digit_at(self.pos + 1) => Some(self.number()?),
            _ => self.string()?.map(|s| Value::String(s.value)),
        };
        match v {
            Some(v) => Ok(Some((ty, v))),
            None if ty.is_some() => {
                self.fail(self.pos, "expected a value after the type annotation")
            }
            None => Ok(None),
        }
    }

    /// `type := '(' node-space* string node-space* ')'`, at `(`.
    fn type_annotation(&mut self) -> R<Ident> {
        let open = self.pos;
        self.pos += 1;
        self.node_space0()?;
        let Some(id) = self.string()? else {
            return self.fail(self.pos, "invalid type annotation");
        };
        if self.cur() != Some(b')') && !self.at_node_space()? {
            return self.fail(self.pos, "invalid type annotation");
        }
        self.node_space0()?;
        if self.cur() != Some(b')') {
            return self.fail(open, "unclosed type annotation");
        }
        self.pos += 1;
        Ok(id)
    }

    /// `keyword := '#true' | '#false' | '#null' | '#inf' | '#-inf' | '#nan'`, at `#`. Not
    /// followed by a value-terminator check (as in kdl).
    fn keyword(&mut self) -> R<Value> {
        let p = self.pos + 1;
        let (v, len) = if self.starts(p, b"true") {
            (Value::Bool(true), 4)
        } else if self.starts(p, b"false") {
            (Value::Bool(false), 5)
        } else if self.starts(p, b"null") {
            (Value::Null, 4)
        } else if self.starts(p, b"nan") {
            (Value::Float(f64::NAN), 3)
        } else if self.starts(p, b"inf") {
            (Value::Float(f64::INFINITY), 3)
        } else if self.starts(p, b"-inf") {
            (Value::Float(f64::NEG_INFINITY), 4)
        } else {
            return self.fail(self.pos, "unknown keyword");
        };
        self.pos = p + len;
        Ok(v)
    }

    // ----- numbers -----------------------------------------------------------------------

    /// Digits of `radix` with `_` separators (first must be a digit); returns the value if it
    /// fits `i128` (as a positive number), as the kdl crate parses each digit group.
    fn digits(&mut self, radix: u32) -> Option<Option<u128>> {
        let is_digit = |b: u8| (b as char).is_digit(radix);
        if !self.cur().is_some_and(is_digit) {
            return None;
        }
        let mut acc: Option<u128> = Some(0);
        while let Some(b) = self.cur() {
            if b == b'_' {
                self.pos += 1;
            } else if is_digit(b) {
                let d = (b as char).to_digit(radix).unwrap_or(0) as u128;
                acc = acc
                    .and_then(|a| a.checked_mul(radix as u128))
                    .and_then(|a| a.checked_add(d))
                    .filter(|&a| a <= i128::MAX as u128);
                self.pos += 1;
            } else {
                break;
            }
        }
        Some(acc)
    }

    /// `number := hex | octal | binary | decimal` (sign included), at a digit or sign+digit.
    fn number(&mut self) -> R<Value> {
        let start = self.pos;
        let neg = match self.cur() {
            Some(b'-') => {
                self.pos += 1;
                true
            }
            Some(b'+') => {
                self.pos += 1;
                false
            }
            _ => false,
        };
        let radix = if self.cur() == Some(b'0') {
            match self.at(self.pos + 1) {
                Some(b'x' | b'X') => 16,
                Some(b'o' | b'O') => 8,
                Some(b'b' | b'B') => 2,
                _ => 10,
            }
        } else {
            10
        };
        let value = if radix != 10 {
            self.pos += 2;
            match self.digits(radix) {
                Some(Some(v)) => Value::Integer(if neg { -(v as i128) } else { v as i128 }),
                Some(None) => return self.fail(start, "integer out of range"),
                None => return self.fail(self.pos, "expected digits"),
            }
        } else {
            let int = match self.digits(10) {
                Some(Some(v)) => v,
                Some(None) => return self.fail(start, "integer out of range"),
                None => return self.fail(self.pos, "expected digits"),
            };
            let mut is_float = false;
            if self.cur() == Some(b'.') {
                self.pos += 1;
                match self.digits(10) {
                    Some(Some(_)) => is_float = true,
                    Some(None) => return self.fail(start, "number out of range"),
                    None => return self.fail(self.pos, "expected digits after '.'"),
                }
            }
            if matches!(self.cur(), Some(b'e' | b'E')) {
                self.pos += 1;
                if matches!(self.cur(), Some(b'+' | b'-')) {
                    self.pos += 1;
                }
                match self.digits(10) {
                    Some(Some(_)) => is_float = true,
                    Some(None) => return self.fail(start, "exponent out of range"),
                    None => return self.fail(self.pos, "expected exponent digits"),
                }
            }
            if is_float {
                let text = &self.s[start..self.pos];
                let parsed = if text.contains('_') {
                    text.replace('_', "").parse::<f64>()
                } else {
                    text.parse::<f64>()
                };
                match parsed {
                    Ok(f) => Value::Float(f),
                    Err(_) => return self.fail(start, "invalid float"),
                }
            } else {
                Value::Integer(if neg { -(int as i128) } else { int as i128 })
            }
        };
        self.value_terminator_check()?;
        Ok(value)
    }

    // ----- strings -----------------------------------------------------------------------

    /// `string := identifier-string | raw-string | quoted-string`, followed by a
    /// value-terminator check. None if no string starts here.
    fn string(&mut self) -> R<Option<Ident>> {
        let start = self.pos;
        let value = match self.cur() {
            Some(b'"') => self.quoted_string()?,
            Some(b'#') => {
                let mut i = self.pos;
                while self.at(i) == Some(b'#') {
                    i += 1;
                }
                if self.at(i) != Some(b'"') {
                    return Ok(None);
                }
                self.raw_string(i - self.pos)?
            }
            _ => match self.identifier_string()? {
                Some(v) => v,
                None => return Ok(None),
            },
        };
        self.value_terminator_check()?;
        Ok(Some(Ident {
            value,
            span: Span::new(start, self.pos),
        }))
    }

    fn ident_chars(&mut self) {
        loop {
            match self.cur() {
                Some(b) if b < 0x80 && IDENT_ASCII[b as usize] => self.pos += 1,
                Some(b) if b < 0x80 => return,
                None => return,
                Some(_) => match self.char_at(self.pos) {
                    Some(c) if is_ident_char(c) => self.pos += c.len_utf8(),
                    _ => return,
                },
            }
        }
    }

    /// `identifier-string := unambiguous-ident | signed-ident | dotted-ident`.
    fn identifier_string(&mut self) -> R<Option<String>> {
        let start = self.pos;
        let Some(c) = self.char_at(self.pos) else {
            return Ok(None);
        };
        match c {
            '0'..='9' => return Ok(None),
            '+' | '-' => {
                if self.is_digit_at(self.pos + 1) {
                    return Ok(None);
                }
                if self.at(self.pos + 1) == Some(b'.') && self.is_digit_at(self.pos + 2) {
                    return Ok(None);
                }
                self.pos += 1;
                self.ident_chars();
            }
            '.' => {
                if self.is_digit_at(self.pos + 1) {
                    return Ok(None);
                }
                self.ident_chars();
            }
            c if is_ident_char(c) => {
                self.ident_chars();
                let text = &self.s[start..self.pos];
                if matches!(text, "true" | "false" | "null" | "inf" | "nan") {
                    return self.fail(start, "keywords must be written with '#' (e.g. #true)");
                }
            }
            _ => return Ok(None),
        }
        Ok(Some(self.s[start..self.pos].to_string()))
    }

    /// `ws-escape := '\' (unicode-space | newline)+` at `i`; the end position if it matches.
    fn ws_escape_at(&self, i: usize) -> Option<usize> {
        if self.at(i) != Some(b'\\') {
            return None;
        }
        let mut j = i + 1;
        loop {
            let l = self.space_len(j);
            if l > 0 {
                j += l;
                continue;
            }
            let l = self.newline_len(j);
            if l > 0 {
                j += l;
                continue;
            }
            break;
        }
        (j > i + 1).then_some(j)
    }

    /// `'\' escape` (not a whitespace escape) at `i`: the character and the end position.
    fn escaped_char_at(&self, i: usize) -> R<(char, usize)> {
        let c = match self.at(i + 1) {
            Some(b'\\') => '\\',
            Some(b'"') => '"',
            Some(b'b') => '\u{0008}',
            Some(b'f') => '\u{000C}',
            Some(b'n') => '\n',
            Some(b'r') => '\r',
            Some(b't') => '\t',
            Some(b's') => ' ',
            Some(b'u') if self.at(i + 2) == Some(b'{') => {
                let mut j = i + 3;
                let mut v: u32 = 0;
                while j < i + 9 {
                    match self.at(j).and_then(|b| (b as char).to_digit(16)) {
                        Some(d) => {
                            v = v * 16 + d;
                            j += 1;
                        }
                        None => break,
                    }
                }
                if j == i + 3 || self.at(j) != Some(b'}') {
                    return self.fail(i, "invalid unicode escape");
                }
                return match char::from_u32(v) {
                    Some(c) => Ok((c, j + 1)),
                    None => self.fail(i, "invalid unicode scalar value in escape"),
                };
            }
            _ => return self.fail(i, "invalid escape"),
        };
        Ok((c, i + 2))
    }

    /// A non-escape string character at `i` (not `\`, not `"`, not disallowed); its length.
    #[inline]
    fn plain_char_at(&self, i: usize) -> R<usize> {
        match self.at(i) {
            Some(b) if b < 0x80 => {
                if b <= 0x08 || (0x0E..=0x1F).contains(&b) {
                    self.fail(i, "disallowed code point in string")
                } else {
                    Ok(1)
                }
            }
            None => self.fail(i, "unclosed string"),
            Some(_) => match self.char_at(i) {
                Some(c) if !is_disallowed(c) => Ok(c.len_utf8()),
                _ => self.fail(i, "disallowed code point in string"),
            },
        }
    }

    /// `quoted-string`, at `"`.
    fn quoted_string(&mut self) -> R<String> {
        if self.starts(self.pos, b"\"\"\"") {
            let nl = self.newline_len(self.pos + 3);
            if nl == 0 {
                return self.fail(
                    self.pos,
                    "multi-line string opening quotes must be followed by a newline",
                );
            }
            self.pos += 3 + nl;
            return self.multi_line_string();
        }
        self.pos += 1;
        let mut out = String::new();
        let mut seg = self.pos;
        loop {
            match self.cur() {
                None => return self.fail(self.pos, "unclosed string"),
                Some(b'"') => break,
                Some(b'\\') => {
                    out.push_str(&self.s[seg..self.pos]);
                    if let Some(e) = self.ws_escape_at(self.pos) {
                        self.pos = e;
                    } else {
                        let (c, e) = self.escaped_char_at(self.pos)?;
                        out.push(c);
                        self.pos = e;
                    }
                    seg = self.pos;
                }
                Some(b) if (0x20..0x7F).contains(&b) => {
                    // Fast path: printable ASCII other than `"` and `\`.
                    self.pos += 1;
                    while let Some(&b) = self.b.get(self.pos) {
                        if !(0x20..0x7F).contains(&b) || b == b'"' || b == b'\\' {
                            break;
                        }
                        self.pos += 1;
                    }
                }
                Some(_) => {
                    if self.newline_len(self.pos) > 0 {
                        return self.fail(self.pos, "newline in single-line string");
                    }
                    self.pos += self.plain_char_at(self.pos)?;
                }
            }
        }
        out.push_str(&self.s[seg..self.pos]);
        self.pos += 1;
        Ok(out)
    }

    /// `unicode-space* newline` at `i`: the end position.
    fn empty_line_at(&self, mut i: usize) -> Option<usize> {
        loop {
            let l = self.space_len(i);
            if l == 0 {
                break;
            }
            i += l;
        }
        let nl = self.newline_len(i);
        (nl > 0).then_some(i + nl)
    }

    /// A multi-line string body char at `i` (`"` not starting `"""`, an escape, or a plain
    /// char): appends it to `out` (if any) and returns the end position. Whitespace escapes
    /// are handled by the caller.
    fn ml_char_at(&self, i: usize, out: Option<&mut String>) -> R<usize> {
        match self.at(i) {
            Some(b'"') => {
                if self.starts(i + 1, b"\"\"") {
                    return self.fail(i, "unescaped '\"\"\"' in multi-line string");
                }
                if let Some(o) = out {
                    o.push('"');
                }
                Ok(i + 1)
            }
            Some(b'\\') => {
                let (c, e) = self.escaped_char_at(i)?;
                if let Some(o) = out {
                    o.push(c);
                }
                Ok(e)
            }
            _ => {
                let l = self.plain_char_at(i)?;
                if let Some(o) = out {
                    o.push_str(&self.s[i..i + l]);
                }
                Ok(i + l)
            }
        }
    }

    /// Body and closing quotes of a multi-line quoted string; the position is just after the
    /// opening quotes' newline.
    fn multi_line_string(&mut self) -> R<String> {
        let body_start = self.pos;
        // Pass 1: find the closing line, and its whitespace prefix.
        let mut p = body_start;
        let prefix: String = loop {
            let mut q = p;
            let mut prefix = String::new();
            loop {
                if let Some(e) = self.ws_escape_at(q) {
                    q = e;
                    continue;
                }
                let l = self.space_len(q);
                if l > 0 {
                    prefix.push_str(&self.s[q..q + l]);
                    q += l;
                    continue;
                }
                break;
            }
            if self.starts(q, b"\"\"\"") {
                break prefix;
            }
            loop {
                let nl = self.newline_len(p);
                if nl > 0 {
                    p += nl;
                    break;
                }
                if self.at(p).is_none() {
                    return self.fail(p, "unclosed multi-line string");
                }
                if let Some(e) = self.ws_escape_at(p) {
                    p = e;
                    continue;
                }
                p = self.ml_char_at(p, None)?;
            }
        };
        // Pass 2: dedent.
        let pb = prefix.as_bytes();
        let mut out = String::new();
        let mut p = body_start;
        loop {
            if self.starts(p, pb) {
                let mut q = p + pb.len();
                while let Some(e) = self.ws_escape_at(q) {
                    q = e;
                }
                if self.starts(q, b"\"\"\"") {
                    p = q;
                    break;
                }
            }
            if self.starts(p, pb) {
                p += pb.len();
            } else if self.empty_line_at(p).is_none() {
                return self.fail(
                    p,
                    "multi-line string line doesn't start with the closing line's indentation",
                );
            }
            if let Some(e) = self.empty_line_at(p) {
                out.push('\n');
                p = e;
                continue;
            }
            loop {
                let nl = self.newline_len(p);
                if nl > 0 {
                    p += nl;
                    out.push('\n');
                    break;
                }
                if self.at(p).is_none() {
                    return self.fail(p, "unclosed multi-line string");
                }
                if let Some(e) = self.ws_escape_at(p) {
                    p = e;
                    continue;
                }
                p = self.ml_char_at(p, Some(&mut out))?;
            }
        }
        out.pop();
        self.pos = p + 3;
        Ok(out)
    }

    /// `raw-string`, at the first `#` of `hashes` hashes followed by `"`.
    fn raw_string(&mut self, hashes: usize) -> R<String> {
        let start = self.pos;
        let q = self.pos + hashes;
        let nl = if self.starts(q, b"\"\"\"") {
            self.newline_len(q + 3)
        } else {
            0
        };
        let body = if nl > 0 {
            self.pos = q + 3 + nl;
            self.multi_line_raw_string(hashes)?
        } else {
            // Single-line: up to the first `"` followed by the hashes.
            let mut i = q + 1;
            loop {
                match self.at(i) {
                    None => return self.fail(start, "unclosed raw string"),
                    Some(b'"') if self.hashes_at(i + 1, hashes) => break,
                    Some(_) => {
                        if self.newline_len(i) > 0 {
                            return self.fail(i, "newline in single-line raw string");
                        }
                        i += self.raw_char_at(i)?;
                    }
                }
            }
            let body = self.s[q + 1..i].to_string();
            self.pos = i + 1 + hashes;
            body
        };
        if body == "\"" {
            return self.fail(
                start,
                "single-line raw strings cannot look like multi-line ones",
            );
        }
        Ok(body)
    }

    #[inline]
    fn hashes_at(&self, i: usize, n: usize) -> bool {
        self.b
            .get(i..i + n)
            .is_some_and(|r| r.iter().all(|&b| b == b'#'))
    }

    /// `"""` followed by `n` hashes at `i`.
    fn raw_close_at(&self, i: usize, n: usize) -> bool {
        self.starts(i, b"\"\"\"") && self.hashes_at(i + 3, n)
    }

    /// A non-disallowed char at `i`; its length.
    fn raw_char_at(&self, i: usize) -> R<usize> {
        match self.at(i) {
            Some(b) if b < 0x80 => {
                if b <= 0x08 || (0x0E..=0x1F).contains(&b) {
                    self.fail(i, "disallowed code point in raw string")
                } else {
                    Ok(1)
                }
            }
            _ => match self.char_at(i) {
                Some(c) if !is_disallowed(c) => Ok(c.len_utf8()),
                _ => self.fail(i, "disallowed code point in raw string"),
            },
        }
    }

    fn multi_line_raw_string(&mut self, hashes: usize) -> R<String> {
        let body_start = self.pos;
        // Pass 1: find the closing line and its prefix.
        let mut p = body_start;
        let prefix_end = loop {
            let mut q = p;
            loop {
                let l = self.space_len(q);
                if l == 0 {
                    break;
                }
                q += l;
            }
            if self.raw_close_at(q, hashes) {
                break q;
            }
            loop {
                let nl = self.newline_len(p);
                if nl > 0 {
                    p += nl;
                    break;
                }
                if self.at(p).is_none() || self.raw_close_at(p, hashes) {
                    return self.fail(p, "unclosed multi-line raw string");
                }
                p += self.raw_char_at(p)?;
            }
        };
        let bytes = self.b;
        let pb = bytes.get(p..prefix_end).unwrap_or_default();
        // Pass 2: dedent.
        let mut out = String::new();
        let mut p = body_start;
        loop {
            if self.starts(p, pb) {
                let mut q = p + pb.len();
                loop {
                    let l = self.space_len(q);
                    if l == 0 {
                        break;
                    }
                    q += l;
                }
                if self.raw_close_at(q, hashes) {
                    p = q;
                    break;
                }
            }
            if self.starts(p, pb) {
                p += pb.len();
            } else if self.empty_line_at(p).is_none() {
                return self.fail(
                    p,
                    "multi-line raw string line doesn't start with the closing line's indentation",
                );
            }
            if let Some(e) = self.empty_line_at(p) {
                out.push('\n');
                p = e;
                continue;
            }
            let line_start = p;
            loop {
                let nl = self.newline_len(p);
                if nl > 0 {
                    out.push_str(&self.s[line_start..p]);
                    out.push('\n');
                    p += nl;
                    break;
                }
                if self.at(p).is_none() || self.raw_close_at(p, hashes) {
                    return self.fail(p, "unclosed multi-line raw string");
                }
                p += self.char_len(p);
            }
        }
        out.pop();
        self.pos = p + 3 + hashes;
        Ok(out)
    }
}
