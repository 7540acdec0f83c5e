use super::*;
use crate::attrs::{s, str_list_value};

fn write(dir: &Path, rel: &str, text: &str) {
    let p = dir.join(rel);
    std::fs::create_dir_all(p.parent().unwrap()).unwrap();
    std::fs::write(p, text).unwrap();
}

fn touch_all(dir: &Path, secs: u64) {
    let t = std::time::SystemTime::UNIX_EPOCH + Duration::from_secs(secs);
    for entry in std::fs::read_dir(dir).unwrap() {
        let p = entry.unwrap().path();
        if p.is_dir() {
            touch_all(&p, secs);
        } else {
            let f = std::fs::File::options().write(true).open(&p).unwrap();
            f.set_modified(t).unwrap();
        }
    }
}

#[test]
fn packaging_is_reproducible_whatever_the_mtimes() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "index.js", "exports.handler = async () => 1;\n");
    write(dir.path(), "lib/b.js", "module.exports = 2;\n");
    write(dir.path(), "lib/a.js", "module.exports = 1;\n");
    touch_all(dir.path(), 1_000_000);
    let first = package_dir(dir.path()).unwrap();
    touch_all(dir.path(), 2_000_000_000);
    let second = package_dir(dir.path()).unwrap();
    assert_eq!(first, second, "same files, new mtimes: same bytes");
    // Sorted entries, fixed timestamps.
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(&first)).unwrap();
    let names: Vec<String> = archive.file_names().map(str::to_string).collect();
    let mut sorted = names.clone();
    sorted.sort();
    assert_eq!(names.len(), 3);
    for i in 0..archive.len() {
        let f = archive.by_index(i).unwrap();
        assert_eq!(f.last_modified(), Some(zip::DateTime::default()));
        assert_eq!(f.unix_mode().map(|m| m & 0o777), Some(0o644));
    }
    // Entry order is the sorted order (the central directory keeps insertion order).
    let order: Vec<String> = (0..archive.len())
        .map(|i| archive.by_index(i).unwrap().name().to_string())
        .collect();
    assert_eq!(order, vec!["index.js", "lib/a.js", "lib/b.js"]);
    // A changed file changes the hash.
    write(dir.path(), "lib/a.js", "module.exports = 3;\n");
    let third = package_dir(dir.path()).unwrap();
    assert_ne!(code_sha256(&first), code_sha256(&third));
}

#[test]
fn code_sha256_is_base64_of_sha256() {
    // sha256("") = e3b0c442...; base64 as Lambda reports it.
    assert_eq!(
        code_sha256(b""),
        "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU="
    );
}

#[test]
fn handler_files_per_runtime() {
    assert_eq!(
        handler_files("nodejs20.x", "index.handler").unwrap(),
        vec!["index.js", "index.mjs", "index.cjs"]
    );
    assert_eq!(
        handler_files("nodejs18.x", "src/app.main").unwrap()[0],
        "src/app.js"
    );
    assert_eq!(
        handler_files("python3.12", "app.handler").unwrap(),
        vec!["app.py"]
    );
    assert_eq!(
        handler_files("python3.12", "pkg.mod.handler").unwrap(),
        vec!["pkg/mod.py"]
    );
    assert_eq!(handler_files("java21", "com.x.Handler::handle"), None);
    assert_eq!(handler_files("provided.al2023", "bootstrap"), None);
}

#[test]
fn expand_adds_the_hash_and_names_the_attribute_at_fault() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "fn/index.mjs",
        "export const handler = async () => 1;\n",
    );
    let aws = Aws::for_endpoint("http://127.0.0.1:1", "us-east-1");
    let p = Provider::new(&aws);
    let mut d = Attrs::from([
        ("name".to_string(), s("f")),
        ("runtime".to_string(), s("nodejs20.x")),
        ("handler".to_string(), s("index.handler")),
        ("source".to_string(), s("./fn")),
    ]);
    p.expand(dir.path(), &mut d).unwrap();
    let hash = d["source-hash"].as_str().unwrap().to_string();
    assert_eq!(
        hash,
        code_sha256(&package_dir(&dir.path().join("fn")).unwrap())
    );
    // The package is kept for apply.
    let spec = LambdaFunction::desired(&d, "CreateFunction").unwrap();
    assert_eq!(
        p.package(&spec, Path::new("."), "CreateFunction")
            .unwrap()
            .hash,
        hash
    );

    let mut bad = d.clone();
    bad.insert("handler".into(), s("app.handler"));
    let err = p.expand(dir.path(), &mut bad).unwrap_err();
    assert_eq!(
        (err.operation.as_str(), err.kind),
        ("handler", ErrorKind::Invalid)
    );
    assert!(
        err.message.contains("app.js or app.mjs or app.cjs"),
        "{err}"
    );

    let mut missing = d.clone();
    missing.insert("source".into(), s("./nope"));
    let err = p.expand(dir.path(), &mut missing).unwrap_err();
    assert_eq!(
        (err.operation.as_str(), err.kind),
        ("source", ErrorKind::Invalid)
    );
    assert!(err.message.contains("./nope"), "{err}");

    // A prebuilt zip is taken as is.
    let zip = package_dir(&dir.path().join("fn")).unwrap();
    std::fs::write(dir.path().join("fn.zip"), &zip).unwrap();
    let mut prebuilt = d.clone();
    prebuilt.insert("source".into(), s("fn.zip"));
    p.expand(dir.path(), &mut prebuilt).unwrap();
    assert_eq!(prebuilt["source-hash"], s(code_sha256(&zip)));
    // Python: app.handler needs app.py.
    let mut py = d.clone();
    py.insert("runtime".into(), s("python3.12"));
    assert_eq!(
        p.expand(dir.path(), &mut py).unwrap_err().operation,
        "handler"
    );
}

#[test]
fn large_packages_go_through_s3() {
    assert_eq!(
        code_upload(1000, "f", "h", None, "Op").unwrap(),
        CodeUpload::Direct
    );
    let big = DIRECT_UPLOAD_LIMIT + 1;
    assert_eq!(
        code_upload(big, "f", "h", None, "Op").unwrap_err().kind,
        ErrorKind::Invalid
    );
    assert_eq!(
        code_upload(big, "f", "ab+/c=", Some("bkt"), "Op").unwrap(),
        CodeUpload::S3 {
            bucket: "bkt".into(),
            key: "eco/lambda/f/ab-_c..zip".into()
        }
    );
}

#[test]
fn a_role_lambda_cannot_assume_yet_is_retryable_and_nothing_else_is() {
    let e = OpError::new(
        "CreateFunction",
        ErrorKind::Invalid,
        "InvalidParameterValueException: The role defined for the function cannot be assumed by Lambda.",
    );
    assert_eq!(classify_role_error(e).kind, ErrorKind::Retryable);
    let e = OpError::new(
        "CreateFunction",
        ErrorKind::Invalid,
        "InvalidParameterValueException: Unzipped size must be smaller than 262144000 bytes",
    );
    assert_eq!(classify_role_error(e).kind, ErrorKind::Invalid);
    let e = OpError::new(
        "CreateFunction",
        ErrorKind::Other,
        "AccessDeniedException: cannot be assumed by Lambda",
    );
    assert_eq!(classify_role_error(e).kind, ErrorKind::Other);
}

#[test]
fn env_and_sensitive_env_merge_and_mark_the_sensitive_names() {
    let d = Attrs::from([
        ("name".to_string(), s("f")),
        (
            "env".to_string(),
            Value::Map(BTreeMap::from([("A".to_string(), s("1"))])),
        ),
        (
            "sensitive-env".to_string(),
            Value::Map(BTreeMap::from([
                ("Z_KEY".to_string(), s("x")),
                ("B".to_string(), s("y")),
            ])),
        ),
    ]);
    let spec = LambdaFunction::desired(&d, "Op").unwrap();
    let (vars, tag) = environment(&spec, &Attrs::new(), "Op").unwrap();
    assert_eq!(vars.len(), 3);
    assert_eq!(tag.as_deref(), Some("B Z_KEY"));
    // Only env configured: the live sensitive ones are kept.
    let only_env = Attrs::from([
        ("name".to_string(), s("f")),
        (
            "env".to_string(),
            Value::Map(BTreeMap::from([("A".to_string(), s("2"))])),
        ),
    ]);
    let spec = LambdaFunction::desired(&only_env, "Op").unwrap();
    let (vars, tag) = environment(&spec, &d, "Op").unwrap();
    assert_eq!(vars.get("A").map(String::as_str), Some("2"));
    assert_eq!(vars.get("B").map(String::as_str), Some("y"));
    assert_eq!(tag.as_deref(), Some("B Z_KEY"));
    // Invalid names and duplicates are refused.
    let mut bad = d.clone();
    bad.insert(
        "env".into(),
        Value::Map(BTreeMap::from([("1X".to_string(), s("1"))])),
    );
    assert!(LambdaFunction::desired(&bad, "Op").is_err());
    let mut dup = d.clone();
    dup.insert(
        "env".into(),
        Value::Map(BTreeMap::from([("B".to_string(), s("1"))])),
    );
    assert!(LambdaFunction::desired(&dup, "Op").is_err());
}

#[test]
fn a_source_edit_is_a_code_update_and_an_env_edit_a_configuration_update() {
    let prior = Attrs::from([("source-hash".to_string(), s("old"))]);
    let mut d = Attrs::from([
        ("name".to_string(), s("f")),
        ("source-hash".to_string(), s("new")),
    ]);
    let spec = LambdaFunction::desired(&d, "Op").unwrap();
    assert_eq!(
        planned_calls(&spec, &prior, &["source-hash".into()]),
        Calls {
            code: true,
            config: false
        }
    );
    assert_eq!(
        planned_calls(&spec, &prior, &["env".into()]),
        Calls {
            code: false,
            config: true
        }
    );
    // A new path with the same content: no call.
    d.insert("source-hash".into(), s("old"));
    let spec = LambdaFunction::desired(&d, "Op").unwrap();
    assert_eq!(
        planned_calls(&spec, &prior, &["source".into()]),
        Calls::default()
    );
    assert_eq!(
        planned_calls(&spec, &prior, &["architectures".into(), "memory".into()]),
        Calls {
            code: true,
            config: true
        }
    );
}

#[test]
fn spec_refuses_invalid_values() {
    for (k, v) in [
        ("name", s("bad name")),
        ("memory", Value::Int(64)),
        ("timeout", Value::Int(901)),
        ("architectures", str_list_value(["x86_64", "arm64"])),
        ("tracing", s("On")),
        ("ephemeral-storage", Value::Int(100)),
    ] {
        let mut d = Attrs::from([("name".to_string(), s("f"))]);
        d.insert(k.into(), v);
        assert_eq!(
            LambdaFunction::desired(&d, "Op").unwrap_err().kind,
            ErrorKind::Invalid,
            "{k}"
        );
    }
}

/// CreateFunction for `spec` (no code, environment or tags): what it sends.
fn create_of(
    client: &aws_sdk_lambda::Client,
    spec: &LambdaFunction,
) -> aws_sdk_lambda::operation::create_function::builders::CreateFunctionFluentBuilder {
    requests::create_request(
        client.create_function(),
        spec,
        aws_sdk_lambda::types::FunctionCode::builder().build(),
        &BTreeMap::new(),
        BTreeMap::new(),
    )
}

/// UpdateFunctionConfiguration of `changed` for `spec`: what it sends.
fn update_of(
    client: &aws_sdk_lambda::Client,
    spec: &LambdaFunction,
    changed: &[String],
) -> aws_sdk_lambda::operation::update_function_configuration::builders::UpdateFunctionConfigurationFluentBuilder{
    requests::update_config_request(
        client.update_function_configuration(),
        spec,
        &BTreeMap::new(),
        changed,
    )
}

/// moto keeps no DeadLetterConfig (docs/testing.md): the requests and the read are checked here.
#[test]
fn a_dead_letter_target_is_sent_on_create_and_update_and_read_back() {
    use aws_sdk_lambda::types::{DeadLetterConfig, FunctionConfiguration};
    let client = crate::aws::offline().lambda();
    let queue = "arn:aws:sqs:us-east-1:123456789012:failed";
    let mut d = Attrs::from([("name".to_string(), s("f"))]);
    d.insert(
        "dead-letter".into(),
        Value::Map(BTreeMap::from([("target-arn".to_string(), s(queue))])),
    );
    let spec = LambdaFunction::desired(&d, "Op").unwrap();
    let create = create_of(&client, &spec);
    assert_eq!(
        create.as_input().get_dead_letter_config(),
        &Some(DeadLetterConfig::builder().target_arn(queue).build())
    );
    let changed = ["dead-letter".to_string()];
    let update = update_of(&client, &spec, &changed);
    assert_eq!(
        update.as_input().get_dead_letter_config(),
        &Some(DeadLetterConfig::builder().target_arn(queue).build())
    );
    // Removed from the configuration: an empty target removes it.
    let none = LambdaFunction::desired(&Attrs::from([("name".to_string(), s("f"))]), "Op").unwrap();
    let update = update_of(&client, &none, &changed);
    assert_eq!(
        update.as_input().get_dead_letter_config(),
        &Some(DeadLetterConfig::builder().target_arn("").build())
    );
    // Without one, a create sends none.
    let create = create_of(&client, &none);
    assert_eq!(create.as_input().get_dead_letter_config(), &None);
    assert!(requests::is_config("dead-letter"));

    let out = aws_sdk_lambda::operation::get_function::GetFunctionOutput::builder()
        .configuration(
            FunctionConfiguration::builder()
                .function_name("f")
                .function_arn("arn:aws:lambda:us-east-1:123456789012:function:f")
                .dead_letter_config(DeadLetterConfig::builder().target_arn(queue).build())
                .build(),
        )
        .build();
    let read = read::from_output(&out, &read::Extra::default()).unwrap();
    assert_eq!(read.dead_letter.unwrap().target_arn, queue);
}

/// moto keeps no LoggingConfig (docs/testing.md): the requests, the read and the check of log
/// levels are tested here.
#[test]
fn logging_is_sent_on_create_and_update_read_back_and_levels_need_json() {
    use aws_sdk_lambda::types::{
        ApplicationLogLevel, FunctionConfiguration, LogFormat, LoggingConfig, SystemLogLevel,
    };
    let client = crate::aws::offline().lambda();
    let with = |fields: &[(&str, &str)]| {
        let mut d = Attrs::from([("name".to_string(), s("f"))]);
        d.insert(
            "logging".into(),
            Value::Map(fields.iter().map(|(k, v)| (k.to_string(), s(*v))).collect()),
        );
        LambdaFunction::desired(&d, "Op")
    };
    let spec = with(&[
        ("log-group", "/ecogy/api"),
        ("format", "JSON"),
        ("application-log-level", "INFO"),
        ("system-log-level", "WARN"),
    ])
    .unwrap();
    let want = LoggingConfig::builder()
        .log_format(LogFormat::Json)
        .log_group("/ecogy/api")
        .application_log_level(ApplicationLogLevel::Info)
        .system_log_level(SystemLogLevel::Warn)
        .build();
    let create = create_of(&client, &spec);
    assert_eq!(create.as_input().get_logging_config(), &Some(want.clone()));
    let changed = ["logging".to_string()];
    let update = update_of(&client, &spec, &changed);
    assert_eq!(update.as_input().get_logging_config(), &Some(want.clone()));
    assert!(requests::is_config("logging"));
    // Removed from the configuration: Lambda's defaults (Text, its own log group).
    let none = LambdaFunction::desired(&Attrs::from([("name".to_string(), s("f"))]), "Op").unwrap();
    let update = update_of(&client, &none, &changed);
    assert_eq!(
        update.as_input().get_logging_config(),
        &Some(LoggingConfig::builder().log_format(LogFormat::Text).build())
    );
    let create = create_of(&client, &none);
    assert_eq!(create.as_input().get_logging_config(), &None);

    let out = aws_sdk_lambda::operation::get_function::GetFunctionOutput::builder()
        .configuration(
            FunctionConfiguration::builder()
                .function_name("f")
                .function_arn("arn:aws:lambda:us-east-1:123456789012:function:f")
                .logging_config(want)
                .build(),
        )
        .build();
    let read = read::from_output(&out, &read::Extra::default()).unwrap();
    assert_eq!(read.logging, spec.logging);

    // Log levels with Text logs: Lambda refuses them, and so does eco before any call.
    let err = with(&[("format", "Text"), ("application-log-level", "INFO")]).unwrap_err();
    assert!(
        err.message.contains("need format=\"JSON\""),
        "{}",
        err.message
    );
    let err = with(&[("system-log-level", "DEBUG")]).unwrap_err();
    assert!(
        err.message.contains("need format=\"JSON\""),
        "{}",
        err.message
    );
}
