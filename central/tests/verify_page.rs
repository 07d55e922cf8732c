//! The offline verifier of evidence packages, `central/ui/verify.html`, in a real browser
//! (headless Chromium driven over WebDriver), opened from disk as a `file://` URL: no server, no
//! network, the page alone.
//!
//! Against the published vectors (`tests/vectors/evidence/`, docs/act-format.md §14.6): the
//! reference story's package, chosen through the file input under the trusted root key, is
//! VERIFIED with its nine acts; the one whose handoff central first saw five days late is
//! VERIFIED with exactly that act flagged; every tampered copy is REFUSED. Under another root
//! key the story is REFUSED; without one it is checked under the key it names, and the page says
//! to compare that key's fingerprint with the authority's published one.
//!
//! Needs `/usr/bin/chromium` and `/usr/bin/chromedriver` (Debian: `chromium chromium-driver`).
//! Without them the test says so and passes, unless `TAMGA_BROWSER_TEST=required`. A screenshot
//! of the late package's result is written to the test's temporary directory and, when
//! `TAMGA_SCREENSHOT_DIR` is set, copied there.

use serde_json::Value;
use std::path::{Path, PathBuf};
use tamga_testkit::webdriver::{
    choose_file, find, goto, keep_screenshot, run_browser_test, texts, tools_present, type_into,
    wait_attr, Client,
};

/// The repository's root.
fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("..")
        .canonicalize()
        .expect("the repository")
}

/// A `file://` URL for an absolute path, each byte outside the unreserved set and `/`
/// percent-encoded.
fn file_url(path: &Path) -> String {
    let mut url = String::from("file://");
    for b in path.to_str().expect("a UTF-8 path").bytes() {
        if b.is_ascii_alphanumeric() || b"-._~/".contains(&b) {
            url.push(b as char);
        } else {
            url.push_str(&format!("%{b:02X}"));
        }
    }
    url
}

/// What the vectors say: the trusted root key and each package's file name and verdict.
struct Vectors {
    dir: PathBuf,
    authority: String,
    verdicts: Vec<(String, String)>,
}

fn vectors() -> Vectors {
    let dir = repo().join("tests/vectors/evidence");
    let text = std::fs::read_to_string(dir.join("expected.json")).expect("expected.json");
    let expected: Value = serde_json::from_str(&text).expect("expected.json is JSON");
    let verdicts = expected["packages"]
        .as_array()
        .expect("a list of packages")
        .iter()
        .map(|p| {
            let file = p["file"].as_str().expect("a file");
            let name = file.rsplit('/').next().unwrap().to_owned();
            (name, p["verdict"].as_str().expect("a verdict").to_owned())
        })
        .collect();
    Vectors {
        dir,
        authority: expected["authority"].as_str().unwrap().to_owned(),
        verdicts,
    }
}

#[test]
fn the_page_from_disk_verifies_the_story_flags_a_late_act_and_refuses_tampered_packages() {
    if !tools_present() {
        return;
    }
    let page = repo().join("central/ui/verify.html");
    assert!(page.exists(), "{} is missing", page.display());
    let x = vectors();
    let root = tempfile::tempdir().unwrap();
    let screenshot = root.path().join("verify-page.png");
    let shot = &screenshot;
    run_browser_test(root.path(), "verify-page", &[], |c, _| async move {
        steps(&c, &page, &x, shot).await
    });
    keep_screenshot(&screenshot);
}

/// Chooses the package `name` and waits for the page's verdict on it: the verdict's
/// `data-verdict` and its text.
async fn check(c: &Client, x: &Vectors, name: &str) -> (String, String) {
    choose_file(c, "input#file", &x.dir.join(name)).await;
    let verdict = wait_attr(c, "#verdict", "data-file", name).await;
    let state = verdict
        .attr("data-verdict")
        .await
        .unwrap()
        .unwrap_or_default();
    (state, verdict.text().await.unwrap())
}

async fn steps(c: &Client, page: &Path, x: &Vectors, screenshot: &Path) {
    goto(c, &file_url(page), "#verdict").await;
    type_into(c, "#authority", &x.authority).await;

    // --- The story: verified, nine acts, none flagged, each signed and OK.
    let (state, text) = check(c, x, "story.json").await;
    assert_eq!(state, "verified", "{text}");
    assert!(text.starts_with("VERIFIED"), "{text}");
    let rows = texts(c, "#acts tbody tr").await;
    assert_eq!(rows.len(), 9, "{rows:?}");
    assert!(texts(c, "#acts tbody tr.flagged").await.is_empty());
    let first = find(c, "#acts tbody tr[data-kind=consignment_registered]")
        .await
        .text()
        .await
        .unwrap();
    assert!(
        first.contains("Aibek Asanov") && first.contains("OK"),
        "{first}"
    );
    let head = find(c, "#head").await.text().await.unwrap();
    assert!(
        head.contains("17") && head.contains("893b-9205-66d2-6c28"),
        "{head}"
    );
    assert!(find(c, "#pin-notice")
        .await
        .attr("hidden")
        .await
        .unwrap()
        .is_some());

    // --- The handoff first seen five days after its time: verified, that act flagged.
    let (state, text) = check(c, x, "story_seen_late.json").await;
    assert_eq!(state, "verified", "{text}");
    assert!(text.starts_with("VERIFIED"), "{text}");
    assert_eq!(texts(c, "#acts tbody tr").await.len(), 9);
    let flagged = texts(c, "#acts tbody tr.flagged").await;
    assert_eq!(flagged.len(), 1, "{flagged:?}");
    assert!(
        flagged[0].contains("custody_transferred") && flagged[0].contains("offline allowance"),
        "{flagged:?}"
    );
    c.set_window_size(1280, 1600).await.unwrap();
    let png = c.screenshot().await.unwrap();
    assert!(png.starts_with(b"\x89PNG"), "a PNG screenshot");
    std::fs::write(screenshot, png).unwrap();
    c.set_window_size(1280, 900).await.unwrap();

    // --- Every tampered copy: refused.
    let tampered: Vec<&(String, String)> = x
        .verdicts
        .iter()
        .filter(|(name, _)| name.starts_with("tampered_"))
        .collect();
    assert!(tampered.len() >= 5, "{tampered:?}");
    for (name, expected) in tampered {
        assert_eq!(expected, "refused", "{name}");
        let (state, text) = check(c, x, name).await;
        assert_eq!(state, "refused", "{name}: {text}");
        assert!(text.starts_with("REFUSED"), "{name}: {text}");
    }

    // --- Under another root key the story is refused.
    type_into(c, "#authority", &"ab".repeat(32)).await;
    let (state, text) = check(c, x, "story.json").await;
    assert_eq!(state, "refused", "{text}");
    assert!(text.contains("not the trusted"), "{text}");

    // --- Without one, it is checked under the key it names, and the page says to compare it.
    type_into(c, "#authority", "").await;
    let (state, text) = check(c, x, "story_seen_late.json").await;
    assert_eq!(state, "verified", "{text}");
    let notice = find(c, "#pin-notice").await;
    assert!(notice.attr("hidden").await.unwrap().is_none());
    let fingerprint = format!(
        "{}-{}-{}-{}",
        &x.authority[0..4],
        &x.authority[4..8],
        &x.authority[8..12],
        &x.authority[12..16]
    );
    let said = notice.text().await.unwrap();
    assert!(said.contains(&fingerprint), "{said}");
}
