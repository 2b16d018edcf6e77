//! Which request the handler serves, judged on the method and the raw request target
//! (path and query exactly as sent), before any URL normalisation could turn a `..`,
//! a `%2e%2e` or a backslash into a path that looks like one of ours.
//!
//! Only five targets pass, each with its one method: `GET` and `POST` at
//! `{prefix}/agent-runs`, `GET` and `PUT` at `{prefix}/agent-runs/{uuid}`. Anything else
//! under the prefix is not found; anything not under it is not ours at all.

/// What a request asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Route {
    /// `GET {prefix}/agent-runs`
    List,
    /// `POST {prefix}/agent-runs`
    Create,
    /// `GET {prefix}/agent-runs/{run id}`
    Read(String),
    /// `PUT {prefix}/agent-runs/{run id}`
    Continue(String),
    /// Under the prefix but none of the above: 404, nothing sent upstream.
    NotFound,
    /// Not under the prefix: another route of the app (a Node listener may pass it on).
    Outside,
}

/// The collection's path under the prefix.
pub const COLLECTION: &str = "/agent-runs";
/// Longer prefixes are refused (they would be a mistake).
const MAX_PREFIX: usize = 1024;

/// A prefix is `""` or `/segment/segment…`, each segment of unreserved characters
/// (RFC 3986: letters, digits, `-`, `.`, `_`, `~`) and neither `.` nor `..`; one
/// trailing slash is dropped. Returns it as routes compare it.
pub fn check_prefix(prefix: &str) -> Result<&str, &'static str> {
    let trimmed = prefix.strip_suffix('/').unwrap_or(prefix);
    if trimmed.len() > MAX_PREFIX {
        return Err("prefix: at most 1024 characters");
    }
    if trimmed.is_empty() {
        return Ok(trimmed);
    }
    let Some(rest) = trimmed.strip_prefix('/') else {
        return Err("prefix: must start with \"/\" (like \"/api/toolhouse\")");
    };
    for segment in rest.split('/') {
        if segment.is_empty() || segment == "." || segment == ".." {
            return Err("prefix: no empty, \".\" or \"..\" segments");
        }
        if !segment.bytes().all(is_unreserved) {
            return Err("prefix: only letters, digits, \"-\", \".\", \"_\" and \"~\" between the slashes");
        }
    }
    Ok(trimmed)
}

/// RFC 3986's unreserved characters.
pub fn is_unreserved(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~')
}

/// A UUID in its 8-4-4-4-12 hex form (either case), as the client checks run ids.
pub fn is_uuid(text: &str) -> bool {
    text.len() == 36
        && text.bytes().enumerate().all(|(i, b)| match i {
            8 | 13 | 18 | 23 => b == b'-',
            _ => b.is_ascii_hexdigit(),
        })
}

/// Judges one request. `target` is the request target as sent (origin form: the path,
/// then `?` and the query if there is one); `prefix` as [`check_prefix`] takes it (an
/// invalid prefix matches nothing).
pub fn route(method: &str, target: &str, prefix: &str) -> Route {
    let Ok(prefix) = check_prefix(prefix) else {
        return Route::NotFound;
    };
    // Only the origin form is ours: not `*`, not `http://host/…` (absolute form).
    if !target.starts_with('/') {
        return Route::NotFound;
    }
    let (path, query) = match target.split_once('?') {
        Some((path, query)) => (path, Some(query)),
        None => (target, None),
    };
    // "/api/toolhousex" is another route; "/api/toolhouse\…" or "/api/toolhouse%2F…" is a
    // trick on ours (a normaliser may read either as "/api/toolhouse/…").
    let rest = match path.strip_prefix(prefix) {
        Some(rest) if !rest.bytes().next().is_some_and(is_unreserved) => rest,
        _ => return Route::Outside,
    };
    // Even an empty query ("…/agent-runs?") is not one of ours: the calls take none.
    if query.is_some() {
        return Route::NotFound;
    }
    if rest == COLLECTION {
        return match method {
            "GET" => Route::List,
            "POST" => Route::Create,
            _ => Route::NotFound,
        };
    }
    match rest.strip_prefix(COLLECTION).and_then(|r| r.strip_prefix('/')) {
        Some(id) if is_uuid(id) => match method {
            "GET" => Route::Read(id.to_owned()),
            "PUT" => Route::Continue(id.to_owned()),
            _ => Route::NotFound,
        },
        _ => Route::NotFound,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const P: &str = "/api/toolhouse";
    const RUN: &str = "bcb7e865-9e6c-4a1b-8c2d-c0110fdf5c2e";

    fn item() -> String {
        format!("{P}/agent-runs/{RUN}")
    }

    #[test]
    fn the_four_calls_and_the_list_match_with_their_methods() {
        assert_eq!(route("GET", "/api/toolhouse/agent-runs", P), Route::List);
        assert_eq!(route("POST", "/api/toolhouse/agent-runs", P), Route::Create);
        assert_eq!(route("GET", &item(), P), Route::Read(RUN.to_owned()));
        assert_eq!(route("PUT", &item(), P), Route::Continue(RUN.to_owned()));
        let upper = RUN.to_uppercase();
        assert_eq!(route("GET", &format!("{P}/agent-runs/{upper}"), P), Route::Read(upper));
    }

    #[test]
    fn other_methods_are_not_found() {
        for method in ["HEAD", "OPTIONS", "DELETE", "PATCH", "PUT", "get", "Post", "", "CONNECT", "TRACE"] {
            assert_eq!(route(method, "/api/toolhouse/agent-runs", P), Route::NotFound, "{method} collection");
        }
        for method in ["HEAD", "OPTIONS", "DELETE", "PATCH", "POST", "put", "get"] {
            assert_eq!(route(method, &item(), P), Route::NotFound, "{method} item");
        }
    }

    #[test]
    fn dot_segments_raw_or_encoded_are_not_found() {
        let tricks = [
            "/api/toolhouse/agent-runs/../agent-runs",
            "/api/toolhouse/./agent-runs",
            "/api/toolhouse/agent-runs/.",
            "/api/toolhouse/agent-runs/%2e%2e/agent-runs",
            "/api/toolhouse/%2E/agent-runs",
            "/api/toolhouse/agent-runs/.%2e/x",
            "/api/toolhouse/x/../agent-runs",
            "/api/toolhouse/x/%2e%2e/agent-runs",
        ];
        for target in tricks {
            assert_eq!(route("GET", target, P), Route::NotFound, "{target}");
        }
    }

    #[test]
    fn slashes_backslashes_queries_and_extra_segments_are_not_found() {
        let tricks = [
            "/api/toolhouse//agent-runs",
            "/api/toolhouse/agent-runs/",
            "/api/toolhouse/agent-runs//",
            "/api/toolhouse\\agent-runs",
            "/api/toolhouse/agent-runs\\",
            "/api/toolhouse/agent-runs%2f",
            "/api/toolhouse/agent-runs%2F" ,
            "/api/toolhouse/agent-runs?",
            "/api/toolhouse/agent-runs?x=1",
            "/api/toolhouse/agent-runs#x",
            "/api/toolhouse/agent-runs/x",
            "/api/toolhouse/agent-runs-x",
            "/api/toolhouse/Agent-Runs",
            "/api/toolhouse/%61gent-runs",
            "/api/toolhouse",
            "/api/toolhouse/",
            "/api/toolhouse/other",
        ];
        for target in tricks {
            assert_eq!(route("GET", target, P), Route::NotFound, "{target}");
        }
        let id_tricks = [
            format!("{}/", item()),
            format!("{}?", item()),
            format!("{}?a=b", item()),
            format!("{}/x", item()),
            format!("{}%2f", item()),
            format!("{}/..", item()),
            format!("{P}/agent-runs/{RUN}x"),
            format!("{P}/agent-runs/%7B{RUN}%7D"),
            format!("{P}/agent-runs/{}", RUN.replace('-', "")),
            format!("{P}/agent-runs/{}", &RUN.replace('b', "g")),
        ];
        for target in &id_tricks {
            assert_eq!(route("GET", target, P), Route::NotFound, "{target}");
            assert_eq!(route("PUT", target, P), Route::NotFound, "{target}");
        }
    }

    #[test]
    fn targets_outside_the_prefix_are_not_ours() {
        for target in ["/", "/about", "/api/toolhousex/agent-runs", "/api/toolhouse-x", "/api/toolhouse.json", "/api/toolhous", "//api/toolhouse/agent-runs", "/api/x/../toolhouse/agent-runs", "/API/toolhouse/agent-runs", "/api/%74oolhouse/agent-runs"] {
            assert_eq!(route("GET", target, P), Route::Outside, "{target}");
        }
    }

    #[test]
    fn only_the_origin_form_is_ours() {
        for target in ["*", "http://127.0.0.1/api/toolhouse/agent-runs", "", "api/toolhouse/agent-runs"] {
            assert_eq!(route("GET", target, P), Route::NotFound, "{target}");
        }
    }

    #[test]
    fn an_empty_prefix_serves_at_the_root_and_a_trailing_slash_is_dropped() {
        assert_eq!(route("GET", "/agent-runs", ""), Route::List);
        assert_eq!(route("GET", "/agent-runs", "/"), Route::List);
        assert_eq!(route("GET", "/other", ""), Route::NotFound);
        assert_eq!(route("GET", "/api/toolhouse/agent-runs", "/api/toolhouse/"), Route::List);
    }

    #[test]
    fn prefixes_are_plain_paths() {
        for good in ["", "/", "/api", "/api/toolhouse", "/api/toolhouse/", "/a.b/c~d/e_f-g"] {
            assert!(check_prefix(good).is_ok(), "{good}");
        }
        for bad in ["api", "//api", "/api//x", "/api/./x", "/api/../x", "/..", "/api/%2e", "/a b", "/a?b", "/a#b", "/a\\b", "/é"] {
            assert!(check_prefix(bad).is_err(), "{bad}");
        }
        assert!(check_prefix(&format!("/{}", "a".repeat(1024))).is_err());
        assert_eq!(route("GET", "/api/../agent-runs", "/api/.."), Route::NotFound);
    }

    /// The targets that must match, and the operation each is.
    fn canonical(route: &Route, prefix: &str) -> Option<(&'static str, String)> {
        let prefix = check_prefix(prefix).ok()?;
        match route {
            Route::List => Some(("GET", format!("{prefix}{COLLECTION}"))),
            Route::Create => Some(("POST", format!("{prefix}{COLLECTION}"))),
            Route::Read(id) => Some(("GET", format!("{prefix}{COLLECTION}/{id}"))),
            Route::Continue(id) => Some(("PUT", format!("{prefix}{COLLECTION}/{id}"))),
            Route::NotFound | Route::Outside => None,
        }
    }

    /// Path tricks that a normaliser (a URL parser, a proxy, a framework) may read as
    /// something else than they are.
    const TRICKS: &[&str] = &[
        "/..", "/.", "/%2e%2e", "/%2E%2E", "/.%2e", "/%2e.", "/%2e", "/", "//", "\\", "/\\", "%2f", "%2F", "%5c", "%5C",
        "?", "?x=1", "#", "%00", "%20", ";", ";x", "/x/..", "/x/%2e%2e", "%3f", "/%2f", "/./", "/../",
    ];

    fn any_method() -> impl Strategy<Value = String> {
        prop_oneof![
            Just("GET".to_owned()),
            Just("POST".to_owned()),
            Just("PUT".to_owned()),
            Just("DELETE".to_owned()),
            Just("HEAD".to_owned()),
            "[A-Za-z]{0,8}",
        ]
    }

    fn any_valid_target() -> impl Strategy<Value = String> {
        let id = "[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}";
        prop_oneof![Just(format!("{P}{COLLECTION}")), id.prop_map(|id| format!("{P}{COLLECTION}/{id}"))]
    }

    proptest! {
        #[test]
        fn no_input_makes_the_router_panic(method in any::<String>(), target in any::<String>(), prefix in any::<String>()) {
            let _ = route(&method, &target, &prefix);
        }

        #[test]
        fn whatever_matches_is_exactly_its_canonical_target(method in any_method(), target in "(/[a-z%.\\\\?#-]{0,12}){0,5}|/api/toolhouse/agent-runs.{0,40}", prefix in prop_oneof![Just(P.to_owned()), Just(String::new()), "(/[a-z.]{1,4}){0,3}"]) {
            let r = route(&method, &target, &prefix);
            if let Some((m, t)) = canonical(&r, &prefix) {
                prop_assert_eq!(m, method.as_str());
                prop_assert_eq!(t, target);
            }
        }

        #[test]
        fn a_path_trick_anywhere_in_a_valid_target_never_matches(target in any_valid_target(), method in any_method(), trick in prop::sample::select(TRICKS), at in any::<prop::sample::Index>()) {
            // Insert the trick at a byte boundary of the target (all ASCII).
            let cut = at.index(target.len() + 1);
            let mut tricked = String::with_capacity(target.len() + trick.len());
            tricked.push_str(target.get(..cut).unwrap_or_default());
            tricked.push_str(trick);
            tricked.push_str(target.get(cut..).unwrap_or_default());
            let r = route(&method, &tricked, P);
            prop_assert!(canonical(&r, P).is_none(), "{} {} matched as {:?}", method, tricked, r);
        }

        #[test]
        fn every_valid_target_matches_with_its_method(target in any_valid_target()) {
            let is_item = target.len() > P.len() + COLLECTION.len();
            let (read, write) = (route("GET", &target, P), route(if is_item { "PUT" } else { "POST" }, &target, P));
            prop_assert!(canonical(&read, P).is_some());
            prop_assert!(canonical(&write, P).is_some());
        }
    }
}
