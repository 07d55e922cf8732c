//! Scenario tests for the duties that follow the arrival of precious goods (DOMAIN.md,
//! "Numbers to model exactly": one day to notify the Department, three working days for the
//! expertise, one working day for the State Control Act, five working days to return a damaged
//! KPC; the counting in docs/act-format.md 13.6). The story registers its diamonds on Monday 23
//! November 2026 at 12:00 in Bishkek (06:00 UTC), t(0).

use tamga_core::act::*;
use tamga_core::assessment::duties::{Duty, DutyKind};
use tamga_core::assessment::{assess, Assessment, DiscrepancyKind as K, Severity, Tolerances};
use tamga_core::fixtures::{at, Story};
use tamga_core::{Registry, SignedAct};

/// Minutes from t(0) to a UTC time.
fn minutes(story: &Story, utc: &str) -> i64 {
    at(utc).seconds_since(&story.t(0)) / 60
}

fn judged(story: &Story, registry: &Registry, acts: &[SignedAct]) -> Assessment {
    let a = assess(
        &story.consignment,
        acts,
        registry,
        story.t(60 * 24 * 20),
        &Tolerances::default(),
    );
    assert!(a.rejected.is_empty(), "{:?}", a.rejected);
    a
}

fn duty(a: &Assessment, kind: DutyKind) -> &Duty {
    a.state
        .duties
        .iter()
        .find(|d| d.duty == kind)
        .unwrap_or_else(|| panic!("no {kind:?} in {:#?}", a.state.duties))
}

fn late(a: &Assessment) -> Vec<String> {
    let mut found: Vec<String> = a
        .discrepancies
        .iter()
        .filter(|d| d.kind == K::DutyLate)
        .map(|d| {
            assert_eq!(d.severity, Severity::Major);
            d.subject.clone()
        })
        .collect();
    found.sort();
    found
}

#[test]
fn the_department_is_notified_by_the_end_of_the_next_local_day() {
    let story = Story::new();
    let registry = story.registry();
    let reg = story.registration();
    let a = judged(&story, &registry, std::slice::from_ref(&reg));
    let notice = duty(&a, DutyKind::DepartmentNotice);
    // Registered Monday 12:00 in Bishkek: due by the end of Tuesday, 24:00 local = 18:00 UTC.
    assert_eq!(notice.due, at("2026-11-24T18:00:00Z"));
    assert_eq!(notice.done, None);
    assert!(!notice.overdue_at(at("2026-11-24T17:59:59Z")));
    assert!(notice.overdue_at(at("2026-11-24T18:00:00Z")));
    // Not done is no discrepancy: it is the state's to show, and central's to chase.
    assert!(late(&a).is_empty());

    let in_time = story.department_notice(minutes(&story, "2026-11-24T17:59:00Z"));
    let a = judged(&story, &registry, &[reg.clone(), in_time.clone()]);
    assert_eq!(
        duty(&a, DutyKind::DepartmentNotice).done,
        Some((in_time.id(), in_time.body().at()))
    );
    assert!(late(&a).is_empty());
    let too_late = story.department_notice(minutes(&story, "2026-11-24T18:00:00Z"));
    let a = judged(&story, &registry, &[reg.clone(), too_late.clone()]);
    assert_eq!(late(&a), ["department_notice"]);
    let d = a
        .discrepancies
        .iter()
        .find(|d| d.kind == K::DutyLate)
        .unwrap();
    let mut proof = vec![reg.id(), too_late.id()];
    proof.sort();
    assert_eq!(d.acts, proof);
}

#[test]
fn expertise_in_three_working_days_and_the_act_in_one_follow_the_calendar() {
    let story = Story::new();
    let mut acts = story.clean_delivery();
    acts.push(story.department_notice(30));
    // Delivered Monday 23 November; with 25 November a day off, the three working days are
    // Tuesday 24, Thursday 26 and Friday 27: due by the end of Friday (18:00 UTC).
    let calendar = story.calendar(at("2026-01-01T00:00:00Z"), 2026, &["2026-11-25"]);
    let mut registry_acts = story.registry_acts();
    registry_acts.push(calendar);
    let (registry, _) = Registry::from_acts(story.authority_id(), &registry_acts);
    let a = judged(&story, &registry, &acts);
    let expertise = duty(&a, DutyKind::Expertise);
    assert_eq!(expertise.due, at("2026-11-27T18:00:00Z"));
    assert_eq!(
        judged(&story, &story.registry(), &acts)
            .state
            .duties
            .iter()
            .find(|d| d.duty == DutyKind::Expertise)
            .unwrap()
            .due,
        at("2026-11-26T18:00:00Z"),
        "without the day off: Wednesday the third working day"
    );
    // Concluded on Friday: in time. The State Control Act is then due by the end of the next
    // working day, Monday 30 November.
    let friday = story.expertise(minutes(&story, "2026-11-27T10:00:00Z"));
    let mut with_expertise = acts.clone();
    with_expertise.push(friday.clone());
    let a = judged(&story, &registry, &with_expertise);
    assert!(late(&a).is_empty(), "{:#?}", a.discrepancies);
    assert_eq!(
        duty(&a, DutyKind::StateControlAct).due,
        at("2026-11-30T18:00:00Z")
    );
    let tuesday_act = story.state_control_act(minutes(&story, "2026-12-01T04:00:00Z"), true);
    let mut all = with_expertise.clone();
    all.push(tuesday_act);
    assert_eq!(
        late(&judged(&story, &registry, &all)),
        ["state_control_act"]
    );
    // Without the calendar the expertise on Friday is late.
    assert_eq!(
        late(&judged(&story, &story.registry(), &with_expertise)),
        ["expertise"]
    );
}

#[test]
fn goods_found_not_conforming_are_critical() {
    let story = Story::new();
    let mut acts = story.clean_delivery();
    acts.push(story.department_notice(30));
    acts.push(story.expertise(200));
    acts.push(story.state_control_act(300, false));
    let a = judged(&story, &story.registry(), &acts);
    let found: Vec<_> = a
        .discrepancies
        .iter()
        .map(|d| (d.kind, d.severity, d.subject.as_str()))
        .collect();
    assert_eq!(
        found,
        [(K::GoodsNotConforming, Severity::Critical, "AGK-2026/0815")]
    );
}

#[test]
fn a_damaged_certificate_goes_back_within_five_working_days() {
    let story = Story::new();
    let reg = story.registration();
    // Found damaged at registration (Monday 23 November): five working days end with Monday
    // 30 November.
    let in_time = story.kpc_returned(minutes(&story, "2026-11-30T17:00:00Z"), 0);
    let a = judged(&story, &story.registry(), &[reg.clone(), in_time]);
    assert_eq!(
        duty(&a, DutyKind::DamagedKpcReturn).due,
        at("2026-11-30T18:00:00Z")
    );
    assert!(late(&a).is_empty());
    let too_late = story.kpc_returned(minutes(&story, "2026-12-01T03:00:00Z"), 0);
    let a = judged(&story, &story.registry(), &[reg, too_late]);
    assert_eq!(late(&a), ["damaged_kpc_return"]);
}

#[test]
fn an_export_s_certificates_are_notified_within_a_day_of_issue() {
    let story = Story::new();
    let mut body = story.registration_body();
    body.direction = Direction::Export;
    body.certificates[0].issued_at = at("2026-11-22T00:00:00Z");
    body.certificates.push(Certificate {
        kind: CertificateKind::StateControl,
        number: tamga_core::fixtures::text("SCC-2026/0815"),
        issued_by: tamga_core::codes::CountryCode::new("KG").unwrap(),
        issued_at: at("2026-11-23T00:00:00Z"),
        kp: None,
    });
    let reg = story.sign(
        ActBody::ConsignmentRegistered(body),
        &[&story.airport_officer],
    );
    let a = judged(&story, &story.registry(), std::slice::from_ref(&reg));
    // Issued on 23 November (06:00 in Bishkek): due by the end of the 24th.
    assert_eq!(
        duty(&a, DutyKind::CertificatesNotice).due,
        at("2026-11-24T18:00:00Z")
    );
    assert!(a
        .state
        .duties
        .iter()
        .all(|d| d.duty != DutyKind::DepartmentNotice));
    let in_time = story.certificates_issued(60 * 30, at("2026-11-23T00:00:00Z"));
    assert!(late(&judged(&story, &story.registry(), &[reg.clone(), in_time])).is_empty());
    let notice = story.certificates_issued(60 * 40, at("2026-11-23T00:00:00Z"));
    let a = judged(&story, &story.registry(), &[reg, notice]);
    assert_eq!(late(&a), ["certificates_notice"]);
}

#[test]
fn only_the_department_concludes_and_only_the_office_of_departure_notifies() {
    let story = Story::new();
    let reg = story.registration();
    // The airport's officer may not sign the Department's expertise.
    let ActBody::ExpertiseConcluded(mut body) = story.expertise(200).body().clone() else {
        unreachable!("an expertise")
    };
    body.officer = story.airport_officer.id.clone();
    let by_post = story.sign(ActBody::ExpertiseConcluded(body), &[&story.airport_officer]);
    let a = assess(
        &story.consignment,
        &[reg.clone(), by_post.clone()],
        &story.registry(),
        story.t(300),
        &Tolerances::default(),
    );
    assert!(a
        .discrepancies
        .iter()
        .any(|d| d.kind == K::RoleNotPermitted && d.acts == [by_post.id()]));
    // The Department's officer may not give the customs office's notice.
    let ActBody::DepartmentNotified(mut body) = story.department_notice(30).body().clone() else {
        unreachable!("a notice")
    };
    body.officer = story.department_officer.id.clone();
    let by_department = story.sign(
        ActBody::DepartmentNotified(body),
        &[&story.department_officer],
    );
    let a = assess(
        &story.consignment,
        &[reg, by_department.clone()],
        &story.registry(),
        story.t(300),
        &Tolerances::default(),
    );
    assert!(!a.acts.contains(&by_department.id()));
    assert!(duty(&a, DutyKind::DepartmentNotice).done.is_none());
}

#[test]
fn the_import_coupon_goes_back_within_the_deployment_s_period() {
    let story = Story::new();
    let acts = story.clean_delivery();
    let a = judged(&story, &story.registry(), &acts);
    let coupon = duty(&a, DutyKind::KpCouponReturn);
    // Delivered on Monday 23 November (t(110), 13:50 in Bishkek): 30 days end with 23
    // December, 24:00 local.
    assert_eq!(coupon.due, at("2026-12-23T18:00:00Z"));
    let mut late_coupon = acts.clone();
    late_coupon.push(story.kp_coupon_returned(minutes(&story, "2026-12-23T18:00:00Z")));
    assert_eq!(
        late(&judged(&story, &story.registry(), &late_coupon)),
        ["kp_coupon_return"]
    );
    // A deployment whose partners ask for 45 days.
    let longer = Tolerances {
        kp_coupon_days: 45,
        ..Tolerances::default()
    };
    let a = assess(
        &story.consignment,
        &late_coupon,
        &story.registry(),
        story.t(60 * 24 * 60),
        &longer,
    );
    assert!(!a
        .discrepancies
        .iter()
        .any(|d| d.kind == K::DutyLate && d.subject == "kp_coupon_return"));
}
