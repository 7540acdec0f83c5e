//! `moved from="ADDRESS" to="ADDRESS"` blocks: a resource renamed, moved into a module or under a
//! `for-each` keeps what state tracks (a move in the plan, never a destroy and a create).

use eco_kdl::Node as KdlNode;

use crate::diagnostic::{Diagnostic, Diagnostics};
use crate::expr::Address;
use crate::model::Moved;
use crate::source::{FileId, Sources, Span};

const EXAMPLE: &str = "moved from=\"s3-bucket.legacy\" to=\"module.site.s3-bucket.files\"";

/// Parses one `moved` node.
pub(crate) fn parse_moved(
    file: FileId,
    node: &KdlNode,
    _sources: &Sources,
    diags: &mut Diagnostics,
) -> Option<Moved> {
    let span = Span::new(file, node.span().offset(), node.span().len());
    let mut from = None;
    let mut to = None;
    let mut ok = true;
    for e in node.entries() {
        let e_span = Span::new(file, e.span().offset(), e.span().len());
        let key = e.name().map(|n| n.value());
        let address = e.value().as_string().and_then(Address::parse);
        match (key, address) {
            (Some("from"), Some(a)) => from = Some(a),
            (Some("to"), Some(a)) => to = Some(a),
            (Some("from" | "to"), None) => {
                ok = false;
                diags.push(
                    Diagnostic::new("eco::bad_address", "moved takes resource addresses")
                        .at(e_span, "not an address")
                        .help(format!(
                            "addresses are TYPE.NAME, TYPE.NAME[\"KEY\"] or module.CALL.TYPE.NAME: {EXAMPLE}"
                        )),
                )
            }
            _ => {
                ok = false;
                diags.push(
                    Diagnostic::new("eco::unknown_attribute", "moved takes `from=` and `to=`")
                        .at(e_span, "unexpected")
                        .help(EXAMPLE),
                )
            }
        }
    }
    if !node.child_nodes().is_empty() {
        ok = false;
        diags.push(
            Diagnostic::new("eco::unexpected_block", "moved takes no block")
                .at(span, "unexpected children")
                .help(EXAMPLE),
        );
    }
    match (from, to) {
        (Some(from), Some(to)) if ok => {
            if from.type_name != to.type_name {
                diags.push(
                    Diagnostic::new(
                        "eco::moved_type",
                        format!("cannot move {from} to {to}: a move keeps the resource's type"),
                    )
                    .at(span, "different types")
                    .help("to change the type, remove the old resource and declare the new one"),
                );
                return None;
            }
            Some(Moved { from, to, span })
        }
        (_, _) if ok => {
            diags.push(
                Diagnostic::new("eco::missing_attribute", "moved needs `from=` and `to=`")
                    .at(span, "incomplete")
                    .help(EXAMPLE),
            );
            None
        }
        _ => None,
    }
}
