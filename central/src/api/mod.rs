//! Central's HTTP surface besides sync: the dashboard for headquarters staff (`ui/`, embedded)
//! and its JSON API under `/api` (findings across consignments in `across`, the Department's
//! signed figures compared in `department`, resolutions in `resolutions`), served to logged-in
//! staff over HTTPS on the staff port ([`access`]); and on loopback (plain HTTP to this machine
//! only) `/health` and `/metrics` for monitoring and the same API for the administration CLI,
//! with the token from `serve.json` (`/api/admin/*` the CLI's own commands while the server
//! holds the store).
//!
//! Handlers are thin: reads come from the reconciliation index or the store, off the async
//! workers; errors are `{"error": ...}` with a status that says whose fault it is.

use crate::reply::{bad, blocking, internal, ApiError, ApiResult, MAX_JSON_BYTES};
use crate::shared::Shared;
use axum::extract::{ConnectInfo, DefaultBodyLimit, Request, State};
use axum::http::{header, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde_json::json;
use std::net::SocketAddr;
use std::sync::Arc;
use tamga_core::Timestamp;

pub mod access;
mod across;
mod administration;
mod consignment;
mod dashboard;
mod department;
mod evidence;
pub mod openapi;
mod resolutions;
mod schemas;
pub mod seal_feed;
mod security_keys;
mod signin;
mod track;

use administration::{
    admin_calendar, admin_enroll, admin_enrollment, admin_import, admin_kp_participants,
    admin_post, admin_revoke,
};
use consignment::consignment;
use dashboard::{
    consignments, discrepancies, nodes, officers, overview, refusals, registry, vocabulary,
};

// ---- monitoring: health and metrics ----

async fn health(State(s): State<Arc<Shared>>) -> Response {
    let answer = blocking(&s, |s| {
        let position = s.central.store.last_seq().map_err(internal)?;
        let (consignments, progress) = s.reconciler.read(|i, p| (i.len(), p.clone()));
        Ok(json!({
            "status": "ok",
            "unit": s.central.config.unit,
            "feed_position": position,
            "reconciled_position": progress.position,
            "consignments": consignments,
            "last_full_reassessment": progress.last_full,
        }))
    })
    .await;
    match answer {
        Ok(v) => Json(v).into_response(),
        Err(ApiError(_, message)) => (
            StatusCode::SERVICE_UNAVAILABLE,
            Json(json!({ "status": "unavailable", "error": message })),
        )
            .into_response(),
    }
}

async fn metrics(State(s): State<Arc<Shared>>) -> ApiResult<Response> {
    let text = blocking(&s, |s| {
        let snapshot = s.snapshot(Timestamp::now()).map_err(internal)?;
        Ok(crate::metrics::render(&s.counters, &snapshot))
    })
    .await?;
    Ok((
        [(
            header::CONTENT_TYPE,
            "text/plain; version=0.0.4; charset=utf-8",
        )],
        text,
    )
        .into_response())
}

/// `GET /api/openapi.json` on the staff port.
#[utoipa::path(
    get,
    path = "/api/openapi.json",
    tag = "openapi",
    summary = "This API's OpenAPI description, for the port it is asked on",
    responses(
        (status = 200, description = "The OpenAPI 3.1 document", body = Object)
    )
)]
async fn openapi_on_staff_port() -> Json<serde_json::Value> {
    Json(openapi::document(openapi::Port::Staff))
}

/// `GET /api/openapi.json` on the loopback port.
async fn openapi_on_loopback() -> Json<serde_json::Value> {
    Json(openapi::document(openapi::Port::Loopback))
}

/// `/health` and `/metrics` (loopback connections only: see [`crate::serve::app`]).
pub fn open(shared: Arc<Shared>) -> Router {
    Router::new()
        .route("/health", get(health))
        .route("/metrics", get(metrics))
        .with_state(shared)
}

// ---- loopback only: the dashboard, its API, administration ----

const UI: tamga_node::local::UiFiles = tamga_node::local::UiFiles {
    index_html: include_str!("../../ui/index.html"),
    app_js: include_str!("../../ui/app.js"),
    i18n_js: include_str!("../../ui/i18n.js"),
    style_css: include_str!("../../ui/style.css"),
};

/// On central's machine (loopback, plain HTTP) only the administration CLI is served: every
/// `/api` route needs the token from `serve.json` (readable by central's user only), to a
/// `Host` that names this machine (no DNS rebinding), and a POST must be JSON. People use the
/// staff port, where they log in ([`access`]); the dashboard's pages are not served here.
async fn local_only(
    State(s): State<Arc<Shared>>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    request: Request,
    next: Next,
) -> Response {
    // Refused before the body is read: the connection closes after the answer, and says so.
    let body = tamga_node::local::body_follows(request.headers());
    let refused = |e: ApiError| tamga_node::local::refused_unread(body, e.into_response());
    if !tamga_node::local::from_this_machine(&peer, request.headers()) {
        return refused(ApiError(
            StatusCode::FORBIDDEN,
            "central's loopback port answers only on central's own machine; staff use the staff port (https://)".into(),
        ));
    }
    let path = request.uri().path();
    if path == "/verify.html" {
        return next.run(request).await;
    }
    if !path.starts_with("/api/") {
        return refused(ApiError(
            StatusCode::FORBIDDEN,
            "the dashboard is served on the staff port over HTTPS, with a login (its address is staff_url in serve.json); this port serves the administration CLI".into(),
        ));
    }
    if let Err(e) = administration::token_given(&s, request.headers()) {
        return refused(e);
    }
    if request.method() == axum::http::Method::POST
        && !tamga_node::local::declares_json(request.headers())
    {
        return refused(bad("send JSON (Content-Type: application/json)"));
    }
    // The CLI's changes through the running server go to the audit trail too.
    let change = (request.method() == axum::http::Method::POST)
        .then(|| path.strip_prefix("/api/admin/").map(str::to_owned))
        .flatten();
    let response = next.run(request).await;
    if let Some(what) = change {
        s.audit
            .note(crate::audit::cli_event(&what, response.status().as_u16()));
    }
    response
}

/// The dashboard, its API and the administration API: loopback only.
pub fn local(shared: Arc<Shared>) -> Router {
    routes()
        .route("/api/openapi.json", get(openapi_on_loopback))
        .layer(DefaultBodyLimit::max(MAX_JSON_BYTES))
        .layer(middleware::from_fn_with_state(
            Arc::clone(&shared),
            local_only,
        ))
        .with_state(shared)
}

/// The dashboard (`ui/`), its API and the administration API, without the guard of who may use
/// them: [`local`] on loopback for the CLI (the token), [`access::staff`] over HTTPS for
/// logged-in staff.
fn routes() -> Router<Arc<Shared>> {
    tamga_node::local::ui_routes(UI)
        .route("/api/overview", get(overview))
        .route("/api/vocabulary", get(vocabulary))
        .route("/api/consignments", get(consignments))
        .route("/api/consignments/{id}", get(consignment))
        .route("/api/consignments/{id}/track", get(track::track))
        .route("/api/discrepancies", get(discrepancies))
        .route("/api/across", get(across::across))
        .route("/api/duties", get(across::overdue_duties))
        .route("/api/silent", get(across::silent))
        .route(
            "/api/discrepancies/{id}/resolve",
            post(resolutions::resolve),
        )
        .route("/api/resolutions/pending", get(resolutions::pending))
        .route(
            "/api/resolutions/{id}/countersign",
            post(resolutions::countersign),
        )
        .route("/api/nodes", get(nodes))
        .route("/api/refusals", get(refusals))
        .route("/api/officers", get(officers))
        .route("/api/registry", get(registry))
        .route("/api/reports/kp", get(crate::exports::kp))
        .route(
            "/api/reports/reconciliation",
            get(crate::exports::reconciliation),
        )
        .route(
            "/api/reports/department",
            post(department::compare).layer(DefaultBodyLimit::max(department::MAX_FILE_BYTES)),
        )
        .route("/api/export/epcis", get(crate::exports::epcis))
        .route("/api/export/csv", get(crate::exports::consignments_csv))
        .route("/api/admin/enroll", post(admin_enroll))
        .route("/api/admin/revoke", post(admin_revoke))
        .route("/api/admin/kp-participants", post(admin_kp_participants))
        .route("/api/admin/calendar", post(admin_calendar))
        .route("/api/admin/post", post(admin_post))
        .route("/api/admin/enrollment", post(admin_enrollment))
        .route("/api/admin/import", post(admin_import))
        .route(
            "/api/admin/seal-feed",
            post(seal_feed::from_file).layer(DefaultBodyLimit::max(seal_feed::MAX_BODY_BYTES)),
        )
        .route("/api/admin/evidence", post(administration::admin_evidence))
        .route(
            "/api/admin/log-key",
            post(administration::admin_rotate_log_key),
        )
        .route("/api/admin/accounts", post(administration::admin_account))
        .route("/api/admin/backup", post(administration::admin_backup))
        .route("/api/evidence", get(evidence::download))
        .route("/verify.html", get(evidence::verify_page))
}
