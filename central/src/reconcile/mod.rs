//! Continuous reconciliation: every consignment whose document changed is assessed again and its
//! result kept in an in-memory index that staff filter by discrepancy kind, severity, post,
//! status, date and deadline.
//!
//! The index is derived, never authoritative: it is rebuilt from the store at start, follows the
//! store's change feed ([`tamga_store::Store::changed_since`]), and is reassessed whole
//! periodically, so that deadlines that pass without any new act still show as overdue.
//!
//! The functional core is [`Record::of`] (an assessment and its acts in, a row out, in
//! `record`), [`Index`] (rows in, filtered lists and totals out, in `index`) and [`Filter`] (in
//! `filter`); [`Reconciler`] is the thin shell that reads the store and the clock's time it is
//! given. Its full pass ([`Reconciler::full`], in `full`) runs on every core, each worker reading
//! through its own [`tamga_store::Reader`]: every act decoded and verified once per pass, the
//! index updated a batch at a time, memory bounded; it gives the index the one-thread pass
//! through the store's caches ([`Reconciler::full_sequential`]) gives, at the same time.
//!
//! Rules across consignments (a KPC or an active seal on two or more, in `across`) read the
//! facts each row keeps ([`Record::kpcs`], [`Record::active_seals`]); the index keeps who holds
//! what as rows are put, so [`Index::across`] lists the findings without a pass over every row.

mod across;
mod filter;
mod full;
mod index;
mod record;
pub mod sightings;

pub use across::{Across, AcrossFinding, AcrossKind, AcrossMember};
pub use filter::{
    kind_of, severity_of, status_of, DiscrepancyState, Filter, FilterError, STATUSES,
};
pub use full::default_threads;
pub use index::{Index, Totals};
pub use record::{DiscrepancyRow, KpcHeld, Record, SealHeld};

use serde::Serialize;
use std::sync::RwLock;
use tamga_core::{ConsignmentId, Timestamp};
use tamga_store::{DocId, Store, StoreError};

/// Where reconciliation stands.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Progress {
    /// The feed position the index has followed up to.
    pub position: u64,
    /// When the last pass (following the feed) finished.
    pub last_pass: Option<Timestamp>,
    /// When everything was last reassessed.
    pub last_full: Option<Timestamp>,
    /// Acts that arrived since central started (held or left out), as reconciliation saw them.
    pub acts_ingested: u64,
    /// Consignments assessed since central started.
    pub assessments: u64,
}

/// What one pass did.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Pass {
    /// Consignments assessed.
    pub assessed: usize,
    /// The position followed up to.
    pub position: u64,
}

/// What a pass hands each consignment it assesses to, besides the index (on a shared
/// database, the reconciliation's rows are written there: `crate::postgres::RowWriter`).
/// Called on the pass's workers.
pub type Tap = std::sync::Arc<TapFn>;

/// What a [`Tap`] calls.
pub type TapFn = dyn Fn(&tamga_core::Assessment, &Record) + Send + Sync;

/// The shell: the store, the index, where the feed was followed to.
pub struct Reconciler {
    store: std::sync::Arc<Store>,
    state: RwLock<(Index, Progress)>,
    /// One pass at a time (the loop, a refresh after a resolution).
    pass: std::sync::Mutex<()>,
    /// Workers of a pass over every consignment.
    threads: usize,
    /// The offline allowance for `seen_late`, in seconds.
    allowance: u64,
    /// Where else each assessed consignment goes.
    tap: Option<Tap>,
}

/// The consignments among a feed answer, and whether the registry changed.
fn consignments_among(changed: &[(u64, DocId)]) -> (Vec<ConsignmentId>, bool) {
    let mut registry = false;
    let mut ids = Vec::new();
    for (_, doc) in changed {
        match doc {
            DocId::Registry => registry = true,
            DocId::Consignment(id) => ids.push(id.clone()),
        }
    }
    (ids, registry)
}

impl Reconciler {
    /// A reconciler over `store`, with an empty index: run [`Reconciler::full`] to fill it. Its
    /// full passes run [`default_threads`] workers.
    pub fn new(store: std::sync::Arc<Store>) -> Reconciler {
        Reconciler {
            store,
            state: RwLock::new((Index::default(), Progress::default())),
            pass: std::sync::Mutex::new(()),
            threads: default_threads(),
            allowance: tamga_core::transparency::evidence::DEFAULT_OFFLINE_ALLOWANCE_SECONDS,
            tap: None,
        }
    }

    /// The same, handing every consignment it assesses to `tap` too.
    pub fn with_tap(self, tap: Tap) -> Reconciler {
        Reconciler {
            tap: Some(tap),
            ..self
        }
    }

    /// The same, flagging acts first seen by the log more than `seconds` after their time.
    pub fn with_offline_allowance(self, seconds: u64) -> Reconciler {
        Reconciler {
            allowance: seconds,
            ..self
        }
    }

    /// The same, with `threads` workers for a pass over every consignment (at least one).
    pub fn with_threads(self, threads: usize) -> Reconciler {
        Reconciler {
            threads: threads.max(1),
            ..self
        }
    }

    /// Reads the index and progress.
    pub fn read<T>(&self, f: impl FnOnce(&Index, &Progress) -> T) -> T {
        let guard = self.state.read().unwrap_or_else(|p| p.into_inner());
        f(&guard.0, &guard.1)
    }

    /// Puts rows in the index, counting the acts they add as ingested if `counting`.
    fn put(&self, records: Vec<Record>, counting: bool) {
        let mut guard = self.state.write().unwrap_or_else(|p| p.into_inner());
        let (index, progress) = &mut *guard;
        progress.assessments += records.len() as u64;
        for r in records {
            let more = index.put(r);
            if counting {
                progress.acts_ingested += more as u64;
            }
        }
    }

    /// Assesses a few consignments on this thread through the store's caches (a step's
    /// documents were just merged: loaded, their acts decoded and verified).
    fn assess_into(
        &self,
        ids: &[ConsignmentId],
        now: Timestamp,
        counting: bool,
    ) -> Result<usize, StoreError> {
        let mut records = Vec::with_capacity(ids.len());
        let registry = self.store.registry();
        for id in ids {
            let (assessment, acts) = self.store.assessment_and_acts(id, now)?;
            let assessment = sightings::with_sightings(
                &self.store,
                &registry,
                assessment,
                &acts,
                self.allowance,
            );
            let record = Record::of(&assessment, &acts);
            if let Some(tap) = &self.tap {
                tap(&assessment, &record);
            }
            records.push(record);
        }
        self.put(records, counting);
        Ok(ids.len())
    }

    /// Assesses many consignments on the reconciler's workers (see `full`).
    fn assess_all(
        &self,
        ids: &[ConsignmentId],
        now: Timestamp,
        counting: bool,
    ) -> Result<usize, StoreError> {
        let put = |records: Vec<Record>| self.put(records, counting);
        full::assess_all(
            &self.store,
            ids,
            now,
            self.threads,
            self.allowance,
            &put,
            self.tap.as_deref(),
        )?;
        Ok(ids.len())
    }

    /// Follows the change feed: reassesses every consignment changed since the last pass (all of
    /// them, as a full pass does, if the registry changed: verdicts depend on it).
    pub fn step(&self, now: Timestamp) -> Result<Pass, StoreError> {
        let _one = self.pass.lock().unwrap_or_else(|p| p.into_inner());
        let since = self.read(|_, p| p.position);
        let changed = self.store.changed_since(since)?;
        let Some(position) = changed.iter().map(|(s, _)| *s).max() else {
            self.state
                .write()
                .unwrap_or_else(|p| p.into_inner())
                .1
                .last_pass = Some(now);
            return Ok(Pass {
                assessed: 0,
                position: since,
            });
        };
        let (ids, registry) = consignments_among(&changed);
        let assessed = if registry {
            self.assess_all(&self.all_consignments()?, now, true)?
        } else {
            self.assess_into(&ids, now, true)?
        };
        let mut guard = self.state.write().unwrap_or_else(|p| p.into_inner());
        guard.1.position = guard.1.position.max(position);
        guard.1.last_pass = Some(now);
        Ok(Pass { assessed, position })
    }

    fn all_consignments(&self) -> Result<Vec<ConsignmentId>, StoreError> {
        Ok(consignments_among(&self.store.changed_since(0)?).0)
    }

    /// Reassesses every consignment (deadlines pass without any new act) on the reconciler's
    /// workers, the index updated a batch at a time (a reader may see some rows of this pass
    /// and some of the last; an error leaves the batches already put). The first full pass
    /// fills the index without counting its acts as ingested.
    pub fn full(&self, now: Timestamp) -> Result<Pass, StoreError> {
        self.full_by(now, Self::assess_all)
    }

    /// [`Reconciler::full`] on this thread alone, through the store's shared caches, the index
    /// updated once at the end: the reference the parallel pass is tested and measured
    /// against.
    pub fn full_sequential(&self, now: Timestamp) -> Result<Pass, StoreError> {
        self.full_by(now, Self::assess_into)
    }

    fn full_by(
        &self,
        now: Timestamp,
        assess: fn(&Self, &[ConsignmentId], Timestamp, bool) -> Result<usize, StoreError>,
    ) -> Result<Pass, StoreError> {
        let _one = self.pass.lock().unwrap_or_else(|p| p.into_inner());
        let position = self.store.last_seq()?;
        let ids = self.all_consignments()?;
        let first = self.read(|_, p| p.last_full.is_none());
        let assessed = assess(self, &ids, now, !first)?;
        let mut guard = self.state.write().unwrap_or_else(|p| p.into_inner());
        guard.1.position = guard.1.position.max(position);
        guard.1.last_full = Some(now);
        guard.1.last_pass = Some(now);
        Ok(Pass { assessed, position })
    }

    /// Reassesses one consignment now (after staff recorded an act for it).
    pub fn refresh(&self, id: &ConsignmentId, now: Timestamp) -> Result<(), StoreError> {
        let _one = self.pass.lock().unwrap_or_else(|p| p.into_inner());
        self.assess_into(std::slice::from_ref(id), now, true)
            .map(|_| ())
    }

    /// How many feed positions the index is behind the store.
    pub fn lag_positions(&self) -> Result<u64, StoreError> {
        let last = self.store.last_seq()?;
        Ok(last.saturating_sub(self.read(|_, p| p.position)))
    }
}

#[cfg(test)]
mod tests;
