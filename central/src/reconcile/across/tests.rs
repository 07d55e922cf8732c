use super::super::{Index, Record};
use super::*;
use tamga_core::act::{ActBody, Correction, RegistrationFields, SealApplied};
use tamga_core::codes::CountryCode;
use tamga_core::fixtures::{stream, text, Story};
use tamga_core::{assess, SignedAct, Timestamp, Tolerances};

/// The row of the consignment `acts` are about, assessed at `now`.
fn row(story: &Story, acts: &[SignedAct], now: Timestamp) -> Record {
    let id = acts[0]
        .body()
        .consignment()
        .expect("a consignment act")
        .clone();
    let a = assess(&id, acts, &story.registry(), now, &Tolerances::default());
    Record::of(&a, acts)
}

/// The `n`th generated consignment registered, with `change` made to its registration.
fn registered(
    story: &Story,
    n: u64,
    change: impl FnOnce(&mut tamga_core::act::ConsignmentRegistered),
) -> SignedAct {
    let ActBody::ConsignmentRegistered(mut body) = stream::registration(story, n).body().clone()
    else {
        unreachable!("a registration")
    };
    change(&mut body);
    story.sign(
        ActBody::ConsignmentRegistered(body),
        &[&story.airport_officer],
    )
}

/// The story's seal applied to the `n`th generated consignment.
fn story_seal_on(story: &Story, n: u64) -> SignedAct {
    let ActBody::SealApplied(body) = stream::seal_applied(story, n).body().clone() else {
        unreachable!("a seal applied")
    };
    story.sign(
        ActBody::SealApplied(SealApplied {
            seal: story.seal.clone(),
            ..body
        }),
        &[&story.airport_officer],
    )
}

fn index_of(rows: &[Record]) -> Index {
    let mut index = Index::default();
    for r in rows {
        index.put(r.clone());
    }
    index
}

fn kinds(index: &Index) -> Vec<(AcrossKind, Vec<String>)> {
    index
        .across()
        .into_iter()
        .map(|f| {
            let ids = f
                .consignments
                .iter()
                .map(|m| m.consignment.as_str().to_owned())
                .collect();
            (f.kind, ids)
        })
        .collect()
}

#[test]
fn the_same_kpc_on_two_consignments_is_a_critical_finding_proven_by_both_registrations() {
    let story = Story::new();
    // The story's registration and a generated one: both list KPC "BE 0417733" from Belgium;
    // the generated one writes it with spaces around, which do not make it another number.
    let first = story.registration();
    let second = registered(&story, 7, |r| {
        r.certificates[0].number = text(" BE 0417733 ");
    });
    let index = index_of(&[
        row(&story, std::slice::from_ref(&first), story.t(30)),
        row(&story, std::slice::from_ref(&second), story.t(30)),
    ]);
    let found = index.across();
    assert_eq!(found.len(), 1, "{found:?}");
    let f = &found[0];
    assert_eq!(f.kind, AcrossKind::KpcOnTwoConsignments);
    assert_eq!(f.severity, Severity::Critical);
    assert_eq!(
        (f.number.as_str(), f.issued_by.as_deref()),
        ("BE 0417733", Some("BE"))
    );
    let names = |f: &crate::reconcile::AcrossFinding| {
        f.consignments
            .iter()
            .map(|m| m.consignment.as_str())
            .collect::<Vec<_>>()
            .join(", ")
    };
    assert_eq!(
        f.summary,
        format!(
            "Kimberley Process certificate BE 0417733 issued by BE is registered on 2 consignments ({}): a KP certificate certifies one shipment only",
            names(f)
        )
    );
    assert_eq!(
        (f.words.key.as_str(), f.words.args["count"].as_str()),
        ("across.kpc", "2")
    );
    let members: Vec<(String, Vec<String>)> = f
        .consignments
        .iter()
        .map(|m| (m.consignment.as_str().to_owned(), m.acts.clone()))
        .collect();
    let mut expected = vec![
        (
            story.consignment.as_str().to_owned(),
            vec![first.id().to_hex()],
        ),
        (
            stream::consignment(7).as_str().to_owned(),
            vec![second.id().to_hex()],
        ),
    ];
    expected.sort();
    assert_eq!(members, expected);
    // Each consignment's detail names the finding; totals count it.
    assert_eq!(index.across_of(&story.consignment), found);
    assert_eq!(index.across_of(&stream::consignment(7)), found);
    assert_eq!(index.totals().across[&AcrossKind::KpcOnTwoConsignments], 1);
    assert_eq!(index.totals().across[&AcrossKind::SealOnTwoConsignments], 0);
}

#[test]
fn the_same_kpc_number_from_another_country_is_another_certificate() {
    let story = Story::new();
    let other = registered(&story, 7, |r| {
        r.certificates[0].issued_by = CountryCode::new("AE").unwrap();
    });
    let index = index_of(&[
        row(&story, &[story.registration()], story.t(30)),
        row(&story, &[other], story.t(30)),
    ]);
    assert!(index.across().is_empty(), "{:?}", index.across());
    assert_eq!(index.totals().across[&AcrossKind::KpcOnTwoConsignments], 0);
}

#[test]
fn a_correction_of_the_kpc_number_takes_the_finding_away_and_proves_the_new_one() {
    let story = Story::new();
    let reg = story.registration();
    let other = row(&story, &[stream::registration(&story, 7)], story.t(30));
    let mut index = index_of(&[row(&story, std::slice::from_ref(&reg), story.t(30)), other]);
    assert_eq!(index.across().len(), 1);

    // The airport officer corrects the number mistyped at registration.
    let mut certificates = story.registration_body().certificates;
    certificates[0].number = text("BE 0417734");
    let correction = story.correction(
        5,
        &story.airport_officer,
        &reg,
        Correction::ConsignmentRegistered(RegistrationFields {
            certificates: Some(certificates),
            ..RegistrationFields::default()
        }),
        None,
    );
    let corrected = row(&story, &[reg.clone(), correction.clone()], story.t(30));
    assert_eq!(corrected.kpcs[0].number, "BE 0417734");
    assert_eq!(
        corrected.kpcs[0].acts,
        vec![reg.id().to_hex(), correction.id().to_hex()],
        "the registration as corrected proves it"
    );
    index.put(corrected);
    assert!(index.across().is_empty(), "{:?}", index.across());
    assert!(index.across_of(&story.consignment).is_empty());
    assert_eq!(
        index.holders(),
        &Across::of([
            index.get(&story.consignment).unwrap(),
            index.get(&stream::consignment(7)).unwrap(),
        ])
    );
}

#[test]
fn the_same_seal_active_on_two_consignments_is_a_critical_finding() {
    let story = Story::new();
    // The story on the road (its seal on the goods), and a generated consignment sealed with the
    // same number.
    let on_the_road = story.clean_delivery()[..6].to_vec();
    let other_seal = story_seal_on(&story, 7);
    let other = [
        registered(&story, 7, |r| r.certificates.clear()),
        other_seal.clone(),
    ];
    let index = index_of(&[
        row(&story, &on_the_road, story.t(70)),
        row(&story, &other, story.t(70)),
    ]);
    let found = index.across();
    assert_eq!(found.len(), 1, "{found:?}");
    let f = &found[0];
    assert_eq!(f.kind, AcrossKind::SealOnTwoConsignments);
    assert_eq!(f.severity, Severity::Critical);
    assert_eq!(f.number, story.seal.as_str());
    assert_eq!(f.issued_by, None);
    assert_eq!(
        f.summary,
        format!(
            "seal {} is on the goods of 2 consignments at once ({}): a seal is on one consignment at a time",
            story.seal,
            f.consignments
                .iter()
                .map(|m| m.consignment.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        )
    );
    assert_eq!(f.words.key, "across.seal");
    let proof = |c: &ConsignmentId| {
        f.consignments
            .iter()
            .find(|m| &m.consignment == c)
            .map(|m| m.acts.clone())
    };
    assert_eq!(
        proof(&story.consignment),
        Some(vec![on_the_road[1].id().to_hex()])
    );
    assert_eq!(
        proof(&stream::consignment(7)),
        Some(vec![other_seal.id().to_hex()])
    );
    assert_eq!(index.totals().across[&AcrossKind::SealOnTwoConsignments], 1);
}

#[test]
fn a_seal_number_used_again_after_delivery_is_no_finding() {
    let story = Story::new();
    let delivered = story.clean_delivery();
    let first = row(&story, &delivered, story.after());
    assert!(first.status.ended());
    assert!(
        first.active_seals.is_empty(),
        "a delivered consignment holds no seal"
    );
    let other = [
        registered(&story, 7, |r| r.certificates.clear()),
        story_seal_on(&story, 7),
    ];
    let index = index_of(&[first, row(&story, &other, story.after())]);
    assert!(index.across().is_empty(), "{:?}", index.across());
}

#[test]
fn removing_or_replacing_a_row_updates_who_holds_what() {
    let story = Story::new();
    let rows: Vec<Record> = [1, 2, 3]
        .into_iter()
        .map(|n| {
            row(
                &story,
                &[
                    stream::registration(&story, n),
                    stream::seal_applied(&story, n),
                ],
                story.t(30),
            )
        })
        .collect();
    let mut index = index_of(&rows);
    assert_eq!(
        kinds(&index).len(),
        1,
        "one KPC on three, seals all different"
    );
    assert_eq!(kinds(&index)[0].1.len(), 3);

    let gone = index.remove(&stream::consignment(2)).unwrap();
    assert_eq!(gone.consignment, stream::consignment(2));
    assert_eq!(index.across()[0].consignments.len(), 2);
    assert_eq!(index.holders(), &Across::of([&rows[0], &rows[2]]));
    index.remove(&stream::consignment(3));
    assert!(index.across().is_empty());
    assert!(index.across_of(&stream::consignment(1)).is_empty());
    assert_eq!(index.holders(), &Across::of([&rows[0]]));
    assert_eq!(index.remove(&stream::consignment(3)), None);
    index.remove(&stream::consignment(1));
    assert_eq!(index.holders(), &Across::default(), "nothing left behind");

    // Put again, then replaced by a row without the KPC: the same as made afresh.
    let mut index = index_of(&rows);
    let mut changed = rows[1].clone();
    changed.kpcs.clear();
    index.put(changed.clone());
    assert_eq!(index.holders(), &Across::of([&rows[0], &changed, &rows[2]]));
    assert_eq!(index.across()[0].consignments.len(), 2);
}

#[test]
fn finding_ids_are_stable_and_name_the_consignments() {
    let story = Story::new();
    let rows: Vec<Record> = [1, 2, 3]
        .into_iter()
        .map(|n| row(&story, &[stream::registration(&story, n)], story.t(30)))
        .collect();
    let forward = index_of(&rows[..2]);
    let backward = index_of(&[rows[1].clone(), rows[0].clone()]);
    let id = forward.across()[0].id.clone();
    assert_eq!(id.len(), 64);
    assert_eq!(backward.across()[0].id, id, "independent of arrival order");
    assert_eq!(index_of(&rows[..2]).across()[0].id, id, "the same again");
    let three = index_of(&rows);
    assert_ne!(
        three.across()[0].id,
        id,
        "another consignment, another finding"
    );
    assert_ne!(index_of(&rows[1..]).across()[0].id, id);
    // Kind and key are in the hash: a seal of the same number would not share it.
    let key = Key::Kpc {
        number: "BE 0417733".into(),
        issued_by: "BE".into(),
    };
    let members: BTreeSet<ConsignmentId> =
        rows[..2].iter().map(|r| r.consignment.clone()).collect();
    assert_eq!(
        finding_id(AcrossKind::KpcOnTwoConsignments, &key, &members),
        id
    );
    assert_ne!(
        finding_id(
            AcrossKind::SealOnTwoConsignments,
            &Key::Seal("BE 0417733".into()),
            &members
        ),
        id
    );
    assert_eq!(
        AcrossKind::of("seal_on_two_consignments"),
        Some(AcrossKind::SealOnTwoConsignments)
    );
    assert_eq!(AcrossKind::of("kpc"), None);
}
