//! The reports and exports the dashboard offers, over HTTP (loopback only, like the rest of the
//! dashboard's API):
//!
//! - `GET /api/reports/kp?from_year=&to_year=&lang=`: the KP statistics tables
//!   ([`crate::reports::kp_statistics`]) for the years asked for (default: the five local years
//!   ending with the current one, in central's `time_zone`), with their chart (SVG, its words
//!   in `lang`, `en` or `ru`: `chart_svg` in the JSON, beside the tables in the printable page);
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
//!   with status, outcome (how transit ended), custodian, deadline and open discrepancies.
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

use crate::reconcile::{Filter, Reconciler, Record};
mod params;

use crate::reply::{bad, blocking, filter, internal, ApiError, ApiResult};
use crate::reports::{self, ConsignmentRecord, ReportError, Skipped};
use crate::shared::Shared;
use axum::extract::{Query, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use params::new_year;
pub use params::{
    epcis_query, kp_query, reconciliation_query, EpcisQuery, Format, KpQuery, ParamError,
    ReconciliationQuery, Table,
};
use serde_json::json;
use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::sync::Arc;
use tamga_core::act::ConsignmentRegistered;
use tamga_core::{Assessment, ConsignmentId, SignedAct, Timestamp};
use tamga_node::local_time::LocalTime;
use tamga_store::{DocId, Store};

/// The most consignments one report or export reads from the store.
pub const MAX_CONSIGNMENTS: usize = 100_000;

impl From<ParamError> for ApiError {
    fn from(e: ParamError) -> ApiError {
        bad(e.to_string())
    }
}

/// Consignments read for a report: each one's assessment and registration, and those that
/// could not count.
pub struct Gathered {
    /// Each consignment's assessment and its registration in force.
    pub records: Vec<(Assessment, ConsignmentRegistered)>,
    /// Those left out, and why.
    pub skipped: Vec<Skipped>,
}

impl Gathered {
    /// As the reports read them.
    pub fn records(&self) -> Vec<ConsignmentRecord<'_>> {
        self.records
            .iter()
            .map(|(assessment, registration)| ConsignmentRecord {
                assessment,
                registration,
            })
            .collect()
    }
}

fn gather(s: &Shared, from: Timestamp, until: Timestamp, now: Timestamp) -> ApiResult<Gathered> {
    gather_in(&s.reconciler, &s.central.store, from, until, now)
}

/// The consignments a report for `[from, until)` reads ([`gather`], for the running server's
/// reports), for a caller with its own reconciler over the store (filled by
/// [`Reconciler::full`]): the command line's comparison with the Department's figures.
pub fn gather_for_period(
    reconciler: &Reconciler,
    store: &Store,
    from: Timestamp,
    until: Timestamp,
    now: Timestamp,
) -> Result<Gathered, String> {
    gather_in(reconciler, store, from, until, now).map_err(|e| e.1)
}

/// The consignments the index has as registered in `[from, until)`, read from the store and
/// assessed at `now`. Consignments without a registration in force are listed as skipped.
fn gather_in(
    reconciler: &Reconciler,
    store: &Store,
    from: Timestamp,
    until: Timestamp,
    now: Timestamp,
) -> ApiResult<Gathered> {
    let (ids, mut skipped): (Vec<ConsignmentId>, Vec<Skipped>) = reconciler.read(|index, _| {
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
    let mut records = Vec::with_capacity(ids.len());
    for id in ids {
        let assessment = store.assessment(&id, now).map_err(internal)?;
        let registration = assessment.registration().map(|(_, r)| r.clone());
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

/// The time zone the reports' years are local to (checked when the configuration was read).
fn zone_of(s: &Shared) -> ApiResult<chrono_tz::Tz> {
    s.central.config.zone().map_err(crate::reply::internal)
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
.kp-layout { display: flex; flex-wrap: wrap; gap: 1rem; align-items: flex-start; }
.kp-tables { flex: 1 1 30rem; min-width: 0; }
figure.kp-chart { flex: 0 1 560px; margin: .6rem 0; }
figure.kp-chart svg { max-width: 100%; height: auto; }
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
    zone: &LocalTime,
    skipped: &[Skipped],
) -> String {
    let mut h = String::new();
    let _ = write!(
        h,
        "<!doctype html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>{title}</title>\n<style>\n{PRINT_CSS}</style>\n</head>\n<body>\n<h1>{title}</h1>\n<p class=\"meta\">Customs unit: {unit}</p>\n<p class=\"meta\" data-test=\"generated\">Generated {generated} from the signed acts central holds; times are local time in {zone_name} with the offset.</p>\n<div class=\"actions\"><button type=\"button\" onclick=\"window.print()\">Print</button></div>\n",
        title = reports::esc(title),
        unit = reports::esc(unit),
        generated = reports::esc(&zone.for_people(generated)),
        zone_name = reports::esc(zone.name()),
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
#[utoipa::path(
    get,
    path = "/api/reports/kp",
    tag = "reports",
    summary = "Kimberley Process statistics by year",
    params(
        ("from_year" = Option<i32>, Query, description = "The first year (local); five years to this one by default"),
        ("to_year" = Option<i32>, Query, description = "The last year (local)"),
        ("format" = Option<String>, Query, description = "json (default), csv or html"),
        ("lang" = Option<String>, Query, description = "The chart's words: ru, en or ky")
    ),
    responses(
        (status = 200, description = "The report: JSON (with its chart as SVG), CSV or a printable HTML page, as format asks", content((KpReportAnswer = "application/json"), (String = "text/csv"), (String = "text/html"))),
        (status = 400, description = "A parameter does not read: the error names it", body = crate::reply::ErrorAnswer),
        crate::reply::Failed
    )
)]
pub async fn kp(
    State(s): State<Arc<Shared>>,
    Query(params): Query<BTreeMap<String, String>>,
) -> ApiResult<Response> {
    let now = Timestamp::now();
    let zone = zone_of(&s)?;
    let q = kp_query(&params, now, zone)?;
    let (first, last) = (*q.years.start(), *q.years.end());
    let (report, generated) = blocking(&s, move |s| {
        let gathered = gather(s, new_year(first, zone), new_year(last + 1, zone), now)?;
        let mut report = reports::kp_statistics(&gathered.records(), q.years.clone(), zone)
            .map_err(report_error)?;
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
            "generated_at_for_people": s.central.config.local_time().for_people(generated),
            "time_zone": zone.name(),
            "chart_svg": report.chart_svg(q.lang),
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
            &s.central.config.local_time(),
            &report.skipped,
        )),
    })
}

/// `GET /api/reports/reconciliation`.
#[utoipa::path(
    get,
    path = "/api/reports/reconciliation",
    tag = "reports",
    summary = "The reconciliation with the Precious Metals Department for a period",
    params(
        ("from" = Option<String>, Query, description = "The period's start (local date or time, or RFC 3339)"),
        ("until" = Option<String>, Query, description = "The period's end, exclusive"),
        ("format" = Option<String>, Query, description = "json (default), csv or html"),
        ("table" = Option<String>, Query, description = "For CSV: summary (default) or lines")
    ),
    responses(
        (status = 200, description = "The report: JSON, CSV (the summary or the lines) or a printable HTML page, as format asks", content((ReconciliationAnswer = "application/json"), (String = "text/csv"), (String = "text/html"))),
        (status = 400, description = "A parameter does not read: the error names it", body = crate::reply::ErrorAnswer),
        crate::reply::Failed
    )
)]
pub async fn reconciliation(
    State(s): State<Arc<Shared>>,
    Query(params): Query<BTreeMap<String, String>>,
) -> ApiResult<Response> {
    let now = Timestamp::now();
    let q = reconciliation_query(&params, now, zone_of(&s)?)?;
    let (from, until) = (q.from, q.until);
    let local = s.central.config.local_time();
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
            "from_for_people": local.for_people(from),
            "until_for_people": local.for_people(until),
            "generated_at": now,
            "generated_at_for_people": local.for_people(now),
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
                local.for_people(from),
                local.for_people(until)
            ),
            &s.central.config.unit.to_string(),
            &report.to_html(&local),
            now,
            &local,
            &report.skipped,
        )),
    })
}

/// `GET /api/export/epcis`.
#[utoipa::path(
    get,
    path = "/api/export/epcis",
    tag = "exports",
    summary = "Custody, seal, refusal and return acts as GS1 EPCIS 2.0 events",
    params(
        ("consignment" = Option<String>, Query, description = "One consignment; absent: every one", example = "10609050/231126/0000123")
    ),
    responses(
        (status = 200, description = "The EPCIS document (JSON-LD), as a download", body = Object, content_type = "application/ld+json"),
        (status = 400, description = "A parameter does not read: the error names it", body = crate::reply::ErrorAnswer),
        (status = 404, description = "Central holds no such consignment", body = crate::reply::ErrorAnswer),
        crate::reply::Failed
    )
)]
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
            "outcome",
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
            r.outcome.unwrap_or_default().to_owned(),
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
#[utoipa::path(
    get,
    path = "/api/export/csv",
    tag = "exports",
    summary = "The consignments by filter as CSV",
    params(crate::reply::FilterParams),
    responses(
        (status = 200, description = "One row per consignment", body = String, content_type = "text/csv"),
        (status = 400, description = "A filter parameter does not read: the error names it", body = crate::reply::ErrorAnswer)
    )
)]
pub async fn consignments_csv(
    State(s): State<Arc<Shared>>,
    Query(params): Query<BTreeMap<String, String>>,
) -> ApiResult<Response> {
    let filter = filter(&params, &s.central.config.local_time())?;
    let text = s
        .reconciler
        .read(|index, _| consignments_to_csv(&index.consignments(&filter)));
    let stamp = file_part(&Timestamp::now().to_rfc3339());
    Ok(download(CSV, &format!("consignments-{stamp}.csv"), text))
}

/// `GET /api/reports/kp` as JSON.
#[derive(utoipa::ToSchema)]
#[allow(dead_code)]
pub struct KpReportAnswer {
    /// The first year.
    from_year: i32,
    /// The last year.
    to_year: i32,
    /// When it was made.
    generated_at: String,
    /// The same, for people.
    generated_at_for_people: String,
    /// The zone the years are local to.
    time_zone: String,
    /// The years' series as an SVG chart.
    chart_svg: String,
    /// The report.
    #[schema(value_type = Object)]
    report: serde_json::Value,
}

/// `GET /api/reports/reconciliation` as JSON.
#[derive(utoipa::ToSchema)]
#[allow(dead_code)]
pub struct ReconciliationAnswer {
    /// The period's start.
    from: String,
    /// Its end (exclusive).
    until: String,
    /// The start, for people.
    from_for_people: String,
    /// The end, for people.
    until_for_people: String,
    /// When it was made.
    generated_at: String,
    /// The same, for people.
    generated_at_for_people: String,
    /// The report.
    #[schema(value_type = Object)]
    report: serde_json::Value,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn now() -> Timestamp {
        Timestamp::parse("2026-11-23T08:30:00Z").unwrap()
    }

    #[test]
    fn the_printable_page_is_complete_and_says_what_was_left_out() {
        let at = now();
        let page = printable_page(
            "Kimberley Process statistics, 2026",
            "HQ-RECON",
            "<section>table</section>\n",
            at,
            &LocalTime::default(),
            &[],
        );
        assert!(page.starts_with("<!doctype html>"), "{page}");
        assert!(page.contains("<title>Kimberley Process statistics, 2026</title>"));
        assert!(page.contains("Generated 2026-11-23 14:30:00 +06:00"));
        assert!(page.contains("times are local time in Asia/Bishkek"));
        assert!(page.contains("@media print"));
        assert!(page.contains("<section>table</section>"));
        assert!(page.contains("Consignments left out: none."));
        assert!(page.trim_end().ends_with("</html>"));
        let skipped = [Skipped {
            consignment: "X".into(),
            reason: "no registration in force".into(),
        }];
        let page = printable_page("A <report>", "HQ", "", at, &LocalTime::default(), &skipped);
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
