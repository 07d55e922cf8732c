//! Why a sync session (or a part of it: a ledger, the log) failed.

use tamga_store::StoreError;

/// Why a session failed. Whatever was merged before the failure stays merged.
#[derive(Debug, thiserror::Error)]
pub enum SyncError {
    /// The local store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The peer broke the protocol.
    #[error("the peer broke the sync protocol: {0}")]
    Protocol(String),
}
