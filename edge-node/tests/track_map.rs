//! The road on the map of the officer's web UI, in a real browser (headless Chromium over
//! WebDriver), against a real `tamga-edge` post node at the Manas airport.
//!
//! The post holds the registry with the seal operator enrolled and both posts registered with
//! their coordinates, and the story's tracked trip bent 5 km off the corridor for five minutes
//! with the navigation seal reporting itself opened on the detour. Its consignment page, in
//! Russian, draws the map: the corridor's band, both posts labelled, a circle for each position
//! of the node's view (`GET /api/consignments/{id}/track`) with exactly those outside the
//! corridor in the alert colour, the seal-opened marker; and lists under it the route deviation
//! and the seal opened in Russian, and the seal's events in local time. A consignment with no
//! corridor and no position says there is no track.
//!
//! Needs `/usr/bin/chromium` and `/usr/bin/chromedriver` (Debian: `chromium chromium-driver`).
//! Without them the test says so and passes, unless `TAMGA_BROWSER_TEST=required`. A screenshot
//! of the map is written to the test's temporary directory and, when `TAMGA_SCREENSHOT_DIR` is
//! set, copied there.

use serde_json::Value;
use std::path::Path;
mod common;

use common::{edge, serve, write_acts};
use tamga_core::fixtures::road::Road;
use tamga_core::fixtures::{self, Story};
use tamga_testkit::webdriver::{
    find, keep_screenshot, run_browser_test, tools_present, Client, Locator,
};

/// The navigation every page of the officer's UI has.
const NAV: &str = "#nav a[data-test=nav-consignments]";

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

fn hash_of(consignment: &str) -> String {
    format!("#/c/{}", consignment.replace('/', "%2F"))
}

#[test]
fn the_consignment_page_draws_the_detour_and_the_opened_seal_on_the_map() {
    if !tools_present() {
        return;
    }
    let story = Story::new();
    let road = Road::new(&story);
    let root = tempfile::tempdir().unwrap();
    let post = root.path().join("post");
    let device = common::init(&post, &story, "post", fixtures::AIRPORT_POST, "127.0.0.1:0");
    // The registry: the story's, the seal operator and both posts on the map.
    let mut registry = story.registry_acts();
    registry.extend(road.registry_acts());
    registry.push(story.device_enrollment(&device, fixtures::AIRPORT_POST, "airport post PC"));
    let file = root.path().join("registry.acts");
    write_acts(&file, &registry);
    let (ok, out, err) = edge(&post, &["record", file.to_str().unwrap()]);
    assert!(ok, "{out}{err}");
    // The tracked trip with its detour and the seal opened on it.
    let file = root.path().join("trip.acts");
    write_acts(&file, &road.detour());
    let (ok, out, err) = edge(&post, &["record", file.to_str().unwrap()]);
    assert!(ok, "{out}{err}");

    let (node, address) = serve(&post, None, "post node");
    let base = format!("http://{address}");
    let screenshot = root.path().join("track-map.png");
    let shot = &screenshot;
    let story = &story;
    run_browser_test(root.path(), "post", &[], |c, _| async move {
        steps(&c, story, &base, shot).await
    });
    keep_screenshot(&screenshot);
    drop(node);
}

async fn steps(c: &Client, story: &Story, base: &str, screenshot: &Path) {
    tamga_node::tls::install_provider();
    let id = story.consignment.as_str();
    let http = reqwest::Client::new();
    let url = format!("{base}/api/consignments/{}/track", id.replace('/', "%2F"));
    let text = http.get(&url).send().await.unwrap().text().await.unwrap();
    let view: Value = serde_json::from_str(&text).unwrap_or_else(|e| panic!("{url}: {e}: {text}"));
    let positions = view["positions"].as_array().unwrap();
    let outside: Vec<u64> = (0..positions.len() as u64)
        .filter(|i| positions[*i as usize]["outside"] == true)
        .collect();
    // Five fixes of the vehicle and the seal's own, off the corridor.
    assert_eq!(outside.len(), 6, "{view}");
    assert_eq!(positions.len(), 67);
    assert_eq!(view["thinned"], false);

    c.set_window_size(1280, 1000).await.unwrap();
    c.goto(&format!("{base}/")).await.unwrap();
    c.execute("localStorage.setItem('tamga.lang', 'ru');", vec![])
        .await
        .unwrap();
    c.goto(&format!("{base}/{}", hash_of(id))).await.unwrap();
    c.refresh().await.unwrap();
    find(c, NAV).await;
    find(c, "[data-test=track-map]").await;
    let drawn = c.execute(READ_MAP, vec![]).await.unwrap();

    assert_eq!(drawn["circles"], positions.len(), "{drawn}");
    assert_eq!(drawn["alert"], serde_json::json!(outside), "{drawn}");
    assert_ne!(
        drawn["alert_fill"], drawn["plain_fill"],
        "the alert colour is the style sheet's: {drawn}"
    );
    // The corridor's band: 2 km wide, drawn as wide as 2 km is at the map's scale.
    let band = drawn["band"].as_f64().unwrap();
    assert!(band > 10.0, "{drawn}");
    assert_ne!(drawn["band_opacity"], "1", "a translucent band: {drawn}");
    assert_eq!(
        drawn["posts"],
        serde_json::json!([fixtures::AIRPORT_POST, fixtures::DEPARTMENT]),
        "{drawn}"
    );
    assert_eq!(drawn["opened"], 1, "{drawn}");
    assert!(drawn["scale"].as_str().unwrap().ends_with(" км"), "{drawn}");

    // The findings under the map, in Russian.
    let findings = drawn["findings"].as_array().unwrap();
    assert_eq!(findings.len(), 2, "{drawn}");
    assert_eq!(findings[0][0], "seal_opened");
    let opened = findings[0][1].as_str().unwrap();
    assert!(
        opened.contains("Навигационная пломба NS-7700123 сообщила о вскрытии"),
        "{opened}"
    );
    assert_eq!(findings[1][0], "route_deviation");
    let deviation = findings[1][1].as_str().unwrap();
    assert!(
        deviation.contains("Отклонение от коридора")
            && deviation.contains("6 отметок местоположения с "),
        "{deviation}"
    );
    // The seal's events in the node's local time (Asia/Bishkek, +06:00).
    let events = drawn["events"].as_array().unwrap();
    let kinds: Vec<&str> = events.iter().map(|e| e[0].as_str().unwrap()).collect();
    assert_eq!(kinds, ["armed", "opened", "disarmed"], "{drawn}");
    let opened_event = events[1][1].as_str().unwrap();
    assert!(
        opened_event.contains("2026-11-23 12:52:00 +06:00") && opened_event.contains("вскрыта"),
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

#[test]
fn an_untracked_consignment_says_it_has_no_track() {
    if !tools_present() {
        return;
    }
    let story = Story::new();
    let root = tempfile::tempdir().unwrap();
    let post = root.path().join("post");
    common::init(&post, &story, "post", fixtures::AIRPORT_POST, "127.0.0.1:0");
    let file = root.path().join("story.acts");
    let mut acts = story.registry_acts();
    acts.extend([story.registration(), story.seal_applied()]);
    write_acts(&file, &acts);
    let (ok, out, err) = edge(&post, &["record", file.to_str().unwrap()]);
    assert!(ok, "{out}{err}");
    let (node, address) = serve(&post, None, "post node");
    let base = format!("http://{address}");
    let id = story.consignment.as_str().to_owned();
    run_browser_test(root.path(), "untracked", &[], |c, _| async move {
        c.goto(&format!("{base}/")).await.unwrap();
        c.execute("localStorage.setItem('tamga.lang', 'en');", vec![])
            .await
            .unwrap();
        c.goto(&format!("{base}/{}", hash_of(&id))).await.unwrap();
        c.refresh().await.unwrap();
        let none = find(&c, "[data-test=track-none]").await;
        assert_eq!(
            none.text().await.unwrap(),
            "No track: no corridor was set and no position was reported."
        );
        assert!(c.find(Locator::Css("[data-test=track-map]")).await.is_err());
    });
    drop(node);
}
