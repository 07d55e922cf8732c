//! Upgrades on real processes. A post's store written by an older build (format 1 to 4, with
//! the derived records and indexes of its day gone, as the oldest had none of this build's) is
//! brought up to this build's format by the first `tamga-edge` command that opens it, also when
//! that process is SIGKILLed part way through, again and again: the next start does the upgrade
//! again. The result is what the store was before it was made old: consistent, the same list,
//! the same counts. A store of a newer format is refused, saying to upgrade tamga, and is left
//! as it was.

use std::path::Path;
use std::process::Command;
use std::time::Instant;
use tamga_core::fixtures::stream::registration;
use tamga_core::fixtures::Story;
use tamga_store::{Store, FORMAT_VERSION};

mod common;

use common::{edge, json_of, write_acts, BIN};

const CONSIGNMENTS: u64 = 400;

/// A post holding [`CONSIGNMENTS`] registered consignments and the story's registry.
fn post(dir: &Path, story: &Story) {
    common::init(dir, story, "post", "MANAS-AIRPORT", "127.0.0.1:0");
    let file = dir.with_extension("acts");
    let mut acts = story.registry_acts();
    acts.extend((0..CONSIGNMENTS).map(|n| registration(story, n)));
    write_acts(&file, &acts);
    let (ok, _, err) = edge(dir, &["record", file.to_str().unwrap()]);
    assert!(ok, "{err}");
}

/// What a store of format `version` would hold: that version, rules derived before the rules
/// had a version, and neither derived records nor index keys nor counters (every format since
/// the first adds some; all are made again from the consignments' documents).
fn make_older(dir: &Path, version: u32) {
    let db = sled::open(dir.join("store/sled")).unwrap();
    let meta = db.open_tree("meta").unwrap();
    meta.insert("version", &version.to_be_bytes()).unwrap();
    meta.remove("rules").unwrap();
    meta.remove("counted").unwrap();
    for key in meta.scan_prefix(b"count\0").keys() {
        meta.remove(key.unwrap()).unwrap();
    }
    // The consignments' derived records (the registry's every format had).
    let derived = db.open_tree("derived").unwrap();
    for key in derived.scan_prefix(b"c:").keys() {
        derived.remove(key.unwrap()).unwrap();
    }
    db.open_tree("index").unwrap().clear().unwrap();
    db.flush().unwrap();
}

/// How many consignments have a derived record again.
fn derived_again(dir: &Path) -> usize {
    let db = sled::open(dir.join("store/sled")).unwrap();
    db.open_tree("derived").unwrap().scan_prefix(b"c:").count()
}

fn version_of(dir: &Path) -> u32 {
    let db = sled::open(dir.join("store/sled")).unwrap();
    let v = db
        .open_tree("meta")
        .unwrap()
        .get("version")
        .unwrap()
        .unwrap();
    u32::from_be_bytes(v.as_ref().try_into().unwrap())
}

/// The whole list, page by page, and its counts, as the CLI gives them.
fn listing(dir: &Path) -> serde_json::Value {
    let mut rows = Vec::new();
    let mut after: Option<String> = None;
    let mut counts = serde_json::Value::Null;
    loop {
        let mut args = vec!["list", "--json", "--filter", "limit=200"];
        let cursor = after.as_ref().map(|a| format!("after={a}"));
        if let Some(c) = &cursor {
            args.extend(["--filter", c.as_str()]);
        }
        let page = json_of(dir, &args);
        if counts.is_null() {
            counts = page["counts"].clone();
        }
        rows.extend(page["rows"].as_array().unwrap().iter().cloned());
        match page["next"].as_str() {
            Some(next) => after = Some(next.to_owned()),
            None => break,
        }
    }
    serde_json::json!({ "rows": rows, "counts": counts })
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).unwrap();
        }
    }
}

#[test]
fn a_store_of_every_older_format_is_upgraded_in_place_even_when_killed_part_way() {
    let story = Story::new();
    let root = tempfile::tempdir().unwrap();
    let pristine = root.path().join("pristine");
    post(&pristine, &story);
    let expected = listing(&pristine);
    assert_eq!(
        expected["rows"].as_array().unwrap().len(),
        CONSIGNMENTS as usize
    );
    // How long a whole upgrade takes here, to kill the later ones part way through.
    let timed = root.path().join("timed");
    copy_dir(&pristine, &timed);
    make_older(&timed, 1);
    let started = Instant::now();
    let (ok, _, err) = edge(&timed, &["status"]);
    assert!(ok, "{err}");
    let whole = started.elapsed();
    assert_eq!(version_of(&timed), FORMAT_VERSION);

    let (mut cut_short, mut mid_way) = (0, 0);
    for version in 1..FORMAT_VERSION {
        let dir = root.path().join(format!("format-{version}"));
        copy_dir(&pristine, &dir);
        make_older(&dir, version);
        // Killed at points through the upgrade, each start begins it again.
        for k in 1..=4u32 {
            let at = whole.mul_f64(f64::from(k) / 5.0);
            let mut child = Command::new(BIN)
                .arg("--data-dir")
                .arg(&dir)
                .arg("status")
                .stdout(std::process::Stdio::null())
                .stderr(std::process::Stdio::null())
                .spawn()
                .unwrap();
            std::thread::sleep(at);
            let _ = child.kill(); // SIGKILL
            let status = child.wait().unwrap();
            if !status.success() && version_of(&dir) == version {
                cut_short += 1;
                let done = derived_again(&dir);
                if done > 0 && done < CONSIGNMENTS as usize {
                    mid_way += 1;
                }
            }
        }
        let (ok, out, err) = edge(&dir, &["status"]);
        assert!(ok, "format {version}: {err}");
        assert!(out.contains("MANAS-AIRPORT"), "{out}");
        assert_eq!(version_of(&dir), FORMAT_VERSION, "format {version}");
        assert_eq!(
            listing(&dir),
            expected,
            "format {version}: the list after the upgrade"
        );
        let store = Store::open(dir.join("store"), &story.authority_id()).unwrap();
        let problems = store.check().unwrap();
        assert!(problems.is_empty(), "format {version}: {problems:?}");
    }
    assert!(
        cut_short >= FORMAT_VERSION as usize && mid_way >= 1,
        "only {cut_short} starts were killed before the upgrade was done, {mid_way} part way through it (a whole start took {whole:?})"
    );
}

#[test]
fn a_store_of_a_newer_format_is_refused_and_left_as_it_was() {
    let story = Story::new();
    let root = tempfile::tempdir().unwrap();
    let dir = root.path().join("post");
    common::init(&dir, &story, "post", "MANAS-AIRPORT", "127.0.0.1:0");
    {
        let db = sled::open(dir.join("store/sled")).unwrap();
        let meta = db.open_tree("meta").unwrap();
        meta.insert("version", &(FORMAT_VERSION + 1).to_be_bytes())
            .unwrap();
        db.flush().unwrap();
    }
    for args in [&["status"][..], &["list"], &["serve"]] {
        let (ok, _, err) = edge(&dir, args);
        assert!(!ok, "{args:?} opened a newer store");
        assert!(
            err.contains(&format!(
                "has format version {}, but this build of tamga reads only up to version {FORMAT_VERSION}; upgrade tamga",
                FORMAT_VERSION + 1
            )),
            "{args:?}: {err}"
        );
    }
    assert_eq!(version_of(&dir), FORMAT_VERSION + 1);
}
