//! Discrepancies: what the assessment found wrong, how bad it is, and the acts that prove it.

use super::words::{say, Words};
use crate::canonical::ActId;
pub use crate::codes::DiscrepancyId;
use crate::codes::KeyId;
use crate::registry::{ActRejection, AuthorizationError};
use crate::signing::SignatureError;
use crate::time::Timestamp;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;

/// How much a discrepancy matters.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    /// Evidence may be forged, goods may be lost or custody is in doubt: act now.
    Critical,
    /// A rule was broken: staff must look at it.
    Major,
    /// Worth noting, likely explained.
    Minor,
}

impl Severity {
    /// The severity's name as the encoding writes it.
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Critical => "critical",
            Severity::Major => "major",
            Severity::Minor => "minor",
        }
    }
}

/// What kind of discrepancy. The names are stable: reports and filters use them.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DiscrepancyKind {
    /// A signature does not verify.
    BadSignature,
    /// A signer was never enrolled.
    UnknownKey,
    /// A signer's enrollment did not cover the act's time.
    ExpiredKey,
    /// A signer's key was revoked before the act's time.
    RevokedKey,
    /// A signer's role (or unit) does not allow the act.
    RoleNotPermitted,
    /// The signer's unit has no such part in the consignment, or signed at another place or
    /// moment than the act allows (see `assessment::permission`).
    NotPermitted,
    /// Acts exist for a consignment that was never (validly) registered.
    MissingRegistration,
    /// The consignment was registered twice with different content.
    ConflictingRegistration,
    /// Two handoffs from the same predecessor.
    CustodyFork,
    /// The receiver of one handoff is not the releaser of the next, or a predecessor is unknown.
    CustodyGap,
    /// A seal number observed that was never applied.
    SealNotApplied,
    /// An applied seal not present where it should be.
    SealMissing,
    /// A seal found damaged.
    SealDamaged,
    /// A seal removed or replaced without permission and without a reported threat.
    SealRemovedWithoutGrounds,
    /// Observations of one seal that cannot both be true (intact after damaged, ...).
    SealStateConflict,
    /// Packages counted differ from packages registered.
    PackageCountMismatch,
    /// Gross mass weighed outside tolerance of the mass registered.
    MassMismatch,
    /// Not delivered by the delivery deadline.
    Overdue,
    /// An act at a post that is not on the planned route.
    OffRoute,
    /// Times that cannot be right (in the future, before registration, out of order).
    ClockAnomaly,
    /// A certificate the goods require is absent.
    MissingCertificate,
    /// Arrival notified later than the rules allow.
    ArrivalNotifiedLate,
    /// Delivered without arrival being notified.
    ArrivalNotNotified,
    /// A handoff to or from an escort unit signed by an officer not in its crew in force.
    NotInCrew,
    /// An accident, force majeure, loss or shortage no customs body has followed up.
    IncidentOpen,
    /// An incident reported longer after it happened than the incident window.
    IncidentReportedLate,
    /// Goods moved to another vehicle without a transhipment permit.
    TranshipmentWithoutPermission,
    /// Delivered with a shortage counted.
    Shortage,
    /// Refused at the office of destination.
    DeliveryRefused,
    /// A registered accompanying document missing or not checked at delivery.
    DocumentMissing,
    /// A goods line or a weighing in a unit that does not fit the goods (carats for stones,
    /// grams for metals).
    GoodsUnitMismatch,
    /// Net mass re-weighed at delivery outside tolerance, in the goods' own unit.
    NetMassMismatch,
    /// A Kimberley Process certificate registered without its contents.
    KpcIncomplete,
    /// A Kimberley Process certificate expired before the goods were registered.
    KpcExpired,
    /// What the Kimberley Process certificates state differs from the rough diamond lines.
    KpcMismatch,
    /// Rough diamonds traded with a country that is not a Kimberley Process participant.
    KpNonParticipant,
    /// A duty with a deadline (a notice, the expertise, the State Control Act, a certificate
    /// sent back) done after it.
    DutyLate,
    /// The State Control Act finds the goods do not conform to the contract and documents.
    GoodsNotConforming,
    /// Central's transparency log first saw the act longer after its time than a node may be
    /// offline: dated earlier than it reached headquarters (raised by central only, from the
    /// log's times: [`crate::transparency::evidence::sighting_discrepancies`]).
    SeenLate,
    /// The act is dated before its signer's revocation but central's log first saw it after the
    /// revocation took effect: signed, or backdated, by a key already revoked (central only).
    SeenAfterRevocation,
    /// Positions in transit outside the corridor set at registration.
    RouteDeviation,
    /// Standing still on the road, away from any registered post, for longer than allowed.
    LongStop,
    /// No position in transit for longer than allowed, on a tracked consignment.
    TrackingGap,
    /// A navigation seal reported opened, neither at the office of destination nor with its
    /// removal on record.
    SealOpened,
    /// A navigation seal reported an attempt on it.
    SealTampered,
    /// A navigation seal reported its battery low.
    SealBatteryLow,
}

impl DiscrepancyKind {
    /// The kind's stable name.
    pub fn as_str(self) -> &'static str {
        use DiscrepancyKind::*;
        match self {
            BadSignature => "bad_signature",
            UnknownKey => "unknown_key",
            ExpiredKey => "expired_key",
            RevokedKey => "revoked_key",
            RoleNotPermitted => "role_not_permitted",
            NotPermitted => "not_permitted",
            MissingRegistration => "missing_registration",
            ConflictingRegistration => "conflicting_registration",
            CustodyFork => "custody_fork",
            CustodyGap => "custody_gap",
            SealNotApplied => "seal_not_applied",
            SealMissing => "seal_missing",
            SealDamaged => "seal_damaged",
            SealRemovedWithoutGrounds => "seal_removed_without_grounds",
            SealStateConflict => "seal_state_conflict",
            PackageCountMismatch => "package_count_mismatch",
            MassMismatch => "mass_mismatch",
            Overdue => "overdue",
            OffRoute => "off_route",
            ClockAnomaly => "clock_anomaly",
            MissingCertificate => "missing_certificate",
            ArrivalNotifiedLate => "arrival_notified_late",
            ArrivalNotNotified => "arrival_not_notified",
            NotInCrew => "not_in_crew",
            IncidentOpen => "incident_open",
            IncidentReportedLate => "incident_reported_late",
            TranshipmentWithoutPermission => "transhipment_without_permission",
            Shortage => "shortage",
            DeliveryRefused => "delivery_refused",
            DocumentMissing => "document_missing",
            GoodsUnitMismatch => "goods_unit_mismatch",
            NetMassMismatch => "net_mass_mismatch",
            KpcIncomplete => "kpc_incomplete",
            KpcExpired => "kpc_expired",
            KpcMismatch => "kpc_mismatch",
            KpNonParticipant => "kp_non_participant",
            DutyLate => "duty_late",
            GoodsNotConforming => "goods_not_conforming",
            SeenLate => "seen_late",
            SeenAfterRevocation => "seen_after_revocation",
            RouteDeviation => "route_deviation",
            LongStop => "long_stop",
            TrackingGap => "tracking_gap",
            SealOpened => "seal_opened",
            SealTampered => "seal_tampered",
            SealBatteryLow => "seal_battery_low",
        }
    }
}

/// How a discrepancy was closed by central staff.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Resolution {
    /// The `discrepancy_resolved` act.
    pub act: ActId,
    /// The staff member.
    pub by: KeyId,
    /// The supervisor who gave the second signature (the two-person rule), if one did.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub supervisor: Option<KeyId>,
    /// When.
    pub at: Timestamp,
    /// Why.
    pub reason: String,
}

/// One thing found wrong.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Discrepancy {
    /// Stable id: SHA-256 over the kind, the subject and the sorted proving act ids, so the same
    /// finding has the same id on every node and in every later assessment.
    pub id: DiscrepancyId,
    /// What kind.
    pub kind: DiscrepancyKind,
    /// How bad.
    pub severity: Severity,
    /// What it is about within the consignment (a seal number, a post), or empty.
    pub subject: String,
    /// What happened, in English: `words` filled into its template's English text.
    pub summary: String,
    /// What happened, as a template's key and its values, for people reading another language
    /// ([`super::words`]).
    #[serde(default)]
    pub words: Words,
    /// The acts that prove it, sorted.
    pub acts: Vec<ActId>,
    /// Set once staff have resolved it.
    pub resolution: Option<Resolution>,
}

/// The id of the discrepancy of `kind` about `subject` proven by `acts`.
pub fn discrepancy_id(kind: DiscrepancyKind, subject: &str, acts: &[ActId]) -> DiscrepancyId {
    let mut sorted = acts.to_vec();
    sorted.sort();
    sorted.dedup();
    let mut hash = Sha256::new();
    hash.update(b"tamga/discrepancy/v1\0");
    hash.update(kind.as_str().as_bytes());
    hash.update([0]);
    hash.update(subject.as_bytes());
    hash.update([0]);
    for act in &sorted {
        hash.update(act.0);
    }
    DiscrepancyId::new(hex::encode(hash.finalize())).expect("hex of a digest")
}

/// Collects discrepancies as the rules find them; the same finding twice is kept once.
#[derive(Default)]
pub(crate) struct Findings(BTreeMap<DiscrepancyId, Discrepancy>);

impl Findings {
    pub fn add(
        &mut self,
        kind: DiscrepancyKind,
        severity: Severity,
        subject: impl Into<String>,
        acts: impl IntoIterator<Item = ActId>,
        words: Words,
    ) {
        let subject = subject.into();
        let mut acts: Vec<ActId> = acts.into_iter().collect();
        acts.sort();
        acts.dedup();
        let id = discrepancy_id(kind, &subject, &acts);
        self.0.entry(id.clone()).or_insert(Discrepancy {
            id,
            kind,
            severity,
            subject,
            summary: words.english(),
            words,
            acts,
            resolution: None,
        });
    }

    /// The severity of the finding `id`, if it was found.
    pub fn severity_of(&self, id: &DiscrepancyId) -> Option<Severity> {
        self.0.get(id).map(|d| d.severity)
    }

    /// The findings, most severe first, then by kind and id.
    pub fn into_sorted(self) -> Vec<Discrepancy> {
        let mut list: Vec<Discrepancy> = self.0.into_values().collect();
        list.sort_by(|a, b| (a.severity, a.kind, &a.id).cmp(&(b.severity, b.kind, &b.id)));
        list
    }
}

/// The words of an act of kind `act_kind` left out for `rejection`: the English is
/// `{act_kind} act {short id} left out: {the rejection}`.
pub(super) fn left_out(act_kind: &str, id: ActId, rejection: &ActRejection) -> Words {
    let act = id.short();
    match rejection {
        ActRejection::Signature(SignatureError::BadKey(key)) => {
            say!(LeftOutBadKey { act_kind, act, key })
        }
        ActRejection::Signature(SignatureError::Invalid { key, act: signed }) => {
            say!(LeftOutBadSignature {
                act_kind,
                act,
                key,
                id: signed,
            })
        }
        ActRejection::Authorization(a) => match a {
            AuthorizationError::UnknownKey { key } => {
                say!(LeftOutUnknownKey { act_kind, act, key })
            }
            AuthorizationError::RevokedKey {
                key,
                effective_from,
                revocation,
                at,
            } => say!(LeftOutRevokedKey {
                act_kind,
                act,
                key,
                revoked_from: effective_from,
                revocation,
                at,
            }),
            AuthorizationError::ExpiredKey {
                key,
                at,
                valid_from,
                valid_until,
            } => say!(LeftOutExpiredKey {
                act_kind,
                act,
                key,
                at,
                valid_from,
                valid_until,
            }),
            AuthorizationError::RoleNotPermitted { key, role, kind } => {
                say!(LeftOutRoleNotPermitted {
                    act_kind,
                    act,
                    key,
                    role,
                    signed_act_kind: kind,
                })
            }
            AuthorizationError::UnitMismatch {
                key,
                claimed,
                enrolled,
            } => say!(LeftOutUnitMismatch {
                act_kind,
                act,
                key,
                claimed,
                enrolled,
            }),
            AuthorizationError::SamePerson { first, second } => say!(LeftOutSamePerson {
                act_kind,
                act,
                first,
                second,
            }),
            // Registry acts belong to no consignment: they are left out of its assessment
            // before they are verified, so this is said in English alone.
            AuthorizationError::Registry(e) => say!(LeftOutRegistry {
                act_kind,
                act,
                reason: e,
            }),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fixtures::{at, unit, Story};
    use crate::registry::RegistryError;

    #[test]
    fn the_words_of_an_act_left_out_say_what_its_rejection_says() {
        let story = Story::new();
        let key = story.escort_lead.id.clone();
        let other = story.supervisor.id.clone();
        let id = ActId::from_hex(&"ab".repeat(32)).unwrap();
        let revocation = ActId::from_hex(&"cd".repeat(32)).unwrap();
        let (then, later) = (at("2026-11-23T06:00:00Z"), at("2026-11-24T06:00:00Z"));
        let authorization = [
            AuthorizationError::UnknownKey { key: key.clone() },
            AuthorizationError::RevokedKey {
                key: key.clone(),
                effective_from: then,
                revocation,
                at: later,
            },
            AuthorizationError::ExpiredKey {
                key: key.clone(),
                at: later,
                valid_from: then,
                valid_until: then,
            },
            AuthorizationError::RoleNotPermitted {
                key: key.clone(),
                role: "escort_officer",
                kind: "consignment_registered",
            },
            AuthorizationError::UnitMismatch {
                key: key.clone(),
                claimed: unit("MANAS-AIRPORT"),
                enrolled: unit("ESCORT-7"),
            },
            AuthorizationError::SamePerson {
                first: key.clone(),
                second: other,
            },
            AuthorizationError::Registry(RegistryError::NotRegistryAct(id, "seal_checked")),
        ];
        let rejections = [
            ActRejection::Signature(SignatureError::BadKey(key.clone())),
            ActRejection::Signature(SignatureError::Invalid { key, act: id }),
        ]
        .into_iter()
        .chain(authorization.into_iter().map(ActRejection::Authorization));
        let mut keys = std::collections::BTreeSet::new();
        for rejection in rejections {
            let words = left_out("seal_checked", id, &rejection);
            assert_eq!(
                words.english(),
                format!("seal_checked act {} left out: {rejection}", id.short())
            );
            keys.insert(words.key);
        }
        assert_eq!(keys.len(), 9, "one template for each rejection: {keys:?}");
    }
}
