//! The assessment: a pure function from a consignment's acts, the registry, the time and the
//! tolerances to the consignment's derived state and its discrepancies.
//!
//! Acts are deduplicated by id, each is verified (signatures, then the registry), and only the
//! acts that hold are folded, in `(time, id)` order, so the result does not depend on the order
//! acts arrived in. An act that does not hold changes no state: it only produces its own
//! discrepancy. Each rule lives in its own module:
//!
//! - [`custody`]: the custody chain, forks and gaps, the current custodian;
//! - [`seals`]: the seal ledger and seal mismatches;
//! - [`goods`]: certificates, package counts and masses;
//! - [`timing`]: deadlines, arrival notification and clock anomalies;
//! - [`permission`]: who may write what: each act signed from a unit the consignment gives that
//!   part to, at the right place and moment;
//! - [`corrections`]: corrections applied to the acts they name, so the rules read corrected
//!   values;
//! - [`escort`]: the crew in force and handoffs to and from it;
//! - [`incidents`]: incidents followed up or still open, and reported late;
//! - [`delivery`]: how transit ended (delivered, short, refused, returned) and the documents;
//! - [`route`]: route progress and acts off the route;
//! - [`track`]: the road: positions against the corridor, long stops, tracking gaps, and
//!   navigation seals' events;
//! - [`concerned`]: the units a consignment concerns (sync scope).
//!
//! Each finding's message is a template of [`words`]: its English text is the discrepancy's
//! `summary`, its key and values are `words`, for people who read another language.

pub mod concerned;
mod corrections;
pub mod custody;
pub mod delivery;
mod discrepancy;
pub mod duties;
pub mod escort;
pub mod goods;
pub mod incidents;
mod kimberley;
pub mod permission;
pub mod resolution;
pub mod route;
pub mod seals;
pub mod timing;
pub mod track;
pub mod words;

pub use concerned::units_concerned;
pub use delivery::Outcome;
pub use discrepancy::{
    discrepancy_id, Discrepancy, DiscrepancyId, DiscrepancyKind, Resolution, Severity,
};
pub use escort::Escort;
pub use goods::GoodsClass;

use crate::act::{ActBody, ConsignmentRegistered, DiscrepancyResolved, IncidentReported, Position};
use crate::canonical::ActId;
use crate::codes::{ConsignmentId, SealNumber};
use crate::registry::{ActRejection, AuthorizationError, Registry};
use crate::signing::SignedAct;
use crate::time::Timestamp;
use discrepancy::Findings;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use words::say;

/// The version of the rules [`assess`] applies. Stores keep what they derived from it (the list's
/// summaries, index keys) with this number and derive everything again when a build's rules
/// differ. Raise it with every change to what an assessment finds. 1: the rules before the
/// number was kept; 2: the legal record's second round (corrections, crews, incidents,
/// transhipment, outcomes, documents, tolerances by kind of goods); 3: the Kimberley Process
/// certificate's contents against the goods, and the KP participants; 4: the post register,
/// the working calendar and the duties that follow the arrival of precious goods; 5: the road
/// (corridors, long stops, tracking gaps, navigation seals' events).
pub const RULES_VERSION: u32 = 5;

/// The limits within which the assessment does not raise a discrepancy. Every field has a
/// default drawn from the rules in DOMAIN.md; a deployment can set its own. Masses are judged
/// by the kind of goods ([`GoodsClass`]): precious stones in carats, precious metals in grams,
/// other goods by gross mass in grams (docs/act-format.md, "Tolerances", gives the reasons).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Tolerances {
    /// Gross mass of other goods may differ from the registered gross mass by this many
    /// grams...
    #[serde(with = "crate::quantity::decimal_string")]
    pub mass_absolute_grams: rust_decimal::Decimal,
    /// ...or by this fraction of it, whichever is larger.
    #[serde(with = "crate::quantity::decimal_string")]
    pub mass_relative: rust_decimal::Decimal,
    /// Gross mass of precious stones or metals (safe-bags, sealed boxes) may differ by this many
    /// grams, and no more.
    #[serde(with = "crate::quantity::decimal_string")]
    pub precious_gross_grams: rust_decimal::Decimal,
    /// Net mass of precious stones re-weighed at destination may differ by this many carats.
    #[serde(with = "crate::quantity::decimal_string")]
    pub stones_net_carats: rust_decimal::Decimal,
    /// Net mass of precious metals re-weighed at destination may differ by this many grams.
    #[serde(with = "crate::quantity::decimal_string")]
    pub metals_net_grams: rust_decimal::Decimal,
    /// Seconds after the deadline before a consignment counts as overdue.
    pub deadline_grace_seconds: i64,
    /// Seconds allowed between arrival (or the start of working hours) and its notification
    /// (Customs Code art. 140: 30 minutes).
    pub arrival_notice_seconds: i64,
    /// How far a device clock may run ahead of the assessing node's, in seconds.
    pub clock_skew_seconds: i64,
    /// An incident explains seal damage or a removal under threat if reported within this many
    /// seconds of it, before or after ("report at once", art. 38, 140).
    pub incident_window_seconds: i64,
    /// The value a Kimberley Process certificate states may differ from the rough diamond
    /// lines' value in US dollars by this much.
    #[serde(with = "crate::quantity::decimal_string")]
    pub kp_value_usd: rust_decimal::Decimal,
    /// Days after the goods' delivery within which the importing authority returns a KP
    /// certificate's import confirmation coupon (the scheme sets none: a deployment's choice).
    pub kp_coupon_days: u32,
    /// A tracked consignment standing still (within `stop_radius_metres`) for longer than this
    /// many seconds away from any registered post is on a long stop.
    pub long_stop_seconds: i64,
    /// Positions within this many metres of where a stop began belong to the stop.
    pub stop_radius_metres: u32,
    /// A vehicle within this many metres of a registered post's coordinates is at the post.
    pub post_radius_metres: u32,
    /// A tracked consignment in transit with no position for longer than this many seconds has
    /// a tracking gap.
    pub tracking_gap_seconds: i64,
    /// A navigation seal may report itself opened within this many seconds of the act that
    /// records its removal or replacement, before or after.
    pub seal_open_window_seconds: i64,
}

impl Default for Tolerances {
    fn default() -> Self {
        Tolerances {
            mass_absolute_grams: rust_decimal::Decimal::new(5, 0),
            mass_relative: rust_decimal::Decimal::new(2, 3),
            // A safe-bag's gross mass on a post's scale of 0.1 g resolution, weighed at two
            // posts: 0.2 g is one carat, the most a scale's drift may hide.
            precious_gross_grams: rust_decimal::Decimal::new(2, 1),
            // Rough diamonds are weighed to 0.01 ct (KP practice): one step of the scale.
            stones_net_carats: rust_decimal::Decimal::new(1, 2),
            // Precious metals on assay balances of 0.01 g: one step of the balance.
            metals_net_grams: rust_decimal::Decimal::new(1, 2),
            deadline_grace_seconds: 0,
            arrival_notice_seconds: 30 * 60,
            clock_skew_seconds: 5 * 60,
            incident_window_seconds: 6 * 3600,
            // KP certificates state values in whole dollars or cents: one dollar of rounding.
            kp_value_usd: rust_decimal::Decimal::new(1, 0),
            // The KP certification scheme sets no period for the import confirmation coupon;
            // a month is tamga's default, for a deployment to set to what its partners ask.
            kp_coupon_days: 30,
            // Electronic cargo tracking alerts on an "unusually long stop": an hour standing
            // still on the road, away from a post, is longer than a convoy's rest.
            long_stop_seconds: 3600,
            // A few times a receiver's error in a car park.
            stop_radius_metres: 200,
            // A post's grounds and the queue before it.
            post_radius_metres: 1000,
            // A vehicle batches its fixes every few minutes; half an hour without one is more
            // than a tunnel or a mountain pass.
            tracking_gap_seconds: 1800,
            // Officers record a removal within half an hour of cutting the seal.
            seal_open_window_seconds: 1800,
        }
    }
}

/// Where a consignment stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// Acts exist but no valid registration.
    Unregistered,
    /// Registered at the office of departure, not yet handed over.
    Registered,
    /// On its way: escort assigned or custody handed over.
    InTransit,
    /// Arrival notified at the office of destination.
    Arrived,
    /// Delivered: transit has ended (in full or short: see [`ConsignmentState::outcome`]).
    Delivered,
    /// Refused at the office of destination: going back to the office of departure.
    Refused,
    /// Returned to the office of departure: transit has ended.
    Returned,
}

impl Status {
    /// Every status, in the order a consignment passes through them: transit ends delivered (in
    /// full or short), or refused at the office of destination and then returned to the office
    /// of departure.
    pub const ALL: [Status; 7] = [
        Status::Unregistered,
        Status::Registered,
        Status::InTransit,
        Status::Arrived,
        Status::Delivered,
        Status::Refused,
        Status::Returned,
    ];

    /// The status's stable name.
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Unregistered => "unregistered",
            Status::Registered => "registered",
            Status::InTransit => "in_transit",
            Status::Arrived => "arrived",
            Status::Delivered => "delivered",
            Status::Refused => "refused",
            Status::Returned => "returned",
        }
    }

    /// Whether transit has ended: delivered (in full or short) or returned.
    pub fn ended(self) -> bool {
        matches!(self, Status::Delivered | Status::Returned)
    }
}

/// A consignment's state, derived from the acts that hold.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConsignmentState {
    /// Where it stands.
    pub status: Status,
    /// The registration in force.
    pub registration: Option<ActId>,
    /// Who answers for the goods now; `None` before registration or while custody is disputed.
    pub custodian: Option<custody::Holder>,
    /// The custody acts from the first handoff to the current one.
    pub custody_chain: Vec<ActId>,
    /// Two handoffs from the same predecessor: custody cannot be told.
    pub custody_disputed: bool,
    /// The escort crew in force (of the unit holding custody, else the last assigned).
    pub escort: Option<Escort>,
    /// Every seal ever recorded on the consignment.
    pub seals: BTreeMap<SealNumber, seals::SealRecord>,
    /// The planned route and how far along it the consignment has come.
    pub route: route::RouteProgress,
    /// The delivery deadline in force (the registered one, or the last extension).
    pub deadline: Option<Timestamp>,
    /// The `deadline_extended` act that set the deadline in force, if one did.
    #[serde(default)]
    pub deadline_extension: Option<ActId>,
    /// Past the deadline and not delivered.
    pub overdue: bool,
    /// The latest position reported.
    pub last_position: Option<Position>,
    /// Incidents reported.
    pub incidents: Vec<ActId>,
    /// Incidents of kinds that must be followed up (accident, force majeure, loss or
    /// shortage) that no customs body has followed up yet.
    #[serde(default)]
    pub open_incidents: Vec<ActId>,
    /// When arrival at the office of destination was notified.
    pub arrival_notified_at: Option<Timestamp>,
    /// When it was delivered.
    pub delivered_at: Option<Timestamp>,
    /// How transit ended, once it has (or is ending: refused).
    #[serde(default)]
    pub outcome: Option<Outcome>,
    /// The acts corrected, each with its corrections in order.
    #[serde(default)]
    pub corrections: BTreeMap<ActId, Vec<ActId>>,
    /// The duties with deadlines the consignment has given rise to, done or not
    /// ([`duties`]).
    #[serde(default)]
    pub duties: Vec<duties::Duty>,
    /// The certificates the Department recorded issuing (`certificates_issued` acts that hold),
    /// in order.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub certificates_issued: Vec<crate::act::Certificate>,
    /// The road: positions and navigation seals ([`track`]).
    #[serde(default)]
    pub road: track::Road,
}

/// An act left out of the state, and why.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RejectedAct {
    /// The act.
    pub act: ActId,
    /// Why, in words.
    pub reason: String,
}

/// The result of assessing one consignment.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Assessment {
    /// The consignment.
    pub consignment: ConsignmentId,
    /// The time the assessment was made for.
    pub as_of: Timestamp,
    /// Its derived state.
    pub state: ConsignmentState,
    /// What is wrong, most severe first.
    pub discrepancies: Vec<Discrepancy>,
    /// The acts that hold, in `(time, id)` order.
    pub acts: Vec<ActId>,
    /// The acts that were left out, and why.
    pub rejected: Vec<RejectedAct>,
    /// The body of the registration in force (the act [`ConsignmentState::registration`]
    /// names), with its corrections applied, so that nobody has to search the acts for it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub registration_body: Option<ConsignmentRegistered>,
}

impl Assessment {
    /// The registration in force: its act id and its body.
    pub fn registration(&self) -> Option<(ActId, &ConsignmentRegistered)> {
        self.state.registration.zip(self.registration_body.as_ref())
    }

    /// The discrepancies not yet resolved.
    pub fn open_discrepancies(&self) -> impl Iterator<Item = &Discrepancy> {
        self.discrepancies.iter().filter(|d| d.resolution.is_none())
    }

    /// Whether any open discrepancy of `kind` exists.
    pub fn has_open(&self, kind: DiscrepancyKind) -> bool {
        self.open_discrepancies().any(|d| d.kind == kind)
    }
}

/// An act that holds, as the rules read it: its corrected body where it was corrected.
#[derive(Clone, Copy)]
pub(crate) struct Fact<'a> {
    act: &'a SignedAct,
    body: &'a ActBody,
}

impl<'a> Fact<'a> {
    /// The act's id (of the act as signed).
    pub fn id(&self) -> ActId {
        self.act.id()
    }

    /// The body, corrected.
    pub fn body(&self) -> &'a ActBody {
        self.body
    }
}

/// What the rules read: the consignment's valid acts in order, its registration, the time.
pub(crate) struct Facts<'a> {
    pub acts: Vec<Fact<'a>>,
    pub registration: Option<(ActId, &'a ConsignmentRegistered)>,
    pub as_of: Timestamp,
    pub tolerances: &'a Tolerances,
    pub registry: &'a Registry,
}

impl<'a> Facts<'a> {
    /// The valid acts of one kind, in order, with their ids.
    pub fn each<T: 'a, F>(&self, pick: F) -> impl Iterator<Item = (ActId, &'a T)> + '_
    where
        F: Fn(&'a ActBody) -> Option<&'a T> + 'a,
    {
        self.acts
            .iter()
            .filter_map(move |act| pick(act.body()).map(|b| (act.id(), b)))
    }

    /// The role the first signer of `act` was enrolled in at the act's time.
    pub fn signer_role(&self, body: &ActBody) -> Option<crate::codes::Role> {
        let key = body.required_signers().into_iter().next()?;
        self.registry
            .signer_at(key, body.at())
            .enrollment
            .map(|e| e.role)
    }

    /// The act `id` among the valid acts, corrected.
    pub fn find(&self, id: &ActId) -> Option<&'a ActBody> {
        self.acts.iter().find(|a| a.id() == *id).map(|a| a.body())
    }

    /// The registration's id, for proofs (empty if none).
    pub fn registration_id(&self) -> Option<ActId> {
        self.registration.map(|(id, _)| id)
    }

    /// Valid incident reports.
    pub fn incidents(&self) -> impl Iterator<Item = (ActId, &'a IncidentReported)> + '_ {
        self.each(|b| match b {
            ActBody::IncidentReported(i) => Some(i),
            _ => None,
        })
    }
}

/// Where an act stands in the customs workflow, to order acts recorded within the same second
/// (times are to the second): a consignment is registered before it is sealed, sealed before it
/// is escorted, checked before it is handed over, handed over before it is delivered. Still
/// independent of arrival order: the rank is a property of the act.
fn workflow_rank(body: &ActBody) -> u8 {
    match body {
        ActBody::ConsignmentRegistered(_) => 0,
        ActBody::SealApplied(_) => 1,
        ActBody::EscortAssigned(_) => 2,
        ActBody::EscortChanged(_) => 3,
        ActBody::PositionReported(_) | ActBody::SealEventsReported(_) => 4,
        ActBody::SealChecked(_) => 5,
        ActBody::IncidentReported(_) => 6,
        ActBody::IncidentFollowedUp(_) => 7,
        ActBody::DeadlineExtended(_) => 8,
        ActBody::PermissionGranted(_) => 9,
        // A correction made in the same second as a handoff was made before it: the officer
        // corrects, then hands over.
        ActBody::ActCorrected(_) => 10,
        ActBody::SealRemoved(_) | ActBody::SealReplaced(_) => 11,
        ActBody::ArrivalNotified(_) => 12,
        ActBody::CustodyTransferred(_) => 13,
        ActBody::ConsignmentDelivered(_) | ActBody::DeliveryRefused(_) => 14,
        ActBody::ConsignmentReturned(_) => 15,
        // The Department's work follows delivery.
        ActBody::DepartmentNotified(_) => 16,
        ActBody::KpcReturned(_) => 16,
        ActBody::KpCouponReturned(_) => 19,
        ActBody::ExpertiseConcluded(_) => 17,
        ActBody::StateControlActDrawn(_) => 18,
        ActBody::CertificatesIssued(_) => 19,
        ActBody::DiscrepancyResolved(_) => 20,
        ActBody::KeyEnrolled(_)
        | ActBody::KeyRevoked(_)
        | ActBody::KpParticipantsListed(_)
        | ActBody::CalendarPublished(_)
        | ActBody::PostRegistered(_) => 21,
    }
}

/// Assesses the consignment `consignment` from `acts` (in any order, duplicates allowed) with
/// the keys in `registry`, as of `as_of`.
pub fn assess(
    consignment: &ConsignmentId,
    acts: &[SignedAct],
    registry: &Registry,
    as_of: Timestamp,
    tolerances: &Tolerances,
) -> Assessment {
    assess_trusting(consignment, acts, registry, as_of, tolerances, None)
}

/// [`assess`], taking the act `trusted` as holding without verifying it: a handoff offer under
/// review, whose releasing side the caller has verified and which lacks the receiving signature.
pub(crate) fn assess_trusting(
    consignment: &ConsignmentId,
    acts: &[SignedAct],
    registry: &Registry,
    as_of: Timestamp,
    tolerances: &Tolerances,
    trusted: Option<ActId>,
) -> Assessment {
    let mut findings = Findings::default();
    let mut rejected = Vec::new();
    // Copies of one act share its id; they can differ only in their signatures. The copy that
    // holds is used whatever the order of arrival; a copy that does not hold is reported.
    let mut copies: BTreeMap<ActId, Vec<&SignedAct>> = BTreeMap::new();
    for act in acts {
        let list = copies.entry(act.id()).or_default();
        if !list.contains(&act) {
            list.push(act);
        }
    }
    let mut valid: Vec<&SignedAct> = Vec::new();
    for (id, mut versions) in copies {
        versions.sort_by_key(|a| a.encode());
        let act = versions[0];
        if act.body().consignment() != Some(consignment) {
            rejected.push(RejectedAct {
                act: id,
                reason: format!(
                    "a {} act that does not belong to consignment {consignment}",
                    act.body().kind()
                ),
            });
            continue;
        }
        let verdicts: Vec<(&SignedAct, Result<(), ActRejection>)> = versions
            .iter()
            .map(|v| {
                let verdict = if Some(id) == trusted {
                    Ok(())
                } else {
                    registry.verify(v)
                };
                (*v, verdict)
            })
            .collect();
        if let Some((holding, _)) = verdicts.iter().find(|(_, v)| v.is_ok()) {
            valid.push(holding);
            if verdicts.len() > 1 {
                findings.add(
                    DiscrepancyKind::BadSignature,
                    Severity::Major,
                    "copy",
                    [id],
                    say!(CopyDoesNotHold {
                        act_kind: act.body().kind(),
                        act: id.short(),
                    }),
                );
            }
            continue;
        }
        let (_, Err(rejection)) = &verdicts[0] else {
            unreachable!("no copy holds")
        };
        let kind = rejection_kind(rejection);
        findings.add(
            kind,
            Severity::Critical,
            "",
            [id],
            discrepancy::left_out(act.body().kind(), id, rejection),
        );
        rejected.push(RejectedAct {
            act: id,
            reason: rejection.to_string(),
        });
    }
    valid.sort_by_key(|a| (a.body().at(), workflow_rank(a.body()), a.id()));
    let valid = permission::sift(valid, registry, &mut findings, &mut rejected);

    let corrected = corrections::apply(&valid);
    let facts_acts: Vec<Fact<'_>> = valid
        .iter()
        .map(|&act| Fact {
            act,
            body: corrected.bodies.get(&act.id()).unwrap_or(act.body()),
        })
        .collect();
    let registrations: Vec<(ActId, &ConsignmentRegistered)> = facts_acts
        .iter()
        .filter_map(|a| match a.body() {
            ActBody::ConsignmentRegistered(r) => Some((a.id(), r)),
            _ => None,
        })
        .collect();
    // The proof is the acts recorded for the consignment, not the staff's resolutions: a
    // resolution of this very discrepancy must not change its id and so undo itself.
    let unregistered: Vec<ActId> = valid
        .iter()
        .filter(|a| !matches!(a.body(), ActBody::DiscrepancyResolved(_)))
        .map(|a| a.id())
        .collect();
    if registrations.is_empty() && !unregistered.is_empty() {
        findings.add(
            DiscrepancyKind::MissingRegistration,
            Severity::Critical,
            "",
            unregistered.iter().copied(),
            say!(RegistrationMissing {
                count: unregistered.len()
            }),
        );
    }
    if registrations.len() > 1 {
        findings.add(
            DiscrepancyKind::ConflictingRegistration,
            Severity::Critical,
            "",
            registrations.iter().map(|(id, _)| *id),
            say!(RegistrationConflicting {
                count: registrations.len(),
                act: registrations[0].0.short(),
            }),
        );
    }

    let facts = Facts {
        acts: facts_acts,
        registration: registrations.first().copied(),
        as_of,
        tolerances,
        registry,
    };
    let custody = custody::assess(&facts, &mut findings);
    let seals = seals::assess(&facts, &mut findings);
    goods::assess(&facts, &mut findings);
    kimberley::assess(&facts, &mut findings);
    let timing = timing::assess(&facts, &mut findings);
    let route = route::assess(&facts, &mut findings);
    let escort = escort::assess(&facts, custody.holder.as_ref(), &mut findings);
    let open_incidents = incidents::assess(&facts, &mut findings);
    let outcome = delivery::assess(&facts, &mut findings);
    let duties = duties::assess(&facts, &mut findings);
    let road = track::assess(&facts, &mut findings);

    let status = if facts.registration.is_none() {
        Status::Unregistered
    } else if matches!(outcome, Some(Outcome::Returned { .. })) {
        Status::Returned
    } else if timing.delivered_at.is_some() {
        Status::Delivered
    } else if matches!(outcome, Some(Outcome::Refused { .. })) {
        Status::Refused
    } else if timing.arrival_notified_at.is_some() {
        Status::Arrived
    } else if !custody.chain.is_empty() || custody.disputed || escort.is_some() {
        Status::InTransit
    } else {
        Status::Registered
    };
    let last_position = facts
        .each(|b| match b {
            ActBody::PositionReported(p) => Some(p),
            _ => None,
        })
        .flat_map(|(_, p)| p.positions.iter())
        .max_by_key(|p| p.at)
        .cloned();

    // A resolution closes what it names, if the two-person rule lets it; one that may not is
    // a finding of its own, proven by the act, which itself can be closed only as the rule
    // lets: repeated until no new finding appears.
    let all: Vec<(ActId, &DiscrepancyResolved)> = facts
        .each(|b| match b {
            ActBody::DiscrepancyResolved(r) => Some(r),
            _ => None,
        })
        .collect();
    let mut lone: std::collections::BTreeSet<ActId> = std::collections::BTreeSet::new();
    loop {
        let mut found = Vec::new();
        for (act, r) in &all {
            if lone.contains(act) {
                continue;
            }
            if let Some(Err(words)) = findings
                .severity_of(&r.discrepancy)
                .map(|s| resolution::closes(s, *act, r))
            {
                found.push((*act, words));
            }
        }
        if found.is_empty() {
            break;
        }
        for (act, words) in found {
            lone.insert(act);
            findings.add(
                DiscrepancyKind::NotPermitted,
                Severity::Critical,
                "",
                [act],
                words,
            );
        }
    }
    let resolutions: BTreeMap<DiscrepancyId, Resolution> = all
        .iter()
        .filter(|(act, _)| !lone.contains(act))
        .map(|(act, r)| (r.discrepancy.clone(), resolution::resolution(*act, r)))
        .collect();
    let mut discrepancies = findings.into_sorted();
    for d in &mut discrepancies {
        d.resolution = resolutions.get(&d.id).cloned();
    }

    Assessment {
        consignment: consignment.clone(),
        as_of,
        state: ConsignmentState {
            status,
            registration: facts.registration_id(),
            custodian: if custody.disputed {
                None
            } else {
                custody.holder
            },
            custody_chain: custody.chain,
            custody_disputed: custody.disputed,
            escort,
            seals,
            route,
            deadline: timing.deadline,
            deadline_extension: timing.extension,
            overdue: timing.overdue,
            last_position,
            incidents: facts.incidents().map(|(id, _)| id).collect(),
            open_incidents,
            arrival_notified_at: timing.arrival_notified_at,
            delivered_at: timing.delivered_at,
            outcome,
            corrections: corrected.by_act,
            duties,
            certificates_issued: facts
                .each(|b| match b {
                    ActBody::CertificatesIssued(c) => Some(c),
                    _ => None,
                })
                .flat_map(|(_, c)| c.certificates.iter().cloned())
                .collect(),
            road,
        },
        discrepancies,
        acts: facts.acts.iter().map(Fact::id).collect(),
        rejected,
        registration_body: facts.registration.map(|(_, r)| r.clone()),
    }
}

fn rejection_kind(rejection: &ActRejection) -> DiscrepancyKind {
    match rejection {
        ActRejection::Signature(_) => DiscrepancyKind::BadSignature,
        ActRejection::Authorization(a) => match a {
            AuthorizationError::UnknownKey { .. } => DiscrepancyKind::UnknownKey,
            AuthorizationError::RevokedKey { .. } => DiscrepancyKind::RevokedKey,
            AuthorizationError::ExpiredKey { .. } => DiscrepancyKind::ExpiredKey,
            AuthorizationError::RoleNotPermitted { .. }
            | AuthorizationError::UnitMismatch { .. }
            | AuthorizationError::Registry(_) => DiscrepancyKind::RoleNotPermitted,
            AuthorizationError::SamePerson { .. } => DiscrepancyKind::NotPermitted,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fixtures::Story;
    use crate::signing::SignatureBytes;

    #[test]
    fn a_forged_copy_does_not_displace_the_valid_act_in_any_order() {
        let story = Story::new();
        let acts = story.clean_delivery();
        let genuine = &acts[1];
        let mut signatures = genuine.signatures().to_vec();
        let mut bytes = signatures[0].signature.0;
        bytes[0] ^= 1;
        signatures[0].signature = SignatureBytes(bytes);
        let forged = SignedAct::assemble(genuine.body().clone(), signatures).unwrap();
        assert_eq!(forged.id(), genuine.id());

        let registry = story.registry();
        let clean = assess(
            &story.consignment,
            &acts,
            &registry,
            story.after(),
            &Tolerances::default(),
        );
        let mut before = vec![forged.clone()];
        before.extend(acts.iter().cloned());
        let mut after = acts.clone();
        after.push(forged);
        let a = assess(
            &story.consignment,
            &before,
            &registry,
            story.after(),
            &Tolerances::default(),
        );
        let b = assess(
            &story.consignment,
            &after,
            &registry,
            story.after(),
            &Tolerances::default(),
        );
        assert_eq!(a, b);
        assert_eq!(a.state, clean.state);
        assert_eq!(a.acts, clean.acts);
        assert_eq!(a.discrepancies.len(), 1);
        assert_eq!(a.discrepancies[0].kind, DiscrepancyKind::BadSignature);
    }
}
