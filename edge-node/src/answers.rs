//! The answers of the desk and the local API, as typed values: the desk returns them, the API
//! sends them (`docs/edge-api.md` is their contract), the CLI's client reads them back from the
//! running node's API into the same types, and the CLI prints their fields. The list row and
//! the handoff prefill are [`crate::workflow`]'s ([`ConsignmentRow`], [`NextHandoff`]), since
//! they are computed there.
//!
//! Each type serializes to exactly the JSON the API has always given; the API and the CLI's
//! `--json` write every answer with its keys in sorted order (see [`sorted`]).

use crate::contacts::PeerContact;
use crate::jobs::Job;
use crate::node::Status;
use crate::offers::{Direction, Via};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::collections::BTreeMap;
use tamga_core::act::ConsignmentRegistered;
use tamga_core::assessment::Discrepancy;
use tamga_core::{ActId, Assessment, KeyId, Timestamp};
use utoipa::ToSchema;

pub use crate::workflow::{ConsignmentRow, NextHandoff};

/// An answer as JSON with every object's keys in sorted order, the way the API and the CLI's
/// `--json` have always written them.
pub fn sorted<T: Serialize>(answer: &T) -> Value {
    serde_json::to_value(answer).expect("answers serialize")
}

/// An error answer: `{"error": "<what went wrong and what to do>"}`.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct ErrorAnswer {
    /// What went wrong and what to do.
    pub error: String,
}

/// An act recorded at the desk (`POST /api/acts`, `POST /handoff/completions`).
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct RecordedAct {
    /// Its id.
    #[schema(value_type = String)]
    pub act: ActId,
    /// Its kind.
    pub kind: String,
    /// Its consignment.
    pub consignment: Option<String>,
    /// Whether it was new here (false: the node already held it).
    pub new: bool,
}

/// Signed acts recorded from text (`POST /api/acts/import`).
#[derive(Clone, Copy, Debug, Serialize, Deserialize, ToSchema)]
pub struct ActsRecorded {
    /// How many were new here.
    pub new: usize,
}

/// One signer of an act, as the registry knows them.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct Signer {
    /// The key.
    #[schema(value_type = String)]
    pub key: KeyId,
    /// Name, if enrolled.
    pub name: Option<String>,
    /// Personal number, for officers.
    pub personal_number: Option<String>,
    /// Role, if enrolled.
    pub role: Option<String>,
    /// Unit, if enrolled.
    pub unit: Option<String>,
}

/// One act as people read it.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct ActView {
    /// Its id.
    #[schema(value_type = String)]
    pub id: ActId,
    /// Its kind.
    pub kind: String,
    /// When.
    #[schema(value_type = String)]
    pub at: Timestamp,
    /// The same, for people.
    pub at_for_people: String,
    /// The act's body, as the act spells it.
    #[schema(value_type = Object)]
    pub body: Value,
    /// Who signed it.
    pub signers: Vec<Signer>,
    /// Whether it holds (false: left out of the state; the assessment says why).
    pub holds: bool,
    /// When central's transparency log first saw it, as central's receipt proves (checked
    /// against a signed tree head when it arrived); `null`: not yet at headquarters, as far as
    /// this node knows.
    pub at_headquarters: Option<AtHeadquarters>,
}

/// An act's receipt from central's transparency log, as people read it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct AtHeadquarters {
    /// When central's log first saw the act (UTC).
    #[schema(value_type = String)]
    pub seen: Timestamp,
    /// The same, for people.
    pub seen_for_people: String,
    /// The act's leaf in central's log.
    pub leaf: u64,
}

/// What this node holds of central's transparency log (`GET /api/status`: `central_log`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct CentralLog {
    /// Leaves in the last tree head accepted.
    pub size: u64,
    /// When central signed it (UTC).
    #[schema(value_type = String)]
    pub signed_at: Timestamp,
    /// The same, for people.
    pub signed_at_for_people: String,
    /// Why central's last answer was refused as a rewritten or forked log: an alarm for an
    /// officer to report, kept until cleared (`tamga-edge clear-log-alarm`).
    pub alarm: Option<String>,
    /// Tree heads bundles carried here (with receipts) that wait for the consistency check at
    /// this node's next sync with central.
    pub carried_unchecked: usize,
}

impl CentralLog {
    /// The last tree head of central's transparency log this node accepted, and the log alarm.
    pub fn of(node: &crate::node::Node) -> Result<Option<CentralLog>, crate::node::NodeError> {
        let alarm = node.store.log_alarm()?;
        let head = node
            .store
            .accepted_head()?
            .and_then(|text| tamga_core::transparency::SignedTreeHead::parse(&text).ok());
        let carried_unchecked = node.store.pending_head_count()?;
        if head.is_none() && alarm.is_none() && carried_unchecked == 0 {
            return Ok(None);
        }
        let zone = node.config.local_time();
        Ok(Some(CentralLog {
            size: head.as_ref().map_or(0, |h| h.head.size),
            signed_at: head
                .as_ref()
                .map_or(tamga_core::Timestamp::from_unix(0).expect("epoch"), |h| {
                    h.head.time
                }),
            signed_at_for_people: head
                .as_ref()
                .map_or_else(String::new, |h| zone.for_people(h.head.time)),
            alarm,
            carried_unchecked,
        }))
    }
}

/// What importing a bundle did, in words (`import-bundle` and the import job's outcome).
pub fn bundle_imported(r: &tamga_sync::bundle::ImportReport) -> String {
    let mut out = format!(
        "{} documents, {} changed, {} new acts, {} left out",
        r.documents, r.changed, r.new_acts, r.rejected
    );
    match &r.receipts {
        None => {}
        Some(Ok(kept)) if kept.pending > 0 => out.push_str(&format!(
            "; central's receipts: {} kept, checked against central's log at the next sync with central",
            kept.receipts
        )),
        Some(Ok(kept)) => out.push_str(&format!("; central's receipts: {} kept", kept.receipts)),
        Some(Err(why)) => out.push_str(&format!(
            "; central's receipts it carried were not kept ({why})"
        )),
    }
    out
}

/// What recording a navigation seal operator's feed did (`import-seal-feed`, `POST
/// /api/seal-feed`).
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct SealFeedRecorded {
    /// Acts in the feed.
    pub acts: usize,
    /// Events in them.
    pub events: usize,
    /// Acts this node did not hold before.
    pub new: usize,
    /// The consignments they concern.
    pub consignments: Vec<String>,
}

impl From<tamga_sync::seal_feed::FeedReport> for SealFeedRecorded {
    fn from(r: tamga_sync::seal_feed::FeedReport) -> Self {
        SealFeedRecorded {
            acts: r.acts,
            events: r.events,
            new: r.new,
            consignments: r.consignments,
        }
    }
}

impl SealFeedRecorded {
    /// In words, as the CLI prints it.
    pub fn in_words(&self) -> String {
        format!(
            "seal feed recorded: {} acts, {} events, {} new, for {}",
            self.acts,
            self.events,
            self.new,
            self.consignments.join(", ")
        )
    }
}

/// One consignment as people read it (`GET /api/consignments/{id}`).
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct ConsignmentView {
    /// The assessment, made now.
    #[schema(value_type = Object)]
    pub assessment: Assessment,
    /// Its acts: those that hold in order, then those left out.
    pub acts: Vec<ActView>,
    /// The registration in force.
    #[schema(value_type = Option<Object>)]
    pub registration: Option<ConsignmentRegistered>,
    /// The prefill for the next handoff.
    pub next_handoff: NextHandoff,
}

/// A party to an offer, with the name the registry gives.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct Party {
    /// The unit.
    pub unit: String,
    /// The officer's key.
    #[schema(value_type = String)]
    pub officer: KeyId,
    /// The officer's name, if enrolled.
    pub name: Option<String>,
}

/// An offer as people read it (`GET /api/offers`, `GET /api/offers/{offer}`).
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct OfferView {
    /// The id the completed act has.
    #[schema(value_type = String)]
    pub offer: ActId,
    /// Made here or for an officer here.
    pub direction: Direction,
    /// The consignment.
    pub consignment: String,
    /// Who hands over.
    pub releasing: Party,
    /// Who takes over.
    pub receiving: Party,
    /// When it was made.
    #[schema(value_type = String)]
    pub at: Timestamp,
    /// The same, for people.
    pub at_for_people: String,
    /// `open`, `completed` or `stale`.
    pub state: String,
    /// How it came.
    pub via: Via,
    /// The handoff as offered (the `custody_transferred` body).
    #[schema(value_type = Object)]
    pub transfer: Value,
    /// The completed act's id, once countersigned.
    #[schema(value_type = Option<String>)]
    pub completed_act: Option<ActId>,
}

/// An offer made (`POST /api/offers`).
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct OfferMade {
    /// Its id.
    #[schema(value_type = String)]
    pub offer: ActId,
    /// Whether it reached the peer named in `send_to` over the LAN.
    pub sent: bool,
    /// Why it did not, if it was to be sent.
    #[serde(default)]
    pub send_error: Option<String>,
}

/// An offer taken in from a file or a QR code (`POST /api/offers/import`).
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct OfferImported {
    /// Its id.
    #[schema(value_type = String)]
    pub offer: ActId,
    /// Always incoming: it is for an officer here.
    pub direction: Direction,
}

/// An offer received from a peer over the LAN (`POST /handoff/offers`).
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct OfferReceived {
    /// Its id.
    pub offer: ActId,
}

/// What a review shows the receiving officer before signing (`POST /api/offers/{id}/review`).
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct ReviewView {
    /// The consignment with the handoff in place.
    #[schema(value_type = Object)]
    pub assessment: Assessment,
    /// Open discrepancies the handoff itself would add.
    #[schema(value_type = Vec<Object>)]
    pub new_discrepancies: Vec<Discrepancy>,
}

/// A handoff countersigned (`POST /api/offers/{id}/countersign`).
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct Countersigned {
    /// The completed act's id (the offer's).
    #[schema(value_type = String)]
    pub act: ActId,
    /// Whether it went back to the releasing node over the LAN.
    pub returned: bool,
    /// Why it did not, when the offer came over the LAN.
    #[serde(default)]
    pub return_error: Option<String>,
}

/// An officer key held here (`GET /api/officers`).
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct OfficerView {
    /// The key.
    #[schema(value_type = String)]
    pub key: KeyId,
    /// Who holds it, as recorded in the keystore.
    pub holder: String,
    /// Its enrollment in force now, if any.
    pub enrollment: Option<EnrollmentView>,
}

/// An enrollment as people read it (`GET /api/registry`, and in [`OfficerView`]).
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct EnrollmentView {
    /// The key.
    #[schema(value_type = String)]
    pub key: KeyId,
    /// The holder's name.
    pub name: String,
    /// The personal number, for officers.
    pub personal_number: Option<String>,
    /// The role.
    pub role: String,
    /// The unit.
    pub unit: String,
    /// Valid from.
    #[schema(value_type = String)]
    pub valid_from: Timestamp,
    /// Valid until.
    #[schema(value_type = String)]
    pub valid_until: Timestamp,
    /// Revoked (from some time on).
    pub revoked: bool,
}

/// A long operation started (`POST /api/sync`, `POST /api/bundles/import`); follow it with
/// `GET /api/jobs/{job}`.
#[derive(Clone, Copy, Debug, Serialize, Deserialize, ToSchema)]
pub struct JobStarted {
    /// The job's number.
    pub job: u64,
}

/// The running node at a glance (`GET /api/status`): the node's state, the time, its peers'
/// last contact, the jobs running, the GPS on a vehicle that reads one.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct StatusAnswer {
    /// The node's state.
    #[serde(flatten)]
    pub node: Status,
    /// The node's clock.
    #[schema(value_type = String)]
    pub now: Timestamp,
    /// The same, for people: local time in the node's zone with its offset.
    pub now_for_people: String,
    /// The node's time zone (config `time_zone`) and its offset now: the UI shows and reads
    /// times in it.
    #[schema(value_type = crate::schemas::ZoneAtSchema)]
    pub time_zone: tamga_node::local_time::ZoneAt,
    /// Documents changed here that central (or, with no central configured, the least recently
    /// synced peer) has not yet heard.
    pub pending_changes: usize,
    /// Each configured peer's last contact, by name.
    pub peers: BTreeMap<String, PeerContact>,
    /// The jobs running.
    pub jobs: Vec<Job>,
    /// The last tree head of central's transparency log this node accepted, and the log
    /// alarm; `null` before the first receipts.
    pub central_log: Option<CentralLog>,
    /// On a vehicle with `[gps]`: the GPS receiver's link, its last fix, the fixes waiting,
    /// signed and refused; absent otherwise.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gps: Option<crate::gps::status::GpsAnswer>,
}

/// What an archive pass did (`POST /api/archive/run`, `tamga-edge archive run`).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct ArchivePass {
    /// Consignments written into new archive files and forgotten in the live store.
    pub archived: usize,
    /// Consignments an earlier, interrupted pass had archived: only forgotten now.
    pub already: usize,
    /// Consignments changed while being archived: kept live for a later pass.
    pub changed: usize,
    /// The files written (names in the archive folder).
    pub files: Vec<String>,
}

/// A consignment in the archive as a search shows it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct ArchivedRow {
    /// Its id (number).
    pub consignment: String,
    /// The transit declaration's reference.
    pub declaration: Option<String>,
    /// The goods' descriptions.
    pub goods: Vec<String>,
    /// The planned route.
    pub route: Vec<String>,
    /// When registered.
    #[schema(value_type = Option<String>)]
    pub registered_at: Option<Timestamp>,
    /// When delivered.
    #[schema(value_type = Option<String>)]
    pub delivered_at: Option<Timestamp>,
    /// When archived.
    #[schema(value_type = String)]
    pub archived_at: Timestamp,
    /// How many acts its document holds.
    pub acts: usize,
    /// The archive file holding it.
    pub file: String,
}

/// A search of the archive (`GET /api/archive?q=`): the consignments found, newest delivery
/// first, and the files that were refused (damaged, edited, unreadable), each with why.
#[derive(Clone, Debug, Default, Serialize, Deserialize, ToSchema)]
pub struct ArchiveListing {
    /// What was found.
    pub rows: Vec<ArchivedRow>,
    /// Each refused file's error.
    pub refused: Vec<String>,
}

/// An archived consignment (`GET /api/archive/{id}`): the same view as a live one, assessed
/// now against this node's registry, and where it is kept.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct ArchivedView {
    /// What the search shows of it.
    pub archived: ArchivedRow,
    /// Its acts, assessed.
    pub view: ConsignmentView,
}
