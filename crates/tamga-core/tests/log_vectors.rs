//! Published vectors of central's transparency log and of evidence packages
//! (`docs/act-format.md` §14): `tests/vectors/log.json` (leaves, roots, inclusion and
//! consistency proofs, signed tree heads, refused heads and proofs) and `tests/vectors/
//! evidence/` (the reference story's package, tampered copies, and the verdict each must get).
//!
//! Written by the generator below, never by hand:
//!
//! ```sh
//! TAMGA_WRITE_VECTORS=1 cargo test -p tamga-core --test log_vectors
//! ```
//!
//! Normally the test requires the files to equal the generator's output byte for byte and checks
//! every vector with tamga's code; `scripts/check-evidence.py --vectors` and the browser test of
//! `central/ui/verify.html` check them without it.

use serde::Serialize;
use serde_json::{json, Value};
use std::path::PathBuf;
use tamga_core::act::{Holder, KeyEnrolled};
use tamga_core::fixtures::{at, key, text, unit, Story};
use tamga_core::signing::key_id;
use tamga_core::transparency::evidence::{self, Item, Package};
use tamga_core::transparency::merkle::{verify_consistency, verify_inclusion};
use tamga_core::transparency::{Leaf, MemoryTree, Receipt, SignedTreeHead, TreeHead};
use tamga_core::{ActBody, ActId, Role, SignedAct};

const SIZES: [u64; 11] = [1, 2, 3, 4, 5, 7, 8, 9, 13, 16, 17];

fn dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../tests/vectors")
}

fn leaf(i: u64) -> Leaf {
    Leaf {
        act: ActId::of_canonical_body(format!("leaf {i}").as_bytes()),
        seen: at("2026-11-23T06:00:00Z").plus_seconds(60 * i as i64),
    }
}

fn hexes(hashes: &[[u8; 32]]) -> Vec<String> {
    hashes.iter().map(hex::encode).collect()
}

fn log_key() -> ed25519_dalek::SigningKey {
    key("central transparency log")
}

/// The story's authority enrolls the log key for 2026 and 2027.
fn log_enrollment(story: &Story) -> SignedAct {
    story.by_authority(ActBody::KeyEnrolled(KeyEnrolled {
        at: at("2025-12-20T09:00:00Z"),
        authority: story.authority_id(),
        key: key_id(&log_key()),
        holder: Holder {
            name: text("central transparency log"),
            personal_number: None,
        },
        role: Role::TransparencyLog,
        unit: unit("HQ-RECON"),
        valid_from: at("2026-01-01T00:00:00Z"),
        valid_until: at("2028-01-01T00:00:00Z"),
        migrated_from: None,
    }))
}

fn log_file() -> Value {
    let mut tree = MemoryTree::new();
    let leaves: Vec<Leaf> = (0..17).map(leaf).collect();
    for l in &leaves {
        tree.push(l.hash());
    }
    let mut inclusion = Vec::new();
    let mut consistency = Vec::new();
    for n in SIZES {
        for m in 0..n {
            inclusion.push(json!({"index": m, "size": n, "path": hexes(&tree.inclusion(m, n))}));
        }
        for m in SIZES.iter().copied().filter(|m| *m < n) {
            consistency.push(json!({"old": m, "new": n, "path": hexes(&tree.consistency(m, n))}));
        }
    }
    let head = SignedTreeHead::sign(
        TreeHead {
            size: 17,
            root: tree.root(17),
            time: at("2026-11-23T06:30:00Z"),
        },
        &log_key(),
    );
    let text = head.to_text();
    let other = SignedTreeHead::sign(head.head, &key("another central")).to_text();
    let refused_heads = vec![
        json!({"name": "size_changed", "checkpoint": text.replacen("\n17\n", "\n18\n", 1), "expected": "bad_tree_head"}),
        json!({"name": "time_changed", "checkpoint": text.replacen("06:30:00Z", "06:31:00Z", 1), "expected": "bad_tree_head"}),
        json!({"name": "another_key_in_its_name", "checkpoint": format!("{}{}", head.note_text(), &other[other.find("\n\n").unwrap() + 1..]), "expected": "bad_tree_head"}),
        json!({"name": "another_log", "checkpoint": other, "expected": "bad_tree_head", "description": "signed by a key enrolled for no log"}),
        json!({"name": "no_blank_line", "checkpoint": text.replacen("\n\n", "\n", 1), "expected": "bad_tree_head"}),
    ];
    let path5 = tree.inclusion(5, 17);
    let mut flipped = path5.clone();
    flipped[2][31] ^= 1;
    let refused_proofs = vec![
        json!({"name": "another_leaf", "leaf": hex::encode(leaves[6].hash()), "index": 5, "size": 17, "path": hexes(&path5), "expected": "bad_proof"}),
        json!({"name": "another_index", "leaf": hex::encode(leaves[5].hash()), "index": 4, "size": 17, "path": hexes(&path5), "expected": "bad_proof"}),
        json!({"name": "hash_changed", "leaf": hex::encode(leaves[5].hash()), "index": 5, "size": 17, "path": hexes(&flipped), "expected": "bad_proof"}),
        json!({"name": "path_cut", "leaf": hex::encode(leaves[5].hash()), "index": 5, "size": 17, "path": hexes(&path5[..path5.len() - 1]), "expected": "bad_proof"}),
        json!({"name": "index_past_the_tree", "leaf": hex::encode(leaves[5].hash()), "index": 17, "size": 17, "path": hexes(&path5), "expected": "bad_proof"}),
    ];
    json!({
        "format": "tamga-log-vectors/v1",
        "about": [
            "Generated by crates/tamga-core/tests/log_vectors.rs (TAMGA_WRITE_VECTORS=1 cargo test -p tamga-core --test log_vectors); do not edit by hand.",
            "docs/act-format.md section 14: entry = act id (32 bytes) || seen (8 bytes, unix seconds, big-endian); leaf hash = SHA-256(0x00 || entry); node = SHA-256(0x01 || left || right).",
            "The log key's seed is SHA-256 of its seed phrase; it is public: never use it for real custody. `log_key_enrollment` enrolls it under the story's root key (tests/vectors/acts.json)."
        ],
        "log_key": {"seed_phrase": "tamga fixture key: central transparency log", "public_key": key_id(&log_key()).as_str()},
        "log_key_enrollment": serde_json::from_slice::<Value>(log_enrollment(&Story::new()).encoded()).unwrap(),
        "root_key": Story::new().authority_id().as_str(),
        "leaves": leaves.iter().enumerate().map(|(i, l)| json!({
            "index": i, "act": l.act.to_hex(), "seen": l.seen.to_string(),
            "entry": hex::encode(l.entry()), "hash": hex::encode(l.hash()),
        })).collect::<Vec<_>>(),
        "roots": (0..=17u64).map(|n| json!({"size": n, "root": hex::encode(tree.root(n))})).collect::<Vec<_>>(),
        "inclusion": inclusion,
        "consistency": consistency,
        "checkpoint": text,
        "checkpoint_head": {"size": 17, "root": hex::encode(tree.root(17)), "time": "2026-11-23T06:30:00Z"},
        "refused_checkpoints": refused_heads,
        "refused_inclusion": refused_proofs,
    })
}

/// The story's evidence package: the clean delivery and the registry, each act seen by the log
/// `delay` minutes after its time (registry acts ten minutes after theirs).
fn story_package(late: Option<usize>) -> Package {
    let story = Story::new();
    let mut registry = vec![log_enrollment(&story)];
    registry.extend(story.registry_acts());
    let mut acts = story.clean_delivery();
    // In (time, id) order, as §14.6 lists a package's acts.
    acts.sort_by_key(|a| (a.body().at(), a.id()));
    let mut tree = MemoryTree::new();
    let mut leaves = Vec::new();
    for (i, act) in registry.iter().chain(acts.iter()).enumerate() {
        let mut seen = act.body().at().plus_seconds(600);
        if Some(i) == late.map(|l| l + registry.len()) {
            seen = act.body().at().plus_seconds(5 * 24 * 3600);
        }
        let leaf = Leaf {
            act: act.id(),
            seen,
        };
        tree.push(leaf.hash());
        leaves.push(leaf);
    }
    let size = tree.size();
    let last_seen = leaves.iter().map(|l| l.seen).max().unwrap();
    let head = SignedTreeHead::sign(
        TreeHead {
            size,
            root: tree.root(size),
            time: last_seen.plus_seconds(60),
        },
        &log_key(),
    );
    let item = |i: usize, act: &SignedAct| {
        Item::new(
            act,
            Receipt {
                act: act.id(),
                seen: leaves[i].seen,
                index: i as u64,
                size,
                path: tree.inclusion(i as u64, size),
            },
        )
    };
    Package {
        format: evidence::FORMAT.into(),
        consignment: story.consignment.clone(),
        authority: story.authority_id(),
        made_at: head.head.time.plus_seconds(5),
        offline_allowance_seconds: evidence::DEFAULT_OFFLINE_ALLOWANCE_SECONDS,
        checkpoint: head.to_text(),
        registry: registry
            .iter()
            .enumerate()
            .map(|(i, a)| item(i, a))
            .collect(),
        acts: acts
            .iter()
            .enumerate()
            .map(|(i, a)| item(i + registry.len(), a))
            .collect(),
    }
}

#[derive(Serialize)]
struct Expected {
    file: String,
    verdict: &'static str,
    flags: usize,
    description: &'static str,
}

/// The packages: the story's, one with a late sighting, and tampered copies.
fn packages() -> Vec<(&'static str, Value, Expected)> {
    let good = story_package(None);
    let as_value = |p: &Package| serde_json::to_value(p).unwrap();
    let mut out = vec![];
    let mut push = |name: &'static str, value: Value, verdict, flags, description| {
        out.push((
            name,
            value,
            Expected {
                file: format!("evidence/{name}.json"),
                verdict,
                flags,
                description,
            },
        ))
    };
    push(
        "story",
        as_value(&good),
        "verified",
        0,
        "the reference story's clean delivery, every act seen ten minutes after its time",
    );
    push("story_seen_late", as_value(&story_package(Some(3))), "verified", 1, "the same, the escort's handoff first seen five days after its time: verified and flagged as seen later than the offline allowance");
    let mut v = as_value(&good);
    v["acts"][1]["act"]["body"]["seal"] = json!("KG-0042138");
    push("tampered_seal_number", v, "refused", 0, "the seal number of seal_applied changed after the fact: its id no longer matches its receipt");
    let mut v = as_value(&good);
    let path = v["acts"][2]["receipt"]["path"][0]
        .as_str()
        .unwrap()
        .to_owned();
    let flipped = format!(
        "{}{}",
        &path[..63],
        if path.ends_with('0') { '1' } else { '0' }
    );
    v["acts"][2]["receipt"]["path"][0] = json!(flipped);
    push(
        "tampered_receipt",
        v,
        "refused",
        0,
        "a hash of an inclusion proof changed: it no longer leads to the tree head's root",
    );
    let mut v = as_value(&good);
    let sig = v["acts"][0]["act"]["signatures"][0]["signature"]
        .as_str()
        .unwrap()
        .to_owned();
    v["acts"][0]["act"]["signatures"][0]["signature"] = json!(format!(
        "{}{}",
        &sig[..127],
        if sig.ends_with('0') { '1' } else { '0' }
    ));
    push(
        "tampered_signature",
        v,
        "refused",
        0,
        "the registration's signature changed",
    );
    let mut v = as_value(&good);
    let head = SignedTreeHead::parse(&good.checkpoint).unwrap();
    v["checkpoint"] = json!(SignedTreeHead::sign(head.head, &key("another central")).to_text());
    push(
        "tampered_checkpoint_key",
        v,
        "refused",
        0,
        "the tree head re-signed by a key enrolled for no log",
    );
    let mut v = as_value(&good);
    v["checkpoint"] = json!(good.checkpoint.replacen(
        &format!("\n{}\n", head.head.size),
        &format!("\n{}\n", head.head.size + 1),
        1
    ));
    push(
        "tampered_checkpoint_size",
        v,
        "refused",
        0,
        "the tree head's size changed: its signature no longer holds",
    );
    out
}

fn pretty(value: &Value) -> String {
    let mut s = serde_json::to_string_pretty(value).unwrap();
    s.push('\n');
    s
}

fn files() -> Vec<(PathBuf, String)> {
    let mut out = vec![(dir().join("log.json"), pretty(&log_file()))];
    let mut expected = Vec::new();
    for (name, value, e) in packages() {
        out.push((dir().join(format!("evidence/{name}.json")), pretty(&value)));
        expected.push(e);
    }
    out.push((
        dir().join("evidence/expected.json"),
        pretty(&json!({
            "about": "Each package under evidence/, checked against the root key `authority`: `verified` or `refused`, and how many acts are flagged (docs/act-format.md §14.6). Generated by crates/tamga-core/tests/log_vectors.rs.",
            "authority": Story::new().authority_id().as_str(),
            "packages": expected,
        })),
    ));
    out
}

#[test]
fn the_files_are_what_the_generator_writes() {
    let write = std::env::var_os("TAMGA_WRITE_VECTORS").is_some_and(|v| !v.is_empty() && v != "0");
    for (path, text) in files() {
        if write {
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(&path, &text).unwrap();
        }
        let on_disk = std::fs::read_to_string(&path).unwrap_or_else(|e| {
            panic!("cannot read {} ({e}); generate with TAMGA_WRITE_VECTORS=1 cargo test -p tamga-core --test log_vectors", path.display())
        });
        assert!(
            on_disk == text,
            "{} differs from the generator's output",
            path.display()
        );
    }
}

#[test]
fn the_log_vectors_hold_and_the_refused_ones_are_refused() {
    let v = log_file();
    let roots: Vec<[u8; 32]> = v["roots"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            hex::decode(r["root"].as_str().unwrap())
                .unwrap()
                .try_into()
                .unwrap()
        })
        .collect();
    let leaf_hash = |i: u64| leaf(i).hash();
    let path_of = |p: &Value| -> Vec<[u8; 32]> {
        p.as_array()
            .unwrap()
            .iter()
            .map(|h| {
                hex::decode(h.as_str().unwrap())
                    .unwrap()
                    .try_into()
                    .unwrap()
            })
            .collect()
    };
    for p in v["inclusion"].as_array().unwrap() {
        let (m, n) = (p["index"].as_u64().unwrap(), p["size"].as_u64().unwrap());
        verify_inclusion(
            &leaf_hash(m),
            m,
            n,
            &path_of(&p["path"]),
            &roots[n as usize],
        )
        .unwrap();
    }
    for p in v["consistency"].as_array().unwrap() {
        let (m, n) = (p["old"].as_u64().unwrap(), p["new"].as_u64().unwrap());
        verify_consistency(
            m,
            n,
            &roots[m as usize],
            &roots[n as usize],
            &path_of(&p["path"]),
        )
        .unwrap();
    }
    let story = Story::new();
    let mut registry = story.registry();
    registry.apply(&log_enrollment(&story)).unwrap();
    SignedTreeHead::parse(v["checkpoint"].as_str().unwrap())
        .unwrap()
        .verify(&registry)
        .unwrap();
    for h in v["refused_checkpoints"].as_array().unwrap() {
        let refused = SignedTreeHead::parse(h["checkpoint"].as_str().unwrap())
            .and_then(|head| head.verify(&registry).map(|_| ()));
        assert_eq!(
            refused.unwrap_err().code(),
            "bad_tree_head",
            "{}",
            h["name"]
        );
    }
    for p in v["refused_inclusion"].as_array().unwrap() {
        let leaf: [u8; 32] = hex::decode(p["leaf"].as_str().unwrap())
            .unwrap()
            .try_into()
            .unwrap();
        let e = verify_inclusion(
            &leaf,
            p["index"].as_u64().unwrap(),
            p["size"].as_u64().unwrap(),
            &path_of(&p["path"]),
            &roots[17],
        )
        .unwrap_err();
        assert_eq!(e.code(), "bad_proof", "{}", p["name"]);
    }
}

#[test]
fn each_package_gets_its_verdict() {
    let authority = Story::new().authority_id();
    for (name, value, expected) in packages() {
        let bytes = serde_json::to_vec(&value).unwrap();
        let verdict = evidence::read(&bytes).and_then(|p| evidence::verify(&p, &authority));
        match expected.verdict {
            "verified" => {
                let verdict = verdict.unwrap_or_else(|e| panic!("{name}: {e}"));
                assert!(verdict.holds(), "{name}: {verdict:?}");
                let flags: usize = verdict.acts.iter().map(|a| a.sightings.len()).sum();
                assert_eq!(flags, expected.flags, "{name}");
                assert_eq!(verdict.acts.len(), Story::new().clean_delivery().len());
            }
            _ => assert!(
                !verdict.as_ref().is_ok_and(|v| v.holds()),
                "{name} must be refused"
            ),
        }
    }
    // Under another root key nothing is verified.
    let good = serde_json::to_vec(&packages()[0].1).unwrap();
    let other = key_id(&key("another authority"));
    assert!(evidence::verify(&evidence::read(&good).unwrap(), &other).is_err());
}
