//! Ownership refusals: the `Conflict` error for a resource that exists under the name a create
//! wants but is not this address's (another eco owner's, or made outside eco). Written once;
//! each type says what the resource is and the id `eco import` would take.

use std::collections::BTreeMap;

use eco_provider::{ErrorKind, OpContext, OpError, TAG_ADDRESS, TAG_PROJECT, TAG_STAGE};

/// The Conflict error for a resource that exists under this name and is not this address's:
/// "`{what}` already exists and is not ADDRESS of project `P` stage `S`: OWNER", OWNER naming
/// the eco owner its tags say, or the `eco import` that would adopt it.
pub fn not_ours(
    ctx: &OpContext,
    operation: &str,
    what: &str,
    import_id: &str,
    tags: &BTreeMap<String, String>,
) -> OpError {
    let tag = |k: &str| tags.get(k).map(String::as_str).unwrap_or("?");
    let owner = if [TAG_PROJECT, TAG_STAGE, TAG_ADDRESS]
        .iter()
        .any(|k| tags.contains_key(*k))
    {
        format!(
            "it belongs to eco project `{}`, stage `{}`, address `{}`",
            tag(TAG_PROJECT),
            tag(TAG_STAGE),
            tag(TAG_ADDRESS)
        )
    } else {
        format!(
            "it has no eco ownership tags (made outside eco); to manage it here, adopt it with \
             `eco import {} {import_id}`",
            ctx.address
        )
    };
    OpError::new(
        operation,
        ErrorKind::Conflict,
        format!(
            "{what} already exists and is not {} of project `{}` stage `{}`: {owner}",
            ctx.address, ctx.project, ctx.stage
        ),
    )
}

/// The same refusal in the wording of the data-holding types (tables, user pools):
/// "`{what}` already exists and does not belong to ADDRESS of project P stage S: WHO", WHO
/// listing the ownership tags it carries, or the `eco import` that would adopt it.
pub fn not_ours_by_tags(
    ctx: &OpContext,
    operation: &str,
    what: &str,
    import_id: &str,
    tags: &BTreeMap<String, String>,
) -> OpError {
    let owner: Vec<String> = [TAG_PROJECT, TAG_STAGE, TAG_ADDRESS]
        .iter()
        .filter_map(|k| tags.get(*k).map(|v| format!("{k}={v}")))
        .collect();
    let who = if owner.is_empty() {
        format!(
            "it carries no eco ownership tags (made outside eco); to manage it, \
             `eco import {} {import_id}`",
            ctx.address
        )
    } else {
        format!("its ownership tags say {}", owner.join(", "))
    };
    OpError::new(
        operation,
        ErrorKind::Conflict,
        format!(
            "{what} already exists and does not belong to {} of project {} stage {}: {who}",
            ctx.address, ctx.project, ctx.stage
        ),
    )
}

/// `Ok` when `tags` say the resource is this address's, else the [`not_ours`] refusal: what a
/// find, or a create that meets a resource of its name, checks before taking it.
pub fn ensure_ours(
    ctx: &OpContext,
    operation: &str,
    what: &str,
    import_id: &str,
    tags: &BTreeMap<String, String>,
) -> Result<(), OpError> {
    match ctx.owns(tags) {
        true => Ok(()),
        false => Err(not_ours(ctx, operation, what, import_id, tags)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ctx() -> OpContext {
        OpContext::new("api.main", "p", "dev")
    }

    #[test]
    fn not_ours_names_the_owner_or_the_import() {
        let foreign = BTreeMap::from([(TAG_PROJECT.to_string(), "other".to_string())]);
        let e = not_ours(&ctx(), "CreateApi", "API `x`", "id1", &foreign);
        assert_eq!(e.kind, ErrorKind::Conflict);
        assert_eq!(
            e.message,
            "API `x` already exists and is not api.main of project `p` stage `dev`: it belongs \
             to eco project `other`, stage `?`, address `?`"
        );
        let e = not_ours(&ctx(), "CreateApi", "API `x`", "id1", &BTreeMap::new());
        assert!(e
            .message
            .ends_with("adopt it with `eco import api.main id1`"));
    }

    #[test]
    fn not_ours_by_tags_lists_the_tags() {
        let foreign = BTreeMap::from([(TAG_STAGE.to_string(), "prod".to_string())]);
        let e = not_ours_by_tags(&ctx(), "CreateTable", "table `t`", "t", &foreign);
        assert_eq!(
            e.message,
            "table `t` already exists and does not belong to api.main of project p stage dev: \
             its ownership tags say eco:stage=prod"
        );
        let e = not_ours_by_tags(&ctx(), "CreateTable", "table `t`", "t", &BTreeMap::new());
        assert!(e.message.ends_with("to manage it, `eco import api.main t`"));
    }

    #[test]
    fn ensure_ours_accepts_this_addresss_tags_only() {
        let ours = ctx().ownership_tags();
        assert!(ensure_ours(&ctx(), "GetX", "x", "x", &ours).is_ok());
        let e = ensure_ours(&ctx(), "GetX", "x", "x", &BTreeMap::new()).unwrap_err();
        assert_eq!(e.kind, ErrorKind::Conflict);
    }
}
