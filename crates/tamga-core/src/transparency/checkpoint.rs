//! Signed tree heads, written as C2SP checkpoints in a signed note (`c2sp.org/tlog-checkpoint`,
//! `c2sp.org/signed-note`):
//!
//! ```text
//! tamga.customs/log/<log key id>
//! <size>
//! <root hash, standard base64>
//! time <YYYY-MM-DDTHH:MM:SSZ>
//!
//! — tamga.customs/log/<log key id> <base64(key hash ‖ Ed25519 signature)>
//! ```
//!
//! The signature is Ed25519 over the note's text (the four lines, each ending in a line feed);
//! the key hash is the first four bytes of `SHA-256(name ‖ 0x0A ‖ 0x01 ‖ public key)`. The key
//! is named by the origin line, and a head holds only if that key was enrolled with the role
//! `transparency_log` and in force at the head's time ([`SignedTreeHead::verify`]).

use super::{Hash, LogError};
use crate::codes::{KeyId, Role};
use crate::registry::{Enrollment, Registry};
use crate::signing::key_id;
use crate::time::Timestamp;
use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use ed25519_dalek::{Signature, Signer, SigningKey, VerifyingKey};
use sha2::{Digest, Sha256};

/// The origin line's prefix; the log key's id follows it.
pub const ORIGIN_PREFIX: &str = "tamga.customs/log/";
/// The most bytes a signed tree head's text may have.
pub const MAX_CHECKPOINT_BYTES: usize = 4096;
/// The most signature lines read.
const MAX_SIGNATURES: usize = 8;
const DASH: &str = "\u{2014} ";

/// What a tree head says: how many leaves, their root, when central signed it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TreeHead {
    /// Leaves in the tree.
    pub size: u64,
    /// The tree's root hash.
    pub root: Hash,
    /// When the log signed it.
    pub time: Timestamp,
}

/// A tree head with the log key's signature.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SignedTreeHead {
    /// What is signed.
    pub head: TreeHead,
    /// The log key (named by the origin line).
    pub log_key: KeyId,
    /// Ed25519 over [`SignedTreeHead::note_text`].
    pub signature: [u8; 64],
}

/// The origin of the log whose key is `log_key`.
pub fn origin(log_key: &KeyId) -> String {
    format!("{ORIGIN_PREFIX}{}", log_key.as_str())
}

fn note_text(head: &TreeHead, log_key: &KeyId) -> String {
    format!(
        "{}\n{}\n{}\ntime {}\n",
        origin(log_key),
        head.size,
        STANDARD.encode(head.root),
        head.time
    )
}

/// The signed note's key hash of an Ed25519 key named `name`.
fn key_hash(name: &str, key: &[u8; 32]) -> [u8; 4] {
    let mut h = Sha256::new();
    h.update(name.as_bytes());
    h.update([0x0a, 0x01]);
    h.update(key);
    let digest = h.finalize();
    [digest[0], digest[1], digest[2], digest[3]]
}

fn key_bytes(key: &KeyId) -> Result<[u8; 32], LogError> {
    let mut out = [0u8; 32];
    hex::decode_to_slice(key.as_str(), &mut out)
        .map_err(|_| LogError::Head(format!("{key} is not a key id")))?;
    Ok(out)
}

impl SignedTreeHead {
    /// Signs `head` with the log key `key`.
    pub fn sign(head: TreeHead, key: &SigningKey) -> Self {
        let log_key = key_id(key);
        let signature = key.sign(note_text(&head, &log_key).as_bytes()).to_bytes();
        SignedTreeHead {
            head,
            log_key,
            signature,
        }
    }

    /// The text that is signed: the origin, size, root and time lines.
    pub fn note_text(&self) -> String {
        note_text(&self.head, &self.log_key)
    }

    /// The whole checkpoint: the note's text, a blank line, the signature line.
    pub fn to_text(&self) -> String {
        let name = origin(&self.log_key);
        let key = key_bytes(&self.log_key).expect("a key id from a signing key");
        let mut sig = Vec::with_capacity(68);
        sig.extend_from_slice(&key_hash(&name, &key));
        sig.extend_from_slice(&self.signature);
        format!(
            "{}\n{DASH}{name} {}\n",
            self.note_text(),
            STANDARD.encode(sig)
        )
    }

    /// Reads a checkpoint: exactly the four lines, a blank line, and signature lines, one of
    /// them by the key the origin names (others, a witness's, are ignored). Only the shape and
    /// the signature's bytes are read here; [`SignedTreeHead::verify`] checks it.
    pub fn parse(text: &str) -> Result<Self, LogError> {
        let bad = |why: &str| LogError::Head(format!("not a tamga tree head: {why}"));
        if text.len() > MAX_CHECKPOINT_BYTES {
            return Err(bad("longer than 4096 bytes"));
        }
        let (note, signatures) = text
            .split_once("\n\n")
            .ok_or_else(|| bad("no blank line before the signatures"))?;
        let lines: Vec<&str> = note.split('\n').collect();
        let [origin_line, size, root, time] = lines[..] else {
            return Err(bad(
                "the note must have four lines: origin, size, root, time",
            ));
        };
        let key_hex = origin_line
            .strip_prefix(ORIGIN_PREFIX)
            .ok_or_else(|| bad("the origin is not a tamga log's"))?;
        let log_key = KeyId::new(key_hex).map_err(|_| bad("the origin names no key"))?;
        if size.is_empty()
            || !size.bytes().all(|b| b.is_ascii_digit())
            || (size.len() > 1 && size.starts_with('0'))
        {
            return Err(bad("the size is not a decimal number"));
        }
        let size: u64 = size.parse().map_err(|_| bad("the size is too large"))?;
        let root: Hash = STANDARD
            .decode(root)
            .ok()
            .and_then(|b| b.try_into().ok())
            .filter(|r: &Hash| STANDARD.encode(r) == root)
            .ok_or_else(|| bad("the root is not 32 bytes in standard base64"))?;
        let time = time
            .strip_prefix("time ")
            .and_then(|t| Timestamp::parse(t).ok())
            .ok_or_else(|| bad("the fourth line must be \"time YYYY-MM-DDTHH:MM:SSZ\""))?;
        let sig_lines: Vec<&str> = signatures
            .strip_suffix('\n')
            .ok_or_else(|| bad("the signatures must end with a line feed"))?
            .split('\n')
            .collect();
        if sig_lines.len() > MAX_SIGNATURES {
            return Err(bad("too many signature lines"));
        }
        let name = origin(&log_key);
        let key = key_bytes(&log_key)?;
        let mut signature = None;
        for line in sig_lines {
            let rest = line
                .strip_prefix(DASH)
                .ok_or_else(|| bad("a signature line must start with an em dash and a space"))?;
            let (signer, sig) = rest
                .rsplit_once(' ')
                .ok_or_else(|| bad("a signature line names its key and gives the signature"))?;
            if signer != name {
                continue;
            }
            let sig = STANDARD
                .decode(sig)
                .map_err(|_| bad("the signature is not base64"))?;
            if sig.len() != 68 || sig[..4] != key_hash(&name, &key) {
                return Err(bad("the signature's key hash is not the log key's"));
            }
            if signature.is_some() {
                return Err(bad("the log key signs twice"));
            }
            signature = Some(<[u8; 64]>::try_from(&sig[4..]).expect("64 bytes"));
        }
        let signature = signature.ok_or_else(|| bad("no signature by the log key"))?;
        let head = SignedTreeHead {
            head: TreeHead { size, root, time },
            log_key,
            signature,
        };
        if head.to_text() != text && !text.starts_with(&format!("{}\n", head.note_text())) {
            return Err(bad("not in its one spelling"));
        }
        Ok(head)
    }

    /// Checks the signature (strict Ed25519) and that the log key was enrolled as a
    /// `transparency_log` key, in force and not revoked, at the head's time.
    pub fn verify<'r>(&self, registry: &'r Registry) -> Result<&'r Enrollment, LogError> {
        let key = VerifyingKey::from_bytes(&key_bytes(&self.log_key)?)
            .map_err(|_| LogError::Head(format!("{} is not an Ed25519 key", self.log_key)))?;
        key.verify_strict(
            self.note_text().as_bytes(),
            &Signature::from_bytes(&self.signature),
        )
        .map_err(|_| LogError::Head("the tree head's signature does not hold".into()))?;
        registry
            .enrollment_at(&self.log_key, self.head.time, &[Role::TransparencyLog])
            .map_err(|e| {
                LogError::Head(format!(
                    "the tree head's key may not sign for the log at {}: {e}",
                    self.head.time
                ))
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fixtures::key;

    fn head() -> SignedTreeHead {
        SignedTreeHead::sign(
            TreeHead {
                size: 12,
                root: [7; 32],
                time: Timestamp::parse("2026-12-04T10:00:00Z").unwrap(),
            },
            &key("central log"),
        )
    }

    #[test]
    fn a_head_reads_back_from_its_text() {
        let h = head();
        let text = h.to_text();
        assert!(text.starts_with("tamga.customs/log/"));
        assert!(text.contains("\n12\nBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwc=\ntime 2026-12-04T10:00:00Z\n\n\u{2014} "));
        assert_eq!(SignedTreeHead::parse(&text).unwrap(), h);
    }

    #[test]
    fn altered_heads_are_refused() {
        let text = head().to_text();
        for (from, to) in [
            ("\n12\n", "\n13\n"),
            ("\n12\n", "\n012\n"),
            ("time 2026-12-04T10:00:00Z", "time 2026-12-04T10:00:01Z"),
            ("\n\n\u{2014}", "\n\u{2014}"),
            (
                "BwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwc=",
                "BwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwg=",
            ),
        ] {
            let altered = text.replacen(from, to, 1);
            assert_ne!(altered, text);
            let refused = match SignedTreeHead::parse(&altered) {
                Err(_) => true,
                Ok(h) => {
                    let key = VerifyingKey::from_bytes(&key_bytes(&h.log_key).unwrap()).unwrap();
                    key.verify_strict(
                        h.note_text().as_bytes(),
                        &Signature::from_bytes(&h.signature),
                    )
                    .is_err()
                }
            };
            assert!(refused, "{from:?} -> {to:?}");
        }
        // Another key's signature under the log's name.
        let other = SignedTreeHead::sign(head().head, &key("another central"));
        let forged = text.replace(
            text.rsplit_once(' ').unwrap().1,
            other.to_text().rsplit_once(' ').unwrap().1,
        );
        assert!(SignedTreeHead::parse(&forged).is_err());
    }
}
