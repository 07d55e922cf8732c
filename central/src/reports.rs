//! Reports for reconciliation staff, computed from the consignments' acts (a functional core: no
//! I/O, no clock).
//!
//! - [`kp_statistics`]: the Kimberley Process statistics tables of the annual report (seed 003,
//!   section E, tables 1 and 2): per year, import, export and transit of rough diamonds (HS
//!   7102 10, 7102 21, 7102 31) as volume in carats, value in US dollars and US dollars per
//!   carat, and the number of KP certificates for import and export.
//! - [`reconciliation`]: what the customs office and the Precious Metals Department compare on
//!   request (Technological Scheme, item 8): imports and exports of precious metals and stones by
//!   kind of goods (HS heading), and the number of State Control Certificates.
//!
//! Each report is plain data (`serde::Serialize`, decimals as exact strings) and renders as CSV
//! (RFC 4180: comma-separated, CRLF line ends, fields with a comma, quote or line break quoted,
//! quotes doubled, a header row first) and as an HTML fragment: a `<section>` holding the
//! report's `<table>`s with English headings and every text escaped, and no `<html>`, `<head>`
//! or `lang`, so the caller wraps it in the page, a printable view or a download as it needs.
//!
//! # Which consignments count
//!
//! A consignment is given as its [`Assessment`] and its `consignment_registered` body
//! ([`ConsignmentRecord`]). It is left out, and listed as such, when its assessment holds no
//! registration in force, when the assessment and the registration name different
//! consignments, or when it is given twice.
//!
//! A consignment counts in the year (or period) of its **registration**, not of its delivery.
//! Import and export happen when goods cross the customs border and are placed under customs
//! control: rough diamonds are registered at the airport post on arrival with the exporting
//! country's KP certificate (DOMAIN.md, the airport story, step 1), and an export is registered
//! when the Department's State Control Certificate and KPC have been issued (step 5). That is the
//! date the KP certificate is presented and the import or export is recorded; the escort to the
//! Department that follows is an inland movement of goods already imported. Registration is
//! also the one date every consignment has: a consignment still under escort on 31 December
//! counts in the year it crossed the border instead of in no year at all.
//!
//! # Exact numbers
//!
//! Every figure is a `rust_decimal::Decimal`, never a float, and keeps the scale it was written
//! with (`1250.35` carats stays `1250.35`). Masses in grams convert to carats exactly (one metric
//! carat is 0.2 g, so grams times 5). US dollars per carat are computed by exact division and
//! rounded to 2 decimal places **half-up** (half away from zero; the figures are never negative):
//! the commercial rounding a printed statistics table uses, the figure a reader checking the
//! table by hand gets. Banker's rounding is a technique for sums of many rounded figures, and
//! no figure here is summed after rounding. The rounding is exact ([`per_unit`] works on the
//! remainder), so a quotient never ends up on the wrong side of a half through an intermediate
//! rounding.
//!
//! A value in another currency than US dollars cannot be converted without an exchange rate the
//! acts do not hold: it is listed apart, as "not in USD", with its carats, and the US dollars per
//! carat are computed over the carats valued in US dollars only.

use chrono::Datelike;
use rust_decimal::Decimal;
use serde::{Serialize, Serializer};
use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::ops::RangeInclusive;
use tamga_core::act::{CertificateKind, ConsignmentRegistered, Direction, GoodsLine};
use tamga_core::assessment::goods::{is_precious, is_rough_diamond};
use tamga_core::assessment::Status;
use tamga_core::quantity::{MassUnit, QuantityUnit};
use tamga_core::{Assessment, Timestamp};

/// The most years one KP statistics report may cover.
pub const MAX_REPORT_YEARS: usize = 100;

/// One consignment as the reports read it: its assessment and its registration.
#[derive(Clone, Copy, Debug)]
pub struct ConsignmentRecord<'a> {
    /// The consignment's assessment (for the registration in force and the status).
    pub assessment: &'a Assessment,
    /// The body of its `consignment_registered` act.
    pub registration: &'a ConsignmentRegistered,
}

/// Why a report could not be computed.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ReportError {
    /// A total exceeds what an exact decimal holds.
    #[error("the {what} total is too large to compute exactly")]
    Overflow {
        /// Which total.
        what: &'static str,
    },
    /// The years or the period asked for make no report.
    #[error("bad period: {0}")]
    BadPeriod(String),
}

fn overflow(what: &'static str) -> ReportError {
    ReportError::Overflow { what }
}

/// A consignment left out of a report, and why.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Skipped {
    /// The consignment.
    pub consignment: String,
    /// Why it was left out.
    pub reason: String,
}

/// The consignments that count, and those left out.
fn admit<'r, 'a>(
    records: &'r [ConsignmentRecord<'a>],
) -> (Vec<&'r ConsignmentRecord<'a>>, Vec<Skipped>) {
    let mut seen = BTreeSet::new();
    let mut admitted = Vec::new();
    let mut skipped = Vec::new();
    for record in records {
        let id = record.registration.consignment.as_str();
        let reason = if record.assessment.consignment != record.registration.consignment {
            Some(format!(
                "the assessment is of consignment {}",
                record.assessment.consignment
            ))
        } else if record.assessment.state.registration.is_none() {
            Some("no registration in force".to_owned())
        } else if !seen.insert(id) {
            Some("given twice; counted once".to_owned())
        } else {
            None
        };
        match reason {
            Some(reason) => skipped.push(Skipped {
                consignment: id.to_owned(),
                reason,
            }),
            None => admitted.push(record),
        }
    }
    (admitted, skipped)
}

fn year_of(t: &Timestamp) -> Option<i32> {
    chrono::DateTime::from_timestamp(t.unix(), 0).map(|d| d.year())
}

fn add(sum: &mut Decimal, x: Decimal, what: &'static str) -> Result<(), ReportError> {
    *sum = sum.checked_add(x).ok_or_else(|| overflow(what))?;
    Ok(())
}

/// `value / volume`, rounded to 2 decimal places half-up, exactly; `None` when `volume` is not
/// above zero, `value` is negative, or the figures are too large.
pub fn per_unit(value: Decimal, volume: Decimal) -> Option<Decimal> {
    if volume <= Decimal::ZERO || value.is_sign_negative() {
        return None;
    }
    let scaled = value.checked_mul(Decimal::ONE_HUNDRED)?;
    // The quotient's integer part; corrected below in case the 28-digit division rounded it up.
    let mut q = scaled.checked_div(volume)?.trunc();
    let mut rem = scaled.checked_sub(q.checked_mul(volume)?)?;
    while rem.is_sign_negative() && !rem.is_zero() {
        q -= Decimal::ONE;
        rem = rem.checked_add(volume)?;
    }
    while rem >= volume {
        q += Decimal::ONE;
        rem = rem.checked_sub(volume)?;
    }
    if rem.checked_mul(Decimal::TWO)? >= volume {
        q = q.checked_add(Decimal::ONE)?;
    }
    q.rescale(0);
    Some(Decimal::from_i128_with_scale(q.mantissa(), 2))
}

/// The carats of a goods line of stones: its quantity if in carats, grams or kilograms, else its
/// net mass; exact (1 ct = 0.2 g). `None` on overflow.
pub fn carats(line: &GoodsLine) -> Option<Decimal> {
    let five = Decimal::from(5);
    match line.quantity.unit {
        QuantityUnit::Ct => Some(line.quantity.value),
        QuantityUnit::G => line.quantity.value.checked_mul(five),
        QuantityUnit::Kg => line.quantity.value.checked_mul(Decimal::from(5000)),
        QuantityUnit::Pcs => match line.net_mass.unit {
            MassUnit::Ct => Some(line.net_mass.value),
            MassUnit::G | MassUnit::Kg => line.net_mass.in_grams()?.checked_mul(five),
        },
    }
}

fn direction_name(d: Direction) -> &'static str {
    match d {
        Direction::Import => "import",
        Direction::Export => "export",
        Direction::Transit => "transit",
    }
}

fn direction_order(d: Direction) -> u8 {
    match d {
        Direction::Import => 0,
        Direction::Export => 1,
        Direction::Transit => 2,
    }
}

fn ser_decimal<S: Serializer>(d: &Decimal, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&d.to_string())
}

fn ser_opt_decimal<S: Serializer>(d: &Option<Decimal>, s: S) -> Result<S::Ok, S::Error> {
    match d {
        Some(d) => s.serialize_str(&d.to_string()),
        None => s.serialize_none(),
    }
}

// ------------------------------------------------------------------------------------------
// Kimberley Process statistics
// ------------------------------------------------------------------------------------------

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
/// the module documentation), under its direction. Consignments registered outside `years` are
/// ignored.
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

// ------------------------------------------------------------------------------------------
// Reconciliation with the Precious Metals Department
// ------------------------------------------------------------------------------------------

/// The English name of an HS heading of precious stones or metals.
pub fn heading_name(heading: &str) -> &'static str {
    match heading {
        "7101" => "Pearls, natural or cultured",
        "7102" => "Diamonds",
        "7103" => "Precious (other than diamonds) and semi-precious stones",
        "7106" => "Silver",
        "7108" => "Gold",
        "7110" => "Platinum, palladium, rhodium, iridium, osmium and ruthenium",
        "7112" => "Waste and scrap of precious metals",
        _ => "Other precious goods",
    }
}

/// Quantities declared, by unit, exact.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct QuantityTotals {
    /// Carats.
    #[serde(serialize_with = "ser_decimal")]
    pub ct: Decimal,
    /// Grams.
    #[serde(serialize_with = "ser_decimal")]
    pub g: Decimal,
    /// Kilograms.
    #[serde(serialize_with = "ser_decimal")]
    pub kg: Decimal,
    /// Pieces.
    #[serde(serialize_with = "ser_decimal")]
    pub pcs: Decimal,
}

impl QuantityTotals {
    fn add(&mut self, unit: QuantityUnit, x: Decimal) -> Result<(), ReportError> {
        let slot = match unit {
            QuantityUnit::Ct => &mut self.ct,
            QuantityUnit::G => &mut self.g,
            QuantityUnit::Kg => &mut self.kg,
            QuantityUnit::Pcs => &mut self.pcs,
        };
        add(slot, x, "quantity")
    }
}

/// An amount in one currency.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Amount {
    /// The ISO 4217 currency.
    pub currency: String,
    /// How much.
    #[serde(serialize_with = "ser_decimal")]
    pub amount: Decimal,
}

/// One row of the reconciliation summary: a direction and a kind of goods, or a direction's
/// total (`heading` `None`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ReconciliationRow {
    /// Import, export or transit.
    pub direction: Direction,
    /// The HS heading (4 digits); `None` in a direction's total.
    pub heading: Option<String>,
    /// The kind of goods, in English.
    pub goods: String,
    /// Consignments with goods of this kind.
    pub consignments: u32,
    /// Of which delivered (transit ended).
    pub delivered: u32,
    /// Goods lines.
    pub lines: u32,
    /// Quantities declared, by unit.
    pub quantity: QuantityTotals,
    /// Net mass, grams.
    #[serde(serialize_with = "ser_decimal")]
    pub net_mass_g: Decimal,
    /// Value, per currency (no conversion).
    pub values: Vec<Amount>,
    /// Distinct State Control Certificates on these consignments.
    pub state_control_certificates: u32,
}

/// One goods line of precious stones or metals, for comparing registers line by line.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ReconciliationLine {
    /// When the consignment was registered.
    pub registered_at: Timestamp,
    /// The consignment.
    pub consignment: String,
    /// The transit declaration.
    pub declaration: String,
    /// Import, export or transit.
    pub direction: Direction,
    /// Where the consignment stands.
    pub status: Status,
    /// The HS code.
    pub hs_code: String,
    /// The description as declared.
    pub description: String,
    /// The quantity declared.
    #[serde(serialize_with = "ser_decimal")]
    pub quantity: Decimal,
    /// Its unit (`ct`, `g`, `kg`, `pcs`).
    pub unit: &'static str,
    /// Net mass, grams.
    #[serde(serialize_with = "ser_decimal")]
    pub net_mass_g: Decimal,
    /// The value.
    #[serde(serialize_with = "ser_decimal")]
    pub value: Decimal,
    /// Its currency.
    pub currency: String,
    /// The consignment's State Control Certificates, as `number (country)`.
    pub state_control_certificates: Vec<String>,
}

/// The reconciliation of imports and exports of precious metals and stones with the Precious
/// Metals Department for a period (Technological Scheme, item 8).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Reconciliation {
    /// The period's start (inclusive).
    pub from: Timestamp,
    /// The period's end (exclusive).
    pub until: Timestamp,
    /// Every currency appearing, sorted (one value column each in the CSV).
    pub currencies: Vec<String>,
    /// By direction and HS heading.
    pub by_heading: Vec<ReconciliationRow>,
    /// One total per direction with any goods.
    pub totals: Vec<ReconciliationRow>,
    /// Every goods line of precious stones or metals, by registration time.
    pub lines: Vec<ReconciliationLine>,
    /// Consignments left out, and why.
    pub skipped: Vec<Skipped>,
}

#[derive(Default)]
struct RowBuilder {
    consignments: BTreeSet<String>,
    delivered: BTreeSet<String>,
    lines: u32,
    quantity: QuantityTotals,
    net_mass_g: Decimal,
    values: BTreeMap<String, Decimal>,
    certificates: BTreeSet<(String, String)>,
}

impl RowBuilder {
    fn take(
        &mut self,
        record: &ConsignmentRecord<'_>,
        line: &GoodsLine,
        grams: Decimal,
    ) -> Result<(), ReportError> {
        let reg = record.registration;
        let id = reg.consignment.as_str().to_owned();
        if record.assessment.state.status == Status::Delivered {
            self.delivered.insert(id.clone());
        }
        if self.consignments.insert(id) {
            for c in &reg.certificates {
                if c.kind == CertificateKind::StateControl {
                    self.certificates.insert((
                        c.issued_by.as_str().to_owned(),
                        c.number.as_str().to_owned(),
                    ));
                }
            }
        }
        self.lines += 1;
        self.quantity.add(line.quantity.unit, line.quantity.value)?;
        add(&mut self.net_mass_g, grams, "net mass")?;
        add(
            self.values
                .entry(line.value.currency.as_str().to_owned())
                .or_default(),
            line.value.amount,
            "value",
        )
    }

    fn finish(self, direction: Direction, heading: Option<String>) -> ReconciliationRow {
        let goods = match &heading {
            Some(h) => heading_name(h).to_owned(),
            None => "All precious metals and stones".to_owned(),
        };
        ReconciliationRow {
            direction,
            heading,
            goods,
            consignments: self.consignments.len() as u32,
            delivered: self.delivered.len() as u32,
            lines: self.lines,
            quantity: self.quantity,
            net_mass_g: self.net_mass_g,
            values: self
                .values
                .into_iter()
                .map(|(currency, amount)| Amount { currency, amount })
                .collect(),
            state_control_certificates: self.certificates.len() as u32,
        }
    }
}

fn unit_symbol(u: QuantityUnit) -> &'static str {
    match u {
        QuantityUnit::Ct => "ct",
        QuantityUnit::G => "g",
        QuantityUnit::Kg => "kg",
        QuantityUnit::Pcs => "pcs",
    }
}

/// Computes the reconciliation for the period `[from, until)`: every consignment registered in
/// it with goods of precious stones or metals ([`is_precious`]), by direction and HS heading,
/// with the number of State Control Certificates.
pub fn reconciliation(
    records: &[ConsignmentRecord<'_>],
    from: Timestamp,
    until: Timestamp,
) -> Result<Reconciliation, ReportError> {
    if until <= from {
        return Err(ReportError::BadPeriod(format!(
            "the period ends ({until}) before it starts ({from})"
        )));
    }
    let (admitted, skipped) = admit(records);
    let mut rows: BTreeMap<(u8, String), RowBuilder> = BTreeMap::new();
    let mut totals: BTreeMap<u8, RowBuilder> = BTreeMap::new();
    let mut lines = Vec::new();
    let mut currencies = BTreeSet::new();
    for record in admitted {
        let reg = record.registration;
        if reg.at < from || reg.at >= until {
            continue;
        }
        let scc: Vec<String> = reg
            .certificates
            .iter()
            .filter(|c| c.kind == CertificateKind::StateControl)
            .map(|c| format!("{} ({})", c.number.as_str(), c.issued_by.as_str()))
            .collect();
        let d = direction_order(reg.direction);
        for line in reg.goods.iter().filter(|g| is_precious(&g.hs_code)) {
            let heading: String = line.hs_code.as_str().chars().take(4).collect();
            let grams = line
                .net_mass
                .in_grams()
                .ok_or_else(|| overflow("net mass"))?;
            rows.entry((d, heading))
                .or_default()
                .take(record, line, grams)?;
            totals.entry(d).or_default().take(record, line, grams)?;
            currencies.insert(line.value.currency.as_str().to_owned());
            lines.push(ReconciliationLine {
                registered_at: reg.at,
                consignment: reg.consignment.as_str().to_owned(),
                declaration: reg.declaration.as_str().to_owned(),
                direction: reg.direction,
                status: record.assessment.state.status,
                hs_code: line.hs_code.as_str().to_owned(),
                description: line.description.as_str().to_owned(),
                quantity: line.quantity.value,
                unit: unit_symbol(line.quantity.unit),
                net_mass_g: grams,
                value: line.value.amount,
                currency: line.value.currency.as_str().to_owned(),
                state_control_certificates: scc.clone(),
            });
        }
    }
    let direction_of = |d: u8| match d {
        0 => Direction::Import,
        1 => Direction::Export,
        _ => Direction::Transit,
    };
    lines.sort_by(|a, b| (a.registered_at, &a.consignment).cmp(&(b.registered_at, &b.consignment)));
    Ok(Reconciliation {
        from,
        until,
        currencies: currencies.into_iter().collect(),
        by_heading: rows
            .into_iter()
            .map(|((d, h), b)| b.finish(direction_of(d), Some(h)))
            .collect(),
        totals: totals
            .into_iter()
            .map(|(d, b)| b.finish(direction_of(d), None))
            .collect(),
        lines,
        skipped,
    })
}

impl Reconciliation {
    /// The summary rows in print order: each direction's headings, then its total.
    fn summary(&self) -> Vec<&ReconciliationRow> {
        let mut out = Vec::new();
        for total in &self.totals {
            out.extend(
                self.by_heading
                    .iter()
                    .filter(|r| r.direction == total.direction),
            );
            out.push(total);
        }
        out
    }

    fn value_in(row: &ReconciliationRow, currency: &str) -> Decimal {
        row.values
            .iter()
            .find(|a| a.currency == currency)
            .map(|a| a.amount)
            .unwrap_or(Decimal::ZERO)
    }

    /// The summary by direction and HS heading, each direction followed by its total (heading
    /// `all`), one value column per currency.
    pub fn to_csv(&self) -> String {
        let mut csv = Csv::default();
        let mut header: Vec<String> = [
            "direction",
            "hs_heading",
            "goods",
            "consignments",
            "delivered",
            "goods_lines",
            "quantity_ct",
            "quantity_g",
            "quantity_kg",
            "quantity_pcs",
            "net_mass_g",
        ]
        .map(str::to_owned)
        .to_vec();
        header.extend(self.currencies.iter().map(|c| format!("value_{c}")));
        header.push("state_control_certificates".to_owned());
        csv.row(header);
        for row in self.summary() {
            let mut fields = vec![
                direction_name(row.direction).to_owned(),
                row.heading.clone().unwrap_or_else(|| "all".to_owned()),
                csv_text(&row.goods),
                row.consignments.to_string(),
                row.delivered.to_string(),
                row.lines.to_string(),
                row.quantity.ct.to_string(),
                row.quantity.g.to_string(),
                row.quantity.kg.to_string(),
                row.quantity.pcs.to_string(),
                row.net_mass_g.to_string(),
            ];
            fields.extend(
                self.currencies
                    .iter()
                    .map(|c| Self::value_in(row, c).to_string()),
            );
            fields.push(row.state_control_certificates.to_string());
            csv.row(fields);
        }
        csv.out
    }

    /// Every goods line, for comparing with the Department's register line by line.
    pub fn lines_to_csv(&self) -> String {
        let mut csv = Csv::default();
        csv.row(
            [
                "registered_at",
                "consignment",
                "declaration",
                "direction",
                "status",
                "hs_code",
                "description",
                "quantity",
                "unit",
                "net_mass_g",
                "value",
                "currency",
                "state_control_certificates",
            ]
            .map(str::to_owned),
        );
        for l in &self.lines {
            csv.row([
                l.registered_at.to_rfc3339(),
                csv_text(&l.consignment),
                csv_text(&l.declaration),
                direction_name(l.direction).to_owned(),
                l.status.as_str().to_owned(),
                csv_text(&l.hs_code),
                csv_text(&l.description),
                l.quantity.to_string(),
                l.unit.to_owned(),
                l.net_mass_g.to_string(),
                l.value.to_string(),
                csv_text(&l.currency),
                csv_text(&l.state_control_certificates.join("; ")),
            ]);
        }
        csv.out
    }

    /// The summary and the goods lines as tables.
    pub fn to_html(&self) -> String {
        let mut h = String::new();
        h.push_str("<section class=\"tamga-report\" data-report=\"reconciliation\">\n");
        let _ = writeln!(
            h,
            "<h2>Imports and exports of precious metals and stones, {} to {}</h2>",
            esc(&self.from.for_people()),
            esc(&self.until.for_people())
        );
        h.push_str("<table class=\"reconciliation-summary\">\n<caption>By kind of goods</caption>\n<thead>\n<tr><th scope=\"col\">Direction</th><th scope=\"col\">HS heading</th><th scope=\"col\">Goods</th><th scope=\"col\">Consignments</th><th scope=\"col\">Delivered</th><th scope=\"col\">Goods lines</th><th scope=\"col\">Quantity</th><th scope=\"col\">Net mass, g</th><th scope=\"col\">Value</th><th scope=\"col\">State Control Certificates</th></tr>\n</thead>\n<tbody>\n");
        for row in self.summary() {
            let q = &row.quantity;
            let quantity: Vec<String> = [(q.ct, "ct"), (q.g, "g"), (q.kg, "kg"), (q.pcs, "pcs")]
                .iter()
                .filter(|(v, _)| !v.is_zero())
                .map(|(v, u)| format!("{v} {u}"))
                .collect();
            let values: Vec<String> = row
                .values
                .iter()
                .map(|a| format!("{} {}", a.amount, a.currency))
                .collect();
            let class = if row.heading.is_none() {
                " class=\"total\""
            } else {
                ""
            };
            let _ = writeln!(
                h,
                "<tr{class}><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                direction_name(row.direction),
                esc(row.heading.as_deref().unwrap_or("all")),
                esc(&row.goods),
                row.consignments,
                row.delivered,
                row.lines,
                esc(&quantity.join("; ")),
                esc(&row.net_mass_g.to_string()),
                esc(&values.join("; ")),
                row.state_control_certificates
            );
        }
        h.push_str("</tbody>\n</table>\n");
        h.push_str("<table class=\"reconciliation-lines\">\n<caption>Goods lines</caption>\n<thead>\n<tr><th scope=\"col\">Registered</th><th scope=\"col\">Consignment</th><th scope=\"col\">Declaration</th><th scope=\"col\">Direction</th><th scope=\"col\">Status</th><th scope=\"col\">HS code</th><th scope=\"col\">Description</th><th scope=\"col\">Quantity</th><th scope=\"col\">Net mass, g</th><th scope=\"col\">Value</th><th scope=\"col\">State Control Certificates</th></tr>\n</thead>\n<tbody>\n");
        for l in &self.lines {
            let _ = writeln!(
                h,
                "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{} {}</td><td>{}</td><td>{} {}</td><td>{}</td></tr>",
                esc(&l.registered_at.for_people()),
                esc(&l.consignment),
                esc(&l.declaration),
                direction_name(l.direction),
                l.status.as_str(),
                esc(&l.hs_code),
                esc(&l.description),
                esc(&l.quantity.to_string()),
                l.unit,
                esc(&l.net_mass_g.to_string()),
                esc(&l.value.to_string()),
                esc(&l.currency),
                esc(&l.state_control_certificates.join("; "))
            );
        }
        h.push_str("</tbody>\n</table>\n");
        skipped_html(&mut h, &self.skipped);
        h.push_str("</section>\n");
        h
    }
}

// ------------------------------------------------------------------------------------------
// Rendering helpers
// ------------------------------------------------------------------------------------------

fn skipped_html(h: &mut String, skipped: &[Skipped]) {
    if skipped.is_empty() {
        return;
    }
    h.push_str("<table class=\"skipped\">\n<caption>Consignments left out</caption>\n<thead>\n<tr><th scope=\"col\">Consignment</th><th scope=\"col\">Why</th></tr>\n</thead>\n<tbody>\n");
    for s in skipped {
        let _ = writeln!(
            h,
            "<tr><td>{}</td><td>{}</td></tr>",
            esc(&s.consignment),
            esc(&s.reason)
        );
    }
    h.push_str("</tbody>\n</table>\n");
}

/// Text escaped for HTML element content and attribute values.
pub fn esc(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// A CSV document being written: RFC 4180 fields, CRLF line ends.
#[derive(Default)]
struct Csv {
    out: String,
}

impl Csv {
    fn row<I, S>(&mut self, fields: I)
    where
        I: IntoIterator<Item = S>,
        S: AsRef<str>,
    {
        for (i, field) in fields.into_iter().enumerate() {
            if i > 0 {
                self.out.push(',');
            }
            self.out.push_str(&csv_field(field.as_ref()));
        }
        self.out.push_str("\r\n");
    }
}

/// One CSV field (RFC 4180): quoted when it holds a comma, a quote or a line break, quotes
/// doubled.
pub fn csv_field(field: &str) -> String {
    if field.contains([',', '"', '\r', '\n']) {
        format!("\"{}\"", field.replace('"', "\"\""))
    } else {
        field.to_owned()
    }
}

/// Free text for a CSV cell: text a spreadsheet would read as a formula (starting with `=`,
/// `+`, `-`, `@`, a tab or a carriage return) is prefixed with an apostrophe, so that a
/// description typed by a trader cannot run as a formula on a reconciliation officer's
/// computer. Numbers are written without this prefix.
pub fn csv_text(text: &str) -> String {
    if text.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{text}")
    } else {
        text.to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tamga_core::act::{Certificate, ConsignmentRegistered};
    use tamga_core::codes::{ConsignmentId, CountryCode, CurrencyCode, HsCode, Text};
    use tamga_core::fixtures::{at, Story};
    use tamga_core::quantity::{parse_decimal, Mass, Money, Quantity};
    use tamga_core::{assess, Tolerances};

    fn dec(s: &str) -> Decimal {
        parse_decimal(s).unwrap()
    }

    /// The story's delivery assessed, with its registration.
    fn story_assessment(story: &Story) -> (Assessment, ConsignmentRegistered) {
        let acts = story.clean_delivery();
        let a = assess(
            &story.consignment,
            &acts,
            &story.registry(),
            story.after(),
            &Tolerances::default(),
        );
        assert_eq!(a.state.status, Status::Delivered);
        (a, story.registration_body())
    }

    /// A copy of `reg` and `assessment` as another consignment registered at `when`.
    fn another(
        assessment: &Assessment,
        reg: &ConsignmentRegistered,
        id: &str,
        when: &str,
        edit: impl FnOnce(&mut ConsignmentRegistered),
    ) -> (Assessment, ConsignmentRegistered) {
        let mut reg = reg.clone();
        reg.consignment = ConsignmentId::new(id).unwrap();
        reg.at = at(when);
        edit(&mut reg);
        let mut a = assessment.clone();
        a.consignment = reg.consignment.clone();
        (a, reg)
    }

    #[test]
    fn per_unit_rounds_half_up_exactly() {
        assert_eq!(
            per_unit(dec("1875525.00"), dec("1250.35"))
                .unwrap()
                .to_string(),
            "1500.00"
        );
        assert_eq!(per_unit(dec("1"), dec("8")).unwrap().to_string(), "0.13"); // 0.125
        assert_eq!(per_unit(dec("1"), dec("3")).unwrap().to_string(), "0.33");
        assert_eq!(per_unit(dec("2"), dec("3")).unwrap().to_string(), "0.67");
        assert_eq!(
            per_unit(dec("0.005"), dec("1")).unwrap().to_string(),
            "0.01"
        );
        assert_eq!(
            per_unit(dec("0.0049"), dec("1")).unwrap().to_string(),
            "0.00"
        );
        assert_eq!(per_unit(dec("5"), dec("0")), None);
    }

    #[test]
    fn grams_convert_exactly_to_carats() {
        let story = Story::new();
        let mut line = story.registration_body().goods[0].clone();
        line.quantity = Quantity {
            value: dec("250.07"),
            unit: QuantityUnit::G,
        };
        assert_eq!(carats(&line).unwrap().to_string(), "1250.35");
        line.quantity.unit = QuantityUnit::Pcs;
        line.net_mass = Mass::new("250.070", MassUnit::G).unwrap();
        assert_eq!(carats(&line).unwrap(), dec("1250.35"));
    }

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

    #[test]
    fn records_that_do_not_hold_are_left_out() {
        let story = Story::new();
        let (a, reg) = story_assessment(&story);
        let mut unregistered = a.clone();
        unregistered.state.registration = None;
        let (a3, reg3) = another(&a, &reg, "X-1", "2026-05-01T00:00:00Z", |_| {});
        let records = [
            ConsignmentRecord {
                assessment: &a,
                registration: &reg,
            },
            ConsignmentRecord {
                assessment: &a,
                registration: &reg,
            },
            ConsignmentRecord {
                assessment: &unregistered,
                registration: &reg3,
            },
            ConsignmentRecord {
                assessment: &{
                    let mut x = a3.clone();
                    x.state.registration = None;
                    x
                },
                registration: &reg3,
            },
        ];
        let kp = kp_statistics(&records, 2026..=2026).unwrap();
        assert_eq!(kp.years[0].import.consignments, 1);
        assert_eq!(kp.skipped.len(), 3);
        assert!(kp.to_html().contains("Consignments left out"));
    }

    #[test]
    fn reconciliation_by_heading_with_certificates() {
        let story = Story::new();
        let (a, reg) = story_assessment(&story);
        let (a2, reg2) = another(&a, &reg, "EXP-GOLD-1", "2026-11-25T08:00:00Z", |r| {
            r.direction = Direction::Export;
            r.goods = vec![GoodsLine {
                hs_code: HsCode::new("7108120000").unwrap(),
                description: Text::new("Gold bars, \"999.9\", refined <LBMA>").unwrap(),
                quantity: Quantity {
                    value: dec("2"),
                    unit: QuantityUnit::Pcs,
                },
                net_mass: Mass::new("2000.00", MassUnit::G).unwrap(),
                gross_mass: Mass::new("2.1", MassUnit::Kg).unwrap(),
                value: Money {
                    amount: dec("130000.00"),
                    currency: CurrencyCode::new("USD").unwrap(),
                },
            }];
            r.certificates = vec![Certificate {
                kind: CertificateKind::StateControl,
                number: Text::new("SCC-2026/0815").unwrap(),
                issued_by: CountryCode::new("KG").unwrap(),
                issued_at: at("2026-11-24T09:00:00Z"),
            }];
        });
        let (a3, reg3) = another(&a, &reg, "OUT-OF-PERIOD", "2027-01-02T08:00:00Z", |_| {});
        let records = [
            ConsignmentRecord {
                assessment: &a,
                registration: &reg,
            },
            ConsignmentRecord {
                assessment: &a2,
                registration: &reg2,
            },
            ConsignmentRecord {
                assessment: &a3,
                registration: &reg3,
            },
        ];
        let r = reconciliation(
            &records,
            at("2026-11-01T00:00:00Z"),
            at("2026-12-01T00:00:00Z"),
        )
        .unwrap();
        assert_eq!(r.currencies, vec!["USD"]);
        assert_eq!(r.by_heading.len(), 2);
        let diamonds = &r.by_heading[0];
        assert_eq!(diamonds.direction, Direction::Import);
        assert_eq!(diamonds.heading.as_deref(), Some("7102"));
        assert_eq!(diamonds.consignments, 1);
        assert_eq!(diamonds.delivered, 1);
        assert_eq!(diamonds.quantity.ct.to_string(), "1250.35");
        assert_eq!(diamonds.net_mass_g.to_string(), "250.070");
        assert_eq!(diamonds.state_control_certificates, 0);
        let gold = &r.by_heading[1];
        assert_eq!(gold.direction, Direction::Export);
        assert_eq!(gold.heading.as_deref(), Some("7108"));
        assert_eq!(gold.quantity.pcs.to_string(), "2");
        assert_eq!(gold.state_control_certificates, 1);
        assert_eq!(r.totals.len(), 2);
        assert_eq!(r.totals[1].state_control_certificates, 1);
        assert_eq!(r.lines.len(), 2);

        let csv = r.to_csv();
        assert!(csv.starts_with("direction,hs_heading,goods,consignments,delivered,goods_lines,quantity_ct,quantity_g,quantity_kg,quantity_pcs,net_mass_g,value_USD,state_control_certificates\r\n"));
        assert!(
            csv.contains("\r\nimport,7102,Diamonds,1,1,1,1250.35,0,0,0,250.070,1875525.00,0\r\n")
        );
        assert!(csv.contains(
            "\r\nexport,all,All precious metals and stones,1,1,1,0,0,0,2,2000.00,130000.00,1\r\n"
        ));

        // A description with a comma and quotes is quoted, its quotes doubled.
        let lines = r.lines_to_csv();
        assert!(lines.contains(",\"Gold bars, \"\"999.9\"\", refined <LBMA>\","));
        assert!(lines.contains(",SCC-2026/0815 (KG)\r\n"));
        assert_eq!(lines.matches("\r\n").count(), 3);

        let html = r.to_html();
        assert!(html.contains("Gold bars, &quot;999.9&quot;, refined &lt;LBMA&gt;"));
        assert!(!html.contains("<LBMA>"));
        assert!(reconciliation(
            &records,
            at("2026-12-01T00:00:00Z"),
            at("2026-11-01T00:00:00Z")
        )
        .is_err());
    }

    #[test]
    fn csv_and_html_escaping() {
        assert_eq!(csv_field("plain"), "plain");
        assert_eq!(csv_field("a, b"), "\"a, b\"");
        assert_eq!(csv_field("say \"hi\""), "\"say \"\"hi\"\"\"");
        assert_eq!(csv_field("two\nlines"), "\"two\nlines\"");
        assert_eq!(csv_text("=HYPERLINK(\"x\")"), "'=HYPERLINK(\"x\")");
        assert_eq!(esc("<b>&'\""), "&lt;b&gt;&amp;&#39;&quot;");
    }
}
