//! What a responder keeps besides the documents: the change feed it answers from (its position,
//! the documents changed since a position), each peer's checkpoint, and the replay guard's
//! nonces. A node's own [`Store`] is its ledger. Several central processes answering for one
//! central share one ledger in a database (central's `postgres` module), so that a node may
//! meet a different process in each session and resume where it left off, and a request
//! accepted by one process is a replay at every other.
//!
//! A ledger's position is only ever one its process's store has caught up with: everything
//! the feed lists up to it is in the store the answers are made from.
//!
//! Central's transparency log is kept in the ledger too: with several processes, one log
//! (one order of leaves, one line of tree heads) whichever process a node asks, sequenced and
//! signed one process at a time ([`Ledger::log_head`]).

use crate::error::SyncError;
use tamga_core::transparency::{Hash, Receipt, SignedTreeHead};
use tamga_core::{ActId, KeyId, Timestamp};
use tamga_store::{DocId, RememberedNonce, Store, StoreError};

/// What the log's keeper answers with, given the latest signed head (if any) and the log's
/// size and root now.
pub enum Head {
    /// The latest head stands.
    Latest(SignedTreeHead),
    /// A head signed now, to be kept as the latest.
    New(SignedTreeHead),
}

/// The keeper's choice of [`Head`] ([`crate::receipts::LogKeeper`] signs with its key).
pub type NextHead<'a> = &'a dyn Fn(Option<SignedTreeHead>, u64, &Hash) -> Result<Head, SyncError>;

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

    /// Sequences the log (a leaf, seen at `now`, for every verified act that arrived and has
    /// none), then asks `next` for the head to answer with and keeps it if it is new; durable
    /// before it returns, and one at a time across every process sharing the ledger, so heads
    /// are signed in the order of their sizes and times.
    fn log_head(&self, now: Timestamp, next: NextHead<'_>) -> Result<SignedTreeHead, SyncError>;
    /// Leaves in the log (at least the size of every head this process has answered with).
    fn log_size(&self) -> Result<u64, StoreError>;
    /// The receipt of `act` in the log's tree of `size` leaves, if its leaf is in it.
    fn log_receipt(&self, act: &ActId, size: u64) -> Result<Option<Receipt>, StoreError>;
    /// The consistency proof between the log's trees of `old` and `new` leaves.
    fn log_consistency(&self, old: u64, new: u64) -> Result<Vec<Hash>, StoreError>;
}

/// The latest head's text, read.
pub fn parse_head(text: &str) -> Result<SignedTreeHead, SyncError> {
    SignedTreeHead::parse(text).map_err(|e| {
        SyncError::Protocol(format!("the log's own latest tree head does not read: {e}"))
    })
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

    fn log_head(&self, now: Timestamp, next: NextHead<'_>) -> Result<SignedTreeHead, SyncError> {
        let size = self.log_sequence(now)?.size;
        let latest = match self.log_latest_head()? {
            Some((_, text)) => Some(parse_head(&text)?),
            None => None,
        };
        match next(latest, size, &self.log_root(size)?)? {
            Head::Latest(head) => Ok(head),
            Head::New(head) => {
                self.log_put_head(head.head.size, &head.to_text())?;
                Ok(head)
            }
        }
    }

    fn log_size(&self) -> Result<u64, StoreError> {
        Store::log_size(self)
    }

    fn log_receipt(&self, act: &ActId, size: u64) -> Result<Option<Receipt>, StoreError> {
        Store::log_receipt(self, act, size)
    }

    fn log_consistency(&self, old: u64, new: u64) -> Result<Vec<Hash>, StoreError> {
        Store::log_consistency(self, old, new)
    }
}
