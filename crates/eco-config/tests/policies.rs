//! IAM policy documents written as KDL: compiled to JSON, references kept, mistakes reported.

use eco_config::{parse_sources, Address, Config, LoadError, Resolver, Sources};
use eco_schema::{Attribute, Registry, Schema, Value};

fn registry() -> Registry {
    let mut r = Registry::new();
    r.register(
        Schema::new("role", "a role")
            .attr(Attribute::string("name"))
            .attr(Attribute::string("assume-policy").json())
            .attr(Attribute::repeated_block(
                "inline-policy",
                "name",
                vec![
                    Attribute::string("name").required(),
                    Attribute::string("document").json().required(),
                ],
            )),
    );
    r.register(
        Schema::new("table", "a table")
            .attr(Attribute::string("name"))
            .attr(Attribute::string("arn").computed()),
    );
    r
}

fn load(text: &str) -> Result<Config, LoadError> {
    let mut sources = Sources::new();
    sources.add("main.kdl".to_string(), text.to_string());
    parse_sources(sources, &registry())
}

struct R(bool);
impl Resolver for R {
    fn stage(&self) -> &str {
        "dev"
    }
    fn var(&self, _: &str) -> Option<Value> {
        None
    }
    fn attribute(&self, _: &Address, _: &[String]) -> Value {
        if self.0 {
            Value::String("arn:aws:dynamodb:eu-west-1:1:table/t".into())
        } else {
            Value::Unknown
        }
    }
    fn aws(&self, name: &str) -> Value {
        match name {
            "account-id" => Value::String("123456789012".into()),
            _ => Value::String("eu-west-1".into()),
        }
    }
}

const ROLE: &str = r#"
local "table-arn" value="${table.t.arn}"
table "t" { name "t"; }
role "fn" {
    name "fn"
    assume-policy {
        statement effect="Allow" {
            principal service="lambda.amazonaws.com"
            action "sts:AssumeRole"
            condition "StringEquals" "aws:SourceAccount" "${aws.account-id}"
        }
    }
    inline-policy "data" {
        policy {
            statement "Read" effect="Allow" {
                action "dynamodb:GetItem" "dynamodb:Query"
                resource "${local.table-arn}" "arn:aws:dynamodb:${aws.region}:${aws.account-id}:table/x"
            }
            statement effect="Deny" {
                not-action "dynamodb:*"
                resource "*"
            }
        }
    }
}
"#;

fn json(v: Value) -> serde_json::Value {
    match v {
        Value::String(s) => serde_json::from_str(&s).unwrap(),
        other => panic!("not a string: {other:?}"),
    }
}

#[test]
fn kdl_policies_compile_to_iam_json() {
    let config = load(ROLE).unwrap_or_else(|e| panic!("{e}"));
    let role = config.resource(&Address::new("role", "fn")).unwrap();
    let trust = json(
        role.attributes["assume-policy"]
            .expr
            .eval(&R(true))
            .unwrap(),
    );
    assert_eq!(
        trust,
        serde_json::json!({"Version": "2012-10-17", "Statement": [{
            "Effect": "Allow",
            "Principal": {"Service": ["lambda.amazonaws.com"]},
            "Action": ["sts:AssumeRole"],
            "Condition": {"StringEquals": {"aws:SourceAccount": ["123456789012"]}}
        }]})
    );
    let Value::List(inline) = role.attributes["inline-policy"]
        .expr
        .eval(&R(true))
        .unwrap()
    else {
        panic!("inline-policy is a list");
    };
    let Value::Map(data) = &inline[0] else {
        panic!()
    };
    let doc = json(data["document"].clone());
    assert_eq!(
        doc,
        serde_json::json!({"Version": "2012-10-17", "Statement": [
            {"Sid": "Read", "Effect": "Allow",
             "Action": ["dynamodb:GetItem", "dynamodb:Query"],
             "Resource": ["arn:aws:dynamodb:eu-west-1:1:table/t",
                          "arn:aws:dynamodb:eu-west-1:123456789012:table/x"]},
            {"Effect": "Deny", "NotAction": ["dynamodb:*"], "Resource": ["*"]}
        ]})
    );
    // Unknown before the table exists, and a graph edge to it (through the local).
    assert_eq!(
        role.attributes["inline-policy"]
            .expr
            .eval(&R(false))
            .unwrap(),
        Value::List(vec![Value::Map(
            [
                ("name".to_string(), Value::String("data".into())),
                ("document".to_string(), Value::Unknown)
            ]
            .into()
        )])
    );
    assert!(role
        .references()
        .iter()
        .any(|r| r.target.to_string() == "table.t.arn"));
}

#[test]
fn policy_mistakes_are_diagnostics() {
    let bad = |body: &str| {
        let text = format!("role \"r\" {{\n    assume-policy {{\n{body}\n    }}\n}}\n");
        let e = load(&text).expect_err("should fail");
        e.diagnostics
            .0
            .iter()
            .map(|d| d.to_plain(&e.sources))
            .collect::<Vec<_>>()
            .join("\n")
    };
    let e = bad("        statement { action \"s3:*\"; }");
    assert!(
        e.contains("main.kdl:3:9") && e.contains("needs effect="),
        "{e}"
    );
    let e = bad("        statement effect=\"Alow\" { action \"s3:*\"; }");
    assert!(e.contains("`effect` is \"Allow\" or \"Deny\""), "{e}");
    let e = bad("        statement effect=\"Allow\" { actions \"s3:*\"; }");
    assert!(e.contains("not `actions`"), "{e}");
    let e = bad("        statment effect=\"Allow\" { action \"s3:*\"; }");
    assert!(e.contains("not `statment`"), "{e}");
    let e = bad("        statement effect=\"Allow\" { principal team=\"x\"; }");
    assert!(e.contains("not `team=`"), "{e}");
}
