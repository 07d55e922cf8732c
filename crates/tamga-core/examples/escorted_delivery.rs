//! The reference story, told by the core alone: rough diamonds escorted from the Manas airport
//! post to the Precious Metals Department, every step a signed act, then assessed. A second run
//! replaces a seal on the way without permission, and the assessment shows it with its proof. A
//! third shows that the record is never edited: a mistyped seal number is corrected by a new
//! act naming the old one, and the crew is relieved on the way by the airport post's order.
//!
//! Run: `cargo run -p tamga-core --example escorted_delivery`. Exits non-zero if any outcome
//! differs from what the story says.

use tamga_core::act::{
    ActBody, Correction, Place, SealBasis, SealFields, SealGrounds, SealKind, SealReplaced,
    SealState,
};
use tamga_core::assessment::{assess, Assessment, DiscrepancyKind, Status, Tolerances};
use tamga_core::fixtures::{self, Story, AIRPORT_POST, DEPARTMENT};
use tamga_core::handoff::CustodyOffer;
use tamga_core::{SealNumber, SignedAct};

fn step(n: &mut u32, text: &str) {
    *n += 1;
    println!("\n{n:>2}. {text}");
}

fn check(ok: bool, what: &str) -> Result<(), String> {
    if ok {
        println!("    ok: {what}");
        Ok(())
    } else {
        Err(format!("the story says {what}, but it is not so"))
    }
}

fn show(assessment: &Assessment) {
    let s = &assessment.state;
    println!("    status: {}", s.status.as_str());
    if let Some(c) = &s.custodian {
        println!("    custodian: {} since {}", c.unit, c.since.for_people());
    }
    println!("    custody chain: {} handoff(s)", s.custody_chain.len());
    for (n, seal) in &s.seals {
        println!(
            "    seal {n}: {:?}, last seen {:?}",
            seal.status, seal.last_state
        );
    }
    if assessment.discrepancies.is_empty() {
        println!("    discrepancies: none");
    }
    for d in &assessment.discrepancies {
        let proof: Vec<String> = d.acts.iter().map(|a| a.short()).collect();
        println!(
            "    discrepancy [{:?}] {}: {}\n      proven by acts {}",
            d.severity,
            d.kind.as_str(),
            d.summary,
            proof.join(", ")
        );
    }
}

fn run() -> Result<(), String> {
    let story = Story::new();
    let registry = story.registry();
    let tolerances = Tolerances::default();
    let mut n = 0;

    println!("tamga: an escorted delivery of rough diamonds, told in signed acts");
    println!(
        "customs authority key {}",
        story.authority_id().fingerprint()
    );

    step(
        &mut n,
        "The customs authority enrolls the officers and the vehicle's device:",
    );
    for p in story.enrolled() {
        println!(
            "    {:<28} {:<24} {:<16} key {}",
            p.name,
            p.role.as_str(),
            p.unit,
            p.id.fingerprint()
        );
    }

    step(&mut n, "Rough diamonds arrive at the airport post with their Kimberley Process certificate; the post registers them:");
    let mut acts: Vec<SignedAct> = vec![story.registration()];
    let reg = story.registration_body();
    let line = &reg.goods[0];
    println!(
        "    consignment {}: {} ct ({}), {} {}, {} package, KPC {}, due {}",
        reg.consignment,
        line.quantity.value,
        line.description,
        line.value.amount,
        line.value.currency,
        reg.packages,
        reg.certificates[0].number,
        reg.delivery_deadline.for_people()
    );
    println!(
        "    act {} ({} bytes, canonical JSON)",
        acts[0].id().short(),
        acts[0].encode().len()
    );

    step(
        &mut n,
        "The safe-bag is sealed and an escort crew assigned:",
    );
    acts.push(story.seal_applied());
    acts.push(story.escort_assigned());
    println!(
        "    seal {} applied; crew of 2, vehicle 01 KG 777 ABC",
        story.seal
    );

    step(&mut n, "Handoff to the escort crew: the post officer signs an offer, the crew checks it and countersigns:");
    let offer = CustodyOffer::create(
        story.transfer_body(
            30,
            AIRPORT_POST,
            None,
            &story.airport_officer,
            &story.escort_lead,
        ),
        &story.airport_officer.key,
    )
    .map_err(|e| e.to_string())?;
    println!(
        "    offer {} is {} bytes: small enough for a QR code or a file",
        offer.id().short(),
        offer.encode().len()
    );
    let review = CustodyOffer::decode(&offer.encode())
        .and_then(|o| {
            o.review(
                &registry,
                &acts,
                &story.registered_count(),
                &story.escort_lead.id,
                story.t(31),
                &tolerances,
            )
        })
        .map_err(|e| e.to_string())?;
    check(
        review.new_discrepancies.is_empty(),
        "the crew's review shows no discrepancy",
    )?;
    let handoff = review
        .countersign(&story.escort_lead.key)
        .map_err(|e| e.to_string())?;
    check(
        handoff.signatures().len() == 2,
        "the handoff carries both officers' signatures",
    )?;
    let first = handoff.id();
    acts.push(handoff);

    step(
        &mut n,
        "On the road: positions recorded, the seal checked at a stop (no network):",
    );
    acts.push(story.positions());
    acts.push(story.seal_checked(60, SealState::Intact));

    step(
        &mut n,
        "At the Department: arrival notified, custody handed over, goods delivered:",
    );
    acts.push(story.arrival(95, 100));
    acts.push(story.transfer(
        story.transfer_body(
            105,
            DEPARTMENT,
            Some(first),
            &story.escort_lead,
            &story.department_officer,
        ),
        &story.escort_lead,
        &story.department_officer,
    ));
    acts.push(story.delivered(110));

    step(
        &mut n,
        "Reconciliation: every signature verified, the acts folded into state:",
    );
    let clean = assess(
        &story.consignment,
        &acts,
        &registry,
        story.after(),
        &tolerances,
    );
    show(&clean);
    check(
        clean.state.status == Status::Delivered,
        "the consignment is delivered",
    )?;
    check(clean.discrepancies.is_empty(), "there is no discrepancy")?;
    check(
        clean.state.custodian.as_ref().map(|c| c.unit.as_str()) == Some(DEPARTMENT),
        "the Department holds the goods",
    )?;

    step(
        &mut n,
        "Someone edits the delivered mass in a stored copy of the last act:",
    );
    let original = acts.last().expect("acts").encode();
    let edited = String::from_utf8(original)
        .expect("utf-8")
        .replace("\"0.412\"", "\"0.402\"");
    let forged = SignedAct::decode(edited.as_bytes()).map_err(|e| e.to_string())?;
    let mut tampered = acts.clone();
    tampered.push(forged);
    let seen = assess(
        &story.consignment,
        &tampered,
        &registry,
        story.after(),
        &tolerances,
    );
    check(
        seen.has_open(DiscrepancyKind::BadSignature),
        "the edit is caught as a bad signature",
    )?;
    check(
        seen.state == clean.state,
        "the forged act changes nothing in the derived state",
    )?;

    step(
        &mut n,
        "The same story again, but at the stop the crew replaces the seal without permission:",
    );
    let mut faulty: Vec<SignedAct> = acts[..5].to_vec();
    let new_seal = SealNumber::new("KG-0099001").expect("valid");
    faulty.push(story.sign(
        ActBody::SealReplaced(SealReplaced {
            consignment: story.consignment.clone(),
            at: story.t(60),
            officer: story.escort_second.id.clone(),
            place: Place::Road {
                description: fixtures::text("Bishkek ring road, km 14, fuel stop"),
                coordinates: None,
            },
            old_seal: story.seal.clone(),
            old_state: SealState::Intact,
            new_seal: new_seal.clone(),
            new_seal_kind: SealKind::Mechanical,
            fixed_on: fixtures::text("safe-bag, one place"),
            grounds: SealGrounds {
                permission: None,
                basis: SealBasis::ThreatOfLoss,
                reference: None,
            },
        }),
        &[&story.escort_second],
    ));
    let faulty_assessment = assess(
        &story.consignment,
        &faulty,
        &registry,
        story.after(),
        &tolerances,
    );
    show(&faulty_assessment);
    let found = faulty_assessment
        .open_discrepancies()
        .find(|d| d.kind == DiscrepancyKind::SealRemovedWithoutGrounds);
    check(
        found.is_some(),
        "the replacement without permission or incident is flagged",
    )?;
    check(
        found
            .map(|d| d.acts.contains(&faulty[5].id()))
            .unwrap_or(false),
        "the discrepancy names the replacement act as its proof",
    )?;

    corrected_and_relieved(&story, &mut n)?;

    println!("\nThe story ran as told. Every act above is canonical JSON, hashed with SHA-256 and signed with ed25519; docs/act-format.md says how to check them without this code.");
    Ok(())
}

/// The third run: a correction before the handoff and a crew change on the way.
fn corrected_and_relieved(story: &Story, n: &mut u32) -> Result<(), String> {
    let registry = story.registry_with_relief();
    let relief = Story::relief_officer();
    step(
        n,
        "Once more: the airport officer types the seal number wrong, then corrects it before the handoff:",
    );
    let mistyped = story.seal_applied_mistyped();
    let correction = story.correction(
        20,
        &story.airport_officer,
        &mistyped,
        Correction::SealApplied(SealFields {
            seal: Some(story.seal.clone()),
            ..SealFields::default()
        }),
        None,
    );
    println!(
        "    act {} says seal KG-0042173; act {} corrects it to {} and names it; neither is ever edited",
        mistyped.id().short(),
        correction.id().short(),
        story.seal
    );
    let mut acts = vec![
        story.registration(),
        mistyped.clone(),
        correction.clone(),
        story.escort_assigned(),
    ];
    let handoff = story.handoff_to_escort(&acts);
    let first = handoff.id();
    acts.push(handoff);
    step(
        n,
        "On the road the officer in charge falls ill; the airport post orders a crew change, the relief officer takes charge:",
    );
    acts.push(story.crew_change(50));
    println!(
        "    {} ({}) replaces {} as officer in charge",
        relief.name, relief.personal_number, story.escort_lead.name
    );
    acts.push(story.arrival(95, 100));
    acts.push(story.transfer(
        story.transfer_body(
            105,
            DEPARTMENT,
            Some(first),
            &relief,
            &story.department_officer,
        ),
        &relief,
        &story.department_officer,
    ));
    acts.push(story.delivered(110));
    let a = assess(
        &story.consignment,
        &acts,
        &registry,
        story.after(),
        &Tolerances::default(),
    );
    show(&a);
    check(
        a.discrepancies.is_empty(),
        "the corrected seal number matches every handoff, and the relief officer may hand over",
    )?;
    check(
        a.state.corrections.get(&mistyped.id()) == Some(&vec![correction.id()]),
        "the timeline keeps the original act and its correction",
    )?;
    check(
        a.state.escort.as_ref().map(|e| &e.officer_in_charge) == Some(&relief.id),
        "the officer in charge is the relief officer",
    )?;
    Ok(())
}

fn main() {
    if let Err(e) = run() {
        eprintln!("error: {e}");
        std::process::exit(1);
    }
}
