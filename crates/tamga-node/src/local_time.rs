//! Local time for people: "times are UTC on the wire and in acts; people see and type their
//! local time with its offset" (DOMAIN.md, "Local time").
//!
//! [`LocalTime`] is a node's configured IANA zone (Asia/Bishkek unless set): it shows an instant
//! as `2026-11-23 14:30:00 +06:00` ([`tamga_core::calendar::ZoneName::for_people`]), says the
//! zone's offset at an instant (which changes where the zone keeps daylight saving), and reads a
//! time an officer typed: local time without an offset is the zone's, an RFC 3339 time with an
//! offset or `Z` is taken as given. Both binaries' APIs, CLIs and UIs go through it; the UIs'
//! own copy of the rule is `local_time.js`, served with them as `/time.js`.

use chrono::{NaiveDate, NaiveDateTime, Offset, TimeZone};
use tamga_core::calendar::ZoneName;
use tamga_core::Timestamp;

/// The browser side of the same rule, served by [`crate::local::ui_routes`] as `/time.js`.
pub const TIME_JS: &str = include_str!("local_time.js");

/// What a typed time may look like, for help texts and errors.
pub const TYPED_FORMS: &str = "local time like 2026-11-23 14:30 (or 2026-11-23T14:30:00), or RFC 3339 with an offset or Z like 2026-11-23T14:30:00+06:00 or 2026-11-23T08:30:00Z";

/// A node's time zone as people read and type times in it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LocalTime {
    zone: ZoneName,
    tz: chrono_tz::Tz,
}

impl Default for LocalTime {
    fn default() -> Self {
        LocalTime::new(tamga_core::calendar::DEFAULT_ZONE).expect("the default zone exists")
    }
}

impl LocalTime {
    /// The zone named `name` (IANA, like `Asia/Bishkek`).
    pub fn new(name: &str) -> Result<Self, String> {
        let zone = ZoneName::parse(name).map_err(|e| e.to_string())?;
        let tz = name
            .parse::<chrono_tz::Tz>()
            .map_err(|_| format!("{name:?} is not a time zone of the IANA database"))?;
        Ok(LocalTime { zone, tz })
    }

    /// The IANA name.
    pub fn name(&self) -> &'static str {
        self.zone.as_str()
    }

    /// The zone as the core names it.
    pub fn zone(&self) -> ZoneName {
        self.zone
    }

    /// `t` for people: local date and time with the offset, like `2026-11-23 14:30:00 +06:00`.
    pub fn for_people(&self, t: Timestamp) -> String {
        self.zone.for_people(t)
    }

    /// The zone's offset from UTC at `t`, in seconds east.
    pub fn offset_seconds_at(&self, t: Timestamp) -> i32 {
        self.tz
            .offset_from_utc_datetime(&utc(t).naive_utc())
            .fix()
            .local_minus_utc()
    }

    /// The zone's offset at `t` as people write it, like `+06:00`.
    pub fn offset_at(&self, t: Timestamp) -> String {
        let seconds = self.offset_seconds_at(t);
        let sign = if seconds < 0 { '-' } else { '+' };
        let minutes = seconds.unsigned_abs() / 60;
        format!("{sign}{:02}:{:02}", minutes / 60, minutes % 60)
    }

    /// Reads a time an officer typed: RFC 3339 with an offset or `Z` as given (a space for the
    /// `T` and a space before the offset are accepted, so what [`Self::for_people`] prints reads
    /// back); without an offset, local time here (`2026-11-23 14:30`, `2026-11-23T14:30:00`); a
    /// date alone is 00:00 local. Whole seconds only. A local time the clock skips or passes
    /// twice (a daylight saving change) is refused: give its offset.
    pub fn parse_typed(&self, given: &str) -> Result<Timestamp, String> {
        let text = given.trim();
        let bad = || format!("{text:?}: expected {TYPED_FORMS}");
        if let Ok(t) = Timestamp::parse(text) {
            return Ok(t);
        }
        // An explicit offset: `Z`, `z`, or `+HH:MM` / `-HH:MM` at the end.
        let normal: String = {
            let mut s = text.replacen(' ', "T", 1);
            if let Some(i) = s.rfind(" +").or_else(|| s.rfind(" -")) {
                s.remove(i);
            }
            s
        };
        let has_offset = normal.ends_with(['Z', 'z'])
            || normal
                .get(normal.len().saturating_sub(6)..)
                .is_some_and(|tail| {
                    let b = tail.as_bytes();
                    b.len() == 6 && (b[0] == b'+' || b[0] == b'-') && b[3] == b':'
                });
        let seconds = if has_offset {
            let t = chrono::DateTime::parse_from_rfc3339(&normal).map_err(|_| bad())?;
            if t.timestamp_subsec_nanos() != 0 {
                return Err(format!("{text:?}: give whole seconds, without a fraction"));
            }
            t.timestamp()
        } else {
            let naive = NaiveDateTime::parse_from_str(&normal, "%Y-%m-%dT%H:%M:%S")
                .or_else(|_| NaiveDateTime::parse_from_str(&normal, "%Y-%m-%dT%H:%M"))
                .or_else(|_| {
                    NaiveDate::parse_from_str(&normal, "%Y-%m-%d")
                        .map(|d| d.and_hms_opt(0, 0, 0).expect("midnight exists"))
                })
                .map_err(|_| bad())?;
            if normal.contains('.') {
                return Err(format!("{text:?}: give whole seconds, without a fraction"));
            }
            match self.tz.from_local_datetime(&naive) {
                chrono::LocalResult::Single(t) => t.timestamp(),
                chrono::LocalResult::Ambiguous(a, b) => {
                    return Err(format!(
                        "{text:?} happens twice in {} ({} and {}): add the offset you mean",
                        self.name(),
                        a.format("%:z"),
                        b.format("%:z")
                    ))
                }
                chrono::LocalResult::None => {
                    let zone = self.name();
                    let why = "the clock skips it: add the offset you mean";
                    return Err(format!("{text:?} does not exist in {zone} ({why})"));
                }
            }
        };
        Timestamp::from_unix(seconds).ok_or_else(|| format!("{text:?} is out of range"))
    }

    /// [`Self::parse_typed`] spelled as acts carry it (`2026-11-23T08:30:00Z`).
    pub fn to_act_time(&self, given: &str) -> Result<String, String> {
        self.parse_typed(given).map(|t| t.to_rfc3339())
    }

    /// The zone at `t`, as the APIs tell the UIs.
    pub fn at(&self, t: Timestamp) -> ZoneAt {
        ZoneAt {
            name: self.name().to_owned(),
            offset: self.offset_at(t),
            offset_seconds: self.offset_seconds_at(t),
        }
    }
}

/// A zone at an instant: `{"name": "Asia/Bishkek", "offset": "+06:00", "offset_seconds":
/// 21600}`.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct ZoneAt {
    /// The IANA name.
    pub name: String,
    /// The offset from UTC, like `+06:00`.
    pub offset: String,
    /// The same in seconds east of UTC.
    pub offset_seconds: i32,
}

fn utc(t: Timestamp) -> chrono::DateTime<chrono::Utc> {
    chrono::DateTime::from_timestamp(t.unix(), 0).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(s: &str) -> Timestamp {
        Timestamp::parse(s).unwrap()
    }

    #[test]
    fn bishkek_is_six_hours_ahead_all_year() {
        let b = LocalTime::default();
        assert_eq!(b.name(), "Asia/Bishkek");
        for at in ["2026-01-15T12:00:00Z", "2026-07-15T12:00:00Z"] {
            assert_eq!(b.offset_at(t(at)), "+06:00");
            assert_eq!(b.offset_seconds_at(t(at)), 21600);
        }
        assert_eq!(
            b.for_people(t("2026-11-23T08:30:00Z")),
            "2026-11-23 14:30:00 +06:00"
        );
        assert_eq!(
            serde_json::to_value(b.at(t("2026-11-23T08:30:00Z"))).unwrap(),
            serde_json::json!({"name": "Asia/Bishkek", "offset": "+06:00", "offset_seconds": 21600})
        );
    }

    #[test]
    fn typed_local_time_is_the_zones_and_an_offset_is_honoured() {
        let b = LocalTime::default();
        let utc = |s| b.to_act_time(s).unwrap();
        assert_eq!(utc("2026-11-23 14:30"), "2026-11-23T08:30:00Z");
        assert_eq!(utc("2026-11-23T14:30"), "2026-11-23T08:30:00Z");
        assert_eq!(utc("2026-11-23T14:30:05"), "2026-11-23T08:30:05Z");
        assert_eq!(utc(" 2026-11-23 14:30:05 "), "2026-11-23T08:30:05Z");
        assert_eq!(utc("2026-11-23T14:30:00+05:00"), "2026-11-23T09:30:00Z");
        assert_eq!(utc("2026-11-23T08:30:00Z"), "2026-11-23T08:30:00Z");
        assert_eq!(utc("2026-11-23T08:30:00z"), "2026-11-23T08:30:00Z");
        assert_eq!(utc("2026-11-23 14:30:00 +06:00"), "2026-11-23T08:30:00Z");
        assert_eq!(utc("2026-11-23T01:00:00-03:00"), "2026-11-23T04:00:00Z");
        assert_eq!(utc("2026-11-23"), "2026-11-22T18:00:00Z");
        // What for_people prints reads back as the same instant.
        let at = t("2026-12-31T19:30:00Z");
        assert_eq!(b.parse_typed(&b.for_people(at)).unwrap(), at);
        for wrong in [
            "",
            "tomorrow",
            "2026-11-23 25:00",
            "2026-11-23T14:30:00.5",
            "2026-11-23T14:30:00.5Z",
            "23.11.2026 14:30",
        ] {
            let e = b.parse_typed(wrong).unwrap_err();
            assert!(
                e.contains("expected") || e.contains("whole seconds"),
                "{wrong}: {e}"
            );
        }
    }

    #[test]
    fn a_zone_with_daylight_saving_has_the_offset_of_the_day() {
        let berlin = LocalTime::new("Europe/Berlin").unwrap();
        // Summer time began on 2026-03-29 at 01:00 UTC (02:00 local became 03:00).
        assert_eq!(berlin.offset_at(t("2026-03-29T00:59:59Z")), "+01:00");
        assert_eq!(berlin.offset_at(t("2026-03-29T01:00:00Z")), "+02:00");
        assert_eq!(
            berlin.for_people(t("2026-03-29T00:30:00Z")),
            "2026-03-29 01:30:00 +01:00"
        );
        assert_eq!(
            berlin.for_people(t("2026-03-29T01:30:00Z")),
            "2026-03-29 03:30:00 +02:00"
        );
        let utc = |s| berlin.to_act_time(s);
        assert_eq!(utc("2026-03-29 01:30").unwrap(), "2026-03-29T00:30:00Z");
        assert_eq!(utc("2026-03-29 03:30").unwrap(), "2026-03-29T01:30:00Z");
        assert_eq!(utc("2026-07-01 12:00").unwrap(), "2026-07-01T10:00:00Z");
        // 02:30 never happened that night; 02:30 on 25 October happened twice.
        assert!(utc("2026-03-29 02:30").unwrap_err().contains("skips"));
        assert!(utc("2026-10-25 02:30").unwrap_err().contains("twice"));
        assert_eq!(
            utc("2026-10-25T02:30:00+01:00").unwrap(),
            "2026-10-25T01:30:00Z"
        );
        assert_eq!(berlin.offset_at(t("2026-10-25T00:59:59Z")), "+02:00");
        assert_eq!(berlin.offset_at(t("2026-10-25T01:00:00Z")), "+01:00");
    }

    #[test]
    fn a_zone_not_in_the_database_is_refused() {
        assert!(LocalTime::new("UTC+6").is_err());
        assert!(LocalTime::new("Asia/Almaty").is_ok());
    }
}
