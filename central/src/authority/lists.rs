//! The lists the authority keeps in the registry, signed with central's registrar key: the
//! Kimberley Process participants (`kp_participants_listed`, from a file staff keep up to date
//! from the KP's published list), a year's working calendar (`calendar_published`, from the
//! decree's dates) and the post register (`post_registered`).

use super::{text, Authority, AuthorityError};
use serde::{Deserialize, Serialize};
use tamga_core::act::{
    CalendarPublished, KpParticipant, KpParticipantsListed, PostRegistered, WorkingHours,
};
use tamga_core::calendar::{ClockTime, LocalDate, ZoneName};
use tamga_core::codes::CountryCode;
use tamga_core::{ActBody, SignedAct, Timestamp};

/// A KP participants list as staff write it (a JSON file): where it comes from and who takes
/// part, each participant with its countries.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct KpParticipantsRequest {
    /// Where the list comes from ("Kimberley Process participants, kimberleyprocess.com,
    /// 2026-06-30").
    pub source: String,
    /// The participants.
    pub participants: Vec<KpParticipantRequest>,
}

/// One participant in a [`KpParticipantsRequest`].
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct KpParticipantRequest {
    /// Its name.
    pub name: String,
    /// Its countries, ISO 3166-1 alpha-2 (each member state for the European Union).
    pub countries: Vec<String>,
}

/// A year's working calendar as staff write it (a JSON file).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CalendarRequest {
    /// The year.
    pub year: u16,
    /// Weekly rest days, ISO weekdays (default Saturday and Sunday, `[6, 7]`).
    #[serde(default)]
    pub weekly_rest: Option<Vec<u8>>,
    /// Days off, `YYYY-MM-DD`: public holidays and days moved by decree.
    pub days_off: Vec<String>,
    /// Weekly rest days worked by decree, `YYYY-MM-DD`.
    #[serde(default)]
    pub working_days: Vec<String>,
    /// The decree it comes from.
    pub source: String,
}

/// A post's registration as staff give it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PostRequest {
    /// The post's unit code.
    pub post: String,
    /// Its name.
    pub name: String,
    /// Its IANA time zone (default Asia/Bishkek).
    #[serde(default)]
    pub time_zone: Option<String>,
    /// Its working hours, `HH:MM-HH:MM`; absent: round the clock.
    #[serde(default)]
    pub hours: Option<String>,
    /// Where it is, `latitude,longitude` in decimal degrees; absent: not on the map.
    #[serde(default)]
    pub coordinates: Option<String>,
}

/// `latitude,longitude` in decimal degrees, each in one exact spelling, on the globe.
pub fn parse_coordinates(text: &str) -> Result<tamga_core::act::Coordinates, String> {
    let (lat, lon) = text.split_once(',').ok_or_else(|| {
        format!("{text:?}: write latitude,longitude in decimal degrees, like 42.8746,74.6122")
    })?;
    let degrees = |t: &str, what: &str| {
        tamga_core::quantity::parse_decimal(t.trim()).map_err(|e| format!("{what} {t:?}: {e}"))
    };
    let c = tamga_core::act::Coordinates {
        latitude: degrees(lat, "latitude")?,
        longitude: degrees(lon, "longitude")?,
    };
    if c.latitude.abs() > 90.into() || c.longitude.abs() > 180.into() {
        return Err(format!("{text:?} is off the globe"));
    }
    Ok(c)
}

fn field<T, E: std::fmt::Display>(
    name: &'static str,
    r: Result<T, E>,
) -> Result<T, AuthorityError> {
    r.map_err(|e| AuthorityError::BadField {
        field: name,
        detail: e.to_string(),
    })
}

impl Authority {
    /// Signs a `calendar_published` act dated `now`.
    pub fn publish_calendar(
        &self,
        request: &CalendarRequest,
        now: Timestamp,
    ) -> Result<SignedAct, AuthorityError> {
        let dates = |name, list: &[String]| {
            list.iter()
                .map(|d| field(name, LocalDate::parse(d.trim())))
                .collect::<Result<Vec<_>, _>>()
        };
        let body = ActBody::CalendarPublished(CalendarPublished {
            at: now,
            authority: self.id(),
            year: request.year,
            weekly_rest: request.weekly_rest.clone().unwrap_or_else(|| vec![6, 7]),
            days_off: dates("days_off", &request.days_off)?,
            working_days: dates("working_days", &request.working_days)?,
            source: text("source", &request.source)?,
        });
        Ok(SignedAct::sign(body, &[&self.key])?)
    }

    /// Signs a `post_registered` act in force from `now`.
    pub fn register_post(
        &self,
        request: &PostRequest,
        now: Timestamp,
    ) -> Result<SignedAct, AuthorityError> {
        let time_zone = match &request.time_zone {
            Some(z) => field("--time-zone", ZoneName::parse(z.trim()))?,
            None => ZoneName::default_zone(),
        };
        let working_hours = match &request.hours {
            None => None,
            Some(h) => {
                let (from, until) = h.trim().split_once('-').ok_or(AuthorityError::BadField {
                    field: "--hours",
                    detail: format!("{h:?}: write the hours as HH:MM-HH:MM, like 09:00-18:00"),
                })?;
                Some(WorkingHours {
                    from: field("--hours", ClockTime::parse(from.trim()))?,
                    until: field("--hours", ClockTime::parse(until.trim()))?,
                })
            }
        };
        let body = ActBody::PostRegistered(PostRegistered {
            at: now,
            authority: self.id(),
            post: field("--post", tamga_core::UnitCode::new(request.post.trim()))?,
            name: text("--name", &request.name)?,
            time_zone,
            working_hours,
            coordinates: match &request.coordinates {
                None => None,
                Some(c) => {
                    Some(
                        parse_coordinates(c).map_err(|detail| AuthorityError::BadField {
                            field: "--coordinates",
                            detail,
                        })?,
                    )
                }
            },
        });
        Ok(SignedAct::sign(body, &[&self.key])?)
    }

    /// Signs a `kp_participants_listed` act in force from `now`. Every name and country is
    /// checked, and the act's content rules (no country in two participants, none empty).
    pub fn list_kp_participants(
        &self,
        request: &KpParticipantsRequest,
        now: Timestamp,
    ) -> Result<SignedAct, AuthorityError> {
        let mut participants = Vec::with_capacity(request.participants.len());
        for p in &request.participants {
            let countries = p
                .countries
                .iter()
                .map(|c| {
                    CountryCode::new(c.trim().to_uppercase()).map_err(|e| {
                        AuthorityError::BadField {
                            field: "participants[].countries",
                            detail: format!("{}: {e}", p.name),
                        }
                    })
                })
                .collect::<Result<Vec<_>, _>>()?;
            participants.push(KpParticipant {
                name: text("participants[].name", &p.name)?,
                countries,
            });
        }
        let body = ActBody::KpParticipantsListed(KpParticipantsListed {
            at: now,
            authority: self.id(),
            participants,
            source: text("source", &request.source)?,
        });
        Ok(SignedAct::sign(body, &[&self.key])?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request(countries: &[(&str, &[&str])]) -> KpParticipantsRequest {
        KpParticipantsRequest {
            source: "KP participants, 2026".into(),
            participants: countries
                .iter()
                .map(|(name, cs)| KpParticipantRequest {
                    name: (*name).into(),
                    countries: cs.iter().map(|c| (*c).into()).collect(),
                })
                .collect(),
        }
    }

    #[test]
    fn a_list_is_signed_in_force_from_now_and_a_bad_one_is_refused_saying_why() {
        let root = Authority::from_seed(&[7u8; 32]);
        let now = tamga_core::fixtures::at("2026-12-04T08:00:00Z");
        let act = root
            .list_kp_participants(
                &request(&[("European Union", &["be", "NL"]), ("Botswana", &["BW"])]),
                now,
            )
            .unwrap();
        let ActBody::KpParticipantsListed(body) = act.body() else {
            unreachable!("a list")
        };
        assert_eq!((body.at, body.participants.len()), (now, 2));
        assert_eq!(body.participants[0].countries[0].as_str(), "BE");
        let twice = root
            .list_kp_participants(
                &request(&[("European Union", &["BE"]), ("Belgium", &["BE"])]),
                now,
            )
            .unwrap_err();
        assert!(twice.to_string().contains("twice"), "{twice}");
        let bad = root
            .list_kp_participants(&request(&[("Nowhere", &["XYZ"])]), now)
            .unwrap_err();
        assert!(bad.to_string().contains("Nowhere"), "{bad}");
        let empty = root.list_kp_participants(&request(&[]), now).unwrap_err();
        assert!(empty.to_string().contains("participants"), "{empty}");
    }
}
