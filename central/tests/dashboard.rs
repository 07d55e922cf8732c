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
//! Needs `/usr/bin/chromium` and `/usr/bin/chromedriver` (Debian: `chromium chromium-driver`).
//! Without them the test says so and passes, unless `TAMGA_BROWSER_TEST=required`. A screenshot
//! of the consignment page is written to the test's temporary directory and, when
//! `TAMGA_SCREENSHOT_DIR` is set, copied there.

mod common;

use common::*;
use serde_json::{json, Value};
use std::path::Path;
use tamga_core::act::SealState;
use tamga_core::fixtures::Story;
use tamga_testkit::webdriver::{
    browser, click_css, find, keep_screenshot, start_chromedriver, texts, tools_present, type_into,
    value_of, wait_attr, wait_text, CatchUnwind, Client,
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

async fn get_json(http: &reqwest::Client, url: &str) -> Value {
    let answer = http.get(url).send().await.unwrap();
    let status = answer.status();
    let text = answer.text().await.unwrap();
    assert!(status.is_success(), "GET {url}: {status} {text}");
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{url}: {e}: {text}"))
}

async fn get_text(http: &reqwest::Client, url: &str) -> String {
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

    let http = Http::new(&url);
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

    let profile = root.path().join("chromium-profile");
    std::fs::create_dir_all(&profile).unwrap();
    let (driver, driver_port) = start_chromedriver();
    let screenshot = root.path().join("central-consignment.png");
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        let c = browser(driver_port, &profile).await;
        let outcome = CatchUnwind(Box::pin(steps(&c, &url, &story, &expected, &screenshot))).await;
        if let Err(panic) = outcome {
            let shot = root.path().join("central-failure.png");
            if let Ok(png) = c.screenshot().await {
                let _ = std::fs::write(&shot, png);
                keep_screenshot(&shot);
            }
            let _ = c.close().await;
            std::panic::resume_unwind(panic);
        }
        c.close().await.unwrap();
    });
    keep_screenshot(&screenshot);
    drop(driver);
    drop(server);
}

async fn steps(c: &Client, base: &str, story: &Story, x: &Expected, screenshot: &Path) {
    tamga_node::tls::install_provider();
    let http = reqwest::Client::new();
    let id = x.consignment.as_str();
    let api_consignment = format!("{base}/api/consignments/{}", id.replace('/', "%2F"));

    // --- In English; the language is remembered.
    c.goto(&format!("{base}/")).await.unwrap();
    c.execute("localStorage.setItem('tamga-central-lang', 'en');", vec![])
        .await
        .unwrap();
    c.refresh().await.unwrap();

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
    assert_eq!(kind, "seal_checked");
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
    let still = get_json(
        &http,
        &format!("{base}/api/discrepancies?kind=seal_damaged"),
    )
    .await;
    assert_eq!(still.as_array().unwrap().len(), 1, "still open: {still}");

    // --- With the right PIN: resolved, by whom, why.
    type_into(c, &format!("{card} [data-test=resolve-pin]"), PIN).await;
    click_css(c, &format!("{card} [data-test=resolve-submit]")).await;
    // The queue reloads without the resolved discrepancy and says what was recorded.
    wait_text(c, "main > [data-test=resolve-done]", "Resolved").await;
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
    assert!(resolution.contains("HQ-2026-131"), "{resolution}");
    assert!(resolution.contains("+00:00"), "{resolution}");
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
        csv.contains(&format!("\r\n{},1250.35,1875525.00,1500.00,", x.year)),
        "{csv}"
    );

    // --- The same page in Russian.
    click_css(c, "button[data-lang=ru]").await;
    wait_text(c, "main h1", "Отчёты и выгрузки").await;
    wait_text(c, "#kp-volumes caption", "необработанных алмазов").await;
    let ru_value = find(c, &format!("{kp_row} [data-test=kp-import-value]")).await;
    assert_eq!(ru_value.text().await.unwrap(), "1875525.00");
}
