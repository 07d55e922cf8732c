//! The reports and exports the dashboard offers, over HTTP (loopback only, like the rest of the
//! dashboard's API):
//!
//! - `GET /api/reports/kp?from_year=&to_year=`: the KP statistics tables
//!   ([`crate::reports::kp_statistics`]) for the years asked for (default: the current year);
//! - `GET /api/reports/reconciliation?from=&until=`: the reconciliation with the Precious Metals
//!   Department ([`crate::reports::reconciliation`]) for `[from, until)`, RFC 3339 or dates
//!   (default: the current year);
//!
//!   both as JSON, or with `format=csv` as a CSV download (`table=lines` for the
//!   reconciliation's goods lines instead of its summary), or with `format=html` as a complete
//!   printable page;
//! - `GET /api/export/epcis?consignment=<id>`: the custody and seal acts that hold, of one
//!   consignment or (without `consignment`) of every consignment central holds, as a GS1 EPCIS
//!   2.0 JSON-LD document ([`crate::epcis::document`]);
//! - `GET /api/export/csv`: the consignments list (the same filters as `/api/consignments`)
//!   with status, custodian, deadline and open discrepancies.
//!
//! Parameters are read by pure functions ([`kp_query`], [`reconciliation_query`],
//! [`epcis_query`]); a parameter that cannot be read, or an unknown one, is refused with 400
//! and the parameter's name.
//!
//! # How much is read
//!
//! The reconciliation index says which consignments were registered in the period asked for;
//! only those are read from the store (their acts and assessment), off the async workers. At
//! the scale of a customs service (thousands of consignments a year, each a few dozen acts)
//! holding a whole period, or every consignment for the full EPCIS export, in memory is fine;
//! [`MAX_CONSIGNMENTS`] bounds it all the same, and a request over it is refused with a clear
//! error instead of exhausting the server.

use crate::reconcile::{Filter, Record};
use crate::reply::{bad, blocking, filter, internal, ApiError, ApiResult};
use crate::reports::{self, ConsignmentRecord, ReportError, Skipped};
use crate::shared::Shared;
use axum::extract::{Query, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use chrono::Datelike;
use serde_json::json;
use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::ops::RangeInclusive;
use std::sync::Arc;
use tamga_core::act::ConsignmentRegistered;
use tamga_core::{ActBody, Assessment, ConsignmentId, SignedAct, Timestamp};
use tamga_store::DocId;

/// The most consignments one report or export reads from the store.
pub const MAX_CONSIGNMENTS: usize = 100_000;

/// A query parameter that cannot be read.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ParamError {
    /// The parameter's name.
    pub parameter: &'static str,
    /// What is wrong with it.
    pub detail: String,
}

impl std::fmt::Display for ParamError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.parameter, self.detail)
    }
}

impl From<ParamError> for ApiError {
    fn from(e: ParamError) -> ApiError {
        bad(e.to_string())
    }
}

fn param_error(parameter: &'static str, detail: impl Into<String>) -> ParamError {
    ParamError {
        parameter,
        detail: detail.into(),
    }
}

/// How a report is answered.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    /// JSON for the dashboard.
    Json,
    /// A CSV download.
    Csv,
    /// A complete printable HTML page.
    Html,
}

/// Which table of the reconciliation a CSV download holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Table {
    /// By direction and HS heading, with totals.
    Summary,
    /// Every goods line.
    Lines,
}

/// The KP statistics asked for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct KpQuery {
    /// The years, inclusive.
    pub years: RangeInclusive<i32>,
    /// How to answer.
    pub format: Format,
}

/// The reconciliation asked for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReconciliationQuery {
    /// The period's start (inclusive).
    pub from: Timestamp,
    /// The period's end (exclusive).
    pub until: Timestamp,
    /// How to answer.
    pub format: Format,
    /// Which table a CSV download holds.
    pub table: Table,
}

/// The EPCIS export asked for: one consignment, or all.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EpcisQuery {
    /// The consignment; `None` for every consignment central holds.
    pub consignment: Option<ConsignmentId>,
}

/// The years a report may name.
const YEARS: RangeInclusive<i32> = 1970..=9998;

fn check_known(
    params: &BTreeMap<String, String>,
    known: &[&'static str],
) -> Result<(), ParamError> {
    for name in params.keys() {
        if !known.contains(&name.as_str()) {
            return Err(ParamError {
                parameter: "query",
                detail: format!("unknown parameter {name:?} (expected {})", known.join(", ")),
            });
        }
    }
    Ok(())
}

/// A parameter's value, trimmed; `None` when absent or empty.
fn given<'p>(params: &'p BTreeMap<String, String>, name: &str) -> Option<&'p str> {
    params.get(name).map(|v| v.trim()).filter(|v| !v.is_empty())
}

fn format_of(params: &BTreeMap<String, String>) -> Result<Format, ParamError> {
    match given(params, "format") {
        None | Some("json") => Ok(Format::Json),
        Some("csv") => Ok(Format::Csv),
        Some("html") => Ok(Format::Html),
        Some(other) => Err(param_error(
            "format",
            format!("{other:?}: expected json, csv or html"),
        )),
    }
}

fn year_of(t: Timestamp) -> i32 {
    chrono::DateTime::from_timestamp(t.unix(), 0)
        .map(|d| d.year())
        .expect("a timestamp is a date")
}

/// 1 January of `year`, 00:00 UTC.
fn new_year(year: i32) -> Timestamp {
    let seconds = chrono::NaiveDate::from_ymd_opt(year, 1, 1)
        .expect("the years checked exist")
        .and_hms_opt(0, 0, 0)
        .expect("midnight exists")
        .and_utc()
        .timestamp();
    Timestamp::from_unix(seconds).expect("the years checked are in range")
}

fn year_param(
    params: &BTreeMap<String, String>,
    name: &'static str,
) -> Result<Option<i32>, ParamError> {
    let Some(text) = given(params, name) else {
        return Ok(None);
    };
    let year: i32 = text
        .parse()
        .ok()
        .filter(|y| YEARS.contains(y))
        .ok_or_else(|| {
            param_error(
                name,
                format!(
                    "{text:?} is not a year from {} to {} (like 2026)",
                    YEARS.start(),
                    YEARS.end()
                ),
            )
        })?;
    Ok(Some(year))
}

/// Reads `from_year`, `to_year` (each defaults to the other, both to the year of `now`) and
/// `format`.
pub fn kp_query(params: &BTreeMap<String, String>, now: Timestamp) -> Result<KpQuery, ParamError> {
    check_known(params, &["from_year", "to_year", "format"])?;
    let from = year_param(params, "from_year")?;
    let to = year_param(params, "to_year")?;
    let this_year = year_of(now);
    let (from, to) = match (from, to) {
        (Some(f), Some(t)) => (f, t),
        (Some(f), None) => (f, f),
        (None, Some(t)) => (t, t),
        (None, None) => (this_year, this_year),
    };
    if from > to {
        return Err(param_error(
            "from_year",
            format!("{from} is after to_year {to}"),
        ));
    }
    if (to - from) as usize >= reports::MAX_REPORT_YEARS {
        return Err(param_error(
            "to_year",
            format!(
                "{from} to {to} is more than {} years",
                reports::MAX_REPORT_YEARS
            ),
        ));
    }
    Ok(KpQuery {
        years: from..=to,
        format: format_of(params)?,
    })
}

/// Reads `from`, `until` (RFC 3339 or a date; defaults: the start of the year of `now` and of
/// the next), `format` and `table` (`summary` or `lines`, for CSV).
pub fn reconciliation_query(
    params: &BTreeMap<String, String>,
    now: Timestamp,
) -> Result<ReconciliationQuery, ParamError> {
    check_known(params, &["from", "until", "format", "table"])?;
    let time = |name: &'static str| -> Result<Option<Timestamp>, ParamError> {
        given(params, name)
            .map(|v| crate::authority::parse_time(v).map_err(|e| param_error(name, e)))
            .transpose()
    };
    let this_year = year_of(now);
    let from = time("from")?.unwrap_or_else(|| new_year(this_year));
    let until = time("until")?.unwrap_or_else(|| new_year(this_year + 1));
    if until <= from {
        return Err(param_error(
            "until",
            format!(
                "{} is not after from {}",
                until.for_people(),
                from.for_people()
            ),
        ));
    }
    let table = match given(params, "table") {
        None | Some("summary") => Table::Summary,
        Some("lines") => Table::Lines,
        Some(other) => {
            return Err(param_error(
                "table",
                format!("{other:?}: expected summary or lines"),
            ))
        }
    };
    Ok(ReconciliationQuery {
        from,
        until,
        format: format_of(params)?,
        table,
    })
}

/// Reads `consignment` (optional).
pub fn epcis_query(params: &BTreeMap<String, String>) -> Result<EpcisQuery, ParamError> {
    check_known(params, &["consignment"])?;
    let consignment = given(params, "consignment")
        .map(|v| ConsignmentId::new(v).map_err(|e| param_error("consignment", e.to_string())))
        .transpose()?;
    Ok(EpcisQuery { consignment })
}

// ---- gathering from the store ----

/// Consignments read for a report: each one's assessment and registration, and those that
/// could not count.
struct Gathered {
    records: Vec<(Assessment, ConsignmentRegistered)>,
    skipped: Vec<Skipped>,
}

impl Gathered {
    fn records(&self) -> Vec<ConsignmentRecord<'_>> {
        self.records
            .iter()
            .map(|(assessment, registration)| ConsignmentRecord {
                assessment,
                registration,
            })
            .collect()
    }
}

/// The consignments the index has as registered in `[from, until)`, read from the store and
/// assessed at `now`. Consignments without a registration in force are listed as skipped.
fn gather(s: &Shared, from: Timestamp, until: Timestamp, now: Timestamp) -> ApiResult<Gathered> {
    let (ids, mut skipped): (Vec<ConsignmentId>, Vec<Skipped>) = s.reconciler.read(|index, _| {
        let mut ids = Vec::new();
        let mut skipped = Vec::new();
        for r in index.consignments(&Filter::default()) {
            match r.registered_at {
                Some(at) if from <= at && at < until => ids.push(r.consignment.clone()),
                Some(_) => {}
                None => skipped.push(Skipped {
                    consignment: r.consignment.to_string(),
                    reason: "no registration in force".to_owned(),
                }),
            }
        }
        (ids, skipped)
    });
    within_bound(ids.len())?;
    let store = &s.central.store;
    let mut records = Vec::with_capacity(ids.len());
    for id in ids {
        let acts = store
            .acts(&DocId::Consignment(id.clone()))
            .map_err(internal)?;
        let assessment = store.assessment(&id, now).map_err(internal)?;
        let registration = assessment.state.registration.and_then(|reg| {
            acts.iter().find_map(|a| match a.body() {
                ActBody::ConsignmentRegistered(r) if a.id() == reg => Some(r.clone()),
                _ => None,
            })
        });
        match registration {
            Some(r) => records.push((assessment, r)),
            None => skipped.push(Skipped {
                consignment: id.to_string(),
                reason: "no registration in force".to_owned(),
            }),
        }
    }
    Ok(Gathered { records, skipped })
}

fn within_bound(n: usize) -> ApiResult<()> {
    if n > MAX_CONSIGNMENTS {
        return Err(ApiError(
            StatusCode::UNPROCESSABLE_ENTITY,
            format!("{n} consignments match, more than the {MAX_CONSIGNMENTS} one answer reads: ask for a shorter period or one consignment"),
        ));
    }
    Ok(())
}

/// The acts of `id` that hold (the assessment's accepted acts at `now`); `None` when central
/// holds nothing of it.
fn acts_that_hold(
    s: &Shared,
    id: &ConsignmentId,
    now: Timestamp,
) -> ApiResult<Option<Vec<SignedAct>>> {
    let store = &s.central.store;
    let acts = store
        .acts(&DocId::Consignment(id.clone()))
        .map_err(internal)?;
    if acts.is_empty() {
        return Ok(None);
    }
    let assessment = store.assessment(id, now).map_err(internal)?;
    let holding: BTreeSet<_> = assessment.acts.iter().copied().collect();
    Ok(Some(
        acts.into_iter()
            .filter(|a| holding.contains(&a.id()))
            .collect(),
    ))
}

fn report_error(e: ReportError) -> ApiError {
    match e {
        ReportError::BadPeriod(m) => bad(m),
        ReportError::Overflow { .. } => ApiError(StatusCode::UNPROCESSABLE_ENTITY, e.to_string()),
    }
}

// ---- answers ----

fn download(content_type: &'static str, filename: &str, body: String) -> Response {
    (
        [
            (header::CONTENT_TYPE, content_type.to_owned()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{filename}\""),
            ),
            (header::CACHE_CONTROL, "no-store".to_owned()),
        ],
        body,
    )
        .into_response()
}

const CSV: &str = "text/csv; charset=utf-8";

/// A file name's part made of a consignment id or a time: letters, digits and `-` only.
fn file_part(text: &str) -> String {
    text.chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
        .collect()
}

const PRINT_CSS: &str = "\
body { font-family: system-ui, -apple-system, \"Segoe UI\", Roboto, sans-serif; color: #000; margin: 1.5rem; font-size: 11pt; }
h1 { font-size: 15pt; margin: 0 0 .3rem; }
h2 { font-size: 13pt; margin: 1rem 0 .4rem; }
p.meta { color: #333; margin: .1rem 0; }
table { border-collapse: collapse; width: 100%; margin: .6rem 0 1rem; page-break-inside: auto; }
caption { text-align: left; font-weight: 600; padding: .3rem 0; }
th, td { border: 1px solid #555; padding: .2rem .4rem; text-align: left; vertical-align: top; }
td { font-variant-numeric: tabular-nums; }
thead { display: table-header-group; }
tr { page-break-inside: avoid; }
tr.total td { font-weight: 600; }
.actions { margin: .5rem 0 1rem; }
@page { size: A4 landscape; margin: 12mm; }
@media print { .actions { display: none; } body { margin: 0; } }
";

/// A complete standalone page around a report's HTML fragment: title, when it was generated
/// (with +00:00), the fragment, and which consignments were left out and why.
pub fn printable_page(
    title: &str,
    unit: &str,
    fragment: &str,
    generated: Timestamp,
    skipped: &[Skipped],
) -> String {
    let mut h = String::new();
    let _ = write!(
        h,
        "<!doctype html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>{title}</title>\n<style>\n{PRINT_CSS}</style>\n</head>\n<body>\n<h1>{title}</h1>\n<p class=\"meta\">Customs unit: {unit}</p>\n<p class=\"meta\" data-test=\"generated\">Generated {generated} from the signed acts central holds; times are UTC (+00:00).</p>\n<div class=\"actions\"><button type=\"button\" onclick=\"window.print()\">Print</button></div>\n",
        title = reports::esc(title),
        unit = reports::esc(unit),
        generated = reports::esc(&generated.for_people()),
    );
    h.push_str(fragment);
    if skipped.is_empty() {
        h.push_str(
            "<p class=\"meta\" data-test=\"skipped-none\">Consignments left out: none.</p>\n",
        );
    } else {
        let _ = writeln!(
            h,
            "<p class=\"meta\" data-test=\"skipped-count\">Consignments left out: {} (listed above, with the reason).</p>",
            skipped.len()
        );
    }
    h.push_str("</body>\n</html>\n");
    h
}

fn html(body: String) -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/html; charset=utf-8"),
            (header::CACHE_CONTROL, "no-store"),
        ],
        body,
    )
        .into_response()
}

/// `GET /api/reports/kp`.
pub async fn kp(
    State(s): State<Arc<Shared>>,
    Query(params): Query<BTreeMap<String, String>>,
) -> ApiResult<Response> {
    let now = Timestamp::now();
    let q = kp_query(&params, now)?;
    let (first, last) = (*q.years.start(), *q.years.end());
    let (report, generated) = blocking(&s, move |s| {
        let gathered = gather(s, new_year(first), new_year(last + 1), now)?;
        let mut report =
            reports::kp_statistics(&gathered.records(), q.years.clone()).map_err(report_error)?;
        report.skipped.extend(gathered.skipped);
        Ok((report, now))
    })
    .await?;
    let span = if first == last {
        first.to_string()
    } else {
        format!("{first}-{last}")
    };
    Ok(match q.format {
        Format::Json => Json(json!({
            "from_year": first,
            "to_year": last,
            "generated_at": generated,
            "generated_at_for_people": generated.for_people(),
            "report": report,
        }))
        .into_response(),
        Format::Csv => download(CSV, &format!("kp-statistics-{span}.csv"), report.to_csv()),
        Format::Html => html(printable_page(
            &format!(
                "Kimberley Process statistics, {}",
                span.replace('-', "\u{2013}")
            ),
            &s.central.config.unit.to_string(),
            &report.to_html(),
            generated,
            &report.skipped,
        )),
    })
}

/// `GET /api/reports/reconciliation`.
pub async fn reconciliation(
    State(s): State<Arc<Shared>>,
    Query(params): Query<BTreeMap<String, String>>,
) -> ApiResult<Response> {
    let now = Timestamp::now();
    let q = reconciliation_query(&params, now)?;
    let (from, until) = (q.from, q.until);
    let report = blocking(&s, move |s| {
        let gathered = gather(s, from, until, now)?;
        let mut report =
            reports::reconciliation(&gathered.records(), from, until).map_err(report_error)?;
        report.skipped.extend(gathered.skipped);
        Ok(report)
    })
    .await?;
    let span = format!(
        "{}-{}",
        file_part(&from.to_rfc3339()),
        file_part(&until.to_rfc3339())
    );
    Ok(match q.format {
        Format::Json => Json(json!({
            "from": from,
            "until": until,
            "from_for_people": from.for_people(),
            "until_for_people": until.for_people(),
            "generated_at": now,
            "generated_at_for_people": now.for_people(),
            "report": report,
        }))
        .into_response(),
        Format::Csv => match q.table {
            Table::Summary => download(CSV, &format!("reconciliation-{span}.csv"), report.to_csv()),
            Table::Lines => download(
                CSV,
                &format!("reconciliation-lines-{span}.csv"),
                report.lines_to_csv(),
            ),
        },
        Format::Html => html(printable_page(
            &format!(
                "Reconciliation with the Precious Metals Department, {} to {}",
                from.for_people(),
                until.for_people()
            ),
            &s.central.config.unit.to_string(),
            &report.to_html(),
            now,
            &report.skipped,
        )),
    })
}

/// `GET /api/export/epcis`.
pub async fn epcis(
    State(s): State<Arc<Shared>>,
    Query(params): Query<BTreeMap<String, String>>,
) -> ApiResult<Response> {
    let q = epcis_query(&params)?;
    let filename = match &q.consignment {
        Some(id) => format!("epcis-{}.jsonld", file_part(id.as_str())),
        None => "epcis-all.jsonld".to_owned(),
    };
    let document = blocking(&s, move |s| {
        let now = Timestamp::now();
        let acts = match q.consignment {
            Some(id) => acts_that_hold(s, &id, now)?.ok_or_else(|| {
                ApiError(
                    StatusCode::NOT_FOUND,
                    format!("central holds no consignment {id}"),
                )
            })?,
            None => {
                let ids: Vec<ConsignmentId> = s.reconciler.read(|index, _| {
                    index
                        .consignments(&Filter::default())
                        .into_iter()
                        .map(|r| r.consignment.clone())
                        .collect()
                });
                within_bound(ids.len())?;
                let mut all = Vec::new();
                for id in ids {
                    all.extend(acts_that_hold(s, &id, now)?.unwrap_or_default());
                }
                all
            }
        };
        Ok(crate::epcis::document(&acts, now))
    })
    .await?;
    let text = serde_json::to_string_pretty(&document).map_err(internal)?;
    Ok(download("application/ld+json", &filename, text))
}

/// The consignments list as CSV: one row per consignment, the open discrepancies counted and
/// named.
pub fn consignments_to_csv(rows: &[&Record]) -> String {
    let mut out = String::new();
    let mut line = |fields: Vec<String>| {
        let fields: Vec<String> = fields.iter().map(|f| reports::csv_field(f)).collect();
        out.push_str(&fields.join(","));
        out.push_str("\r\n");
    };
    line(
        [
            "consignment",
            "declaration",
            "status",
            "registered_at",
            "departure",
            "destination",
            "route",
            "custodian",
            "custody_disputed",
            "deadline",
            "overdue",
            "open_discrepancies",
            "worst_open_severity",
            "open_discrepancy_kinds",
            "acts",
            "left_out",
        ]
        .map(str::to_owned)
        .to_vec(),
    );
    let time = |t: Option<Timestamp>| t.map(|t| t.to_rfc3339()).unwrap_or_default();
    let unit =
        |u: &Option<tamga_core::UnitCode>| u.as_ref().map(|u| u.to_string()).unwrap_or_default();
    for r in rows {
        let open: Vec<_> = r.open().collect();
        let kinds: BTreeSet<String> = open
            .iter()
            .map(|d| json!(d.kind).as_str().unwrap_or_default().to_owned())
            .collect();
        let worst = r
            .worst_open()
            .map(|s| json!(s).as_str().unwrap_or_default().to_owned())
            .unwrap_or_default();
        line(vec![
            reports::csv_text(r.consignment.as_str()),
            reports::csv_text(r.declaration.as_deref().unwrap_or("")),
            r.status.as_str().to_owned(),
            time(r.registered_at),
            unit(&r.departure),
            unit(&r.destination),
            r.route
                .iter()
                .map(|u| u.to_string())
                .collect::<Vec<_>>()
                .join(" > "),
            unit(&r.custodian),
            if r.custody_disputed { "yes" } else { "no" }.to_owned(),
            time(r.deadline),
            if r.overdue { "yes" } else { "no" }.to_owned(),
            open.len().to_string(),
            worst,
            kinds.into_iter().collect::<Vec<_>>().join("; "),
            r.acts.to_string(),
            r.rejected.to_string(),
        ]);
    }
    out
}

/// `GET /api/export/csv`.
pub async fn consignments_csv(
    State(s): State<Arc<Shared>>,
    Query(params): Query<BTreeMap<String, String>>,
) -> ApiResult<Response> {
    let filter = filter(&params)?;
    let text = s
        .reconciler
        .read(|index, _| consignments_to_csv(&index.consignments(&filter)));
    let stamp = file_part(&Timestamp::now().to_rfc3339());
    Ok(download(CSV, &format!("consignments-{stamp}.csv"), text))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn params(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    fn now() -> Timestamp {
        Timestamp::parse("2026-11-23T08:30:00Z").unwrap()
    }

    #[test]
    fn kp_years_default_to_the_current_year_and_to_each_other() {
        let q = kp_query(&params(&[]), now()).unwrap();
        assert_eq!(q.years, 2026..=2026);
        assert_eq!(q.format, Format::Json);
        let q = kp_query(&params(&[("from_year", "2024")]), now()).unwrap();
        assert_eq!(q.years, 2024..=2024);
        let q = kp_query(&params(&[("to_year", " 2025 "), ("format", "csv")]), now()).unwrap();
        assert_eq!((q.years, q.format), (2025..=2025, Format::Csv));
        let q = kp_query(
            &params(&[
                ("from_year", "2020"),
                ("to_year", "2026"),
                ("format", "html"),
            ]),
            now(),
        )
        .unwrap();
        assert_eq!((q.years, q.format), (2020..=2026, Format::Html));
        let q = kp_query(&params(&[("from_year", ""), ("format", "")]), now()).unwrap();
        assert_eq!((q.years, q.format), (2026..=2026, Format::Json));
    }

    #[test]
    fn a_bad_year_is_refused_naming_the_parameter() {
        for (pairs, parameter) in [
            (vec![("from_year", "20x6")], "from_year"),
            (vec![("to_year", "2026.5")], "to_year"),
            (vec![("from_year", "-2026")], "from_year"),
            (vec![("to_year", "99999")], "to_year"),
            (
                vec![("from_year", "2027"), ("to_year", "2026")],
                "from_year",
            ),
            (vec![("from_year", "1970"), ("to_year", "2070")], "to_year"),
            (vec![("format", "pdf")], "format"),
            (vec![("year", "2026")], "query"),
        ] {
            let e = kp_query(&params(&pairs), now()).unwrap_err();
            assert_eq!(e.parameter, parameter, "{pairs:?}: {e}");
            assert!(e.to_string().starts_with(&format!("{parameter}: ")), "{e}");
        }
        let e = kp_query(&params(&[("from_year", "20x6")]), now()).unwrap_err();
        assert!(e.detail.contains("\"20x6\" is not a year"), "{e}");
    }

    #[test]
    fn the_reconciliation_period_defaults_to_the_current_year() {
        let q = reconciliation_query(&params(&[]), now()).unwrap();
        assert_eq!(q.from, Timestamp::parse("2026-01-01T00:00:00Z").unwrap());
        assert_eq!(q.until, Timestamp::parse("2027-01-01T00:00:00Z").unwrap());
        assert_eq!((q.format, q.table), (Format::Json, Table::Summary));
        let q = reconciliation_query(
            &params(&[
                ("from", "2026-11-01"),
                ("until", "2026-11-23T14:30:00+06:00"),
                ("format", "csv"),
                ("table", "lines"),
            ]),
            now(),
        )
        .unwrap();
        assert_eq!(q.from, Timestamp::parse("2026-11-01T00:00:00Z").unwrap());
        assert_eq!(q.until, Timestamp::parse("2026-11-23T08:30:00Z").unwrap());
        assert_eq!((q.format, q.table), (Format::Csv, Table::Lines));
    }

    #[test]
    fn a_bad_date_is_refused_naming_the_parameter() {
        for (pairs, parameter) in [
            (vec![("from", "2026-13-01")], "from"),
            (vec![("from", "yesterday")], "from"),
            (vec![("until", "23.11.2026")], "until"),
            (vec![("until", "2026-11-23T08:30:00.5Z")], "until"),
            (
                vec![("from", "2026-11-23"), ("until", "2026-11-23")],
                "until",
            ),
            (
                vec![("from", "2026-12-01"), ("until", "2026-11-01")],
                "until",
            ),
            (vec![("table", "all")], "table"),
            (vec![("format", "xlsx")], "format"),
            (vec![("since", "2026-01-01")], "query"),
        ] {
            let e = reconciliation_query(&params(&pairs), now()).unwrap_err();
            assert_eq!(e.parameter, parameter, "{pairs:?}: {e}");
        }
    }

    #[test]
    fn epcis_takes_one_consignment_or_none() {
        assert_eq!(epcis_query(&params(&[])).unwrap().consignment, None);
        let q = epcis_query(&params(&[("consignment", "10609050/231126/0000123")])).unwrap();
        assert_eq!(q.consignment.unwrap().as_str(), "10609050/231126/0000123");
        let e = epcis_query(&params(&[("consignment", "no such id!")])).unwrap_err();
        assert_eq!(e.parameter, "consignment", "{e}");
        let e = epcis_query(&params(&[("format", "json")])).unwrap_err();
        assert_eq!(e.parameter, "query", "{e}");
    }

    #[test]
    fn the_printable_page_is_complete_and_says_what_was_left_out() {
        let at = now();
        let page = printable_page(
            "Kimberley Process statistics, 2026",
            "HQ-RECON",
            "<section>table</section>\n",
            at,
            &[],
        );
        assert!(page.starts_with("<!doctype html>"), "{page}");
        assert!(page.contains("<title>Kimberley Process statistics, 2026</title>"));
        assert!(page.contains("Generated 2026-11-23 08:30:00 +00:00"));
        assert!(page.contains("@media print"));
        assert!(page.contains("<section>table</section>"));
        assert!(page.contains("Consignments left out: none."));
        assert!(page.trim_end().ends_with("</html>"));
        let skipped = [Skipped {
            consignment: "X".into(),
            reason: "no registration in force".into(),
        }];
        let page = printable_page("A <report>", "HQ", "", at, &skipped);
        assert!(page.contains("<title>A &lt;report&gt;</title>"), "{page}");
        assert!(page.contains("Consignments left out: 1"));
    }

    #[test]
    fn file_names_hold_no_path_or_quote() {
        assert_eq!(
            file_part("10609050/231126/0000123"),
            "10609050-231126-0000123"
        );
        assert_eq!(file_part("a\"b\\c"), "a-b-c");
    }
}
