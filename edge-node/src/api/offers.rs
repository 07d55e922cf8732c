//! Handoff offers in the local API (`docs/edge-api.md`, "Handoffs"): an offer made by the
//! releasing officer (and sent over the LAN), the offers here, an offer as a file or a QR code,
//! an offer taken in from one, and the receiving officer's review and countersignature.

use super::json::Form;
use super::{act_id, bad, desk, download, png_answer, svg_answer, upload_text, ActPath, Answer};
use super::{ApiResult, TextForm, MAX_UPLOAD_BYTES};
use crate::answers::{Countersigned, ErrorAnswer, OfferImported, OfferMade, OfferView, ReviewView};
use crate::desk::CountForm;
use crate::offers::Direction;
use crate::qr::{self, Carried};
use crate::shared::Shared;
use axum::body::Bytes;
use axum::extract::DefaultBodyLimit;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use serde::Deserialize;
use serde_json::Value;
use std::sync::Arc;
use tamga_core::Timestamp;
use tracing::{info, warn};

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

#[derive(Deserialize)]
struct OfferForm {
    #[serde(default)]
    send_to: Option<String>,
    #[serde(flatten)]
    rest: Value,
}

#[utoipa::path(
    post,
    path = "/api/offers",
    tag = "handoffs",
    summary = "Offer custody to a receiving officer (signed by the releasing officer)",
    request_body(content = crate::schemas::OfferForm, description = "The custody_transferred body without `at` and `previous`, the releasing officer's `pin`, and optionally `send_to`: a peer's name"),
    responses(
        (status = 201, description = "The offer, kept here; sent over the LAN when send_to names a peer", body = OfferMade),
        (status = 400, description = "The form does not make an offer (the error names the field), send_to names no peer, or the body is not JSON (Content-Type: application/json)", body = ErrorAnswer),
        (status = 403, description = "A wrong PIN, an officer not allowed to sign this, or a request not from this device", body = ErrorAnswer),
        (status = 404, description = "No officer key with that id is held here", body = ErrorAnswer),
        (status = 409, description = "The handoff does not hold: the error says why", body = ErrorAnswer),
        (status = 429, description = "Too many wrong PINs for this key: try again after the wait the error names", body = ErrorAnswer),
        crate::api::Failed
    )
)]
async fn make_offer(
    State(s): State<Arc<Shared>>,
    Form(form): Form<OfferForm>,
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

#[utoipa::path(
    get,
    path = "/api/offers",
    tag = "handoffs",
    summary = "The offers made here and those received for officers here",
    responses(
        (status = 200, description = "The offers", body = Vec<OfferView>),
        crate::api::NotHere,
        crate::api::Failed
    )
)]
async fn list_offers(State(s): State<Arc<Shared>>) -> ApiResult<impl IntoResponse> {
    let now = Timestamp::now();
    Ok(Answer(desk(&s, move |d| d.offer_list(now)).await?))
}

#[utoipa::path(
    get,
    path = "/api/offers/{id}",
    tag = "handoffs",
    summary = "One offer",
    params(
        ("id" = String, Path, description = "The offer's id (the id the completed act will have): 64 lower-case hex digits", pattern = "^[0-9a-f]{64}$")
    ),
    responses(
        (status = 200, description = "The offer", body = OfferView),
        (status = 400, description = "The offer's id does not read", body = ErrorAnswer),
        (status = 404, description = "No such offer here", body = ErrorAnswer),
        crate::api::NotHere,
        crate::api::Failed
    )
)]
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

#[utoipa::path(
    get,
    path = "/api/offers/{id}/file",
    tag = "handoffs",
    summary = "An offer as a file",
    params(
        ("id" = String, Path, description = "The offer's id (the id the completed act will have): 64 lower-case hex digits", pattern = "^[0-9a-f]{64}$")
    ),
    responses(
        (status = 200, description = "The offer's bytes", body = [u8], content_type = "application/octet-stream"),
        (status = 400, description = "The offer's id does not read", body = ErrorAnswer),
        (status = 404, description = "No such offer here", body = ErrorAnswer),
        crate::api::NotHere,
        crate::api::Failed
    )
)]
async fn offer_file(State(s): State<Arc<Shared>>, Path(p): Path<ActPath>) -> ApiResult<Response> {
    let bytes = offer_bytes_of(&s, &p.id).await?;
    Ok(download(
        bytes,
        &format!("{}.offer", &p.id[..12.min(p.id.len())]),
    ))
}

#[utoipa::path(
    get,
    path = "/api/offers/{id}/qr.svg",
    tag = "handoffs",
    summary = "An offer as a QR code (SVG)",
    params(
        ("id" = String, Path, description = "The offer's id (the id the completed act will have): 64 lower-case hex digits", pattern = "^[0-9a-f]{64}$")
    ),
    responses(
        (status = 200, description = "The offer's QR code", body = String, content_type = "image/svg+xml"),
        (status = 400, description = "The offer's id does not read", body = ErrorAnswer),
        (status = 404, description = "No such offer here", body = ErrorAnswer),
        (status = 422, description = "The offer is too large for a QR code", body = ErrorAnswer),
        crate::api::NotHere,
        crate::api::Failed
    )
)]
async fn offer_qr(State(s): State<Arc<Shared>>, Path(p): Path<ActPath>) -> ApiResult<Response> {
    let bytes = offer_bytes_of(&s, &p.id).await?;
    svg_answer(&qr::to_text(Carried::Offer, &bytes))
}

#[utoipa::path(
    get,
    path = "/api/offers/{id}/qr.png",
    tag = "handoffs",
    summary = "An offer as a QR code (PNG)",
    params(
        ("id" = String, Path, description = "The offer's id (the id the completed act will have): 64 lower-case hex digits", pattern = "^[0-9a-f]{64}$")
    ),
    responses(
        (status = 200, description = "The offer's QR code", body = [u8], content_type = "image/png"),
        (status = 400, description = "The offer's id does not read", body = ErrorAnswer),
        (status = 404, description = "No such offer here", body = ErrorAnswer),
        (status = 422, description = "The offer is too large for a QR code", body = ErrorAnswer),
        crate::api::NotHere,
        crate::api::Failed
    )
)]
async fn offer_qr_png(State(s): State<Arc<Shared>>, Path(p): Path<ActPath>) -> ApiResult<Response> {
    let bytes = offer_bytes_of(&s, &p.id).await?;
    png_answer(&qr::to_text(Carried::Offer, &bytes))
}

#[utoipa::path(
    post,
    path = "/api/offers/import",
    tag = "handoffs",
    summary = "Take in an offer from a file, a QR code's text or a photo of it",
    params(
        ("X-Tamga-Upload" = Option<String>, Header, description = "1 for an upload (raw bytes: a file or a PNG or JPEG photo); a JSON body needs none")
    ),
    request_body(description = "JSON {\"text\": ...} with a file's or a QR code's text, or (with X-Tamga-Upload: 1) the raw bytes of a text file or a PNG or JPEG photo of a QR code", content(
        (TextForm = "application/json"),
        ([u8] = "application/octet-stream")
    )),
    responses(
        (status = 201, description = "The offer, kept for an officer here", body = OfferImported),
        (status = 400, description = "The text or photo holds no offer, or the body is neither JSON nor a marked upload", body = ErrorAnswer),
        (status = 409, description = "The offer does not hold (its signature, its addressee, its time): the error says why", body = ErrorAnswer),
        crate::api::NotHere,
        crate::api::Failed,
        (status = 503, description = "Too many offers are waiting here: complete or let some go stale first", body = ErrorAnswer)
    )
)]
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

#[utoipa::path(
    post,
    path = "/api/offers/{id}/review",
    tag = "handoffs",
    summary = "What countersigning would do, against the receiving officer's own count",
    params(
        ("id" = String, Path, description = "The offer's id (the id the completed act will have): 64 lower-case hex digits", pattern = "^[0-9a-f]{64}$")
    ),
    request_body(content = CountForm, description = "The receiving officer's own count"),
    responses(
        (status = 200, description = "The assessment with the handoff in place and the discrepancies it would add", body = ReviewView),
        (status = 400, description = "The offer's id or the count does not read, or the body is not JSON (Content-Type: application/json)", body = ErrorAnswer),
        (status = 404, description = "No such offer here", body = ErrorAnswer),
        (status = 409, description = "The offer is stale, completed or not for this officer", body = ErrorAnswer),
        crate::api::NotHere,
        crate::api::Failed
    )
)]
async fn review_offer(
    State(s): State<Arc<Shared>>,
    Path(p): Path<ActPath>,
    Form(count): Form<CountForm>,
) -> ApiResult<impl IntoResponse> {
    let id = act_id(&p.id)?;
    let now = Timestamp::now();
    Ok(Answer(desk(&s, move |d| d.review(&id, &count, now)).await?))
}

#[utoipa::path(
    post,
    path = "/api/offers/{id}/countersign",
    tag = "handoffs",
    summary = "Countersign an offer: the handoff is recorded",
    params(
        ("id" = String, Path, description = "The offer's id (the id the completed act will have): 64 lower-case hex digits", pattern = "^[0-9a-f]{64}$")
    ),
    request_body(content = CountForm, description = "The receiving officer's own count and PIN"),
    responses(
        (status = 201, description = "The completed act, recorded here and sent back over the LAN when the offer came that way", body = Countersigned),
        (status = 400, description = "The offer's id or the count does not read, or the body is not JSON (Content-Type: application/json)", body = ErrorAnswer),
        (status = 403, description = "A wrong PIN, an officer not allowed to sign this, or a request not from this device", body = ErrorAnswer),
        (status = 404, description = "No such offer here, or no such officer key", body = ErrorAnswer),
        (status = 409, description = "The offer is stale, completed, not for this officer, or its count differs", body = ErrorAnswer),
        (status = 429, description = "Too many wrong PINs for this key: try again after the wait the error names", body = ErrorAnswer),
        crate::api::Failed,
        (status = 507, description = "The node's disk is full", body = ErrorAnswer)
    )
)]
async fn countersign(
    State(s): State<Arc<Shared>>,
    Path(p): Path<ActPath>,
    Form(count): Form<CountForm>,
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

/// The offers' routes, merged into the local API.
pub fn routes() -> Router<Arc<Shared>> {
    Router::new()
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
}
