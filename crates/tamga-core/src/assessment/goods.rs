//! The goods and their papers: certificates the goods require, and packages and gross mass
//! observed at every handoff and at delivery against what was registered.
//!
//! - Rough diamonds (HS 7102 10, 7102 21, 7102 31) travel only with a Kimberley Process
//!   certificate (KP scheme; Kazakhstan decree 1479, para 3-6; Technological Scheme item 4).
//! - Export of precious stones and metals needs the Department's State Control Certificate
//!   (Technological Scheme items 3 and 7). On import the certificate is issued after state
//!   control at the Department, so its absence during escort is expected; the importer's
//!   registration details must then be on file (items 5 and 6).

use super::discrepancy::Findings;
use super::{DiscrepancyKind, Facts, Severity};
use crate::act::{ActBody, CertificateKind, Direction};
use crate::codes::HsCode;
use crate::quantity::Mass;
use rust_decimal::Decimal;

/// HS subheadings of rough diamonds (seed 004, para 6).
const ROUGH_DIAMOND_PREFIXES: [&str; 3] = ["710210", "710221", "710231"];

/// HS headings of precious stones and metals in EAEU list sections 2.9 and 2.10: pearls,
/// diamonds, precious stones, silver, gold, platinum group metals, and their waste and scrap.
const PRECIOUS_HEADINGS: [&str; 7] = ["7101", "7102", "7103", "7106", "7108", "7110", "7112"];

/// Whether goods of this HS code are rough diamonds.
pub fn is_rough_diamond(hs: &HsCode) -> bool {
    ROUGH_DIAMOND_PREFIXES
        .iter()
        .any(|p| hs.as_str().starts_with(p))
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
            "rough diamonds registered without a Kimberley Process certificate",
        );
    }
    let precious = reg.goods.iter().any(|g| is_precious(&g.hs_code));
    if precious && reg.direction == Direction::Export && !has(CertificateKind::StateControl) {
        findings.add(
            DiscrepancyKind::MissingCertificate,
            Severity::Critical,
            "state_control",
            [reg_id],
            "precious stones or metals registered for export without a State Control Certificate",
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
            "precious goods imported without a State Control Certificate and without the importer's registration details",
        );
    }

    let registered_gross: Option<Decimal> = reg.goods.iter().try_fold(Decimal::ZERO, |sum, g| {
        sum.checked_add(g.gross_mass.in_grams()?)
    });
    for act in &facts.acts {
        let (packages, gross): (u32, &Mass) = match act.body() {
            ActBody::CustodyTransferred(t) => (t.packages, &t.gross_mass),
            ActBody::ConsignmentDelivered(d) => (d.packages, &d.gross_mass),
            _ => continue,
        };
        if packages != reg.packages {
            findings.add(
                DiscrepancyKind::PackageCountMismatch,
                Severity::Critical,
                "",
                [reg_id, act.id()],
                format!("{packages} packages counted, {} registered", reg.packages),
            );
        }
        if let (Some(registered), Some(observed)) = (registered_gross, gross.in_grams()) {
            let tolerance = facts
                .tolerances
                .mass_absolute_grams
                .max(registered * facts.tolerances.mass_relative);
            if (observed - registered).abs() > tolerance {
                findings.add(
                    DiscrepancyKind::MassMismatch,
                    Severity::Major,
                    "",
                    [reg_id, act.id()],
                    format!(
                        "gross mass {} weighed, {} g registered (tolerance {} g)",
                        gross.for_people(),
                        registered.normalize(),
                        tolerance.normalize()
                    ),
                );
            }
        }
    }
}
