//! The standard tests every resource type passes (DESIGN.md "Engine shape", after omicron's
//! per-saga tests): run them from a type's integration test against moto.
//!
//! - success: create, then read gives what was asked;
//! - each operation twice has the effect of once (create, update, delete);
//! - a crash after the create call (its result never recorded) is recovered by `find`;
//! - a resource deleted outside eco reads as `None`, and deleting it again is success;
//! - [`replace`], for types with a forces-replacement attribute (a type's test opts in with a
//!   replacement-forcing change): destroy-before-create, and where the replacement can exist
//!   beside the old resource create-before-destroy, whose create and find never answer the
//!   resource it replaces (`OpContext::replacing`), including after a crash of the create.
//!
//! Failure injection at each engine step (before/after the intent, before/after the call) is
//! exercised by the engine's own tests, which drive these operations through the apply walk.

use crate::{Attrs, OpContext, ResourceProvider, Value};

/// A type's inputs for the standard tests.
pub struct Case<'a> {
    pub provider: &'a dyn ResourceProvider,
    pub ctx: OpContext,
    /// What to create.
    pub desired: Attrs,
    /// An in-place change of `desired` (only attributes updatable in place).
    pub updated: Attrs,
    /// The top-level attributes that differ between `desired` and `updated`.
    pub changed: Vec<String>,
    /// The idempotency token to create with.
    pub token: String,
}

/// Asserts that every attribute of `want` is reported the same by `live`.
pub fn assert_attrs_match(what: &str, want: &Attrs, live: &Attrs) {
    for (k, v) in want {
        if matches!(v, Value::Unknown) {
            continue;
        }
        assert_eq!(
            live.get(k),
            Some(v),
            "{what}: attribute `{k}` differs (live: {live:#?})"
        );
    }
}

/// Runs every standard test on one case. Panics (fails the test) on the first violation.
pub async fn run(case: Case<'_>) {
    let p = case.provider;
    let ctx = &case.ctx;

    // Nothing there yet.
    assert_eq!(
        p.find(ctx, &case.desired, &case.token)
            .await
            .expect("find before create"),
        None,
        "find must not see anything before the create"
    );

    // Success, and create twice = once.
    let first = p
        .create(ctx, &case.desired, &case.token)
        .await
        .expect("create");
    assert_attrs_match("after create", &case.desired, &first.attrs);
    let again = p
        .create(ctx, &case.desired, &case.token)
        .await
        .expect("a second create with the same token adopts the first");
    assert_eq!(
        again.id, first.id,
        "a second create must not make a second resource"
    );

    // A crash after the create call: the result was never recorded; find recovers it.
    let found = p
        .find(ctx, &case.desired, &case.token)
        .await
        .expect("find after create")
        .expect("find must see what the create made");
    assert_eq!(found.id, first.id);

    // Read gives what was asked.
    let read = p.read(ctx, &first.id).await.expect("read").expect("exists");
    assert_attrs_match("read after create", &case.desired, &read.attrs);

    // Update, and update twice = once.
    let updated = p
        .update(ctx, &first.id, &read.attrs, &case.updated, &case.changed)
        .await
        .expect("update");
    assert_eq!(updated.id, first.id, "an in-place update keeps the id");
    assert_attrs_match("after update", &case.updated, &updated.attrs);
    let updated_again = p
        .update(ctx, &first.id, &read.attrs, &case.updated, &case.changed)
        .await
        .expect("a second identical update");
    assert_attrs_match(
        "after the second update",
        &case.updated,
        &updated_again.attrs,
    );
    let read = p.read(ctx, &first.id).await.expect("read").expect("exists");
    assert_attrs_match("read after update", &case.updated, &read.attrs);

    // Delete, and delete twice = once; then it reads as gone.
    p.delete(ctx, &first.id, &read.attrs).await.expect("delete");
    p.delete(ctx, &first.id, &read.attrs)
        .await
        .expect("deleting what is already gone is success");
    assert_eq!(
        p.read(ctx, &first.id).await.expect("read after delete"),
        None
    );
    assert_eq!(
        p.find(ctx, &case.desired, &case.token)
            .await
            .expect("find after delete"),
        None
    );
}

/// A type's inputs for the standard replacement test ([`replace`]).
pub struct Replacement<'a> {
    pub provider: &'a dyn ResourceProvider,
    pub ctx: OpContext,
    /// What to create first.
    pub desired: Attrs,
    /// `desired` with a change of an attribute that forces replacement.
    pub replaced: Attrs,
    /// Whether the replacement can exist beside the old resource (create-before-destroy): its
    /// identity (name, ...) differs, or the type finds by ownership tags or token.
    pub beside: bool,
}

/// Runs the standard replacement test: destroy-before-create (the default order) and, when the
/// replacement can exist beside the old resource, create-before-destroy, as the engine does them
/// (see eco-engine's `protocol.rs`). Panics on the first violation; leaves nothing behind.
pub async fn replace(case: Replacement<'_>) {
    let p = case.provider;
    let ctx = &case.ctx;

    // Destroy before create: the old one goes, then the new one is made (it may take the old
    // one's name and id).
    let old = p
        .create(ctx, &case.desired, "eco-replace-1")
        .await
        .expect("create");
    let read = p.read(ctx, &old.id).await.expect("read").expect("exists");
    p.delete(ctx, &old.id, &read.attrs)
        .await
        .expect("delete the old one");
    let new = p
        .create(ctx, &case.replaced, "eco-replace-2")
        .await
        .expect("create the replacement");
    let read = p
        .read(ctx, &new.id)
        .await
        .expect("read the replacement")
        .expect("the replacement exists");
    assert_attrs_match(
        "the replacement (destroy before create)",
        &case.replaced,
        &read.attrs,
    );
    if new.id != old.id {
        assert_eq!(
            p.read(ctx, &old.id).await.expect("read the old one"),
            None,
            "the old one is gone"
        );
    }
    p.delete(ctx, &new.id, &read.attrs).await.expect("delete");
    assert_eq!(
        p.read(ctx, &new.id).await.expect("read after delete"),
        None,
        "the replacement is deleted"
    );

    if !case.beside {
        return;
    }
    // Create before destroy: the new one is made while the old one lives, and must never be it.
    let old = p
        .create(ctx, &case.desired, "eco-replace-3")
        .await
        .expect("create");
    let replacing = ctx.clone().with_replacing(Some(old.id.clone()));
    assert_eq!(
        p.find(&replacing, &case.replaced, "eco-replace-4")
            .await
            .expect("find before the replacement's create"),
        None,
        "settling a replacement whose create made nothing must not find the old resource"
    );
    let new = p
        .create(&replacing, &case.replaced, "eco-replace-4")
        .await
        .expect("create the replacement beside the old one");
    assert_ne!(
        new.id, old.id,
        "the replacement must not be the resource it replaces"
    );
    let read = p
        .read(ctx, &new.id)
        .await
        .expect("read the replacement")
        .expect("the replacement exists");
    assert_attrs_match(
        "the replacement (create before destroy)",
        &case.replaced,
        &read.attrs,
    );
    // A crash after the create: settling finds the replacement, not the old one; a create
    // again (another plan's token) adopts the replacement.
    let found = p
        .find(&replacing, &case.replaced, "eco-replace-4")
        .await
        .expect("find after the replacement's create")
        .expect("find must see the replacement");
    assert_eq!(found.id, new.id);
    let again = p
        .create(&replacing, &case.replaced, "eco-replace-5")
        .await
        .expect("a second create of the replacement");
    assert_eq!(
        again.id, new.id,
        "a second create must not make a third resource"
    );
    // The old one is untouched until its delete, then gone; the replacement stays.
    let old_read = p
        .read(ctx, &old.id)
        .await
        .expect("read the old one")
        .expect("the old one lives until its delete");
    assert_attrs_match("the old one", &case.desired, &old_read.attrs);
    p.delete(ctx, &old.id, &old_read.attrs)
        .await
        .expect("delete the old one");
    assert_eq!(p.read(ctx, &old.id).await.expect("read after delete"), None);
    let read = p
        .read(ctx, &new.id)
        .await
        .expect("read the replacement")
        .expect("the replacement outlives the old one");
    p.delete(ctx, &new.id, &read.attrs).await.expect("delete");
}
