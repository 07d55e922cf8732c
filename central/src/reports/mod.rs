//! Reports for reconciliation staff, computed from the consignments' acts (a functional core: no
//! I/O, no clock).
//!
//! - [`kp_statistics`]: the Kimberley Process statistics tables of the annual report (seed 003,
//!   section E, tables 1 and 2): per year, production (none recorded: "-"), import, export and
//!   transit of rough diamonds (HS 7102 10, 7102 21, 7102 31) as volume in carats, value in US
//!   dollars and US dollars per carat, and the number of KP certificates for import and export;
//!   and the years' series as an SVG chart ([`KpStatistics::chart_svg`]).
//! - [`reconciliation`](fn@reconciliation): what the customs office and the Precious Metals
//!   Department compare on request (Technological Scheme, item 8): imports and exports of
//!   precious metals and stones by kind of goods (HS heading), and the number of State Control
//!   Certificates.
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
//!
//! # How transit ended
//!
//! A consignment's transit ends in one of four ways ([`Outcome`]), and each counts in its own
//! way; each report says so in its `notes`, printed with it:
//!
//! - **delivered** in full: counted as registered.
//! - **delivered short** (a shortage counted at delivery): the KP statistics count what crossed
//!   the border and reached its destination, the registered carats less the shortage, and the
//!   value apportioned to the carats delivered ([`kp_statistics`] says how); the reconciliation
//!   counts the consignment as delivered short and lists its shortage.
//! - **refused** at the office of destination, or **returned** to the office of departure: the
//!   goods were never released where they were going (an import never reached the Department,
//!   an export never left), so the KP statistics do not count them as imported, exported or in
//!   transit, nor their KP certificates, and list them apart with their registered figures; the
//!   reconciliation counts them in their own columns and lists them.
//! - not ended yet (registered, in transit, arrived): counted as registered, in the year of
//!   registration, as above. A report shows the record as it stands when it is made: a
//!   consignment refused later leaves the next report's tables.

pub mod department;
mod kp;
mod reconciliation;
mod render;

pub use kp::{
    default_years, kp_certificates, kp_statistics, year_of, ChartLang, KpFlow, KpSetAside,
    KpShortDelivery, KpStatistics, KpYear, NotInUsd, ValueCounted,
};
pub use reconciliation::{
    heading_name, reconciliation, Amount, QuantityTotals, Reconciliation, ReconciliationEnding,
    ReconciliationLine, ReconciliationRow,
};
pub use render::{csv_field, csv_text, esc};

use rust_decimal::Decimal;
use serde::{Serialize, Serializer};
use std::collections::BTreeSet;
use tamga_core::act::{ConsignmentRegistered, Direction, GoodsLine};
use tamga_core::assessment::Outcome;
use tamga_core::quantity::{Mass, MassUnit, QuantityUnit};
use tamga_core::Assessment;

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

impl ConsignmentRecord<'_> {
    /// Its State Control Certificates: those registered with it and those the Department
    /// recorded issuing after state control (`certificates_issued`), each once.
    pub fn state_control_certificates(
        &self,
    ) -> impl Iterator<Item = &tamga_core::act::Certificate> {
        let mut seen = std::collections::BTreeSet::new();
        self.registration
            .certificates
            .iter()
            .chain(&self.assessment.state.certificates_issued)
            .filter(|c| c.kind == tamga_core::act::CertificateKind::StateControl)
            .filter(move |c| seen.insert((c.issued_by.clone(), c.number.clone())))
    }

    /// How its transit ended (or is ending: refused), if it has.
    pub fn outcome(&self) -> Option<&Outcome> {
        self.assessment.state.outcome.as_ref()
    }

    /// Refused at the office of destination or returned to the office of departure: the goods
    /// never reached where they were going.
    pub fn refused_or_returned(&self) -> bool {
        matches!(
            self.outcome(),
            Some(Outcome::Refused { .. } | Outcome::Returned { .. })
        )
    }
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
#[derive(Clone, Debug, PartialEq, Eq, Serialize, serde::Deserialize)]
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

/// A mass in carats, exactly (1 ct = 0.2 g); `None` on overflow.
pub fn mass_in_carats(mass: &Mass) -> Option<Decimal> {
    match mass.unit {
        MassUnit::Ct => Some(mass.value),
        MassUnit::G | MassUnit::Kg => mass.in_grams()?.checked_mul(Decimal::from(5)),
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

/// Fixtures shared by the reports' tests.
#[cfg(test)]
pub(crate) mod test_support {
    use rust_decimal::Decimal;
    use tamga_core::act::ConsignmentRegistered;
    use tamga_core::assessment::Status;
    use tamga_core::codes::ConsignmentId;
    use tamga_core::fixtures::{at, Story};
    use tamga_core::quantity::parse_decimal;
    use tamga_core::{assess, Assessment, Tolerances};

    pub(crate) fn dec(s: &str) -> Decimal {
        parse_decimal(s).unwrap()
    }

    /// The story's delivery assessed, with its registration.
    pub(crate) fn story_assessment(story: &Story) -> (Assessment, ConsignmentRegistered) {
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

    /// The story's consignment assessed after transit ended as `how` says: `delivered` (in
    /// full), `delivered_short` (12.50 ct of 1250.35 missing), `refused` (at the Department) or
    /// `returned` (to the airport post after the refusal).
    pub(crate) fn ended(story: &Story, how: &str) -> Assessment {
        use tamga_core::act::Shortage;
        use tamga_core::fixtures::text;
        use tamga_core::quantity::{Mass, MassUnit};
        let clean = story.clean_delivery();
        let mut acts = clean[..8].to_vec();
        let mut minutes = 120;
        match how {
            "delivered" => acts.push(clean[8].clone()),
            "delivered_short" => acts.push(story.delivered_with(110, |d| {
                d.net_mass = Some(Mass::new("1237.85", MassUnit::Ct).unwrap());
                d.shortage = Some(Shortage {
                    packages: 0,
                    net_mass: Mass::new("12.50", MassUnit::Ct).unwrap(),
                    description: text("three stones missing from the safe-bag"),
                });
            })),
            "refused" | "returned" => {
                acts.push(story.refusal(110));
                if how == "returned" {
                    acts.extend(story.way_back(clean[7].id()));
                    acts.push(story.returned(210, None));
                    minutes = 24 * 60;
                }
            }
            other => panic!("no such ending: {other}"),
        }
        let a = assess(
            &story.consignment,
            &acts,
            &story.registry(),
            story.t(minutes),
            &Tolerances::default(),
        );
        let outcome = a.state.outcome.as_ref().map(|o| o.as_str());
        assert_eq!(outcome, Some(how), "{:#?}", a.discrepancies);
        a
    }

    /// A copy of `reg` and `assessment` as another consignment registered at `when`.
    pub(crate) fn another(
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
}

#[cfg(test)]
mod tests {
    use super::test_support::{another, dec, story_assessment};
    use super::*;
    use tamga_core::fixtures::Story;
    use tamga_core::quantity::{Mass, Quantity};

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
        let kp = kp_statistics(&records, 2026..=2026, chrono_tz::Asia::Bishkek).unwrap();
        assert_eq!(kp.years[0].import.consignments, 1);
        assert_eq!(kp.skipped.len(), 3);
        assert!(kp.to_html().contains("Consignments left out"));
    }
}
