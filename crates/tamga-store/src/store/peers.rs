//! What the store keeps per peer: the sync engine's checkpoint in the peer's feed, and the
//! automerge sync state of each document (in memory in full, on disk its shared heads).

use super::layout::{checkpoint_key, read_u64, seq_key, sync_key};
use super::{Inner, Store};
use crate::doc::DocId;
use crate::error::Result;
use automerge::sync;
use tracing::warn;

impl Store {
    /// The sync checkpoint stored for `peer` (the sync engine's position in the peer's feed).
    pub fn checkpoint(&self, peer: &str) -> Result<Option<u64>> {
        Ok(self
            .t
            .peers
            .get(checkpoint_key(peer))
            .map_err(|e| self.sled_err(e))?
            .and_then(|v| read_u64(&v)))
    }

    /// Stores the sync checkpoint for `peer`, durably.
    pub fn set_checkpoint(&self, peer: &str, position: u64) -> Result<()> {
        self.t
            .peers
            .insert(checkpoint_key(peer), &seq_key(position))
            .map_err(|e| self.sled_err(e))?;
        self.db.flush().map_err(|e| self.sled_err(e))?;
        Ok(())
    }

    pub(super) fn sync_state(
        &self,
        inner: &mut Inner,
        peer: &str,
        id: &DocId,
    ) -> Result<sync::State> {
        let key = (peer.to_owned(), id.clone());
        if let Some(state) = inner.sync_states.get(&key) {
            return Ok(state.clone());
        }
        Ok(
            match self
                .t
                .peers
                .get(sync_key(peer, id))
                .map_err(|e| self.sled_err(e))?
            {
                Some(bytes) => sync::State::decode(&bytes).unwrap_or_else(|e| {
                    warn!(peer, doc = %id, error = %e, "stored sync state unreadable; starting afresh");
                    sync::State::new()
                }),
                None => sync::State::new(),
            },
        )
    }
}
