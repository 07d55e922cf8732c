//! What follows the goods' arrival when they are precious (Technological Scheme, seed 000, items
//! 4 and 8; seed 004, paras 10-14; seed 003 on a damaged certificate): the customs office's
//! notice to the Precious Metals Department, the Department's expertise and State Control Act,
//! the certificates it issues (its notice of them to customs on export), a damaged Kimberley
//! Process certificate sent back for a duplicate, and a KP certificate's import confirmation
//! coupon returned to the exporting authority. Each has a deadline counted in the
//! local calendar ([`crate::calendar`]; [`crate::assessment::duties`]).

use super::Certificate;
use crate::codes::{ConsignmentId, KeyId, Text};
use crate::time::Timestamp;
use serde::{Deserialize, Serialize};

/// `department_notified`: the customs office notifies the Precious Metals Department that rough
/// diamonds arrived, within one day of their arrival (item 4). Signed by an officer of the
/// office of departure.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DepartmentNotified {
    /// The consignment.
    pub consignment: ConsignmentId,
    /// When the notice was sent.
    pub at: Timestamp,
    /// The notifying officer.
    pub officer: KeyId,
    /// The notice's number, or how it was sent.
    pub reference: Text,
}

/// `expertise_concluded`: the Department's expertise (identification) of the goods, concluded
/// within three working days (seed 004, para 10); the expert conclusion is one of the documents
/// the State Control Act is drawn from.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExpertiseConcluded {
    /// The consignment.
    pub consignment: ConsignmentId,
    /// When the conclusion was signed.
    pub at: Timestamp,
    /// The Department's official.
    pub officer: KeyId,
    /// The expert conclusion's number.
    pub conclusion: Text,
}

/// `state_control_act_drawn`: the State Control Act, drawn up within one working day of the
/// documents (the expert conclusion last) and kept in a register; it says whether the goods
/// conform to the contract and documents (seed 004, paras 12-14). Goods that do not conform are
/// sent back.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StateControlActDrawn {
    /// The consignment.
    pub consignment: ConsignmentId,
    /// When the act was drawn up.
    pub at: Timestamp,
    /// The state controller.
    pub officer: KeyId,
    /// Its number in the register of acts.
    pub register_number: Text,
    /// Whether the goods conform to the contract and the documents.
    pub goods_conform: bool,
}

/// `certificates_issued`: the State Control Certificates and Kimberley Process certificates the
/// Department issued for the consignment, recorded so that the reconciliation counts them (item
/// 8); on export this is the Department's notice to customs, due within one day of issue (item
/// 4).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CertificatesIssued {
    /// The consignment.
    pub consignment: ConsignmentId,
    /// When the notice was given.
    pub at: Timestamp,
    /// The Department's official.
    pub officer: KeyId,
    /// The certificates issued.
    pub certificates: Vec<Certificate>,
}

/// `kpc_returned`: a damaged Kimberley Process certificate (erasures, stains, uncertified
/// corrections, missing signatures or seals) returned for a duplicate, within five working
/// days of the damage being found (seed 003).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct KpcReturned {
    /// The consignment.
    pub consignment: ConsignmentId,
    /// When it was sent back.
    pub at: Timestamp,
    /// The officer who sent it.
    pub officer: KeyId,
    /// The certificate's number.
    pub certificate: Text,
    /// When the damage was found.
    pub found_damaged_at: Timestamp,
    /// What was wrong with it.
    pub damage: Text,
}

/// `kp_coupon_returned`: the import confirmation coupon of a Kimberley Process certificate,
/// filled in by the importing authority and returned to the exporting authority (seed 003,
/// section C).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct KpCouponReturned {
    /// The consignment.
    pub consignment: ConsignmentId,
    /// When it was sent.
    pub at: Timestamp,
    /// The officer who sent it.
    pub officer: KeyId,
    /// The certificate's number.
    pub certificate: Text,
    /// The exporting authority it went to.
    pub sent_to: Text,
}
