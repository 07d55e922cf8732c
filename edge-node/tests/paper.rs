//! Paper custody acts on real `tamga-edge` processes, read back as a person with a scanner
//! would: a post records the story up to the handoff to the escort; its paper act is printed
//! through the CLI (node stopped, then through the running node) and through the API; each PDF
//! is rasterized at 150 dpi by `pdftoppm` and its QR code decoded with `rqrr`; the decoded act
//! is imported on a fresh node, where it verifies and is the same act; `pdftotext` finds the
//! Russian words, the officers' names and personal numbers, the seal and the local time with
//! its offset. An act of another kind, an unknown act and a short id without its consignment
//! are refused clearly. The paper of an edited act is printed and scanned the same way, and
//! the fresh node's import refuses it, recording nothing.
//!
//! Needs `pdftoppm` and `pdftotext` (Debian's poppler-utils, installed by `.ci/run`).

use std::path::{Path, PathBuf};
use std::process::Command;
use tamga_core::fixtures::{self, Story};
use tamga_core::SignedAct;

mod common;

use common::{edge, json_of, write_acts};
use serde_json::Value;

/// Two post nodes under `root` enrolled with the story's registry: the airport post and a
/// fresh node that has seen nothing of the consignment.
fn nodes(story: &Story, root: &Path) -> [PathBuf; 2] {
    let mut registry = story.registry_acts();
    let dirs = [
        ("post", fixtures::AIRPORT_POST),
        ("fresh", fixtures::DEPARTMENT),
    ]
    .map(|(name, unit)| {
        let dir = root.join(name);
        // The post serves on a port known beforehand, so that the CLI reaches it while it runs.
        let listen = format!("127.0.0.1:{}", tamga_testkit::ports::free_port());
        let key = common::init(&dir, story, "post", unit, &listen);
        registry.push(story.device_enrollment(&key, unit, name));
        dir
    });
    let enrollment = root.join("enrollment.acts");
    write_acts(&enrollment, &registry);
    for dir in &dirs {
        let (ok, out, err) = edge(dir, &["record", enrollment.to_str().unwrap()]);
        assert!(ok, "{out}{err}");
    }
    dirs
}

/// Runs a poppler tool; it must be installed and succeed.
fn poppler(tool: &str, args: &[&str]) -> String {
    let out = Command::new(tool).args(args).output().unwrap_or_else(|e| {
        panic!("{tool} is needed for this test (apt-get install poppler-utils): {e}")
    });
    assert!(
        out.status.success(),
        "{tool} {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// The text of every QR code on the PDF's pages, rasterized at 150 dpi and read with rqrr.
fn scan(pdf: &Path) -> Vec<String> {
    let prefix = pdf.with_extension("scan");
    let prefix = prefix.to_str().unwrap();
    poppler(
        "pdftoppm",
        &["-r", "150", "-png", pdf.to_str().unwrap(), prefix],
    );
    let dir = pdf.parent().unwrap();
    let stem = Path::new(prefix).file_name().unwrap().to_str().unwrap();
    let mut pages: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| {
            let name = p.file_name().unwrap().to_str().unwrap();
            name.starts_with(stem) && name.ends_with(".png")
        })
        .collect();
    pages.sort();
    assert!(!pages.is_empty(), "pdftoppm made no page of {pdf:?}");
    let mut codes = Vec::new();
    for page in pages {
        let image = image::open(&page).unwrap().to_luma8();
        let mut prepared = rqrr::PreparedImage::prepare_from_greyscale(
            image.width() as usize,
            image.height() as usize,
            |x, y| image.get_pixel(x as u32, y as u32)[0],
        );
        for grid in prepared.detect_grids() {
            let (_, text) = grid.decode().unwrap_or_else(|e| panic!("{page:?}: {e}"));
            codes.push(text);
        }
        std::fs::remove_file(&page).unwrap();
    }
    codes
}

/// The act a scanned code carries, checked as a verifier would: decoded, signatures verified.
fn act_in(code: &str) -> SignedAct {
    let (what, bytes) = tamga_edge::qr::from_text(code).unwrap();
    assert_eq!(what, tamga_edge::qr::Carried::Act);
    SignedAct::decode(&bytes).unwrap()
}

fn shown(dir: &Path, story: &Story) -> Value {
    json_of(dir, &["show", story.consignment.as_str(), "--json"])
}

fn ids(shown: &Value) -> Vec<String> {
    shown["act_details"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["id"].as_str().unwrap().to_owned())
        .collect()
}

#[test]
fn a_handoff_on_paper_is_read_scanned_and_verified_on_another_node_and_an_edited_one_is_refused() {
    let story = Story::new();
    let root = tempfile::tempdir().unwrap();
    let [post, fresh] = nodes(&story, root.path());
    let path = |name: &str| root.path().join(name);
    let c = story.consignment.as_str();

    // The post records the story up to the handoff to the escort (registration, seal, escort,
    // the handoff countersigned through the offer flow).
    let acts = story.clean_delivery();
    let handoff = acts[3].clone();
    assert_eq!(handoff.body().kind(), "custody_transferred");
    write_acts(&path("story.acts"), &acts[..4]);
    let (ok, out, err) = edge(&post, &["record", path("story.acts").to_str().unwrap()]);
    assert!(ok, "{out}{err}");
    let id = handoff.id().to_string();
    let short = &id[..12];
    let seal_short = &acts[1].id().to_string()[..12];

    // Through the CLI, the node stopped: by short id with its consignment.
    let cli_pdf = path("handoff-cli.pdf");
    let (ok, out, err) = edge(
        &post,
        &[
            "act",
            "paper",
            short,
            "-c",
            c,
            "--out",
            cli_pdf.to_str().unwrap(),
        ],
    );
    assert!(ok, "{out}{err}");
    assert!(
        out.contains(&id) && out.contains("QR code") && out.contains("characters"),
        "{out}"
    );
    // A short id alone, an act of another kind, an unknown act: refused, saying what to do.
    let x = path("x.pdf");
    let x = x.to_str().unwrap();
    let (ok, _, err) = edge(&post, &["act", "paper", short, "--out", x]);
    assert!(!ok && err.contains("-c CONSIGNMENT"), "{err}");
    let (ok, _, err) = edge(&post, &["act", "paper", seal_short, "-c", c, "--out", x]);
    assert!(
        !ok && err.contains("seal_applied")
            && err.contains(
                "custody_transferred, consignment_delivered, incident_reported, act_corrected"
            ),
        "{err}"
    );
    let (ok, _, err) = edge(
        &post,
        &["act", "paper", "0000ffff0000", "-c", c, "--out", x],
    );
    assert!(!ok && err.contains("tamga-edge show"), "{err}");
    assert!(!Path::new(x).exists());

    // Through the API of the running node, and the CLI through it.
    let (node, address) = common::serve(&post, None, "post");
    let api = tamga_testkit::http::Http::new(&address.to_string());
    let answer = api.send("GET", &format!("/api/acts/{id}/paper.pdf"), &[], &[]);
    assert_eq!(answer.status, 200, "{}", answer.text());
    assert_eq!(answer.header("content-type"), Some("application/pdf"));
    assert!(
        answer
            .header("x-tamga-paper-qr")
            .is_some_and(|h| h.starts_with("printed; characters=")),
        "{:?}",
        answer.headers
    );
    assert!(answer.body.starts_with(b"%PDF-"));
    let api_pdf = path("handoff-api.pdf");
    std::fs::write(&api_pdf, &answer.body).unwrap();
    let seal_id = acts[1].id().to_string();
    let (status, text) = api.get_text(&format!("/api/acts/{seal_id}/paper.pdf"));
    assert_eq!(status, 422, "{text}");
    assert!(
        text.contains("seal_applied") && text.contains("custody_transferred"),
        "{text}"
    );
    let (status, text) = api.get_text(&format!("/api/acts/{}/paper.pdf", "ab".repeat(32)));
    assert_eq!(status, 404, "{text}");
    let (status, _) = api.get_text("/api/acts/not-an-id/paper.pdf");
    assert_eq!(status, 400);
    let served_pdf = path("handoff-served.pdf");
    let (ok, out, err) = edge(
        &post,
        &["act", "paper", &id, "--out", served_pdf.to_str().unwrap()],
    );
    assert!(ok && out.contains("characters"), "{out}{err}");
    let (ok, _, err) = edge(
        &post,
        &[
            "act",
            "paper",
            &seal_id,
            "--out",
            served_pdf.to_str().unwrap(),
        ],
    );
    assert!(
        !ok && err.contains("act_corrected"),
        "through the running node: {err}"
    );
    drop(node);

    // Each paper, as a person reads it and as a scanner reads it.
    let mut scanned = Vec::new();
    for pdf in [&cli_pdf, &api_pdf, &served_pdf] {
        let text = poppler("pdftotext", &[pdf.to_str().unwrap(), "-"]);
        for expected in [
            "Акт приёма-передачи партии",
            "Custody handoff",
            "Подписали",
            "Пломбы",
            story.airport_officer.name,
            story.airport_officer.personal_number,
            story.escort_lead.name,
            story.escort_lead.personal_number,
            fixtures::ESCORT_UNIT,
            story.seal.as_str(),
            "целая / intact",
            "0.412",
            c,
            // 06:30 UTC, the story's handoff, in Bishkek.
            "2026-11-23 12:30:00 +06:00",
            "2026-11-23 06:30:00 +00:00",
        ] {
            assert!(
                text.contains(expected),
                "{expected:?} is not in {pdf:?}:\n{text}"
            );
        }
        let codes = scan(pdf);
        assert_eq!(codes.len(), 1, "{pdf:?}: {codes:?}");
        let act = act_in(&codes[0]);
        act.verify_signatures().unwrap();
        assert_eq!(act.id(), handoff.id(), "{pdf:?}");
        assert_eq!(act.encode(), handoff.encode());
        scanned.push(codes[0].clone());
    }
    assert!(scanned.iter().all(|s| s == &scanned[0]));
    println!("a handoff in its QR code: {} characters", scanned[0].len());

    // A node that never saw the consignment records the scanned act through its QR import,
    // verifying its signatures against its registry: the same act, by id.
    let scanned_file = path("scanned.txt");
    std::fs::write(&scanned_file, &scanned[0]).unwrap();
    let (ok, out, err) = edge(
        &fresh,
        &["handoff", "complete", scanned_file.to_str().unwrap()],
    );
    assert!(ok, "{out}{err}");
    let there = shown(&fresh, &story);
    assert_eq!(ids(&there), vec![id.clone()], "{there}");

    // An edited act (another seal number, same length: still canonical) printed on paper and
    // scanned: the import refuses it and records nothing.
    let edited = String::from_utf8(handoff.encode())
        .unwrap()
        .replace(story.seal.as_str(), "KG-0042138");
    assert_ne!(edited.as_bytes(), handoff.encode());
    let forged = SignedAct::decode(edited.as_bytes()).expect("still well formed");
    assert!(forged.verify_signatures().is_err());
    let standing = tamga_edge::paper::Standing::Holds;
    let paper = tamga_edge::paper::render(&tamga_edge::paper::Facts {
        act: &forged,
        registration: None,
        signers: &[],
        standing: &standing,
        corrected_kind: None,
        zone: chrono_tz::Asia::Bishkek,
        printed_at: story.after(),
    })
    .unwrap();
    let forged_pdf = path("forged.pdf");
    std::fs::write(&forged_pdf, &paper.pdf).unwrap();
    let codes = scan(&forged_pdf);
    assert_eq!(codes.len(), 1);
    assert_eq!(act_in(&codes[0]).id(), forged.id());
    let forged_file = path("forged.txt");
    std::fs::write(&forged_file, &codes[0]).unwrap();
    let (ok, out, err) = edge(
        &fresh,
        &["handoff", "complete", forged_file.to_str().unwrap()],
    );
    assert!(!ok, "an edited act was recorded: {out}{err}");
    assert!(err.contains("signature"), "{err}");
    assert_eq!(ids(&shown(&fresh, &story)), vec![id], "nothing recorded");
}
