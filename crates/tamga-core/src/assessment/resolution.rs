//! Closing a discrepancy: a `discrepancy_resolved` act that holds and names it.
//!
//! The two-person rule (docs/act-format.md 9.2): a critical discrepancy (a custody fork or gap,
//! a seal mismatch, a bad signature, a registration conflict, anything the rules call critical)
//! is closed only by a resolution two different staff members signed, the second a supervisor.
//! The registry checks the second signer's role and that the two keys are two people when the
//! act is verified; this module checks that a critical discrepancy's resolution has the second
//! signature at all. A resolution with one signature does not close a critical discrepancy: it
//! is itself a `not_permitted` finding, proven by the act, so a node that records one anyway is
//! seen doing it.

use super::discrepancy::{Resolution, Severity};
use super::words::{say, Words};
use crate::act::DiscrepancyResolved;
use crate::canonical::ActId;

/// The severity from which a resolution needs a supervisor's second signature.
pub const TWO_PERSON_FROM: Severity = Severity::Critical;

/// Whether a discrepancy of `severity` needs two signatures to close.
pub fn needs_two(severity: Severity) -> bool {
    severity <= TWO_PERSON_FROM
}

/// Whether `resolution`, the act `act`, may close a discrepancy of `severity`; if not, the
/// words of the `not_permitted` finding it is.
pub fn closes(
    severity: Severity,
    act: ActId,
    resolution: &DiscrepancyResolved,
) -> Result<(), Words> {
    if needs_two(severity) && resolution.supervisor.is_none() {
        return Err(say!(SingleSignature {
            act: act.short(),
            discrepancy: resolution.discrepancy,
        }));
    }
    Ok(())
}

/// The resolution as a discrepancy shows it.
pub fn resolution(act: ActId, r: &DiscrepancyResolved) -> Resolution {
    Resolution {
        act,
        by: r.officer.clone(),
        supervisor: r.supervisor.clone(),
        at: r.at,
        reason: r.reason.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use crate::act::DiscrepancyResolved;
    use crate::fixtures::{text, Person, Story};
    use crate::{assess, ActBody, Assessment, DiscrepancyKind, Role, SignedAct, Tolerances};

    /// The story up to the escort's departure, with an act signed by a key nobody enrolled: a
    /// critical `unknown_key` discrepancy.
    fn with_critical(story: &Story) -> Vec<SignedAct> {
        let mut acts = story.clean_delivery()[..5].to_vec();
        let mut forged = story.seal_checked(60, crate::act::SealState::Intact);
        if let ActBody::SealChecked(c) = forged.body().clone() {
            let mut c = c;
            c.officer = story.outsider.id.clone();
            forged = story.sign(ActBody::SealChecked(c), &[&story.outsider]);
        }
        acts.push(forged);
        acts
    }

    fn assessed(story: &Story, acts: &[SignedAct], extra: &[&SignedAct]) -> Assessment {
        let mut registry_acts = story.registry_acts();
        registry_acts.extend(extra.iter().map(|a| (*a).clone()));
        let (registry, _) = crate::Registry::from_acts(story.authority_id(), &registry_acts);
        assess(
            &story.consignment,
            acts,
            &registry,
            story.t(120),
            &Tolerances::default(),
        )
    }

    fn resolution(
        story: &Story,
        a: &Assessment,
        supervisor: Option<&Person>,
        signers: &[&Person],
    ) -> SignedAct {
        let d = a
            .discrepancies
            .iter()
            .find(|d| d.kind == DiscrepancyKind::UnknownKey)
            .expect("the forged act is found");
        story.sign(
            ActBody::DiscrepancyResolved(DiscrepancyResolved {
                consignment: story.consignment.clone(),
                at: story.t(90),
                officer: signers[0].id.clone(),
                discrepancy: d.id.clone(),
                reason: text("the seal check was re-done by the post, act 17"),
                supervisor: supervisor.map(|p| p.id.clone()),
            }),
            signers,
        )
    }

    fn unknown_key_open(a: &Assessment) -> bool {
        a.discrepancies
            .iter()
            .any(|d| d.kind == DiscrepancyKind::UnknownKey && d.resolution.is_none())
    }

    #[test]
    fn a_critical_discrepancy_closes_only_with_a_supervisors_second_signature() {
        let story = Story::new();
        let acts = with_critical(&story);
        let before = assessed(&story, &acts, &[]);
        assert!(unknown_key_open(&before));

        // One signature: still open, and the lone resolution is itself a finding.
        let lone = resolution(&story, &before, None, &[&story.central_staff]);
        let mut one = acts.clone();
        one.push(lone.clone());
        let after = assessed(&story, &one, &[]);
        assert!(
            unknown_key_open(&after),
            "one signature closed a critical discrepancy"
        );
        let finding = after
            .discrepancies
            .iter()
            .find(|d| d.kind == DiscrepancyKind::NotPermitted)
            .expect("the lone resolution is a finding");
        assert_eq!(finding.acts, vec![lone.id()]);
        assert!(
            finding.summary.contains("two-person rule"),
            "{}",
            finding.summary
        );

        // Staff first, the supervisor second: closed, both named.
        let two = resolution(
            &story,
            &before,
            Some(&story.supervisor),
            &[&story.central_staff, &story.supervisor],
        );
        let mut both = acts.clone();
        both.push(two.clone());
        let closed = assessed(&story, &both, &[]);
        assert!(!unknown_key_open(&closed));
        let r = closed
            .discrepancies
            .iter()
            .find_map(|d| d.resolution.clone())
            .unwrap();
        assert_eq!(r.act, two.id());
        assert_eq!(r.supervisor.as_ref(), Some(&story.supervisor.id));
        assert!(!closed
            .discrepancies
            .iter()
            .any(|d| d.kind == DiscrepancyKind::NotPermitted));
    }

    #[test]
    fn a_lone_resolution_cannot_close_the_finding_it_made_either() {
        let story = Story::new();
        let acts = with_critical(&story);
        let before = assessed(&story, &acts, &[]);
        let lone = resolution(&story, &before, None, &[&story.central_staff]);
        let mut more = acts.clone();
        more.push(lone.clone());
        let with_lone = assessed(&story, &more, &[]);
        let n1 = with_lone
            .discrepancies
            .iter()
            .find(|d| d.kind == DiscrepancyKind::NotPermitted)
            .unwrap()
            .clone();
        // A second lone resolution, of the finding the first one made.
        let second = story.sign(
            ActBody::DiscrepancyResolved(DiscrepancyResolved {
                consignment: story.consignment.clone(),
                at: story.t(95),
                officer: story.central_staff.id.clone(),
                discrepancy: n1.id.clone(),
                reason: text("nothing to see"),
                supervisor: None,
            }),
            &[&story.central_staff],
        );
        more.push(second.clone());
        let after = assessed(&story, &more, &[]);
        let n1_now = after.discrepancies.iter().find(|d| d.id == n1.id).unwrap();
        assert!(
            n1_now.resolution.is_none(),
            "one signature closed the rule's own finding"
        );
        assert!(after
            .discrepancies
            .iter()
            .any(|d| d.kind == DiscrepancyKind::NotPermitted && d.acts == vec![second.id()]));
        assert!(unknown_key_open(&after));
    }

    #[test]
    fn the_second_signature_is_another_persons_and_a_supervisors() {
        let story = Story::new();
        let acts = with_critical(&story);
        let before = assessed(&story, &acts, &[]);

        // A second staff member who is no supervisor: the act does not hold.
        let colleague = Person::new(
            "Elnura Abdyldaeva",
            "HQ-231",
            Role::CentralStaff,
            "HQ-RECON",
        );
        let enrolled = story.enrollment(&colleague);
        let act = resolution(
            &story,
            &before,
            Some(&colleague),
            &[&story.central_staff, &colleague],
        );
        let mut with = acts.clone();
        with.push(act.clone());
        let a = assessed(&story, &with, &[&enrolled]);
        assert!(unknown_key_open(&a));
        assert!(
            a.rejected.iter().any(|r| r.act == act.id()),
            "{:?}",
            a.rejected
        );

        // The staff member's own second key, enrolled as a supervisor: one person, refused.
        let own = Person::new(
            "Aigerim Tokonova, second key",
            "HQ-207",
            Role::Supervisor,
            "HQ-RECON",
        );
        let enrolled = story.enrollment(&own);
        let act = resolution(&story, &before, Some(&own), &[&story.central_staff, &own]);
        let mut with = acts.clone();
        with.push(act.clone());
        let a = assessed(&story, &with, &[&enrolled]);
        assert!(unknown_key_open(&a));
        let rejected = a.rejected.iter().find(|r| r.act == act.id()).unwrap();
        assert!(
            rejected.reason.contains("one person"),
            "{}",
            rejected.reason
        );

        // One key twice is refused before it can be signed.
        let body = DiscrepancyResolved {
            consignment: story.consignment.clone(),
            at: story.t(90),
            officer: story.supervisor.id.clone(),
            discrepancy: before.discrepancies[0].id.clone(),
            reason: text("closing my own"),
            supervisor: Some(story.supervisor.id.clone()),
        };
        assert!(SignedAct::sign(
            ActBody::DiscrepancyResolved(body),
            &[&story.supervisor.key, &story.supervisor.key]
        )
        .is_err());
    }

    #[test]
    fn a_major_discrepancy_closes_with_one_signature_as_before() {
        let story = Story::new();
        let mut acts = story.clean_delivery()[..5].to_vec();
        let registry = story.registry();
        let late = story.t(60 * 24 * 30);
        let at = |acts: &[SignedAct]| {
            assess(
                &story.consignment,
                acts,
                &registry,
                late,
                &Tolerances::default(),
            )
        };
        let a = at(&acts);
        let d = a
            .discrepancies
            .iter()
            .find(|d| d.kind == DiscrepancyKind::Overdue)
            .unwrap();
        assert!(!super::needs_two(d.severity), "{:?}", d.severity);
        acts.push(story.sign(
            ActBody::DiscrepancyResolved(DiscrepancyResolved {
                consignment: story.consignment.clone(),
                at: late,
                officer: story.central_staff.id.clone(),
                discrepancy: d.id.clone(),
                reason: text("the crew waited for the pass to reopen, report 9"),
                supervisor: None,
            }),
            &[&story.central_staff],
        ));
        assert!(!at(&acts).has_open(DiscrepancyKind::Overdue));
    }
}
