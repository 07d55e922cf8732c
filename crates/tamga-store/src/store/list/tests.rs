//! The list against a brute-force assessment of every consignment at the same time.

use super::*;
use crate::store::test_support::new_store;
use crate::store::StoreOptions;
use tamga_core::act::{ActBody, DiscrepancyResolved, SealState};
use tamga_core::assessment::discrepancy_id;
use tamga_core::fixtures::stream::{
    consignment, post_stream_act, registration, seal, seal_applied,
};
use tamga_core::fixtures::{text, unit, Story, AIRPORT_POST, ESCORT_UNIT};
use tamga_core::{DiscrepancyKind, SignedAct, Tolerances};

/// What the list must show of one consignment at a time: from `assess` at that time.
#[derive(Debug, PartialEq, Eq, Clone)]
struct Expected {
    order: (bool, Option<Timestamp>, String),
    status: Status,
    custodian: Option<UnitCode>,
    overdue: bool,
    open: [u32; 3],
    goods: String,
}

fn brute(store: &Store, now: Timestamp) -> Vec<Expected> {
    let mut ids = BTreeSet::new();
    for s in STATUSES {
        ids.extend(store.by_status(s).unwrap());
    }
    let mut out: Vec<Expected> = ids
        .into_iter()
        .map(|id| {
            let a = store.assessment(&id, now).unwrap();
            let mut open = [0u32; 3];
            for d in a.open_discrepancies() {
                open[SEVERITIES.iter().position(|s| *s == d.severity).unwrap()] += 1;
            }
            Expected {
                order: (
                    a.state.status == Status::Delivered,
                    a.state.deadline,
                    id.to_string(),
                ),
                status: a.state.status,
                custodian: a.state.custodian.as_ref().map(|c| c.unit.clone()),
                overdue: a.state.overdue,
                open,
                goods: a
                    .registration_body
                    .as_ref()
                    .map(crate::summary::goods_text)
                    .unwrap_or_default(),
            }
        })
        .collect();
    out.sort_by(|a, b| a.order.cmp(&b.order));
    out
}

fn shown(row: &ListRow) -> Expected {
    let s = &row.summary;
    Expected {
        order: (
            s.status == Status::Delivered,
            s.deadline,
            s.consignment.to_string(),
        ),
        status: s.status,
        custodian: s.custodian.clone(),
        overdue: row.as_of.overdue,
        open: row.as_of.open,
        goods: s.goods.clone(),
    }
}

/// Every page of `q` (its limit as the page size).
fn all_pages(store: &Store, q: &ListQuery, now: Timestamp) -> Vec<Expected> {
    let mut q = q.clone();
    let mut out = Vec::new();
    loop {
        let page = store.list(&q, now).unwrap();
        assert!(page.rows.len() <= q.limit);
        out.extend(page.rows.iter().map(shown));
        match page.next {
            Some(next) => {
                let text = next.to_text();
                assert_eq!(Cursor::parse(&text), Some(next.clone()), "{text}");
                q.after = Some(next);
            }
            None => return out,
        }
    }
}

fn worst(open: [u32; 3]) -> Option<Severity> {
    AsOf {
        overdue: false,
        open,
    }
    .worst()
}

fn counts_of(expected: &[Expected]) -> ListCounts {
    let mut c = ListCounts::default();
    for e in expected {
        c.total += 1;
        c.by_status[STATUSES.iter().position(|s| *s == e.status).unwrap()] += 1;
        c.by_worst[worst_bucket(worst(e.open))] += 1;
        c.overdue += e.overdue as u64;
    }
    c
}

/// The staff's resolution of consignment `c`'s overdue discrepancy, dated `at`.
fn overdue_resolved(store: &Store, story: &Story, c: &ConsignmentId, at: Timestamp) -> SignedAct {
    let reg = store
        .acts(&crate::DocId::Consignment(c.clone()))
        .unwrap()
        .into_iter()
        .find(|a| a.body().kind() == "consignment_registered")
        .unwrap()
        .id();
    story.sign(
        ActBody::DiscrepancyResolved(DiscrepancyResolved {
            consignment: c.clone(),
            at,
            officer: story.central_staff.id.clone(),
            discrepancy: discrepancy_id(DiscrepancyKind::Overdue, "", &[reg]),
            reason: text("delayed at the border by order"),
            supervisor: None,
        }),
        &[&story.central_staff],
    )
}

/// Seal `seal_n` applied to consignment `n` at the post, at minute `minute`.
fn sealed(story: &Story, n: u64, minute: i64, seal_n: u64) -> SignedAct {
    let ActBody::SealApplied(mut body) = seal_applied(story, n).body().clone() else {
        unreachable!("a seal applied")
    };
    body.at = story.t(minute);
    body.seal = seal(seal_n);
    story.sign(ActBody::SealApplied(body), &[&story.airport_officer])
}

/// The minute acts dated ahead are dated at in [`with_each_bucket`]: after every deadline.
const AHEAD: i64 = 3000;

/// Consignments 100 to 115, registered at minute `n` and due at minute `n + 480`, never
/// arriving: for each worst open discrepancy that does not depend on the time (none, minor,
/// major, critical), one plain, one with an act dated at minute [`AHEAD`] (so at times between
/// its deadline and then it is both overdue and dated ahead), one whose overdue discrepancy
/// staff resolved, and one with both.
fn with_each_bucket(store: &Store, story: &Story) {
    for n in 100..116u64 {
        let (bucket, variant) = ((n - 100) / 4, (n - 100) % 4);
        let mut acts = vec![registration(story, n)];
        match bucket {
            // Nothing open.
            0 => acts.push(seal_applied(story, n)),
            // The seal applied twice: minor.
            1 => acts.extend([seal_applied(story, n), sealed(story, n, n as i64 + 50, n)]),
            // Sealed before the registration: a major clock anomaly.
            2 => acts.push(sealed(story, n, n as i64 - 30, n)),
            // Found damaged on the road, no incident reported: critical.
            _ => {
                let ActBody::EscortAssigned(mut escort) = story.escort_assigned().body().clone()
                else {
                    unreachable!("an escort assignment")
                };
                escort.consignment = consignment(n);
                escort.at = story.t(n as i64 + 15);
                let ActBody::SealChecked(mut check) =
                    story.seal_checked(0, SealState::Damaged).body().clone()
                else {
                    unreachable!("a seal check")
                };
                check.consignment = consignment(n);
                check.seal = seal(n);
                check.at = story.t(n as i64 + 60);
                acts.extend([
                    seal_applied(story, n),
                    story.sign(ActBody::EscortAssigned(escort), &[&story.airport_officer]),
                    story.sign(ActBody::SealChecked(check), &[&story.escort_second]),
                ]);
            }
        }
        if variant % 2 == 1 {
            // A second seal, on a clock far ahead.
            acts.push(sealed(story, n, AHEAD, n + 900));
        }
        for act in &acts {
            store.record(act).unwrap();
        }
        if variant >= 2 {
            let c = consignment(n);
            store
                .record(&overdue_resolved(store, story, &c, story.t(n as i64 + 600)))
                .unwrap();
        }
        let s = store.summary(&consignment(n)).unwrap().unwrap();
        let worst = [None, Some(Severity::Minor), Some(Severity::Major)]
            .get(bucket as usize)
            .copied()
            .unwrap_or(Some(Severity::Critical));
        assert_eq!(s.base_worst(), worst, "consignment {n}: {s:?}");
        assert_eq!(s.due_resolved, variant >= 2, "consignment {n}");
        assert_eq!(s.due, Some(story.t(n as i64 + 480)), "consignment {n}");
    }
}

/// The reference delivery, 40 consignments of a post's stream at every step, one whose
/// overdue discrepancy staff resolved, and [`with_each_bucket`]'s 16.
fn populated(dir: &std::path::Path, story: &Story) -> Store {
    populated_with(dir, story, StoreOptions::default())
}

/// [`populated`], the store opened with `options`.
fn populated_with(dir: &std::path::Path, story: &Story, options: StoreOptions) -> Store {
    let store = Store::open_with(dir, &story.authority_id(), options).unwrap();
    for act in story.registry_acts() {
        store.record(&act).unwrap();
    }
    for act in story.clean_delivery() {
        store.record(&act).unwrap();
    }
    for k in 4..4 * 40 {
        // Consignment k / 4 gets its first (k % 4 + 1) acts for a few steps of the stream.
        if (k % 4) <= (k / 4) % 4 {
            store.record(&post_stream_act(story, k)).unwrap();
        }
    }
    let c = consignment(7);
    store
        .record(&overdue_resolved(&store, story, &c, story.t(2000)))
        .unwrap();
    with_each_bucket(&store, story);
    store
}

/// How many consignments [`populated`] holds.
const HELD: usize = 56;

/// Times before, among and after the deadlines and the acts' own times (some acts are dated
/// in the future at the earlier ones), and on either side of where a deadline passes and where
/// an act stops being dated ahead, with these tolerances.
fn times(story: &Story, tolerances: &Tolerances) -> Vec<Timestamp> {
    let mut out: Vec<Timestamp> = [0, 60, 300, 485, 700, 2000, 5000]
        .into_iter()
        .map(|m| story.t(m))
        .collect();
    // Consignment 101's deadline is minute 581; its act dated ahead, minute AHEAD.
    let passes = story.t(581).plus_seconds(tolerances.deadline_grace_seconds);
    let caught_up = story.t(AHEAD).plus_seconds(-tolerances.clock_skew_seconds);
    for t in [passes, caught_up] {
        out.extend([t.plus_seconds(-1), t, t.plus_seconds(1)]);
    }
    out
}

/// For each bucket the time can move a consignment out of, that some consignment there is at
/// some of `times` overdue alone, dated ahead alone, both, and overdue but resolved: what the
/// counts must get right.
fn assert_every_case_is_met(store: &Store, times: &[Timestamp]) {
    let t = &store.tolerances;
    let mut met = BTreeSet::new();
    for id in (100..116).map(consignment) {
        let s = store.summary(&id).unwrap().unwrap();
        for now in times {
            let overdue = s.overdue_at(*now, t);
            let ahead = s
                .future
                .iter()
                .any(|f| *f > now.plus_seconds(t.clock_skew_seconds));
            let case = match (overdue, s.due_resolved, ahead) {
                (true, false, false) => "overdue",
                (false, _, true) => "ahead",
                (true, false, true) => "overdue and ahead",
                (true, true, _) => "overdue, resolved",
                _ => continue,
            };
            met.insert((bucket_name(s.base_worst()), case));
        }
    }
    for bucket in ["critical", "major", "minor", "none"] {
        for case in ["overdue", "ahead", "overdue and ahead", "overdue, resolved"] {
            assert!(
                met.contains(&(bucket, case)),
                "{bucket}: {case} at none of the times"
            );
        }
    }
}

#[test]
fn every_page_and_count_is_what_assessing_every_consignment_gives() {
    let story = Story::new();
    let dir = tempfile::tempdir().unwrap();
    let store = populated(dir.path(), &story);
    assert_every_case_is_met(&store, &times(&story, &store.tolerances));
    let resolved = store.assessment(&consignment(7), story.t(5000)).unwrap();
    assert!(
        resolved
            .discrepancies
            .iter()
            .any(|d| d.kind == DiscrepancyKind::Overdue && d.resolution.is_some()),
        "the overdue discrepancy of consignment 7 is resolved: {:?}",
        resolved.discrepancies
    );
    for now in times(&story, &store.tolerances) {
        let expected = brute(&store, now);
        assert_eq!(expected.len(), HELD);
        for limit in [1, 7, 40, MAX_PAGE] {
            let q = ListQuery {
                limit,
                ..ListQuery::default()
            };
            assert_eq!(
                all_pages(&store, &q, now),
                expected,
                "at {now}, {limit} a page"
            );
        }
        assert_eq!(
            store.list_counts(now).unwrap(),
            counts_of(&expected),
            "at {now}"
        );
    }
    // Time matters: something is overdue late, nothing early; acts dated ahead early.
    let early = brute(&store, story.t(0));
    assert!(early.iter().all(|e| !e.overdue));
    assert!(early.iter().any(|e| e.open[1] > 0));
    assert!(brute(&store, story.t(5000)).iter().any(|e| e.overdue));
    assert!(store.check().unwrap().is_empty());
}

#[test]
fn with_a_grace_and_a_skew_the_counts_and_the_time_s_filters_follow_them() {
    let story = Story::new();
    let dir = tempfile::tempdir().unwrap();
    let tolerances = Tolerances {
        deadline_grace_seconds: 45 * 60,
        clock_skew_seconds: 20 * 60,
        ..Tolerances::default()
    };
    let options = StoreOptions {
        tolerances: tolerances.clone(),
        ..StoreOptions::default()
    };
    let store = populated_with(dir.path(), &story, options);
    let times = times(&story, &tolerances);
    assert_every_case_is_met(&store, &times);
    for now in times {
        let all = brute(&store, now);
        assert_eq!(store.list_counts(now).unwrap(), counts_of(&all), "at {now}");
        let q = |overdue, severity| ListQuery {
            limit: 4,
            overdue,
            severity,
            ..ListQuery::default()
        };
        assert_eq!(
            all_pages(&store, &q(true, None), now),
            all.iter()
                .filter(|e| e.overdue)
                .cloned()
                .collect::<Vec<_>>(),
            "overdue at {now}"
        );
        for s in SEVERITIES {
            assert_eq!(
                all_pages(&store, &q(false, Some(s)), now),
                all.iter()
                    .filter(|e| worst(e.open).is_some_and(|w| w <= s))
                    .cloned()
                    .collect::<Vec<_>>(),
                "{} at {now}",
                severity_name(s)
            );
        }
    }
}

#[test]
fn each_filter_and_search_gives_what_assessing_every_consignment_gives() {
    let story = Story::new();
    let dir = tempfile::tempdir().unwrap();
    let store = populated(dir.path(), &story);
    for now in times(&story, &store.tolerances) {
        let all = brute(&store, now);
        let check = |q: ListQuery, keep: &dyn Fn(&Expected) -> bool, what: &str| {
            let want: Vec<Expected> = all.iter().filter(|e| keep(e)).cloned().collect();
            for limit in [3, MAX_PAGE] {
                let q = ListQuery { limit, ..q.clone() };
                assert_eq!(all_pages(&store, &q, now), want, "{what} at {now}");
            }
            want.len()
        };
        for status in STATUSES {
            check(
                ListQuery {
                    status: Some(status),
                    ..ListQuery::default()
                },
                &|e| e.status == status,
                status.as_str(),
            );
        }
        for code in [AIRPORT_POST, ESCORT_UNIT, "PMD-BISHKEK"] {
            let u = unit(code);
            check(
                ListQuery {
                    custodian: Some(u.clone()),
                    ..ListQuery::default()
                },
                &|e| e.custodian.as_ref() == Some(&u),
                code,
            );
        }
        for s in SEVERITIES {
            check(
                ListQuery {
                    severity: Some(s),
                    ..ListQuery::default()
                },
                &|e| worst(e.open).is_some_and(|w| w <= s),
                severity_name(s),
            );
            // Combined with a status: the severity decides at the time, the status on the row.
            check(
                ListQuery {
                    severity: Some(s),
                    status: Some(Status::InTransit),
                    ..ListQuery::default()
                },
                &|e| worst(e.open).is_some_and(|w| w <= s) && e.status == Status::InTransit,
                "severity and status",
            );
        }
        check(
            ListQuery {
                overdue: true,
                ..ListQuery::default()
            },
            &|e| e.overdue,
            "overdue",
        );
        let (from, to) = (story.t(20), story.t(500));
        check(
            ListQuery {
                deadline_after: Some(from),
                deadline_before: Some(to),
                ..ListQuery::default()
            },
            &|e| e.order.1.is_some_and(|d| d >= from && d < to),
            "deadline between",
        );
        let n = check(
            ListQuery {
                number: Some("10609050/231126/000001".into()),
                ..ListQuery::default()
            },
            &|e| e.order.2.starts_with("10609050/231126/000001"),
            "number",
        );
        assert_eq!(n, 10, "consignments 10 to 19");
        let word = all[0].goods.split(' ').next().unwrap().to_uppercase();
        assert!(!word.is_empty());
        let n = check(
            ListQuery {
                goods: Some(word.clone()),
                number: Some("10609050".into()),
                ..ListQuery::default()
            },
            &|e| {
                e.goods.to_lowercase().contains(&word.to_lowercase())
                    && e.order.2.starts_with("10609050")
            },
            "goods",
        );
        assert!(n > 0);
        check(
            ListQuery {
                goods: Some("no such goods".into()),
                ..ListQuery::default()
            },
            &|_| false,
            "goods nowhere",
        );
    }
    let e = store.list(&ListQuery::default(), story.t(0)).err().unwrap();
    assert!(matches!(e, StoreError::BadInput { .. }), "{e}");
    for bad in [
        "",
        "0",
        "2-.x",
        "0-",
        "0-.",
        "00123.10609050/1",
        "x-.10609050/231126/0000001",
    ] {
        assert_eq!(Cursor::parse(bad), None, "{bad}");
    }
}

#[test]
fn paging_while_consignments_are_added_skips_and_repeats_nothing() {
    let story = Story::new();
    let dir = tempfile::tempdir().unwrap();
    let store = new_store(dir.path(), &story);
    for n in (0..60).step_by(2) {
        store.record(&registration(&story, n)).unwrap();
    }
    let now = story.t(10);
    let before: Vec<String> = brute(&store, now).into_iter().map(|e| e.order.2).collect();
    let mut q = ListQuery {
        limit: 4,
        ..ListQuery::default()
    };
    let mut seen: Vec<String> = Vec::new();
    let mut added = 1;
    loop {
        let page = store.list(&q, now).unwrap();
        seen.extend(page.rows.iter().map(|r| r.summary.consignment.to_string()));
        // Between pages, consignments are added before and after the cursor.
        if added < 60 {
            store.record(&registration(&story, added)).unwrap();
            store
                .record(&registration(&story, added + 1000 - 60))
                .unwrap();
            added += 2;
        }
        match page.next {
            Some(next) => q.after = Some(next),
            None => break,
        }
    }
    let unique: BTreeSet<&String> = seen.iter().collect();
    assert_eq!(unique.len(), seen.len(), "no row shown twice: {seen:?}");
    for id in &before {
        assert!(
            unique.contains(id),
            "{id} was held before paging began and is shown"
        );
    }
    let mut sorted = seen.clone();
    sorted.sort_by_key(|id| {
        let s = store
            .summary(&ConsignmentId::new(id.as_str()).unwrap())
            .unwrap()
            .unwrap();
        (s.deadline, id.clone())
    });
    assert_eq!(seen, sorted, "in the list's order");
}

#[test]
fn a_late_revocation_and_the_passing_of_time_change_the_list_as_assessing_does() {
    let story = Story::new();
    let dir = tempfile::tempdir().unwrap();
    let store = populated(dir.path(), &story);
    let now = story.t(300);
    let before = brute(&store, now);
    assert_eq!(
        all_pages(
            &store,
            &ListQuery {
                limit: 9,
                ..ListQuery::default()
            },
            now
        ),
        before
    );
    // Time passes the deadlines: no write, and the list follows.
    let later = story.t(3000);
    let q = ListQuery {
        limit: 9,
        ..ListQuery::default()
    };
    let expected = brute(&store, later);
    assert_ne!(
        expected.iter().filter(|e| e.overdue).count(),
        before.iter().filter(|e| e.overdue).count()
    );
    assert_eq!(all_pages(&store, &q, later), expected);
    assert_eq!(store.list_counts(later).unwrap(), counts_of(&expected));
    // The airport officer's key is revoked from before the stream began: every act they
    // signed stops holding, the consignments are re-derived in the registry's write.
    store
        .record(&story.revocation(&story.airport_officer, story.t(-60)))
        .unwrap();
    let after = brute(&store, now);
    assert_ne!(after, before, "the revocation changes the assessments");
    let q = ListQuery {
        limit: 9,
        ..ListQuery::default()
    };
    assert_eq!(all_pages(&store, &q, now), after);
    assert_eq!(store.list_counts(now).unwrap(), counts_of(&after));
    let critical = ListQuery {
        limit: 9,
        severity: Some(Severity::Critical),
        ..ListQuery::default()
    };
    assert_eq!(
        all_pages(&store, &critical, now),
        after
            .iter()
            .filter(|e| worst(e.open) == Some(Severity::Critical))
            .cloned()
            .collect::<Vec<_>>()
    );
}

mod upgrade;

/// Consignment `n` registered with its first goods line described as `description`, and with
/// `extra` more lines of the same goods described as given.
fn registered_with_goods(story: &Story, n: u64, description: &str, extra: &[String]) -> SignedAct {
    let mut body = story.registration_body();
    body.consignment = consignment(n);
    body.goods[0].description = text(description);
    let line = body.goods[0].clone();
    for d in extra {
        let mut more = line.clone();
        more.description = text(d);
        body.goods.push(more);
    }
    story.sign(
        ActBody::ConsignmentRegistered(body),
        &[&story.airport_officer],
    )
}

#[test]
fn the_goods_search_finds_words_by_their_beginning_through_the_goods_keys() {
    let story = Story::new();
    let dir = tempfile::tempdir().unwrap();
    let store = new_store(dir.path(), &story);
    let descriptions = [
        "Platinum ingots",
        "Gold bars, hallmarked",
        "Golden jewellery",
        "Алмазы необработанные",
        "Rough diamonds",
        "Silver coins",
        "Gold dust",
        "Platinum-group metals",
    ];
    for (n, d) in descriptions.iter().enumerate() {
        store
            .record(&registered_with_goods(&story, n as u64, d, &[]))
            .unwrap();
    }
    for n in 8..40 {
        store
            .record(&registered_with_goods(&story, n, "Rough diamonds", &[]))
            .unwrap();
    }
    // Goods of more words than the keys keep: found through the one overflow key.
    let many: Vec<String> = (0..40)
        .map(|i| {
            (0..8)
                .map(|j| format!("w{i}x{j}"))
                .collect::<Vec<_>>()
                .join(" ")
        })
        .collect();
    store
        .record(&registered_with_goods(
            &story,
            40,
            "Palladium sponge",
            &many,
        ))
        .unwrap();
    // Goods of many words with one beginning: a search for it reads the list instead.
    let z: Vec<String> = (0..70).map(|i| format!("z{i}")).collect();
    store
        .record(&registered_with_goods(&story, 41, "Zinc", &[z.join(" ")]))
        .unwrap();
    let now = story.t(0);
    let everything = store
        .list(
            &ListQuery {
                limit: MAX_PAGE,
                ..ListQuery::default()
            },
            now,
        )
        .unwrap()
        .rows;
    assert_eq!(everything.len(), 42);
    for query in [
        "platinum",
        "PLAT",
        "plat ingot",
        "gold",
        "golden",
        "GOLD BARS",
        "алмаз",
        "АЛМАЗЫ необр",
        "rough",
        "z",
        "z1",
        "z69",
        "zinc z3",
        "w7x3",
        "w39",
        "pall",
        "x",
        "g",
        "nothing",
        "-- ",
        "metal group",
    ] {
        let want: Vec<&ConsignmentId> = everything
            .iter()
            .filter(|r| index::goods_match(&r.summary.goods, query))
            .map(|r| &r.summary.consignment)
            .collect();
        for limit in [2, MAX_PAGE] {
            let q = ListQuery {
                limit,
                goods: Some(query.into()),
                ..ListQuery::default()
            };
            let got: Vec<Expected> = all_pages(&store, &q, now);
            let got: Vec<String> = got.into_iter().map(|e| e.order.2).collect();
            let want: Vec<String> = want.iter().map(|c| c.to_string()).collect();
            assert_eq!(got, want, "{query:?}, pages of {limit}");
        }
    }
    // Substrings inside a word are not words' beginnings.
    assert!(!index::goods_match("Platinum ingots", "tinum"));
    assert!(index::goods_match("Platinum-group metals", "group plat"));
    // A rare word reads its own keys (and the overflow key), not the list.
    let page = store
        .list(
            &ListQuery {
                limit: MAX_PAGE,
                goods: Some("platinum".into()),
                ..ListQuery::default()
            },
            now,
        )
        .unwrap();
    assert_eq!(page.rows.len(), 2);
    assert_eq!(
        page.examined, 3,
        "two platinum consignments and the overflow one"
    );
    let examined = |goods: &str| {
        store
            .list(
                &ListQuery {
                    limit: MAX_PAGE,
                    goods: Some(goods.into()),
                    ..ListQuery::default()
                },
                now,
            )
            .unwrap()
            .examined
    };
    // A word that begins more words than the search merges reads the list; fewer, their keys.
    assert_eq!(examined("z"), 42);
    assert_eq!(examined("z1"), 2, "the zinc and the overflow consignment");
    assert_eq!(examined("q"), 1, "the overflow consignment alone");
    // A number prefix few consignments have reads those alone.
    let page = store
        .list(
            &ListQuery {
                limit: MAX_PAGE,
                number: Some(consignment(3).to_string()),
                ..ListQuery::default()
            },
            now,
        )
        .unwrap();
    assert_eq!(page.examined, 1);
    assert_eq!(page.rows[0].summary.consignment, consignment(3));
}
