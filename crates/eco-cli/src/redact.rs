//! The last line of defence for secrets: every text eco prints (through `ui`) and every log
//! line (through the tracing writer) has the values of sensitive variables replaced by
//! `(sensitive value)`, wherever they ended up (an AWS error that echoes a parameter, a debug
//! log of a request). The planner already hides what it knows to be sensitive; this catches
//! what it cannot know about.

use std::borrow::Cow;
use std::io::Write;
use std::sync::{Mutex, PoisonError};

use eco_config::{Config, StageContext};
use eco_schema::Value;

/// What a secret is replaced with.
pub const MASK: &str = "(sensitive value)";

/// Values shorter than this are not masked: they would hide common text (`1`, `on`, `dev`).
const SHORTEST: usize = 4;

static SECRETS: Mutex<Vec<String>> = Mutex::new(Vec::new());

/// From now on, masks `secret` wherever it is printed.
pub fn learn(secret: &str) {
    if secret.len() < SHORTEST {
        return;
    }
    let mut all = SECRETS.lock().unwrap_or_else(PoisonError::into_inner);
    if !all.iter().any(|s| s == secret) {
        all.push(secret.to_string());
        // Longest first, so a secret that contains another is masked whole.
        all.sort_by_key(|s| std::cmp::Reverse(s.len()));
    }
}

/// Masks the values of the variables `config` declares sensitive, as `stage` resolved them.
pub fn learn_sensitive_vars(config: &Config, stage: &StageContext) {
    for decl in config.vars.iter().filter(|v| v.sensitive) {
        if let Some(value) = stage.vars.get(&decl.name) {
            learn_value(value);
        }
    }
}

/// Masks what lookups found in attributes their types mark sensitive (an SSM SecureString's
/// value), as read into `stage`.
pub fn learn_sensitive_lookups(
    config: &Config,
    stage: &StageContext,
    registry: &eco_schema::Registry,
) {
    for l in &config.lookups {
        let (Some(found), Some(schema)) = (
            stage.lookups.get(&format!("{}.{}", l.type_name, l.name)),
            registry.get(&l.type_name),
        ) else {
            continue;
        };
        for attr in schema.attributes.iter().filter(|a| a.sensitive) {
            if let Some(value) = found.get(attr.name) {
                learn_value(value);
            }
        }
    }
}

/// The strings in a sensitive value. Numbers and booleans are not masked on their own: `true`
/// or `3600` would hide the same text everywhere else.
fn learn_value(value: &Value) {
    match value {
        Value::List(items) => items.iter().for_each(learn_value),
        Value::Map(entries) => entries.values().for_each(learn_value),
        Value::String(s) => learn(s),
        _ => {}
    }
}

/// `text` with every known secret masked.
pub fn redact(text: &str) -> Cow<'_, str> {
    let all = SECRETS.lock().unwrap_or_else(PoisonError::into_inner);
    if !all.iter().any(|s| text.contains(s.as_str())) {
        return Cow::Borrowed(text);
    }
    let mut out = text.to_string();
    for secret in all.iter() {
        out = out.replace(secret.as_str(), MASK);
    }
    Cow::Owned(out)
}

/// A log writer for `tracing`: collects one event and writes it to stderr masked.
#[derive(Default)]
pub struct RedactingStderr {
    buffer: Vec<u8>,
}

impl Write for RedactingStderr {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.buffer.extend_from_slice(bytes);
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        if !self.buffer.is_empty() {
            let text = String::from_utf8_lossy(&self.buffer).into_owned();
            std::io::stderr().write_all(redact(&text).as_bytes())?;
            self.buffer.clear();
        }
        Ok(())
    }
}

impl Drop for RedactingStderr {
    fn drop(&mut self) {
        let _ = self.flush();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_secrets_are_masked_longest_first_and_short_values_are_not() {
        learn("hunter2-token");
        learn("hunter2");
        learn("on");
        assert_eq!(
            redact("AWS said: bad value hunter2-token (and hunter2), turn it on"),
            "AWS said: bad value (sensitive value) (and (sensitive value)), turn it on"
        );
        assert!(matches!(redact("nothing here"), Cow::Borrowed(_)));
    }
}
