//! Counters of the list's header, kept in step with the index: how many consignments hold each
//! `lstatus/<status>`, `lworst/<severity>` and `due/<bucket>` key. Each write's index diff
//! adjusts them in the same transaction (in `meta`, under `count\0<kind>/<value>`), so the
//! header's counts are a handful of reads whatever the number of consignments, never a scan of
//! the index, but for what the time decides: how many `due/<bucket>/` keys lie before a time
//! (`Store::count_before`) is a scan of whichever side of that time is shorter, the other
//! side being the counter less it.
//!
//! A store made before the counters (or whose counters `check` finds wrong) gets them counted
//! afresh from the index when it is opened ([`Store::recount`]); `meta/counted` says they are
//! kept.

use super::Store;
use crate::error::Result;
use sled::transaction::{ConflictableTransactionError, TransactionalTree};
use std::collections::BTreeMap;

/// The index kinds whose entries are counted.
const COUNTED: [&[u8]; 3] = [b"lstatus/", b"lworst/", b"due/"];
const COUNT_PREFIX: &[u8] = b"count\0";
/// Set in `meta` once the counters are kept.
pub(super) const COUNTED_MARK: &str = "counted";

/// The counter an index key adds to (`lstatus/<status>`, `lworst/<severity>`,
/// `due/<bucket>`), if any.
fn counter_of(key: &[u8]) -> Option<Vec<u8>> {
    let kind = COUNTED.iter().find(|k| key.starts_with(k))?;
    let rest = &key[kind.len()..];
    // The value's first part, before the consignment id (which has slashes of its own).
    let value = &rest[..rest.iter().position(|b| *b == 0)?];
    let end = value.iter().position(|b| *b == b'/')?;
    let mut counter = COUNT_PREFIX.to_vec();
    counter.extend_from_slice(&key[..kind.len() + end]);
    Some(counter)
}

/// Adjusts the counters for index keys `removed` and `added`, inside a transaction on `meta`.
pub(super) fn adjust<'k>(
    meta: &TransactionalTree,
    removed: impl Iterator<Item = &'k Vec<u8>>,
    added: impl Iterator<Item = &'k Vec<u8>>,
) -> std::result::Result<(), ConflictableTransactionError<String>> {
    let mut delta: BTreeMap<Vec<u8>, i64> = BTreeMap::new();
    for k in removed {
        if let Some(c) = counter_of(k) {
            *delta.entry(c).or_default() -= 1;
        }
    }
    for k in added {
        if let Some(c) = counter_of(k) {
            *delta.entry(c).or_default() += 1;
        }
    }
    for (counter, d) in delta.into_iter().filter(|(_, d)| *d != 0) {
        let now = meta.get(&counter)?.map_or(0, |v| read(&v));
        let next = now.checked_add_signed(d).ok_or_else(|| {
            ConflictableTransactionError::Abort("a list counter would go below zero".to_owned())
        })?;
        meta.insert(counter, &next.to_be_bytes())?;
    }
    Ok(())
}

fn read(bytes: &[u8]) -> u64 {
    bytes.try_into().map(u64::from_be_bytes).unwrap_or(0)
}

impl Store {
    /// How many consignments hold index entries under `prefix` (`lstatus/<status>`,
    /// `lworst/<severity>` or `due/<bucket>`), from the counters.
    pub(super) fn counted(&self, prefix: &str) -> Result<u64> {
        let mut key = COUNT_PREFIX.to_vec();
        key.extend_from_slice(prefix.as_bytes());
        Ok(self
            .t
            .meta
            .get(key)
            .map_err(|e| self.sled_err(e))?
            .map_or(0, |v| read(&v)))
    }

    /// How many index keys under `<prefix>/` (a counted prefix, such as `due/none`) are before
    /// `<prefix>/<bound>`: the keys on both sides of the bound are scanned a key at a time, side
    /// by side, until one side ends; if the keys before it end first, they are the answer,
    /// otherwise the counter less the keys after it. So the cost is twice the shorter side's
    /// keys, not the longer's.
    pub(super) fn count_before(&self, prefix: &str, bound: &[u8]) -> Result<u64> {
        let total = self.counted(prefix)?;
        let start = format!("{prefix}/").into_bytes();
        let mut end = format!("{prefix}/").into_bytes();
        *end.last_mut().expect("a prefix") += 1;
        let mut middle = start.clone();
        middle.extend_from_slice(bound);
        let mut before = self.t.index.range(start..middle.clone()).keys();
        let mut after = self.t.index.range(middle..end).keys();
        let (mut seen_before, mut seen_after) = (0u64, 0u64);
        loop {
            match before.next() {
                None => return Ok(seen_before),
                Some(k) => k.map_err(|e| self.sled_err(e))?,
            };
            seen_before += 1;
            match after.next() {
                // A write between the counter's read and the scan may leave them a key apart
                // for a moment; never below zero.
                None => return Ok(total.saturating_sub(seen_after)),
                Some(k) => k.map_err(|e| self.sled_err(e))?,
            };
            seen_after += 1;
        }
    }

    /// The counters as the index gives them, counted by scanning it.
    pub(super) fn counts_from_index(&self) -> Result<BTreeMap<Vec<u8>, u64>> {
        let mut counts = BTreeMap::new();
        for kind in COUNTED {
            for k in self.t.index.scan_prefix(kind).keys() {
                let k = k.map_err(|e| self.sled_err(e))?;
                if let Some(c) = counter_of(&k) {
                    *counts.entry(c).or_default() += 1;
                }
            }
        }
        Ok(counts)
    }

    /// The counters as stored.
    pub(super) fn stored_counts(&self) -> Result<BTreeMap<Vec<u8>, u64>> {
        self.t
            .meta
            .scan_prefix(COUNT_PREFIX)
            .map(|r| r.map(|(k, v)| (k.to_vec(), read(&v))))
            .filter(|r| !matches!(r, Ok((_, 0))))
            .collect::<std::result::Result<_, _>>()
            .map_err(|e| self.sled_err(e))
    }

    /// Counts the list's counters afresh from the index and marks them kept (durable at the
    /// caller's [`Store::make_durable`]). One batch: a crash leaves the old counters and no mark.
    pub(super) fn recount(&self) -> Result<()> {
        let counts = self.counts_from_index()?;
        let mut batch = sled::Batch::default();
        for k in self.t.meta.scan_prefix(COUNT_PREFIX).keys() {
            batch.remove(k.map_err(|e| self.sled_err(e))?);
        }
        for (k, n) in counts {
            batch.insert(k, &n.to_be_bytes());
        }
        batch.insert(COUNTED_MARK, &[1u8]);
        self.t.meta.apply_batch(batch).map_err(|e| self.sled_err(e))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_status_worst_and_due_keys_count() {
        assert_eq!(
            counter_of(b"lstatus/in_transit/0001\0C-1").unwrap(),
            b"count\0lstatus/in_transit".to_vec()
        );
        assert_eq!(
            counter_of(b"lworst/none/0001\0C-1").unwrap(),
            b"count\0lworst/none".to_vec()
        );
        assert_eq!(
            counter_of(b"due/none/0800000006a1c5e40\0C-1").unwrap(),
            b"count\0due/none".to_vec()
        );
        assert!(counter_of(b"future/none/0800000006a1c5e40/-\0C-1").is_none());
        // A `due` key of format 3 (no bucket) counts nowhere, whatever its id holds.
        assert!(counter_of(b"due/800000006a1c5e40\x0010609050/231126/0000100").is_none());
        assert!(counter_of(b"list/0001\0C-1").is_none());
        assert!(counter_of(b"lcustodian/X/0001\0C-1").is_none());
        assert!(counter_of(b"lstatus/malformed").is_none());
    }
}
