//! Which units a consignment concerns: the posts on its route, the escort units assigned to it,
//! and every party to a custody transfer. Sync scope (which node may receive the consignment's
//! document) and the store's `unit` index are both this. Only acts that hold count, so an act
//! signed by nobody in particular, or by a unit with no such part ([`super::permission`]), cannot
//! widen the set. The route is the registration in force's alone (a second, conflicting
//! registration does not bring its own route in), and a consignment with no registration in
//! force concerns no unit: only central sees it.

use super::Assessment;
use crate::act::ActBody;
use crate::codes::UnitCode;
use crate::signing::SignedAct;
use std::collections::BTreeSet;

/// The units concerned with a consignment, from its acts and its assessment: the route, the
/// escort units assigned, and every custody party. Acts the assessment left out do not count.
pub fn units_concerned(acts: &[SignedAct], assessment: &Assessment) -> BTreeSet<UnitCode> {
    if assessment.state.registration.is_none() {
        return BTreeSet::new();
    }
    let holds: BTreeSet<_> = assessment.acts.iter().collect();
    let mut units: BTreeSet<UnitCode> = assessment.state.route.planned.iter().cloned().collect();
    for act in acts.iter().filter(|a| holds.contains(&a.id())) {
        match act.body() {
            ActBody::EscortAssigned(e) => {
                units.insert(e.escort_unit.clone());
            }
            ActBody::EscortChanged(e) => {
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
    use crate::assessment::{assess, Tolerances};
    use crate::fixtures::{unit, Story, AIRPORT_POST, DEPARTMENT, ESCORT_UNIT, OTHER_POST};

    /// The units `acts` of the story's consignment concern, assessed after the story.
    fn concerned(story: &Story, acts: &[SignedAct]) -> BTreeSet<UnitCode> {
        let a = assess(
            &story.consignment,
            acts,
            &story.registry(),
            story.after(),
            &Tolerances::default(),
        );
        units_concerned(acts, &a)
    }

    #[test]
    fn posts_on_the_route_and_the_escort_are_concerned_others_are_not() {
        let story = Story::new();
        let acts = story.clean_delivery();
        let units = concerned(&story, &acts);
        for inside in [AIRPORT_POST, DEPARTMENT, ESCORT_UNIT] {
            assert!(units.contains(&unit(inside)), "{inside}");
        }
        assert!(!units.contains(&unit(OTHER_POST)));
    }

    #[test]
    fn an_escort_is_concerned_only_once_assigned_or_handed_the_goods() {
        let story = Story::new();
        let acts = vec![story.registration(), story.seal_applied()];
        assert!(!concerned(&story, &acts).contains(&unit(ESCORT_UNIT)));
        let mut acts = acts;
        acts.push(story.escort_assigned());
        assert!(concerned(&story, &acts).contains(&unit(ESCORT_UNIT)));
    }

    #[test]
    fn an_act_that_does_not_hold_concerns_no_one_new() {
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
        assert!(!concerned(&story, &acts).contains(&unit(OTHER_POST)));
    }
}
