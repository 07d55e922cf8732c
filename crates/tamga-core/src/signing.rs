//! Signed acts: an act body with the ed25519 signatures of the officers it names.
//!
//! Each signature is over a domain-separated message, [`SIGNATURE_CONTEXT`] followed by the 32
//! bytes of the act id, so a signature on a tamga act can never be taken for a signature on
//! anything else. Signatures must come in the order [`ActBody::required_signers`] gives, one per
//! signer, none extra. Decoding checks that shape; [`SignedAct::verify_signatures`] checks the
//! cryptography; [`crate::registry::Registry::authorize`] checks who may sign what.

use crate::act::ActBody;
use crate::canonical::{canonical_bytes, decode_canonical, ActId, DecodeError, MAX_ACT_BYTES};
use crate::codes::KeyId;
use ed25519_dalek::{Signature, Signer, SigningKey, VerifyingKey};
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::fmt;

/// The fixed context string that starts every signed message.
pub const SIGNATURE_CONTEXT: &[u8] = b"tamga/act-signature/v1\0";

/// The message an officer signs for the act with id `id`.
pub fn signing_message(id: &ActId) -> Vec<u8> {
    let mut message = Vec::with_capacity(SIGNATURE_CONTEXT.len() + 32);
    message.extend_from_slice(SIGNATURE_CONTEXT);
    message.extend_from_slice(&id.0);
    message
}

/// The key id of a signing key's public half.
pub fn key_id(key: &SigningKey) -> KeyId {
    key_id_of(&key.verifying_key())
}

/// The key id of a public key.
pub fn key_id_of(key: &VerifyingKey) -> KeyId {
    KeyId::new(hex::encode(key.as_bytes())).expect("hex of 32 bytes is a key id")
}

/// An ed25519 signature, written as 128 lower-case hex digits.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct SignatureBytes(pub [u8; 64]);

impl fmt::Debug for SignatureBytes {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Signature({}..)", hex::encode(&self.0[..6]))
    }
}

impl Serialize for SignatureBytes {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&hex::encode(self.0))
    }
}

impl<'de> Deserialize<'de> for SignatureBytes {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        let mut out = [0u8; 64];
        let lower = text.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'));
        if text.len() != 128 || !lower || hex::decode_to_slice(&text, &mut out).is_err() {
            return Err(serde::de::Error::custom(format!(
                "bad signature {:?}: expected 128 lower-case hex digits",
                text.chars().take(32).collect::<String>()
            )));
        }
        Ok(SignatureBytes(out))
    }
}

/// One officer's signature on an act.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ActSignature {
    /// The signer's public key.
    pub key: KeyId,
    /// The signature over [`signing_message`].
    pub signature: SignatureBytes,
}

impl ActSignature {
    /// Signs the act with id `id`.
    pub fn create(id: &ActId, key: &SigningKey) -> Self {
        ActSignature {
            key: key_id(key),
            signature: SignatureBytes(key.sign(&signing_message(id)).to_bytes()),
        }
    }

    /// Checks this signature against the act with id `id`.
    pub fn verify(&self, id: &ActId) -> Result<(), SignatureError> {
        let bytes: [u8; 32] = hex::decode(self.key.as_str())
            .ok()
            .and_then(|b| b.try_into().ok())
            .ok_or_else(|| SignatureError::BadKey(self.key.clone()))?;
        let key = VerifyingKey::from_bytes(&bytes)
            .map_err(|_| SignatureError::BadKey(self.key.clone()))?;
        key.verify_strict(
            &signing_message(id),
            &Signature::from_bytes(&self.signature.0),
        )
        .map_err(|_| SignatureError::Invalid {
            key: self.key.clone(),
            act: *id,
        })
    }
}

/// Why a signature does not hold.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum SignatureError {
    /// The named key is not a valid ed25519 public key.
    #[error("{0} is not a valid ed25519 public key")]
    BadKey(KeyId),
    /// The signature does not verify: the act was altered after signing, or signed by another key.
    #[error("signature by {key} does not verify for act {act}: the act was altered after signing or signed with another key")]
    Invalid {
        /// The signer named.
        key: KeyId,
        /// The act.
        act: ActId,
    },
}

/// Why an act could not be signed.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum SignError {
    /// The act breaks its content rules.
    #[error("the act is not valid: {0}")]
    Content(#[from] crate::act::ContentError),
    /// The act would encode larger than [`crate::canonical::MAX_ACT_BYTES`].
    #[error("the act would be {size} bytes, more than the {limit}-byte limit: split it (fewer goods lines or positions per act) or shorten its texts")]
    TooLarge {
        /// Its encoded size.
        size: usize,
        /// The limit.
        limit: usize,
    },
    /// The keys given are not the signers the act names, in order.
    #[error("the act must be signed by {expected:?} in that order; keys given: {given:?}")]
    WrongSigners {
        /// Keys the act names.
        expected: Vec<KeyId>,
        /// Keys given.
        given: Vec<KeyId>,
    },
}

/// The wire form of a signed act.
#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Envelope {
    pub body: ActBody,
    pub signatures: Vec<ActSignature>,
}

/// An act with all the signatures it needs, decoded and shaped right. Its signatures are not
/// yet known to verify: see [`SignedAct::verify_signatures`].
///
/// A value never changes once made, so it keeps its canonical bytes (computed once, or the very
/// input it was decoded from, which decoding proved canonical) and remembers that its
/// signatures verified once they have (its clones share that memory): both are functions of the
/// value alone, so keeping them changes no result, only what is computed again. Equality is that
/// of body and signatures.
#[derive(Clone)]
pub struct SignedAct {
    body: ActBody,
    signatures: Vec<ActSignature>,
    id: ActId,
    encoded: std::sync::Arc<[u8]>,
    /// Shared by the value's clones: a copy kept in a cache learns it when another verifies.
    signatures_hold: std::sync::Arc<std::sync::OnceLock<()>>,
}

impl PartialEq for SignedAct {
    fn eq(&self, other: &Self) -> bool {
        self.id == other.id && self.signatures == other.signatures && self.body == other.body
    }
}

impl Eq for SignedAct {}

impl fmt::Debug for SignedAct {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SignedAct")
            .field("body", &self.body)
            .field("signatures", &self.signatures)
            .field("id", &self.id)
            .finish()
    }
}

impl SignedAct {
    /// Signs `body` with `keys`, which must be the act's signers in order.
    pub fn sign(body: ActBody, keys: &[&SigningKey]) -> Result<Self, SignError> {
        body.check_content()?;
        let expected: Vec<KeyId> = body.required_signers().into_iter().cloned().collect();
        let given: Vec<KeyId> = keys.iter().map(|k| key_id(k)).collect();
        if expected != given {
            return Err(SignError::WrongSigners { expected, given });
        }
        let id = act_id(&body);
        let signatures = keys.iter().map(|k| ActSignature::create(&id, k)).collect();
        let act = SignedAct::with_id(body, signatures, id, None);
        let size = act.encoded.len();
        if size > MAX_ACT_BYTES {
            return Err(SignError::TooLarge {
                size,
                limit: MAX_ACT_BYTES,
            });
        }
        Ok(act)
    }

    /// Puts together a body and signatures gathered separately (a countersigned offer). The
    /// signatures must be the act's signers in order.
    pub fn assemble(body: ActBody, signatures: Vec<ActSignature>) -> Result<Self, DecodeError> {
        SignedAct::assemble_from(body, signatures, None)
    }

    /// [`SignedAct::assemble`], with the canonical bytes of the whole act when the caller has
    /// them already (decoding proved them canonical).
    fn assemble_from(
        body: ActBody,
        signatures: Vec<ActSignature>,
        encoded: Option<&[u8]>,
    ) -> Result<Self, DecodeError> {
        let id = act_id(&body);
        SignedAct::assemble_with_id(body, signatures, id, encoded)
    }

    /// [`SignedAct::assemble_from`] with the body's id already computed.
    fn assemble_with_id(
        body: ActBody,
        signatures: Vec<ActSignature>,
        id: ActId,
        encoded: Option<&[u8]>,
    ) -> Result<Self, DecodeError> {
        body.check_content()?;
        check_signers(&body, &signatures, body.required_signers().len())?;
        let act = SignedAct::with_id(body, signatures, id, encoded);
        let size = act.encoded.len();
        if size > MAX_ACT_BYTES {
            return Err(DecodeError::TooLarge {
                size,
                limit: MAX_ACT_BYTES,
            });
        }
        Ok(act)
    }

    /// The value itself, its canonical bytes computed unless given.
    fn with_id(
        body: ActBody,
        signatures: Vec<ActSignature>,
        id: ActId,
        encoded: Option<&[u8]>,
    ) -> Self {
        let encoded = match encoded {
            Some(bytes) => bytes.into(),
            None => canonical_bytes(&EnvelopeRef {
                body: &body,
                signatures: &signatures,
            })
            .into(),
        };
        SignedAct {
            body,
            signatures,
            id,
            encoded,
            signatures_hold: std::sync::Arc::new(std::sync::OnceLock::new()),
        }
    }

    /// An act whose signatures have not been shaped or checked: only for the preview of a
    /// handoff under review.
    pub(crate) fn unchecked(body: ActBody, signatures: Vec<ActSignature>) -> Self {
        let id = act_id(&body);
        SignedAct::with_id(body, signatures, id, None)
    }

    /// Decodes the canonical wire form strictly. See [`DecodeError`] for what is refused.
    ///
    /// Bytes that are the canonical form of a well-typed act (all an honest peer sends) are
    /// decoded in one typed parse, proven canonical by writing the body and the signatures back
    /// and comparing, and the body's written bytes give the id. Anything else goes through
    /// [`SignedAct::decode_by_value`], which says exactly what is wrong. Both accept the same
    /// bytes with the same result (a test over the fuzz corpus and the `act_decode` fuzz
    /// target check it).
    pub fn decode(bytes: &[u8]) -> Result<Self, DecodeError> {
        match SignedAct::decode_canonical_at_once(bytes) {
            Some(decoded) => decoded,
            None => SignedAct::decode_by_value(bytes),
        }
    }

    /// The one-parse decoding of [`SignedAct::decode`], or `None` when the bytes are not the
    /// canonical form of a well-typed envelope.
    fn decode_canonical_at_once(bytes: &[u8]) -> Option<Result<Self, DecodeError>> {
        if bytes.len() > MAX_ACT_BYTES {
            return None;
        }
        let envelope: Envelope = serde_json::from_slice(bytes).ok()?;
        let body = canonical_bytes(&envelope.body);
        let signatures = canonical_bytes(&envelope.signatures);
        // The canonical form of the envelope: its two keys in order, no space.
        let rest = bytes
            .strip_prefix(b"{\"body\":")?
            .strip_prefix(body.as_slice())?
            .strip_prefix(b",\"signatures\":")?
            .strip_prefix(signatures.as_slice())?;
        if rest != b"}" {
            return None;
        }
        let id = ActId::of_canonical_body(&body);
        Some(SignedAct::assemble_with_id(
            envelope.body,
            envelope.signatures,
            id,
            Some(bytes),
        ))
    }

    /// Decodes the canonical wire form strictly through a JSON value: the syntax, the canonical
    /// form of the value, the typed structure (with the path of what is wrong), then the
    /// canonical form of the typed value. [`SignedAct::decode`] uses it for anything that is
    /// not plainly a canonical act, so that its errors are precise.
    #[doc(hidden)]
    pub fn decode_by_value(bytes: &[u8]) -> Result<Self, DecodeError> {
        let envelope: Envelope = decode_canonical(bytes)?;
        SignedAct::assemble_from(envelope.body, envelope.signatures, Some(bytes))
    }

    /// The canonical wire form.
    pub fn encode(&self) -> Vec<u8> {
        self.encoded.to_vec()
    }

    /// The canonical wire form, borrowed.
    pub fn encoded(&self) -> &[u8] {
        &self.encoded
    }

    /// The act's id.
    pub fn id(&self) -> ActId {
        self.id
    }

    /// What the act says.
    pub fn body(&self) -> &ActBody {
        &self.body
    }

    /// Its signatures, in signer order.
    pub fn signatures(&self) -> &[ActSignature] {
        &self.signatures
    }

    /// Checks every signature cryptographically. Once they have verified, the value remembers
    /// it and answers at once.
    pub fn verify_signatures(&self) -> Result<(), SignatureError> {
        if self.signatures_hold.get().is_some() {
            return Ok(());
        }
        self.signatures
            .iter()
            .try_for_each(|s| s.verify(&self.id))?;
        let _ = self.signatures_hold.set(());
        Ok(())
    }
}

#[derive(Serialize)]
struct EnvelopeRef<'a> {
    body: &'a ActBody,
    signatures: &'a [ActSignature],
}

/// The id of an act body: SHA-256 of its canonical bytes.
pub fn act_id(body: &ActBody) -> ActId {
    ActId::of_canonical_body(&canonical_bytes(body))
}

/// Checks that `signatures` are by the first `count` of the act's required signers, in order.
pub(crate) fn check_signers(
    body: &ActBody,
    signatures: &[ActSignature],
    count: usize,
) -> Result<(), DecodeError> {
    let required = body.required_signers();
    let required = &required[..count.min(required.len())];
    for signature in signatures {
        if !required.contains(&&signature.key) {
            return Err(DecodeError::UnexpectedSigner {
                key: signature.key.to_string(),
            });
        }
    }
    for key in required {
        if !signatures.iter().any(|s| &&s.key == key) {
            return Err(DecodeError::MissingSignature {
                key: key.to_string(),
            });
        }
    }
    if signatures.len() != required.len()
        || signatures.iter().zip(required).any(|(s, k)| &&s.key != k)
    {
        return Err(DecodeError::SignatureOrder);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fixtures::Story;

    #[test]
    fn signed_acts_round_trip_and_verify() {
        let story = Story::new();
        for act in story.clean_delivery() {
            let bytes = act.encode();
            let decoded = SignedAct::decode(&bytes).expect("decodes");
            assert_eq!(decoded, act);
            assert_eq!(decoded.encode(), bytes);
            decoded.verify_signatures().expect("verifies");
        }
    }

    #[test]
    fn signing_needs_the_named_keys_in_order() {
        let story = Story::new();
        let body = ActBody::CustodyTransferred(story.transfer_body(
            30,
            crate::fixtures::AIRPORT_POST,
            None,
            &story.airport_officer,
            &story.escort_lead,
        ));
        let reversed = SignedAct::sign(
            body.clone(),
            &[&story.escort_lead.key, &story.airport_officer.key],
        );
        assert!(matches!(reversed, Err(SignError::WrongSigners { .. })));
        let alone = SignedAct::sign(body, &[&story.airport_officer.key]);
        assert!(matches!(alone, Err(SignError::WrongSigners { .. })));
    }

    #[test]
    fn a_signature_from_another_act_does_not_verify() {
        let story = Story::new();
        let applied = story.seal_applied();
        let checked = story.seal_checked(60, crate::act::SealState::Intact);
        let ActBody::SealApplied(mut body) = applied.body().clone() else {
            unreachable!()
        };
        body.officer = story.escort_second.id.clone();
        let mixed = SignedAct::assemble(ActBody::SealApplied(body), checked.signatures().to_vec())
            .expect("shape is right");
        assert!(matches!(
            mixed.verify_signatures(),
            Err(SignatureError::Invalid { .. })
        ));
    }

    #[test]
    fn signatures_are_domain_separated() {
        let story = Story::new();
        let act = story.registration();
        let message = signing_message(&act.id());
        assert!(message.starts_with(b"tamga/act-signature/v1\0"));
        assert_eq!(&message[SIGNATURE_CONTEXT.len()..], &act.id().0);
        // A bare signature over the id alone is not accepted.
        let bare = story.airport_officer.key.sign(&act.id().0);
        let forged = ActSignature {
            key: story.airport_officer.id.clone(),
            signature: SignatureBytes(bare.to_bytes()),
        };
        assert!(forged.verify(&act.id()).is_err());
    }
}

#[cfg(test)]
mod size_tests {
    use super::*;
    use crate::fixtures::{text, Story};

    #[test]
    fn signing_refuses_an_act_too_large_to_decode() {
        let story = Story::new();
        let mut body = story.registration_body();
        let line = body.goods[0].clone();
        body.goods = (0..200)
            .map(|_| crate::act::GoodsLine {
                description: text(&"д".repeat(2000)),
                ..line.clone()
            })
            .collect();
        let err = SignedAct::sign(
            ActBody::ConsignmentRegistered(body),
            &[&story.airport_officer.key],
        )
        .unwrap_err();
        assert!(matches!(err, SignError::TooLarge { .. }), "{err}");
    }
}
