//! The offline verifier of evidence packages, `central/ui/verify.html`, in a real browser
//! (headless Chromium driven over WebDriver), opened from disk as a `file://` URL: no server, no
//! network, the page alone.
//!
//! Against the published vectors (`tests/vectors/evidence/`, docs/act-format.md §14.6): the
//! reference story's package, chosen through the file input under the trusted root key, is
//! VERIFIED with its nine acts; the one whose handoff central first saw five days late is
//! VERIFIED with exactly that act flagged; the story as a tracked trip (a corridor, a
//! navigation seal, its operator's events signed by a `seal_operator` key) is VERIFIED with its
//! ten acts; every tampered copy is REFUSED, those whose acts are validly signed and received
//! but break the format (a member its kind does not have, §4; a content rule, §5: a goods
//! line's masses, a corridor's width, a position event without coordinates) with a reason
//! naming the act and the rule, and the seal events signed by a device for the role. Under another root key the
//! story is REFUSED; without one it is checked under the key it names, and the page says to
//! compare that key's fingerprint with the authority's published one.
//!
//! And the page's reader of an act against the act vectors (`tests/vectors/acts.json`,
//! `invalid.json`): every valid act of every kind is read without fault; every signed act that
//! breaks only a content rule is refused for §5, and every one that breaks the member sets,
//! types or value grammars of §3–§4 (or writes an absent member as `null` or `[]`) is refused,
//! not for §5.
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

    // --- The story as a tracked trip: verified, ten acts, the seal events signed by the
    // operator's key enrolled as seal_operator.
    let (state, text) = check(c, x, "road.json").await;
    assert_eq!(state, "verified", "{text}");
    assert_eq!(texts(c, "#acts tbody tr").await.len(), 10);
    let events = find(c, "#acts tbody tr[data-kind=seal_events_reported]")
        .await
        .text()
        .await
        .unwrap();
    assert!(
        events.contains("seal_operator") && events.contains("OK"),
        "{events}"
    );

    // --- Every tampered copy: refused. Those whose acts are validly signed and received but
    // not acts of the format are refused for the act and the rule: a member its kind does not
    // have (§4), a content rule (§5).
    let tampered: Vec<&(String, String)> = x
        .verdicts
        .iter()
        .filter(|(name, _)| name.starts_with("tampered_"))
        .collect();
    assert!(tampered.len() >= 7, "{tampered:?}");
    let reasons: &[(&str, &[&str])] = &[
        (
            "tampered_unknown_member.json",
            &["act 2 (seal_applied)", "\"remark\"", "§4"],
        ),
        (
            "tampered_content_rule.json",
            &[
                "act 1 (consignment_registered)",
                "§5",
                "goods[0]",
                "net mass 1250.35 ct (250.07 g)",
                "gross mass 0.25006 kg (250.06 g)",
            ],
        ),
        (
            "tampered_road_position_without_coordinates.json",
            &[
                "(seal_events_reported)",
                "§5",
                "events[1].coordinates",
                "position event",
            ],
        ),
        (
            "tampered_road_corridor_width.json",
            &[
                "act 1 (consignment_registered)",
                "§5",
                "corridor.width_metres",
            ],
        ),
        (
            "tampered_road_events_by_device.json",
            &["(seal_events_reported)", "device", "seal_operator"],
        ),
    ];
    let mut wrong = Vec::new();
    for (name, expected) in tampered {
        assert_eq!(expected, "refused", "{name}");
        let (state, text) = check(c, x, name).await;
        if state != "refused" || !text.starts_with("REFUSED") {
            wrong.push(format!("{name}: {state}: {text}"));
        }
        for (_, words) in reasons.iter().filter(|(n, _)| n == name) {
            if let Some(missing) = words.iter().find(|w| !text.contains(*w)) {
                wrong.push(format!(
                    "{name}: the reason does not say {missing:?}: {text}"
                ));
            }
        }
    }
    for (name, _) in reasons {
        assert!(
            x.verdicts.iter().any(|(n, _)| n == name),
            "{name} is among the vectors"
        );
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));

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

/// The act vectors (`tests/vectors/acts.json`, `invalid.json`) as the page reads an act of a
/// package: the envelope in `text`, and what the page finds wrong with it.
struct ActCase {
    name: String,
    text: String,
    /// `valid`, `content` (must break a rule of §5 only), or `form` (must be refused by what the
    /// format's member sets, types and value grammars say, §3–§4, or the envelope's).
    expect: &'static str,
}

fn act_cases() -> Vec<ActCase> {
    let dir = repo().join("tests/vectors");
    let read = |file: &str| -> Value {
        serde_json::from_str(&std::fs::read_to_string(dir.join(file)).expect(file)).expect(file)
    };
    let mut cases = Vec::new();
    for act in read("acts.json")["acts"].as_array().expect("acts") {
        cases.push(ActCase {
            name: act["name"].as_str().unwrap().to_owned(),
            text: act["envelope"].as_str().unwrap().to_owned(),
            expect: "valid",
        });
    }
    for case in read("invalid.json")["cases"].as_array().expect("cases") {
        let name = case["name"].as_str().unwrap();
        let Some(text) = case["input"].as_str() else {
            continue;
        };
        // Only what reaches the typed stage: canonical JSON, a signed act (not an offer).
        let canonical = serde_json::from_str::<Value>(text)
            .ok()
            .and_then(|v| serde_jcs::to_string(&v).ok())
            .is_some_and(|c| c == text);
        if !canonical || case["stage"] != "decode" {
            continue;
        }
        let expect = match case["expected"].as_str().unwrap() {
            "invalid_content" => "content",
            "unknown_field" | "missing_field" | "unknown_variant" | "wrong_type"
            | "bad_decimal" | "bad_time" | "bad_value" => "form",
            // Other spellings of a valid act that are canonical JSON: null for an absent
            // member, [] for an absent optional list, an array or index for an object (§10).
            "non_canonical" => "form",
            _ => continue,
        };
        cases.push(ActCase {
            name: name.to_owned(),
            text: text.to_owned(),
            expect,
        });
    }
    cases
}

#[test]
fn the_page_reads_every_act_vector_as_the_format_says() {
    if !tools_present() {
        return;
    }
    let page = repo().join("central/ui/verify.html");
    let cases = act_cases();
    let count = |e: &str| cases.iter().filter(|c| c.expect == e).count();
    // Every kind's valid acts, the 59 content cases of signed acts, the typed faults.
    assert!(
        count("valid") >= 30 && count("content") >= 50 && count("form") >= 100,
        "{} valid, {} content, {} form",
        count("valid"),
        count("content"),
        count("form")
    );
    let root = tempfile::tempdir().unwrap();
    let cases = &cases;
    run_browser_test(root.path(), "verify-page-acts", &[], |c, _| async move {
        goto(&c, &file_url(&page), "#verdict").await;
        let texts: Vec<&str> = cases.iter().map(|c| c.text.as_str()).collect();
        // The page's own reader of an act (readAct, on JSON read by its parseJson), as it
        // reads each act of a package.
        let found = c
            .execute_async(
                r#"const [texts, done] = arguments;
                (async () => {
                  const out = [];
                  for (const text of texts) {
                    try { out.push((await readAct(parseJson(text))).problems); }
                    catch (e) { out.push(["threw: " + e.message]); }
                  }
                  return out;
                })().then(done, (e) => done(String(e)));"#,
                vec![serde_json::json!(texts)],
            )
            .await
            .expect("the script runs");
        let found: Vec<Vec<String>> =
            serde_json::from_value(found.clone()).unwrap_or_else(|_| panic!("{found}"));
        assert_eq!(found.len(), cases.len());
        let mut wrong = Vec::new();
        for (case, problems) in cases.iter().zip(&found) {
            let fine = match case.expect {
                "valid" => problems.is_empty(),
                "content" => problems.len() == 1 && problems[0].contains("§5"),
                _ => !problems.is_empty() && !problems.iter().any(|p| p.contains("§5")),
            };
            if !fine {
                wrong.push(format!("{} ({}): {problems:?}", case.name, case.expect));
            }
        }
        assert!(wrong.is_empty(), "{}", wrong.join("\n"));
    });
}
