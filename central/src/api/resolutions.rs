//! Closing discrepancies: a resolution signed by one staff member (recorded at once, or kept
//! pending when the discrepancy is critical), the resolutions awaiting a supervisor's second
//! signature, and the countersignature that records them (the two-person rule).

use crate::pending::{countersign as countersign_pending, CountersignForm, PendingStore};
use crate::reply::{bad, blocking, internal, read_body, ApiError, ApiResult};
use crate::shared::Shared;
use crate::staff::{ResolveError, ResolveForm, Resolved};
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::Json;
use serde_json::{json, Value};
use std::sync::atomic::Ordering;
use std::sync::Arc;
use tamga_core::{ActBody, SignedAct, Timestamp};

fn resolve_error(e: ResolveError) -> ApiError {
    let status = StatusCode::from_u16(e.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    ApiError(status, e.to_string())
}

/// A refused resolution or countersignature, counted.
fn refused(s: &Shared, e: ResolveError) -> ApiError {
    s.counters
        .resolutions_refused
        .fetch_add(1, Ordering::Relaxed);
    resolve_error(e)
}

/// The recorded act as the API answers it.
fn recorded(s: &Shared, act: &SignedAct, now: Timestamp) -> Result<Value, ApiError> {
    let ActBody::DiscrepancyResolved(body) = act.body() else {
        unreachable!("a resolution signs a discrepancy_resolved act")
    };
    s.reconciler
        .refresh(&body.consignment, now)
        .map_err(internal)?;
    Ok(json!({
        "act": act.id(),
        "discrepancy": body.discrepancy,
        "consignment": body.consignment,
        "officer": body.officer,
        "supervisor": body.supervisor,
        "at": body.at,
        "at_for_people": s.central.config.local_time().for_people(body.at),
        "reason": body.reason,
    }))
}

fn pending_json(s: &Shared, p: &crate::pending::Pending) -> Value {
    let registry = s.central.store.registry();
    let name = |key: &tamga_core::KeyId| {
        registry
            .signer_at(key, p.body.at)
            .enrollment
            .map(|e| e.holder.clone())
    };
    json!({
        "pending": p.id(),
        "consignment": p.body.consignment,
        "discrepancy": p.body.discrepancy,
        "officer": p.body.officer,
        "officer_name": name(&p.body.officer),
        "supervisor": p.body.supervisor,
        "supervisor_name": p.body.supervisor.as_ref().and_then(name),
        "at": p.body.at,
        "at_for_people": s.central.config.local_time().for_people(p.body.at),
        "reason": p.body.reason,
    })
}

/// `POST /api/discrepancies/{id}/resolve`: 201 with the act, or 202 with the pending resolution
/// when the discrepancy is critical and awaits the supervisor's signature.
#[utoipa::path(
    post,
    path = "/api/discrepancies/{id}/resolve",
    tag = "resolutions",
    summary = "Resolve a discrepancy, signed with the staff member's own key",
    params(
        ("id" = String, Path, description = "The discrepancy's id")
    ),
    request_body(content = crate::staff::ResolveForm, description = "The consignment, the staff member's key and PIN, the reason, and the supervisor for a critical one"),
    responses(
        (status = 201, description = "Recorded: one signature was enough", body = crate::api::schemas::Resolution),
        (status = 202, description = "Critical: signed once and kept pending for the named supervisor's signature", body = crate::api::schemas::PendingResolution),
        (status = 400, description = "The form does not read, or the discrepancy, consignment or supervisor does not fit", body = crate::reply::ErrorAnswer),
        (status = 403, description = "A wrong PIN, a key not enrolled as staff, or another's key", body = crate::reply::ErrorAnswer),
        (status = 404, description = "No such open discrepancy, consignment or key", body = crate::reply::ErrorAnswer),
        (status = 409, description = "The discrepancy is already closed or pending", body = crate::reply::ErrorAnswer),
        (status = 413, description = "The request is over 64 KiB", body = crate::reply::ErrorAnswer),
        (status = 429, description = "Too many wrong PINs for this key: try again after the wait the error names", body = crate::reply::ErrorAnswer),
        crate::reply::Failed
    )
)]
pub(super) async fn resolve(
    State(s): State<Arc<Shared>>,
    Path(discrepancy): Path<String>,
    body: Result<axum::body::Bytes, axum::extract::rejection::BytesRejection>,
) -> ApiResult<(StatusCode, Json<Value>)> {
    let body = read_body(body)?;
    let form: ResolveForm = serde_json::from_slice(&body).map_err(|e| {
        s.counters
            .resolutions_refused
            .fetch_add(1, Ordering::Relaxed);
        bad(format!(
            "expected {{\"consignment\", \"officer\", \"pin\", \"reason\", \"supervisor\" (critical only)}}: {e}"
        ))
    })?;
    blocking(&s, move |s| {
        let now = Timestamp::now();
        match crate::staff::resolve(&s.central, &s.pins, &discrepancy, &form, now) {
            Ok(Resolved::Recorded(act)) => {
                s.counters.resolutions.fetch_add(1, Ordering::Relaxed);
                Ok((StatusCode::CREATED, Json(recorded(s, &act, now)?)))
            }
            Ok(Resolved::FirstSignature { body, signature }) => {
                let kept =
                    crate::pending::keep(&s.central, body, signature).map_err(resolve_error)?;
                Ok((StatusCode::ACCEPTED, Json(pending_json(s, &kept))))
            }
            Err(e) => Err(refused(s, e)),
        }
    })
    .await
}

/// `GET /api/resolutions/pending`: the resolutions awaiting a supervisor's signature.
#[utoipa::path(
    get,
    path = "/api/resolutions/pending",
    tag = "resolutions",
    summary = "The resolutions awaiting a supervisor's signature",
    responses(
        (status = 200, description = "The pending resolutions", body = Vec<crate::api::schemas::PendingResolution>),
        crate::reply::Failed
    )
)]
pub(super) async fn pending(State(s): State<Arc<Shared>>) -> ApiResult<Json<Value>> {
    blocking(&s, |s| {
        let list = PendingStore::open(&s.central.dir)
            .and_then(|p| p.list())
            .map_err(internal)?;
        Ok(Json(json!(list
            .iter()
            .map(|p| pending_json(s, p))
            .collect::<Vec<_>>())))
    })
    .await
}

/// `POST /api/resolutions/{id}/countersign`: the supervisor's signature; 201 with the act.
#[utoipa::path(
    post,
    path = "/api/resolutions/{id}/countersign",
    tag = "resolutions",
    summary = "A supervisor's second signature on a pending resolution",
    params(
        ("id" = String, Path, description = "The pending resolution's id (its act id): 64 lower-case hex digits", pattern = "^[0-9a-f]{64}$")
    ),
    request_body(content = crate::pending::CountersignForm, description = "The supervisor's key and PIN"),
    responses(
        (status = 201, description = "Recorded with both signatures", body = crate::api::schemas::Resolution),
        (status = 400, description = "The form or the resolution's id does not read", body = crate::reply::ErrorAnswer),
        (status = 403, description = "A wrong PIN, not the supervisor the resolution names, or another's key", body = crate::reply::ErrorAnswer),
        (status = 404, description = "No such pending resolution or key", body = crate::reply::ErrorAnswer),
        (status = 409, description = "The discrepancy was closed meanwhile: the pending resolution is withdrawn", body = crate::reply::ErrorAnswer),
        (status = 413, description = "The request is over 64 KiB", body = crate::reply::ErrorAnswer),
        (status = 429, description = "Too many wrong PINs for this key: try again after the wait the error names", body = crate::reply::ErrorAnswer),
        crate::reply::Failed
    )
)]
pub(super) async fn countersign(
    State(s): State<Arc<Shared>>,
    Path(id): Path<String>,
    body: Result<axum::body::Bytes, axum::extract::rejection::BytesRejection>,
) -> ApiResult<(StatusCode, Json<Value>)> {
    let body = read_body(body)?;
    let form: CountersignForm = serde_json::from_slice(&body)
        .map_err(|e| bad(format!("expected {{\"officer\", \"pin\"}}: {e}")))?;
    blocking(&s, move |s| {
        let now = Timestamp::now();
        match countersign_pending(&s.central, &s.pins, &id, &form, now) {
            Ok(act) => {
                s.counters.resolutions.fetch_add(1, Ordering::Relaxed);
                Ok((StatusCode::CREATED, Json(recorded(s, &act, now)?)))
            }
            Err(e) => Err(refused(s, e)),
        }
    })
    .await
}
