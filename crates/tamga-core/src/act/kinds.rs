//! The act kinds, one struct each, and the parts they are made of.

use crate::codes::Role;
use crate::codes::{
    ConsignmentId, CountryCode, HsCode, KeyId, SealNumber, Sha256Hex, Text, UnitCode,
};
use crate::id::ActId;
use crate::quantity::{decimal_string, Mass, Money, Quantity};
use crate::time::Timestamp;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

/// Direction of the movement across the customs border.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Direction {
    /// Goods entering the country.
    Import,
    /// Goods leaving the country.
    Export,
    /// Goods crossing the country in transit.
    Transit,
}

/// A consignor or consignee.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Trader {
    /// Registered name.
    pub name: Text,
    /// Country of registration.
    pub country: CountryCode,
    /// Taxpayer or registration number, where known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub registration: Option<Text>,
}

/// One line of goods as declared.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GoodsLine {
    /// HS commodity code.
    pub hs_code: HsCode,
    /// Description as declared.
    pub description: Text,
    /// Quantity in the line's unit (carats for stones, grams for metals).
    pub quantity: Quantity,
    /// Net mass.
    pub net_mass: Mass,
    /// Gross mass, packaging included.
    pub gross_mass: Mass,
    /// Customs value.
    pub value: Money,
}

/// The kind of an accompanying certificate.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CertificateKind {
    /// The Precious Metals Department's State Control Certificate.
    StateControl,
    /// A Kimberley Process certificate for rough diamonds.
    KimberleyProcess,
}

/// A certificate travelling with the goods.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Certificate {
    /// Which certificate.
    pub kind: CertificateKind,
    /// Its number as printed.
    pub number: Text,
    /// The issuing country.
    pub issued_by: CountryCode,
    /// Date of issue.
    pub issued_at: Timestamp,
    /// What a Kimberley Process certificate states beyond its number, issuer and date (the KP
    /// minimum requirements); only on a `kimberley_process` certificate. A KP certificate
    /// registered without it is reported as incomplete.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kp: Option<KpContents>,
}

/// The contents of a Kimberley Process certificate, as the KP minimum requirements list them
/// (the US rule 31 CFR 592.307 lists the same): who issued it and until when it is valid, who
/// exports and imports, and what it certifies.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct KpContents {
    /// The exporting participant's issuing authority, as printed.
    pub authority: Text,
    /// Valid until (the expiry date printed on it).
    pub expires_at: Timestamp,
    /// The exporter.
    pub exporter: Trader,
    /// The importer.
    pub importer: Trader,
    /// Carats certified.
    #[serde(with = "decimal_string")]
    pub carats: Decimal,
    /// Their value in US dollars.
    #[serde(with = "decimal_string")]
    pub value_usd: Decimal,
    /// Number of parcels.
    pub parcels: u32,
    /// The HS subheadings certified: rough diamonds only (like `710231`).
    pub hs_codes: Vec<HsCode>,
}

/// `consignment_registered`: the office of departure takes the consignment under customs
/// control for transit under escort. Signed by the registering officer.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConsignmentRegistered {
    /// The consignment's id, used by every later act.
    pub consignment: ConsignmentId,
    /// When it was registered.
    pub at: Timestamp,
    /// The registering officer.
    pub officer: KeyId,
    /// The transit declaration's reference.
    pub declaration: Text,
    /// Import, export or transit.
    pub direction: Direction,
    /// Who sends the goods.
    pub consignor: Trader,
    /// Who receives them.
    pub consignee: Trader,
    /// The goods, line by line.
    pub goods: Vec<GoodsLine>,
    /// Number of packages (places), e.g. sealed safe-bags.
    pub packages: u32,
    /// Certificates accompanying the goods.
    pub certificates: Vec<Certificate>,
    /// Where transit starts.
    pub office_of_departure: UnitCode,
    /// Where transit ends.
    pub office_of_destination: UnitCode,
    /// The planned posts in order, first the office of departure, last the office of
    /// destination.
    pub route: Vec<UnitCode>,
    /// The delivery deadline set by the office of departure (Customs Code art. 36, 138).
    pub delivery_deadline: Timestamp,
    /// The carrier, who answers for the goods in transit (Customs Code art. 39).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub carrier: Option<Trader>,
    /// The documents that travel with the goods (art. 36), checked at delivery.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub documents: Vec<AccompanyingDocument>,
    /// The corridor on the map the vehicle is to keep to, if one is set.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub corridor: Option<super::Corridor>,
}

/// Where an act was performed: at a post, or on the road.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
pub enum Place {
    /// At a customs post or office.
    Post {
        /// The post's code.
        unit: UnitCode,
    },
    /// Anywhere else, described, optionally with coordinates.
    Road {
        /// Where, in words (road, kilometre, landmark).
        description: Text,
        /// Where, on the map, if known.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        coordinates: Option<Coordinates>,
    },
}

impl Place {
    /// The post, if the act was performed at one.
    pub fn post(&self) -> Option<&UnitCode> {
        match self {
            Place::Post { unit } => Some(unit),
            Place::Road { .. } => None,
        }
    }
}

/// WGS 84 latitude and longitude in decimal degrees, exact.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Coordinates {
    /// Degrees north (negative: south), -90 to 90.
    #[serde(with = "decimal_string")]
    pub latitude: Decimal,
    /// Degrees east (negative: west), -180 to 180.
    #[serde(with = "decimal_string")]
    pub longitude: Decimal,
}

/// The kind of a seal.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SealKind {
    /// A mechanical seal (plastic, lead, cable).
    Mechanical,
    /// A navigation (electronic) seal (Order 79, appendix 19).
    Navigation,
}

/// The state of a seal as an officer found it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SealState {
    /// In place and undamaged, number legible.
    Intact,
    /// In place but damaged.
    Damaged,
    /// Not there.
    Missing,
}

/// What an officer saw of one seal.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SealObservation {
    /// The seal.
    pub seal: SealNumber,
    /// Its state.
    pub state: SealState,
}

/// Why identification means were taken off (Customs Code art. 140, 202).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SealBasis {
    /// With the customs body's permission (the permission's reference is required).
    Permission,
    /// For customs inspection (the inspection order's reference is required).
    Inspection,
    /// Under a real threat of loss of the goods; must be reported as an incident at once.
    ThreatOfLoss,
    /// Under a real threat to life; must be reported as an incident at once.
    ThreatToLife,
}

/// The grounds for removing or replacing a seal.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SealGrounds {
    /// The basis.
    pub basis: SealBasis,
    /// The permission's or order's reference.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reference: Option<Text>,
    /// The `permission_granted` act, for a removal with permission.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub permission: Option<ActId>,
}

/// `seal_applied`: a seal is fixed on the goods or their container.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SealApplied {
    /// The consignment.
    pub consignment: ConsignmentId,
    /// When.
    pub at: Timestamp,
    /// The officer who fixed it.
    pub officer: KeyId,
    /// Where.
    pub place: Place,
    /// The seal's number.
    pub seal: SealNumber,
    /// Mechanical or navigation.
    pub seal_kind: SealKind,
    /// What it is fixed on (safe-bag, container door, ...).
    pub fixed_on: Text,
}

/// `seal_checked`: a seal is inspected at a stop or a post.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SealChecked {
    /// The consignment.
    pub consignment: ConsignmentId,
    /// When.
    pub at: Timestamp,
    /// The officer who checked it.
    pub officer: KeyId,
    /// Where.
    pub place: Place,
    /// The seal.
    pub seal: SealNumber,
    /// What was found.
    pub state: SealState,
    /// Remarks.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<Text>,
}

/// `seal_removed`: a seal is taken off.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SealRemoved {
    /// The consignment.
    pub consignment: ConsignmentId,
    /// When.
    pub at: Timestamp,
    /// The officer who removed it.
    pub officer: KeyId,
    /// Where.
    pub place: Place,
    /// The seal.
    pub seal: SealNumber,
    /// Its state when removed.
    pub state: SealState,
    /// Why.
    pub grounds: SealGrounds,
}

/// `seal_replaced`: a seal is taken off and a new one fixed.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SealReplaced {
    /// The consignment.
    pub consignment: ConsignmentId,
    /// When.
    pub at: Timestamp,
    /// The officer who replaced it.
    pub officer: KeyId,
    /// Where.
    pub place: Place,
    /// The seal taken off.
    pub old_seal: SealNumber,
    /// Its state when taken off.
    pub old_state: SealState,
    /// The seal fixed instead.
    pub new_seal: SealNumber,
    /// The new seal's kind.
    pub new_seal_kind: SealKind,
    /// What the new seal is fixed on.
    pub fixed_on: Text,
    /// Why.
    pub grounds: SealGrounds,
}

/// `escort_assigned`: a crew is assigned to accompany the consignment.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EscortAssigned {
    /// The consignment.
    pub consignment: ConsignmentId,
    /// When.
    pub at: Timestamp,
    /// The officer who assigned the escort.
    pub officer: KeyId,
    /// Where.
    pub place: Place,
    /// The escort unit the crew belongs to.
    pub escort_unit: UnitCode,
    /// The vehicle (registration plate).
    pub vehicle: Text,
    /// The officer in charge of the crew.
    pub officer_in_charge: KeyId,
    /// The crew, officer in charge included.
    pub crew: Vec<KeyId>,
}

/// One side of a handoff: the unit answering for the goods and the officer signing for it.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Custodian {
    /// The post, office or escort unit.
    pub unit: UnitCode,
    /// The officer signing for it.
    pub officer: KeyId,
}

/// `custody_transferred`: the handoff. Signed first by the releasing officer (the offer), then by
/// the receiving officer after checking it (the countersignature).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CustodyTransferred {
    /// The consignment.
    pub consignment: ConsignmentId,
    /// When.
    pub at: Timestamp,
    /// Where.
    pub place: Place,
    /// The previous custody act's id; absent for the first handoff from the office of departure.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub previous: Option<ActId>,
    /// Who hands the goods over.
    pub releasing: Custodian,
    /// Who takes them.
    pub receiving: Custodian,
    /// The seals and their state as both officers observed them.
    pub seals: Vec<SealObservation>,
    /// Packages counted.
    pub packages: u32,
    /// Gross mass weighed.
    pub gross_mass: Mass,
    /// Set when the goods move to another vehicle at this handoff: the crew releasing and the
    /// crew receiving both sign it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub transhipment: Option<Transhipment>,
}

/// The kind of an incident (Customs Code art. 38, 139, 140).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum IncidentKind {
    /// A road accident.
    Accident,
    /// Force majeure.
    ForceMajeure,
    /// Damage to identification means.
    SealDamage,
    /// Leaving the planned route.
    RouteDeviation,
    /// A delay that may break the delivery deadline.
    Delay,
    /// Loss or shortage of goods.
    LossOrShortage,
}

/// `incident_reported`: what happened, where and when.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IncidentReported {
    /// The consignment.
    pub consignment: ConsignmentId,
    /// When it was reported.
    pub at: Timestamp,
    /// The reporting officer.
    pub officer: KeyId,
    /// Where the goods are.
    pub place: Place,
    /// When it happened, if before it was reported.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub happened_at: Option<Timestamp>,
    /// What kind of incident.
    pub incident: IncidentKind,
    /// What happened.
    pub description: Text,
    /// Seals affected, if any.
    pub seals: Vec<SealNumber>,
    /// SHA-256 hashes of attached photos or documents.
    pub attachments: Vec<Sha256Hex>,
}

/// One position fix.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Position {
    /// When the fix was taken.
    pub at: Timestamp,
    /// Where.
    pub coordinates: Coordinates,
}

/// `position_reported`: a batch of positions along the way.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PositionReported {
    /// The consignment.
    pub consignment: ConsignmentId,
    /// When the batch was signed.
    pub at: Timestamp,
    /// The escort officer or device key signing the batch.
    pub officer: KeyId,
    /// The fixes, oldest first.
    pub positions: Vec<Position>,
}

/// `arrival_notified`: the goods are presented at the office of destination (Customs Code
/// art. 140: within 30 minutes of arrival, or of the start of working hours).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ArrivalNotified {
    /// The consignment.
    pub consignment: ConsignmentId,
    /// When arrival was notified.
    pub at: Timestamp,
    /// The notifying officer.
    pub officer: KeyId,
    /// Where (the office of destination).
    pub place: Place,
    /// When the goods arrived.
    pub arrived_at: Timestamp,
    /// If they arrived outside working hours: when working hours began.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub working_hours_began_at: Option<Timestamp>,
}

/// `consignment_delivered`: transit ends at the office of destination.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConsignmentDelivered {
    /// The consignment.
    pub consignment: ConsignmentId,
    /// When.
    pub at: Timestamp,
    /// The officer of the office of destination.
    pub officer: KeyId,
    /// Where.
    pub place: Place,
    /// The seals as verified at delivery.
    pub seals: Vec<SealObservation>,
    /// Packages counted.
    pub packages: u32,
    /// Gross mass weighed.
    pub gross_mass: Mass,
    /// Net mass re-weighed, in the goods' own unit (carats for stones, grams for metals).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub net_mass: Option<Mass>,
    /// What is short, if the delivery is partial.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shortage: Option<Shortage>,
    /// The accompanying documents as found.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub documents: Vec<DocumentCheck>,
}

/// `discrepancy_resolved`: central staff close a discrepancy.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DiscrepancyResolved {
    /// The consignment.
    pub consignment: ConsignmentId,
    /// When.
    pub at: Timestamp,
    /// The staff member.
    pub officer: KeyId,
    /// The discrepancy's id, as the assessment gives it.
    pub discrepancy: crate::codes::DiscrepancyId,
    /// Why it is closed.
    pub reason: Text,
    /// The supervisor who gives the second signature: required to close a critical discrepancy
    /// (the two-person rule), another person than `officer`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub supervisor: Option<KeyId>,
}

/// Who holds an enrolled key.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Holder {
    /// The officer's full name, or the device's name.
    pub name: Text,
    /// The officer's personal number (the number on their personal seal), for officers.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub personal_number: Option<Text>,
}

/// `key_enrolled`: the authority (its root key or a registrar) enrolls a key.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct KeyEnrolled {
    /// When.
    pub at: Timestamp,
    /// The key that signs this act: the customs authority's root key, or a registrar key the
    /// root enrolled.
    pub authority: KeyId,
    /// The key enrolled.
    pub key: KeyId,
    /// Who holds it.
    pub holder: Holder,
    /// In what role.
    pub role: Role,
    /// For which post, office or escort unit.
    pub unit: UnitCode,
    /// Valid from (inclusive).
    pub valid_from: Timestamp,
    /// Valid until (exclusive).
    pub valid_until: Timestamp,
    /// The paper record this enrollment carries over (register and entry, as the paper says
    /// it). Only such a migration may start its validity before the act: any other enrollment
    /// is valid from its own time on at the earliest.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub migrated_from: Option<Text>,
}

/// `key_revoked`: the authority (its root key or a registrar) revokes a key from a given time
/// on.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct KeyRevoked {
    /// When.
    pub at: Timestamp,
    /// The key that signs this act: the root key, or a registrar key (which may not revoke a
    /// registrar).
    pub authority: KeyId,
    /// The key revoked.
    pub key: KeyId,
    /// Acts by this key dated at or after this time are invalid.
    pub effective_from: Timestamp,
    /// Why.
    pub reason: Text,
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
    pub seal: SealNumber,
    /// Mechanical or navigation.
    pub seal_kind: SealKind,
    /// What it is fixed on.
    pub fixed_on: Text,
}
