//! The Kimberley Process certificate against the goods it certifies (the KP minimum
//! requirements, as DOMAIN.md lists them; seed 003, section C; seed 004, paras 3-6). Each
//! finding names the certificate by its number and has the registration as its proof.
//!
//! - *Incomplete* (major): a KP certificate registered without its contents (issuing
//!   authority, expiry, exporter and importer, carats, value in USD, parcels, HS codes): the
//!   customs officer cannot have checked what it certifies.
//! - *Expired* (major): its validity ended before the goods were registered, that is, before
//!   they arrived at the office of departure (on import, the airport post where the certificate
//!   is presented) or were presented there for export.
//! - *Mismatch* (major): what the certificates state together differs from the rough diamond
//!   goods lines: carats beyond the scale's step ([`Tolerances::stones_net_carats`]), value in
//!   US dollars beyond [`Tolerances::kp_value_usd`] (compared only when every rough diamond
//!   line is valued in US dollars), parcels other than the packages (when the consignment is of
//!   rough diamonds alone), or a line's HS subheading that no certificate lists. Compared only
//!   when every KP certificate has its contents; an incomplete one is reported as such.
//!
//! - *Not a participant* (critical): rough diamonds imported from, exported to or carried
//!   between countries of which one is not a Kimberley Process participant (seed 004, para 3),
//!   judged against the participants list in force at registration
//!   ([`crate::Registry::kp_participants_at`]): on import the consignor's country and each KP
//!   certificate's issuing country, on export the consignee's, in transit both. Before the
//!   registry holds any list, nothing is said.

use super::discrepancy::Findings;
use super::words::{say, Words};
use super::{DiscrepancyKind, Facts, Severity, Tolerances};
use crate::act::{
    Certificate, CertificateKind, ConsignmentRegistered, Direction, GoodsLine, KpContents,
};
use crate::codes::CountryCode;
use crate::quantity::MassUnit;
use crate::ActId;
use rust_decimal::Decimal;

pub(crate) fn assess(facts: &Facts<'_>, findings: &mut Findings) {
    let Some((reg_id, reg)) = facts.registration else {
        return;
    };
    participants(facts, reg_id, reg, findings);
    let kpcs: Vec<&Certificate> = reg
        .certificates
        .iter()
        .filter(|c| c.kind == CertificateKind::KimberleyProcess)
        .collect();
    let mut contents = Vec::with_capacity(kpcs.len());
    for c in &kpcs {
        match &c.kp {
            None => findings.add(
                DiscrepancyKind::KpcIncomplete,
                Severity::Major,
                c.number.as_str(),
                [reg_id],
                say!(KpcIncomplete {
                    certificate: c.number
                }),
            ),
            Some(kp) => {
                if kp.expires_at <= reg.at {
                    findings.add(
                        DiscrepancyKind::KpcExpired,
                        Severity::Major,
                        c.number.as_str(),
                        [reg_id],
                        say!(KpcExpired {
                            certificate: c.number,
                            expired_at: kp.expires_at,
                            registered_at: reg.at,
                        }),
                    );
                }
                contents.push(kp);
            }
        }
    }
    if kpcs.is_empty() || contents.len() < kpcs.len() {
        return;
    }
    let numbers: Vec<&str> = kpcs.iter().map(|c| c.number.as_str()).collect();
    for (subject, words) in mismatches(reg, &contents, &numbers.join(", "), facts.tolerances) {
        findings.add(
            DiscrepancyKind::KpcMismatch,
            Severity::Major,
            subject,
            [reg_id],
            words,
        );
    }
}

/// Rough diamonds traded with a country outside the participants list in force at registration.
fn participants(
    facts: &Facts<'_>,
    reg_id: ActId,
    reg: &ConsignmentRegistered,
    findings: &mut Findings,
) {
    if !reg.goods.iter().any(|g| g.hs_code.is_rough_diamond()) {
        return;
    }
    let Some(list) = facts.registry.kp_participants_at(reg.at) else {
        return;
    };
    #[derive(Clone, Copy)]
    enum Partner {
        Consignor,
        Issuer,
        Consignee,
    }
    let mut partners: Vec<(&CountryCode, Partner)> = Vec::new();
    match reg.direction {
        Direction::Import => {
            partners.push((&reg.consignor.country, Partner::Consignor));
            for c in &reg.certificates {
                if c.kind == CertificateKind::KimberleyProcess {
                    partners.push((&c.issued_by, Partner::Issuer));
                }
            }
        }
        Direction::Export => partners.push((&reg.consignee.country, Partner::Consignee)),
        Direction::Transit => {
            partners.push((&reg.consignor.country, Partner::Consignor));
            partners.push((&reg.consignee.country, Partner::Consignee));
        }
    }
    let mut seen = std::collections::BTreeSet::new();
    for (country, partner) in partners {
        if list.participant_of(country).is_some() || !seen.insert(country) {
            continue;
        }
        findings.add(
            DiscrepancyKind::KpNonParticipant,
            Severity::Critical,
            country.as_str(),
            [reg_id],
            match partner {
                Partner::Consignor => say!(NonParticipantConsignor {
                    country,
                    list_act: list.act,
                    source: list.source,
                }),
                Partner::Issuer => say!(NonParticipantIssuer {
                    country,
                    list_act: list.act,
                    source: list.source,
                }),
                Partner::Consignee => say!(NonParticipantConsignee {
                    country,
                    list_act: list.act,
                    source: list.source,
                }),
            },
        );
    }
}

/// What the certificates (numbered `certificates`) state against the rough diamond lines:
/// `(subject, what differs)`.
fn mismatches(
    reg: &ConsignmentRegistered,
    kpcs: &[&KpContents],
    certificates: &str,
    tolerances: &Tolerances,
) -> Vec<(&'static str, Words)> {
    let rough: Vec<&GoodsLine> = reg
        .goods
        .iter()
        .filter(|g| g.hs_code.is_rough_diamond())
        .collect();
    let mut found = Vec::new();
    let sum = |f: fn(&KpContents) -> Decimal| {
        kpcs.iter()
            .try_fold(Decimal::ZERO, |total, kp| total.checked_add(f(kp)))
    };

    let carats = rough.iter().try_fold(Decimal::ZERO, |total, g| {
        let ct = match g.net_mass.unit {
            MassUnit::Ct => Some(g.net_mass.value),
            _ => g.net_mass.in_grams()?.checked_mul(Decimal::new(5, 0)),
        }?;
        total.checked_add(ct)
    });
    if let (Some(certified), Some(declared)) = (sum(|kp| kp.carats), carats) {
        if (certified - declared).abs() > tolerances.stones_net_carats {
            found.push((
                "carats",
                say!(KpcCarats {
                    certificates,
                    certified,
                    declared,
                }),
            ));
        }
    }

    let in_usd = !rough.is_empty() && rough.iter().all(|g| g.value.currency.as_str() == "USD");
    let value = rough
        .iter()
        .try_fold(Decimal::ZERO, |total, g| total.checked_add(g.value.amount));
    if let (true, Some(certified), Some(declared)) = (in_usd, sum(|kp| kp.value_usd), value) {
        if (certified - declared).abs() > tolerances.kp_value_usd {
            found.push((
                "value",
                say!(KpcValue {
                    certificates,
                    certified,
                    declared,
                }),
            ));
        }
    }

    let parcels: u64 = kpcs.iter().map(|kp| u64::from(kp.parcels)).sum();
    if rough.len() == reg.goods.len() && parcels != u64::from(reg.packages) {
        found.push((
            "parcels",
            say!(KpcParcels {
                certificates,
                parcels,
                packages: reg.packages,
            }),
        ));
    }

    let uncovered: Vec<&str> = rough
        .iter()
        .map(|g| g.hs_code.as_str())
        .filter(|code| {
            !kpcs
                .iter()
                .flat_map(|kp| &kp.hs_codes)
                .any(|h| code.starts_with(h.as_str()) || h.as_str().starts_with(code))
        })
        .collect();
    if !uncovered.is_empty() {
        found.push((
            "hs_codes",
            say!(KpcHsCodes {
                certificates,
                hs_codes: uncovered.join(", "),
            }),
        ));
    }
    found
}
