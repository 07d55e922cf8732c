//! The staff port: the dashboard and its API over HTTPS for headquarters staff at their desks.
//!
//! Every request passes `gate`: the static UI and `POST /api/login` are open; everything else
//! needs a live session (the cookie), and every route is mapped to one [`Action`] that the
//! account's role must be allowed ([`crate::accounts::StaffRole::may`]; a route not in [`action_of`] is refused).
//! A state change (POST) must also carry the session's CSRF token in `X-CSRF-Token` and a JSON
//! body, so a cross-site form cannot make one. Staff sign only with their own key: a resolution
//! or countersignature naming another key is refused before any PIN is tried. An
//! administrator's enrollment goes to the administration API vouched for by the gate (which
//! adds the server's token). Views of a consignment, reports, exports, evidence, resolutions,
//! enrollments, account changes and refusals by role are written to the audit trail; every
//! answer carries the security headers (`secure`).

use super::signin::{event, open_session, session_json, session_response};
use crate::accounts::{Action, LoginFailure, LoginStep};
use crate::reply::{bad, blocking, read_body, ApiError, ApiResult, MAX_JSON_BYTES};
use crate::sessions::{self, StaffSession, CSRF_HEADER};
use crate::shared::Shared;
use axum::extract::{ConnectInfo, DefaultBodyLimit, Path, Request, State};
use axum::http::{header, HeaderValue, Method, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::{json, Value};
use std::net::SocketAddr;
use std::sync::Arc;
use tamga_core::Timestamp;

/// What a request needs to pass the gate.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Need {
    /// Nothing: the UI's files, login.
    Open,
    /// A session, whatever the role (who am I, logout).
    Session,
    /// A session whose role may do this.
    Role(Action),
}

/// What a route needs, for the role table; `None` for a route not served here.
pub fn action_of(method: &Method, path: &str) -> Option<Need> {
    use Action::*;
    let segments: Vec<&str> = path.trim_start_matches('/').split('/').collect();
    let get = method == Method::GET || method == Method::HEAD;
    let post = method == Method::POST;
    let need = |a: Action| Some(Need::Role(a));
    match (get, post, segments.as_slice()) {
        (
            true,
            _,
            [""]
            | ["app.js"]
            | ["i18n.js"]
            | ["account.js"]
            | ["style.css"]
            | ["time.js"]
            | ["track.js"]
            | ["verify.html"],
        ) => Some(Need::Open),
        (_, true, ["api", "login"])
        | (_, true, ["api", "login", "security-key"])
        | (true, _, ["api", "openapi.json"]) => Some(Need::Open),
        (true, _, ["api", "session"])
        | (_, true, ["api", "logout"])
        | (true, _, ["api", "account", "security-keys"])
        | (_, true, ["api", "account", "security-keys", "begin" | "finish"])
        | (_, true, ["api", "account", "password"]) => Some(Need::Session),
        (
            true,
            _,
            ["api", "overview" | "vocabulary" | "nodes" | "refusals" | "registry" | "officers"],
        ) => need(Overview),
        (true, _, ["api", "consignments"])
        | (true, _, ["api", "consignments", _])
        | (true, _, ["api", "consignments", _, "track"])
        | (true, _, ["api", "discrepancies" | "across" | "duties" | "silent"])
        | (true, _, ["api", "resolutions", "pending"]) => need(ViewConsignments),
        (_, true, ["api", "discrepancies", _, "resolve"]) => need(Resolve),
        (_, true, ["api", "resolutions", _, "countersign"]) => need(Countersign),
        (true, _, ["api", "reports", "kp" | "reconciliation"])
        | (_, true, ["api", "reports", "department"]) => need(Reports),
        (true, _, ["api", "export", "epcis" | "csv"]) | (true, _, ["api", "evidence"]) => {
            need(Export)
        }
        (true, _, ["api", "audit" | "audit.csv"]) => need(Audit),
        (
            _,
            true,
            ["api", "admin", "enroll" | "revoke" | "kp-participants" | "calendar" | "post" | "enrollment" | "import"],
        ) => need(Enroll),
        (true, _, ["api", "accounts"])
        | (_, true, ["api", "accounts"])
        | (_, true, ["api", "accounts", _, "disable" | "enable" | "remove-security-keys"]) => {
            need(ManageAccounts)
        }
        _ => None,
    }
}

/// What the audit trail calls a request of `action` on `path`, if it records it.
fn audited(action: Action, method: &Method, path: &str) -> Option<&'static str> {
    use Action::*;
    match action {
        ViewConsignments if path.starts_with("/api/consignments/") => Some("view_consignment"),
        Resolve => Some("resolve"),
        Countersign => Some("countersign"),
        Reports => Some("report"),
        Export if path == "/api/evidence" => Some("evidence"),
        Export => Some("export"),
        Audit => Some("read_audit"),
        Enroll if path.ends_with("/revoke") => Some("revoke"),
        Enroll => Some("enroll"),
        ManageAccounts if method == Method::POST => Some("account"),
        _ => None,
    }
}

fn refuse(status: StatusCode, message: impl Into<String>) -> Response {
    ApiError(status, message.into()).into_response()
}

/// The gate of every request on the staff port (see the module doc).
async fn gate(
    State(s): State<Arc<Shared>>,
    ConnectInfo(remote): ConnectInfo<SocketAddr>,
    request: Request,
    next: Next,
) -> Response {
    let method = request.method().clone();
    let path = request.uri().path().to_owned();
    // A refusal before the body is read closes the connection after it, and says so.
    let unread = tamga_node::local::body_follows(request.headers());
    let Some(needs) = action_of(&method, &path) else {
        return tamga_node::local::refused_unread(
            unread,
            refuse(
                StatusCode::NOT_FOUND,
                format!("{method} {path} is not served here"),
            ),
        );
    };
    if needs == Need::Open {
        return next.run(request).await;
    }
    let session = sessions::token_of(request.headers()).and_then(|t| s.sessions.touch(&t));
    let Some(session) = session else {
        return tamga_node::local::refused_unread(
            unread,
            refuse(
                StatusCode::UNAUTHORIZED,
                "log in first (your session ended, or you were never logged in)",
            ),
        );
    };
    if method == Method::POST {
        let csrf_ok = request
            .headers()
            .get(CSRF_HEADER)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| same(v, &session.csrf));
        if !csrf_ok || !tamga_node::local::declares_json(request.headers()) {
            s.audit.note(event(
                Some(&session),
                "",
                remote,
                "denied",
                format!("{method} {path}"),
                "403 no CSRF token".into(),
            ));
            return tamga_node::local::refused_unread(unread, refuse(
                StatusCode::FORBIDDEN,
                "a change must come from the dashboard itself (JSON with the session's X-CSRF-Token): reload the page",
            ));
        }
    }
    let Need::Role(action) = needs else {
        let mut request = request;
        request.extensions_mut().insert(session);
        return next.run(request).await;
    };
    if !session.role.may(action) {
        s.audit.note(event(
            Some(&session),
            "",
            remote,
            "denied",
            format!("{method} {path}"),
            format!("403 {} may not", session.role.as_str()),
        ));
        return tamga_node::local::refused_unread(
            unread,
            refuse(
                StatusCode::FORBIDDEN,
                format!(
                    "a {} may not do this ({method} {path})",
                    session.role.as_str()
                ),
            ),
        );
    }
    let mut request = request;
    // Staff sign with their own key only: checked before any PIN is tried.
    if matches!(action, Action::Resolve | Action::Countersign) {
        let (parts, body) = request.into_parts();
        let bytes = match axum::body::to_bytes(body, MAX_JSON_BYTES).await {
            Ok(b) => b,
            Err(_) => {
                return tamga_node::local::refused_unread(
                    unread,
                    refuse(
                        StatusCode::PAYLOAD_TOO_LARGE,
                        "the request is larger than 64 KiB",
                    ),
                )
            }
        };
        let officer = serde_json::from_slice::<Value>(&bytes)
            .ok()
            .and_then(|v| v.get("officer").and_then(Value::as_str).map(str::to_owned));
        let own = session.key.as_ref().map(|k| k.as_str().to_owned());
        if officer.is_none() || officer != own {
            s.audit.note(event(
                Some(&session),
                "",
                remote,
                "denied",
                path.clone(),
                "403 another's key".into(),
            ));
            return refuse(
                StatusCode::FORBIDDEN,
                "you sign with your own key only: the officer must be the key of your account",
            );
        }
        request = Request::from_parts(parts, axum::body::Body::from(bytes));
    }
    if action == Action::Enroll {
        // The gate has judged the role; the administration API checks its token.
        if let Ok(v) = HeaderValue::from_str(&s.admin_token) {
            request.headers_mut().insert(crate::admin::TOKEN_HEADER, v);
        }
    }
    let subject = match request.uri().query() {
        Some(q) => format!("{path}?{q}"),
        None => path.clone(),
    };
    let what = audited(action, &method, &path);
    request.extensions_mut().insert(session.clone());
    // The handler and its audit line run in a task of their own: a client that closes the
    // connection mid-request cannot stop the line being written once the work is done.
    let task = tokio::spawn(async move {
        let response = next.run(request).await;
        if let Some(what) = what {
            let status = response.status();
            let outcome = if status.is_success() {
                "ok".to_owned()
            } else {
                status.as_u16().to_string()
            };
            let subject = percent_decoded(&subject);
            s.audit
                .note(event(Some(&session), "", remote, what, subject, outcome));
        }
        response
    });
    match task.await {
        Ok(response) => response,
        Err(e) => refuse(
            StatusCode::INTERNAL_SERVER_ERROR,
            format!("the request failed inside the server ({e}); it is in the log"),
        ),
    }
}

fn percent_decoded(text: &str) -> String {
    let bytes = text.as_bytes();
    let hex = |b: u8| (b as char).to_digit(16).map(|d| d as u8);
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' && i + 2 < bytes.len() {
            if let (Some(high), Some(low)) = (hex(bytes[i + 1]), hex(bytes[i + 2])) {
                out.push(high * 16 + low);
                i += 3;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn same(a: &str, b: &str) -> bool {
    a.len() == b.len() && a.bytes().zip(b.bytes()).fold(0u8, |d, (x, y)| d | (x ^ y)) == 0
}

/// The security headers on every answer of the staff port.
async fn secure(request: Request, next: Next) -> Response {
    let api = request.uri().path().starts_with("/api/");
    let verify = request.uri().path() == "/verify.html";
    let mut response = next.run(request).await;
    let h = response.headers_mut();
    let csp = if verify {
        // The offline verifier is one self-contained file with its script inline.
        "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; img-src data:; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"
    } else {
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'"
    };
    for (name, value) in [
        ("content-security-policy", csp),
        ("x-content-type-options", "nosniff"),
        ("x-frame-options", "DENY"),
        ("referrer-policy", "no-referrer"),
        ("strict-transport-security", "max-age=31536000"),
        ("cross-origin-opener-policy", "same-origin"),
    ] {
        h.insert(name, HeaderValue::from_static(value));
    }
    if api {
        h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    response
}

// ---- login, logout, who am I ----

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct LoginForm {
    username: String,
    password: String,
    /// The 6-digit code of the authenticator app (the second factor).
    #[serde(default)]
    code: String,
}

#[utoipa::path(
    post,
    path = "/api/login",
    tag = "session",
    summary = "Log in: user name, password and the authenticator app's code (or, for an account with a security key, the key next)",
    request_body(content = crate::api::schemas::LoginForm, description = "The user name, password and code"),
    responses(
        (status = 200, description = "Logged in (the session cookie is set: tamga_session, HttpOnly, Secure, SameSite=Strict), or the security key is asked for next", content((crate::api::schemas::LoginAnswer = "application/json")), headers(("set-cookie" = String, description = "The session cookie, when logged in"))),
        (status = 400, description = "Not JSON, a field missing or too long", body = crate::reply::ErrorAnswer),
        (status = 401, description = "Wrong user name, password or code", body = crate::reply::ErrorAnswer),
        (status = 413, description = "The request is over 64 KiB", body = crate::reply::ErrorAnswer),
        (status = 429, description = "Too many failed logins: try again after the wait the error names", body = crate::reply::ErrorAnswer),
        crate::reply::Failed
    )
)]
async fn login(
    State(s): State<Arc<Shared>>,
    ConnectInfo(remote): ConnectInfo<SocketAddr>,
    headers: axum::http::HeaderMap,
    body: Result<axum::body::Bytes, axum::extract::rejection::BytesRejection>,
) -> ApiResult<Response> {
    if !tamga_node::local::declares_json(&headers) {
        return Err(bad("send JSON (Content-Type: application/json)"));
    }
    let body = read_body(body)?;
    let form: LoginForm = serde_json::from_slice(&body).map_err(|e| {
        bad(format!(
            "expected {{\"username\", \"password\", \"code\"}}: {e}"
        ))
    })?;
    if form.username.len() > 64 || form.password.len() > 1024 || form.code.len() > 16 {
        return Err(bad("a field is too long"));
    }
    if let Err(wait) = s.sessions.try_begin(&form.username, remote.ip()) {
        s.audit.note(event(
            None,
            &form.username,
            remote,
            "login_failed",
            String::new(),
            "429 throttled".into(),
        ));
        return Err(ApiError(
            StatusCode::TOO_MANY_REQUESTS,
            format!(
                "too many failed logins: try again in {} s",
                wait.as_secs().max(1)
            ),
        ));
    }
    let answer = blocking(&s, move |s| {
        let unix = u64::try_from(Timestamp::now().unix()).unwrap_or(0);
        Ok(
            match s
                .accounts
                .login(&form.username, &form.password, &form.code, unix)
            {
                Ok(LoginStep::Done(account)) => Ok(LoginAnswer::Session(open_session(
                    s, &account, remote, "ok",
                ))),
                Ok(LoginStep::SecurityKey {
                    account,
                    password_right,
                }) => {
                    // The attempt stays counted until the key answers.
                    match s.security_keys.begin_login(&account, password_right) {
                        Ok((token, options)) => Ok(LoginAnswer::KeyAsked(json!({
                            "second_factor": "security_key",
                            "login": token,
                            "options": options,
                            "rp_id": s.security_keys.rp_id(),
                        }))),
                        Err(e) => {
                            tracing::warn!(error = %e, "a security key login could not begin");
                            Err(LoginFailure::WrongSecondFactor)
                        }
                    }
                }
                Err(failure) => {
                    // Counted as a failure when it began (`try_begin`).
                    s.audit.note(event(
                        None,
                        &form.username,
                        remote,
                        "login_failed",
                        String::new(),
                        failure.as_str().into(),
                    ));
                    Err(failure)
                }
            },
        )
    })
    .await?;
    match answer {
        Ok(LoginAnswer::Session((token, body))) => Ok(session_response(&token, body)),
        Ok(LoginAnswer::KeyAsked(body)) => Ok(Json(body).into_response()),
        Err(_) => Err(ApiError(
            StatusCode::UNAUTHORIZED,
            "wrong user name, password or code (the 6 digits your authenticator app shows now)"
                .into(),
        )),
    }
}

/// What a right password leads to.
enum LoginAnswer {
    /// A session: its token and what the dashboard is told.
    Session((String, Value)),
    /// The account's security key is asked for next.
    KeyAsked(Value),
}

#[utoipa::path(
    post,
    path = "/api/logout",
    tag = "session",
    summary = "Log out: the session ends",
    responses(
        (status = 200, description = "Logged out (the cookie is cleared)", body = crate::api::schemas::LoggedOut)
    )
)]
async fn logout(
    State(s): State<Arc<Shared>>,
    ConnectInfo(remote): ConnectInfo<SocketAddr>,
    request: Request,
) -> Response {
    if let Some(token) = sessions::token_of(request.headers()) {
        let session = request.extensions().get::<StaffSession>().cloned();
        s.sessions.end(&token);
        s.audit.note(event(
            session.as_ref(),
            "",
            remote,
            "logout",
            String::new(),
            "ok".into(),
        ));
    }
    (
        [(header::SET_COOKIE, sessions::clear_cookie())],
        Json(json!({"logged_out": true})),
    )
        .into_response()
}

#[utoipa::path(
    get,
    path = "/api/session",
    tag = "session",
    summary = "Who is logged in",
    responses(
        (status = 200, description = "The session: who, their role and key, the CSRF token for changes, the idle timeout", body = crate::api::schemas::SessionAnswer)
    )
)]
async fn whoami(State(s): State<Arc<Shared>>, request: Request) -> ApiResult<Json<Value>> {
    let session = request
        .extensions()
        .get::<StaffSession>()
        .ok_or_else(|| ApiError(StatusCode::UNAUTHORIZED, "log in first".into()))?;
    Ok(Json(session_json(&s, session)))
}

// ---- the audit trail and accounts ----

#[utoipa::path(
    get,
    path = "/api/audit",
    tag = "audit",
    summary = "The audit trail",
    responses(
        (status = 200, description = "Every line, and whether the hash chain is intact", body = crate::api::schemas::AuditAnswer),
        crate::reply::Failed
    )
)]
async fn audit_json(State(s): State<Arc<Shared>>) -> ApiResult<Json<Value>> {
    blocking(&s, |s| {
        let (lines, broken) = s.audit.read().map_err(crate::reply::internal)?;
        let local = s.central.config.local_time();
        let rows: Vec<Value> = lines
            .iter()
            .map(|l| {
                let mut v = serde_json::to_value(l).expect("serializes");
                v["at_for_people"] = json!(local.for_people(l.event.at));
                v
            })
            .collect();
        Ok(Json(json!({"chain": broken.map_or("intact".to_owned(), |b| format!("broken: {b}")), "lines": rows})))
    })
    .await
}

#[utoipa::path(
    get,
    path = "/api/audit.csv",
    tag = "audit",
    summary = "The audit trail as CSV",
    responses(
        (status = 200, description = "The audit trail", body = String, content_type = "text/csv"),
        crate::reply::Failed
    )
)]
async fn audit_csv(State(s): State<Arc<Shared>>) -> ApiResult<Response> {
    let bytes = blocking(&s, |s| {
        let (lines, _) = s.audit.read().map_err(crate::reply::internal)?;
        Ok(crate::audit::to_csv(&lines))
    })
    .await?;
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8"),
            (
                header::CONTENT_DISPOSITION,
                "attachment; filename=\"tamga-audit.csv\"",
            ),
        ],
        bytes,
    )
        .into_response())
}

#[utoipa::path(
    get,
    path = "/api/accounts",
    tag = "accounts",
    summary = "The staff accounts",
    responses(
        (status = 200, description = "Every account", body = Vec<crate::api::schemas::AccountView>)
    )
)]
async fn accounts_list(State(s): State<Arc<Shared>>) -> Json<Value> {
    Json(json!(s
        .accounts
        .list()
        .iter()
        .map(|a| json!({"username": a.username, "name": a.name, "personal_number": a.personal_number, "role": a.role.as_str(), "key": a.key, "disabled": a.disabled, "security_keys": a.security_keys.len()}))
        .collect::<Vec<_>>()))
}

#[utoipa::path(
    post,
    path = "/api/accounts",
    tag = "accounts",
    summary = "Add a staff account",
    request_body(content = crate::api::schemas::NewAccount, description = "The person, role, key (for roles that sign) and password"),
    responses(
        (status = 201, description = "Added: the account's second factor, for the person's authenticator app", body = crate::api::schemas::Enrolment),
        (status = 400, description = "The account does not read, or is refused (a name taken, a role without its key, ...)", body = crate::reply::ErrorAnswer),
        (status = 413, description = "The request is over 64 KiB", body = crate::reply::ErrorAnswer),
        crate::reply::Failed
    )
)]
async fn accounts_add(
    State(s): State<Arc<Shared>>,
    body: Result<axum::body::Bytes, axum::extract::rejection::BytesRejection>,
) -> ApiResult<(StatusCode, Json<Value>)> {
    let body = read_body(body)?;
    let new: crate::accounts::NewAccount =
        serde_json::from_slice(&body).map_err(|e| bad(e.to_string()))?;
    blocking(&s, move |s| {
        let enrolment = s
            .accounts
            .add_new(&s.central.store.registry(), &new, Timestamp::now())
            .map_err(|e| bad(e.to_string()))?;
        Ok((StatusCode::CREATED, Json(json!(enrolment))))
    })
    .await
}

#[utoipa::path(
    post,
    path = "/api/accounts/{username}/{what}",
    tag = "accounts",
    summary = "Disable an account (its sessions end) or enable it again",
    params(
        ("username" = String, Path, description = "The account's login name"),
        ("what" = crate::api::schemas::AccountSwitch, Path, description = "disable or enable")
    ),
    request_body(content = Object, description = "Nothing is read: send {}"),
    responses(
        (status = 200, description = "Done", body = crate::api::schemas::AccountDisabled),
        (status = 400, description = "No such account", body = crate::reply::ErrorAnswer),
        (status = 404, description = "Neither disable nor enable: not served here", body = crate::reply::ErrorAnswer)
    )
)]
async fn accounts_disable(
    State(s): State<Arc<Shared>>,
    Path((username, what)): Path<(String, String)>,
) -> ApiResult<Json<Value>> {
    let disabled = what == "disable";
    s.accounts
        .set_disabled(&username, disabled)
        .map_err(|e| bad(e.to_string()))?;
    if disabled {
        s.sessions.end_all(&username);
    }
    Ok(Json(json!({"username": username, "disabled": disabled})))
}

/// A plain HTTP request on the staff port, from this machine: told to use HTTPS.
async fn use_https() -> Response {
    refuse(
        StatusCode::BAD_REQUEST,
        "this is central's staff port: open it with https://",
    )
}

/// The staff port's routes: TLS for anyone, the gate for every request.
pub fn staff(shared: Arc<Shared>) -> tamga_node::server::Routes {
    let app = super::routes()
        .route("/api/login", post(login))
        .route("/api/openapi.json", get(super::openapi_on_staff_port))
        .route("/account.js", get(super::security_keys::script))
        .route("/api/login/security-key", post(super::security_keys::login))
        .route(
            "/api/account/security-keys",
            get(super::security_keys::mine),
        )
        .route(
            "/api/account/security-keys/begin",
            post(super::security_keys::begin),
        )
        .route(
            "/api/account/security-keys/finish",
            post(super::security_keys::finish),
        )
        .route(
            "/api/accounts/{username}/remove-security-keys",
            post(super::security_keys::remove_all),
        )
        .route(
            "/api/account/password",
            post(super::security_keys::change_password),
        )
        .route("/api/logout", post(logout))
        .route("/api/session", get(whoami))
        .route("/api/audit", get(audit_json))
        .route("/api/audit.csv", get(audit_csv))
        .route("/api/accounts", get(accounts_list).post(accounts_add))
        .route("/api/accounts/{username}/{what}", post(accounts_disable))
        .layer(DefaultBodyLimit::max(MAX_JSON_BYTES))
        .layer(middleware::from_fn_with_state(
            Arc::clone(&shared),
            crate::published::publish_writes,
        ))
        .layer(middleware::from_fn_with_state(Arc::clone(&shared), gate))
        .layer(middleware::from_fn(secure))
        .with_state(shared);
    tamga_node::server::Routes {
        peers: app,
        local: Router::new().fallback(use_https),
        handshake_refused: None,
        tls_clients: tamga_node::server::TlsClients::Anyone,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_subject_is_decoded_without_panicking_on_any_query() {
        assert_eq!(
            percent_decoded("/api/consignments/10609050%2F231126%2F0000123"),
            "/api/consignments/10609050/231126/0000123"
        );
        // A multi-byte character right after '%': kept as it is, no panic.
        assert_eq!(percent_decoded("/api/x?x=%a€"), "/api/x?x=%a€");
        assert_eq!(percent_decoded("%€%"), "%€%");
        assert_eq!(percent_decoded("%zz%4"), "%zz%4");
    }

    #[test]
    fn every_route_the_dashboard_serves_is_judged() {
        // Routes not in the table are not served on the staff port at all.
        assert_eq!(action_of(&Method::GET, "/api/overview/"), None);
        assert_eq!(action_of(&Method::DELETE, "/api/accounts"), None);
        assert_eq!(action_of(&Method::POST, "/api/admin/evidence"), None);
        assert_eq!(
            action_of(&Method::HEAD, "/api/audit"),
            Some(Need::Role(Action::Audit))
        );
        // Every API path the dashboard's scripts name is in the table.
        for script in [
            include_str!("../../ui/app.js"),
            include_str!("../../ui/account.js"),
        ] {
            for piece in script.split('"').skip(1).step_by(2) {
                let Some(path) = piece.strip_prefix("/api/") else {
                    continue;
                };
                let path = format!("/api/{}", path.split('?').next().unwrap_or(""));
                let path = path.trim_end_matches('/');
                // A path the script completes ("/api/resolutions/" + id + "/countersign").
                let completed = ["", "/x", "/x/resolve", "/x/countersign", "/x/disable"]
                    .map(|tail| format!("{path}{tail}"));
                let judged = [Method::GET, Method::POST]
                    .iter()
                    .any(|m| completed.iter().any(|p| action_of(m, p).is_some()));
                assert!(judged, "{path} is named by the dashboard but not judged");
            }
        }
    }
}
