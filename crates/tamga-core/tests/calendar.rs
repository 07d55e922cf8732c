//! Scenario tests for the post register and the working calendar (DOMAIN.md, "Local time",
//! "Working days"; Customs Code art. 140): the 30-minute arrival notice counts from the start
//! of the office of destination's registered working hours on its next working day, whatever
//! the officer types; an unregistered post keeps the officer's entry; registry acts keep their
//! content rules.

use tamga_core::act::*;
use tamga_core::assessment::{assess, DiscrepancyKind as K, Tolerances};
use tamga_core::fixtures::{at, Story, DEPARTMENT};
use tamga_core::{Registry, SignedAct, Timestamp};

fn registry_with(story: &Story, more: &[SignedAct]) -> Registry {
    let mut acts = story.registry_acts();
    acts.extend(more.iter().cloned());
    let (registry, rejected) = Registry::from_acts(story.authority_id(), &acts);
    assert!(rejected.is_empty(), "{rejected:?}");
    registry
}

/// The story up to the handoff to the escort, then an arrival at the Department at `arrived`
/// notified at `notified` (with `typed` as the officer's start of working hours).
fn arrival_late(
    story: &Story,
    registry: &Registry,
    arrived: Timestamp,
    notified: Timestamp,
    typed: Option<Timestamp>,
) -> bool {
    let ActBody::ArrivalNotified(mut body) = story.arrival(60, 70).body().clone() else {
        unreachable!("an arrival")
    };
    body.arrived_at = arrived;
    body.at = notified;
    body.working_hours_began_at = typed;
    let arrival = story.sign(ActBody::ArrivalNotified(body), &[&story.escort_lead]);
    let mut acts = vec![
        story.registration(),
        story.seal_applied(),
        story.escort_assigned(),
    ];
    acts.push(story.handoff_to_escort(&acts));
    acts.push(arrival);
    let a = assess(
        &story.consignment,
        &acts,
        registry,
        notified,
        &Tolerances::default(),
    );
    assert!(a.rejected.is_empty(), "{:?}", a.rejected);
    a.discrepancies
        .iter()
        .any(|d| d.kind == K::ArrivalNotifiedLate)
}

#[test]
fn after_hours_the_notice_is_due_thirty_minutes_into_the_next_working_day() {
    let story = Story::new();
    let from = at("2026-01-01T00:00:00Z");
    // Friday 27 November 2026, 19:00 in Bishkek (13:00 UTC); Monday 30 November a day off.
    let registered = registry_with(
        &story,
        &[
            story.post_registration(from, DEPARTMENT, Some(("09:00", "18:00"))),
            story.calendar(from, 2026, &["2026-11-30"]),
        ],
    );
    let arrived = at("2026-11-27T13:00:00Z");
    // Tuesday 1 December 09:20 in Bishkek: within 30 minutes of 09:00.
    let tuesday_0920 = at("2026-12-01T03:20:00Z");
    assert!(!arrival_late(
        &story,
        &registered,
        arrived,
        tuesday_0920,
        None
    ));
    // Tuesday 09:40: late.
    let tuesday_0940 = at("2026-12-01T03:40:00Z");
    assert!(arrival_late(
        &story,
        &registered,
        arrived,
        tuesday_0940,
        None
    ));
    // Typing a later start of working hours changes nothing where the post is registered.
    let typed_10 = Some(at("2026-12-01T04:00:00Z"));
    assert!(arrival_late(
        &story,
        &registered,
        arrived,
        tuesday_0940,
        typed_10
    ));
    // Monday 09:20 would be in time without the day off in the calendar.
    let weekdays_only = registry_with(
        &story,
        &[story.post_registration(from, DEPARTMENT, Some(("09:00", "18:00")))],
    );
    assert!(arrival_late(
        &story,
        &weekdays_only,
        arrived,
        tuesday_0920,
        None
    ));
    let monday_0920 = at("2026-11-30T03:20:00Z");
    assert!(!arrival_late(
        &story,
        &weekdays_only,
        arrived,
        monday_0920,
        None
    ));
}

#[test]
fn a_post_working_round_the_clock_or_not_registered() {
    let story = Story::new();
    let from = at("2026-01-01T00:00:00Z");
    let arrived = at("2026-11-27T13:00:00Z");
    let round_the_clock = registry_with(&story, &[story.post_registration(from, DEPARTMENT, None)]);
    assert!(arrival_late(
        &story,
        &round_the_clock,
        arrived,
        arrived.plus_seconds(31 * 60),
        Some(at("2026-11-30T03:00:00Z")),
    ));
    assert!(!arrival_late(
        &story,
        &round_the_clock,
        arrived,
        arrived.plus_seconds(30 * 60),
        None
    ));
    // Not registered: the officer's start of working hours counts, as before the register.
    let plain = story.registry();
    assert!(!arrival_late(
        &story,
        &plain,
        arrived,
        at("2026-11-30T03:20:00Z"),
        Some(at("2026-11-30T03:00:00Z")),
    ));
    // A registration made after the arrival does not apply to it.
    let later = registry_with(
        &story,
        &[story.post_registration(
            at("2026-11-28T00:00:00Z"),
            DEPARTMENT,
            Some(("09:00", "18:00")),
        )],
    );
    assert!(arrival_late(
        &story,
        &later,
        arrived,
        at("2026-11-30T03:20:00Z"),
        None
    ));
}

#[test]
fn calendars_and_post_registrations_keep_their_content_rules() {
    let story = Story::new();
    let from = at("2026-01-01T00:00:00Z");
    let calendar = |change: &dyn Fn(&mut CalendarPublished)| {
        let ActBody::CalendarPublished(mut body) =
            story.calendar(from, 2026, &["2026-03-08"]).body().clone()
        else {
            unreachable!("a calendar")
        };
        change(&mut body);
        ActBody::CalendarPublished(body).check_content()
    };
    assert!(calendar(&|_| {}).is_ok());
    let date = |d: &str| tamga_core::calendar::LocalDate::parse(d).unwrap();
    for (change, field) in [
        (
            Box::new(|b: &mut CalendarPublished| b.days_off.push(date("2027-01-01")))
                as Box<dyn Fn(&mut CalendarPublished)>,
            "days_off",
        ),
        (
            Box::new(|b: &mut CalendarPublished| b.weekly_rest = vec![8]),
            "weekly_rest",
        ),
        (
            Box::new(|b: &mut CalendarPublished| b.weekly_rest = vec![6, 6]),
            "weekly_rest",
        ),
        (Box::new(|b: &mut CalendarPublished| b.year = 1999), "year"),
        (
            Box::new(|b: &mut CalendarPublished| b.working_days.push(date("2026-03-08"))),
            "days_off and working_days",
        ),
    ] {
        assert_eq!(calendar(&*change).unwrap_err().field, field);
    }
    let ActBody::PostRegistered(mut post) = story
        .post_registration(from, DEPARTMENT, Some(("09:00", "18:00")))
        .body()
        .clone()
    else {
        unreachable!("a registration")
    };
    let hours = post.working_hours.unwrap();
    post.working_hours = Some(WorkingHours {
        from: hours.until,
        until: hours.from,
    });
    assert_eq!(
        ActBody::PostRegistered(post)
            .check_content()
            .unwrap_err()
            .field,
        "working_hours"
    );
    // An unknown time zone does not decode.
    let mut json = serde_json::to_value(
        story
            .post_registration(from, DEPARTMENT, None)
            .body()
            .clone(),
    )
    .unwrap();
    json["time_zone"] = "Asia/Atlantis".into();
    assert!(serde_json::from_value::<ActBody>(json).is_err());
}
