//! Registry acts that are lists the customs authority keeps, beyond keys: the Kimberley Process
//! participants, the working calendar of each year and the post register. Like enrollments they are signed by the root key or a registrar, belong to the
//! registry document and reach every node, offline ones by bundle; a later list replaces an
//! earlier one from its own time.

use crate::calendar::{ClockTime, LocalDate, ZoneName};
use crate::codes::{CountryCode, KeyId, Text, UnitCode};
use crate::time::Timestamp;
use serde::{Deserialize, Serialize};

/// `kp_participants_listed`: who takes part in the Kimberley Process certification scheme from
/// `at` on (seed 004, para 3: rough diamonds are imported from and exported to participants
/// only). A participant may be several countries: the European Union is one participant.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct KpParticipantsListed {
    /// From when the list is in force.
    pub at: Timestamp,
    /// The key that signs this act: the root key, or a registrar key.
    pub authority: KeyId,
    /// The participants.
    pub participants: Vec<KpParticipant>,
    /// Where the list comes from (the KP's published list and its date, a decree).
    pub source: Text,
}

/// One Kimberley Process participant.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct KpParticipant {
    /// Its name, like `European Union` or `Botswana`.
    pub name: Text,
    /// The countries it certifies for (ISO 3166-1 alpha-2): one for a country, each member
    /// state for the European Union.
    pub countries: Vec<CountryCode>,
}

/// `calendar_published`: the working calendar of one year for the customs bodies (DOMAIN.md,
/// "Working days": holidays move by decree, so the calendar is data the authority signs). The
/// latest published for a year replaces earlier ones.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CalendarPublished {
    /// When it was published.
    pub at: Timestamp,
    /// The key that signs this act: the root key, or a registrar key.
    pub authority: KeyId,
    /// The year.
    pub year: u16,
    /// Weekly rest days, ISO weekdays 1 (Monday) to 7 (Sunday): usually 6 and 7.
    pub weekly_rest: Vec<u8>,
    /// Days off besides the weekly rest days: public holidays, days moved by decree.
    pub days_off: Vec<LocalDate>,
    /// Weekly rest days worked by decree.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub working_days: Vec<LocalDate>,
    /// The decree or list it comes from.
    pub source: Text,
}

/// `post_registered`: a post in the post register, from `at` on: its name, time zone and
/// working hours (Customs Code art. 140: goods arriving outside working hours are notified
/// within 30 minutes of their start). A later registration of the same post replaces it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PostRegistered {
    /// From when.
    pub at: Timestamp,
    /// The key that signs this act: the root key, or a registrar key.
    pub authority: KeyId,
    /// The post's code.
    pub post: UnitCode,
    /// Its name.
    pub name: Text,
    /// Its time zone.
    pub time_zone: ZoneName,
    /// Its working hours on working days; absent: round the clock.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub working_hours: Option<WorkingHours>,
    /// Where it is on the map: a vehicle stopped near it is at the post, not on the road.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub coordinates: Option<super::Coordinates>,
}

/// A post's working hours on working days, local.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WorkingHours {
    /// From (inclusive), like `09:00`.
    pub from: ClockTime,
    /// Until (exclusive), like `18:00`.
    pub until: ClockTime,
}
