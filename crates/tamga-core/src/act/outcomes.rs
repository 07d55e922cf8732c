//! How incidents are followed up and how transit may end other than by a full delivery: the
//! goods brought to the nearest customs body or officials come to them (Customs Code art. 38,
//! 139), the incident closed; a refusal at the office of destination and the return to the
//! office of departure. (The parts a delivery carries, a shortage and the documents checked, are
//! in [`super::kinds`] with the other parts.)

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
