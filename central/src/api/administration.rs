//! The administration API the CLI uses while the server holds the store (`/api/admin/*`, with
//! the token from `serve.json`): enroll, revoke, the KP participants list, the calendar, the post
//! register, the enrollment file.

use crate::admin::{EnrollBody, ImportBody, RevokeBody, TOKEN_HEADER};
use crate::reply::{bad, blocking, read_body, ApiError, ApiResult};
use crate::shared::Shared;
use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use serde_json::{json, Value};
use std::sync::Arc;
use tamga_core::Timestamp;

/// What an administration request may be refused with (for the description).
#[derive(utoipa::IntoResponses)]
#[allow(dead_code)]
enum Refused {
    /// Its body does not read, or central refuses it.
    #[response(
        status = 400,
        description = "The request does not read or is refused (the error says why)"
    )]
    Bad(crate::reply::ErrorAnswer),
    /// Its body is over the limit.
    #[response(status = 413, description = "The request is over 64 KiB")]
    TooLarge(crate::reply::ErrorAnswer),
}

/// Whether the request carries the server's token (from `serve.json`).
pub(super) fn token_given(s: &Shared, headers: &axum::http::HeaderMap) -> ApiResult<()> {
    admin_allowed(s, headers)
}

fn admin_allowed(s: &Shared, headers: &axum::http::HeaderMap) -> ApiResult<()> {
    let given = headers
        .get(TOKEN_HEADER)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    if tamga_node::local::same_token(given, &s.admin_token) {
        Ok(())
    } else {
        Err(ApiError(
            StatusCode::FORBIDDEN,
            format!("administration needs the token in {TOKEN_HEADER} (the CLI reads it from serve.json in the data directory)"),
        ))
    }
}

/// An administration request: the token checked, the body read as `B`, then `work` off the
/// async workers.
async fn admin_request<B, T>(
    s: &Arc<Shared>,
    headers: &axum::http::HeaderMap,
    body: Result<axum::body::Bytes, axum::extract::rejection::BytesRejection>,
    what: &'static str,
    work: impl FnOnce(&Shared, B) -> ApiResult<T> + Send + 'static,
) -> ApiResult<Json<Value>>
where
    B: serde::de::DeserializeOwned + Send + 'static,
    T: serde::Serialize + Send + 'static,
{
    admin_allowed(s, headers)?;
    let body = read_body(body)?;
    let request: B = serde_json::from_slice(&body).map_err(|e| bad(format!("{what}: {e}")))?;
    let out = blocking(s, move |s| work(s, request)).await?;
    Ok(Json(json!(out)))
}

#[utoipa::path(
    post,
    path = "/api/admin/enroll",
    tag = "administration",
    summary = "Enroll a key (tamga-central enroll)",
    request_body(content = crate::admin::EnrollBody, description = "The key, role, unit, holder and validity"),
    responses(
        (status = 200, description = "Enrolled, or already enrolled", body = crate::admin::EnrollOut),
        Refused,
        crate::reply::Failed
    )
)]
pub(super) async fn admin_enroll(
    State(s): State<Arc<Shared>>,
    headers: axum::http::HeaderMap,
    body: Result<axum::body::Bytes, axum::extract::rejection::BytesRejection>,
) -> ApiResult<Json<Value>> {
    admin_request(
        &s,
        &headers,
        body,
        "enrollment request",
        |s, r: EnrollBody| {
            let now = Timestamp::now();
            crate::admin::enroll(&s.central, &r.request(now), now).map_err(central_error)
        },
    )
    .await
}

#[utoipa::path(
    post,
    path = "/api/admin/revoke",
    tag = "administration",
    summary = "Revoke a key (tamga-central revoke)",
    request_body(content = crate::admin::RevokeBody, description = "The key, why, and from when"),
    responses(
        (status = 200, description = "Revoked", body = crate::admin::RevokeOut),
        Refused,
        crate::reply::Failed
    )
)]
pub(super) async fn admin_revoke(
    State(s): State<Arc<Shared>>,
    headers: axum::http::HeaderMap,
    body: Result<axum::body::Bytes, axum::extract::rejection::BytesRejection>,
) -> ApiResult<Json<Value>> {
    admin_request(
        &s,
        &headers,
        body,
        "revocation request",
        |s, r: RevokeBody| {
            crate::admin::revoke(&s.central, &r.into(), Timestamp::now()).map_err(central_error)
        },
    )
    .await
}

#[utoipa::path(
    post,
    path = "/api/admin/kp-participants",
    tag = "administration",
    summary = "Publish the KP participants list",
    request_body(content = crate::authority::KpParticipantsRequest, description = "The list and its source"),
    responses(
        (status = 200, description = "Listed", body = crate::admin::KpParticipantsOut),
        Refused,
        crate::reply::Failed
    )
)]
pub(super) async fn admin_kp_participants(
    State(s): State<Arc<Shared>>,
    headers: axum::http::HeaderMap,
    body: Result<axum::body::Bytes, axum::extract::rejection::BytesRejection>,
) -> ApiResult<Json<Value>> {
    admin_request(
        &s,
        &headers,
        body,
        "KP participants list",
        |s, r: crate::authority::KpParticipantsRequest| {
            crate::admin::list_kp_participants(&s.central, &r, Timestamp::now())
                .map_err(central_error)
        },
    )
    .await
}

#[utoipa::path(
    post,
    path = "/api/admin/calendar",
    tag = "administration",
    summary = "Publish a year's working calendar",
    request_body(content = crate::authority::CalendarRequest, description = "The year, its days off and working days, and the decree"),
    responses(
        (status = 200, description = "Published", body = crate::admin::ListedOut),
        Refused,
        crate::reply::Failed
    )
)]
pub(super) async fn admin_calendar(
    State(s): State<Arc<Shared>>,
    headers: axum::http::HeaderMap,
    body: Result<axum::body::Bytes, axum::extract::rejection::BytesRejection>,
) -> ApiResult<Json<Value>> {
    admin_request(
        &s,
        &headers,
        body,
        "calendar",
        |s, r: crate::authority::CalendarRequest| {
            crate::admin::publish_calendar(&s.central, &r, Timestamp::now()).map_err(central_error)
        },
    )
    .await
}

#[utoipa::path(
    post,
    path = "/api/admin/post",
    tag = "administration",
    summary = "Register a post (time zone, working hours)",
    request_body(content = crate::authority::PostRequest, description = "The post, its name, zone and hours"),
    responses(
        (status = 200, description = "Registered", body = crate::admin::ListedOut),
        Refused,
        crate::reply::Failed
    )
)]
pub(super) async fn admin_post(
    State(s): State<Arc<Shared>>,
    headers: axum::http::HeaderMap,
    body: Result<axum::body::Bytes, axum::extract::rejection::BytesRejection>,
) -> ApiResult<Json<Value>> {
    admin_request(
        &s,
        &headers,
        body,
        "post registration",
        |s, r: crate::authority::PostRequest| {
            crate::admin::register_post(&s.central, &r, Timestamp::now()).map_err(central_error)
        },
    )
    .await
}

#[utoipa::path(
    post,
    path = "/api/admin/import",
    tag = "administration",
    summary = "Import the root's registry act file (all or nothing)",
    request_body(content = crate::admin::ImportBody, description = "The file's text, one act per line"),
    responses(
        (status = 200, description = "Imported", body = crate::admin::ImportOut),
        Refused,
        crate::reply::Failed
    )
)]
pub(super) async fn admin_import(
    State(s): State<Arc<Shared>>,
    headers: axum::http::HeaderMap,
    body: Result<axum::body::Bytes, axum::extract::rejection::BytesRejection>,
) -> ApiResult<Json<Value>> {
    admin_request(
        &s,
        &headers,
        body,
        "registry act file",
        |s, r: ImportBody| {
            crate::admin::import(&s.central, &r.text, Timestamp::now()).map_err(central_error)
        },
    )
    .await
}

#[utoipa::path(
    post,
    path = "/api/admin/enrollment",
    tag = "administration",
    summary = "The enrollment file (every registry act that holds)",
    request_body(content = Object, description = "Nothing is read: send {}"),
    responses(
        (status = 200, description = "The file", body = crate::admin::EnrollmentText),
        crate::reply::Failed
    )
)]
pub(super) async fn admin_enrollment(
    State(s): State<Arc<Shared>>,
    headers: axum::http::HeaderMap,
) -> ApiResult<Json<Value>> {
    admin_allowed(&s, &headers)?;
    let out = blocking(&s, |s| {
        crate::admin::enrollment_text(&s.central).map_err(central_error)
    })
    .await?;
    Ok(Json(json!(out)))
}

fn central_error(e: crate::CentralError) -> ApiError {
    use crate::CentralError as E;
    let status = match &e {
        E::Authority(crate::AuthorityError::KeyFile { .. }) => StatusCode::INTERNAL_SERVER_ERROR,
        E::Authority(crate::AuthorityError::NoRandomness(_)) => StatusCode::INTERNAL_SERVER_ERROR,
        E::Authority(_) | E::File { .. } => StatusCode::BAD_REQUEST,
        _ => StatusCode::INTERNAL_SERVER_ERROR,
    };
    ApiError(status, e.to_string())
}

/// The body of `POST /api/admin/evidence`.
#[derive(serde::Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct EvidenceBody {
    /// The consignment.
    pub consignment: String,
}

#[utoipa::path(
    post,
    path = "/api/admin/evidence",
    tag = "administration",
    summary = "A consignment's evidence package (tamga-central evidence)",
    request_body(content = EvidenceBody, description = "The consignment"),
    responses(
        (status = 200, description = "The package", body = Object),
        (status = 404, description = "Central holds no such consignment", body = crate::reply::ErrorAnswer),
        Refused,
        crate::reply::Failed
    )
)]
pub(super) async fn admin_evidence(
    State(s): State<Arc<Shared>>,
    headers: axum::http::HeaderMap,
    body: Result<axum::body::Bytes, axum::extract::rejection::BytesRejection>,
) -> ApiResult<Json<Value>> {
    admin_request(
        &s,
        &headers,
        body,
        "evidence request",
        |s, r: EvidenceBody| super::evidence::package(s, &r.consignment),
    )
    .await
}

/// The body of `POST /api/admin/log-key`: nothing.
#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RotateBody {}

/// `POST /api/admin/log-key`: `tamga-central rotate-log-key` while the server runs.
#[utoipa::path(
    post,
    path = "/api/admin/log-key",
    tag = "administration",
    summary = "Rotate the transparency log's key (tamga-central rotate-log-key)",
    request_body(content = Object, description = "Nothing is read: send {}"),
    responses(
        (status = 200, description = "Rotated: the new key signs from now, the old one is revoked from the next second", body = crate::api::schemas::LogKeyRotated),
        Refused,
        crate::reply::Failed
    )
)]
pub(super) async fn admin_rotate_log_key(
    State(s): State<Arc<Shared>>,
    headers: axum::http::HeaderMap,
    body: Result<axum::body::Bytes, axum::extract::rejection::BytesRejection>,
) -> ApiResult<Json<Value>> {
    admin_request(
        &s,
        &headers,
        body,
        "a log key rotation",
        |s, _: RotateBody| {
            crate::log::rotate(&s.central, &*s.ledger(), &s.log, Timestamp::now())
                .map_err(crate::reply::internal)
        },
    )
    .await
}

/// `POST /api/admin/accounts`: `tamga-central account add` while the server runs.
#[utoipa::path(
    post,
    path = "/api/admin/accounts",
    tag = "administration",
    summary = "Add a staff account (tamga-central account add)",
    request_body(content = crate::api::schemas::NewAccount, description = "The person, role, key (for roles that sign) and password"),
    responses(
        (status = 200, description = "The account's second factor, for the person's authenticator app", body = crate::api::schemas::Enrolment),
        Refused,
        crate::reply::Failed
    )
)]
pub(super) async fn admin_account(
    State(s): State<Arc<Shared>>,
    headers: axum::http::HeaderMap,
    body: Result<axum::body::Bytes, axum::extract::rejection::BytesRejection>,
) -> ApiResult<Json<Value>> {
    admin_request(
        &s,
        &headers,
        body,
        "an account",
        |s, new: crate::accounts::NewAccount| {
            s.accounts
                .add_new(&s.central.store.registry(), &new, Timestamp::now())
                .map_err(|e| bad(e.to_string()))
        },
    )
    .await
}

/// `POST /api/admin/backup`: `tamga-central backup` while the server runs.
#[utoipa::path(
    post,
    path = "/api/admin/backup",
    tag = "administration",
    summary = "A backup of central, encrypted to the recipients given (tamga-central backup)",
    description = "The data directory and a consistent snapshot of the store, age-encrypted to the recipients and signed by central's device key. Writes wait while the store's snapshot is taken; central goes on serving.",
    request_body(content = crate::backup::BackupBody, description = "The recipients"),
    responses(
        (status = 200, description = "The backup file; the `x-tamga-backup` header summarizes it (JSON)", content_type = "application/octet-stream"),
        Refused,
        crate::reply::Failed
    )
)]
pub(super) async fn admin_backup(
    State(s): State<Arc<Shared>>,
    headers: axum::http::HeaderMap,
    body: Result<axum::body::Bytes, axum::extract::rejection::BytesRejection>,
) -> ApiResult<axum::response::Response> {
    use tamga_node::backup::BackupError;
    admin_allowed(&s, &headers)?;
    let body = read_body(body)?;
    let request: crate::backup::BackupBody =
        serde_json::from_slice(&body).map_err(|e| bad(format!("backup request: {e}")))?;
    let now = Timestamp::now();
    let (file, manifest) = blocking(&s, move |s| {
        tamga_node::backup::write_unnamed(&s.central.dir, |out| {
            crate::backup::write(&s.central, &request.to, now, out)
        })
        .map_err(|e| match e {
            BackupError::BadRecipient(_) | BackupError::NoRecipient => bad(e.to_string()),
            other => crate::reply::internal(other),
        })
    })
    .await?;
    Ok(tamga_node::backup::answer(file, &manifest))
}
