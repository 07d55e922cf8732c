//! Central's dashboard in a real browser (headless Chromium driven over WebDriver), against a
//! real `tamga-central` and a real `tamga-edge` post node that synced with it.
//!
//! Central is created and serves; the story's officers, central staff and the post's device are
//! enrolled; staff keep their key on central under a PIN. The post records the story up to the
//! seal check on the road, where the escort found the seal damaged and reported no incident: a
//! real `seal_damaged` discrepancy, proven by a properly signed act. The post syncs with central.
//!
//! In the browser (in English): the consignments list shows the consignment with its open
//! discrepancies; the consignment page shows the custody chain and the timeline with the
//! signers' names, and links to its EPCIS export; the discrepancy queue lists the damaged seal
//! with a link to the act that proves it; resolving it with a wrong PIN shows the error and
//! records nothing; with the right PIN and a reason it shows resolved, by whom; the Reports page
//! shows the KP statistics row of the story's year (1250.35 ct, 1875525.00 US$) and, in
//! Russian, its own labels.
//!
//! A second test records a consignment refused at the Department after a mistyped seal number
//! was corrected, the crew changed on the way, an accident left open and the deadline extended;
//! in the browser the consignment's page shows the outcome and its reason, the crew in force
//! with the relief officer in charge and the change, the open incident, the deadline in force
//! and its extension, and the corrected act with its correction; the list filters it by the
//! status `refused`, and the Russian page names the outcome in Russian. The post also registered
//! a second consignment with the story's KP certificate: the Across consignments page lists the
//! finding with links to both, the story's page names the other consignment, in both languages.
//!
//! Needs `/usr/bin/chromium` and `/usr/bin/chromedriver` (Debian: `chromium chromium-driver`).
//! Without them the test says so and passes, unless `TAMGA_BROWSER_TEST=required`. A screenshot
//! of the consignment page is written to the test's temporary directory and, when
//! `TAMGA_SCREENSHOT_DIR` is set, copied there.

mod common;

use common::staff::{add_account, browser_login, browser_logout, staff_base, trust_flag};
use common::*;
use serde_json::{json, Value};
use std::path::Path;
use tamga_core::act::SealState;
use tamga_core::fixtures::Story;
use tamga_testkit::webdriver::{
    click_css, find, keep_screenshot, run_browser_test, texts, tools_present, type_into, value_of,
    wait_attr, wait_text, Client,
};

const PIN: &str = "staff-pin-2026";

// ------------------------------------------------------------------ the browser

/// Opens `route` on central at `base`, once the dashboard's navigation is there.
async fn goto(c: &Client, base: &str, route: &str) {
    tamga_testkit::webdriver::goto(
        c,
        &format!("{base}/{route}"),
        "header nav a[data-test=nav-consignments]",
    )
    .await;
}

// ------------------------------------------------------------------ central's API

/// Central's loopback API as the administration CLI reaches it (with the token): a link the
/// dashboard shows on the staff port is read there.
struct Api {
    client: reqwest::Client,
    ui: String,
    api: String,
}

impl Api {
    fn new(ui: &str, api: &str, token: &str) -> Api {
        let mut headers = reqwest::header::HeaderMap::new();
        headers.insert(
            tamga_central::admin::TOKEN_HEADER,
            reqwest::header::HeaderValue::from_str(token).unwrap(),
        );
        Api {
            client: reqwest::Client::builder()
                .default_headers(headers)
                .build()
                .unwrap(),
            ui: ui.to_owned(),
            api: api.to_owned(),
        }
    }

    fn get(&self, url: &str) -> reqwest::RequestBuilder {
        self.client.get(url.replacen(&self.ui, &self.api, 1))
    }
}

async fn get_json(http: &Api, url: &str) -> Value {
    let answer = http.get(url).send().await.unwrap();
    let status = answer.status();
    let text = answer.text().await.unwrap();
    assert!(status.is_success(), "GET {url}: {status} {text}");
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{url}: {e}: {text}"))
}

async fn get_text(http: &Api, url: &str) -> String {
    let answer = http.get(url).send().await.unwrap();
    assert!(
        answer.status().is_success(),
        "GET {url}: {}",
        answer.status()
    );
    answer.text().await.unwrap()
}

// ------------------------------------------------------------------ the test

/// What the browser should find, as central's API says it.
struct Expected {
    consignment: String,
    open: u64,
    discrepancy: String,
    proof: String,
    acts: usize,
    year: String,
}

#[test]
fn staff_follow_a_damaged_seal_to_its_resolution_and_read_the_kp_report_in_the_browser() {
    if !tools_present() {
        return;
    }
    let edge = edge_binary();
    let story = Story::new();
    let root = tempfile::tempdir().unwrap();
    let hq = root.path().join("hq");
    let post = root.path().join("post");

    let (authority, central_device) = init_central(&hq);
    let (server, url) = serve(&hq);
    let post_device = init_post(&edge, &post, &authority);
    enroll_story(&hq, &story);
    enroll_post_device(&hq, &post_device);
    let enrollment = root.path().join("enrollment.acts");
    must(
        Path::new(CENTRAL),
        &hq,
        &["enrollment", "--out", enrollment.to_str().unwrap()],
        "",
    );
    must(&edge, &post, &["record", enrollment.to_str().unwrap()], "");
    import_staff(&hq, &story, PIN);

    // The story up to the road, where the seal is found damaged and no incident is reported.
    let mut acts = story.clean_delivery()[..5].to_vec();
    let damaged = story.seal_checked(60, SealState::Damaged);
    acts.push(damaged.clone());
    let file = root.path().join("story.acts");
    write_acts(&file, &acts);
    must(&edge, &post, &["record", file.to_str().unwrap()], "");
    sync_post_with_central(&edge, &post, &url, &central_device);

    let http = central_http(&hq, &url);
    let id = story.consignment.as_str().to_owned();
    wait_for("central reconciles the consignment", || {
        http.get("/api/consignments")
            .as_array()
            .is_some_and(|rows| rows.iter().any(|r| r["consignment"] == id.as_str()))
    });
    let rows = http.get("/api/consignments");
    let open = rows[0]["open"].as_u64().unwrap();
    let queue = http.get("/api/discrepancies?kind=seal_damaged");
    assert_eq!(queue.as_array().unwrap().len(), 1, "{queue}");
    let expected = Expected {
        consignment: id.clone(),
        open,
        discrepancy: queue[0]["id"].as_str().unwrap().to_owned(),
        proof: damaged.id().to_hex(),
        acts: acts.len(),
        year: story.registration().body().at().to_rfc3339()[..4].to_owned(),
    };
    assert!(open >= 1, "{rows}");
    assert!(
        queue[0]["acts"]
            .as_array()
            .unwrap()
            .contains(&json!(expected.proof)),
        "the damaged seal check proves it: {queue}"
    );
    drop(http);

    add_account(
        &hq,
        "recon",
        "reconciliation",
        Some(story.central_staff.id.as_str()),
    );
    add_account(
        &hq,
        "super",
        "supervisor",
        Some(story.supervisor.id.as_str()),
    );
    let site = Site {
        ui: staff_base(&hq),
        api: url.clone(),
        token: admin_token(&hq),
        hq: hq.clone(),
    };
    let screenshot = root.path().join("central-consignment.png");
    let shot = &screenshot;
    run_browser_test(
        root.path(),
        "central",
        &[trust_flag(&hq)],
        |c, _| async move { steps(&c, &site, &story, &expected, shot).await },
    );
    keep_screenshot(&screenshot);
    drop(server);
}

/// Where the dashboard is (the staff port) and where the test reads central's API (loopback,
/// with the token).
struct Site {
    ui: String,
    api: String,
    token: String,
    hq: std::path::PathBuf,
}

async fn steps(c: &Client, site: &Site, story: &Story, x: &Expected, screenshot: &Path) {
    tamga_node::tls::install_provider();
    let base = site.ui.as_str();
    let api = site.api.as_str();
    let http = Api::new(base, api, &site.token);
    let id = x.consignment.as_str();
    let api_consignment = format!("{api}/api/consignments/{}", id.replace('/', "%2F"));

    // --- In English; the language is remembered. Reconciliation staff log in.
    c.goto(&format!("{base}/")).await.unwrap();
    c.execute("localStorage.setItem('tamga-central-lang', 'en');", vec![])
        .await
        .unwrap();
    c.refresh().await.unwrap();
    browser_login(c, &site.hq, "recon").await;

    // --- The consignments list: the consignment with its open discrepancies.
    let row = format!("tr[data-test=consignment-row][data-consignment=\"{id}\"]");
    wait_attr(
        c,
        &format!("{row} td[data-test=c-open]"),
        "data-open",
        &x.open.to_string(),
    )
    .await;
    let row_text = find(c, &row).await.text().await.unwrap();
    assert!(row_text.contains("ESCORT-BISHKEK"), "{row_text}");
    assert!(row_text.contains("in transit"), "{row_text}");

    // --- The consignment page: the chain and the timeline with the signers' names.
    click_css(c, &format!("{row} a")).await;
    wait_text(c, "#consignment-title", id).await;
    wait_attr(
        c,
        "#chain [data-test=chain-link]:last-child",
        "data-unit",
        "ESCORT-BISHKEK",
    )
    .await;
    let chain = texts(c, "#chain [data-test=chain-link]").await;
    assert_eq!(chain.len(), 2, "{chain:?}");
    assert!(chain[0].contains("MANAS-AIRPORT"), "{chain:?}");
    assert!(chain[0].contains(story.airport_officer.name), "{chain:?}");
    assert!(chain[1].contains(story.escort_lead.name), "{chain:?}");
    let timeline = texts(c, "#timeline tr[data-test=timeline-act]").await;
    assert_eq!(timeline.len(), x.acts, "{timeline:?}");
    let registered = find(
        c,
        "#timeline tr[data-kind=consignment_registered] [data-test=signers]",
    )
    .await
    .text()
    .await
    .unwrap();
    assert!(
        registered.contains("Aibek Asanov") && registered.contains("KG-0417"),
        "{registered}"
    );
    let handoff = find(
        c,
        "#timeline tr[data-kind=custody_transferred] [data-test=signers]",
    )
    .await
    .text()
    .await
    .unwrap();
    assert!(
        handoff.contains(story.airport_officer.name) && handoff.contains(story.escort_lead.name),
        "both sides sign a handoff: {handoff}"
    );
    let check = find(c, &format!("#act-{} [data-test=signers]", x.proof))
        .await
        .text()
        .await
        .unwrap();
    assert!(check.contains(story.escort_second.name), "{check}");
    let open_card = format!("#d-{}", x.discrepancy);
    wait_attr(c, &open_card, "data-state", "open").await;
    // Its EPCIS export, from the page's own link.
    let epcis = find(c, "a[data-test=epcis-link]")
        .await
        .prop("href")
        .await
        .unwrap()
        .unwrap();
    assert!(
        epcis.ends_with(&format!(
            "/api/export/epcis?consignment={}",
            id.replace('/', "%2F")
        )),
        "{epcis}"
    );
    let document = get_json(&http, &epcis).await;
    assert_eq!(document["type"], "EPCISDocument");
    let events = document["epcisBody"]["eventList"].as_array().unwrap();
    assert!(
        events
            .iter()
            .any(|e| e["tamga:actId"] == x.proof.as_str() && e["disposition"] == "non_conformant"),
        "the damaged seal is exported as a non-conformant inspection: {document}"
    );
    c.set_window_size(1280, 1500).await.unwrap();
    find(c, "#timeline").await;
    let png = c.screenshot().await.unwrap();
    assert!(png.starts_with(b"\x89PNG"), "a PNG screenshot");
    std::fs::write(screenshot, png).unwrap();
    c.set_window_size(1280, 900).await.unwrap();

    // --- The discrepancy queue: the damaged seal, with a link to the act that proves it.
    click_css(c, "header nav a[data-test=nav-discrepancies]").await;
    let card = format!(
        "[data-test=discrepancy][data-kind=seal_damaged]#d-{}",
        x.discrepancy
    );
    click_css(
        c,
        &format!("{card} a[data-test=proof][data-act=\"{}\"]", x.proof),
    )
    .await;
    find(c, &format!("#timeline tr#act-{}.target", x.proof)).await;
    let kind = find(c, &format!("#act-{} td b", x.proof))
        .await
        .text()
        .await
        .unwrap();
    assert_eq!(kind, "seal checked", "the act kind in words");
    c.back().await.unwrap();

    // --- Resolving with a wrong PIN: the error is shown, nothing is recorded.
    let reason = "Seal damaged in transit over rough road; goods recounted at the Department, 1 package intact. Report HQ-2026-131.";
    click_css(c, &format!("{card} details[data-test=resolve] summary")).await;
    let officer = find(c, &format!("{card} [data-test=resolve-officer]")).await;
    officer
        .select_by_value(story.central_staff.id.as_str())
        .await
        .unwrap();
    type_into(c, &format!("{card} [data-test=resolve-pin]"), "wrong-pin-1").await;
    type_into(c, &format!("{card} [data-test=resolve-reason]"), reason).await;
    click_css(c, &format!("{card} [data-test=resolve-submit]")).await;
    wait_text(c, &format!("{card} [data-test=resolve-error]"), "wrong PIN").await;
    assert_eq!(
        value_of(c, &format!("{card} [data-test=resolve-pin]")).await,
        ""
    );
    assert_eq!(
        value_of(c, &format!("{card} [data-test=resolve-reason]")).await,
        reason,
        "what was typed stays"
    );
    let after = get_json(&http, &api_consignment).await;
    assert_eq!(
        after["acts"].as_array().unwrap().len(),
        x.acts,
        "nothing recorded"
    );
    let still = get_json(&http, &format!("{api}/api/discrepancies?kind=seal_damaged")).await;
    assert_eq!(still.as_array().unwrap().len(), 1, "still open: {still}");

    // --- With the right PIN: a damaged seal is critical, so one signature leaves it pending,
    // visibly, for the supervisor named; nothing is recorded yet.
    find(c, &format!("{card} [data-test=two-person-note]")).await;
    let supervisor = find(c, &format!("{card} [data-test=resolve-supervisor]")).await;
    supervisor
        .select_by_value(story.supervisor.id.as_str())
        .await
        .unwrap();
    type_into(c, &format!("{card} [data-test=resolve-pin]"), PIN).await;
    click_css(c, &format!("{card} [data-test=resolve-submit]")).await;
    wait_text(c, "main > .page > [data-test=resolve-done]", "awaiting").await;
    wait_attr(c, &card, "data-state", "pending").await;
    let pending = find(c, &format!("{card} [data-test=pending]"))
        .await
        .text()
        .await
        .unwrap();
    assert!(pending.contains(story.supervisor.name), "{pending}");
    assert_eq!(
        get_json(&http, &api_consignment).await["acts"]
            .as_array()
            .unwrap()
            .len(),
        x.acts,
        "nothing recorded on one signature"
    );

    // --- The supervisor, logged in, countersigns: resolved, by whom, why.
    browser_logout(c).await;
    browser_login(c, &site.hq, "super").await;
    goto(c, base, "#/discrepancies").await;
    click_css(c, &format!("{card} details[data-test=countersign] summary")).await;
    type_into(c, &format!("{card} [data-test=countersign-pin]"), PIN).await;
    click_css(c, &format!("{card} [data-test=countersign-submit]")).await;
    // The queue reloads without the resolved discrepancy and says what was recorded.
    wait_text(c, "main > .page > [data-test=resolve-done]", "Resolved").await;
    let after = get_json(&http, &api_consignment).await;
    assert_eq!(
        after["acts"].as_array().unwrap().len(),
        x.acts + 1,
        "{after}"
    );
    goto(c, base, &format!("#/c/{}", id.replace('/', "%2F"))).await;
    let resolved = format!("#d-{}", x.discrepancy);
    wait_attr(c, &resolved, "data-state", "resolved").await;
    let resolution = find(c, &format!("{resolved} [data-test=resolution]"))
        .await
        .text()
        .await
        .unwrap();
    assert!(
        resolution.contains(story.central_staff.name),
        "{resolution}"
    );
    assert!(resolution.contains(story.supervisor.name), "{resolution}");
    assert!(resolution.contains("HQ-2026-131"), "{resolution}");
    assert!(resolution.contains("+06:00"), "{resolution}");
    find(c, "#timeline tr[data-kind=discrepancy_resolved]").await;

    // --- Reports: the KP statistics row of the story's year.
    click_css(c, "header nav a[data-test=nav-reports]").await;
    type_into(c, "#kp-form [data-test=from-year]", &x.year).await;
    type_into(c, "#kp-form [data-test=to-year]", &x.year).await;
    click_css(c, "#kp-form button[type=submit]").await;
    let kp_row = format!("#kp-volumes tr[data-test=kp-row][data-year=\"{}\"]", x.year);
    wait_text(
        c,
        &format!("{kp_row} [data-test=kp-import-volume]"),
        "1250.35",
    )
    .await;
    let value = find(c, &format!("{kp_row} [data-test=kp-import-value]")).await;
    assert_eq!(value.text().await.unwrap(), "1875525.00");
    let per_ct = find(c, &format!("{kp_row} [data-test=kp-import-per-ct]")).await;
    assert_eq!(per_ct.text().await.unwrap(), "1500.00");
    let kpc = find(c, &format!("#kp-certificates tr[data-year=\"{}\"]", x.year))
        .await
        .text()
        .await
        .unwrap();
    assert_eq!(
        kpc.split_whitespace().collect::<Vec<_>>(),
        [x.year.as_str(), "1", "-", "1"],
        "one KP certificate, for the import: {kpc}"
    );
    find(c, "#kp-report [data-test=skipped-none]").await;
    // Production: "-" (none recorded); the chart beside the tables, the story's import drawn.
    let production = find(c, &format!("{kp_row} [data-test=kp-production-volume]")).await;
    assert_eq!(production.text().await.unwrap(), "-");
    let bar = format!(
        "#kp-report figure.kp-chart svg g.panel[data-measure=volume_ct] g.year[data-year=\"{}\"] rect.bar[data-direction=import]",
        x.year
    );
    let bar = find(c, &bar).await;
    assert_eq!(
        bar.attr("data-value").await.unwrap().as_deref(),
        Some("1250.35")
    );
    let height: f64 = bar.attr("height").await.unwrap().unwrap().parse().unwrap();
    assert!(
        height > 100.0,
        "the year's only figure, most of the panel: {height}"
    );
    find(c, "#reconciliation-summary tr[data-heading=\"7102\"]").await;
    // The printable view and the CSV download of what is shown.
    let print = find(c, "a[data-test=kp-print]")
        .await
        .prop("href")
        .await
        .unwrap()
        .unwrap();
    let page = get_text(&http, &print).await;
    assert!(
        page.starts_with("<!doctype html>") && page.contains("1875525.00"),
        "{page}"
    );
    let csv_href = find(c, "a[data-test=kp-csv]")
        .await
        .prop("href")
        .await
        .unwrap()
        .unwrap();
    let csv = get_text(&http, &csv_href).await;
    assert!(
        csv.contains(&format!("\r\n{},-,-,-,1250.35,1875525.00,1500.00,", x.year)),
        "{csv}"
    );

    // --- The same page in Russian.
    click_css(c, "button[data-lang=ru]").await;
    wait_text(c, "main h1", "Отчёты и выгрузки").await;
    wait_text(c, "#kp-volumes caption", "необработанных алмазов").await;
    let ru_value = find(c, &format!("{kp_row} [data-test=kp-import-value]")).await;
    assert_eq!(ru_value.text().await.unwrap(), "1875525.00");
    let chart = find(c, "#kp-report figure.kp-chart svg").await;
    let label = chart.attr("aria-label").await.unwrap().unwrap_or_default();
    assert!(
        label.starts_with("Статистика Кимберлийского процесса"),
        "{label}"
    );
}

// ------------------------------------------------------------------ the legal record

#[test]
fn headquarters_read_a_refused_consignment_with_its_crew_incident_extension_and_correction() {
    use tamga_core::act::{Correction, IncidentKind, SealFields};
    use tamga_core::fixtures::DEPARTMENT;
    if !tools_present() {
        return;
    }
    let edge = edge_binary();
    let story = Story::new();
    let relief = Story::relief_officer();
    let root = tempfile::tempdir().unwrap();
    let hq = root.path().join("hq");
    let post = root.path().join("post");
    let (authority, central_device) = init_central(&hq);
    let (server, url) = serve(&hq);
    let post_device = init_post(&edge, &post, &authority);
    enroll_story(&hq, &story);
    enroll(&hq, &relief, "ESCORT-BISHKEK", "escort_officer");
    enroll_post_device(&hq, &post_device);
    let enrollment = root.path().join("enrollment.acts");
    must(
        Path::new(CENTRAL),
        &hq,
        &["enrollment", "--out", enrollment.to_str().unwrap()],
        "",
    );
    must(&edge, &post, &["record", enrollment.to_str().unwrap()], "");

    let mistyped = story.seal_applied_mistyped();
    let fix = story.correction(
        12,
        &story.airport_officer,
        &mistyped,
        Correction::SealApplied(SealFields {
            seal: Some(story.seal.clone()),
            ..SealFields::default()
        }),
        None,
    );
    let mut acts = vec![
        story.registration(),
        mistyped.clone(),
        fix.clone(),
        story.escort_assigned(),
    ];
    let h1 = story.handoff_to_escort(&acts);
    let change = story.crew_change(50);
    let accident = story.incident(55, IncidentKind::Accident);
    let extension = story.extension(60, &accident, 12 * 60);
    let h2 = story.transfer(
        story.transfer_body(
            105,
            DEPARTMENT,
            Some(h1.id()),
            &relief,
            &story.department_officer,
        ),
        &relief,
        &story.department_officer,
    );
    let refusal = story.refusal(110);
    acts.extend([
        h1,
        change.clone(),
        accident.clone(),
        extension.clone(),
        story.arrival(95, 100),
        h2,
        refusal.clone(),
    ]);
    // A second consignment registered with the story's KP certificate.
    let twin = tamga_core::fixtures::stream::registration(&story, 5);
    let file = root.path().join("story.acts");
    write_acts(
        &file,
        &[acts.as_slice(), std::slice::from_ref(&twin)].concat(),
    );
    must(&edge, &post, &["record", file.to_str().unwrap()], "");
    sync_post_with_central(&edge, &post, &url, &central_device);

    // Central's API first: the record as it stands.
    let http = central_http(&hq, &url);
    let id = story.consignment.as_str().to_owned();
    wait_for("central reconciles the refused consignment", || {
        http.get("/api/consignments?status=refused")
            .as_array()
            .is_some_and(|rows| rows.iter().any(|r| r["consignment"] == id.as_str()))
    });
    let view = http.get(&format!("/api/consignments/{}", encode_path(&id)));
    assert_eq!(view["acts"].as_array().unwrap().len(), acts.len(), "{view}");
    assert_eq!(view["assessment"]["rejected"], json!([]), "{view}");
    let legal = &view["legal"];
    assert_eq!(legal["outcome"]["type"], "refused", "{legal}");
    assert_eq!(legal["escort"]["officer_in_charge"]["name"], relief.name);
    assert_eq!(legal["escort"]["changes"][0]["act"], change.id().to_hex());
    assert_eq!(legal["open_incidents"], json!([accident.id().to_hex()]));
    assert_eq!(
        legal["deadline"]["extension"]["act"],
        extension.id().to_hex()
    );
    assert_eq!(legal["deadline"]["in_force"], "2026-11-23T18:00:00Z");
    assert_eq!(legal["deadline"]["registered"], "2026-11-23T14:00:00Z");
    assert_eq!(legal["corrections"][0]["act"], mistyped.id().to_hex());
    assert_eq!(
        legal["corrections"][0]["corrections"][0]["fields"],
        json!(["seal"])
    );
    assert_eq!(
        legal["corrections"][0]["original"]["seal"], "KG-0042173",
        "the original is kept as signed"
    );
    let kinds: Vec<String> = http
        .get("/api/discrepancies")
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["kind"].as_str().unwrap().to_owned())
        .collect();
    assert!(
        kinds.contains(&"delivery_refused".to_owned())
            && kinds.contains(&"incident_open".to_owned()),
        "{kinds:?}"
    );
    drop(http);

    add_account(&hq, "auditor", "auditor", None);
    let ui = staff_base(&hq);
    let ids = LegalIds {
        consignment: id,
        mistyped: mistyped.id().to_hex(),
        fix: fix.id().to_hex(),
        change: change.id().to_hex(),
        accident: accident.id().to_hex(),
        extension: extension.id().to_hex(),
        relief: relief.name,
        twin: tamga_core::fixtures::stream::consignment(5)
            .as_str()
            .to_owned(),
    };
    run_browser_test(
        root.path(),
        "central-legal",
        &[trust_flag(&hq)],
        |c, _| async move { legal_steps(&c, &ui, &hq, &ids).await },
    );
    drop(server);
}

struct LegalIds {
    consignment: String,
    mistyped: String,
    fix: String,
    change: String,
    accident: String,
    extension: String,
    relief: &'static str,
    twin: String,
}

async fn legal_steps(c: &Client, base: &str, hq: &Path, x: &LegalIds) {
    let id = x.consignment.as_str();
    c.goto(&format!("{base}/")).await.unwrap();
    c.execute("localStorage.setItem('tamga-central-lang', 'en');", vec![])
        .await
        .unwrap();
    c.refresh().await.unwrap();
    // An auditor reads it.
    browser_login(c, hq, "auditor").await;

    // The list, filtered by the new status.
    goto(c, base, "#/?status=refused").await;
    let row = format!("tr[data-test=consignment-row][data-consignment=\"{id}\"]");
    wait_attr(
        c,
        &format!("{row} td[data-test=c-status]"),
        "data-status",
        "refused",
    )
    .await;
    let row_text = find(c, &row).await.text().await.unwrap();
    assert!(row_text.contains("refused at destination"), "{row_text}");
    goto(c, base, "#/?status=returned").await;
    find(c, "#main p.muted").await;
    assert!(texts(c, "tr[data-test=consignment-row]").await.is_empty());

    // The consignment's page.
    goto(c, base, &format!("#/c/{}", id.replace('/', "%2F"))).await;
    wait_attr(c, "#outcome", "data-outcome", "refused").await;
    let outcome = find(c, "#outcome").await.text().await.unwrap();
    assert!(
        outcome.contains("refused at the office of destination")
            && outcome.contains("the consignee's licence was suspended on 2026-11-22"),
        "{outcome}"
    );
    let in_charge = find(c, "#escort [data-test=officer-in-charge]")
        .await
        .text()
        .await
        .unwrap();
    assert!(in_charge.contains(x.relief), "{in_charge}");
    let crew = texts(c, "#escort [data-test=crew-member]").await;
    assert_eq!(crew.len(), 2, "{crew:?}");
    let changes = texts(c, "#escort [data-test=escort-change]").await;
    assert_eq!(changes.len(), 1, "{changes:?}");
    assert!(
        changes[0].contains("the officer in charge fell ill"),
        "{changes:?}"
    );
    find(
        c,
        &format!(
            "#escort [data-test=escort-change][data-act=\"{}\"]",
            x.change
        ),
    )
    .await;
    let incident = find(
        c,
        &format!("[data-test=incident][data-act=\"{}\"]", x.accident),
    )
    .await;
    assert_eq!(
        incident.attr("data-open").await.unwrap().as_deref(),
        Some("yes")
    );
    let incident = incident.text().await.unwrap();
    assert!(
        incident.contains("accident") && incident.contains("Open"),
        "{incident}"
    );
    wait_attr(c, "#deadline", "data-extended", "yes").await;
    let deadline = find(c, "#deadline").await.text().await.unwrap();
    assert!(
        // 18:00 and 14:00 UTC, in central's zone (Asia/Bishkek) with the offset.
        deadline.contains("2026-11-24 00:00:00 +06:00")
            && deadline.contains("2026-11-23 20:00:00 +06:00")
            && deadline.contains("the vehicle must be repaired"),
        "{deadline}"
    );
    find(c, &format!("#deadline [data-act=\"{}\"]", x.extension)).await;
    // The overview names the zone the dashboard's times are in, whatever the browser's zone.
    let zone = find(c, "[data-test=time-zone]").await.text().await.unwrap();
    assert_eq!(zone, "Asia/Bishkek, UTC+06:00");
    let corrected = find(
        c,
        &format!("[data-test=corrected-act][data-act=\"{}\"]", x.mistyped),
    )
    .await
    .text()
    .await
    .unwrap();
    assert!(
        corrected.contains("seal applied")
            && corrected.contains("the original kept as signed")
            && corrected.contains("fields corrected: seal")
            && corrected.contains("KG-0042137"),
        "{corrected}"
    );
    find(
        c,
        &format!("[data-test=correction][data-act=\"{}\"]", x.fix),
    )
    .await;
    // The discrepancies name the new kinds in words.
    let kinds = texts(c, "[data-test=discrepancy]").await.join("\n");
    assert!(
        kinds.contains("delivery refused") && kinds.contains("incident not followed up"),
        "{kinds}"
    );

    // The same KP certificate on the twin: named on the story's page, listed across consignments.
    let shared = "[data-test=across][data-kind=kpc_on_two_consignments]";
    let twin = format!(
        "{shared} [data-test=across-consignment][data-consignment=\"{}\"]",
        x.twin
    );
    find(c, &twin).await;
    assert!(
        texts(
            c,
            &format!("{shared} [data-test=across-consignment][data-consignment=\"{id}\"]")
        )
        .await
        .is_empty(),
        "its own page lists the others"
    );
    // The duties past their end: nobody notified the Department of the story's diamonds
    // (registered on 23 November 2026) by the end of the next day in Bishkek.
    goto(c, base, "#/duties").await;
    let notice =
        format!("[data-test=duty][data-duty=department_notice][data-consignment=\"{id}\"]");
    let row = find(c, &notice).await.text().await.unwrap();
    assert!(
        row.contains("notice to the Department") && row.contains("2026-11-25 00:00:00 +06:00"),
        "{row}"
    );

    goto(c, base, "#/across").await;
    let card = find(c, shared).await.text().await.unwrap();
    assert!(
        card.contains("the same KP certificate") && card.contains("BE 0417733 (BE)"),
        "{card}"
    );
    find(c, &twin).await;
    find(
        c,
        &format!("{shared} [data-consignment=\"{id}\"] a[data-test=proof]"),
    )
    .await;
    wait_attr(c, "[data-test=overview-across]", "data-count", "1").await;

    // In Russian.
    c.execute("localStorage.setItem('tamga-central-lang', 'ru');", vec![])
        .await
        .unwrap();
    c.refresh().await.unwrap();
    wait_text(c, shared, "один сертификат КП").await;
    goto(c, base, &format!("#/c/{}", id.replace('/', "%2F"))).await;
    wait_text(c, "#outcome", "отказ в приёме таможней назначения").await;
    wait_text(c, "#escort", "Старший наряда").await;
    wait_text(c, "#main", "Общее с другими партиями").await;
}
