//! How incidents are followed up and how transit may end other than by a full delivery: the
//! goods brought to the nearest customs body or officials come to them (Customs Code art. 38,
//! 139), the incident closed; a refusal at the office of destination and the return to the
//! office of departure; and the parts delivery acts carry (a shortage counted, the documents
//! checked, as NCTS unloading remarks record them).

use super::kinds::{Place, SealObservation};
use crate::codes::{ConsignmentId, KeyId, Sha256Hex, Text};
use crate::id::ActId;
use crate::quantity::Mass;
use crate::time::Timestamp;
use serde::{Deserialize, Serialize};

/// What was done about an incident.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FollowUp {
    /// The goods were brought to the nearest customs body (recorded there, by its officer).
    BroughtToCustoms,
    /// Customs officials came to where the goods are.
    OfficialsAttended,
    /// The incident is dealt with and closed.
    Closed,
}

impl FollowUp {
    /// The name as the encoding writes it.
    pub fn as_str(self) -> &'static str {
        match self {
            FollowUp::BroughtToCustoms => "brought_to_customs",
            FollowUp::OfficialsAttended => "officials_attended",
            FollowUp::Closed => "closed",
        }
    }
}

/// `incident_followed_up`: what a customs body did about an incident.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IncidentFollowedUp {
    /// The consignment.
    pub consignment: ConsignmentId,
    /// When.
    pub at: Timestamp,
    /// The customs officer.
    pub officer: KeyId,
    /// Where.
    pub place: Place,
    /// The `incident_reported` act.
    pub incident: ActId,
    /// What was done.
    pub action: FollowUp,
    /// What was found and decided.
    pub note: Text,
    /// SHA-256 hashes of attached photos or documents.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub attachments: Vec<Sha256Hex>,
}

/// The kind of a document travelling with the goods (Customs Code art. 36).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DocumentKind {
    /// The transit declaration.
    TransitDeclaration,
    /// The commercial invoice.
    Invoice,
    /// The packing list.
    PackingList,
    /// The transport document (air waybill, CMR consignment note).
    TransportDocument,
    /// A Kimberley Process certificate.
    KimberleyProcessCertificate,
    /// A State Control Certificate.
    StateControlCertificate,
    /// Anything else, named in the number's text.
    Other,
}

/// A document that travels with the goods.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AccompanyingDocument {
    /// What it is.
    pub kind: DocumentKind,
    /// Its number or reference as printed.
    pub number: Text,
}

/// A document as the office of destination found it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DocumentCheck {
    /// The document's number as registered.
    pub number: Text,
    /// Whether it was there.
    pub present: bool,
}

/// A shortage found and counted at delivery.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Shortage {
    /// Packages missing.
    pub packages: u32,
    /// Net mass missing, in the goods' own unit (carats for stones, grams for metals).
    pub net_mass: Mass,
    /// What is missing, in words.
    pub description: Text,
}

/// What a transhipment adds to a handoff: the goods move to another vehicle under a
/// permission, the old seals come off and new ones go on.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Transhipment {
    /// The `permission_granted` act (a transhipment permit).
    pub permission: ActId,
    /// The vehicle the goods are moved to.
    pub vehicle: Text,
    /// The seals fixed after the move (every seal listed in the handoff comes off).
    pub new_seals: Vec<NewSeal>,
}

/// A seal fixed in a transhipment.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewSeal {
    /// The seal's number.
    pub seal: crate::codes::SealNumber,
    /// Mechanical or navigation.
    pub seal_kind: super::kinds::SealKind,
    /// What it is fixed on.
    pub fixed_on: Text,
}

/// `delivery_refused`: the office of destination refuses the goods, with the reason; the
/// goods go back under escort.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DeliveryRefused {
    /// The consignment.
    pub consignment: ConsignmentId,
    /// When.
    pub at: Timestamp,
    /// The officer of the office of destination.
    pub officer: KeyId,
    /// Where (the office of destination).
    pub place: Place,
    /// Why.
    pub reason: Text,
    /// The seals as found.
    pub seals: Vec<SealObservation>,
}

/// `consignment_returned`: transit ends back at the office of departure, after a refusal or
/// with a permission to return.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConsignmentReturned {
    /// The consignment.
    pub consignment: ConsignmentId,
    /// When.
    pub at: Timestamp,
    /// The officer of the office of departure.
    pub officer: KeyId,
    /// Where (the office of departure).
    pub place: Place,
    /// The seals as verified.
    pub seals: Vec<SealObservation>,
    /// Packages counted.
    pub packages: u32,
    /// Gross mass weighed.
    pub gross_mass: Mass,
    /// The `permission_granted` act (a return permit), when there was no refusal.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub permission: Option<ActId>,
}
