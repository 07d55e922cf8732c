//! gpsd's JSON lines read into fixes, and the filter that decides which fixes are signed. Pure:
//! the bytes of a line and the node's time come in, a fix or the reason it is not one comes out;
//! no I/O, no clock.
//!
//! A line of gpsd's protocol (<https://gpsd.gitlab.io/gpsd/gpsd_json.html>) is one JSON object
//! with a `class`. Only `TPV` (time-position-velocity) objects matter: `VERSION`, `DEVICES`,
//! `DEVICE`, `WATCH`, `SKY` and every other class are ignored ([`Line::Other`]). A `TPV` is a
//! fix only with `mode` 2 (2D) or 3 (3D), a `time` and a `lat` and `lon` on the globe; mode 0 or
//! 1, or a `TPV` without its time or position, is the receiver saying it has no fix
//! ([`Reason::NoFix`]). Anything else (not JSON, not an object, a field of the wrong type or out
//! of its range, a line over [`MAX_LINE_BYTES`]) is garbage ([`Reason::Garbage`]), counted and
//! never a panic.
//!
//! Then [`Filter`] decides, fix by fix, against the node's clock:
//!
//! - a fix dated more than [`MAX_AHEAD_SECONDS`] after the node's clock is refused
//!   ([`Reason::Future`]), and one dated more than [`MAX_BEHIND_SECONDS`] before it
//!   ([`Reason::Past`]): gpsd reports fixes as they come, so a fix that old says the receiver's
//!   clock or the node's is wrong (a receiver past a GPS week rollover dates its fixes 1024
//!   weeks back);
//! - a fix not later than the last one taken (to the second: acts are timed to the second) is
//!   dropped ([`Reason::Duplicate`]): gpsd reports a fix again, or out of order;
//! - a fix that would mean moving faster than `max_speed_kmh` from the last fix taken (the
//!   anchor) is held back, not signed. If a later fix agrees with the anchor, the fixes held are
//!   jumps ([`Reason::Jump`]) and dropped. If instead [`AGREEING_FIXES`] fixes after the first one
//!   held agree with each other (each within the speed limit of the one before), the receiver is
//!   believed: the filter re-anchors on them and takes them, with the fixes held before them
//!   that lead into them at a possible speed; the others held (the jump itself, if it does not
//!   agree) are jumps.
//!
//! Coordinates: gpsd writes degrees as JSON numbers (binary floating point, nine places). A fix
//! keeps them as exact decimals rounded to [`COORDINATE_PLACES`] = 7 decimal places: 10⁻⁷ of a
//! degree is about 1 cm on the ground, finer than any receiver in a vehicle, and one spelling per
//! position in the signed act (`"42.8746000"`).

use rust_decimal::Decimal;
use serde::Deserialize;
use serde_json::Value;
use tamga_core::act::{Coordinates, Position};
use tamga_core::Timestamp;

/// The longest line read from gpsd; a longer one is garbage (gpsd's own lines stay under a few
/// kilobytes, `SKY` with many satellites included).
pub const MAX_LINE_BYTES: usize = 64 * 1024;
/// How far ahead of the node's clock a fix may be dated (as acts: the assessment's clock skew).
pub const MAX_AHEAD_SECONDS: i64 = 300;
/// How far before the node's clock a fix may be dated.
pub const MAX_BEHIND_SECONDS: i64 = 3600;
/// How many fixes after a jump must agree with each other for the filter to re-anchor on them.
pub const AGREEING_FIXES: usize = 3;
/// The most fixes held back at once; past it the oldest one held is a jump.
pub const MAX_HELD: usize = 16;
/// Decimal places of a fix's coordinates (10⁻⁷ degree, about 1 cm).
pub const COORDINATE_PLACES: usize = 7;
/// The mean radius of the Earth, in km (IUGG), for the distance between fixes.
const EARTH_RADIUS_KM: f64 = 6371.0088;
/// The start of GPS time (1980-01-06T00:00:00Z): a fix dated before it is garbage.
const GPS_EPOCH_UNIX: i64 = 315_964_800;

/// Why a line or a fix is not signed, as the node's status counts them.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Reason {
    /// A `TPV` without a fix (mode 0 or 1, or no time or position).
    NoFix,
    /// Dated more than [`MAX_AHEAD_SECONDS`] after the node's clock.
    Future,
    /// Dated more than [`MAX_BEHIND_SECONDS`] before the node's clock.
    Past,
    /// Not later than the last fix taken.
    Duplicate,
    /// Too far from the last fix taken for the time between them, and not confirmed.
    Jump,
    /// Not a line of gpsd's protocol.
    Garbage,
    /// Taken, but the vehicle's unit held no consignment in transit when the batch was due.
    NobodyInCustody,
    /// Taken, but the act could not be recorded (the status says why).
    NotRecorded,
}

impl Reason {
    /// Every reason, in the order the status lists them.
    pub const ALL: [Reason; 8] = [
        Reason::NoFix,
        Reason::Future,
        Reason::Past,
        Reason::Duplicate,
        Reason::Jump,
        Reason::Garbage,
        Reason::NobodyInCustody,
        Reason::NotRecorded,
    ];

    /// The reason's name in the status.
    pub fn name(self) -> &'static str {
        match self {
            Reason::NoFix => "no_fix",
            Reason::Future => "future",
            Reason::Past => "past",
            Reason::Duplicate => "duplicate",
            Reason::Jump => "jump",
            Reason::Garbage => "garbage",
            Reason::NobodyInCustody => "nobody_in_custody",
            Reason::NotRecorded => "not_recorded",
        }
    }
}

/// A position the receiver reported with a fix.
#[derive(Clone, Debug, PartialEq)]
pub struct Fix {
    /// When, to the second (gpsd's time, its fraction dropped).
    pub at: Timestamp,
    /// Where, to 7 decimal places.
    pub coordinates: Coordinates,
    latitude: f64,
    longitude: f64,
}

impl Fix {
    /// A fix at `at`, `latitude` and `longitude` in degrees; `None` off the globe.
    pub fn new(at: Timestamp, latitude: f64, longitude: f64) -> Option<Fix> {
        if !(latitude.is_finite() && longitude.is_finite())
            || latitude.abs() > 90.0
            || longitude.abs() > 180.0
        {
            return None;
        }
        Some(Fix {
            at,
            coordinates: Coordinates {
                latitude: degrees(latitude)?,
                longitude: degrees(longitude)?,
            },
            latitude,
            longitude,
        })
    }

    /// The fix as an act's position.
    pub fn position(&self) -> Position {
        Position {
            at: self.at,
            coordinates: self.coordinates.clone(),
        }
    }

    /// The great-circle distance to `other`, in km (haversine).
    pub fn km_to(&self, other: &Fix) -> f64 {
        let (a, b) = (self.latitude.to_radians(), other.latitude.to_radians());
        let dlat = b - a;
        let dlon = (other.longitude - self.longitude).to_radians();
        let h = (dlat / 2.0).sin().powi(2) + a.cos() * b.cos() * (dlon / 2.0).sin().powi(2);
        2.0 * EARTH_RADIUS_KM * h.sqrt().min(1.0).asin()
    }

    /// The speed, in km/h, that going from this fix to a later one would mean (infinite if
    /// `later` is not later).
    pub fn speed_kmh_to(&self, later: &Fix) -> f64 {
        let seconds = later.at.seconds_since(&self.at);
        if seconds <= 0 {
            return f64::INFINITY;
        }
        self.km_to(later) / (seconds as f64 / 3600.0)
    }
}

/// Degrees as an exact decimal with [`COORDINATE_PLACES`] places (rounded to the nearest), zero
/// without a sign.
fn degrees(value: f64) -> Option<Decimal> {
    let text = format!("{value:.COORDINATE_PLACES$}");
    let decimal = Decimal::from_str_exact(&text).ok()?;
    Some(if decimal.is_zero() {
        Decimal::new(0, COORDINATE_PLACES as u32)
    } else {
        decimal
    })
}

/// What one line of gpsd's protocol is.
#[derive(Clone, Debug, PartialEq)]
pub enum Line {
    /// Another class (`VERSION`, `DEVICES`, `WATCH`, `SKY`, ...) or an empty line: ignored.
    Other,
    /// Not a line of gpsd's protocol.
    Garbage,
    /// A `TPV` without a fix.
    NoFix,
    /// A `TPV` with a fix.
    Fix(Fix),
}

/// The fields of a `TPV` that make a fix; the others are ignored.
#[derive(Deserialize)]
struct Tpv {
    #[serde(default)]
    mode: Option<u8>,
    #[serde(default)]
    time: Option<String>,
    #[serde(default)]
    lat: Option<f64>,
    #[serde(default)]
    lon: Option<f64>,
}

/// Reads one line of gpsd's protocol (without or with its line end).
pub fn read_line(line: &[u8]) -> Line {
    if line.len() > MAX_LINE_BYTES {
        return Line::Garbage;
    }
    let line = line.trim_ascii();
    if line.is_empty() {
        return Line::Other;
    }
    let Ok(Value::Object(object)) = serde_json::from_slice::<Value>(line) else {
        return Line::Garbage;
    };
    match object.get("class") {
        Some(Value::String(class)) if class == "TPV" => {}
        Some(Value::String(_)) => return Line::Other,
        _ => return Line::Garbage,
    }
    let Ok(tpv) = serde_json::from_value::<Tpv>(Value::Object(object)) else {
        return Line::Garbage;
    };
    match tpv.mode {
        Some(mode) if mode > 3 => return Line::Garbage,
        Some(2 | 3) => {}
        _ => return Line::NoFix,
    }
    let (Some(time), Some(lat), Some(lon)) = (tpv.time, tpv.lat, tpv.lon) else {
        return Line::NoFix;
    };
    let Some(at) = chrono::DateTime::parse_from_rfc3339(&time)
        .ok()
        .map(|t| t.timestamp())
        .filter(|s| *s >= GPS_EPOCH_UNIX)
        .and_then(Timestamp::from_unix)
    else {
        return Line::Garbage;
    };
    Fix::new(at, lat, lon).map_or(Line::Garbage, Line::Fix)
}

/// A fix held back as a jump, and where it jumped from.
#[derive(Clone, Debug, PartialEq)]
pub struct Jump {
    /// The last fix taken before it.
    pub from: Fix,
    /// The fix held back.
    pub to: Fix,
    /// The speed going from one to the other would mean, in km/h.
    pub speed_kmh: f64,
}

/// What one line (or one fix) did to the filter.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Step {
    /// The receiver's word on its fix: `Some(true)` a `TPV` with a fix (taken or not), `Some(false)`
    /// one without, `None` not a `TPV`.
    pub receiver_fix: Option<bool>,
    /// The fixes taken now, to be signed, oldest first.
    pub taken: Vec<Fix>,
    /// A reason per line or fix refused now (the line's own, and fixes held before now that turned
    /// out to be jumps).
    pub refused: Vec<Reason>,
    /// The jumps decided now.
    pub jumps: Vec<Jump>,
}

/// The filter between gpsd's fixes and the signed positions: the last fix taken (the anchor) and
/// the fixes held back since (see the module's rules).
#[derive(Clone, Debug)]
pub struct Filter {
    max_speed_kmh: f64,
    anchor: Option<Fix>,
    held: Vec<Fix>,
}

impl Filter {
    /// A filter with no fix yet, for a vehicle that goes at most `max_speed_kmh`.
    pub fn new(max_speed_kmh: u32) -> Filter {
        Filter {
            max_speed_kmh: f64::from(max_speed_kmh),
            anchor: None,
            held: Vec::new(),
        }
    }

    /// The last fix taken.
    pub fn last_taken(&self) -> Option<&Fix> {
        self.anchor.as_ref()
    }

    /// How many fixes are held back, waiting to be confirmed or dropped as jumps.
    pub fn held(&self) -> usize {
        self.held.len()
    }

    /// Reads a line of gpsd's protocol at `now` (the node's clock).
    pub fn line(&mut self, line: &[u8], now: Timestamp) -> Step {
        match read_line(line) {
            Line::Other => Step::default(),
            Line::Garbage => Step {
                refused: vec![Reason::Garbage],
                ..Step::default()
            },
            Line::NoFix => Step {
                receiver_fix: Some(false),
                refused: vec![Reason::NoFix],
                ..Step::default()
            },
            Line::Fix(fix) => Step {
                receiver_fix: Some(true),
                ..self.fix(fix, now)
            },
        }
    }

    fn agrees(&self, earlier: &Fix, later: &Fix) -> bool {
        earlier.speed_kmh_to(later) <= self.max_speed_kmh
    }

    /// Takes, holds or refuses one fix at `now`.
    pub fn fix(&mut self, fix: Fix, now: Timestamp) -> Step {
        let mut step = Step::default();
        if fix.at > now.plus_seconds(MAX_AHEAD_SECONDS) {
            step.refused.push(Reason::Future);
            return step;
        }
        if fix.at < now.plus_seconds(-MAX_BEHIND_SECONDS) {
            step.refused.push(Reason::Past);
            return step;
        }
        if self
            .held
            .last()
            .or(self.anchor.as_ref())
            .is_some_and(|latest| fix.at <= latest.at)
        {
            step.refused.push(Reason::Duplicate);
            return step;
        }
        let Some(anchor) = self.anchor.clone() else {
            self.anchor = Some(fix.clone());
            step.taken.push(fix);
            return step;
        };
        if self.agrees(&anchor, &fix) {
            for held in std::mem::take(&mut self.held) {
                self.jump(&anchor, held, &mut step);
            }
            self.anchor = Some(fix.clone());
            step.taken.push(fix);
            return step;
        }
        self.held.push(fix);
        if self.held.len() > MAX_HELD {
            let oldest = self.held.remove(0);
            self.jump(&anchor, oldest, &mut step);
        }
        // The run of held fixes, from the end back, each within the speed limit of the one
        // before: re-anchor once it holds enough fixes after the first one held.
        let mut start = self.held.len() - 1;
        while start > 0 && self.agrees(&self.held[start - 1], &self.held[start]) {
            start -= 1;
        }
        if self.held.len() - start.max(1) >= AGREEING_FIXES {
            let mut held = std::mem::take(&mut self.held);
            let run = held.split_off(start);
            for jump in held {
                self.jump(&anchor, jump, &mut step);
            }
            self.anchor = run.last().cloned();
            step.taken.extend(run);
        }
        step
    }

    fn jump(&self, from: &Fix, to: Fix, step: &mut Step) {
        step.refused.push(Reason::Jump);
        step.jumps.push(Jump {
            speed_kmh: from.speed_kmh_to(&to),
            from: from.clone(),
            to,
        });
    }
}

#[cfg(test)]
mod tests;
