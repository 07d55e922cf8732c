//! End to end with real `tamga-edge` processes: what follows the arrival of rough diamonds,
//! from the command line (`tamga-edge control ...`). The airport post registers them and
//! notifies the Department (the duty shows as done); the record travels to the Department's
//! node by bundle, where the expertise and a State Control Act finding the goods not
//! conforming are recorded (critical, with the act as proof). A return of a damaged
//! certificate dated before its damage was found, and the Department's act signed by a post
//! officer, are refused and record nothing.

use std::path::Path;
use tamga_core::fixtures::{self, Story};

mod common;

use common::{edge, edge_with_input, import_officer, json_of, write_acts};

const AIRPORT_PIN: &str = "417417";
const DEPARTMENT_PIN: &str = "905905";

fn node(
    story: &Story,
    root: &Path,
    name: &str,
    unit: &str,
) -> (std::path::PathBuf, tamga_core::KeyId) {
    let dir = root.join(name);
    let key = common::init(&dir, story, "post", unit, "127.0.0.1:0");
    (dir, key)
}

fn acts(dir: &Path, story: &Story) -> usize {
    json_of(dir, &["show", story.consignment.as_str(), "--json"])["act_details"]
        .as_array()
        .unwrap()
        .len()
}

#[test]
fn the_department_is_notified_and_its_state_control_act_finds_the_goods_not_conforming() {
    let story = Story::new();
    let root = tempfile::tempdir().unwrap();
    let (post, post_key) = node(&story, root.path(), "post", fixtures::AIRPORT_POST);
    let (department, department_key) = node(&story, root.path(), "pmd", fixtures::DEPARTMENT);
    let mut registry = story.registry_acts();
    registry.push(story.device_enrollment(&post_key, fixtures::AIRPORT_POST, "post"));
    registry.push(story.device_enrollment(&department_key, fixtures::DEPARTMENT, "pmd"));
    let enrollment = root.path().join("enrollment.acts");
    write_acts(&enrollment, &registry);
    for dir in [&post, &department] {
        let (ok, out, err) = edge(dir, &["record", enrollment.to_str().unwrap()]);
        assert!(ok, "{out}{err}");
    }
    import_officer(&post, &story.airport_officer, AIRPORT_PIN);
    import_officer(&department, &story.department_officer, DEPARTMENT_PIN);
    let c = story.consignment.as_str();
    let airport = story.airport_officer.id.as_str();
    let official = story.department_officer.id.as_str();
    let airport_pin = format!("{AIRPORT_PIN}\n");
    let department_pin = format!("{DEPARTMENT_PIN}\n");

    let form = root.path().join("registration.json");
    std::fs::write(
        &form,
        story
            .registration_form(tamga_core::Timestamp::now())
            .to_string(),
    )
    .unwrap();
    let (ok, out, err) = edge_with_input(&post, &["act", form.to_str().unwrap()], &airport_pin);
    assert!(ok, "{out}{err}");

    // The duty is there before the notice, and done after it.
    let duties = |dir: &Path| json_of(dir, &["show", c, "--json"])["state"]["duties"].clone();
    assert_eq!(duties(&post)[0]["duty"], "department_notice");
    assert!(duties(&post)[0]["done"].is_null());
    let (ok, out, err) = edge_with_input(
        &post,
        &[
            "control",
            "notify-department",
            "-c",
            c,
            "--officer",
            airport,
            "--reference",
            "Notice 417/11",
        ],
        &airport_pin,
    );
    assert!(
        ok && out.contains("recorded department_notified"),
        "{out}{err}"
    );
    assert!(!duties(&post)[0]["done"].is_null(), "{}", duties(&post));

    // A damaged certificate sent back before the damage was found: refused, nothing recorded.
    let before = acts(&post, &story);
    let (ok, out, err) = edge_with_input(
        &post,
        &[
            "control",
            "return-kpc",
            "-c",
            c,
            "--officer",
            airport,
            "--certificate",
            "BE 0417733",
            "--found-damaged-at",
            "2099-01-01T00:00:00Z",
            "--damage",
            "a stain",
        ],
        &airport_pin,
    );
    assert!(!ok && err.contains("found_damaged_at"), "{out}{err}");
    assert_eq!(acts(&post, &story), before);
    // The Department's act, signed by a post officer: refused, nothing recorded.
    let (ok, out, err) = edge_with_input(
        &post,
        &[
            "control",
            "expertise",
            "-c",
            c,
            "--officer",
            airport,
            "--conclusion",
            "EZ-1",
        ],
        &airport_pin,
    );
    assert!(!ok, "{out}{err}");
    assert!(
        err.contains("not recorded") || err.contains("may not"),
        "{err}"
    );
    assert_eq!(acts(&post, &story), before);

    // To the Department by bundle.
    let stick = root.path().join("stick.bundle");
    let (ok, out, err) = edge(
        &post,
        &[
            "export-bundle",
            "--out",
            stick.to_str().unwrap(),
            "--for",
            department_key.as_str(),
        ],
    );
    assert!(ok, "{out}{err}");
    let (ok, out, err) = edge(&department, &["import-bundle", stick.to_str().unwrap()]);
    assert!(ok, "{out}{err}");

    let (ok, out, err) = edge_with_input(
        &department,
        &[
            "control",
            "expertise",
            "-c",
            c,
            "--officer",
            official,
            "--conclusion",
            "EZ-2026/0417",
        ],
        &department_pin,
    );
    assert!(
        ok && out.contains("recorded expertise_concluded"),
        "{out}{err}"
    );
    let (ok, out, err) = edge_with_input(
        &department,
        &[
            "control",
            "state-control-act",
            "-c",
            c,
            "--officer",
            official,
            "--register-number",
            "AGK-2026/0815",
            "--goods-conform",
            "no",
        ],
        &department_pin,
    );
    assert!(
        ok && out.contains("recorded state_control_act_drawn"),
        "{out}{err}"
    );
    let shown = json_of(&department, &["show", c, "--json"]);
    let found: Vec<(String, String)> = shown["discrepancies"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| {
            (
                d["kind"].as_str().unwrap().to_owned(),
                d["severity"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    assert!(
        found.contains(&("goods_not_conforming".into(), "critical".into())),
        "{found:?}"
    );
    let kinds: Vec<&str> = shown["state"]["duties"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["duty"].as_str().unwrap())
        .collect();
    assert_eq!(kinds, ["department_notice", "state_control_act"]);
}
