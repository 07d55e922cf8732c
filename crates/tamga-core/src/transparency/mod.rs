//! Central's transparency log, as values and pure functions: what shows, to anyone and years
//! later, which acts central held and from when, without trusting central.
//!
//! Every act central holds is a leaf, appended once, the first time central's log sees it:
//! the act's id and that moment ([`Leaf`]). The leaves form a Merkle tree hashed as Certificate
//! Transparency hashes it ([`merkle`]); central signs tree heads with a key enrolled for that
//! alone ([`checkpoint`]). A [`Receipt`] proves one act's leaf is in a signed tree; a
//! consistency proof that a later tree extends an earlier one, so a log rewritten or forked
//! shows. `docs/act-format.md` §14 writes all of it down for other implementations.

pub mod checkpoint;
pub mod evidence;
pub mod merkle;

pub use checkpoint::{SignedTreeHead, TreeHead};
pub use merkle::{MemoryTree, Nodes};

use crate::canonical::ActId;
use crate::time::Timestamp;
use serde::{Deserialize, Serialize};

/// A SHA-256 hash in the tree.
pub type Hash = [u8; 32];

/// The most hashes a proof may have: a tree of 2^64 leaves is 64 deep.
pub const MAX_PROOF_HASHES: usize = 64;

/// Why a tree head or a proof was refused.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum LogError {
    /// The tree head is malformed, its signature does not hold, or its key may not sign it.
    #[error("{0}")]
    Head(String),
    /// A proof does not prove what it claims.
    #[error("{0}")]
    Proof(String),
    /// Two views of the log that cannot both be true: the log was rewritten or forked.
    #[error("the log was rewritten or forked: {0}")]
    Fork(String),
}

impl LogError {
    /// A stable code for logs, metrics and the refusals list.
    pub fn code(&self) -> &'static str {
        match self {
            LogError::Head(_) => "bad_tree_head",
            LogError::Proof(_) => "bad_proof",
            LogError::Fork(_) => "log_forked",
        }
    }
}

/// One leaf of the log: an act and when the log first saw it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Leaf {
    /// The act.
    pub act: ActId,
    /// When central's log first saw it.
    pub seen: Timestamp,
}

impl Leaf {
    /// The leaf's entry: the act id's 32 bytes, then the time seen as seconds since
    /// 1970-01-01T00:00:00Z, unsigned, 8 bytes big-endian.
    pub fn entry(&self) -> [u8; 40] {
        let mut out = [0u8; 40];
        out[..32].copy_from_slice(&self.act.0);
        out[32..].copy_from_slice(&(self.seen.unix().max(0) as u64).to_be_bytes());
        out
    }

    /// The leaf's hash in the tree.
    pub fn hash(&self) -> Hash {
        merkle::leaf_hash(&self.entry())
    }
}

/// Proof that an act was in central's log: its leaf, where it is, and the path to the root of
/// a signed tree of `size` leaves.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Receipt {
    /// The act.
    pub act: ActId,
    /// When central's log first saw it.
    pub seen: Timestamp,
    /// The leaf's index.
    pub index: u64,
    /// The size of the tree the path leads to the root of.
    pub size: u64,
    /// The inclusion proof, leaf first (hashes in lower-case hex in JSON).
    #[serde(with = "hashes_hex")]
    pub path: Vec<Hash>,
}

impl Receipt {
    /// The leaf this receipt is for.
    pub fn leaf(&self) -> Leaf {
        Leaf {
            act: self.act,
            seen: self.seen,
        }
    }

    /// Checks the receipt against a tree head of its size: the path leads from the leaf to the
    /// head's root, and the act was seen no later than the head was signed.
    pub fn verify(&self, head: &TreeHead) -> Result<(), LogError> {
        if self.size != head.size {
            return Err(LogError::Proof(format!(
                "the receipt is for a tree of {} leaves, the head has {}",
                self.size, head.size
            )));
        }
        if self.path.len() > MAX_PROOF_HASHES {
            return Err(LogError::Proof("the inclusion proof is too long".into()));
        }
        if self.seen.unix() < 0 {
            return Err(LogError::Proof(format!(
                "act {} was seen at {}, before 1970: no leaf can say so",
                self.act.short(),
                self.seen
            )));
        }
        if self.seen > head.time {
            return Err(LogError::Proof(format!(
                "act {} was seen at {}, after the tree head's time {}",
                self.act.short(),
                self.seen,
                head.time
            )));
        }
        merkle::verify_inclusion(
            &self.leaf().hash(),
            self.index,
            self.size,
            &self.path,
            &head.root,
        )
    }
}

/// Hashes as lower-case hex strings in JSON.
pub mod hashes_hex {
    use super::Hash;
    use serde::{Deserialize, Deserializer, Serializer};

    /// Writes each hash as 64 hex digits.
    pub fn serialize<S: Serializer>(hashes: &[Hash], s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(hashes.iter().map(hex::encode))
    }

    /// Reads 64 lower-case hex digits per hash, at most [`super::MAX_PROOF_HASHES`].
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<Hash>, D::Error> {
        use serde::de::Error;
        let texts = Vec::<String>::deserialize(d)?;
        if texts.len() > super::MAX_PROOF_HASHES {
            return Err(D::Error::custom("a proof of more than 64 hashes"));
        }
        texts
            .iter()
            .map(|t| {
                let mut out = [0u8; 32];
                if t.len() != 64 || t.bytes().any(|b| b.is_ascii_uppercase()) {
                    return Err(D::Error::custom("a hash is 64 lower-case hex digits"));
                }
                hex::decode_to_slice(t, &mut out)
                    .map_err(|_| D::Error::custom("a hash is 64 lower-case hex digits"))?;
                Ok(out)
            })
            .collect()
    }
}
