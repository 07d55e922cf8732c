//! The post's archive end to end, on real `tamga-edge` processes: an airport post holding a
//! delivered consignment archives nothing central does not hold, nothing delivered more recently
//! than the days given; once it has synced with a central node it archives it (the live store
//! forgets it), finds it by number and goods, shows it, exports its signed acts, which a fresh
//! node records (checking every signature); the same through the running node's API; and an
//! edited archive file is refused, saying so.

use std::path::Path;
use tamga_core::fixtures::{self, Story};
use tamga_core::KeyId;
use tamga_testkit::ports::free_port;

mod common;

use common::{edge, json_of, write_acts};

const HQ: &str = "HQ-RECON";

fn listen() -> String {
    format!("127.0.0.1:{}", free_port())
}

/// A node, `--central-unit HQ-RECON`; returns its device key.
fn init(dir: &Path, story: &Story, unit: &str, listen: &str) -> KeyId {
    let (ok, out, err) = edge(
        dir,
        &[
            "init",
            "--role",
            "post",
            "--unit",
            unit,
            "--authority",
            story.authority_id().as_str(),
            "--listen",
            listen,
            "--central-unit",
            HQ,
        ],
    );
    assert!(ok, "{err}");
    let line = out.lines().find(|l| l.starts_with("device key: ")).unwrap();
    KeyId::new(line.trim_start_matches("device key: ")).unwrap()
}

fn http_get(address: &str, path: &str) -> (u16, String) {
    let port = address.rsplit(':').next().unwrap().parse().unwrap();
    tamga_testkit::http::get(port, path).unwrap()
}

#[test]
fn a_post_archives_what_central_holds_then_searches_shows_and_exports_it() {
    let story = Story::new();
    let root = tempfile::tempdir().unwrap();
    let root = root.path();
    let (post, hq, fresh) = (root.join("airport"), root.join("hq"), root.join("fresh"));
    let post_listen = listen();
    let post_key = init(&post, &story, fixtures::AIRPORT_POST, &post_listen);
    let hq_key = init(&hq, &story, HQ, &listen());
    let fresh_key = init(&fresh, &story, fixtures::OTHER_POST, &listen());
    let mut registry = story.registry_acts();
    registry.push(story.device_enrollment(&post_key, fixtures::AIRPORT_POST, "airport post PC"));
    registry.push(story.device_enrollment(&hq_key, HQ, "central"));
    registry.push(story.device_enrollment(&fresh_key, fixtures::OTHER_POST, "auditor's PC"));
    let enrollment = root.join("enrollment.acts");
    write_acts(&enrollment, &registry);
    for dir in [&post, &hq, &fresh] {
        assert!(edge(dir, &["record", enrollment.to_str().unwrap()]).0);
    }
    let acts = story.clean_delivery();
    let acts_file = root.join("story.acts");
    write_acts(&acts_file, &acts);
    assert!(edge(&post, &["record", acts_file.to_str().unwrap()]).0);
    let number = story.consignment.as_str();

    // Central does not hold it yet: nothing archived, whatever the days.
    let pass = json_of(&post, &["archive", "run", "--days", "0", "--json"]);
    assert_eq!(pass["archived"], 0, "{pass}");
    let (ok, _, err) = edge(&post, &["archive", "run"]);
    assert!(!ok && err.contains("archive_closed_days"), "{err}");

    // The post syncs with central.
    let (central, address) = common::serve(&hq, None, "central");
    common::add_peer(&post, "central", &format!("https://{address}"), &hq_key);
    let (ok, out, err) = edge(&post, &["sync", "--peer", "central"]);
    assert!(ok, "{out}{err}");
    central.stop_cleanly();

    // Delivered days ago, not 30: kept. With 0 days: archived, forgotten in the live store.
    let pass = json_of(&post, &["archive", "run", "--days", "30", "--json"]);
    assert_eq!(pass["archived"], 0, "{pass}");
    let pass = json_of(&post, &["archive", "run", "--days", "0", "--json"]);
    assert_eq!(pass["archived"], 1, "{pass}");
    let file = pass["files"][0].as_str().unwrap().to_owned();
    assert!(post.join("archive").join(&file).is_file());
    let (ok, _, _) = edge(&post, &["show", number]);
    assert!(!ok, "the live store still shows it");

    // Found by number and by goods; shown with its acts, assessed.
    for query in [number, "rough diamonds"] {
        let (ok, out, err) = edge(&post, &["archive", "search", query]);
        assert!(
            ok && out.contains(number) && out.contains(&file),
            "{out}{err}"
        );
    }
    let (ok, out, _) = edge(&post, &["archive", "search", "bananas"]);
    assert!(ok && out.contains("0 archived consignments"), "{out}");
    let (ok, out, err) = edge(&post, &["archive", "show", number]);
    assert!(
        ok && out.contains("ARCHIVED in") && out.contains("delivered"),
        "{out}{err}"
    );

    // Exported, the acts are recorded by another node, which checks every signature.
    let exported = root.join("exported.acts");
    let (ok, out, err) = edge(
        &post,
        &[
            "archive",
            "export",
            number,
            "--out",
            exported.to_str().unwrap(),
        ],
    );
    assert!(ok, "{out}{err}");
    let (ok, out, err) = edge(&fresh, &["record", exported.to_str().unwrap()]);
    assert!(
        ok && out.contains(&format!("{} new acts", acts.len())),
        "{out}{err}"
    );
    let shown = json_of(&fresh, &["show", number, "--json"]);
    assert_eq!(shown["state"]["status"], "delivered", "{shown}");

    // The same through the running node's API, and the CLI through it.
    let (node, address) = common::serve(&post, Some(&post_listen), "airport post");
    let (status, body) = http_get(&address, "/api/archive?q=diamonds");
    assert_eq!(status, 200, "{body}");
    let listing: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(listing["rows"][0]["consignment"], number);
    let encoded = number.replace('/', "%2F");
    let (status, body) = http_get(&address, &format!("/api/archive/{encoded}"));
    assert_eq!(status, 200, "{body}");
    let view: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(view["view"]["assessment"]["state"]["status"], "delivered");
    let (status, body) = http_get(&address, &format!("/api/archive/{encoded}/acts"));
    assert_eq!(status, 200);
    assert_eq!(body.lines().count(), acts.len());
    let (status, _) = http_get(&address, "/api/archive/10609050%2F010101%2F0000001");
    assert_eq!(status, 404);
    let (ok, out, err) = edge(&post, &["archive", "search", number]);
    assert!(ok && out.contains(number), "{out}{err}");
    // The space is given back only while the node is stopped.
    let (ok, _, err) = edge(&post, &["archive", "reclaim"]);
    assert!(
        !ok && err.contains("only while the node is stopped"),
        "{err}"
    );
    node.stop_cleanly();
    let (ok, out, err) = edge(&post, &["archive", "reclaim"]);
    assert!(ok && out.contains("store rewritten"), "{out}{err}");
    let (ok, out, err) = edge(&post, &["archive", "search", number]);
    assert!(ok && out.contains(number), "{out}{err}");
    let (ok, out, err) = edge(&post, &["status"]);
    assert!(ok, "the rewritten store opens: {out}{err}");

    // An edited archive file is refused with a clear error, never believed.
    let path = post.join("archive").join(&file);
    let mut bytes = std::fs::read(&path).unwrap();
    let last = bytes.len() - 1;
    bytes[last] ^= 1;
    std::fs::remove_file(&path).unwrap();
    std::fs::write(&path, &bytes).unwrap();
    let (ok, _, err) = edge(&post, &["archive", "search", number]);
    assert!(!ok && err.contains("damaged or was edited"), "{err}");
    let (ok, _, err) = edge(&post, &["archive", "show", number]);
    assert!(!ok && err.contains("damaged or was edited"), "{err}");
}
