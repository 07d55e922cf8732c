//! The officer's forms as the command line builds them from its options: the act's JSON without
//! `at` for `seal`, `escort`, `incident`, `position`, `arrive` and `deliver`, the releasing
//! officer's offer, the receiving officer's count. Each form is a typed value that serializes to
//! exactly the JSON of `docs/edge-api.md`; the values stay as the officer typed them, so the
//! node checks them and names the field at fault, the same way for the CLI and the web UI.
//! Times are the exception: an officer types local time (the node's `time_zone`) or RFC 3339
//! with an offset, and the form carries it as the act's UTC ([`typed_time`]).

use super::grammar::{
    CorrectionArgs, CountArgs, DeliveryArgs, GroundsArgs, PermitCommand, PlaceArgs, SealCommand,
    TranshipmentArgs, Who,
};
use serde::Serialize;
use sha2::Digest;
use std::path::{Path, PathBuf};
use tamga_edge::config::{Config, NodeRole};
use tamga_node::local_time::LocalTime;

/// Where the command runs: this node's role and unit (a post node is at its own post unless
/// told otherwise).
pub struct Here {
    /// Post or vehicle.
    pub role: NodeRole,
    /// The post's or escort unit's code.
    pub unit: String,
    /// The node's time zone, in which typed times without an offset are read.
    pub zone: LocalTime,
}

/// A time typed for `option` as the act's UTC (`2026-11-23T08:30:00Z`): local time in `zone`
/// unless it gives an offset or `Z` (see [`LocalTime::parse_typed`]).
pub fn typed_time(option: &str, text: &str, zone: &LocalTime) -> Result<String, String> {
    zone.to_act_time(text)
        .map_err(|e| format!("{option} {e} (local time is {})", zone.name()))
}

impl Here {
    /// The node in `dir`, from its configuration.
    pub fn of(dir: &Path) -> Result<Here, String> {
        let config = Config::load(dir).map_err(|e| e.to_string())?;
        Ok(Here {
            role: config.role,
            unit: config.unit.to_string(),
            zone: config.local_time(),
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
    /// The seal-removal permit (`permission_granted` act id).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub permission: Option<String>,
}

/// What a customs body permits (`permits` of `permission_granted`).
#[derive(Clone, Debug, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum PermitForm {
    /// Taking off or replacing seals.
    SealRemoval { seals: Vec<String> },
    /// Correcting an act after the first handoff.
    Correction { act: String },
    /// Moving the goods to another vehicle.
    Transhipment {
        #[serde(skip_serializing_if = "Option::is_none")]
        incident: Option<String>,
    },
    /// Taking the goods back to the office of departure.
    Return,
}

/// A shortage counted at delivery.
#[derive(Clone, Debug, Serialize)]
pub struct ShortageForm {
    pub packages: u32,
    pub net_mass: MassForm,
    pub description: String,
}

/// An accompanying document as checked at delivery.
#[derive(Clone, Debug, Serialize)]
pub struct DocumentCheckForm {
    pub number: String,
    pub present: bool,
}

/// A seal fixed in a transhipment.
#[derive(Clone, Debug, Serialize)]
pub struct NewSealForm {
    pub seal: String,
    pub seal_kind: String,
    pub fixed_on: String,
}

/// A transhipment at a handoff.
#[derive(Clone, Debug, Serialize)]
pub struct TranshipmentForm {
    pub permission: String,
    pub vehicle: String,
    pub new_seals: Vec<NewSealForm>,
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
        #[serde(skip_serializing_if = "Option::is_none")]
        happened_at: Option<String>,
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
        #[serde(skip_serializing_if = "Option::is_none")]
        net_mass: Option<MassForm>,
        #[serde(skip_serializing_if = "Option::is_none")]
        shortage: Option<ShortageForm>,
        #[serde(skip_serializing_if = "Vec::is_empty")]
        documents: Vec<DocumentCheckForm>,
    },
    /// A permission granted.
    PermissionGranted {
        #[serde(flatten)]
        who: WhoForm,
        place: PlaceForm,
        permits: PermitForm,
        reason: String,
        #[serde(skip_serializing_if = "Option::is_none")]
        valid_until: Option<String>,
    },
    /// An act corrected.
    ActCorrected {
        #[serde(flatten)]
        who: WhoForm,
        corrects: String,
        /// The changed fields with `kind`, the corrected act's kind.
        changes: serde_json::Map<String, serde_json::Value>,
        reason: String,
        #[serde(skip_serializing_if = "Option::is_none")]
        permission: Option<String>,
    },
    /// The escort crew changed.
    EscortChanged {
        #[serde(flatten)]
        who: WhoForm,
        place: PlaceForm,
        escort_unit: String,
        vehicle: String,
        officer_in_charge: String,
        crew: Vec<String>,
        reason: String,
    },
    /// The deadline extended.
    DeadlineExtended {
        #[serde(flatten)]
        who: WhoForm,
        incident: String,
        delivery_deadline: String,
        reason: String,
    },
    /// An incident followed up.
    IncidentFollowedUp {
        #[serde(flatten)]
        who: WhoForm,
        place: PlaceForm,
        incident: String,
        action: String,
        note: String,
        #[serde(skip_serializing_if = "Vec::is_empty")]
        attachments: Vec<String>,
    },
    /// Delivery refused.
    DeliveryRefused {
        #[serde(flatten)]
        who: WhoForm,
        place: PlaceForm,
        reason: String,
        seals: Vec<SealSeen>,
    },
    /// The Department notified of arrived rough diamonds.
    DepartmentNotified {
        #[serde(flatten)]
        who: WhoForm,
        reference: String,
    },
    /// The Department's expertise concluded.
    ExpertiseConcluded {
        #[serde(flatten)]
        who: WhoForm,
        conclusion: String,
    },
    /// The State Control Act drawn up.
    StateControlActDrawn {
        #[serde(flatten)]
        who: WhoForm,
        register_number: String,
        goods_conform: bool,
    },
    /// Certificates the Department issued.
    CertificatesIssued {
        #[serde(flatten)]
        who: WhoForm,
        certificates: Vec<CertificateForm>,
    },
    /// A damaged KP certificate sent back.
    KpcReturned {
        #[serde(flatten)]
        who: WhoForm,
        certificate: String,
        found_damaged_at: String,
        damage: String,
    },
    /// A KP certificate's import confirmation coupon returned.
    KpCouponReturned {
        #[serde(flatten)]
        who: WhoForm,
        certificate: String,
        sent_to: String,
    },
    /// The goods returned to the office of departure.
    ConsignmentReturned {
        #[serde(flatten)]
        who: WhoForm,
        place: PlaceForm,
        #[serde(flatten)]
        count: CountFields,
        #[serde(skip_serializing_if = "Option::is_none")]
        permission: Option<String>,
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
            | ActForm::ConsignmentDelivered { who, .. }
            | ActForm::PermissionGranted { who, .. }
            | ActForm::ActCorrected { who, .. }
            | ActForm::EscortChanged { who, .. }
            | ActForm::DeadlineExtended { who, .. }
            | ActForm::IncidentFollowedUp { who, .. }
            | ActForm::DeliveryRefused { who, .. }
            | ActForm::ConsignmentReturned { who, .. }
            | ActForm::DepartmentNotified { who, .. }
            | ActForm::ExpertiseConcluded { who, .. }
            | ActForm::StateControlActDrawn { who, .. }
            | ActForm::CertificatesIssued { who, .. }
            | ActForm::KpcReturned { who, .. }
            | ActForm::KpCouponReturned { who, .. } => &who.officer,
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
    /// The goods move to another vehicle at this handoff.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub transhipment: Option<TranshipmentForm>,
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

pub(crate) fn who(w: Who) -> WhoForm {
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

/// The grounds of a seal removal; `permission` is the permit's act id, resolved by the caller.
fn grounds(g: GroundsArgs, permission: Option<String>) -> GroundsForm {
    GroundsForm {
        basis: g.basis,
        reference: g.reference,
        permission,
    }
}

/// "0.412 kg" as a mass (`what` names the option in the error).
fn mass_of(what: &str, text: &str) -> Result<MassForm, String> {
    let mut parts = text.split_whitespace();
    match (parts.next(), parts.next(), parts.next()) {
        (Some(value), Some(unit), None) => Ok(MassForm {
            value: value.into(),
            unit: unit.into(),
        }),
        _ => Err(format!(
            "{what} {text:?}: expected a number and a unit, like \"0.412 kg\""
        )),
    }
}

/// "0.412 kg" as a gross mass.
fn mass(text: &str) -> Result<MassForm, String> {
    mass_of("gross mass", text)
}

/// `--seal NUMBER:STATE`, repeated.
fn seals_seen(list: &[String]) -> Result<Vec<SealSeen>, String> {
    let mut seals = Vec::new();
    for s in list {
        let (seal, state) = s.rsplit_once(':').ok_or_else(|| {
            format!("--seal {s:?}: expected NUMBER:STATE, like KG-0042137:intact")
        })?;
        seals.push(SealSeen {
            seal: seal.into(),
            state: state.into(),
        });
    }
    Ok(seals)
}

/// What was counted: `--seal NUMBER:STATE` (repeated), `--packages`, `--gross-mass`.
pub fn count(count: &CountArgs) -> Result<CountFields, String> {
    Ok(CountFields {
        seals: seals_seen(&count.seals)?,
        packages: count.packages,
        gross_mass: mass(&count.gross_mass)?,
    })
}

/// `seal apply|check|replace|remove`; `permission` is `--permission` resolved to an act id.
pub fn seal(cmd: SealCommand, here: &Here, permission: Option<String>) -> Result<ActForm, String> {
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
            grounds: grounds(g, permission),
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
            grounds: grounds(g, permission),
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

/// What `incident` says happened.
pub struct Incident {
    /// The kind.
    pub kind: String,
    /// What happened.
    pub description: String,
    /// When it happened, if before it is reported.
    pub happened_at: Option<String>,
    /// Seals affected.
    pub seals: Vec<String>,
}

/// The SHA-256 of each attached file.
fn hashes(attachments: &[PathBuf]) -> Result<Vec<String>, String> {
    let mut hashes = Vec::new();
    for file in attachments {
        hashes.push(sha256_of(file).map_err(|e| format!("{}: {e}", file.display()))?);
    }
    Ok(hashes)
}

/// `incident`: the attachments go in as their SHA-256.
pub fn incident(
    w: Who,
    what: Incident,
    attachments: &[PathBuf],
    p: &PlaceArgs,
    here: &Here,
) -> Result<ActForm, String> {
    let Incident {
        kind,
        description,
        happened_at,
        seals,
    } = what;
    let hashes = hashes(attachments)?;
    let happened_at = happened_at
        .map(|t| typed_time("--happened-at", &t, &here.zone))
        .transpose()?;
    Ok(ActForm::IncidentReported {
        place: place(p, here)?,
        who: who(w),
        happened_at,
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

/// `position`: each `--fix TIME,LATITUDE,LONGITUDE`, the time read in `zone`.
pub fn position(w: Who, fixes: &[String], zone: &LocalTime) -> Result<ActForm, String> {
    let mut positions = Vec::new();
    for f in fixes {
        let parts: Vec<&str> = f.split(',').map(str::trim).collect();
        let [at, lat, lon] = parts[..] else {
            return Err(format!(
                "--fix {f:?}: expected TIME,LATITUDE,LONGITUDE like 2026-11-23T12:40,43.0612,74.4776"
            ));
        };
        positions.push(PositionForm {
            at: typed_time("--fix", at, zone)?,
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
        arrived_at: typed_time("--arrived-at", &arrived_at, &here.zone)?,
        working_hours_began_at: working_hours_began_at
            .map(|t| typed_time("--working-hours-began-at", &t, &here.zone))
            .transpose()?,
    })
}

/// `deliver`.
pub fn deliver(
    w: Who,
    c: &CountArgs,
    d: &DeliveryArgs,
    p: &PlaceArgs,
    here: &Here,
) -> Result<ActForm, String> {
    let count = count(c)?;
    let net_mass = d
        .net_mass
        .as_deref()
        .map(|m| mass_of("--net-mass", m))
        .transpose()?;
    let shortage = match (&d.short_packages, &d.short_net_mass, &d.short_description) {
        (None, None, None) => None,
        (Some(packages), Some(net_mass), Some(description)) => Some(ShortageForm {
            packages: *packages,
            net_mass: mass_of("--short-net-mass", net_mass)?,
            description: description.clone(),
        }),
        _ => {
            return Err(
                "a shortage needs all three of --short-packages, --short-net-mass and --short-description"
                    .into(),
            )
        }
    };
    let mut documents = Vec::new();
    for text in &d.documents {
        let (number, state) = text.rsplit_once(':').ok_or_else(|| {
            format!("--document {text:?}: expected NUMBER:present or NUMBER:missing")
        })?;
        let present = match state {
            "present" => true,
            "missing" => false,
            _ => {
                return Err(format!(
                    "--document {text:?}: after the number write :present or :missing"
                ))
            }
        };
        documents.push(DocumentCheckForm {
            number: number.into(),
            present,
        });
    }
    Ok(ActForm::ConsignmentDelivered {
        place: place(p, here)?,
        who: who(w),
        count,
        net_mass,
        shortage,
        documents,
    })
}

mod control;
mod legal;
pub use control::CertificateForm;
pub use legal::*;

#[cfg(test)]
mod tests;
