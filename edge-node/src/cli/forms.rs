//! The officer's forms as the command line builds them from its options: the act's JSON without
//! `at` for `seal`, `escort`, `incident`, `position`, `arrive` and `deliver`, the releasing
//! officer's offer, the receiving officer's count. Each form is a typed value that serializes to
//! exactly the JSON of `docs/edge-api.md`; the values stay as the officer typed them, so the
//! node checks them and names the field at fault, the same way for the CLI and the web UI.

use super::grammar::{CountArgs, GroundsArgs, PlaceArgs, SealCommand, Who};
use serde::Serialize;
use sha2::Digest;
use std::path::{Path, PathBuf};
use tamga_edge::config::{Config, NodeRole};

/// Where the command runs: this node's role and unit (a post node is at its own post unless
/// told otherwise).
pub struct Here {
    /// Post or vehicle.
    pub role: NodeRole,
    /// The post's or escort unit's code.
    pub unit: String,
}

impl Here {
    /// The node in `dir`, from its configuration.
    pub fn of(dir: &Path) -> Result<Here, String> {
        let config = Config::load(dir).map_err(|e| e.to_string())?;
        Ok(Here {
            role: config.role,
            unit: config.unit.to_string(),
        })
    }
}

/// A form with the signing officer's PIN, which never goes into the act.
#[derive(Serialize)]
pub struct Signed<F> {
    /// The form.
    #[serde(flatten)]
    pub form: F,
    /// The PIN.
    pub pin: String,
}

/// The consignment (its id) and the signing officer (their key).
#[derive(Clone, Debug, Serialize)]
pub struct WhoForm {
    pub consignment: String,
    pub officer: String,
}

/// Where an act is performed.
#[derive(Clone, Debug, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum PlaceForm {
    /// At a post.
    Post {
        /// The post's unit code.
        unit: String,
    },
    /// On the road.
    Road {
        /// Where, in words.
        description: String,
        /// Where, on the globe.
        #[serde(skip_serializing_if = "Option::is_none")]
        coordinates: Option<CoordinatesForm>,
    },
}

/// A point on the globe: latitude and longitude in decimal degrees, as typed.
#[derive(Clone, Debug, Serialize)]
pub struct CoordinatesForm {
    pub latitude: String,
    pub longitude: String,
}

/// Why a seal was taken off.
#[derive(Clone, Debug, Serialize)]
pub struct GroundsForm {
    /// permission, inspection, threat_of_loss or threat_to_life.
    pub basis: String,
    /// The permission's or inspection order's reference.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reference: Option<String>,
}

/// A mass: a decimal number and a unit (kg, g or ct), as typed.
#[derive(Clone, Debug, Serialize)]
pub struct MassForm {
    pub value: String,
    pub unit: String,
}

/// A seal seen (its number) and its state (intact, damaged or missing).
#[derive(Clone, Debug, Serialize)]
pub struct SealSeen {
    pub seal: String,
    pub state: String,
}

/// What was counted: seals and their state, packages, gross mass.
#[derive(Clone, Debug, Serialize)]
pub struct CountFields {
    /// The seals.
    pub seals: Vec<SealSeen>,
    /// Packages counted.
    pub packages: u32,
    /// Gross mass weighed.
    pub gross_mass: MassForm,
}

/// A position fix: when (UTC) and where.
#[derive(Clone, Debug, Serialize)]
pub struct PositionForm {
    pub at: String,
    pub coordinates: CoordinatesForm,
}

/// An act one officer signs: the act's JSON without `at` (`POST /api/acts`).
#[derive(Clone, Debug, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum ActForm {
    /// A seal fixed.
    SealApplied {
        #[serde(flatten)]
        who: WhoForm,
        place: PlaceForm,
        seal: String,
        seal_kind: String,
        fixed_on: String,
    },
    /// A seal checked.
    SealChecked {
        #[serde(flatten)]
        who: WhoForm,
        place: PlaceForm,
        seal: String,
        state: String,
        #[serde(skip_serializing_if = "Option::is_none")]
        note: Option<String>,
    },
    /// A seal replaced.
    SealReplaced {
        #[serde(flatten)]
        who: WhoForm,
        place: PlaceForm,
        old_seal: String,
        old_state: String,
        new_seal: String,
        new_seal_kind: String,
        fixed_on: String,
        grounds: GroundsForm,
    },
    /// A seal removed.
    SealRemoved {
        #[serde(flatten)]
        who: WhoForm,
        place: PlaceForm,
        seal: String,
        state: String,
        grounds: GroundsForm,
    },
    /// The escort crew assigned.
    EscortAssigned {
        #[serde(flatten)]
        who: WhoForm,
        place: PlaceForm,
        escort_unit: String,
        vehicle: String,
        officer_in_charge: String,
        crew: Vec<String>,
    },
    /// An incident reported.
    IncidentReported {
        #[serde(flatten)]
        who: WhoForm,
        place: PlaceForm,
        incident: String,
        description: String,
        seals: Vec<String>,
        attachments: Vec<String>,
    },
    /// Positions along the way.
    PositionReported {
        #[serde(flatten)]
        who: WhoForm,
        positions: Vec<PositionForm>,
    },
    /// Arrival notified.
    ArrivalNotified {
        #[serde(flatten)]
        who: WhoForm,
        place: PlaceForm,
        arrived_at: String,
        #[serde(skip_serializing_if = "Option::is_none")]
        working_hours_began_at: Option<String>,
    },
    /// Delivery taken.
    ConsignmentDelivered {
        #[serde(flatten)]
        who: WhoForm,
        place: PlaceForm,
        #[serde(flatten)]
        count: CountFields,
    },
}

impl ActForm {
    /// The signing officer.
    pub fn officer(&self) -> &str {
        match self {
            ActForm::SealApplied { who, .. }
            | ActForm::SealChecked { who, .. }
            | ActForm::SealReplaced { who, .. }
            | ActForm::SealRemoved { who, .. }
            | ActForm::EscortAssigned { who, .. }
            | ActForm::IncidentReported { who, .. }
            | ActForm::PositionReported { who, .. }
            | ActForm::ArrivalNotified { who, .. }
            | ActForm::ConsignmentDelivered { who, .. } => &who.officer,
        }
    }
}

/// A party to a handoff: the unit and the officer's key.
#[derive(Clone, Debug, Serialize)]
pub struct PartyForm {
    pub unit: String,
    pub officer: String,
}

/// The releasing officer's offer: the `custody_transferred` body without `at` and `previous`
/// (`POST /api/offers`).
#[derive(Clone, Debug, Serialize)]
pub struct OfferForm {
    /// The consignment.
    pub consignment: String,
    /// Where the handoff takes place.
    pub place: PlaceForm,
    /// Who hands over.
    pub releasing: PartyForm,
    /// Who takes over.
    pub receiving: PartyForm,
    /// What was counted.
    #[serde(flatten)]
    pub count: CountFields,
    /// The configured peer to send it to over the LAN.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub send_to: Option<String>,
}

/// The receiving officer's own count (`POST /api/offers/{id}/review`, and with the PIN,
/// `.../countersign`).
#[derive(Clone, Debug, Serialize)]
pub struct ReceivingCount {
    /// The receiving officer's key.
    pub officer: String,
    /// What they counted.
    #[serde(flatten)]
    pub count: CountFields,
}

fn who(w: Who) -> WhoForm {
    WhoForm {
        consignment: w.consignment,
        officer: w.officer,
    }
}

/// Where the act is performed: `--post`, `--road` (with `--lat` and `--lon` if known), or a
/// post node's own post.
pub fn place(place: &PlaceArgs, here: &Here) -> Result<PlaceForm, String> {
    match (&place.post, &place.road) {
        (Some(post), _) => Ok(PlaceForm::Post { unit: post.clone() }),
        (None, Some(road)) => Ok(PlaceForm::Road {
            description: road.clone(),
            coordinates: match (&place.lat, &place.lon) {
                (Some(lat), Some(lon)) => Some(CoordinatesForm {
                    latitude: lat.clone(),
                    longitude: lon.clone(),
                }),
                _ => None,
            },
        }),
        (None, None) if here.role == NodeRole::Post => Ok(PlaceForm::Post {
            unit: here.unit.clone(),
        }),
        (None, None) => Err("say where this happens: --road \"where, in words\" (with --lat and --lon if known), or --post UNIT".into()),
    }
}

fn grounds(g: GroundsArgs) -> GroundsForm {
    GroundsForm {
        basis: g.basis,
        reference: g.reference,
    }
}

/// "0.412 kg" as a mass.
fn mass(text: &str) -> Result<MassForm, String> {
    let mut parts = text.split_whitespace();
    match (parts.next(), parts.next(), parts.next()) {
        (Some(value), Some(unit), None) => Ok(MassForm {
            value: value.into(),
            unit: unit.into(),
        }),
        _ => Err(format!(
            "gross mass {text:?}: expected a number and a unit, like \"0.412 kg\""
        )),
    }
}

/// What was counted: `--seal NUMBER:STATE` (repeated), `--packages`, `--gross-mass`.
pub fn count(count: &CountArgs) -> Result<CountFields, String> {
    let mut seals = Vec::new();
    for s in &count.seals {
        let (seal, state) = s.rsplit_once(':').ok_or_else(|| {
            format!("--seal {s:?}: expected NUMBER:STATE, like KG-0042137:intact")
        })?;
        seals.push(SealSeen {
            seal: seal.into(),
            state: state.into(),
        });
    }
    Ok(CountFields {
        seals,
        packages: count.packages,
        gross_mass: mass(&count.gross_mass)?,
    })
}

/// `seal apply|check|replace|remove`.
pub fn seal(cmd: SealCommand, here: &Here) -> Result<ActForm, String> {
    Ok(match cmd {
        SealCommand::Apply {
            who: w,
            seal,
            seal_kind,
            on,
            place: p,
        } => ActForm::SealApplied {
            place: place(&p, here)?,
            who: who(w),
            seal,
            seal_kind,
            fixed_on: on,
        },
        SealCommand::Check {
            who: w,
            seal,
            state,
            note,
            place: p,
        } => ActForm::SealChecked {
            place: place(&p, here)?,
            who: who(w),
            seal,
            state,
            note,
        },
        SealCommand::Replace {
            who: w,
            old,
            old_state,
            new,
            seal_kind,
            on,
            grounds: g,
            place: p,
        } => ActForm::SealReplaced {
            place: place(&p, here)?,
            who: who(w),
            old_seal: old,
            old_state,
            new_seal: new,
            new_seal_kind: seal_kind,
            fixed_on: on,
            grounds: grounds(g),
        },
        SealCommand::Remove {
            who: w,
            seal,
            state,
            grounds: g,
            place: p,
        } => ActForm::SealRemoved {
            place: place(&p, here)?,
            who: who(w),
            seal,
            state,
            grounds: grounds(g),
        },
    })
}

/// The escort crew of `escort`.
pub struct Escort {
    /// The escort unit.
    pub unit: String,
    /// The vehicle's plate.
    pub vehicle: String,
    /// The officer in charge.
    pub in_charge: String,
    /// The crew's keys.
    pub crew: Vec<String>,
}

/// `escort`.
pub fn escort(w: Who, escort: Escort, p: &PlaceArgs, here: &Here) -> Result<ActForm, String> {
    Ok(ActForm::EscortAssigned {
        place: place(p, here)?,
        who: who(w),
        escort_unit: escort.unit,
        vehicle: escort.vehicle,
        officer_in_charge: escort.in_charge,
        crew: escort.crew,
    })
}

/// `incident`: the attachments go in as their SHA-256.
pub fn incident(
    w: Who,
    kind: String,
    description: String,
    seals: Vec<String>,
    attachments: &[PathBuf],
    p: &PlaceArgs,
    here: &Here,
) -> Result<ActForm, String> {
    let mut hashes = Vec::new();
    for file in attachments {
        hashes.push(sha256_of(file).map_err(|e| format!("{}: {e}", file.display()))?);
    }
    Ok(ActForm::IncidentReported {
        place: place(p, here)?,
        who: who(w),
        incident: kind,
        description,
        seals,
        attachments: hashes,
    })
}

/// A file's SHA-256 in hex, read in pieces.
fn sha256_of(path: &Path) -> std::io::Result<String> {
    let mut file = std::fs::File::open(path)?;
    let mut hash = sha2::Sha256::new();
    std::io::copy(&mut file, &mut hash)?;
    Ok(hex::encode(hash.finalize()))
}

/// `position`: each `--fix TIME,LATITUDE,LONGITUDE`.
pub fn position(w: Who, fixes: &[String]) -> Result<ActForm, String> {
    let mut positions = Vec::new();
    for f in fixes {
        let parts: Vec<&str> = f.split(',').map(str::trim).collect();
        let [at, lat, lon] = parts[..] else {
            return Err(format!(
                "--fix {f:?}: expected TIME,LATITUDE,LONGITUDE like 2026-11-23T06:40:00Z,43.0612,74.4776"
            ));
        };
        positions.push(PositionForm {
            at: at.into(),
            coordinates: CoordinatesForm {
                latitude: lat.into(),
                longitude: lon.into(),
            },
        });
    }
    Ok(ActForm::PositionReported {
        who: who(w),
        positions,
    })
}

/// `arrive`.
pub fn arrive(
    w: Who,
    arrived_at: String,
    working_hours_began_at: Option<String>,
    p: &PlaceArgs,
    here: &Here,
) -> Result<ActForm, String> {
    Ok(ActForm::ArrivalNotified {
        place: place(p, here)?,
        who: who(w),
        arrived_at,
        working_hours_began_at,
    })
}

/// `deliver`.
pub fn deliver(w: Who, c: &CountArgs, p: &PlaceArgs, here: &Here) -> Result<ActForm, String> {
    let count = count(c)?;
    Ok(ActForm::ConsignmentDelivered {
        place: place(p, here)?,
        who: who(w),
        count,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn here() -> Here {
        Here {
            role: NodeRole::Post,
            unit: "MANAS-AIRPORT".into(),
        }
    }

    fn who_args() -> Who {
        Who {
            consignment: "10609050/231126/0000123".into(),
            officer: "aa".into(),
        }
    }

    fn no_place() -> PlaceArgs {
        PlaceArgs {
            post: None,
            road: None,
            lat: None,
            lon: None,
        }
    }

    #[test]
    fn forms_are_the_acts_json_without_at() {
        let form = seal(
            SealCommand::Check {
                who: who_args(),
                seal: "KG-0042137".into(),
                state: "intact".into(),
                note: None,
                place: PlaceArgs {
                    road: Some("km 14".into()),
                    lat: Some("43.0".into()),
                    lon: Some("74.4".into()),
                    ..no_place()
                },
            },
            &here(),
        )
        .unwrap();
        assert_eq!(form.officer(), "aa");
        let signed = Signed {
            form,
            pin: "123456".into(),
        };
        assert_eq!(
            serde_json::to_value(&signed).unwrap(),
            json!({
                "kind": "seal_checked", "seal": "KG-0042137", "state": "intact",
                "place": {"type": "road", "description": "km 14",
                          "coordinates": {"latitude": "43.0", "longitude": "74.4"}},
                "consignment": "10609050/231126/0000123", "officer": "aa", "pin": "123456",
            })
        );
        let count_args = CountArgs {
            seals: vec!["KG-0042137:intact".into()],
            packages: 1,
            gross_mass: "0.412 kg".into(),
        };
        let delivered = deliver(who_args(), &count_args, &no_place(), &here()).unwrap();
        assert_eq!(
            serde_json::to_value(&delivered).unwrap(),
            json!({
                "kind": "consignment_delivered",
                "seals": [{"seal": "KG-0042137", "state": "intact"}],
                "packages": 1, "gross_mass": {"value": "0.412", "unit": "kg"},
                "place": {"type": "post", "unit": "MANAS-AIRPORT"},
                "consignment": "10609050/231126/0000123", "officer": "aa",
            })
        );
    }

    #[test]
    fn options_that_make_no_form_say_what_to_type() {
        let vehicle = Here {
            role: NodeRole::Vehicle,
            unit: "ESCORT-BISHKEK".into(),
        };
        assert!(place(&no_place(), &vehicle).unwrap_err().contains("--road"));
        let mut bad = CountArgs {
            seals: vec!["KG-0042137".into()],
            packages: 1,
            gross_mass: "0.412 kg".into(),
        };
        assert!(count(&bad).unwrap_err().contains("NUMBER:STATE"));
        bad.seals.clear();
        bad.gross_mass = "0.412".into();
        assert!(count(&bad).unwrap_err().contains("a number and a unit"));
        assert!(position(who_args(), &["bad".into()])
            .unwrap_err()
            .contains("TIME,LATITUDE,LONGITUDE"));
    }
}
