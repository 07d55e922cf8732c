//! The Kimberley Process statistics tables (seed 003, section E, tables 1 and 2): rough
//! diamonds imported, exported and in transit per year, in carats, US dollars and US dollars per
//! carat, with the number of KP certificates, as data, CSV and an HTML fragment.

use super::render::{csv_text, esc, skipped_html, Csv};
use super::{
    add, admit, carats, direction_order, overflow, per_unit, ser_decimal, ser_opt_decimal,
    ConsignmentRecord, ReportError, Skipped, MAX_REPORT_YEARS,
};
use chrono::Datelike;
use rust_decimal::Decimal;
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::ops::RangeInclusive;
use tamga_core::act::{CertificateKind, Direction, GoodsLine};
use tamga_core::assessment::goods::is_rough_diamond;
use tamga_core::Timestamp;

fn year_of(t: &Timestamp) -> Option<i32> {
    chrono::DateTime::from_timestamp(t.unix(), 0).map(|d| d.year())
}

/// Rough diamonds valued in another currency than US dollars, in one year and direction.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct NotInUsd {
    /// The ISO 4217 currency.
    pub currency: String,
    /// The value, in that currency.
    #[serde(serialize_with = "ser_decimal")]
    pub amount: Decimal,
    /// The carats so valued.
    #[serde(serialize_with = "ser_decimal")]
    pub volume_ct: Decimal,
    /// The consignments.
    pub consignments: Vec<String>,
}

/// One direction (import, export or transit) of rough diamonds in one year.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct KpFlow {
    /// Consignments carrying rough diamonds.
    pub consignments: u32,
    /// Volume, carats (all rough diamonds, whatever the currency of their value).
    #[serde(serialize_with = "ser_decimal")]
    pub volume_ct: Decimal,
    /// Value, US dollars (of the lines valued in US dollars).
    #[serde(serialize_with = "ser_decimal")]
    pub value_usd: Decimal,
    /// The carats of the lines valued in US dollars.
    #[serde(serialize_with = "ser_decimal")]
    pub usd_valued_ct: Decimal,
    /// US dollars per carat, over the carats valued in US dollars, rounded half-up to cents;
    /// `None` when no carats are valued in US dollars.
    #[serde(serialize_with = "ser_opt_decimal")]
    pub usd_per_ct: Option<Decimal>,
    /// Distinct Kimberley Process certificates (issuing country and number).
    pub kp_certificates: u32,
    /// Values in other currencies, listed apart.
    pub not_in_usd: Vec<NotInUsd>,
}

impl KpFlow {
    fn is_empty(&self) -> bool {
        self.consignments == 0 && self.kp_certificates == 0
    }
}

/// One year's row of tables 1 and 2.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct KpYear {
    /// The calendar year (UTC).
    pub year: i32,
    /// Rough diamonds imported.
    pub import: KpFlow,
    /// Rough diamonds exported.
    pub export: KpFlow,
    /// Rough diamonds in transit.
    pub transit: KpFlow,
    /// KP certificates in all directions.
    pub kpc_total: u32,
}

/// The Kimberley Process statistics tables: one row per year asked for, empty years included
/// (the annual report prints "-" for them).
///
/// Production is not part of it: customs acts record goods crossing the border, not mining.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct KpStatistics {
    /// The years, oldest first.
    pub years: Vec<KpYear>,
    /// Whether any year has transit (the transit columns are shown only then).
    pub has_transit: bool,
    /// Whether any value is not in US dollars.
    pub has_not_in_usd: bool,
    /// Consignments left out, and why.
    pub skipped: Vec<Skipped>,
}

#[derive(Default)]
struct FlowBuilder {
    flow: KpFlow,
    certificates: BTreeSet<(String, String)>,
    not_in_usd: BTreeMap<String, (Decimal, Decimal, BTreeSet<String>)>,
}

/// Computes the KP statistics tables for `years` (inclusive, at most [`MAX_REPORT_YEARS`]) from
/// `records`: each consignment with rough diamonds counts in the year of its registration (see
/// the documentation of [`crate::reports`]), under its direction. Consignments registered
/// outside `years` are ignored.
pub fn kp_statistics(
    records: &[ConsignmentRecord<'_>],
    years: RangeInclusive<i32>,
) -> Result<KpStatistics, ReportError> {
    let (first, last) = (*years.start(), *years.end());
    if first > last {
        return Err(ReportError::BadPeriod(format!(
            "the first year {first} is after the last {last}"
        )));
    }
    let span = i64::from(last) - i64::from(first) + 1;
    if span > MAX_REPORT_YEARS as i64 {
        return Err(ReportError::BadPeriod(format!(
            "{span} years asked for; at most {MAX_REPORT_YEARS}"
        )));
    }
    let (admitted, skipped) = admit(records);
    let mut builders: BTreeMap<(i32, u8), FlowBuilder> = BTreeMap::new();
    for record in admitted {
        let reg = record.registration;
        let Some(year) = year_of(&reg.at) else {
            continue;
        };
        if !years.contains(&year) {
            continue;
        }
        let rough: Vec<&GoodsLine> = reg
            .goods
            .iter()
            .filter(|g| is_rough_diamond(&g.hs_code))
            .collect();
        if rough.is_empty() {
            continue;
        }
        let b = builders
            .entry((year, direction_order(reg.direction)))
            .or_default();
        b.flow.consignments += 1;
        for line in rough {
            let ct = carats(line).ok_or_else(|| overflow("carats"))?;
            add(&mut b.flow.volume_ct, ct, "carats")?;
            if line.value.currency.as_str() == "USD" {
                add(&mut b.flow.value_usd, line.value.amount, "US dollar")?;
                add(&mut b.flow.usd_valued_ct, ct, "carats")?;
            } else {
                let entry = b
                    .not_in_usd
                    .entry(line.value.currency.as_str().to_owned())
                    .or_default();
                add(&mut entry.0, line.value.amount, "value not in US dollars")?;
                add(&mut entry.1, ct, "carats")?;
                entry.2.insert(reg.consignment.as_str().to_owned());
            }
        }
        for c in &reg.certificates {
            if c.kind == CertificateKind::KimberleyProcess {
                b.certificates.insert((
                    c.issued_by.as_str().to_owned(),
                    c.number.as_str().to_owned(),
                ));
            }
        }
    }

    let mut out = Vec::new();
    let mut has_transit = false;
    let mut has_not_in_usd = false;
    for year in first..=last {
        let flows = [Direction::Import, Direction::Export, Direction::Transit].map(|d| {
            let Some(b) = builders.remove(&(year, direction_order(d))) else {
                return KpFlow::default();
            };
            let mut flow = b.flow;
            flow.kp_certificates = b.certificates.len() as u32;
            flow.usd_per_ct = per_unit(flow.value_usd, flow.usd_valued_ct);
            flow.not_in_usd = b
                .not_in_usd
                .into_iter()
                .map(|(currency, (amount, volume_ct, ids))| NotInUsd {
                    currency,
                    amount,
                    volume_ct,
                    consignments: ids.into_iter().collect(),
                })
                .collect();
            flow
        });
        has_transit |= !flows[2].is_empty();
        has_not_in_usd |= flows.iter().any(|f| !f.not_in_usd.is_empty());
        let [import, export, transit] = flows;
        out.push(KpYear {
            year,
            kpc_total: import.kp_certificates + export.kp_certificates + transit.kp_certificates,
            import,
            export,
            transit,
        });
    }
    Ok(KpStatistics {
        years: out,
        has_transit,
        has_not_in_usd,
        skipped,
    })
}

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

    /// Tables 1 and 2 side by side, one row per year. Empty cells: no US dollars per carat (no
    /// carats valued in US dollars) and no values in other currencies.
    pub fn to_csv(&self) -> String {
        let mut csv = Csv::default();
        let mut header = vec!["year".to_owned()];
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
        csv.row(header);
        for row in &self.years {
            let mut fields = vec![row.year.to_string()];
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
            csv.row(fields);
        }
        csv.out
    }

    /// The tables as the annual report prints them ("-" for nothing), with the values not in
    /// US dollars and the consignments left out below.
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
        h.push_str("<table class=\"kp-volumes\">\n<caption>Table 1: Overview of import and export of rough diamonds</caption>\n<thead>\n<tr><th scope=\"col\" rowspan=\"2\">Period</th>");
        for (name, _) in self
            .years
            .first()
            .map(|y| self.flows(y))
            .unwrap_or_default()
        {
            let _ = write!(h, "<th scope=\"colgroup\" colspan=\"3\">{name}</th>");
        }
        h.push_str("</tr>\n<tr>");
        for _ in 0..n_dir {
            h.push_str(
                "<th scope=\"col\">Volume, ct</th><th scope=\"col\">Value, US$</th><th scope=\"col\">US$/ct</th>",
            );
        }
        h.push_str("</tr>\n</thead>\n<tbody>\n");
        for row in &self.years {
            let _ = write!(h, "<tr><th scope=\"row\">{}</th>", row.year);
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
        h.push_str("</tbody>\n</table>\n");

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
        skipped_html(&mut h, &self.skipped);
        h.push_str("</section>\n");
        h
    }
}

#[cfg(test)]
mod tests {
    use super::super::test_support::{another, dec, story_assessment};
    use super::*;
    use tamga_core::codes::{CurrencyCode, Text};
    use tamga_core::fixtures::Story;
    use tamga_core::quantity::Money;

    #[test]
    fn kp_table_for_the_story() {
        let story = Story::new();
        let (a, reg) = story_assessment(&story);
        let records = [ConsignmentRecord {
            assessment: &a,
            registration: &reg,
        }];
        let kp = kp_statistics(&records, 2022..=2026).unwrap();
        assert_eq!(kp.years.len(), 5);
        assert!(kp.skipped.is_empty());
        assert!(!kp.has_transit && !kp.has_not_in_usd);
        let y = kp.years.iter().find(|y| y.year == 2026).unwrap();
        assert_eq!(y.import.consignments, 1);
        assert_eq!(y.import.volume_ct.to_string(), "1250.35");
        assert_eq!(y.import.value_usd.to_string(), "1875525.00");
        assert_eq!(y.import.usd_per_ct.unwrap().to_string(), "1500.00");
        assert_eq!(y.import.kp_certificates, 1);
        assert_eq!(y.export, KpFlow::default());
        assert_eq!(y.kpc_total, 1);
        for other in kp.years.iter().filter(|y| y.year != 2026) {
            assert_eq!(other.import, KpFlow::default());
            assert_eq!(other.kpc_total, 0);
        }

        let csv = kp.to_csv();
        let mut rows = csv.split("\r\n");
        assert_eq!(
            rows.next().unwrap(),
            "year,import_volume_ct,import_value_usd,import_usd_per_ct,import_value_not_in_usd,import_consignments,\
             export_volume_ct,export_value_usd,export_usd_per_ct,export_value_not_in_usd,export_consignments,\
             kpc_import,kpc_export,kpc_total"
        );
        assert!(csv.contains("\r\n2026,1250.35,1875525.00,1500.00,,1,0,0,,,0,1,0,1\r\n"));
        assert!(csv.contains("\r\n2022,0,0,,,0,0,0,,,0,0,0,0\r\n"));

        let html = kp.to_html();
        assert!(html.contains("<td>1250.35</td><td>1875525.00</td><td>1500.00</td>"));
        assert!(html.contains("<tr><th scope=\"row\">2022</th><td>-</td><td>-</td><td>-</td>"));
        assert!(!html.contains("<html") && !html.contains("lang="));

        // Serialized, decimals are exact strings.
        let json = serde_json::to_value(&kp).unwrap();
        assert_eq!(json["years"][4]["import"]["volume_ct"], "1250.35");
        assert_eq!(json["years"][4]["import"]["usd_per_ct"], "1500.00");
    }

    #[test]
    fn another_year_lands_in_its_own_row_and_directions_apart() {
        let story = Story::new();
        let (a, reg) = story_assessment(&story);
        let (a2, reg2) = another(&a, &reg, "EXP-2025-1", "2025-12-31T23:59:59Z", |r| {
            r.direction = Direction::Export;
            r.goods[0].quantity.value = dec("100.5");
            r.goods[0].value.amount = dec("120000.00");
            r.certificates[0].number = Text::new("KG 0000017").unwrap();
        });
        // Registered on 31 December and delivered in the new year: counted in its registration's
        // year, whatever the assessment says of delivery.
        let records = [
            ConsignmentRecord {
                assessment: &a,
                registration: &reg,
            },
            ConsignmentRecord {
                assessment: &a2,
                registration: &reg2,
            },
        ];
        let kp = kp_statistics(&records, 2025..=2026).unwrap();
        let y2025 = &kp.years[0];
        assert_eq!(y2025.year, 2025);
        assert_eq!(y2025.import, KpFlow::default());
        assert_eq!(y2025.export.volume_ct.to_string(), "100.5");
        assert_eq!(y2025.export.value_usd.to_string(), "120000.00");
        // 120000.00 / 100.5 = 1194.0298...
        assert_eq!(y2025.export.usd_per_ct.unwrap().to_string(), "1194.03");
        assert_eq!(y2025.export.kp_certificates, 1);
        let y2026 = &kp.years[1];
        assert_eq!(y2026.import.volume_ct.to_string(), "1250.35");
        assert_eq!(y2026.export, KpFlow::default());
        // Only 2026 asked for: the 2025 export is out of range.
        let only = kp_statistics(&records, 2026..=2026).unwrap();
        assert_eq!(only.years.len(), 1);
        assert_eq!(only.years[0].export, KpFlow::default());
        assert!(kp_statistics(&records, RangeInclusive::new(2026, 2025)).is_err());
        assert!(kp_statistics(&records, 1900..=2026).is_err());
    }

    #[test]
    fn non_usd_values_are_listed_apart() {
        let story = Story::new();
        let (a, reg) = story_assessment(&story);
        let (a2, reg2) = another(&a, &reg, "IMP-EUR-1", "2026-03-01T10:00:00Z", |r| {
            let mut line = r.goods[0].clone();
            line.quantity.value = dec("8.00");
            line.value = Money {
                amount: dec("12000.00"),
                currency: CurrencyCode::new("EUR").unwrap(),
            };
            r.goods = vec![line];
            r.certificates[0].number = Text::new("BE 0417999").unwrap();
        });
        let records = [
            ConsignmentRecord {
                assessment: &a,
                registration: &reg,
            },
            ConsignmentRecord {
                assessment: &a2,
                registration: &reg2,
            },
        ];
        let kp = kp_statistics(&records, 2026..=2026).unwrap();
        let f = &kp.years[0].import;
        assert!(kp.has_not_in_usd);
        assert_eq!(f.consignments, 2);
        assert_eq!(f.volume_ct.to_string(), "1258.35");
        assert_eq!(f.value_usd.to_string(), "1875525.00");
        assert_eq!(f.usd_valued_ct.to_string(), "1250.35");
        assert_eq!(f.usd_per_ct.unwrap().to_string(), "1500.00");
        assert_eq!(f.kp_certificates, 2);
        assert_eq!(
            f.not_in_usd,
            vec![NotInUsd {
                currency: "EUR".into(),
                amount: dec("12000.00"),
                volume_ct: dec("8.00"),
                consignments: vec!["IMP-EUR-1".into()],
            }]
        );
        assert!(kp
            .to_csv()
            .contains(",1258.35,1875525.00,1500.00,EUR 12000.00 for 8.00 ct,2,"));
        let html = kp.to_html();
        assert!(html.contains("<td>1500.00*</td>"));
        assert!(html.contains("Values not in US$"));
        assert!(html.contains("<td>EUR</td><td>12000.00</td><td>8.00</td><td>IMP-EUR-1</td>"));
    }
}
