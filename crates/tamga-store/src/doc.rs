//! The documents: what a replica holds and how acts and annotations are laid out in it.
//!
//! Every document's root map holds two kinds of keys:
//!
//! - `act:<64 hex digits of the act id>` → the act's canonical wire bytes
//!   ([`SignedAct::encode`]) as an automerge byte scalar. Acts are only ever added: the set of
//!   such keys is a grow-only map, and merging two replicas is a set union. A key whose value
//!   was removed or replaced by a peer's change is restored from the value this node held
//!   (see [`crate::Store::apply_changes`]).
//! - `ann:<name>` → an unsigned annotation (a note, a tag), an ordinary automerge scalar field
//!   (last writer wins). Annotations have no legal weight and never enter the assessment.
//!
//! Acts sit directly in the root map (rather than in a nested `acts` object) so that two nodes
//! that create the same consignment's document independently can never end up with two
//! competing `acts` objects, one of which a merge would hide.
//!
//! Derived state is never stored in a document: it is computed by [`tamga_core::assess`].

use automerge::{AutoCommit, ReadDoc, ScalarValue, Value, ROOT};
use std::fmt;
use tamga_core::{ActId, ConsignmentId, Registry, SignedAct};

/// Prefix of the keys that hold acts.
pub const ACT_PREFIX: &str = "act:";
/// Prefix of the keys that hold annotations.
pub const ANNOTATION_PREFIX: &str = "ann:";

/// Which document: a consignment's, or the registry's.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum DocId {
    /// The registry document: keys enrolled and revoked by the customs authority.
    Registry,
    /// One consignment's document.
    Consignment(ConsignmentId),
}

impl DocId {
    /// The key under which the store keeps this document: `r` for the registry, `c:<id>` for a
    /// consignment. Never contains a zero byte.
    pub fn to_key(&self) -> Vec<u8> {
        match self {
            DocId::Registry => b"r".to_vec(),
            DocId::Consignment(c) => format!("c:{c}").into_bytes(),
        }
    }

    /// Parses [`DocId::to_key`].
    pub fn from_key(key: &[u8]) -> Option<Self> {
        if key == b"r" {
            return Some(DocId::Registry);
        }
        let text = std::str::from_utf8(key.strip_prefix(b"c:")?).ok()?;
        ConsignmentId::new(text).ok().map(DocId::Consignment)
    }

    /// The consignment, if this is a consignment document.
    pub fn consignment(&self) -> Option<&ConsignmentId> {
        match self {
            DocId::Registry => None,
            DocId::Consignment(c) => Some(c),
        }
    }

    /// The document an act belongs in.
    pub fn of_act(act: &SignedAct) -> Self {
        match act.body().consignment() {
            Some(c) => DocId::Consignment(c.clone()),
            None => DocId::Registry,
        }
    }
}

impl fmt::Display for DocId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DocId::Registry => f.write_str("the registry"),
            DocId::Consignment(c) => write!(f, "consignment {c}"),
        }
    }
}

/// The key of act `id` in a document.
pub fn act_key(id: &ActId) -> String {
    format!("{ACT_PREFIX}{}", id.to_hex())
}

/// One value found under an `act:` key.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Entry {
    /// The key, e.g. `act:<hex>`.
    pub key: String,
    /// The bytes (empty if the value was not bytes).
    pub bytes: Vec<u8>,
    /// Whether the value was a byte scalar at all.
    pub is_bytes: bool,
}

/// Every value under every `act:` key, including conflicting values, in key order.
pub fn entries(doc: &AutoCommit) -> Vec<Entry> {
    let keys: Vec<String> = doc
        .keys(ROOT)
        .filter(|k| k.starts_with(ACT_PREFIX))
        .collect();
    let mut out = Vec::with_capacity(keys.len());
    for key in keys {
        let Ok(values) = doc.get_all(ROOT, key.as_str()) else {
            continue;
        };
        let first = out.len();
        for (value, _) in values {
            let bytes = match &value {
                Value::Scalar(s) => match s.as_ref() {
                    ScalarValue::Bytes(b) => Some(b.clone()),
                    _ => None,
                },
                Value::Object(_) => None,
            };
            let entry = Entry {
                key: key.clone(),
                is_bytes: bytes.is_some(),
                bytes: bytes.unwrap_or_default(),
            };
            // The same act written by two nodes before they merged is one value twice (the
            // key's conflict holds both): it is one entry. Values that differ stay apart, so a
            // bad one beside a good one is still seen.
            if !out[first..].contains(&entry) {
                out.push(entry);
            }
        }
    }
    out
}

/// An entry that does not hold as an act of its document, and why.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Rejection {
    /// The key it was found under.
    pub key: String,
    /// The act's id, where the value decoded.
    pub act: Option<ActId>,
    /// Why, in words.
    pub reason: String,
}

/// Sorts a document's entries into acts that may be assessed (decoded, under their own id, of
/// this document) and entries that may not. Acts that decode but whose signatures or signers do
/// not hold against `registry` are returned among the acts (the assessment leaves them out and
/// reports them with a discrepancy) *and* among the rejections, so callers can report them.
pub fn sort_entries(
    doc: &DocId,
    entries: &[Entry],
    registry: &Registry,
) -> (Vec<SignedAct>, Vec<Rejection>) {
    sort_entries_with(doc, entries, registry, &mut SignedAct::decode)
}

/// [`sort_entries`], decoding each entry's bytes with `decode` (which must answer exactly as
/// [`SignedAct::decode`] does: the store passes a cache of acts it decoded before).
pub fn sort_entries_with(
    doc: &DocId,
    entries: &[Entry],
    registry: &Registry,
    decode: &mut dyn FnMut(&[u8]) -> Result<SignedAct, tamga_core::DecodeError>,
) -> (Vec<SignedAct>, Vec<Rejection>) {
    let mut acts = Vec::new();
    let mut keys = Vec::new();
    let mut rejected = Vec::new();
    for entry in entries {
        let reject = |act: Option<ActId>, reason: String| Rejection {
            key: entry.key.clone(),
            act,
            reason,
        };
        if !entry.is_bytes {
            rejected.push(reject(None, "the value is not an act's bytes".into()));
            continue;
        }
        let act = match decode(&entry.bytes) {
            Ok(act) => act,
            Err(e) => {
                rejected.push(reject(None, format!("does not decode as an act: {e}")));
                continue;
            }
        };
        if act_key(&act.id()) != entry.key {
            rejected.push(reject(
                Some(act.id()),
                format!("act {} is stored under another id's key", act.id().short()),
            ));
            continue;
        }
        if &DocId::of_act(&act) != doc {
            rejected.push(reject(
                Some(act.id()),
                format!(
                    "a {} act of {}, found in the document of {doc}",
                    act.body().kind(),
                    DocId::of_act(&act)
                ),
            ));
            continue;
        }
        if let DocId::Consignment(_) = doc {
            if let Err(reason) = registry.verify(&act) {
                rejected.push(reject(Some(act.id()), reason.to_string()));
            }
        }
        acts.push(act);
        keys.push(entry.key.clone());
    }
    if doc == &DocId::Registry {
        // A registry act holds or not against the others (a registrar's act needs the root's
        // enrollment of the registrar), so the document is judged whole.
        let (_, refused) = Registry::from_acts(registry.authority().clone(), &acts);
        let refused: std::collections::BTreeMap<ActId, String> = refused
            .into_iter()
            .map(|(id, e)| (id, e.to_string()))
            .collect();
        for (act, key) in acts.iter().zip(&keys) {
            if let Some(reason) = refused.get(&act.id()) {
                rejected.push(Rejection {
                    key: key.clone(),
                    act: Some(act.id()),
                    reason: reason.clone(),
                });
            }
        }
    }
    (acts, rejected)
}

/// Puts an act's bytes under its key.
pub fn put_act(doc: &mut AutoCommit, act: &SignedAct) -> Result<(), automerge::AutomergeError> {
    use automerge::transaction::Transactable;
    doc.put(ROOT, act_key(&act.id()), ScalarValue::Bytes(act.encode()))
}

/// Puts raw bytes under an act key (to restore a value a peer removed).
pub fn put_entry(
    doc: &mut AutoCommit,
    key: &str,
    bytes: &[u8],
) -> Result<(), automerge::AutomergeError> {
    use automerge::transaction::Transactable;
    doc.put(ROOT, key, ScalarValue::Bytes(bytes.to_vec()))
}

/// Whether the document already holds exactly this act.
pub fn holds(doc: &AutoCommit, act: &SignedAct) -> bool {
    let bytes = act.encode();
    doc.get_all(ROOT, act_key(&act.id()).as_str())
        .map(|values| {
            values.iter().any(|(v, _)| {
                matches!(v, Value::Scalar(s) if matches!(s.as_ref(), ScalarValue::Bytes(b) if *b == bytes))
            })
        })
        .unwrap_or(false)
}

/// The annotations: `(name, value as text)`.
pub fn annotations(doc: &AutoCommit) -> Vec<(String, String)> {
    let keys: Vec<String> = doc
        .keys(ROOT)
        .filter(|k| k.starts_with(ANNOTATION_PREFIX))
        .collect();
    keys.into_iter()
        .filter_map(|k| {
            let (value, _) = doc.get(ROOT, k.as_str()).ok()??;
            let text = match value {
                Value::Scalar(s) => match s.as_ref() {
                    ScalarValue::Str(t) => t.to_string(),
                    other => other.to_string(),
                },
                Value::Object(_) => return None,
            };
            Some((k[ANNOTATION_PREFIX.len()..].to_owned(), text))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use tamga_core::fixtures::Story;

    #[test]
    fn doc_ids_round_trip() {
        let story = Story::new();
        for id in [
            DocId::Registry,
            DocId::Consignment(story.consignment.clone()),
        ] {
            assert_eq!(DocId::from_key(&id.to_key()), Some(id.clone()));
            assert!(!id.to_key().contains(&0));
        }
        assert_eq!(DocId::from_key(b"c:lower case"), None);
        assert_eq!(DocId::from_key(b"x"), None);
    }

    #[test]
    fn an_act_written_by_two_nodes_before_they_merged_is_one_entry() {
        let story = Story::new();
        let mut here = AutoCommit::new();
        put_act(&mut here, &story.registration()).unwrap();
        let mut there = AutoCommit::new();
        put_act(&mut there, &story.registration()).unwrap();
        put_entry(&mut there, "act:00", b"one value").unwrap();
        put_entry(&mut here, "act:00", b"another value").unwrap();
        here.merge(&mut there).unwrap();
        let entries = entries(&here);
        let key = act_key(&story.registration().id());
        assert_eq!(entries.iter().filter(|e| e.key == key).count(), 1);
        assert_eq!(
            entries.iter().filter(|e| e.key == "act:00").count(),
            2,
            "different values under one key are both kept"
        );
    }

    #[test]
    fn entries_are_sorted_into_acts_and_rejections() {
        let story = Story::new();
        let registry = story.registry();
        let id = DocId::Consignment(story.consignment.clone());
        let mut doc = AutoCommit::new();
        put_act(&mut doc, &story.registration()).unwrap();
        put_act(&mut doc, &story.seal_applied()).unwrap();
        assert!(holds(&doc, &story.registration()));
        // Garbage, an act under the wrong key, an act of the registry, an outsider's act.
        put_entry(&mut doc, "act:00", b"not json").unwrap();
        let wrong_key = format!("act:{}", "ab".repeat(32));
        put_entry(&mut doc, &wrong_key, &story.seal_applied().encode()).unwrap();
        let enrollment = story.enrollment(&story.airport_officer);
        put_act(&mut doc, &enrollment).unwrap();
        let mut body = story.registration_body();
        body.officer = story.outsider.id.clone();
        let outsider = story.sign(
            tamga_core::ActBody::ConsignmentRegistered(body),
            &[&story.outsider],
        );
        put_act(&mut doc, &outsider).unwrap();
        let (acts, rejected) = sort_entries(&id, &entries(&doc), &registry);
        assert_eq!(acts.len(), 3, "two good acts and the outsider's");
        assert_eq!(rejected.len(), 4, "{rejected:#?}");
        assert!(rejected.iter().any(|r| r.act == Some(outsider.id())));
        assert!(rejected.iter().any(|r| r.act == Some(enrollment.id())));
    }
}
