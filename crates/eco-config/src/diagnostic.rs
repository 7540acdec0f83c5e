//! Diagnostics: what went wrong, where (file:line:col), and a hint.
//!
//! eco-config collects [`Diagnostic`]s instead of stopping at the first problem. They render
//! through miette ([`Diagnostic::to_report`]) with the source line underlined; eco-cli prints them.

use std::fmt;

use crate::source::{Sources, Span};

/// A labelled span: where, and what to say there.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Label {
    pub span: Span,
    pub text: String,
}

/// One problem in the configuration (or its use).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    /// A stable code, e.g. `eco::unknown_attribute`.
    pub code: &'static str,
    pub message: String,
    /// The main place; `None` for problems not tied to a file (an unknown `-stage`).
    pub primary: Option<Label>,
    /// Other places worth showing (the first definition of a duplicate).
    pub secondary: Vec<Label>,
    pub help: Option<String>,
}

impl Diagnostic {
    /// A diagnostic with a message and no location yet.
    pub fn new(code: &'static str, message: impl Into<String>) -> Self {
        Diagnostic {
            code,
            message: message.into(),
            primary: None,
            secondary: Vec::new(),
            help: None,
        }
    }

    /// Sets the main location.
    pub fn at(mut self, span: Span, text: impl Into<String>) -> Self {
        self.primary = Some(Label {
            span,
            text: text.into(),
        });
        self
    }

    /// Adds another location.
    pub fn also(mut self, span: Span, text: impl Into<String>) -> Self {
        self.secondary.push(Label {
            span,
            text: text.into(),
        });
        self
    }

    /// Sets the hint.
    pub fn help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }

    /// Sets the hint when there is one.
    pub fn maybe_help(mut self, help: Option<String>) -> Self {
        if help.is_some() {
            self.help = help;
        }
        self
    }

    /// `file:line:col` of the main location, when there is one.
    pub fn location(&self, sources: &Sources) -> Option<String> {
        self.primary.as_ref().map(|l| sources.location(l.span))
    }

    /// A miette report with the source snippet, for printing.
    pub fn to_report(&self, sources: &Sources) -> miette::Report {
        miette::Report::new(Rendered::new(self, sources))
    }

    /// Plain one-line-per-problem text: `file:line:col: message` (used in logs and tests).
    pub fn to_plain(&self, sources: &Sources) -> String {
        let mut out = match self.location(sources) {
            Some(loc) => format!("{loc}: {}", self.message),
            None => self.message.clone(),
        };
        if let Some(help) = &self.help {
            out.push_str(&format!(" (help: {help})"));
        }
        out
    }
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for Diagnostic {}

/// Several diagnostics, in the order found.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Diagnostics(pub Vec<Diagnostic>);

impl Diagnostics {
    /// Adds one.
    pub fn push(&mut self, d: Diagnostic) {
        self.0.push(d);
    }
    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
    /// How many.
    pub fn len(&self) -> usize {
        self.0.len()
    }
    /// Iterates over them.
    pub fn iter(&self) -> impl Iterator<Item = &Diagnostic> {
        self.0.iter()
    }
    /// `Ok(value)` when empty, else `Err(self)`.
    pub fn into_result<T>(self, value: T) -> Result<T, Diagnostics> {
        if self.is_empty() {
            Ok(value)
        } else {
            Err(self)
        }
    }
}

impl From<Diagnostic> for Diagnostics {
    fn from(d: Diagnostic) -> Self {
        Diagnostics(vec![d])
    }
}

impl fmt::Display for Diagnostics {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, d) in self.0.iter().enumerate() {
            if i > 0 {
                writeln!(f)?;
            }
            write!(f, "{d}")?;
        }
        Ok(())
    }
}

impl std::error::Error for Diagnostics {}

/// A diagnostic bound to its source text, in the form miette renders.
#[derive(Debug)]
struct Rendered {
    code: &'static str,
    message: String,
    help: Option<String>,
    source: Option<miette::NamedSource<String>>,
    labels: Vec<miette::LabeledSpan>,
    related: Vec<Rendered>,
}

impl Rendered {
    fn new(d: &Diagnostic, sources: &Sources) -> Rendered {
        let primary_file = d.primary.as_ref().map(|l| l.span.file);
        let source = primary_file.map(|id| {
            let f = sources.file(id);
            miette::NamedSource::new(f.name.clone(), f.text.as_str().to_string())
        });
        let mut labels = Vec::new();
        let mut related = Vec::new();
        if let Some(p) = &d.primary {
            labels.push(miette::LabeledSpan::new_primary_with_span(
                Some(p.text.clone()),
                (p.span.offset, p.span.len),
            ));
        }
        for s in &d.secondary {
            if Some(s.span.file) == primary_file {
                labels.push(miette::LabeledSpan::new_with_span(
                    Some(s.text.clone()),
                    (s.span.offset, s.span.len),
                ));
            } else {
                let f = sources.file(s.span.file);
                related.push(Rendered {
                    code: d.code,
                    message: s.text.clone(),
                    help: None,
                    source: Some(miette::NamedSource::new(
                        f.name.clone(),
                        f.text.as_str().to_string(),
                    )),
                    labels: vec![miette::LabeledSpan::new_primary_with_span(
                        Some(s.text.clone()),
                        (s.span.offset, s.span.len),
                    )],
                    related: Vec::new(),
                });
            }
        }
        let message = match d.location(sources) {
            Some(loc) => format!("{loc}: {}", d.message),
            None => d.message.clone(),
        };
        Rendered {
            code: d.code,
            message,
            help: d.help.clone(),
            source,
            labels,
            related,
        }
    }
}

impl fmt::Display for Rendered {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for Rendered {}

impl miette::Diagnostic for Rendered {
    fn code<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        Some(Box::new(self.code))
    }
    fn help<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        self.help
            .as_ref()
            .map(|h| Box::new(h) as Box<dyn fmt::Display>)
    }
    fn source_code(&self) -> Option<&dyn miette::SourceCode> {
        self.source.as_ref().map(|s| s as &dyn miette::SourceCode)
    }
    fn labels(&self) -> Option<Box<dyn Iterator<Item = miette::LabeledSpan> + '_>> {
        if self.labels.is_empty() {
            None
        } else {
            Some(Box::new(self.labels.iter().cloned()))
        }
    }
    fn related<'a>(&'a self) -> Option<Box<dyn Iterator<Item = &'a dyn miette::Diagnostic> + 'a>> {
        if self.related.is_empty() {
            None
        } else {
            Some(Box::new(
                self.related.iter().map(|r| r as &dyn miette::Diagnostic),
            ))
        }
    }
}
