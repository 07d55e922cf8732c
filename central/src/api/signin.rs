//! What every staff login ends with, and every audit line of the staff port is made of: the
//! audit trail's event for a request, the session opened (its cookie, what the dashboard is
//! told). Shared by the gate and password login (`access`) and the security key login
//! (`security_keys`).

use crate::audit::Event;
use crate::sessions::{self, StaffSession};
use crate::shared::Shared;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::{json, Value};
use std::net::SocketAddr;
use tamga_core::Timestamp;

/// The audit trail's line for a request by `session` (or, before one, by the name `username`)
/// from `remote`.
pub(super) fn event(
    session: Option<&StaffSession>,
    username: &str,
    remote: SocketAddr,
    action: &str,
    subject: String,
    outcome: String,
) -> Event {
    Event {
        at: Timestamp::now(),
        username: session.map_or(username.to_owned(), |s| s.username.clone()),
        role: session.map(|s| s.role.as_str().to_owned()),
        remote: remote.to_string(),
        action: action.to_owned(),
        subject,
        outcome,
    }
}

/// What the dashboard is told of a session.
pub(super) fn session_json(s: &Shared, session: &StaffSession) -> Value {
    json!({
        "username": session.username,
        "name": session.name,
        "role": session.role.as_str(),
        "key": session.key,
        "csrf": session.csrf,
        "idle_seconds": s.sessions.idle().as_secs(),
    })
}

/// Opens a session for `account` (its login complete), takes back its counted attempt and
/// writes the login to the audit trail: the session's token and what the dashboard is told.
pub(super) fn open_session(
    s: &Shared,
    account: &crate::accounts::Account,
    remote: SocketAddr,
    outcome: &str,
) -> (String, Value) {
    s.sessions.succeeded(&account.username, remote.ip());
    let (token, session) = s.sessions.start(account);
    s.audit.note(event(
        Some(&session),
        "",
        remote,
        "login",
        String::new(),
        outcome.into(),
    ));
    (token, session_json(s, &session))
}

/// The answer that sets a new session's cookie.
pub(super) fn session_response(token: &str, body: Value) -> Response {
    (
        [(header::SET_COOKIE, sessions::set_cookie(token))],
        Json(body),
    )
        .into_response()
}
