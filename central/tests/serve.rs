//! End to end with the real binaries: `tamga-central` serves, and a real `tamga-edge` post node
//! syncs with it.
//!
//! Central is created and serves; the story's officers, central staff and the post's device are
//! enrolled and the enrollment file written while it runs (the CLI goes through the running
//! server); the post records the enrollment file and the story up to the seal check on the road. Someone then edits the stored
//! copy of the seal check on the post PC ("intact" becomes "damaged") and puts it into the
//! post's store as a peer's change would (automerge, under its new id): the signature no longer
//! verifies. The post syncs with central. Central's JSON API shows the consignment, the edited
//! act not verified, the bad-signature discrepancy with the act that proves it, the custody
//! chain and the post's last sync; `/metrics` counts it. Resolving the discrepancy with a wrong
//! PIN is refused and records nothing; with the right PIN a `discrepancy_resolved` act is
//! recorded and the discrepancy shows resolved. The reports and exports (KP statistics, the
//! reconciliation, EPCIS, the consignments list) answer as JSON, CSV and a printable page, and
//! refuse a bad year or date naming the parameter. Central stops cleanly on SIGTERM.
//!
//! How the `tamga-edge` binary is found: see `common/mod.rs`.

mod common;

use common::*;
use serde_json::{json, Value};
use std::path::Path;
use tamga_core::act::SealState;
use tamga_core::fixtures::Story;
use tamga_core::{KeyId, SignedAct};
use tamga_store::{DocId, Store};

const PIN: &str = "staff-pin-2026";

/// Puts `forged` into the document of its consignment in the store at `dir`, as a peer's change
/// would bring it: the store keeps it, and leaves it out.
fn slip_into_store(dir: &Path, authority: &KeyId, forged: &SignedAct) {
    use automerge::transaction::Transactable;
    let store = Store::open(dir.join("store"), authority).unwrap();
    let doc_id = DocId::of_act(forged);
    let saved = store.save_doc(&doc_id).unwrap();
    let mut doc = automerge::AutoCommit::load(&saved).unwrap();
    doc.set_actor(automerge::ActorId::random());
    let heads = doc.get_heads();
    doc.put(
        automerge::ROOT,
        tamga_store::doc::act_key(&forged.id()),
        automerge::ScalarValue::Bytes(forged.encode()),
    )
    .unwrap();
    doc.commit();
    let change = doc.save_after(&heads);
    let report = store
        .apply_changes(&doc_id, &change, &tamga_store::Writer::Anyone)
        .unwrap();
    assert!(
        report.seq.is_some(),
        "the forged entry was merged: {report:?}"
    );
}

#[test]
fn a_post_syncs_with_central_and_staff_resolve_the_forged_act_it_carried() {
    let edge = edge_binary();
    let central_bin = Path::new(CENTRAL);
    let story = Story::new();
    let root = tempfile::tempdir().unwrap();
    let hq = root.path().join("hq");
    let post = root.path().join("post");

    let (authority, central_device) = init_central(&hq);
    let (mut server, url) = serve(&hq);
    let http = central_http(&hq, &url);
    assert_eq!(http.get("/health")["status"], "ok");
    // The authority key is shown from its file while the server holds the store; commands that
    // need the store say what to do.
    let shown = must(central_bin, &hq, &["authority"], "");
    assert!(shown.contains(authority.as_str()), "{shown}");
    let r = run(central_bin, &hq, &["registry"], "");
    assert!(
        !r.ok && r.stderr.contains("use its dashboard"),
        "{}",
        r.stderr
    );

    // The post node, pinned to central's authority, with central as its central unit.
    let post_device = init_post(&edge, &post, &authority);

    // Enrollments while central serves: the CLI goes through the running server.
    enroll_story(&hq, &story);
    enroll_post_device(&hq, &post_device);
    // A bad request through the server is refused with the authority's words, exit 1.
    let r = run(
        central_bin,
        &hq,
        &["revoke", "--key", &"ab".repeat(32), "--reason", "lost"],
        "",
    );
    assert!(
        !r.ok && r.stderr.contains("not a valid ed25519 public key"),
        "{}",
        r.stderr
    );
    let enrollment = root.path().join("enrollment.acts");
    let out = must(
        central_bin,
        &hq,
        &["enrollment", "--out", enrollment.to_str().unwrap()],
        "",
    );
    // The root's registrar, central's device, the story's six, the post's device, and the
    // transparency log key central enrolled when it first served.
    assert!(out.contains("(11 registry acts)"), "{out}");

    must(&edge, &post, &["record", enrollment.to_str().unwrap()], "");
    let acts = story.clean_delivery();
    let file = root.path().join("story.acts");
    write_acts(&file, &acts[..6]);
    must(&edge, &post, &["record", file.to_str().unwrap()], "");

    // The seal check, edited after signing.
    let check = story.seal_checked(60, SealState::Intact);
    assert_eq!(check, acts[5]);
    let edited = String::from_utf8(check.encode())
        .unwrap()
        .replace("\"intact\"", "\"damaged\"");
    let forged = SignedAct::decode(edited.as_bytes()).expect("still well-formed");
    assert_ne!(forged.id(), check.id());
    write_acts(&file, std::slice::from_ref(&forged));
    let r = run(&edge, &post, &["record", file.to_str().unwrap()], "");
    assert!(!r.ok, "the post's CLI refuses it: {}", r.stdout);
    slip_into_store(&post, &authority, &forged);

    // The post syncs with central.
    sync_post_with_central(&edge, &post, &url, &central_device);

    let id = story.consignment.as_str();
    wait_for("central reconciles the consignment", || {
        http.get("/api/consignments")
            .as_array()
            .is_some_and(|rows| rows.iter().any(|r| r["consignment"] == id))
    });
    let rows = http.get("/api/consignments?post=MANAS-AIRPORT&status=in_transit");
    assert_eq!(rows.as_array().unwrap().len(), 1, "{rows}");
    assert_eq!(rows[0]["acts"], 6);
    assert_eq!(rows[0]["rejected"], 1);
    assert_eq!(
        http.get("/api/consignments?post=TOKMOK-ROAD"),
        json!([]),
        "not on the route"
    );
    let (status, text) = http.get_text("/api/consignments?kind=lost");
    assert_eq!(status, 400, "{text}");

    // The timeline: every act with its signers, the edited one not verified.
    let shown = http.get(&format!("/api/consignments/{}", encode_path(id)));
    let timeline = shown["acts"].as_array().unwrap();
    assert_eq!(timeline.len(), 7, "{shown}");
    let forged_hex = forged.id().to_hex();
    let forged_view = timeline
        .iter()
        .find(|a| a["id"] == forged_hex.as_str())
        .expect("the edited act is in the timeline");
    assert_eq!(forged_view["verified"], false);
    assert!(forged_view["rejected_because"].as_str().unwrap().len() > 5);
    let registration = &timeline[0];
    assert_eq!(registration["verified"], true);
    assert_eq!(registration["signers"][0]["name"], "Aibek Asanov");
    assert_eq!(registration["signers"][0]["personal_number"], "KG-0417");
    assert_eq!(registration["signers"][0]["role"], "post_officer");
    assert!(registration["at_for_people"]
        .as_str()
        .unwrap()
        .ends_with("+06:00"));
    let chain = shown["chain"].as_array().unwrap();
    assert_eq!(
        chain.len(),
        2,
        "registered at the airport, handed to the escort"
    );
    assert_eq!(chain[0]["unit"], "MANAS-AIRPORT");
    assert_eq!(chain[1]["unit"], "ESCORT-BISHKEK");
    assert_eq!(chain[1]["officer"]["name"], "Nurlan Osmonov");
    assert_eq!(shown["seals"][0]["seal"], story.seal.as_str());

    // The queue: the bad signature, proven by the edited act.
    let queue = http.get("/api/discrepancies?kind=bad_signature");
    let queue = queue.as_array().unwrap();
    assert_eq!(queue.len(), 1, "{queue:?}");
    let discrepancy = queue[0]["id"].as_str().unwrap().to_owned();
    assert_eq!(queue[0]["severity"], "critical");
    assert_eq!(queue[0]["acts"], json!([forged_hex]));
    // The consignment is also overdue: its deadline has passed and nobody delivered it.
    assert_eq!(
        http.get("/api/discrepancies?kind=overdue")
            .as_array()
            .unwrap()
            .len(),
        1
    );

    let (status, metrics) = http.get_text("/metrics");
    assert_eq!(status, 200);
    let line = |name: &str| {
        metrics
            .lines()
            .find(|l| l.starts_with(name))
            .unwrap_or_else(|| panic!("{name} in {metrics}"))
            .rsplit(' ')
            .next()
            .unwrap()
            .parse::<u64>()
            .unwrap()
    };
    assert_eq!(line("tamga_central_verification_failures "), 1);
    assert!(line("tamga_central_sync_requests_total{outcome=\"ok\"}") >= 2);
    assert!(line("tamga_central_open_discrepancies{severity=\"critical\"}") >= 1);
    assert_eq!(line("tamga_central_consignments{status=\"in_transit\"}"), 1);
    assert_eq!(line("tamga_central_acts_ingested_total "), 7);

    let nodes = http.get("/api/nodes");
    let node = nodes["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|n| n["key"] == post_device.as_str())
        .expect("the post is listed");
    assert_eq!(node["state"], "ok");
    assert_eq!(node["name"], "airport post PC");

    // Staff resolve it with their own key, kept here under a PIN.
    import_staff(&hq, &story, PIN);
    let path = format!("/api/discrepancies/{discrepancy}/resolve");
    let form = |pin: &str, reason: &str| {
        json!({
            "consignment": id,
            "officer": story.central_staff.id.as_str(),
            "pin": pin,
            "reason": reason,
            "supervisor": story.supervisor.id.as_str(),
        })
    };
    let reason =
        "The post's copy was edited; the signed original (intact) stands. Report HQ-2026-117.";
    let (status, answer) = http.post(&path, &form("wrong-pin-1", reason));
    assert_eq!(status, 403, "{answer}");
    assert!(
        answer["error"].as_str().unwrap().contains("wrong PIN"),
        "{answer}"
    );
    let (status, answer) = http.post(&path, &form(PIN, " "));
    assert_eq!(status, 400, "{answer}");
    let (status, answer) = http.post(
        &path,
        &json!({"consignment": id, "officer": story.airport_officer.id.as_str(), "pin": PIN, "reason": reason, "supervisor": story.supervisor.id.as_str()}),
    );
    assert_eq!(status, 403, "a post officer may not resolve: {answer}");
    let still = http.get(&format!("/api/consignments/{}", encode_path(id)));
    assert_eq!(
        still["acts"].as_array().unwrap().len(),
        7,
        "nothing recorded"
    );
    assert_eq!(
        http.get("/api/discrepancies?kind=bad_signature")
            .as_array()
            .unwrap()
            .len(),
        1,
        "still open"
    );

    // A bad signature is critical: two people close it, the second a supervisor.
    let (status, answer) = http.post(
        &path,
        &json!({"consignment": id, "officer": story.central_staff.id.as_str(), "pin": PIN, "reason": reason}),
    );
    assert_eq!(status, 400, "one signature is not enough: {answer}");
    assert!(
        answer["error"].as_str().unwrap().contains("supervisor"),
        "{answer}"
    );
    let with_supervisor = |officer: &str, supervisor: &str| {
        json!({
            "consignment": id,
            "officer": officer,
            "pin": PIN,
            "reason": reason,
            "supervisor": supervisor,
        })
    };
    let staff = story.central_staff.id.as_str();
    let supervisor = story.supervisor.id.as_str();
    let (status, answer) = http.post(&path, &with_supervisor(supervisor, supervisor));
    assert_eq!(status, 403, "one person twice: {answer}");
    let (status, answer) = http.post(&path, &with_supervisor(staff, staff));
    assert_eq!(status, 403, "one person twice: {answer}");
    let (status, answer) = http.post(&path, &with_supervisor(staff, supervisor));
    assert_eq!(status, 202, "signed once, pending: {answer}");
    let pending = answer["pending"].as_str().unwrap().to_owned();
    assert_eq!(answer["supervisor_name"], "Bakyt Sultanov", "{answer}");
    assert_eq!(
        http.get("/api/discrepancies?kind=bad_signature")
            .as_array()
            .unwrap()
            .len(),
        1,
        "still open after one signature"
    );
    let listed = http.get("/api/resolutions/pending");
    assert_eq!(listed[0]["pending"], pending.as_str(), "{listed}");
    assert_eq!(listed[0]["discrepancy"], discrepancy.as_str(), "{listed}");
    let countersign = format!("/api/resolutions/{pending}/countersign");
    let (status, answer) = http.post(&countersign, &json!({"officer": staff, "pin": PIN}));
    assert_eq!(
        status, 403,
        "only the supervisor named countersigns: {answer}"
    );
    let (status, answer) = http.post(
        &countersign,
        &json!({"officer": supervisor, "pin": "wrong-pin-2"}),
    );
    assert_eq!(status, 403, "{answer}");
    assert_eq!(
        http.get(&format!("/api/consignments/{}", encode_path(id)))["acts"]
            .as_array()
            .unwrap()
            .len(),
        7,
        "nothing recorded before the second signature"
    );
    let (status, answer) = http.post(&countersign, &json!({"officer": supervisor, "pin": PIN}));
    assert_eq!(status, 201, "{answer}");
    let act = answer["act"].as_str().unwrap().to_owned();
    assert_eq!(act, pending, "the act is the one signed first");
    assert_eq!(http.get("/api/resolutions/pending"), json!([]));
    let (status, _) = http.post(&countersign, &json!({"officer": supervisor, "pin": PIN}));
    assert_eq!(status, 404, "countersigned once");
    assert_eq!(
        http.get("/api/discrepancies?kind=bad_signature"),
        json!([]),
        "no longer open"
    );
    let resolved = http.get("/api/discrepancies?kind=bad_signature&state=resolved");
    assert_eq!(resolved[0]["id"], discrepancy.as_str());
    assert_eq!(resolved[0]["resolution"]["act"], act.as_str());
    assert_eq!(resolved[0]["resolution"]["reason"], reason);
    assert_eq!(resolved[0]["resolution"]["supervisor"], supervisor);
    let after = http.get(&format!("/api/consignments/{}", encode_path(id)));
    let resolution = after["acts"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["id"] == act.as_str())
        .expect("the resolution is in the timeline");
    assert_eq!(resolution["kind"], "discrepancy_resolved");
    assert_eq!(resolution["verified"], true);
    assert_eq!(resolution["signers"][0]["name"], "Aigerim Tokonova");
    assert_eq!(resolution["signers"][1]["name"], "Bakyt Sultanov");
    let (status, answer) = http.post(&path, &with_supervisor(staff, supervisor));
    assert_eq!(status, 409, "resolved once: {answer}");

    // Reports and exports, from what central holds.
    let year = &story.registration().body().at().to_rfc3339()[..4];
    let kp = http.get(&format!("/api/reports/kp?from_year={year}&to_year={year}"));
    let row = &kp["report"]["years"][0];
    assert_eq!(row["year"].to_string(), year, "{kp}");
    assert_eq!(row["import"]["volume_ct"], "1250.35", "{kp}");
    assert_eq!(row["import"]["value_usd"], "1875525.00", "{kp}");
    assert_eq!(row["import"]["usd_per_ct"], "1500.00", "{kp}");
    assert_eq!(row["import"]["kp_certificates"], 1, "{kp}");
    assert!(row["production"].is_null(), "none recorded: {kp}");
    // Without years: the five local years (central's time_zone, Bishkek) ending with this one,
    // and the chart of them, its words in the language asked for.
    let kp5 = http.get("/api/reports/kp?lang=ru");
    let this = tamga_central::reports::default_years(
        &tamga_core::Timestamp::now(),
        chrono_tz::Asia::Bishkek,
    )
    .unwrap();
    assert_eq!(kp5["from_year"], *this.start(), "{kp5}");
    assert_eq!(kp5["to_year"], *this.end(), "{kp5}");
    assert_eq!(kp5["time_zone"], "Asia/Bishkek", "{kp5}");
    let years = kp5["report"]["years"].as_array().unwrap();
    assert_eq!(years.len(), 5, "{kp5}");
    assert!(years.iter().all(|y| y["production"].is_null()), "{kp5}");
    let svg = kp5["chart_svg"].as_str().unwrap();
    assert!(
        svg.starts_with("<svg xmlns=\"http://www.w3.org/2000/svg\""),
        "{svg}"
    );
    assert_eq!(svg.matches("<g class=\"year\"").count(), 2 * 5, "{svg}");
    assert!(svg.contains("Статистика Кимберлийского процесса"), "{svg}");
    let (status, answer) = http.get_text("/api/reports/kp?lang=kk");
    assert_eq!(status, 400, "{answer}");
    assert!(answer.contains("lang"), "{answer}");
    let (status, answer) = http.get_text("/api/reports/kp?from_year=20x6");
    assert_eq!(status, 400, "{answer}");
    assert!(answer.contains("from_year"), "{answer}");
    let (status, answer) = http.get_text("/api/reports/reconciliation?until=23.11.2026");
    assert_eq!(status, 400, "{answer}");
    assert!(answer.contains("until"), "{answer}");
    let download = |path: &str| {
        let answer = http.send("GET", path, &[], &[]);
        let header = |name: &str| answer.header(name).unwrap_or_default().to_owned();
        let (status, kind, disposition) = (
            answer.status,
            header("content-type"),
            header("content-disposition"),
        );
        (status, kind, disposition, answer.text())
    };
    let (status, kind, disposition, csv) =
        download(&format!("/api/reports/kp?from_year={year}&format=csv"));
    assert_eq!(status, 200, "{csv}");
    assert_eq!(kind, "text/csv; charset=utf-8");
    assert!(disposition.starts_with("attachment;"), "{disposition}");
    let mut lines = csv.split("\r\n");
    assert!(
        lines
            .next()
            .unwrap()
            .starts_with("year,production_volume_ct,production_value_usd,production_usd_per_ct,import_volume_ct,import_value_usd"),
        "{csv}"
    );
    assert!(
        lines
            .next()
            .unwrap()
            .starts_with(&format!("{year},-,-,-,1250.35,1875525.00,1500.00,")),
        "{csv}"
    );
    // The printable page: the tables with Production, and the chart beside them.
    let (status, kind, _, page) =
        download(&format!("/api/reports/kp?from_year={year}&format=html"));
    assert_eq!(
        (status, kind.as_str()),
        (200, "text/html; charset=utf-8"),
        "{page}"
    );
    assert!(page.contains("colspan=\"3\">Production</th>"), "{page}");
    assert!(
        page.contains("<figure class=\"kp-chart\">\n<svg xmlns=\"http://www.w3.org/2000/svg\""),
        "{page}"
    );
    assert!(
        page.contains(&format!("<g class=\"year\" data-year=\"{year}\">")),
        "{page}"
    );
    assert!(page.contains("data-value=\"1250.35\""), "{page}");
    let from = format!("{year}-01-01");
    let (status, kind, _, page) = download(&format!(
        "/api/reports/reconciliation?from={from}&format=html"
    ));
    assert_eq!(status, 200, "{page}");
    assert_eq!(kind, "text/html; charset=utf-8");
    assert!(page.starts_with("<!doctype html>"), "{page}");
    assert!(page.contains("@media print"), "{page}");
    assert!(page.contains("+06:00"), "{page}");
    assert!(
        page.contains("times are local time in Asia/Bishkek"),
        "{page}"
    );
    assert!(page.contains("data-report=\"reconciliation\""), "{page}");
    assert!(page.contains("Consignments left out: none."), "{page}");
    let (_, _, _, lines_csv) = download(&format!(
        "/api/reports/reconciliation?from={from}&format=csv&table=lines"
    ));
    assert!(lines_csv.contains(id), "{lines_csv}");
    let (status, kind, disposition, epcis) = download(&format!(
        "/api/export/epcis?consignment={}",
        encode_path(id)
    ));
    assert_eq!(status, 200, "{epcis}");
    assert_eq!(kind, "application/ld+json");
    assert!(disposition.contains(".jsonld"), "{disposition}");
    let epcis: Value = serde_json::from_str(&epcis).unwrap();
    let events = epcis["epcisBody"]["eventList"].as_array().unwrap();
    // Seal applied, the first handoff and the seal check; the edited copy does not hold.
    let kinds: Vec<&str> = events
        .iter()
        .map(|e| e["tamga:actKind"].as_str().unwrap())
        .collect();
    assert!(kinds.contains(&"seal_applied"), "{kinds:?}");
    assert!(kinds.contains(&"custody_transferred"), "{kinds:?}");
    assert!(
        events
            .iter()
            .all(|e| e["tamga:actId"] != forged_hex.as_str()),
        "only acts that hold are exported"
    );
    let (_, _, _, all) = download("/api/export/epcis");
    let all: Value = serde_json::from_str(&all).unwrap();
    assert_eq!(
        all["epcisBody"]["eventList"].as_array().unwrap().len(),
        events.len()
    );
    let (status, _, _, _) = download("/api/export/epcis?consignment=X%2F1");
    assert_eq!(status, 404);
    let (status, kind, _, list) = download("/api/export/csv");
    assert_eq!(status, 200);
    assert_eq!(kind, "text/csv; charset=utf-8");
    let row = list.split("\r\n").nth(1).unwrap();
    assert!(row.starts_with(&format!("{id},")), "{list}");
    assert!(row.contains(",in_transit,"), "{row}");
    assert!(row.contains(",ESCORT-BISHKEK,"), "{row}");
    // Overdue and not delivered: one open discrepancy (the bad signature is resolved).
    assert!(row.ends_with(",yes,1,major,overdue,7,1"), "{row}");

    // The loopback API answers on central's machine only, to a Host that names it, with the
    // administration token; the dashboard's pages are on the staff port, not here.
    let status = http
        .send(
            "GET",
            "/api/overview",
            &[("host", "tamga.example.org")],
            &[],
        )
        .status;
    assert_eq!(status, 403);
    let (status, page) = http.get_text("/");
    assert_eq!(status, 403);
    assert!(page.contains("staff port"), "{page}");
    let (status, answer) = Http::new(&url).get_text("/api/overview");
    assert_eq!(status, 403, "no token, no API: {answer}");

    // The resolution travels back to the post with the next sync.
    must(&edge, &post, &["sync"], "");
    assert!(
        server.terminate().success(),
        "central stops cleanly on SIGTERM"
    );
    let shown: Value =
        serde_json::from_str(&must(&edge, &post, &["show", id, "--json"], "")).unwrap();
    assert!(
        shown["acts"]
            .as_array()
            .unwrap()
            .iter()
            .any(|a| a == act.as_str()),
        "the post holds the resolution: {shown}"
    );
}

/// A supervisor whose key is revoked after the first signature countersigns nothing: both
/// signers must still be enrolled when the second signature is given.
#[test]
fn a_supervisor_revoked_after_the_first_signature_cannot_countersign() {
    let scene = Scene::new(|_| {});
    let story = &scene.story;
    scene
        .record_at_post(&[story.seal_checked(60, SealState::Damaged)])
        .expect("recorded");
    scene.sync();
    scene.wait_for_acts(7);
    import_staff(&scene.hq, story, PIN);
    let http = &scene.http;
    let id = story.consignment.as_str();
    let queue = http.get("/api/discrepancies?kind=seal_damaged");
    let discrepancy = queue[0]["id"].as_str().unwrap().to_owned();
    let (status, answer) = http.post(
        &format!("/api/discrepancies/{discrepancy}/resolve"),
        &json!({
            "consignment": id,
            "officer": story.central_staff.id.as_str(),
            "pin": PIN,
            "reason": "bag replaced at the Department",
            "supervisor": story.supervisor.id.as_str(),
        }),
    );
    assert_eq!(status, 202, "{answer}");
    let pending = answer["pending"].as_str().unwrap().to_owned();
    must(
        Path::new(CENTRAL),
        &scene.hq,
        &[
            "revoke",
            "--key",
            story.supervisor.id.as_str(),
            "--reason",
            "left the service",
        ],
        "",
    );
    let (status, answer) = http.post(
        &format!("/api/resolutions/{pending}/countersign"),
        &json!({"officer": story.supervisor.id.as_str(), "pin": PIN}),
    );
    assert_eq!(status, 403, "{answer}");
    assert!(
        answer["error"].as_str().unwrap().contains("revoked"),
        "{answer}"
    );
    assert_eq!(
        http.get(&format!("/api/consignments/{}", encode_path(id)))["acts"]
            .as_array()
            .unwrap()
            .len(),
        7,
        "nothing recorded"
    );
}
