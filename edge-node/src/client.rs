//! The CLI's way to the desk. A node's store is open in one process at a time: when the node is
//! not running, the CLI opens it itself; when `tamga-edge serve` holds it, the CLI sends the same
//! forms to the running node's local API (`docs/edge-api.md`) and prints the same answers.
//! Going to the store directly, the client reads the clock for the desk; through the API, the
//! running node reads its own.

use crate::desk::{CountForm, DeskError};
use crate::node::{Node, NodeError};
use serde_json::{json, Value};
use std::path::Path;
use std::time::Duration;
use tamga_core::{ActId, ConsignmentId, Timestamp};
use tamga_store::StoreError;

/// Where the CLI's requests go.
pub enum Client {
    /// The node's store, opened here.
    Local(Box<Node>),
    /// The running node's local API.
    Remote {
        /// Its base URL on loopback.
        base: String,
        /// The runtime for the HTTP client.
        runtime: tokio::runtime::Runtime,
        /// The HTTP client.
        http: reqwest::Client,
    },
}

fn local_err(e: DeskError) -> String {
    e.to_string()
}

fn to_value<T: serde::Serialize>(v: T) -> Value {
    serde_json::to_value(v).expect("answers serialize")
}

impl Client {
    /// Opens the node in `dir`, or reaches it through its API if it is running.
    pub fn open(dir: &Path) -> Result<Client, String> {
        match Node::open(dir) {
            Ok(node) => Ok(Client::Local(Box::new(node))),
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
                let runtime = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                    .map_err(|e| e.to_string())?;
                Ok(Client::Remote {
                    base: format!("http://{addr}"),
                    runtime,
                    http: reqwest::Client::builder()
                        .timeout(Duration::from_secs(300))
                        .build()
                        .map_err(|e| e.to_string())?,
                })
            }
            Err(e) => Err(e.to_string()),
        }
    }

    fn call(&self, method: &str, path: &str, body: Option<Value>) -> Result<Value, String> {
        let Client::Remote {
            base,
            runtime,
            http,
        } = self
        else {
            unreachable!("only remote clients call the API")
        };
        let url = format!("{base}{path}");
        runtime.block_on(async {
            let request = match method {
                "GET" => http.get(&url),
                _ => http
                    .post(&url)
                    .header("content-type", "application/json")
                    .body(serde_json::to_vec(&body.unwrap_or(json!({}))).expect("JSON encodes")),
            };
            let answer = request.send().await.map_err(|e| {
                format!("the node's store is busy but its API at {base} does not answer ({e}); is `tamga-edge serve` still running?")
            })?;
            let status = answer.status();
            let bytes = answer
                .bytes()
                .await
                .map_err(|e| format!("{url}: unreadable answer ({e})"))?;
            let value: Value = serde_json::from_slice(&bytes)
                .map_err(|e| format!("{url}: unreadable answer ({e})"))?;
            if status.is_success() {
                Ok(value)
            } else {
                Err(value["error"]
                    .as_str()
                    .map(str::to_owned)
                    .unwrap_or_else(|| format!("{url}: {status}")))
            }
        })
    }

    /// Records an officer's form (`POST /api/acts`).
    pub fn record_form(&self, form: Value) -> Result<Value, String> {
        match self {
            Client::Local(n) => n
                .record_form(form, Timestamp::now())
                .map(to_value)
                .map_err(local_err),
            _ => self.call("POST", "/api/acts", Some(form)),
        }
    }

    /// The consignments held.
    pub fn consignments(&self) -> Result<Value, String> {
        match self {
            Client::Local(n) => n
                .consignments(Timestamp::now())
                .map(to_value)
                .map_err(local_err),
            _ => self.call("GET", "/api/consignments", None),
        }
    }

    /// One consignment.
    pub fn consignment(&self, id: &ConsignmentId) -> Result<Value, String> {
        match self {
            Client::Local(n) => n
                .consignment_view(id, Timestamp::now())
                .map(to_value)
                .map_err(local_err),
            _ => {
                let path = format!("/api/consignments/{}", encode(id.as_str()));
                self.call("GET", &path, None)
            }
        }
    }

    /// The officer keys held, with their enrollment.
    pub fn officers(&self) -> Result<Value, String> {
        match self {
            Client::Local(n) => n
                .officers(Timestamp::now())
                .map(to_value)
                .map_err(local_err),
            _ => self.call("GET", "/api/officers", None),
        }
    }

    /// Makes an offer; returns `{"offer": id, ...}`. Sending it over the LAN needs the running
    /// node (`send_to`).
    pub fn make_offer(&self, form: Value) -> Result<Value, String> {
        match self {
            Client::Local(n) => {
                if form.get("send_to").is_some() {
                    return Err("sending an offer over the LAN needs the running node: start `tamga-edge serve`, or hand over the file or QR code".into());
                }
                let offer = n.make_offer(form, Timestamp::now()).map_err(local_err)?;
                Ok(json!({ "offer": offer.id(), "sent": false }))
            }
            _ => self.call("POST", "/api/offers", Some(form)),
        }
    }

    /// The offers in flight.
    pub fn offers(&self) -> Result<Value, String> {
        match self {
            Client::Local(n) => n
                .offer_list(Timestamp::now())
                .map(to_value)
                .map_err(local_err),
            _ => self.call("GET", "/api/offers", None),
        }
    }

    /// An offer's canonical bytes.
    pub fn offer_bytes(&self, id: &ActId) -> Result<Vec<u8>, String> {
        match self {
            Client::Local(n) => n
                .offers()
                .find(id)
                .map(|(_, o, _)| o.encode())
                .map_err(|e| e.to_string()),
            Client::Remote {
                base,
                runtime,
                http,
            } => runtime.block_on(async {
                let url = format!("{base}/api/offers/{id}/file");
                let answer = http.get(&url).send().await.map_err(|e| e.to_string())?;
                if !answer.status().is_success() {
                    return Err(format!("{url}: {}", answer.status()));
                }
                Ok(answer.bytes().await.map_err(|e| e.to_string())?.to_vec())
            }),
        }
    }

    /// Takes in an offer from a file's or a QR code's text.
    pub fn import_offer(&self, text: &str) -> Result<Value, String> {
        match self {
            Client::Local(n) => {
                let (bytes, via) = if text.trim_start().starts_with("tamga:") {
                    let (what, bytes) = crate::qr::from_text(text).map_err(|e| e.to_string())?;
                    if what != crate::qr::Carried::Offer {
                        return Err(
                            "this code holds a completed act: use `handoff complete`".into()
                        );
                    }
                    (bytes, crate::offers::Via::Qr)
                } else {
                    (text.trim().as_bytes().to_vec(), crate::offers::Via::File)
                };
                let offer = n.receive_offer(&bytes, via, None).map_err(local_err)?;
                Ok(json!({ "offer": offer.id(), "direction": "incoming" }))
            }
            _ => self.call("POST", "/api/offers/import", Some(json!({ "text": text }))),
        }
    }

    /// Reviews an incoming offer against the officer's count.
    pub fn review(&self, id: &ActId, count: Value) -> Result<Value, String> {
        match self {
            Client::Local(n) => {
                let count: CountForm = serde_json::from_value(count).map_err(|e| e.to_string())?;
                let (_, _, review) = n
                    .review_offer(id, &count, Timestamp::now())
                    .map_err(local_err)?;
                Ok(json!({
                    "assessment": review.assessment,
                    "new_discrepancies": review.new_discrepancies,
                }))
            }
            _ => self.call("POST", &format!("/api/offers/{id}/review"), Some(count)),
        }
    }

    /// Countersigns an incoming offer; returns `{"act": id, "act_text": canonical act, ...}`.
    pub fn countersign(&self, id: &ActId, count: Value) -> Result<Value, String> {
        match self {
            Client::Local(n) => {
                let count: CountForm = serde_json::from_value(count).map_err(|e| e.to_string())?;
                let (act, _) = n
                    .countersign(id, &count, Timestamp::now())
                    .map_err(local_err)?;
                Ok(json!({
                    "act": act.id(),
                    "returned": false,
                    "act_text": String::from_utf8_lossy(&act.encode()),
                }))
            }
            _ => {
                let mut answer = self.call(
                    "POST",
                    &format!("/api/offers/{id}/countersign"),
                    Some(count),
                )?;
                let file = self.fetch_text(&format!("/api/acts/{id}/file"))?;
                answer["act_text"] = json!(file);
                Ok(answer)
            }
        }
    }

    fn fetch_text(&self, path: &str) -> Result<String, String> {
        let Client::Remote {
            base,
            runtime,
            http,
        } = self
        else {
            unreachable!("only remote clients fetch")
        };
        runtime.block_on(async {
            let answer = http
                .get(format!("{base}{path}"))
                .send()
                .await
                .map_err(|e| e.to_string())?;
            answer.text().await.map_err(|e| e.to_string())
        })
    }

    /// Syncs with every configured peer now, or with the one named; returns a line per peer.
    pub fn sync(self, peer: Option<&str>) -> Result<String, String> {
        match self {
            Client::Local(n) => {
                let runtime = tokio::runtime::Runtime::new().map_err(|e| e.to_string())?;
                let shared = crate::serve::Shared::new(*n);
                runtime.block_on(shared.sync_named(peer, None))
            }
            _ => {
                let answer = self.call("POST", "/api/sync", Some(json!({ "peer": peer })))?;
                let job = answer["job"].as_u64().unwrap_or(0);
                loop {
                    std::thread::sleep(Duration::from_millis(200));
                    let state = self.call("GET", &format!("/api/jobs/{job}"), None)?;
                    if state["finished"] == true {
                        return match state["error"].as_str() {
                            Some(e) => Err(e.to_owned()),
                            None => Ok(state["result"].as_str().unwrap_or("").to_owned()),
                        };
                    }
                }
            }
        }
    }

    /// Records signed acts from text (a file's lines, or a `tamga:act:` code).
    pub fn import_acts(&self, text: &str) -> Result<Value, String> {
        match self {
            Client::Local(n) => n
                .record_acts_text(text)
                .map(|new| json!({ "new": new }))
                .map_err(local_err),
            _ => self.call("POST", "/api/acts/import", Some(json!({ "text": text }))),
        }
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
    fn consignment_ids_travel_in_one_path_segment() {
        assert_eq!(
            super::encode("10609050/231126/0000123"),
            "10609050%2F231126%2F0000123"
        );
    }
}
