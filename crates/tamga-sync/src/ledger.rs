//! What a responder keeps besides the documents: the change feed it answers from (its position,
//! the documents changed since a position), each peer's checkpoint, and the replay guard's
//! nonces. A node's own [`Store`] is its ledger. Several central processes answering for one
//! central share one ledger in a database (central's `postgres` module), so that a node may
//! meet a different process in each session and resume where it left off, and a request
//! accepted by one process is a replay at every other.
//!
//! A ledger's position is only ever one its process's store has caught up with: everything
//! the feed lists up to it is in the store the answers are made from.

use tamga_core::KeyId;
use tamga_store::{DocId, RememberedNonce, Store, StoreError};

/// The feed, checkpoints and nonces a responder answers with (see the module doc).
pub trait Ledger: Send + Sync {
    /// The feed position this process answers for.
    fn position(&self) -> Result<u64, StoreError>;
    /// The documents changed after `since` (in the order of the feed, each once).
    fn changed_since(&self, since: u64) -> Result<Vec<DocId>, StoreError>;
    /// How far this node has heard from `peer` (the peer's own feed position).
    fn checkpoint(&self, peer: &str) -> Result<Option<u64>, StoreError>;
    /// Records that this node has heard from `peer` up to `position`; never moves back.
    fn advance_checkpoint(&self, peer: &str, position: u64) -> Result<(), StoreError>;
    /// Remembers a nonce `device` used at `at` (forgetting those before `forget_before`),
    /// durably; `false` if it was remembered already (a replay, through whichever process).
    fn remember_nonce(
        &self,
        device: &KeyId,
        nonce: &[u8; 16],
        at: i64,
        forget_before: i64,
    ) -> Result<bool, StoreError>;
    /// The nonces remembered at or after `since`, to restore a replay guard after a restart.
    fn remembered_nonces(&self, since: i64) -> Result<Vec<RememberedNonce>, StoreError>;
    /// Makes a round's merges into the store durable where this ledger keeps them: the store's
    /// group commit, and for a shared ledger the database's commit too. Nothing is
    /// acknowledged before it returns.
    fn make_durable(&self) -> Result<(), StoreError>;
}

impl Ledger for Store {
    fn position(&self) -> Result<u64, StoreError> {
        self.last_seq()
    }

    fn changed_since(&self, since: u64) -> Result<Vec<DocId>, StoreError> {
        Ok(Store::changed_since(self, since)?
            .into_iter()
            .map(|(_, doc)| doc)
            .collect())
    }

    fn checkpoint(&self, peer: &str) -> Result<Option<u64>, StoreError> {
        Store::checkpoint(self, peer)
    }

    fn advance_checkpoint(&self, peer: &str, position: u64) -> Result<(), StoreError> {
        if position > Store::checkpoint(self, peer)?.unwrap_or(0) {
            self.set_checkpoint(peer, position)?;
        }
        Ok(())
    }

    fn remember_nonce(
        &self,
        device: &KeyId,
        nonce: &[u8; 16],
        at: i64,
        forget_before: i64,
    ) -> Result<bool, StoreError> {
        // One process owns this store; its replay guard in memory has already refused a
        // nonce it remembers.
        Store::remember_nonce(self, device, nonce, at, forget_before)?;
        Ok(true)
    }

    fn remembered_nonces(&self, since: i64) -> Result<Vec<RememberedNonce>, StoreError> {
        Store::remembered_nonces(self, since)
    }

    fn make_durable(&self) -> Result<(), StoreError> {
        Store::make_durable(self)
    }
}
