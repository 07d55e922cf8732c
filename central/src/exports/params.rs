//! The reports' and exports' query parameters, read by pure functions: a parameter that
//! cannot be read, or an unknown one, is a [`ParamError`] naming it.

use crate::reports;
use std::collections::BTreeMap;
use std::ops::RangeInclusive;
use tamga_core::{ConsignmentId, Timestamp};

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
    /// The language of the chart's words in a JSON answer (the dashboard's); the printable
    /// page is in English throughout.
    pub lang: reports::ChartLang,
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

fn year_of(t: Timestamp, zone: chrono_tz::Tz) -> i32 {
    reports::year_of(&t, zone).expect("a timestamp is a date")
}

/// 1 January of `year`, 00:00 in `zone`.
pub(super) fn new_year(year: i32, zone: chrono_tz::Tz) -> Timestamp {
    use chrono::TimeZone;
    let midnight = chrono::NaiveDate::from_ymd_opt(year, 1, 1)
        .expect("the years checked exist")
        .and_hms_opt(0, 0, 0)
        .expect("midnight exists");
    // Where midnight falls in a gap (a clock moved forward at it), the first instant after.
    let seconds = zone
        .from_local_datetime(&midnight)
        .earliest()
        .unwrap_or_else(|| zone.from_utc_datetime(&midnight))
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

/// Reads `from_year`, `to_year` (each defaults to the other; neither given,
/// [`reports::default_years`]: the five local years ending with the year of `now` in `zone`),
/// `format` and `lang` (`en`, `ru` or `ky`, the chart's words; default `en`).
pub fn kp_query(
    params: &BTreeMap<String, String>,
    now: Timestamp,
    zone: chrono_tz::Tz,
) -> Result<KpQuery, ParamError> {
    check_known(params, &["from_year", "to_year", "format", "lang"])?;
    let from = year_param(params, "from_year")?;
    let to = year_param(params, "to_year")?;
    let (from, to) = match (from, to) {
        (Some(f), Some(t)) => (f, t),
        (Some(f), None) => (f, f),
        (None, Some(t)) => (t, t),
        (None, None) => {
            let years = reports::default_years(&now, zone).expect("a timestamp is a date");
            (*years.start(), *years.end())
        }
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
    let lang = match given(params, "lang") {
        None => reports::ChartLang::default(),
        Some(code) => reports::ChartLang::from_code(code)
            .ok_or_else(|| param_error("lang", format!("{code:?}: expected en, ru or ky")))?,
    };
    Ok(KpQuery {
        years: from..=to,
        format: format_of(params)?,
        lang,
    })
}

/// Reads `from`, `until` (RFC 3339 or a date; defaults: the start of the year of `now` and of
/// the next), `format` and `table` (`summary` or `lines`, for CSV).
pub fn reconciliation_query(
    params: &BTreeMap<String, String>,
    now: Timestamp,
    zone: chrono_tz::Tz,
) -> Result<ReconciliationQuery, ParamError> {
    check_known(params, &["from", "until", "format", "table"])?;
    // Typed by people: a date or a time without an offset is local time in `zone`.
    let local = tamga_node::local_time::LocalTime::new(zone.name()).unwrap_or_default();
    let time = |name: &'static str| -> Result<Option<Timestamp>, ParamError> {
        given(params, name)
            .map(|v| local.parse_typed(v).map_err(|e| param_error(name, e)))
            .transpose()
    };
    let this_year = year_of(now, zone);
    let from = time("from")?.unwrap_or_else(|| new_year(this_year, zone));
    let until = time("until")?.unwrap_or_else(|| new_year(this_year + 1, zone));
    if until <= from {
        return Err(param_error(
            "until",
            format!(
                "{} is not after from {}",
                local.for_people(until),
                local.for_people(from)
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

    const BISHKEK: chrono_tz::Tz = chrono_tz::Asia::Bishkek;

    #[test]
    fn kp_years_default_to_the_last_five_and_to_each_other() {
        let q = kp_query(&params(&[]), now(), BISHKEK).unwrap();
        assert_eq!(q.years, 2022..=2026);
        assert_eq!(q.format, Format::Json);
        assert_eq!(q.lang, reports::ChartLang::En);
        let q = kp_query(&params(&[("lang", "ru")]), now(), BISHKEK).unwrap();
        assert_eq!(q.lang, reports::ChartLang::Ru);
        let q = kp_query(&params(&[("lang", "ky")]), now(), BISHKEK).unwrap();
        assert_eq!(q.lang, reports::ChartLang::Ky);
        let q = kp_query(&params(&[("from_year", "2024")]), now(), BISHKEK).unwrap();
        assert_eq!(q.years, 2024..=2024);
        let q = kp_query(
            &params(&[("to_year", " 2025 "), ("format", "csv")]),
            now(),
            BISHKEK,
        )
        .unwrap();
        assert_eq!((q.years, q.format), (2025..=2025, Format::Csv));
        let q = kp_query(
            &params(&[
                ("from_year", "2020"),
                ("to_year", "2026"),
                ("format", "html"),
            ]),
            now(),
            BISHKEK,
        )
        .unwrap();
        assert_eq!((q.years, q.format), (2020..=2026, Format::Html));
        let q = kp_query(
            &params(&[("from_year", ""), ("format", "")]),
            now(),
            BISHKEK,
        )
        .unwrap();
        assert_eq!((q.years, q.format), (2022..=2026, Format::Json));
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
            (vec![("lang", "kk")], "lang"),
            (vec![("year", "2026")], "query"),
        ] {
            let e = kp_query(&params(&pairs), now(), BISHKEK).unwrap_err();
            assert_eq!(e.parameter, parameter, "{pairs:?}: {e}");
            assert!(e.to_string().starts_with(&format!("{parameter}: ")), "{e}");
        }
        let e = kp_query(&params(&[("from_year", "20x6")]), now(), BISHKEK).unwrap_err();
        assert!(e.detail.contains("\"20x6\" is not a year"), "{e}");
    }

    #[test]
    fn the_reconciliation_period_defaults_to_the_current_year() {
        // The year is Bishkek's: it starts at 18:00 UTC on 31 December.
        let q = reconciliation_query(&params(&[]), now(), BISHKEK).unwrap();
        assert_eq!(q.from, Timestamp::parse("2025-12-31T18:00:00Z").unwrap());
        assert_eq!(q.until, Timestamp::parse("2026-12-31T18:00:00Z").unwrap());
        // At 20:00 UTC on 31 December it is already next year in Bishkek, not in UTC.
        let eve = Timestamp::parse("2026-12-31T20:00:00Z").unwrap();
        let q = reconciliation_query(&params(&[]), eve, BISHKEK).unwrap();
        assert_eq!(q.from, Timestamp::parse("2026-12-31T18:00:00Z").unwrap());
        assert_eq!(
            kp_query(&params(&[]), eve, BISHKEK).unwrap().years,
            2023..=2027
        );
        assert_eq!(
            kp_query(&params(&[]), eve, chrono_tz::UTC).unwrap().years,
            2022..=2026
        );
        assert_eq!((q.format, q.table), (Format::Json, Table::Summary));
        let q = reconciliation_query(
            &params(&[
                ("from", "2026-11-01"),
                ("until", "2026-11-23T14:30:00+06:00"),
                ("format", "csv"),
                ("table", "lines"),
            ]),
            now(),
            BISHKEK,
        )
        .unwrap();
        // A date alone is its start in central's zone.
        assert_eq!(q.from, Timestamp::parse("2026-10-31T18:00:00Z").unwrap());
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
            let e = reconciliation_query(&params(&pairs), now(), BISHKEK).unwrap_err();
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
}
