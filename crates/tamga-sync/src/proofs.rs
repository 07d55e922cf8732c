//! What the sync carries of central's transparency log and what a node makes of it: a
//! receipt on the wire ([`WireReceipt`]) and what accepting central's receipts did
//! ([`Accepted`]). The exchange itself is [`crate::receipts`].

use serde::{Deserialize, Serialize};

/// How far ahead of this node's clock a tree head may be dated.
pub const HEAD_SKEW_SECONDS: i64 = 300;

/// The most pairs of tree sizes one consistency request asks about (and the most heads carried
/// by bundles a node keeps waiting for that check).
pub const MAX_CONSISTENCY_PAIRS: usize = 256;
use tamga_core::transparency::{Hash, LogError, Receipt, TreeHead};
use tamga_core::{ActId, Timestamp};

/// One receipt as the sync carries it; its tree's size is the head's.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct WireReceipt {
    /// The act's id.
    pub act: [u8; 32],
    /// When central's log first saw it (Unix seconds).
    pub seen: i64,
    /// Its leaf's index.
    pub index: u64,
    /// The inclusion proof, leaf first.
    pub path: Vec<Hash>,
}

/// What accepting central's answer did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Accepted {
    /// The tree head now accepted.
    pub head: TreeHead,
    /// Receipts kept.
    pub receipts: usize,
    /// Acts asked about that central does not hold yet.
    pub not_yet: usize,
}

/// A receipt from its parts as the wire carries them (`seen` in Unix seconds), not yet checked
/// against a head.
pub fn receipt(
    act: ActId,
    seen: i64,
    index: u64,
    size: u64,
    path: Vec<Hash>,
) -> Result<Receipt, LogError> {
    let seen = Timestamp::from_unix(seen)
        .ok_or_else(|| LogError::Proof("a receipt's time is out of range".into()))?;
    Ok(Receipt {
        act,
        seen,
        index,
        size,
        path,
    })
}
