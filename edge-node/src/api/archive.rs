//! The post's archive in the local API (`docs/edge-api.md`, "Archive"): a search, an archived
//! consignment, its signed acts as an acts file, and a pass now.

use super::json::Form;
use super::{bad, consignment_id, desk, download, Answer, ApiResult};
use crate::answers::ErrorAnswer;
use crate::shared::Shared;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use serde::{Deserialize, Serialize};
use std::sync::Arc;
use tamga_core::Timestamp;

#[derive(Deserialize)]
struct Search {
    #[serde(default)]
    q: String,
}

/// `POST /api/archive/run`'s form: the days after delivery, else the configuration's.
#[derive(Debug, Default, Serialize, Deserialize, utoipa::ToSchema)]
pub struct RunForm {
    /// Days after delivery a consignment stays live.
    #[serde(default)]
    pub days: Option<u32>,
}

#[utoipa::path(
    get,
    path = "/api/archive",
    tag = "archive",
    summary = "Search the post's archive",
    params(
        ("q" = Option<String>, Query, description = "Part of a consignment's number, declaration or goods; empty: every archived consignment")
    ),
    responses(
        (status = 200, description = "The consignments found, newest delivery first, and the files refused", body = crate::answers::ArchiveListing),
        crate::api::NotHere,
        crate::api::Failed
    )
)]
async fn search(
    State(s): State<Arc<Shared>>,
    Query(search): Query<Search>,
) -> ApiResult<impl IntoResponse> {
    Ok(Answer(
        desk(&s, move |d| d.archive_search(&search.q)).await?,
    ))
}

#[utoipa::path(
    get,
    path = "/api/archive/{id}",
    tag = "archive",
    summary = "An archived consignment, assessed now",
    params(
        ("id" = String, Path, description = "The consignment's number (its slashes percent-encoded)", example = "10609050/231126/0000123")
    ),
    responses(
        (status = 200, description = "The consignment and where it is kept", body = crate::answers::ArchivedView),
        (status = 400, description = "The consignment's number does not read", body = ErrorAnswer),
        (status = 404, description = "The consignment is not in the archive", body = ErrorAnswer),
        crate::api::NotHere,
        (status = 500, description = "The archive file holding it is refused, or the node failed: the error says which", body = ErrorAnswer)
    )
)]
async fn archived(
    State(s): State<Arc<Shared>>,
    Path(id): Path<String>,
) -> ApiResult<impl IntoResponse> {
    let id = consignment_id(&id)?;
    let now = Timestamp::now();
    Ok(Answer(desk(&s, move |d| d.archived(&id, now)).await?))
}

#[utoipa::path(
    get,
    path = "/api/archive/{id}/acts",
    tag = "archive",
    summary = "An archived consignment's signed acts as an acts file",
    params(
        ("id" = String, Path, description = "The consignment's number (its slashes percent-encoded)", example = "10609050/231126/0000123")
    ),
    responses(
        (status = 200, description = "The acts file", body = [u8], content_type = "application/octet-stream"),
        (status = 400, description = "The consignment's number does not read", body = ErrorAnswer),
        (status = 404, description = "The consignment is not in the archive", body = ErrorAnswer),
        crate::api::NotHere,
        crate::api::Failed
    )
)]
async fn acts_file(State(s): State<Arc<Shared>>, Path(id): Path<String>) -> ApiResult<Response> {
    let id = consignment_id(&id)?;
    let name = format!("{}.acts", id.as_str().replace('/', "-"));
    let text = desk(&s, move |d| d.archived_acts_text(&id)).await?;
    Ok(download(text.into_bytes(), &name))
}

#[utoipa::path(
    post,
    path = "/api/archive/run",
    tag = "archive",
    summary = "Archive now the consignments delivered more than N days ago that central holds",
    request_body(content = RunForm, description = "The days after delivery; absent: the configuration's archive_closed_days"),
    responses(
        (status = 200, description = "What the pass did", body = crate::answers::ArchivePass),
        (status = 400, description = "No number of days given nor configured, or the body is not JSON (Content-Type: application/json)", body = ErrorAnswer),
        crate::api::NotHere,
        crate::api::Failed
    )
)]
async fn run(
    State(s): State<Arc<Shared>>,
    Form(form): Form<RunForm>,
) -> ApiResult<impl IntoResponse> {
    let days = form
        .days
        .or(s.node.config.archive_closed_days)
        .ok_or_else(|| {
            bad("no number of days: give {\"days\": N}, or set archive_closed_days in tamga-edge.toml")
        })?;
    let now = Timestamp::now();
    Ok(Answer(desk(&s, move |d| d.archive_pass(days, now)).await?))
}

/// The archive's routes, merged into the local API.
pub fn routes() -> Router<Arc<Shared>> {
    Router::new()
        .route("/api/archive", get(search))
        .route("/api/archive/run", post(run))
        .route("/api/archive/{id}", get(archived))
        .route("/api/archive/{id}/acts", get(acts_file))
}
