//! Authentication of sync traffic with device keys.
//!
//! Every request carries a [`RequestAuth`]: the sending node's device key, the node it is meant
//! for, the time, a random nonce and an ed25519 signature over those and the SHA-256 of the body,
//! after the context string `tamga/sync-request/v1\0`. The receiving node accepts it only if the
//! sender's key is enrolled as a device, valid and not revoked at the request's time, the request
//! is addressed to it, the time is within the allowed skew of its own clock, the nonce was not
//! seen before within that window, and the signature verifies. A captured request replayed, or
//! sent to another node, is refused.
//!
//! Every response carries a [`ResponseAuth`]: the responding node's signature over its key, the
//! requester's key, the request's nonce and the SHA-256 of the response body, after
//! `tamga/sync-response/v1\0`, so the requester knows the answer came from the node it asked and
//! belongs to its own request.

use ed25519_dalek::{Signature, Signer, SigningKey, VerifyingKey};
use sha2::{Digest, Sha256};
use std::collections::{BTreeSet, HashMap, HashSet};
use tamga_core::registry::{AuthorizationError, Enrollment, Registry, Role};
use tamga_core::signing::key_id;
use tamga_core::{KeyId, Timestamp};

/// Context string of request signatures.
pub const REQUEST_CONTEXT: &[u8] = b"tamga/sync-request/v1\0";
/// Context string of response signatures.
pub const RESPONSE_CONTEXT: &[u8] = b"tamga/sync-response/v1\0";
/// How far a request's time may be from the receiver's clock, in seconds, by default.
pub const DEFAULT_SKEW_SECONDS: i64 = 300;
/// The most nonces a node remembers; past it, new requests are refused until old ones expire.
pub const MAX_REMEMBERED_NONCES: usize = 200_000;
/// The most nonces a node remembers of one device: past it, that device's requests (and only
/// its) are refused until its old ones expire, so one device cannot crowd out the others. At the
/// default skew window, 33 requests a second, sustained; a sync session makes a few.
pub const MAX_NONCES_PER_DEVICE: usize = 10_000;

/// Why sync traffic was refused. Each says what to do.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum AuthError {
    /// The credential is not in the expected form.
    #[error("malformed sync credential: {0}")]
    Malformed(String),
    /// The sender's key is not an enrolled, valid device key.
    #[error("node key {key} may not sync: {reason}. Enroll the device with central, or check that its key was not revoked")]
    NotEnrolled {
        /// The sender's key.
        key: KeyId,
        /// Why.
        reason: String,
    },
    /// The key is enrolled, but not as a device.
    #[error("key {key} is enrolled as {role}, not as a device: only node device keys sync")]
    NotADevice {
        /// The sender's key.
        key: KeyId,
        /// Its role.
        role: &'static str,
    },
    /// The request names another node.
    #[error(
        "request addressed to node {addressed}, but this node is {me}: check the peer's address"
    )]
    WrongPeer {
        /// The node named.
        addressed: KeyId,
        /// This node.
        me: KeyId,
    },
    /// The request's time is too far from this node's clock.
    #[error("request dated {at}, but this node's clock says {now} (allowed skew {skew} s): set the device clock")]
    ClockSkew {
        /// The request's time.
        at: String,
        /// This node's time.
        now: String,
        /// The skew allowed.
        skew: i64,
    },
    /// The nonce was used before: a replay.
    #[error("request replayed: node {key} already used nonce {nonce}")]
    Replayed {
        /// The sender.
        key: KeyId,
        /// The nonce.
        nonce: String,
    },
    /// Too many requests in the window to remember them all.
    #[error("too many requests in the last {window} s; try again later")]
    Overloaded {
        /// The window, in seconds.
        window: i64,
    },
    /// Too many requests from this one device in the window.
    #[error("device {key} sent more than {limit} requests in the last {window} s; try again later (is a sync loop running wild?)")]
    DeviceOverloaded {
        /// The device.
        key: KeyId,
        /// Its quota.
        limit: usize,
        /// The window, in seconds.
        window: i64,
    },
    /// The signature does not verify.
    #[error(
        "signature by {key} does not verify: the request was altered or signed with another key"
    )]
    BadSignature {
        /// The claimed signer.
        key: KeyId,
    },
}

fn key_bytes(key: &KeyId) -> [u8; 32] {
    let mut out = [0u8; 32];
    hex::decode_to_slice(key.as_str(), &mut out).expect("a KeyId is 64 hex digits");
    out
}

fn verifying_key(key: &KeyId) -> Result<VerifyingKey, AuthError> {
    VerifyingKey::from_bytes(&key_bytes(key))
        .map_err(|_| AuthError::Malformed(format!("{key} is not an ed25519 public key")))
}

/// The credential on a request.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RequestAuth {
    /// The sending node's device key.
    pub node: KeyId,
    /// The node the request is for.
    pub peer: KeyId,
    /// When it was sent.
    pub at: Timestamp,
    /// A fresh random value.
    pub nonce: [u8; 16],
    /// The signature.
    pub signature: [u8; 64],
}

impl RequestAuth {
    fn message(
        node: &KeyId,
        peer: &KeyId,
        at: Timestamp,
        nonce: &[u8; 16],
        body: &[u8],
    ) -> Vec<u8> {
        let mut m = Vec::with_capacity(REQUEST_CONTEXT.len() + 32 + 32 + 8 + 16 + 32);
        m.extend_from_slice(REQUEST_CONTEXT);
        m.extend_from_slice(&key_bytes(node));
        m.extend_from_slice(&key_bytes(peer));
        m.extend_from_slice(&at.unix().to_be_bytes());
        m.extend_from_slice(nonce);
        m.extend_from_slice(&Sha256::digest(body));
        m
    }

    /// Signs a request carrying `body` from the node holding `device` to `peer`. `nonce` must be
    /// fresh random bytes from the caller.
    pub fn sign(
        device: &SigningKey,
        peer: &KeyId,
        at: Timestamp,
        nonce: [u8; 16],
        body: &[u8],
    ) -> Self {
        let node = key_id(device);
        let signature = device
            .sign(&Self::message(&node, peer, at, &nonce, body))
            .to_bytes();
        RequestAuth {
            node,
            peer: peer.clone(),
            at,
            nonce,
            signature,
        }
    }

    /// The header form: `node=<hex>,peer=<hex>,at=<unix seconds>,nonce=<hex>,sig=<hex>`.
    pub fn to_header(&self) -> String {
        format!(
            "node={},peer={},at={},nonce={},sig={}",
            self.node,
            self.peer,
            self.at.unix(),
            hex::encode(self.nonce),
            hex::encode(self.signature)
        )
    }

    /// Parses the header form strictly.
    pub fn from_header(text: &str) -> Result<Self, AuthError> {
        let bad = |what: &str| AuthError::Malformed(format!("{what} in {:?}", truncate(text)));
        if text.len() > 512 {
            return Err(bad("credential too long"));
        }
        let mut fields = text.split(',');
        let mut take = |name: &str| -> Result<&str, AuthError> {
            fields
                .next()
                .and_then(|f| f.strip_prefix(name))
                .and_then(|f| f.strip_prefix('='))
                .ok_or_else(|| bad(&format!("expected field {name}")))
        };
        let node = KeyId::new(take("node")?).map_err(|e| bad(&e.to_string()))?;
        let peer = KeyId::new(take("peer")?).map_err(|e| bad(&e.to_string()))?;
        let at = take("at")?
            .parse::<i64>()
            .ok()
            .and_then(Timestamp::from_unix)
            .ok_or_else(|| bad("bad time"))?;
        let mut nonce = [0u8; 16];
        hex::decode_to_slice(take("nonce")?, &mut nonce).map_err(|_| bad("bad nonce"))?;
        let mut signature = [0u8; 64];
        hex::decode_to_slice(take("sig")?, &mut signature).map_err(|_| bad("bad signature"))?;
        if fields.next().is_some() {
            return Err(bad("extra fields"));
        }
        let parsed = RequestAuth {
            node,
            peer,
            at,
            nonce,
            signature,
        };
        if parsed.to_header() != text {
            return Err(bad("non-canonical credential"));
        }
        Ok(parsed)
    }
}

fn truncate(text: &str) -> String {
    text.chars().take(80).collect()
}

/// Who is on the other side of an accepted request.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Peer {
    /// Its device key.
    pub key: KeyId,
    /// Its enrollment.
    pub enrollment: Enrollment,
}

/// Remembers nonces seen within the skew window, so no request is accepted twice, and how many
/// each device has.
#[derive(Debug, Default)]
pub struct ReplayGuard {
    seen: HashSet<(KeyId, [u8; 16])>,
    by_time: BTreeSet<(i64, KeyId, [u8; 16])>,
    per_device: HashMap<KeyId, usize>,
}

impl ReplayGuard {
    fn forget_before(&mut self, cutoff: i64) {
        while let Some(first) = self.by_time.first().cloned() {
            if first.0 >= cutoff {
                break;
            }
            self.by_time.remove(&first);
            self.seen.remove(&(first.1.clone(), first.2));
            if let Some(n) = self.per_device.get_mut(&first.1) {
                *n -= 1;
                if *n == 0 {
                    self.per_device.remove(&first.1);
                }
            }
        }
    }

    fn insert(&mut self, at: i64, device: KeyId, nonce: [u8; 16]) {
        if self.seen.insert((device.clone(), nonce)) {
            *self.per_device.entry(device.clone()).or_default() += 1;
            self.by_time.insert((at, device, nonce));
        }
    }

    fn of_device(&self, device: &KeyId) -> usize {
        self.per_device.get(device).copied().unwrap_or(0)
    }

    /// Nonces remembered now.
    pub fn len(&self) -> usize {
        self.seen.len()
    }

    /// Whether no nonce is remembered.
    pub fn is_empty(&self) -> bool {
        self.seen.is_empty()
    }
}

/// Checks requests addressed to this node.
#[derive(Debug)]
pub struct Authenticator {
    me: KeyId,
    skew: i64,
    guard: ReplayGuard,
}

impl Authenticator {
    /// An authenticator for the node whose device key is `me`.
    pub fn new(me: KeyId, skew_seconds: i64) -> Self {
        Authenticator {
            me,
            skew: skew_seconds,
            guard: ReplayGuard::default(),
        }
    }

    /// Checks what a credential says before its body is read: it names this node, its time is
    /// within the skew of `now`, and its key is an enrolled device at that time. Returns the
    /// device's enrollment. [`Authenticator::accept`] makes the same checks, then the rest.
    pub fn check_header(
        &self,
        registry: &Registry,
        auth: &RequestAuth,
        now: Timestamp,
    ) -> Result<Enrollment, AuthError> {
        if auth.peer != self.me {
            return Err(AuthError::WrongPeer {
                addressed: auth.peer.clone(),
                me: self.me.clone(),
            });
        }
        if auth.at.seconds_since(&now).abs() > self.skew {
            return Err(AuthError::ClockSkew {
                at: auth.at.for_people(),
                now: now.for_people(),
                skew: self.skew,
            });
        }
        registry
            .enrollment_at(&auth.node, auth.at, &[Role::Device])
            .map_err(|e| match e {
                AuthorizationError::RoleNotPermitted { key, role, .. } => {
                    AuthError::NotADevice { key, role }
                }
                other => AuthError::NotEnrolled {
                    key: auth.node.clone(),
                    reason: other.to_string(),
                },
            })
            .cloned()
    }

    /// Accepts or refuses a request carrying `body` with credential `auth` at time `now`. An
    /// accepted nonce is remembered; a refused request changes nothing.
    pub fn accept(
        &mut self,
        registry: &Registry,
        auth: &RequestAuth,
        body: &[u8],
        now: Timestamp,
    ) -> Result<Peer, AuthError> {
        let enrollment = self.check_header(registry, auth, now)?;
        let message = RequestAuth::message(&auth.node, &auth.peer, auth.at, &auth.nonce, body);
        verifying_key(&auth.node)?
            .verify_strict(&message, &Signature::from_bytes(&auth.signature))
            .map_err(|_| AuthError::BadSignature {
                key: auth.node.clone(),
            })?;
        self.guard.forget_before(now.unix() - self.skew);
        let entry = (auth.node.clone(), auth.nonce);
        if self.guard.seen.contains(&entry) {
            return Err(AuthError::Replayed {
                key: auth.node.clone(),
                nonce: hex::encode(auth.nonce),
            });
        }
        if self.guard.of_device(&auth.node) >= MAX_NONCES_PER_DEVICE {
            return Err(AuthError::DeviceOverloaded {
                key: auth.node.clone(),
                limit: MAX_NONCES_PER_DEVICE,
                window: self.skew,
            });
        }
        if self.guard.len() >= MAX_REMEMBERED_NONCES {
            return Err(AuthError::Overloaded { window: self.skew });
        }
        // Remembered until the request's own time leaves the window.
        self.guard.insert(auth.at.unix(), entry.0, entry.1);
        Ok(Peer {
            key: auth.node.clone(),
            enrollment,
        })
    }

    /// The replay guard's state, for metrics.
    pub fn remembered(&self) -> usize {
        self.guard.len()
    }

    /// Takes back nonces remembered before (a restart): `(time, device, nonce)` as the store
    /// keeps them. Those already out of the window are forgotten at the next request.
    pub fn restore(&mut self, nonces: impl IntoIterator<Item = (i64, KeyId, [u8; 16])>) {
        for (at, device, nonce) in nonces {
            self.guard.insert(at, device, nonce);
        }
    }

    /// The window a remembered nonce is kept for, in seconds: a request dated further from the
    /// clock is refused by its time.
    pub fn skew(&self) -> i64 {
        self.skew
    }
}

/// The credential on a response.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ResponseAuth {
    /// The signature of the responding node.
    pub signature: [u8; 64],
}

impl ResponseAuth {
    fn message(responder: &KeyId, request: &RequestAuth, body: &[u8]) -> Vec<u8> {
        let mut m = Vec::with_capacity(RESPONSE_CONTEXT.len() + 32 + 32 + 16 + 32);
        m.extend_from_slice(RESPONSE_CONTEXT);
        m.extend_from_slice(&key_bytes(responder));
        m.extend_from_slice(&key_bytes(&request.node));
        m.extend_from_slice(&request.nonce);
        m.extend_from_slice(&Sha256::digest(body));
        m
    }

    /// Signs the response `body` to `request`.
    pub fn sign(device: &SigningKey, request: &RequestAuth, body: &[u8]) -> Self {
        ResponseAuth {
            signature: device
                .sign(&Self::message(&key_id(device), request, body))
                .to_bytes(),
        }
    }

    /// Checks that `body` is `responder`'s answer to `request`.
    pub fn verify(
        &self,
        responder: &KeyId,
        request: &RequestAuth,
        body: &[u8],
    ) -> Result<(), AuthError> {
        verifying_key(responder)?
            .verify_strict(
                &Self::message(responder, request, body),
                &Signature::from_bytes(&self.signature),
            )
            .map_err(|_| AuthError::BadSignature {
                key: responder.clone(),
            })
    }

    /// The header form: the signature in hex.
    pub fn to_header(&self) -> String {
        hex::encode(self.signature)
    }

    /// Parses the header form.
    pub fn from_header(text: &str) -> Result<Self, AuthError> {
        let mut signature = [0u8; 64];
        if text.len() != 128 || text.bytes().any(|b| b.is_ascii_uppercase()) {
            return Err(AuthError::Malformed(
                "response signature must be 128 lower-case hex digits".into(),
            ));
        }
        hex::decode_to_slice(text, &mut signature)
            .map_err(|_| AuthError::Malformed("response signature is not hex".into()))?;
        Ok(ResponseAuth { signature })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tamga_core::fixtures::{key, Story};

    struct Net {
        story: Story,
        registry: Registry,
        post: SigningKey,
        vehicle: SigningKey,
    }

    /// The story's registry plus two enrolled node devices: the airport post's and the escort
    /// vehicle's (the story's own vehicle device).
    fn net() -> Net {
        let story = Story::new();
        let post = key("airport post PC");
        let mut acts = story.registry_acts();
        acts.push(story.device_enrollment(
            &key_id(&post),
            tamga_core::fixtures::AIRPORT_POST,
            "airport post PC",
        ));
        let (registry, rejected) = Registry::from_acts(story.authority_id(), &acts);
        assert!(rejected.is_empty());
        Net {
            vehicle: story.vehicle_device.key.clone(),
            story,
            registry,
            post,
        }
    }

    #[test]
    fn one_device_at_its_quota_does_not_stall_the_others() {
        let mut n = net();
        let other = key("tokmok road post PC");
        n.registry
            .apply(&n.story.device_enrollment(
                &key_id(&other),
                tamga_core::fixtures::OTHER_POST,
                "tokmok road post PC",
            ))
            .unwrap();
        let now = n.story.t(0);
        let me = key_id(&n.post);
        let mut post = Authenticator::new(me.clone(), DEFAULT_SKEW_SECONDS);
        let request = |device: &SigningKey, i: u32| {
            let mut nonce = [0u8; 16];
            nonce[..4].copy_from_slice(&i.to_be_bytes());
            RequestAuth::sign(device, &me, now, nonce, b"")
        };
        for i in 0..MAX_NONCES_PER_DEVICE as u32 {
            post.accept(&n.registry, &request(&n.vehicle, i), b"", now)
                .unwrap();
        }
        let over = post.accept(
            &n.registry,
            &request(&n.vehicle, MAX_NONCES_PER_DEVICE as u32),
            b"",
            now,
        );
        assert!(
            matches!(over, Err(AuthError::DeviceOverloaded { .. })),
            "{over:?}"
        );
        assert_eq!(
            post.remembered(),
            MAX_NONCES_PER_DEVICE,
            "the refusal changed nothing"
        );
        // Another device is still accepted.
        post.accept(&n.registry, &request(&other, 0), b"", now)
            .unwrap();
        // And the first is again once its requests leave the window.
        let later = now.plus_seconds(DEFAULT_SKEW_SECONDS + 1);
        let fresh = RequestAuth::sign(&n.vehicle, &me, later, [0xee; 16], b"");
        post.accept(&n.registry, &fresh, b"", later).unwrap();
    }

    #[test]
    fn restored_nonces_are_replays_after_a_restart() {
        let n = net();
        let now = n.story.t(0);
        let me = key_id(&n.post);
        let auth = RequestAuth::sign(&n.vehicle, &me, now, [5; 16], b"body");
        let mut before = Authenticator::new(me.clone(), DEFAULT_SKEW_SECONDS);
        before.accept(&n.registry, &auth, b"body", now).unwrap();
        let mut after = Authenticator::new(me.clone(), DEFAULT_SKEW_SECONDS);
        after.restore([(now.unix(), key_id(&n.vehicle), [5; 16])]);
        assert!(matches!(
            after.accept(&n.registry, &auth, b"body", now.plus_seconds(3)),
            Err(AuthError::Replayed { .. })
        ));
    }

    #[test]
    fn a_signed_request_is_accepted_once() {
        let n = net();
        let now = n.story.t(0);
        let mut post = Authenticator::new(key_id(&n.post), DEFAULT_SKEW_SECONDS);
        let body = b"sync batch";
        let auth = RequestAuth::sign(&n.vehicle, &key_id(&n.post), now, [7; 16], body);
        let wire = RequestAuth::from_header(&auth.to_header()).unwrap();
        let peer = post
            .accept(&n.registry, &wire, body, now.plus_seconds(2))
            .unwrap();
        assert_eq!(peer.key, key_id(&n.vehicle));
        assert_eq!(peer.enrollment.unit.as_str(), "ESCORT-BISHKEK");
        // The same request again: a replay.
        assert!(matches!(
            post.accept(&n.registry, &wire, body, now.plus_seconds(3)),
            Err(AuthError::Replayed { .. })
        ));
        // A new nonce is fine.
        let fresh = RequestAuth::sign(&n.vehicle, &key_id(&n.post), now, [8; 16], body);
        assert!(post
            .accept(&n.registry, &fresh, body, now.plus_seconds(3))
            .is_ok());
    }

    #[test]
    fn altered_misaddressed_stale_or_unenrolled_requests_are_refused_and_change_nothing() {
        let n = net();
        let now = n.story.t(0);
        let me = key_id(&n.post);
        let mut post = Authenticator::new(me.clone(), DEFAULT_SKEW_SECONDS);
        let auth = RequestAuth::sign(&n.vehicle, &me, now, [1; 16], b"body");
        assert!(matches!(
            post.accept(&n.registry, &auth, b"other body", now),
            Err(AuthError::BadSignature { .. })
        ));
        let elsewhere =
            RequestAuth::sign(&n.vehicle, &n.story.escort_lead.id, now, [2; 16], b"body");
        assert!(matches!(
            post.accept(&n.registry, &elsewhere, b"body", now),
            Err(AuthError::WrongPeer { .. })
        ));
        assert!(matches!(
            post.accept(
                &n.registry,
                &auth,
                b"body",
                now.plus_seconds(DEFAULT_SKEW_SECONDS + 1)
            ),
            Err(AuthError::ClockSkew { .. })
        ));
        let stranger = RequestAuth::sign(&key("stolen laptop"), &me, now, [3; 16], b"body");
        assert!(matches!(
            post.accept(&n.registry, &stranger, b"body", now),
            Err(AuthError::NotEnrolled { .. })
        ));
        let officer = RequestAuth::sign(&n.story.escort_lead.key, &me, now, [4; 16], b"body");
        assert!(matches!(
            post.accept(&n.registry, &officer, b"body", now),
            Err(AuthError::NotADevice { .. })
        ));
        assert_eq!(post.remembered(), 0, "refused requests leave no trace");
        // The genuine request still goes through after all that.
        assert!(post.accept(&n.registry, &auth, b"body", now).is_ok());
    }

    #[test]
    fn a_revoked_device_is_refused() {
        let n = net();
        let mut acts = n.story.registry_acts();
        acts.push(n.story.revocation(&n.story.vehicle_device, n.story.t(0)));
        let (registry, _) = Registry::from_acts(n.story.authority_id(), &acts);
        let me = key_id(&n.post);
        let mut post = Authenticator::new(me.clone(), DEFAULT_SKEW_SECONDS);
        let auth = RequestAuth::sign(&n.vehicle, &me, n.story.t(1), [1; 16], b"");
        let err = post
            .accept(&registry, &auth, b"", n.story.t(1))
            .unwrap_err();
        assert!(matches!(err, AuthError::NotEnrolled { .. }), "{err}");
        assert!(err.to_string().contains("revoked"), "{err}");
    }

    #[test]
    fn nonces_are_forgotten_only_after_the_window() {
        let n = net();
        let now = n.story.t(0);
        let me = key_id(&n.post);
        let mut post = Authenticator::new(me.clone(), 60);
        for i in 0..10u8 {
            let auth = RequestAuth::sign(&n.vehicle, &me, now.plus_seconds(i as i64), [i; 16], b"");
            post.accept(&n.registry, &auth, b"", now.plus_seconds(i as i64))
                .unwrap();
        }
        assert_eq!(post.remembered(), 10);
        let late = RequestAuth::sign(&n.vehicle, &me, now.plus_seconds(125), [99; 16], b"");
        post.accept(&n.registry, &late, b"", now.plus_seconds(125))
            .unwrap();
        assert_eq!(
            post.remembered(),
            1,
            "old nonces are outside the window and cannot be replayed anyway"
        );
    }

    #[test]
    fn responses_are_bound_to_their_request_and_responder() {
        let n = net();
        let me = key_id(&n.post);
        let request = RequestAuth::sign(&n.vehicle, &me, n.story.t(0), [5; 16], b"ask");
        let response = ResponseAuth::sign(&n.post, &request, b"answer");
        let wire = ResponseAuth::from_header(&response.to_header()).unwrap();
        wire.verify(&me, &request, b"answer").unwrap();
        assert!(wire.verify(&me, &request, b"another answer").is_err());
        assert!(wire
            .verify(&key_id(&n.vehicle), &request, b"answer")
            .is_err());
        let other = RequestAuth::sign(&n.vehicle, &me, n.story.t(0), [6; 16], b"ask");
        assert!(wire.verify(&me, &other, b"answer").is_err());
    }

    #[test]
    fn headers_are_parsed_strictly() {
        let n = net();
        let auth = RequestAuth::sign(&n.vehicle, &key_id(&n.post), n.story.t(0), [1; 16], b"");
        let header = auth.to_header();
        for bad in [
            header.replace("node=", "nod="),
            format!("{header},extra=1"),
            header.replace("at=", "at=+"),
            header.to_uppercase(),
            String::new(),
            "x".repeat(600),
        ] {
            assert!(
                matches!(RequestAuth::from_header(&bad), Err(AuthError::Malformed(_))),
                "{bad}"
            );
        }
    }
}
