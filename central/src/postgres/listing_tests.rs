//! The dashboard's filters read with SQL give what the in-memory index gives: the same
//! consignments and discrepancies, in the same order, each the same JSON, for every filter
//! staff can set, over consignments ending every way, overdue, damaged and resolved.

use super::{Database, Replica, RowSet};
use crate::reconcile::{Filter, Index, Record};
use serde_json::{json, Value};
use std::sync::Arc;
use tamga_core::act::SealState;
use tamga_core::assessment::Resolution;
use tamga_core::fixtures::Story;
use tamga_core::{assess, ActId, Assessment, ConsignmentId, SignedAct, Timestamp, Tolerances};
use tamga_store::Store;

/// `acts` of the story assessed at `now` as consignment `id`.
fn assessed(story: &Story, acts: &[SignedAct], now: Timestamp, id: &str) -> (Assessment, Record) {
    let mut a = assess(
        &story.consignment,
        acts,
        &story.registry(),
        now,
        &Tolerances::default(),
    );
    a.consignment = ConsignmentId::new(id).unwrap();
    let mut r = Record::of(&a, acts);
    r.consignment = a.consignment.clone();
    for d in &mut r.discrepancies {
        d.consignment = a.consignment.clone();
    }
    (a, r)
}

fn query(pairs: &[(&str, &str)]) -> Filter {
    Filter::from_query(
        &pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect(),
        &Default::default(),
    )
    .unwrap()
}

#[test]
fn the_filters_in_sql_give_what_the_index_gives() {
    let Some(url) = tamga_testkit::postgres::fresh_database("dashboard filters") else {
        return;
    };
    let story = Story::new();
    let clean = story.clean_delivery();
    let mut damaged = clean[..5].to_vec();
    damaged.push(story.seal_checked(60, SealState::Damaged));
    let returned = story.refused_and_returned();
    let day_later = story.t(24 * 60);
    let mut all = vec![
        assessed(&story, &clean, story.after(), story.consignment.as_str()),
        assessed(&story, &damaged, story.after(), "10609050/231126/0000999"),
        assessed(&story, &clean[..6], day_later, "10609050/231126/0000998"),
        assessed(
            &story,
            &returned[..9],
            story.t(115),
            "10609050/231126/0000997",
        ),
        assessed(&story, &returned, day_later, "10609050/231126/0000996"),
        assessed(&story, &clean[..1], story.t(5), "10609050/231126/0000995"),
        assessed(&story, &damaged, story.after(), "10609050/231126/0000994"),
    ];
    // Staff resolved the last one's discrepancies.
    for d in &mut all[6].1.discrepancies {
        d.resolution = Some(Resolution {
            act: ActId([7; 32]),
            by: story.vehicle_device.id.clone(),
            supervisor: None,
            at: day_later,
            reason: "seal replaced in the presence of the Department".into(),
        });
    }
    let mut index = Index::default();
    for (_, r) in &all {
        index.put(r.clone());
    }
    let dir = tempfile::TempDir::new().unwrap();
    let store = Arc::new(Store::open(dir.path(), &story.authority_id()).unwrap());
    let replica =
        Replica::new(store, Database::open(&url, &story.authority_id()).unwrap()).unwrap();
    let sets: Vec<RowSet> = all
        .iter()
        .map(|(a, r)| RowSet::of(a, r, 1, chrono_tz::Asia::Bishkek))
        .collect();
    assert_eq!(replica.write_rows(&sets).unwrap(), all.len());

    let filters: Vec<Vec<(&str, &str)>> = vec![
        vec![],
        vec![("status", "delivered")],
        vec![("status", "in_transit")],
        vec![("status", "refused")],
        vec![("status", "returned")],
        vec![("status", "registered")],
        vec![("kind", "seal_damaged")],
        vec![("kind", "seal_damaged"), ("state", "resolved")],
        vec![("kind", "seal_damaged"), ("state", "all")],
        vec![("kind", "delivery_refused")],
        vec![("kind", "overdue")],
        vec![("severity", "critical")],
        vec![("severity", "major")],
        vec![("severity", "minor"), ("state", "all")],
        vec![("discrepancies", "yes")],
        vec![("discrepancies", "no")],
        vec![("discrepancies", "no"), ("state", "resolved")],
        vec![("discrepancies", "no"), ("kind", "seal_damaged")],
        vec![("discrepancies", "yes"), ("state", "all")],
        vec![("post", "PMD-BISHKEK")],
        vec![("post", "ESCORT-BISHKEK"), ("status", "in_transit")],
        vec![("post", "TOKMOK-ROAD")],
        vec![("from", "2026-11-23"), ("until", "2026-11-24")],
        vec![("from", "2026-11-24")],
        vec![("until", "2026-11-23T06:00:00Z")],
        vec![("due_before", "2026-11-23T07:00:00Z")],
        vec![("due_before", "2026-11-24")],
        vec![("overdue", "yes")],
        vec![("overdue", "no"), ("state", "all")],
        vec![("limit", "2")],
        vec![("limit", "2"), ("offset", "2")],
        vec![("offset", "5"), ("state", "all")],
        vec![
            ("limit", "1"),
            ("offset", "1"),
            ("kind", "seal_damaged"),
            ("state", "all"),
        ],
        vec![("offset", "100")],
        vec![("limit", "3"), ("status", "delivered")],
        vec![
            ("limit", "2"),
            ("offset", "1"),
            ("discrepancies", "yes"),
            ("state", "all"),
        ],
        vec![("limit", "4"), ("post", "PMD-BISHKEK"), ("overdue", "no")],
    ];
    let mut kept_somewhere = 0;
    for pairs in &filters {
        let filter = query(pairs);
        let from_index: Vec<Value> = index
            .consignments(&filter)
            .into_iter()
            .map(|r| r.listed())
            .collect();
        let from_sql = replica.consignments(&filter).unwrap();
        assert_eq!(from_sql, from_index, "consignments by {pairs:?}");
        let from_index = json!(index.discrepancies(&filter));
        let from_sql = Value::from(replica.discrepancies(&filter).unwrap());
        assert_eq!(from_sql, from_index, "discrepancies by {pairs:?}");
        kept_somewhere += usize::from(!from_sql.as_array().unwrap().is_empty());
    }
    // The filters are not all empty: they pick.
    assert!(kept_somewhere > filters.len() / 2, "{kept_somewhere}");
    assert_eq!(
        replica.consignments(&Filter::default()).unwrap().len(),
        all.len()
    );
}
