//! The serving side of one sync request, whatever carries it: the credential is checked, the
//! frame decoded, the request answered within the peer's scope, and the answer signed. A
//! transport (the HTTP endpoint of the shell, a test's loop) hands over the credential text,
//! the body and the time, and gets back the answer's bytes and signature or a [`Refusal`]
//! saying why, in a stable code and in words for the client.
//!
//! No I/O and no clock: the time is an argument, and the store calls are the only blocking
//! work (a transport runs [`Responder::answer`] off its async workers).

use crate::auth::{AuthError, Authenticator, RequestAuth, ResponseAuth};
use crate::frame::{self, FrameError};
use crate::ledger::Ledger;
use crate::scope::Scope;
use crate::session::{respond_noting, Request, SyncError};
use ed25519_dalek::SigningKey;
use std::sync::{Arc, Mutex};
use tamga_core::signing::key_id;
use tamga_core::{KeyId, Timestamp, UnitCode};
use tamga_store::{Store, StoreError};

/// The header (or field) name under which a transport carries the request credential.
pub const AUTH_HEADER: &str = "tamga-auth";
/// The header (or field) name under which a transport carries the response signature.
pub const RESPONSE_AUTH_HEADER: &str = "tamga-response-auth";
/// The path of the sync endpoint on a node's HTTP server.
pub const SYNC_PATH: &str = "/sync";

/// What kind of refusal, for a transport to map to its own codes (HTTP: 401, 503, 413, 400,
/// 500).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RefusalKind {
    /// The credential is missing or refused: unenrolled or revoked device, replay, clock skew,
    /// bad signature, another node addressed.
    Credential,
    /// The node cannot keep up (the replay guard is full).
    Overloaded,
    /// The frame is over its size limit.
    TooLarge,
    /// The frame or the request breaks the protocol.
    Malformed,
    /// This node's store failed.
    Failed,
}

/// Why a request was refused.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Refusal {
    /// What kind.
    pub kind: RefusalKind,
    /// A stable code for the reason: `no_credential`, `malformed_credential`, `not_enrolled`,
    /// `not_a_device`, `wrong_peer`, `clock_skew`, `replayed`, `overloaded`, `bad_signature`,
    /// `too_large`, `unreadable_body`, `bad_frame`, `protocol`, `store_failed`.
    pub reason: &'static str,
    /// What went wrong, as sent to the client.
    pub message: String,
    /// The device key the credential claimed, if it could be read (not proof of who sent it).
    pub claimed: Option<KeyId>,
}

impl Refusal {
    /// A refusal of the given kind and reason.
    pub fn new(
        kind: RefusalKind,
        reason: &'static str,
        message: String,
        claimed: Option<KeyId>,
    ) -> Self {
        Refusal {
            kind,
            reason,
            message,
            claimed,
        }
    }
}

/// An accepted request's answer.
#[derive(Clone, Debug)]
pub struct Answer {
    /// The response frame.
    pub body: Vec<u8>,
    /// The response signature, as its header text.
    pub signature: String,
    /// The documents whose changes from the peer were refused as out of its write scope
    /// (reason code `out_of_scope`): nothing of them merged, the rest of the request answered.
    pub out_of_scope: Vec<String>,
}

/// The stable reason code of a refused credential.
pub fn auth_reason(e: &AuthError) -> &'static str {
    match e {
        AuthError::Malformed(_) => "malformed_credential",
        AuthError::NotEnrolled { .. } => "not_enrolled",
        AuthError::NotADevice { .. } => "not_a_device",
        AuthError::WrongPeer { .. } => "wrong_peer",
        AuthError::ClockSkew { .. } => "clock_skew",
        AuthError::Replayed { .. } => "replayed",
        AuthError::Overloaded { .. } => "overloaded",
        AuthError::DeviceOverloaded { .. } => "device_overloaded",
        AuthError::BadSignature { .. } => "bad_signature",
    }
}

/// A node's answering side: its store, its device key, central's units, and the authenticator
/// with its replay guard.
pub struct Responder {
    /// The node's store.
    pub store: Arc<Store>,
    /// The node's device key.
    pub device: SigningKey,
    /// The units whose devices receive everything (central's).
    pub central_units: Vec<UnitCode>,
    /// Checks credentials and remembers nonces.
    pub authenticator: Mutex<Authenticator>,
    /// Central's transparency log keeper: answers receipts requests (none at an edge node).
    pub log: Option<Arc<crate::receipts::LogKeeper>>,
    /// The feed, checkpoints and nonces answered with: the store itself, or a ledger several
    /// central processes share ([`Responder::sharing`]).
    pub ledger: Arc<dyn Ledger>,
}

impl Responder {
    /// The responder of the node with `device` key over `store`.
    pub fn new(
        store: Arc<Store>,
        device: SigningKey,
        central_units: Vec<UnitCode>,
        skew_seconds: i64,
    ) -> Self {
        let me = key_id(&device);
        let authenticator = Authenticator::new(me, skew_seconds);
        let ledger: Arc<dyn Ledger> = Arc::clone(&store) as Arc<dyn Ledger>;
        Responder {
            store,
            device,
            central_units,
            authenticator: Mutex::new(authenticator),
            log: None,
            ledger,
        }
        .restoring_nonces()
    }

    /// This responder answering with `ledger`'s feed, checkpoints and nonces (several central
    /// processes on one database), its replay guard restored from the ledger.
    pub fn sharing(mut self, ledger: Arc<dyn Ledger>) -> Self {
        self.ledger = ledger;
        self.restoring_nonces()
    }

    /// The nonces accepted before a restart (or by another process sharing the ledger): a
    /// request captured then is still refused.
    fn restoring_nonces(self) -> Self {
        match self.ledger.remembered_nonces(i64::MIN) {
            Ok(nonces) => self
                .authenticator
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .restore(nonces),
            Err(e) => {
                tracing::error!(error = %e, "the replay guard's nonces could not be read back")
            }
        }
        self
    }

    /// This responder with central's log keeper, answering receipts requests.
    pub fn keeping_log(mut self, keeper: Arc<crate::receipts::LogKeeper>) -> Self {
        self.log = Some(keeper);
        self
    }

    /// Reads a credential's text: `None` (absent) and unreadable text are refusals.
    pub fn credential(text: Option<&str>) -> Result<RequestAuth, Refusal> {
        let Some(text) = text else {
            return Err(Refusal::new(
                RefusalKind::Credential,
                "no_credential",
                format!(
                    "missing {AUTH_HEADER} header: sync requests must be signed by an enrolled device"
                ),
                None,
            ));
        };
        RequestAuth::from_header(text).map_err(|e| {
            Refusal::new(
                RefusalKind::Credential,
                auth_reason(&e),
                e.to_string(),
                None,
            )
        })
    }

    /// Checks a credential before its request's body is read, at `now`: it names this node, is
    /// within the clock skew, is signed for an enrolled device, and (when the transport proved
    /// a key, as TLS does) names the same device key as the connection. A refusal changes
    /// nothing; [`Responder::answer`] checks the rest once the body is read.
    pub fn admit(
        &self,
        auth: &RequestAuth,
        connection_key: Option<&KeyId>,
        now: Timestamp,
    ) -> Result<(), Refusal> {
        let refused = |kind, reason, message: String| {
            Refusal::new(kind, reason, message, Some(auth.node.clone()))
        };
        if let Some(key) = connection_key {
            if key != &auth.node {
                return Err(refused(
                    RefusalKind::Credential,
                    "not_the_connection_key",
                    format!(
                        "the request is signed for device {}, but the connection was opened by device {}: a node signs its own requests",
                        auth.node.fingerprint(),
                        key.fingerprint()
                    ),
                ));
            }
        }
        let registry = self.store.registry();
        self.authenticator
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .check_header(&registry, auth, now)
            .map(|_| ())
            .map_err(|e| refused(RefusalKind::Credential, auth_reason(&e), e.to_string()))
    }

    /// Answers the request `body` carrying credential `auth`, received at `now`. A refusal
    /// changes nothing.
    pub fn answer(
        &self,
        auth: &RequestAuth,
        body: &[u8],
        now: Timestamp,
    ) -> Result<Answer, Refusal> {
        let refused = |kind, reason, message: String| {
            Refusal::new(kind, reason, message, Some(auth.node.clone()))
        };
        let registry = self.store.registry();
        let peer = self
            .authenticator
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .accept(&registry, auth, body, now)
            .map_err(|e| {
                let kind = match e {
                    AuthError::Overloaded { .. } | AuthError::DeviceOverloaded { .. } => {
                        RefusalKind::Overloaded
                    }
                    _ => RefusalKind::Credential,
                };
                refused(kind, auth_reason(&e), e.to_string())
            })?;
        // The nonce is on disk before anything is answered: after a restart the request is
        // still a replay.
        let skew = self
            .authenticator
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .skew();
        let first = self
            .ledger
            .remember_nonce(&auth.node, &auth.nonce, auth.at.unix(), now.unix() - skew)
            .map_err(|e| refused(RefusalKind::Failed, "store_failed", e.to_string()))?;
        if !first {
            // Accepted before by another process sharing the ledger.
            let e = AuthError::Replayed {
                key: auth.node.clone(),
                nonce: hex::encode(auth.nonce),
            };
            return Err(refused(
                RefusalKind::Credential,
                auth_reason(&e),
                e.to_string(),
            ));
        }
        let request: Request = frame::decode(body).map_err(|e| match e {
            FrameError::TooLarge { .. } => {
                refused(RefusalKind::TooLarge, "too_large", e.to_string())
            }
            _ => refused(RefusalKind::Malformed, "bad_frame", e.to_string()),
        })?;
        let scope = Scope::of(&peer.enrollment.unit, &self.central_units);
        let mut out_of_scope = Vec::new();
        let response = match (&self.log, request) {
            (Some(log), Request::Receipts { acts, known }) => {
                log.answer(&*self.ledger, &acts, known, now)
            }
            (Some(log), Request::Consistency { pairs }) => log.consistency(&*self.ledger, &pairs),
            (_, request) => respond_noting(
                &self.store,
                self.ledger.as_ref(),
                &peer.key,
                &scope,
                request,
                &mut out_of_scope,
            ),
        }
        .map_err(|e| match e {
            SyncError::Protocol(_) => refused(RefusalKind::Malformed, "protocol", e.to_string()),
            SyncError::Store(StoreError::BadInput { .. }) => {
                refused(RefusalKind::Malformed, "protocol", e.to_string())
            }
            SyncError::Store(_) => refused(RefusalKind::Failed, "store_failed", e.to_string()),
        })?;
        let bytes = frame::encode(&response)
            .map_err(|e| refused(RefusalKind::Failed, "store_failed", e.to_string()))?;
        let signature = ResponseAuth::sign(&self.device, auth, &bytes).to_header();
        Ok(Answer {
            body: bytes,
            signature,
            out_of_scope: out_of_scope.iter().map(|d| d.to_string()).collect(),
        })
    }
}
