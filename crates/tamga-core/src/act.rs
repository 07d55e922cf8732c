//! The acts: every fact with legal weight, as the customs workflow names it.
//!
//! An [`ActBody`] is what officers sign. It is immutable once signed and identified by the hash
//! of its canonical encoding ([`crate::canonical`]). Consignment acts belong to one consignment;
//! registry acts ([`ActBody::KeyEnrolled`], [`ActBody::KeyRevoked`]) are signed by the customs
//! authority and belong to the registry.

use crate::canonical::ActId;
use crate::codes::{
    ConsignmentId, CountryCode, HsCode, KeyId, SealNumber, Sha256Hex, Text, UnitCode,
};
use crate::quantity::{decimal_string, Mass, Money, Quantity};
use crate::registry::Role;
use crate::time::Timestamp;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

/// The most positions one `position_reported` act may carry.
pub const MAX_POSITIONS_PER_ACT: usize = 1000;
/// The most goods lines, seals, crew members or attachments one act may carry.
pub const MAX_LIST_LEN: usize = 200;

/// Everything an act can say. The `kind` field of the encoding names the variant.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum ActBody {
    /// The office of departure registers a consignment for transit under escort.
    ConsignmentRegistered(ConsignmentRegistered),
    /// A seal (identification means) is fixed.
    SealApplied(SealApplied),
    /// A seal is inspected and its state recorded.
    SealChecked(SealChecked),
    /// A seal is taken off.
    SealRemoved(SealRemoved),
    /// A seal is taken off and another fixed in its place.
    SealReplaced(SealReplaced),
    /// An escort crew is assigned to the consignment.
    EscortAssigned(EscortAssigned),
    /// Custody passes from one party to another; signed by both officers.
    CustodyTransferred(CustodyTransferred),
    /// Something happened on the way that customs must know of.
    IncidentReported(IncidentReported),
    /// Positions along the way, in a batch.
    PositionReported(PositionReported),
    /// The goods are presented at the office of destination and their arrival notified.
    ArrivalNotified(ArrivalNotified),
    /// Transit ends: the office of destination takes delivery.
    ConsignmentDelivered(ConsignmentDelivered),
    /// Central staff close a discrepancy with a reason.
    DiscrepancyResolved(DiscrepancyResolved),
    /// The authority enrolls a key with a role, unit and validity.
    KeyEnrolled(KeyEnrolled),
    /// The authority revokes a key from a given time.
    KeyRevoked(KeyRevoked),
}

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
    pub discrepancy: crate::assessment::DiscrepancyId,
    /// Why it is closed.
    pub reason: Text,
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

/// `key_enrolled`: the authority enrolls a key.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct KeyEnrolled {
    /// When.
    pub at: Timestamp,
    /// The authority's key, which signs this act.
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
}

/// `key_revoked`: the authority revokes a key from a given time on.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct KeyRevoked {
    /// When.
    pub at: Timestamp,
    /// The authority's key, which signs this act.
    pub authority: KeyId,
    /// The key revoked.
    pub key: KeyId,
    /// Acts by this key dated at or after this time are invalid.
    pub effective_from: Timestamp,
    /// Why.
    pub reason: Text,
}

/// Which part of the system an act belongs to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Subject<'a> {
    /// A consignment's document.
    Consignment(&'a ConsignmentId),
    /// The registry document.
    Registry,
}

/// Why an act's content was refused although it decoded.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{field}: {problem}")]
pub struct ContentError {
    /// The field at fault.
    pub field: String,
    /// What is wrong with it.
    pub problem: String,
}

fn content_error(field: &str, problem: impl Into<String>) -> ContentError {
    ContentError {
        field: field.to_owned(),
        problem: problem.into(),
    }
}

fn check_len<T>(field: &str, list: &[T], min: usize, max: usize) -> Result<(), ContentError> {
    if list.len() < min || list.len() > max {
        return Err(content_error(
            field,
            format!(
                "has {} entries; between {min} and {max} allowed",
                list.len()
            ),
        ));
    }
    Ok(())
}

fn check_positive(field: &str, value: &Decimal) -> Result<(), ContentError> {
    if value.is_sign_negative() || value.is_zero() {
        return Err(content_error(
            field,
            format!("must be above zero, is {value}"),
        ));
    }
    Ok(())
}

fn check_reference(field: &str, grounds: &SealGrounds) -> Result<(), ContentError> {
    let needs_reference = matches!(grounds.basis, SealBasis::Permission | SealBasis::Inspection);
    if needs_reference && grounds.reference.is_none() {
        return Err(content_error(
            field,
            "a permission or inspection needs its reference",
        ));
    }
    Ok(())
}

fn check_place(field: &str, place: &Place) -> Result<(), ContentError> {
    match place {
        Place::Road {
            coordinates: Some(c),
            ..
        } => check_coordinates(field, c),
        _ => Ok(()),
    }
}

fn check_coordinates(field: &str, c: &Coordinates) -> Result<(), ContentError> {
    if c.latitude.abs() > Decimal::from(90) || c.longitude.abs() > Decimal::from(180) {
        return Err(content_error(
            field,
            format!(
                "coordinates {}, {} are off the globe",
                c.latitude, c.longitude
            ),
        ));
    }
    Ok(())
}

fn check_unique<T: Ord>(field: &str, items: impl Iterator<Item = T>) -> Result<(), ContentError> {
    let mut seen = std::collections::BTreeSet::new();
    for item in items {
        if !seen.insert(item) {
            return Err(content_error(field, "lists the same entry twice"));
        }
    }
    Ok(())
}

impl ActBody {
    /// The act's kind as written in the encoding (`custody_transferred`, ...).
    pub fn kind(&self) -> &'static str {
        match self {
            ActBody::ConsignmentRegistered(_) => "consignment_registered",
            ActBody::SealApplied(_) => "seal_applied",
            ActBody::SealChecked(_) => "seal_checked",
            ActBody::SealRemoved(_) => "seal_removed",
            ActBody::SealReplaced(_) => "seal_replaced",
            ActBody::EscortAssigned(_) => "escort_assigned",
            ActBody::CustodyTransferred(_) => "custody_transferred",
            ActBody::IncidentReported(_) => "incident_reported",
            ActBody::PositionReported(_) => "position_reported",
            ActBody::ArrivalNotified(_) => "arrival_notified",
            ActBody::ConsignmentDelivered(_) => "consignment_delivered",
            ActBody::DiscrepancyResolved(_) => "discrepancy_resolved",
            ActBody::KeyEnrolled(_) => "key_enrolled",
            ActBody::KeyRevoked(_) => "key_revoked",
        }
    }

    /// When the act was performed.
    pub fn at(&self) -> Timestamp {
        match self {
            ActBody::ConsignmentRegistered(a) => a.at,
            ActBody::SealApplied(a) => a.at,
            ActBody::SealChecked(a) => a.at,
            ActBody::SealRemoved(a) => a.at,
            ActBody::SealReplaced(a) => a.at,
            ActBody::EscortAssigned(a) => a.at,
            ActBody::CustodyTransferred(a) => a.at,
            ActBody::IncidentReported(a) => a.at,
            ActBody::PositionReported(a) => a.at,
            ActBody::ArrivalNotified(a) => a.at,
            ActBody::ConsignmentDelivered(a) => a.at,
            ActBody::DiscrepancyResolved(a) => a.at,
            ActBody::KeyEnrolled(a) => a.at,
            ActBody::KeyRevoked(a) => a.at,
        }
    }

    /// The consignment or the registry.
    pub fn subject(&self) -> Subject<'_> {
        match self {
            ActBody::ConsignmentRegistered(a) => Subject::Consignment(&a.consignment),
            ActBody::SealApplied(a) => Subject::Consignment(&a.consignment),
            ActBody::SealChecked(a) => Subject::Consignment(&a.consignment),
            ActBody::SealRemoved(a) => Subject::Consignment(&a.consignment),
            ActBody::SealReplaced(a) => Subject::Consignment(&a.consignment),
            ActBody::EscortAssigned(a) => Subject::Consignment(&a.consignment),
            ActBody::CustodyTransferred(a) => Subject::Consignment(&a.consignment),
            ActBody::IncidentReported(a) => Subject::Consignment(&a.consignment),
            ActBody::PositionReported(a) => Subject::Consignment(&a.consignment),
            ActBody::ArrivalNotified(a) => Subject::Consignment(&a.consignment),
            ActBody::ConsignmentDelivered(a) => Subject::Consignment(&a.consignment),
            ActBody::DiscrepancyResolved(a) => Subject::Consignment(&a.consignment),
            ActBody::KeyEnrolled(_) | ActBody::KeyRevoked(_) => Subject::Registry,
        }
    }

    /// The consignment this act belongs to, if it is a consignment act.
    pub fn consignment(&self) -> Option<&ConsignmentId> {
        match self.subject() {
            Subject::Consignment(id) => Some(id),
            Subject::Registry => None,
        }
    }

    /// The place the act was performed, where it names one.
    pub fn place(&self) -> Option<&Place> {
        match self {
            ActBody::SealApplied(a) => Some(&a.place),
            ActBody::SealChecked(a) => Some(&a.place),
            ActBody::SealRemoved(a) => Some(&a.place),
            ActBody::SealReplaced(a) => Some(&a.place),
            ActBody::EscortAssigned(a) => Some(&a.place),
            ActBody::CustodyTransferred(a) => Some(&a.place),
            ActBody::IncidentReported(a) => Some(&a.place),
            ActBody::ArrivalNotified(a) => Some(&a.place),
            ActBody::ConsignmentDelivered(a) => Some(&a.place),
            ActBody::ConsignmentRegistered(_)
            | ActBody::PositionReported(_)
            | ActBody::DiscrepancyResolved(_)
            | ActBody::KeyEnrolled(_)
            | ActBody::KeyRevoked(_) => None,
        }
    }

    /// The keys that must sign this act, in signature order. A handoff needs the releasing
    /// officer first and the receiving officer second; every other act one signer.
    pub fn required_signers(&self) -> Vec<&KeyId> {
        match self {
            ActBody::ConsignmentRegistered(a) => vec![&a.officer],
            ActBody::SealApplied(a) => vec![&a.officer],
            ActBody::SealChecked(a) => vec![&a.officer],
            ActBody::SealRemoved(a) => vec![&a.officer],
            ActBody::SealReplaced(a) => vec![&a.officer],
            ActBody::EscortAssigned(a) => vec![&a.officer],
            ActBody::CustodyTransferred(a) => vec![&a.releasing.officer, &a.receiving.officer],
            ActBody::IncidentReported(a) => vec![&a.officer],
            ActBody::PositionReported(a) => vec![&a.officer],
            ActBody::ArrivalNotified(a) => vec![&a.officer],
            ActBody::ConsignmentDelivered(a) => vec![&a.officer],
            ActBody::DiscrepancyResolved(a) => vec![&a.officer],
            ActBody::KeyEnrolled(a) => vec![&a.authority],
            ActBody::KeyRevoked(a) => vec![&a.authority],
        }
    }

    /// Checks the rules a well-formed act of this kind keeps, beyond field syntax: list sizes,
    /// positive masses, a route that starts and ends where transit does, distinct parties in a
    /// handoff, and so on.
    pub fn check_content(&self) -> Result<(), ContentError> {
        match self {
            ActBody::ConsignmentRegistered(a) => {
                check_len("goods", &a.goods, 1, MAX_LIST_LEN)?;
                check_len("certificates", &a.certificates, 0, MAX_LIST_LEN)?;
                check_len("route", &a.route, 2, MAX_LIST_LEN)?;
                for (i, line) in a.goods.iter().enumerate() {
                    check_positive(&format!("goods[{i}].quantity"), &line.quantity.value)?;
                    check_positive(&format!("goods[{i}].net_mass"), &line.net_mass.value)?;
                    check_positive(&format!("goods[{i}].gross_mass"), &line.gross_mass.value)?;
                    if line.value.amount.is_sign_negative() {
                        return Err(content_error(
                            &format!("goods[{i}].value"),
                            "must not be negative",
                        ));
                    }
                    match (line.net_mass.in_grams(), line.gross_mass.in_grams()) {
                        (Some(net), Some(gross)) if net <= gross => {}
                        _ => {
                            return Err(content_error(
                                &format!("goods[{i}].net_mass"),
                                "net mass must not exceed gross mass",
                            ))
                        }
                    }
                }
                if a.packages == 0 {
                    return Err(content_error("packages", "must be at least 1"));
                }
                if a.route.first() != Some(&a.office_of_departure)
                    || a.route.last() != Some(&a.office_of_destination)
                {
                    return Err(content_error(
                        "route",
                        "must start at the office of departure and end at the office of destination",
                    ));
                }
                check_unique("route", a.route.iter())?;
                if a.delivery_deadline <= a.at {
                    return Err(content_error(
                        "delivery_deadline",
                        "must be after the registration time",
                    ));
                }
                Ok(())
            }
            ActBody::SealApplied(a) => check_place("place", &a.place),
            ActBody::SealChecked(a) => check_place("place", &a.place),
            ActBody::SealRemoved(a) => {
                check_place("place", &a.place)?;
                check_reference("grounds", &a.grounds)
            }
            ActBody::SealReplaced(a) => {
                check_place("place", &a.place)?;
                check_reference("grounds", &a.grounds)?;
                if a.old_seal == a.new_seal {
                    return Err(content_error("new_seal", "must differ from old_seal"));
                }
                Ok(())
            }
            ActBody::EscortAssigned(a) => {
                check_place("place", &a.place)?;
                check_len("crew", &a.crew, 1, MAX_LIST_LEN)?;
                check_unique("crew", a.crew.iter())?;
                if !a.crew.contains(&a.officer_in_charge) {
                    return Err(content_error("crew", "must include the officer in charge"));
                }
                Ok(())
            }
            ActBody::CustodyTransferred(a) => {
                check_place("place", &a.place)?;
                check_len("seals", &a.seals, 0, MAX_LIST_LEN)?;
                check_unique("seals", a.seals.iter().map(|s| &s.seal))?;
                check_positive("gross_mass", &a.gross_mass.value)?;
                if a.releasing.officer == a.receiving.officer {
                    return Err(content_error(
                        "receiving",
                        "the releasing and receiving officer must be different people",
                    ));
                }
                Ok(())
            }
            ActBody::IncidentReported(a) => {
                check_place("place", &a.place)?;
                check_len("seals", &a.seals, 0, MAX_LIST_LEN)?;
                check_len("attachments", &a.attachments, 0, MAX_LIST_LEN)
            }
            ActBody::PositionReported(a) => {
                check_len("positions", &a.positions, 1, MAX_POSITIONS_PER_ACT)?;
                for (i, p) in a.positions.iter().enumerate() {
                    check_coordinates(&format!("positions[{i}]"), &p.coordinates)?;
                }
                Ok(())
            }
            ActBody::ArrivalNotified(a) => check_place("place", &a.place),
            ActBody::ConsignmentDelivered(a) => {
                check_place("place", &a.place)?;
                check_len("seals", &a.seals, 0, MAX_LIST_LEN)?;
                check_unique("seals", a.seals.iter().map(|s| &s.seal))?;
                check_positive("gross_mass", &a.gross_mass.value)
            }
            ActBody::DiscrepancyResolved(_) => Ok(()),
            ActBody::KeyEnrolled(a) => {
                if a.valid_until <= a.valid_from {
                    return Err(content_error("valid_until", "must be after valid_from"));
                }
                if a.key == a.authority {
                    return Err(content_error(
                        "key",
                        "the authority key is pinned, not enrolled",
                    ));
                }
                Ok(())
            }
            ActBody::KeyRevoked(_) => Ok(()),
        }
    }
}
