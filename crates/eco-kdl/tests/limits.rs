//! Nesting limits and hostile inputs: eco-kdl must return errors, never panic or overflow
//! its stack (this runs in a default 2 MiB test thread, in debug).

use eco_kdl::{parse, MAX_DEPTH};

fn nested_children(d: usize) -> String {
    format!("{}{}", "a {".repeat(d), "}".repeat(d))
}

#[test]
fn children_nesting_up_to_the_limit() {
    assert!(parse(&nested_children(MAX_DEPTH)).is_ok());
    let e = parse(&nested_children(MAX_DEPTH + 1)).unwrap_err();
    assert_eq!(e.message, "nesting too deep");
    assert!(parse(&nested_children(100_000)).is_err());
    // Within the limit the tree is the same as the kdl crate's (shallow enough for it).
    let src = nested_children(40);
    let k = kdl::KdlDocument::parse_v2(&src).unwrap();
    let doc = parse(&src).unwrap();
    let (mut kn, mut en) = (&k.nodes()[0], &doc.nodes[0]);
    for _ in 0..39 {
        kn = &kn.children().unwrap().nodes()[0];
        en = &en.child_nodes()[0];
    }
    assert_eq!(kn.children().unwrap().nodes().len(), en.child_nodes().len());
}

#[test]
fn hostile_nesting_errors_without_overflow() {
    let d = 100_000;
    for src in [
        format!("a {}1 2", "/-".repeat(d)),
        format!("a {}", "/-{".repeat(d)),
        "/-a {".repeat(d),
        "a /-{ ".repeat(d),
        format!("a {}", "(".repeat(d)),
        format!("a /*{}", "/*".repeat(d)),
        "{".repeat(d),
        "\"".repeat(d),
        "#".repeat(d),
        format!("a #{}\"x\"", "#".repeat(d)),
    ] {
        assert!(parse(&src).is_err());
    }
    // Deep but closed block comments are fine: they are scanned iteratively.
    assert!(parse(&format!("a /*{}{}", "/*".repeat(d), "*/".repeat(d + 1))).is_ok());
}
