//! The road on the map of central's dashboard, in a real browser (headless Chromium over
//! WebDriver), against a real `tamga-central` and a real `tamga-edge` post node that synced
//! with it.
//!
//! Central enrolls the story's officers, the navigation seal operator and the post's device, and
//! registers both posts with their coordinates (`tamga-central register-post --coordinates`,
//! through the running server). The post records the enrollment file and the story's tracked
//! trip bent 5 km off the corridor for five minutes with the navigation seal reporting itself
//! opened on the detour, and syncs with central. The track is served on the staff port to an
//! auditor behind the gate and on loopback with the token, the same view. In the browser, in
//! Kyrgyz, the consignment page draws the map: the corridor's band, both posts labelled, a circle
//! for each position of the view with exactly those outside the corridor in the alert colour of
//! the style sheet (the CSP allows no inline style), the seal-opened marker; and lists the seal
//! opened and the route deviation in Kyrgyz, and the seal's events in central's local time.
//!
//! Needs `/usr/bin/chromium` and `/usr/bin/chromedriver` (Debian: `chromium chromium-driver`).
//! Without them the test says so and passes, unless `TAMGA_BROWSER_TEST=required`. A screenshot
//! of the map is written to the test's temporary directory and, when `TAMGA_SCREENSHOT_DIR` is
//! set, copied there.

mod common;

use common::staff::{add_account, browser_login, code_of, staff_base, trust_flag, Staff, PASSWORD};
use common::*;
use serde_json::{json, Value};
use std::path::Path;
use tamga_core::fixtures::road::{Road, SEAL_OPERATOR_UNIT, WAYPOINTS};
use tamga_core::fixtures::{Story, AIRPORT_POST, DEPARTMENT};
use tamga_testkit::webdriver::{
    find, keep_screenshot, run_browser_test, tools_present, wait_text, Client,
};

/// What the page's map shows, read in the browser.
const READ_MAP: &str = r#"
const map = document.querySelector('[data-test=track-map]');
const circles = [...map.querySelectorAll('circle[data-test=track-position]')];
const alert = circles.filter((c) => c.classList.contains('alert'));
const plain = circles.filter((c) => !c.classList.contains('alert'));
const band = map.querySelector('[data-test=track-band]');
return {
  circles: circles.length,
  alert: alert.map((c) => Number(c.dataset.index)),
  alert_fill: alert.length ? getComputedStyle(alert[0]).fill : null,
  plain_fill: plain.length ? getComputedStyle(plain[0]).fill : null,
  band: band ? Number(band.getAttribute('stroke-width')) : null,
  band_opacity: band ? getComputedStyle(band).strokeOpacity : null,
  posts: [...map.querySelectorAll('[data-test=track-post] text')].map((t) => t.textContent),
  opened: map.querySelectorAll('[data-test=track-seal-event-marker][data-kind=opened].alert').length,
  scale: map.querySelector('[data-test=track-scale] text').textContent,
  findings: [...document.querySelectorAll('[data-test=track-finding]')].map((li) => [li.dataset.kind, li.textContent]),
  events: [...document.querySelectorAll('[data-test=track-seal-event]')].map((li) => [li.dataset.kind, li.textContent]),
};
"#;

#[test]
fn staff_see_the_detour_and_the_opened_seal_on_the_consignment_map() {
    if !tools_present() {
        return;
    }
    let edge = edge_binary();
    let story = Story::new();
    let road = Road::new(&story);
    let root = tempfile::tempdir().unwrap();
    let hq = root.path().join("hq");
    let post = root.path().join("post");

    let (authority, central_device) = init_central(&hq);
    let (server, url) = serve(&hq);
    let post_device = init_post(&edge, &post, &authority);
    enroll_story(&hq, &story);
    enroll_post_device(&hq, &post_device);
    enroll(&hq, &road.operator, SEAL_OPERATOR_UNIT, "seal_operator");
    for (unit, name, (lat, lon)) in [
        (AIRPORT_POST, "Manas airport post", WAYPOINTS[0]),
        (DEPARTMENT, "Precious Metals Department", WAYPOINTS[4]),
    ] {
        let coordinates = format!("{lat},{lon}");
        must(
            Path::new(CENTRAL),
            &hq,
            &[
                "register-post",
                "--post",
                unit,
                "--name",
                name,
                "--coordinates",
                &coordinates,
            ],
            "",
        );
    }
    let enrollment = root.path().join("enrollment.acts");
    must(
        Path::new(CENTRAL),
        &hq,
        &["enrollment", "--out", enrollment.to_str().unwrap()],
        "",
    );
    must(&edge, &post, &["record", enrollment.to_str().unwrap()], "");
    let trip = root.path().join("trip.acts");
    write_acts(&trip, &road.detour());
    must(&edge, &post, &["record", trip.to_str().unwrap()], "");
    sync_post_with_central(&edge, &post, &url, &central_device);

    // The view on loopback, with the token, once central holds the trip.
    let http = central_http(&hq, &url);
    let path = format!(
        "/api/consignments/{}/track",
        encode_path(story.consignment.as_str())
    );
    wait_for("central holds the trip", || {
        let (status, text) = http.get_text(&path);
        status == 200
            && serde_json::from_str::<Value>(&text)
                .is_ok_and(|v| v["positions"].as_array().is_some_and(|p| p.len() == 67))
    });
    let view = http.get(&path);
    assert_eq!(view["thinned"], false);
    let posts: Vec<(&str, bool)> = view["posts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| (p["unit"].as_str().unwrap(), p["coordinates"].is_object()))
        .collect();
    assert_eq!(posts, [(AIRPORT_POST, true), (DEPARTMENT, true)], "{view}");

    // On the staff port, behind the gate: an auditor may read it, the same road.
    add_account(&hq, "audit", "auditor", None);
    let mut staff = Staff::new(&hq);
    let login = staff.login("audit", PASSWORD, &code_of(&hq, "audit", 0));
    assert_eq!(login.status, 200, "{}", login.text());
    let answer = staff.get(&path);
    assert_eq!(answer.status, 200, "{}", answer.text());
    let on_staff_port = answer.json();
    assert_eq!(on_staff_port["positions"], view["positions"]);
    assert_eq!(on_staff_port["findings"], view["findings"]);
    assert!(answer
        .header("content-security-policy")
        .is_some_and(|csp| csp.contains("style-src 'self'")));

    add_account(
        &hq,
        "recon",
        "reconciliation",
        Some(story.central_staff.id.as_str()),
    );
    let base = staff_base(&hq);
    let screenshot = root.path().join("central-track-map.png");
    let (shot, hq_dir, view) = (&screenshot, &hq, &view);
    let id = story.consignment.as_str().to_owned();
    run_browser_test(
        root.path(),
        "central-track",
        &[trust_flag(&hq)],
        |c, _| async move { steps(&c, &base, hq_dir, &id, view, shot).await },
    );
    keep_screenshot(&screenshot);
    drop(server);
}

async fn steps(c: &Client, base: &str, hq: &Path, id: &str, view: &Value, screenshot: &Path) {
    let positions = view["positions"].as_array().unwrap();
    let outside: Vec<u64> = (0..positions.len() as u64)
        .filter(|i| positions[*i as usize]["outside"] == true)
        .collect();
    assert_eq!(outside.len(), 6, "{view}");

    c.set_window_size(1280, 1000).await.unwrap();
    c.goto(&format!("{base}/")).await.unwrap();
    c.execute("localStorage.setItem('tamga-central-lang', 'ky');", vec![])
        .await
        .unwrap();
    c.refresh().await.unwrap();
    browser_login(c, hq, "recon").await;
    c.goto(&format!("{base}/#/c/{}", encode_path(id)))
        .await
        .unwrap();
    wait_text(c, "#consignment-title", id).await;
    find(c, "[data-test=track-map]").await;
    let drawn = c.execute(READ_MAP, vec![]).await.unwrap();

    assert_eq!(drawn["circles"], positions.len(), "{drawn}");
    assert_eq!(drawn["alert"], json!(outside), "{drawn}");
    assert_ne!(
        drawn["alert_fill"], drawn["plain_fill"],
        "the alert colour is the style sheet's: {drawn}"
    );
    assert!(drawn["band"].as_f64().unwrap() > 10.0, "{drawn}");
    assert_ne!(drawn["band_opacity"], "1", "a translucent band: {drawn}");
    assert_eq!(drawn["posts"], json!([AIRPORT_POST, DEPARTMENT]), "{drawn}");
    assert_eq!(drawn["opened"], 1, "{drawn}");
    assert!(drawn["scale"].as_str().unwrap().ends_with(" км"), "{drawn}");

    // The findings under the map, in Kyrgyz.
    let findings = drawn["findings"].as_array().unwrap();
    assert_eq!(findings.len(), 2, "{drawn}");
    assert_eq!(findings[0][0], "seal_opened");
    let opened = findings[0][1].as_str().unwrap();
    assert!(
        opened.contains("NS-7700123 навигациялык пломбасы")
            && opened.contains("ачылганын билдирди"),
        "{opened}"
    );
    assert_eq!(findings[1][0], "route_deviation");
    let deviation = findings[1][1].as_str().unwrap();
    assert!(
        deviation.contains("Коридордон четтөө")
            && deviation.contains("6 жайгашкан жер коридордон тышкары"),
        "{deviation}"
    );
    // The seal's events in central's local time (Asia/Bishkek, +06:00).
    let events = drawn["events"].as_array().unwrap();
    let kinds: Vec<&str> = events.iter().map(|e| e[0].as_str().unwrap()).collect();
    assert_eq!(kinds, ["armed", "opened", "disarmed"], "{drawn}");
    let opened_event = events[1][1].as_str().unwrap();
    assert!(
        opened_event.contains("2026-11-23 12:52:00 +06:00") && opened_event.contains("ачылды"),
        "{opened_event}"
    );

    let png = find(c, "[data-test=track-map]")
        .await
        .screenshot()
        .await
        .unwrap();
    assert!(png.starts_with(b"\x89PNG"), "a PNG screenshot");
    std::fs::write(screenshot, png).unwrap();
}
