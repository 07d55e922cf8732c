//! What staff filter the index by, read from query parameters: [`Filter`], pure.

use super::record::{DiscrepancyRow, Record};
use std::collections::BTreeMap;
use tamga_core::assessment::Status;
use tamga_core::{DiscrepancyKind, Severity, Timestamp, UnitCode};

/// Which discrepancies a filter looks at.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum DiscrepancyState {
    /// Not yet resolved.
    #[default]
    Open,
    /// Resolved by staff.
    Resolved,
    /// Both.
    All,
}

/// What staff filter by. Every field is optional; all given must match.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Filter {
    /// Status.
    pub status: Option<Status>,
    /// A discrepancy of this kind (in the state asked for).
    pub kind: Option<DiscrepancyKind>,
    /// A discrepancy of this severity (in the state asked for).
    pub severity: Option<Severity>,
    /// The post or unit concerned.
    pub post: Option<UnitCode>,
    /// Registered at or after.
    pub from: Option<Timestamp>,
    /// Registered before.
    pub until: Option<Timestamp>,
    /// Deadline before.
    pub due_before: Option<Timestamp>,
    /// Only consignments with (or, false, without) discrepancies in the state asked for.
    pub with_discrepancies: Option<bool>,
    /// Which discrepancies `kind`, `severity` and `with_discrepancies` look at.
    pub state: DiscrepancyState,
    /// Only overdue ones.
    pub overdue: Option<bool>,
    /// A page: at most this many of the rows kept (all when `None`).
    pub limit: Option<usize>,
    /// A page: the rows kept from this one on (0 first).
    pub offset: usize,
}

/// The most rows one page may ask for.
pub const MAX_PAGE: usize = 10_000;

/// Why a filter could not be read.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("{field}: {detail}")]
pub struct FilterError {
    /// The query parameter.
    pub field: String,
    /// What is wrong.
    pub detail: String,
}

/// Every status, in the order a consignment passes through them: transit ends delivered (in full
/// or short), or refused at the office of destination and then returned to the office of
/// departure.
pub const STATUSES: [Status; 7] = Status::ALL;

/// A status by its stable name.
pub fn status_of(text: &str) -> Option<Status> {
    STATUSES.into_iter().find(|s| s.as_str() == text)
}

/// A discrepancy kind by its stable name.
pub fn kind_of(text: &str) -> Option<DiscrepancyKind> {
    serde_json::from_value(serde_json::Value::String(text.to_owned())).ok()
}

/// A severity by its name.
pub fn severity_of(text: &str) -> Option<Severity> {
    serde_json::from_value(serde_json::Value::String(text.to_owned())).ok()
}

impl Filter {
    /// Reads a filter from query parameters (`status`, `kind`, `severity`, `post`, `from`,
    /// `until`, `due_before`, `discrepancies` = `yes`/`no`, `state` = `open`/`resolved`/`all`,
    /// `overdue` = `yes`/`no`; a page: `limit` = 1 to [`MAX_PAGE`], `offset`). Times are as people type them: local time in `zone` (a date
    /// alone: its 00:00 there), or RFC 3339 with an offset or Z; empty values are ignored; an
    /// unknown parameter is refused.
    pub fn from_query(
        params: &BTreeMap<String, String>,
        zone: &tamga_node::local_time::LocalTime,
    ) -> Result<Filter, FilterError> {
        let mut filter = Filter::default();
        for (name, value) in params {
            let value = value.trim();
            if value.is_empty() {
                continue;
            }
            let bad = |detail: String| FilterError {
                field: name.clone(),
                detail,
            };
            let time = || zone.parse_typed(value).map_err(bad);
            let yes_no = || match value {
                "yes" | "true" => Ok(true),
                "no" | "false" => Ok(false),
                _ => Err(bad(format!("{value:?}: expected yes or no"))),
            };
            match name.as_str() {
                "status" => {
                    filter.status = Some(status_of(value).ok_or_else(|| {
                        bad(format!("{value:?}: expected unregistered, registered, in_transit, arrived, delivered, refused or returned"))
                    })?)
                }
                "kind" => {
                    filter.kind = Some(kind_of(value).ok_or_else(|| {
                        bad(format!("{value:?} is not a discrepancy kind (like seal_missing, overdue, bad_signature)"))
                    })?)
                }
                "severity" => {
                    filter.severity = Some(severity_of(value).ok_or_else(|| {
                        bad(format!("{value:?}: expected critical, major or minor"))
                    })?)
                }
                "post" => {
                    filter.post =
                        Some(UnitCode::new(value.to_owned()).map_err(|e| bad(e.to_string()))?)
                }
                "from" => filter.from = Some(time()?),
                "until" => filter.until = Some(time()?),
                "due_before" => filter.due_before = Some(time()?),
                "discrepancies" => filter.with_discrepancies = Some(yes_no()?),
                "overdue" => filter.overdue = Some(yes_no()?),
                "limit" => {
                    filter.limit = Some(
                        value
                            .parse::<usize>()
                            .ok()
                            .filter(|n| (1..=MAX_PAGE).contains(n))
                            .ok_or_else(|| {
                                bad(format!("{value:?}: expected a number from 1 to {MAX_PAGE}"))
                            })?,
                    )
                }
                "offset" => {
                    filter.offset = value.parse::<usize>().map_err(|_| {
                        bad(format!("{value:?}: expected a number of rows, 0 or more"))
                    })?
                }
                "state" => {
                    filter.state = match value {
                        "open" => DiscrepancyState::Open,
                        "resolved" => DiscrepancyState::Resolved,
                        "all" => DiscrepancyState::All,
                        _ => return Err(bad(format!("{value:?}: expected open, resolved or all"))),
                    }
                }
                _ => return Err(bad("unknown filter".into())),
            }
        }
        Ok(filter)
    }

    fn state_matches(&self, d: &DiscrepancyRow) -> bool {
        match self.state {
            DiscrepancyState::Open => d.resolution.is_none(),
            DiscrepancyState::Resolved => d.resolution.is_some(),
            DiscrepancyState::All => true,
        }
    }

    /// Whether a discrepancy matches the discrepancy part of the filter.
    pub fn matches_discrepancy(&self, d: &DiscrepancyRow) -> bool {
        self.state_matches(d)
            && self.kind.is_none_or(|k| d.kind == k)
            && self.severity.is_none_or(|s| d.severity == s)
    }

    /// Whether a consignment matches the consignment part of the filter.
    pub fn matches_consignment(&self, r: &Record) -> bool {
        let registered_in = |t: Option<Timestamp>| {
            self.from.is_none_or(|f| t.is_some_and(|t| f <= t))
                && self.until.is_none_or(|u| t.is_some_and(|t| t < u))
        };
        self.status.is_none_or(|s| r.status == s)
            && self.post.as_ref().is_none_or(|p| r.posts.contains(p))
            && registered_in(r.registered_at)
            && self
                .due_before
                .is_none_or(|b| r.deadline.is_some_and(|d| d < b))
            && self.overdue.is_none_or(|o| r.overdue == o)
    }

    /// The page of `rows` (kept and sorted) the filter asks for.
    pub fn page<T>(&self, rows: Vec<T>) -> Vec<T> {
        rows.into_iter()
            .skip(self.offset)
            .take(self.limit.unwrap_or(usize::MAX))
            .collect()
    }

    /// Whether a consignment matches the whole filter.
    pub fn matches(&self, r: &Record) -> bool {
        if !self.matches_consignment(r) {
            return false;
        }
        let any = r.discrepancies.iter().any(|d| self.matches_discrepancy(d));
        let asks_discrepancy = self.kind.is_some() || self.severity.is_some();
        match self.with_discrepancies {
            Some(want) => want == any && (!asks_discrepancy || any),
            None => !asks_discrepancy || any,
        }
    }
}
