//! Fault injection for the standard tests: stop or fail the engine at a named step.

use std::fmt;

use eco_provider::{ErrorKind, OpError};

/// A step of an operation where a fault can be injected.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    /// Before the write-ahead intent is recorded.
    BeforeIntent,
    /// After the intent is durable, before the AWS call.
    BeforeCall,
    /// After the AWS call succeeded, before its result is recorded.
    AfterCall,
    /// After the result is durable.
    AfterResult,
}

impl Step {
    /// The name used in `ECO_TEST_FAULTS`.
    pub fn name(self) -> &'static str {
        match self {
            Step::BeforeIntent => "before-intent",
            Step::BeforeCall => "before-call",
            Step::AfterCall => "after-call",
            Step::AfterResult => "after-result",
        }
    }
    fn parse(s: &str) -> Option<Step> {
        [
            Step::BeforeIntent,
            Step::BeforeCall,
            Step::AfterCall,
            Step::AfterResult,
        ]
        .into_iter()
        .find(|x| x.name() == s)
    }
}

impl fmt::Display for Step {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// What to do at a step.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Fault {
    /// End the process at once (exit code 86), as a crash or a kill would.
    Crash,
    /// Fail the operation with an injected error.
    Fail,
    /// Stop the change where it is, leaving state as a crash there would, while the process
    /// goes on (for tests that run the next apply in the same process).
    Stop,
}

/// Where to inject faults: `(fault, step, address)` triples.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Faults(Vec<(Fault, Step, String)>);

impl Faults {
    /// No faults.
    pub fn none() -> Self {
        Self::default()
    }

    /// Parses `crash:after-call:s3-bucket.data,fail:before-call:iam-role.api`.
    pub fn parse(spec: &str) -> Result<Faults, String> {
        let mut out = Vec::new();
        for item in spec.split(',').map(str::trim).filter(|s| !s.is_empty()) {
            let mut parts = item.splitn(3, ':');
            let (Some(kind), Some(step), Some(address)) =
                (parts.next(), parts.next(), parts.next())
            else {
                return Err(format!("`{item}` is not FAULT:STEP:ADDRESS"));
            };
            let fault = match kind {
                "crash" => Fault::Crash,
                "fail" => Fault::Fail,
                "stop" => Fault::Stop,
                _ => return Err(format!("unknown fault `{kind}` (crash, fail or stop)")),
            };
            let step = Step::parse(step).ok_or_else(|| format!("unknown step `{step}`"))?;
            out.push((fault, step, address.to_string()));
        }
        Ok(Faults(out))
    }

    /// Whether the change at `address` stops at this step (a `stop` fault).
    pub fn stops_at(&self, step: Step, address: &str) -> bool {
        self.0
            .iter()
            .any(|(f, s, a)| *f == Fault::Stop && *s == step && a == address)
    }

    /// Applies whatever is configured for this step and address (a `stop` is the executor's:
    /// see [`Faults::stops_at`]).
    pub fn at(&self, step: Step, address: &str, operation: &str) -> Result<(), OpError> {
        for (fault, s, a) in &self.0 {
            if *s == step && a == address {
                match fault {
                    Fault::Crash => {
                        tracing::warn!(%address, %step, "injected crash");
                        std::process::exit(86);
                    }
                    Fault::Stop => {}
                    Fault::Fail => {
                        return Err(OpError::new(
                            operation,
                            ErrorKind::Other,
                            format!("injected failure at {step}"),
                        ))
                    }
                }
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_fails_where_asked() {
        let f = Faults::parse("fail:before-call:a.b, crash:after-call:c.d").unwrap();
        assert!(f.at(Step::BeforeCall, "a.b", "Op").is_err());
        assert!(f.at(Step::AfterCall, "a.b", "Op").is_ok());
        assert!(Faults::parse("boom:before-call:a.b").is_err());
        let stop = Faults::parse("stop:after-call:a.b").unwrap();
        assert!(stop.stops_at(Step::AfterCall, "a.b"));
        assert!(!stop.stops_at(Step::BeforeCall, "a.b"));
        assert!(
            stop.at(Step::AfterCall, "a.b", "Op").is_ok(),
            "a stop is no failure"
        );
        assert!(Faults::parse("fail:sometime:a.b").is_err());
    }
}
