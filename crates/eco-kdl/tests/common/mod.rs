//! The differential oracle: parse with eco-kdl and with the kdl crate (the reference) and
//! compare accept/reject, the trees, and the spans whose definitions agree.

#![allow(dead_code)]

use std::panic::{catch_unwind, AssertUnwindSafe};

#[derive(Debug, PartialEq)]
pub enum V {
    S(String),
    I(i128),
    /// Bits of the float; every NaN maps to one value.
    F(u64),
    B(bool),
    Null,
}

#[derive(Debug, PartialEq)]
pub struct N {
    pub ty: Option<String>,
    pub name: String,
    pub entries: Vec<(Option<String>, Option<String>, V)>,
    pub children: Option<Vec<N>>,
}

fn fbits(f: f64) -> u64 {
    if f.is_nan() {
        u64::MAX
    } else {
        f.to_bits()
    }
}

/// A normalizer from one parser's tree to [`N`]: both crates name their node, entry and value
/// accessors alike, so one body serves both.
macro_rules! normalizer {
    ($name:ident, $node:ty, $value:ident) => {
        pub fn $name(nodes: &[$node]) -> Vec<N> {
            nodes
                .iter()
                .map(|n| N {
                    ty: n.ty().map(|t| t.value().to_string()),
                    name: n.name().value().to_string(),
                    entries: n
                        .entries()
                        .iter()
                        .map(|e| {
                            let v = match e.value() {
                                $value::String(s) => V::S(s.clone()),
                                $value::Integer(i) => V::I(*i),
                                $value::Float(f) => V::F(fbits(*f)),
                                $value::Bool(b) => V::B(*b),
                                $value::Null => V::Null,
                            };
                            let key = e.name().map(|k| k.value().to_string());
                            (key, e.ty().map(|t| t.value().to_string()), v)
                        })
                        .collect(),
                    children: n.children().map(|c| $name(c.nodes())),
                })
                .collect()
        }
    };
}

use eco_kdl::Value as EcoValue;
use kdl::KdlValue;
normalizer!(norm_kdl, kdl::KdlNode, KdlValue);
normalizer!(norm_eco, eco_kdl::Node, EcoValue);

fn sp(s: miette::SourceSpan) -> (usize, usize) {
    (s.offset(), s.len())
}

fn esp(s: eco_kdl::Span) -> (usize, usize) {
    (s.offset, s.len)
}

/// Compares spans; returns a description of the first disagreement.
fn spans(src: &str, k: &[kdl::KdlNode], e: &[eco_kdl::Node]) -> Result<(), String> {
    for (kn, en) in k.iter().zip(e) {
        if sp(kn.name().span()) != esp(en.name.span) {
            return Err(format!(
                "name span of {:?}: kdl {:?} eco {:?}",
                en.name.value,
                sp(kn.name().span()),
                esp(en.name.span)
            ));
        }
        if let (Some(kt), Some(et)) = (kn.ty(), en.ty()) {
            if sp(kt.span()) != esp(et.span) {
                return Err(format!(
                    "node type span: kdl {:?} eco {:?}",
                    sp(kt.span()),
                    esp(et.span)
                ));
            }
        }
        // Node spans start at the same place; kdl's also covers trailing space/slashdashes.
        let (ko, kl) = sp(kn.span());
        if ko != en.span.offset || ko + kl < en.span.end() {
            return Err(format!(
                "node span of {:?}: kdl {:?} eco {:?}",
                en.name.value,
                (ko, kl),
                esp(en.span)
            ));
        }
        for (ke, ee) in kn.entries().iter().zip(en.entries()) {
            if sp(ke.span()) != esp(ee.span) {
                return Err(format!(
                    "entry span: kdl {:?} eco {:?}",
                    sp(ke.span()),
                    esp(ee.span)
                ));
            }
            if let (Some(kk), Some(ek)) = (ke.name(), ee.name()) {
                if sp(kk.span()) != esp(ek.span) {
                    return Err(format!(
                        "key span: kdl {:?} eco {:?}",
                        sp(kk.span()),
                        esp(ek.span)
                    ));
                }
            }
            if let (Some(kt), Some(et)) = (ke.ty(), ee.ty()) {
                if sp(kt.span()) != esp(et.span) {
                    return Err(format!(
                        "value type span: kdl {:?} eco {:?}",
                        sp(kt.span()),
                        esp(et.span)
                    ));
                }
            }
        }
        if let (Some(kc), Some(ec)) = (kn.children(), en.children()) {
            // Ours covers `{ ... }`; kdl's (a document span) lies within it.
            let text = src.get(ec.span.offset..ec.span.end()).unwrap_or("");
            if !(text.starts_with('{') && text.ends_with('}')) {
                return Err(format!(
                    "children span {:?} is not a block: {text:?}",
                    esp(ec.span)
                ));
            }
            let (co, cl) = sp(kc.span());
            if !kc.nodes().is_empty() && (co < ec.span.offset || co + cl > ec.span.end()) {
                return Err(format!(
                    "children span: kdl {:?} eco {:?}",
                    (co, cl),
                    esp(ec.span)
                ));
            }
            spans(src, kc.nodes(), ec.nodes())?;
        }
    }
    Ok(())
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    Accepted,
    Rejected,
    /// The kdl crate panicked (not a reference answer); eco-kdl must not have panicked.
    KdlPanicked,
}

/// Parses `src` with both parsers. Err describes a disagreement (or an eco-kdl panic).
pub fn compare(src: &str) -> Result<Outcome, String> {
    let eco = catch_unwind(AssertUnwindSafe(|| eco_kdl::parse(src)))
        .map_err(|_| format!("eco-kdl PANICKED on {src:?}"))?;
    let reference = match catch_unwind(AssertUnwindSafe(|| kdl::KdlDocument::parse_v2(src))) {
        Ok(r) => r,
        Err(_) => return Ok(Outcome::KdlPanicked),
    };
    match (reference, eco) {
        (Err(_), Err(_)) => Ok(Outcome::Rejected),
        (Ok(_), Err(e)) => Err(format!("kdl accepts, eco-kdl rejects ({e}): {src:?}")),
        (Err(k), Ok(d)) => Err(format!(
            "kdl rejects ({:?}), eco-kdl accepts: {src:?}\n  eco tree: {:?}",
            k.diagnostics.first().and_then(|d| d.message.clone()),
            norm_eco(&d.nodes)
        )),
        (Ok(k), Ok(d)) => {
            let (kn, en) = (norm_kdl(k.nodes()), norm_eco(&d.nodes));
            if kn != en {
                return Err(format!(
                    "trees differ for {src:?}\n  kdl: {kn:?}\n  eco: {en:?}"
                ));
            }
            spans(src, k.nodes(), &d.nodes).map_err(|e| format!("{e} in {src:?}"))?;
            Ok(Outcome::Accepted)
        }
    }
}

/// Xorshift64* PRNG: deterministic, no dependencies.
pub struct Rng(pub u64);

impl Rng {
    pub fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    pub fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
    pub fn chance(&mut self, one_in: usize) -> bool {
        self.below(one_in) == 0
    }
    pub fn ps(&mut self, xs: &[&'static str]) -> &'static str {
        xs[self.below(xs.len())]
    }
    pub fn pick<'a, T>(&mut self, xs: &'a [T]) -> &'a T {
        &xs[self.below(xs.len())]
    }
}
