//! Tests of what `-generate` leaves out because another resource manages it
//! ([`eco_engine::managed`]), with eco's whole registry.

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use eco_config::Config;
    use eco_engine::managed::{managed_by_imported, managed_in_config};
    use eco_schema::{Registry, Value};

    fn registry() -> Registry {
        crate::commands::registry()
    }

    fn s(v: &str) -> Value {
        Value::String(v.into())
    }

    fn config(text: &str) -> Config {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("main.kdl"),
            format!("project \"p\"\n{text}"),
        )
        .unwrap();
        crate::commands::load(dir.path()).unwrap_or_else(|_| panic!("does not load:\n{text}"))
    }

    #[test]
    fn a_bucket_policy_in_the_configuration_takes_the_buckets_policy_out() {
        let registry = registry();
        let live = BTreeMap::from([
            ("name".to_string(), s("ecogy-site")),
            ("policy".to_string(), s("{}")),
        ]);
        let by_name = config(
            "s3-bucket-policy \"site\" {\n    bucket \"ecogy-site\"\n    policy \"{}\"\n}\n",
        );
        assert_eq!(
            managed_in_config(&by_name, &registry, "s3-bucket", &live),
            ["policy"]
        );
        let other = config(
            "s3-bucket-policy \"logs\" {\n    bucket \"ecogy-logs\"\n    policy \"{}\"\n}\n",
        );
        assert!(managed_in_config(&other, &registry, "s3-bucket", &live).is_empty());

        let policy_live = BTreeMap::from([("bucket".to_string(), s("ecogy-site"))]);
        assert_eq!(
            managed_by_imported(
                &registry,
                "s3-bucket",
                &live,
                [("s3-bucket-policy", &policy_live)]
            ),
            ["policy"]
        );
        let elsewhere = BTreeMap::from([("bucket".to_string(), s("ecogy-logs"))]);
        assert!(managed_by_imported(
            &registry,
            "s3-bucket",
            &live,
            [("s3-bucket-policy", &elsewhere)]
        )
        .is_empty());
    }
}
