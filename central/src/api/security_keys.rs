//! The staff port's routes for how a person logs in: the security key login's second step
//! (WebAuthn; the ceremonies are `crate::security_keys`), a staff member's own keys (list,
//! register) and password, and an administrator's reset of a person's keys when one is lost.
//! Registrations, password changes and resets go to the audit trail.

use super::signin::{event, open_session, session_response};
use crate::reply::{bad, blocking, read_body, ApiError, ApiResult};
use crate::sessions::StaffSession;
use crate::shared::Shared;
use axum::extract::{ConnectInfo, Path, Request, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::Json;
use serde::Deserialize;
use serde_json::{json, Value};
use std::net::SocketAddr;
use std::sync::Arc;
use webauthn_rs::prelude::{PublicKeyCredential, RegisterPublicKeyCredential};

type Body = Result<axum::body::Bytes, axum::extract::rejection::BytesRejection>;

fn json_body<T: serde::de::DeserializeOwned>(body: Body, expected: &str) -> ApiResult<T> {
    let body = read_body(body)?;
    serde_json::from_slice(&body).map_err(|e| bad(format!("expected {expected}: {e}")))
}

fn session_of(request: &Request) -> ApiResult<StaffSession> {
    request
        .extensions()
        .get::<StaffSession>()
        .cloned()
        .ok_or_else(|| ApiError(StatusCode::UNAUTHORIZED, "log in first".into()))
}

/// The session of a request and its JSON body (at most 64 KiB), read as `T`.
async fn session_and_form<T: serde::de::DeserializeOwned>(
    request: Request,
    expected: &str,
) -> ApiResult<(StaffSession, T)> {
    let session = session_of(&request)?;
    let body = axum::body::to_bytes(request.into_body(), crate::reply::MAX_JSON_BYTES)
        .await
        .map_err(|_| {
            ApiError(
                StatusCode::PAYLOAD_TOO_LARGE,
                "the request is larger than 64 KiB".into(),
            )
        })?;
    Ok((session, json_body(Ok(body), expected)?))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct KeyLogin {
    /// The token the password step answered with.
    login: String,
    /// The key's signed answer to the challenge.
    credential: PublicKeyCredential,
}

/// `POST /api/login/security-key`: the login's second step.
#[utoipa::path(
    post,
    path = "/api/login/security-key",
    tag = "session",
    summary = "The login's second step with a security key (WebAuthn)",
    request_body(content = crate::api::schemas::KeyLoginForm, description = "The token of the password step and the key's answer"),
    responses(
        (status = 200, description = "Logged in (the session cookie is set)", body = crate::api::schemas::SessionAnswer),
        (status = 400, description = "The form does not read", body = crate::reply::ErrorAnswer),
        (status = 401, description = "The key was not accepted, or the login waited too long", body = crate::reply::ErrorAnswer),
        (status = 413, description = "The request is over 64 KiB", body = crate::reply::ErrorAnswer),
        crate::reply::Failed
    )
)]
pub(super) async fn login(
    State(s): State<Arc<Shared>>,
    ConnectInfo(remote): ConnectInfo<SocketAddr>,
    body: Body,
) -> ApiResult<Response> {
    let form: KeyLogin = json_body(body, "{\"login\", \"credential\"}")?;
    let answer = blocking(&s, move |s| {
        Ok(
            match s
                .security_keys
                .finish_login(&s.accounts, &form.login, &form.credential)
            {
                Ok(account) => Ok(open_session(s, &account, remote, "ok security_key")),
                Err(failed) => {
                    s.audit.note(event(
                        None,
                        &failed.username,
                        remote,
                        "login_failed",
                        String::new(),
                        failed.reason.into(),
                    ));
                    Err(())
                }
            },
        )
    })
    .await?;
    match answer {
        Ok((token, body)) => Ok(session_response(&token, body)),
        Err(()) => Err(ApiError(
            StatusCode::UNAUTHORIZED,
            "the security key was not accepted (or the login waited too long): log in again".into(),
        )),
    }
}

/// `GET /account.js`: the dashboard's own-account and accounts pages, and its side of the ceremonies.
pub(super) async fn script() -> Response {
    use axum::response::IntoResponse;
    (
        [
            (
                axum::http::header::CONTENT_TYPE,
                "text/javascript; charset=utf-8",
            ),
            (axum::http::header::CACHE_CONTROL, "no-cache"),
        ],
        include_str!("../../ui/account.js"),
    )
        .into_response()
}

fn describe(keys: &[crate::accounts::SecurityKey]) -> Value {
    json!(keys
        .iter()
        .map(|k| json!({"name": k.name, "added": k.added, "id": k.label()}))
        .collect::<Vec<_>>())
}

/// `GET /api/account/security-keys`: the session's own keys.
#[utoipa::path(
    get,
    path = "/api/account/security-keys",
    tag = "security keys",
    summary = "The session's own security keys",
    responses(
        (status = 200, description = "The keys", body = crate::api::schemas::MyKeys)
    )
)]
pub(super) async fn mine(State(s): State<Arc<Shared>>, request: Request) -> ApiResult<Json<Value>> {
    let session = session_of(&request)?;
    let account = s
        .accounts
        .get(&session.username)
        .ok_or_else(|| ApiError(StatusCode::UNAUTHORIZED, "log in first".into()))?;
    Ok(Json(json!({
        "rp_id": s.security_keys.rp_id(),
        "keys": describe(&account.security_keys),
    })))
}

/// `POST /api/account/security-keys/begin`: a registration's challenge for the session's account.
#[utoipa::path(
    post,
    path = "/api/account/security-keys/begin",
    tag = "security keys",
    summary = "A registration's challenge for the session's account",
    request_body(content = Object, description = "Nothing is read: send {}"),
    responses(
        (status = 200, description = "The WebAuthn options for the browser", body = crate::api::schemas::KeyChallenge),
        (status = 400, description = "The registration cannot begin (the error says why)", body = crate::reply::ErrorAnswer),
        crate::reply::Failed
    )
)]
pub(super) async fn begin(
    State(s): State<Arc<Shared>>,
    request: Request,
) -> ApiResult<Json<Value>> {
    let session = session_of(&request)?;
    blocking(&s, move |s| {
        let options = s
            .security_keys
            .begin_registration(&s.accounts, &session.username)
            .map_err(|e| bad(e.to_string()))?;
        Ok(Json(
            json!({"options": options, "rp_id": s.security_keys.rp_id()}),
        ))
    })
    .await
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Registration {
    /// What the owner calls the key.
    name: String,
    /// The browser's answer to the registration's challenge.
    credential: RegisterPublicKeyCredential,
}

/// `POST /api/account/security-keys/finish`: the new key registered with the session's account.
#[utoipa::path(
    post,
    path = "/api/account/security-keys/finish",
    tag = "security keys",
    summary = "Register the new key with the session's account",
    request_body(content = crate::api::schemas::KeyRegistrationForm, description = "What the owner calls the key, and the browser's answer"),
    responses(
        (status = 201, description = "Registered", body = crate::api::schemas::KeyView),
        (status = 400, description = "The form does not read, or the key's answer is refused", body = crate::reply::ErrorAnswer),
        (status = 413, description = "The request is over 64 KiB", body = crate::reply::ErrorAnswer),
        crate::reply::Failed
    )
)]
pub(super) async fn finish(
    State(s): State<Arc<Shared>>,
    ConnectInfo(remote): ConnectInfo<SocketAddr>,
    request: Request,
) -> ApiResult<(StatusCode, Json<Value>)> {
    let (session, form): (_, Registration) =
        session_and_form(request, "{\"name\", \"credential\"}").await?;
    blocking(&s, move |s| {
        let done = s.security_keys.finish_registration(
            &s.accounts,
            &session.username,
            &form.name,
            &form.credential,
        );
        let outcome = match &done {
            Ok(key) => format!("ok {}", key.label()),
            Err(_) => "400".to_owned(),
        };
        s.audit.note(event(
            Some(&session),
            "",
            remote,
            "security_key_added",
            form.name.trim().to_owned(),
            outcome,
        ));
        let key = done.map_err(|e| bad(e.to_string()))?;
        Ok((
            StatusCode::CREATED,
            Json(describe(std::slice::from_ref(&key))[0].clone()),
        ))
    })
    .await
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct PasswordChange {
    /// The password now.
    current: String,
    /// The one to have.
    new: String,
}

/// `POST /api/account/password`: the session's account gets a new password, given its
/// current one.
#[utoipa::path(
    post,
    path = "/api/account/password",
    tag = "security keys",
    summary = "Change the session's own password, given the current one",
    request_body(content = crate::api::schemas::PasswordChange, description = "The current password and the new one"),
    responses(
        (status = 200, description = "Changed", body = crate::api::schemas::PasswordChanged),
        (status = 400, description = "The current password is wrong, or the new one is too short or the same (nothing changed)", body = crate::reply::ErrorAnswer),
        (status = 413, description = "The request is over 64 KiB", body = crate::reply::ErrorAnswer),
        crate::reply::Failed
    )
)]
pub(super) async fn change_password(
    State(s): State<Arc<Shared>>,
    ConnectInfo(remote): ConnectInfo<SocketAddr>,
    request: Request,
) -> ApiResult<Json<Value>> {
    let (session, form): (_, PasswordChange) =
        session_and_form(request, "{\"current\", \"new\"}").await?;
    if form.current.len() > 1024 || form.new.len() > 1024 {
        return Err(bad("a password is longer than 1024 bytes"));
    }
    blocking(&s, move |s| {
        let done = s
            .accounts
            .change_password(&session.username, &form.current, &form.new);
        s.audit.note(event(
            Some(&session),
            "",
            remote,
            "password_changed",
            String::new(),
            if done.is_ok() { "ok" } else { "400" }.into(),
        ));
        done.map_err(|e| bad(e.to_string()))?;
        Ok(Json(json!({"changed": true})))
    })
    .await
}

/// `POST /api/accounts/{username}/remove-security-keys`: an administrator's reset, for a lost
/// key; the person logs in with their TOTP code again, and their sessions end.
#[utoipa::path(
    post,
    path = "/api/accounts/{username}/remove-security-keys",
    tag = "accounts",
    summary = "Remove a person's security keys (a lost key); their sessions end",
    params(
        ("username" = String, Path, description = "The account's login name")
    ),
    request_body(content = Object, description = "Nothing is read: send {}"),
    responses(
        (status = 200, description = "Removed", body = crate::api::schemas::KeysRemoved),
        (status = 400, description = "No such account", body = crate::reply::ErrorAnswer),
        crate::reply::Failed
    )
)]
pub(super) async fn remove_all(
    State(s): State<Arc<Shared>>,
    Path(username): Path<String>,
) -> ApiResult<Json<Value>> {
    blocking(&s, move |s| {
        let removed = s
            .security_keys
            .remove_all(&s.accounts, &username)
            .map_err(|e| bad(e.to_string()))?;
        s.sessions.end_all(&username);
        Ok(Json(json!({"username": username, "removed": removed})))
    })
    .await
}
