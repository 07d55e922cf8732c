//! The node's own count of consecutive wrong PINs for each officer key: the ledger of
//! `tamga_node::keystore`'s PIN throttle, kept here rather than in a file beside the key so that
//! deleting files in the keystore's directory does not reset it.
//!
//! The count is local to the node, like the replay guard's nonces: it lives in its own tree
//! (`pin_failures`, see [`super::layout`]), outside every document, so no sync session, bundle
//! or compaction ever reads, sends or changes it. Each write is durable before it returns, as
//! every local write of the store is: the throttle counts an attempt before it runs the KDF,
//! and a count that could be lost in a crash would give a free guess.
//!
//! The store only keeps the number; what it means (how long to wait) is the keystore's.

use super::Store;
use crate::error::Result;
use tamga_core::KeyId;
use tracing::warn;

impl Store {
    /// The consecutive wrong PINs counted for officer key `key` on this node: 0 if none were
    /// counted, or the last attempt succeeded. An entry that does not read as a count (this
    /// build never writes one) counts as `u32::MAX`, the longest wait, rather than as none.
    pub fn pin_failures(&self, key: &KeyId) -> Result<u32> {
        let stored = self
            .t
            .pin_failures
            .get(key.as_str().as_bytes())
            .map_err(|e| self.sled_err(e))?;
        Ok(match stored {
            None => 0,
            Some(bytes) => match <[u8; 4]>::try_from(bytes.as_ref()) {
                Ok(be) => u32::from_be_bytes(be),
                Err(_) => {
                    warn!(key = %key, "the stored count of wrong PINs is unreadable; counting it as the most");
                    u32::MAX
                }
            },
        })
    }

    /// Sets the count of consecutive wrong PINs for officer key `key` to `failures` (0 removes
    /// the entry), durably: on disk when this returns.
    pub fn set_pin_failures(&self, key: &KeyId, failures: u32) -> Result<()> {
        let name = key.as_str().as_bytes();
        if failures == 0 {
            self.t
                .pin_failures
                .remove(name)
                .map_err(|e| self.sled_err(e))?;
        } else {
            self.t
                .pin_failures
                .insert(name, &failures.to_be_bytes())
                .map_err(|e| self.sled_err(e))?;
        }
        self.make_durable()?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use crate::store::test_support::new_store;
    use crate::store::Store;
    use tamga_core::fixtures::Story;

    #[test]
    fn pin_failures_survive_reopening_the_store_and_stay_out_of_the_documents() {
        let story = Story::new();
        let dir = tempfile::tempdir().unwrap();
        let store = new_store(dir.path(), &story);
        let officer = story.airport_officer.id.clone();
        let other = story.escort_lead.id.clone();
        assert_eq!(store.pin_failures(&officer).unwrap(), 0);
        let position = store.last_seq().unwrap();
        store.set_pin_failures(&officer, 7).unwrap();
        store.set_pin_failures(&other, 1).unwrap();
        assert_eq!(
            store.last_seq().unwrap(),
            position,
            "no document changed: nothing to sync"
        );
        drop(store);

        let store = Store::open(dir.path(), &story.authority_id()).unwrap();
        assert_eq!(store.pin_failures(&officer).unwrap(), 7);
        assert_eq!(store.pin_failures(&other).unwrap(), 1);
        store.set_pin_failures(&other, 0).unwrap();
        assert!(store.check().unwrap().is_empty());
        drop(store);

        let store = Store::open(dir.path(), &story.authority_id()).unwrap();
        assert_eq!(store.pin_failures(&officer).unwrap(), 7);
        assert_eq!(store.pin_failures(&other).unwrap(), 0, "cleared for good");
        assert_eq!(
            store.t.pin_failures.len(),
            1,
            "a cleared count leaves no entry"
        );

        // Damage reads as the longest wait, never as no failures.
        store
            .t
            .pin_failures
            .insert(other.as_str().as_bytes(), &[1u8][..])
            .unwrap();
        assert_eq!(store.pin_failures(&other).unwrap(), u32::MAX);
    }
}
