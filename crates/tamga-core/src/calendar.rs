//! Local time, working days and periods counted in days, as the posts keep them (DOMAIN.md,
//! "Local time" and "Working days"; Technological Scheme item 4; seed 004, paras 10-14; seed
//! 003 on a damaged certificate).
//!
//! Acts carry UTC; a period the rules give in days runs in the local calendar of the post
//! whose duty it is, in the time zone the post register gives it ([`ZoneName`], Asia/Bishkek
//! for an unregistered post):
//!
//! - **Within N days** of an event: the count starts on the day after the event's local day
//!   and the period ends at the end (24:00 local) of its Nth day; if that day is not a working
//!   day, at the end of the next working day. ("One day" is therefore the rest of the event's
//!   day and the whole next day: a notice due "within one day" of goods arriving at 22:00 is in
//!   time until 24:00 the next day, not 22:00.)
//! - **Within N working days**: the same, counting working days only.
//! - **A working day** is a day that is not a weekly rest day (Saturday and Sunday unless the
//!   year's calendar names others) or a day off of the year's published calendar (public
//!   holidays, days moved by decree), or that the calendar makes a working day (a Saturday
//!   worked by decree). A year with no published calendar has Monday to Friday as working days.
//! - **Working hours** are a post's registered hours on working days; an unregistered post, or
//!   one registered without hours, works round the clock.
//!
//! This follows how the EAEU Customs Code and Kyrgyz law count periods (a period in days
//! starts the day after the event and a period ending on a day off ends on the next working
//! day); the seeds give the periods, not the counting.

use crate::time::Timestamp;
use chrono::{Datelike, Days, NaiveDate, NaiveTime, TimeZone, Weekday};
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::fmt;

/// The time zone of Kyrgyz posts and headquarters, for a post the register does not name.
pub const DEFAULT_ZONE: &str = "Asia/Bishkek";

/// Why a date, clock time or zone name was refused.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("bad {what} {given:?}: {expected}")]
pub struct LocalError {
    what: &'static str,
    given: String,
    expected: &'static str,
}

fn local_error(what: &'static str, given: &str, expected: &'static str) -> LocalError {
    LocalError {
        what,
        given: given.chars().take(64).collect(),
        expected,
    }
}

/// A local calendar date, written `YYYY-MM-DD`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct LocalDate(NaiveDate);

impl LocalDate {
    /// Parses the one spelling, `YYYY-MM-DD`.
    pub fn parse(text: &str) -> Result<Self, LocalError> {
        let shape = text.len() == 10
            && text.bytes().enumerate().all(|(i, b)| match i {
                4 | 7 => b == b'-',
                _ => b.is_ascii_digit(),
            });
        match NaiveDate::parse_from_str(text, "%Y-%m-%d") {
            Ok(d) if shape => Ok(LocalDate(d)),
            _ => Err(local_error(
                "date",
                text,
                "a calendar date written YYYY-MM-DD, like \"2026-03-08\"",
            )),
        }
    }

    /// The year.
    pub fn year(&self) -> i32 {
        self.0.year()
    }

    /// The ISO weekday, 1 (Monday) to 7 (Sunday).
    pub fn weekday(&self) -> u8 {
        self.0.weekday().number_from_monday() as u8
    }

    fn next(&self) -> Self {
        LocalDate(self.0 + Days::new(1))
    }
}

impl fmt::Display for LocalDate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0.format("%Y-%m-%d"))
    }
}

/// A time of day, written `HH:MM` (24-hour clock).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ClockTime(NaiveTime);

impl ClockTime {
    /// Parses `HH:MM`, 00:00 to 23:59.
    pub fn parse(text: &str) -> Result<Self, LocalError> {
        let shape = text.len() == 5
            && text.bytes().enumerate().all(|(i, b)| match i {
                2 => b == b':',
                _ => b.is_ascii_digit(),
            });
        match NaiveTime::parse_from_str(text, "%H:%M") {
            Ok(t) if shape => Ok(ClockTime(t)),
            _ => Err(local_error(
                "clock time",
                text,
                "HH:MM on the 24-hour clock, like \"09:00\"",
            )),
        }
    }
}

impl fmt::Display for ClockTime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0.format("%H:%M"))
    }
}

/// An IANA time zone name, like `Asia/Bishkek`, known to the tz database tamga carries.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct ZoneName(chrono_tz::Tz);

impl ZoneName {
    /// Parses an IANA name.
    pub fn parse(text: &str) -> Result<Self, LocalError> {
        text.parse::<chrono_tz::Tz>().map(ZoneName).map_err(|_| {
            local_error(
                "IANA zone",
                text,
                "an IANA time zone name, like \"Asia/Bishkek\"",
            )
        })
    }

    /// The zone of posts the register does not name: [`DEFAULT_ZONE`].
    pub fn default_zone() -> Self {
        ZoneName(chrono_tz::Asia::Bishkek)
    }

    /// The IANA name.
    pub fn as_str(&self) -> &'static str {
        self.0.name()
    }

    /// The local date of `t` here.
    pub fn date_of(&self, t: Timestamp) -> LocalDate {
        LocalDate(self.local(t).date_naive())
    }

    /// `t` for people here: local date and time with the offset, like `2026-11-23 14:30:00
    /// +06:00`.
    pub fn for_people(&self, t: Timestamp) -> String {
        self.local(t).format("%Y-%m-%d %H:%M:%S %:z").to_string()
    }

    fn local(&self, t: Timestamp) -> chrono::DateTime<chrono_tz::Tz> {
        chrono::DateTime::from_timestamp(t.unix(), 0)
            .unwrap_or_default()
            .with_timezone(&self.0)
    }

    /// The instant `time` on `date` here (the earlier, if the clock goes back; the first
    /// instant after, if it skips that time).
    fn at(&self, date: LocalDate, time: NaiveTime) -> Timestamp {
        let naive = date.0.and_time(time);
        let instant = match self.0.from_local_datetime(&naive) {
            chrono::LocalResult::Single(t) | chrono::LocalResult::Ambiguous(t, _) => t,
            chrono::LocalResult::None => {
                return self.at(date, time + chrono::Duration::hours(1));
            }
        };
        Timestamp::from_unix(instant.timestamp())
            .unwrap_or_else(|| Timestamp::from_unix(0).expect("epoch"))
    }

    /// The start of `date` here (00:00 local).
    pub fn start_of(&self, date: LocalDate) -> Timestamp {
        self.at(date, NaiveTime::MIN)
    }
}

macro_rules! text_serde {
    ($t:ty, $show:expr) => {
        impl Serialize for $t {
            fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                let show: fn(&$t) -> String = $show;
                s.serialize_str(&show(self))
            }
        }
        impl<'de> Deserialize<'de> for $t {
            fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let text = String::deserialize(d)?;
                <$t>::parse(&text).map_err(serde::de::Error::custom)
            }
        }
    };
}
text_serde!(LocalDate, |d| d.to_string());
text_serde!(ClockTime, |t| t.to_string());
text_serde!(ZoneName, |z| z.as_str().to_owned());

/// A year's working calendar: its weekly rest days, days off and working days by decree.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct YearCalendar {
    /// Weekly rest days, ISO weekdays (6, 7 when none are published).
    pub weekly_rest: Vec<u8>,
    /// Days off besides the weekly rest days.
    pub days_off: Vec<LocalDate>,
    /// Weekly rest days worked by decree.
    pub working_days: Vec<LocalDate>,
}

/// The working calendars of the years published, and the rule for years without one.
pub trait WorkingDays {
    /// The published calendar of `year`, if any.
    fn year(&self, year: i32) -> Option<&YearCalendar>;

    /// Whether `date` is a working day.
    fn is_working_day(&self, date: LocalDate) -> bool {
        match self.year(date.year()) {
            Some(c) => {
                if c.working_days.contains(&date) {
                    return true;
                }
                !c.days_off.contains(&date) && !c.weekly_rest.contains(&date.weekday())
            }
            None => !matches!(date.0.weekday(), Weekday::Sat | Weekday::Sun),
        }
    }

    /// The end of a period of `n` days (working days if `working`) after `event`, in `zone`
    /// (the module's rules): the first instant past it.
    fn period_end(&self, event: Timestamp, n: u32, working: bool, zone: ZoneName) -> Timestamp {
        let mut day = zone.date_of(event);
        let mut counted = 0;
        // A bound on the walk: a calendar that made every day a day off would otherwise loop.
        for _ in 0..(n as usize * 7 + 400) {
            day = day.next();
            if !working || self.is_working_day(day) {
                counted += 1;
            }
            if counted == n {
                break;
            }
        }
        for _ in 0..400 {
            if self.is_working_day(day) {
                break;
            }
            day = day.next();
        }
        zone.start_of(day.next())
    }
}

/// A post's working hours on working days, local.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Hours {
    /// From (inclusive).
    pub from: ClockTime,
    /// Until (exclusive).
    pub until: ClockTime,
}

/// When working hours are next under way at or after `t`: `t` itself within them, else the
/// start of the next working hours on a working day. Round the clock (no hours): `t`.
pub fn working_hours_from(
    calendar: &impl WorkingDays,
    zone: ZoneName,
    hours: Option<Hours>,
    t: Timestamp,
) -> Timestamp {
    let Some(hours) = hours else {
        return t;
    };
    let mut day = zone.date_of(t);
    for _ in 0..400 {
        if calendar.is_working_day(day) {
            let from = zone.at(day, hours.from.0);
            let until = zone.at(day, hours.until.0);
            if t < from {
                return from;
            }
            if t < until {
                return t;
            }
        }
        day = day.next();
    }
    t
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fixtures::at;

    struct Published(Vec<(i32, YearCalendar)>);
    impl WorkingDays for Published {
        fn year(&self, year: i32) -> Option<&YearCalendar> {
            self.0.iter().find(|(y, _)| *y == year).map(|(_, c)| c)
        }
    }

    fn d(text: &str) -> LocalDate {
        LocalDate::parse(text).unwrap()
    }

    fn kyrgyz_2027() -> Published {
        Published(vec![(
            2027,
            YearCalendar {
                weekly_rest: vec![6, 7],
                // 1-2 January (New Year), 7 January (Christmas), 8 January moved from Saturday
                // 16 January by decree.
                days_off: vec![d("2027-01-01"), d("2027-01-07"), d("2027-01-08")],
                working_days: vec![d("2027-01-16")],
            },
        )])
    }

    #[test]
    fn spellings_are_checked_and_round_trip() {
        for bad in [
            "2026-3-08",
            "2026-02-30",
            "26-03-08",
            "2026/03/08",
            "2026-03-08T",
        ] {
            assert!(LocalDate::parse(bad).is_err(), "{bad}");
        }
        assert_eq!(d("2026-03-08").to_string(), "2026-03-08");
        for bad in ["9:00", "24:00", "09:60", "0900", "09:00:00"] {
            assert!(ClockTime::parse(bad).is_err(), "{bad}");
        }
        assert_eq!(ClockTime::parse("09:00").unwrap().to_string(), "09:00");
        assert!(ZoneName::parse("Asia/Bishkek").is_ok());
        assert!(ZoneName::parse("Asia/Nowhere").is_err());
        let json = serde_json::to_string(&ZoneName::default_zone()).unwrap();
        assert_eq!(json, "\"Asia/Bishkek\"");
    }

    #[test]
    fn one_day_runs_to_the_end_of_the_next_local_day() {
        let zone = ZoneName::default_zone();
        let none = Published(vec![]);
        // Wednesday 2026-11-25 22:00 in Bishkek is 16:00 UTC: due by the end of Thursday.
        let end = none.period_end(at("2026-11-25T16:00:00Z"), 1, false, zone);
        assert_eq!(end, at("2026-11-26T18:00:00Z"));
        assert_eq!(zone.for_people(end), "2026-11-27 00:00:00 +06:00");
        // 02:00 on 1 January in Bishkek is still 31 December in UTC: the local day counts.
        assert_eq!(zone.date_of(at("2026-12-31T20:00:00Z")), d("2027-01-01"));
        // Friday evening: the next day is Saturday, not a working day; the period ends with
        // Monday.
        let friday = at("2026-11-27T12:00:00Z");
        assert_eq!(
            none.period_end(friday, 1, false, zone),
            at("2026-11-30T18:00:00Z")
        );
    }

    #[test]
    fn working_days_follow_the_published_calendar_and_days_moved_by_decree() {
        let zone = ZoneName::default_zone();
        let cal = kyrgyz_2027();
        assert!(!cal.is_working_day(d("2027-01-07")));
        assert!(!cal.is_working_day(d("2027-01-08")));
        assert!(
            cal.is_working_day(d("2027-01-16")),
            "a Saturday worked by decree"
        );
        assert!(!cal.is_working_day(d("2027-01-09")));
        // Expertise within three working days of goods delivered on Wednesday 6 January 2027:
        // the 7th and 8th are off, the 9th and 10th a weekend: Monday 11, Tuesday 12,
        // Wednesday 13; due by the end of the 13th.
        let delivered = at("2027-01-06T05:00:00Z");
        assert_eq!(
            cal.period_end(delivered, 3, true, zone),
            at("2027-01-13T18:00:00Z")
        );
        // Without the calendar only the weekend is skipped.
        assert_eq!(
            Published(vec![]).period_end(delivered, 3, true, zone),
            at("2027-01-11T18:00:00Z")
        );
    }

    #[test]
    fn working_hours_start_on_the_next_working_day_when_goods_arrive_after_them() {
        let zone = ZoneName::default_zone();
        let cal = kyrgyz_2027();
        let hours = Some(Hours {
            from: ClockTime::parse("09:00").unwrap(),
            until: ClockTime::parse("18:00").unwrap(),
        });
        // Arrived at 20:00 local on Wednesday 6 January 2027: the 7th and 8th are off, then
        // a weekend: working hours begin on Monday 11 January at 09:00 (03:00 UTC).
        let arrived = at("2027-01-06T14:00:00Z");
        assert_eq!(
            working_hours_from(&cal, zone, hours, arrived),
            at("2027-01-11T03:00:00Z")
        );
        // Within hours: at once. Round the clock: at once.
        let noon = at("2027-01-11T06:00:00Z");
        assert_eq!(working_hours_from(&cal, zone, hours, noon), noon);
        assert_eq!(working_hours_from(&cal, zone, None, arrived), arrived);
    }
}
