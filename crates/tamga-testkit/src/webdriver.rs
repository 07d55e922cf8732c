//! A real browser for the UI tests: Debian's headless Chromium driven over WebDriver
//! (`/usr/bin/chromium`, `/usr/bin/chromedriver`; `apt-get install chromium chromium-driver`),
//! through fantoccini. Behind the `webdriver` feature, so fantoccini builds only for the tests
//! that use it.
//!
//! [`tools_present`] says whether both are installed; without them a browser test says so and
//! passes, unless `TAMGA_BROWSER_TEST=required` (as in CI), where it fails. [`start_chromedriver`]
//! runs the driver on a free port, [`browser`] opens a session, and the element helpers wait up
//! to [`WAIT`] for what they look for, panicking with the page's text when it does not come.

use crate::ports::free_port;
use crate::process::Proc;
use serde_json::json;
use std::future::Future;
use std::net::TcpStream;
use std::panic::AssertUnwindSafe;
use std::path::{Path, PathBuf};
use std::pin::Pin;
use std::process::{Command, Stdio};
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

pub use fantoccini::elements::Element;
pub use fantoccini::{Client, Locator};

/// Debian's Chromium.
pub const CHROMIUM: &str = "/usr/bin/chromium";
/// Debian's ChromeDriver.
pub const CHROMEDRIVER: &str = "/usr/bin/chromedriver";
/// How long the helpers wait for an element, an attribute or a text.
pub const WAIT: Duration = Duration::from_secs(30);

/// Whether Chromium and ChromeDriver are installed. When they are not: panics if
/// `TAMGA_BROWSER_TEST=required`, else says on standard error that the test is skipped.
pub fn tools_present() -> bool {
    crate::tools::present(
        "browser",
        "TAMGA_BROWSER_TEST",
        &[CHROMIUM, CHROMEDRIVER],
        "apt-get install chromium chromium-driver",
    )
}

/// ChromeDriver on a free loopback port, once it accepts connections: the process (stopped
/// when dropped) and its port.
pub fn start_chromedriver() -> (Proc, u16) {
    let port = free_port();
    let driver = Proc::spawn(
        Command::new(CHROMEDRIVER)
            .arg(format!("--port={port}"))
            .arg("--allowed-ips=127.0.0.1")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null()),
        "chromedriver",
    );
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

/// The flags Chromium runs with: headless, no sandbox (root in CI), nothing that reaches out
/// (sync, updates, background networking), 1280×900, and its profile in `profile`.
pub fn chromium_args(profile: &Path) -> Vec<String> {
    [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--disable-dev-shm-usage",
        "--window-size=1280,900",
    ]
    .into_iter()
    .map(str::to_owned)
    .chain([format!("--user-data-dir={}", profile.display())])
    .collect()
}

/// A WebDriver session with headless Chromium ([`chromium_args`]) through the driver on
/// `driver_port`.
pub async fn browser(driver_port: u16, profile: &Path) -> Client {
    browser_with(driver_port, profile, &[]).await
}

/// [`browser`] with more Chromium flags (say, the one certificate key to trust:
/// `--ignore-certificate-errors-spki-list=<base64 SHA-256 of its SubjectPublicKeyInfo>`).
pub async fn browser_with(driver_port: u16, profile: &Path, extra: &[String]) -> Client {
    let mut args = chromium_args(profile);
    args.extend(extra.iter().cloned());
    let mut caps = serde_json::Map::new();
    caps.insert(
        "goog:chromeOptions".into(),
        json!({ "binary": CHROMIUM, "args": args }),
    );
    let connector = hyper_util::client::legacy::connect::HttpConnector::new();
    fantoccini::ClientBuilder::new(connector)
        .capabilities(caps)
        .connect(&format!("http://127.0.0.1:{driver_port}"))
        .await
        .expect("a WebDriver session")
}

/// The text of the page's body (empty when there is none).
pub async fn page_text(c: &Client) -> String {
    match c.find(Locator::Css("body")).await {
        Ok(body) => body.text().await.unwrap_or_default(),
        Err(_) => String::new(),
    }
}

/// The element `css` finds, waiting for it.
pub async fn find(c: &Client, css: &str) -> Element {
    match c.wait().at_most(WAIT).for_element(Locator::Css(css)).await {
        Ok(el) => el,
        Err(e) => {
            let text = page_text(c).await;
            panic!("no element {css}: {e}; the page says:\n{text}")
        }
    }
}

async fn scroll_and_click(c: &Client, el: &Element) -> Result<(), fantoccini::error::CmdError> {
    c.execute(
        "arguments[0].scrollIntoView({block: 'center', inline: 'nearest'});",
        vec![serde_json::to_value(el).expect("an element as JSON")],
    )
    .await?;
    el.click().await
}

/// Clicks `el`, scrolling it to the middle of the screen first (headers may be sticky).
pub async fn click(c: &Client, el: &Element) {
    if let Err(e) = scroll_and_click(c, el).await {
        panic!("clicking an element: {e}");
    }
}

/// Clicks the element `css` finds, as [`click`]. When the page re-draws the element between
/// finding and clicking it (the old one is then stale), it is found again.
pub async fn click_css(c: &Client, css: &str) {
    let deadline = Instant::now() + WAIT;
    loop {
        let el = find(c, css).await;
        match scroll_and_click(c, &el).await {
            Ok(()) => return,
            Err(e) if e.to_string().contains("stale element") && Instant::now() < deadline => {}
            Err(e) => panic!("clicking {css}: {e}"),
        }
    }
}

/// Clears the field `css` finds and types `text` into it.
pub async fn type_into(c: &Client, css: &str, text: &str) {
    let el = find(c, css).await;
    el.clear().await.unwrap();
    el.send_keys(text).await.unwrap();
}

/// Chooses the file at `path` (absolute) in the file input `css` finds, as a person picking it
/// in the file dialog would: WebDriver sends the path as the input's keys, and the page gets its
/// `change` event.
pub async fn choose_file(c: &Client, css: &str, path: &Path) {
    assert!(
        path.is_absolute(),
        "a file input takes an absolute path, not {}",
        path.display()
    );
    let el = find(c, css).await;
    let text = path.to_str().expect("a UTF-8 path");
    if let Err(e) = el.send_keys(text).await {
        panic!("choosing {text} in {css}: {e}");
    }
}

/// Selects `value` in the select `css` finds, waiting for the option (options may arrive a
/// moment after the select itself).
pub async fn select(c: &Client, css: &str, value: &str) {
    let el = find(c, css).await;
    let start = Instant::now();
    loop {
        match el.select_by_value(value).await {
            Ok(()) => return,
            Err(e) if start.elapsed() > WAIT => panic!("{css}: no option {value}: {e}"),
            Err(_) => tokio::time::sleep(Duration::from_millis(200)).await,
        }
    }
}

/// The `value` property of the field `css` finds.
pub async fn value_of(c: &Client, css: &str) -> String {
    find(c, css)
        .await
        .prop("value")
        .await
        .unwrap()
        .unwrap_or_default()
}

/// Waits until `css` matches an element whose attribute `attr` is `value`, and returns it.
pub async fn wait_attr(c: &Client, css: &str, attr: &str, value: &str) -> Element {
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

/// Waits until the text of the element at `css` contains `wanted`, and returns it.
pub async fn wait_text(c: &Client, css: &str, wanted: &str) -> String {
    let start = Instant::now();
    let mut last = String::new();
    loop {
        if let Ok(el) = c.find(Locator::Css(css)).await {
            last = el.text().await.unwrap_or_default();
            if last.contains(wanted) {
                return last;
            }
        }
        if start.elapsed() > WAIT {
            let text = page_text(c).await;
            panic!("{css} says {last:?}, not {wanted:?}; the page says:\n{text}");
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

/// Waits until a visible element matching `css` has text, and returns it.
pub async fn visible_text(c: &Client, css: &str) -> String {
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

/// The texts of every element `css` matches now.
pub async fn texts(c: &Client, css: &str) -> Vec<String> {
    let mut out = Vec::new();
    for el in c.find_all(Locator::Css(css)).await.unwrap() {
        out.push(el.text().await.unwrap());
    }
    out
}

/// Opens `url` and waits for `ready` (an element every page of the app has) to be there.
pub async fn goto(c: &Client, url: &str, ready: &str) {
    c.goto(url).await.unwrap();
    find(c, ready).await;
}

/// Copies the screenshot at `path` into `TAMGA_SCREENSHOT_DIR`, when that is set.
pub fn keep_screenshot(path: &Path) {
    if let Ok(dir) = std::env::var("TAMGA_SCREENSHOT_DIR") {
        let dir = PathBuf::from(dir);
        std::fs::create_dir_all(&dir).unwrap();
        let to = dir.join(path.file_name().unwrap());
        std::fs::copy(path, &to).unwrap();
        eprintln!("screenshot: {}", to.display());
    }
}

/// Runs a browser test: a ChromeDriver on a free port, a Chromium session with its profile in
/// `dir` and the `extra` flags, and `steps(client, driver_port)` on a runtime of its own. When
/// the steps panic, what the browser showed is kept as `dir/<name>-failure.png`
/// ([`keep_screenshot`]), the session is closed and the panic goes on.
pub fn run_browser_test<F: Future<Output = ()>>(
    dir: &Path,
    name: &str,
    extra: &[String],
    steps: impl FnOnce(Client, u16) -> F,
) {
    let profile = dir.join(format!("{name}-chromium-profile"));
    std::fs::create_dir_all(&profile).expect("a browser profile directory");
    let (driver, driver_port) = start_chromedriver();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("a runtime");
    runtime.block_on(async {
        let c = browser_with(driver_port, &profile, extra).await;
        let outcome = CatchUnwind(Box::pin(steps(c.clone(), driver_port))).await;
        if let Err(panic) = outcome {
            let shot = dir.join(format!("{name}-failure.png"));
            if let Ok(png) = c.screenshot().await {
                let _ = std::fs::write(&shot, png);
                keep_screenshot(&shot);
            }
            let _ = c.close().await;
            std::panic::resume_unwind(panic);
        }
        c.close().await.expect("the browser session closes");
    });
    drop(driver);
}

/// A test's steps, with a panic inside them caught and handed back (so the caller can take a
/// screenshot of what the browser showed, close the session, and resume the panic).
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

/// Adds a virtual authenticator to the browser `c` (driven by the ChromeDriver on
/// `driver_port`), through WebDriver's WebAuthn extension: a CTAP2 security key on USB with
/// user verification and resident keys, that answers every ceremony at once as if its owner
/// had touched it and given their PIN. Returns its id.
pub async fn add_virtual_authenticator(c: &Client, driver_port: u16) -> String {
    let (status, answer) = webauthn_command(
        c,
        driver_port,
        "authenticator",
        &json!({
            "protocol": "ctap2",
            "transport": "usb",
            "hasResidentKey": true,
            "hasUserVerification": true,
            "isUserConsenting": true,
            "isUserVerified": true,
        }),
    )
    .await;
    assert_eq!(status, 200, "adding a virtual authenticator: {answer}");
    answer["value"]
        .as_str()
        .expect("the authenticator's id")
        .to_owned()
}

/// Removes the virtual authenticator `id` (its owner has left with the key).
pub async fn remove_virtual_authenticator(c: &Client, driver_port: u16, id: &str) {
    let session = c
        .session_id()
        .await
        .expect("a session")
        .expect("a session id");
    let http = crate::http::Http::new(&format!("127.0.0.1:{driver_port}"));
    let answer = http.send(
        "DELETE",
        &format!("/session/{session}/webauthn/authenticator/{id}"),
        &[],
        &[],
    );
    assert_eq!(answer.status, 200, "removing the virtual authenticator");
}

async fn webauthn_command(
    c: &Client,
    driver_port: u16,
    path: &str,
    body: &serde_json::Value,
) -> (u16, serde_json::Value) {
    let session = c
        .session_id()
        .await
        .expect("a session")
        .expect("a session id");
    let http = crate::http::Http::new(&format!("127.0.0.1:{driver_port}"));
    http.post(&format!("/session/{session}/webauthn/{path}"), body)
}
