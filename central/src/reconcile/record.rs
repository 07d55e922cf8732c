//! A consignment's row in the index, made from its assessment and acts: [`Record::of`], pure.
//! The row also keeps what rules across consignments compare (`across`): the Kimberley Process
//! certificates of the registration in force and the seals on the goods now.

use serde::Serialize;
use std::collections::BTreeSet;
use tamga_core::act::{ActBody, CertificateKind};
use tamga_core::assessment::seals::SealStatus;
use tamga_core::assessment::words::Words;
use tamga_core::assessment::{Resolution, Status};
use tamga_core::{
    Assessment, ConsignmentId, DiscrepancyKind, Severity, SignedAct, Timestamp, UnitCode,
};

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
    /// What happened, in English.
    pub summary: String,
    /// What happened, as a template's key and its values (`tamga_core::assessment::words`), for
    /// the dashboard to say in its own language.
    pub words: Words,
    /// The acts that prove it (hex ids).
    pub acts: Vec<String>,
    /// How staff closed it, if they did.
    pub resolution: Option<Resolution>,
}

/// A Kimberley Process certificate as the registration in force (corrections applied) lists it.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct KpcHeld {
    /// The certificate's number, trimmed.
    pub number: String,
    /// The issuing country (ISO 3166-1 alpha-2).
    pub issued_by: String,
    /// What proves it (hex ids): the registration in force, then the corrections applied to it.
    pub acts: Vec<String>,
}

/// A seal on the goods now: applied, not taken off, and the consignment's transit not ended.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct SealHeld {
    /// The seal's number.
    pub seal: String,
    /// The act that applied it (hex id).
    pub applied: String,
}

/// One consignment as the index holds it: what its latest assessment says, with what filters
/// need.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Record {
    /// The consignment.
    pub consignment: ConsignmentId,
    /// Where it stands.
    pub status: Status,
    /// How transit ended (`delivered`, `delivered_short`, `returned`) or is ending (`refused`),
    /// once it has: a short delivery has the status `delivered` and this outcome.
    pub outcome: Option<&'static str>,
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
    /// The Kimberley Process certificates of the registration in force.
    pub kpcs: Vec<KpcHeld>,
    /// The seals on the goods now (none once transit has ended).
    pub active_seals: Vec<SealHeld>,
    /// The duties with deadlines, done or not (`tamga_core::assessment::duties`).
    pub duties: Vec<tamga_core::assessment::duties::Duty>,
    /// For a tracked consignment in transit: when it was last heard of (its latest position,
    /// else the start of transit) and where; `None` otherwise.
    pub heard: Option<Heard>,
}

/// When and where a tracked consignment in transit was last heard of.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct Heard {
    /// The latest position's time, else when transit began.
    pub at: Timestamp,
    /// The latest position, if any.
    pub last_fix: Option<tamga_core::act::Position>,
}

/// The road's part of a row: only a tracked consignment whose transit began and has not ended.
fn heard(assessment: &Assessment) -> Option<Heard> {
    let road = &assessment.state.road;
    if !road.tracked || road.transit_until.is_some() {
        return None;
    }
    let began = road.transit_from?;
    let last = road.last_fix.clone().filter(|f| f.at >= began);
    Some(Heard {
        at: last.as_ref().map_or(began, |f| f.at),
        last_fix: last,
    })
}

impl Record {
    /// The row as `GET /api/consignments` lists it: the record with its open discrepancies
    /// counted (`open`) and the worst of them (`worst_open`).
    pub fn listed(&self) -> serde_json::Value {
        let mut v = serde_json::json!(self);
        v["open"] = serde_json::json!(self.open().count());
        v["worst_open"] = serde_json::json!(self.worst_open());
        v
    }

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
                words: d.words.clone(),
                acts: d.acts.iter().map(|a| a.to_hex()).collect(),
                resolution: d.resolution.clone(),
            })
            .collect();
        Record {
            consignment: assessment.consignment.clone(),
            status: assessment.state.status,
            outcome: assessment.state.outcome.as_ref().map(|o| o.as_str()),
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
            kpcs: kpcs(assessment),
            active_seals: active_seals(assessment),
            duties: assessment.state.duties.clone(),
            heard: heard(assessment),
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

/// The Kimberley Process certificates of the registration in force, as corrected: numbers
/// trimmed, each with the registration and its corrections as proof; one entry per number and
/// issuer.
fn kpcs(assessment: &Assessment) -> Vec<KpcHeld> {
    let Some((id, registration)) = assessment.registration() else {
        return Vec::new();
    };
    let mut proof = vec![id.to_hex()];
    if let Some(corrections) = assessment.state.corrections.get(&id) {
        proof.extend(corrections.iter().map(|c| c.to_hex()));
    }
    let mut out: Vec<KpcHeld> = registration
        .certificates
        .iter()
        .filter(|c| c.kind == CertificateKind::KimberleyProcess)
        .map(|c| KpcHeld {
            number: c.number.as_str().trim().to_owned(),
            issued_by: c.issued_by.as_str().to_owned(),
            acts: proof.clone(),
        })
        .filter(|k| !k.number.is_empty())
        .collect();
    out.sort();
    out.dedup_by(|a, b| (&a.number, &a.issued_by) == (&b.number, &b.issued_by));
    out
}

/// The seals still on the goods: applied (a seal only observed was never put on by this
/// consignment), active in the seal ledger (not removed, not replaced), and transit not ended
/// (a delivered or returned consignment holds no seal: customs take them off at the end).
fn active_seals(assessment: &Assessment) -> Vec<SealHeld> {
    if assessment.state.status.ended() {
        return Vec::new();
    }
    assessment
        .state
        .seals
        .iter()
        .filter(|(_, r)| r.status == SealStatus::Active)
        .filter_map(|(number, r)| {
            r.applied.map(|act| SealHeld {
                seal: number.as_str().to_owned(),
                applied: act.to_hex(),
            })
        })
        .collect()
}
