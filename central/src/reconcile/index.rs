//! The index: one row per consignment, filtered lists and totals over it, and who holds which
//! KPC and active seal across consignments (`across`), kept as rows are put; pure.

use super::across::{Across, AcrossFinding, AcrossKind};
use super::filter::Filter;
use super::record::{DiscrepancyRow, Record};
use serde::Serialize;
use std::collections::BTreeMap;
use tamga_core::{ConsignmentId, DiscrepancyKind, Severity};

/// Counts over the whole index, for `/metrics` and the overview.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Totals {
    /// Consignments.
    pub consignments: usize,
    /// Consignments by status name.
    pub by_status: BTreeMap<&'static str, usize>,
    /// Open discrepancies by severity.
    pub open_by_severity: BTreeMap<Severity, usize>,
    /// Open discrepancies by kind.
    pub open_by_kind: BTreeMap<DiscrepancyKind, usize>,
    /// Resolved discrepancies.
    pub resolved: usize,
    /// Overdue consignments.
    pub overdue: usize,
    /// Acts that hold.
    pub acts: usize,
    /// Acts left out.
    pub rejected: usize,
    /// Findings across consignments by kind (every kind, zero or not).
    pub across: BTreeMap<AcrossKind, usize>,
}

/// The index: one row per consignment.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Index {
    records: BTreeMap<ConsignmentId, Record>,
    across: Across,
}

impl Index {
    /// Puts a row in place of the consignment's previous one; returns how many more acts (held
    /// or left out) the consignment has than before.
    pub fn put(&mut self, record: Record) -> usize {
        let before = self
            .records
            .get(&record.consignment)
            .map(|r| r.acts + r.rejected)
            .unwrap_or(0);
        let after = record.acts + record.rejected;
        if let Some(previous) = self.records.get(&record.consignment) {
            self.across.remove(previous);
        }
        self.across.add(&record);
        self.records.insert(record.consignment.clone(), record);
        after.saturating_sub(before)
    }

    /// Takes a consignment's row out of the index.
    pub fn remove(&mut self, id: &ConsignmentId) -> Option<Record> {
        let record = self.records.remove(id)?;
        self.across.remove(&record);
        Some(record)
    }

    /// Every finding across consignments (a KPC or an active seal on two or more).
    pub fn across(&self) -> Vec<AcrossFinding> {
        self.across.findings(|id| self.records.get(id))
    }

    /// The findings across consignments one consignment is part of.
    pub fn across_of(&self, id: &ConsignmentId) -> Vec<AcrossFinding> {
        match self.records.get(id) {
            Some(record) => self.across.findings_of(record, |id| self.records.get(id)),
            None => Vec::new(),
        }
    }

    /// The maps across consignments, as kept.
    pub fn holders(&self) -> &Across {
        &self.across
    }

    /// The duties not done by their end at `now`, every consignment's, the earliest end
    /// first: what headquarters chases (the Department's notice, expertise, State Control Act,
    /// an export's certificates).
    pub fn overdue_duties(
        &self,
        now: tamga_core::Timestamp,
    ) -> Vec<(ConsignmentId, tamga_core::assessment::duties::Duty)> {
        let mut out: Vec<_> = self
            .records
            .values()
            .flat_map(|r| {
                r.duties
                    .iter()
                    .filter(|d| d.overdue_at(now))
                    .map(|d| (r.consignment.clone(), d.clone()))
            })
            .collect();
        out.sort_by(|a, b| (a.1.due, &a.0).cmp(&(b.1.due, &b.0)));
        out
    }

    /// The tracked consignments in transit not heard of for longer than `allowed_seconds` at
    /// `now` (no position since, nor the start of transit), the longest silent first: what
    /// headquarters calls the crew or the seal operator about. Positions reach central late
    /// from vehicles without a link; a navigation seal's operator reports live.
    pub fn silent(
        &self,
        now: tamga_core::Timestamp,
        allowed_seconds: i64,
    ) -> Vec<(&Record, &super::record::Heard)> {
        let mut out: Vec<_> = self
            .records
            .values()
            .filter_map(|r| r.heard.as_ref().map(|h| (r, h)))
            .filter(|(_, h)| now.seconds_since(&h.at) > allowed_seconds)
            .collect();
        out.sort_by(|a, b| (a.1.at, &a.0.consignment).cmp(&(b.1.at, &b.0.consignment)));
        out
    }

    /// One consignment's row.
    pub fn get(&self, id: &ConsignmentId) -> Option<&Record> {
        self.records.get(id)
    }

    /// How many rows.
    pub fn len(&self) -> usize {
        self.records.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.records.is_empty()
    }

    /// The consignments matching `filter`: those with the most severe open discrepancies
    /// first, then by deadline, then by id (the page the filter asks for).
    pub fn consignments(&self, filter: &Filter) -> Vec<&Record> {
        let mut out: Vec<&Record> = self
            .records
            .values()
            .filter(|r| filter.matches(r))
            .collect();
        out.sort_by(|a, b| {
            let worst = |r: &Record| r.worst_open().map(|s| s as u8).unwrap_or(u8::MAX);
            (worst(a), a.deadline, &a.consignment).cmp(&(worst(b), b.deadline, &b.consignment))
        });
        filter.page(out)
    }

    /// The discrepancies matching `filter` (consignment part and discrepancy part), most severe
    /// first, then by consignment and kind (the page the filter asks for).
    pub fn discrepancies(&self, filter: &Filter) -> Vec<&DiscrepancyRow> {
        let mut out: Vec<&DiscrepancyRow> = self
            .records
            .values()
            .filter(|r| filter.matches_consignment(r))
            .flat_map(|r| r.discrepancies.iter())
            .filter(|d| filter.matches_discrepancy(d))
            .collect();
        out.sort_by(|a, b| {
            (a.severity, &a.consignment, a.kind, &a.id).cmp(&(
                b.severity,
                &b.consignment,
                b.kind,
                &b.id,
            ))
        });
        filter.page(out)
    }

    /// Counts over every row.
    pub fn totals(&self) -> Totals {
        let mut t = Totals {
            consignments: self.records.len(),
            across: self.across.counts(),
            ..Totals::default()
        };
        for r in self.records.values() {
            *t.by_status.entry(r.status.as_str()).or_default() += 1;
            t.overdue += usize::from(r.overdue);
            t.acts += r.acts;
            t.rejected += r.rejected;
            for d in &r.discrepancies {
                if d.resolution.is_some() {
                    t.resolved += 1;
                } else {
                    *t.open_by_severity.entry(d.severity).or_default() += 1;
                    *t.open_by_kind.entry(d.kind).or_default() += 1;
                }
            }
        }
        t
    }
}
