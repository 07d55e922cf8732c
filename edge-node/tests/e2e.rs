//! End to end with real `tamga-edge` processes on loopback: two nodes are created and enrolled,
//! the post serves, the vehicle syncs its acts to it, the post stops cleanly on SIGTERM and shows
//! the consignment; then a bundle carries the same the other way, and a tampered file is refused.

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Command, Stdio};
use tamga_core::fixtures::{self, Story};
use tamga_core::{KeyId, SignedAct};

const BIN: &str = env!("CARGO_BIN_EXE_tamga-edge");

fn edge(dir: &Path, args: &[&str]) -> (bool, String, String) {
    let out = Command::new(BIN)
        .arg("--data-dir")
        .arg(dir)
        .args(args)
        .env("TAMGA_LOG", "warn")
        .output()
        .unwrap();
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn init(dir: &Path, story: &Story, role: &str, unit: &str) -> KeyId {
    let (ok, out, err) = edge(
        dir,
        &[
            "init",
            "--role",
            role,
            "--unit",
            unit,
            "--authority",
            story.authority_id().as_str(),
            "--listen",
            "127.0.0.1:0",
        ],
    );
    assert!(ok, "{err}");
    let line = out
        .lines()
        .find(|l| l.starts_with("device key: "))
        .expect("device key printed");
    KeyId::new(line.trim_start_matches("device key: ")).unwrap()
}

fn write_acts(path: &Path, acts: &[SignedAct]) {
    let text: Vec<String> = acts
        .iter()
        .map(|a| String::from_utf8(a.encode()).unwrap())
        .collect();
    std::fs::write(path, text.join("\n") + "\n").unwrap();
}

#[test]
fn a_vehicle_hands_its_records_to_a_post_over_the_lan_and_by_bundle() {
    let story = Story::new();
    let root = tempfile::tempdir().unwrap();
    let post_dir = root.path().join("post");
    let vehicle_dir = root.path().join("vehicle");
    let post_key = init(&post_dir, &story, "post", fixtures::DEPARTMENT);
    let vehicle_key = init(&vehicle_dir, &story, "vehicle", fixtures::ESCORT_UNIT);

    // Central's enrollment file: the registry plus both devices.
    let mut registry = story.registry_acts();
    registry.push(story.device_enrollment(&post_key, fixtures::DEPARTMENT, "department post PC"));
    registry.push(story.device_enrollment(
        &vehicle_key,
        fixtures::ESCORT_UNIT,
        "escort vehicle tablet",
    ));
    let enrollment = root.path().join("enrollment.acts");
    write_acts(&enrollment, &registry);
    for dir in [&post_dir, &vehicle_dir] {
        let (ok, out, err) = edge(dir, &["record", enrollment.to_str().unwrap()]);
        assert!(ok && out.contains("8 new acts"), "{out}{err}");
    }

    // The vehicle holds the story up to the seal check on the road.
    let acts = root.path().join("story.acts");
    write_acts(&acts, &story.clean_delivery()[..6]);
    let (ok, _, err) = edge(&vehicle_dir, &["record", acts.to_str().unwrap()]);
    assert!(ok, "{err}");

    // The post serves; the vehicle syncs with it.
    let mut post = Command::new(BIN)
        .arg("--data-dir")
        .arg(&post_dir)
        .arg("serve")
        .env("TAMGA_LOG", "warn")
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(post.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let address = line
        .trim()
        .strip_prefix("listening on ")
        .expect("address printed")
        .to_owned();
    let url = format!("http://{address}");
    let (ok, _, err) = edge(
        &vehicle_dir,
        &[
            "add-peer",
            "--name",
            "department post",
            "--url",
            &url,
            "--key",
            post_key.as_str(),
        ],
    );
    assert!(ok, "{err}");
    let (ok, out, err) = edge(&vehicle_dir, &["sync"]);
    assert!(ok, "{out}{err}");
    assert!(out.contains("department post: synced"), "{out}");

    // Graceful stop on SIGTERM, then the post shows what it received.
    Command::new("kill")
        .arg("-TERM")
        .arg(post.id().to_string())
        .status()
        .unwrap();
    let status = post.wait().unwrap();
    assert!(status.success(), "the node stops cleanly: {status}");
    let (ok, out, err) = edge(&post_dir, &["show", story.consignment.as_str(), "--json"]);
    assert!(ok, "{err}");
    let shown: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(shown["acts"].as_array().unwrap().len(), 6, "{out}");
    assert_eq!(shown["state"]["status"], "in_transit");
    assert_eq!(shown["state"]["custodian"]["unit"], fixtures::ESCORT_UNIT);

    // The post records the arrival and hands a bundle back to the vehicle.
    write_acts(&acts, &story.clean_delivery()[6..7]);
    assert!(edge(&post_dir, &["record", acts.to_str().unwrap()]).0);
    let bundle = root.path().join("for-vehicle.bundle");
    let (ok, _, err) = edge(
        &post_dir,
        &[
            "export-bundle",
            "--out",
            bundle.to_str().unwrap(),
            "--for",
            vehicle_key.as_str(),
        ],
    );
    assert!(ok, "{err}");
    let (ok, out, err) = edge(&vehicle_dir, &["import-bundle", bundle.to_str().unwrap()]);
    assert!(ok && out.contains("1 new acts"), "{out}{err}");
    let (ok, out, _) = edge(&vehicle_dir, &["import-bundle", bundle.to_str().unwrap()]);
    assert!(
        ok && out.contains("0 new acts"),
        "importing twice adds nothing: {out}"
    );

    // A bundle cut short on the way, and an act edited after signing: refused, exit code 1.
    let bytes = std::fs::read(&bundle).unwrap();
    std::fs::write(&bundle, &bytes[..bytes.len() / 2]).unwrap();
    let (ok, _, err) = edge(&vehicle_dir, &["import-bundle", bundle.to_str().unwrap()]);
    assert!(!ok && err.contains("truncated"), "{err}");
    let forged = String::from_utf8(story.delivered(110).encode())
        .unwrap()
        .replace("\"0.412\"", "\"0.402\"");
    std::fs::write(&acts, forged + "\n").unwrap();
    let (ok, _, err) = edge(&vehicle_dir, &["record", acts.to_str().unwrap()]);
    assert!(!ok && err.contains("does not verify"), "{err}");
    let (_, out, _) = edge(
        &vehicle_dir,
        &["show", story.consignment.as_str(), "--json"],
    );
    let shown: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(
        shown["acts"].as_array().unwrap().len(),
        7,
        "nothing was added by the refused inputs"
    );
}

#[test]
fn bad_command_lines_and_missing_nodes_have_distinct_exit_codes() {
    let root = tempfile::tempdir().unwrap();
    let out = Command::new(BIN).arg("no-such-command").output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    let out = Command::new(BIN)
        .arg("--data-dir")
        .arg(root.path().join("none"))
        .arg("status")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("tamga-edge.toml"));
}
