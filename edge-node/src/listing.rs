//! The list's query parameters (`GET /api/consignments?...`, `tamga-edge list`), read by a pure
//! function that names the parameter at fault, and the list's rows and header counts as the
//! API answers them (from the store's summaries, see [`tamga_store::store::list`]).

use crate::workflow::{ConsignmentRow, FormError};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use tamga_core::{Timestamp, UnitCode};
use tamga_store::store::list::{Cursor, ListCounts, ListQuery, ListRow, MAX_PAGE};
use tamga_store::summary::{severity_from_name, status_from_name, STATUSES};

/// Rows per page when `limit` is not given.
pub const DEFAULT_PAGE: usize = 50;

/// The parameters `GET /api/consignments` takes.
pub const PARAMETERS: [&str; 11] = [
    "limit",
    "after",
    "status",
    "custodian",
    "deadline_after",
    "deadline_before",
    "overdue",
    "severity",
    "number",
    "goods",
    "counts",
];

/// What `GET /api/consignments` is asked: the page, and whether the header's counts come with
/// it (`counts=false` leaves them out, for a client that already shows them: the next page of
/// the same list, another filter).
#[derive(Clone, Debug)]
pub struct ListRequest {
    /// The page.
    pub query: ListQuery,
    /// Count the header (the default).
    pub counts: bool,
}

/// Reads the list's query parameters. Unknown, repeated or malformed parameters are refused,
/// naming the parameter; empty values are taken as absent.
pub fn parse_query(pairs: &[(String, String)]) -> Result<ListRequest, FormError> {
    let mut q = ListQuery {
        limit: DEFAULT_PAGE,
        ..ListQuery::default()
    };
    let mut counts = true;
    let mut seen = std::collections::BTreeSet::new();
    for (name, value) in pairs {
        let bad = |what: &str| FormError(format!("{name}: {what}"));
        if !PARAMETERS.contains(&name.as_str()) {
            return Err(FormError(format!(
                "{name}: not a parameter of the list; one of {}",
                PARAMETERS.join(", ")
            )));
        }
        if !seen.insert(name.as_str()) {
            return Err(bad("given more than once"));
        }
        let value = value.trim();
        if value.is_empty() {
            continue;
        }
        let time =
            || Timestamp::parse(value).map_err(|_| bad("a time such as 2026-11-23T08:00:00Z"));
        match name.as_str() {
            "limit" => {
                q.limit = value
                    .parse()
                    .ok()
                    .filter(|n| (1..=MAX_PAGE).contains(n))
                    .ok_or_else(|| bad(&format!("a number of rows from 1 to {MAX_PAGE}")))?
            }
            "after" => {
                q.after = Some(
                    Cursor::parse(value)
                        .ok_or_else(|| bad("the `next` of the previous page, as it was given"))?,
                )
            }
            "status" => {
                q.status = Some(status_from_name(value).ok_or_else(|| {
                    bad(&format!(
                        "one of {}",
                        STATUSES.map(|s| s.as_str()).join(", ")
                    ))
                })?)
            }
            "custodian" => {
                q.custodian = Some(UnitCode::new(value).map_err(|e| bad(&e.to_string()))?)
            }
            "deadline_after" => q.deadline_after = Some(time()?),
            "deadline_before" => q.deadline_before = Some(time()?),
            "overdue" => q.overdue = flag(value).ok_or_else(|| bad("true or false"))?,
            "counts" => counts = flag(value).ok_or_else(|| bad("true or false"))?,
            "severity" => {
                q.severity = Some(
                    severity_from_name(value)
                        .ok_or_else(|| bad("one of critical, major, minor (at least that)"))?,
                )
            }
            "number" => {
                q.number = Some(bounded(value).ok_or_else(|| bad("at most 64 characters"))?)
            }
            "goods" => q.goods = Some(bounded(value).ok_or_else(|| bad("at most 64 characters"))?),
            _ => unreachable!("every parameter is read"),
        }
    }
    Ok(ListRequest { query: q, counts })
}

fn flag(value: &str) -> Option<bool> {
    match value {
        "true" => Some(true),
        "false" => Some(false),
        _ => None,
    }
}

fn bounded(value: &str) -> Option<String> {
    (value.chars().count() <= 64).then(|| value.to_owned())
}

/// The header's counts over every consignment held, at the time of the request.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ListCountsView {
    /// Consignments held.
    pub total: u64,
    /// By status (every status named, zeros included).
    pub by_status: BTreeMap<String, u64>,
    /// By worst open discrepancy: `critical`, `major`, `minor`, `none`.
    pub by_worst: BTreeMap<String, u64>,
    /// Overdue.
    pub overdue: u64,
}

impl From<&ListCounts> for ListCountsView {
    fn from(c: &ListCounts) -> Self {
        ListCountsView {
            total: c.total,
            by_status: STATUSES
                .iter()
                .zip(c.by_status)
                .map(|(s, n)| (s.as_str().to_owned(), n))
                .collect(),
            by_worst: ["critical", "major", "minor", "none"]
                .iter()
                .zip(c.by_worst)
                .map(|(s, n)| (s.to_string(), n))
                .collect(),
            overdue: c.overdue,
        }
    }
}

/// A page of the list: `{rows, next, counts}`.
#[derive(Clone, Debug, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ConsignmentList {
    /// The rows, most urgent deadline first, delivered last.
    pub rows: Vec<ConsignmentRow>,
    /// Pass as `after` for the next page; `null` on the last page.
    pub next: Option<String>,
    /// The header's counts; `null` when asked without them (`counts=false`).
    pub counts: Option<ListCountsView>,
}

/// The list row of a store summary as of the query's time, its deadline for people in `zone`.
pub fn row(r: &ListRow, zone: &tamga_node::local_time::LocalTime) -> ConsignmentRow {
    let s = &r.summary;
    ConsignmentRow {
        consignment: s.consignment.to_string(),
        status: s.status.as_str().to_owned(),
        custodian: s.custodian.as_ref().map(|u| u.to_string()),
        deadline: s.deadline.map(|d| d.to_rfc3339()),
        deadline_for_people: s.deadline.map(|d| zone.for_people(d)),
        overdue: r.as_of.overdue,
        route: s.route.iter().map(|u| u.to_string()).collect(),
        goods: s.goods.clone(),
        open_discrepancies: r.as_of.total() as usize,
        worst: r.as_of.worst(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
        list.iter()
            .map(|(a, b)| (a.to_string(), b.to_string()))
            .collect()
    }

    #[test]
    fn parameters_are_read_and_bad_ones_refused_by_name() {
        let r = parse_query(&pairs(&[
            ("limit", "20"),
            ("status", "in_transit"),
            ("custodian", "MANAS-AIRPORT"),
            ("severity", "major"),
            ("overdue", "true"),
            ("deadline_before", "2026-11-24T00:00:00Z"),
            ("number", "10609050/"),
            ("goods", "diamond"),
            ("after", ""),
        ]))
        .unwrap();
        assert!(r.counts, "counted unless asked not to");
        let q = r.query;
        assert_eq!(q.limit, 20);
        assert!(q.overdue && q.after.is_none() && q.severity.is_some());
        let plain = parse_query(&[]).unwrap();
        assert_eq!(plain.query.limit, DEFAULT_PAGE);
        assert!(plain.counts && !plain.query.overdue);
        assert!(!parse_query(&pairs(&[("counts", "false")])).unwrap().counts);
        assert!(parse_query(&pairs(&[("counts", "true")])).unwrap().counts);
        assert!(parse_query(&pairs(&[("counts", "")])).unwrap().counts);
        for (name, value) in [
            ("limit", "0"),
            ("limit", "201"),
            ("limit", "ten"),
            ("after", "not a cursor"),
            ("status", "lost"),
            ("custodian", "manas airport"),
            ("deadline_after", "yesterday"),
            ("overdue", "yes"),
            ("severity", "high"),
            ("counts", "no"),
            ("sort", "deadline"),
        ] {
            let e = parse_query(&pairs(&[(name, value)])).unwrap_err();
            assert!(e.0.starts_with(&format!("{name}:")), "{name}={value}: {e}");
        }
        let e = parse_query(&pairs(&[("limit", "5"), ("limit", "6")])).unwrap_err();
        assert!(e.0.starts_with("limit:"), "{e}");
    }
}
