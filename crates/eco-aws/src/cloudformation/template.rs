//! CloudFormation templates: JSON (what serverless.com writes) or YAML (with the short forms
//! `!Ref`, `!GetAtt`, `!Sub`, ...), read into one JSON value whose intrinsic functions are in
//! their long form (`{"Ref": ..}`, `{"Fn::GetAtt": [..]}`), the references between resources
//! they hold, and the template rewritten with every resource retained.

use serde_json::{Map, Value};

/// The two ways a template is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TemplateFormat {
    /// A JSON document (serverless.com, the CDK).
    Json,
    /// A YAML document.
    Yaml,
}

/// A template that could not be read or rewritten.
#[derive(Debug, thiserror::Error)]
pub enum TemplateError {
    #[error("the template is not valid JSON: {0}")]
    Json(#[from] serde_json::Error),
    #[error("the template is not valid YAML: {0}")]
    Yaml(#[from] serde_norway::Error),
    #[error("the template has no `Resources` map")]
    NoResources,
}

/// A stack's template: its text as it came, its format, and the document.
#[derive(Debug, Clone)]
pub struct Template {
    /// The text GetTemplate returned.
    pub body: String,
    /// JSON or YAML.
    pub format: TemplateFormat,
    /// The document, intrinsic functions in their long form.
    pub document: Value,
}

/// The retention policies `-retain-template` sets on every resource.
pub const RETAIN_POLICIES: [&str; 2] = ["DeletionPolicy", "UpdateReplacePolicy"];

impl Template {
    /// Reads a template's text: JSON when it starts with `{`, else YAML.
    pub fn parse(body: &str) -> Result<Template, TemplateError> {
        let (format, document) = if body.trim_start().starts_with('{') {
            (TemplateFormat::Json, serde_json::from_str(body)?)
        } else {
            let yaml: serde_norway::Value = serde_norway::from_str(body)?;
            (TemplateFormat::Yaml, yaml_to_json(yaml))
        };
        if !document.get("Resources").is_some_and(Value::is_object) {
            return Err(TemplateError::NoResources);
        }
        Ok(Template {
            body: body.to_string(),
            format,
            document,
        })
    }

    /// The template's resource `logical_id` (its `Type`, `Properties`, ...).
    pub fn resource(&self, logical_id: &str) -> Option<&Value> {
        self.document.get("Resources")?.get(logical_id)
    }

    /// The template's `Properties` of `logical_id` (`Null` when it has none).
    pub fn properties(&self, logical_id: &str) -> &Value {
        self.resource(logical_id)
            .and_then(|r| r.get("Properties"))
            .unwrap_or(&Value::Null)
    }

    /// The logical ids of the template's resources, in the template's order.
    pub fn logical_ids(&self) -> Vec<String> {
        match self.document.get("Resources") {
            Some(Value::Object(m)) => m.keys().cloned().collect(),
            _ => Vec::new(),
        }
    }

    /// The template in the format it came in, with `DeletionPolicy: Retain` and
    /// `UpdateReplacePolicy: Retain` on every resource (everything else as it was, in order), so
    /// that updating the stack with it and then deleting the stack leaves every resource alive.
    pub fn retained(&self) -> Result<String, TemplateError> {
        match self.format {
            TemplateFormat::Json => {
                let mut doc: Value = serde_json::from_str(&self.body)?;
                let Some(Value::Object(resources)) = doc.get_mut("Resources") else {
                    return Err(TemplateError::NoResources);
                };
                for resource in resources.values_mut() {
                    if let Value::Object(r) = resource {
                        for policy in RETAIN_POLICIES {
                            r.insert(policy.into(), Value::String("Retain".into()));
                        }
                    }
                }
                Ok(serde_json::to_string_pretty(&doc)? + "\n")
            }
            TemplateFormat::Yaml => {
                let mut doc: serde_norway::Value = serde_norway::from_str(&self.body)?;
                let Some(serde_norway::Value::Mapping(resources)) = doc.get_mut("Resources") else {
                    return Err(TemplateError::NoResources);
                };
                for (_, resource) in resources.iter_mut() {
                    if let serde_norway::Value::Mapping(r) = resource {
                        for policy in RETAIN_POLICIES {
                            r.insert(policy.into(), "Retain".into());
                        }
                    }
                }
                Ok(serde_norway::to_string(&doc)?)
            }
        }
    }
}

/// A YAML template as JSON, short-form intrinsic functions (`!Ref X`, `!GetAtt X.Attr`, `!Sub
/// ...`) written in their long form.
fn yaml_to_json(value: serde_norway::Value) -> Value {
    use serde_norway::Value as Y;
    match value {
        Y::Null => Value::Null,
        Y::Bool(b) => Value::Bool(b),
        Y::Number(n) => {
            if let Some(i) = n.as_i64() {
                Value::from(i)
            } else if let Some(u) = n.as_u64() {
                Value::from(u)
            } else {
                n.as_f64().map(Value::from).unwrap_or(Value::Null)
            }
        }
        Y::String(s) => Value::String(s),
        Y::Sequence(items) => Value::Array(items.into_iter().map(yaml_to_json).collect()),
        Y::Mapping(m) => {
            let mut out = Map::new();
            for (k, v) in m {
                let key = match k {
                    Y::String(s) => s,
                    other => serde_norway::to_string(&other)
                        .unwrap_or_default()
                        .trim()
                        .to_string(),
                };
                out.insert(key, yaml_to_json(v));
            }
            Value::Object(out)
        }
        Y::Tagged(tagged) => {
            let tag = tagged.tag.to_string();
            let tag = tag.trim_start_matches('!');
            let inner = yaml_to_json(tagged.value);
            let (name, inner) = match (tag, inner) {
                ("Ref", v) => ("Ref".to_string(), v),
                ("Condition", v) => ("Condition".to_string(), v),
                ("GetAtt", Value::String(s)) => {
                    let parts = match s.split_once('.') {
                        Some((res, attr)) => vec![Value::from(res), Value::from(attr)],
                        None => vec![Value::from(s)],
                    };
                    ("Fn::GetAtt".to_string(), Value::Array(parts))
                }
                (other, v) => (format!("Fn::{other}"), v),
            };
            let mut out = Map::new();
            out.insert(name, inner);
            Value::Object(out)
        }
    }
}

/// A reference an intrinsic function makes to another resource of the template: its logical
/// id, and the attribute (`Fn::GetAtt`, `${X.Attr}`), or `None` for a `Ref`.
pub type Reference = (String, Option<String>);

/// Every reference `value` makes (`Ref`, `Fn::GetAtt`, and the `${X}` / `${X.Attr}` of
/// `Fn::Sub`), in order, pseudo parameters (`AWS::Region`, ...) left out.
pub fn references(value: &Value) -> Vec<Reference> {
    let mut out = Vec::new();
    collect_references(value, &mut out);
    out
}

fn collect_references(value: &Value, out: &mut Vec<Reference>) {
    match value {
        Value::Object(m) => {
            if let (1, Some(Value::String(target))) = (m.len(), m.get("Ref")) {
                if !target.starts_with("AWS::") {
                    out.push((target.clone(), None));
                }
                return;
            }
            if let (1, Some(get_att)) = (m.len(), m.get("Fn::GetAtt")) {
                match get_att {
                    Value::Array(parts) => {
                        if let Some(Value::String(res)) = parts.first() {
                            let attr = parts.get(1).and_then(Value::as_str).map(str::to_string);
                            out.push((res.clone(), attr));
                        }
                    }
                    Value::String(s) => out.push(match s.split_once('.') {
                        Some((res, attr)) => (res.to_string(), Some(attr.to_string())),
                        None => (s.clone(), None),
                    }),
                    _ => {}
                }
                return;
            }
            if let (1, Some(sub)) = (m.len(), m.get("Fn::Sub")) {
                let (text, vars) = match sub {
                    Value::String(s) => (Some(s.as_str()), None),
                    Value::Array(parts) => (parts.first().and_then(Value::as_str), parts.get(1)),
                    _ => (None, None),
                };
                let named: Vec<&str> = vars
                    .and_then(Value::as_object)
                    .map(|v| v.keys().map(String::as_str).collect())
                    .unwrap_or_default();
                if let Some(text) = text {
                    out.extend(
                        sub_references(text)
                            .into_iter()
                            .filter(|(res, _)| !named.contains(&res.as_str())),
                    );
                }
                if let Some(vars) = vars {
                    collect_references(vars, out);
                }
                return;
            }
            for v in m.values() {
                collect_references(v, out);
            }
        }
        Value::Array(items) => items.iter().for_each(|v| collect_references(v, out)),
        _ => {}
    }
}

/// The `${X}` and `${X.Attr}` of an `Fn::Sub` string (`${!Literal}` and `${AWS::...}` left out).
fn sub_references(text: &str) -> Vec<Reference> {
    let mut out = Vec::new();
    let mut rest = text;
    while let Some(start) = rest.find("${") {
        let after = &rest[start + 2..];
        let Some(end) = after.find('}') else { break };
        let inner = after[..end].trim();
        if !inner.starts_with('!') && !inner.starts_with("AWS::") && !inner.is_empty() {
            out.push(match inner.split_once('.') {
                Some((res, attr)) => (res.to_string(), Some(attr.to_string())),
                None => (inner.to_string(), None),
            });
        }
        rest = &after[end + 1..];
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const YAML: &str = r#"
AWSTemplateFormatVersion: "2010-09-09"
Resources:
  Table:
    Type: AWS::DynamoDB::Table
    Properties:
      TableName: !Sub "${AWS::StackName}-users"
  Fn:
    Type: AWS::Lambda::Function
    Properties:
      Role: !GetAtt Role.Arn
      Environment:
        Variables:
          TABLE: !Ref Table
          URL: !Sub "https://${Api}.execute-api.${AWS::Region}.amazonaws.com/${!stage}"
  Role:
    Type: AWS::IAM::Role
"#;

    #[test]
    fn yaml_short_forms_read_as_their_long_forms() {
        let t = Template::parse(YAML).unwrap();
        assert_eq!(t.format, TemplateFormat::Yaml);
        let props = t.properties("Fn");
        assert_eq!(
            props["Role"],
            serde_json::json!({"Fn::GetAtt": ["Role", "Arn"]})
        );
        assert_eq!(
            props["Environment"]["Variables"]["TABLE"],
            serde_json::json!({"Ref": "Table"})
        );
        assert_eq!(
            references(props),
            vec![
                ("Role".to_string(), Some("Arn".to_string())),
                ("Table".to_string(), None),
                ("Api".to_string(), None),
            ]
        );
        assert_eq!(t.logical_ids(), vec!["Table", "Fn", "Role"]);
        // `${AWS::StackName}` is a pseudo parameter, not a resource.
        assert!(references(t.properties("Table")).is_empty());
    }

    #[test]
    fn references_in_json_get_att_strings_and_sub_variables() {
        let v = serde_json::json!({
            "A": {"Fn::GetAtt": "Api.RootResourceId"},
            "B": {"Fn::Sub": ["${Named}-${Fn}", {"Named": {"Ref": "Bucket"}}]},
            "C": {"Fn::Join": ["", ["arn:", {"Ref": "AWS::Region"}, {"Fn::GetAtt": ["Fn", "Arn"]}]]}
        });
        assert_eq!(
            references(&v),
            vec![
                ("Api".to_string(), Some("RootResourceId".to_string())),
                ("Fn".to_string(), None),
                ("Bucket".to_string(), None),
                ("Fn".to_string(), Some("Arn".to_string())),
            ]
        );
    }

    #[test]
    fn retained_json_keeps_everything_else_in_order() {
        let body = r#"{"AWSTemplateFormatVersion":"2010-09-09","Resources":{"B":{"Type":"AWS::S3::Bucket","DeletionPolicy":"Delete"},"Q":{"Type":"AWS::SQS::Queue","Properties":{"QueueName":"q"}}},"Outputs":{"O":{"Value":{"Ref":"B"}}}}"#;
        let t = Template::parse(body).unwrap();
        let out = t.retained().unwrap();
        let doc: Value = serde_json::from_str(&out).unwrap();
        for r in ["B", "Q"] {
            assert_eq!(doc["Resources"][r]["DeletionPolicy"], "Retain", "{out}");
            assert_eq!(
                doc["Resources"][r]["UpdateReplacePolicy"], "Retain",
                "{out}"
            );
        }
        assert_eq!(doc["Resources"]["Q"]["Properties"]["QueueName"], "q");
        assert_eq!(doc["Outputs"]["O"]["Value"]["Ref"], "B");
        let keys: Vec<_> = doc.as_object().unwrap().keys().cloned().collect();
        assert_eq!(keys, ["AWSTemplateFormatVersion", "Resources", "Outputs"]);
    }

    #[test]
    fn retained_yaml_stays_yaml_with_its_short_forms() {
        let t = Template::parse(YAML).unwrap();
        let out = t.retained().unwrap();
        assert!(out.contains("!GetAtt Role.Arn"), "{out}");
        assert!(out.contains("!Ref Table"), "{out}");
        let again = Template::parse(&out).unwrap();
        assert_eq!(again.format, TemplateFormat::Yaml);
        for r in ["Table", "Fn", "Role"] {
            let res = again.resource(r).unwrap();
            assert_eq!(res["DeletionPolicy"], "Retain");
            assert_eq!(res["UpdateReplacePolicy"], "Retain");
        }
    }

    #[test]
    fn a_template_without_resources_is_an_error() {
        let e = Template::parse(r#"{"Outputs":{}}"#).unwrap_err();
        assert!(e.to_string().contains("no `Resources`"), "{e}");
        assert!(Template::parse("Resources: [").is_err());
    }
}
