//! How central's HTTP handlers answer: `{"error": ...}` with a status that says whose fault it
//! is, bounded request bodies, store work off the async workers, and the parameters every list
//! shares (a consignment id, a filter).

use crate::reconcile::Filter;
use crate::shared::Shared;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use std::collections::BTreeMap;
use std::sync::Arc;
use tamga_core::ConsignmentId;

/// The largest JSON body accepted by the dashboard's and the administration API.
pub const MAX_JSON_BYTES: usize = 64 * 1024;

/// An error answer: `{"error": "..."}` with its status.
pub struct ApiError(pub(crate) StatusCode, pub(crate) String);

/// The body of an error answer.
#[derive(serde::Serialize, utoipa::ToSchema)]
pub struct ErrorAnswer {
    /// What went wrong and what to do.
    pub error: String,
}

/// Central's own failure, for the API's description: its store or files.
#[derive(utoipa::IntoResponses)]
#[response(
    status = 500,
    description = "Central failed (its store or files): the error says what happened"
)]
#[allow(dead_code)]
pub struct Failed(ErrorAnswer);

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        (self.0, Json(ErrorAnswer { error: self.1 })).into_response()
    }
}

pub(crate) fn bad(message: impl Into<String>) -> ApiError {
    ApiError(StatusCode::BAD_REQUEST, message.into())
}

pub(crate) fn internal(message: impl ToString) -> ApiError {
    ApiError(StatusCode::INTERNAL_SERVER_ERROR, message.to_string())
}

pub(crate) type ApiResult<T> = Result<T, ApiError>;

/// A request body as read, or a JSON refusal: 413 when it is over [`MAX_JSON_BYTES`].
pub(crate) fn read_body(
    body: Result<axum::body::Bytes, axum::extract::rejection::BytesRejection>,
) -> ApiResult<axum::body::Bytes> {
    body.map_err(|e| {
        if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
            ApiError(
                e.status(),
                format!(
                    "the request is over the {MAX_JSON_BYTES}-byte limit of this API: send less"
                ),
            )
        } else {
            ApiError(
                e.status(),
                format!(
                    "the request body could not be read ({}): send it again",
                    e.body_text()
                ),
            )
        }
    })
}

/// Runs store work off the async workers.
pub(crate) async fn blocking<T: Send + 'static>(
    shared: &Arc<Shared>,
    work: impl FnOnce(&Shared) -> ApiResult<T> + Send + 'static,
) -> ApiResult<T> {
    let shared = Arc::clone(shared);
    tokio::task::spawn_blocking(move || work(&shared))
        .await
        .map_err(internal)?
}

pub(crate) fn consignment_id(text: &str) -> ApiResult<ConsignmentId> {
    ConsignmentId::new(text).map_err(|e| bad(format!("consignment: {e}")))
}

/// The dashboard's filter as the API's description gives it (what [`filter`] reads): each
/// parameter optional, an empty one taken as absent, any other refused naming it.
#[derive(utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[allow(dead_code)]
pub struct FilterParams {
    /// Only consignments in this status (unregistered, registered, in_transit, arrived,
    /// delivered, refused or returned).
    status: Option<String>,
    /// Only those with an open discrepancy at least this severe: critical, major or minor.
    severity: Option<String>,
    /// Only those with an open discrepancy of this kind (`GET /api/vocabulary` lists them).
    kind: Option<String>,
    /// Only those whose route includes this unit.
    post: Option<String>,
    /// Registered at or after this time (local time in central's zone, or RFC 3339).
    from: Option<String>,
    /// Registered before this time (local time in central's zone, or RFC 3339).
    until: Option<String>,
    /// With a duty due before this time.
    due_before: Option<String>,
    /// yes: only those with discrepancies in the state asked; no: only those without.
    discrepancies: Option<String>,
    /// yes or no.
    overdue: Option<String>,
    /// Which discrepancies count: open (the default), resolved or all.
    state: Option<String>,
    /// A page: at most this many rows (1 to 10,000; all by default).
    limit: Option<String>,
    /// A page: skip this many rows first (0 by default).
    offset: Option<String>,
}

/// The dashboard's filter, its times typed in `zone`.
pub(crate) fn filter(
    params: &BTreeMap<String, String>,
    zone: &tamga_node::local_time::LocalTime,
) -> ApiResult<Filter> {
    Filter::from_query(params, zone).map_err(|e| bad(format!("filter {e}")))
}
