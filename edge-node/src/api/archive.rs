//! The post's archive in the local API (`docs/edge-api.md`, "Archive"): a search, an archived
//! consignment, its signed acts as an acts file, and a pass now.

use super::{bad, consignment_id, desk, download, Answer, ApiResult};
use crate::shared::Shared;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::{Deserialize, Serialize};
use std::sync::Arc;
use tamga_core::Timestamp;

#[derive(Deserialize)]
struct Search {
    #[serde(default)]
    q: String,
}

/// `POST /api/archive/run`'s form: the days after delivery, else the configuration's.
#[derive(Debug, Default, Serialize, Deserialize)]
pub struct RunForm {
    /// Days after delivery a consignment stays live.
    #[serde(default)]
    pub days: Option<u32>,
}

async fn search(
    State(s): State<Arc<Shared>>,
    Query(search): Query<Search>,
) -> ApiResult<impl IntoResponse> {
    Ok(Answer(
        desk(&s, move |d| d.archive_search(&search.q)).await?,
    ))
}

async fn archived(
    State(s): State<Arc<Shared>>,
    Path(id): Path<String>,
) -> ApiResult<impl IntoResponse> {
    let id = consignment_id(&id)?;
    let now = Timestamp::now();
    Ok(Answer(desk(&s, move |d| d.archived(&id, now)).await?))
}

async fn acts_file(State(s): State<Arc<Shared>>, Path(id): Path<String>) -> ApiResult<Response> {
    let id = consignment_id(&id)?;
    let name = format!("{}.acts", id.as_str().replace('/', "-"));
    let text = desk(&s, move |d| d.archived_acts_text(&id)).await?;
    Ok(download(text.into_bytes(), &name))
}

async fn run(
    State(s): State<Arc<Shared>>,
    Json(form): Json<RunForm>,
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
