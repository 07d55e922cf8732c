//! The reconciliation's rows against a real PostgreSQL: the `analyst` views give the built-in
//! reports' figures, a row derived earlier never replaces a later one, and the analysts' role
//! reads the views and nothing else.

use super::{Database, Replica, RowSet};
use crate::reconcile::Record;
use crate::reports::test_support::{another, ended, story_assessment};
use crate::reports::{kp_statistics, reconciliation, ConsignmentRecord, KpFlow};
use rust_decimal::Decimal;
use std::str::FromStr;
use std::sync::Arc;
use tamga_core::act::{ConsignmentRegistered, Direction};
use tamga_core::codes::{CurrencyCode, HsCode};
use tamga_core::fixtures::{at, Story};
use tamga_core::quantity::{Mass, MassUnit, Quantity, QuantityUnit};
use tamga_core::Assessment;
use tamga_store::Store;

const ZONE: chrono_tz::Tz = chrono_tz::Asia::Bishkek;

/// Consignments ending every way, in two years and two directions, one valued in euros, one
/// carrying gold besides the diamonds.
fn consignments(story: &Story) -> Vec<(Assessment, ConsignmentRegistered)> {
    let (a, reg) = story_assessment(story);
    let mut out = vec![(a.clone(), reg.clone())];
    let mut push = |(mut a, r): (Assessment, ConsignmentRegistered)| {
        a.registration_body = Some(r.clone());
        out.push((a, r));
    };
    push(another(
        &ended(story, "delivered_short"),
        &reg,
        "X-SHORT",
        "2026-03-01T04:00:00Z",
        |_| {},
    ));
    push(another(
        &ended(story, "refused"),
        &reg,
        "X-REFUSED",
        "2026-04-01T04:00:00Z",
        |_| {},
    ));
    push(another(
        &ended(story, "returned"),
        &reg,
        "X-RETURNED",
        "2026-05-01T04:00:00Z",
        |_| {},
    ));
    push(another(&a, &reg, "X-EUR", "2025-12-31T20:00:00Z", |r| {
        // 02:00 on 1 January 2026 in Bishkek: counts in 2026.
        r.goods[0].value.currency = CurrencyCode::new("EUR").unwrap();
    }));
    push(another(&a, &reg, "X-EXPORT", "2025-06-01T04:00:00Z", |r| {
        r.direction = Direction::Export;
        let mut gold = r.goods[0].clone();
        gold.hs_code = HsCode::new("7108120000").unwrap();
        gold.quantity = Quantity {
            value: Decimal::from_str("1000.5").unwrap(),
            unit: QuantityUnit::G,
        };
        gold.net_mass = Mass::new("1000.5", MassUnit::G).unwrap();
        r.goods.push(gold);
    }));
    out
}

fn replica(story: &Story, url: &str) -> (tempfile::TempDir, Replica) {
    let dir = tempfile::TempDir::new().unwrap();
    let store = Arc::new(Store::open(dir.path(), &story.authority_id()).unwrap());
    let db = Database::open(url, &story.authority_id()).unwrap();
    (dir, Replica::new(store, db).unwrap())
}

fn dec(text: &str) -> Decimal {
    Decimal::from_str(text).unwrap().normalize()
}

fn sets(all: &[(Assessment, ConsignmentRegistered)], position: u64) -> Vec<RowSet> {
    all.iter()
        .map(|(a, _)| RowSet::of(a, &Record::of(a, &[]), position, ZONE))
        .collect()
}

#[test]
fn the_analyst_views_give_the_reports_figures() {
    let Some(url) = tamga_testkit::postgres::fresh_database("reconciliation rows") else {
        return;
    };
    let story = Story::new();
    let all = consignments(&story);
    let (_dir, replica) = replica(&story, &url);
    assert_eq!(replica.write_rows(&sets(&all, 1)).unwrap(), all.len());
    let records: Vec<ConsignmentRecord> = all
        .iter()
        .map(|(assessment, registration)| ConsignmentRecord {
            assessment,
            registration,
        })
        .collect();
    let mut client = postgres::Client::connect(&url, postgres::NoTls).unwrap();

    // KP statistics: every year and direction with a figure, each figure as the report's.
    let kp = kp_statistics(&records, 2025..=2026, ZONE).unwrap();
    let rows = client
        .query(
            "SELECT year, direction, consignments, volume_ct::text, value_usd::text, usd_valued_ct::text, \
             usd_per_ct::text, kp_certificates, shortage_ct::text, refused_or_returned, \
             refused_or_returned_ct::text FROM analyst.kp_statistics ORDER BY year, direction",
            &[],
        )
        .unwrap();
    let mut expected = Vec::new();
    for year in &kp.years {
        for (direction, flow) in [
            ("export", &year.export),
            ("import", &year.import),
            ("transit", &year.transit),
        ] {
            if flow.consignments + flow.refused_or_returned > 0 {
                expected.push((year.year, direction, flow));
            }
        }
    }
    assert_eq!(rows.len(), expected.len(), "{rows:?}");
    let mut checked_short = false;
    for (row, (year, direction, flow)) in rows.iter().zip(&expected) {
        let flow: &KpFlow = flow;
        assert_eq!(row.get::<_, i32>(0), *year);
        assert_eq!(row.get::<_, String>(1), *direction);
        assert_eq!(
            row.get::<_, i64>(2),
            i64::from(flow.consignments),
            "{year} {direction}"
        );
        assert_eq!(
            dec(row.get(3)),
            flow.volume_ct.normalize(),
            "{year} {direction} carats"
        );
        assert_eq!(
            dec(row.get(4)),
            flow.value_usd.normalize(),
            "{year} {direction} USD"
        );
        assert_eq!(dec(row.get(5)), flow.usd_valued_ct.normalize());
        assert_eq!(
            row.get::<_, Option<String>>(6).map(|t| dec(&t)),
            flow.usd_per_ct.map(|d| d.normalize()),
            "{year} {direction} USD per carat"
        );
        assert_eq!(row.get::<_, i64>(7), i64::from(flow.kp_certificates));
        assert_eq!(dec(row.get(8)), flow.shortage_ct.normalize());
        assert_eq!(row.get::<_, i64>(9), i64::from(flow.refused_or_returned));
        assert_eq!(dec(row.get(10)), flow.refused_or_returned_ct.normalize());
        checked_short |= !flow.shortage_ct.is_zero();
    }
    assert!(checked_short, "the set has a short delivery");
    let not_in_usd = client
        .query(
            "SELECT year, currency, amount::text, volume_ct::text FROM analyst.kp_not_in_usd",
            &[],
        )
        .unwrap();
    assert_eq!(not_in_usd.len(), 1);
    let euros = &kp
        .years
        .iter()
        .find(|y| y.year == 2026)
        .unwrap()
        .import
        .not_in_usd[0];
    assert_eq!(not_in_usd[0].get::<_, String>(1), euros.currency);
    assert_eq!(dec(not_in_usd[0].get(2)), euros.amount.normalize());
    assert_eq!(dec(not_in_usd[0].get(3)), euros.volume_ct.normalize());

    // The Department reconciliation for a period: each heading's row as the report's.
    let (from, until) = (at("2025-01-01T00:00:00Z"), at("2027-01-01T00:00:00Z"));
    let report = reconciliation(&records, from, until).unwrap();
    let rows = client
        .query(
            "SELECT direction, heading, consignments, delivered, delivered_short, refused, returned, \
             in_transit, lines, quantity_ct::text, quantity_g::text, quantity_kg::text, quantity_pcs::text, \
             net_mass_g::text, state_control_certificates \
             FROM analyst.reconciliation_by_heading($1::text::timestamptz, $2::text::timestamptz) \
             ORDER BY direction, heading",
            &[&from.to_string(), &until.to_string()],
        )
        .unwrap();
    let mut by_heading = report.by_heading.clone();
    let name = |d: Direction| match d {
        Direction::Import => "import",
        Direction::Export => "export",
        Direction::Transit => "transit",
    };
    by_heading.sort_by_key(|r| (name(r.direction), r.heading.clone()));
    assert_eq!(rows.len(), by_heading.len(), "{rows:?}");
    assert!(by_heading.len() >= 3, "diamonds both ways and gold");
    for (row, expected) in rows.iter().zip(&by_heading) {
        let what = format!("{:?} {:?}", expected.direction, expected.heading);
        assert_eq!(row.get::<_, String>(0), name(expected.direction), "{what}");
        assert_eq!(row.get::<_, Option<String>>(1), expected.heading, "{what}");
        let counts: Vec<i64> = (2..=8).map(|i| row.get::<_, i64>(i)).collect();
        assert_eq!(
            counts,
            [
                expected.consignments,
                expected.delivered,
                expected.delivered_short,
                expected.refused,
                expected.returned,
                expected.in_transit,
                expected.lines
            ]
            .map(i64::from),
            "{what}"
        );
        let q = &expected.quantity;
        for (i, x) in [
            (9, q.ct),
            (10, q.g),
            (11, q.kg),
            (12, q.pcs),
            (13, expected.net_mass_g),
        ] {
            assert_eq!(dec(row.get(i)), x.normalize(), "{what} column {i}");
        }
        assert_eq!(
            row.get::<_, i64>(14),
            i64::from(expected.state_control_certificates),
            "{what}"
        );
        let values = client
            .query(
                "SELECT currency, amount::text FROM analyst.reconciliation_values($1::text::timestamptz, \
                 $2::text::timestamptz) WHERE direction = $3 AND heading = $4 ORDER BY currency",
                &[&from.to_string(), &until.to_string(), &name(expected.direction), &expected.heading],
            )
            .unwrap();
        let got: Vec<(String, Decimal)> =
            values.iter().map(|v| (v.get(0), dec(v.get(1)))).collect();
        let want: Vec<(String, Decimal)> = expected
            .values
            .iter()
            .map(|v| (v.currency.clone(), v.amount.normalize()))
            .collect();
        assert_eq!(got, want, "{what} values");
    }
    // A period that leaves consignments out leaves them out of the sums too.
    let (from, until) = (at("2026-01-01T00:00:00Z"), at("2027-01-01T00:00:00Z"));
    let report = reconciliation(&records, from, until).unwrap();
    let total: i64 = client
        .query_one(
            "SELECT sum(lines)::bigint FROM analyst.reconciliation_by_heading($1::text::timestamptz, $2::text::timestamptz)",
            &[&from.to_string(), &until.to_string()],
        )
        .unwrap()
        .get(0);
    assert_eq!(total, report.lines.len() as i64);
}

#[test]
fn a_row_derived_earlier_never_replaces_a_later_one() {
    let Some(url) = tamga_testkit::postgres::fresh_database("reconciliation rows") else {
        return;
    };
    let story = Story::new();
    let (_dir, replica) = replica(&story, &url);
    let delivered = story_assessment(&story).0;
    let mut refused = ended(&story, "refused");
    refused.as_of = delivered.as_of;
    let later = RowSet::of(&refused, &Record::of(&refused, &[]), 9, ZONE);
    let earlier = RowSet::of(&delivered, &Record::of(&delivered, &[]), 5, ZONE);
    assert_eq!(replica.write_rows(&[later]).unwrap(), 1);
    assert_eq!(
        replica.write_rows(std::slice::from_ref(&earlier)).unwrap(),
        0,
        "older position"
    );
    let mut client = postgres::Client::connect(&url, postgres::NoTls).unwrap();
    let outcome: Option<String> = client
        .query_one("SELECT outcome FROM analyst.consignments", &[])
        .unwrap()
        .get(0);
    assert_eq!(outcome.as_deref(), Some("refused"));
    // The same position assessed later (time moved on) does replace it.
    let mut again = earlier;
    again.position = 9;
    again.record.assessed_at = again.record.assessed_at.plus_seconds(60);
    assert_eq!(replica.write_rows(&[again]).unwrap(), 1);
    let outcome: Option<String> = client
        .query_one("SELECT outcome FROM analyst.consignments", &[])
        .unwrap()
        .get(0);
    assert_eq!(outcome.as_deref(), Some("delivered"));
}

#[test]
fn analysts_read_the_views_and_nothing_else() {
    let Some(url) = tamga_testkit::postgres::fresh_database("reconciliation rows") else {
        return;
    };
    let story = Story::new();
    let (_dir, replica) = replica(&story, &url);
    replica.write_rows(&sets(&consignments(&story), 1)).unwrap();
    let mut client = postgres::Client::connect(&url, postgres::NoTls).unwrap();
    client.batch_execute("SET ROLE tamga_analyst").unwrap();
    let n: i64 = client
        .query_one("SELECT count(*) FROM analyst.consignments", &[])
        .unwrap()
        .get(0);
    assert_eq!(n, 6);
    client
        .query_one(
            "SELECT count(*) FROM analyst.reconciliation_by_heading('2020-01-01', '2030-01-01')",
            &[],
        )
        .unwrap();
    for table in ["consignment_rows", "changes", "nonces", "checkpoints"] {
        let refused = client
            .query(&format!("SELECT * FROM {table}"), &[])
            .unwrap_err();
        assert!(
            refused.to_string().contains("permission denied")
                || refused
                    .as_db_error()
                    .is_some_and(|e| e.message().contains("permission denied")),
            "{table}: {refused}"
        );
    }
    let refused = client
        .execute("DELETE FROM analyst.consignments", &[])
        .unwrap_err();
    assert!(
        refused
            .as_db_error()
            .is_some_and(|e| e.message().contains("permission denied")),
        "{refused}"
    );
}

#[test]
fn the_tap_writes_a_consignment_again_only_when_its_rows_change() {
    let Some(url) = tamga_testkit::postgres::fresh_database("reconciliation rows") else {
        return;
    };
    let story = Story::new();
    let (_dir, replica) = replica(&story, &url);
    let writer = super::RowWriter::new(Arc::new(replica), ZONE);
    let mut client = postgres::Client::connect(&url, postgres::NoTls).unwrap();
    let assessed_at = |client: &mut postgres::Client| -> String {
        client
            .query_one("SELECT assessed_at::text FROM consignment_rows", &[])
            .unwrap()
            .get(0)
    };
    let (mut a, _) = story_assessment(&story);
    writer.take(&a, &Record::of(&a, &[]));
    writer.flush();
    let first = assessed_at(&mut client);
    // Assessed again a minute later, nothing changed: not written again.
    a.as_of = a.as_of.plus_seconds(60);
    writer.take(&a, &Record::of(&a, &[]));
    writer.flush();
    assert_eq!(assessed_at(&mut client), first);
    // Overdue now (the deadline passed): written.
    a.state.overdue = !a.state.overdue;
    writer.take(&a, &Record::of(&a, &[]));
    writer.flush();
    assert_ne!(assessed_at(&mut client), first);
    assert_eq!(
        writer.failures.load(std::sync::atomic::Ordering::Relaxed),
        0
    );
}
