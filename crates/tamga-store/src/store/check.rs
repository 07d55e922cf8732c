//! The consistency check: the feed, `latest` and `doc_seq` agree, every document loads, and the
//! derived records and indexes are what the documents give. Every other module's tests end
//! with it.

use super::layout::read_u64;
use super::snapshot::FEED_GAP_PREFIX;
use super::Store;
use crate::doc::{self, DocId};
use crate::error::Result;
use crate::index::Derived;
use std::collections::{BTreeMap, BTreeSet};

impl Store {
    /// Checks that the store is consistent: the feed is contiguous from 1 to the last number
    /// (but for the gap a restore from a snapshot leaves, recorded in `meta`),
    /// `latest` and `doc_seq` agree with it, every document loads, and the indexes and derived
    /// records are exactly what the documents' assessments give. Returns the problems found
    /// (empty if none). Reads every document: for tests and `fsck`-style tools.
    pub fn check(&self) -> Result<Vec<String>> {
        // Decode everything afresh: the check must not lean on what was decoded before.
        self.decoded
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clear();
        let mut problems = Vec::new();
        let last = self.last_seq()?;
        let mut expected = 1u64;
        let mut latest_of: BTreeMap<Vec<u8>, u64> = BTreeMap::new();
        // A restored store's feed goes on past a gap, recorded at the restore.
        let gaps: BTreeMap<u64, u64> = self
            .t
            .meta
            .scan_prefix(FEED_GAP_PREFIX)
            .map(|r| {
                r.map(|(k, v)| {
                    let from = read_u64(&k[FEED_GAP_PREFIX.len()..]).unwrap_or(0);
                    (from, read_u64(&v).unwrap_or(0))
                })
            })
            .collect::<Result<_, _>>()
            .map_err(|e| self.sled_err(e))?;
        let gap_to = |before: u64| gaps.get(&before).copied();
        for item in self.t.feed.iter() {
            let (k, v) = item.map_err(|e| self.sled_err(e))?;
            let seq = read_u64(&k).unwrap_or(0);
            if seq != expected && gap_to(expected - 1) != Some(seq - 1) {
                problems.push(format!("feed jumps from {} to {seq}", expected - 1));
            }
            expected = seq + 1;
            latest_of.insert(v.to_vec(), seq);
        }
        // A forgotten document keeps its numbers in the feed, nothing else.
        for (id, _) in self.forgotten()? {
            latest_of.remove(&id.to_key());
        }
        if expected - 1 != last && gap_to(expected - 1) != Some(last) {
            problems.push(format!(
                "feed ends at {} but last_seq is {last}",
                expected - 1
            ));
        }
        let doc_seq: BTreeMap<Vec<u8>, u64> = self
            .t
            .doc_seq
            .iter()
            .map(|r| r.map(|(k, v)| (k.to_vec(), read_u64(&v).unwrap_or(0))))
            .collect::<Result<_, _>>()
            .map_err(|e| self.sled_err(e))?;
        if doc_seq != latest_of {
            problems.push("doc_seq does not match the feed".into());
        }
        let latest: BTreeMap<Vec<u8>, u64> = self
            .t
            .latest
            .iter()
            .map(|r| r.map(|(k, v)| (v.to_vec(), read_u64(&k).unwrap_or(0))))
            .collect::<Result<_, _>>()
            .map_err(|e| self.sled_err(e))?;
        if latest != doc_seq {
            problems.push("latest does not match doc_seq".into());
        }
        let registry = self.registry();
        let mut all_keys = BTreeSet::new();
        for doc_key in doc_seq.keys() {
            let Some(id) = DocId::from_key(doc_key) else {
                problems.push(format!("feed names unknown document {doc_key:?}"));
                continue;
            };
            let doc = match self.read_doc(&id) {
                Ok(d) => d,
                Err(e) => {
                    problems.push(format!("{id}: {e}"));
                    continue;
                }
            };
            let derived = self.derive(&registry, &id, &doc::entries(&doc));
            let stored = self
                .t
                .derived
                .get(doc_key)
                .map_err(|e| self.sled_err(e))?
                .and_then(|b| Derived::decode(&b));
            if stored.as_ref() != Some(&derived) {
                problems.push(format!("{id}: derived record does not match its document"));
            }
            all_keys.extend(derived.keys);
        }
        let index: BTreeSet<Vec<u8>> = self
            .t
            .index
            .iter()
            .keys()
            .map(|k| k.map(|k| k.to_vec()))
            .collect::<Result<_, _>>()
            .map_err(|e| self.sled_err(e))?;
        if index != all_keys {
            problems.push(format!(
                "index has {} entries, the documents give {} ({} missing, {} extra)",
                index.len(),
                all_keys.len(),
                all_keys.difference(&index).count(),
                index.difference(&all_keys).count()
            ));
        }
        let (stored, indexed) = (self.stored_counts()?, self.counts_from_index()?);
        if stored != indexed {
            problems.push(format!(
                "the list's counters ({} kept) do not match the index ({} counted)",
                stored.len(),
                indexed.len()
            ));
        }
        Ok(problems)
    }
}
