//! The reconciliation with the Precious Metals Department (Technological Scheme, item 8):
//! imports and exports of precious metals and stones by direction and kind of goods (HS
//! heading), with the number of State Control Certificates and every goods line, as data, CSV
//! and an HTML fragment.
//!
//! How transit ended is what the two registers are compared by: the Department's register holds
//! what it received, the customs register what was declared. So each row counts its
//! consignments delivered in full, delivered short, refused, returned and still in transit, and
//! every consignment that did not end in a full delivery is listed with its outcome (the
//! shortage counted, the reason for a refusal) in [`Reconciliation::endings`]. Quantities and
//! values stay as declared, each consignment counted once whatever its outcome: the listed
//! endings are what the Department's figures differ by. [`NOTES`] says so with the report.

use super::render::{csv_text, esc, notes_html, skipped_html, Csv};
use super::{
    add, admit, direction_order, overflow, ser_decimal, ConsignmentRecord, ReportError, Skipped,
};
use rust_decimal::Decimal;
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use tamga_core::act::{Direction, GoodsLine};
use tamga_core::assessment::goods::is_precious;
use tamga_core::assessment::{Outcome, Status};
use tamga_core::quantity::QuantityUnit;
use tamga_core::Timestamp;

/// How the reconciliation counts each way transit ends, and why: printed with the report.
pub const NOTES: [&str; 3] = [
    "A consignment counts in the period it was registered in. Quantities, masses and values are as declared, each consignment once, whatever its outcome.",
    "Each row counts its consignments by how transit ended: delivered in full, delivered short (a shortage counted at delivery), refused at the office of destination, returned to the office of departure, or not ended yet. The Department's register holds what it received: the consignments refused or returned, and the shortages, are what its figures differ from the declarations by; each is listed under \u{201c}Transit ended otherwise than in full\u{201d}.",
    "The report shows the record as it stands when it is made.",
];

fn direction_name(d: Direction) -> &'static str {
    match d {
        Direction::Import => "import",
        Direction::Export => "export",
        Direction::Transit => "transit",
    }
}

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
    /// Of which delivered in full.
    pub delivered: u32,
    /// Of which delivered short.
    pub delivered_short: u32,
    /// Of which refused at the office of destination (and not yet returned).
    pub refused: u32,
    /// Of which returned to the office of departure.
    pub returned: u32,
    /// Of which transit has not ended (registered, in transit, arrived).
    pub in_transit: u32,
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
    /// Their numbers as written on them, sorted, each once.
    pub state_control_certificate_numbers: Vec<String>,
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
    /// How its transit ended (`delivered`, `delivered_short`, `refused`, `returned`), if it has.
    pub outcome: Option<&'static str>,
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
    /// Every consignment whose transit ended otherwise than in a full delivery, by registration
    /// time.
    pub endings: Vec<ReconciliationEnding>,
    /// How each way transit ends counts, and why.
    pub notes: Vec<&'static str>,
    /// Consignments left out, and why.
    pub skipped: Vec<Skipped>,
}

/// A consignment whose transit ended otherwise than in a full delivery.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ReconciliationEnding {
    /// When it was registered.
    pub registered_at: Timestamp,
    /// The consignment.
    pub consignment: String,
    /// The transit declaration.
    pub declaration: String,
    /// Import, export or transit.
    pub direction: Direction,
    /// `delivered_short`, `refused` or `returned`.
    pub outcome: &'static str,
    /// Packages missing (delivered short).
    pub packages_short: Option<u32>,
    /// Net mass missing, in the goods' own unit, as `12.50 ct` (delivered short).
    pub net_mass_short: Option<String>,
    /// Why it was refused.
    pub reason: Option<String>,
}

#[derive(Default)]
struct RowBuilder {
    consignments: BTreeSet<String>,
    /// Each consignment's outcome name (`in_transit` while transit goes on).
    endings: BTreeMap<String, &'static str>,
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
        let ending = record.outcome().map_or("in_transit", Outcome::as_str);
        self.endings.insert(id.clone(), ending);
        if self.consignments.insert(id) {
            for c in record.state_control_certificates() {
                self.certificates.insert((
                    c.issued_by.as_str().to_owned(),
                    c.number.as_str().to_owned(),
                ));
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
        let count = |name: &str| self.endings.values().filter(|e| **e == name).count() as u32;
        ReconciliationRow {
            direction,
            heading,
            goods,
            consignments: self.consignments.len() as u32,
            delivered: count("delivered"),
            delivered_short: count("delivered_short"),
            refused: count("refused"),
            returned: count("returned"),
            in_transit: count("in_transit"),
            lines: self.lines,
            quantity: self.quantity,
            net_mass_g: self.net_mass_g,
            values: self
                .values
                .into_iter()
                .map(|(currency, amount)| Amount { currency, amount })
                .collect(),
            state_control_certificates: self.certificates.len() as u32,
            state_control_certificate_numbers: self
                .certificates
                .iter()
                .map(|(_, number)| number.clone())
                .collect::<BTreeSet<_>>()
                .into_iter()
                .collect(),
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
    let mut endings = Vec::new();
    let mut currencies = BTreeSet::new();
    for record in admitted {
        let reg = record.registration;
        if reg.at < from || reg.at >= until {
            continue;
        }
        let scc: Vec<String> = record
            .state_control_certificates()
            .map(|c| format!("{} ({})", c.number.as_str(), c.issued_by.as_str()))
            .collect();
        let d = direction_order(reg.direction);
        let outcome = record.outcome();
        if reg.goods.iter().any(|g| is_precious(&g.hs_code)) {
            let ending = |outcome, packages_short, net_mass_short, reason| ReconciliationEnding {
                registered_at: reg.at,
                consignment: reg.consignment.as_str().to_owned(),
                declaration: reg.declaration.as_str().to_owned(),
                direction: reg.direction,
                outcome,
                packages_short,
                net_mass_short,
                reason,
            };
            match outcome {
                None | Some(Outcome::Delivered { .. }) => {}
                Some(Outcome::DeliveredShort {
                    packages, net_mass, ..
                }) => endings.push(ending(
                    "delivered_short",
                    Some(*packages),
                    Some(net_mass.for_people()),
                    None,
                )),
                Some(Outcome::Refused { reason, .. }) => {
                    endings.push(ending("refused", None, None, Some(reason.clone())))
                }
                Some(Outcome::Returned { .. }) => {
                    endings.push(ending("returned", None, None, None))
                }
            }
        }
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
                outcome: outcome.map(Outcome::as_str),
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
    endings
        .sort_by(|a, b| (a.registered_at, &a.consignment).cmp(&(b.registered_at, &b.consignment)));
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
        endings,
        notes: NOTES.to_vec(),
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
            "delivered_short",
            "refused",
            "returned",
            "in_transit",
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
                row.delivered_short.to_string(),
                row.refused.to_string(),
                row.returned.to_string(),
                row.in_transit.to_string(),
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
                "outcome",
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
                l.outcome.unwrap_or_default().to_owned(),
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
    pub fn to_html(&self, zone: &tamga_node::local_time::LocalTime) -> String {
        let mut h = String::new();
        h.push_str("<section class=\"tamga-report\" data-report=\"reconciliation\">\n");
        let _ = writeln!(
            h,
            "<h2>Imports and exports of precious metals and stones, {} to {}</h2>",
            esc(&zone.for_people(self.from)),
            esc(&zone.for_people(self.until))
        );
        h.push_str("<table class=\"reconciliation-summary\">\n<caption>By kind of goods</caption>\n<thead>\n<tr><th scope=\"col\">Direction</th><th scope=\"col\">HS heading</th><th scope=\"col\">Goods</th><th scope=\"col\">Consignments</th><th scope=\"col\">Delivered</th><th scope=\"col\">Delivered short</th><th scope=\"col\">Refused</th><th scope=\"col\">Returned</th><th scope=\"col\">In transit</th><th scope=\"col\">Goods lines</th><th scope=\"col\">Quantity</th><th scope=\"col\">Net mass, g</th><th scope=\"col\">Value</th><th scope=\"col\">State Control Certificates</th></tr>\n</thead>\n<tbody>\n");
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
                "<tr{class}><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                direction_name(row.direction),
                esc(row.heading.as_deref().unwrap_or("all")),
                esc(&row.goods),
                row.consignments,
                row.delivered,
                row.delivered_short,
                row.refused,
                row.returned,
                row.in_transit,
                row.lines,
                esc(&quantity.join("; ")),
                esc(&row.net_mass_g.to_string()),
                esc(&values.join("; ")),
                row.state_control_certificates
            );
        }
        h.push_str("</tbody>\n</table>\n");
        h.push_str("<table class=\"reconciliation-lines\">\n<caption>Goods lines</caption>\n<thead>\n<tr><th scope=\"col\">Registered</th><th scope=\"col\">Consignment</th><th scope=\"col\">Declaration</th><th scope=\"col\">Direction</th><th scope=\"col\">Status</th><th scope=\"col\">Outcome</th><th scope=\"col\">HS code</th><th scope=\"col\">Description</th><th scope=\"col\">Quantity</th><th scope=\"col\">Net mass, g</th><th scope=\"col\">Value</th><th scope=\"col\">State Control Certificates</th></tr>\n</thead>\n<tbody>\n");
        for l in &self.lines {
            let _ = writeln!(
                h,
                "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{} {}</td><td>{}</td><td>{} {}</td><td>{}</td></tr>",
                esc(&zone.for_people(l.registered_at)),
                esc(&l.consignment),
                esc(&l.declaration),
                direction_name(l.direction),
                l.status.as_str(),
                l.outcome.unwrap_or("-"),
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
        if !self.endings.is_empty() {
            h.push_str("<table class=\"reconciliation-endings\">\n<caption>Transit ended otherwise than in full</caption>\n<thead>\n<tr><th scope=\"col\">Registered</th><th scope=\"col\">Consignment</th><th scope=\"col\">Declaration</th><th scope=\"col\">Direction</th><th scope=\"col\">Outcome</th><th scope=\"col\">Packages short</th><th scope=\"col\">Net mass short</th><th scope=\"col\">Reason</th></tr>\n</thead>\n<tbody>\n");
            for e in &self.endings {
                let _ = writeln!(
                    h,
                    "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                    esc(&zone.for_people(e.registered_at)),
                    esc(&e.consignment),
                    esc(&e.declaration),
                    direction_name(e.direction),
                    e.outcome,
                    e.packages_short.map(|p| p.to_string()).unwrap_or_else(|| "-".into()),
                    esc(e.net_mass_short.as_deref().unwrap_or("-")),
                    esc(e.reason.as_deref().unwrap_or("-")),
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

#[cfg(test)]
mod tests;
