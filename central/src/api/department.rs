//! `POST /api/reports/department`: the Department's signed figures file as the body (JSON, at
//! most [`MAX_FILE_BYTES`]), verified at the time it arrives and compared with the
//! reconciliation from the running server's index (`docs/department-figures.md`). The answer is
//! what `tamga-central department-figures compare --json` prints; a refused file is 422 (403
//! for a signer who may not sign the figures) with `{"error": ...}`, and changes nothing.

use crate::department::{compare_loaded, load, CompareError, Compared, FiguresError};
use crate::reply::{blocking, internal, ApiError, ApiResult};
use crate::shared::Shared;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use std::sync::Arc;
use tamga_core::Timestamp;

pub use crate::department::MAX_FILE_BYTES;

#[utoipa::path(
    post,
    path = "/api/reports/department",
    tag = "reports",
    summary = "The Department's signed figures compared with central's reconciliation",
    request_body(content = Object, description = "The signed figures file (docs/department-figures.md)"),
    responses(
        (status = 200, description = "Who signed the figures, and every difference", body = Object),
        (status = 403, description = "The file's signer may not sign the Department's figures: nothing was compared", body = crate::reply::ErrorAnswer),
        (status = 413, description = "The file is over 4 MiB", body = crate::reply::ErrorAnswer),
        (status = 422, description = "The file is refused (its signature, its form, its signer's enrollment): nothing was compared", body = crate::reply::ErrorAnswer),
        crate::reply::Failed
    )
)]
pub(super) async fn compare(
    State(s): State<Arc<Shared>>,
    body: Bytes,
) -> ApiResult<Json<Compared>> {
    let now = Timestamp::now();
    let compared = blocking(&s, move |s| {
        let loaded = load(&body, &s.central.store.registry(), now).map_err(|e| {
            let status = match e {
                FiguresError::Signer(_) => StatusCode::FORBIDDEN,
                _ => StatusCode::UNPROCESSABLE_ENTITY,
            };
            ApiError(status, format!("refused: {e}; nothing was compared"))
        })?;
        compare_loaded(&s.reconciler, &s.central.store, loaded, now).map_err(|e| match e {
            CompareError::Refused(e) => ApiError(StatusCode::UNPROCESSABLE_ENTITY, e.to_string()),
            CompareError::Failed(e) => internal(e),
        })
    })
    .await?;
    Ok(Json(compared))
}
