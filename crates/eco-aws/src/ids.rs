//! Composite ids (`A/B`, `A/B/C`): the id and import id of a resource that lives inside another
//! (an API's route, a pool's client), split with one error wording for every type.

use eco_provider::OpError;

/// Splits `id` into `N` non-empty parts at its first `N - 1` slashes (the last part keeps any
/// further slash). `format` names the parts for the error, e.g. `API-ID/ROUTE-ID`:
/// "`{ty}: id `{id}` is not {format}`".
pub fn split_id<const N: usize>(
    id: &str,
    ty: &str,
    op: &str,
    format: &str,
) -> Result<[String; N], OpError> {
    let parts: Vec<String> = id.splitn(N, '/').map(str::to_string).collect();
    match <[String; N]>::try_from(parts) {
        Ok(parts) if parts.iter().all(|p| !p.is_empty()) => Ok(parts),
        _ => Err(OpError::invalid(
            op,
            format!("{ty}: id `{id}` is not {format}"),
        )),
    }
}

/// [`split_id`] into two parts, as a pair.
pub fn split_pair(id: &str, ty: &str, op: &str, format: &str) -> Result<(String, String), OpError> {
    split_id::<2>(id, ty, op, format).map(|[a, b]| (a, b))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_into_non_empty_parts() {
        let [a, b] = split_id::<2>("api/r/x", "api-route", "Op", "API-ID/ID").unwrap();
        assert_eq!((a.as_str(), b.as_str()), ("api", "r/x"));
        let [a, b, c] = split_id::<3>("a/b/c", "t", "Op", "A/B/C").unwrap();
        assert_eq!([a, b, c], ["a", "b", "c"]);
        for bad in ["api", "/r", "api/", ""] {
            let e = split_id::<2>(bad, "api-route", "Op", "API-ID/ID").unwrap_err();
            assert_eq!(e.message, format!("api-route: id `{bad}` is not API-ID/ID"));
        }
        assert!(split_id::<3>("a/b", "t", "Op", "A/B/C").is_err());
    }
}
