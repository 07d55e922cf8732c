//! The goods and their papers: certificates the goods require, and packages and gross mass
//! observed at every handoff, at delivery and at a return against what was registered; net mass
//! re-weighed at delivery in the goods' own unit; each line's units fitting its goods.
//!
//! Tolerances follow the kind of goods ([`GoodsClass`]): a few grams on a box of other goods
//! are scale drift, but on a safe-bag of diamonds 5 g is 25 carats, so precious goods' gross
//! mass is judged to 0.2 g (one carat), and their net mass re-weighed at destination to one step
//! of the scale (0.01 ct, 0.01 g).
//!
//! - Rough diamonds (HS 7102 10, 7102 21, 7102 31) travel only with a Kimberley Process
//!   certificate (KP scheme; Kazakhstan decree 1479, para 3-6; Technological Scheme item 4).
//! - Export of precious stones and metals needs the Department's State Control Certificate
//!   (Technological Scheme items 3 and 7). On import the certificate is issued after state
//!   control at the Department, so its absence during escort is expected; the importer's
//!   registration details must then be on file (items 5 and 6).

use super::discrepancy::Findings;
use super::words::say;
use super::{DiscrepancyKind, Facts, Severity};
use crate::act::{ActBody, CertificateKind, Direction, GoodsLine};
use crate::codes::HsCode;
use crate::quantity::{Mass, MassUnit, QuantityUnit};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

/// HS headings of precious stones and metals in EAEU list sections 2.9 and 2.10: pearls,
/// diamonds, precious stones, silver, gold, platinum group metals, and their waste and scrap.
const PRECIOUS_HEADINGS: [&str; 7] = ["7101", "7102", "7103", "7106", "7108", "7110", "7112"];

/// Whether goods of this HS code are rough diamonds.
pub fn is_rough_diamond(hs: &HsCode) -> bool {
    hs.is_rough_diamond()
}

/// Whether goods of this HS code are precious stones or metals.
pub fn is_precious(hs: &HsCode) -> bool {
    PRECIOUS_HEADINGS.iter().any(|p| hs.as_str().starts_with(p))
}

pub(crate) fn assess(facts: &Facts<'_>, findings: &mut Findings) {
    let Some((reg_id, reg)) = facts.registration else {
        return;
    };
    let has = |kind: CertificateKind| reg.certificates.iter().any(|c| c.kind == kind);
    if reg.goods.iter().any(|g| is_rough_diamond(&g.hs_code))
        && !has(CertificateKind::KimberleyProcess)
    {
        findings.add(
            DiscrepancyKind::MissingCertificate,
            Severity::Critical,
            "kimberley_process",
            [reg_id],
            say!(KpCertificateMissing),
        );
    }
    let precious = reg.goods.iter().any(|g| is_precious(&g.hs_code));
    if precious && reg.direction == Direction::Export && !has(CertificateKind::StateControl) {
        findings.add(
            DiscrepancyKind::MissingCertificate,
            Severity::Critical,
            "state_control",
            [reg_id],
            say!(SccMissingExport),
        );
    }
    if precious
        && reg.direction == Direction::Import
        && !has(CertificateKind::StateControl)
        && reg.consignee.registration.is_none()
    {
        findings.add(
            DiscrepancyKind::MissingCertificate,
            Severity::Major,
            "importer_registration",
            [reg_id],
            say!(SccMissingImport),
        );
    }

    check_units(reg_id, &reg.goods, findings);
    let class = consignment_class(&reg.goods);
    let registered_gross: Option<Decimal> = reg.goods.iter().try_fold(Decimal::ZERO, |sum, g| {
        sum.checked_add(g.gross_mass.in_grams()?)
    });
    let registered_net = net_in_class_unit(class, reg.goods.iter().map(|g| &g.net_mass));
    for act in &facts.acts {
        let (packages, gross, net, shortage) = match act.body() {
            ActBody::CustodyTransferred(t) => (t.packages, &t.gross_mass, None, None),
            ActBody::ConsignmentDelivered(d) => (
                d.packages,
                &d.gross_mass,
                d.net_mass.as_ref(),
                d.shortage.as_ref(),
            ),
            ActBody::ConsignmentReturned(r) => (r.packages, &r.gross_mass, None, None),
            _ => continue,
        };
        // A shortage counted at delivery is its own discrepancy (see `delivery`); the count must
        // then match what is left.
        let expected = reg
            .packages
            .saturating_sub(shortage.map_or(0, |s| s.packages));
        if packages != expected {
            findings.add(
                DiscrepancyKind::PackageCountMismatch,
                Severity::Critical,
                "",
                [reg_id, act.id()],
                match shortage {
                    None => say!(PackagesCounted {
                        counted: packages,
                        registered: reg.packages,
                    }),
                    Some(s) => say!(PackagesCountedShort {
                        counted: packages,
                        registered: reg.packages,
                        short: s.packages,
                    }),
                },
            );
        }
        if shortage.is_none() {
            if let (Some(registered), Some(observed)) = (registered_gross, gross.in_grams()) {
                let tolerance = match class {
                    GoodsClass::Other => facts
                        .tolerances
                        .mass_absolute_grams
                        .max(registered * facts.tolerances.mass_relative),
                    _ => facts.tolerances.precious_gross_grams,
                };
                if (observed - registered).abs() > tolerance {
                    findings.add(
                        DiscrepancyKind::MassMismatch,
                        if class == GoodsClass::Other {
                            Severity::Major
                        } else {
                            Severity::Critical
                        },
                        "",
                        [reg_id, act.id()],
                        say!(GrossMass {
                            gross: gross.value,
                            gross_mass_unit: gross.unit.symbol(),
                            registered: registered.normalize(),
                            tolerance: tolerance.normalize(),
                        }),
                    );
                }
            }
        }
        if let Some(net) = net {
            check_net(
                facts,
                class,
                registered_net,
                net,
                shortage,
                act.id(),
                findings,
            );
        }
    }
}

/// What the goods are, for weighing: precious stones are weighed in carats, precious metals in
/// grams (DOMAIN.md, "Numbers to model exactly").
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum GoodsClass {
    /// Pearls, diamonds and other precious stones (HS 7101 to 7103).
    PreciousStones,
    /// Silver, gold, platinum-group metals and their waste (HS 7106, 7108, 7110, 7112).
    PreciousMetals,
    /// Anything else.
    Other,
}

/// The class of goods of one HS code.
pub fn class_of(hs: &HsCode) -> GoodsClass {
    let code = hs.as_str();
    if ["7101", "7102", "7103"].iter().any(|p| code.starts_with(p)) {
        GoodsClass::PreciousStones
    } else if ["7106", "7108", "7110", "7112"]
        .iter()
        .any(|p| code.starts_with(p))
    {
        GoodsClass::PreciousMetals
    } else {
        GoodsClass::Other
    }
}

/// The class of a consignment: its lines' if they agree, else `Other` (judged by gross mass).
pub fn consignment_class(goods: &[GoodsLine]) -> GoodsClass {
    let mut classes = goods.iter().map(|g| class_of(&g.hs_code));
    let first = classes.next().unwrap_or(GoodsClass::Other);
    if classes.all(|c| c == first) {
        first
    } else if goods
        .iter()
        .any(|g| class_of(&g.hs_code) != GoodsClass::Other)
    {
        // Mixed precious goods: weighed by gross mass, with the precious tolerance.
        GoodsClass::PreciousMetals
    } else {
        GoodsClass::Other
    }
}

/// The sum of `masses` in the class's own unit (carats for stones, grams otherwise).
fn net_in_class_unit<'m>(
    class: GoodsClass,
    masses: impl Iterator<Item = &'m Mass>,
) -> Option<Decimal> {
    let mut sum = Decimal::ZERO;
    for m in masses {
        sum = sum.checked_add(in_class_unit(class, m)?)?;
    }
    Some(sum)
}

fn in_class_unit(class: GoodsClass, m: &Mass) -> Option<Decimal> {
    let grams = m.in_grams()?;
    match class {
        GoodsClass::PreciousStones => grams.checked_div(Decimal::new(2, 1)),
        _ => Some(grams),
    }
}

fn class_unit(class: GoodsClass) -> &'static str {
    match class {
        GoodsClass::PreciousStones => "ct",
        _ => "g",
    }
}

/// Each line's units fit its goods: stones' net mass in carats (quantity in carats or pieces),
/// metals' net mass and quantity in grams or kilograms (or pieces: bars).
fn check_units(reg_id: crate::canonical::ActId, goods: &[GoodsLine], findings: &mut Findings) {
    for (i, line) in goods.iter().enumerate() {
        let fits = match class_of(&line.hs_code) {
            GoodsClass::PreciousStones => {
                line.net_mass.unit == MassUnit::Ct
                    && matches!(line.quantity.unit, QuantityUnit::Ct | QuantityUnit::Pcs)
            }
            GoodsClass::PreciousMetals => {
                line.net_mass.unit != MassUnit::Ct && line.quantity.unit != QuantityUnit::Ct
            }
            GoodsClass::Other => true,
        };
        if !fits {
            findings.add(
                DiscrepancyKind::GoodsUnitMismatch,
                Severity::Major,
                format!("goods[{i}]"),
                [reg_id],
                match class_of(&line.hs_code) {
                    GoodsClass::PreciousStones => say!(StonesUnit {
                        line: i + 1,
                        hs: line.hs_code,
                        mass_unit: line.net_mass.unit.symbol(),
                    }),
                    _ => say!(MetalsUnit {
                        line: i + 1,
                        hs: line.hs_code,
                        mass_unit: line.net_mass.unit.symbol(),
                    }),
                },
            );
        }
    }
}

/// Net mass re-weighed at delivery, in the goods' own unit, against what was registered (less a
/// shortage counted).
fn check_net(
    facts: &Facts<'_>,
    class: GoodsClass,
    registered: Option<Decimal>,
    net: &Mass,
    shortage: Option<&crate::act::Shortage>,
    act: crate::canonical::ActId,
    findings: &mut Findings,
) {
    let Some((reg_id, _)) = facts.registration else {
        return;
    };
    let stones = class == GoodsClass::PreciousStones;
    if stones != (net.unit == MassUnit::Ct) && class != GoodsClass::Other {
        findings.add(
            DiscrepancyKind::GoodsUnitMismatch,
            Severity::Major,
            "net_mass",
            [act],
            say!(NetUnit {
                mass_unit: net.unit.symbol(),
                goods_mass_unit: class_unit(class),
            }),
        );
    }
    let short = shortage.and_then(|s| in_class_unit(class, &s.net_mass));
    let (Some(registered), Some(observed)) = (registered, in_class_unit(class, net)) else {
        return;
    };
    let expected = registered - short.unwrap_or(Decimal::ZERO);
    let t = facts.tolerances;
    let (tolerance, severity) = match class {
        GoodsClass::PreciousStones => (t.stones_net_carats, Severity::Critical),
        GoodsClass::PreciousMetals => (t.metals_net_grams, Severity::Critical),
        GoodsClass::Other => (
            t.mass_absolute_grams.max(expected * t.mass_relative),
            Severity::Major,
        ),
    };
    if (observed - expected).abs() > tolerance {
        findings.add(
            DiscrepancyKind::NetMassMismatch,
            severity,
            "",
            [reg_id, act],
            say!(NetMass {
                observed: observed.normalize(),
                mass_unit: class_unit(class),
                expected: expected.normalize(),
                tolerance: tolerance.normalize(),
            }),
        );
    }
}
