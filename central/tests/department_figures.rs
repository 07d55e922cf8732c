//! End to end with the real `tamga-central` binary: the Precious Metals Department's signed
//! figures for November 2026 (`tamga-central department-figures compare`) against central's
//! reconciliation of the story's consignment, synced from a real post. Figures that agree: no
//! differences; a changed carat figure: listed with both values; a file signed by the airport
//! officer (not the Department's) or changed after signing: refused saying why, exit 1. While
//! central serves, the command goes through `POST /api/reports/department`.
//!
//! The files are signed here with the story's fixture keys (`tamga_central::department::sign`):
//! central keeps no Department key.

mod common;

use common::*;
use serde_json::{json, Value};
use std::path::{Path, PathBuf};
use tamga_central::department::sign;

/// What central holds for November 2026: the story's import, 1250.35 ct of rough diamonds
/// (250.07 g) worth USD 1,875,525.00, no State Control Certificate yet.
fn figures(carats: &str) -> Value {
    json!({
        "period": {"from": "2026-11-01T00:00:00Z", "until": "2026-12-01T00:00:00Z"},
        "rows": [{
            "direction": "import",
            "heading": "7102",
            "consignments": 1,
            "quantity": {"ct": carats},
            "net_mass_g": "250.070",
            "values": [{"currency": "USD", "amount": "1875525"}],
            "state_control_certificates": 0,
            "scc_numbers": []
        }]
    })
}

fn write(dir: &Path, name: &str, file: &impl serde::Serialize) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, serde_json::to_vec_pretty(file).unwrap()).unwrap();
    path
}

fn compare(hq: &Path, file: &Path, json: bool) -> tamga_testkit::process::Out {
    let mut args = vec![
        "department-figures",
        "compare",
        "--file",
        file.to_str().unwrap(),
    ];
    if json {
        args.push("--json");
    }
    run(Path::new(CENTRAL), hq, &args, "")
}

#[test]
fn the_departments_figures_are_compared_and_files_not_signed_by_it_refused() {
    // Central with the story's people (the Department's officer among them) and the story's
    // consignment synced from the airport post.
    let scene = Scene::new(|_| {});
    let Scene {
        root,
        story,
        hq,
        server,
        http,
        ..
    } = scene;
    let dir = root.path();
    let agreeing = sign(&figures("1250.350"), &story.department_officer.key).unwrap();
    let file = write(dir, "agreeing.json", &agreeing);

    // While central serves, through its API (the running server's index).
    let out = compare(&hq, &file, false);
    assert_eq!(out.code, Some(0), "{}{}", out.stdout, out.stderr);
    assert!(out.stdout.contains("no differences"), "{}", out.stdout);
    let (status, answer) = http.post(
        "/api/reports/department",
        &serde_json::to_value(&agreeing).unwrap(),
    );
    assert_eq!(status, 200, "{answer}");
    assert_eq!(answer["comparison"]["differences"], json!([]));
    let airport = sign(&figures("1250.35"), &story.airport_officer.key).unwrap();
    let (status, answer) = http.post(
        "/api/reports/department",
        &serde_json::to_value(&airport).unwrap(),
    );
    assert_eq!(status, 403, "{answer}");
    let out = compare(&hq, &write(dir, "airport.json", &airport), false);
    assert_eq!(out.code, Some(1), "{}{}", out.stdout, out.stderr);
    assert!(
        out.stderr.contains("not as precious_metals_officer"),
        "{}",
        out.stderr
    );

    // Stopped: the command opens the store itself.
    drop(server);
    let out = compare(&hq, &file, false);
    assert_eq!(out.code, Some(0), "{}{}", out.stdout, out.stderr);
    assert!(out.stdout.contains("no differences"), "{}", out.stdout);
    assert!(
        out.stdout.contains(story.department_officer.name),
        "{}",
        out.stdout
    );
    let out = compare(&hq, &file, true);
    assert_eq!(out.code, Some(0), "{}", out.stderr);
    let answer: Value = serde_json::from_str(&out.stdout).unwrap();
    assert_eq!(answer["comparison"]["differences"], json!([]));
    assert_eq!(answer["comparison"]["central_rows"], 1);
    assert_eq!(answer["signed_by"], story.department_officer.id.as_str());

    // One figure changed, and signed: the difference, with both values.
    let changed = sign(&figures("1250.36"), &story.department_officer.key).unwrap();
    let out = compare(&hq, &write(dir, "changed.json", &changed), false);
    assert_eq!(out.code, Some(0), "{}{}", out.stdout, out.stderr);
    assert!(
        out.stdout
            .contains("import 7102 quantity_ct: Department 1250.36, central 1250.35"),
        "{}",
        out.stdout
    );
    assert!(out.stdout.contains("1 differences"), "{}", out.stdout);
    let out = compare(&hq, &write(dir, "changed.json", &changed), true);
    let answer: Value = serde_json::from_str(&out.stdout).unwrap();
    assert_eq!(
        answer["comparison"]["differences"],
        json!([{"direction": "import", "heading": "7102", "field": "quantity_ct",
                "department": "1250.36", "central": "1250.35"}])
    );

    // Signed by the airport post's officer: not the Department's.
    let out = compare(&hq, &write(dir, "airport.json", &airport), false);
    assert_eq!(out.code, Some(1), "{}{}", out.stdout, out.stderr);
    assert!(out.stdout.is_empty(), "{}", out.stdout);
    assert!(
        out.stderr.contains("enrolled as post_officer")
            && out.stderr.contains("not as precious_metals_officer"),
        "{}",
        out.stderr
    );

    // A figure changed after signing.
    let mut tampered = agreeing.clone();
    tampered.figures["rows"][0]["consignments"] = json!(2);
    let out = compare(&hq, &write(dir, "tampered.json", &tampered), false);
    assert_eq!(out.code, Some(1), "{}{}", out.stdout, out.stderr);
    assert!(
        out.stderr.contains("the signature does not verify"),
        "{}",
        out.stderr
    );

    // Not the format, and too large.
    let sloppy = sign(&figures("1 250,35"), &story.department_officer.key).unwrap();
    let out = compare(&hq, &write(dir, "sloppy.json", &sloppy), false);
    assert_eq!(out.code, Some(1), "{}", out.stderr);
    assert!(
        out.stderr.contains("not a Department figures file"),
        "{}",
        out.stderr
    );
    let huge = dir.join("huge.json");
    std::fs::write(&huge, vec![b' '; 4 * 1024 * 1024 + 1]).unwrap();
    let out = compare(&hq, &huge, false);
    assert_eq!(out.code, Some(1), "{}", out.stderr);
    assert!(out.stderr.contains("larger than"), "{}", out.stderr);

    // The refusals changed nothing: the agreeing file still agrees.
    let out = compare(&hq, &file, false);
    assert!(out.stdout.contains("no differences"), "{}", out.stdout);
}
