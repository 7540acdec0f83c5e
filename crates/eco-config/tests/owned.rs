//! An attribute one resource manages for another (`Schema::owns`): set in both places, or
//! managed by two, is refused when the configuration loads.

use eco_config::{parse_sources, Config, LoadError, Sources};
use eco_schema::{Attribute, Owned, Registry, Schema};

fn registry() -> Registry {
    let mut r = Registry::new();
    r.register(
        Schema::new("bucket", "a bucket")
            .attr(Attribute::string("name"))
            .attr(Attribute::string("policy").json())
            .attr(Attribute::string("domain").computed()),
    );
    r.register(
        Schema::new("bucket-policy", "a bucket's policy")
            .attr(Attribute::string("bucket").required())
            .attr(Attribute::string("policy").json().required())
            .owns(Owned {
                by: "bucket",
                of_type: "bucket",
                key: "name",
                attribute: "policy",
            }),
    );
    r
}

fn load(text: &str) -> Result<Config, LoadError> {
    let mut sources = Sources::new();
    sources.add("main.kdl".to_string(), text.to_string());
    parse_sources(sources, &registry())
}

fn messages(text: &str) -> Vec<String> {
    match load(text) {
        Ok(_) => Vec::new(),
        Err(e) => e
            .diagnostics
            .0
            .iter()
            .map(|d| format!("{}: {}", d.code, d.message))
            .collect(),
    }
}

#[test]
fn a_separate_policy_for_a_bucket_without_one_loads() {
    let text = r#"
        bucket "site" { name "site-bucket" }
        bucket "logs" { name "logs-bucket"; policy "{}" }
        bucket-policy "site" { bucket "${bucket.site.name}"; policy "{}" }
    "#;
    assert_eq!(messages(text), Vec::<String>::new());
}

#[test]
fn a_policy_on_the_bucket_and_apart_is_refused_by_reference_or_by_name() {
    for by in ["${bucket.site.name}", "site-bucket"] {
        let text = format!(
            r#"
            bucket "site" {{ name "site-bucket"; policy "{{}}" }}
            bucket-policy "site" {{ bucket "{by}"; policy "{{}}" }}
            "#
        );
        let got = messages(&text);
        assert_eq!(
            got,
            ["eco::managed_twice: `bucket.site` sets `policy`, which `bucket-policy.site` manages"],
            "{by}"
        );
        let err = load(&text).unwrap_err();
        let help = err.diagnostics.0[0].help.clone().unwrap_or_default();
        assert!(
            help.contains("remove `policy` from `bucket.site`"),
            "{help}"
        );
    }
}

#[test]
fn two_policies_of_one_bucket_are_refused() {
    let text = r#"
        bucket "site" { name "site-bucket" }
        bucket-policy "a" { bucket "${bucket.site.name}"; policy "{}" }
        bucket-policy "b" { bucket "site-bucket"; policy "{}" }
        bucket-policy "c" { bucket "elsewhere"; policy "{}" }
        bucket-policy "d" { bucket "elsewhere"; policy "{}" }
    "#;
    assert_eq!(
        messages(text),
        [
            "eco::managed_twice: `bucket-policy.a` and `bucket-policy.b` both manage the `policy` of `bucket.site`",
            "eco::managed_twice: `bucket-policy.c` and `bucket-policy.d` both manage the `policy` of bucket `elsewhere`",
        ]
    );
}

#[test]
fn a_reference_to_another_attribute_is_not_checked() {
    // Known only at plan time: nothing to compare.
    let text = r#"
        bucket "site" { name "site-bucket"; policy "{}" }
        bucket-policy "site" { bucket "${bucket.site.domain}"; policy "{}" }
    "#;
    assert_eq!(messages(text), Vec::<String>::new());
}
