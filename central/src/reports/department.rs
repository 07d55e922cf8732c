//! The Precious Metals Department's own figures for a period (Technological Scheme, item 8), and
//! every difference between them and central's [`reconciliation`](super::reconciliation).
//!
//! [`DepartmentFigures`] is what the Department's register says, row by direction (import,
//! export) and HS heading, in the shape of the reconciliation's rows; `docs/department-figures.md`
//! writes it down (the signed file around it is [`crate::department`]'s). [`compare`] is pure:
//! the figures and central's reconciliation for the same period in, the [`Comparison`] out.
//!
//! Decimals are compared as values, not as spellings: the Department's register may write
//! `1250.350` where the acts say `1250.35`, and they are equal. A unit or currency missing on one
//! side counts as zero. Central's transit rows are not compared: the Department's figures hold
//! imports and exports only.

use super::{Reconciliation, ReconciliationRow};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};
use tamga_core::act::Direction;
use tamga_core::quantity::decimal_string;
use tamga_core::Timestamp;

/// The most rows one figures file holds.
pub const MAX_ROWS: usize = 10_000;

/// The Department's figures for a period.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DepartmentFigures {
    /// The period the figures cover.
    pub period: Period,
    /// By direction and HS heading.
    pub rows: Vec<FiguresRow>,
}

/// A period `[from, until)`, UTC instants as in acts.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Period {
    /// The start (inclusive).
    pub from: Timestamp,
    /// The end (exclusive).
    pub until: Timestamp,
}

/// Imports or exports: what the Department's register holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Flow {
    /// Goods imported.
    Import,
    /// Goods exported.
    Export,
}

impl Flow {
    /// As the reconciliation's rows name it.
    pub fn direction(self) -> Direction {
        match self {
            Flow::Import => Direction::Import,
            Flow::Export => Direction::Export,
        }
    }

    /// Its name in the file.
    pub fn as_str(self) -> &'static str {
        match self {
            Flow::Import => "import",
            Flow::Export => "export",
        }
    }

    fn of(d: Direction) -> Option<Flow> {
        match d {
            Direction::Import => Some(Flow::Import),
            Direction::Export => Some(Flow::Export),
            Direction::Transit => None,
        }
    }
}

/// Quantities by unit; a unit left out is zero.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Quantities {
    /// Carats.
    #[serde(default, with = "decimal_string")]
    pub ct: Decimal,
    /// Grams.
    #[serde(default, with = "decimal_string")]
    pub g: Decimal,
    /// Kilograms.
    #[serde(default, with = "decimal_string")]
    pub kg: Decimal,
    /// Pieces.
    #[serde(default, with = "decimal_string")]
    pub pcs: Decimal,
}

/// A value in one currency.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ValueFigure {
    /// The ISO 4217 currency, like `USD`.
    pub currency: String,
    /// How much.
    #[serde(with = "decimal_string")]
    pub amount: Decimal,
}

/// One row of the Department's figures: a direction and an HS heading.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FiguresRow {
    /// Import or export.
    pub direction: Flow,
    /// The HS heading, 4 digits.
    pub heading: String,
    /// Consignments.
    pub consignments: u32,
    /// Quantities by unit.
    #[serde(default)]
    pub quantity: Quantities,
    /// Net mass, grams.
    #[serde(with = "decimal_string")]
    pub net_mass_g: Decimal,
    /// Value by currency, each currency once.
    #[serde(default)]
    pub values: Vec<ValueFigure>,
    /// State Control Certificates issued.
    pub state_control_certificates: u32,
    /// Their numbers, if the Department lists them (then as many as counted, each once).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scc_numbers: Option<Vec<String>>,
}

impl DepartmentFigures {
    /// Checks what the types alone cannot: the period, headings, rows and currencies each once,
    /// the SCC numbers as many as counted.
    pub fn check(&self) -> Result<(), String> {
        let Period { from, until } = self.period;
        if until <= from {
            return Err(format!(
                "the period ends ({until}) before it starts ({from})"
            ));
        }
        if self.rows.len() > MAX_ROWS {
            return Err(format!("more than {MAX_ROWS} rows"));
        }
        let mut seen = BTreeSet::new();
        for row in &self.rows {
            let name = format!("row {} {}", row.direction.as_str(), row.heading);
            if row.heading.len() != 4 || !row.heading.bytes().all(|b| b.is_ascii_digit()) {
                return Err(format!(
                    "{name}: the HS heading must be 4 digits, like \"7102\""
                ));
            }
            if !seen.insert((row.direction, row.heading.clone())) {
                return Err(format!("{name} is given twice"));
            }
            let mut currencies = BTreeSet::new();
            for v in &row.values {
                tamga_core::codes::CurrencyCode::new(&v.currency)
                    .map_err(|e| format!("{name}: {e}"))?;
                if !currencies.insert(&v.currency) {
                    return Err(format!(
                        "{name}: the value in {} is given twice",
                        v.currency
                    ));
                }
            }
            if let Some(numbers) = &row.scc_numbers {
                let distinct: BTreeSet<_> = numbers.iter().collect();
                if distinct.len() != numbers.len() {
                    return Err(format!("{name}: an SCC number is listed twice"));
                }
                if numbers.iter().any(|n| n.trim().is_empty() || n.len() > 200) {
                    return Err(format!("{name}: an SCC number is empty or too long"));
                }
                if numbers.len() != row.state_control_certificates as usize {
                    return Err(format!(
                        "{name}: {} SCC numbers listed, {} counted",
                        numbers.len(),
                        row.state_control_certificates
                    ));
                }
            }
        }
        Ok(())
    }
}

/// One difference between the Department's figures and central's.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Difference {
    /// `import` or `export`.
    pub direction: Flow,
    /// The HS heading.
    pub heading: String,
    /// What differs: `row` (present on one side only), `consignments`, `quantity_ct`,
    /// `quantity_g`, `quantity_kg`, `quantity_pcs`, `net_mass_g`, `value_<currency>`,
    /// `state_control_certificates`, or `scc_number` (a number on one side only).
    pub field: String,
    /// The Department's figure; `None` where it has none.
    pub department: Option<String>,
    /// Central's; `None` where it has none.
    pub central: Option<String>,
}

impl Difference {
    /// One line for people.
    pub fn for_people(&self) -> String {
        let side = |v: &Option<String>| v.clone().unwrap_or_else(|| "none".to_owned());
        format!(
            "{} {} {}: Department {}, central {}",
            self.direction.as_str(),
            self.heading,
            self.field,
            side(&self.department),
            side(&self.central)
        )
    }
}

/// The Department's figures against central's reconciliation for one period.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Comparison {
    /// The period.
    pub from: Timestamp,
    /// Its end (exclusive).
    pub until: Timestamp,
    /// Rows in the Department's figures.
    pub department_rows: usize,
    /// Import and export rows in central's reconciliation.
    pub central_rows: usize,
    /// Every difference, by direction, heading and field.
    pub differences: Vec<Difference>,
    /// Consignments central left out of its reconciliation, and why.
    pub skipped: Vec<super::Skipped>,
}

/// A row's figures as both sides have them, for field by field comparison.
#[derive(Default)]
struct Side {
    consignments: u32,
    quantity: [Decimal; 4],
    net_mass_g: Decimal,
    values: BTreeMap<String, Decimal>,
    sccs: u32,
    scc_numbers: Option<BTreeSet<String>>,
}

impl From<&FiguresRow> for Side {
    fn from(r: &FiguresRow) -> Side {
        let q = &r.quantity;
        Side {
            consignments: r.consignments,
            quantity: [q.ct, q.g, q.kg, q.pcs],
            net_mass_g: r.net_mass_g,
            values: r
                .values
                .iter()
                .map(|v| (v.currency.clone(), v.amount))
                .collect(),
            sccs: r.state_control_certificates,
            scc_numbers: r.scc_numbers.as_ref().map(|n| n.iter().cloned().collect()),
        }
    }
}

impl From<&ReconciliationRow> for Side {
    fn from(r: &ReconciliationRow) -> Side {
        let q = &r.quantity;
        Side {
            consignments: r.consignments,
            quantity: [q.ct, q.g, q.kg, q.pcs],
            net_mass_g: r.net_mass_g,
            values: r
                .values
                .iter()
                .map(|v| (v.currency.clone(), v.amount))
                .collect(),
            sccs: r.state_control_certificates,
            scc_numbers: Some(
                r.state_control_certificate_numbers
                    .iter()
                    .cloned()
                    .collect(),
            ),
        }
    }
}

fn figure(d: Decimal) -> String {
    d.to_string()
}

/// Every difference between the Department's figures and central's reconciliation `central`
/// (computed for the figures' period): rows on one side only, then, for rows on both, each
/// field that differs with both values. Decimals are compared as values.
pub fn compare(figures: &DepartmentFigures, central: &Reconciliation) -> Comparison {
    let department: BTreeMap<(Flow, &str), Side> = figures
        .rows
        .iter()
        .map(|r| ((r.direction, r.heading.as_str()), Side::from(r)))
        .collect();
    let ours: BTreeMap<(Flow, &str), Side> = central
        .by_heading
        .iter()
        .filter_map(|r| {
            let flow = Flow::of(r.direction)?;
            Some(((flow, r.heading.as_deref()?), Side::from(r)))
        })
        .collect();
    let keys: BTreeSet<(Flow, &str)> = department.keys().chain(ours.keys()).copied().collect();
    let mut differences = Vec::new();
    for key in keys {
        let mut push = |field: &str, department: Option<String>, central: Option<String>| {
            differences.push(Difference {
                direction: key.0,
                heading: key.1.to_owned(),
                field: field.to_owned(),
                department,
                central,
            })
        };
        let summary = |s: &Side| format!("{} consignments", s.consignments);
        let (d, c) = match (department.get(&key), ours.get(&key)) {
            (Some(d), Some(c)) => (d, c),
            (d, c) => {
                push("row", d.map(summary), c.map(summary));
                continue;
            }
        };
        if d.consignments != c.consignments {
            let n = |s: &Side| Some(s.consignments.to_string());
            push("consignments", n(d), n(c));
        }
        for (i, unit) in ["ct", "g", "kg", "pcs"].iter().enumerate() {
            if d.quantity[i] != c.quantity[i] {
                push(
                    &format!("quantity_{unit}"),
                    Some(figure(d.quantity[i])),
                    Some(figure(c.quantity[i])),
                );
            }
        }
        if d.net_mass_g != c.net_mass_g {
            push(
                "net_mass_g",
                Some(figure(d.net_mass_g)),
                Some(figure(c.net_mass_g)),
            );
        }
        let currencies: BTreeSet<&String> = d.values.keys().chain(c.values.keys()).collect();
        for currency in currencies {
            let (dv, cv) = (d.values.get(currency), c.values.get(currency));
            if dv.copied().unwrap_or_default() != cv.copied().unwrap_or_default() {
                push(
                    &format!("value_{currency}"),
                    dv.copied().map(figure),
                    cv.copied().map(figure),
                );
            }
        }
        if d.sccs != c.sccs {
            let n = |s: &Side| Some(s.sccs.to_string());
            push("state_control_certificates", n(d), n(c));
        }
        if let (Some(dn), Some(cn)) = (&d.scc_numbers, &c.scc_numbers) {
            for number in dn.symmetric_difference(cn) {
                let has = |set: &BTreeSet<String>| set.contains(number).then(|| number.clone());
                push("scc_number", has(dn), has(cn));
            }
        }
    }
    Comparison {
        from: figures.period.from,
        until: figures.period.until,
        department_rows: department.len(),
        central_rows: ours.len(),
        differences,
        skipped: central.skipped.clone(),
    }
}

#[cfg(test)]
mod tests;
