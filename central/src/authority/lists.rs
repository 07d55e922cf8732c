//! The lists the authority keeps in the registry, signed with central's registrar key: the
//! Kimberley Process participants (`kp_participants_listed`), from a file staff keep up to date
//! from the KP's published list.

use super::{text, Authority, AuthorityError};
use serde::{Deserialize, Serialize};
use tamga_core::act::{KpParticipant, KpParticipantsListed};
use tamga_core::codes::CountryCode;
use tamga_core::{ActBody, SignedAct, Timestamp};

/// A KP participants list as staff write it (a JSON file): where it comes from and who takes
/// part, each participant with its countries.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct KpParticipantsRequest {
    /// Where the list comes from ("Kimberley Process participants, kimberleyprocess.com,
    /// 2026-06-30").
    pub source: String,
    /// The participants.
    pub participants: Vec<KpParticipantRequest>,
}

/// One participant in a [`KpParticipantsRequest`].
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct KpParticipantRequest {
    /// Its name.
    pub name: String,
    /// Its countries, ISO 3166-1 alpha-2 (each member state for the European Union).
    pub countries: Vec<String>,
}

impl Authority {
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
