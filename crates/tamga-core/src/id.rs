//! [`ActId`]: an act's identity, the SHA-256 of the canonical bytes of its body
//! ([`crate::canonical`] makes those bytes). Apart from the encoding, so that the acts can name
//! other acts without depending on how they are encoded.

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use sha2::{Digest, Sha256};
use std::fmt;

/// An act's identity: SHA-256 of the canonical bytes of its body.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ActId(pub [u8; 32]);

impl ActId {
    /// The id of the act whose body encodes canonically to `canonical_body`.
    pub fn of_canonical_body(canonical_body: &[u8]) -> Self {
        ActId(Sha256::digest(canonical_body).into())
    }

    /// Lower-case hex, 64 digits.
    pub fn to_hex(&self) -> String {
        hex::encode(self.0)
    }

    /// Parses 64 lower-case hex digits.
    pub fn from_hex(text: &str) -> Result<Self, crate::codes::CodeError> {
        let err = || crate::codes::CodeError {
            what: "act id",
            given: text.chars().take(64).collect(),
            expected: "64 lower-case hex digits (SHA-256 of the act body)",
        };
        if text.len() != 64 || !text.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f')) {
            return Err(err());
        }
        let mut out = [0u8; 32];
        hex::decode_to_slice(text, &mut out).map_err(|_| err())?;
        Ok(ActId(out))
    }

    /// The first 12 hex digits, for people and logs.
    pub fn short(&self) -> String {
        hex::encode(&self.0[..6])
    }
}

impl fmt::Display for ActId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_hex())
    }
}

impl fmt::Debug for ActId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "ActId({})", self.short())
    }
}

impl Serialize for ActId {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.to_hex())
    }
}

impl<'de> Deserialize<'de> for ActId {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        ActId::from_hex(&text).map_err(serde::de::Error::custom)
    }
}
