//! Scenario tests for the Kimberley Process certificate's contents (DOMAIN.md, "KP certificate
//! contents"; seed 003, section C; seed 004, paras 3-6): a certificate registered without its
//! contents, expired before the goods were registered, or stating other carats, value, parcels
//! or HS codes than the rough diamond lines; each passing case beside the failing one, and the
//! content rules an act with KP contents keeps.

use tamga_core::act::*;
use tamga_core::assessment::{assess, Assessment, DiscrepancyKind as K, Severity, Tolerances};
use tamga_core::codes::{CurrencyCode, HsCode};
use tamga_core::fixtures::{at, text, Story};
use tamga_core::quantity::{parse_decimal, Mass, MassUnit};
use tamga_core::SignedAct;

fn registration(story: &Story, change: impl FnOnce(&mut ConsignmentRegistered)) -> SignedAct {
    let mut body = story.registration_body();
    change(&mut body);
    story.sign(
        ActBody::ConsignmentRegistered(body),
        &[&story.airport_officer],
    )
}

fn judged(story: &Story, acts: &[SignedAct]) -> Assessment {
    assess(
        &story.consignment,
        acts,
        &story.registry(),
        story.t(10),
        &Tolerances::default(),
    )
}

/// The KP findings as (kind, subject), each proven by the registration alone and major.
fn kp_findings(story: &Story, reg: &SignedAct) -> Vec<(K, String)> {
    let a = judged(story, std::slice::from_ref(reg));
    assert!(a.rejected.is_empty(), "{:?}", a.rejected);
    let mut found: Vec<(K, String)> = a
        .discrepancies
        .iter()
        .filter(|d| matches!(d.kind, K::KpcIncomplete | K::KpcExpired | K::KpcMismatch))
        .map(|d| {
            assert_eq!(d.severity, Severity::Major, "{d:?}");
            assert_eq!(d.acts, [reg.id()], "{d:?}");
            (d.kind, d.subject.clone())
        })
        .collect();
    found.sort();
    found
}

fn kp(body: &mut ConsignmentRegistered) -> &mut KpContents {
    body.certificates[0].kp.as_mut().unwrap()
}

fn dec(text: &str) -> rust_decimal::Decimal {
    parse_decimal(text).unwrap()
}

#[test]
fn a_complete_certificate_that_states_what_the_goods_lines_say_raises_nothing() {
    let story = Story::new();
    assert_eq!(kp_findings(&story, &story.registration()), []);
    let a = judged(&story, &[story.registration()]);
    assert!(a.discrepancies.is_empty(), "{:#?}", a.discrepancies);
}

#[test]
fn a_certificate_without_its_contents_is_incomplete() {
    let story = Story::new();
    let reg = registration(&story, |b| b.certificates[0].kp = None);
    assert_eq!(
        kp_findings(&story, &reg),
        [(K::KpcIncomplete, "BE 0417733".to_owned())]
    );
    let a = judged(&story, &[reg]);
    assert!(a.discrepancies[0]
        .summary
        .contains("correct the registration"));
}

#[test]
fn a_certificate_expired_before_registration_is_found_and_one_valid_then_is_not() {
    let story = Story::new();
    let expired = registration(&story, |b| kp(b).expires_at = story.t(-1));
    assert_eq!(
        kp_findings(&story, &expired),
        [(K::KpcExpired, "BE 0417733".to_owned())]
    );
    let at_the_moment = registration(&story, |b| kp(b).expires_at = b.at);
    assert_eq!(
        kp_findings(&story, &at_the_moment),
        [(K::KpcExpired, "BE 0417733".to_owned())]
    );
    let a_minute_left = registration(&story, |b| kp(b).expires_at = story.t(1));
    assert_eq!(kp_findings(&story, &a_minute_left), []);
}

#[test]
fn carats_differing_by_more_than_the_scale_step_are_a_mismatch() {
    let story = Story::new();
    let short = registration(&story, |b| kp(b).carats = dec("1250.33"));
    assert_eq!(
        kp_findings(&story, &short),
        [(K::KpcMismatch, "carats".to_owned())]
    );
    let a = judged(&story, &[short]);
    assert!(
        a.discrepancies[0].summary.contains("1250.33 ct")
            && a.discrepancies[0].summary.contains("1250.35 ct"),
        "{}",
        a.discrepancies[0].summary
    );
    let one_step = registration(&story, |b| kp(b).carats = dec("1250.34"));
    assert_eq!(kp_findings(&story, &one_step), []);
    // A line weighed in grams counts at 1 ct = 0.2 g.
    let in_grams = registration(&story, |b| {
        b.goods[0].net_mass = Mass::new("250.07", MassUnit::G).unwrap();
    });
    assert_eq!(kp_findings(&story, &in_grams), []);
}

#[test]
fn value_is_compared_in_us_dollars_within_a_dollar_and_only_in_us_dollars() {
    let story = Story::new();
    let more = registration(&story, |b| kp(b).value_usd = dec("1875527.00"));
    assert_eq!(
        kp_findings(&story, &more),
        [(K::KpcMismatch, "value".to_owned())]
    );
    let rounded = registration(&story, |b| kp(b).value_usd = dec("1875525"));
    assert_eq!(kp_findings(&story, &rounded), []);
    let in_euros = registration(&story, |b| {
        kp(b).value_usd = dec("2000000.00");
        b.goods[0].value.currency = CurrencyCode::new("EUR").unwrap();
    });
    assert_eq!(kp_findings(&story, &in_euros), []);
}

#[test]
fn parcels_other_than_the_packages_and_an_hs_code_not_certified_are_mismatches() {
    let story = Story::new();
    let parcels = registration(&story, |b| kp(b).parcels = 2);
    assert_eq!(
        kp_findings(&story, &parcels),
        [(K::KpcMismatch, "parcels".to_owned())]
    );
    let industrial = registration(&story, |b| {
        kp(b).hs_codes = vec![HsCode::new("710221").unwrap()];
    });
    assert_eq!(
        kp_findings(&story, &industrial),
        [(K::KpcMismatch, "hs_codes".to_owned())]
    );
    // Other goods in the same consignment: parcels are not compared with all its packages.
    let with_gold = registration(&story, |b| {
        kp(b).parcels = 2;
        let mut gold = b.goods[0].clone();
        gold.hs_code = HsCode::new("7108120000").unwrap();
        gold.description = text("Gold, unwrought");
        gold.quantity.unit = tamga_core::quantity::QuantityUnit::G;
        gold.net_mass = Mass::new("100", MassUnit::G).unwrap();
        gold.gross_mass = Mass::new("0.2", MassUnit::Kg).unwrap();
        b.goods.push(gold);
    });
    assert_eq!(kp_findings(&story, &with_gold), []);
}

#[test]
fn two_certificates_together_cover_the_goods() {
    let story = Story::new();
    let split = registration(&story, |b| {
        let mut second = b.certificates[0].clone();
        second.number = text("BE 0417734");
        let first = kp(b);
        first.carats = dec("1000.00");
        first.value_usd = dec("1500000.00");
        let rest = second.kp.as_mut().unwrap();
        rest.carats = dec("250.35");
        rest.value_usd = dec("375525.00");
        b.certificates.push(second);
        b.packages = 2;
    });
    assert_eq!(kp_findings(&story, &split), []);
    // One of two without its contents: incomplete, and the sums are not compared.
    let half = registration(&story, |b| {
        let mut second = b.certificates[0].clone();
        second.number = text("BE 0417734");
        second.kp = None;
        b.certificates.push(second);
    });
    assert_eq!(
        kp_findings(&story, &half),
        [(K::KpcIncomplete, "BE 0417734".to_owned())]
    );
}

#[test]
fn a_correction_that_adds_the_contents_clears_incomplete() {
    let story = Story::new();
    let reg = registration(&story, |b| b.certificates[0].kp = None);
    let mut full = story.registration_body().certificates;
    full[0].issued_at = at("2026-11-20T00:00:00Z");
    let correction = story.sign(
        ActBody::ActCorrected(ActCorrected {
            consignment: story.consignment.clone(),
            at: story.t(5),
            officer: story.airport_officer.id.clone(),
            corrects: reg.id(),
            changes: Correction::ConsignmentRegistered(RegistrationFields {
                certificates: Some(full),
                ..RegistrationFields::default()
            }),
            reason: text("the certificate's contents typed in from the paper"),
            permission: None,
        }),
        &[&story.airport_officer],
    );
    let a = judged(&story, &[reg, correction]);
    assert!(a.discrepancies.is_empty(), "{:#?}", a.discrepancies);
}

#[test]
fn kp_contents_keep_their_content_rules() {
    let story = Story::new();
    let refused = |change: &dyn Fn(&mut ConsignmentRegistered), field: &str| {
        let mut body = story.registration_body();
        change(&mut body);
        let err = ActBody::ConsignmentRegistered(body)
            .check_content()
            .unwrap_err();
        assert_eq!(err.field, field, "{err}");
    };
    refused(
        &|b| b.certificates[0].kind = CertificateKind::StateControl,
        "certificates[0].kp",
    );
    refused(
        &|b| kp(b).hs_codes = vec![HsCode::new("710391").unwrap()],
        "certificates[0].kp.hs_codes",
    );
    refused(&|b| kp(b).hs_codes = vec![], "certificates[0].kp.hs_codes");
    refused(
        &|b| kp(b).hs_codes = vec![HsCode::new("710231").unwrap(); 2],
        "certificates[0].kp.hs_codes",
    );
    refused(&|b| kp(b).carats = dec("0"), "certificates[0].kp.carats");
    refused(
        &|b| kp(b).value_usd = dec("-1"),
        "certificates[0].kp.value_usd",
    );
    refused(&|b| kp(b).parcels = 0, "certificates[0].kp.parcels");
    refused(
        &|b| kp(b).expires_at = at("2026-11-20T00:00:00Z"),
        "certificates[0].kp.expires_at",
    );
    // A registration without KP contents still decodes: certificates recorded before them.
    let mut old =
        serde_json::to_value(ActBody::ConsignmentRegistered(story.registration_body())).unwrap();
    old["certificates"][0].as_object_mut().unwrap().remove("kp");
    let body: ActBody = serde_json::from_value(old).unwrap();
    body.check_content().unwrap();
}

/// The assessment with the KP participants lists `lists` added to the story's registry.
fn judged_with_lists(story: &Story, reg: &SignedAct, lists: &[SignedAct]) -> Vec<(K, String)> {
    let mut acts = story.registry_acts();
    acts.extend(lists.iter().cloned());
    let (registry, rejected) = tamga_core::Registry::from_acts(story.authority_id(), &acts);
    assert!(rejected.is_empty(), "{rejected:?}");
    let a = assess(
        &story.consignment,
        std::slice::from_ref(reg),
        &registry,
        story.t(10),
        &Tolerances::default(),
    );
    let mut found: Vec<(K, String)> = a
        .discrepancies
        .iter()
        .filter(|d| d.kind == K::KpNonParticipant)
        .map(|d| {
            assert_eq!(d.severity, Severity::Critical);
            assert_eq!(d.acts, [reg.id()]);
            (d.kind, d.subject.clone())
        })
        .collect();
    found.sort();
    found
}

#[test]
fn rough_diamonds_from_a_country_outside_the_kimberley_process_are_critical() {
    let story = Story::new();
    let reg = story.registration();
    let with_eu = story.kp_participants(story.t(-60 * 24), false, &[("Botswana", "BW")]);
    let without_eu = story.kp_participants(story.t(-60 * 24), true, &[("Botswana", "BW")]);
    // Belgium is in the EU, one participant.
    assert_eq!(
        judged_with_lists(&story, &reg, std::slice::from_ref(&with_eu)),
        []
    );
    // The consignor's country and the certificate's issuer are the same country: one finding.
    assert_eq!(
        judged_with_lists(&story, &reg, std::slice::from_ref(&without_eu)),
        [(K::KpNonParticipant, "BE".to_owned())]
    );
    // Before any list nothing is said.
    assert_eq!(judged_with_lists(&story, &reg, &[]), []);
    // The list in force at registration counts, not a later one.
    let later = story.kp_participants(story.t(5), true, &[("Botswana", "BW")]);
    assert_eq!(
        judged_with_lists(&story, &reg, &[with_eu.clone(), later]),
        []
    );
    let earlier_without =
        story.kp_participants(story.t(-60 * 24 * 30), true, &[("Botswana", "BW")]);
    assert_eq!(
        judged_with_lists(&story, &reg, &[earlier_without, with_eu]),
        []
    );
}

#[test]
fn an_export_to_a_non_participant_is_critical_and_other_goods_are_not_judged() {
    let story = Story::new();
    let list = story.kp_participants(story.t(-60), false, &[("Botswana", "BW")]);
    let export = registration(&story, |b| {
        b.direction = Direction::Export;
        b.consignee.country = tamga_core::codes::CountryCode::new("SO").unwrap();
    });
    assert_eq!(
        judged_with_lists(&story, &export, std::slice::from_ref(&list)),
        [(K::KpNonParticipant, "SO".to_owned())]
    );
    let gold = registration(&story, |b| {
        b.consignor.country = tamga_core::codes::CountryCode::new("SO").unwrap();
        b.goods[0].hs_code = HsCode::new("7108120000").unwrap();
        b.goods[0].quantity.unit = tamga_core::quantity::QuantityUnit::G;
        b.goods[0].net_mass = Mass::new("250", MassUnit::G).unwrap();
        b.certificates.clear();
    });
    let a = assess(
        &story.consignment,
        &[gold],
        &{
            let mut acts = story.registry_acts();
            acts.push(list);
            tamga_core::Registry::from_acts(story.authority_id(), &acts).0
        },
        story.t(10),
        &Tolerances::default(),
    );
    assert!(
        !a.discrepancies
            .iter()
            .any(|d| d.kind == K::KpNonParticipant),
        "{:#?}",
        a.discrepancies
    );
}
