//! The acts: every fact with legal weight, as the customs workflow names it.
//!
//! An [`ActBody`] is what officers sign. It is immutable once signed and identified by the hash
//! of its canonical encoding ([`crate::canonical`]). Consignment acts belong to one consignment;
//! registry acts (enrollments, revocations and the lists of [`lists`]) are signed by the customs
//! authority and belong to the registry.
//!
//! - [`kinds`]: one struct per act kind, named in the domain's words, and the parts they are
//!   made of (goods lines, certificates, places, seals, custodians, positions, holders).
//! - [`amendments`]: permissions, corrections, escort changes, deadline extensions.
//! - [`outcomes`]: incident follow-ups, refusal and return.
//! - [`control`]: the notices, expertise, State Control Act and certificates that follow the
//!   arrival of precious goods.
//! - [`road`]: the corridor a consignment keeps to, and navigation seals' events.
//! - [`lists`]: lists the authority keeps in the registry (the KP participants, each year's
//!   working calendar, the post register).
//! - [`check`]: the content rules an act keeps beyond its fields' syntax.

mod amendments;
mod check;
mod control;
mod kinds;
mod lists;
mod outcomes;
mod road;

pub use amendments::*;
pub use check::ContentError;
pub use control::*;
pub use kinds::*;
pub use lists::*;
pub use outcomes::*;
pub use road::*;

use crate::codes::{ConsignmentId, KeyId};
use crate::time::Timestamp;
use serde::{Deserialize, Serialize};

/// The most positions one `position_reported` act may carry.
pub const MAX_POSITIONS_PER_ACT: usize = 1000;
/// The most goods lines, seals, crew members or attachments one act may carry.
pub const MAX_LIST_LEN: usize = 200;
/// The most participants a Kimberley Process participants list may name (the scheme has about
/// sixty, one of them the European Union).
pub const MAX_PARTICIPANTS: usize = 300;

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
    /// A customs body permits a seal removal, a correction, a transhipment or a return.
    PermissionGranted(PermissionGranted),
    /// An earlier act is corrected by a new one that names it.
    ActCorrected(ActCorrected),
    /// The escort crew, its officer in charge or its vehicle changes.
    EscortChanged(EscortChanged),
    /// The delivery deadline is extended after an incident.
    DeadlineExtended(DeadlineExtended),
    /// A customs body follows up an incident.
    IncidentFollowedUp(IncidentFollowedUp),
    /// The office of destination refuses the goods.
    DeliveryRefused(DeliveryRefused),
    /// Transit ends back at the office of departure.
    ConsignmentReturned(ConsignmentReturned),
    /// The customs office notifies the Department that rough diamonds arrived.
    DepartmentNotified(DepartmentNotified),
    /// The Department concludes its expertise of the goods.
    ExpertiseConcluded(ExpertiseConcluded),
    /// The Department draws up the State Control Act.
    StateControlActDrawn(StateControlActDrawn),
    /// The Department records the certificates it issued.
    CertificatesIssued(CertificatesIssued),
    /// A damaged KP certificate is sent back for a duplicate.
    KpcReturned(KpcReturned),
    /// A KP certificate's import confirmation coupon is returned to the exporting authority.
    KpCouponReturned(KpCouponReturned),
    /// A navigation seal operator reports its seals' events on the consignment.
    SealEventsReported(SealEventsReported),
    /// The authority enrolls a key with a role, unit and validity.
    KeyEnrolled(KeyEnrolled),
    /// The authority revokes a key from a given time.
    KeyRevoked(KeyRevoked),
    /// The authority lists the Kimberley Process participants from a given time.
    KpParticipantsListed(KpParticipantsListed),
    /// The authority publishes a year's working calendar.
    CalendarPublished(CalendarPublished),
    /// The authority registers a post: its name, time zone and working hours.
    PostRegistered(PostRegistered),
}

/// Which part of the system an act belongs to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Subject<'a> {
    /// A consignment's document.
    Consignment(&'a ConsignmentId),
    /// The registry document.
    Registry,
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
            ActBody::PermissionGranted(_) => "permission_granted",
            ActBody::ActCorrected(_) => "act_corrected",
            ActBody::EscortChanged(_) => "escort_changed",
            ActBody::DeadlineExtended(_) => "deadline_extended",
            ActBody::IncidentFollowedUp(_) => "incident_followed_up",
            ActBody::DeliveryRefused(_) => "delivery_refused",
            ActBody::ConsignmentReturned(_) => "consignment_returned",
            ActBody::DepartmentNotified(_) => "department_notified",
            ActBody::ExpertiseConcluded(_) => "expertise_concluded",
            ActBody::StateControlActDrawn(_) => "state_control_act_drawn",
            ActBody::CertificatesIssued(_) => "certificates_issued",
            ActBody::KpcReturned(_) => "kpc_returned",
            ActBody::KpCouponReturned(_) => "kp_coupon_returned",
            ActBody::SealEventsReported(_) => "seal_events_reported",
            ActBody::KeyEnrolled(_) => "key_enrolled",
            ActBody::KeyRevoked(_) => "key_revoked",
            ActBody::KpParticipantsListed(_) => "kp_participants_listed",
            ActBody::CalendarPublished(_) => "calendar_published",
            ActBody::PostRegistered(_) => "post_registered",
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
            ActBody::PermissionGranted(a) => a.at,
            ActBody::ActCorrected(a) => a.at,
            ActBody::EscortChanged(a) => a.at,
            ActBody::DeadlineExtended(a) => a.at,
            ActBody::IncidentFollowedUp(a) => a.at,
            ActBody::DeliveryRefused(a) => a.at,
            ActBody::ConsignmentReturned(a) => a.at,
            ActBody::DepartmentNotified(a) => a.at,
            ActBody::ExpertiseConcluded(a) => a.at,
            ActBody::StateControlActDrawn(a) => a.at,
            ActBody::CertificatesIssued(a) => a.at,
            ActBody::KpcReturned(a) => a.at,
            ActBody::KpCouponReturned(a) => a.at,
            ActBody::SealEventsReported(a) => a.at,
            ActBody::KeyEnrolled(a) => a.at,
            ActBody::KeyRevoked(a) => a.at,
            ActBody::KpParticipantsListed(a) => a.at,
            ActBody::CalendarPublished(a) => a.at,
            ActBody::PostRegistered(a) => a.at,
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
            ActBody::PermissionGranted(a) => Subject::Consignment(&a.consignment),
            ActBody::ActCorrected(a) => Subject::Consignment(&a.consignment),
            ActBody::EscortChanged(a) => Subject::Consignment(&a.consignment),
            ActBody::DeadlineExtended(a) => Subject::Consignment(&a.consignment),
            ActBody::IncidentFollowedUp(a) => Subject::Consignment(&a.consignment),
            ActBody::DeliveryRefused(a) => Subject::Consignment(&a.consignment),
            ActBody::ConsignmentReturned(a) => Subject::Consignment(&a.consignment),
            ActBody::DepartmentNotified(a) => Subject::Consignment(&a.consignment),
            ActBody::ExpertiseConcluded(a) => Subject::Consignment(&a.consignment),
            ActBody::StateControlActDrawn(a) => Subject::Consignment(&a.consignment),
            ActBody::CertificatesIssued(a) => Subject::Consignment(&a.consignment),
            ActBody::KpcReturned(a) => Subject::Consignment(&a.consignment),
            ActBody::KpCouponReturned(a) => Subject::Consignment(&a.consignment),
            ActBody::SealEventsReported(a) => Subject::Consignment(&a.consignment),
            ActBody::KeyEnrolled(_)
            | ActBody::KeyRevoked(_)
            | ActBody::KpParticipantsListed(_)
            | ActBody::CalendarPublished(_)
            | ActBody::PostRegistered(_) => Subject::Registry,
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
            ActBody::PermissionGranted(a) => Some(&a.place),
            ActBody::EscortChanged(a) => Some(&a.place),
            ActBody::IncidentFollowedUp(a) => Some(&a.place),
            ActBody::DeliveryRefused(a) => Some(&a.place),
            ActBody::ConsignmentReturned(a) => Some(&a.place),
            ActBody::ConsignmentRegistered(_)
            | ActBody::ActCorrected(_)
            | ActBody::DeadlineExtended(_)
            | ActBody::PositionReported(_)
            | ActBody::DiscrepancyResolved(_)
            | ActBody::DepartmentNotified(_)
            | ActBody::ExpertiseConcluded(_)
            | ActBody::StateControlActDrawn(_)
            | ActBody::CertificatesIssued(_)
            | ActBody::KpcReturned(_)
            | ActBody::KpCouponReturned(_)
            | ActBody::SealEventsReported(_)
            | ActBody::KeyEnrolled(_)
            | ActBody::KeyRevoked(_)
            | ActBody::KpParticipantsListed(_)
            | ActBody::CalendarPublished(_)
            | ActBody::PostRegistered(_) => None,
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
            ActBody::DiscrepancyResolved(a) => std::iter::once(&a.officer)
                .chain(a.supervisor.as_ref())
                .collect(),
            ActBody::PermissionGranted(a) => vec![&a.officer],
            ActBody::ActCorrected(a) => vec![&a.officer],
            ActBody::EscortChanged(a) => vec![&a.officer],
            ActBody::DeadlineExtended(a) => vec![&a.officer],
            ActBody::IncidentFollowedUp(a) => vec![&a.officer],
            ActBody::DeliveryRefused(a) => vec![&a.officer],
            ActBody::ConsignmentReturned(a) => vec![&a.officer],
            ActBody::DepartmentNotified(a) => vec![&a.officer],
            ActBody::ExpertiseConcluded(a) => vec![&a.officer],
            ActBody::StateControlActDrawn(a) => vec![&a.officer],
            ActBody::CertificatesIssued(a) => vec![&a.officer],
            ActBody::KpcReturned(a) => vec![&a.officer],
            ActBody::KpCouponReturned(a) => vec![&a.officer],
            ActBody::SealEventsReported(a) => vec![&a.operator],
            ActBody::KeyEnrolled(a) => vec![&a.authority],
            ActBody::KeyRevoked(a) => vec![&a.authority],
            ActBody::KpParticipantsListed(a) => vec![&a.authority],
            ActBody::CalendarPublished(a) => vec![&a.authority],
            ActBody::PostRegistered(a) => vec![&a.authority],
        }
    }
}
