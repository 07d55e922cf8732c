//! The node's HTTP surface besides sync: the web UI and the local JSON API for the officer at
//! this device (loopback only), and the handoff endpoints for peers on the LAN. The contract is
//! `docs/edge-api.md`. Handlers are thin: each reads the clock once, calls [`crate::desk`] off the
//! async workers, and answers a desk error with the status [`status_of`] gives it.

use crate::answers::{
    sorted, ActsRecorded, ConsignmentView, EnrollmentView, ErrorAnswer, OfferReceived, OfficerView,
    RecordedAct, StatusAnswer,
};
use crate::archive::format::ArchiveError;
use crate::desk::{Desk, DeskError};
use crate::node::NodeError;
use crate::offers::{OfferBoxError, Via};
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
use json::Form;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::net::SocketAddr;
use std::sync::Arc;
use tamga_core::handoff::HandoffError;
use tamga_core::{ActId, ConsignmentId, Timestamp};
use tamga_node::keystore::KeystoreError;
use tamga_node::server::PeerKey;
use tamga_store::StoreError;
use tracing::info;

pub mod archive;
mod backup;
mod json;
mod offers;
pub mod openapi;
mod sync;
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

/// The refusal every route of the local API may answer (for the description): the request did
/// not come from this device.
#[derive(utoipa::IntoResponses)]
#[response(
    status = 403,
    description = "Not from this device: the officer's API answers only on the node's own machine (open http://127.0.0.1:<port>/ there)"
)]
#[allow(dead_code)]
pub(crate) struct NotHere(ErrorAnswer);

/// The node's own failure, for the description: its store or files.
#[derive(utoipa::IntoResponses)]
#[response(
    status = 500,
    description = "The node failed (its store or files): the error says what happened"
)]
#[allow(dead_code)]
pub(crate) struct Failed(ErrorAnswer);

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
        DeskError::Node(NodeError::SealFeed(_)) => StatusCode::UNPROCESSABLE_ENTITY,
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
    // Refused before the body is read: the connection closes after the answer, and says so.
    let refused = |e: ApiError| {
        let body = tamga_node::local::body_follows(request.headers());
        tamga_node::local::refused_unread(body, e.into_response())
    };
    if !tamga_node::local::from_this_machine(&peer, request.headers()) {
        return refused(ApiError(
            StatusCode::FORBIDDEN,
            "the officer's UI and API answer only on this device (open http://127.0.0.1:<port>/ here)"
                .into(),
        ));
    }
    if request.method() == axum::http::Method::POST {
        let headers = request.headers();
        let json = tamga_node::local::declares_json(headers);
        let upload = headers.get("x-tamga-upload").is_some();
        if !json && !upload {
            return refused(bad("send JSON (Content-Type: application/json), or an upload with the header X-Tamga-Upload: 1"));
        }
    }
    if request.uri().path().starts_with("/api/") {
        json::as_json_error(next.run(request).await).await
    } else {
        next.run(request).await
    }
}

#[utoipa::path(
    get,
    path = "/api/status",
    tag = "node",
    summary = "The node at a glance",
    responses(
        (status = 200, description = "The node's state, clock, time zone, peers, running jobs and central's log", body = StatusAnswer),
        NotHere,
        Failed
    )
)]
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

#[utoipa::path(
    get,
    path = "/api/officers",
    tag = "node",
    summary = "The officer keys held here, with their enrollments in force",
    responses(
        (status = 200, description = "The keys in this node's keystore", body = Vec<OfficerView>),
        NotHere,
        Failed
    )
)]
async fn officers(State(s): State<Arc<Shared>>) -> ApiResult<impl IntoResponse> {
    let now = Timestamp::now();
    Ok(Answer(desk(&s, move |d| d.officers(now)).await?))
}

#[utoipa::path(
    get,
    path = "/api/registry",
    tag = "node",
    summary = "Every enrolled key",
    responses(
        (status = 200, description = "The registry's enrollments (officers of other units too)", body = Vec<EnrollmentView>),
        NotHere,
        Failed
    )
)]
async fn registry(State(s): State<Arc<Shared>>) -> ApiResult<impl IntoResponse> {
    Ok(Answer(desk(&s, |d| Ok(d.enrolled())).await?))
}

#[utoipa::path(
    get,
    path = "/api/consignments",
    tag = "consignments",
    summary = "A page of the list of consignments",
    params(
        ("limit" = Option<u32>, Query, description = "Rows per page, 1 to 500 (50 when absent)"),
        ("after" = Option<String>, Query, description = "The `next` of the previous page, as it was given"),
        ("status" = Option<String>, Query, description = "Only consignments in this status (registered, in_transit, ...)"),
        ("custodian" = Option<String>, Query, description = "Only those this unit holds"),
        ("deadline_after" = Option<String>, Query, description = "Deadline at or after this time (RFC 3339 UTC)"),
        ("deadline_before" = Option<String>, Query, description = "Deadline before this time (RFC 3339 UTC)"),
        ("overdue" = Option<bool>, Query, description = "true: only overdue consignments"),
        ("severity" = Option<String>, Query, description = "Only those with an open discrepancy at least this severe: critical, major or minor"),
        ("number" = Option<String>, Query, description = "Part of the consignment's number (at most 64 characters)"),
        ("goods" = Option<String>, Query, description = "Part of the goods' description (at most 64 characters)"),
        ("counts" = Option<bool>, Query, description = "false: leave the header's counts out (null)")
    ),
    responses(
        (status = 200, description = "The rows, the next page's cursor and the header's counts", body = crate::listing::ConsignmentList),
        (status = 400, description = "A parameter is unknown, repeated or malformed: the error names it", body = ErrorAnswer),
        NotHere,
        Failed
    )
)]
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

#[utoipa::path(
    get,
    path = "/api/consignments/{id}",
    tag = "consignments",
    summary = "One consignment: its assessment now, its acts, the prefill of the next handoff",
    params(
        ("id" = String, Path, description = "The consignment's number (its slashes percent-encoded)", example = "10609050/231126/0000123")
    ),
    responses(
        (status = 200, description = "The consignment as people read it", body = ConsignmentView),
        (status = 400, description = "The consignment's number does not read", body = ErrorAnswer),
        (status = 404, description = "This node holds no such consignment", body = ErrorAnswer),
        NotHere,
        Failed
    )
)]
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
        (status = 400, description = "The consignment's number does not read", body = ErrorAnswer),
        (status = 404, description = "This node holds no such consignment", body = ErrorAnswer),
        NotHere,
        Failed
    )
)]
async fn track(
    State(s): State<Arc<Shared>>,
    Path(id): Path<String>,
) -> ApiResult<impl IntoResponse> {
    let id = consignment_id(&id)?;
    let now = Timestamp::now();
    Ok(Answer(desk(&s, move |d| d.track_view(&id, now)).await?))
}

#[utoipa::path(
    post,
    path = "/api/acts",
    tag = "acts",
    summary = "Record an act from its form, signed with the officer's key",
    request_body(content = crate::schemas::ActForm, description = "The act's JSON body without `at`, plus the signing officer's `pin`"),
    responses(
        (status = 201, description = "Recorded (durably, before this answer)", body = RecordedAct),
        (status = 400, description = "The form does not make an act (the error names the field), or the body is not JSON (Content-Type: application/json)", body = ErrorAnswer),
        (status = 403, description = "A wrong PIN, an officer not allowed to sign this, or a request not from this device", body = ErrorAnswer),
        (status = 404, description = "No officer key with that id is held here", body = ErrorAnswer),
        (status = 409, description = "The act would not hold among the consignment's acts here, or would unseat one that holds: nothing was recorded", body = ErrorAnswer),
        (status = 422, description = "The act was refused by the store", body = ErrorAnswer),
        (status = 429, description = "Too many wrong PINs for this key: try again after the wait the error names", body = ErrorAnswer),
        Failed,
        (status = 507, description = "The node's disk is full", body = ErrorAnswer)
    )
)]
async fn record_act(
    State(s): State<Arc<Shared>>,
    Form(form): Form<Value>,
) -> ApiResult<impl IntoResponse> {
    let now = Timestamp::now();
    let recorded = desk(&s, move |d| d.record_form(form, now)).await?;
    info!(act = %recorded.act.short(), kind = %recorded.kind, "act recorded");
    Ok((StatusCode::CREATED, Answer(recorded)))
}

/// A file's or a QR code's text, as JSON.
#[derive(Deserialize, utoipa::ToSchema)]
pub(crate) struct TextForm {
    /// The text.
    text: String,
}

/// The text of an upload: JSON `{"text": ...}`, or raw bytes that are a photo of a QR code or
/// a text file.
pub(super) fn upload_text(headers: &HeaderMap, body: &[u8]) -> ApiResult<(String, Via)> {
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

#[utoipa::path(
    post,
    path = "/api/acts/import",
    tag = "acts",
    summary = "Record signed acts from an acts file, a QR code's text or a photo of it",
    params(
        ("X-Tamga-Upload" = Option<String>, Header, description = "1 for an upload (raw bytes: a file or a PNG or JPEG photo); a JSON body needs none")
    ),
    request_body(description = "JSON {\"text\": ...} with a file's or a QR code's text, or (with X-Tamga-Upload: 1) the raw bytes of a text file or a PNG or JPEG photo of a QR code", content(
        (TextForm = "application/json"),
        ([u8] = "application/octet-stream")
    )),
    responses(
        (status = 200, description = "How many of the acts were new here", body = ActsRecorded),
        (status = 400, description = "The text or photo does not hold signed acts, or the body is neither JSON nor a marked upload", body = ErrorAnswer),
        (status = 403, description = "An act addressed to another device, or a request not from this device", body = ErrorAnswer),
        (status = 422, description = "An act was refused by the store", body = ErrorAnswer),
        Failed,
        (status = 507, description = "The node's disk is full", body = ErrorAnswer)
    )
)]
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

#[utoipa::path(
    get,
    path = "/api/acts/{id}/file",
    tag = "acts",
    summary = "A signed act as a file",
    params(
        ("id" = String, Path, description = "The act's id: 64 lower-case hex digits", pattern = "^[0-9a-f]{64}$")
    ),
    responses(
        (status = 200, description = "The act's canonical bytes", body = [u8], content_type = "application/octet-stream"),
        (status = 400, description = "The act's id does not read", body = ErrorAnswer),
        (status = 404, description = "This node holds no such act", body = ErrorAnswer),
        NotHere,
        Failed
    )
)]
async fn act_file(State(s): State<Arc<Shared>>, Path(p): Path<ActPath>) -> ApiResult<Response> {
    let act = act_of(&s, &p.id).await?;
    Ok(download(act.encode(), &format!("{}.act", act.id().short())))
}

#[utoipa::path(
    get,
    path = "/api/acts/{id}/qr.svg",
    tag = "acts",
    summary = "A signed act as a QR code",
    params(
        ("id" = String, Path, description = "The act's id: 64 lower-case hex digits", pattern = "^[0-9a-f]{64}$")
    ),
    responses(
        (status = 200, description = "The act's QR code", body = String, content_type = "image/svg+xml"),
        (status = 400, description = "The act's id does not read", body = ErrorAnswer),
        (status = 404, description = "This node holds no such act", body = ErrorAnswer),
        (status = 422, description = "The act is too large for a QR code", body = ErrorAnswer),
        NotHere,
        Failed
    )
)]
async fn act_qr(State(s): State<Arc<Shared>>, Path(p): Path<ActPath>) -> ApiResult<Response> {
    let act = act_of(&s, &p.id).await?;
    svg_answer(&qr::to_text(Carried::Act, &act.encode()))
}

/// The header saying what became of the signed act's QR code on a paper act:
/// `printed; characters=N` or `too-large; characters=N`.
pub const PAPER_QR_HEADER: &str = "x-tamga-paper-qr";

/// `GET /api/acts/{id}/paper.pdf`: the act's paper act (see [`crate::paper`]).
#[utoipa::path(
    get,
    path = "/api/acts/{id}/paper.pdf",
    tag = "acts",
    summary = "A handoff, delivery, incident or correction as a paper act (A4 PDF)",
    params(
        ("id" = String, Path, description = "The act's id: 64 lower-case hex digits", pattern = "^[0-9a-f]{64}$")
    ),
    responses(
        (status = 200, description = "The paper act; the header x-tamga-paper-qr says whether its QR code was printed", body = [u8], content_type = "application/pdf"),
        (status = 400, description = "The act's id does not read", body = ErrorAnswer),
        (status = 404, description = "This node holds no such act", body = ErrorAnswer),
        (status = 422, description = "The act's kind has no paper act (the error names the four that do)", body = ErrorAnswer),
        NotHere,
        Failed
    )
)]
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

/// The UI and the local API.
pub fn local(shared: Arc<Shared>) -> Router {
    tamga_node::local::ui_routes(UI)
        .route("/api/status", get(status))
        .route("/api/officers", get(officers))
        .route("/api/registry", get(registry))
        .route("/api/consignments", get(consignments))
        .route("/api/consignments/{id}", get(consignment))
        .route("/api/consignments/{id}/track", get(track))
        .route("/api/acts", post(record_act))
        .route(
            "/api/acts/import",
            post(import_acts).layer(DefaultBodyLimit::max(MAX_UPLOAD_BYTES)),
        )
        .route("/api/acts/{id}/file", get(act_file))
        .route("/api/acts/{id}/qr.svg", get(act_qr))
        .route("/api/acts/{id}/paper.pdf", get(act_paper))
        .merge(offers::routes())
        .merge(sync::routes())
        .merge(archive::routes())
        .merge(backup::routes())
        .route("/api/openapi.json", get(openapi::serve))
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
