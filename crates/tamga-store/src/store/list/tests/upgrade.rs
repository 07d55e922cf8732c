//! Stores of older formats, or derived with older rules, brought up to date when opened.

use super::*;

#[test]
fn a_store_of_format_2_gains_the_list_when_opened() {
    let story = Story::new();
    let dir = tempfile::tempdir().unwrap();
    let now = story.t(700);
    let expected = {
        let store = populated(dir.path(), &story);
        let expected = brute(&store, now);
        // What a format 2 store holds: no list keys, no summaries.
        let list_key = |k: &[u8]| {
            [
                "list/",
                "lstatus/",
                "lcustodian/",
                "lworst/",
                "due/",
                "future/",
            ]
            .iter()
            .any(|p| k.starts_with(p.as_bytes()))
        };
        for item in store.t.derived.iter() {
            let (k, v) = item.unwrap();
            let mut d = crate::index::Derived::decode(&v).unwrap();
            for key in d.keys.iter().filter(|k| list_key(k)) {
                store.t.index.remove(key).unwrap();
            }
            d.keys.retain(|k| !list_key(k));
            d.summary = None;
            store.t.derived.insert(k, d.encode()).unwrap();
        }
        store.t.meta.insert("version", &2u32.to_be_bytes()).unwrap();
        store.db.flush().unwrap();
        let q = ListQuery {
            limit: 10,
            ..ListQuery::default()
        };
        assert!(store.list(&q, now).unwrap().rows.is_empty());
        assert!(
            !store.check().unwrap().is_empty(),
            "check sees what is missing"
        );
        expected
    };
    let store = Store::open(dir.path(), &story.authority_id()).unwrap();
    assert_eq!(
        store.t.meta.get("version").unwrap().unwrap().as_ref(),
        crate::FORMAT_VERSION.to_be_bytes()
    );
    assert_eq!(crate::FORMAT_VERSION, 5);
    let q = ListQuery {
        limit: 10,
        ..ListQuery::default()
    };
    assert_eq!(all_pages(&store, &q, now), expected);
    assert_eq!(store.list_counts(now).unwrap(), counts_of(&expected));
    assert!(store.check().unwrap().is_empty());
}

#[test]
fn a_store_of_format_3_gains_the_time_s_buckets_when_opened() {
    let story = Story::new();
    let dir = tempfile::tempdir().unwrap();
    let times = times(&story, &Tolerances::default());
    let expected: Vec<Vec<Expected>> = {
        let store = populated(dir.path(), &story);
        let expected = times.iter().map(|now| brute(&store, *now)).collect();
        // What a format 3 store holds: `due/<deadline>` and `future/<latest>` keys, no
        // counters of the `due` keys.
        let old_key = |k: &[u8]| -> Option<Vec<u8>> {
            let (kind, rest) = if let Some(rest) = k.strip_prefix(b"due/") {
                ("due", rest)
            } else {
                ("future", k.strip_prefix(b"future/")?)
            };
            let id = consignment_of_key(k);
            let value = std::str::from_utf8(&rest[..rest.iter().position(|b| *b == 0)?]).ok()?;
            let (_, value) = value.split_once('/')?;
            let time = if kind == "due" {
                value.strip_prefix('0')?
            } else {
                value.split_once('/')?.0
            };
            Some(format!("{kind}/{time}\0{id}").into_bytes())
        };
        let mut rewritten = 0;
        for item in store.t.derived.iter() {
            let (k, v) = item.unwrap();
            let mut d = crate::index::Derived::decode(&v).unwrap();
            let keys = std::mem::take(&mut d.keys);
            for key in keys {
                match old_key(&key) {
                    Some(old) => {
                        store.t.index.remove(&key).unwrap();
                        store.t.index.insert(&old, &[]).unwrap();
                        d.keys.insert(old);
                        rewritten += 1;
                    }
                    None => {
                        d.keys.insert(key);
                    }
                }
            }
            store.t.derived.insert(k, d.encode()).unwrap();
        }
        assert!(
            rewritten > HELD,
            "every consignment's future key and the due keys"
        );
        for k in store.t.meta.scan_prefix(b"count\0due/").keys() {
            store.t.meta.remove(k.unwrap()).unwrap();
        }
        store.t.meta.insert("version", &3u32.to_be_bytes()).unwrap();
        store.db.flush().unwrap();
        let problems = store.check().unwrap();
        assert!(
            problems.iter().any(|p| p.contains("index has")),
            "check sees the old keys: {problems:?}"
        );
        expected
    };
    let store = Store::open(dir.path(), &story.authority_id()).unwrap();
    assert_eq!(
        store.t.meta.get("version").unwrap().unwrap().as_ref(),
        crate::FORMAT_VERSION.to_be_bytes()
    );
    assert!(store.check().unwrap().is_empty());
    for (now, expected) in times.iter().zip(expected) {
        let q = ListQuery {
            limit: 10,
            ..ListQuery::default()
        };
        assert_eq!(all_pages(&store, &q, *now), expected, "at {now}");
        assert_eq!(
            store.list_counts(*now).unwrap(),
            counts_of(&expected),
            "at {now}"
        );
        let overdue = ListQuery { overdue: true, ..q };
        assert_eq!(
            all_pages(&store, &overdue, *now),
            expected
                .into_iter()
                .filter(|e| e.overdue)
                .collect::<Vec<_>>(),
            "overdue at {now}"
        );
    }
}

#[test]
fn a_store_of_format_4_gains_the_goods_words_when_opened() {
    let story = Story::new();
    let dir = tempfile::tempdir().unwrap();
    let now = story.t(700);
    let word = |store: &Store| {
        let q = ListQuery {
            limit: MAX_PAGE,
            goods: Some("DIAM".into()),
            ..ListQuery::default()
        };
        all_pages(store, &q, now)
    };
    let expected = {
        let store = populated(dir.path(), &story);
        let expected = word(&store);
        assert_eq!(expected.len(), HELD, "every consignment has rough diamonds");
        // What a format 4 store holds: no `lgoods` keys.
        let mut removed = 0;
        for item in store.t.derived.iter() {
            let (k, v) = item.unwrap();
            let mut d = crate::index::Derived::decode(&v).unwrap();
            let goods: Vec<Vec<u8>> = d
                .keys
                .iter()
                .filter(|k| k.starts_with(b"lgoods/"))
                .cloned()
                .collect();
            for key in goods {
                store.t.index.remove(&key).unwrap();
                d.keys.remove(&key);
                removed += 1;
            }
            store.t.derived.insert(k, d.encode()).unwrap();
        }
        assert!(removed >= HELD);
        store.t.meta.insert("version", &4u32.to_be_bytes()).unwrap();
        store.db.flush().unwrap();
        // Without its keys the search finds nothing.
        assert!(word(&store).is_empty());
        expected
    };
    let store = Store::open(dir.path(), &story.authority_id()).unwrap();
    assert_eq!(
        store.t.meta.get("version").unwrap().unwrap().as_ref(),
        crate::FORMAT_VERSION.to_be_bytes()
    );
    assert!(store.check().unwrap().is_empty());
    assert_eq!(word(&store), expected);
}

fn consignment_of_key(k: &[u8]) -> ConsignmentId {
    crate::index::consignment_of(k).unwrap()
}

#[test]
fn a_store_derived_with_older_rules_is_derived_again_when_opened() {
    let story = Story::new();
    let dir = tempfile::tempdir().unwrap();
    let now = story.t(700);
    let expected = {
        let store = populated(dir.path(), &story);
        let expected = brute(&store, now);
        // Derived with the rules before their version was kept: no `rules`, and (to see the
        // re-derivation happen) summaries that are gone.
        for item in store.t.derived.iter() {
            let (k, v) = item.unwrap();
            let mut d = crate::index::Derived::decode(&v).unwrap();
            d.summary = None;
            store.t.derived.insert(k, d.encode()).unwrap();
        }
        store.t.meta.remove("rules").unwrap();
        store.db.flush().unwrap();
        assert!(
            !store.check().unwrap().is_empty(),
            "check sees the stale records"
        );
        expected
    };
    let store = Store::open(dir.path(), &story.authority_id()).unwrap();
    assert_eq!(
        store.t.meta.get("rules").unwrap().unwrap().as_ref(),
        tamga_core::assessment::RULES_VERSION.to_be_bytes()
    );
    let q = ListQuery {
        limit: 10,
        ..ListQuery::default()
    };
    assert_eq!(all_pages(&store, &q, now), expected);
    assert!(store.check().unwrap().is_empty());
    // Opened again with the same rules: nothing to do, the same answers.
    drop(store);
    let store = Store::open(dir.path(), &story.authority_id()).unwrap();
    assert_eq!(all_pages(&store, &q, now), expected);
}
