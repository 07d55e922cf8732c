//! `SignedAct::decode` takes a one-parse path for bytes that are plainly a canonical act and
//! `SignedAct::decode_by_value` for everything else. Both must accept exactly the same bytes
//! with the same act, and refuse the rest with the same error. Checked here on every published
//! vector (valid and invalid), every input of the `act_decode` fuzz corpus, and thousands of
//! small edits of the valid acts; the `act_decode` fuzz target checks it on whatever it finds.

use serde_json::Value;
use std::path::{Path, PathBuf};
use tamga_core::SignedAct;

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// What a decoding gave, comparable: the act's id and bytes, or the error's code and text.
fn outcome(r: Result<SignedAct, tamga_core::DecodeError>) -> Result<(String, Vec<u8>), String> {
    r.map(|a| (a.id().to_hex(), a.encode()))
        .map_err(|e| format!("{}: {e}", e.code()))
}

fn same_both_ways(input: &[u8], what: &str) -> bool {
    let direct = outcome(SignedAct::decode(input));
    let by_value = outcome(SignedAct::decode_by_value(input));
    assert_eq!(direct, by_value, "{what}");
    direct.is_ok()
}

/// The envelopes of the valid vectors under `key` of acts.json: `acts` (complete acts) or
/// `offers` (custody offers: an act with only the releasing officer's signature).
fn envelopes(key: &str) -> Vec<String> {
    let text = std::fs::read_to_string(repo().join("tests/vectors/acts.json")).unwrap();
    let vectors: Value = serde_json::from_str(&text).unwrap();
    vectors[key]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v["envelope"].as_str().unwrap().to_owned())
        .collect()
}

fn valid_envelopes() -> Vec<String> {
    let mut all = envelopes("acts");
    all.extend(envelopes("offers"));
    all
}

#[test]
fn published_vectors_decode_the_same_both_ways() {
    let acts = envelopes("acts");
    assert!(acts.len() >= 15, "every kind has a vector");
    for e in &acts {
        assert!(same_both_ways(e.as_bytes(), e), "a valid act decodes: {e}");
    }
    for e in &envelopes("offers") {
        assert!(
            !same_both_ways(e.as_bytes(), e),
            "an offer lacks the receiving signature: {e}"
        );
    }
    let text = std::fs::read_to_string(repo().join("tests/vectors/invalid.json")).unwrap();
    let invalid: Value = serde_json::from_str(&text).unwrap();
    let mut refused = 0;
    for case in invalid["cases"].as_array().unwrap() {
        let input: Vec<u8> = if let Some(t) = case["input"].as_str() {
            t.as_bytes().to_vec()
        } else if let Some(h) = case["input_hex"].as_str() {
            (0..h.len())
                .step_by(2)
                .map(|i| u8::from_str_radix(&h[i..i + 2], 16).unwrap())
                .collect()
        } else {
            let g = &case["input_generated"];
            let mut v = g["prefix"].as_str().unwrap().as_bytes().to_vec();
            for _ in 0..g["count"].as_u64().unwrap() {
                v.extend_from_slice(g["repeat"].as_str().unwrap().as_bytes());
            }
            v.extend_from_slice(g["suffix"].as_str().unwrap().as_bytes());
            v
        };
        if !same_both_ways(&input, case["name"].as_str().unwrap()) {
            refused += 1;
        }
    }
    assert!(refused > 20, "the invalid vectors are refused ({refused})");
}

#[test]
fn the_fuzz_corpus_decodes_the_same_both_ways() {
    let dir = repo().join("fuzz/corpus/act_decode");
    let mut files = 0;
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        same_both_ways(&std::fs::read(&path).unwrap(), &path.display().to_string());
        files += 1;
    }
    assert!(files > 10, "{} holds the corpus", dir.display());
}

#[test]
fn small_edits_of_valid_acts_decode_the_same_both_ways() {
    let mut accepted = 0;
    let mut tried = 0;
    for e in valid_envelopes() {
        let bytes = e.as_bytes();
        // Every 7th position, so each kind's every part is hit without a quadratic run.
        for at in (0..bytes.len()).step_by(7) {
            let mut edits: Vec<Vec<u8>> = Vec::new();
            let mut removed = bytes.to_vec();
            removed.remove(at);
            edits.push(removed);
            for insert in [b" ".as_slice(), b"0", b"\\u0041", b"null", b",\"x\":1"] {
                let mut v = bytes.to_vec();
                v.splice(at..at, insert.iter().copied());
                edits.push(v);
            }
            for replace in [b'0', b'A', b'"', b'}', b'e'] {
                let mut v = bytes.to_vec();
                v[at] = replace;
                edits.push(v);
            }
            for edit in edits {
                tried += 1;
                if same_both_ways(&edit, &String::from_utf8_lossy(&edit)) {
                    accepted += 1;
                }
            }
        }
    }
    assert!(tried > 20_000, "{tried}");
    // Some edits make another valid act (a digit of a time or a code changed): both ways agree
    // on those too.
    assert!(
        accepted > 0 && accepted < tried / 2,
        "{accepted} of {tried}"
    );
}
