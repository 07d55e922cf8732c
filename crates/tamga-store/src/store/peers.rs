//! What the store keeps per peer: the sync engine's checkpoint in the peer's feed, the
//! automerge sync state of each document (in memory in full, on disk its shared heads), and the
//! nonces of the peer's requests this node accepted (the replay guard's memory, kept across
//! restarts).

use super::layout::{checkpoint_key, read_u64, seq_key, sync_key};
use super::{Inner, Store};
use crate::doc::DocId;
use crate::error::Result;
use automerge::sync;
use tamga_core::KeyId;
use tracing::warn;

const NONCE_PREFIX: &[u8] = b"nonce\0";

/// `nonce\0`, the request's time (i64 with the sign bit flipped, BE, so keys sort by time), the
/// device key's text, the nonce.
fn nonce_key(at: i64, device: &KeyId, nonce: &[u8; 16]) -> Vec<u8> {
    let mut k = NONCE_PREFIX.to_vec();
    k.extend_from_slice(&((at as u64) ^ (1 << 63)).to_be_bytes());
    k.extend_from_slice(device.as_str().as_bytes());
    k.extend_from_slice(nonce);
    k
}

fn time_prefix(at: i64) -> Vec<u8> {
    let mut k = NONCE_PREFIX.to_vec();
    k.extend_from_slice(&((at as u64) ^ (1 << 63)).to_be_bytes());
    k
}

/// A nonce the replay guard remembers: the request's time (Unix seconds), the device, the nonce.
pub type RememberedNonce = (i64, KeyId, [u8; 16]);

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
        self.make_durable()?;
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

    /// Remembers, durably, that a request of `device` dated `at` with `nonce` was accepted, and
    /// forgets those dated before `forget_before` (out of the skew window: refused by their time
    /// anyway). Returns once on disk: a request is answered only after its nonce is.
    pub fn remember_nonce(
        &self,
        device: &KeyId,
        nonce: &[u8; 16],
        at: i64,
        forget_before: i64,
    ) -> Result<()> {
        let stale: Vec<sled::IVec> = self
            .t
            .peers
            .range(time_prefix(i64::MIN)..time_prefix(forget_before))
            .keys()
            .collect::<std::result::Result<_, _>>()
            .map_err(|e| self.sled_err(e))?;
        let mut batch = sled::Batch::default();
        for key in stale {
            batch.remove(key);
        }
        batch.insert(nonce_key(at, device, nonce), &[]);
        self.t
            .peers
            .apply_batch(batch)
            .map_err(|e| self.sled_err(e))?;
        self.make_durable()?;
        Ok(())
    }

    /// The nonces remembered, dated `since` or later, oldest first (entries that do not parse,
    /// which this build never writes, are skipped).
    pub fn remembered_nonces(&self, since: i64) -> Result<Vec<RememberedNonce>> {
        let mut out = Vec::new();
        let end = {
            let mut k = NONCE_PREFIX.to_vec();
            k.extend_from_slice(&[0xff; 8]);
            k.push(0xff);
            k
        };
        for item in self.t.peers.range(time_prefix(since)..end) {
            let (key, _) = item.map_err(|e| self.sled_err(e))?;
            let Some(rest) = key.strip_prefix(NONCE_PREFIX) else {
                continue;
            };
            if rest.len() < 8 + 16 {
                continue;
            }
            let at =
                (u64::from_be_bytes(rest[..8].try_into().expect("8 bytes")) ^ (1 << 63)) as i64;
            let (device, nonce) = rest[8..].split_at(rest.len() - 8 - 16);
            let Some(device) = std::str::from_utf8(device)
                .ok()
                .and_then(|d| KeyId::new(d.to_owned()).ok())
            else {
                continue;
            };
            out.push((at, device, nonce.try_into().expect("16 bytes")));
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use crate::store::test_support::new_store;
    use crate::store::Store;
    use tamga_core::fixtures::Story;

    #[test]
    fn accepted_nonces_survive_a_restart_until_they_leave_the_window() {
        let story = Story::new();
        let dir = tempfile::tempdir().unwrap();
        let store = new_store(dir.path(), &story);
        let vehicle = story.vehicle_device.id.clone();
        store.remember_nonce(&vehicle, &[1; 16], -5, -400).unwrap();
        store
            .remember_nonce(&vehicle, &[2; 16], 1_000, 700)
            .unwrap();
        store.set_checkpoint("peer", 9).unwrap();
        drop(store);
        let store = Store::open(dir.path(), &story.authority_id()).unwrap();
        assert_eq!(
            store.remembered_nonces(i64::MIN).unwrap(),
            vec![(1_000, vehicle.clone(), [2; 16])],
            "the first left the window when the second was remembered"
        );
        assert_eq!(store.remembered_nonces(1_001).unwrap(), vec![]);
        assert_eq!(
            store.checkpoint("peer").unwrap(),
            Some(9),
            "other peer data untouched"
        );
        assert!(store.check().unwrap().is_empty());
    }
}
