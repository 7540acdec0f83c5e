//! The standard tests every resource type passes (DESIGN.md "Engine shape", after omicron's
//! per-saga tests): run them from a type's integration test against moto.
//!
//! - success: create, then read gives what was asked;
//! - each operation twice has the effect of once (create, update, delete);
//! - a crash after the create call (its result never recorded) is recovered by `find`;
//! - a resource deleted outside eco reads as `None`, and deleting it again is success.
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
