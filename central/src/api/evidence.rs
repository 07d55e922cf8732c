//! Evidence packages over HTTP (`docs/act-format.md` §14.6): `GET /api/evidence?consignment=`
//! for the dashboard's button (a download), and the administration API's
//! `POST /api/admin/evidence` for `tamga-central evidence` while the server holds the store.

use crate::log::EvidenceError;
use crate::reply::{bad, blocking, consignment_id, internal, ApiError, ApiResult};
use crate::shared::Shared;
use axum::extract::{Query, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use std::collections::BTreeMap;
use std::sync::Arc;
use tamga_core::transparency::evidence::Package;
use tamga_core::Timestamp;

/// The package of `consignment`, with a tree head signed now.
pub(crate) fn package(s: &Shared, consignment: &str) -> ApiResult<Package> {
    let id = consignment_id(consignment)?;
    crate::log::evidence(&s.central, &*s.ledger(), &s.log, &id, Timestamp::now()).map_err(|e| {
        match e {
            EvidenceError::Unknown(_) => ApiError(StatusCode::NOT_FOUND, e.to_string()),
            other => internal(other),
        }
    })
}

#[utoipa::path(
    get,
    path = "/api/evidence",
    tag = "exports",
    summary = "A consignment's evidence package (docs/act-format.md 14.6), as a download",
    params(
        ("consignment" = String, Query, description = "The consignment's number", example = "10609050/231126/0000123")
    ),
    responses(
        (status = 200, description = "Every act central holds of it with the registry acts and a receipt each, in a head signed now", body = Object),
        (status = 400, description = "No consignment given, or an unknown parameter", body = crate::reply::ErrorAnswer),
        (status = 404, description = "Central holds no such consignment", body = crate::reply::ErrorAnswer),
        crate::reply::Failed
    )
)]
pub(super) async fn download(
    State(s): State<Arc<Shared>>,
    Query(params): Query<BTreeMap<String, String>>,
) -> ApiResult<Response> {
    if let Some(other) = params.keys().find(|k| k.as_str() != "consignment") {
        return Err(bad(format!(
            "unknown parameter {other:?}: give consignment="
        )));
    }
    let consignment = params
        .get("consignment")
        .cloned()
        .ok_or_else(|| bad("give consignment=<the consignment number>"))?;
    let package = blocking(&s, move |s| package(s, &consignment)).await?;
    let name = format!(
        "evidence-{}.json",
        package
            .consignment
            .as_str()
            .replace(|c: char| !c.is_ascii_alphanumeric() && c != '-', "_")
    );
    let mut body = serde_json::to_vec_pretty(&package).map_err(internal)?;
    body.push(b'\n');
    Ok((
        [
            (header::CONTENT_TYPE, "application/json".to_owned()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{name}\""),
            ),
        ],
        body,
    )
        .into_response())
}

/// `/verify.html`: the offline verifier of evidence packages (`central/ui/verify.html`), the
/// same page that works opened from disk.
pub(super) async fn verify_page() -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/html; charset=utf-8"),
            (header::CACHE_CONTROL, "no-cache"),
        ],
        include_str!("../../ui/verify.html"),
    )
        .into_response()
}
