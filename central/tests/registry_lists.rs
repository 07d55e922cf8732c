//! End to end with the real `tamga-central` binary, the lists the authority keeps in the
//! registry: staff list the Kimberley Process participants from a file (`tamga-central
//! kp-participants`), publish a year's working calendar (`calendar`) and register a post
//! (`register-post`), here and through the running server; the lists travel in the enrollment
//! file, and an edge store pinned to the authority records them and judges by them (rough
//! diamonds from a country outside the list are critical; the registered post's time zone and
//! hours and the calendar's days off are the registry's). Bad input is refused saying why and
//! changes nothing.

mod common;

use common::*;
use std::path::Path;
use tamga_core::fixtures::Story;
use tamga_core::{ActBody, DiscrepancyKind, Severity, SignedAct, Timestamp};
use tamga_store::Store;

fn list_file(path: &Path, participants: serde_json::Value) -> String {
    let text = serde_json::json!({
        "source": "Kimberley Process participants, 2026 (test list)",
        "participants": participants,
    });
    std::fs::write(path, text.to_string()).unwrap();
    path.to_str().unwrap().to_owned()
}

fn enrollment_lines(hq: &Path, out: &Path) -> Vec<SignedAct> {
    must(
        Path::new(CENTRAL),
        hq,
        &["enrollment", "--out", out.to_str().unwrap()],
        "",
    );
    std::fs::read_to_string(out)
        .unwrap()
        .lines()
        .map(|l| SignedAct::decode(l.as_bytes()).unwrap())
        .collect()
}

fn lists(acts: &[SignedAct]) -> usize {
    acts.iter()
        .filter(|a| matches!(a.body(), ActBody::KpParticipantsListed(_)))
        .count()
}

#[test]
fn a_participants_list_reaches_edge_nodes_and_rough_diamonds_from_outside_it_are_critical() {
    let root = tempfile::tempdir().unwrap();
    let hq = root.path().join("central");
    let (authority, _) = init_central(&hq);
    let story = Story::new();
    enroll_story(&hq, &story);
    let central = Path::new(CENTRAL);

    // A list naming Belgium twice: refused, saying why; nothing recorded.
    let twice = list_file(
        &root.path().join("twice.json"),
        serde_json::json!([
            {"name": "European Union", "countries": ["BE", "NL"]},
            {"name": "Belgium", "countries": ["BE"]}
        ]),
    );
    let refused = run(central, &hq, &["kp-participants", "--file", &twice], "");
    assert_ne!(refused.code, Some(0), "{}", refused.stdout);
    assert!(refused.stderr.contains("twice"), "{}", refused.stderr);
    let file = root.path().join("enrollment.acts");
    assert_eq!(lists(&enrollment_lines(&hq, &file)), 0);
    let garbage = root.path().join("garbage.json");
    std::fs::write(&garbage, "{\"participants\": 3}").unwrap();
    let refused = run(
        central,
        &hq,
        &["kp-participants", "--file", garbage.to_str().unwrap()],
        "",
    );
    assert_ne!(refused.code, Some(0));
    assert!(
        refused.stderr.contains("not a KP participants list"),
        "{}",
        refused.stderr
    );

    // A list without Belgium, through the running server.
    let (server, _url) = serve(&hq);
    let good = list_file(
        &root.path().join("list.json"),
        serde_json::json!([
            {"name": "European Union", "countries": ["NL", "DE"]},
            {"name": "Botswana", "countries": ["bw"]}
        ]),
    );
    let answer: serde_json::Value = serde_json::from_str(&must(
        central,
        &hq,
        &["kp-participants", "--file", &good, "--json"],
        "",
    ))
    .unwrap();
    assert_eq!(
        (
            answer["participants"].as_u64(),
            answer["countries"].as_u64()
        ),
        (Some(2), Some(3)),
        "{answer}"
    );
    server.stop_cleanly();

    // The enrollment file carries it; a store pinned to the authority records every line.
    let acts = enrollment_lines(&hq, &file);
    assert_eq!(lists(&acts), 1);
    let edge = tempfile::tempdir().unwrap();
    let store = Store::open(edge.path(), &authority).unwrap();
    for act in &acts {
        store.record(act).unwrap();
    }
    // Rough diamonds from Belgium, registered after the list: critical.
    std::thread::sleep(std::time::Duration::from_millis(1100));
    let now = Timestamp::now();
    let mut body = story.registration_body();
    body.at = now;
    body.delivery_deadline = now.plus_seconds(86_400);
    body.certificates[0].issued_at = now.plus_seconds(-3 * 86_400);
    body.certificates[0].kp.as_mut().unwrap().expires_at = now.plus_seconds(60 * 86_400);
    let registration = story.sign(
        ActBody::ConsignmentRegistered(body),
        &[&story.airport_officer],
    );
    store.record(&registration).unwrap();
    let assessment = store.assessment(&story.consignment, now).unwrap();
    let found: Vec<_> = assessment
        .discrepancies
        .iter()
        .map(|d| (d.kind, d.severity, d.subject.as_str()))
        .collect();
    assert_eq!(
        found,
        [(DiscrepancyKind::KpNonParticipant, Severity::Critical, "BE")],
        "{:#?}",
        assessment.discrepancies
    );
}

#[test]
fn a_calendar_and_a_post_registration_reach_edge_nodes_and_bad_ones_are_refused() {
    let root = tempfile::tempdir().unwrap();
    let hq = root.path().join("central");
    let (authority, _) = init_central(&hq);
    let central = Path::new(CENTRAL);
    let calendar = root.path().join("calendar.json");
    std::fs::write(
        &calendar,
        r#"{"year": 2027, "days_off": ["2027-01-01", "2027-01-07", "2027-01-08"],
            "working_days": ["2027-01-16"], "source": "Decree on days off in 2027 (test)"}"#,
    )
    .unwrap();
    let bad_calendar = root.path().join("bad.json");
    std::fs::write(
        &bad_calendar,
        r#"{"year": 2027, "days_off": ["2027-02-30"], "source": "x"}"#,
    )
    .unwrap();
    let refused = run(
        central,
        &hq,
        &["calendar", "--file", bad_calendar.to_str().unwrap()],
        "",
    );
    assert_ne!(refused.code, Some(0));
    assert!(refused.stderr.contains("2027-02-30"), "{}", refused.stderr);
    for (hours, says) in [("9-18", "HH:MM"), ("18:00-09:00", "end after")] {
        let refused = run(
            central,
            &hq,
            &[
                "register-post",
                "--post",
                "PMD-BISHKEK",
                "--name",
                "Department",
                "--hours",
                hours,
            ],
            "",
        );
        assert_ne!(refused.code, Some(0), "{hours}");
        assert!(refused.stderr.contains(says), "{hours}: {}", refused.stderr);
    }
    let refused = run(
        central,
        &hq,
        &[
            "register-post",
            "--post",
            "PMD-BISHKEK",
            "--name",
            "Department",
            "--time-zone",
            "Asia/Atlantis",
        ],
        "",
    );
    assert!(
        refused.stderr.contains("Asia/Atlantis"),
        "{}",
        refused.stderr
    );
    let file = root.path().join("enrollment.acts");
    let before = enrollment_lines(&hq, &file).len();

    // Through the running server.
    let (server, _url) = serve(&hq);
    let published: serde_json::Value = serde_json::from_str(&must(
        central,
        &hq,
        &["calendar", "--file", calendar.to_str().unwrap(), "--json"],
        "",
    ))
    .unwrap();
    assert_eq!(published["kind"], "calendar_published", "{published}");
    let registered = must(
        central,
        &hq,
        &[
            "register-post",
            "--post",
            "PMD-BISHKEK",
            "--name",
            "Precious Metals Department",
            "--hours",
            "09:00-18:00",
        ],
        "",
    );
    assert!(
        registered.contains("registered post PMD-BISHKEK"),
        "{registered}"
    );
    server.stop_cleanly();

    let acts = enrollment_lines(&hq, &file);
    // The calendar, the post, and the transparency log key central enrolled when it first served.
    assert_eq!(acts.len(), before + 3);
    let edge = tempfile::tempdir().unwrap();
    let store = Store::open(edge.path(), &authority).unwrap();
    for act in &acts {
        store.record(act).unwrap();
    }
    let registry = store.registry();
    let now = Timestamp::now();
    let post = registry
        .post_at(&tamga_core::UnitCode::new("PMD-BISHKEK").unwrap(), now)
        .expect("the post is registered");
    assert_eq!(post.zone.as_str(), "Asia/Bishkek");
    assert_eq!(post.hours.unwrap().from.to_string(), "09:00");
    use tamga_core::calendar::{LocalDate, WorkingDays};
    let day = |d: &str| LocalDate::parse(d).unwrap();
    assert!(!registry.is_working_day(day("2027-01-08")));
    assert!(registry.is_working_day(day("2027-01-16")));
    assert!(registry.is_working_day(day("2027-01-11")));
}
