//! Registry acts that are lists the customs authority keeps, beyond keys: the Kimberley Process
//! participants. Like enrollments they are signed by the root key or a registrar, belong to the
//! registry document and reach every node, offline ones by bundle; a later list replaces an
//! earlier one from its own time.

use crate::codes::{CountryCode, KeyId, Text};
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
