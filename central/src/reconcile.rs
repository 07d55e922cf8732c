//! Continuous reconciliation: every consignment whose document changed is assessed again and its
//! result kept in an in-memory index that staff filter by discrepancy kind, severity, post,
//! status, date and deadline.
//!
//! The index is derived, never authoritative: it is rebuilt from the store at start, follows the
//! store's change feed ([`tamga_store::Store::changed_since`]), and is reassessed whole
//! periodically, so that deadlines that pass without any new act still show as overdue.
//!
//! The functional core is [`Record::of`] (an assessment and its acts in, a row out), [`Index`]
//! (rows in, filtered lists and totals out) and [`Filter`]; [`Reconciler`] is the thin shell
//! that reads the store and the clock's time it is given.

use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};
use std::sync::RwLock;
use tamga_core::act::ActBody;
use tamga_core::assessment::{Resolution, Status};
use tamga_core::{
    Assessment, ConsignmentId, DiscrepancyKind, Severity, SignedAct, Timestamp, UnitCode,
};
use tamga_store::{DocId, Store, StoreError};

/// One discrepancy as the dashboard lists it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct DiscrepancyRow {
    /// Its stable id.
    pub id: String,
    /// The consignment.
    pub consignment: ConsignmentId,
    /// Kind.
    pub kind: DiscrepancyKind,
    /// Severity.
    pub severity: Severity,
    /// What it is about (a seal number, a post), or empty.
    pub subject: String,
    /// What happened, in words.
    pub summary: String,
    /// The acts that prove it (hex ids).
    pub acts: Vec<String>,
    /// How staff closed it, if they did.
    pub resolution: Option<Resolution>,
}

/// One consignment as the index holds it: what its latest assessment says, with what filters
/// need.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Record {
    /// The consignment.
    pub consignment: ConsignmentId,
    /// Where it stands.
    pub status: Status,
    /// When it was registered (the registration in force).
    pub registered_at: Option<Timestamp>,
    /// The declaration reference.
    pub declaration: Option<String>,
    /// Office of departure.
    pub departure: Option<UnitCode>,
    /// Office of destination.
    pub destination: Option<UnitCode>,
    /// The planned route.
    pub route: Vec<UnitCode>,
    /// Every post or unit concerned: the route, the custody parties, where acts were recorded.
    pub posts: BTreeSet<UnitCode>,
    /// The unit answering for the goods now.
    pub custodian: Option<UnitCode>,
    /// Custody is disputed (a fork).
    pub custody_disputed: bool,
    /// The delivery deadline.
    pub deadline: Option<Timestamp>,
    /// Past the deadline and not delivered.
    pub overdue: bool,
    /// The latest act's time.
    pub last_act_at: Option<Timestamp>,
    /// Acts that hold.
    pub acts: usize,
    /// Acts left out (bad signature, unknown key, ...).
    pub rejected: usize,
    /// Every discrepancy, open and resolved, most severe first.
    pub discrepancies: Vec<DiscrepancyRow>,
    /// The time it was assessed for.
    pub assessed_at: Timestamp,
}

impl Record {
    /// The row for `assessment`, made from the document's `acts`.
    pub fn of(assessment: &Assessment, acts: &[SignedAct]) -> Record {
        let holding: BTreeSet<_> = assessment.acts.iter().copied().collect();
        let valid: Vec<&SignedAct> = acts.iter().filter(|a| holding.contains(&a.id())).collect();
        let registration = assessment.registration().map(|(_, r)| r);
        let mut posts: BTreeSet<UnitCode> =
            assessment.state.route.planned.iter().cloned().collect();
        for act in &valid {
            if let Some(post) = act.body().place().and_then(|p| p.post()) {
                posts.insert(post.clone());
            }
            if let ActBody::CustodyTransferred(t) = act.body() {
                posts.insert(t.releasing.unit.clone());
                posts.insert(t.receiving.unit.clone());
            }
        }
        if let Some(r) = registration {
            posts.insert(r.office_of_departure.clone());
            posts.insert(r.office_of_destination.clone());
        }
        let discrepancies = assessment
            .discrepancies
            .iter()
            .map(|d| DiscrepancyRow {
                id: d.id.to_string(),
                consignment: assessment.consignment.clone(),
                kind: d.kind,
                severity: d.severity,
                subject: d.subject.clone(),
                summary: d.summary.clone(),
                acts: d.acts.iter().map(|a| a.to_hex()).collect(),
                resolution: d.resolution.clone(),
            })
            .collect();
        Record {
            consignment: assessment.consignment.clone(),
            status: assessment.state.status,
            registered_at: registration.map(|r| r.at),
            declaration: registration.map(|r| r.declaration.to_string()),
            departure: registration.map(|r| r.office_of_departure.clone()),
            destination: registration.map(|r| r.office_of_destination.clone()),
            route: assessment.state.route.planned.clone(),
            posts,
            custodian: assessment.state.custodian.as_ref().map(|h| h.unit.clone()),
            custody_disputed: assessment.state.custody_disputed,
            deadline: assessment.state.deadline,
            overdue: assessment.state.overdue,
            last_act_at: valid.iter().map(|a| a.body().at()).max(),
            acts: assessment.acts.len(),
            rejected: assessment.rejected.len(),
            discrepancies,
            assessed_at: assessment.as_of,
        }
    }

    /// The discrepancies not yet resolved.
    pub fn open(&self) -> impl Iterator<Item = &DiscrepancyRow> {
        self.discrepancies.iter().filter(|d| d.resolution.is_none())
    }

    /// The most severe open discrepancy's severity.
    pub fn worst_open(&self) -> Option<Severity> {
        self.open().map(|d| d.severity).min()
    }
}

/// Which discrepancies a filter looks at.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum DiscrepancyState {
    /// Not yet resolved.
    #[default]
    Open,
    /// Resolved by staff.
    Resolved,
    /// Both.
    All,
}

/// What staff filter by. Every field is optional; all given must match.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Filter {
    /// Status.
    pub status: Option<Status>,
    /// A discrepancy of this kind (in the state asked for).
    pub kind: Option<DiscrepancyKind>,
    /// A discrepancy of this severity (in the state asked for).
    pub severity: Option<Severity>,
    /// The post or unit concerned.
    pub post: Option<UnitCode>,
    /// Registered at or after.
    pub from: Option<Timestamp>,
    /// Registered before.
    pub until: Option<Timestamp>,
    /// Deadline before.
    pub due_before: Option<Timestamp>,
    /// Only consignments with (or, false, without) discrepancies in the state asked for.
    pub with_discrepancies: Option<bool>,
    /// Which discrepancies `kind`, `severity` and `with_discrepancies` look at.
    pub state: DiscrepancyState,
    /// Only overdue ones.
    pub overdue: Option<bool>,
}

/// Why a filter could not be read.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("{field}: {detail}")]
pub struct FilterError {
    /// The query parameter.
    pub field: String,
    /// What is wrong.
    pub detail: String,
}

fn status_of(text: &str) -> Option<Status> {
    [
        Status::Unregistered,
        Status::Registered,
        Status::InTransit,
        Status::Arrived,
        Status::Delivered,
    ]
    .into_iter()
    .find(|s| s.as_str() == text)
}

/// A discrepancy kind by its stable name.
pub fn kind_of(text: &str) -> Option<DiscrepancyKind> {
    serde_json::from_value(serde_json::Value::String(text.to_owned())).ok()
}

/// A severity by its name.
pub fn severity_of(text: &str) -> Option<Severity> {
    serde_json::from_value(serde_json::Value::String(text.to_owned())).ok()
}

impl Filter {
    /// Reads a filter from query parameters (`status`, `kind`, `severity`, `post`, `from`,
    /// `until`, `due_before`, `discrepancies` = `yes`/`no`, `state` = `open`/`resolved`/`all`,
    /// `overdue` = `yes`/`no`). Times are RFC 3339 or a date; empty values are ignored; an
    /// unknown parameter is refused.
    pub fn from_query(params: &BTreeMap<String, String>) -> Result<Filter, FilterError> {
        let mut filter = Filter::default();
        for (name, value) in params {
            let value = value.trim();
            if value.is_empty() {
                continue;
            }
            let bad = |detail: String| FilterError {
                field: name.clone(),
                detail,
            };
            let time = || crate::authority::parse_time(value).map_err(bad);
            let yes_no = || match value {
                "yes" | "true" => Ok(true),
                "no" | "false" => Ok(false),
                _ => Err(bad(format!("{value:?}: expected yes or no"))),
            };
            match name.as_str() {
                "status" => {
                    filter.status = Some(status_of(value).ok_or_else(|| {
                        bad(format!("{value:?}: expected unregistered, registered, in_transit, arrived or delivered"))
                    })?)
                }
                "kind" => {
                    filter.kind = Some(kind_of(value).ok_or_else(|| {
                        bad(format!("{value:?} is not a discrepancy kind (like seal_missing, overdue, bad_signature)"))
                    })?)
                }
                "severity" => {
                    filter.severity = Some(severity_of(value).ok_or_else(|| {
                        bad(format!("{value:?}: expected critical, major or minor"))
                    })?)
                }
                "post" => {
                    filter.post =
                        Some(UnitCode::new(value.to_owned()).map_err(|e| bad(e.to_string()))?)
                }
                "from" => filter.from = Some(time()?),
                "until" => filter.until = Some(time()?),
                "due_before" => filter.due_before = Some(time()?),
                "discrepancies" => filter.with_discrepancies = Some(yes_no()?),
                "overdue" => filter.overdue = Some(yes_no()?),
                "state" => {
                    filter.state = match value {
                        "open" => DiscrepancyState::Open,
                        "resolved" => DiscrepancyState::Resolved,
                        "all" => DiscrepancyState::All,
                        _ => return Err(bad(format!("{value:?}: expected open, resolved or all"))),
                    }
                }
                _ => return Err(bad("unknown filter".into())),
            }
        }
        Ok(filter)
    }

    fn state_matches(&self, d: &DiscrepancyRow) -> bool {
        match self.state {
            DiscrepancyState::Open => d.resolution.is_none(),
            DiscrepancyState::Resolved => d.resolution.is_some(),
            DiscrepancyState::All => true,
        }
    }

    /// Whether a discrepancy matches the discrepancy part of the filter.
    pub fn matches_discrepancy(&self, d: &DiscrepancyRow) -> bool {
        self.state_matches(d)
            && self.kind.is_none_or(|k| d.kind == k)
            && self.severity.is_none_or(|s| d.severity == s)
    }

    /// Whether a consignment matches the consignment part of the filter.
    pub fn matches_consignment(&self, r: &Record) -> bool {
        let registered_in = |t: Option<Timestamp>| {
            self.from.is_none_or(|f| t.is_some_and(|t| f <= t))
                && self.until.is_none_or(|u| t.is_some_and(|t| t < u))
        };
        self.status.is_none_or(|s| r.status == s)
            && self.post.as_ref().is_none_or(|p| r.posts.contains(p))
            && registered_in(r.registered_at)
            && self
                .due_before
                .is_none_or(|b| r.deadline.is_some_and(|d| d < b))
            && self.overdue.is_none_or(|o| r.overdue == o)
    }

    /// Whether a consignment matches the whole filter.
    pub fn matches(&self, r: &Record) -> bool {
        if !self.matches_consignment(r) {
            return false;
        }
        let any = r.discrepancies.iter().any(|d| self.matches_discrepancy(d));
        let asks_discrepancy = self.kind.is_some() || self.severity.is_some();
        match self.with_discrepancies {
            Some(want) => want == any && (!asks_discrepancy || any),
            None => !asks_discrepancy || any,
        }
    }
}

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
}

/// The index: one row per consignment.
#[derive(Clone, Debug, Default)]
pub struct Index {
    records: BTreeMap<ConsignmentId, Record>,
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
        self.records.insert(record.consignment.clone(), record);
        after.saturating_sub(before)
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
    /// first, then by deadline, then by id.
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
        out
    }

    /// The discrepancies matching `filter` (consignment part and discrepancy part), most severe
    /// first, then by consignment and kind.
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
        out
    }

    /// Counts over every row.
    pub fn totals(&self) -> Totals {
        let mut t = Totals {
            consignments: self.records.len(),
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

/// The shell: the store, the index, where the feed was followed to.
pub struct Reconciler {
    store: std::sync::Arc<Store>,
    state: RwLock<(Index, Progress)>,
    /// One pass at a time (the loop, a refresh after a resolution).
    pass: std::sync::Mutex<()>,
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
    /// A reconciler over `store`, with an empty index: run [`Reconciler::full`] to fill it.
    pub fn new(store: std::sync::Arc<Store>) -> Reconciler {
        Reconciler {
            store,
            state: RwLock::new((Index::default(), Progress::default())),
            pass: std::sync::Mutex::new(()),
        }
    }

    /// Reads the index and progress.
    pub fn read<T>(&self, f: impl FnOnce(&Index, &Progress) -> T) -> T {
        let guard = self.state.read().unwrap_or_else(|p| p.into_inner());
        f(&guard.0, &guard.1)
    }

    fn assess_into(
        &self,
        ids: &[ConsignmentId],
        now: Timestamp,
        counting: bool,
    ) -> Result<usize, StoreError> {
        let mut records = Vec::with_capacity(ids.len());
        for id in ids {
            let (assessment, acts) = self.store.assessment_and_acts(id, now)?;
            records.push(Record::of(&assessment, &acts));
        }
        let mut guard = self.state.write().unwrap_or_else(|p| p.into_inner());
        let (index, progress) = &mut *guard;
        for r in records {
            let more = index.put(r);
            if counting {
                progress.acts_ingested += more as u64;
            }
        }
        progress.assessments += ids.len() as u64;
        Ok(ids.len())
    }

    /// Follows the change feed: reassesses every consignment changed since the last pass (all of
    /// them if the registry changed: verdicts depend on it).
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
        let (mut ids, registry) = consignments_among(&changed);
        if registry {
            ids = self.all_consignments()?;
        }
        let assessed = self.assess_into(&ids, now, true)?;
        let mut guard = self.state.write().unwrap_or_else(|p| p.into_inner());
        guard.1.position = guard.1.position.max(position);
        guard.1.last_pass = Some(now);
        Ok(Pass { assessed, position })
    }

    fn all_consignments(&self) -> Result<Vec<ConsignmentId>, StoreError> {
        Ok(consignments_among(&self.store.changed_since(0)?).0)
    }

    /// Reassesses every consignment (deadlines pass without any new act). The first full pass
    /// fills the index without counting its acts as ingested.
    pub fn full(&self, now: Timestamp) -> Result<Pass, StoreError> {
        let _one = self.pass.lock().unwrap_or_else(|p| p.into_inner());
        let position = self.store.last_seq()?;
        let ids = self.all_consignments()?;
        let first = self.read(|_, p| p.last_full.is_none());
        let assessed = self.assess_into(&ids, now, !first)?;
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
mod tests {
    use super::*;
    use tamga_core::act::SealState;
    use tamga_core::fixtures::{at, Story};
    use tamga_core::{assess, Tolerances};

    fn record(story: &Story, acts: &[SignedAct], now: Timestamp) -> Record {
        let a = assess(
            &story.consignment,
            acts,
            &story.registry(),
            now,
            &Tolerances::default(),
        );
        Record::of(&a, acts)
    }

    fn query(pairs: &[(&str, &str)]) -> Result<Filter, FilterError> {
        Filter::from_query(
            &pairs
                .iter()
                .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
                .collect(),
        )
    }

    #[test]
    fn a_clean_delivery_has_no_open_discrepancy_and_every_post_concerned() {
        let story = Story::new();
        let acts = story.clean_delivery();
        let r = record(&story, &acts, story.after());
        assert_eq!(r.status, Status::Delivered);
        assert_eq!(r.acts, acts.len());
        assert_eq!(r.rejected, 0);
        assert!(r.open().next().is_none(), "{:?}", r.discrepancies);
        for post in ["MANAS-AIRPORT", "PMD-BISHKEK", "ESCORT-BISHKEK"] {
            assert!(r.posts.contains(&UnitCode::new(post).unwrap()), "{post}");
        }
        assert_eq!(r.registered_at, Some(story.start));
        assert_eq!(r.last_act_at, Some(story.t(110)));
    }

    #[test]
    fn the_deadline_passing_makes_a_consignment_overdue_without_a_new_act() {
        let story = Story::new();
        let on_the_road = story.clean_delivery()[..6].to_vec();
        let before = record(&story, &on_the_road, story.t(120));
        assert!(!before.overdue);
        let later = record(&story, &on_the_road, story.t(60 * 24));
        assert!(later.overdue);
        assert!(later.open().any(|d| d.kind == DiscrepancyKind::Overdue));
    }

    #[test]
    fn filters_pick_by_kind_severity_post_status_date_and_deadline() {
        let story = Story::new();
        let clean = story.clean_delivery();
        let mut damaged = clean[..5].to_vec();
        damaged.push(story.seal_checked(60, SealState::Damaged));
        let mut index = Index::default();
        let mut other = record(&story, &damaged, story.after());
        other.consignment = ConsignmentId::new("10609050/231126/0000999").unwrap();
        for d in &mut other.discrepancies {
            d.consignment = other.consignment.clone();
        }
        assert_eq!(
            index.put(record(&story, &clean, story.after())),
            clean.len()
        );
        index.put(other.clone());
        assert_eq!(index.len(), 2);

        let damaged_only = query(&[("kind", "seal_damaged")]).unwrap();
        let found = index.consignments(&damaged_only);
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].consignment, other.consignment);
        assert!(index
            .discrepancies(&damaged_only)
            .iter()
            .all(|d| d.kind == DiscrepancyKind::SealDamaged && d.consignment == other.consignment));
        assert!(!index.discrepancies(&damaged_only).is_empty());

        let delivered = query(&[("status", "delivered")]).unwrap();
        assert_eq!(index.consignments(&delivered).len(), 1);
        let none_open = query(&[("discrepancies", "no")]).unwrap();
        assert_eq!(
            index.consignments(&none_open)[0].consignment,
            story.consignment
        );
        let at_department = query(&[("post", "PMD-BISHKEK")]).unwrap();
        assert_eq!(
            index.consignments(&at_department).len(),
            2,
            "the route passes it"
        );
        let elsewhere = query(&[("post", "TOKMOK-ROAD")]).unwrap();
        assert!(index.consignments(&elsewhere).is_empty());
        let later = query(&[("from", "2026-11-24")]).unwrap();
        assert!(index.consignments(&later).is_empty());
        let that_day = query(&[("from", "2026-11-23"), ("until", "2026-11-24")]).unwrap();
        assert_eq!(index.consignments(&that_day).len(), 2);
        let due_early = query(&[("due_before", "2026-11-23T07:00:00Z")]).unwrap();
        assert!(index.consignments(&due_early).is_empty());
        // The consignment with an open discrepancy comes first.
        let all = index.consignments(&Filter::default());
        assert_eq!(all[0].consignment, other.consignment);

        let totals = index.totals();
        assert_eq!(totals.consignments, 2);
        assert_eq!(totals.by_status["delivered"], 1);
        assert!(totals.open_by_kind[&DiscrepancyKind::SealDamaged] >= 1);
    }

    #[test]
    fn bad_filters_are_refused_with_the_parameter() {
        for (name, value) in [
            ("kind", "lost"),
            ("severity", "urgent"),
            ("status", "gone"),
            ("post", "not a code"),
            ("from", "yesterday"),
            ("discrepancies", "maybe"),
            ("colour", "red"),
        ] {
            let err = query(&[(name, value)]).unwrap_err();
            assert_eq!(err.field, name, "{err}");
        }
        assert_eq!(query(&[("kind", "")]).unwrap(), Filter::default());
        assert_eq!(
            query(&[("severity", "critical")]).unwrap().severity,
            Some(Severity::Critical)
        );
        let _ = at("2026-01-01T00:00:00Z");
    }

    #[test]
    fn the_reconciler_follows_the_feed_and_reassesses_on_a_full_pass() {
        let story = Story::new();
        let root = tempfile::tempdir().unwrap();
        let store = std::sync::Arc::new(Store::open(root.path(), &story.authority_id()).unwrap());
        for act in story.registry_acts() {
            store.record(&act).unwrap();
        }
        let acts = story.clean_delivery();
        for act in &acts[..3] {
            store.record(act).unwrap();
        }
        let reconciler = Reconciler::new(std::sync::Arc::clone(&store));
        let first = reconciler.full(story.t(30)).unwrap();
        assert_eq!(first.assessed, 1);
        assert_eq!(reconciler.lag_positions().unwrap(), 0);
        assert_eq!(
            reconciler.read(|_, p| p.acts_ingested),
            0,
            "the first load is not ingestion"
        );

        for act in &acts[3..6] {
            store.record(act).unwrap();
        }
        assert!(reconciler.lag_positions().unwrap() > 0);
        let pass = reconciler.step(story.t(70)).unwrap();
        assert_eq!(pass.assessed, 1);
        assert_eq!(reconciler.lag_positions().unwrap(), 0);
        reconciler.read(|index, progress| {
            assert_eq!(progress.acts_ingested, 3);
            let r = index.get(&story.consignment).unwrap();
            assert_eq!(r.acts, 6);
            assert_eq!(r.status, Status::InTransit);
            assert!(!r.overdue);
        });
        // Nothing new: a step assesses nothing; a full pass a day later finds it overdue.
        assert_eq!(reconciler.step(story.t(80)).unwrap().assessed, 0);
        reconciler.full(story.t(60 * 24)).unwrap();
        reconciler.read(|index, _| {
            let r = index.get(&story.consignment).unwrap();
            assert!(r.overdue);
            assert_eq!(index.totals().overdue, 1);
        });
    }
}
