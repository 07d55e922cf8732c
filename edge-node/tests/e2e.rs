//! End to end with real `tamga-edge` processes on loopback.
//!
//! - Sync: two nodes are created and enrolled, the post serves, the vehicle syncs its acts to it,
//!   the post stops cleanly on SIGTERM and shows the consignment; then a bundle carries the same
//!   the other way, and a tampered file is refused.
//! - Handoff over the LAN: officers' keys go into each node's keystore; the airport post
//!   registers, seals and assigns the escort from the CLI; both nodes serve; the post's officer
//!   offers custody to the escort lead and sends the offer over the LAN; the vehicle syncs, its
//!   officer reviews against their own count (a wrong count and a wrong PIN are refused and
//!   change nothing) and countersigns; the completed act goes back to the post at once.
//! - Handoff with no network: a bundle file carries the consignment, the offer travels as a photo
//!   of its QR code, the completed act comes back as another QR code.

use std::path::Path;
use std::process::Command;
use tamga_core::fixtures::{self, Story};
use tamga_core::KeyId;

mod common;

use common::{edge, edge_with_input, import_officer, json_of, write_acts, BIN};
use tamga_testkit::ports::free_port;
use tamga_testkit::process::Proc;

fn init(dir: &Path, story: &Story, role: &str, unit: &str) -> KeyId {
    common::init(dir, story, role, unit, "127.0.0.1:0")
}

/// Serves a node; returns it and its URL.
fn serve(dir: &Path) -> (Proc, String) {
    let (running, address) = common::serve(dir, None, "node");
    (running, format!("http://{address}"))
}

fn stop(node: Proc) {
    node.stop_cleanly();
}

/// A Department post and a vehicle node under `root`, both enrolled (central's enrollment file:
/// the registry plus both devices); the vehicle holds the story up to the seal check on the road.
/// Returns the post's and the vehicle's directories and device keys.
fn department_post_and_vehicle(
    story: &Story,
    root: &Path,
) -> (std::path::PathBuf, std::path::PathBuf, KeyId, KeyId) {
    let post_dir = root.join("post");
    let vehicle_dir = root.join("vehicle");
    let post_key = init(&post_dir, story, "post", fixtures::DEPARTMENT);
    let vehicle_key = init(&vehicle_dir, story, "vehicle", fixtures::ESCORT_UNIT);
    let mut registry = story.registry_acts();
    registry.push(story.device_enrollment(&post_key, fixtures::DEPARTMENT, "department post PC"));
    registry.push(story.device_enrollment(
        &vehicle_key,
        fixtures::ESCORT_UNIT,
        "escort vehicle tablet",
    ));
    let enrollment = root.join("enrollment.acts");
    write_acts(&enrollment, &registry);
    for dir in [&post_dir, &vehicle_dir] {
        let (ok, out, err) = edge(dir, &["record", enrollment.to_str().unwrap()]);
        assert!(ok && out.contains("9 new acts"), "{out}{err}");
    }
    let acts = root.join("story.acts");
    write_acts(&acts, &story.clean_delivery()[..6]);
    let (ok, _, err) = edge(&vehicle_dir, &["record", acts.to_str().unwrap()]);
    assert!(ok, "{err}");
    (post_dir, vehicle_dir, post_key, vehicle_key)
}

#[test]
fn a_vehicle_hands_its_records_to_a_post_over_the_lan_and_by_bundle() {
    let story = Story::new();
    let root = tempfile::tempdir().unwrap();
    let (post_dir, vehicle_dir, post_key, vehicle_key) =
        department_post_and_vehicle(&story, root.path());
    let acts = root.path().join("story.acts");

    // The post serves; the vehicle syncs with it.
    let (post, url) = serve(&post_dir);
    let (ok, _, err) = edge(
        &vehicle_dir,
        &[
            "add-peer",
            "--name",
            "department post",
            "--url",
            &url.replacen("http://", "https://", 1),
            "--key",
            post_key.as_str(),
        ],
    );
    assert!(ok, "{err}");
    let (ok, out, err) = edge(&vehicle_dir, &["sync"]);
    assert!(ok, "{out}{err}");
    assert!(out.contains("department post: synced"), "{out}");

    // Graceful stop on SIGTERM, then the post shows what it received.
    stop(post);
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

    // The file on the stick is sealed: nothing of the consignment can be read from it.
    let bytes = std::fs::read(&bundle).unwrap();
    assert!(bytes.starts_with(b"age-encryption.org/v1\n"));
    for plain in [story.consignment.as_str(), "0.412", fixtures::ESCORT_UNIT] {
        assert!(
            !bytes.windows(plain.len()).any(|w| w == plain.as_bytes()),
            "{plain} is readable in the bundle file"
        );
    }
    // The post itself cannot open a bundle sealed for the vehicle.
    let (ok, _, err) = edge(&post_dir, &["import-bundle", bundle.to_str().unwrap()]);
    assert!(!ok && err.contains("sealed for another node"), "{err}");
    let vehicle_before = json_of(&vehicle_dir, &["status", "--json"]);
    // A bundle cut short on the way, one altered on the way, and one not sealed: refused,
    // exit code 1, nothing merged.
    std::fs::write(&bundle, &bytes[..bytes.len() / 2]).unwrap();
    let (ok, _, err) = edge(&vehicle_dir, &["import-bundle", bundle.to_str().unwrap()]);
    assert!(!ok && err.contains("damaged"), "{err}");
    let mut altered = bytes.clone();
    let at = altered.len() - 40;
    altered[at] ^= 0x20;
    std::fs::write(&bundle, &altered).unwrap();
    let (ok, _, err) = edge(&vehicle_dir, &["import-bundle", bundle.to_str().unwrap()]);
    assert!(!ok && err.contains("damaged or was altered"), "{err}");
    std::fs::write(&bundle, b"TAMGA\x01 an unsealed bundle of an older node").unwrap();
    let (ok, _, err) = edge(&vehicle_dir, &["import-bundle", bundle.to_str().unwrap()]);
    assert!(!ok && err.contains("not sealed"), "{err}");
    assert_eq!(
        json_of(&vehicle_dir, &["status", "--json"])["feed_position"],
        vehicle_before["feed_position"]
    );
    // An act edited after signing: refused, exit code 1.
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

const AIRPORT_PIN: &str = "417417";
const ESCORT_PIN: &str = "112011";

/// A post at the airport and the escort vehicle, enrolled, each holding its officer's key.
fn two_nodes(story: &Story, root: &Path) -> (std::path::PathBuf, std::path::PathBuf, KeyId, KeyId) {
    let post_dir = root.join("airport");
    let vehicle_dir = root.join("vehicle");
    let listen = || format!("127.0.0.1:{}", free_port());
    let post_key = common::init(&post_dir, story, "post", fixtures::AIRPORT_POST, &listen());
    let vehicle_key = common::init(
        &vehicle_dir,
        story,
        "vehicle",
        fixtures::ESCORT_UNIT,
        &listen(),
    );
    let mut registry = story.registry_acts();
    registry.push(story.device_enrollment(&post_key, fixtures::AIRPORT_POST, "airport post PC"));
    registry.push(story.device_enrollment(&vehicle_key, fixtures::ESCORT_UNIT, "escort tablet"));
    let enrollment = root.join("enrollment.acts");
    write_acts(&enrollment, &registry);
    for dir in [&post_dir, &vehicle_dir] {
        assert!(edge(dir, &["record", enrollment.to_str().unwrap()]).0);
    }
    import_officer(&post_dir, &story.airport_officer, AIRPORT_PIN);
    import_officer(&vehicle_dir, &story.escort_lead, ESCORT_PIN);
    (post_dir, vehicle_dir, post_key, vehicle_key)
}

/// The airport post registers the diamonds (deadline tomorrow), seals them and assigns the
/// escort, all from the CLI.
fn register_seal_assign(story: &Story, post_dir: &Path, root: &Path) {
    let form = story.registration_form(tamga_core::Timestamp::now());
    let form_file = root.join("registration.json");
    std::fs::write(&form_file, form.to_string()).unwrap();
    let officer = story.airport_officer.id.as_str();
    let pin = format!("{AIRPORT_PIN}\n");
    let (ok, out, err) = edge_with_input(post_dir, &["act", form_file.to_str().unwrap()], &pin);
    assert!(
        ok && out.contains("recorded consignment_registered"),
        "{out}{err}"
    );
    let c = story.consignment.as_str();
    let (ok, out, err) = edge_with_input(
        post_dir,
        &[
            "seal",
            "apply",
            "-c",
            c,
            "--officer",
            officer,
            "--seal",
            "KG-0042137",
            "--on",
            "safe-bag, one place",
        ],
        &pin,
    );
    assert!(ok && out.contains("recorded seal_applied"), "{out}{err}");
    let (ok, out, err) = edge_with_input(
        post_dir,
        &[
            "escort",
            "-c",
            c,
            "--officer",
            officer,
            "--unit",
            fixtures::ESCORT_UNIT,
            "--vehicle",
            "01 KG 777 ABC",
            "--in-charge",
            story.escort_lead.id.as_str(),
            "--crew",
            story.escort_lead.id.as_str(),
        ],
        &pin,
    );
    assert!(ok && out.contains("recorded escort_assigned"), "{out}{err}");
}

/// The airport officer's offer of custody to the escort lead, without the count.
fn offer_to_escort(story: &Story) -> Vec<&str> {
    vec![
        "handoff",
        "offer",
        "-c",
        story.consignment.as_str(),
        "--officer",
        story.airport_officer.id.as_str(),
        "--to-unit",
        fixtures::ESCORT_UNIT,
        "--to-officer",
        story.escort_lead.id.as_str(),
    ]
}

const COUNT: [&str; 6] = [
    "--packages",
    "1",
    "--gross-mass",
    "0.412 kg",
    "--seal",
    "KG-0042137:intact",
];

#[test]
fn custody_passes_from_the_airport_post_to_the_escort_over_the_lan() {
    let story = Story::new();
    let root = tempfile::tempdir().unwrap();
    let (post_dir, vehicle_dir, post_key, vehicle_key) = two_nodes(&story, root.path());
    register_seal_assign(&story, &post_dir, root.path());

    // Both serve; each is told of the other while running.
    let (post, post_url) = serve(&post_dir);
    let (vehicle, vehicle_url) = serve(&vehicle_dir);
    for (dir, name, url, key) in [
        (&post_dir, "vehicle", &vehicle_url, &vehicle_key),
        (&vehicle_dir, "airport", &post_url, &post_key),
    ] {
        common::add_peer(dir, name, url, key);
    }

    // The releasing officer offers custody and sends the offer over the LAN (the CLI talks to
    // the running node).
    let c = story.consignment.as_str();
    let mut offer_args = offer_to_escort(&story);
    offer_args.extend(["--send", "vehicle"]);
    offer_args.extend(COUNT);
    let (ok, out, err) = edge_with_input(&post_dir, &offer_args, &format!("{AIRPORT_PIN}\n"));
    let offers = json_of(&vehicle_dir, &["handoff", "list", "--json"]);
    assert!(ok, "{out}{err}");
    assert!(out.contains("sent over the LAN"), "{out}");
    let offer = offers[0]["offer"].as_str().unwrap().to_owned();
    assert_eq!(offers[0]["direction"], "incoming");
    assert_eq!(offers[0]["state"], "open");
    assert_eq!(offers[0]["via"], "lan");

    // The vehicle does not hold the consignment yet: the review says to sync.
    let mut review = vec![
        "handoff",
        "review",
        &offer,
        "--officer",
        story.escort_lead.id.as_str(),
    ];
    review.extend(COUNT);
    let (ok, _, err) = edge(&vehicle_dir, &review);
    assert!(!ok && err.contains("sync"), "{err}");
    let (ok, out, err) = edge(&vehicle_dir, &["sync"]);
    assert!(ok && out.contains("airport: synced"), "{out}{err}");

    // A count that differs is refused with the difference.
    let mut wrong = vec![
        "handoff",
        "review",
        &offer,
        "--officer",
        story.escort_lead.id.as_str(),
    ];
    wrong.extend([
        "--packages",
        "2",
        "--gross-mass",
        "0.412 kg",
        "--seal",
        "KG-0042137:intact",
    ]);
    let (ok, _, err) = edge(&vehicle_dir, &wrong);
    assert!(
        !ok && err.contains("2 packages counted, offer says 1"),
        "{err}"
    );
    let (ok, out, err) = edge(&vehicle_dir, &review);
    assert!(ok && out.contains("no discrepancy"), "{out}{err}");

    // A wrong PIN countersigns nothing.
    let mut accept = vec![
        "handoff",
        "accept",
        &offer,
        "--officer",
        story.escort_lead.id.as_str(),
    ];
    accept.extend(COUNT);
    let (ok, _, err) = edge_with_input(&vehicle_dir, &accept, "999999\n");
    assert!(!ok && err.contains("wrong PIN"), "{err}");
    assert_eq!(
        json_of(&vehicle_dir, &["handoff", "list", "--json"])[0]["state"],
        "open"
    );

    let (ok, out, err) = edge_with_input(&vehicle_dir, &accept, &format!("{ESCORT_PIN}\n"));
    assert!(ok && out.contains("custody taken over"), "{out}{err}");
    assert!(out.contains("sent back to the releasing node"), "{out}");

    // Both sides now see the escort holding custody, with both signatures.
    for dir in [&vehicle_dir, &post_dir] {
        let shown = json_of(dir, &["show", c, "--json"]);
        assert_eq!(
            shown["state"]["custodian"]["unit"],
            fixtures::ESCORT_UNIT,
            "{shown}"
        );
        assert_eq!(shown["state"]["status"], "in_transit");
        let handoff = shown["act_details"]
            .as_array()
            .unwrap()
            .iter()
            .find(|a| a["kind"] == "custody_transferred")
            .unwrap()
            .clone();
        assert_eq!(handoff["signers"].as_array().unwrap().len(), 2);
        assert_eq!(handoff["id"], offer.as_str());
    }
    assert_eq!(
        json_of(&post_dir, &["handoff", "list", "--json"])[0]["state"],
        "completed"
    );

    // The list, a page at a time with its counts, through the API and the CLI; bad parameters
    // are refused naming the parameter.
    let port = listen_of(&post_dir).port();
    let (code, body) =
        tamga_testkit::http::get(port, "/api/consignments?limit=1&status=in_transit").unwrap();
    assert_eq!(code, 200, "{body}");
    let page: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(page["rows"][0]["consignment"], c, "{page}");
    assert_eq!(
        page["rows"][0]["custodian"],
        fixtures::ESCORT_UNIT,
        "{page}"
    );
    assert_eq!(page["counts"]["total"], 1, "{page}");
    assert_eq!(page["counts"]["by_status"]["in_transit"], 1, "{page}");
    // The same page without the header's counts, for a client that already shows them.
    let (code, body) = tamga_testkit::http::get(
        port,
        "/api/consignments?limit=1&status=in_transit&counts=false",
    )
    .unwrap();
    assert_eq!(code, 200, "{body}");
    let bare: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert!(bare["counts"].is_null(), "{bare}");
    assert_eq!(bare["rows"], page["rows"], "{bare}");
    let listed = json_of(
        &post_dir,
        &["list", "--json", "--filter", "number=10609050"],
    );
    assert_eq!(listed["rows"].as_array().unwrap().len(), 1, "{listed}");
    let (code, body) =
        tamga_testkit::http::get(port, "/api/consignments?status=delivered").unwrap();
    assert_eq!(code, 200, "{body}");
    assert!(body.contains("\"rows\":[]"), "{body}");
    for (name, query) in [
        ("limit", "limit=0"),
        ("limit", "limit=1000"),
        ("status", "status=lost"),
        ("severity", "severity=high"),
        ("after", "after=somewhere"),
        ("overdue", "overdue=maybe"),
        ("counts", "counts=maybe"),
        ("deadline_before", "deadline_before=soon"),
        ("custodian", "custodian=a%20post"),
        ("sort", "sort=deadline"),
    ] {
        let (code, body) =
            tamga_testkit::http::get(port, &format!("/api/consignments?{query}")).unwrap();
        assert_eq!(code, 400, "{query}: {body}");
        let error: serde_json::Value = serde_json::from_str(&body).unwrap();
        assert!(
            error["error"]
                .as_str()
                .unwrap()
                .starts_with(&format!("{name}:")),
            "{query}: {body}"
        );
    }
    stop(post);
    stop(vehicle);
}

/// The address a node's configuration says it listens on.
fn listen_of(dir: &Path) -> std::net::SocketAddr {
    let text = std::fs::read_to_string(dir.join("tamga-edge.toml")).unwrap();
    let line = text.lines().find(|l| l.starts_with("listen")).unwrap();
    line.split('"').nth(1).unwrap().parse().unwrap()
}

#[test]
fn nothing_of_a_consignment_crosses_the_lan_in_the_clear() {
    use tamga_testkit::tap::{contains, Tap};
    let story = Story::new();
    let root = tempfile::tempdir().unwrap();
    let (post_dir, vehicle_dir, post_key, vehicle_key) = two_nodes(&story, root.path());
    register_seal_assign(&story, &post_dir, root.path());

    // Every link between the two nodes passes a tap: sync both ways, the offer, and the
    // completed act sent back (the post gives the tap as the address peers reach it at).
    let post_tap = Tap::start(listen_of(&post_dir));
    let vehicle_tap = Tap::start(listen_of(&vehicle_dir));
    let config = post_dir.join("tamga-edge.toml");
    let text = std::fs::read_to_string(&config).unwrap();
    let public = format!("https://{}", post_tap.address());
    std::fs::write(&config, format!("public_url = \"{public}\"\n{text}")).unwrap();
    let (post, _) = serve(&post_dir);
    let (vehicle, vehicle_url) = serve(&vehicle_dir);
    common::add_peer(
        &post_dir,
        "vehicle",
        &format!("https://{}", vehicle_tap.address()),
        &vehicle_key,
    );
    common::add_peer(&vehicle_dir, "airport", &public, &post_key);
    let mut offer_args = offer_to_escort(&story);
    offer_args.extend(["--send", "vehicle"]);
    offer_args.extend(COUNT);
    let (ok, out, err) = edge_with_input(&post_dir, &offer_args, &format!("{AIRPORT_PIN}\n"));
    assert!(ok && out.contains("sent over the LAN"), "{out}{err}");
    let (ok, out, err) = edge(&vehicle_dir, &["sync"]);
    assert!(ok && out.contains("airport: synced"), "{out}{err}");
    let offer = json_of(&vehicle_dir, &["handoff", "list", "--json"])[0]["offer"]
        .as_str()
        .unwrap()
        .to_owned();
    let mut accept = vec![
        "handoff",
        "accept",
        &offer,
        "--officer",
        story.escort_lead.id.as_str(),
    ];
    accept.extend(COUNT);
    let (ok, out, err) = edge_with_input(&vehicle_dir, &accept, &format!("{ESCORT_PIN}\n"));
    assert!(
        ok && out.contains("sent back to the releasing node"),
        "{out}{err}"
    );
    let (ok, out, err) = edge(&post_dir, &["sync"]);
    assert!(ok && out.contains("vehicle: synced"), "{out}{err}");

    let secrets: [&str; 7] = [
        story.consignment.as_str(),
        "KG-0042137",
        story.airport_officer.name,
        story.escort_lead.name,
        "0.412",
        "01 KG 777 ABC",
        fixtures::ESCORT_UNIT,
    ];
    let wire = [post_tap.all_bytes(), vehicle_tap.all_bytes()].concat();
    assert!(
        !post_tap.captured().is_empty() && !vehicle_tap.captured().is_empty(),
        "the offer, the completion and both syncs went through the taps"
    );
    for secret in secrets {
        assert!(
            !contains(&wire, secret.as_bytes()),
            "{secret:?} is readable on the LAN"
        );
    }
    // The same tap in front of a plain HTTP link (the vehicle's own UI API, on its machine)
    // reads every one of them: the check above can fail.
    let ui_tap = Tap::start(vehicle_url.trim_start_matches("http://").parse().unwrap());
    let ui = tamga_testkit::http::Http::new(&ui_tap.address().to_string());
    let path = format!(
        "/api/consignments/{}",
        story.consignment.as_str().replace('/', "%2F")
    );
    let (status, _) = ui.get_text(&path);
    assert_eq!(status, 200);
    let plain = ui_tap.all_bytes();
    let readable: Vec<&str> = secrets
        .into_iter()
        .filter(|s| contains(&plain, s.as_bytes()))
        .collect();
    assert!(
        readable.contains(&story.consignment.as_str()) && readable.contains(&"KG-0042137"),
        "plain HTTP shows {readable:?}"
    );
    stop(post);
    stop(vehicle);
}

#[test]
fn custody_passes_with_no_network_by_bundle_and_qr_codes() {
    let story = Story::new();
    let root = tempfile::tempdir().unwrap();
    let (post_dir, vehicle_dir, _, vehicle_key) = two_nodes(&story, root.path());
    register_seal_assign(&story, &post_dir, root.path());
    let path = |name: &str| root.path().join(name).to_str().unwrap().to_owned();

    // The consignment goes to the vehicle on a USB stick.
    let (ok, _, err) = edge(
        &post_dir,
        &[
            "export-bundle",
            "--out",
            &path("usb.bundle"),
            "--for",
            vehicle_key.as_str(),
        ],
    );
    assert!(ok, "{err}");
    let (ok, out, err) = edge(&vehicle_dir, &["import-bundle", &path("usb.bundle")]);
    assert!(ok && out.contains("3 new acts"), "{out}{err}");

    // The offer is shown as a QR code; the vehicle takes a photo of it.
    let c = story.consignment.as_str();
    let mut offer_args = offer_to_escort(&story);
    let qr_out = path("offer.png");
    offer_args.extend(["--qr", qr_out.as_str()]);
    offer_args.extend(COUNT);
    let (ok, out, err) = edge_with_input(&post_dir, &offer_args, &format!("{AIRPORT_PIN}\n"));
    assert!(ok && out.contains("QR code written"), "{out}{err}");
    let (ok, out, err) = edge(&vehicle_dir, &["handoff", "import", &path("offer.png")]);
    assert!(ok, "{out}{err}");
    let offers = json_of(&vehicle_dir, &["handoff", "list", "--json"]);
    assert_eq!(offers[0]["via"], "qr");
    let offer = offers[0]["offer"].as_str().unwrap().to_owned();

    // The escort lead countersigns; the completed act goes back as a QR code.
    let done = path("done.png");
    let mut accept = vec![
        "handoff",
        "accept",
        &offer,
        "--officer",
        story.escort_lead.id.as_str(),
        "--qr",
        &done,
    ];
    accept.extend(COUNT);
    let (ok, out, err) = edge_with_input(&vehicle_dir, &accept, &format!("{ESCORT_PIN}\n"));
    assert!(ok && out.contains("custody taken over"), "{out}{err}");
    let (ok, out, err) = edge(&post_dir, &["handoff", "complete", &done]);
    assert!(ok && out.contains("1 new acts"), "{out}{err}");
    let shown = json_of(&post_dir, &["show", c, "--json"]);
    assert_eq!(shown["state"]["custodian"]["unit"], fixtures::ESCORT_UNIT);

    // An offer photo imported twice changes nothing; a completed act is not an offer.
    assert!(edge(&vehicle_dir, &["handoff", "import", &path("offer.png")]).0);
    assert_eq!(
        json_of(&vehicle_dir, &["handoff", "list", "--json"])
            .as_array()
            .unwrap()
            .len(),
        1
    );
    let (ok, _, err) = edge(&vehicle_dir, &["handoff", "import", &done]);
    assert!(!ok && err.contains("completed act"), "{err}");
}

#[test]
fn a_peer_that_stops_answering_holds_up_only_its_own_sync() {
    let story = Story::new();
    let root = tempfile::tempdir().unwrap();
    let (post_dir, vehicle_dir, post_key, _) = department_post_and_vehicle(&story, root.path());

    // A peer that accepts connections and never answers, listed first.
    let silent = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let silent_url = format!("http://{}", silent.local_addr().unwrap());
    std::thread::spawn(move || {
        let mut held = Vec::new();
        for stream in silent.incoming() {
            held.push(stream);
        }
    });
    common::add_peer(&vehicle_dir, "a silent post", &silent_url, &post_key);
    let (post, url) = serve(&post_dir);
    common::add_peer(&vehicle_dir, "department post", &url, &post_key);

    // The vehicle's background sync reaches the department's post while the session with the
    // silent one hangs (the client waits two minutes for an answer).
    let (vehicle, vehicle_url) = serve(&vehicle_dir);
    let started = std::time::Instant::now();
    let path = format!(
        "/api/consignments/{}",
        story.consignment.as_str().replace('/', "%2F")
    );
    let shown = loop {
        let answer = http_get(&url, &path);
        if answer.starts_with("HTTP/1.1 200") {
            let body = answer.split("\r\n\r\n").nth(1).unwrap_or_default();
            let shown: serde_json::Value = serde_json::from_str(body).unwrap();
            if shown["acts"].as_array().is_some_and(|a| a.len() == 6) {
                break shown;
            }
        }
        assert!(
            started.elapsed() < std::time::Duration::from_secs(30),
            "the department's post did not receive the vehicle's acts while another peer hung: {}",
            http_get(&vehicle_url, "/api/status")
        );
        std::thread::sleep(std::time::Duration::from_millis(200));
    };
    // Any act held can be taken away as a file, found by its id alone.
    for act in shown["acts"].as_array().unwrap() {
        let id = act["id"].as_str().unwrap();
        let answer = http_get(&url, &format!("/api/acts/{id}/file"));
        assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
        let body = answer.split("\r\n\r\n").nth(1).unwrap_or_default();
        let act = tamga_core::SignedAct::decode(body.as_bytes()).expect("the file is the act");
        assert_eq!(act.id().to_hex(), id);
    }
    let unknown = "ab".repeat(32);
    let answer = http_get(&url, &format!("/api/acts/{unknown}/file"));
    assert!(answer.starts_with("HTTP/1.1 404"), "{answer}");
    stop(vehicle);
    stop(post);
}

/// The body of a plain GET, for diagnostics.
fn http_get(base: &str, path: &str) -> String {
    use std::io::{Read, Write};
    let host = base.trim_start_matches("http://");
    let Ok(mut stream) = std::net::TcpStream::connect(host) else {
        return format!("cannot connect to {host}");
    };
    let _ = write!(
        stream,
        "GET {path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n"
    );
    let mut answer = String::new();
    let _ = stream.read_to_string(&mut answer);
    answer
}
