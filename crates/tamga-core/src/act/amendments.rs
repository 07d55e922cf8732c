//! The acts that amend the record without editing it (Order 79's record-keeping: nothing is
//! edited in place, a correction is a new signed record naming the old one): permissions a
//! customs body grants, corrections, a changed escort crew or vehicle, a longer deadline.

use super::kinds::{AccompanyingDocument, Certificate, GoodsLine, Place, SealKind, Trader};
use crate::codes::{ConsignmentId, KeyId, SealNumber, Sha256Hex, Text, UnitCode};
use crate::id::ActId;
use crate::time::Timestamp;
use serde::{Deserialize, Serialize};

/// What a customs body permits.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
pub enum Permit {
    /// Taking off or replacing these seals (Customs Code art. 140, 202).
    SealRemoval {
        /// The seals.
        seals: Vec<SealNumber>,
    },
    /// Correcting an act after the goods were first handed over.
    Correction {
        /// The act to be corrected.
        act: ActId,
    },
    /// Moving the goods to another vehicle (after an accident, art. 38, 139).
    Transhipment {
        /// The incident that calls for it, if any.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        incident: Option<ActId>,
    },
    /// Taking the goods back to the office of departure. (A struct variant, so that a member it
    /// does not have is refused as unknown.)
    Return {},
}

impl Permit {
    /// The permit's name as the encoding writes it.
    pub fn as_str(&self) -> &'static str {
        match self {
            Permit::SealRemoval { .. } => "seal_removal",
            Permit::Correction { .. } => "correction",
            Permit::Transhipment { .. } => "transhipment",
            Permit::Return {} => "return",
        }
    }
}

/// `permission_granted`: an officer of a customs body (a post with a part in the consignment,
/// or central staff) permits what the carrier or the crew may not do on their own.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PermissionGranted {
    /// The consignment.
    pub consignment: ConsignmentId,
    /// When.
    pub at: Timestamp,
    /// The granting officer.
    pub officer: KeyId,
    /// Where the permission was given (the granting post, or where central staff are).
    pub place: Place,
    /// What is permitted.
    pub permits: Permit,
    /// Why.
    pub reason: Text,
    /// The permission lapses at this time (exclusive), if it does.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub valid_until: Option<Timestamp>,
}

impl PermissionGranted {
    /// Whether the permission is in force at `at`: granted by then and not lapsed.
    pub fn in_force(&self, at: Timestamp) -> bool {
        self.at <= at && self.valid_until.is_none_or(|until| at < until)
    }
}

/// The fields of a `consignment_registered` act a correction may change. The consignment's
/// identity, its offices, route and deadline are not among them: who may act on a
/// consignment follows from those, and a longer deadline is its own act
/// ([`DeadlineExtended`]).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RegistrationFields {
    /// The transit declaration's reference.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub declaration: Option<Text>,
    /// The consignor.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub consignor: Option<Trader>,
    /// The consignee.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub consignee: Option<Trader>,
    /// The carrier.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub carrier: Option<Trader>,
    /// The goods, every line (the corrected list replaces the old one).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub goods: Option<Vec<GoodsLine>>,
    /// The number of packages.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub packages: Option<u32>,
    /// The certificates, every one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub certificates: Option<Vec<Certificate>>,
    /// The accompanying documents, every one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub documents: Option<Vec<AccompanyingDocument>>,
}

/// The fields of a `seal_applied` act a correction may change (a mistyped number).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SealFields {
    /// The seal's number.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub seal: Option<SealNumber>,
    /// Its kind.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub seal_kind: Option<SealKind>,
    /// What it is fixed on.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fixed_on: Option<Text>,
}

/// The fields of an `escort_assigned` act a correction may change (a mistyped plate). A
/// different crew is an [`EscortChanged`] act.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EscortFields {
    /// The vehicle's registration plate.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub vehicle: Option<Text>,
}

/// The fields of an `incident_reported` act a correction may change.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IncidentFields {
    /// When it happened.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub happened_at: Option<Timestamp>,
    /// What happened.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<Text>,
    /// The seals affected, every one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub seals: Option<Vec<SealNumber>>,
    /// Attachment hashes, every one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub attachments: Option<Vec<Sha256Hex>>,
}

/// The changed fields of a correction, by the kind of the act corrected. A field left out is
/// unchanged.
// A value decoded once per act and dropped: its size does not matter, its plain shape does
// (the wire format mirrors it).
#[allow(clippy::large_enum_variant)]
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum Correction {
    /// Of a `consignment_registered` act.
    ConsignmentRegistered(RegistrationFields),
    /// Of a `seal_applied` act.
    SealApplied(SealFields),
    /// Of an `escort_assigned` act.
    EscortAssigned(EscortFields),
    /// Of an `incident_reported` act.
    IncidentReported(IncidentFields),
}

impl Correction {
    /// The kind of act this correction applies to.
    pub fn target_kind(&self) -> &'static str {
        match self {
            Correction::ConsignmentRegistered(_) => "consignment_registered",
            Correction::SealApplied(_) => "seal_applied",
            Correction::EscortAssigned(_) => "escort_assigned",
            Correction::IncidentReported(_) => "incident_reported",
        }
    }

    /// The names of the fields it changes, in the encoding's order.
    pub fn fields(&self) -> Vec<&'static str> {
        let mut names = Vec::new();
        let mut add = |present: bool, name: &'static str| {
            if present {
                names.push(name)
            }
        };
        match self {
            Correction::ConsignmentRegistered(f) => {
                add(f.carrier.is_some(), "carrier");
                add(f.certificates.is_some(), "certificates");
                add(f.consignee.is_some(), "consignee");
                add(f.consignor.is_some(), "consignor");
                add(f.declaration.is_some(), "declaration");
                add(f.documents.is_some(), "documents");
                add(f.goods.is_some(), "goods");
                add(f.packages.is_some(), "packages");
            }
            Correction::SealApplied(f) => {
                add(f.fixed_on.is_some(), "fixed_on");
                add(f.seal.is_some(), "seal");
                add(f.seal_kind.is_some(), "seal_kind");
            }
            Correction::EscortAssigned(f) => add(f.vehicle.is_some(), "vehicle"),
            Correction::IncidentReported(f) => {
                add(f.attachments.is_some(), "attachments");
                add(f.description.is_some(), "description");
                add(f.happened_at.is_some(), "happened_at");
                add(f.seals.is_some(), "seals");
            }
        }
        names
    }
}

/// `act_corrected`: a new signed record that corrects an earlier act. The earlier act stays as
/// it was signed; the assessment reads the corrected values.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ActCorrected {
    /// The consignment.
    pub consignment: ConsignmentId,
    /// When.
    pub at: Timestamp,
    /// The correcting officer: of the unit that signed the act corrected.
    pub officer: KeyId,
    /// The act corrected.
    pub corrects: ActId,
    /// The changed fields, with their new values.
    pub changes: Correction,
    /// Why.
    pub reason: Text,
    /// The `permission_granted` act allowing the correction: needed once the goods were first
    /// handed over.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub permission: Option<ActId>,
}

/// `escort_changed`: the crew, its officer in charge or the vehicle changes on the way. Signed
/// by a post officer (at their post) or central staff, with the reason.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EscortChanged {
    /// The consignment.
    pub consignment: ConsignmentId,
    /// When.
    pub at: Timestamp,
    /// The officer who ordered the change.
    pub officer: KeyId,
    /// Where.
    pub place: Place,
    /// The escort unit whose crew changes (already assigned to the consignment), or a unit
    /// taking over the escort.
    pub escort_unit: UnitCode,
    /// The vehicle from now on.
    pub vehicle: Text,
    /// The officer in charge from now on.
    pub officer_in_charge: KeyId,
    /// The crew from now on, officer in charge included.
    pub crew: Vec<KeyId>,
    /// Why.
    pub reason: Text,
}

/// `deadline_extended`: the office of departure (or central) gives more time after an
/// incident (Customs Code art. 38, 139).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DeadlineExtended {
    /// The consignment.
    pub consignment: ConsignmentId,
    /// When.
    pub at: Timestamp,
    /// The officer.
    pub officer: KeyId,
    /// The incident that calls for it.
    pub incident: ActId,
    /// The delivery deadline from now on.
    pub delivery_deadline: Timestamp,
    /// Why.
    pub reason: Text,
}
