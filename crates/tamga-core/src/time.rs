//! Points in time as acts carry them: UTC, whole seconds, written `YYYY-MM-DDTHH:MM:SSZ`.
//!
//! One spelling per instant keeps the canonical encoding canonical: no offsets other than `Z`,
//! no fractional seconds, no lower-case `t`/`z`. People reading a time see it with its explicit
//! `+00:00` offset through [`Timestamp::for_people`].

use chrono::{DateTime, Duration, NaiveDateTime, TimeZone, Utc};
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::fmt;

/// An instant in UTC, to the second.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Timestamp(DateTime<Utc>);

/// Why a time string was refused.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("bad time {given:?}: expected RFC 3339 UTC to the second, like \"2026-11-23T08:30:00Z\"")]
pub struct TimeError {
    /// The text that was given.
    pub given: String,
}

const FORMAT: &str = "%Y-%m-%dT%H:%M:%SZ";

impl Timestamp {
    /// Parses the one accepted spelling, `YYYY-MM-DDTHH:MM:SSZ`.
    pub fn parse(text: &str) -> Result<Self, TimeError> {
        let err = || TimeError {
            given: text.chars().take(64).collect(),
        };
        let bytes = text.as_bytes();
        // The shape check comes first: chrono alone would accept some variants.
        let shape_ok = bytes.len() == 20
            && bytes.iter().enumerate().all(|(i, b)| match i {
                4 | 7 => *b == b'-',
                10 => *b == b'T',
                13 | 16 => *b == b':',
                // No second 60: chrono would read a leap second that has no Unix time of its own.
                17 => (b'0'..=b'5').contains(b),
                19 => *b == b'Z',
                _ => b.is_ascii_digit(),
            });
        if !shape_ok {
            return Err(err());
        }
        let naive = NaiveDateTime::parse_from_str(text, FORMAT).map_err(|_| err())?;
        Ok(Timestamp(Utc.from_utc_datetime(&naive)))
    }

    /// The instant `seconds` after 1970-01-01T00:00:00Z; `None` if out of range.
    pub fn from_unix(seconds: i64) -> Option<Self> {
        DateTime::<Utc>::from_timestamp(seconds, 0).map(Timestamp)
    }

    /// The current time, truncated to the second. Only shells call this; the core takes time as
    /// an argument.
    pub fn now() -> Self {
        Self::from_unix(Utc::now().timestamp()).expect("the system clock is within chrono's range")
    }

    /// Seconds since 1970-01-01T00:00:00Z.
    pub fn unix(&self) -> i64 {
        self.0.timestamp()
    }

    /// This instant moved by `seconds` (negative moves back). Saturates at the range's ends.
    pub fn plus_seconds(&self, seconds: i64) -> Self {
        self.0
            .checked_add_signed(Duration::seconds(seconds))
            .map(Timestamp)
            .unwrap_or(*self)
    }

    /// Seconds from `earlier` to `self` (negative if `self` is before `earlier`).
    pub fn seconds_since(&self, earlier: &Timestamp) -> i64 {
        self.unix() - earlier.unix()
    }

    /// The canonical spelling, as it appears in acts.
    pub fn to_rfc3339(&self) -> String {
        self.0.format(FORMAT).to_string()
    }

    /// The spelling for people: date, time and the explicit UTC offset.
    pub fn for_people(&self) -> String {
        self.0.format("%Y-%m-%d %H:%M:%S +00:00").to_string()
    }
}

impl fmt::Display for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_rfc3339())
    }
}

impl Serialize for Timestamp {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.to_rfc3339())
    }
}

impl<'de> Deserialize<'de> for Timestamp {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        Timestamp::parse(&text).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_the_one_spelling() {
        let t = Timestamp::parse("2026-11-23T08:30:00Z").unwrap();
        assert_eq!(t.to_rfc3339(), "2026-11-23T08:30:00Z");
        assert_eq!(t.for_people(), "2026-11-23 08:30:00 +00:00");
        assert_eq!(t.plus_seconds(90).to_rfc3339(), "2026-11-23T08:31:30Z");
    }

    #[test]
    fn refuses_other_spellings() {
        for bad in [
            "2026-11-23T08:30:00+00:00",
            "2026-11-23T08:30:00.000Z",
            "2026-11-23t08:30:00z",
            "2026-11-23 08:30:00Z",
            "2026-13-23T08:30:00Z",
            "2026-02-30T08:30:00Z",
            "2026-11-23T24:00:00Z",
            "2026-11-23T07:00:60Z",
            "",
            "２０２6-11-23T08:30:00Z",
        ] {
            assert!(Timestamp::parse(bad).is_err(), "{bad} was accepted");
        }
    }
}
