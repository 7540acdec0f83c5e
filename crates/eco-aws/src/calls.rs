//! The shapes of AWS calls every resource type makes, written once: a read whose not-found
//! answer means "no such resource" ([`get_optional`]), a delete whose not-found answer means
//! "already done" ([`delete_if_present`]), a resource that must be there after a write
//! ([`still_there`]), a part AWS always answers with ([`answered`]), and adopting what a create
//! finds already made ([`bring_to`]).
//!
//! Which answers mean not-found differs by service, so each call takes the test (`is_not_found`,
//! `is_gone`, or a type's own); errors become [`OpError`]s through [`op_error`].

use std::future::Future;

use aws_sdk_s3::error::ProvideErrorMetadata;
use aws_smithy_runtime_api::client::result::SdkError;
use eco_provider::{Attrs, ErrorKind, Live, OpContext, OpError, ResourceProvider};

use crate::aws::{differing, op_error};

/// Runs `call`; an answer `gone` accepts as not-found is `Ok(None)`, any other error an
/// [`OpError`] of `op`.
pub async fn get_optional<T, E, R>(
    op: &str,
    gone: impl FnOnce(&SdkError<E, R>) -> bool,
    call: impl Future<Output = Result<T, SdkError<E, R>>>,
) -> Result<Option<T>, OpError>
where
    E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
    R: std::fmt::Debug + Send + Sync + 'static,
{
    match call.await {
        Ok(out) => Ok(Some(out)),
        Err(e) if gone(&e) => Ok(None),
        Err(e) => Err(op_error(op, e)),
    }
}

/// Runs the delete `call`; an answer `gone` accepts as not-found is success (the resource is
/// already gone), any other error an [`OpError`] of `op`.
pub async fn delete_if_present<T, E, R>(
    op: &str,
    gone: impl FnOnce(&SdkError<E, R>) -> bool,
    call: impl Future<Output = Result<T, SdkError<E, R>>>,
) -> Result<(), OpError>
where
    E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
    R: std::fmt::Debug + Send + Sync + 'static,
{
    get_optional(op, gone, call).await.map(|_| ())
}

/// A delete's answer, confirmed by a read when it is an error: whatever a delete answers, a
/// resource that is gone is deleted (`read`, a future, runs only after an error; another error of
/// it leaves the delete's).
pub async fn confirm_deleted<T>(
    deleted: impl Future<Output = Result<(), OpError>>,
    read: impl Future<Output = Result<Option<T>, OpError>>,
) -> Result<(), OpError> {
    match deleted.await {
        Ok(()) => Ok(()),
        Err(e) => match read.await {
            Ok(None) => Ok(()),
            _ => Err(e),
        },
    }
}

/// What a read right after `op` wrote `id` found, which must be there: `None` is the error
/// "`{ty}: `{id}` vanished`".
/// Walks a listing paged by NextToken until `pick` finds the item a create made: its id, or
/// `None` when no page has it (or `page` answers `None`: the parent is gone).
pub async fn find_in_pages<P, F, Fut>(
    mut page: F,
    mut pick: impl FnMut(&P) -> Option<String>,
    next: impl Fn(&P) -> Option<String>,
) -> Result<Option<String>, OpError>
where
    F: FnMut(Option<String>) -> Fut,
    Fut: Future<Output = Result<Option<P>, OpError>>,
{
    let mut token = None;
    loop {
        let Some(p) = page(token).await? else {
            return Ok(None);
        };
        if let Some(id) = pick(&p) {
            return Ok(Some(id));
        }
        token = next(&p);
        if token.is_none() {
            return Ok(None);
        }
    }
}

/// A part of a successful answer that AWS always returns (a GetDistribution's Distribution). An
/// answer without it is one AWS would never give: an error naming the operation, never "deleted
/// outside eco" (which would plan a re-create of something that exists). Only AWS's not-found
/// answers mean gone.
pub fn answered<T>(part: Option<T>, op: &str, what: &str) -> Result<T, OpError> {
    part.ok_or_else(|| {
        OpError::new(
            op,
            ErrorKind::Other,
            format!("AWS answered without {what}, which it always returns; eco stops rather than take the resource as deleted"),
        )
    })
}

/// What a create that found its resource already made adopts; `None` (it was deleted between
/// the create's answer and the look) is a retryable error naming `what` (`log group `x``).
pub fn found_to_adopt<T>(found: Option<T>, op: &str, what: &str) -> Result<T, OpError> {
    found.ok_or_else(|| {
        OpError::new(
            op,
            ErrorKind::Retryable,
            format!("{what} was deleted while eco was adopting it"),
        )
    })
}

/// Refuses an in-place update that changes one of `fixed` (attributes that force a
/// replacement: the planner never sends them here).
pub fn refuse_fixed(changed: &[String], fixed: &[&str], ty: &str, op: &str) -> Result<(), OpError> {
    match changed.iter().find(|c| fixed.contains(&c.as_str())) {
        Some(attr) => Err(OpError::invalid(
            op,
            format!("{ty}: `{attr}` cannot change in place (it forces a replacement)"),
        )),
        None => Ok(()),
    }
}

/// Refuses any in-place update of a type AWS cannot change in place (every attribute forces a
/// replacement): `cannot` says what AWS cannot change (`Lambda cannot change a statement`).
pub fn refuse_any(changed: &[String], ty: &str, op: &str, cannot: &str) -> Result<(), OpError> {
    match changed.first() {
        Some(attr) => Err(OpError::invalid(
            op,
            format!("{ty}: {cannot} in place; a change of `{attr}` replaces it"),
        )),
        None => Ok(()),
    }
}

/// What a read right after a create found: `None` (the resource `name` is not there after `op`
/// answered) is an error.
pub fn made<T>(found: Option<T>, op: &str, ty: &str, name: &str) -> Result<T, OpError> {
    found.ok_or_else(|| {
        let message = format!("{ty}: `{name}` vanished after {op}");
        OpError::new(op, ErrorKind::Other, message)
    })
}

pub fn still_there<T>(found: Option<T>, op: &str, ty: &str, id: &str) -> Result<T, OpError> {
    found.ok_or_else(|| OpError::new(op, ErrorKind::Other, format!("{ty}: `{id}` vanished")))
}

/// Adopts `live`, a resource of ours that a create found already made: brings it to `desired`
/// through the type's own `update` for the top-level attributes that differ (leaving out `skip`,
/// settings that are not the resource's); when none differs it is taken as it is.
pub async fn bring_to<P: ResourceProvider + ?Sized>(
    provider: &P,
    ctx: &OpContext,
    live: Live,
    desired: &Attrs,
    skip: &[&str],
) -> Result<Live, OpError> {
    let changed = differing(desired, &live.attrs, skip);
    if changed.is_empty() {
        return Ok(live);
    }
    provider
        .update(ctx, &live.id, &live.attrs, desired, &changed)
        .await
}

/// Every item of a listing paged by a continuation token: `page(token)` fetches one page and
/// answers its items and the next token (`None` or empty on the last page), or `None` when what
/// is listed is gone, which makes the whole listing `None`.
pub async fn all_pages<T, F, Fut>(mut page: F) -> Result<Option<Vec<T>>, OpError>
where
    F: FnMut(Option<String>) -> Fut,
    Fut: Future<Output = Result<Option<(Vec<T>, Option<String>)>, OpError>>,
{
    let mut items = Vec::new();
    let mut token = None;
    loop {
        let Some((found, next)) = page(token).await? else {
            return Ok(None);
        };
        items.extend(found);
        token = next.filter(|t| !t.is_empty());
        if token.is_none() {
            return Ok(Some(items));
        }
    }
}

/// [`all_pages`] for a listing that cannot be gone: `page(token)` answers one page's items and
/// the token of the next page (`None` or empty after the last).
pub async fn every_page<T, F, Fut>(mut page: F) -> Result<Vec<T>, OpError>
where
    F: FnMut(Option<String>) -> Fut,
    Fut: Future<Output = Result<(Vec<T>, Option<String>), OpError>>,
{
    let listed = all_pages(|token| {
        let one = page(token);
        async move { one.await.map(Some) }
    });
    Ok(listed.await?.unwrap_or_default())
}

/// What an update found of the resource it is about to change, which must be there: `None` is
/// the error "`{what}` no longer exists (deleted outside eco?)" (`what` names the resource).
pub fn to_update<T>(found: Option<T>, op: &str, what: &str) -> Result<T, OpError> {
    found.ok_or_else(|| {
        OpError::new(
            op,
            ErrorKind::Other,
            format!("{what} no longer exists (deleted outside eco?)"),
        )
    })
}

/// Every item of a listing paged by NextToken: `items` of each page, until `next` gives no
/// token (or `page` answers `None`: the parent is gone, and what was listed so far is all).
pub async fn collect_pages<T, P, F, Fut>(
    page: F,
    items: impl Fn(&P) -> Vec<T>,
    next: impl Fn(&P) -> Option<String>,
) -> Result<Vec<T>, OpError>
where
    F: FnMut(Option<String>) -> Fut,
    Fut: Future<Output = Result<Option<P>, OpError>>,
{
    let mut all = Vec::new();
    let none = find_in_pages(
        page,
        |p| {
            all.extend(items(p));
            None
        },
        next,
    );
    none.await?;
    Ok(all)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_answer_without_what_aws_always_returns_is_an_error_not_gone() {
        assert_eq!(
            answered(Some(3), "GetHostedZone", "a HostedZone").unwrap(),
            3
        );
        let e = answered::<u8>(None, "GetHostedZone", "a HostedZone").unwrap_err();
        assert_eq!(e.operation, "GetHostedZone");
        assert_eq!(e.kind, ErrorKind::Other);
        assert!(e.message.contains("without a HostedZone"), "{e}");
    }

    #[tokio::test]
    async fn all_pages_follows_the_token_to_the_last_page() {
        let pages = |token: Option<String>| async move {
            Ok(Some(match token.as_deref() {
                None => (vec![1, 2], Some("b".to_string())),
                Some("b") => (vec![3], Some(String::new())),
                other => panic!("{other:?}"),
            }))
        };
        assert_eq!(all_pages(pages).await.unwrap(), Some(vec![1, 2, 3]));
        let gone = |_| async { Ok(None::<(Vec<u8>, Option<String>)>) };
        assert_eq!(all_pages(gone).await.unwrap(), None);
    }

    #[test]
    fn what_an_update_finds_gone_is_an_error_naming_it() {
        assert_eq!(to_update(Some(1), "UpdateGroup", "group `a`").unwrap(), 1);
        let e = to_update::<u8>(None, "UpdateGroup", "group `a`").unwrap_err();
        assert_eq!(e.kind, ErrorKind::Other);
        assert_eq!(
            e.message,
            "group `a` no longer exists (deleted outside eco?)"
        );
    }

    #[tokio::test]
    async fn every_page_follows_the_token_to_the_last_page() {
        let pages = [
            (vec![1, 2], Some("b")),
            (vec![3], Some("c")),
            (vec![], None),
        ];
        let mut asked = Vec::new();
        let all = every_page(|token| {
            asked.push(token.clone());
            let i = asked.len() - 1;
            let (items, next) = pages[i].clone();
            async move { Ok((items, next.map(str::to_string))) }
        })
        .await
        .unwrap();
        assert_eq!(all, vec![1, 2, 3]);
        assert_eq!(asked, vec![None, Some("b".into()), Some("c".into())]);
    }

    #[tokio::test]
    async fn collect_pages_collects_every_page_until_no_token_or_gone() {
        let pages = |last: Option<u8>| {
            move |token: Option<String>| async move {
                let n: u8 = token.map_or(0, |t| t.parse().unwrap());
                Ok(match last {
                    Some(l) if n > l => None,
                    _ => Some(n),
                })
            }
        };
        let next = |n: &u8| (*n < 2).then(|| (n + 1).to_string());
        let all = collect_pages(pages(None), |n| vec![*n, *n], next)
            .await
            .unwrap();
        assert_eq!(all, [0, 0, 1, 1, 2, 2]);
        let gone = collect_pages(pages(Some(0)), |n| vec![*n], next)
            .await
            .unwrap();
        assert_eq!(gone, [0]);
    }
}
