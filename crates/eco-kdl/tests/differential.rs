//! Differential tests: eco-kdl must accept exactly what the kdl crate (v6, `parse_v2`)
//! accepts and produce the same trees and spans. See `common/mod.rs` for the oracle.

mod common;

use common::{compare, Outcome, Rng};

/// `ECO_KDL_FUZZ_SCALE=n` multiplies the random test sizes (default 1, sized to keep the
/// debug suite well under 10 s); `ECO_KDL_FUZZ_SEED=n` changes the seeds. For a long run:
/// `ECO_KDL_FUZZ_SCALE=50 ECO_KDL_FUZZ_SEED=7 cargo test --release -p eco-kdl`.
fn scaled(n: usize) -> usize {
    let k = std::env::var("ECO_KDL_FUZZ_SCALE")
        .ok()
        .and_then(|v| v.parse::<usize>().ok())
        .unwrap_or(1);
    n * k.max(1)
}

fn seeded(seed: u64) -> Rng {
    let extra = std::env::var("ECO_KDL_FUZZ_SEED")
        .ok()
        .and_then(|v| v.parse::<u64>().ok())
        .unwrap_or(0);
    Rng(seed ^ extra.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1)
}

/// Runs every case, reports all disagreements at once; returns (accepted, rejected).
fn run_all<'a>(cases: impl IntoIterator<Item = &'a str>) -> (usize, usize) {
    let (mut acc, mut rej, mut failures) = (0, 0, Vec::new());
    for src in cases {
        match compare(src) {
            Ok(Outcome::Accepted) => acc += 1,
            Ok(Outcome::Rejected) => rej += 1,
            Ok(Outcome::KdlPanicked) => {}
            Err(e) => failures.push(e),
        }
    }
    assert!(
        failures.is_empty(),
        "{} disagreement(s):\n{}",
        failures.len(),
        failures.join("\n")
    );
    (acc, rej)
}

/// Hand-written corpus: every grammar rule, valid and invalid.
const CORPUS: &[&str] = &[
    // --- documents, whitespace, newlines, BOM
    "",
    " ",
    "\n",
    "\u{FEFF}",
    "\u{FEFF}node",
    "node\u{FEFF}",
    "\u{FEFF}\u{FEFF}node",
    "node",
    "node\n",
    "node;",
    "node;;",
    "a; b; c",
    "a;b;c;",
    "a\nb\r\nc\rd\u{85}e\u{2028}f\u{2029}g\u{0B}h\u{0C}i",
    "a\tb\u{A0}c\u{1680}d\u{2000}e\u{200A}f\u{202F}g\u{205F}h\u{3000}i",
    "a\u{200B}b",
    "a \u{200E} b",
    "node\u{0}",
    "node \u{7F}",
    "node\u{7F}",
    "\u{7F}",
    "  \n\n  node  \n\n ",
    "; a",
    "a\n;\nb",
    "a { ; }",
    "a {;}",
    "a { b; }",
    // --- comments
    "// just a comment",
    "// comment\nnode",
    "node // comment",
    "node// comment",
    "node 1// comment",
    "node \"x\"// comment",
    "/* c */ node",
    "/* c */node",
    "node /* c */ 1",
    "node/* c */1",
    "node 1/* c */ 2",
    "node /* unclosed",
    "node /* /* nested */ still */ 1",
    "node /* /* nested */ 1",
    "/**/a",
    "/*/ x */a",
    "/* **/a",
    "/* * / */a",
    "node /*\n multi \n line */ 1",
    "node // \u{0} disallowed in comment ok?\nnext",
    "node /* \u{0} \u{FEFF} */ 1",
    "node // comment \\\n 1",
    "//",
    "/*",
    "*/",
    "a /* c */\n/* d */ b",
    // --- line continuations
    "node \\\n 1",
    "node\\\n 1",
    "node \\ // comment\n 1",
    "node \\   \n   1 \\\n   2",
    "node \\",
    "node \\ ",
    "node \\ x",
    "node 1 \\\n",
    "node \\\n\\\n 1",
    "node \\/* c */\n 1",
    "node \\ /* c */ // d\n 1",
    "\\\nnode",
    "node {\\\n}",
    "node \\\n{ a }",
    "node 1\\\n2",
    "node \"a\"\\\n\"b\"",
    // --- identifiers
    "foo-bar_baz.qux",
    "-",
    "+",
    "--",
    "-a",
    "+a",
    "-.",
    "+.",
    "-.a",
    "..",
    ".a",
    ".",
    ".1",
    "-.1",
    "+.1",
    "-1a",
    "1a",
    "a1",
    "a-1",
    "-inf",
    "+inf",
    "inf",
    "-nan",
    "nan",
    "true",
    "false",
    "null",
    "truex",
    "xtrue",
    "True",
    "node true",
    "node -inf",
    "node nan",
    "node null",
    "node nullx",
    "node (true)1",
    "(true)node",
    "é",
    "日本語 \"値\"",
    "node a=b",
    "node a=true",
    "node a= b",
    "node a =b",
    "node a = b",
    "node a=",
    "node =b",
    "node a==b",
    "node a=b=c",
    "a[b]",
    "a]",
    "a(b)",
    "a)",
    "a\"b\"",
    "a#b",
    "a#",
    "a=1",
    "a}",
    "a{",
    "a{}",
    "a{b}",
    "a {b}",
    "a{b;c}",
    "a;{b}",
    "a,b",
    "a<b>",
    "a@b$c%d^e&f*g|h~i`j'k!l?m:n",
    "node ,",
    "node *",
    "node <>",
    // --- quoted strings
    "\"quoted node\"",
    "\"\"",
    "\"\" 1",
    "node \"\"",
    "node \"a\" \"b\"",
    "node \"a\"\"b\"",
    "node \"a\"b",
    "node \"unclosed",
    "node \"new\nline\"",
    "node \"new\r\nline\"",
    "node \"\\n\\t\\r\\\\\\\"\\b\\f\\s\"",
    "node \"\\/\"",
    "node \"\\a\"",
    "node \"\\u{41}\"",
    "node \"\\u{1F600}\"",
    "node \"\\u{10FFFF}\"",
    "node \"\\u{110000}\"",
    "node \"\\u{D800}\"",
    "node \"\\u{}\"",
    "node \"\\u{0000041}\"",
    "node \"\\u{000041}\"",
    "node \"\\u41\"",
    "node \"\\u{41\"",
    "node \"\\u{g}\"",
    "node \"a\\   b\"",
    "node \"a\\\n   b\"",
    "node \"a\\\n\n\n   b\"",
    "node \"a\\\u{3000}b\"",
    "node \"a\\\"",
    "node \"a\\",
    "node \"\u{0}\"",
    "node \"\u{FEFF}\"",
    "node \"\u{7F}\"",
    "node \"\u{200E}\"",
    "node \"\t\"",
    "node \"\u{0B}\"",
    "node \"\u{85}\"",
    "\"a\"=1",
    "node \"a\"=1",
    "node \"a b\"=1",
    "node \"a\" = 1",
    "node \"\"=\"\"",
    "(\"ty pe\")\"na me\" (\"t\")\"v\"",
    // --- multi-line strings
    "node \"\"\"\nfoo\nbar\n\"\"\"",
    "node \"\"\"\n  foo\n    bar\n  \"\"\"",
    "node \"\"\"\n  foo\n bar\n  \"\"\"",
    "node \"\"\"\n  foo\n\n  bar\n  \"\"\"",
    "node \"\"\"\n  foo\n \n  bar\n  \"\"\"",
    "node \"\"\"\n  foo\n      \n  bar\n  \"\"\"",
    "node \"\"\"\n\"\"\"",
    "node \"\"\"\n\n\"\"\"",
    "node \"\"\"\n  \"\"\"",
    "node \"\"\"foo\"\"\"",
    "node \"\"\" \nfoo\n\"\"\"",
    "node \"\"\"\nfoo\"\"\"",
    "node \"\"\"\nfoo \"\"\" bar\n\"\"\"",
    "node \"\"\"\nfoo \"\" bar\n\"\"\"",
    "node \"\"\"\nfoo \\\"\"\" bar\n\"\"\"",
    "node \"\"\"\n\"\n\"\"\"",
    "node \"\"\"\n\"\"\n\"\"\"",
    "node \"\"\"\n\"\"\"\"",
    "node \"\"\"\nfoo\r\nbar\r\n\"\"\"",
    "node \"\"\"\r\nfoo\rbar\u{85}baz\u{2028}\"\"\"",
    "node \"\"\"\n\tfoo\n\t\"\"\"",
    "node \"\"\"\n\tfoo\n  \"\"\"",
    "node \"\"\"\n  \\     foo\n    \\  bar\n   \\ baz\n  \"\"\"",
    "node \"\"\"\n 	 \\\n          \n 	 \"\"\"",
    "node \"\"\"\n\\\"\"\"\n\"\"\"",
    "node \"\"\"\n  foo\\\n  bar\n  \"\"\"",
    "node \"\"\"\n  foo \\\n\n  bar\n  \"\"\"",
    "node \"\"\"\n  a\\nb\\t\\u{41}\n  \"\"\"",
    "node \"\"\"\n  foo\n  \\ \"\"\"",
    "node \"\"\"\n  foo\n \\\n \"\"\"",
    "node \"\"\"\n  foo\n  \\\n\"\"\"",
    "node \"\"\"\n  foo\n  \"\"\"x",
    "node \"\"\"\n  foo\n  \"\"\" 1",
    "node \"\"\"\n  foo",
    "node \"\"\"\n  foo\n",
    "node \"\"\"\n  \u{0}\n  \"\"\"",
    "node \"\"\"\n  foo\n\u{A0} \"\"\"",
    "node \"\"\"\n\u{A0} foo\n\u{A0} \"\"\"",
    "\"\"\"\nname\n\"\"\" 1",
    "node \"\"\"\n  a\\\n  \"\"\"",
    "node \"\"\"\n  a\n  \\\n  \"\"\"",
    "node \"\"\"\n  a\n\\\n  \"\"\"",
    "node \"\"\"\n  a\n  \\ \\\n  \"\"\"",
    "node \"\"\"\n  a\n \\\n \"\"\"",
    "node \"\"\"\n\t a\n \t\"\"\"",
    "node \"\"\"\n\u{3000}a\n\u{3000}\"\"\"",
    "node \"\"\"\n\u{3000}a\n \"\"\"",
    "node \"\"\"\r\n  a\r\n\r\n  b\r\n  \"\"\"",
    "node \"\"\"\n  a\n\n\n  \"\"\"",
    "node \"\"\"\n  a\n    \n  \"\"\"",
    "node \"\"\"\n  a\n   \\  \n  \"\"\"",
    "node \"\"\"\n  \"a\"\n  \"\"\"",
    "node \"\"\"\n  \"\"a\n  \"\"\"",
    "node \"\"\"\n  a\"\"\n  \"\"\"",
    "node \"\"\"\n  a\\\"\"\"\n  \"\"\"",
    "node \"\"\"\n  \\u{20}a\n  \"\"\"",
    "node \"\"\"\n  \\s\n  \"\"\"",
    "node \"\"\"\n \\\n a\n \"\"\"",
    "node \"\"\"\n  a \\  \n  b\n  \"\"\"",
    "node \"\"\"\n  \"\"\"\n  \"\"\"",
    "node \"\"\"\n\"\"\" \"\"\"\n\"\"\"",
    "node #\"\"\"\n\u{3000}a\n\u{3000}\"\"\"#",
    "node #\"\"\"\r\n  a\r\n  \"\"\"#",
    "node #\"\"\"\n  a\n\n  \"\"\"#",
    "node #\"\"\"\n  a\n \n  \"\"\"#",
    "node #\"\"\"\n  a\\\n  \"\"\"#",
    "node #\"\"\"\n  a \\\n  b\n  \"\"\"#",
    "node #\"\"\"\n  a\n  \\\n  \"\"\"#",
    "node #\"\"\"\n  \"\"\"\"#\n  \"\"\"#",
    "node ##\"\"\"\n  \"\"\"#\n  \"\"\"##",
    "node #\"\"\"\n  a\n   \"\"\"#",
    "node #\"\"\"\n   a\n  \"\"\"#",
    "node #\"\"\"\n\t\n\"\"\"#",
    "node #\"\"\"\n\u{FEFF}\n\"\"\"#",
    "node #\"\"\"\n\u{7F}\n\"\"\"#",
    "node \"\"\"\n\u{7F}\n\"\"\"",
    "node #\"\"\" x\"#",
    "node #\"\"\"\"\"#",
    "node \"\"\"\nkey\n\"\"\"=1",
    "(\"\"\"\nty\n\"\"\")node",
    // --- raw strings
    "node #\"raw\"#",
    "node #\"a\\nb\"#",
    "node ##\"a\"#b\"##",
    "node #\"a\"##",
    "node ##\"a\"#",
    "node #\"\"#",
    "node #\"\"\"#",
    "node #\"\"\"\"#",
    "node #\"\"x\"#",
    "node #\"\"\"x\"#",
    "node #\"a\nb\"#",
    "node #\"\u{0}\"#",
    "node #\"\u{7F}\"#",
    "node #\"unclosed",
    "node #\"a\"#b",
    "node #\"a\"#=1",
    "#\"raw node\"#",
    "node ###\"\"##\"###",
    "node #\"\"\"\nfoo\n  bar\n\"\"\"#",
    "node #\"\"\"\n  foo\n    \\nbar\n   baz\n  \"\"\"#",
    "node #\"\"\"\n  foo\n bar\n  \"\"\"#",
    "node #\"\"\"\nfoo\n  bar\n  baz\n  \"\"\"#",
    "node #\"\"\"\n\"\n\"\"\"#",
    "node #\"\"\"\n\"\"\n\"\"\"#",
    "node #\"\"\"\n\"\"\"\n\"\"\"#",
    "node ##\"\"\"\n\"\"\"#\n\"\"\"##",
    "node #\"\"\"\n\"\"\"#\n\"\"\"#",
    "node #\"\"\"\nfoo\"\"\"#",
    "node #\"\"\"\n\"\"\"#",
    "node #\"\"\"\n\n\"\"\"#",
    "node #\"\"\"\n  \\  \n  x\n  \"\"\"#",
    "node #\"\"\"\n \u{0}\n\"\"\"#",
    "node #\"\"\"\nfoo\r\nbar\r\n\"\"\"#",
    "node #\"\"\"\n  foo\n  \"\"\"# 1",
    "node #\"\"\"\n  foo\n  \"\"\"#x",
    "node #\"\"\"\n  foo\n  \"\"\"##",
    "node #\"\"\"\n  foo\n   \n  \"\"\"#",
    "node #\"\"\"\n  foo\n \n  \"\"\"#",
    // --- keywords
    "node #true #false #null",
    "node #inf #-inf #nan",
    "node #True",
    "node #truex",
    "node #true{}",
    "node #true{a}",
    "node #null;",
    "node #true(x)",
    "node #true=1",
    "node #infx",
    "node #",
    "node ##",
    "node ##true",
    "node #-",
    "node #-infinity",
    "node a=#true",
    "node a=#nan",
    "node (t)#null",
    "node #true\"x\"",
    "node #true/* c */1",
    "node #true//c",
    "#true",
    "node #true}",
    "a { node #true}",
    // --- numbers
    "node 0 1 -1 +1 123_456 1_ 1__2",
    "node _1",
    "node 0x1f 0XFF -0xa +0x_ 0x",
    "node 0x_1",
    "node 0x1_",
    "node 0xdeadbeef123_",
    "node 0xg",
    "node 0x1g",
    "node 0o17 0O7 -0o7",
    "node 0o8",
    "node 0o18",
    "node 0b101 0B1 -0b1",
    "node 0b2",
    "node 0b12",
    "node 0b_1",
    "node 1.5 -1.5 +1.5 1_0.5_0",
    "node 1.",
    "node 1.a",
    "node 1._5",
    "node .5",
    "node 1.5.3",
    "node 1e5 1E5 1e+5 1e-5 1.5e10 -2.5E-3",
    "node 1e",
    "node 1e+",
    "node 1e_5",
    "node 1_e5",
    "node 1e5_",
    "node 1.5e",
    "node 1.5ex",
    "node 0e0",
    "node -0",
    "node -0.0",
    "node 00012",
    "node 0.000001",
    "node 1e400",
    "node -1e400",
    "node 1e-400",
    "node 1.7976931348623157e308",
    "node 170141183460469231731687303715884105727",
    "node 170141183460469231731687303715884105728",
    "node -170141183460469231731687303715884105727",
    "node -170141183460469231731687303715884105728",
    "node 0x7fffffffffffffffffffffffffffffff",
    "node 0x80000000000000000000000000000000",
    "node -0x7fffffffffffffffffffffffffffffff",
    "node 0000000000000000000000000000000000000000000000001",
    "node 170141183460469231731687303715884105728.5",
    "node 1.170141183460469231731687303715884105728",
    "node 1.1701411834604692317316873037158841057",
    "node 1e170141183460469231731687303715884105728",
    "node 1e170141183460469231731687303715884105727",
    "node 1a",
    "node 1-",
    "node 1+2",
    "node 1=2",
    "node 1)",
    "node 1{}",
    "node 1}",
    "a { node 1}",
    "node 1\"a\"",
    "node 1#",
    "node -",
    "node +",
    "node -a",
    "node +-1",
    "node --1",
    "node (u8)255",
    "node (u8) 255",
    "node (u8)/* c */255",
    "node (u8)\\\n255",
    "1",
    "-1",
    "+1 a",
    "node key=1.5e3",
    "node key=0x10",
    "node key=-",
    // --- type annotations
    "(t)node",
    "(t) node",
    "(t)/* c */node",
    "( t )node",
    "(/* a */t/* b */)node",
    "(t)(u)node",
    "()node",
    "( )node",
    "(t node",
    "(t)",
    "(t);",
    "(t)\"node\"",
    "(\"t\")node",
    "(#\"t\"#)node",
    "(t\"u\")node",
    "(t=)node",
    "(t u)node",
    "(1)node",
    "(#true)node",
    "(t)1",
    "node (t)",
    "node (t)key=1",
    "node key=(t)1",
    "node key=(t) 1",
    "node key= (t)1",
    "node (t)#true",
    "node (t)\"s\"",
    "node (t)bare",
    "node (t)(u)1",
    "node (t){}",
    "node (\\\nt\\\n)1",
    "node (t\\\n)1",
    // --- properties
    "node a=1 a=2",
    "node a=1 b=2 a=3 1 2",
    "node 1 a=1 2 b=2 3",
    "node a=1b",
    "node a=\"b\"c",
    "node a=#\"b\"#",
    "node a=\"\"\"\nb\n\"\"\"",
    "node a=/* c */1",
    "node a/* c */=1",
    "node a\\\n=1",
    "node a=\\\n1",
    "node a=\n1",
    "node a\n=1",
    "node a==1",
    // --- children
    "node {}",
    "node { }",
    "node {\n}",
    "node{}",
    "node 1{}",
    "node \"a\"{}",
    "node { a; b; c }",
    "node { a\n b\n c\n }",
    "node { a { b { c } } }",
    "node {} {}",
    "node {} 1",
    "node {};",
    "node {}\nnext",
    "node {} next",
    "node { a } ; b",
    "node {",
    "node }",
    "}",
    "{}",
    "{ a }",
    "node { { a } }",
    "node {\n  // comment\n  a 1 // c\n  /* c */ b\n}",
    "node { a }}",
    "node {{}}",
    "node { a {} b {} }",
    "node { a {}; b {}; }",
    "node {a}{b}",
    // --- slashdash
    "/-node",
    "/- node",
    "/-\nnode",
    "/- // comment\nnode",
    "/-node\nnext",
    "/-node; next",
    "/-node;",
    "a; /-b; c",
    "a\n/-b\nc",
    "a\n/-b",
    "a\n/-",
    "/-",
    "/- ",
    "a /-",
    "a /- ",
    "/-/-a",
    "/- /- a\nb",
    "node /-1",
    "node /-1 2",
    "node 1 /-2",
    "node 1 /-2 3",
    "node /- 1 2",
    "node /-\n1 2",
    "node /-key=1 a=2",
    "node /-(t)1 2",
    "node /-/-1 2 3",
    "node /-/-1 2",
    "node /-1 /-2 3",
    "node /-1 /-2",
    "node /-{}",
    "node /-{ a }",
    "node /- { a }",
    "node /-\n{ a }",
    "node /-{a} {b}",
    "node {a} /-{b}",
    "node /-{a} /-{b} {c} /-{d} /-{e}",
    "node /-{a} 1",
    "node 1 /-{a}",
    "node 1 /-2 /-{a}",
    "node 1 /-2 /-{a} {b}",
    "node 1 /-2 {b}",
    "node /-1 {b}",
    "node /-{a} /-2",
    "node {a} /-b",
    "node {a} /-b\nc",
    "node {a} /-b; c",
    "node {a} /-{b} /-c",
    "node {a} /- {b}",
    "node /-1x",
    "node /-\"unclosed",
    "node /-#\"raw\"# 1",
    "node /-#\"\"\"\nraw\n\"\"\"# 1",
    "node /- /* c */ 1 2",
    "node /-1/-2",
    "node 1/-2",
    "node 1 /-",
    "node { /-a }",
    "node { /-a; b }",
    "node { a; /-b }",
    "node { /-a {b} }",
    "node { /- }",
    "/-node {\n a\n}\nreal",
    "/-node 1 { a }; real",
    "/- kdl-version 2\nnode",
    "/- kdl-version 1\nnode",
    "node /-}",
    "a {\n/-}",
    "node/-1",
    "node/-{a}",
    "node 1/-{a}",
    "b { a /-1 /-}",
    "a /-1 /-",
    "a /-1 /-;",
    "a /-1 /- ",
    "a /-1 /-\n",
    "a /-1 /-{x} /-",
    "b { a /-1 /-{x} /-}",
    "a 1 /-{x} /-",
    "a {x} /-",
    "b { a {x} /-}",
    "a /-{x} /-",
    "b { a /-{x} /-}",
    "a /-1 /-{x}/-{y}",
    "a /-1/-{x}",
    "a /-1 \\\n /-{x} \\\n {y}",
    "a /-1 // c\n",
    "a /-1 /* c */ /-{x} /* c */ {y} /* c */ /-{z} /* c */",
    "a /-(t)1 /-k=(t)2 /-{x}",
    "a /-k= /-{x}",
    "a /-k = 1 b=2",
    "a /-{x} {y} /-{z}",
    "a /-{x}\n{y}",
    "a { b }\n/-{x}",
    // --- misc node-level errors
    "node 1 2 {a} {b}",
    "node \"a\" \"b\" {c}",
    "node;node2 ;  node3\n\n",
    "a b c d e f g h",
    "node a=1=2",
    "(t)",
    "node (",
    "node )",
    "node [",
    "node ]",
    "node \\x",
    "node \\",
    "node =",
    "node ;;",
    "node\n;",
];

#[test]
fn hand_written_corpus() {
    let (acc, rej) = run_all(CORPUS.iter().copied());
    println!("corpus: {acc} accepted, {rej} rejected");
    assert!(
        acc > 100 && rej > 100,
        "corpus should exercise both: {acc}/{rej}"
    );
}

/// Every `*.kdl` under the repository's examples and test fixtures.
#[test]
fn repository_kdl_files() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let mut files = Vec::new();
    for dir in ["examples", "tests/fixtures"] {
        collect_kdl(&root.join(dir), &mut files);
    }
    let texts: Vec<String> = files
        .iter()
        .filter_map(|f| std::fs::read_to_string(f).ok())
        .collect();
    let (acc, rej) = run_all(texts.iter().map(String::as_str));
    println!("{} files: {acc} accepted, {rej} rejected", texts.len());
    assert!(!texts.is_empty());
}

fn collect_kdl(dir: &std::path::Path, out: &mut Vec<std::path::PathBuf>) {
    let Ok(rd) = std::fs::read_dir(dir) else {
        return;
    };
    for e in rd.flatten() {
        let p = e.path();
        if p.is_dir() {
            collect_kdl(&p, out);
        } else if p.extension().is_some_and(|x| x == "kdl") {
            out.push(p);
        }
    }
}

// ----- random documents ---------------------------------------------------------------

const IDENTS: &[&str] = &[
    "a",
    "node",
    "foo-bar",
    "x_y.z",
    "-",
    "+",
    "-.",
    "+.",
    ".",
    "..",
    ".a",
    "-a",
    "+a",
    "--",
    "é",
    "日本",
    "a\u{7F}",
    "-inf",
    "truex",
    "nullish",
    "a1",
    "a-1",
    "$x",
    "a,b",
    "<>",
    "s3-bucket",
];
const NUMBERS: &[&str] = &[
    "0",
    "1",
    "-1",
    "+1",
    "12_34",
    "1_",
    "0x1f",
    "0XAB_cd",
    "-0x10",
    "0o17",
    "-0o7",
    "0b1010",
    "0B1_1",
    "1.5",
    "-1.5",
    "+0.5",
    "1e10",
    "1E-5",
    "1.5e+3",
    "1_0.0_1",
    "1e400",
    "-0.0",
    "170141183460469231731687303715884105727",
    "-170141183460469231731687303715884105727",
    "170141183460469231731687303715884105728",
    "0x7fffffffffffffffffffffffffffffff",
];
const KEYWORDS: &[&str] = &["#true", "#false", "#null", "#inf", "#-inf", "#nan"];
const SPACES: &[&str] = &[
    " ",
    " ",
    " ",
    "  ",
    "\t",
    "\u{A0}",
    "\u{3000}",
    "/* c */",
    "/*/**/*/",
    " \\\n ",
    " \\ // c\n",
    "\\\r\n",
];
const NEWLINES: &[&str] = &[
    "\n", "\n", "\n", "\r\n", "\r", "\u{85}", "\u{2028}", "\u{0C}",
];

fn gen_string(r: &mut Rng, out: &mut String) {
    match r.below(10) {
        0..=3 => out.push_str(r.ps(IDENTS)),
        4..=6 => {
            out.push('"');
            for _ in 0..r.below(5) {
                out.push_str(r.ps(&[
                    "a",
                    "b c",
                    "\\n",
                    "\\t",
                    "\\\"",
                    "\\\\",
                    "\\u{41}",
                    "\\u{1F600}",
                    "\\s",
                    "\\b",
                    "\\f",
                    "\\r",
                    "\\  ",
                    "\\\n  ",
                    "é",
                    "'",
                    "\u{7F}",
                    "#",
                    "=",
                ]));
            }
            out.push('"');
        }
        7 => {
            let h = "#".repeat(1 + r.below(3));
            out.push_str(&h);
            out.push('"');
            for _ in 0..r.below(4) {
                out.push_str(r.ps(&["a", "\\n", "\"", "#", " ", "\"#", "x y"]));
            }
            if out.ends_with('"') && h.len() == 1 {
                out.push('x');
            }
            out.push('"');
            out.push_str(&h);
        }
        8 => {
            // multi-line quoted
            let indent = r.ps(&["", "  ", "\t", "    "]).to_string();
            out.push_str("\"\"\"");
            out.push_str(r.ps(NEWLINES));
            for _ in 0..r.below(4) {
                match r.below(5) {
                    0 => {}
                    1 => out.push(' '),
                    _ => {
                        out.push_str(&indent);
                        out.push_str(r.ps(&[
                            "line",
                            "  more",
                            "\\tx",
                            "\"q\"",
                            "\"\"",
                            "a \\\n  b",
                            "\\\"\"\"",
                            "x\\u{41}",
                        ]));
                    }
                }
                out.push_str(r.ps(NEWLINES));
            }
            out.push_str(&indent);
            out.push_str("\"\"\"");
        }
        _ => {
            // multi-line raw
            let h = "#".repeat(1 + r.below(2));
            let indent = r.ps(&["", "  ", "\t"]).to_string();
            out.push_str(&h);
            out.push_str("\"\"\"");
            out.push_str(r.ps(NEWLINES));
            for _ in 0..r.below(4) {
                if !r.chance(4) {
                    out.push_str(&indent);
                    out.push_str(r.ps(&["raw \\n", "\"\"\"", "\"", "x", "# y"]));
                }
                out.push_str(r.ps(NEWLINES));
            }
            out.push_str(&indent);
            out.push_str("\"\"\"");
            out.push_str(&h);
        }
    }
}

fn gen_ty(r: &mut Rng, out: &mut String) {
    if r.chance(6) {
        out.push('(');
        if r.chance(4) {
            out.push(' ');
        }
        gen_string(r, out);
        out.push(')');
        if r.chance(4) {
            out.push_str(r.ps(SPACES));
        }
    }
}

fn gen_value(r: &mut Rng, out: &mut String) {
    gen_ty(r, out);
    match r.below(4) {
        0 => out.push_str(r.ps(NUMBERS)),
        1 => out.push_str(r.ps(KEYWORDS)),
        _ => gen_string(r, out),
    }
}

fn gen_node(r: &mut Rng, depth: usize, out: &mut String) {
    if r.chance(8) {
        out.push_str(r.ps(&["/-", "/- ", "/-\n"]));
    }
    gen_ty(r, out);
    gen_string(r, out);
    for _ in 0..r.below(5) {
        out.push_str(r.ps(SPACES));
        if r.chance(8) {
            out.push_str(r.ps(&["/-", "/- "]));
        }
        if r.chance(3) {
            gen_string(r, out);
            out.push_str(r.ps(&["=", "=", " = ", "= "]));
        }
        gen_value(r, out);
    }
    if r.chance(6) {
        out.push_str(" /-{ x }");
    }
    if depth < 3 && r.chance(3) {
        out.push_str(r.ps(&[" ", "", "  "]));
        out.push('{');
        gen_nodes(r, depth + 1, out);
        out.push('}');
        if r.chance(6) {
            out.push_str(" /-{ y 1 }");
        }
    }
    if r.chance(5) {
        out.push_str(r.ps(SPACES));
    }
}

fn gen_nodes(r: &mut Rng, depth: usize, out: &mut String) {
    out.push_str(r.ps(&["", "\n", " ", "\n  "]));
    for _ in 0..r.below(if depth == 0 { 6 } else { 4 }) {
        gen_node(r, depth, out);
        out.push_str(r.ps(&["\n", "\n", ";", "; ", " // c\n", "\r\n", "\n\n"]));
        if r.chance(8) {
            out.push_str(r.ps(&["// comment\n", "/* block */\n", "  "]));
        }
    }
}

fn random_doc(r: &mut Rng) -> String {
    let mut s = String::new();
    if r.chance(30) {
        s.push('\u{FEFF}');
    }
    gen_nodes(r, 0, &mut s);
    s
}

const MUTATION_CHARS: &[char] = &[
    '"', '#', '\\', '/', '-', '*', '{', '}', '(', ')', '=', ';', ' ', '\n', '\r', '0', '1', '9',
    'a', 'e', 'x', 'b', 'o', '.', '+', '_', 'u', '\t', '\u{A0}', '\u{FEFF}', '\u{200E}', '\u{0}',
    '\u{85}', '\u{2028}', '\u{7F}', 'é',
];

fn mutate(r: &mut Rng, src: &str) -> String {
    let mut cs: Vec<char> = src.chars().collect();
    for _ in 0..1 + r.below(3) {
        let n = cs.len();
        match r.below(5) {
            0 if n > 0 => {
                cs.remove(r.below(n));
            }
            1 if n > 1 => {
                let i = r.below(n - 1);
                cs.swap(i, i + 1);
            }
            2 if n > 0 => {
                let a = r.below(n);
                let b = (a + 1 + r.below(8)).min(n);
                let piece: Vec<char> = cs[a..b].to_vec();
                let at = r.below(n + 1);
                cs.splice(at..at, piece);
            }
            _ => {
                let at = r.below(n + 1);
                cs.insert(at, *r.pick(MUTATION_CHARS));
            }
        }
    }
    cs.into_iter().collect()
}

#[test]
fn random_documents() {
    let mut r = seeded(0x9E37_79B9_7F4A_7C15);
    let docs: Vec<String> = (0..scaled(1200)).map(|_| random_doc(&mut r)).collect();
    let (acc, rej) = run_all(docs.iter().map(String::as_str));
    println!("random: {acc} accepted, {rej} rejected");
    assert!(
        acc > 300,
        "the generator should mostly produce valid documents: {acc}/{rej}"
    );
}

#[test]
fn random_mutations() {
    let mut r = seeded(0xD1B5_4A32_D192_ED03);
    let mut docs = Vec::new();
    for i in 0..scaled(2500) {
        let base = if i % 3 == 0 {
            CORPUS[r.below(CORPUS.len())].to_string()
        } else {
            random_doc(&mut r)
        };
        docs.push(mutate(&mut r, &base));
    }
    let (acc, rej) = run_all(docs.iter().map(String::as_str));
    println!("mutations: {acc} accepted, {rej} rejected");
    assert!(
        rej > 500,
        "mutations should exercise rejection: {acc}/{rej}"
    );
}

/// Random sequences of grammar tokens: hits unusual combinations of slashdashes, line
/// continuations, children blocks, type annotations and terminators.
const TOKENS: &[&str] = &[
    "a",
    "b",
    "n1",
    "-",
    ".x",
    "+.",
    "1",
    "-2",
    "1.5",
    "0x1",
    "1e3",
    "#true",
    "#null",
    "#-inf",
    "#nan",
    "\"s\"",
    "\"\"",
    "\"a\\nb\"",
    "#\"r\"#",
    "##\"r\"#\"##",
    "\"\"\"\nml\n\"\"\"",
    "\"\"\"\n  ml\n  \"\"\"",
    "#\"\"\"\nraw\n\"\"\"#",
    "(t)",
    "(\"t\")",
    "( t )",
    "=",
    " = ",
    "{",
    "}",
    "{}",
    ";",
    "/-",
    "/- ",
    "/-\n",
    " ",
    " ",
    " ",
    "  ",
    "\t",
    "\n",
    "\n",
    "\r\n",
    "\\\n",
    " \\\n ",
    "\\ // c\n",
    "// c\n",
    "/* c */",
    "/*/**/*/",
    "\u{A0}",
    "\u{2028}",
    "\u{FEFF}",
    "k=",
    "k=1",
    "k = v",
    "\"k\"=",
    "\\",
    "#",
    "\"",
    "(",
    ")",
    "\u{85}",
    "\u{0B}",
];

#[test]
fn random_token_soup() {
    let mut r = seeded(0x0123_4567_89AB_CDEF);
    let docs: Vec<String> = (0..scaled(6000))
        .map(|_| {
            let mut s = String::new();
            for _ in 0..1 + r.below(12) {
                s.push_str(r.ps(TOKENS));
            }
            s
        })
        .collect();
    let (acc, rej) = run_all(docs.iter().map(String::as_str));
    println!("token soup: {acc} accepted, {rej} rejected");
    assert!(acc > scaled(300) && rej > scaled(300), "{acc}/{rej}");
}
