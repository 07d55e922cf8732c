//! PIN guessing against a real `tamga-edge` node, through its local API: after the free
//! attempts, the next attempt is refused ("try later") without being tried; deleting every file
//! beside the key files and killing and restarting the node does not give the guesser a free
//! attempt (the count of failures is in the node's store, the wait is measured from the
//! process's start); once the wait is over the right PIN signs, and the count starts afresh.
//! A command run while the node does not serve counts in the same store, and waits out the
//! delay (saying so) rather than refusing, since each run is a new process.

use std::path::Path;
use std::time::Duration;
use tamga_core::fixtures::{self, Story};
use tamga_testkit::http::Http;

mod common;

use common::{edge, edge_with_input, import_officer, write_acts};

const PIN: &str = "417417";
const WRONG: &str = "999999";

/// The registration of the story's consignment as an officer's form (`POST /api/acts`), with
/// `pin`.
fn registration(story: &Story, pin: &str) -> serde_json::Value {
    let mut form = story.registration_form(tamga_core::Timestamp::now());
    let object = form.as_object_mut().unwrap();
    object.insert("pin".into(), pin.into());
    form
}

/// The seconds in "... wait N seconds ...".
fn seconds_in(message: &str) -> u64 {
    let after = message
        .split("wait ")
        .nth(1)
        .unwrap_or_else(|| panic!("no wait in {message:?}"));
    after
        .split(' ')
        .next()
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("no seconds in {message:?}"))
}

fn error_of(answer: &serde_json::Value) -> String {
    answer["error"].as_str().unwrap_or_default().to_owned()
}

/// Removes every file in `officers/` that is not a key file (`<64 hex>.json`).
fn delete_all_but_key_files(dir: &Path) -> Vec<String> {
    let mut removed = Vec::new();
    for entry in std::fs::read_dir(dir.join("officers")).unwrap() {
        let entry = entry.unwrap();
        let name = entry.file_name().into_string().unwrap();
        let is_key = name
            .strip_suffix(".json")
            .is_some_and(|stem| stem.len() == 64 && stem.bytes().all(|b| b.is_ascii_hexdigit()));
        if !is_key {
            std::fs::remove_file(entry.path()).unwrap();
            removed.push(name);
        }
    }
    removed
}

/// An airport post under `root`, enrolled, holding the airport officer's key under [`PIN`].
fn airport_post(story: &Story, root: &Path) -> std::path::PathBuf {
    let dir = root.join("airport");
    let device = common::init(&dir, story, "post", fixtures::AIRPORT_POST, "127.0.0.1:0");
    let mut registry = story.registry_acts();
    registry.push(story.device_enrollment(&device, fixtures::AIRPORT_POST, "airport post PC"));
    let enrollment = root.join("enrollment.acts");
    write_acts(&enrollment, &registry);
    assert!(edge(&dir, &["record", enrollment.to_str().unwrap()]).0);
    import_officer(&dir, &story.airport_officer, PIN);
    dir
}

#[test]
fn pin_guessing_is_not_reset_by_deleting_files_or_restarting_the_node() {
    let story = Story::new();
    let root = tempfile::tempdir().unwrap();
    let dir = airport_post(&story, root.path());

    let (mut node, address) = common::serve(&dir, None, "airport post");
    let http = Http::new(&address);

    // The free attempts: each wrong PIN is tried and refused.
    for left in [2, 1, 0] {
        let (status, answer) = http.post("/api/acts", &registration(&story, WRONG));
        assert_eq!(status, 403, "{answer}");
        let error = error_of(&answer);
        assert!(error.contains("wrong PIN"), "{error}");
        if left > 0 {
            assert!(error.contains(&format!("{left} more attempt")), "{error}");
        }
    }
    // The next one at once, even with the right PIN: refused without being tried.
    let (status, answer) = http.post("/api/acts", &registration(&story, PIN));
    assert_eq!(status, 429, "{answer}");
    assert!(
        error_of(&answer).contains("too many wrong PINs"),
        "{answer}"
    );

    // Waiting out each delay, three more wrong PINs: the wait grows to 8 s, longer than the
    // node takes to start again (so the check after the restart does not depend on its speed).
    for expected_wait in [2, 4, 8] {
        std::thread::sleep(Duration::from_millis(expected_wait / 2 * 1000 + 300));
        let (status, answer) = http.post("/api/acts", &registration(&story, WRONG));
        assert_eq!(status, 403, "{answer}");
        assert_eq!(seconds_in(&error_of(&answer)), expected_wait, "{answer}");
    }

    // Everything beside the key files goes; the node is killed and started again.
    let removed = delete_all_but_key_files(&dir);
    node.kill();
    drop(node);
    let (node, address) = common::serve(&dir, None, "airport post, started again");
    let http = Http::new(&address);
    let (status, answer) = http.post("/api/acts", &registration(&story, PIN));
    assert_eq!(
        status, 429,
        "after deleting {removed:?} and a restart the attempt was tried: {answer}"
    );
    let error = error_of(&answer);
    assert!(error.contains("too many wrong PINs"), "{error}");
    let wait = seconds_in(&error);
    assert!((1..=8).contains(&wait), "{error}");
    assert_eq!(
        http.get("/api/consignments")["rows"],
        serde_json::json!([]),
        "nothing was signed"
    );

    // Once the wait is over the right PIN signs, and the count starts afresh.
    std::thread::sleep(Duration::from_millis(wait * 1000 + 300));
    let (status, answer) = http.post("/api/acts", &registration(&story, PIN));
    assert_eq!(status, 201, "{answer}");
    let (status, answer) = http.post("/api/acts", &registration(&story, WRONG));
    assert_eq!(status, 403, "{answer}");
    assert!(
        error_of(&answer).contains("2 more attempt"),
        "a success clears the count: {answer}"
    );
    node.stop_cleanly();
}

#[test]
fn a_command_counts_in_the_store_and_waits_out_the_delay() {
    let story = Story::new();
    let root = tempfile::tempdir().unwrap();
    let dir = airport_post(&story, root.path());
    let form = root.path().join("registration.json");
    let mut body = registration(&story, PIN);
    body.as_object_mut().unwrap().remove("pin");
    std::fs::write(&form, body.to_string()).unwrap();
    let act =
        |pin: &str| edge_with_input(&dir, &["act", form.to_str().unwrap()], &format!("{pin}\n"));

    // Each run is a new process; the count carries over in the store.
    for left in [2, 1, 0] {
        let (ok, _, err) = act(WRONG);
        assert!(!ok && err.contains("wrong PIN"), "{err}");
        if left > 0 {
            assert!(err.contains(&format!("{left} more attempt")), "{err}");
        }
    }
    // The next run waits a full delay from its start, saying so, then tries the PIN.
    let started = std::time::Instant::now();
    let (ok, out, err) = act(PIN);
    assert!(
        ok && out.contains("recorded consignment_registered"),
        "{out}{err}"
    );
    assert!(
        err.contains("too many wrong PINs") && err.contains("waiting 1 seconds"),
        "{err}"
    );
    assert!(started.elapsed() >= Duration::from_secs(1));
    // The success cleared the count.
    let (ok, _, err) = act(WRONG);
    assert!(!ok && err.contains("2 more attempt"), "{err}");
}
