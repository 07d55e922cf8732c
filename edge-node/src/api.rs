//! The node's HTTP surface besides sync: the web UI and the local JSON API for the officer at
//! this device (loopback only), and the handoff endpoints for peers on the LAN. The contract is
//! `docs/edge-api.md`. Handlers are thin: each reads the clock once, calls [`crate::desk`] off the
//! async workers, and answers a desk error with the status [`status_of`] gives it.

use crate::answers::{
    sorted, ActsRecorded, Countersigned, ErrorAnswer, JobStarted, OfferImported, OfferMade,
    OfferReceived,
};
use crate::archive::format::ArchiveError;
use crate::desk::{CountForm, Desk, DeskError};
use crate::node::NodeError;
use crate::offers::{Direction, OfferBoxError, Via};
use crate::qr::{self, Carried};
use crate::shared::Shared;
use axum::body::Bytes;
use axum::extract::rejection::QueryRejection;
use axum::extract::{ConnectInfo, DefaultBodyLimit, Path, Query, Request, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Extension, Json, Router};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::net::SocketAddr;
use std::sync::Arc;
use tamga_core::handoff::HandoffError;
use tamga_core::{ActId, ConsignmentId, KeyId, Timestamp};
use tamga_node::keystore::KeystoreError;
use tamga_node::server::PeerKey;
use tamga_store::StoreError;
use tracing::{info, warn};

pub mod archive;
#[cfg(test)]
mod ui_words;

/// The largest upload accepted (a bundle file or a photo).
pub const MAX_UPLOAD_BYTES: usize = 256 * 1024 * 1024;
/// The largest JSON form accepted.
pub const MAX_FORM_BYTES: usize = 1024 * 1024;

/// A typed answer, sent as JSON with its keys in sorted order (see [`sorted`]).
pub struct Answer<T>(pub T);

impl<T: Serialize> IntoResponse for Answer<T> {
    fn into_response(self) -> Response {
        Json(sorted(&self.0)).into_response()
    }
}

/// An error answer: `{"error": "..."}` with its status.
pub struct ApiError(StatusCode, String);

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        (self.0, Json(ErrorAnswer { error: self.1 })).into_response()
    }
}

impl From<DeskError> for ApiError {
    fn from(e: DeskError) -> Self {
        ApiError(status_of(&e), e.to_string())
    }
}

/// The HTTP status a desk error answers with: the officer's mistakes are 4xx (a form that does
/// not make an act, a wrong PIN, an offer that does not hold), the node's own troubles 5xx.
pub fn status_of(e: &DeskError) -> StatusCode {
    match e {
        DeskError::Form(_) => StatusCode::BAD_REQUEST,
        DeskError::Key(KeystoreError::WrongPin { .. }) => StatusCode::FORBIDDEN,
        DeskError::Key(KeystoreError::TryLater { .. }) => StatusCode::TOO_MANY_REQUESTS,
        DeskError::Key(KeystoreError::PinTooShort { .. }) => StatusCode::BAD_REQUEST,
        DeskError::Key(KeystoreError::UnknownKey { .. }) => StatusCode::NOT_FOUND,
        DeskError::Key(_) => StatusCode::INTERNAL_SERVER_ERROR,
        DeskError::NotAllowed(_) => StatusCode::FORBIDDEN,
        DeskError::WouldNotHold(_) => StatusCode::CONFLICT,
        DeskError::Handoff(HandoffError::Decode(_)) => StatusCode::BAD_REQUEST,
        DeskError::Handoff(_) => StatusCode::CONFLICT,
        DeskError::Offers(OfferBoxError::Unknown { .. }) => StatusCode::NOT_FOUND,
        DeskError::Offers(OfferBoxError::Full) => StatusCode::SERVICE_UNAVAILABLE,
        DeskError::Offers(_) => StatusCode::INTERNAL_SERVER_ERROR,
        DeskError::NotFound(_) => StatusCode::NOT_FOUND,
        DeskError::NoPaper(_) => StatusCode::UNPROCESSABLE_ENTITY,
        DeskError::Archive(ArchiveError::NotArchived(_)) => StatusCode::NOT_FOUND,
        DeskError::Archive(_) => StatusCode::INTERNAL_SERVER_ERROR,
        DeskError::Node(NodeError::Store(StoreError::InvalidAct { .. })) => {
            StatusCode::UNPROCESSABLE_ENTITY
        }
        DeskError::Node(NodeError::Store(StoreError::DiskFull { .. })) => {
            StatusCode::INSUFFICIENT_STORAGE
        }
        DeskError::Node(NodeError::Addressee(_)) => StatusCode::FORBIDDEN,
        DeskError::Node(_) => StatusCode::INTERNAL_SERVER_ERROR,
    }
}

fn bad(message: impl Into<String>) -> ApiError {
    ApiError(StatusCode::BAD_REQUEST, message.into())
}

type ApiResult<T> = Result<T, ApiError>;

/// Runs desk work off the async workers.
async fn desk<T: Send + 'static>(
    shared: &Arc<Shared>,
    work: impl FnOnce(Desk<'_>) -> Result<T, DeskError> + Send + 'static,
) -> ApiResult<T> {
    let shared = Arc::clone(shared);
    tokio::task::spawn_blocking(move || work(Desk::new(&shared.node, &shared.pins)))
        .await
        .map_err(|e| ApiError(StatusCode::INTERNAL_SERVER_ERROR, e.to_string()))?
        .map_err(ApiError::from)
}

fn act_id(text: &str) -> ApiResult<ActId> {
    ActId::from_hex(text).map_err(|e| bad(e.to_string()))
}

fn consignment_id(text: &str) -> ApiResult<ConsignmentId> {
    ConsignmentId::new(text).map_err(|e| bad(e.to_string()))
}

// ---- the officer's side: UI and /api ----

const UI: tamga_node::local::UiFiles = tamga_node::local::UiFiles {
    index_html: include_str!("../ui/index.html"),
    app_js: include_str!("../ui/app.js"),
    i18n_js: include_str!("../ui/i18n.js"),
    style_css: include_str!("../ui/style.css"),
};

/// Requests to the UI and `/api` must come from this device, name it in `Host` (no DNS
/// rebinding), and a POST must be JSON or a marked upload (no cross-site form posts).
async fn local_only(
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    request: Request,
    next: Next,
) -> Response {
    if !tamga_node::local::from_this_machine(&peer, request.headers()) {
        return ApiError(
            StatusCode::FORBIDDEN,
            "the officer's UI and API answer only on this device (open http://127.0.0.1:<port>/ here)"
                .into(),
        )
        .into_response();
    }
    if request.method() == axum::http::Method::POST {
        let headers = request.headers();
        let json = tamga_node::local::declares_json(headers);
        let upload = headers.get("x-tamga-upload").is_some();
        if !json && !upload {
            return bad("send JSON (Content-Type: application/json), or an upload with the header X-Tamga-Upload: 1").into_response();
        }
    }
    next.run(request).await
}

async fn status(State(shared): State<Arc<Shared>>) -> ApiResult<impl IntoResponse> {
    let now = Timestamp::now();
    let answer = {
        let shared = Arc::clone(&shared);
        tokio::task::spawn_blocking(move || shared.status_answer(now))
            .await
            .map_err(|e| ApiError(StatusCode::INTERNAL_SERVER_ERROR, e.to_string()))?
    };
    answer
        .map(Answer)
        .map_err(|e| ApiError(StatusCode::INTERNAL_SERVER_ERROR, e.to_string()))
}

async fn officers(State(s): State<Arc<Shared>>) -> ApiResult<impl IntoResponse> {
    let now = Timestamp::now();
    Ok(Answer(desk(&s, move |d| d.officers(now)).await?))
}

async fn registry(State(s): State<Arc<Shared>>) -> ApiResult<impl IntoResponse> {
    Ok(Answer(desk(&s, |d| Ok(d.enrolled())).await?))
}

async fn consignments(
    State(s): State<Arc<Shared>>,
    query: Result<Query<Vec<(String, String)>>, QueryRejection>,
) -> ApiResult<impl IntoResponse> {
    let Query(pairs) = query.map_err(|e| bad(format!("the query string does not read: {e}")))?;
    let request = crate::listing::parse_query(&pairs).map_err(|e| bad(e.0))?;
    let now = Timestamp::now();
    Ok(Answer(
        desk(&s, move |d| d.consignments(&request, now)).await?,
    ))
}

async fn consignment(
    State(s): State<Arc<Shared>>,
    Path(id): Path<String>,
) -> ApiResult<impl IntoResponse> {
    let id = consignment_id(&id)?;
    let now = Timestamp::now();
    Ok(Answer(
        desk(&s, move |d| d.consignment_view(&id, now)).await?,
    ))
}

async fn record_act(
    State(s): State<Arc<Shared>>,
    Json(form): Json<Value>,
) -> ApiResult<impl IntoResponse> {
    let now = Timestamp::now();
    let recorded = desk(&s, move |d| d.record_form(form, now)).await?;
    info!(act = %recorded.act.short(), kind = %recorded.kind, "act recorded");
    Ok((StatusCode::CREATED, Answer(recorded)))
}

#[derive(Deserialize)]
struct TextForm {
    text: String,
}

/// The text of an upload: JSON `{"text": ...}`, or raw bytes that are a photo of a QR code or
/// a text file.
fn upload_text(headers: &HeaderMap, body: &[u8]) -> ApiResult<(String, Via)> {
    let json = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/json"));
    if json {
        let form: TextForm = serde_json::from_slice(body).map_err(|e| bad(e.to_string()))?;
        let via = if form.text.trim_start().starts_with("tamga:") {
            Via::Qr
        } else {
            Via::File
        };
        return Ok((form.text, via));
    }
    let is_picture = body.starts_with(b"\x89PNG") || body.starts_with(&[0xff, 0xd8, 0xff]);
    if is_picture {
        let text = qr::read_photo(body).map_err(|e| bad(e.to_string()))?;
        return Ok((text, Via::Qr));
    }
    let text = std::str::from_utf8(body)
        .map_err(|_| bad("the file is neither text nor a PNG or JPEG photo"))?;
    Ok((text.to_owned(), Via::File))
}

/// Offer bytes from a file's text or a QR code's text.
fn offer_bytes(text: &str) -> ApiResult<Vec<u8>> {
    let text = text.trim();
    if text.starts_with("tamga:") {
        let (what, bytes) = qr::from_text(text).map_err(|e| bad(e.to_string()))?;
        if what != Carried::Offer {
            return Err(bad(
                "this code holds a completed act, not an offer: import it as an act",
            ));
        }
        Ok(bytes)
    } else {
        Ok(text.as_bytes().to_vec())
    }
}

async fn import_acts(
    State(s): State<Arc<Shared>>,
    headers: HeaderMap,
    body: Bytes,
) -> ApiResult<impl IntoResponse> {
    let (text, _) = upload_text(&headers, &body)?;
    let new = desk(&s, move |d| d.record_acts_text(&text)).await?;
    Ok(Answer(ActsRecorded { new }))
}

#[derive(Deserialize)]
struct ActPath {
    id: String,
}

async fn act_of(s: &Arc<Shared>, id: &str) -> ApiResult<tamga_core::SignedAct> {
    let id = act_id(id)?;
    desk(s, move |d| d.act_by_id(&id)).await
}

async fn act_file(State(s): State<Arc<Shared>>, Path(p): Path<ActPath>) -> ApiResult<Response> {
    let act = act_of(&s, &p.id).await?;
    Ok(download(act.encode(), &format!("{}.act", act.id().short())))
}

async fn act_qr(State(s): State<Arc<Shared>>, Path(p): Path<ActPath>) -> ApiResult<Response> {
    let act = act_of(&s, &p.id).await?;
    svg_answer(&qr::to_text(Carried::Act, &act.encode()))
}

/// The header saying what became of the signed act's QR code on a paper act:
/// `printed; characters=N` or `too-large; characters=N`.
pub const PAPER_QR_HEADER: &str = "x-tamga-paper-qr";

/// `GET /api/acts/{id}/paper.pdf`: the act's paper act (see [`crate::paper`]).
async fn act_paper(State(s): State<Arc<Shared>>, Path(p): Path<ActPath>) -> ApiResult<Response> {
    let id = act_id(&p.id)?;
    let now = Timestamp::now();
    let paper = desk(&s, move |d| d.paper(&id, now)).await?;
    let qr = match paper.qr {
        crate::paper::QrOnPaper::Printed { characters } => {
            format!("printed; characters={characters}")
        }
        crate::paper::QrOnPaper::TooLarge { characters } => {
            format!("too-large; characters={characters}")
        }
    };
    let disposition = format!("inline; filename=\"{}.pdf\"", id.short());
    Ok((
        [
            (header::CONTENT_TYPE, "application/pdf".to_owned()),
            (header::CONTENT_DISPOSITION, disposition),
            (header::HeaderName::from_static(PAPER_QR_HEADER), qr),
        ],
        paper.pdf,
    )
        .into_response())
}

fn svg_answer(text: &str) -> ApiResult<Response> {
    let svg =
        qr::svg(text).map_err(|e| ApiError(StatusCode::UNPROCESSABLE_ENTITY, e.to_string()))?;
    Ok(([(header::CONTENT_TYPE, "image/svg+xml")], svg).into_response())
}

fn png_answer(text: &str) -> ApiResult<Response> {
    let png =
        qr::png(text).map_err(|e| ApiError(StatusCode::UNPROCESSABLE_ENTITY, e.to_string()))?;
    Ok(([(header::CONTENT_TYPE, "image/png")], png).into_response())
}

fn download(bytes: Vec<u8>, name: &str) -> Response {
    let disposition = HeaderValue::from_str(&format!("attachment; filename=\"{name}\""))
        .unwrap_or(HeaderValue::from_static("attachment"));
    (
        [
            (
                header::CONTENT_TYPE,
                HeaderValue::from_static("application/octet-stream"),
            ),
            (header::CONTENT_DISPOSITION, disposition),
        ],
        bytes,
    )
        .into_response()
}

#[derive(Deserialize)]
struct OfferForm {
    #[serde(default)]
    send_to: Option<String>,
    #[serde(flatten)]
    rest: Value,
}

async fn make_offer(
    State(s): State<Arc<Shared>>,
    Json(form): Json<OfferForm>,
) -> ApiResult<impl IntoResponse> {
    let send_to = match &form.send_to {
        Some(name) if !name.is_empty() => Some(
            s.peers()
                .into_iter()
                .find(|p| &p.name == name)
                .ok_or_else(|| bad(format!("send_to: no peer named {name:?} is configured")))?,
        ),
        _ => None,
    };
    let rest = form.rest;
    let now = Timestamp::now();
    let offer = desk(&s, move |d| d.make_offer(rest, now)).await?;
    let mut answer = OfferMade {
        offer: offer.id(),
        sent: false,
        send_error: None,
    };
    if let Some(peer) = send_to {
        match s.send_offer(&peer, &offer.encode()).await {
            Ok(()) => answer.sent = true,
            Err(e) => {
                warn!(peer = %peer.name, error = %e, "offer not delivered over the LAN");
                answer.send_error = Some(format!(
                    "the offer is kept here but could not be sent to {}: {e}. Show its QR code or hand over the file",
                    peer.name
                ));
            }
        }
    }
    Ok((StatusCode::CREATED, Answer(answer)))
}

async fn list_offers(State(s): State<Arc<Shared>>) -> ApiResult<impl IntoResponse> {
    let now = Timestamp::now();
    Ok(Answer(desk(&s, move |d| d.offer_list(now)).await?))
}

async fn get_offer(
    State(s): State<Arc<Shared>>,
    Path(p): Path<ActPath>,
) -> ApiResult<impl IntoResponse> {
    let id = act_id(&p.id)?;
    let now = Timestamp::now();
    Ok(Answer(desk(&s, move |d| d.offer(&id, now)).await?))
}

async fn offer_bytes_of(s: &Arc<Shared>, id: &str) -> ApiResult<Vec<u8>> {
    let id = act_id(id)?;
    desk(s, move |d| d.offer_bytes(&id)).await
}

async fn offer_file(State(s): State<Arc<Shared>>, Path(p): Path<ActPath>) -> ApiResult<Response> {
    let bytes = offer_bytes_of(&s, &p.id).await?;
    Ok(download(
        bytes,
        &format!("{}.offer", &p.id[..12.min(p.id.len())]),
    ))
}

async fn offer_qr(State(s): State<Arc<Shared>>, Path(p): Path<ActPath>) -> ApiResult<Response> {
    let bytes = offer_bytes_of(&s, &p.id).await?;
    svg_answer(&qr::to_text(Carried::Offer, &bytes))
}

async fn offer_qr_png(State(s): State<Arc<Shared>>, Path(p): Path<ActPath>) -> ApiResult<Response> {
    let bytes = offer_bytes_of(&s, &p.id).await?;
    png_answer(&qr::to_text(Carried::Offer, &bytes))
}

async fn import_offer(
    State(s): State<Arc<Shared>>,
    headers: HeaderMap,
    body: Bytes,
) -> ApiResult<impl IntoResponse> {
    let (text, via) = upload_text(&headers, &body)?;
    let bytes = offer_bytes(&text)?;
    let offer = desk(&s, move |d| d.receive_offer(&bytes, via, None)).await?;
    let answer = OfferImported {
        offer: offer.id(),
        direction: Direction::Incoming,
    };
    Ok((StatusCode::CREATED, Answer(answer)))
}

async fn review_offer(
    State(s): State<Arc<Shared>>,
    Path(p): Path<ActPath>,
    Json(count): Json<CountForm>,
) -> ApiResult<impl IntoResponse> {
    let id = act_id(&p.id)?;
    let now = Timestamp::now();
    Ok(Answer(desk(&s, move |d| d.review(&id, &count, now)).await?))
}

async fn countersign(
    State(s): State<Arc<Shared>>,
    Path(p): Path<ActPath>,
    Json(count): Json<CountForm>,
) -> ApiResult<impl IntoResponse> {
    let id = act_id(&p.id)?;
    let now = Timestamp::now();
    let (act, reply_to) = desk(&s, move |d| d.countersign(&id, &count, now)).await?;
    info!(act = %act.id().short(), "handoff countersigned");
    let mut returned = false;
    let mut return_error = None;
    if let Some((url, key)) = reply_to {
        match s.send_completion(&url, &key, &act.encode()).await {
            Ok(()) => returned = true,
            Err(e) => return_error = Some(e),
        }
    }
    let answer = Countersigned {
        act: act.id(),
        returned,
        return_error,
    };
    Ok((StatusCode::CREATED, Answer(answer)))
}

#[derive(Deserialize, Default)]
struct SyncForm {
    #[serde(default)]
    peer: Option<String>,
}

async fn sync_now(
    State(s): State<Arc<Shared>>,
    Json(form): Json<SyncForm>,
) -> ApiResult<impl IntoResponse> {
    let peers = s.peers();
    if peers.is_empty() {
        return Err(bad(
            "no peers are configured: add one with `tamga-edge add-peer`",
        ));
    }
    if let Some(name) = &form.peer {
        if !peers.iter().any(|p| &p.name == name) {
            return Err(bad(format!("peer: no peer named {name:?} is configured")));
        }
    }
    let job = s.jobs.start("sync");
    let shared = Arc::clone(&s);
    tokio::spawn(async move {
        let outcome = shared.sync_named(form.peer.as_deref(), Some(job)).await;
        shared.jobs.finish(job, outcome);
    });
    Ok((StatusCode::ACCEPTED, Answer(JobStarted { job })))
}

#[derive(Deserialize)]
struct ExportForm {
    #[serde(default, rename = "for")]
    for_key: Option<String>,
}

async fn export_bundle(
    State(s): State<Arc<Shared>>,
    Json(form): Json<ExportForm>,
) -> ApiResult<Response> {
    let for_key =
        match form.for_key.filter(|k| !k.is_empty()) {
            Some(k) => KeyId::new(k).map_err(|e| bad(format!("for: {e}")))?,
            None => return Err(bad(
                "for: choose the device the bundle is for: it is encrypted to that device's key",
            )),
        };
    let bytes = desk(&s, move |d| Ok(d.node().export_bundle(&for_key, 0)?)).await?;
    Ok(download(bytes, "tamga.bundle"))
}

async fn import_bundle(State(s): State<Arc<Shared>>, body: Bytes) -> ApiResult<impl IntoResponse> {
    let job = s.jobs.start("import bundle");
    let shared = Arc::clone(&s);
    tokio::task::spawn_blocking(move || {
        let mut progress =
            |done: usize, total: usize| shared.jobs.progress(job, done as u64, total as u64);
        let outcome = shared
            .node
            .import_bundle(&body, &mut progress)
            .map(|r| {
                format!(
                    "{} documents, {} changed, {} new acts, {} left out",
                    r.documents, r.changed, r.new_acts, r.rejected
                )
            })
            .map_err(|e| e.to_string());
        shared.jobs.finish(job, outcome);
    });
    Ok((StatusCode::ACCEPTED, Answer(JobStarted { job })))
}

/// A job as it stands, its fields in their declared order (as the API has always given it).
async fn get_job(
    State(s): State<Arc<Shared>>,
    Path(id): Path<u64>,
) -> ApiResult<Json<crate::jobs::Job>> {
    s.jobs
        .get(id)
        .map(Json)
        .ok_or_else(|| ApiError(StatusCode::NOT_FOUND, format!("no job {id}")))
}

/// The UI and the local API.
pub fn local(shared: Arc<Shared>) -> Router {
    tamga_node::local::ui_routes(UI)
        .route("/api/status", get(status))
        .route("/api/officers", get(officers))
        .route("/api/registry", get(registry))
        .route("/api/consignments", get(consignments))
        .route("/api/consignments/{id}", get(consignment))
        .route("/api/acts", post(record_act))
        .route(
            "/api/acts/import",
            post(import_acts).layer(DefaultBodyLimit::max(MAX_UPLOAD_BYTES)),
        )
        .route("/api/acts/{id}/file", get(act_file))
        .route("/api/acts/{id}/qr.svg", get(act_qr))
        .route("/api/acts/{id}/paper.pdf", get(act_paper))
        .route("/api/offers", post(make_offer).get(list_offers))
        .route(
            "/api/offers/import",
            post(import_offer).layer(DefaultBodyLimit::max(MAX_UPLOAD_BYTES)),
        )
        .route("/api/offers/{id}", get(get_offer))
        .route("/api/offers/{id}/file", get(offer_file))
        .route("/api/offers/{id}/qr.svg", get(offer_qr))
        .route("/api/offers/{id}/qr.png", get(offer_qr_png))
        .route("/api/offers/{id}/review", post(review_offer))
        .route("/api/offers/{id}/countersign", post(countersign))
        .route("/api/sync", post(sync_now))
        .route("/api/bundles/export", post(export_bundle))
        .route(
            "/api/bundles/import",
            post(import_bundle).layer(DefaultBodyLimit::max(
                tamga_node::sealed::MAX_SEALED_BUNDLE_BYTES,
            )),
        )
        .route("/api/jobs/{id}", get(get_job))
        .merge(archive::routes())
        // JSON forms up to MAX_FORM_BYTES; uploads (files, photos) up to MAX_UPLOAD_BYTES.
        .layer(DefaultBodyLimit::max(MAX_FORM_BYTES))
        .layer(middleware::from_fn(local_only))
        .with_state(shared)
}

// ---- the peers' side: handoffs over the LAN ----

#[derive(Deserialize)]
struct ReplyTo {
    reply_to: Option<String>,
}

async fn peer_offer(
    State(s): State<Arc<Shared>>,
    Extension(PeerKey(sender)): Extension<PeerKey>,
    Query(q): Query<ReplyTo>,
    body: Bytes,
) -> ApiResult<impl IntoResponse> {
    // The completed act goes back only to the device that sent the offer, over TLS, and only
    // at an address configured here for that device: the sender's `reply_to` may choose among
    // them (a node reachable at several), never add one.
    let reply =
        reply_address(&s.peers(), &sender, q.reply_to.as_deref()).map(|u| (u, sender.clone()));
    if reply.is_none() {
        info!(
            sender = %sender.fingerprint(),
            "the offering device is not a configured peer: its completed act goes with the next sync"
        );
    }
    let offer = desk(&s, move |d| d.receive_offer(&body, Via::Lan, reply)).await?;
    info!(offer = %offer.id().short(), "offer received over the LAN");
    let answer = OfferReceived { offer: offer.id() };
    Ok((StatusCode::CREATED, Answer(answer)))
}

/// Where a completed handoff goes back to for an offer from `sender`: `asked` if it is an
/// address configured for that device, else the first configured for it, else nowhere.
fn reply_address(
    peers: &[crate::config::PeerConfig],
    sender: &tamga_core::KeyId,
    asked: Option<&str>,
) -> Option<String> {
    let same = |a: &str, b: &str| a.trim_end_matches('/') == b.trim_end_matches('/');
    let configured: Vec<&str> = peers
        .iter()
        .filter(|p| &p.key == sender)
        .map(|p| p.url.as_str())
        .collect();
    asked
        .and_then(|a| configured.iter().find(|c| same(c, a)))
        .or(configured.first())
        .map(|u| u.to_string())
}

async fn peer_completion(
    State(s): State<Arc<Shared>>,
    Extension(PeerKey(_)): Extension<PeerKey>,
    body: Bytes,
) -> ApiResult<impl IntoResponse> {
    let recorded = desk(&s, move |d| d.receive_completion(&body)).await?;
    info!(act = %recorded.act.short(), "completed handoff received over the LAN");
    Ok((StatusCode::CREATED, Answer(recorded)))
}

/// The handoff endpoints for peers, answered over TLS only (each request carries the sender's
/// [`PeerKey`]; one without it is refused).
pub fn peers(shared: Arc<Shared>) -> Router {
    Router::new()
        .route("/handoff/offers", post(peer_offer))
        .route("/handoff/completions", post(peer_completion))
        .layer(DefaultBodyLimit::max(
            crate::offers::MAX_OFFER_BYTES as usize,
        ))
        .with_state(shared)
}

#[cfg(test)]
mod tests {
    use super::reply_address;
    use crate::config::PeerConfig;
    use tamga_core::fixtures::Story;

    #[test]
    fn a_completion_goes_only_to_an_address_configured_for_the_offering_device() {
        let story = Story::new();
        let vehicle = story.vehicle_device.id.clone();
        let peer = |url: &str, key: &tamga_core::KeyId| PeerConfig {
            name: "p".into(),
            url: url.into(),
            key: key.clone(),
        };
        let peers = vec![
            peer("https://central.example:7400", &story.central_staff.id),
            peer("https://10.0.0.7:7300", &vehicle),
            peer("https://192.0.2.7:7300/", &vehicle),
        ];
        // The sender may choose among its configured addresses...
        assert_eq!(
            reply_address(&peers, &vehicle, Some("https://192.0.2.7:7300")).as_deref(),
            Some("https://192.0.2.7:7300/")
        );
        // ...never add one (an internal service, another node's address).
        for elsewhere in ["https://127.0.0.1:5432", "https://central.example:7400"] {
            assert_eq!(
                reply_address(&peers, &vehicle, Some(elsewhere)).as_deref(),
                Some("https://10.0.0.7:7300")
            );
        }
        // A device configured nowhere gets nothing back over the LAN.
        assert_eq!(
            reply_address(&peers, &story.escort_lead.id, Some("https://10.0.0.9:7300")),
            None
        );
    }
}
