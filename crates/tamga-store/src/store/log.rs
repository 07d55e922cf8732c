//! Central's transparency log (`docs/act-format.md` §14) kept in the `log` tree (what a node
//! holds of it is [`super::receipts`]).
//!
//! The log is sequenced from the change feed: [`Store::log_sequence`] reads the documents
//! changed since the feed number it last reached and appends a leaf (the act's id and the time
//! given) for every act whose signatures verify and that has no leaf yet, with the subtree
//! hashes each leaf completes, in one atomic batch with the new size and feed number, made
//! durable before it returns. So the log never holds a leaf whose act is not durable here, and
//! a tree head signed over the size it returns ([`Store::log_put_head`]) covers only durable
//! leaves. Proofs are O(log n) reads of stored subtrees ([`tamga_core::transparency::merkle`]).
//!
//! The store does not sign: central's shell holds the log key and passes the time.

use super::layout::read_u64;
use super::Store;
use crate::error::{Result, StoreError};
use crate::DocId;
use std::collections::{HashMap, HashSet};
use tamga_core::transparency::merkle::{self, Nodes};
use tamga_core::transparency::{Hash, Leaf, Receipt};
use tamga_core::{ActId, Timestamp};

/// What a sequencing pass did.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Sequenced {
    /// Leaves appended.
    pub appended: u64,
    /// Leaves in the log now.
    pub size: u64,
}

fn node_key(level: u32, index: u64) -> [u8; 10] {
    let mut k = [0u8; 10];
    k[0] = b'n';
    k[1] = level as u8;
    k[2..].copy_from_slice(&index.to_be_bytes());
    k
}

fn leaf_key(index: u64) -> [u8; 9] {
    let mut k = [0u8; 9];
    k[0] = b'l';
    k[1..].copy_from_slice(&index.to_be_bytes());
    k
}

fn act_key(act: &ActId) -> [u8; 33] {
    let mut k = [0u8; 33];
    k[0] = b'a';
    k[1..].copy_from_slice(&act.0);
    k
}

fn head_key(size: u64) -> [u8; 9] {
    let mut k = [0u8; 9];
    k[0] = b'h';
    k[1..].copy_from_slice(&size.to_be_bytes());
    k
}

/// The log's stored subtrees, seen through the nodes a pass has added but not yet written.
struct Overlay<'a> {
    store: &'a Store,
    added: HashMap<(u32, u64), Hash>,
}

impl Nodes for Overlay<'_> {
    type Error = StoreError;
    fn node(&self, level: u32, index: u64) -> Result<Hash> {
        if let Some(h) = self.added.get(&(level, index)) {
            return Ok(*h);
        }
        self.store.log_node(level, index)
    }
}

/// The store's stored subtrees.
struct Stored<'a>(&'a Store);

impl Nodes for Stored<'_> {
    type Error = StoreError;
    fn node(&self, level: u32, index: u64) -> Result<Hash> {
        self.0.log_node(level, index)
    }
}

impl Store {
    fn log_u64(&self, key: &str) -> Result<u64> {
        Ok(self
            .t
            .log
            .get(key)
            .map_err(|e| self.sled_err(e))?
            .and_then(|v| read_u64(&v))
            .unwrap_or(0))
    }

    fn log_node(&self, level: u32, index: u64) -> Result<Hash> {
        let v = self
            .t
            .log
            .get(node_key(level, index))
            .map_err(|e| self.sled_err(e))?
            .ok_or_else(|| {
                self.corrupted(format!(
                    "the log lacks its subtree at level {level}, {index}"
                ))
            })?;
        v.as_ref()
            .try_into()
            .map_err(|_| self.corrupted("a log subtree hash is not 32 bytes".into()))
    }

    /// Leaves in the log.
    pub fn log_size(&self) -> Result<u64> {
        self.log_u64("size")
    }

    /// Appends a leaf, seen at `now`, for every act of the documents changed since the last
    /// pass whose signatures verify and that has none yet; durable before it returns. One pass
    /// at a time.
    pub fn log_sequence(&self, now: Timestamp) -> Result<Sequenced> {
        let _one = self.log_lock.lock().unwrap_or_else(|p| p.into_inner());
        let fed = self.log_u64("fed")?;
        let start = self.log_size()?;
        let changed = self.changed_since(fed)?;
        let Some(&(last, _)) = changed.last() else {
            return Ok(Sequenced {
                appended: 0,
                size: start,
            });
        };
        let docs: Vec<DocId> = changed.into_iter().map(|(_, doc)| doc).collect();
        let leaves = self.log_unsequenced(&docs, now)?;
        let mut batch = self.log_batch(start, &leaves)?;
        batch.insert("fed", &last.to_be_bytes());
        self.t
            .log
            .apply_batch(batch)
            .map_err(|e| self.sled_err(e))?;
        self.make_durable()?;
        Ok(Sequenced {
            appended: leaves.len() as u64,
            size: start + leaves.len() as u64,
        })
    }

    /// The leaves, seen at `now`, that sequencing `docs` would append: one for each act whose
    /// signatures verify and that has no leaf yet, once, in the documents' order.
    pub fn log_unsequenced(&self, docs: &[DocId], now: Timestamp) -> Result<Vec<Leaf>> {
        let mut leaves = Vec::new();
        let mut fresh = HashSet::new();
        for doc in docs {
            let acts = match self.acts(doc) {
                Ok(acts) => acts,
                // Forgotten here (a node's own log is central's; central forgets nothing).
                Err(StoreError::Forgotten { .. }) => continue,
                Err(e) => return Err(e),
            };
            for act in acts {
                let id = act.id();
                if act.verify_signatures().is_err() || fresh.contains(&id) {
                    continue;
                }
                if self
                    .t
                    .log
                    .contains_key(act_key(&id))
                    .map_err(|e| self.sled_err(e))?
                {
                    continue;
                }
                leaves.push(Leaf { act: id, seen: now });
                fresh.insert(id);
            }
        }
        Ok(leaves)
    }

    /// The batch appending `leaves` to a log of `start` leaves: each leaf, its act's index, the
    /// subtrees it completes, and the new size.
    fn log_batch(&self, start: u64, leaves: &[Leaf]) -> Result<sled::Batch> {
        let mut overlay = Overlay {
            store: self,
            added: HashMap::new(),
        };
        let mut batch = sled::Batch::default();
        let mut size = start;
        for leaf in leaves {
            for (level, index, hash) in merkle::appended(&overlay, size, leaf.hash())? {
                overlay.added.insert((level, index), hash);
                batch.insert(&node_key(level, index)[..], &hash[..]);
            }
            batch.insert(&leaf_key(size), &leaf.entry()[..]);
            batch.insert(&act_key(&leaf.act)[..], &size.to_be_bytes());
            size += 1;
        }
        batch.insert("size", &size.to_be_bytes());
        Ok(batch)
    }

    /// Appends `leaves`, sequenced elsewhere (the log several central processes share), to
    /// this store's copy of the log, which must hold `start` leaves; durable before it returns.
    /// The proofs are then made here as for a log sequenced here.
    pub fn log_mirror(&self, start: u64, leaves: &[Leaf]) -> Result<u64> {
        let _one = self.log_lock.lock().unwrap_or_else(|p| p.into_inner());
        let size = self.log_size()?;
        if size != start {
            return Err(StoreError::BadInput {
                what: "log leaves",
                detail: format!("leaves from index {start} given to a log of {size} leaves"),
            });
        }
        if leaves.is_empty() {
            return Ok(size);
        }
        let batch = self.log_batch(start, leaves)?;
        self.t
            .log
            .apply_batch(batch)
            .map_err(|e| self.sled_err(e))?;
        self.make_durable()?;
        Ok(start + leaves.len() as u64)
    }

    /// The leaf at `index`, if the log has that many.
    pub fn log_leaf_at(&self, index: u64) -> Result<Option<Leaf>> {
        let Some(entry) = self
            .t
            .log
            .get(leaf_key(index))
            .map_err(|e| self.sled_err(e))?
        else {
            return Ok(None);
        };
        let act: [u8; 32] = entry
            .get(..32)
            .and_then(|a| a.try_into().ok())
            .ok_or_else(|| self.corrupted(format!("leaf {index} is not 40 bytes")))?;
        let seen = entry
            .get(32..40)
            .and_then(read_u64)
            .and_then(|s| Timestamp::from_unix(s as i64))
            .ok_or_else(|| self.corrupted(format!("leaf {index} is not 40 bytes")))?;
        Ok(Some(Leaf {
            act: ActId(act),
            seen,
        }))
    }

    /// The root of the log's first `size` leaves.
    pub fn log_root(&self, size: u64) -> Result<Hash> {
        merkle::root(&Stored(self), size)
    }

    /// The leaf of `act` and its index, if the log holds it.
    pub fn log_leaf(&self, act: &ActId) -> Result<Option<(u64, Leaf)>> {
        let Some(index) = self
            .t
            .log
            .get(act_key(act))
            .map_err(|e| self.sled_err(e))?
            .and_then(|v| read_u64(&v))
        else {
            return Ok(None);
        };
        let leaf = self
            .log_leaf_at(index)?
            .ok_or_else(|| self.corrupted(format!("the log lacks leaf {index}")))?;
        Ok(Some((index, leaf)))
    }

    /// When the log first saw `act`, if it holds it.
    pub fn log_seen(&self, act: &ActId) -> Result<Option<Timestamp>> {
        Ok(self.log_leaf(act)?.map(|(_, leaf)| leaf.seen))
    }

    /// The receipt of `act` in the tree of `size` leaves, if the act's leaf is in it.
    pub fn log_receipt(&self, act: &ActId, size: u64) -> Result<Option<Receipt>> {
        let Some((index, leaf)) = self.log_leaf(act)? else {
            return Ok(None);
        };
        if index >= size || size > self.log_size()? {
            return Ok(None);
        }
        Ok(Some(Receipt {
            act: *act,
            seen: leaf.seen,
            index,
            size,
            path: merkle::inclusion_proof(&Stored(self), index, size)?,
        }))
    }

    /// The consistency proof between the log's trees of `old` and `new` leaves.
    pub fn log_consistency(&self, old: u64, new: u64) -> Result<Vec<Hash>> {
        if new > self.log_size()? || old > new {
            return Err(StoreError::BadInput {
                what: "consistency proof",
                detail: format!("no consistency proof from {old} to {new} leaves"),
            });
        }
        merkle::consistency_proof(&Stored(self), old, new)
    }

    /// Keeps a signed tree head of `size` leaves (its text), durable before it returns.
    pub fn log_put_head(&self, size: u64, text: &str) -> Result<()> {
        self.t
            .log
            .insert(head_key(size), text.as_bytes())
            .map_err(|e| self.sled_err(e))?;
        self.make_durable()
    }

    /// The latest signed tree head's size and text.
    pub fn log_latest_head(&self) -> Result<Option<(u64, String)>> {
        let Some(item) = self
            .t
            .log
            .range(head_key(0)..=head_key(u64::MAX))
            .next_back()
        else {
            return Ok(None);
        };
        let (k, v) = item.map_err(|e| self.sled_err(e))?;
        let size = read_u64(&k[1..]).ok_or_else(|| self.corrupted("a head key".into()))?;
        let text = String::from_utf8(v.to_vec())
            .map_err(|_| self.corrupted("a tree head is not UTF-8".into()))?;
        Ok(Some((size, text)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::test_support::new_store;
    use tamga_core::fixtures::{at, Story};
    use tamga_core::transparency::merkle::{verify_consistency, verify_inclusion};

    #[test]
    fn every_act_gets_one_leaf_and_proofs_hold_across_reopen() {
        let story = Story::new();
        let dir = tempfile::tempdir().unwrap();
        let acts = story.clean_delivery();
        let (size_a, root_a);
        {
            let store = new_store(dir.path(), &story);
            for act in &acts[..4] {
                store.record(act).unwrap();
            }
            let first = store.log_sequence(at("2026-11-23T07:00:00Z")).unwrap();
            // The registry's enrollments and the four acts.
            assert_eq!(first.appended, first.size);
            assert!(first.size >= 4);
            // Nothing new: nothing appended, the same act never twice.
            assert_eq!(
                store
                    .log_sequence(at("2026-11-23T07:01:00Z"))
                    .unwrap()
                    .appended,
                0
            );
            store.record(&acts[0]).unwrap();
            assert_eq!(
                store
                    .log_sequence(at("2026-11-23T07:02:00Z"))
                    .unwrap()
                    .appended,
                0
            );
            size_a = first.size;
            root_a = store.log_root(size_a).unwrap();
            for act in &acts[4..] {
                store.record(act).unwrap();
            }
        }
        let store = Store::open(dir.path(), &story.authority_id()).unwrap();
        let second = store.log_sequence(at("2026-11-23T09:00:00Z")).unwrap();
        assert_eq!(second.appended, (acts.len() - 4) as u64);
        let size = second.size;
        let root = store.log_root(size).unwrap();
        for (i, act) in acts.iter().enumerate() {
            let receipt = store.log_receipt(&act.id(), size).unwrap().unwrap();
            let expected = if i < 4 {
                "2026-11-23T07:00:00Z"
            } else {
                "2026-11-23T09:00:00Z"
            };
            assert_eq!(receipt.seen, at(expected));
            verify_inclusion(
                &receipt.leaf().hash(),
                receipt.index,
                size,
                &receipt.path,
                &root,
            )
            .unwrap();
        }
        let proof = store.log_consistency(size_a, size).unwrap();
        verify_consistency(size_a, size, &root_a, &root, &proof).unwrap();
        assert!(store.log_consistency(size, size + 1).is_err());
    }

    #[test]
    fn a_mirrored_log_proves_what_the_sequencing_store_proves() {
        let story = Story::new();
        let (a, b) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
        let source = new_store(a.path(), &story);
        let mirror = new_store(b.path(), &story);
        for act in story.clean_delivery() {
            source.record(&act).unwrap();
        }
        let size = source
            .log_sequence(at("2026-11-23T07:00:00Z"))
            .unwrap()
            .size;
        let leaves: Vec<Leaf> = (0..size)
            .map(|i| source.log_leaf_at(i).unwrap().unwrap())
            .collect();
        let half = (size / 2) as usize;
        // Out of place: refused, nothing kept.
        assert!(mirror.log_mirror(1, &leaves[..half]).is_err());
        assert_eq!(mirror.log_size().unwrap(), 0);
        assert_eq!(mirror.log_mirror(0, &leaves[..half]).unwrap(), half as u64);
        assert_eq!(
            mirror.log_mirror(half as u64, &leaves[half..]).unwrap(),
            size
        );
        assert_eq!(
            mirror.log_root(size).unwrap(),
            source.log_root(size).unwrap()
        );
        let act = leaves[1].act;
        assert_eq!(
            mirror.log_receipt(&act, size).unwrap(),
            source.log_receipt(&act, size).unwrap()
        );
        assert_eq!(
            mirror.log_consistency(3, size).unwrap(),
            source.log_consistency(3, size).unwrap()
        );
        assert_eq!(mirror.log_leaf_at(size).unwrap(), None);
    }
}
