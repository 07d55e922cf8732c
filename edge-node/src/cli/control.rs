//! `tamga-edge control ...`: the work that follows the arrival of precious goods, each a signed
//! act with its deadline (docs/act-format.md 13.7): the customs office's notice to the
//! Department, the Department's expertise, State Control Act and certificates issued, and a
//! damaged KP certificate sent back.

use super::acts;
use super::forms::{who, ActForm, CertificateForm};
use super::grammar::ControlCommand;
use std::path::Path;

/// `NUMBER@YYYY-MM-DD` as a certificate of `kind` issued in Kyrgyzstan that day.
fn certificate(kind: &str, given: &str) -> Result<CertificateForm, String> {
    let (number, date) = given.rsplit_once('@').ok_or_else(|| {
        format!(
            "{given:?}: write the certificate as NUMBER@YYYY-MM-DD, like SCC-2026/0815@2026-11-24"
        )
    })?;
    tamga_core::calendar::LocalDate::parse(date.trim()).map_err(|e| e.to_string())?;
    Ok(CertificateForm {
        kind: kind.to_owned(),
        number: number.trim().to_owned(),
        issued_by: "KG".to_owned(),
        issued_at: format!("{}T00:00:00Z", date.trim()),
    })
}

/// The form a command makes; nothing is asked for (the PIN comes after).
pub fn form(cmd: ControlCommand) -> Result<ActForm, String> {
    Ok(match cmd {
        ControlCommand::NotifyDepartment { who: w, reference } => ActForm::DepartmentNotified {
            who: who(w),
            reference,
        },
        ControlCommand::Expertise { who: w, conclusion } => ActForm::ExpertiseConcluded {
            who: who(w),
            conclusion,
        },
        ControlCommand::StateControlAct {
            who: w,
            register_number,
            goods_conform,
        } => ActForm::StateControlActDrawn {
            who: who(w),
            register_number,
            goods_conform: goods_conform == "yes",
        },
        ControlCommand::CertificatesIssued { who: w, scc, kpc } => {
            let mut certificates = Vec::new();
            for c in &scc {
                certificates.push(certificate("state_control", c)?);
            }
            for c in &kpc {
                certificates.push(certificate("kimberley_process", c)?);
            }
            if certificates.is_empty() {
                return Err(
                    "name the certificates issued: --scc NUMBER@DATE or --kpc NUMBER@DATE".into(),
                );
            }
            ActForm::CertificatesIssued {
                who: who(w),
                certificates,
            }
        }
        ControlCommand::ReturnCoupon {
            who: w,
            certificate,
            sent_to,
        } => ActForm::KpCouponReturned {
            who: who(w),
            certificate,
            sent_to,
        },
        ControlCommand::ReturnKpc {
            who: w,
            certificate,
            found_damaged_at,
            damage,
        } => ActForm::KpcReturned {
            who: who(w),
            certificate,
            found_damaged_at,
            damage,
        },
    })
}

/// Runs a command: the form, then the PIN, then the act recorded.
pub fn run(dir: &Path, cmd: ControlCommand) -> Result<(), String> {
    acts::record(dir, form(cmd)?)
}

#[cfg(test)]
mod tests {
    use super::super::grammar::Who;
    use super::*;

    fn who() -> Who {
        Who {
            consignment: "C-1".into(),
            officer: "k".into(),
        }
    }

    #[test]
    fn certificates_are_read_as_number_and_date_and_a_bad_one_is_refused_saying_how() {
        let form = form(ControlCommand::CertificatesIssued {
            who: who(),
            scc: vec!["SCC-2026/0815@2026-11-24".into()],
            kpc: vec![],
        })
        .unwrap();
        let json = serde_json::to_value(&form).unwrap();
        assert_eq!(json["kind"], "certificates_issued");
        assert_eq!(json["certificates"][0]["number"], "SCC-2026/0815");
        assert_eq!(json["certificates"][0]["issued_at"], "2026-11-24T00:00:00Z");
        for bad in ["SCC-2026/0815", "SCC@2026-02-30"] {
            let err = super::form(ControlCommand::CertificatesIssued {
                who: who(),
                scc: vec![bad.into()],
                kpc: vec![],
            })
            .unwrap_err();
            assert!(err.contains("NUMBER@") || err.contains("date"), "{err}");
        }
        let none = super::form(ControlCommand::CertificatesIssued {
            who: who(),
            scc: vec![],
            kpc: vec![],
        });
        assert!(none.is_err());
        let sca = super::form(ControlCommand::StateControlAct {
            who: who(),
            register_number: "AGK-1".into(),
            goods_conform: "no".into(),
        })
        .unwrap();
        assert_eq!(serde_json::to_value(&sca).unwrap()["goods_conform"], false);
    }
}
