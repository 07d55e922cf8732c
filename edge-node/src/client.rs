//! The CLI's way to the desk. A node's store is open in one process at a time: when the node is
//! not running, the CLI opens it itself and calls the [`Desk`]; when `tamga-edge serve` holds
//! it, the CLI sends the same forms to the running node's local API (`docs/edge-api.md`) and
//! reads its answers back into the same types ([`crate::answers`]), so the CLI prints the same
//! either way. Going to the store directly, the client reads the clock for the desk; through the
//! API, the running node reads its own. Going to the store directly, officers' keys are unlocked
//! under a throttle of this command's own over the node's store ([`Throttle::waiting`]): an
//! attempt that must wait waits, saying so, since a refusal would only send the officer to run
//! the command again, which waits a full delay from its start anyway.

use crate::answers::{
    ActsRecorded, ArchiveListing, ArchivePass, ArchivedView, ConsignmentView, Countersigned,
    ErrorAnswer, JobStarted, OfferImported, OfferMade, OfferView, OfficerView, RecordedAct,
    ReviewView,
};
use crate::api::archive::RunForm;
use crate::desk::{CountForm, Desk, DeskError};
use crate::jobs::Job;
use crate::listing::ConsignmentList;
use crate::node::{Node, NodeError};
use crate::offers::{Direction, Via};
use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::Value;
use std::path::Path;
use std::time::Duration;
use tamga_core::{ActId, ConsignmentId, Timestamp};
use tamga_node::keystore::Throttle;
use tamga_store::StoreError;

/// Where the CLI's requests go.
pub enum Client {
    /// The node's store, opened here.
    Local(Box<LocalNode>),
    /// The running node's local API.
    Remote(Api),
}

/// A node opened by this command, with the command's PIN throttle over its store.
pub struct LocalNode {
    /// The node.
    pub node: Node,
    /// The throttle every unlock of this command goes through.
    pub pins: Throttle,
}

impl LocalNode {
    /// `node`, with a throttle of this command over its store that waits out a delay (telling
    /// the officer on standard error) rather than refusing.
    pub fn new(node: Node) -> LocalNode {
        let pins = Throttle::waiting(std::sync::Arc::clone(&node.store) as _, |key, seconds| {
            eprintln!(
                "too many wrong PINs for key {key}: waiting {seconds} seconds before trying this one \
                 (stopping the command does not shorten the wait: the next run waits again)"
            );
        });
        LocalNode { node, pins }
    }

    /// The desk over the node and the throttle.
    pub fn desk(&self) -> Desk<'_> {
        Desk::new(&self.node, &self.pins)
    }
}

/// The running node's local API, on loopback.
pub struct Api {
    /// Its base URL.
    base: String,
    /// The runtime for the HTTP client.
    runtime: tokio::runtime::Runtime,
    /// The HTTP client.
    http: reqwest::Client,
}

/// A handoff countersigned, with the completed act for the releasing side.
#[derive(Clone, Debug)]
pub struct Countersignature {
    /// The answer: the act's id, whether it went back over the LAN.
    pub answer: Countersigned,
    /// The completed act, canonical (one line of an acts file).
    pub act_text: String,
}

fn local_err(e: DeskError) -> String {
    e.to_string()
}

/// A typed form as the JSON value the desk reads.
fn form_value(form: &impl Serialize) -> Result<Value, String> {
    serde_json::to_value(form).map_err(|e| format!("the form does not encode: {e}"))
}

/// The receiving officer's count, read as the API reads it.
fn count_form(form: &impl Serialize) -> Result<CountForm, String> {
    serde_json::from_value(form_value(form)?).map_err(|e| e.to_string())
}

/// `POST /api/sync`'s form.
#[derive(Serialize)]
struct SyncForm<'a> {
    peer: Option<&'a str>,
}

/// `POST /api/offers/import`'s and `POST /api/acts/import`'s form.
#[derive(Serialize)]
struct TextForm<'a> {
    text: &'a str,
}

impl Api {
    fn new(address: std::net::SocketAddr) -> Result<Api, String> {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|e| e.to_string())?;
        Ok(Api {
            base: format!("http://{address}"),
            runtime,
            http: reqwest::Client::builder()
                .timeout(Duration::from_secs(300))
                .build()
                .map_err(|e| e.to_string())?,
        })
    }

    /// `GET path`, its JSON answer read as a `T`.
    fn get<T: DeserializeOwned>(&self, path: &str) -> Result<T, String> {
        self.call(path, None)
    }

    /// `POST path` with `form` as JSON, its JSON answer read as a `T`.
    fn post<T: DeserializeOwned>(&self, path: &str, form: &impl Serialize) -> Result<T, String> {
        let body =
            serde_json::to_vec(form).map_err(|e| format!("the form does not encode: {e}"))?;
        self.call(path, Some(body))
    }

    fn call<T: DeserializeOwned>(&self, path: &str, body: Option<Vec<u8>>) -> Result<T, String> {
        let base = &self.base;
        let url = format!("{base}{path}");
        self.runtime.block_on(async {
            let request = match body {
                None => self.http.get(&url),
                Some(body) => self
                    .http
                    .post(&url)
                    .header("content-type", "application/json")
                    .body(body),
            };
            let answer = request.send().await.map_err(|e| {
                format!("the node's store is busy but its API at {base} does not answer ({e}); is `tamga-edge serve` still running?")
            })?;
            let status = answer.status();
            let bytes = answer
                .bytes()
                .await
                .map_err(|e| format!("{url}: unreadable answer ({e})"))?;
            let unreadable = |e: serde_json::Error| format!("{url}: unreadable answer ({e})");
            if status.is_success() {
                return serde_json::from_slice(&bytes).map_err(unreadable);
            }
            let value: Value = serde_json::from_slice(&bytes).map_err(unreadable)?;
            Err(serde_json::from_value::<ErrorAnswer>(value)
                .map(|a| a.error)
                .unwrap_or_else(|_| format!("{url}: {status}")))
        })
    }

    /// The bytes at `path`, which must answer with success.
    fn bytes(&self, path: &str) -> Result<Vec<u8>, String> {
        self.runtime.block_on(async {
            let url = format!("{}{path}", self.base);
            let answer = self
                .http
                .get(&url)
                .send()
                .await
                .map_err(|e| e.to_string())?;
            if !answer.status().is_success() {
                return Err(format!("{url}: {}", answer.status()));
            }
            Ok(answer.bytes().await.map_err(|e| e.to_string())?.to_vec())
        })
    }

    /// A paper act's PDF at `path`, with the header saying what became of its QR code; an
    /// error answer's message as the node gives it.
    fn paper(&self, path: &str) -> Result<crate::paper::Paper, String> {
        self.runtime.block_on(async {
            let url = format!("{}{path}", self.base);
            let answer = self
                .http
                .get(&url)
                .send()
                .await
                .map_err(|e| e.to_string())?;
            let status = answer.status();
            let qr = answer
                .headers()
                .get(crate::api::PAPER_QR_HEADER)
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned);
            let bytes = answer.bytes().await.map_err(|e| e.to_string())?.to_vec();
            if !status.is_success() {
                return Err(serde_json::from_slice::<ErrorAnswer>(&bytes)
                    .map(|a| a.error)
                    .unwrap_or_else(|_| format!("{url}: {status}")));
            }
            let qr = qr
                .as_deref()
                .and_then(paper_qr)
                .ok_or_else(|| format!("{url}: no {} header", crate::api::PAPER_QR_HEADER))?;
            Ok(crate::paper::Paper { pdf: bytes, qr })
        })
    }

    /// The text at `path`.
    fn text(&self, path: &str) -> Result<String, String> {
        self.runtime.block_on(async {
            let answer = self
                .http
                .get(format!("{}{path}", self.base))
                .send()
                .await
                .map_err(|e| e.to_string())?;
            answer.text().await.map_err(|e| e.to_string())
        })
    }
}

impl Client {
    /// Opens the node in `dir`, or reaches it through its API if it is running.
    pub fn open(dir: &Path) -> Result<Client, String> {
        match Node::open(dir) {
            Ok(node) => Ok(Client::Local(Box::new(LocalNode::new(node)))),
            Err(NodeError::Store(StoreError::Locked { .. })) => {
                let config = crate::config::Config::load(dir).map_err(|e| e.to_string())?;
                let mut addr: std::net::SocketAddr =
                    config.listen.parse().map_err(|e| format!("listen: {e}"))?;
                if addr.ip().is_unspecified() {
                    addr.set_ip(std::net::Ipv4Addr::LOCALHOST.into());
                }
                if addr.port() == 0 {
                    return Err("the node is running on a port chosen at start; use its web UI, or stop it and run the command again".into());
                }
                Ok(Client::Remote(Api::new(addr)?))
            }
            Err(e) => Err(e.to_string()),
        }
    }

    /// The running node's status (`GET /api/status`), or `None` when this command holds the
    /// store itself (the node is not running).
    pub fn running_status(&self) -> Result<Option<crate::answers::StatusAnswer>, String> {
        match self {
            Client::Local(_) => Ok(None),
            Client::Remote(api) => api.get("/api/status").map(Some),
        }
    }

    /// Records an officer's form (`POST /api/acts`): the act's JSON without `at`, with `pin`.
    pub fn record_form(&self, form: &impl Serialize) -> Result<RecordedAct, String> {
        match self {
            Client::Local(n) => n
                .desk()
                .record_form(form_value(form)?, Timestamp::now())
                .map_err(local_err),
            Client::Remote(api) => api.post("/api/acts", form),
        }
    }

    /// A page of the list: `query` is the API's query parameters (see
    /// [`crate::listing::parse_query`]), read the same way here and by the running node.
    pub fn consignments(&self, query: &[(String, String)]) -> Result<ConsignmentList, String> {
        match self {
            Client::Local(n) => {
                let request = crate::listing::parse_query(query).map_err(|e| e.0)?;
                n.desk()
                    .consignments(&request, Timestamp::now())
                    .map_err(local_err)
            }
            Client::Remote(api) => {
                let text: Vec<String> = query
                    .iter()
                    .map(|(k, v)| format!("{}={}", encode(k), encode(v)))
                    .collect();
                api.get(&format!("/api/consignments?{}", text.join("&")))
            }
        }
    }

    /// One consignment.
    pub fn consignment(&self, id: &ConsignmentId) -> Result<ConsignmentView, String> {
        match self {
            Client::Local(n) => n
                .desk()
                .consignment_view(id, Timestamp::now())
                .map_err(local_err),
            Client::Remote(api) => api.get(&format!("/api/consignments/{}", encode(id.as_str()))),
        }
    }

    /// The officer keys held, with their enrollment.
    pub fn officers(&self) -> Result<Vec<OfficerView>, String> {
        match self {
            Client::Local(n) => n.desk().officers(Timestamp::now()).map_err(local_err),
            Client::Remote(api) => api.get("/api/officers"),
        }
    }

    /// Makes an offer from the releasing officer's form. Sending it over the LAN needs the
    /// running node (`send_to`).
    pub fn make_offer(&self, form: &impl Serialize) -> Result<OfferMade, String> {
        match self {
            Client::Local(n) => {
                let form = form_value(form)?;
                if form.get("send_to").is_some() {
                    return Err("sending an offer over the LAN needs the running node: start `tamga-edge serve`, or hand over the file or QR code".into());
                }
                let offer = n
                    .desk()
                    .make_offer(form, Timestamp::now())
                    .map_err(local_err)?;
                Ok(OfferMade {
                    offer: offer.id(),
                    sent: false,
                    send_error: None,
                })
            }
            Client::Remote(api) => api.post("/api/offers", form),
        }
    }

    /// The offers in flight.
    pub fn offers(&self) -> Result<Vec<OfferView>, String> {
        match self {
            Client::Local(n) => n.desk().offer_list(Timestamp::now()).map_err(local_err),
            Client::Remote(api) => api.get("/api/offers"),
        }
    }

    /// An offer's canonical bytes.
    pub fn offer_bytes(&self, id: &ActId) -> Result<Vec<u8>, String> {
        match self {
            Client::Local(n) => n.desk().offer_bytes(id).map_err(local_err),
            Client::Remote(api) => api.bytes(&format!("/api/offers/{id}/file")),
        }
    }

    /// Takes in an offer from a file's or a QR code's text.
    pub fn import_offer(&self, text: &str) -> Result<OfferImported, String> {
        match self {
            Client::Local(n) => {
                let (bytes, via) = if text.trim_start().starts_with("tamga:") {
                    let (what, bytes) = crate::qr::from_text(text).map_err(|e| e.to_string())?;
                    if what != crate::qr::Carried::Offer {
                        return Err(
                            "this code holds a completed act: use `handoff complete`".into()
                        );
                    }
                    (bytes, Via::Qr)
                } else {
                    (text.trim().as_bytes().to_vec(), Via::File)
                };
                let offer = n
                    .desk()
                    .receive_offer(&bytes, via, None)
                    .map_err(local_err)?;
                Ok(OfferImported {
                    offer: offer.id(),
                    direction: Direction::Incoming,
                })
            }
            Client::Remote(api) => api.post("/api/offers/import", &TextForm { text }),
        }
    }

    /// Reviews an incoming offer against the receiving officer's count (the API's count form).
    pub fn review(&self, id: &ActId, count: &impl Serialize) -> Result<ReviewView, String> {
        match self {
            Client::Local(n) => n
                .desk()
                .review(id, &count_form(count)?, Timestamp::now())
                .map_err(local_err),
            Client::Remote(api) => api.post(&format!("/api/offers/{id}/review"), count),
        }
    }

    /// Countersigns an incoming offer with the receiving officer's count and PIN; returns the
    /// answer with the completed act's text.
    pub fn countersign(
        &self,
        id: &ActId,
        count: &impl Serialize,
    ) -> Result<Countersignature, String> {
        match self {
            Client::Local(n) => {
                let (act, _) = n
                    .desk()
                    .countersign(id, &count_form(count)?, Timestamp::now())
                    .map_err(local_err)?;
                Ok(Countersignature {
                    answer: Countersigned {
                        act: act.id(),
                        returned: false,
                        return_error: None,
                    },
                    act_text: String::from_utf8_lossy(&act.encode()).into_owned(),
                })
            }
            Client::Remote(api) => {
                let answer = api.post(&format!("/api/offers/{id}/countersign"), count)?;
                let act_text = api.text(&format!("/api/acts/{id}/file"))?;
                Ok(Countersignature { answer, act_text })
            }
        }
    }

    /// Syncs with every configured peer now, or with the one named; returns a line per peer.
    pub fn sync(self, peer: Option<&str>) -> Result<String, String> {
        match self {
            Client::Local(n) => {
                let runtime = tokio::runtime::Runtime::new().map_err(|e| e.to_string())?;
                let shared = crate::shared::Shared::new(n.node);
                runtime.block_on(shared.sync_named(peer, None))
            }
            Client::Remote(api) => {
                let started: JobStarted = api.post("/api/sync", &SyncForm { peer })?;
                loop {
                    std::thread::sleep(Duration::from_millis(200));
                    let job: Job = api.get(&format!("/api/jobs/{}", started.job))?;
                    if job.finished {
                        return match job.error {
                            Some(e) => Err(e),
                            None => Ok(job.result.unwrap_or_default()),
                        };
                    }
                }
            }
        }
    }

    /// A backup of the node in `dir` encrypted to `to`, written to `out` (whole or not at all:
    /// a temporary file beside it, synced, then renamed). Through the running node when it
    /// serves, with the admin token it keeps in `dir`.
    pub fn backup(
        &self,
        dir: &Path,
        to: &[String],
        out: &Path,
    ) -> Result<tamga_node::backup::Summary, String> {
        tamga_node::backup::write_file(out, |file| match self {
            Client::Local(n) => {
                let mut writer = std::io::BufWriter::new(file);
                let manifest = crate::backup::write(&n.node, to, Timestamp::now(), &mut writer)
                    .map_err(|e| e.to_string())?;
                std::io::Write::flush(&mut writer).map_err(|e| e.to_string())?;
                Ok(tamga_node::backup::Summary::of(&manifest))
            }
            Client::Remote(api) => {
                let token = crate::backup::read_admin_token(dir)?;
                let form = crate::backup::BackupForm { to: to.to_vec() };
                let body = serde_json::to_vec(&form).map_err(|e| e.to_string())?;
                let url = format!("{}/api/backup", api.base);
                tamga_node::backup::fetch(&url, crate::backup::TOKEN_HEADER, &token, body, file)
            }
        })
    }

    /// The paper act of act `id` (a PDF with the signed act in a QR code, where it fits).
    pub fn paper(&self, id: &ActId) -> Result<crate::paper::Paper, String> {
        match self {
            Client::Local(n) => n.desk().paper(id, Timestamp::now()).map_err(local_err),
            Client::Remote(api) => api.paper(&format!("/api/acts/{id}/paper.pdf")),
        }
    }

    /// Records a navigation seal operator's feed.
    pub fn import_seal_feed(
        &self,
        bytes: &[u8],
    ) -> Result<crate::answers::SealFeedRecorded, String> {
        match self {
            Client::Local(n) => n
                .node
                .import_seal_feed(bytes)
                .map(Into::into)
                .map_err(|e| e.to_string()),
            Client::Remote(api) => {
                let text = std::str::from_utf8(bytes).map_err(|_| {
                    "the seal feed is not UTF-8 text: it is not a feed of signed acts"
                })?;
                api.post("/api/seal-feed", &TextForm { text })
            }
        }
    }

    /// Records signed acts from text (a file's lines, or a `tamga:act:` code).
    pub fn import_acts(&self, text: &str) -> Result<ActsRecorded, String> {
        match self {
            Client::Local(n) => n
                .desk()
                .record_acts_text(text)
                .map(|new| ActsRecorded { new })
                .map_err(local_err),
            Client::Remote(api) => api.post("/api/acts/import", &TextForm { text }),
        }
    }
}

impl Client {
    /// Archives now the consignments delivered at least `days` days ago (else the configured
    /// `archive_closed_days`) that central holds.
    pub fn archive_run(&self, days: Option<u32>) -> Result<ArchivePass, String> {
        match self {
            Client::Local(n) => {
                let days = days.or(n.node.config.archive_closed_days).ok_or(
                    "no number of days: pass --days N, or set archive_closed_days in tamga-edge.toml",
                )?;
                n.desk()
                    .archive_pass(days, Timestamp::now())
                    .map_err(local_err)
            }
            Client::Remote(api) => api.post("/api/archive/run", &RunForm { days }),
        }
    }

    /// The archived consignments matching `query` (all for an empty one).
    pub fn archive_search(&self, query: &str) -> Result<ArchiveListing, String> {
        match self {
            Client::Local(n) => n.desk().archive_search(query).map_err(local_err),
            Client::Remote(api) => api.get(&format!("/api/archive?q={}", encode(query))),
        }
    }

    /// An archived consignment, assessed now.
    pub fn archived(&self, id: &ConsignmentId) -> Result<ArchivedView, String> {
        match self {
            Client::Local(n) => n.desk().archived(id, Timestamp::now()).map_err(local_err),
            Client::Remote(api) => api.get(&format!("/api/archive/{}", encode(id.as_str()))),
        }
    }

    /// An archived consignment's signed acts, as an acts file's text.
    pub fn archived_acts(&self, id: &ConsignmentId) -> Result<String, String> {
        match self {
            Client::Local(n) => n.desk().archived_acts_text(id).map_err(local_err),
            Client::Remote(api) => {
                let bytes = api.bytes(&format!("/api/archive/{}/acts", encode(id.as_str())))?;
                String::from_utf8(bytes).map_err(|_| "the acts file is not text".into())
            }
        }
    }
}

/// The paper act's QR header (`printed; characters=N` or `too-large; characters=N`) read back.
fn paper_qr(header: &str) -> Option<crate::paper::QrOnPaper> {
    let (what, count) = header.split_once("; characters=")?;
    let characters = count.trim().parse().ok()?;
    match what.trim() {
        "printed" => Some(crate::paper::QrOnPaper::Printed { characters }),
        "too-large" => Some(crate::paper::QrOnPaper::TooLarge { characters }),
        _ => None,
    }
}

/// Percent-encodes a path segment (consignment ids hold slashes).
pub fn encode(segment: &str) -> String {
    let mut out = String::new();
    for b in segment.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_paper_qr_header_reads_back() {
        use crate::paper::QrOnPaper;
        assert_eq!(
            super::paper_qr("printed; characters=1187"),
            Some(QrOnPaper::Printed { characters: 1187 })
        );
        assert_eq!(
            super::paper_qr("too-large; characters=5120"),
            Some(QrOnPaper::TooLarge { characters: 5120 })
        );
        assert_eq!(super::paper_qr("printed"), None);
    }

    #[test]
    fn consignment_ids_travel_in_one_path_segment() {
        assert_eq!(
            super::encode("10609050/231126/0000123"),
            "10609050%2F231126%2F0000123"
        );
    }
}
