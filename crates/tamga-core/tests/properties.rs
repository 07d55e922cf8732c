//! Properties of the assessment over generated consignment histories.
//!
//! Histories are put together from the reference story's building blocks (`fixtures::Story`):
//! any subset of the registration, the seal, the escort and the handoffs, with seal checks in
//! random states, incidents, a seal replacement, positions, forks and gaps in custody, arrival
//! and delivery, all at random times, with random package counts and masses. The properties:
//!
//! - the assessment does not depend on the order acts arrive in;
//! - a duplicate of any act changes nothing;
//! - an act with a bad signature changes no derived state and adds only a bad-signature
//!   discrepancy;
//! - assessing is deterministic, discrepancy ids follow from what they say, and resolving a
//!   discrepancy does not change any id.
//!
//! 64 cases per property by default; set `PROPTEST_CASES` for longer runs.

use proptest::prelude::*;
use proptest::sample::Index;
use std::sync::OnceLock;
use tamga_core::act::{
    ActBody, ArrivalNotified, ConsignmentDelivered, Coordinates, CustodyTransferred,
    DiscrepancyResolved, IncidentKind, IncidentReported, Place, Position, PositionReported,
    SealBasis, SealChecked, SealGrounds, SealKind, SealObservation, SealReplaced, SealState,
};
use tamga_core::assessment::{
    assess, discrepancy_id, Assessment, DiscrepancyKind, Severity, Tolerances,
};
use tamga_core::fixtures::{text, unit, Person, Story, AIRPORT_POST, DEPARTMENT};
use tamga_core::quantity::{parse_decimal, Mass, MassUnit};
use tamga_core::registry::Registry;
use tamga_core::{KeyId, SealNumber, SignedAct};

fn story() -> &'static Story {
    static STORY: OnceLock<Story> = OnceLock::new();
    STORY.get_or_init(Story::new)
}

fn registry() -> &'static Registry {
    static REGISTRY: OnceLock<Registry> = OnceLock::new();
    REGISTRY.get_or_init(|| story().registry())
}

fn config() -> ProptestConfig {
    let cases = std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(64);
    ProptestConfig {
        cases,
        ..ProptestConfig::default()
    }
}

/// The seal number a crew might fix in place of the story's seal.
fn other_seal() -> SealNumber {
    SealNumber::new("KG-0099001").expect("valid")
}

// ---------------------------------------------------------------------------------------------
// Plans: what happens in a generated history, as plain data
// ---------------------------------------------------------------------------------------------

/// Which seals the two sides list at a handoff or delivery.
#[derive(Clone, Copy, Debug)]
enum SealsSeen {
    Intact,
    Damaged,
    Missing,
    /// Another seal number, intact.
    Swapped,
    /// No seal at all.
    Nothing,
}

#[derive(Clone, Debug)]
struct Count {
    minute: i64,
    packages: u32,
    mass: &'static str,
    seals: SealsSeen,
}

/// Who hands the goods over to whom, in the extra handoff.
#[derive(Clone, Copy, Debug)]
enum Extra {
    /// The airport post hands the goods to the Department as well: a fork at the first handoff.
    AirportToDepartment,
    /// The escort hands the goods back to the airport post: a fork after the first handoff if
    /// the Department's handoff happened too.
    EscortToAirport,
    /// The airport post hands over what it had given to the escort: a gap.
    AirportAfterEscort,
}

#[derive(Clone, Debug)]
struct Plan {
    registered: bool,
    sealed: bool,
    escorted: bool,
    to_escort: Option<Count>,
    checks: Vec<(i64, SealState, bool)>,
    incidents: Vec<(i64, IncidentKind, bool)>,
    replacement: Option<(i64, bool)>,
    positions: Option<(i64, i64)>,
    to_department: Option<Count>,
    extra: Option<(Extra, Count)>,
    arrival: Option<(i64, i64)>,
    delivery: Option<Count>,
    as_of: i64,
}

fn seal_state() -> impl Strategy<Value = SealState> {
    prop_oneof![
        4 => Just(SealState::Intact),
        1 => Just(SealState::Damaged),
        1 => Just(SealState::Missing),
    ]
}

fn seals_seen() -> impl Strategy<Value = SealsSeen> {
    prop_oneof![
        8 => Just(SealsSeen::Intact),
        1 => Just(SealsSeen::Damaged),
        1 => Just(SealsSeen::Missing),
        1 => Just(SealsSeen::Swapped),
        1 => Just(SealsSeen::Nothing),
    ]
}

fn count(minutes: std::ops::Range<i64>) -> impl Strategy<Value = Count> {
    (
        minutes,
        prop_oneof![4 => Just(1u32), 1 => 0u32..4],
        prop::sample::select(vec!["0.412", "0.412", "0.415", "0.4171", "0.425", "0.380"]),
        seals_seen(),
    )
        .prop_map(|(minute, packages, mass, seals)| Count {
            minute,
            packages,
            mass,
            seals,
        })
}

fn incident_kind() -> impl Strategy<Value = IncidentKind> {
    prop::sample::select(vec![
        IncidentKind::Accident,
        IncidentKind::ForceMajeure,
        IncidentKind::SealDamage,
        IncidentKind::RouteDeviation,
        IncidentKind::Delay,
        IncidentKind::LossOrShortage,
    ])
}

fn extra() -> impl Strategy<Value = Extra> {
    prop::sample::select(vec![
        Extra::AirportToDepartment,
        Extra::EscortToAirport,
        Extra::AirportAfterEscort,
    ])
}

fn plan() -> impl Strategy<Value = Plan> {
    let start = (
        prop::bool::weighted(0.9),
        prop::bool::weighted(0.9),
        prop::bool::weighted(0.8),
        prop::option::weighted(0.85, count(20..60)),
        prop::collection::vec((30i64..400, seal_state(), any::<bool>()), 0..3),
        prop::collection::vec((30i64..400, incident_kind(), any::<bool>()), 0..3),
    );
    let end = (
        prop::option::of((40i64..300, any::<bool>())),
        prop::option::of((-30i64..300, -15i64..15)),
        prop::option::weighted(0.7, count(60..560)),
        prop::option::weighted(0.3, (extra(), count(20..300))),
        prop::option::weighted(0.6, (60i64..560, 0i64..50)),
        prop::option::weighted(0.5, count(60..600)),
        0i64..700,
    );
    (start, end).prop_map(
        |(
            (registered, sealed, escorted, to_escort, checks, incidents),
            (replacement, positions, to_department, extra, arrival, delivery, as_of),
        )| Plan {
            registered,
            sealed,
            escorted,
            to_escort,
            checks,
            incidents,
            replacement,
            positions,
            to_department,
            extra,
            arrival,
            delivery,
            as_of,
        },
    )
}

// ---------------------------------------------------------------------------------------------
// Building a history from a plan
// ---------------------------------------------------------------------------------------------

fn road() -> Place {
    Place::Road {
        description: text("Bishkek ring road, km 14, fuel stop"),
        coordinates: None,
    }
}

fn observations(s: &Story, seen: SealsSeen) -> Vec<SealObservation> {
    let one = |seal: SealNumber, state| vec![SealObservation { seal, state }];
    match seen {
        SealsSeen::Intact => one(s.seal.clone(), SealState::Intact),
        SealsSeen::Damaged => one(s.seal.clone(), SealState::Damaged),
        SealsSeen::Missing => one(s.seal.clone(), SealState::Missing),
        SealsSeen::Swapped => one(other_seal(), SealState::Intact),
        SealsSeen::Nothing => vec![],
    }
}

fn handoff(
    s: &Story,
    c: &Count,
    place: &str,
    previous: Option<&SignedAct>,
    from: &Person,
    to: &Person,
) -> SignedAct {
    let body = CustodyTransferred {
        transhipment: None,
        consignment: s.consignment.clone(),
        at: s.t(c.minute),
        place: Place::Post { unit: unit(place) },
        previous: previous.map(|p| p.id()),
        releasing: from.custodian(),
        receiving: to.custodian(),
        seals: observations(s, c.seals),
        packages: c.packages,
        gross_mass: Mass::new(c.mass, MassUnit::Kg).expect("valid"),
    };
    s.transfer(body, from, to)
}

impl Plan {
    fn build(&self) -> Vec<SignedAct> {
        let s = story();
        let mut acts = Vec::new();
        if self.registered {
            acts.push(s.registration());
        }
        if self.sealed {
            acts.push(s.seal_applied());
        }
        // The crew's acts need the crew assigned (assessment::permission).
        let crew_acts = self.to_escort.is_some()
            || !self.checks.is_empty()
            || !self.incidents.is_empty()
            || self.replacement.is_some()
            || self.positions.is_some()
            || self.to_department.is_some()
            || self.arrival.is_some()
            || matches!(self.extra, Some((Extra::EscortToAirport, _)));
        if self.escorted || (self.registered && crew_acts) {
            acts.push(s.escort_assigned());
        }
        let h1 = self
            .to_escort
            .as_ref()
            .map(|c| handoff(s, c, AIRPORT_POST, None, &s.airport_officer, &s.escort_lead));
        for &(minute, state, by_lead) in &self.checks {
            let by = if by_lead {
                &s.escort_lead
            } else {
                &s.escort_second
            };
            acts.push(s.sign(
                ActBody::SealChecked(SealChecked {
                    consignment: s.consignment.clone(),
                    at: s.t(minute),
                    officer: by.id.clone(),
                    place: road(),
                    seal: s.seal.clone(),
                    state,
                    note: None,
                }),
                &[by],
            ));
        }
        for &(minute, incident, names_seal) in &self.incidents {
            acts.push(s.sign(
                ActBody::IncidentReported(IncidentReported {
                    happened_at: None,
                    consignment: s.consignment.clone(),
                    at: s.t(minute),
                    officer: s.escort_lead.id.clone(),
                    place: road(),
                    incident,
                    description: text("reported by the escort crew"),
                    seals: if names_seal {
                        vec![s.seal.clone()]
                    } else {
                        vec![]
                    },
                    attachments: vec![],
                }),
                &[&s.escort_lead],
            ));
        }
        if let Some((minute, permitted)) = self.replacement {
            acts.push(s.sign(
                ActBody::SealReplaced(SealReplaced {
                    consignment: s.consignment.clone(),
                    at: s.t(minute),
                    officer: s.escort_second.id.clone(),
                    place: road(),
                    old_seal: s.seal.clone(),
                    old_state: SealState::Intact,
                    new_seal: other_seal(),
                    new_seal_kind: SealKind::Navigation,
                    fixed_on: text("safe-bag, one place"),
                    grounds: if permitted {
                        SealGrounds {
                            permission: None,
                            basis: SealBasis::Permission,
                            reference: Some(text("permission 0417/26")),
                        }
                    } else {
                        SealGrounds {
                            permission: None,
                            basis: SealBasis::ThreatOfLoss,
                            reference: None,
                        }
                    },
                }),
                &[&s.escort_second],
            ));
        }
        if let Some((batch, offset)) = self.positions {
            acts.push(s.sign(
                ActBody::PositionReported(PositionReported {
                    consignment: s.consignment.clone(),
                    at: s.t(batch),
                    officer: s.vehicle_device.id.clone(),
                    positions: vec![Position {
                        at: s.t(batch + offset),
                        coordinates: Coordinates {
                            latitude: parse_decimal("42.9378").expect("valid"),
                            longitude: parse_decimal("74.5512").expect("valid"),
                        },
                    }],
                }),
                &[&s.vehicle_device],
            ));
        }
        if let Some(c) = &self.to_department {
            acts.push(handoff(
                s,
                c,
                DEPARTMENT,
                h1.as_ref(),
                &s.escort_lead,
                &s.department_officer,
            ));
        }
        if let Some((extra, c)) = &self.extra {
            acts.push(match extra {
                Extra::AirportToDepartment => handoff(
                    s,
                    c,
                    AIRPORT_POST,
                    None,
                    &s.airport_officer,
                    &s.department_officer,
                ),
                Extra::EscortToAirport => handoff(
                    s,
                    c,
                    AIRPORT_POST,
                    h1.as_ref(),
                    &s.escort_lead,
                    &s.airport_officer,
                ),
                Extra::AirportAfterEscort => handoff(
                    s,
                    c,
                    DEPARTMENT,
                    h1.as_ref(),
                    &s.airport_officer,
                    &s.department_officer,
                ),
            });
        }
        if let Some((arrived, delay)) = self.arrival {
            acts.push(s.sign(
                ActBody::ArrivalNotified(ArrivalNotified {
                    consignment: s.consignment.clone(),
                    at: s.t(arrived + delay),
                    officer: s.escort_lead.id.clone(),
                    place: Place::Post {
                        unit: unit(DEPARTMENT),
                    },
                    arrived_at: s.t(arrived),
                    working_hours_began_at: None,
                }),
                &[&s.escort_lead],
            ));
        }
        if let Some(c) = &self.delivery {
            acts.push(s.sign(
                ActBody::ConsignmentDelivered(ConsignmentDelivered {
                    documents: Vec::new(),
                    net_mass: None,
                    shortage: None,
                    consignment: s.consignment.clone(),
                    at: s.t(c.minute),
                    officer: s.department_officer.id.clone(),
                    place: Place::Post {
                        unit: unit(DEPARTMENT),
                    },
                    seals: observations(s, c.seals),
                    packages: c.packages,
                    gross_mass: Mass::new(c.mass, MassUnit::Kg).expect("valid"),
                }),
                &[&s.department_officer],
            ));
        }
        acts.extend(h1);
        acts
    }
}

fn assess_plan(acts: &[SignedAct], plan: &Plan) -> Assessment {
    assess(
        &story().consignment,
        acts,
        registry(),
        story().t(plan.as_of),
        &Tolerances::default(),
    )
}

/// A plan and a permutation of its acts.
fn plan_and_permutation() -> impl Strategy<Value = (Plan, Vec<usize>)> {
    plan().prop_flat_map(|plan| {
        let n = plan.build().len();
        (
            Just(plan),
            Just((0..n).collect::<Vec<usize>>()).prop_shuffle(),
        )
    })
}

/// How to forge an act.
#[derive(Clone, Copy, Debug)]
enum Forgery {
    /// Its time moved by some seconds after signing, through the wire form.
    EditedTime(i64),
    /// One bit of one signature flipped: the same body, so the same id.
    FlippedBit {
        signature: Index,
        byte: usize,
        bit: u8,
    },
    /// The signatures of another act by the same signers.
    BorrowedSignatures(Index),
}

fn forgery() -> impl Strategy<Value = Forgery> {
    prop_oneof![
        (1i64..7200).prop_map(Forgery::EditedTime),
        (any::<Index>(), 0usize..64, 0u8..8).prop_map(|(signature, byte, bit)| {
            Forgery::FlippedBit {
                signature,
                byte,
                bit,
            }
        }),
        any::<Index>().prop_map(Forgery::BorrowedSignatures),
    ]
}

fn flip(act: &SignedAct, k: usize, byte: usize, bit: u8) -> SignedAct {
    let mut signatures = act.signatures().to_vec();
    signatures[k].signature.0[byte] ^= 1 << bit;
    SignedAct::assemble(act.body().clone(), signatures).expect("shaped right")
}

fn forge(acts: &[SignedAct], victim: &SignedAct, how: Forgery) -> SignedAct {
    match how {
        Forgery::EditedTime(seconds) => {
            let mut wire: serde_json::Value =
                serde_json::from_slice(&victim.encode()).expect("json");
            let moved = victim.body().at().plus_seconds(seconds);
            wire["body"]["at"] = serde_json::Value::String(moved.to_rfc3339());
            let bytes = serde_jcs::to_vec(&wire).expect("canonical");
            SignedAct::decode(&bytes).expect("an edited time keeps the act well-formed")
        }
        Forgery::FlippedBit {
            signature,
            byte,
            bit,
        } => flip(
            victim,
            signature.index(victim.signatures().len()),
            byte,
            bit,
        ),
        Forgery::BorrowedSignatures(pick) => {
            let donors: Vec<&SignedAct> = acts
                .iter()
                .filter(|a| {
                    a.id() != victim.id()
                        && a.body().required_signers() == victim.body().required_signers()
                })
                .collect();
            if donors.is_empty() {
                return flip(victim, 0, 0, 0);
            }
            let donor = donors[pick.index(donors.len())];
            SignedAct::assemble(victim.body().clone(), donor.signatures().to_vec())
                .expect("same signers")
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Properties
// ---------------------------------------------------------------------------------------------

proptest! {
    #![proptest_config(config())]

    #[test]
    fn the_order_acts_arrive_in_does_not_matter((plan, permutation) in plan_and_permutation()) {
        let acts = plan.build();
        prop_assert_eq!(permutation.len(), acts.len());
        let shuffled: Vec<SignedAct> = permutation.iter().map(|&i| acts[i].clone()).collect();
        let a = assess_plan(&acts, &plan);
        let b = assess_plan(&shuffled, &plan);
        prop_assert!(a.rejected.is_empty(), "generated acts all hold: {:?}", a.rejected);
        prop_assert_eq!(a, b);
    }

    #[test]
    fn a_duplicate_of_any_act_changes_nothing(
        plan in plan(),
        which in any::<Index>(),
        position in any::<Index>(),
    ) {
        let acts = plan.build();
        let base = assess_plan(&acts, &plan);
        let mut more = acts.clone();
        let copy = acts[which.index(acts.len())].clone();
        more.insert(position.index(more.len() + 1), copy);
        prop_assert_eq!(assess_plan(&more, &plan), base);
    }

    #[test]
    fn a_bad_signature_never_changes_derived_state(
        plan in plan(),
        victim in any::<Index>(),
        how in forgery(),
        position in any::<Index>(),
    ) {
        let acts = plan.build();
        let victim = &acts[victim.index(acts.len())];
        let forged = forge(&acts, victim, how);
        prop_assert!(forged.verify_signatures().is_err(), "the forgery does not verify");

        let without = assess_plan(&acts, &plan);
        prop_assert!(without.rejected.is_empty());
        prop_assert!(!without.discrepancies.iter().any(|d| d.kind == DiscrepancyKind::BadSignature));
        let mut tampered = acts.clone();
        tampered.insert(position.index(tampered.len() + 1), forged.clone());
        let with = assess_plan(&tampered, &plan);

        prop_assert_eq!(&with.state, &without.state);
        prop_assert_eq!(&with.acts, &without.acts);
        let others: Vec<_> = with
            .discrepancies
            .iter()
            .filter(|d| d.kind != DiscrepancyKind::BadSignature)
            .cloned()
            .collect();
        prop_assert_eq!(&others, &without.discrepancies, "the other discrepancies are unchanged");
        let bad: Vec<_> = with
            .discrepancies
            .iter()
            .filter(|d| d.kind == DiscrepancyKind::BadSignature)
            .collect();
        prop_assert_eq!(bad.len(), 1, "{:#?}", bad);
        prop_assert_eq!(&bad[0].acts, &vec![forged.id()]);
        if without.acts.contains(&forged.id()) {
            // A forged copy of an act that holds: the act still holds, nothing is rejected.
            prop_assert_eq!(&with.rejected, &without.rejected);
        } else {
            prop_assert_eq!(with.rejected.len(), 1);
            prop_assert_eq!(with.rejected[0].act, forged.id());
        }
    }

    #[test]
    fn assessing_is_deterministic_and_ids_are_stable(
        plan in plan(),
        target in any::<Index>(),
    ) {
        let acts = plan.build();
        let a = assess_plan(&acts, &plan);
        prop_assert_eq!(&assess_plan(&acts, &plan), &a);

        let known: std::collections::BTreeSet<_> = acts.iter().map(|x| x.id()).collect();
        let mut seen = std::collections::BTreeSet::new();
        for d in &a.discrepancies {
            prop_assert_eq!(&d.id, &discrepancy_id(d.kind, &d.subject, &d.acts));
            let mut reversed = d.acts.clone();
            reversed.reverse();
            reversed.extend(d.acts.first().copied());
            prop_assert_eq!(
                &d.id,
                &discrepancy_id(d.kind, &d.subject, &reversed),
                "the id does not depend on the order or repetition of its proof"
            );
            prop_assert!(seen.insert(d.id.clone()), "ids are unique");
            prop_assert!(!d.acts.is_empty(), "every discrepancy has proof: {:?}", d);
            prop_assert!(d.acts.windows(2).all(|w| w[0] < w[1]), "proof sorted, no repeats");
            prop_assert!(d.acts.iter().all(|x| known.contains(x)), "proof is made of the acts given");
        }
        prop_assert!(a.acts.windows(2).all(|w| w[0] != w[1]));

        // Resolving one discrepancy marks it resolved and changes nothing else: no id moves.
        if !a.discrepancies.is_empty() {
            let s = story();
            let chosen = &a.discrepancies[target.index(a.discrepancies.len())];
            // A critical one is closed by two people, the second a supervisor.
            let critical = chosen.severity == Severity::Critical;
            let body = |supervisor: Option<KeyId>| {
                ActBody::DiscrepancyResolved(DiscrepancyResolved {
                    consignment: s.consignment.clone(),
                    at: s.t(plan.as_of),
                    officer: s.central_staff.id.clone(),
                    discrepancy: chosen.id.clone(),
                    reason: text("reviewed with the escort crew's report"),
                    supervisor,
                })
            };
            let resolved = if critical {
                s.sign(
                    body(Some(s.supervisor.id.clone())),
                    &[&s.central_staff, &s.supervisor],
                )
            } else {
                s.sign(body(None), &[&s.central_staff])
            };
            if critical {
                // One signature leaves it open and is itself a finding, proven by the act.
                let lone = s.sign(body(None), &[&s.central_staff]);
                let mut with_lone = acts.clone();
                with_lone.push(lone.clone());
                let l = assess_plan(&with_lone, &plan);
                prop_assert_eq!(l.discrepancies.len(), a.discrepancies.len() + 1);
                prop_assert!(l
                    .discrepancies
                    .iter()
                    .any(|d| d.kind == DiscrepancyKind::NotPermitted && d.acts == vec![lone.id()]));
                prop_assert!(l.discrepancies.iter().all(|d| d.resolution.is_none()));
            }
            let mut more = acts.clone();
            more.push(resolved.clone());
            let b = assess_plan(&more, &plan);
            prop_assert_eq!(&b.state, &a.state);
            prop_assert!(b.acts.contains(&resolved.id()));
            prop_assert_eq!(b.discrepancies.len(), a.discrepancies.len());
            for (before, after) in a.discrepancies.iter().zip(&b.discrepancies) {
                prop_assert_eq!(&after.id, &before.id);
                prop_assert_eq!(after.kind, before.kind);
                prop_assert_eq!(&after.acts, &before.acts);
                if after.id == chosen.id {
                    let r = after.resolution.as_ref().expect("resolved");
                    prop_assert_eq!(r.act, resolved.id());
                } else {
                    prop_assert!(after.resolution.is_none());
                }
            }
        }
    }
}
