//! The KP statistics as the annual report prints them: tables 1 and 2 (production, import,
//! export and transit; KP certificates) as CSV and as an HTML fragment with the chart beside
//! the tables. Production has its columns, always "-": no act records it (see [`super::NOTES`]).

use super::super::render::{csv_text, esc, notes_html, skipped_html, Csv};
use super::{ChartLang, Direction, KpFlow, KpStatistics, KpYear, NotInUsd, ValueCounted};
use rust_decimal::Decimal;
use std::fmt::Write as _;

/// What the tables print where there is no figure, as the annual report does.
const NONE: &str = "-";

fn not_in_usd_text(list: &[NotInUsd]) -> String {
    list.iter()
        .map(|n| format!("{} {} for {} ct", n.currency, n.amount, n.volume_ct))
        .collect::<Vec<_>>()
        .join("; ")
}

impl KpStatistics {
    fn flows<'s>(&'s self, row: &'s KpYear) -> Vec<(&'static str, &'s KpFlow)> {
        let mut flows = vec![("Import", &row.import), ("Export", &row.export)];
        if self.has_transit {
            flows.push(("Transit", &row.transit));
        }
        flows
    }

    /// Tables 1 and 2 side by side, one row per year, then per direction the carats deducted for
    /// shortages and the consignments (and their carats) refused or returned, not counted.
    /// Production's three columns come first, as in table 1, and hold "-" (none recorded).
    /// Empty cells: no US dollars per carat (no carats valued in US dollars) and no values in
    /// other currencies.
    pub fn to_csv(&self) -> String {
        let mut csv = Csv::default();
        let mut header = vec!["year".to_owned()];
        for col in ["volume_ct", "value_usd", "usd_per_ct"] {
            header.push(format!("production_{col}"));
        }
        let directions: Vec<&str> = if self.has_transit {
            vec!["import", "export", "transit"]
        } else {
            vec!["import", "export"]
        };
        for d in &directions {
            for col in [
                "volume_ct",
                "value_usd",
                "usd_per_ct",
                "value_not_in_usd",
                "consignments",
            ] {
                header.push(format!("{d}_{col}"));
            }
        }
        for d in &directions {
            header.push(format!("kpc_{d}"));
        }
        header.push("kpc_total".to_owned());
        for d in &directions {
            for col in [
                "shortage_ct",
                "refused_or_returned",
                "refused_or_returned_ct",
            ] {
                header.push(format!("{d}_{col}"));
            }
        }
        csv.row(header);
        for row in &self.years {
            let mut fields = vec![row.year.to_string()];
            fields.extend(production_fields(row));
            let flows = self.flows(row);
            for (_, f) in &flows {
                fields.push(f.volume_ct.to_string());
                fields.push(f.value_usd.to_string());
                fields.push(f.usd_per_ct.map(|d| d.to_string()).unwrap_or_default());
                fields.push(csv_text(&not_in_usd_text(&f.not_in_usd)));
                fields.push(f.consignments.to_string());
            }
            for (_, f) in &flows {
                fields.push(f.kp_certificates.to_string());
            }
            fields.push(row.kpc_total.to_string());
            for (_, f) in &flows {
                fields.push(f.shortage_ct.to_string());
                fields.push(f.refused_or_returned.to_string());
                fields.push(f.refused_or_returned_ct.to_string());
            }
            csv.row(fields);
        }
        csv.out
    }

    /// The tables as the annual report prints them ("-" for nothing), the chart of the series
    /// beside them (in English, as the tables), and the values not in US dollars and the
    /// consignments left out below.
    pub fn to_html(&self) -> String {
        let dash = |d: Decimal| {
            if d.is_zero() {
                "-".to_owned()
            } else {
                d.to_string()
            }
        };
        let count = |n: u32| {
            if n == 0 {
                "-".to_owned()
            } else {
                n.to_string()
            }
        };
        let mut h = String::new();
        h.push_str("<section class=\"tamga-report\" data-report=\"kp-statistics\">\n");
        let first = self.years.first().map(|y| y.year);
        let last = self.years.last().map(|y| y.year);
        if let (Some(first), Some(last)) = (first, last) {
            let _ = writeln!(
                h,
                "<h2>Kimberley Process statistics, {}</h2>",
                esc(&if first == last {
                    first.to_string()
                } else {
                    format!("{first}\u{2013}{last}")
                })
            );
        }
        let n_dir = if self.has_transit { 3 } else { 2 };
        h.push_str("<div class=\"kp-layout\">\n<div class=\"kp-tables\">\n");
        h.push_str("<table class=\"kp-volumes\">\n<caption>Table 1: Overview of production, import and export of rough diamonds</caption>\n<thead>\n<tr><th scope=\"col\" rowspan=\"2\">Period</th><th scope=\"colgroup\" colspan=\"3\">Production</th>");
        for (name, _) in self
            .years
            .first()
            .map(|y| self.flows(y))
            .unwrap_or_default()
        {
            let _ = write!(h, "<th scope=\"colgroup\" colspan=\"3\">{name}</th>");
        }
        h.push_str("</tr>\n<tr>");
        for _ in 0..=n_dir {
            h.push_str(
                "<th scope=\"col\">Volume, ct</th><th scope=\"col\">Value, US$</th><th scope=\"col\">US$/ct</th>",
            );
        }
        h.push_str("</tr>\n</thead>\n<tbody>\n");
        for row in &self.years {
            let _ = write!(
                h,
                "<tr><th scope=\"row\">{}</th>{}",
                row.year,
                production_cells(row)
            );
            for (_, f) in self.flows(row) {
                let per_ct = match f.usd_per_ct {
                    Some(p) if !f.not_in_usd.is_empty() => format!("{p}*"),
                    Some(p) => p.to_string(),
                    None => "-".to_owned(),
                };
                let _ = write!(
                    h,
                    "<td>{}</td><td>{}</td><td>{}</td>",
                    esc(&dash(f.volume_ct)),
                    esc(&dash(f.value_usd)),
                    esc(&per_ct)
                );
            }
            h.push_str("</tr>\n");
        }
        h.push_str("</tbody>\n</table>\n");
        if self.has_not_in_usd {
            h.push_str("<p class=\"note\">* US$/ct over the carats valued in US$ only; values in other currencies are listed under \u{201c}Values not in US$\u{201d}.</p>\n");
        }

        h.push_str("<table class=\"kp-certificates\">\n<caption>Table 2: Overview of KPC count for import and export</caption>\n<thead>\n<tr><th scope=\"col\">Period</th>");
        for (name, _) in self
            .years
            .first()
            .map(|y| self.flows(y))
            .unwrap_or_default()
        {
            let _ = write!(h, "<th scope=\"col\">{name}</th>");
        }
        h.push_str("<th scope=\"col\">Total</th></tr>\n</thead>\n<tbody>\n");
        for row in &self.years {
            let _ = write!(h, "<tr><th scope=\"row\">{}</th>", row.year);
            for (_, f) in self.flows(row) {
                let _ = write!(h, "<td>{}</td>", count(f.kp_certificates));
            }
            let _ = writeln!(h, "<td>{}</td></tr>", count(row.kpc_total));
        }
        h.push_str("</tbody>\n</table>\n</div>\n");
        let _ = write!(
            h,
            "<figure class=\"kp-chart\">\n{}</figure>\n</div>\n",
            self.chart_svg(ChartLang::En)
        );

        if self.has_not_in_usd {
            h.push_str("<table class=\"kp-not-in-usd\">\n<caption>Values not in US$ (no exchange rate in the acts)</caption>\n<thead>\n<tr><th scope=\"col\">Period</th><th scope=\"col\">Direction</th><th scope=\"col\">Currency</th><th scope=\"col\">Value</th><th scope=\"col\">Volume, ct</th><th scope=\"col\">Consignments</th></tr>\n</thead>\n<tbody>\n");
            for row in &self.years {
                for (name, f) in self.flows(row) {
                    for n in &f.not_in_usd {
                        let _ = writeln!(
                            h,
                            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                            row.year,
                            name,
                            esc(&n.currency),
                            esc(&n.amount.to_string()),
                            esc(&n.volume_ct.to_string()),
                            esc(&n.consignments.join(", "))
                        );
                    }
                }
            }
            h.push_str("</tbody>\n</table>\n");
        }
        if !self.short_deliveries.is_empty() {
            h.push_str("<table class=\"kp-short\">\n<caption>Short deliveries: counted less the shortage</caption>\n<thead>\n<tr><th scope=\"col\">Period</th><th scope=\"col\">Direction</th><th scope=\"col\">Consignment</th><th scope=\"col\">Registered, ct</th><th scope=\"col\">Shortage, ct</th><th scope=\"col\">Counted, ct</th><th scope=\"col\">Registered value</th><th scope=\"col\">Counted value</th></tr>\n</thead>\n<tbody>\n");
            for s in &self.short_deliveries {
                let values = |pick: fn(&ValueCounted) -> Decimal| {
                    s.values
                        .iter()
                        .map(|v| format!("{} {}", pick(v), v.currency))
                        .collect::<Vec<_>>()
                        .join("; ")
                };
                let counted_ct = if s.deducted {
                    s.counted_ct.to_string()
                } else {
                    format!("{} (not deducted: other goods)", s.counted_ct)
                };
                let _ = writeln!(
                    h,
                    "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                    s.year,
                    direction_title(s.direction),
                    esc(&s.consignment),
                    esc(&s.registered_ct.to_string()),
                    esc(&s.shortage_ct.to_string()),
                    esc(&counted_ct),
                    esc(&values(|v| v.registered)),
                    esc(&values(|v| v.counted)),
                );
            }
            h.push_str("</tbody>\n</table>\n");
        }
        if !self.set_aside.is_empty() {
            h.push_str("<table class=\"kp-set-aside\">\n<caption>Refused or returned: not counted</caption>\n<thead>\n<tr><th scope=\"col\">Period</th><th scope=\"col\">Direction</th><th scope=\"col\">Consignment</th><th scope=\"col\">Outcome</th><th scope=\"col\">Volume, ct</th><th scope=\"col\">Value</th><th scope=\"col\">KP certificates</th></tr>\n</thead>\n<tbody>\n");
            for s in &self.set_aside {
                let outcome = match &s.reason {
                    Some(reason) => format!("{}: {reason}", s.outcome),
                    None => s.outcome.to_owned(),
                };
                let values: Vec<String> = s
                    .values
                    .iter()
                    .map(|v| format!("{} {}", v.registered, v.currency))
                    .collect();
                let _ = writeln!(
                    h,
                    "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                    s.year,
                    direction_title(s.direction),
                    esc(&s.consignment),
                    esc(&outcome),
                    esc(&s.volume_ct.to_string()),
                    esc(&values.join("; ")),
                    esc(&s.kp_certificates.join(", ")),
                );
            }
            h.push_str("</tbody>\n</table>\n");
        }
        notes_html(&mut h, &self.notes);
        skipped_html(&mut h, &self.skipped);
        h.push_str("</section>\n");
        h
    }
}

/// Table 1's production figures of a row (volume, value, US$ per carat): "-" when none is
/// recorded, which is always (see [`super::NOTES`]). Written as is in the CSV: "-" is no
/// formula, and no free text.
fn production_fields(row: &KpYear) -> [String; 3] {
    match &row.production {
        None => [NONE; 3].map(str::to_owned),
        Some(f) => [
            f.volume_ct.to_string(),
            f.value_usd.to_string(),
            f.usd_per_ct
                .map(|d| d.to_string())
                .unwrap_or_else(|| NONE.to_owned()),
        ],
    }
}

/// Table 1's production cells of a row.
fn production_cells(row: &KpYear) -> String {
    production_fields(row)
        .iter()
        .map(|f| format!("<td>{}</td>", esc(f)))
        .collect()
}

fn direction_title(d: Direction) -> &'static str {
    match d {
        Direction::Import => "Import",
        Direction::Export => "Export",
        Direction::Transit => "Transit",
    }
}
