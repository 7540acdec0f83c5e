//! Locals, functions and operators inside `${...}`: parsing, checking and evaluation.

use std::collections::BTreeMap;

use eco_config::{parse_sources, Address, Config, LoadError, Resolver, Sources};
use eco_schema::{Attribute, Registry, ScalarType, Schema, Value};

fn registry() -> Registry {
    let mut r = Registry::new();
    r.register(
        Schema::new("thing", "a test type")
            .attr(Attribute::string("name"))
            .attr(Attribute::int("memory"))
            .attr(Attribute::bool("enabled"))
            .attr(Attribute::list("items", ScalarType::String))
            .attr(Attribute::map("tags", ScalarType::String))
            .attr(Attribute::string("arn").computed()),
    );
    r
}

fn load(text: &str) -> Result<Config, LoadError> {
    let mut sources = Sources::new();
    sources.add("main.kdl".to_string(), text.to_string());
    parse_sources(sources, &registry())
}

fn errors(text: &str) -> Vec<String> {
    let e = load(text).expect_err("should not load");
    e.diagnostics
        .0
        .iter()
        .map(|d| d.to_plain(&e.sources))
        .collect()
}

/// Stage `dev`, `var.env`, and `thing.known.arn` (and any instance keyed `known`) known;
/// everything else unknown.
struct R;
impl Resolver for R {
    fn stage(&self) -> &str {
        "dev"
    }
    fn var(&self, name: &str) -> Option<Value> {
        match name {
            "env" => Some(Value::String("prod".into())),
            "size" => Some(Value::Int(3)),
            _ => None,
        }
    }
    fn attribute(&self, address: &Address, _path: &[String]) -> Value {
        if address.name == "known" || address.key.as_deref() == Some("known") {
            Value::String("arn:known".into())
        } else {
            Value::Unknown
        }
    }
    fn aws(&self, name: &str) -> Value {
        match name {
            "account-id" => Value::String("123456789012".into()),
            "region" => Value::String("eu-west-1".into()),
            _ => Value::String("aws".into()),
        }
    }
}

fn attr(config: &Config, name: &str, attribute: &str) -> Value {
    config
        .resource(&Address::new("thing", name))
        .unwrap()
        .attributes[attribute]
        .expr
        .eval(&R)
        .unwrap()
}

fn s(v: &str) -> Value {
    Value::String(v.into())
}

#[test]
fn locals_functions_and_conditionals_evaluate() {
    let config = load(
        r##"
var "env" default="dev"
var "size" default=1
local "prefix" value="Expr-Dev"
local "full" value="${lower(local.prefix)}-${stage}"
local "tags" { team "core"; env "${var.env}"; }
local "names" { - "a"; - "b"; }
thing "known" { name "k"; }
thing "t" {
    name #"${upper(replace(local.full, "-", "_"))}"#
    memory #"${var.env == "prod" ? 512 : 128}"#
    enabled "${var.size > 2 && !(var.env != \"prod\")}"
    items "${concat(local.names, [\"c\"])}"
    tags team=#"${lookup(merge(local.tags, local.tags), "team")}"#
}
thing "u" {
    name #"${format("%s-%d-%s", local.prefix, var.size, join(",", keys(local.tags)))}"#
    memory "${length(local.names)}"
    items #"${split("/", "x/y/z")}"#
}
thing "w" {
    name #"${lookup(local.tags, "missing", "fallback")}:${substr("abcdef", 1, 3)}:${title("hello world")}"#
    enabled #"${contains(local.names, "b")}"#
}
thing "x" { name "arn:aws:s3:${aws.region}:${aws.account-id}:${aws.partition}"; }
"##,
    )
    .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(attr(&config, "t", "name"), s("EXPR_DEV_DEV"));
    assert_eq!(attr(&config, "t", "memory"), Value::Int(512));
    assert_eq!(attr(&config, "t", "enabled"), Value::Bool(true));
    assert_eq!(
        attr(&config, "t", "items"),
        Value::List(vec![s("a"), s("b"), s("c")])
    );
    assert_eq!(
        attr(&config, "t", "tags"),
        Value::Map(BTreeMap::from([("team".to_string(), s("core"))]))
    );
    assert_eq!(attr(&config, "u", "name"), s("Expr-Dev-3-env,team"));
    assert_eq!(attr(&config, "u", "memory"), Value::Int(2));
    assert_eq!(
        attr(&config, "u", "items"),
        Value::List(vec![s("x"), s("y"), s("z")])
    );
    assert_eq!(attr(&config, "w", "name"), s("fallback:bcd:Hello World"));
    assert_eq!(attr(&config, "w", "enabled"), Value::Bool(true));
    assert_eq!(
        attr(&config, "x", "name"),
        s("arn:aws:s3:eu-west-1:123456789012:aws")
    );
}

#[test]
fn unknown_values_flow_through_functions_and_references_make_edges() {
    let config = load(
        r##"
local "arn" value="${thing.later.arn}"
thing "later" { name "l"; }
thing "known" { name "k"; }
thing "t" {
    name #"${lower(local.arn)}-x"#
    enabled #"${local.arn == "y" ? true : false}"#
    items #"${[upper(thing.known.arn), "b"]}"#
}
"##,
    )
    .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(attr(&config, "t", "name"), Value::Unknown);
    assert_eq!(attr(&config, "t", "enabled"), Value::Unknown);
    assert_eq!(
        attr(&config, "t", "items"),
        Value::List(vec![s("ARN:KNOWN"), s("b")])
    );
    let t = config.resource(&Address::new("thing", "t")).unwrap();
    let referenced: Vec<String> = t
        .references()
        .iter()
        .map(|r| r.target.to_string())
        .collect();
    assert!(
        referenced.contains(&"thing.later.arn".to_string()),
        "{referenced:?}"
    );
    assert!(
        referenced.contains(&"thing.known.arn".to_string()),
        "{referenced:?}"
    );
}

#[test]
fn function_mistakes_are_diagnostics_with_locations() {
    let e = errors("thing \"t\" { name \"${lowr(\\\"A\\\")}\"; }\n");
    assert_eq!(e.len(), 1, "{e:?}");
    assert!(e[0].starts_with("main.kdl:1:"), "{e:?}");
    assert!(e[0].contains("unknown function `lowr`"), "{e:?}");
    assert!(e[0].contains("did you mean `lower`?"), "{e:?}");

    let e = errors("thing \"t\" {\n    name #\"${keys(\"x\")}\"#\n}\n");
    assert!(e[0].starts_with("main.kdl:2:19"), "{e:?}");
    assert!(
        e[0].contains("argument 1 of `keys` must be a map, found a string"),
        "{e:?}"
    );

    let e = errors("thing \"t\" { name #\"${replace(\"a\")}\"#; }\n");
    assert!(
        e[0].contains("`replace` takes 3 arguments, found 1"),
        "{e:?}"
    );

    let e = errors("thing \"t\" { name #\"${lower(\"a\"}\"#; }\n");
    assert!(e[0].contains("cannot read the expression"), "{e:?}");

    let e = errors("local \"a\" value=\"${local.b}\"\nlocal \"b\" value=\"${local.a}\"\nthing \"t\" { name \"${local.a}\"; }\n");
    assert!(e.iter().any(|d| d.contains("cycle")), "{e:?}");

    let e = errors("local \"prefix\" value=\"x\"\nthing \"t\" { name \"${local.prefx}\"; }\n");
    assert!(
        e[0].contains("unknown local `local.prefx`")
            && e[0].contains("did you mean `local.prefix`?"),
        "{e:?}"
    );

    let e = errors("thing \"t\" { name \"${aws.acount-id}\"; }\n");
    assert!(e[0].contains("aws.account-id"), "{e:?}");
}

#[test]
fn runtime_type_errors_name_the_argument() {
    let config =
        load("var \"n\" default=\"x\"\nthing \"t\" { name \"${keys(var.n)}\"; }\n").unwrap();
    struct V;
    impl Resolver for V {
        fn stage(&self) -> &str {
            "dev"
        }
        fn var(&self, _: &str) -> Option<Value> {
            Some(s("x"))
        }
        fn attribute(&self, _: &Address, _: &[String]) -> Value {
            Value::Unknown
        }
    }
    let d = config.resources[0].attributes["name"]
        .expr
        .eval(&V)
        .unwrap_err();
    assert!(
        d.message.contains("argument 1 of `keys` must be a map"),
        "{d:?}"
    );
    assert_eq!(
        d.location(&config.sources).as_deref(),
        Some("main.kdl:2:26")
    );
}

#[test]
fn file_functions_read_relative_to_the_configuration() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("greeting.txt"), "hello").unwrap();
    std::fs::write(dir.path().join("page.tpl"), "<h1>${title}</h1>").unwrap();
    std::fs::write(
        dir.path().join("main.kdl"),
        r##"
thing "t" { name #"${file("greeting.txt")}|${file-md5("greeting.txt")}|${file-sha256("greeting.txt")}"#; }
thing "u" { name #"${template-file("page.tpl", local.vars)}"#; }
local "vars" { title "Hi"; }
thing "v" { name #"${base64-encode("hi")}/${url-encode("a b&c")}/${json-encode(local.vars)}/${md5("")}"#; }
thing "w" { name #"${file("missing.txt")}"#; }
"##,
    )
    .unwrap();
    let config = eco_config::load_dir(dir.path(), &registry()).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        attr(&config, "t", "name"),
        s("hello|5d41402abc4b2a76b9719d911017c592|2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824")
    );
    assert_eq!(attr(&config, "u", "name"), s("<h1>Hi</h1>"));
    assert_eq!(
        attr(&config, "v", "name"),
        s("aGk=/a%20b%26c/{\"title\":\"Hi\"}/d41d8cd98f00b204e9800998ecf8427e")
    );
    let missing = config
        .resource(&Address::new("thing", "w"))
        .unwrap()
        .attributes["name"]
        .expr
        .eval(&R)
        .unwrap_err();
    assert!(missing.message.contains("cannot read"), "{missing:?}");
}

#[test]
fn plain_references_read_as_before() {
    let config = load("var \"size\" default=1\nthing \"t\" { memory \"${var.size}\"; name \"a-${stage}-$${x}\"; }\n")
        .unwrap();
    assert_eq!(attr(&config, "t", "memory"), Value::Int(3));
    assert_eq!(attr(&config, "t", "name"), s("a-dev-${x}"));
}

#[test]
fn docs_list_every_function() {
    let docs = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/language.md"),
    )
    .unwrap();
    let table = eco_config::functions::docs_table();
    for row in table.lines().skip(2) {
        assert!(
            docs.contains(row),
            "docs/language.md lacks the row (or it differs):\n{row}"
        );
    }
}

#[test]
fn keys_of_structured_locals() {
    let config = load(
        r##"
local "tags" { team "core"; nested { deep "x"; }; }
local "names" { - "a"; - "b"; }
thing "t" {
    name "${local.tags.team}-${local.names.1}-${upper(local.tags.nested.deep)}"
}
"##,
    )
    .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(attr(&config, "t", "name"), s("core-b-X"));
    let e =
        errors("local \"tags\" { team \"core\"; }\nthing \"t\" { name \"${local.tags.tem}\"; }\n");
    assert!(
        e[0].contains("local `tags` has nothing at `local.tags.tem`"),
        "{e:?}"
    );
}

#[test]
fn instance_references_with_keys_work_inside_function_calls() {
    let config = load(
        r##"
var "names" {
    - "a"
    - "known"
}
thing "many" {
    for-each "${var.names}"
    name "m-${each.key}"
}
thing "t" {
    name #"${upper(thing.many["a"].arn)}"#
    items #"${[lower(thing.many["known"].arn), "b"]}"#
    enabled #"${thing.many["a"].name == "x" ? true : false}"#
}
"##,
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let stage = config.select_stage(None, &[]).unwrap();
    let config = config.for_stage(&stage).unwrap_or_else(|d| panic!("{d:?}"));
    let t = config.resource(&Address::new("thing", "t")).unwrap();
    let referenced: Vec<String> = t
        .references()
        .iter()
        .map(|r| r.target.to_string())
        .collect();
    assert!(
        referenced.contains(&"thing.many[\"a\"].arn".to_string()),
        "{referenced:?}"
    );
    // The resolver knows instances named `known`: their value flows through the call.
    assert_eq!(
        attr(&config, "t", "items"),
        Value::List(vec![s("arn:known"), s("b")])
    );
    assert_eq!(attr(&config, "t", "name"), Value::Unknown);
    // A key the stage does not have is reported, as outside a call.
    let config = load(
        r##"
var "names" {
    - "a"
}
thing "many" {
    for-each "${var.names}"
    name "m-${each.key}"
}
thing "t" {
    name #"${upper(thing.many["b"].arn)}"#
}
"##,
    )
    .unwrap();
    let stage = config.select_stage(None, &[]).unwrap();
    let err = config.for_stage(&stage).unwrap_err();
    let text: Vec<String> = err.0.iter().map(|d| d.to_plain(&config.sources)).collect();
    assert!(
        text.join("\n")
            .contains("unknown instance `thing.many[\"b\"]`"),
        "{text:?}"
    );
}
