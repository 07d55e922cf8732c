//! The reconciliation's rows in the shared database (`migrations/V2__reconciliation_rows.sql`):
//! each consignment's row, posts and discrepancies as the dashboard lists them, and the facts
//! the KP statistics and the Department reconciliation sum, so that analysts and BI tools read
//! them with SQL through the `analyst` views (`docs/analyst-views.md`).
//!
//! [`RowSet::of`] is pure: a consignment's assessment and index row in, its rows out. The
//! figures come from the reports' own functions run on the one consignment
//! ([`crate::reports::kp_statistics`], [`crate::reports::reconciliation`]), so a sum over the
//! rows is the report's figure by construction, not by a second implementation of its rules.
//! [`RowWriter`] is the shell: the reconciler hands it every consignment it assesses
//! ([`crate::reconcile::Reconciler::with_tap`]) and it writes them a batch at a time.

use super::{failed, Replica};
use crate::reconcile::Record;
use crate::reports::{
    kp_certificates, kp_statistics, reconciliation, year_of, ConsignmentRecord, ReconciliationLine,
};
use rust_decimal::Decimal;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use tamga_core::act::Direction;
use tamga_core::{Assessment, Timestamp};
use tamga_store::StoreError;
use tracing::warn;

/// Rows written in one transaction.
const BATCH: usize = 256;

/// A consignment's Kimberley Process figures, as the KP statistics count it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct KpFact {
    /// The local year of its registration.
    pub year: i32,
    /// Import, export or transit.
    pub direction: String,
    /// Counted in the tables (not refused or returned).
    pub counted: bool,
    /// Carats counted.
    pub volume_ct: Decimal,
    /// US dollars counted.
    pub value_usd: Decimal,
    /// The carats valued in US dollars.
    pub usd_valued_ct: Decimal,
    /// Carats deducted for a shortage.
    pub shortage_ct: Decimal,
    /// Registered carats, when refused or returned.
    pub refused_or_returned_ct: Decimal,
    /// Values in other currencies: currency, amount, carats.
    pub not_in_usd: Vec<(String, Decimal, Decimal)>,
}

/// One discrepancy's row.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DiscrepancyFact {
    /// Its stable id.
    pub id: String,
    /// Its kind.
    pub kind: &'static str,
    /// Its severity.
    pub severity: &'static str,
    /// Resolved by staff.
    pub resolved: bool,
    /// What it is about.
    pub subject: String,
    /// In English.
    pub summary: String,
    /// The acts that prove it.
    pub acts: Vec<String>,
}

/// Everything the database keeps of one consignment.
#[derive(Clone, Debug)]
pub struct RowSet {
    /// The feed position of the replica it was derived from.
    pub position: u64,
    /// The index row.
    pub record: Record,
    /// Its direction, if registered.
    pub direction: Option<String>,
    /// Its discrepancies.
    pub discrepancies: Vec<DiscrepancyFact>,
    /// Its KP figures, if it carries rough diamonds.
    pub kp: Option<KpFact>,
    /// Its KP certificates: issuing country, number.
    pub kp_certificates: Vec<(String, String)>,
    /// Its goods lines of precious stones and metals.
    pub lines: Vec<ReconciliationLine>,
    /// Its State Control Certificates: issuing country, number.
    pub state_control_certificates: Vec<(String, String)>,
}

fn direction_name(d: Direction) -> String {
    match d {
        Direction::Import => "import",
        Direction::Export => "export",
        Direction::Transit => "transit",
    }
    .to_owned()
}

impl RowSet {
    /// The rows of the consignment `assessment` judges (its index row `record`), derived at
    /// feed `position`, its KP year in `zone`.
    pub fn of(
        assessment: &Assessment,
        record: &Record,
        position: u64,
        zone: chrono_tz::Tz,
    ) -> RowSet {
        let discrepancies = record
            .discrepancies
            .iter()
            .map(|d| DiscrepancyFact {
                id: d.id.clone(),
                kind: d.kind.as_str(),
                severity: d.severity.as_str(),
                resolved: d.resolution.is_some(),
                subject: d.subject.clone(),
                summary: d.summary.clone(),
                acts: d.acts.clone(),
            })
            .collect();
        let mut set = RowSet {
            position,
            record: record.clone(),
            direction: None,
            discrepancies,
            kp: None,
            kp_certificates: Vec::new(),
            lines: Vec::new(),
            state_control_certificates: Vec::new(),
        };
        let Some((_, registration)) = assessment.registration() else {
            return set;
        };
        set.direction = Some(direction_name(registration.direction));
        let one = [ConsignmentRecord {
            assessment,
            registration,
        }];
        if let Some(year) = year_of(&registration.at, zone) {
            match kp_statistics(&one, year..=year, zone) {
                Ok(kp) => {
                    let row = &kp.years[0];
                    let flow = match registration.direction {
                        Direction::Import => &row.import,
                        Direction::Export => &row.export,
                        Direction::Transit => &row.transit,
                    };
                    if flow.consignments + flow.refused_or_returned > 0 {
                        set.kp = Some(KpFact {
                            year,
                            direction: direction_name(registration.direction),
                            counted: flow.consignments > 0,
                            volume_ct: flow.volume_ct,
                            value_usd: flow.value_usd,
                            usd_valued_ct: flow.usd_valued_ct,
                            shortage_ct: flow.shortage_ct,
                            refused_or_returned_ct: flow.refused_or_returned_ct,
                            not_in_usd: flow
                                .not_in_usd
                                .iter()
                                .map(|n| (n.currency.clone(), n.amount, n.volume_ct))
                                .collect(),
                        });
                        set.kp_certificates = kp_certificates(registration);
                        set.kp_certificates.sort();
                        set.kp_certificates.dedup();
                    }
                }
                Err(e) => {
                    warn!(consignment = %assessment.consignment, error = %e, "no KP figures for the shared database")
                }
            }
        }
        match reconciliation(&one, registration.at, registration.at.plus_seconds(1)) {
            Ok(r) => set.lines = r.lines,
            Err(e) => {
                warn!(consignment = %assessment.consignment, error = %e, "no goods lines for the shared database")
            }
        }
        set.state_control_certificates = one[0]
            .state_control_certificates()
            .map(|c| {
                (
                    c.issued_by.as_str().to_owned(),
                    c.number.as_str().to_owned(),
                )
            })
            .collect();
        set.state_control_certificates.sort();
        set.state_control_certificates.dedup();
        set
    }
}

fn text(t: &Option<Timestamp>) -> Option<String> {
    t.as_ref().map(|t| t.to_string())
}

impl Replica {
    /// Writes `rows` in one transaction: each consignment's row replaces the one there unless
    /// that one was derived from a later feed position (or at a later time from the same), and
    /// with it all its other rows. Returns how many consignments were written.
    pub fn write_rows(&self, rows: &[RowSet]) -> Result<usize, StoreError> {
        let mut client = self.database().connection()?;
        let mut tx = client.transaction().map_err(failed)?;
        let upsert = tx
            .prepare(
                "INSERT INTO consignment_rows (consignment, derived_position, assessed_at, status, outcome, \
                 declaration, direction, registered_at, departure, destination, custodian, custody_disputed, \
                 deadline, overdue, last_act_at, acts, rejected, worst_open_severity, open_discrepancies, record) \
                 VALUES ($1, $2, $3::text::timestamptz, $4, $5, $6, $7, $8::text::timestamptz, $9, $10, $11, $12, \
                 $13::text::timestamptz, $14, $15::text::timestamptz, $16, $17, $18, $19, $20::text::jsonb) \
                 ON CONFLICT (consignment) DO UPDATE SET derived_position = EXCLUDED.derived_position, \
                 assessed_at = EXCLUDED.assessed_at, status = EXCLUDED.status, outcome = EXCLUDED.outcome, \
                 declaration = EXCLUDED.declaration, direction = EXCLUDED.direction, \
                 registered_at = EXCLUDED.registered_at, departure = EXCLUDED.departure, \
                 destination = EXCLUDED.destination, custodian = EXCLUDED.custodian, \
                 custody_disputed = EXCLUDED.custody_disputed, deadline = EXCLUDED.deadline, \
                 overdue = EXCLUDED.overdue, last_act_at = EXCLUDED.last_act_at, acts = EXCLUDED.acts, \
                 rejected = EXCLUDED.rejected, worst_open_severity = EXCLUDED.worst_open_severity, \
                 open_discrepancies = EXCLUDED.open_discrepancies, record = EXCLUDED.record \
                 WHERE (consignment_rows.derived_position, consignment_rows.assessed_at) \
                    <= (EXCLUDED.derived_position, EXCLUDED.assessed_at) \
                 RETURNING consignment",
            )
            .map_err(failed)?;
        let post = tx
            .prepare("INSERT INTO consignment_posts (consignment, post) VALUES ($1, $2)")
            .map_err(failed)?;
        let discrepancy = tx
            .prepare(
                "INSERT INTO discrepancy_rows (consignment, id, kind, severity, resolved, subject, summary, acts) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
            )
            .map_err(failed)?;
        let kp = tx
            .prepare(
                "INSERT INTO kp_facts (consignment, year, direction, counted, volume_ct, value_usd, usd_valued_ct, \
                 shortage_ct, refused_or_returned_ct) VALUES ($1, $2, $3, $4, $5::text::numeric, $6::text::numeric, \
                 $7::text::numeric, $8::text::numeric, $9::text::numeric)",
            )
            .map_err(failed)?;
        let not_usd = tx
            .prepare(
                "INSERT INTO kp_not_in_usd (consignment, currency, amount, volume_ct) \
                 VALUES ($1, $2, $3::text::numeric, $4::text::numeric)",
            )
            .map_err(failed)?;
        let kpc = tx
            .prepare(
                "INSERT INTO kp_certificates (consignment, issued_by, number) VALUES ($1, $2, $3)",
            )
            .map_err(failed)?;
        let line = tx
            .prepare(
                "INSERT INTO goods_lines (consignment, line, registered_at, declaration, direction, status, outcome, \
                 hs_code, description, quantity, unit, net_mass_g, value, currency) VALUES ($1, $2, \
                 $3::text::timestamptz, $4, $5, $6, $7, $8, $9, $10::text::numeric, $11, $12::text::numeric, \
                 $13::text::numeric, $14)",
            )
            .map_err(failed)?;
        let scc = tx
            .prepare(
                "INSERT INTO state_control_certificates (consignment, issued_by, number) VALUES ($1, $2, $3)",
            )
            .map_err(failed)?;
        // The consignments whose row this batch replaces: their other rows go, in one statement
        // per table, before the new ones are put.
        let mut won = Vec::new();
        for set in rows {
            let r = &set.record;
            let id = r.consignment.as_str();
            let json = serde_json::to_string(r).map_err(failed)?;
            let upserted = tx
                .query_opt(
                    &upsert,
                    &[
                        &id,
                        &(set.position as i64),
                        &r.assessed_at.to_string(),
                        &r.status.as_str(),
                        &r.outcome,
                        &r.declaration,
                        &set.direction,
                        &text(&r.registered_at),
                        &r.departure.as_ref().map(|u| u.as_str()),
                        &r.destination.as_ref().map(|u| u.as_str()),
                        &r.custodian.as_ref().map(|u| u.as_str()),
                        &r.custody_disputed,
                        &text(&r.deadline),
                        &r.overdue,
                        &text(&r.last_act_at),
                        &(r.acts as i32),
                        &(r.rejected as i32),
                        &r.worst_open().map(|s| s.as_str()),
                        &(r.open().count() as i32),
                        &json,
                    ],
                )
                .map_err(failed)?;
            if upserted.is_some() {
                won.push(set);
            }
        }
        let ids: Vec<&str> = won.iter().map(|s| s.record.consignment.as_str()).collect();
        for table in [
            "consignment_posts",
            "discrepancy_rows",
            "kp_facts",
            "kp_not_in_usd",
            "kp_certificates",
            "goods_lines",
            "state_control_certificates",
        ] {
            tx.execute(
                &format!("DELETE FROM {table} WHERE consignment = ANY($1)"),
                &[&ids],
            )
            .map_err(failed)?;
        }
        for set in &won {
            let r = &set.record;
            let id = r.consignment.as_str();
            for p in &r.posts {
                tx.execute(&post, &[&id, &p.as_str()]).map_err(failed)?;
            }
            for d in &set.discrepancies {
                tx.execute(
                    &discrepancy,
                    &[
                        &id,
                        &d.id,
                        &d.kind,
                        &d.severity,
                        &d.resolved,
                        &d.subject,
                        &d.summary,
                        &d.acts,
                    ],
                )
                .map_err(failed)?;
            }
            if let Some(k) = &set.kp {
                tx.execute(
                    &kp,
                    &[
                        &id,
                        &k.year,
                        &k.direction,
                        &k.counted,
                        &k.volume_ct.to_string(),
                        &k.value_usd.to_string(),
                        &k.usd_valued_ct.to_string(),
                        &k.shortage_ct.to_string(),
                        &k.refused_or_returned_ct.to_string(),
                    ],
                )
                .map_err(failed)?;
                for (currency, amount, ct) in &k.not_in_usd {
                    tx.execute(
                        &not_usd,
                        &[&id, currency, &amount.to_string(), &ct.to_string()],
                    )
                    .map_err(failed)?;
                }
                for (country, number) in &set.kp_certificates {
                    tx.execute(&kpc, &[&id, country, number]).map_err(failed)?;
                }
            }
            for (n, l) in set.lines.iter().enumerate() {
                let direction = direction_name(l.direction);
                tx.execute(
                    &line,
                    &[
                        &id,
                        &(n as i32),
                        &l.registered_at.to_string(),
                        &l.declaration,
                        &direction,
                        &l.status.as_str(),
                        &l.outcome,
                        &l.hs_code,
                        &l.description,
                        &l.quantity.to_string(),
                        &l.unit,
                        &l.net_mass_g.to_string(),
                        &l.value.to_string(),
                        &l.currency,
                    ],
                )
                .map_err(failed)?;
            }
            for (country, number) in &set.state_control_certificates {
                tx.execute(&scc, &[&id, country, number]).map_err(failed)?;
            }
        }
        tx.commit().map_err(failed)?;
        Ok(won.len())
    }
}

impl RowSet {
    /// A digest of what the rows say, leaving out when and from which position they were
    /// derived: equal digests, equal rows.
    pub fn digest(&self) -> u64 {
        use std::hash::{Hash, Hasher};
        let mut record = self.record.clone();
        record.assessed_at = Timestamp::from_unix(0).expect("the epoch");
        let mut hasher = std::collections::hash_map::DefaultHasher::new();
        format!(
            "{record:?}{:?}{:?}{:?}{:?}{:?}{:?}",
            self.direction,
            self.discrepancies,
            self.kp,
            self.kp_certificates,
            self.lines,
            self.state_control_certificates
        )
        .hash(&mut hasher);
        hasher.finish()
    }
}

/// The reconciler's tap on a shared database: every consignment assessed becomes its rows,
/// written a batch at a time (and the rest at [`RowWriter::flush`], after each pass). A
/// consignment whose rows are what this process last wrote for it is not written again (a full
/// reassessment changes few rows).
pub struct RowWriter {
    replica: Arc<Replica>,
    zone: chrono_tz::Tz,
    pending: Mutex<Vec<RowSet>>,
    /// The digest of the rows this process last wrote, per consignment.
    written: Mutex<std::collections::HashMap<String, u64>>,
    /// Batches that could not be written (they are written again by the next full pass).
    pub failures: AtomicU64,
}

impl RowWriter {
    /// A writer to `replica`'s database, KP years in `zone`.
    pub fn new(replica: Arc<Replica>, zone: chrono_tz::Tz) -> RowWriter {
        RowWriter {
            replica,
            zone,
            pending: Mutex::new(Vec::new()),
            written: Mutex::new(std::collections::HashMap::new()),
            failures: AtomicU64::new(0),
        }
    }

    /// Takes one consignment's assessment and row; writes a batch when one is full. Blocking.
    pub fn take(&self, assessment: &Assessment, record: &Record) {
        let set = RowSet::of(assessment, record, self.replica.applied(), self.zone);
        let digest = set.digest();
        let unchanged = self
            .written
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .get(set.record.consignment.as_str())
            == Some(&digest);
        if unchanged {
            return;
        }
        let full = {
            let mut pending = self.pending.lock().unwrap_or_else(|p| p.into_inner());
            pending.push(set);
            (pending.len() >= BATCH).then(|| std::mem::take(&mut *pending))
        };
        if let Some(batch) = full {
            self.write(&batch);
        }
    }

    /// Writes what is pending. Blocking.
    pub fn flush(&self) {
        let batch = std::mem::take(&mut *self.pending.lock().unwrap_or_else(|p| p.into_inner()));
        if !batch.is_empty() {
            self.write(&batch);
        }
    }

    fn write(&self, batch: &[RowSet]) {
        match self.replica.write_rows(batch) {
            Ok(_) => {
                let mut written = self.written.lock().unwrap_or_else(|p| p.into_inner());
                for set in batch {
                    written.insert(set.record.consignment.as_str().to_owned(), set.digest());
                }
            }
            Err(e) => {
                self.failures.fetch_add(1, Ordering::Relaxed);
                warn!(error = %e, rows = batch.len(), "the reconciliation's rows could not be written to the shared database; the next full pass writes them");
            }
        }
    }
}
