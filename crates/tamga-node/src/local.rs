//! What a node's local web UI and API share: the guard that only this machine may use them
//! (loopback peer and a `Host` naming this machine), the JSON-body check of their POSTs, a
//! refusal's `Connection: close` when it comes before the request's body is read, and the routes
//! serving the embedded UI files (with the two scripts both UIs share: `/time.js`, `/track.js`).

use axum::response::IntoResponse;
use axum::Router;

/// Whether a request comes from this machine and names it in `Host`: the guard of a node's
/// local UI and API (a `Host` naming another machine is a DNS-rebinding attempt).
pub fn from_this_machine(peer: &std::net::SocketAddr, headers: &axum::http::HeaderMap) -> bool {
    let host_ok = headers
        .get(axum::http::header::HOST)
        .and_then(|h| h.to_str().ok())
        .is_some_and(is_loopback_host);
    peer.ip().is_loopback() && host_ok
}

/// Whether a request declares a JSON body (`Content-Type: application/json`): a local UI's POSTs
/// must, so that a cross-site form post (which cannot set it) is refused.
pub fn declares_json(headers: &axum::http::HeaderMap) -> bool {
    headers
        .get(axum::http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/json"))
}

/// Whether a request says a body follows its headers (`Content-Length` above 0, or a
/// `Transfer-Encoding`).
pub fn body_follows(headers: &axum::http::HeaderMap) -> bool {
    let length = headers
        .get(axum::http::header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.trim() != "0");
    length || headers.contains_key(axum::http::header::TRANSFER_ENCODING)
}

/// A refusal answered before the request's body is read: when a body follows, the answer says
/// `Connection: close` and the connection closes after it. The server would otherwise leave the
/// unread body behind and close the connection without a word once the body is large, and a
/// client that sent its next request on the same connection would find it gone.
pub fn refused_unread(
    body_follows: bool,
    mut response: axum::response::Response,
) -> axum::response::Response {
    if body_follows {
        response.headers_mut().insert(
            axum::http::header::CONNECTION,
            axum::http::HeaderValue::from_static("close"),
        );
    }
    response
}

/// The four files of a node's embedded web UI.
#[derive(Clone, Copy)]
pub struct UiFiles {
    /// `/`
    pub index_html: &'static str,
    /// `/app.js`
    pub app_js: &'static str,
    /// `/i18n.js`
    pub i18n_js: &'static str,
    /// `/style.css`
    pub style_css: &'static str,
}

/// The map of a consignment's road, served to both UIs as `/track.js`: it draws the view of
/// `GET /api/consignments/{id}/track` (`tamga_core::assessment::track::view`) as inline SVG, with
/// no tile server and nothing fetched; its words are the UI's (`track.*` in each `i18n.js`).
pub const TRACK_JS: &str = include_str!("track.js");

/// Routes serving a node's embedded web UI, never cached stale, with `/time.js`
/// ([`crate::local_time::TIME_JS`]): local time in the node's zone for the UI, and `/track.js`
/// ([`TRACK_JS`]): the road on a map.
pub fn ui_routes<S: Clone + Send + Sync + 'static>(files: UiFiles) -> Router<S> {
    fn file(content_type: &'static str, body: &'static str) -> axum::response::Response {
        (
            [
                (axum::http::header::CONTENT_TYPE, content_type),
                (axum::http::header::CACHE_CONTROL, "no-cache"),
            ],
            body,
        )
            .into_response()
    }
    let js = "text/javascript; charset=utf-8";
    Router::new()
        .route(
            "/",
            axum::routing::get(move || async move {
                file("text/html; charset=utf-8", files.index_html)
            }),
        )
        .route(
            "/app.js",
            axum::routing::get(move || async move { file(js, files.app_js) }),
        )
        .route(
            "/time.js",
            axum::routing::get(move || async move { file(js, crate::local_time::TIME_JS) }),
        )
        .route(
            "/track.js",
            axum::routing::get(move || async move { file(js, TRACK_JS) }),
        )
        .route(
            "/i18n.js",
            axum::routing::get(move || async move { file(js, files.i18n_js) }),
        )
        .route(
            "/style.css",
            axum::routing::get(
                move || async move { file("text/css; charset=utf-8", files.style_css) },
            ),
        )
}

/// Whether a `Host` header's value names this machine (localhost or a loopback address).
pub fn is_loopback_host(host: &str) -> bool {
    let name = if let Some(rest) = host.strip_prefix('[') {
        rest.split(']').next().unwrap_or("")
    } else {
        host.rsplit_once(':').map(|(h, _)| h).unwrap_or(host)
    };
    name == "localhost"
        || name
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

/// Whether `given` is the secret `expected` (an administration token, a one-time code), compared
/// without an early exit on the first differing byte.
pub fn same_token(given: &str, expected: &str) -> bool {
    given.len() == expected.len()
        && given
            .bytes()
            .zip(expected.bytes())
            .fold(0u8, |acc, (a, b)| acc | (a ^ b))
            == 0
}

#[cfg(test)]
mod host_tests {
    use super::{is_loopback_host, same_token};

    #[test]
    fn a_token_matches_only_itself() {
        assert!(same_token("ab12", "ab12"));
        assert!(!same_token("ab13", "ab12"));
        assert!(!same_token("ab1", "ab12"));
        assert!(!same_token("", "ab12"));
    }

    #[test]
    fn only_loopback_names_count_as_this_machine() {
        for ok in [
            "127.0.0.1:7300",
            "localhost:7300",
            "[::1]:7300",
            "127.0.0.1",
            "localhost",
        ] {
            assert!(is_loopback_host(ok), "{ok}");
        }
        for no in [
            "evil.example:7300",
            "192.168.1.5:7300",
            "[fe80::1]:7300",
            "localhost.evil.example",
            "attacker.localhost.example:80",
            "example.org",
        ] {
            assert!(!is_loopback_host(no), "{no}");
        }
    }
}
