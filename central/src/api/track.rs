//! One consignment's road for the dashboard's map (`GET /api/consignments/{id}/track`): the
//! corridor, the route's posts, positions, navigation seal events and the road's findings, as
//! [`tamga_core::assessment::track::view`] makes them from the consignment's assessment now.

use crate::reply::{blocking, consignment_id, internal, ApiError, ApiResult};
use crate::shared::Shared;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::Json;
use serde_json::{json, Value};
use std::sync::Arc;
use tamga_core::assessment::track::view::view;
use tamga_core::Timestamp;
use tamga_store::DocId;

#[utoipa::path(
    get,
    path = "/api/consignments/{id}/track",
    tag = "consignments",
    summary = "One consignment's road for the map: corridor, posts, positions, seal events, the road's findings",
    params(
        ("id" = String, Path, description = "The consignment's number (its slashes percent-encoded)", example = "10609050/231126/0000123")
    ),
    responses(
        (status = 200, description = "The road now (tamga_core::assessment::track::view::TrackView): the corridor the registration sets (waypoints as decimal strings, width in metres) or null, the route's posts with their coordinates where registered, at most 20,000 positions in time order (thinned: true beyond, with total_positions), each with its source (vehicle or a seal's number), act and whether it lies outside the corridor, every navigation seal event, and the road's open findings with the positions each concerns", body = Object),
        (status = 400, description = "The consignment's number does not read", body = crate::reply::ErrorAnswer),
        (status = 404, description = "Central holds no such consignment", body = crate::reply::ErrorAnswer),
        crate::reply::Failed
    )
)]
pub(super) async fn track(
    State(s): State<Arc<Shared>>,
    Path(id): Path<String>,
) -> ApiResult<Json<Value>> {
    let id = consignment_id(&id)?;
    let v = blocking(&s, move |s| {
        let store = &s.central.store;
        let acts = store
            .acts(&DocId::Consignment(id.clone()))
            .map_err(internal)?;
        if acts.is_empty() {
            return Err(ApiError(
                StatusCode::NOT_FOUND,
                format!("central holds no consignment {id}: check the number; a post's acts reach central when it syncs"),
            ));
        }
        let now = Timestamp::now();
        let registry = store.registry();
        let assessment = store.assessment(&id, now).map_err(internal)?;
        Ok(json!(view(&assessment, &acts, &registry)))
    })
    .await?;
    Ok(Json(v))
}
