//! The canonical encoding: RFC 8785 (JSON Canonicalization Scheme) of the act, act ids, and the
//! strict decoder.
//!
//! An act's id is the SHA-256 of the canonical bytes of its body. The wire form of a signed act
//! is the canonical bytes of `{"body": ..., "signatures": [...]}`. Decoding accepts only input
//! that is already canonical, so every act has exactly one byte string and one id; anything else
//! is refused with a [`DecodeError`] that names the fault. `docs/act-format.md` specifies the
//! format for implementers in other languages.

use serde::de::DeserializeOwned;
use serde::Serialize;

/// The largest encoded act accepted, in bytes. Signing refuses to make a larger act, so every
/// signed act can be decoded.
pub const MAX_ACT_BYTES: usize = 256 * 1024;

pub use crate::id::ActId;

/// Why bytes were refused as an act. Each variant says what is wrong; [`DecodeError::code`]
/// gives a stable short name used by the published test vectors.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum DecodeError {
    /// More bytes than [`MAX_ACT_BYTES`].
    #[error("act is {size} bytes, more than the {limit}-byte limit")]
    TooLarge {
        /// Bytes given.
        size: usize,
        /// The limit.
        limit: usize,
    },
    /// Not JSON at all (or not UTF-8).
    #[error("not valid JSON: {0}")]
    Malformed(String),
    /// Valid JSON, but not in its canonical form (whitespace, key order, escapes, number
    /// spelling or a repeated key).
    #[error("not in canonical form (RFC 8785): re-encode the act canonically; first difference at byte {at}")]
    NonCanonical {
        /// Offset of the first byte that differs from the canonical form.
        at: usize,
    },
    /// A field the format does not have.
    #[error("unknown field at {path}: {message}")]
    UnknownField {
        /// Where.
        path: String,
        /// serde's words.
        message: String,
    },
    /// A required field is absent.
    #[error("missing field at {path}: {message}")]
    MissingField {
        /// Where.
        path: String,
        /// serde's words.
        message: String,
    },
    /// An act kind (or other enumerated value) the format does not have.
    #[error("unknown variant at {path}: {message}")]
    UnknownVariant {
        /// Where.
        path: String,
        /// serde's words.
        message: String,
    },
    /// A value of the wrong JSON type (a number where a decimal string belongs, ...).
    #[error("wrong type at {path}: {message}")]
    WrongType {
        /// Where.
        path: String,
        /// serde's words.
        message: String,
    },
    /// A decimal string in another spelling than the one accepted.
    #[error("bad decimal at {path}: {message}")]
    BadDecimal {
        /// Where.
        path: String,
        /// What was wrong.
        message: String,
    },
    /// A time not in `YYYY-MM-DDTHH:MM:SSZ`.
    #[error("bad time at {path}: {message}")]
    BadTime {
        /// Where.
        path: String,
        /// What was wrong.
        message: String,
    },
    /// A code, key, id or text outside its alphabet or length.
    #[error("bad value at {path}: {message}")]
    BadValue {
        /// Where.
        path: String,
        /// What was wrong.
        message: String,
    },
    /// Fields that decode but break the act's rules (an empty route, net above gross, ...).
    #[error("invalid content: {0}")]
    Content(#[from] crate::act::ContentError),
    /// A signer the act names has not signed.
    #[error("missing signature by {key}")]
    MissingSignature {
        /// The key whose signature is missing.
        key: String,
    },
    /// A signature by a key that the act does not name as its signer.
    #[error("signature by key {key}, which this act does not name as a signer")]
    UnexpectedSigner {
        /// The key that signed.
        key: String,
    },
    /// Signatures present but not in the order the act names its signers.
    #[error("signatures out of order: the releasing officer's comes first, then the receiving officer's")]
    SignatureOrder,
}

impl DecodeError {
    /// A short, stable name for the kind of fault, as the test vectors write it.
    pub fn code(&self) -> &'static str {
        match self {
            DecodeError::TooLarge { .. } => "too_large",
            DecodeError::Malformed(_) => "malformed",
            DecodeError::NonCanonical { .. } => "non_canonical",
            DecodeError::UnknownField { .. } => "unknown_field",
            DecodeError::MissingField { .. } => "missing_field",
            DecodeError::UnknownVariant { .. } => "unknown_variant",
            DecodeError::WrongType { .. } => "wrong_type",
            DecodeError::BadDecimal { .. } => "bad_decimal",
            DecodeError::BadTime { .. } => "bad_time",
            DecodeError::BadValue { .. } => "bad_value",
            DecodeError::Content(_) => "invalid_content",
            DecodeError::MissingSignature { .. } => "missing_signature",
            DecodeError::UnexpectedSigner { .. } => "unexpected_signer",
            DecodeError::SignatureOrder => "signature_order",
        }
    }
}

/// The canonical bytes of any value the act format contains.
pub fn canonical_bytes<T: Serialize>(value: &T) -> Vec<u8> {
    // The format's types hold only strings, integers below 2^32, arrays and objects with
    // string keys, which JCS always encodes.
    serde_jcs::to_vec(value).expect("act types always encode as JSON")
}

/// The name an enumerated value has in the encoding (`threat_of_loss`, `intact`, ...), for
/// messages people read.
pub fn wire_name<T: Serialize>(value: &T) -> String {
    match serde_json::to_value(value) {
        Ok(serde_json::Value::String(name)) => name,
        _ => String::from("?"),
    }
}

/// Decodes `bytes` as a `T` written canonically: size limit, JSON syntax, canonical form, then
/// the typed structure with unknown fields refused.
pub(crate) fn decode_canonical<T: DeserializeOwned + Serialize>(
    bytes: &[u8],
) -> Result<T, DecodeError> {
    if bytes.len() > MAX_ACT_BYTES {
        return Err(DecodeError::TooLarge {
            size: bytes.len(),
            limit: MAX_ACT_BYTES,
        });
    }
    let value: serde_json::Value =
        serde_json::from_slice(bytes).map_err(|e| DecodeError::Malformed(e.to_string()))?;
    let canonical = serde_jcs::to_vec(&value).map_err(|e| DecodeError::Malformed(e.to_string()))?;
    if canonical != bytes {
        let at = canonical
            .iter()
            .zip(bytes)
            .position(|(a, b)| a != b)
            .unwrap_or(canonical.len().min(bytes.len()));
        return Err(DecodeError::NonCanonical { at });
    }
    let typed: T = serde_path_to_error::deserialize(value).map_err(|e| {
        let path = e.path().to_string();
        classify(path, e.into_inner().to_string())
    })?;
    // serde reads some other spellings of the same value (`null` for an absent field, an array
    // for a struct): only the one the typed value writes back is canonical.
    let written = canonical_bytes(&typed);
    if written != bytes {
        let at = written
            .iter()
            .zip(bytes)
            .position(|(a, b)| a != b)
            .unwrap_or(written.len().min(bytes.len()));
        return Err(DecodeError::NonCanonical { at });
    }
    Ok(typed)
}

fn classify(path: String, message: String) -> DecodeError {
    let path = if path.is_empty() || path == "." {
        "the top level".to_owned()
    } else {
        path
    };
    if message.starts_with("unknown field") {
        DecodeError::UnknownField { path, message }
    } else if message.starts_with("missing field") {
        DecodeError::MissingField { path, message }
    } else if message.starts_with("unknown variant") {
        DecodeError::UnknownVariant { path, message }
    } else if message.starts_with("invalid type")
        || message.starts_with("invalid value")
        || message.starts_with("invalid length")
    {
        DecodeError::WrongType { path, message }
    } else if message.starts_with("bad decimal") {
        DecodeError::BadDecimal { path, message }
    } else if message.starts_with("bad time") {
        DecodeError::BadTime { path, message }
    } else {
        DecodeError::BadValue { path, message }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fixtures::Story;
    use crate::signing::SignedAct;

    fn decode(text: &str) -> Result<SignedAct, DecodeError> {
        SignedAct::decode(text.as_bytes())
    }

    #[test]
    fn only_the_canonical_form_is_accepted() {
        let act = Story::new().seal_applied();
        let text = String::from_utf8(act.encode()).unwrap();
        assert!(decode(&text).is_ok());
        let spaced = text.replacen("{\"body\":", "{ \"body\":", 1);
        assert_eq!(decode(&spaced).unwrap_err().code(), "non_canonical");
        let swapped = text.replacen(
            "\"at\":\"2026-11-23T06:10:00Z\",\"consignment\"",
            "\"consignment\":\"x\",\"at\":\"2026-11-23T06:10:00Z\",\"consignment\"",
            1,
        );
        assert_eq!(decode(&swapped).unwrap_err().code(), "non_canonical");
        let escaped = text.replacen("safe-bag", "safe\\u002dbag", 1);
        assert_eq!(decode(&escaped).unwrap_err().code(), "non_canonical");
    }

    #[test]
    fn faults_are_named() {
        let act = Story::new().seal_applied();
        let text = String::from_utf8(act.encode()).unwrap();
        let unknown = text.replacen("\"consignment\"", "\"colour\":\"red\",\"consignment\"", 1);
        let err = decode(&unknown).unwrap_err();
        assert_eq!(err.code(), "unknown_field", "{err}");
        assert!(err.to_string().contains("colour"), "{err}");

        assert_eq!(decode("{\"body\":").unwrap_err().code(), "malformed");
        assert_eq!(decode("\u{0}").unwrap_err().code(), "malformed");
        let huge = format!("\"{}\"", "a".repeat(MAX_ACT_BYTES));
        assert_eq!(decode(&huge).unwrap_err().code(), "too_large");

        let kind = text.replacen("\"seal_applied\"", "\"seal_painted\"", 1);
        assert_eq!(decode(&kind).unwrap_err().code(), "unknown_variant");
        let time = text.replacen("06:10:00Z", "06:10:00.5Z", 1);
        let err = decode(&time).unwrap_err();
        assert_eq!(err.code(), "bad_time", "{err}");
    }

    #[test]
    fn act_ids_are_sha256_of_the_canonical_body() {
        let act = Story::new().registration();
        let body = canonical_bytes(act.body());
        assert_eq!(act.id(), ActId::of_canonical_body(&body));
        assert_eq!(ActId::from_hex(&act.id().to_hex()).unwrap(), act.id());
        assert!(ActId::from_hex(&act.id().to_hex().to_uppercase()).is_err());
    }
}
