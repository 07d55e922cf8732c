//! Scope: which consignments a peer may receive.
//!
//! A node receives a consignment's document only if its unit is concerned with it: a post on
//! the consignment's planned route, the escort unit assigned to it, or a unit that held or
//! received custody of it. Central's units receive everything. Every node receives the registry.
//! Only acts that hold count: an act signed by nobody in particular cannot widen a scope.

use std::collections::BTreeSet;
use tamga_core::act::ActBody;
use tamga_core::assessment::Assessment;
use tamga_core::{SignedAct, UnitCode};

/// What a peer may receive.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Scope {
    /// Everything (central).
    All,
    /// The consignments its unit is concerned with.
    Unit(UnitCode),
}

impl Scope {
    /// The scope of a peer enrolled at `unit`, given the units that are central.
    pub fn of(unit: &UnitCode, central_units: &[UnitCode]) -> Self {
        if central_units.contains(unit) {
            Scope::All
        } else {
            Scope::Unit(unit.clone())
        }
    }

    /// Whether a consignment concerning `units` is in this scope.
    pub fn includes(&self, units: &BTreeSet<UnitCode>) -> bool {
        match self {
            Scope::All => true,
            Scope::Unit(unit) => units.contains(unit),
        }
    }
}

/// The units concerned with a consignment, from its acts and its assessment: the route, the
/// escort units assigned, and every custody party. Acts the assessment left out do not count.
pub fn units_concerned(acts: &[SignedAct], assessment: &Assessment) -> BTreeSet<UnitCode> {
    let holds: BTreeSet<_> = assessment.acts.iter().collect();
    let mut units: BTreeSet<UnitCode> = assessment.state.route.planned.iter().cloned().collect();
    for act in acts.iter().filter(|a| holds.contains(&a.id())) {
        match act.body() {
            ActBody::ConsignmentRegistered(r) => {
                units.extend(r.route.iter().cloned());
            }
            ActBody::EscortAssigned(e) => {
                units.insert(e.escort_unit.clone());
            }
            ActBody::CustodyTransferred(t) => {
                units.insert(t.releasing.unit.clone());
                units.insert(t.receiving.unit.clone());
            }
            _ => {}
        }
    }
    units
}

#[cfg(test)]
mod tests {
    use super::*;
    use tamga_core::assessment::{assess, Tolerances};
    use tamga_core::fixtures::{unit, Story, AIRPORT_POST, DEPARTMENT, ESCORT_UNIT, OTHER_POST};

    #[test]
    fn posts_on_the_route_and_the_escort_are_in_scope_others_are_not() {
        let story = Story::new();
        let acts = story.clean_delivery();
        let a = assess(
            &story.consignment,
            &acts,
            &story.registry(),
            story.after(),
            &Tolerances::default(),
        );
        let units = units_concerned(&acts, &a);
        let central = [unit("HQ-RECON")];
        for inside in [AIRPORT_POST, DEPARTMENT, ESCORT_UNIT, "HQ-RECON"] {
            assert!(
                Scope::of(&unit(inside), &central).includes(&units),
                "{inside}"
            );
        }
        assert!(!Scope::of(&unit(OTHER_POST), &central).includes(&units));
    }

    #[test]
    fn an_escort_is_in_scope_only_once_assigned_or_handed_the_goods() {
        let story = Story::new();
        let acts = vec![story.registration(), story.seal_applied()];
        let a = assess(
            &story.consignment,
            &acts,
            &story.registry(),
            story.after(),
            &Tolerances::default(),
        );
        assert!(!units_concerned(&acts, &a).contains(&unit(ESCORT_UNIT)));
        let mut acts = acts;
        acts.push(story.escort_assigned());
        let a = assess(
            &story.consignment,
            &acts,
            &story.registry(),
            story.after(),
            &Tolerances::default(),
        );
        assert!(units_concerned(&acts, &a).contains(&unit(ESCORT_UNIT)));
    }

    #[test]
    fn an_act_that_does_not_hold_cannot_widen_the_scope() {
        let story = Story::new();
        let mut acts = vec![story.registration()];
        // An escort assignment to another unit, signed by a key nobody enrolled.
        let mut body = match story.escort_assigned().body().clone() {
            ActBody::EscortAssigned(e) => e,
            _ => unreachable!(),
        };
        body.officer = story.outsider.id.clone();
        body.escort_unit = unit(OTHER_POST);
        acts.push(story.sign(ActBody::EscortAssigned(body), &[&story.outsider]));
        let a = assess(
            &story.consignment,
            &acts,
            &story.registry(),
            story.after(),
            &Tolerances::default(),
        );
        assert!(!units_concerned(&acts, &a).contains(&unit(OTHER_POST)));
    }
}
