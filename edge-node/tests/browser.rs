//! The officer's web UI in a real browser (headless Chromium driven over WebDriver), against two
//! real `tamga-edge` processes on loopback: a post node at the Manas airport and the escort
//! vehicle's node, set up as in `e2e.rs`.
//!
//! On the post's UI the officer assigns the escort (first with a wrong PIN: the error is shown,
//! what was typed stays, nothing is recorded), the vehicle syncs from its UI, the post hands the
//! consignment over to the escort lead and sends the offer over the LAN; on the vehicle's UI the
//! escort lead opens the incoming handoff, enters their own count, reviews it, sees no new
//! discrepancy, tries a wrong PIN (refused, nothing recorded), countersigns; then the vehicle
//! shows the consignment in transit with the escort, and the post shows the handoff completed.
//!
//! On a post node alone, before the first handoff, the officer corrects a mistyped seal number
//! with "Correct this act" and sees the correction in the timeline and the corrected seal in the
//! state; a seal-removal permit naming no seal is refused with the node's message.
//!
//! Needs `/usr/bin/chromium` and `/usr/bin/chromedriver` (Debian: `chromium chromium-driver`).
//! Without them the test says so and passes, unless `TAMGA_BROWSER_TEST=required`. A screenshot
//! of the vehicle's consignment page is written to the test's temporary directory and, when
//! `TAMGA_SCREENSHOT_DIR` is set, copied there.

use serde_json::Value;
use std::path::Path;
use std::time::Duration;
mod common;

use common::{add_peer, edge, import_officer, serve, write_acts};
use tamga_core::fixtures::{self, Story};
use tamga_testkit::webdriver::{
    click, click_css, find, keep_screenshot, page_text, run_browser_test, select, tools_present,
    type_into, value_of, visible_text, wait_attr, wait_text, Client, Locator,
};

const POST_PIN: &str = "417-airport";
const ESCORT_PIN: &str = "1120-escort";
/// The navigation every page of the officer's UI has.
const NAV: &str = "#nav a[data-test=nav-consignments]";

// ------------------------------------------------------------------ the nodes

/// The node's own view of a consignment, through its API.
async fn consignment_json(http: &reqwest::Client, base: &str, id: &str) -> Value {
    let url = format!("{base}/api/consignments/{}", id.replace('/', "%2F"));
    let text = http.get(&url).send().await.unwrap().text().await.unwrap();
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{url}: {e}: {text}"))
}

async fn act_count(http: &reqwest::Client, base: &str, id: &str) -> usize {
    consignment_json(http, base, id).await["acts"]
        .as_array()
        .map(Vec::len)
        .unwrap_or(0)
}

// ------------------------------------------------------------------ the browser

/// Opens `url` in English: the language is remembered per origin, so it is set once per node.
async fn open_in_english(c: &Client, base: &str, route: &str) {
    c.goto(&format!("{base}/")).await.unwrap();
    c.execute("localStorage.setItem('tamga.lang', 'en');", vec![])
        .await
        .unwrap();
    c.goto(&format!("{base}/{route}")).await.unwrap();
    c.refresh().await.unwrap();
    find(c, NAV).await;
}

/// Opens `route` on the node at `base`, once its navigation is there.
async fn goto(c: &Client, base: &str, route: &str) {
    tamga_testkit::webdriver::goto(c, &format!("{base}/{route}"), NAV).await;
}

fn hash_of(consignment: &str) -> String {
    format!("#/c/{}", consignment.replace('/', "%2F"))
}

// ------------------------------------------------------------------ the test

#[test]
fn an_officer_hands_custody_over_from_the_post_to_the_escort_in_the_browser() {
    if !tools_present() {
        return;
    }
    let story = Story::new();
    let root = tempfile::tempdir().unwrap();
    let post_dir = root.path().join("post");
    let vehicle_dir = root.path().join("vehicle");
    let post_key = common::init(
        &post_dir,
        &story,
        "post",
        fixtures::AIRPORT_POST,
        "127.0.0.1:0",
    );
    let vehicle_key = common::init(
        &vehicle_dir,
        &story,
        "vehicle",
        fixtures::ESCORT_UNIT,
        "127.0.0.1:0",
    );

    // Central's enrollment file, recorded on both nodes.
    let mut registry = story.registry_acts();
    registry.push(story.device_enrollment(&post_key, fixtures::AIRPORT_POST, "airport post PC"));
    registry.push(story.device_enrollment(
        &vehicle_key,
        fixtures::ESCORT_UNIT,
        "escort vehicle tablet",
    ));
    let enrollment = root.path().join("enrollment.acts");
    write_acts(&enrollment, &registry);
    for dir in [&post_dir, &vehicle_dir] {
        let (ok, out, err) = edge(dir, &["record", enrollment.to_str().unwrap()]);
        assert!(ok, "{out}{err}");
    }

    // The post registered and sealed the diamonds.
    let acts = root.path().join("story.acts");
    write_acts(&acts, &[story.registration(), story.seal_applied()]);
    let (ok, out, err) = edge(&post_dir, &["record", acts.to_str().unwrap()]);
    assert!(ok, "{out}{err}");

    // Each officer's key on their own device.
    import_officer(&post_dir, &story.airport_officer, POST_PIN);
    import_officer(&vehicle_dir, &story.escort_lead, ESCORT_PIN);

    // Each node is the other's peer. Peers are read when a node starts, so the vehicle starts,
    // the post learns its address and starts, and the vehicle restarts on the same address
    // knowing the post's.
    let (mut vehicle, vehicle_address) = serve(&vehicle_dir, None, "vehicle node");
    add_peer(
        &post_dir,
        "escort vehicle",
        &format!("http://{vehicle_address}"),
        &vehicle_key,
    );
    let (post, post_address) = serve(&post_dir, None, "post node");
    vehicle.stop();
    drop(vehicle);
    add_peer(
        &vehicle_dir,
        "airport post",
        &format!("http://{post_address}"),
        &post_key,
    );
    let (vehicle, again) = serve(&vehicle_dir, Some(&vehicle_address), "vehicle node");
    assert_eq!(again, vehicle_address);

    let screenshot = root.path().join("vehicle-consignment.png");
    let (post_url, vehicle_url) = (
        format!("http://{post_address}"),
        format!("http://{vehicle_address}"),
    );
    let shot = &screenshot;
    run_browser_test(root.path(), "vehicle", &[], |c, _| async move {
        steps(&c, &story, &post_url, &vehicle_url, shot).await
    });
    keep_screenshot(&screenshot);
    drop(post);
    drop(vehicle);
}

/// The officers' steps in the browser.
async fn steps(c: &Client, story: &Story, post: &str, vehicle: &str, screenshot: &Path) {
    tamga_node::tls::install_provider();
    let http = reqwest::Client::new();
    let id = story.consignment.as_str();
    let consignment_row = format!("tr[data-test=consignment-row][data-consignment='{id}']");
    c.set_window_size(1280, 900).await.unwrap();

    // --- The post: the consignment is in the list, registered, held by the airport post.
    open_in_english(c, post, "#/").await;
    wait_attr(
        c,
        &format!("{consignment_row} [data-test=c-status]"),
        "data-status",
        "registered",
    )
    .await;
    let custodian = find(c, &format!("{consignment_row} [data-test=c-custodian]")).await;
    assert_eq!(custodian.text().await.unwrap(), fixtures::AIRPORT_POST);
    let deadline = find(c, &format!("{consignment_row} [data-test=c-deadline]")).await;
    // The story's deadline, 14:00 UTC, in the post's zone (Asia/Bishkek by default) with its
    // offset, whatever zone the browser's machine is set to.
    assert_eq!(
        deadline.text().await.unwrap(),
        "2026-11-23 20:00:00 +06:00",
        "the deadline is local time with its offset"
    );
    // Times typed in the node's zone become UTC for the act; an offset or Z typed is honoured.
    for (typed, act) in [
        ("2026-11-23T14:30", "2026-11-23T08:30:00Z"),
        ("2026-11-23T14:30:05", "2026-11-23T08:30:05Z"),
        ("2026-11-23T14:30:00+05:00", "2026-11-23T09:30:00Z"),
        ("2026-11-23T08:30:00Z", "2026-11-23T08:30:00Z"),
    ] {
        let got = c
            .execute(
                "return window.TamgaTime.toActTime(arguments[0]);",
                vec![Value::from(typed)],
            )
            .await
            .unwrap();
        assert_eq!(got, Value::from(act), "{typed}");
    }
    let label = c
        .execute("return window.TamgaTime.label();", vec![])
        .await
        .unwrap();
    assert_eq!(label, Value::from("Asia/Bishkek, UTC+06:00"));
    let unit = visible_text(c, "[data-test=hdr-unit]").await;
    assert!(unit.contains(fixtures::AIRPORT_POST), "{unit}");

    // The language switch is remembered.
    select(c, "#lang", "ru").await;
    let nav = visible_text(c, "[data-test=nav-consignments]").await;
    assert_eq!(nav, "Партии");
    c.refresh().await.unwrap();
    assert_eq!(
        visible_text(c, "[data-test=nav-consignments]").await,
        "Партии"
    );
    select(c, "#lang", "en").await;
    assert_eq!(
        visible_text(c, "[data-test=nav-consignments]").await,
        "Consignments"
    );

    // The header's counts come with the list's first page; a filter asks for its page alone
    // (`counts=false`), and the header keeps the counts it has.
    let total = visible_text(c, "[data-test=count-total]").await;
    assert!(total.starts_with("1 held"), "{total}");
    select(c, "[data-test=filter-status]", "delivered").await;
    // Both drawn with the filtered page, so read at once (waiting longer would see the list's
    // 15-second refresh, which counts).
    let none = find(c, "[data-test=no-consignments]").await;
    assert_eq!(
        none.text().await.unwrap(),
        "No consignment matches the filter."
    );
    let kept = c
        .find(Locator::Css("[data-test=count-total]"))
        .await
        .expect("the header's counts are still shown");
    assert_eq!(kept.text().await.unwrap(), total);
    select(c, "[data-test=filter-status]", "").await;
    find(c, &consignment_row).await;

    // --- The post assigns the escort; a wrong PIN first.
    click_css(
        c,
        &format!("{consignment_row} [data-test=open-consignment]"),
    )
    .await;
    wait_attr(c, "[data-test=state-status]", "data-status", "registered").await;
    // The duty to notify the Department of the diamonds (registered on 23 November) is past
    // its end; the officer gives the notice from its form, and the duty shows as done.
    let duty = "[data-test=duty][data-duty=department_notice]";
    wait_attr(c, duty, "data-overdue", "true").await;
    click_css(c, "[data-test=action-department_notified]").await;
    find(c, "form#act-form[data-kind=department_notified]").await;
    type_into(c, "[data-test=reference]", "Notice 417/11").await;
    select(c, "[data-test=officer]", story.airport_officer.id.as_str()).await;
    type_into(c, "[data-test=pin]", POST_PIN).await;
    click_css(c, "form#act-form [data-test=submit]").await;
    find(c, "#view > [data-test=flash]").await;
    wait_attr(c, duty, "data-done", "true").await;
    click_css(c, "[data-test=action-escort_assigned]").await;
    find(c, "form#act-form[data-kind=escort_assigned]").await;
    select(c, "select[name=escort_unit]", fixtures::ESCORT_UNIT).await;
    type_into(c, "input[name=vehicle]", "01 KG 777 ABC").await;
    select(
        c,
        "[data-test=officer-in-charge]",
        story.escort_lead.id.as_str(),
    )
    .await;
    let second = find(
        c,
        &format!("input[name='crew.{}']", story.escort_second.id.as_str()),
    )
    .await;
    click(c, &second).await;
    select(c, "[data-test=officer]", story.airport_officer.id.as_str()).await;
    let before = act_count(&http, post, id).await;
    type_into(c, "[data-test=pin]", "not-the-pin").await;
    click_css(c, "form#act-form [data-test=submit]").await;
    let error = visible_text(c, "form#act-form [data-test=form-error]").await;
    assert!(!error.is_empty());
    assert_eq!(
        act_count(&http, post, id).await,
        before,
        "a wrong PIN records nothing"
    );
    assert_eq!(
        value_of(c, "input[name=vehicle]").await,
        "01 KG 777 ABC",
        "what the officer typed is kept after an error"
    );
    type_into(c, "[data-test=pin]", POST_PIN).await;
    click_css(c, "form#act-form [data-test=submit]").await;
    find(c, "#view > [data-test=flash]").await;
    let escort = visible_text(c, "[data-test=escort-unit]").await;
    assert_eq!(escort, fixtures::ESCORT_UNIT);
    assert_eq!(act_count(&http, post, id).await, before + 1);

    // --- The vehicle syncs from its UI and now holds the consignment.
    open_in_english(c, vehicle, "#/sync").await;
    let unit = visible_text(c, "[data-test=hdr-unit]").await;
    assert!(unit.contains(fixtures::ESCORT_UNIT), "{unit}");
    click_css(c, "[data-test=sync-now]").await;
    let job = wait_attr(c, "[data-test=job]", "data-finished", "true").await;
    assert_eq!(
        job.attr("data-outcome").await.unwrap().as_deref(),
        Some("ok"),
        "sync: {}",
        page_text(c).await
    );
    goto(c, vehicle, "#/").await;
    wait_attr(
        c,
        &format!("{consignment_row} [data-test=c-status]"),
        "data-status",
        "in_transit",
    )
    .await;

    // --- The post hands over to the escort lead, over the LAN.
    goto(c, post, &hash_of(id)).await;
    click_css(c, "[data-test=action-handover]").await;
    find(c, "form#offer-form").await;
    // Prefilled from what the post knows; the officer confirms it.
    assert_eq!(
        value_of(c, "[data-test=count-seal]").await,
        story.seal.as_str()
    );
    assert_eq!(value_of(c, "[data-test=count-seal-state]").await, "intact");
    assert_eq!(value_of(c, "[data-test=count-packages]").await, "1");
    assert_eq!(value_of(c, "[data-test=count-mass]").await, "0.412");
    assert_eq!(value_of(c, "[data-test=count-mass-unit]").await, "kg");
    click_css(c, "[data-test=confirm-count]").await;
    select(c, "[data-test=receiving-unit]", fixtures::ESCORT_UNIT).await;
    select(
        c,
        "[data-test=receiving-officer]",
        story.escort_lead.id.as_str(),
    )
    .await;
    select(c, "[data-test=send-to]", "escort vehicle").await;
    select(c, "[data-test=officer]", story.airport_officer.id.as_str()).await;
    type_into(c, "[data-test=pin]", POST_PIN).await;
    click_css(c, "form#offer-form [data-test=submit]").await;
    wait_attr(c, "[data-test=offer-sent]", "data-sent", "true").await;
    wait_attr(c, "[data-test=offer-state]", "data-state", "open").await;
    let offer_page = c.current_url().await.unwrap();

    // --- The vehicle: the incoming handoff, the escort lead's own count, review, countersign.
    goto(c, vehicle, "#/offers").await;
    let row = format!(
        "tr[data-test=offer-row][data-direction=incoming][data-consignment='{id}'][data-state=open]"
    );
    click_css(c, &format!("{row} [data-test=open-offer]")).await;
    find(c, "form#count-form").await;
    assert_eq!(
        value_of(c, "[data-test=count-seal]").await,
        "",
        "the receiving officer's count is not prefilled from the offer"
    );
    assert_eq!(value_of(c, "[data-test=count-packages]").await, "");
    type_into(c, "[data-test=count-seal]", story.seal.as_str()).await;
    select(c, "[data-test=count-seal-state]", "intact").await;
    type_into(c, "[data-test=count-packages]", "1").await;
    type_into(c, "[data-test=count-mass]", "0.412").await;
    select(c, "[data-test=count-mass-unit]", "kg").await;
    assert_eq!(
        value_of(c, "form#count-form [data-test=officer]").await,
        story.escort_lead.id.as_str()
    );
    click_css(c, "[data-test=review]").await;
    find(c, "#countersign-form").await;
    assert!(
        c.find(Locator::Css("[data-test=no-new-discrepancies]"))
            .await
            .is_ok(),
        "the review says the handoff adds no discrepancy: {}",
        page_text(c).await
    );
    assert!(
        c.find_all(Locator::Css("[data-test=new-discrepancy]"))
            .await
            .unwrap()
            .is_empty(),
        "the handoff adds no discrepancy"
    );
    // What is already open on the consignment is shown too; with the story's fixed deadline
    // and today's clock that can only be the delivery deadline passing, and the notice to the
    // Department given today for diamonds registered on 23 November.
    for d in c
        .find_all(Locator::Css(
            "[data-test=review-discrepancies] [data-test=discrepancy]",
        ))
        .await
        .unwrap()
    {
        let kind = d.attr("data-kind").await.unwrap().unwrap_or_default();
        assert!(
            kind == "overdue" || kind == "duty_late",
            "{kind}: {}",
            d.text().await.unwrap()
        );
    }
    wait_attr(c, "[data-test=review-status]", "data-status", "in_transit").await;
    let custodian_after = visible_text(c, "[data-test=review-custodian]").await;
    assert_eq!(custodian_after, fixtures::ESCORT_UNIT);

    // A wrong PIN: the node's error, verbatim, and nothing recorded.
    let before = act_count(&http, vehicle, id).await;
    type_into(c, "#countersign-form [data-test=pin]", "not-the-pin").await;
    click_css(c, "[data-test=countersign]").await;
    let error = visible_text(c, "#countersign-form [data-test=form-error]").await;
    assert!(!error.is_empty());
    assert_eq!(
        act_count(&http, vehicle, id).await,
        before,
        "a wrong PIN records nothing"
    );
    assert_eq!(value_of(c, "[data-test=count-mass]").await, "0.412");

    type_into(c, "#countersign-form [data-test=pin]", ESCORT_PIN).await;
    click_css(c, "[data-test=countersign]").await;
    wait_attr(c, "[data-test=countersign-result]", "data-returned", "true").await;
    find(c, "[data-test=returned]").await;
    assert_eq!(act_count(&http, vehicle, id).await, before + 1);

    // --- What the escort lead sees now: in transit, held by the escort.
    click_css(
        c,
        "[data-test=countersign-result] [data-test=open-consignment]",
    )
    .await;
    wait_attr(c, "[data-test=state-status]", "data-status", "in_transit").await;
    wait_attr(
        c,
        "[data-test=state-custodian]",
        "data-unit",
        fixtures::ESCORT_UNIT,
    )
    .await;
    let shown = consignment_json(&http, vehicle, id).await;
    assert_eq!(
        shown["assessment"]["state"]["custodian"]["unit"],
        fixtures::ESCORT_UNIT
    );
    find(
        c,
        "[data-test=act][data-kind=custody_transferred][data-holds=true]",
    )
    .await;
    // The whole page, as tall as it is (within reason), at a tablet's width.
    let height = c
        .execute("return document.documentElement.scrollHeight;", vec![])
        .await
        .unwrap()
        .as_u64()
        .unwrap_or(2000)
        .clamp(900, 4000);
    c.set_window_size(1280, height as u32).await.unwrap();
    tokio::time::sleep(Duration::from_millis(300)).await;
    let png = c.screenshot().await.unwrap();
    assert!(png.starts_with(b"\x89PNG"), "a PNG screenshot");
    std::fs::write(screenshot, png).unwrap();
    c.set_window_size(1280, 900).await.unwrap();

    // --- And the post sees the handoff completed.
    c.goto(offer_page.as_str()).await.unwrap();
    c.refresh().await.unwrap();
    wait_attr(c, "[data-test=offer-state]", "data-state", "completed").await;
    find(c, "[data-test=handoff-completed]").await;
    goto(c, post, &hash_of(id)).await;
    wait_attr(
        c,
        "[data-test=state-custodian]",
        "data-unit",
        fixtures::ESCORT_UNIT,
    )
    .await;
}

// ------------------------------------------------------------------ a correction in the browser

/// At the airport post, before the first handoff, the officer opens the consignment, uses
/// "Correct this act" on the seal applied with a mistyped number, types the right number and
/// the PIN; the timeline shows the correction under the seal applied, and the seals show the
/// corrected number on the goods and the mistyped one gone. A permit for a seal removal that
/// names no seal is refused with the node's message, the form kept, nothing recorded.
#[test]
fn an_officer_corrects_a_mistyped_seal_number_in_the_browser() {
    if !tools_present() {
        return;
    }
    let story = Story::new();
    let root = tempfile::tempdir().unwrap();
    let post_dir = root.path().join("post");
    let post_key = common::init(
        &post_dir,
        &story,
        "post",
        fixtures::AIRPORT_POST,
        "127.0.0.1:0",
    );
    let mut registry = story.registry_acts();
    registry.push(story.device_enrollment(&post_key, fixtures::AIRPORT_POST, "airport post PC"));
    let enrollment = root.path().join("enrollment.acts");
    write_acts(&enrollment, &registry);
    let (ok, out, err) = edge(&post_dir, &["record", enrollment.to_str().unwrap()]);
    assert!(ok, "{out}{err}");
    // Registered and sealed, the seal's number mistyped (KG-0042173 for KG-0042137).
    let mistyped = story.seal_applied_mistyped();
    let acts = root.path().join("story.acts");
    write_acts(&acts, &[story.registration(), mistyped.clone()]);
    let (ok, out, err) = edge(&post_dir, &["record", acts.to_str().unwrap()]);
    assert!(ok, "{out}{err}");
    import_officer(&post_dir, &story.airport_officer, POST_PIN);
    let (post, post_address) = serve(&post_dir, None, "post node");

    let base = format!("http://{post_address}");
    let seal_act = mistyped.id().to_hex();
    run_browser_test(root.path(), "correction", &[], |c, _| async move {
        correction_steps(&c, &story, &base, &seal_act).await
    });
    post.stop_cleanly();
}

async fn correction_steps(c: &Client, story: &Story, post: &str, seal_act: &str) {
    tamga_node::tls::install_provider();
    let http = reqwest::Client::new();
    let id = story.consignment.as_str();
    let seal_row = |seal: &str| format!("tr[data-test=seal-row][data-seal='{seal}']");
    c.set_window_size(1280, 900).await.unwrap();

    // --- The consignment as recorded: registered, the mistyped seal on the goods.
    open_in_english(c, post, &hash_of(id)).await;
    wait_attr(c, "[data-test=state-status]", "data-status", "registered").await;
    wait_attr(c, &seal_row("KG-0042173"), "data-status", "active").await;

    // --- "Correct this act" on the seal applied: the form names that act.
    let seal_item = format!("li[data-test=act][data-kind=seal_applied][data-act='{seal_act}']");
    click_css(c, &format!("{seal_item} [data-test=correct-act]")).await;
    find(c, "form#act-form[data-kind=act_corrected]").await;
    assert_eq!(value_of(c, "[data-test=corrects]").await, seal_act);
    type_into(c, "[data-test=fix-seal]", "KG-0042137").await;
    type_into(c, "[data-test=reason]", "mistyped when recorded").await;
    select(c, "[data-test=officer]", story.airport_officer.id.as_str()).await;
    let before = act_count(&http, post, id).await;
    type_into(c, "[data-test=pin]", POST_PIN).await;
    click_css(c, "form#act-form [data-test=submit]").await;
    let flash = visible_text(c, "#view > [data-test=flash]").await;
    assert!(flash.starts_with("Recorded:"), "{flash}");
    assert_eq!(act_count(&http, post, id).await, before + 1);

    // --- The timeline: the correction recorded, and shown under the act it corrects, which
    // stays as signed.
    wait_attr(c, &seal_row("KG-0042137"), "data-status", "active").await;
    find(
        c,
        "li[data-test=act][data-kind=act_corrected][data-holds=true]",
    )
    .await;
    let correction = wait_text(
        c,
        &format!("{seal_item} [data-test=corrections] [data-test=correction]"),
        "KG-0042137",
    )
    .await;
    assert!(
        correction.contains("mistyped when recorded"),
        "{correction}"
    );
    // --- The state: the corrected number on the goods, the mistyped one nowhere.
    assert!(
        c.find_all(Locator::Css(&seal_row("KG-0042173")))
            .await
            .unwrap()
            .is_empty(),
        "the mistyped number is no seal of the consignment: {}",
        page_text(c).await
    );
    let shown = consignment_json(&http, post, id).await;
    let state = &shown["assessment"]["state"];
    assert_eq!(state["seals"]["KG-0042137"]["status"], "active", "{shown}");
    assert!(state["seals"].get("KG-0042173").is_none(), "{shown}");
    assert_eq!(
        state["corrections"][seal_act].as_array().map(Vec::len),
        Some(1),
        "{shown}"
    );

    // --- A permit for a seal removal naming no seal: the node's message, nothing recorded,
    // the form as typed.
    click_css(c, "[data-test=action-permission_granted]").await;
    find(c, "form#act-form[data-kind=permission_granted]").await;
    select(c, "[data-test=permit-type]", "seal_removal").await;
    let offered = find(c, "[data-test=permit-seal]").await;
    assert!(
        !offered.is_selected().await.unwrap(),
        "no seal ticked by default"
    );
    type_into(
        c,
        "[data-test=reason]",
        "the seal is to come off for an inspection",
    )
    .await;
    select(c, "[data-test=officer]", story.airport_officer.id.as_str()).await;
    let before = act_count(&http, post, id).await;
    type_into(c, "[data-test=pin]", POST_PIN).await;
    click_css(c, "form#act-form [data-test=submit]").await;
    let error = visible_text(c, "form#act-form [data-test=form-error]").await;
    assert!(error.contains("permits.seals"), "{error}");
    assert_eq!(
        act_count(&http, post, id).await,
        before,
        "a permit naming no seal records nothing"
    );
    assert_eq!(
        value_of(c, "[data-test=reason]").await,
        "the seal is to come off for an inspection"
    );
    assert_eq!(value_of(c, "[data-test=permit-type]").await, "seal_removal");
}
