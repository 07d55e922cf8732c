//! The registry's rules, act by act.

use super::*;
use crate::fixtures::{at, Story};

#[test]
fn an_act_names_its_signer_as_enrolled_at_the_act_s_time() {
    let story = Story::new();
    let mut registry = story.registry();
    let officer = &story.airport_officer;
    // Moved to another post for 2028: a second enrollment, later than the first.
    let ActBody::KeyEnrolled(mut moved) = story.enrollment(officer).body().clone() else {
        unreachable!("an enrollment")
    };
    moved.at = at("2027-12-20T09:00:00Z");
    moved.unit = crate::fixtures::unit(crate::fixtures::OTHER_POST);
    moved.valid_from = at("2028-01-01T00:00:00Z");
    moved.valid_until = at("2029-01-01T00:00:00Z");
    registry
        .apply(&story.by_authority(ActBody::KeyEnrolled(moved)))
        .unwrap();

    let then = registry.signer_at(&officer.id, at("2026-06-01T00:00:00Z"));
    assert!(then.in_force);
    assert_eq!(then.enrollment.unwrap().unit, officer.unit_code());
    let later = registry.signer_at(&officer.id, at("2028-06-01T00:00:00Z"));
    assert!(later.in_force);
    assert_eq!(
        later.enrollment.unwrap().unit.as_str(),
        crate::fixtures::OTHER_POST
    );
    // Outside every enrollment: named by the latest, not in force.
    let after = registry.signer_at(&officer.id, at("2030-01-01T00:00:00Z"));
    assert!(!after.in_force);
    assert_eq!(
        after.enrollment.unwrap().unit.as_str(),
        crate::fixtures::OTHER_POST
    );
    let stranger = registry.signer_at(&story.outsider.id, at("2026-06-01T00:00:00Z"));
    assert_eq!((stranger.enrollment, stranger.in_force), (None, false));
}

#[test]
fn enrolled_officer_may_register_and_escort_may_not() {
    let story = Story::new();
    let registry = story.registry();
    let registration = story.registration();
    assert_eq!(registry.verify(&registration), Ok(()));

    let mut body = story.registration_body();
    body.officer = story.escort_lead.id.clone();
    let by_escort = story.sign(ActBody::ConsignmentRegistered(body), &[&story.escort_lead]);
    match registry.authorize(&by_escort) {
        Err(AuthorizationError::RoleNotPermitted { role, kind, .. }) => {
            assert_eq!((role, kind), ("escort_officer", "consignment_registered"))
        }
        other => panic!("expected RoleNotPermitted, got {other:?}"),
    }
}

#[test]
fn revocation_takes_effect_from_its_time() {
    let story = Story::new();
    let mut acts = story.registry_acts();
    acts.push(story.revocation(&story.airport_officer, story.t(5)));
    let (registry, rejected) = Registry::from_acts(story.authority_id(), &acts);
    assert!(rejected.is_empty());
    // Registered at t(0): before the revocation, still valid.
    assert_eq!(registry.authorize(&story.registration()), Ok(()));
    // Sealed at t(10): after it.
    assert!(matches!(
        registry.authorize(&story.seal_applied()),
        Err(AuthorizationError::RevokedKey { .. })
    ));
}

#[test]
fn keys_are_valid_only_within_their_enrollment() {
    let story = Story::new();
    let registry = story.registry();
    let mut body = story.registration_body();
    body.at = at("2028-01-01T00:00:00Z");
    body.delivery_deadline = at("2028-01-02T00:00:00Z");
    let late = story.sign(
        ActBody::ConsignmentRegistered(body),
        &[&story.airport_officer],
    );
    assert!(matches!(
        registry.authorize(&late),
        Err(AuthorizationError::ExpiredKey { .. })
    ));
    let unknown = story.sign(
        ActBody::ConsignmentRegistered(ConsignmentRegisteredBy::outsider(&story)),
        &[&story.outsider],
    );
    assert!(matches!(
        registry.authorize(&unknown),
        Err(AuthorizationError::UnknownKey { .. })
    ));
}

struct ConsignmentRegisteredBy;
impl ConsignmentRegisteredBy {
    fn outsider(story: &Story) -> crate::act::ConsignmentRegistered {
        let mut body = story.registration_body();
        body.officer = story.outsider.id.clone();
        body
    }
}

#[test]
fn registry_refuses_another_authority_and_forged_enrollments() {
    let story = Story::new();
    let other = Story {
        authority: crate::fixtures::key("another authority"),
        ..Story::new()
    };
    let foreign = other.enrollment(&other.outsider);
    let (registry, rejected) = Registry::from_acts(story.authority_id(), [&foreign]);
    assert!(matches!(
        rejected[0].1,
        RegistryError::ForeignAuthority { .. }
    ));
    assert_eq!(registry.keys().count(), 0);

    // An enrollment whose body was changed after the authority signed it.
    let genuine = story.enrollment(&story.escort_lead);
    let ActBody::KeyEnrolled(mut body) = genuine.body().clone() else {
        unreachable!()
    };
    body.role = Role::CentralStaff;
    let forged = SignedAct::assemble(ActBody::KeyEnrolled(body), genuine.signatures().to_vec())
        .expect("shape is right");
    let (_, rejected) = Registry::from_acts(story.authority_id(), [&forged]);
    assert!(matches!(rejected[0].1, RegistryError::Signature(_)));
}

#[test]
fn registry_does_not_depend_on_order_or_duplicates() {
    let story = Story::new();
    let mut acts = story.registry_acts();
    acts.push(story.revocation(&story.vehicle_device, story.t(1)));
    let (forward, _) = Registry::from_acts(story.authority_id(), &acts);
    let mut backward: Vec<SignedAct> = acts.iter().rev().cloned().collect();
    backward.extend(acts.iter().cloned());
    let (reversed, _) = Registry::from_acts(story.authority_id(), &backward);
    assert_eq!(forward, reversed);
}

#[test]
fn handoff_must_be_signed_for_the_officers_own_unit() {
    let story = Story::new();
    let mut body = story.transfer_body(
        30,
        crate::fixtures::AIRPORT_POST,
        None,
        &story.airport_officer,
        &story.escort_lead,
    );
    body.receiving.unit = crate::fixtures::unit(crate::fixtures::DEPARTMENT);
    let act = story.transfer(body, &story.airport_officer, &story.escort_lead);
    assert!(matches!(
        story.registry().authorize(&act),
        Err(AuthorizationError::UnitMismatch { .. })
    ));
}

mod registrars {
    use super::*;
    use crate::fixtures::Person;

    fn acts_with(story: &Story, extra: &[SignedAct]) -> Vec<SignedAct> {
        let mut acts = story.registry_acts();
        acts.extend(extra.iter().cloned());
        acts
    }

    fn year_2026(story: &Story, registrar: &Person) -> SignedAct {
        story.registrar_enrollment(
            registrar,
            at("2026-01-01T00:00:00Z"),
            at("2027-01-01T00:00:00Z"),
        )
    }

    fn new_officer() -> Person {
        Person::new("Asel Dzhumabaeva", "KG-2210", Role::PostOfficer, "KG417010")
    }

    #[test]
    fn an_enrollment_cannot_start_before_its_act_unless_it_migrates_a_paper_record() {
        let story = Story::new();
        let officer = new_officer();
        let ActBody::KeyEnrolled(mut body) = story.enrollment(&officer).body().clone() else {
            unreachable!()
        };
        body.at = at("2026-03-10T09:00:00Z");
        body.valid_from = at("2026-01-01T00:00:00Z");
        let backdated = story.by_authority(ActBody::KeyEnrolled(body.clone()));
        let mut registry = story.registry();
        assert!(matches!(
            registry.apply(&backdated),
            Err(RegistryError::Retroactive { .. })
        ));
        assert!(registry.enrollments(&officer.id).is_empty());
        assert_eq!(
            registry.refused().next().map(|(_, e)| e.code()),
            Some("retroactive_enrollment")
        );

        body.migrated_from = Some(crate::fixtures::text(
            "Journal of personal seals No. 4, entry 112",
        ));
        let migration = story.by_authority(ActBody::KeyEnrolled(body));
        assert_eq!(registry.apply(&migration), Ok(()));
        let held = &registry.enrollments(&officer.id)[0];
        assert_eq!(held.valid_from, at("2026-01-01T00:00:00Z"));
        assert_eq!(
            held.migrated_from.as_deref(),
            Some("Journal of personal seals No. 4, entry 112")
        );
    }

    #[test]
    fn a_registrar_enrolls_officers_while_in_force_and_never_registrars() {
        let story = Story::new();
        let registrar = Story::registrar("registrar 2026");
        let other = Story::registrar("registrar 2027");
        let officer = new_officer();
        let by_registrar = story.enrollment_by(&registrar, &officer, at("2026-05-01T08:00:00Z"));
        let registrar_by_registrar = {
            let ActBody::KeyEnrolled(mut body) = year_2026(&story, &other).body().clone() else {
                unreachable!()
            };
            body.authority = registrar.id.clone();
            body.at = at("2026-05-01T08:00:00Z");
            body.valid_from = body.at;
            SignedAct::sign(ActBody::KeyEnrolled(body), &[&registrar.key]).unwrap()
        };
        let late = story.enrollment_by(&registrar, &story.outsider, at("2027-02-01T08:00:00Z"));
        let acts = acts_with(
            &story,
            &[
                year_2026(&story, &registrar),
                by_registrar.clone(),
                registrar_by_registrar.clone(),
                late.clone(),
            ],
        );
        let (registry, rejected) = Registry::from_acts(story.authority_id(), &acts);
        let codes: BTreeMap<ActId, &str> = rejected.iter().map(|(id, e)| (*id, e.code())).collect();
        assert_eq!(codes.get(&by_registrar.id()), None);
        assert_eq!(registry.enrollments(&officer.id)[0].by, registrar.id);
        assert_eq!(
            codes.get(&registrar_by_registrar.id()),
            Some(&"beyond_registrar")
        );
        assert!(!registry.is_registrar(&other.id));
        // Expired on 2027-01-01.
        assert_eq!(codes.get(&late.id()), Some(&"registrar_not_in_force"));
        assert!(registry.enrollments(&story.outsider.id).is_empty());
        // The officer it enrolled signs; nobody enrolled signs no consignment act as registrar.
        let mut body = story.registration_body();
        body.officer = registrar.id.clone();
        let by_registrar_key =
            SignedAct::sign(ActBody::ConsignmentRegistered(body), &[&registrar.key]).unwrap();
        assert!(matches!(
            registry.authorize(&by_registrar_key),
            Err(AuthorizationError::RoleNotPermitted { .. })
        ));
    }

    #[test]
    fn a_revoked_registrar_s_later_acts_fail_and_its_earlier_ones_hold() {
        let story = Story::new();
        let registrar = Story::registrar("registrar 2026");
        let officer = new_officer();
        let earlier = story.enrollment_by(&registrar, &officer, at("2026-03-01T08:00:00Z"));
        let later = story.enrollment_by(&registrar, &story.outsider, at("2026-06-01T08:00:00Z"));
        let revoked = story.by_authority(ActBody::KeyRevoked(crate::act::KeyRevoked {
            at: at("2026-05-01T00:00:00Z"),
            authority: story.authority_id(),
            key: registrar.id.clone(),
            effective_from: at("2026-05-01T00:00:00Z"),
            reason: crate::fixtures::text("registrar key copied from the server"),
        }));
        // The registrar's acts arrive first, the root's last: the registry is the same.
        let mut acts = vec![
            later.clone(),
            earlier.clone(),
            year_2026(&story, &registrar),
        ];
        acts.extend(story.registry_acts());
        let mut incremental = Registry::new(story.authority_id());
        for act in &acts {
            let _ = incremental.apply(act);
        }
        assert_eq!(incremental.enrollments(&officer.id).len(), 1);
        assert_eq!(incremental.enrollments(&story.outsider.id).len(), 1);
        assert_eq!(incremental.apply(&revoked), Ok(()));
        assert_eq!(
            incremental.enrollments(&officer.id).len(),
            1,
            "earlier holds"
        );
        assert!(
            incremental.enrollments(&story.outsider.id).is_empty(),
            "later fails"
        );
        assert!(matches!(
            incremental.authorize(&later),
            Err(AuthorizationError::Registry(
                RegistryError::RegistrarNotInForce { .. }
            ))
        ));
        acts.push(revoked);
        let (batch, _) = Registry::from_acts(story.authority_id(), acts.iter().rev());
        assert_eq!(batch, incremental);
    }

    #[test]
    fn a_registrar_may_not_revoke_a_registrar_or_itself() {
        let story = Story::new();
        let one = Story::registrar("registrar one");
        let two = Story::registrar("registrar two");
        let when = at("2026-04-01T00:00:00Z");
        let two_by_one = story.revocation_by(&one, &two, when);
        let self_revoked = story.revocation_by(&one, &one, when);
        let officer_by_one = story.revocation_by(&one, &story.escort_second, when);
        let acts = acts_with(
            &story,
            &[
                year_2026(&story, &one),
                year_2026(&story, &two),
                two_by_one.clone(),
                self_revoked.clone(),
                officer_by_one.clone(),
            ],
        );
        let (registry, rejected) = Registry::from_acts(story.authority_id(), &acts);
        let refused: Vec<ActId> = rejected.iter().map(|(id, _)| *id).collect();
        assert!(refused.contains(&two_by_one.id()));
        assert!(refused.contains(&self_revoked.id()));
        assert!(!refused.contains(&officer_by_one.id()));
        assert!(registry.revocation(&two.id).is_none());
        assert!(registry.revocation(&one.id).is_none());
        assert_eq!(
            registry.revocation(&story.escort_second.id).unwrap().by,
            one.id
        );
    }

    #[test]
    fn an_unenrolled_key_keeps_no_registry() {
        let story = Story::new();
        let stranger = Story::registrar("self-appointed");
        let act = story.enrollment_by(&stranger, &new_officer(), at("2026-03-01T08:00:00Z"));
        let (registry, rejected) = Registry::from_acts(story.authority_id(), [&act]);
        assert_eq!(rejected[0].1.code(), "not_a_registrar");
        assert_eq!(registry.keys().count(), 0);
    }
}

/// A KP participants list holds when the root or a registrar in force signs it, whatever the
/// order the acts arrive in; the list in force at a time is the latest listed by then.
#[test]
fn a_registrar_in_force_lists_the_kp_participants_and_the_latest_list_is_in_force() {
    let story = Story::new();
    let registrar = Story::registrar("registrar 2026");
    let enrolled = story.registrar_enrollment(
        &registrar,
        at("2026-01-01T00:00:00Z"),
        at("2027-01-01T00:00:00Z"),
    );
    let by_registrar = |list: &SignedAct, when: &str| {
        let ActBody::KpParticipantsListed(mut body) = list.body().clone() else {
            unreachable!("a list")
        };
        body.at = at(when);
        body.authority = registrar.id.clone();
        SignedAct::sign(ActBody::KpParticipantsListed(body), &[&registrar.key]).unwrap()
    };
    let first = story.kp_participants(at("2026-01-10T00:00:00Z"), false, &[("Botswana", "BW")]);
    let second = by_registrar(
        &story.kp_participants(at("2026-01-10T00:00:00Z"), true, &[("Botswana", "BW")]),
        "2026-06-01T00:00:00Z",
    );
    let late = by_registrar(&first, "2027-02-01T00:00:00Z");
    // The registrar's acts first, the root's enrollment of the registrar last.
    let mut acts = story.registry_acts();
    acts.extend([second.clone(), late.clone(), first.clone(), enrolled]);
    let (registry, rejected) = Registry::from_acts(story.authority_id(), &acts);
    assert_eq!(
        rejected
            .iter()
            .map(|(id, e)| (*id, e.code()))
            .collect::<Vec<_>>(),
        [(late.id(), "registrar_not_in_force")]
    );
    assert_eq!(registry.kp_lists().len(), 2);
    assert!(registry
        .kp_participants_at(at("2026-01-01T00:00:00Z"))
        .is_none());
    let be = crate::codes::CountryCode::new("BE").unwrap();
    let march = registry
        .kp_participants_at(at("2026-03-01T00:00:00Z"))
        .unwrap();
    assert_eq!(march.act, first.id());
    assert_eq!(
        march.participant_of(&be).unwrap().name.as_str(),
        "European Union"
    );
    let july = registry
        .kp_participants_at(at("2026-07-01T00:00:00Z"))
        .unwrap();
    assert_eq!((july.act, &july.by), (second.id(), &registrar.id));
    assert!(july.participant_of(&be).is_none());
    // A list signed by a key that keeps no registry is refused.
    let ActBody::KpParticipantsListed(mut forged) = first.body().clone() else {
        unreachable!("a list")
    };
    forged.authority = story.airport_officer.id.clone();
    let forged = SignedAct::sign(
        ActBody::KpParticipantsListed(forged),
        &[&story.airport_officer.key],
    )
    .unwrap();
    let mut registry = registry;
    assert_eq!(
        registry.apply(&forged).unwrap_err().code(),
        "not_a_registrar"
    );
    assert_eq!(registry.kp_lists().len(), 2);
}
