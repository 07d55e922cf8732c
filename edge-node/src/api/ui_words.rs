//! The UI's tables (`ui/i18n.js`) against what the node says: every finding's template in every
//! language with exactly the placeholders of its English, every term a finding may name, and
//! every word of the shared map (`/track.js`) and of its place on the consignment page.

use std::collections::BTreeMap;
use tamga_core::assessment::words::{template, ALL, TERMS};

const I18N: &str = include_str!("../../ui/i18n.js");
const APP: &str = include_str!("../../ui/app.js");

/// Each language's entries (`  const en = {` opens a language, `    'key': 'text',` is an entry,
/// `  };` closes it), texts unescaped.
fn tables() -> BTreeMap<String, BTreeMap<String, String>> {
    let mut out: BTreeMap<String, BTreeMap<String, String>> = BTreeMap::new();
    let mut current: Option<String> = None;
    for line in I18N.lines() {
        if let Some(name) = line
            .strip_prefix("  const ")
            .and_then(|l| l.strip_suffix(" = {"))
        {
            current = Some(name.to_owned());
            continue;
        }
        if line == "  };" {
            current = None;
            continue;
        }
        let (Some(lang), Some(entry)) = (&current, line.strip_prefix("    '")) else {
            continue;
        };
        let Some((key, text)) = entry.split_once("': '") else {
            continue;
        };
        let text = text
            .strip_suffix("',")
            .unwrap_or_else(|| panic!("{lang}: {key}: one line, ending in ',"));
        let text = text.replace("\\'", "'").replace("\\\\", "\\");
        let table = out.entry(lang.clone()).or_default();
        assert!(
            table.insert(key.to_owned(), text).is_none(),
            "{lang}: {key} twice"
        );
    }
    out
}

/// The enumeration of `ui/i18n.js` each kind of term is translated from (`FINDING_TERMS` in
/// `app.js`).
fn enumerations() -> BTreeMap<&'static str, String> {
    let start = APP
        .find("const FINDING_TERMS = {")
        .expect("FINDING_TERMS in app.js");
    let body = &APP[start..start + APP[start..].find("};").unwrap()];
    TERMS
        .iter()
        .map(|term| {
            let at = body
                .find(&format!("{term}: '"))
                .unwrap_or_else(|| panic!("app.js says no {term} in words"));
            let rest = &body[at + term.len() + 3..];
            (*term, rest[..rest.find('\'').unwrap()].to_owned())
        })
        .collect()
}

#[test]
fn every_finding_is_said_in_every_language_with_its_placeholders() {
    let tables = tables();
    assert_eq!(
        tables.keys().map(String::as_str).collect::<Vec<_>>(),
        ["en", "kk", "ky", "ru"]
    );
    for t in ALL {
        let key = format!("finding.{}", t.key);
        for (lang, table) in &tables {
            let text = table
                .get(&key)
                .unwrap_or_else(|| panic!("{lang} lacks {key}"));
            if let Err(e) = t.check_translation(text) {
                panic!("{lang}: {key}: {e}");
            }
        }
        assert_eq!(tables["en"][&key], t.english);
    }
    for (lang, table) in &tables {
        for key in table.keys().filter_map(|k| k.strip_prefix("finding.")) {
            assert!(
                template(key).is_some(),
                "{lang}: finding.{key} is no template"
            );
        }
    }
}

#[test]
fn every_term_a_finding_may_name_is_in_every_language() {
    let tables = tables();
    for (term, enumeration) in enumerations() {
        let prefix = format!("enum.{enumeration}.");
        let values: Vec<&String> = tables["en"]
            .keys()
            .filter(|k| k.starts_with(&prefix))
            .collect();
        assert!(!values.is_empty(), "{term}: no {prefix}* in English");
        for (lang, table) in &tables {
            let missing: Vec<&&String> =
                values.iter().filter(|k| !table.contains_key(**k)).collect();
            assert!(missing.is_empty(), "{lang} lacks {missing:?} ({term})");
        }
    }
}

/// The GPS's words (`gps.*`, and the states and reasons the status names) are in every language,
/// every one app.js asks for is in the tables, and every state and reason the node says has its
/// words.
#[test]
fn the_gps_words_are_in_every_language() {
    let tables = tables();
    let gps = |k: &&String| {
        k.starts_with("gps.")
            || k.starts_with("enum.gps_state.")
            || k.starts_with("enum.gps_refused.")
    };
    let english: Vec<&String> = tables["en"].keys().filter(gps).collect();
    assert!(english.len() > 20, "{english:?}");
    for (lang, table) in &tables {
        let missing: Vec<&&String> = english
            .iter()
            .filter(|k| !table.contains_key(**k))
            .collect();
        assert!(missing.is_empty(), "{lang} lacks {missing:?}");
        let extra: Vec<&String> = table
            .keys()
            .filter(gps)
            .filter(|k| !tables["en"].contains_key(*k))
            .collect();
        assert!(extra.is_empty(), "{lang} has {extra:?}, English does not");
    }
    let mut rest = APP;
    while let Some(at) = rest.find("t('gps.") {
        let key = &rest[at + 3..];
        let key = &key[..key.find('\'').unwrap()];
        assert!(tables["en"].contains_key(key), "app.js asks for {key}");
        rest = &rest[at + 3..];
    }
    use crate::gps::status::Link;
    for link in [Link::Connected, Link::NoFix, Link::Lost] {
        let json = serde_json::to_value(link).unwrap();
        let key = format!("enum.gps_state.{}", json.as_str().unwrap());
        assert!(tables["en"].contains_key(&key), "{key}");
    }
    for reason in crate::gps::fixes::Reason::ALL {
        let key = format!("enum.gps_refused.{}", reason.name());
        assert!(tables["en"].contains_key(&key), "{key}");
    }
}

/// The keys `text` names literally as `t('key')` (a key built from a prefix is not one).
fn literal_keys(text: &str) -> Vec<String> {
    let mut keys = Vec::new();
    let mut rest = text;
    while let Some(at) = rest.find("t('") {
        let before = rest[..at].chars().next_back();
        let after = &rest[at + 3..];
        rest = after;
        if before.is_some_and(|c| c.is_ascii_alphanumeric() || c == '_' || c == '.') {
            continue;
        }
        if let Some(end) = after.find('\'') {
            keys.push(after[..end].to_owned());
        }
    }
    keys
}

#[test]
fn every_word_of_the_map_is_in_every_language() {
    let tables = tables();
    let mut needed = literal_keys(tamga_node::local::TRACK_JS);
    assert!(needed.len() > 10, "track.js names its words: {needed:?}");
    needed.extend(
        literal_keys(APP)
            .into_iter()
            .filter(|k| k.starts_with("track.")),
    );
    assert!(needed.iter().any(|k| k == "track.title"), "{needed:?}");
    for (lang, table) in &tables {
        let missing: Vec<&String> = needed.iter().filter(|k| !table.contains_key(*k)).collect();
        assert!(missing.is_empty(), "{lang} lacks {missing:?}");
        // And nothing of the map's is left over in a table.
        for key in table.keys().filter(|k| k.starts_with("track.")) {
            assert!(
                needed.contains(key),
                "{lang}: {key} is not said on the page"
            );
        }
    }
}
