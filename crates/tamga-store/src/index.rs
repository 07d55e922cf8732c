//! Secondary indexes, kept in step with the documents.
//!
//! All index entries live in one sled tree, `index`, so that a document's write and its index
//! update are one transaction. A key is `<kind>/<value>\0<consignment id>` with an empty value:
//!
//! | kind | value | query |
//! |---|---|---|
//! | `status` | the status's name (`registered`, `in_transit`, ...) | consignments by status |
//! | `post` | a unit code on the planned route | consignments routed through a post |
//! | `deadline` | the delivery deadline, 8 bytes big-endian of `unix + 2^63` | consignments due before a time, in deadline order |
//! | `seal` | a seal number ever recorded on the consignment | which consignment carries a seal |
//! | `signer` | a key that signed any act in the document (held or not) | consignments to re-assess when the registry changes that key |
//! | `unit` | a unit the consignment concerns ([`units_concerned`]: route, escort units, custody parties; acts that hold only) | what a node of that unit may receive (sync scope) |
//! | `list` | the list order ([`list_order`]) | the list, a page at a time |
//! | `lstatus` | `<status>/` and the list order | the list filtered by status |
//! | `lcustodian` | `<unit holding custody>/` and the list order | the list filtered by custodian |
//! | `lworst` | `<worst open discrepancy that does not depend on the time, or none>/` and the list order | the list filtered by severity; counts |
//! | `due` | `<bucket>/` and the list order (`0` and the deadline, as [`time_hex`]) of a consignment registered but neither arrived nor delivered | what is overdue at a time, in the list's order; how many, by bucket (counted, [`crate::store`]'s `counts`) |
//! | `lgoods` | `<word>/` and the list order: each word of the goods' text ([`goods_words`], at most [`MAX_GOODS_WORDS`]; a consignment with more has the one word `*`) | the list searched by goods: a word's keys, or a few words' with one beginning, merged in the list's order |
//! | `future` | `<bucket>/<latest>/<deadline>`: the latest time of an act whose "dated in the future" anomaly is open; the deadline when the consignment's `due` key has the same bucket, else `-` (both as [`time_hex`]) | what has such an anomaly at a time, and whether it is overdue too |
//!
//! No code contains a zero byte, so `<kind>/<value>\0` is an exact prefix and every query is a
//! range scan. The index only holds what does not depend on the time of assessment (overdue is
//! derived at query time from the `due` keys).
//!
//! The list keys (`list`, `lstatus`, `lcustodian`, `lworst`) end in the list order, so that
//! each is a scan in the order the list shows; `due` and `future` hold the two things the
//! time decides (see [`crate::summary`]), so a query finds what is overdue or dated in the
//! future at its own time with a short range scan. Both findings are major discrepancies, so
//! the time can only move a consignment from the `lworst` bucket `minor` or `none` into
//! `major`; the `<bucket>` of `due` and `future` keys is the one the finding moves it out of
//! ([`Summary::moved_by_overdue_from`], [`Summary::moved_by_time_from`]), or [`SAME`] when it
//! moves it nowhere. The header's counts at a time are then counters and key ranges
//! ([`crate::store::list`]), never a summary read: the `due/<bucket>/` keys before the time
//! (less the grace) are what being overdue moves; the `future/<bucket>/` keys after it (plus
//! the skew) are what acts dated ahead move, less those the `due` keys already counted (the
//! deadline in the key says which).
//!
//! Next to the index, the `derived` tree keeps, per consignment, the list of its index keys (to
//! remove them when it changes), the entries that do not hold and the list row
//! ([`Derived`], [`Summary`]).

use crate::doc::Rejection;
use crate::summary::{bucket_name, get_bytes, get_u32, put_bytes, put_u32, Summary};
use std::collections::BTreeSet;
use tamga_core::assessment::units_concerned;
use tamga_core::{Assessment, ConsignmentId, SignedAct, Timestamp, UnitCode};

/// The kinds of index entry.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum IndexKind {
    /// By status.
    Status,
    /// By post on the planned route.
    Post,
    /// By delivery deadline.
    Deadline,
    /// By seal number.
    Seal,
    /// By signing key.
    Signer,
    /// By unit concerned.
    Unit,
}

impl IndexKind {
    fn prefix(self) -> &'static [u8] {
        match self {
            IndexKind::Status => b"status/",
            IndexKind::Post => b"post/",
            IndexKind::Deadline => b"deadline/",
            IndexKind::Seal => b"seal/",
            IndexKind::Signer => b"signer/",
            IndexKind::Unit => b"unit/",
        }
    }
}

/// The deadline's sortable bytes.
pub fn time_key(t: Timestamp) -> [u8; 8] {
    ((t.unix() as i128 + (1i128 << 63)) as u64).to_be_bytes()
}

/// A time as 16 hex digits of [`time_key`]: sorts like the time, and contains no zero byte.
pub fn time_hex(t: Timestamp) -> String {
    hex::encode(time_key(t))
}

/// Reads [`time_hex`].
pub fn time_from_hex(text: &[u8]) -> Option<Timestamp> {
    let mut raw = [0u8; 8];
    hex::decode_to_slice(text, &mut raw).ok()?;
    Timestamp::from_unix((u64::from_be_bytes(raw) as i128 - (1i128 << 63)) as i64)
}

/// Where a consignment stands in the list: not delivered before delivered, then no deadline
/// before the earliest deadline (`0` or `1`, then `-` or [`time_hex`]). With the consignment
/// id after it, the order of today's list: most urgent first, delivered last.
pub fn list_order(delivered: bool, deadline: Option<Timestamp>) -> String {
    let mut order = String::from(if delivered { "1" } else { "0" });
    match deadline {
        None => order.push('-'),
        Some(d) => order.push_str(&time_hex(d)),
    }
    order
}

/// The list keys of a summary: `list/<order>\0<id>`, `lstatus/<status>/<order>\0<id>`, ...
fn list_keys(s: &Summary, keys: &mut BTreeSet<Vec<u8>>) {
    let order = list_order(s.status.ended(), s.deadline);
    let c = &s.consignment;
    let mut add = |kind: &str, value: String| {
        let mut key = format!("{kind}/{value}").into_bytes();
        key.push(0);
        key.extend_from_slice(c.as_str().as_bytes());
        keys.insert(key);
    };
    add("list", order.clone());
    add("lstatus", format!("{}/{order}", s.status.as_str()));
    if let Some(unit) = &s.custodian {
        add("lcustodian", format!("{unit}/{order}"));
    }
    add("lworst", format!("{}/{order}", bucket_name(s.base_worst())));
    let words = goods_words(&s.goods);
    if words.len() > MAX_GOODS_WORDS {
        add("lgoods", format!("{GOODS_OVERFLOW}/{order}"));
    } else {
        for word in words {
            add("lgoods", format!("{word}/{order}"));
        }
    }
    let overdue_moves = s.moved_by_overdue_from();
    if let Some(due) = s.due {
        // Registered and not yet at the office of destination, nor returned, so transit has not
        // ended: the list order is `0` and the deadline (in force), and `due` is that deadline.
        add(
            "due",
            format!(
                "{}/{}",
                overdue_moves.unwrap_or(SAME),
                list_order(false, Some(due))
            ),
        );
    }
    if let Some(latest) = s.future.last() {
        let due = match (overdue_moves, s.due) {
            (Some(_), Some(due)) => time_hex(due),
            _ => "-".to_owned(),
        };
        add(
            "future",
            format!(
                "{}/{}/{due}",
                s.moved_by_time_from().unwrap_or(SAME),
                time_hex(*latest)
            ),
        );
    }
}

/// The most words of a consignment's goods kept as `lgoods` keys; one with more has the single
/// key of [`GOODS_OVERFLOW`], which every goods search reads (and checks on its summary).
pub const MAX_GOODS_WORDS: usize = 256;

/// The `lgoods` word of a consignment whose goods have more than [`MAX_GOODS_WORDS`] words.
pub const GOODS_OVERFLOW: &str = "*";

/// The longest word kept as an `lgoods` key, in bytes; a longer word is kept cut at a character
/// boundary (a search for it reads the cut word's keys and checks the whole word on the summary).
pub const MAX_GOODS_WORD_BYTES: usize = 32;

/// The words of a goods text as the search knows them: runs of letters and digits, in lower
/// case, each cut to [`MAX_GOODS_WORD_BYTES`]. A word never holds `/`, `*` or a zero byte.
pub fn goods_words(text: &str) -> BTreeSet<String> {
    words(text).map(|w| cut_word(&w).to_owned()).collect()
}

/// A text's words as the goods search reads them: runs of letters and digits, in lower case.
pub fn words(text: &str) -> impl Iterator<Item = String> + '_ {
    text.split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_lowercase)
}

/// `word` cut to at most [`MAX_GOODS_WORD_BYTES`] bytes at a character boundary.
pub fn cut_word(word: &str) -> &str {
    let mut end = word.len().min(MAX_GOODS_WORD_BYTES);
    while !word.is_char_boundary(end) {
        end -= 1;
    }
    &word[..end]
}

/// Whether goods of text `text` answer the search `query`: every word of the query begins a word
/// of the text (in any case); a query without a word answers every text.
pub fn goods_match(text: &str, query: &str) -> bool {
    let text: Vec<String> = words(text).collect();
    words(query).all(|q| text.iter().any(|w| w.starts_with(&q)))
}

/// The bucket of a `due` or `future` key whose finding moves the consignment to no other bucket
/// of the list (its worst open discrepancy is already critical or major, or staff resolved
/// its being overdue).
pub const SAME: &str = "same";

/// The buckets of the `due` and `future` keys: the one the finding moves the consignment out
/// of (into `major`), or [`SAME`].
pub const TIME_BUCKETS: [&str; 3] = ["minor", "none", SAME];

/// What a `future/<bucket>/` key holds after its bucket: the time of the latest act dated ahead,
/// and the deadline if being overdue would move the consignment too (a `due/<same bucket>/`
/// key); `None` if it does not parse.
pub fn future_times(rest: &[u8]) -> Option<(Timestamp, Option<Timestamp>)> {
    let end = rest.iter().position(|b| *b == 0)?;
    let (latest, due) = std::str::from_utf8(&rest[..end]).ok()?.split_once('/')?;
    let latest = time_from_hex(latest.as_bytes())?;
    let due = match due {
        "-" => None,
        hex => Some(time_from_hex(hex.as_bytes())?),
    };
    Some((latest, due))
}

/// The prefix of every entry of `kind` with `value`.
pub fn prefix(kind: IndexKind, value: &[u8]) -> Vec<u8> {
    let mut key = kind.prefix().to_vec();
    key.extend_from_slice(value);
    key.push(0);
    key
}

/// One entry's key.
pub fn entry(kind: IndexKind, value: &[u8], consignment: &ConsignmentId) -> Vec<u8> {
    let mut key = prefix(kind, value);
    key.extend_from_slice(consignment.as_str().as_bytes());
    key
}

/// The consignment an entry names.
pub fn consignment_of(key: &[u8]) -> Option<ConsignmentId> {
    let at = key.iter().rposition(|b| *b == 0)?;
    ConsignmentId::new(std::str::from_utf8(&key[at + 1..]).ok()?).ok()
}

/// What the store keeps about a consignment beside its document: its index keys and a summary.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Derived {
    /// Every index key of the consignment, sorted.
    pub keys: BTreeSet<Vec<u8>>,
    /// Entries of its document that do not hold, with the reason.
    pub rejected: Vec<Rejection>,
    /// The list row (consignments only; `None` in a record of format 2 until it is upgraded).
    pub summary: Option<Summary>,
}

impl Derived {
    /// Computes the index keys from an assessment and the acts it was made from.
    pub fn from_assessment(
        assessment: &Assessment,
        acts: &[SignedAct],
        rejected: Vec<Rejection>,
    ) -> Self {
        let c = &assessment.consignment;
        let state = &assessment.state;
        let mut keys = BTreeSet::new();
        keys.insert(entry(
            IndexKind::Status,
            state.status.as_str().as_bytes(),
            c,
        ));
        for post in &state.route.planned {
            keys.insert(entry(IndexKind::Post, post.as_str().as_bytes(), c));
        }
        if let Some(deadline) = state.deadline {
            keys.insert(entry(IndexKind::Deadline, &time_key(deadline), c));
        }
        for seal in state.seals.keys() {
            keys.insert(entry(IndexKind::Seal, seal.as_str().as_bytes(), c));
        }
        for unit in units_concerned(acts, assessment) {
            keys.insert(entry(IndexKind::Unit, unit.as_str().as_bytes(), c));
        }
        for act in acts {
            for signature in act.signatures() {
                keys.insert(entry(
                    IndexKind::Signer,
                    signature.key.as_str().as_bytes(),
                    c,
                ));
            }
        }
        let summary = Summary::from_assessment(assessment, acts);
        list_keys(&summary, &mut keys);
        Derived {
            keys,
            rejected,
            summary: Some(summary),
        }
    }

    /// The units the consignment concerns, from its `unit` keys.
    pub fn units_concerned(&self) -> BTreeSet<UnitCode> {
        let kind = IndexKind::Unit.prefix();
        self.keys
            .iter()
            .filter_map(|k| k.strip_prefix(kind))
            .filter_map(|rest| {
                let value = &rest[..rest.iter().position(|b| *b == 0)?];
                UnitCode::new(std::str::from_utf8(value).ok()?).ok()
            })
            .collect()
    }

    /// Bytes for the `derived` tree: a simple length-prefixed layout.
    pub fn encode(&self) -> Vec<u8> {
        let mut out = Vec::new();
        put_u32(&mut out, self.keys.len() as u32);
        for k in &self.keys {
            put_bytes(&mut out, k);
        }
        put_u32(&mut out, self.rejected.len() as u32);
        for r in &self.rejected {
            put_bytes(&mut out, r.key.as_bytes());
            put_bytes(
                &mut out,
                r.act.map(|a| a.0.to_vec()).unwrap_or_default().as_slice(),
            );
            put_bytes(&mut out, r.reason.as_bytes());
        }
        if let Some(summary) = &self.summary {
            summary.encode(&mut out);
        }
        out
    }

    /// Reads [`Derived::encode`].
    pub fn decode(mut bytes: &[u8]) -> Option<Self> {
        let mut d = Derived::default();
        for _ in 0..get_u32(&mut bytes)? {
            d.keys.insert(get_bytes(&mut bytes)?.to_vec());
        }
        for _ in 0..get_u32(&mut bytes)? {
            let key = String::from_utf8(get_bytes(&mut bytes)?.to_vec()).ok()?;
            let act = get_bytes(&mut bytes)?;
            let act = if act.is_empty() {
                None
            } else {
                Some(tamga_core::ActId(act.try_into().ok()?))
            };
            let reason = String::from_utf8(get_bytes(&mut bytes)?.to_vec()).ok()?;
            d.rejected.push(Rejection { key, act, reason });
        }
        if !bytes.is_empty() {
            d.summary = Some(Summary::decode(&mut bytes)?);
        }
        bytes.is_empty().then_some(d)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tamga_core::fixtures::Story;
    use tamga_core::{assess, Tolerances};

    #[test]
    fn keys_follow_the_assessment_and_round_trip() {
        let story = Story::new();
        let acts = vec![story.registration(), story.seal_applied()];
        let a = assess(
            &story.consignment,
            &acts,
            &story.registry(),
            story.t(60),
            &Tolerances::default(),
        );
        let rejected = vec![Rejection {
            key: "act:00".into(),
            act: None,
            reason: "garbage".into(),
        }];
        let d = Derived::from_assessment(&a, &acts, rejected);
        let c = &story.consignment;
        assert!(d.keys.contains(&entry(IndexKind::Status, b"registered", c)));
        assert!(d.keys.contains(&entry(IndexKind::Post, b"PMD-BISHKEK", c)));
        assert!(d.keys.contains(&entry(IndexKind::Seal, b"KG-0042137", c)));
        assert!(d
            .keys
            .contains(&entry(IndexKind::Deadline, &time_key(story.t(480)), c)));
        assert!(d
            .keys
            .contains(&entry(IndexKind::Unit, b"MANAS-AIRPORT", c)));
        // Registered, not arrived, nothing open: being overdue or an act dated ahead would
        // move it out of `none`. Derived as the store derives, at the epoch (every act dated
        // ahead), the future key names the latest act (the seal, minute 10) and the deadline,
        // since being overdue moves it too.
        let epoch = Timestamp::from_unix(0).unwrap();
        let a0 = assess(c, &acts, &story.registry(), epoch, &Tolerances::default());
        let d0 = Derived::from_assessment(&a0, &acts, Vec::new());
        assert_eq!(d0.summary.as_ref().unwrap().future.len(), 2);
        let deadline = time_hex(story.t(480));
        let key = |text: String| {
            let mut k = text.into_bytes();
            k.push(0);
            k.extend_from_slice(c.as_str().as_bytes());
            k
        };
        assert!(d0.keys.contains(&key(format!("due/none/0{deadline}"))));
        assert!(d0.keys.contains(&key(format!(
            "future/none/{}/{deadline}",
            time_hex(story.t(10))
        ))));
        let rest = b"none/".len();
        let future = d0.keys.iter().find(|k| k.starts_with(b"future/")).unwrap();
        assert_eq!(
            future_times(&future[b"future/".len() + rest..]),
            Some((story.t(10), Some(story.t(480))))
        );
        assert_eq!(
            d.units_concerned(),
            units_concerned(&acts, &a),
            "the unit keys read back as the units concerned"
        );
        assert!(!d.units_concerned().is_empty());
        for k in &d.keys {
            assert_eq!(consignment_of(k).as_ref(), Some(c));
        }
        assert_eq!(Derived::decode(&d.encode()), Some(d));
    }

    #[test]
    fn time_keys_sort_like_times() {
        let a = Timestamp::from_unix(-5).unwrap();
        let b = Timestamp::from_unix(3).unwrap();
        let c = Timestamp::from_unix(1_800_000_000).unwrap();
        assert!(time_key(a) < time_key(b) && time_key(b) < time_key(c));
    }
}
