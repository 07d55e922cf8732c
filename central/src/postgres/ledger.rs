//! The replica as the responder's ledger: the feed a node is answered from is the database's,
//! as far as this process has caught up; checkpoints and nonces are the database's, so every
//! process answering for central knows them; the transparency log is the database's one log
//! ([`super::log`]).

use super::{failed, Replica};
use tamga_core::transparency::{Hash, Receipt, SignedTreeHead};
use tamga_core::{ActId, KeyId, Timestamp};
use tamga_store::{DocId, RememberedNonce, StoreError};
use tamga_sync::ledger::{Ledger, NextHead};
use tamga_sync::session::SyncError;

impl Ledger for Replica {
    /// Catches up first: the position told to a node is one this process holds everything up
    /// to, so a node resuming from it at another process misses nothing.
    fn position(&self) -> Result<u64, StoreError> {
        self.catch_up()
    }

    fn changed_since(&self, since: u64) -> Result<Vec<DocId>, StoreError> {
        let until = self.applied();
        if since >= until {
            return Ok(Vec::new());
        }
        super::log::docs_between(&mut *self.database().connection()?, since, until)
    }

    fn checkpoint(&self, peer: &str) -> Result<Option<u64>, StoreError> {
        let row = self
            .database()
            .connection()?
            .query_opt("SELECT position FROM checkpoints WHERE peer = $1", &[&peer])
            .map_err(failed)?;
        Ok(row.map(|r| r.get::<_, i64>(0).max(0) as u64))
    }

    fn advance_checkpoint(&self, peer: &str, position: u64) -> Result<(), StoreError> {
        self.database()
            .connection()?
            .execute(
                "INSERT INTO checkpoints (peer, position) VALUES ($1, $2) \
                 ON CONFLICT (peer) DO UPDATE SET position = GREATEST(checkpoints.position, EXCLUDED.position)",
                &[&peer, &(position as i64)],
            )
            .map_err(failed)?;
        Ok(())
    }

    fn remember_nonce(
        &self,
        device: &KeyId,
        nonce: &[u8; 16],
        at: i64,
        forget_before: i64,
    ) -> Result<bool, StoreError> {
        let mut client = self.database().connection()?;
        let mut tx = client.transaction().map_err(failed)?;
        tx.execute("DELETE FROM nonces WHERE at < $1", &[&forget_before])
            .map_err(failed)?;
        let inserted = tx
            .execute(
                "INSERT INTO nonces (device, nonce, at) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING",
                &[&device.as_str(), &nonce.as_slice(), &at],
            )
            .map_err(failed)?;
        tx.commit().map_err(failed)?;
        Ok(inserted == 1)
    }

    fn remembered_nonces(&self, since: i64) -> Result<Vec<RememberedNonce>, StoreError> {
        let rows = self
            .database()
            .connection()?
            .query(
                "SELECT at, device, nonce FROM nonces WHERE at >= $1 ORDER BY at",
                &[&since],
            )
            .map_err(failed)?;
        let mut out = Vec::with_capacity(rows.len());
        for row in rows {
            let device: String = row.get(1);
            let nonce: Vec<u8> = row.get(2);
            let device = KeyId::new(device).map_err(failed)?;
            let nonce: [u8; 16] = nonce
                .try_into()
                .map_err(|_| failed("a nonce in the database is not 16 bytes"))?;
            out.push((row.get(0), device, nonce));
        }
        Ok(out)
    }

    /// The store's group commit, then the round published to the database.
    fn make_durable(&self) -> Result<(), StoreError> {
        self.store().make_durable()?;
        self.publish()
    }

    fn log_head(&self, now: Timestamp, next: NextHead<'_>) -> Result<SignedTreeHead, SyncError> {
        self.shared_head(now, next)
    }

    fn log_size(&self) -> Result<u64, StoreError> {
        self.shared_size()
    }

    fn log_receipt(&self, act: &ActId, size: u64) -> Result<Option<Receipt>, StoreError> {
        self.shared_receipt(act, size)
    }

    fn log_consistency(&self, old: u64, new: u64) -> Result<Vec<Hash>, StoreError> {
        self.shared_consistency(old, new)
    }
}
