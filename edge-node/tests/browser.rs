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
//! Needs `/usr/bin/chromium` and `/usr/bin/chromedriver` (Debian: `chromium chromium-driver`).
//! Without them the test says so and passes, unless `TAMGA_BROWSER_TEST=required`. A screenshot
//! of the vehicle's consignment page is written to the test's temporary directory and, when
//! `TAMGA_SCREENSHOT_DIR` is set, copied there.

use fantoccini::elements::Element;
use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::{json, Value};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};
mod common;

use common::{add_peer, edge, free_port, import_officer, serve, write_acts, Running};
use tamga_core::fixtures::{self, Story};

const CHROMIUM: &str = "/usr/bin/chromium";
const CHROMEDRIVER: &str = "/usr/bin/chromedriver";
const POST_PIN: &str = "417-airport";
const ESCORT_PIN: &str = "1120-escort";
const WAIT: Duration = Duration::from_secs(30);

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

fn start_chromedriver() -> (Running, u16) {
    let port = free_port();
    let child = Command::new(CHROMEDRIVER)
        .arg(format!("--port={port}"))
        .arg("--allowed-ips=127.0.0.1")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("chromedriver starts");
    let driver = Running {
        child,
        what: "chromedriver",
    };
    let start = Instant::now();
    while TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(
            start.elapsed() < Duration::from_secs(20),
            "chromedriver did not listen on port {port}"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    (driver, port)
}

async fn browser(driver_port: u16, profile: &Path) -> Client {
    let mut caps = serde_json::Map::new();
    caps.insert(
        "goog:chromeOptions".into(),
        json!({
            "binary": CHROMIUM,
            "args": [
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--disable-dev-shm-usage",
                format!("--user-data-dir={}", profile.display()),
            ],
        }),
    );
    let connector = hyper_util::client::legacy::connect::HttpConnector::new();
    ClientBuilder::new(connector)
        .capabilities(caps)
        .connect(&format!("http://127.0.0.1:{driver_port}"))
        .await
        .expect("a WebDriver session")
}

async fn find(c: &Client, css: &str) -> Element {
    match c.wait().at_most(WAIT).for_element(Locator::Css(css)).await {
        Ok(el) => el,
        Err(e) => {
            let text = page_text(c).await;
            panic!("no element {css}: {e}; the page says:\n{text}")
        }
    }
}

/// Clicks, scrolling the element to the middle of the screen first (the header is sticky).
async fn click(c: &Client, el: &Element) {
    c.execute(
        "arguments[0].scrollIntoView({block: 'center', inline: 'nearest'});",
        vec![serde_json::to_value(el).unwrap()],
    )
    .await
    .unwrap();
    el.click().await.unwrap();
}

async fn click_css(c: &Client, css: &str) {
    let el = find(c, css).await;
    click(c, &el).await;
}

async fn type_into(c: &Client, css: &str, text: &str) {
    let el = find(c, css).await;
    el.clear().await.unwrap();
    el.send_keys(text).await.unwrap();
}

async fn select(c: &Client, css: &str, value: &str) {
    let el = find(c, css).await;
    let start = Instant::now();
    // Options may arrive a moment after the select itself.
    loop {
        match el.select_by_value(value).await {
            Ok(()) => return,
            Err(e) if start.elapsed() > WAIT => panic!("{css}: no option {value}: {e}"),
            Err(_) => tokio::time::sleep(Duration::from_millis(200)).await,
        }
    }
}

/// Waits until `css` matches an element whose attribute `attr` is `value`.
async fn wait_attr(c: &Client, css: &str, attr: &str, value: &str) -> Element {
    let start = Instant::now();
    let mut last = None;
    loop {
        if let Ok(el) = c.find(Locator::Css(css)).await {
            match el.attr(attr).await {
                Ok(Some(v)) if v == value => return el,
                Ok(v) => last = v,
                Err(_) => {}
            }
        }
        if start.elapsed() > WAIT {
            let text = page_text(c).await;
            panic!("{css}[{attr}] is {last:?}, not {value:?}; the page says:\n{text}");
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

/// Waits until a visible element matching `css` has text, and returns it.
async fn visible_text(c: &Client, css: &str) -> String {
    let start = Instant::now();
    loop {
        for el in c.find_all(Locator::Css(css)).await.unwrap_or_default() {
            if el.is_displayed().await.unwrap_or(false) {
                let text = el.text().await.unwrap_or_default();
                if !text.trim().is_empty() {
                    return text;
                }
            }
        }
        if start.elapsed() > WAIT {
            let text = page_text(c).await;
            panic!("nothing visible at {css}; the page says:\n{text}");
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

async fn page_text(c: &Client) -> String {
    match c.find(Locator::Css("body")).await {
        Ok(body) => body.text().await.unwrap_or_default(),
        Err(_) => String::new(),
    }
}

async fn value_of(c: &Client, css: &str) -> String {
    find(c, css)
        .await
        .prop("value")
        .await
        .unwrap()
        .unwrap_or_default()
}

/// Opens `url` in English: the language is remembered per origin, so it is set once per node.
async fn open_in_english(c: &Client, base: &str, route: &str) {
    c.goto(&format!("{base}/")).await.unwrap();
    c.execute("localStorage.setItem('tamga.lang', 'en');", vec![])
        .await
        .unwrap();
    c.goto(&format!("{base}/{route}")).await.unwrap();
    c.refresh().await.unwrap();
    find(c, "#nav a[data-test=nav-consignments]").await;
}

async fn goto(c: &Client, base: &str, route: &str) {
    c.goto(&format!("{base}/{route}")).await.unwrap();
    find(c, "#nav a[data-test=nav-consignments]").await;
}

fn hash_of(consignment: &str) -> String {
    format!("#/c/{}", consignment.replace('/', "%2F"))
}

// ------------------------------------------------------------------ the test

fn tools_present() -> bool {
    let required = std::env::var("TAMGA_BROWSER_TEST").as_deref() == Ok("required");
    let missing: Vec<&str> = [CHROMIUM, CHROMEDRIVER]
        .into_iter()
        .filter(|p| !Path::new(p).exists())
        .collect();
    if missing.is_empty() {
        return true;
    }
    let message = format!(
        "browser test skipped: {} not found (Debian: apt-get install chromium chromium-driver)",
        missing.join(" and ")
    );
    assert!(!required, "{message}, and TAMGA_BROWSER_TEST=required");
    eprintln!("{message}");
    false
}

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

    let profile = root.path().join("chromium-profile");
    std::fs::create_dir_all(&profile).unwrap();
    let (driver, driver_port) = start_chromedriver();
    let screenshot = root.path().join("vehicle-consignment.png");

    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        let c = browser(driver_port, &profile).await;
        let outcome = drive(
            &c,
            &story,
            &format!("http://{post_address}"),
            &format!("http://{vehicle_address}"),
            &screenshot,
        )
        .await;
        if let Err(panic) = outcome {
            let shot = root.path().join("failure.png");
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
    drop(post);
    drop(vehicle);
}

fn keep_screenshot(path: &Path) {
    if let Ok(dir) = std::env::var("TAMGA_SCREENSHOT_DIR") {
        let dir = PathBuf::from(dir);
        std::fs::create_dir_all(&dir).unwrap();
        let to = dir.join(path.file_name().unwrap());
        std::fs::copy(path, &to).unwrap();
        eprintln!("screenshot: {}", to.display());
    }
}

/// The officers' steps; a failed step panics, and the panic is handed back so the caller can
/// take a screenshot of what the browser showed.
async fn drive(
    c: &Client,
    story: &Story,
    post: &str,
    vehicle: &str,
    screenshot: &Path,
) -> Result<(), Box<dyn std::any::Any + Send>> {
    use futures_like::CatchUnwind;
    CatchUnwind(Box::pin(steps(c, story, post, vehicle, screenshot))).await
}

async fn steps(c: &Client, story: &Story, post: &str, vehicle: &str, screenshot: &Path) {
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
    assert!(
        deadline.text().await.unwrap().ends_with("+00:00"),
        "the deadline names its offset"
    );
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

    // --- The post assigns the escort; a wrong PIN first.
    click_css(
        c,
        &format!("{consignment_row} [data-test=open-consignment]"),
    )
    .await;
    wait_attr(c, "[data-test=state-status]", "data-status", "registered").await;
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
    // and today's clock that can only be the delivery deadline passing.
    for d in c
        .find_all(Locator::Css(
            "[data-test=review-discrepancies] [data-test=discrepancy]",
        ))
        .await
        .unwrap()
    {
        let kind = d.attr("data-kind").await.unwrap().unwrap_or_default();
        assert_eq!(kind, "overdue", "{}", d.text().await.unwrap());
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

/// Catching a panic inside an async block, without an extra dependency.
mod futures_like {
    use std::future::Future;
    use std::panic::AssertUnwindSafe;
    use std::pin::Pin;
    use std::task::{Context, Poll};

    pub struct CatchUnwind<'a>(pub Pin<Box<dyn Future<Output = ()> + 'a>>);

    impl Future for CatchUnwind<'_> {
        type Output = Result<(), Box<dyn std::any::Any + Send>>;

        fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
            let inner = &mut self.0;
            match std::panic::catch_unwind(AssertUnwindSafe(|| inner.as_mut().poll(cx))) {
                Ok(Poll::Pending) => Poll::Pending,
                Ok(Poll::Ready(())) => Poll::Ready(Ok(())),
                Err(panic) => Poll::Ready(Err(panic)),
            }
        }
    }
}
