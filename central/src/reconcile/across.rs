//! Rules across consignments, which no single consignment's assessment can see: a Kimberley
//! Process certificate certifies one shipment only, so the same KPC number from the same
//! issuing country on two or more consignments is critical (`kpc_on_two_consignments`); a seal
//! is on one consignment's goods at a time, so the same seal number active on two or more
//! consignments at once is critical (`seal_on_two_consignments`). Seal numbers are reused by
//! some manufacturers across years: only seals active now count (see
//! [`super::record::SealHeld`]).
//!
//! Pure. [`Across`] keeps, for every KPC (number, issuer) and active seal number, the set of
//! consignments holding it, updated as a row is put or removed ([`Across::add`],
//! [`Across::remove`]), with the keys held by two or more kept apart: listing the findings costs
//! the findings, not a pass over every row. Each [`AcrossFinding`] has a stable id (a hash of its
//! kind, its key and its consignments, sorted) and, per consignment, the acts that prove it: the
//! registration in force and its corrections for a KPC, the act that applied a seal.

use super::record::Record;
use serde::Serialize;
use sha2::{Digest, Sha256};
use std::collections::{BTreeMap, BTreeSet};
use tamga_core::assessment::words;
use tamga_core::{ConsignmentId, Severity};

/// The kinds of findings across consignments.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum AcrossKind {
    /// The same Kimberley Process certificate (number and issuing country) on two or more
    /// consignments.
    KpcOnTwoConsignments,
    /// The same seal number on the goods of two or more consignments at once.
    SealOnTwoConsignments,
}

impl AcrossKind {
    /// Every kind, in the order the dashboard lists them.
    pub const ALL: [AcrossKind; 2] = [
        AcrossKind::KpcOnTwoConsignments,
        AcrossKind::SealOnTwoConsignments,
    ];

    /// The kind's stable name.
    pub fn as_str(self) -> &'static str {
        match self {
            AcrossKind::KpcOnTwoConsignments => "kpc_on_two_consignments",
            AcrossKind::SealOnTwoConsignments => "seal_on_two_consignments",
        }
    }

    /// A kind by its stable name.
    pub fn of(text: &str) -> Option<AcrossKind> {
        AcrossKind::ALL.into_iter().find(|k| k.as_str() == text)
    }
}

/// What two consignments must not hold at once.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
enum Key {
    /// A KP certificate: its number (trimmed) and issuing country.
    Kpc { number: String, issued_by: String },
    /// A seal number, active.
    Seal(String),
}

impl Key {
    fn kind(&self) -> AcrossKind {
        match self {
            Key::Kpc { .. } => AcrossKind::KpcOnTwoConsignments,
            Key::Seal(_) => AcrossKind::SealOnTwoConsignments,
        }
    }

    /// Every key a row holds.
    fn of(record: &Record) -> BTreeSet<Key> {
        let kpcs = record.kpcs.iter().map(|k| Key::Kpc {
            number: k.number.clone(),
            issued_by: k.issued_by.clone(),
        });
        let seals = record
            .active_seals
            .iter()
            .map(|s| Key::Seal(s.seal.clone()));
        kpcs.chain(seals).collect()
    }

    /// The acts of `record` that prove it holds this key.
    fn proof(&self, record: &Record) -> Vec<String> {
        match self {
            Key::Kpc { number, issued_by } => record
                .kpcs
                .iter()
                .find(|k| &k.number == number && &k.issued_by == issued_by)
                .map(|k| k.acts.clone())
                .unwrap_or_default(),
            Key::Seal(seal) => record
                .active_seals
                .iter()
                .filter(|s| &s.seal == seal)
                .map(|s| s.applied.clone())
                .collect(),
        }
    }
}

/// One consignment of a finding, with the acts that prove its part.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct AcrossMember {
    /// The consignment.
    pub consignment: ConsignmentId,
    /// The acts that prove it (hex ids): the registration in force and its corrections for a
    /// KPC, the act that applied the seal for a seal.
    pub acts: Vec<String>,
}

/// A finding across consignments.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct AcrossFinding {
    /// Stable: a hash of the kind, the key and the consignments, sorted.
    pub id: String,
    /// What rule it breaks.
    pub kind: AcrossKind,
    /// Always critical.
    pub severity: Severity,
    /// The KPC as `number (country)`, or the seal number.
    pub subject: String,
    /// The KPC or seal number.
    pub number: String,
    /// The KPC's issuing country (none for a seal).
    pub issued_by: Option<String>,
    /// What happened, in English.
    pub summary: String,
    /// What happened, as a template's key and its values (`tamga_core::assessment::words`), for
    /// the dashboard to say in its own language.
    pub words: words::Words,
    /// The consignments holding it, by id.
    pub consignments: Vec<AcrossMember>,
}

/// The stable id of a finding of `kind` about `key` held by `consignments` (any order).
fn finding_id(kind: AcrossKind, key: &Key, consignments: &BTreeSet<ConsignmentId>) -> String {
    let mut hash = Sha256::new();
    hash.update(b"tamga/across/v1\0");
    hash.update(kind.as_str().as_bytes());
    match key {
        Key::Kpc { number, issued_by } => {
            for part in [number, issued_by] {
                hash.update(b"\0");
                hash.update(part.as_bytes());
            }
        }
        Key::Seal(seal) => {
            hash.update(b"\0");
            hash.update(seal.as_bytes());
        }
    }
    hash.update(b"\0\0");
    for c in consignments {
        hash.update(c.as_str().as_bytes());
        hash.update(b"\0");
    }
    hex::encode(hash.finalize())
}

/// Who holds what: every key with the consignments holding it, and the keys held by two or
/// more.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Across {
    holders: BTreeMap<Key, BTreeSet<ConsignmentId>>,
    shared: BTreeSet<Key>,
}

impl Across {
    /// The maps made afresh from `rows`: what adding and removing rows one at a time must give.
    pub fn of<'r>(rows: impl IntoIterator<Item = &'r Record>) -> Across {
        let mut across = Across::default();
        for r in rows {
            across.add(r);
        }
        across
    }

    /// Counts what `record` holds (call [`Across::remove`] with its previous row first).
    pub fn add(&mut self, record: &Record) {
        for key in Key::of(record) {
            let holders = self.holders.entry(key.clone()).or_default();
            holders.insert(record.consignment.clone());
            if holders.len() >= 2 {
                self.shared.insert(key);
            }
        }
    }

    /// Forgets what `record` held.
    pub fn remove(&mut self, record: &Record) {
        for key in Key::of(record) {
            let Some(holders) = self.holders.get_mut(&key) else {
                continue;
            };
            holders.remove(&record.consignment);
            if holders.len() < 2 {
                self.shared.remove(&key);
            }
            if holders.is_empty() {
                self.holders.remove(&key);
            }
        }
    }

    fn finding<'r>(
        &self,
        key: &Key,
        row: &impl Fn(&ConsignmentId) -> Option<&'r Record>,
    ) -> Option<AcrossFinding> {
        let holders = self.holders.get(key).filter(|h| h.len() >= 2)?;
        let kind = key.kind();
        let consignments: Vec<AcrossMember> = holders
            .iter()
            .map(|c| AcrossMember {
                consignment: c.clone(),
                acts: row(c).map(|r| key.proof(r)).unwrap_or_default(),
            })
            .collect();
        let names = holders
            .iter()
            .map(|c| c.as_str())
            .collect::<Vec<_>>()
            .join(", ");
        let count = holders.len().to_string();
        let (subject, number, issued_by, words) = match key {
            Key::Kpc { number, issued_by } => (
                format!("{number} ({issued_by})"),
                number.clone(),
                Some(issued_by.clone()),
                words::KpcOnTwoConsignments {
                    number: number.clone(),
                    issued_by: issued_by.clone(),
                    count,
                    consignments: names,
                }
                .words(),
            ),
            Key::Seal(seal) => (
                seal.clone(),
                seal.clone(),
                None,
                words::SealOnTwoConsignments {
                    seal: seal.clone(),
                    count,
                    consignments: names,
                }
                .words(),
            ),
        };
        Some(AcrossFinding {
            id: finding_id(kind, key, holders),
            kind,
            severity: Severity::Critical,
            subject,
            number,
            issued_by,
            summary: words.english(),
            words,
            consignments,
        })
    }

    /// Every finding, KPCs first, then by number; `row` gives a consignment's row (for the
    /// proof).
    pub fn findings<'r>(
        &self,
        row: impl Fn(&ConsignmentId) -> Option<&'r Record>,
    ) -> Vec<AcrossFinding> {
        self.shared
            .iter()
            .filter_map(|key| self.finding(key, &row))
            .collect()
    }

    /// The findings `record`'s consignment is part of.
    pub fn findings_of<'r>(
        &self,
        record: &Record,
        row: impl Fn(&ConsignmentId) -> Option<&'r Record>,
    ) -> Vec<AcrossFinding> {
        Key::of(record)
            .iter()
            .filter(|key| self.shared.contains(*key))
            .filter_map(|key| self.finding(key, &row))
            .filter(|f| {
                f.consignments
                    .iter()
                    .any(|m| m.consignment == record.consignment)
            })
            .collect()
    }

    /// How many findings of each kind (every kind listed, zero or not).
    pub fn counts(&self) -> BTreeMap<AcrossKind, usize> {
        let mut counts: BTreeMap<AcrossKind, usize> =
            AcrossKind::ALL.into_iter().map(|k| (k, 0)).collect();
        for key in &self.shared {
            *counts.entry(key.kind()).or_default() += 1;
        }
        counts
    }
}

#[cfg(test)]
mod tests;
