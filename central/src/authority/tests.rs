//! The authority's decisions, request by request.

use super::*;
use tamga_core::fixtures::{at, key, Story};

fn authority() -> Authority {
    Authority::from_seed(&[7u8; 32])
}

fn officer_key() -> KeyId {
    key_id(&key("officer"))
}

fn request(role: Role) -> EnrollmentRequest {
    EnrollmentRequest {
        key: officer_key().to_string(),
        role,
        unit: "MANAS-AIRPORT".into(),
        holder: "Aibek Asanov".into(),
        personal_number: Some("KG-0417".into()),
        valid_from: at("2026-01-01T00:00:00Z"),
        valid_until: at("2027-01-01T00:00:00Z"),
        migrated_from: None,
    }
}

fn now() -> Timestamp {
    at("2025-12-20T09:00:00Z")
}

#[test]
fn no_enrollment_reaches_back_unless_it_names_its_paper_record() {
    let root = authority();
    let registry = Registry::new(root.id());
    let mut late = request(Role::PostOfficer);
    let when = at("2026-03-01T09:00:00Z");
    let err = root.enroll(&registry, &late, when).unwrap_err();
    assert!(matches!(err, AuthorityError::Retroactive { .. }), "{err}");
    assert!(err.to_string().contains("--migrated-from"), "{err}");
    late.migrated_from = Some("register of personal seals No. 4, entry 112".into());
    let Enrolling::New(act) = root.enroll(&registry, &late, when).unwrap() else {
        panic!("new")
    };
    let mut check = Registry::new(root.id());
    check.apply(&act).unwrap();
    assert!(check.enrollments(&officer_key())[0].migrated_from.is_some());
}

#[test]
fn only_the_root_enrolls_or_revokes_a_registrar() {
    let root = authority();
    let registrar = Authority::from_seed(&[8u8; 32]).under(root.id());
    let mut registry = Registry::new(root.id());
    let mut ask = request(Role::Registrar);
    ask.key = registrar.id().to_string();
    ask.personal_number = None;
    ask.valid_from = now();
    let Enrolling::New(act) = root.enroll(&registry, &ask, now()).unwrap() else {
        panic!("new")
    };
    registry.apply(&act).unwrap();
    let mut second = ask.clone();
    second.key = key_id(&key("second registrar")).to_string();
    let err = registrar.enroll(&registry, &second, now()).unwrap_err();
    assert!(matches!(err, AuthorityError::RootOnly(_)), "{err}");
    let revoke = RevocationRequest {
        key: registrar.id().to_string(),
        reason: "rotation".into(),
        effective_from: now(),
    };
    let other = Authority::from_seed(&[6u8; 32]).under(root.id());
    assert!(matches!(
        other.revoke(&registry, &revoke, now()),
        Err(AuthorityError::RootOnly(_))
    ));
    // The registrar enrolls an officer, and its act holds.
    let Enrolling::New(act) = registrar
        .enroll(&registry, &request(Role::PostOfficer), now())
        .unwrap()
    else {
        panic!("new")
    };
    assert_eq!(registry.apply(&act), Ok(()));
    assert!(matches!(
        registrar.enroll(
            &registry,
            &{
                let mut r = request(Role::PostOfficer);
                r.key = root.id().to_string();
                r
            },
            now()
        ),
        Err(AuthorityError::AuthorityKeyGiven(_))
    ));
}

fn enrolled(authority: &Authority, request: &EnrollmentRequest) -> (Registry, SignedAct) {
    let mut registry = Registry::new(authority.id());
    let Enrolling::New(act) = authority.enroll(&registry, request, now()).unwrap() else {
        panic!("a first enrollment is new")
    };
    registry.apply(&act).unwrap();
    (registry, *act)
}

#[test]
fn an_enrollment_is_signed_by_the_authority_and_holds() {
    let authority = authority();
    let (registry, act) = enrolled(&authority, &request(Role::PostOfficer));
    act.verify_signatures().unwrap();
    let ActBody::KeyEnrolled(body) = act.body() else {
        panic!("a key_enrolled act")
    };
    assert_eq!(body.authority, authority.id());
    assert_eq!(body.at, now());
    assert_eq!(
        body.holder.personal_number.as_ref().unwrap().as_str(),
        "KG-0417"
    );
    let e = &registry.enrollments(&officer_key())[0];
    assert_eq!(
        (e.role, e.unit.as_str()),
        (Role::PostOfficer, "MANAS-AIRPORT")
    );
    // The act decodes from its own bytes: it is a valid line of an enrollment file.
    assert_eq!(SignedAct::decode(&act.encode()).unwrap(), act);
}

#[test]
fn keys_are_checked_and_normalized() {
    let upper = officer_key().as_str().to_ascii_uppercase();
    assert_eq!(parse_key(&format!("  {upper} ")).unwrap(), officer_key());
    for bad in ["", "xyz", &"a".repeat(63), &"g".repeat(64)] {
        assert!(
            matches!(parse_key(bad), Err(AuthorityError::BadKey { .. })),
            "{bad}"
        );
    }
    // The identity point is a valid encoding but a weak key.
    let mut identity = [0u8; 32];
    identity[0] = 1;
    let err = parse_key(&hex::encode(identity)).unwrap_err();
    assert!(err.to_string().contains("weak"), "{err}");
    let authority = authority();
    let mut own = request(Role::Device);
    own.personal_number = None;
    own.key = authority.id().to_string();
    assert!(matches!(
        authority.enroll(&Registry::new(authority.id()), &own, now()),
        Err(AuthorityError::AuthorityKeyGiven(_))
    ));
}

#[test]
fn officers_need_a_personal_number_and_devices_have_none() {
    let authority = authority();
    let registry = Registry::new(authority.id());
    for role in [
        Role::PostOfficer,
        Role::EscortOfficer,
        Role::PreciousMetalsOfficer,
        Role::CentralStaff,
    ] {
        let mut r = request(role);
        r.personal_number = None;
        let err = authority.enroll(&registry, &r, now()).unwrap_err();
        assert!(err.to_string().contains("--personal-number"), "{err}");
    }
    let device = request(Role::Device);
    assert!(matches!(
        authority.enroll(&registry, &device, now()),
        Err(AuthorityError::DeviceWithPersonalNumber)
    ));
    let mut device = device;
    device.personal_number = None;
    assert!(matches!(
        authority.enroll(&registry, &device, now()),
        Ok(Enrolling::New(_))
    ));
}

#[test]
fn bad_fields_and_empty_validity_are_refused() {
    let authority = authority();
    let registry = Registry::new(authority.id());
    let mut r = request(Role::PostOfficer);
    r.unit = "manas airport".into();
    let err = authority.enroll(&registry, &r, now()).unwrap_err();
    assert!(err.to_string().starts_with("--unit"), "{err}");
    let mut r = request(Role::PostOfficer);
    r.holder = "  ".into();
    assert!(authority
        .enroll(&registry, &r, now())
        .unwrap_err()
        .to_string()
        .starts_with("--name"));
    let mut r = request(Role::PostOfficer);
    r.valid_until = r.valid_from;
    assert!(matches!(
        authority.enroll(&registry, &r, now()),
        Err(AuthorityError::EmptyValidity { .. })
    ));
}

#[test]
fn the_same_enrollment_twice_is_a_no_op_and_a_renewal_is_new() {
    let authority = authority();
    let first = request(Role::PostOfficer);
    let (mut registry, act) = enrolled(&authority, &first);
    let later = at("2026-03-01T00:00:00Z");
    match authority.enroll(&registry, &first, later).unwrap() {
        Enrolling::AlreadyEnrolled(e) => assert_eq!(e.act, act.id()),
        other => panic!("expected a no-op, got {other:?}"),
    }
    // A shorter period inside the enrolled one says nothing new either.
    let mut inside = first.clone();
    inside.valid_from = at("2026-06-01T00:00:00Z");
    assert!(matches!(
        authority.enroll(&registry, &inside, later),
        Ok(Enrolling::AlreadyEnrolled(_))
    ));
    // A renewal (same duty, longer) is a new act, and so is a corrected name.
    let mut renewal = first.clone();
    renewal.valid_from = later;
    renewal.valid_until = at("2028-01-01T00:00:00Z");
    let Enrolling::New(renewed) = authority.enroll(&registry, &renewal, later).unwrap() else {
        panic!("a renewal is new")
    };
    registry.apply(&renewed).unwrap();
    assert_eq!(registry.enrollments(&officer_key()).len(), 2);
    let mut renamed = first;
    renamed.valid_from = later;
    renamed.holder = "Aibek Asanov uulu".into();
    assert!(matches!(
        authority.enroll(&registry, &renamed, later),
        Ok(Enrolling::New(_))
    ));
}

#[test]
fn a_key_holds_one_duty_at_a_time() {
    let authority = authority();
    let (registry, _) = enrolled(&authority, &request(Role::PostOfficer));
    let mut elsewhere = request(Role::PostOfficer);
    elsewhere.unit = "TOKMOK-ROAD".into();
    let err = authority.enroll(&registry, &elsewhere, now()).unwrap_err();
    assert!(matches!(err, AuthorityError::Overlap { .. }), "{err}");
    assert!(err.to_string().contains("2027-01-01T00:00:00Z"), "{err}");
    // From the end of the current enrollment on, the transfer is fine.
    elsewhere.valid_from = at("2027-01-01T00:00:00Z");
    elsewhere.valid_until = at("2028-01-01T00:00:00Z");
    assert!(matches!(
        authority.enroll(&registry, &elsewhere, now()),
        Ok(Enrolling::New(_))
    ));
    let mut other_person = request(Role::PostOfficer);
    other_person.personal_number = Some("KG-9999".into());
    assert!(matches!(
        authority.enroll(&registry, &other_person, now()),
        Err(AuthorityError::Overlap { .. })
    ));
}

#[test]
fn revocation_needs_an_enrolled_key_and_is_final() {
    let authority = authority();
    let mut registry = Registry::new(authority.id());
    let revoke = RevocationRequest {
        key: officer_key().to_string(),
        reason: "personal seal lost".into(),
        effective_from: at("2026-02-01T00:00:00Z"),
    };
    assert!(matches!(
        authority.revoke(&registry, &revoke, now()),
        Err(AuthorityError::UnknownKey(_))
    ));
    let (enrolled_registry, _) = enrolled(&authority, &request(Role::PostOfficer));
    registry = enrolled_registry;
    let Revoking::New(act) = authority.revoke(&registry, &revoke, now()).unwrap() else {
        panic!("a first revocation is new")
    };
    registry.apply(&act).unwrap();
    assert_eq!(
        registry.revocation(&officer_key()).unwrap().effective_from,
        revoke.effective_from
    );
    // Again, or from later: nothing new. From earlier: a new act.
    let mut later = revoke.clone();
    later.effective_from = at("2026-03-01T00:00:00Z");
    for r in [&revoke, &later] {
        assert!(matches!(
            authority.revoke(&registry, r, now()),
            Ok(Revoking::AlreadyRevoked(_))
        ));
    }
    let mut earlier = revoke;
    earlier.effective_from = at("2026-01-20T00:00:00Z");
    assert!(matches!(
        authority.revoke(&registry, &earlier, now()),
        Ok(Revoking::New(_))
    ));
    // A revoked key is not enrolled again.
    let err = authority
        .enroll(&registry, &request(Role::PostOfficer), now())
        .unwrap_err();
    assert!(matches!(err, AuthorityError::Revoked { .. }), "{err}");
}

#[test]
fn the_enrollment_file_holds_each_authority_act_once_in_order() {
    let story = Story::new();
    let mut acts = story.registry_acts();
    acts.push(story.revocation(&story.vehicle_device, story.t(1)));
    let foreign = Story {
        authority: key("another authority"),
        ..Story::new()
    }
    .enrollment(&story.outsider);
    let mut shuffled: Vec<SignedAct> = acts.iter().rev().cloned().collect();
    shuffled.extend(acts.iter().cloned());
    shuffled.push(foreign);
    let ordered = enrollment_acts(&story.authority_id(), shuffled.clone());
    assert_eq!(ordered.len(), acts.len());
    assert_eq!(
        ordered,
        enrollment_acts(&story.authority_id(), shuffled.into_iter().rev().collect())
    );
    assert!(ordered
        .windows(2)
        .all(|w| (w[0].body().at(), w[0].id()) < (w[1].body().at(), w[1].id())));
    let file = enrollment_file(&ordered);
    let lines: Vec<&[u8]> = file
        .split(|b| *b == b'\n')
        .filter(|l| !l.is_empty())
        .collect();
    assert_eq!(lines.len(), ordered.len());
    for (line, act) in lines.iter().zip(&ordered) {
        assert_eq!(&SignedAct::decode(line).unwrap(), act);
    }
}

#[test]
fn the_key_file_round_trips_and_refuses_other_text() {
    let authority = authority();
    let text = authority.key_file_text();
    assert!(text.ends_with('\n'));
    assert_eq!(
        Authority::from_key_text(&text).unwrap().id(),
        authority.id()
    );
    assert!(Authority::from_key_text("not a key").is_err());
    assert_eq!(authority.fingerprint().len(), 19);
}

#[test]
fn times_are_read_as_staff_write_them() {
    let t = |s| parse_time(s).map(|t| t.to_rfc3339());
    assert_eq!(t("2026-11-23T08:30:00Z").unwrap(), "2026-11-23T08:30:00Z");
    assert_eq!(
        t("2026-11-23T14:30:00+06:00").unwrap(),
        "2026-11-23T08:30:00Z"
    );
    assert_eq!(t("2026-11-23").unwrap(), "2026-11-23T00:00:00Z");
    assert!(t("2026-11-23T08:30:00.5Z")
        .unwrap_err()
        .contains("whole seconds"));
    assert!(t("23.11.2026").is_err());
}
