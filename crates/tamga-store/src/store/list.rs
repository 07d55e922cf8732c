//! The consignment list, a page at a time: range scans over the list keys (see
//! [`crate::index`]) in the list's order (not delivered before delivered, then by deadline,
//! none first, then by consignment id), reading at most one summary per row examined, never
//! assessing. What depends on the time (overdue, acts dated in the future) is decided for the
//! time the caller passes ([`Summary::at`]), from the `due` and `future` keys.
//!
//! Costs, with `n` consignments held:
//! - a page with no filter, or filtered by status or custodian (each has its own ordered keys):
//!   one range scan and one summary read per row shown (plus rows whose other filters fail);
//! - severity at least S: a merge of the `lworst` scans for the severities at least S, plus
//!   the consignments the time moves into major: the `due` keys of the bucket it moves them
//!   from, up to now (in the list's order, so the page's worth), and those with an act dated
//!   later than now that are not overdue (from the `future` keys: their summaries read and
//!   sorted; a clock gone wrong, rare);
//! - overdue: a merge of the three `due` scans up to now (only consignments registered and
//!   neither arrived nor delivered have such a key, in the list's order), a page's worth;
//! - number (prefix of the consignment id): the ids that begin with it, if at most
//!   [`MAX_NUMBER_CANDIDATES`], a summary read each and sorted into the list's order; else, and
//!   deadline before/after, checked on the list's keys, no summary read for a key that fails;
//! - goods (every word of the query begins a word of the goods' text, in any case): the
//!   `lgoods` scans of the words the query's longest word begins (a rare word reads its own
//!   keys only), one summary read per row examined; a query whose longest word begins more
//!   than [`MAX_PREFIX_WORDS`] words reads the list's summaries instead, up to `n`;
//! - counts ([`Store::list_counts`]): the counters kept with the `lstatus`, `lworst` and `due`
//!   keys ([`super::counts`]: twelve reads), how many `due` keys of each bucket lie before now
//!   (each a scan of the shorter side of now, `Store::count_before`), and a scan of the
//!   `future` keys later than now; never a summary read.

use super::Store;
use crate::error::{Result, StoreError};
use crate::index::{self, time_hex, SAME, TIME_BUCKETS};
use crate::summary::{bucket_name, severity_name, AsOf, Summary, SEVERITIES, STATUSES};
use std::collections::BTreeSet;
use std::ops::Bound;
use tamga_core::assessment::Status;
use tamga_core::{ConsignmentId, Severity, Timestamp, UnitCode};

/// The most indexed words one query word may begin for the search to go through the `lgoods`
/// keys (one scan each, merged).
pub const MAX_PREFIX_WORDS: usize = 64;

/// The most consignments a number prefix may match for the search to start from them (a
/// summary read each, sorted into the list's order); a shorter prefix scans the list.
pub const MAX_NUMBER_CANDIDATES: usize = 1000;

/// Where the goods' word keys begin (`lgoods/<word>/<list order>\0<id>`).
const GOODS: &[u8] = b"lgoods/";

/// The most rows a page may ask for.
pub const MAX_PAGE: usize = 200;

/// Where a page ends: the list order and the consignment id of its last row. The next page
/// starts strictly after it, so rows added meanwhile before it are not shown again and none
/// after it are skipped.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Cursor(Vec<u8>);

impl Cursor {
    /// Reads [`Cursor::to_text`]: `<order>.<consignment id>`.
    pub fn parse(text: &str) -> Option<Cursor> {
        let (order, id) = text.split_once('.')?;
        valid_order(order.as_bytes())?;
        let id = ConsignmentId::new(id).ok()?;
        let mut bytes = order.as_bytes().to_vec();
        bytes.push(0);
        bytes.extend_from_slice(id.as_str().as_bytes());
        Some(Cursor(bytes))
    }

    /// The cursor as text (ASCII, safe in a URL query once `/` is escaped).
    pub fn to_text(&self) -> String {
        String::from_utf8_lossy(&self.0).replacen('\0', ".", 1)
    }
}

/// The deadline an order names (`None`: no deadline), if it is well formed.
fn valid_order(order: &[u8]) -> Option<Option<Timestamp>> {
    let (delivered, rest) = order.split_first()?;
    if *delivered != b'0' && *delivered != b'1' {
        return None;
    }
    match rest {
        b"-" => Some(None),
        hex if hex.len() == 16 => Some(Some(index::time_from_hex(hex)?)),
        _ => None,
    }
}

/// What the list is asked for.
#[derive(Clone, Debug, Default)]
pub struct ListQuery {
    /// Rows per page, 1 to [`MAX_PAGE`].
    pub limit: usize,
    /// Start after this cursor (the previous page's `next`).
    pub after: Option<Cursor>,
    /// Only this status.
    pub status: Option<Status>,
    /// Only consignments in the custody of this unit.
    pub custodian: Option<UnitCode>,
    /// Only deadlines at or after this time.
    pub deadline_after: Option<Timestamp>,
    /// Only deadlines before this time.
    pub deadline_before: Option<Timestamp>,
    /// Only consignments overdue at the time of the query.
    pub overdue: bool,
    /// Only consignments whose worst open discrepancy, at the time of the query, is at least
    /// this severe.
    pub severity: Option<Severity>,
    /// Only consignment ids starting with this.
    pub number: Option<String>,
    /// Only consignments whose goods' text has, for each word of this, a word it begins (in
    /// any case: [`index::goods_match`]).
    pub goods: Option<String>,
}

/// One row: the summary and what the time of the query makes of it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ListRow {
    /// The time-independent summary.
    pub summary: Summary,
    /// Overdue and open discrepancies at the time of the query.
    pub as_of: AsOf,
}

/// A page of the list.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ListPage {
    /// Up to `limit` rows, in the list's order.
    pub rows: Vec<ListRow>,
    /// Where the next page starts; `None` when this page is the last (a full page gives a
    /// cursor even if nothing follows it).
    pub next: Option<Cursor>,
    /// How many list keys were examined (a measure of the cost).
    pub examined: usize,
}

/// The counts for the list's header, over every consignment held, at the time of the query.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ListCounts {
    /// Consignments held.
    pub total: u64,
    /// By status, in [`STATUSES`] order.
    pub by_status: [u64; STATUSES.len()],
    /// By worst open discrepancy: critical, major, minor, none.
    pub by_worst: [u64; 4],
    /// Overdue.
    pub overdue: u64,
}

type Suffixes<'a> = Box<dyn Iterator<Item = Result<Vec<u8>>> + 'a>;

fn prefix_end(prefix: &[u8]) -> Vec<u8> {
    let mut end = prefix.to_vec();
    *end.last_mut().expect("a prefix") += 1;
    end
}

fn worst_bucket(w: Option<Severity>) -> usize {
    w.map(|s| SEVERITIES.iter().position(|x| *x == s).unwrap_or(2))
        .unwrap_or(3)
}

impl Store {
    /// The summary of a consignment (from its derived record; `None` if not held).
    pub fn summary(&self, consignment: &ConsignmentId) -> Result<Option<Summary>> {
        let key = crate::DocId::Consignment(consignment.clone()).to_key();
        match self.t.derived.get(key).map_err(|e| self.sled_err(e))? {
            None => Ok(None),
            Some(bytes) => crate::index::Derived::decode(&bytes)
                .map(|d| d.summary)
                .ok_or_else(|| self.corrupted("a derived record does not decode".into())),
        }
    }

    fn summary_of(&self, consignment: &ConsignmentId) -> Result<Summary> {
        self.summary(consignment)?.ok_or_else(|| {
            self.corrupted(format!(
                "consignment {consignment} has a list key but no summary"
            ))
        })
    }

    /// The suffixes (`<order>\0<id>`) of the keys under `prefix`, after `after`, in order.
    fn suffixes<'a>(&'a self, prefix: Vec<u8>, after: Option<&Cursor>) -> Suffixes<'a> {
        self.suffixes_before(prefix, after, None)
    }

    /// [`Store::suffixes`] before `before` (a suffix), if given.
    fn suffixes_before<'a>(
        &'a self,
        prefix: Vec<u8>,
        after: Option<&Cursor>,
        before: Option<&[u8]>,
    ) -> Suffixes<'a> {
        let start = match after {
            Some(c) => {
                let mut k = prefix.clone();
                k.extend_from_slice(&c.0);
                Bound::Excluded(k)
            }
            None => Bound::Included(prefix.clone()),
        };
        let end = Bound::Excluded(match before {
            Some(b) => {
                let mut k = prefix.clone();
                k.extend_from_slice(b);
                k
            }
            None => prefix_end(&prefix),
        });
        let n = prefix.len();
        Box::new(
            self.t
                .index
                .range::<Vec<u8>, _>((start, end))
                .keys()
                .map(move |k| k.map(|k| k[n..].to_vec()).map_err(|e| self.sled_err(e))),
        )
    }

    /// The list order of consignments overdue at `now` ends before this (the `due` keys'
    /// suffixes are list orders): overdue is `now` past the deadline plus the grace.
    fn overdue_bound(&self, now: Timestamp) -> Vec<u8> {
        let limit = now.plus_seconds(-self.tolerances.deadline_grace_seconds);
        index::list_order(false, Some(limit)).into_bytes()
    }

    /// The `due` keys of `bucket` overdue at `now`, after `after`, in the list's order.
    fn overdue_suffixes<'a>(
        &'a self,
        bucket: &str,
        now: Timestamp,
        after: Option<&Cursor>,
    ) -> Suffixes<'a> {
        let bound = self.overdue_bound(now);
        self.suffixes_before(format!("due/{bucket}/").into_bytes(), after, Some(&bound))
    }

    /// How many consignments of `bucket` are overdue at `now` (from the `due` keys).
    fn overdue_count(&self, bucket: &str, now: Timestamp) -> Result<u64> {
        self.count_before(&format!("due/{bucket}"), &self.overdue_bound(now))
    }

    /// Calls `each` with the `future` key of every consignment of `bucket` with an act dated
    /// later than `now` plus the clock skew that is not also overdue, so that being dated ahead
    /// is what moves it.
    fn each_only_dated_ahead(
        &self,
        bucket: &str,
        now: Timestamp,
        mut each: impl FnMut(&[u8]) -> Result<()>,
    ) -> Result<()> {
        let prefix = format!("future/{bucket}/").into_bytes();
        let mut from = prefix.clone();
        from.extend_from_slice(
            time_hex(now.plus_seconds(self.tolerances.clock_skew_seconds)).as_bytes(),
        );
        // Past every key whose latest time is exactly now plus the skew (`/` comes next).
        from.push(b'/' + 1);
        let overdue_before = now.plus_seconds(-self.tolerances.deadline_grace_seconds);
        for k in self.t.index.range(from..prefix_end(&prefix)).keys() {
            let k = k.map_err(|e| self.sled_err(e))?;
            let (_, due) = index::future_times(&k[prefix.len()..])
                .ok_or_else(|| self.corrupted("a future key is malformed".into()))?;
            if due.is_none_or(|d| d >= overdue_before) {
                each(&k)?;
            }
        }
        Ok(())
    }

    /// The suffixes of `ids`, after `after`, sorted.
    fn suffixes_of(
        &self,
        ids: BTreeSet<ConsignmentId>,
        after: Option<&Cursor>,
    ) -> Result<Vec<Vec<u8>>> {
        let mut out = Vec::new();
        for id in ids {
            let s = self.summary_of(&id)?;
            let mut k = index::list_order(s.status.ended(), s.deadline).into_bytes();
            k.push(0);
            k.extend_from_slice(id.as_str().as_bytes());
            if after.is_none_or(|c| k > c.0) {
                out.push(k);
            }
        }
        out.sort();
        Ok(out)
    }

    /// The `lgoods` scans for a goods search, merged in the list's order: the keys of every
    /// indexed word the query's longest word begins, at most [`MAX_PREFIX_WORDS`] of them, and
    /// those of the consignments with too many words to index. `None` when the query has no
    /// word or its longest begins too many words: the search then reads the list's summaries.
    fn goods_sources<'a>(
        &'a self,
        query: &str,
        after: Option<&Cursor>,
    ) -> Result<Option<Vec<Suffixes<'a>>>> {
        let Some(longest) = index::words(query).max_by_key(|w| w.chars().count()) else {
            return Ok(None);
        };
        let stem = index::cut_word(&longest);
        let mut start = GOODS.to_vec();
        start.extend_from_slice(stem.as_bytes());
        let mut words: Vec<Vec<u8>> = Vec::new();
        let mut from = start.clone();
        loop {
            let Some(k) = self
                .t
                .index
                .range(from.clone()..prefix_end(&start))
                .keys()
                .next()
            else {
                break;
            };
            let k = k.map_err(|e| self.sled_err(e))?;
            let rest = &k[GOODS.len()..];
            let slash = rest
                .iter()
                .position(|b| *b == b'/')
                .ok_or_else(|| self.corrupted("an lgoods key has no word".into()))?;
            let word = rest[..slash].to_vec();
            if words.len() == MAX_PREFIX_WORDS {
                return Ok(None);
            }
            // Past this word's keys: `/` ends the word, so `0` (the byte after it) is past them.
            from = GOODS.to_vec();
            from.extend_from_slice(&word);
            from.push(b'/' + 1);
            words.push(word);
        }
        let mut sources = Vec::with_capacity(words.len() + 1);
        for word in words
            .into_iter()
            .chain([index::GOODS_OVERFLOW.as_bytes().to_vec()])
        {
            let mut prefix = GOODS.to_vec();
            prefix.extend_from_slice(&word);
            prefix.push(b'/');
            sources.push(self.suffixes(prefix, after));
        }
        Ok(Some(sources))
    }

    /// The consignments whose id begins with `prefix`, if there are at most
    /// [`MAX_NUMBER_CANDIDATES`] (read from the ids' own order, not the list's).
    fn numbered(&self, prefix: &str) -> Result<Option<BTreeSet<ConsignmentId>>> {
        let mut ids = BTreeSet::new();
        for key in self.t.derived.scan_prefix(format!("c:{prefix}")).keys() {
            let key = key.map_err(|e| self.sled_err(e))?;
            if ids.len() == MAX_NUMBER_CANDIDATES {
                return Ok(None);
            }
            match crate::DocId::from_key(&key) {
                Some(crate::DocId::Consignment(c)) => {
                    ids.insert(c);
                }
                _ => {
                    return Err(self.corrupted("a derived record's key names no consignment".into()))
                }
            }
        }
        Ok(Some(ids))
    }

    /// A page of the list as of `now` (see the module doc for what each filter costs).
    pub fn list(&self, q: &ListQuery, now: Timestamp) -> Result<ListPage> {
        if q.limit == 0 || q.limit > MAX_PAGE {
            return Err(StoreError::BadInput {
                what: "a page size",
                detail: format!("from 1 to {MAX_PAGE} rows, not {}", q.limit),
            });
        }
        let after = q.after.as_ref();
        let mut sources: Vec<Suffixes<'_>> = Vec::new();
        let by_goods = match &q.goods {
            Some(g) if !q.overdue => self.goods_sources(g, after)?,
            _ => None,
        };
        let by_number = match (&q.number, &by_goods) {
            (Some(n), None) => self.numbered(n)?,
            _ => None,
        };
        if let Some(goods) = by_goods {
            sources = goods;
        } else if let Some(ids) = by_number {
            sources.push(Box::new(self.suffixes_of(ids, after)?.into_iter().map(Ok)));
        } else if q.overdue {
            for bucket in TIME_BUCKETS {
                sources.push(self.overdue_suffixes(bucket, now, after));
            }
        } else if let Some(status) = q.status {
            sources
                .push(self.suffixes(format!("lstatus/{}/", status.as_str()).into_bytes(), after));
        } else if let Some(unit) = &q.custodian {
            sources.push(self.suffixes(format!("lcustodian/{unit}/").into_bytes(), after));
        } else if let Some(at_least) = q.severity {
            let wanted: Vec<Severity> = SEVERITIES.into_iter().filter(|s| *s <= at_least).collect();
            for s in &wanted {
                let prefix = format!("lworst/{}/", severity_name(*s)).into_bytes();
                sources.push(self.suffixes(prefix, after));
            }
            if at_least >= Severity::Major {
                // What the time moves into major from a bucket not scanned above.
                let mut ids = BTreeSet::new();
                for bucket in [Some(Severity::Minor), None]
                    .into_iter()
                    .filter(|b| b.is_none_or(|s| !wanted.contains(&s)))
                    .map(bucket_name)
                {
                    sources.push(self.overdue_suffixes(bucket, now, after));
                    self.each_only_dated_ahead(bucket, now, |k| {
                        ids.insert(index::consignment_of(k).ok_or_else(|| {
                            self.corrupted("an index entry names no consignment".into())
                        })?);
                        Ok(())
                    })?;
                }
                sources.push(Box::new(self.suffixes_of(ids, after)?.into_iter().map(Ok)));
            }
        } else {
            sources.push(self.suffixes(b"list/".to_vec(), after));
        }
        let mut heads: Vec<Option<Vec<u8>>> = Vec::with_capacity(sources.len());
        for s in &mut sources {
            heads.push(s.next().transpose()?);
        }
        let mut page = ListPage {
            rows: Vec::new(),
            next: None,
            examined: 0,
        };
        let mut last: Option<Vec<u8>> = None;
        // The smallest head among the sources; equal heads (one consignment found twice) are
        // taken together.
        while let Some(min) = heads.iter().flatten().min().cloned() {
            for (head, source) in heads.iter_mut().zip(sources.iter_mut()) {
                if head.as_ref() == Some(&min) {
                    *head = source.next().transpose()?;
                }
            }
            if last.as_ref() == Some(&min) {
                continue;
            }
            last = Some(min.clone());
            page.examined += 1;
            let Some(zero) = min.iter().position(|b| *b == 0) else {
                return Err(self.corrupted("a list key has no consignment".into()));
            };
            let (order, id) = (&min[..zero], &min[zero + 1..]);
            let id = std::str::from_utf8(id).unwrap_or("");
            if q.number
                .as_ref()
                .is_some_and(|n| !id.starts_with(n.as_str()))
            {
                continue;
            }
            let deadline = valid_order(order)
                .ok_or_else(|| self.corrupted("a list key's order is malformed".into()))?;
            if q.deadline_after
                .is_some_and(|t| deadline.is_none_or(|d| d < t))
                || q.deadline_before
                    .is_some_and(|t| deadline.is_none_or(|d| d >= t))
            {
                continue;
            }
            let id = ConsignmentId::new(id)
                .map_err(|_| self.corrupted("a list key names no consignment".into()))?;
            let Some(summary) = self.summary(&id)? else {
                continue; // forgotten since the scan
            };
            if index::list_order(summary.status.ended(), summary.deadline).as_bytes() != order {
                continue; // moved since the scan: it is shown where it now stands
            }
            let as_of = summary.at(now, &self.tolerances);
            let keep = q.status.is_none_or(|s| summary.status == s)
                && q.custodian
                    .as_ref()
                    .is_none_or(|u| summary.custodian.as_ref() == Some(u))
                && (!q.overdue || as_of.overdue)
                && q.severity
                    .is_none_or(|s| as_of.worst().is_some_and(|w| w <= s))
                && q.goods
                    .as_ref()
                    .is_none_or(|g| index::goods_match(&summary.goods, g));
            if !keep {
                continue;
            }
            page.rows.push(ListRow { summary, as_of });
            if page.rows.len() == q.limit {
                page.next = Some(Cursor(min));
                break;
            }
        }
        Ok(page)
    }

    /// The counts for the list's header at `now`: by status and by worst open discrepancy from
    /// the counters kept with the `lstatus` and `lworst` keys, corrected for what the time
    /// moves into major (overdue, or an act dated later than now) by counting `due` and
    /// `future` keys ([`crate::index`]); no summary read.
    pub fn list_counts(&self, now: Timestamp) -> Result<ListCounts> {
        let mut counts = ListCounts::default();
        for (i, s) in STATUSES.iter().enumerate() {
            counts.by_status[i] = self.counted(&format!("lstatus/{}", s.as_str()))?;
        }
        counts.total = counts.by_status.iter().sum();
        for (i, name) in ["critical", "major", "minor", "none"].iter().enumerate() {
            counts.by_worst[i] = self.counted(&format!("lworst/{name}"))?;
        }
        counts.overdue = self.overdue_count(SAME, now)?;
        for worst in [Some(Severity::Minor), None] {
            let (bucket, i) = (bucket_name(worst), worst_bucket(worst));
            let overdue = self.overdue_count(bucket, now)?;
            counts.overdue += overdue;
            let mut moved = overdue;
            self.each_only_dated_ahead(bucket, now, |_| {
                moved += 1;
                Ok(())
            })?;
            // A write between the reads may leave them a consignment apart for a moment.
            let moved = moved.min(counts.by_worst[i]);
            counts.by_worst[i] -= moved;
            counts.by_worst[1] += moved;
        }
        Ok(counts)
    }
}

#[cfg(test)]
mod tests;
