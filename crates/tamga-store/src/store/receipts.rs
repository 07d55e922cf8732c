//! What a node holds of central's transparency log (`docs/act-format.md` §14.5), in the
//! `receipts` tree: a receipt per act (its leaf, the tree's size, the inclusion proof), the
//! tree heads those receipts are proven against, the last head accepted from central itself,
//! the heads a bundle carried that still wait for a consistency check against central, and the
//! log alarm.
//!
//! A receipt is kept only with its head: a node that carries acts to another (a bundle) hands
//! on each receipt with the head it is proven against. A head accepted from central in a sync
//! was checked for consistency with the one before; a head carried by a bundle was checked for
//! its signature and its receipts' proofs, and waits (`pending`) until the node next meets
//! central and asks for the consistency proof between it and the head it accepts then.
//!
//! The store checks nothing cryptographic: `tamga_sync::receipts` and `tamga_sync::carried`
//! do, before they call these.

use super::layout::read_u64;
use super::Store;
use crate::error::{Result, StoreError};
use tamga_core::transparency::{Receipt, MAX_PROOF_HASHES};
use tamga_core::{ActId, Timestamp};

fn receipt_key(act: &ActId) -> [u8; 33] {
    let mut k = [0u8; 33];
    k[0] = b'r';
    k[1..].copy_from_slice(&act.0);
    k
}

/// A receipt on disk: seen (i64 BE), index, size (u64 BE), then the path's hashes.
fn encode_receipt(r: &Receipt) -> Vec<u8> {
    let mut out = Vec::with_capacity(24 + 32 * r.path.len());
    out.extend_from_slice(&r.seen.unix().to_be_bytes());
    out.extend_from_slice(&r.index.to_be_bytes());
    out.extend_from_slice(&r.size.to_be_bytes());
    for h in &r.path {
        out.extend_from_slice(h);
    }
    out
}

fn decode_receipt(act: ActId, bytes: &[u8]) -> Option<Receipt> {
    if bytes.len() < 24
        || !(bytes.len() - 24).is_multiple_of(32)
        || (bytes.len() - 24) / 32 > MAX_PROOF_HASHES
    {
        return None;
    }
    let seen = Timestamp::from_unix(i64::from_be_bytes(bytes[..8].try_into().ok()?))?;
    Some(Receipt {
        act,
        seen,
        index: read_u64(&bytes[8..16])?,
        size: read_u64(&bytes[16..24])?,
        path: bytes[24..]
            .chunks(32)
            .map(|c| c.try_into().expect("32 bytes"))
            .collect(),
    })
}

/// The key of a tree head (text) some receipt held here is proven against.
fn head_key(size: u64) -> [u8; 9] {
    let mut k = [0u8; 9];
    k[0] = b'H';
    k[1..].copy_from_slice(&size.to_be_bytes());
    k
}

/// The key of a tree head (text) a bundle carried, not yet checked against central's log.
fn pending_key(size: u64) -> [u8; 9] {
    let mut k = [0u8; 9];
    k[0] = b'P';
    k[1..].copy_from_slice(&size.to_be_bytes());
    k
}

impl Store {
    /// The receipt this node holds for `act`.
    pub fn receipt(&self, act: &ActId) -> Result<Option<Receipt>> {
        Ok(self
            .t
            .receipts
            .get(receipt_key(act))
            .map_err(|e| self.sled_err(e))?
            .and_then(|v| decode_receipt(*act, &v)))
    }

    /// Keeps the tree head `head` (text) as the last accepted, and as the head of the receipts
    /// checked against it (all of its size), in one batch, durable before it returns; `cursor`, if given, is the feed number up to
    /// which every act here now has its receipt.
    pub fn put_receipts(
        &self,
        head: &str,
        receipts: &[Receipt],
        cursor: Option<u64>,
    ) -> Result<()> {
        let mut batch = sled::Batch::default();
        batch.insert("head", head.as_bytes());
        // Kept with its receipts too, so a bundle can carry them with their head later.
        if let Some(r) = receipts.first() {
            batch.insert(&head_key(r.size)[..], head.as_bytes());
        }
        for r in receipts {
            batch.insert(&receipt_key(&r.act)[..], encode_receipt(r));
        }
        if let Some(c) = cursor {
            batch.insert("cursor", &c.to_be_bytes());
        }
        self.t
            .receipts
            .apply_batch(batch)
            .map_err(|e| self.sled_err(e))?;
        self.make_durable()
    }

    /// The last tree head of central's log this node accepted (text).
    pub fn accepted_head(&self) -> Result<Option<String>> {
        self.receipts_text("head")
    }

    /// Why central's last answer was refused as a rewritten or forked log, if it was.
    pub fn log_alarm(&self) -> Result<Option<String>> {
        self.receipts_text("alarm")
    }

    /// Records (or, with `None`, clears) the log alarm; durable before it returns.
    pub fn set_log_alarm(&self, alarm: Option<&str>) -> Result<()> {
        match alarm {
            Some(text) => self.t.receipts.insert("alarm", text.as_bytes()),
            None => self.t.receipts.remove("alarm"),
        }
        .map_err(|e| self.sled_err(e))?;
        self.make_durable()
    }

    fn receipts_text(&self, key: &str) -> Result<Option<String>> {
        self.t
            .receipts
            .get(key)
            .map_err(|e| self.sled_err(e))?
            .map(|v| {
                String::from_utf8(v.to_vec())
                    .map_err(|_| self.corrupted(format!("receipts/{key} is not UTF-8")))
            })
            .transpose()
    }

    /// Up to `limit` acts held here (each once) whose signatures verify and that have no receipt, from the
    /// documents changed since the receipts' cursor, and the feed number the cursor may move to
    /// once those receive theirs (the last document wholly covered).
    pub fn acts_without_receipt(&self, limit: usize) -> Result<(Vec<ActId>, u64)> {
        let cursor = self
            .t
            .receipts
            .get("cursor")
            .map_err(|e| self.sled_err(e))?
            .and_then(|v| read_u64(&v))
            .unwrap_or(0);
        let mut out = Vec::new();
        let mut covered = cursor;
        for (seq, doc) in self.changed_since(cursor)? {
            let acts = match self.acts(&doc) {
                Ok(acts) => acts,
                Err(StoreError::Forgotten { .. }) => continue,
                Err(e) => return Err(e),
            };
            // An act recorded on two nodes and merged is the same key written twice in the
            // document, so it may come back twice: each is asked about once.
            let mut missing = std::collections::BTreeSet::new();
            for act in acts {
                if act.verify_signatures().is_ok() && self.receipt(&act.id())?.is_none() {
                    missing.insert(act.id());
                }
            }
            if out.len() + missing.len() > limit {
                break;
            }
            out.extend(missing);
            covered = seq;
        }
        Ok((out, covered))
    }

    /// The tree head of `size` leaves that receipts held here are proven against (text), as
    /// kept with them. (Receipts kept before heads were kept with them have only the last head
    /// accepted, [`Store::accepted_head`]; the caller, who reads heads, looks there too.)
    pub fn held_head(&self, size: u64) -> Result<Option<String>> {
        if let Some(v) = self
            .t
            .receipts
            .get(head_key(size))
            .map_err(|e| self.sled_err(e))?
        {
            return String::from_utf8(v.to_vec())
                .map(Some)
                .map_err(|_| self.corrupted("a held tree head is not UTF-8".into()));
        }
        Ok(None)
    }

    /// Keeps what a bundle carried of central's log, in one batch, durable before it returns:
    /// each head (`size`, text) that the `receipts` are proven against, marked as waiting for
    /// a consistency check against central's log if `pending`, and the receipts.
    pub fn put_carried_receipts(
        &self,
        heads: &[(u64, String, bool)],
        receipts: &[Receipt],
    ) -> Result<()> {
        let mut batch = sled::Batch::default();
        for (size, text, pending) in heads {
            batch.insert(&head_key(*size)[..], text.as_bytes());
            if *pending {
                batch.insert(&pending_key(*size)[..], text.as_bytes());
            }
        }
        for r in receipts {
            batch.insert(&receipt_key(&r.act)[..], encode_receipt(r));
        }
        self.t
            .receipts
            .apply_batch(batch)
            .map_err(|e| self.sled_err(e))?;
        self.make_durable()
    }

    /// The heads bundles carried that wait for a consistency check against central's log:
    /// (size, text), smallest first.
    pub fn pending_heads(&self) -> Result<Vec<(u64, String)>> {
        let mut out = Vec::new();
        for item in self
            .t
            .receipts
            .range(pending_key(0)..=pending_key(u64::MAX))
        {
            let (k, v) = item.map_err(|e| self.sled_err(e))?;
            let size =
                read_u64(&k[1..]).ok_or_else(|| self.corrupted("a pending head's key".into()))?;
            let text = String::from_utf8(v.to_vec())
                .map_err(|_| self.corrupted("a pending tree head is not UTF-8".into()))?;
            out.push((size, text));
        }
        Ok(out)
    }

    /// Whether this node holds any receipt of central's log.
    pub fn holds_receipts(&self) -> Result<bool> {
        Ok(self
            .t
            .receipts
            .scan_prefix(b"r")
            .next()
            .transpose()
            .map_err(|e| self.sled_err(e))?
            .is_some())
    }

    /// How many carried heads wait for a consistency check.
    pub fn pending_head_count(&self) -> Result<usize> {
        Ok(self
            .t
            .receipts
            .range(pending_key(0)..=pending_key(u64::MAX))
            .count())
    }

    /// The carried heads of these sizes were found consistent with central's log: they wait no
    /// more. Durable before it returns.
    pub fn clear_pending_heads(&self, sizes: &[u64]) -> Result<()> {
        let mut batch = sled::Batch::default();
        for size in sizes {
            batch.remove(&pending_key(*size)[..]);
        }
        self.t
            .receipts
            .apply_batch(batch)
            .map_err(|e| self.sled_err(e))?;
        self.make_durable()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::test_support::new_store;
    use tamga_core::fixtures::{at, Story};

    #[test]
    fn receipts_are_kept_and_the_acts_without_one_listed() {
        let story = Story::new();
        let dir = tempfile::tempdir().unwrap();
        let store = new_store(dir.path(), &story);
        let acts = story.clean_delivery();
        for act in &acts {
            store.record(act).unwrap();
        }
        let (missing, cursor) = store.acts_without_receipt(4096).unwrap();
        assert!(acts.iter().all(|a| missing.contains(&a.id())));
        let receipt = Receipt {
            act: acts[0].id(),
            seen: at("2026-11-23T07:00:00Z"),
            index: 3,
            size: 9,
            path: vec![[1; 32], [2; 32]],
        };
        store
            .put_receipts("head text", std::slice::from_ref(&receipt), None)
            .unwrap();
        assert_eq!(store.receipt(&acts[0].id()).unwrap(), Some(receipt));
        assert_eq!(store.accepted_head().unwrap().as_deref(), Some("head text"));
        let (missing, _) = store.acts_without_receipt(4096).unwrap();
        assert!(!missing.contains(&acts[0].id()));
        // A limit smaller than a document's acts stops before it, the cursor not moved past it.
        let (few, covered) = store.acts_without_receipt(1).unwrap();
        assert!(few.len() <= 1);
        assert!(covered <= cursor);
        store.set_log_alarm(Some("forked")).unwrap();
        assert_eq!(store.log_alarm().unwrap().as_deref(), Some("forked"));
        store.set_log_alarm(None).unwrap();
        assert_eq!(store.log_alarm().unwrap(), None);
    }

    #[test]
    fn carried_heads_wait_for_their_check_and_their_receipts_are_held() {
        let story = Story::new();
        let dir = tempfile::tempdir().unwrap();
        let store = new_store(dir.path(), &story);
        let act = story.clean_delivery()[0].id();
        let receipt = Receipt {
            act,
            seen: at("2026-11-23T07:00:00Z"),
            index: 3,
            size: 9,
            path: vec![[1; 32]],
        };
        store
            .put_carried_receipts(
                &[
                    (9, "head of 9".into(), true),
                    (12, "head of 12".into(), false),
                ],
                std::slice::from_ref(&receipt),
            )
            .unwrap();
        assert_eq!(store.receipt(&act).unwrap(), Some(receipt));
        assert_eq!(store.held_head(9).unwrap().as_deref(), Some("head of 9"));
        assert_eq!(store.held_head(12).unwrap().as_deref(), Some("head of 12"));
        assert_eq!(store.held_head(10).unwrap(), None);
        assert!(store.holds_receipts().unwrap());
        assert_eq!(
            store.pending_heads().unwrap(),
            vec![(9, "head of 9".into())]
        );
        assert_eq!(store.pending_head_count().unwrap(), 1);
        // Carried heads are not the head accepted from central.
        assert_eq!(store.accepted_head().unwrap(), None);
        store.clear_pending_heads(&[9]).unwrap();
        assert!(store.pending_heads().unwrap().is_empty());
        assert_eq!(store.held_head(9).unwrap().as_deref(), Some("head of 9"));
    }
}
