//! A router's API routes read from its source, for the tests that hold each node's OpenAPI
//! description to the routes it serves: every `.route("/api/...", get(..).post(..))` call.

use std::collections::BTreeSet;

/// The methods a route call may name.
pub const METHODS: [&str; 5] = ["get", "post", "put", "delete", "patch"];

/// `(METHOD, path)` of every `.route("/api/...", ...)` in `source`, each method its call names.
pub fn api_routes_in(source: &str) -> BTreeSet<(String, String)> {
    let mut found = BTreeSet::new();
    for piece in source.split(".route(").skip(1) {
        let Some(path) = piece
            .trim_start()
            .strip_prefix('"')
            .and_then(|p| p.split('"').next())
        else {
            continue;
        };
        // The call's own text: up to the parenthesis that closes `.route(`.
        let mut depth = 1;
        let end = piece
            .char_indices()
            .find(|&(_, c)| {
                depth += match c {
                    '(' => 1,
                    ')' => -1,
                    _ => 0,
                };
                depth == 0
            })
            .map_or(piece.len(), |(i, _)| i);
        let call = &piece[..end];
        for method in METHODS {
            let named = call.match_indices(&format!("{method}(")).any(|(i, _)| {
                let before = if i == 0 { b'.' } else { call.as_bytes()[i - 1] };
                !before.is_ascii_alphanumeric() && before != b'_'
            });
            if named && path.starts_with("/api/") {
                found.insert((method.to_uppercase(), path.to_owned()));
            }
        }
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn routes_are_read_with_their_methods_across_lines() {
        let source = r#"Router::new()
            .route("/api/offers", post(make_offer).get(list_offers))
            .route(
                "/api/acts/import",
                post(import_acts).layer(DefaultBodyLimit::max(MAX)),
            )
            .route("/handoff/offers", post(peer_offer))
            .route("/api/x", get(target(1)))"#;
        let found: Vec<(String, String)> = api_routes_in(source).into_iter().collect();
        let want = [
            ("GET", "/api/offers"),
            ("GET", "/api/x"),
            ("POST", "/api/acts/import"),
            ("POST", "/api/offers"),
        ]
        .map(|(m, p)| (m.to_owned(), p.to_owned()));
        assert_eq!(found, want);
    }
}
