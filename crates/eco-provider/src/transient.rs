//! What AWS answers for a while before it succeeds, per resource type: its retry rules as data.
//!
//! Real AWS is eventually consistent: a role IAM has just made cannot be assumed by Lambda for
//! seconds to minutes, a new bucket may answer NoSuchBucket, an API answers ConflictException
//! while another change to it is in flight. A type lists, next to its spec, the errors that mean
//! "not yet" for its calls ([`Transient`]), each with a time budget; the engine (the one owner of
//! retries) consults [`ResourceProvider::transient`](crate::ResourceProvider::transient) when an
//! operation fails and keeps trying, with jittered backoff, until the budget is spent. Everything
//! else a type says stays as its [`ErrorKind`](crate::ErrorKind) says.
//!
//! Budgets are scaled by [`time_scale`] (`ECO_TEST_TIME_SCALE`), so that tests can ride out
//! scripted minutes in seconds.

use std::time::Duration;

use crate::OpError;

/// An AWS error that a call may meet for a while and then stop meeting: retried by the engine
/// for up to `budget`, whatever its error kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Transient {
    /// The AWS operations it applies to (`PutBucket*`: a trailing `*` is a prefix; `*`: every
    /// operation of the type).
    pub operations: &'static [&'static str],
    /// The AWS error codes (any of them).
    pub codes: &'static [&'static str],
    /// A fragment the message must contain (case-insensitive), where AWS gives the code to
    /// other, final errors too; `None`: every message.
    pub message: Option<&'static str>,
    /// How long to keep trying (from the first failure), before [`time_scale`].
    pub budget: Duration,
    /// What AWS is still doing (for logs and the final error).
    pub why: &'static str,
}

impl Transient {
    /// Whether `error` is this rule's.
    pub fn matches(&self, error: &OpError) -> bool {
        let Some(code) = error.code.as_deref() else {
            return false;
        };
        self.codes.contains(&code)
            && self
                .operations
                .iter()
                .any(|op| operation_matches(op, &error.operation))
            && self.message.is_none_or(|fragment| {
                error
                    .message
                    .to_ascii_lowercase()
                    .contains(&fragment.to_ascii_lowercase())
            })
    }

    /// The budget as this process applies it ([`time_scale`]).
    pub fn scaled_budget(&self) -> Duration {
        scaled(self.budget)
    }
}

fn operation_matches(pattern: &str, operation: &str) -> bool {
    match pattern.strip_suffix('*') {
        Some(prefix) => operation.starts_with(prefix),
        None => pattern == operation,
    }
}

/// The first rule of `rules` that `error` matches.
pub fn find<'a>(rules: &'a [Transient], error: &OpError) -> Option<&'a Transient> {
    rules.iter().find(|r| r.matches(error))
}

/// The environment variable that scales every retry budget and wait limit (tests only): a
/// factor in (0, 1], e.g. `0.01` makes a 5 minute budget 3 s. Unset or unreadable: 1.
pub const TIME_SCALE_VAR: &str = "ECO_TEST_TIME_SCALE";

/// The factor of [`TIME_SCALE_VAR`] (1 when unset, not a number, or out of (0, 1]).
pub fn time_scale() -> f64 {
    static SCALE: std::sync::OnceLock<f64> = std::sync::OnceLock::new();
    *SCALE.get_or_init(|| {
        std::env::var(TIME_SCALE_VAR)
            .ok()
            .and_then(|v| v.trim().parse::<f64>().ok())
            .filter(|f| *f > 0.0 && *f <= 1.0)
            .unwrap_or(1.0)
    })
}

/// `duration` times [`time_scale`].
pub fn scaled(duration: Duration) -> Duration {
    duration.mul_f64(time_scale())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ErrorKind;

    const ROLE: Transient = Transient {
        operations: &["CreateFunction", "UpdateFunction*"],
        codes: &["InvalidParameterValueException"],
        message: Some("cannot be assumed by Lambda"),
        budget: Duration::from_secs(300),
        why: "IAM is propagating the new role",
    };

    fn error(op: &str, code: &str, message: &str) -> OpError {
        OpError::new(op, ErrorKind::Invalid, format!("{code}: {message}")).with_code(code)
    }

    #[test]
    fn a_rule_matches_its_operations_code_and_message_only() {
        let role = "The role defined for the function cannot be assumed by Lambda.";
        assert!(ROLE.matches(&error(
            "CreateFunction",
            "InvalidParameterValueException",
            role
        )));
        assert!(ROLE.matches(&error(
            "UpdateFunctionConfiguration",
            "InvalidParameterValueException",
            role
        )));
        // Another call, another code, another message, or no code at all: not this rule's.
        assert!(!ROLE.matches(&error(
            "DeleteFunction",
            "InvalidParameterValueException",
            role
        )));
        assert!(!ROLE.matches(&error("CreateFunction", "ResourceConflictException", role)));
        assert!(!ROLE.matches(&error(
            "CreateFunction",
            "InvalidParameterValueException",
            "Runtime nodejs8 is not supported"
        )));
        assert!(!ROLE.matches(&OpError::new("CreateFunction", ErrorKind::Invalid, role)));
        let any = Transient {
            operations: &["*"],
            ..ROLE
        };
        assert!(any.matches(&error(
            "DeleteFunction",
            "InvalidParameterValueException",
            role
        )));
        assert_eq!(
            find(
                &[any, ROLE],
                &error("X", "InvalidParameterValueException", role)
            ),
            Some(&any)
        );
    }
}
