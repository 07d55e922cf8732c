//! The road between posts: the corridor a consignment is to keep to, and what a navigation
//! (electronic) seal's operator reports of its seals (Order 79, appendix 19; DOMAIN.md,
//! "Navigation seals").
//!
//! A corridor is a polyline of waypoints with a width, set at registration
//! ([`super::ConsignmentRegistered::corridor`]). A navigation seal is registered with the
//! consignment like any seal (`seal_applied` with `seal_kind: navigation`); its events (armed,
//! opened, tampered, battery low, positions, disarmed) reach tamga from the seal operator's
//! feed as [`SealEventsReported`] acts, each signed by the operator's key, enrolled in the
//! registry as `seal_operator`. The assessment reads both
//! ([`crate::assessment::track`]).

use super::Coordinates;
use crate::codes::{ConsignmentId, KeyId, SealNumber};
use crate::time::Timestamp;
use serde::{Deserialize, Serialize};

/// The most waypoints one corridor may have.
pub const MAX_WAYPOINTS: usize = 1000;
/// The most events one `seal_events_reported` act may carry.
pub const MAX_SEAL_EVENTS_PER_ACT: usize = 1000;
/// The narrowest corridor, in metres: a receiver's error on a road is tens of metres.
pub const MIN_CORRIDOR_WIDTH_METRES: u32 = 100;
/// The widest corridor, in metres.
pub const MAX_CORRIDOR_WIDTH_METRES: u32 = 100_000;

/// The planned route on the map: the line the vehicle is to follow, from the office of
/// departure to the office of destination through the posts and waypoints between, and how far
/// from it a position may lie. A position further than half the width from the line is off
/// the corridor.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Corridor {
    /// The line's points in order (at least two).
    pub waypoints: Vec<Coordinates>,
    /// The corridor's full width, in metres.
    pub width_metres: u32,
}

/// What a navigation seal reported.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SealEventKind {
    /// The seal was armed (activated) on the goods.
    Armed,
    /// The seal reports it was opened: its locking element released.
    Opened,
    /// The seal reports an attempt on it (cut cable, forced body, lost integrity).
    Tampered,
    /// The seal's battery runs low: it may fall silent.
    BatteryLow,
    /// A position fix taken by the seal.
    Position,
    /// Customs deactivated the seal at the end of the trip.
    Disarmed,
}

impl SealEventKind {
    /// The kind's name as the encoding writes it.
    pub fn as_str(self) -> &'static str {
        match self {
            SealEventKind::Armed => "armed",
            SealEventKind::Opened => "opened",
            SealEventKind::Tampered => "tampered",
            SealEventKind::BatteryLow => "battery_low",
            SealEventKind::Position => "position",
            SealEventKind::Disarmed => "disarmed",
        }
    }
}

/// One event of one seal, as its operator received it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SealEvent {
    /// The seal's number, as applied to the consignment.
    pub seal: SealNumber,
    /// When the seal recorded the event.
    pub at: Timestamp,
    /// What happened.
    pub event: SealEventKind,
    /// Where the seal was, if it knew (required for a `position` event).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub coordinates: Option<Coordinates>,
}

/// `seal_events_reported`: a batch of a consignment's navigation seal events from the seal
/// operator's monitoring centre, signed by the operator's key.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SealEventsReported {
    /// The consignment the seals are on (the operator learns it when the seal is armed for the
    /// trip).
    pub consignment: ConsignmentId,
    /// When the operator signed the batch.
    pub at: Timestamp,
    /// The operator's key (role `seal_operator`).
    pub operator: KeyId,
    /// The events, oldest first.
    pub events: Vec<SealEvent>,
}
