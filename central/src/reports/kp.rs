//! The Kimberley Process statistics tables (seed 003, section E, tables 1 and 2): rough
//! diamonds produced, imported, exported and in transit per year, in carats, US dollars and US
//! dollars per carat, with the number of KP certificates, as data; [`tables`] writes them as CSV
//! and an HTML fragment, [`chart`] draws the series as an SVG chart.
//!
//! Production is a column of table 1 but no act records it (the Kyrgyz Republic reports none,
//! and a producer's figures come from the national producers' records, outside the escort
//! system): it is `null` in the data and "-" in the tables, and [`NOTES`] says why.
//!
//! How each way transit ends counts (the reasons are in [`NOTES`], printed with the report):
//! a full delivery as registered; a short delivery as registered less the shortage, its value
//! apportioned to the carats delivered, and listed in [`KpStatistics::short_deliveries`]; a
//! refusal or a return not at all, listed in [`KpStatistics::set_aside`].

use super::{
    add, admit, carats, direction_order, mass_in_carats, overflow, per_unit, ser_decimal,
    ser_opt_decimal, ConsignmentRecord, ReportError, Skipped, MAX_REPORT_YEARS,
};
use chrono::Datelike;
use rust_decimal::Decimal;
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};
use std::ops::RangeInclusive;
use tamga_core::act::{CertificateKind, Direction, GoodsLine};
use tamga_core::assessment::goods::is_rough_diamond;
use tamga_core::assessment::Outcome;
use tamga_core::Timestamp;

/// How the KP statistics count each way transit ends, and why: printed with the report.
pub const NOTES: [&str; 5] = [
    "Production: \u{2018}-\u{2019} in every year. No act of the escort system records production (mining): the acts record rough diamonds crossing the border and moving under customs escort. The Kyrgyz Republic reports no production; a producer's figures would come from the national producers' records, outside the escort system, and are not computed here.",
    "A consignment counts in the local year (central's time_zone, Asia/Bishkek by default) it was registered, when it crossed the border and its KP certificate was presented; one not yet delivered counts as registered.",
    "Delivered short: the volume is the registered carats less the shortage counted at delivery (grams converted at 1 ct = 0.2 g), since only what was delivered was imported or exported. The value of each currency is apportioned to the carats delivered (registered value times delivered carats over registered carats, rounded half-up to the cent), as the acts value the consignment as a whole and not stone by stone; the carats and value deducted are listed under \u{201c}Short deliveries\u{201d}. A shortage that cannot be told to be of rough diamonds (the consignment also carries other goods) is listed there and not deducted.",
    "Refused at the office of destination or returned to the office of departure: the goods were not imported, exported or carried through; they are not counted in the tables, nor their KP certificates, and are listed under \u{201c}Refused or returned\u{201d} with their registered figures.",
    "The report shows the record as it stands when it is made: a consignment refused or found short later changes the next report.",
];

/// The year of `t` where the report is made (in `zone`): a registration at 02:00 on 1 January
/// in Bishkek is 20:00 UTC on 31 December, and counts in the new year.
pub fn year_of(t: &Timestamp, zone: chrono_tz::Tz) -> Option<i32> {
    chrono::DateTime::from_timestamp(t.unix(), 0).map(|d| d.with_timezone(&zone).year())
}

/// How many years the KP statistics cover when none are asked for: the annual report's tables
/// cover the last five (seed 003, section E, tables 1 and 2).
pub const DEFAULT_YEARS: i32 = 5;

/// The years the KP statistics cover when none are asked for: the [`DEFAULT_YEARS`] local
/// years (in `zone`) ending with the year of `now`. At 00:30 on 1 January 2027 in Bishkek
/// (18:30 UTC on 31 December 2026) that is 2023 to 2027.
pub fn default_years(now: &Timestamp, zone: chrono_tz::Tz) -> Option<RangeInclusive<i32>> {
    let this_year = year_of(now, zone)?;
    Some(this_year - (DEFAULT_YEARS - 1)..=this_year)
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
    /// Carats deducted from `volume_ct` for shortages counted at delivery.
    #[serde(serialize_with = "ser_decimal")]
    pub shortage_ct: Decimal,
    /// Consignments refused or returned, not counted above.
    pub refused_or_returned: u32,
    /// Their registered carats, not counted in `volume_ct`.
    #[serde(serialize_with = "ser_decimal")]
    pub refused_or_returned_ct: Decimal,
}

impl KpFlow {
    fn is_empty(&self) -> bool {
        self.consignments == 0 && self.kp_certificates == 0 && self.refused_or_returned == 0
    }
}

/// One currency's value of a consignment's rough diamonds: as registered and as counted.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ValueCounted {
    /// The ISO 4217 currency.
    pub currency: String,
    /// The registered value.
    #[serde(serialize_with = "ser_decimal")]
    pub registered: Decimal,
    /// The value counted in the tables (the registered value less what is apportioned to the
    /// shortage).
    #[serde(serialize_with = "ser_decimal")]
    pub counted: Decimal,
}

/// A consignment of rough diamonds delivered short, and what the tables count of it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct KpShortDelivery {
    /// The year it counts in.
    pub year: i32,
    /// Its direction.
    pub direction: Direction,
    /// The consignment.
    pub consignment: String,
    /// The registered carats of rough diamonds.
    #[serde(serialize_with = "ser_decimal")]
    pub registered_ct: Decimal,
    /// The shortage counted at delivery, in carats.
    #[serde(serialize_with = "ser_decimal")]
    pub shortage_ct: Decimal,
    /// The carats counted in the tables.
    #[serde(serialize_with = "ser_decimal")]
    pub counted_ct: Decimal,
    /// The value, per currency.
    pub values: Vec<ValueCounted>,
    /// Whether the shortage was deducted: `false` when the consignment carries other goods
    /// besides rough diamonds, so the acts cannot tell what is missing.
    pub deducted: bool,
}

/// A consignment of rough diamonds refused or returned: not counted in the tables.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct KpSetAside {
    /// The year of its registration.
    pub year: i32,
    /// Its direction.
    pub direction: Direction,
    /// The consignment.
    pub consignment: String,
    /// `refused` or `returned`.
    pub outcome: &'static str,
    /// Why it was refused, if it was.
    pub reason: Option<String>,
    /// Its registered carats of rough diamonds.
    #[serde(serialize_with = "ser_decimal")]
    pub volume_ct: Decimal,
    /// Its registered value, per currency.
    pub values: Vec<ValueCounted>,
    /// Its KP certificates, as `number (country)`.
    pub kp_certificates: Vec<String>,
}

/// One year's row of tables 1 and 2.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct KpYear {
    /// The calendar year, local (in the zone the report was made for).
    pub year: i32,
    /// Rough diamonds produced: always `None` (JSON `null`, "-" in the tables), as no act
    /// records production (see [`NOTES`]).
    pub production: Option<KpFlow>,
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
/// Production has its column, always empty: customs acts record goods crossing the border, not
/// mining.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct KpStatistics {
    /// The years, oldest first.
    pub years: Vec<KpYear>,
    /// Whether any year has transit (the transit columns are shown only then).
    pub has_transit: bool,
    /// Whether any value is not in US dollars.
    pub has_not_in_usd: bool,
    /// Consignments delivered short, counted less the shortage.
    pub short_deliveries: Vec<KpShortDelivery>,
    /// Consignments refused or returned, not counted.
    pub set_aside: Vec<KpSetAside>,
    /// How each way transit ends counts, and why.
    pub notes: Vec<&'static str>,
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
/// `records`: each consignment with rough diamonds counts in the local year (in `zone`) of its
/// registration (see
/// the documentation of [`crate::reports`]), under its direction. Consignments registered
/// outside `years` are ignored.
pub fn kp_statistics(
    records: &[ConsignmentRecord<'_>],
    years: RangeInclusive<i32>,
    zone: chrono_tz::Tz,
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
    let mut short = Vec::new();
    let mut set_aside = Vec::new();
    for record in admitted {
        let reg = record.registration;
        let Some(year) = year_of(&reg.at, zone) else {
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
        let key = (year, direction_order(reg.direction));
        let id = reg.consignment.as_str().to_owned();
        let groups = by_currency(&rough)?;
        let registered_ct = groups.values().try_fold(Decimal::ZERO, |sum, (ct, _)| {
            sum.checked_add(*ct).ok_or_else(|| overflow("carats"))
        })?;
        let certificates = kp_certificates(reg);
        let b = builders.entry(key).or_default();
        // Refused or returned: not imported, exported or carried through; listed apart.
        if record.refused_or_returned() {
            let (outcome, reason) = match record.outcome() {
                Some(Outcome::Refused { reason, .. }) => ("refused", Some(reason.clone())),
                _ => ("returned", None),
            };
            b.flow.refused_or_returned += 1;
            add(&mut b.flow.refused_or_returned_ct, registered_ct, "carats")?;
            set_aside.push(KpSetAside {
                year,
                direction: reg.direction,
                consignment: id,
                outcome,
                reason,
                volume_ct: registered_ct,
                values: groups
                    .iter()
                    .map(|(currency, (_, amount))| ValueCounted {
                        currency: currency.clone(),
                        registered: *amount,
                        counted: Decimal::ZERO,
                    })
                    .collect(),
                kp_certificates: certificates
                    .iter()
                    .map(|(country, number)| format!("{number} ({country})"))
                    .collect(),
            });
            continue;
        }
        // Delivered short: what was delivered counts.
        let counted = match record.outcome() {
            Some(Outcome::DeliveredShort { net_mass, .. }) => {
                let shortage_ct = mass_in_carats(net_mass).ok_or_else(|| overflow("carats"))?;
                let only_rough = rough.len() == reg.goods.len();
                let counted = if only_rough {
                    less_shortage(&groups, registered_ct, shortage_ct)?
                } else {
                    groups.clone()
                };
                let counted_ct = counted.values().try_fold(Decimal::ZERO, |sum, (ct, _)| {
                    sum.checked_add(*ct).ok_or_else(|| overflow("carats"))
                })?;
                let deducted_ct = registered_ct
                    .checked_sub(counted_ct)
                    .ok_or_else(|| overflow("carats"))?;
                add(&mut b.flow.shortage_ct, deducted_ct, "carats")?;
                short.push(KpShortDelivery {
                    year,
                    direction: reg.direction,
                    consignment: id.clone(),
                    registered_ct,
                    shortage_ct,
                    counted_ct,
                    values: groups
                        .iter()
                        .map(|(currency, (_, amount))| ValueCounted {
                            currency: currency.clone(),
                            registered: *amount,
                            counted: counted[currency].1,
                        })
                        .collect(),
                    deducted: only_rough,
                });
                counted
            }
            _ => groups,
        };
        b.flow.consignments += 1;
        for (currency, (ct, amount)) in counted {
            add(&mut b.flow.volume_ct, ct, "carats")?;
            if currency == "USD" {
                add(&mut b.flow.value_usd, amount, "US dollar")?;
                add(&mut b.flow.usd_valued_ct, ct, "carats")?;
            } else {
                let entry = b.not_in_usd.entry(currency).or_default();
                add(&mut entry.0, amount, "value not in US dollars")?;
                add(&mut entry.1, ct, "carats")?;
                entry.2.insert(id.clone());
            }
        }
        b.certificates.extend(certificates);
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
            production: None,
            kpc_total: import.kp_certificates + export.kp_certificates + transit.kp_certificates,
            import,
            export,
            transit,
        });
    }
    let order = |year: i32, d: Direction, id: &str| (year, direction_order(d), id.to_owned());
    short.sort_by_key(|s: &KpShortDelivery| order(s.year, s.direction, &s.consignment));
    set_aside.sort_by_key(|s: &KpSetAside| order(s.year, s.direction, &s.consignment));
    Ok(KpStatistics {
        years: out,
        has_transit,
        has_not_in_usd,
        short_deliveries: short,
        set_aside,
        notes: NOTES.to_vec(),
        skipped,
    })
}

/// The Kimberley Process certificates a registration names: issuing country and number.
pub fn kp_certificates(reg: &tamga_core::act::ConsignmentRegistered) -> Vec<(String, String)> {
    reg.certificates
        .iter()
        .filter(|c| c.kind == CertificateKind::KimberleyProcess)
        .map(|c| {
            (
                c.issued_by.as_str().to_owned(),
                c.number.as_str().to_owned(),
            )
        })
        .collect()
}

/// The rough diamond lines' carats and value, per currency (sorted by currency).
fn by_currency(rough: &[&GoodsLine]) -> Result<BTreeMap<String, (Decimal, Decimal)>, ReportError> {
    let mut groups: BTreeMap<String, (Decimal, Decimal)> = BTreeMap::new();
    for line in rough {
        let ct = carats(line).ok_or_else(|| overflow("carats"))?;
        let entry = groups
            .entry(line.value.currency.as_str().to_owned())
            .or_default();
        add(&mut entry.0, ct, "carats")?;
        add(&mut entry.1, line.value.amount, "value")?;
    }
    Ok(groups)
}

/// `groups` (carats and value per currency, `total` carats in all) less a shortage of
/// `shortage` carats (at most `total`).
///
/// The shortage is shared among the currencies in proportion to their carats, to the hundredth
/// of a carat (the KP's weighing step), the last currency taking what is left so the carats
/// deducted add up to the shortage exactly; with one currency (the usual case) it is simply
/// deducted. Each currency's value is apportioned to its carats delivered: the registered
/// value times the carats delivered over the carats registered, rounded half-up to the cent.
/// The acts value the goods line as a whole, not stone by stone, so this is the value the
/// registration itself gives the carats delivered.
fn less_shortage(
    groups: &BTreeMap<String, (Decimal, Decimal)>,
    total: Decimal,
    shortage: Decimal,
) -> Result<BTreeMap<String, (Decimal, Decimal)>, ReportError> {
    let shortage = shortage.min(total).max(Decimal::ZERO);
    let mut left = shortage;
    let mut out = BTreeMap::new();
    let last = groups.len().saturating_sub(1);
    for (i, (currency, (ct, amount))) in groups.iter().enumerate() {
        let deducted = if i == last {
            left
        } else {
            let share = shortage
                .checked_mul(*ct)
                .ok_or_else(|| overflow("carats"))?;
            per_unit(share, total)
                .ok_or_else(|| overflow("carats"))?
                .min(*ct)
        };
        left = left
            .checked_sub(deducted)
            .ok_or_else(|| overflow("carats"))?;
        let delivered = ct.checked_sub(deducted).ok_or_else(|| overflow("carats"))?;
        let value = if ct.is_zero() || deducted.is_zero() {
            *amount
        } else {
            let scaled = amount
                .checked_mul(delivered)
                .ok_or_else(|| overflow("value"))?;
            per_unit(scaled, *ct).ok_or_else(|| overflow("value"))?
        };
        out.insert(currency.clone(), (delivered, value));
    }
    Ok(out)
}

mod chart;
mod tables;

pub use chart::ChartLang;

#[cfg(test)]
mod tests;
