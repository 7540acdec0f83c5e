//! The values eco works with: configuration after evaluation, attributes read from AWS, state.

use std::collections::BTreeMap;
use std::fmt;

/// A value of a resource attribute, output or variable.
///
/// `Unknown` is a value that is not known until apply (an ARN of a resource not yet created);
/// it is never confused with an empty string.
#[derive(Debug, Clone, PartialEq, Default)]
pub enum Value {
    #[default]
    Null,
    Bool(bool),
    Int(i64),
    Float(f64),
    String(String),
    List(Vec<Value>),
    Map(BTreeMap<String, Value>),
    /// Known only after apply.
    Unknown,
}

impl Value {
    /// Whether this value, or anything inside it, is unknown.
    pub fn contains_unknown(&self) -> bool {
        match self {
            Value::Unknown => true,
            Value::List(items) => items.iter().any(Value::contains_unknown),
            Value::Map(m) => m.values().any(Value::contains_unknown),
            _ => false,
        }
    }

    /// The string inside, if this is a string.
    pub fn as_str(&self) -> Option<&str> {
        match self {
            Value::String(s) => Some(s),
            _ => None,
        }
    }

    /// The text a value contributes when interpolated into a string; `None` for unknown,
    /// lists and maps.
    pub fn interpolated(&self) -> Option<String> {
        match self {
            Value::Null => Some(String::new()),
            Value::Bool(b) => Some(b.to_string()),
            Value::Int(i) => Some(i.to_string()),
            Value::Float(f) => Some(f.to_string()),
            Value::String(s) => Some(s.clone()),
            Value::List(_) | Value::Map(_) | Value::Unknown => None,
        }
    }

    /// Converts to JSON (unknown becomes null; callers that care check `contains_unknown` first).
    pub fn to_json(&self) -> serde_json::Value {
        match self {
            Value::Null | Value::Unknown => serde_json::Value::Null,
            Value::Bool(b) => (*b).into(),
            Value::Int(i) => (*i).into(),
            Value::Float(f) => serde_json::Number::from_f64(*f)
                .map(serde_json::Value::Number)
                .unwrap_or(serde_json::Value::Null),
            Value::String(s) => s.clone().into(),
            Value::List(items) => items.iter().map(Value::to_json).collect(),
            Value::Map(m) => m
                .iter()
                .map(|(k, v)| (k.clone(), v.to_json()))
                .collect::<serde_json::Map<_, _>>()
                .into(),
        }
    }

    /// Converts from JSON.
    pub fn from_json(json: &serde_json::Value) -> Value {
        match json {
            serde_json::Value::Null => Value::Null,
            serde_json::Value::Bool(b) => Value::Bool(*b),
            serde_json::Value::Number(n) => match n.as_i64() {
                Some(i) => Value::Int(i),
                None => Value::Float(n.as_f64().unwrap_or_default()),
            },
            serde_json::Value::String(s) => Value::String(s.clone()),
            serde_json::Value::Array(items) => {
                Value::List(items.iter().map(Value::from_json).collect())
            }
            serde_json::Value::Object(m) => Value::Map(
                m.iter()
                    .map(|(k, v)| (k.clone(), Value::from_json(v)))
                    .collect(),
            ),
        }
    }
}

impl fmt::Display for Value {
    /// Renders the value as the plan shows it.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Value::Null => write!(f, "null"),
            Value::Bool(b) => write!(f, "{b}"),
            Value::Int(i) => write!(f, "{i}"),
            Value::Float(x) => write!(f, "{x}"),
            Value::String(s) => write!(f, "{s:?}"),
            Value::Unknown => write!(f, "(known after apply)"),
            Value::List(items) => {
                write!(f, "[")?;
                for (i, item) in items.iter().enumerate() {
                    if i > 0 {
                        write!(f, ", ")?;
                    }
                    write!(f, "{item}")?;
                }
                write!(f, "]")
            }
            Value::Map(m) => {
                write!(f, "{{")?;
                for (i, (k, v)) in m.iter().enumerate() {
                    if i > 0 {
                        write!(f, ", ")?;
                    }
                    write!(f, "{k}={v}")?;
                }
                write!(f, "}}")
            }
        }
    }
}

impl From<&str> for Value {
    fn from(s: &str) -> Self {
        Value::String(s.to_string())
    }
}

impl From<String> for Value {
    fn from(s: String) -> Self {
        Value::String(s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_round_trip() {
        let v = Value::Map(BTreeMap::from([
            ("a".to_string(), Value::Int(1)),
            (
                "b".to_string(),
                Value::List(vec![Value::Bool(true), "x".into()]),
            ),
        ]));
        assert_eq!(Value::from_json(&v.to_json()), v);
    }

    #[test]
    fn unknown_is_detected_deep_inside() {
        let v = Value::List(vec![Value::Map(BTreeMap::from([(
            "k".to_string(),
            Value::Unknown,
        )]))]);
        assert!(v.contains_unknown());
        assert_eq!(Value::Unknown.to_string(), "(known after apply)");
    }
}

/// The JSON key that marks an unknown value in saved plans and `-json` output.
pub const UNKNOWN_MARKER: &str = "$unknown";

impl Value {
    /// JSON that keeps unknowns (as `{"$unknown": true}`), for saved plans and `-json`.
    pub fn to_json_with_unknowns(&self) -> serde_json::Value {
        match self {
            Value::Unknown => serde_json::json!({ UNKNOWN_MARKER: true }),
            Value::List(items) => items.iter().map(Value::to_json_with_unknowns).collect(),
            Value::Map(m) => m
                .iter()
                .map(|(k, v)| (k.clone(), v.to_json_with_unknowns()))
                .collect::<serde_json::Map<_, _>>()
                .into(),
            other => other.to_json(),
        }
    }

    /// The inverse of [`Value::to_json_with_unknowns`].
    pub fn from_json_with_unknowns(json: &serde_json::Value) -> Value {
        match json {
            serde_json::Value::Object(m)
                if m.len() == 1
                    && m.get(UNKNOWN_MARKER) == Some(&serde_json::Value::Bool(true)) =>
            {
                Value::Unknown
            }
            serde_json::Value::Array(items) => {
                Value::List(items.iter().map(Value::from_json_with_unknowns).collect())
            }
            serde_json::Value::Object(m) => Value::Map(
                m.iter()
                    .map(|(k, v)| (k.clone(), Value::from_json_with_unknowns(v)))
                    .collect(),
            ),
            other => Value::from_json(other),
        }
    }
}

impl serde::Serialize for Value {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.to_json_with_unknowns().serialize(serializer)
    }
}

impl<'de> serde::Deserialize<'de> for Value {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let json = serde_json::Value::deserialize(deserializer)?;
        Ok(Value::from_json_with_unknowns(&json))
    }
}

#[cfg(test)]
mod unknown_tests {
    use super::*;

    #[test]
    fn unknowns_survive_serialization() {
        let v = Value::Map(BTreeMap::from([
            ("arn".to_string(), Value::Unknown),
            ("name".to_string(), "x".into()),
        ]));
        let text = serde_json::to_string(&v).unwrap();
        assert_eq!(text, r#"{"arn":{"$unknown":true},"name":"x"}"#);
        assert_eq!(serde_json::from_str::<Value>(&text).unwrap(), v);
    }
}
