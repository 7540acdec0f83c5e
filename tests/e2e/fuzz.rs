//! Issue 20's hostile input, as property tests with a bounded run (256 cases each; more with
//! `PROPTEST_CASES`): the configuration loader (and, on what parses, the graph and stage
//! selection), the formatter, the state reader and the lock reader take anything, real files
//! damaged at random as much as random bytes, and answer with a value or an error, never a panic.

use proptest::prelude::*;

use crate::support::repo;

/// Real configurations to damage: every example's files.
fn corpus() -> Vec<String> {
    let mut texts = Vec::new();
    for example in [
        "minimal",
        "ecogy-platform",
        "serverless-api",
        "static-site",
        "cognito",
    ] {
        let dir = repo().join("examples").join(example);
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        for entry in entries.flatten() {
            if entry.path().extension().is_some_and(|x| x == "kdl") {
                texts.push(std::fs::read_to_string(entry.path()).unwrap());
            }
        }
    }
    assert!(texts.len() >= 5, "the corpus is the examples' KDL files");
    texts
}

/// Pieces of KDL that make damage interesting: delimiters, escapes, interpolations, keywords.
const PIECES: &[&str] = &[
    "{",
    "}",
    "\"",
    "\\",
    "${",
    "${var.",
    "${s3-bucket.",
    "}\"",
    ";",
    "=",
    "#true",
    "#null",
    "/*",
    "*/",
    "//",
    "\n",
    "r#\"",
    "\"#",
    "-",
    ".",
    "[",
    "]",
    "(",
    ")",
    "0x",
    "1e999",
    "-9223372036854775809",
    "stage",
    "var",
    "output",
    "import",
    "lifecycle",
    "depends-on",
    "for-each",
    "module",
    "é",
    "\u{0}",
    "\u{feff}",
    "\u{202e}",
];

/// A damage: where (a fraction of the length) and what.
#[derive(Debug, Clone)]
enum Damage {
    Delete(f64, usize),
    Insert(f64, &'static str),
    Duplicate(f64, usize),
    Truncate(f64),
}

fn damage() -> impl Strategy<Value = Damage> {
    prop_oneof![
        (0.0..1.0f64, 1..40usize).prop_map(|(at, n)| Damage::Delete(at, n)),
        (0.0..1.0f64, prop::sample::select(PIECES)).prop_map(|(at, p)| Damage::Insert(at, p)),
        (0.0..1.0f64, 1..200usize).prop_map(|(at, n)| Damage::Duplicate(at, n)),
        (0.0..1.0f64).prop_map(Damage::Truncate),
    ]
}

/// Applies damages on char boundaries.
fn damaged(text: &str, damages: &[Damage]) -> String {
    let mut chars: Vec<char> = text.chars().collect();
    for d in damages {
        let at = |f: f64, len: usize| ((f * len as f64) as usize).min(len);
        match *d {
            Damage::Delete(f, n) => {
                let i = at(f, chars.len());
                let end = (i + n).min(chars.len());
                chars.drain(i..end);
            }
            Damage::Insert(f, piece) => {
                let i = at(f, chars.len());
                chars.splice(i..i, piece.chars());
            }
            Damage::Duplicate(f, n) => {
                let i = at(f, chars.len());
                let end = (i + n).min(chars.len());
                let copy: Vec<char> = chars[i..end].to_vec();
                chars.splice(end..end, copy);
            }
            Damage::Truncate(f) => chars.truncate(at(f, chars.len())),
        }
    }
    chars.into_iter().collect()
}

/// Loads `text` as main.kdl, then (when it parses) selects each stage and builds the graph;
/// formats it too. Any of these may refuse; none may panic.
fn load_everything(text: &str, registry: &eco_schema::Registry) {
    let mut sources = eco_config::Sources::new();
    sources.add("main.kdl", text.to_string());
    match eco_config::parse_sources(sources, registry) {
        Ok(config) => {
            for stage in config
                .stages
                .iter()
                .map(|s| Some(s.name.clone()))
                .chain([None])
            {
                let _ = config.select_stage(stage.as_deref(), &[]);
            }
            let _ = eco_graph::ResourceGraph::from_config(&config);
        }
        Err(e) => {
            // Rendering the diagnostics (file:line:col, snippets) must hold too.
            let _ = e.to_string();
        }
    }
    let _ = eco_config::format_source(text);
}

const STATE: &str = r#"{
  "format_version": 1,
  "eco_version": "0.1.0",
  "serial": 7,
  "lineage": "5f0c6b8e-0d7e-4a8e-9b8a-6a4c2f1e9d11",
  "stage": "dev",
  "resources": [
    {"address": "s3-bucket.site", "type": "s3-bucket", "id": "ecogy-dev-site",
     "attributes": {"name": "ecogy-dev-site", "versioning": true, "tags": {"eco:stage": "dev"}},
     "dependencies": []},
    {"address": "dynamodb-table.items", "type": "dynamodb-table", "id": "items",
     "attributes": {"name": "items", "hash-key": {"name": "pk", "type": "S"}, "item-count": 3},
     "dependencies": ["s3-bucket.site"]}
  ],
  "outputs": {"site": {"value": "ecogy-dev-site", "sensitive": false}},
  "pending": [
    {"address": "iam-role.fn", "operation": "create", "token": "t-1",
     "started": "2026-11-26T10:00:00Z", "desired": {"name": "fn"}}
  ]
}"#;

const LOCK: &str = r#"{"ID":"0b9f","Operation":"apply","Who":"me@host","Version":"0.1.0","Created":"2026-11-26T10:00:00Z","Path":"dev.json"}"#;

/// Byte-level damage for JSON documents (invalid UTF-8 included).
fn damaged_bytes(text: &str, edits: &[(f64, u8, u8)]) -> Vec<u8> {
    let mut bytes = text.as_bytes().to_vec();
    for &(f, op, b) in edits {
        let i = ((f * bytes.len() as f64) as usize).min(bytes.len());
        match op % 4 {
            0 if i < bytes.len() => bytes[i] = b,
            1 => bytes.insert(i, b),
            2 if i < bytes.len() => {
                bytes.remove(i);
            }
            _ => bytes.truncate(i),
        }
    }
    bytes
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: std::env::var("PROPTEST_CASES").ok().and_then(|n| n.parse().ok()).unwrap_or(256),
        failure_persistence: None,
        ..ProptestConfig::default()
    })]

    #[test]
    fn a_damaged_configuration_is_a_value_or_a_diagnostic_never_a_panic(
        pick in any::<prop::sample::Index>(),
        damages in prop::collection::vec(damage(), 1..8),
    ) {
        let corpus = corpus();
        let text = damaged(pick.get(corpus.as_slice()).as_str(), &damages);
        load_everything(&text, &eco_aws::registry());
    }

    #[test]
    fn random_text_is_a_diagnostic_never_a_panic(text in "\\PC{0,400}") {
        load_everything(&text, &eco_aws::registry());
    }

    #[test]
    fn invalid_utf8_in_a_file_is_a_diagnostic_with_its_place(
        prefix in "[a-z \\n{}\"]{0,60}",
        bad in prop::collection::vec(0x80u8..=0xff, 1..4),
    ) {
        let dir = tempfile::tempdir().unwrap();
        let mut bytes = prefix.into_bytes();
        bytes.extend(bad);
        std::fs::write(dir.path().join("main.kdl"), &bytes).unwrap();
        let err = eco_config::load_dir(dir.path(), &eco_aws::registry()).unwrap_err();
        let text = err.to_string();
        prop_assert!(text.contains("main.kdl:"), "{}", text);
    }

    #[test]
    fn a_damaged_state_is_a_state_or_a_corrupt_state_error_never_a_panic(
        edits in prop::collection::vec((0.0..1.0f64, any::<u8>(), any::<u8>()), 1..6),
    ) {
        let bytes = damaged_bytes(STATE, &edits);
        match eco_state::State::from_json(&bytes, "dev.json", "restore it from a backup") {
            Ok(state) => {
                // What parses can be written back and read again.
                let again = eco_state::State::from_json(&state.to_json(), "dev.json", "")
                    .expect("a state eco reads, it writes readably");
                prop_assert_eq!(again, state);
            }
            Err(e) => {
                let _ = e.to_string();
            }
        }
        let lock = damaged_bytes(LOCK, &edits);
        let _ = eco_state::LockInfo::from_json(&String::from_utf8_lossy(&lock));
    }
}

#[test]
fn the_undamaged_seeds_are_valid() {
    eco_state::State::from_json(STATE.as_bytes(), "dev.json", "").expect("the state seed parses");
    eco_state::LockInfo::from_json(LOCK).expect("the lock seed parses");
    for text in corpus() {
        let mut sources = eco_config::Sources::new();
        sources.add("main.kdl", text);
        // Files of a directory parse one by one too (references across files may not resolve).
        let _ = eco_config::parse_sources(sources, &eco_aws::registry());
    }
}
