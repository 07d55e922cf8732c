//! The node's handoff offers in flight: the ones its officers made (outgoing) and the ones that
//! came for its officers (incoming), kept as files until the handoff completes.
//!
//! `offers/<direction>/<act id>.offer` holds the offer's canonical bytes exactly as signed;
//! `<act id>.json` beside it says how it came (LAN, QR, file, this node) and where to return the
//! completed act. Whether an offer is completed is not stored: it is whether the store holds the
//! act with the offer's id.

use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};
use tamga_core::handoff::CustodyOffer;
use tamga_core::ActId;
use tamga_node::files::{read_limited, read_limited_if_exists, write_atomic};

/// The largest offer file accepted.
pub const MAX_OFFER_BYTES: u64 = 64 * 1024;
/// The largest note read beside an offer.
const MAX_NOTE_BYTES: u64 = 64 * 1024;
/// The most offers kept in one direction.
pub const MAX_OFFERS: usize = 1000;

/// Which way an offer goes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Direction {
    /// Made here, for an officer elsewhere.
    Outgoing,
    /// Made elsewhere, for an officer here.
    Incoming,
}

impl Direction {
    fn folder(self) -> &'static str {
        match self {
            Direction::Outgoing => "outgoing",
            Direction::Incoming => "incoming",
        }
    }
}

/// How an offer reached this node.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Via {
    /// Sent by a peer over the LAN.
    Lan,
    /// Read from a QR code.
    Qr,
    /// Imported from a file.
    File,
    /// Made on this node.
    Local,
}

/// What is kept beside an offer.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct OfferNote {
    /// How it came.
    pub via: Via,
    /// Where to send the completed act (the releasing node's base URL), if it came over the LAN.
    #[serde(default)]
    pub reply_to: Option<String>,
    /// The device key the releasing node proved at the TLS handshake that carried the offer: the
    /// completed act goes back to `reply_to` only over a connection to that key.
    #[serde(default)]
    pub reply_key: Option<tamga_core::KeyId>,
}

impl OfferNote {
    /// Where the completed act goes back to, and the key that must answer there; none unless
    /// both are known.
    pub fn reply(&self) -> Option<(String, tamga_core::KeyId)> {
        Some((self.reply_to.clone()?, self.reply_key.clone()?))
    }
}

/// Why an offer could not be kept or found.
#[derive(Debug, thiserror::Error)]
pub enum OfferBoxError {
    /// No such offer.
    #[error("no {direction} offer {id} on this node: list the offers and check the id")]
    Unknown {
        /// Which way.
        direction: &'static str,
        /// The id asked for.
        id: String,
    },
    /// Too many open offers.
    #[error("this node already holds {MAX_OFFERS} offers: complete or discard old ones first")]
    Full,
    /// A file could not be read or written.
    #[error("{path}: {source}; check the disk and the data directory's permissions")]
    Io {
        /// The file.
        path: String,
        /// What happened.
        source: std::io::Error,
    },
    /// A kept file no longer decodes.
    #[error("offer file {path} is damaged: {detail}; move it away and ask for the offer again")]
    Damaged {
        /// The file.
        path: String,
        /// What is wrong.
        detail: String,
    },
}

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> OfferBoxError + '_ {
    move |source| OfferBoxError::Io {
        path: path.display().to_string(),
        source,
    }
}

/// The offers of one node.
#[derive(Clone, Debug)]
pub struct OfferBox {
    dir: PathBuf,
}

impl OfferBox {
    /// The box under a node's data directory.
    pub fn new(data_dir: &Path) -> Self {
        OfferBox {
            dir: data_dir.join("offers"),
        }
    }

    fn path(&self, direction: Direction, id: &ActId, ext: &str) -> PathBuf {
        self.dir
            .join(direction.folder())
            .join(format!("{id}.{ext}"))
    }

    /// Keeps an offer. Keeping the same offer again only updates its note.
    pub fn put(
        &self,
        direction: Direction,
        offer: &CustodyOffer,
        note: &OfferNote,
    ) -> Result<(), OfferBoxError> {
        let id = offer.id();
        let path = self.path(direction, &id, "offer");
        if !path.exists() && self.ids(direction)?.len() >= MAX_OFFERS {
            return Err(OfferBoxError::Full);
        }
        let note_path = self.path(direction, &id, "json");
        write_atomic(
            &note_path,
            &serde_json::to_vec(note).expect("a note serializes"),
        )
        .map_err(io(&note_path))?;
        write_atomic(&path, &offer.encode()).map_err(io(&path))
    }

    /// The offer `id` in `direction`, with its note.
    pub fn get(
        &self,
        direction: Direction,
        id: &ActId,
    ) -> Result<(CustodyOffer, OfferNote), OfferBoxError> {
        let path = self.path(direction, id, "offer");
        if !path.exists() {
            return Err(OfferBoxError::Unknown {
                direction: direction.folder(),
                id: id.to_string(),
            });
        }
        let damaged = |detail: String| OfferBoxError::Damaged {
            path: path.display().to_string(),
            detail,
        };
        let bytes = read_limited(&path, MAX_OFFER_BYTES).map_err(io(&path))?;
        let offer = CustodyOffer::decode(&bytes).map_err(|e| damaged(e.to_string()))?;
        if &offer.id() != id {
            return Err(damaged("it holds another offer".into()));
        }
        let note_path = self.path(direction, id, "json");
        let note =
            match read_limited_if_exists(&note_path, MAX_NOTE_BYTES).map_err(io(&note_path))? {
                Some(b) => serde_json::from_slice(&b).map_err(|e| damaged(e.to_string()))?,
                None => OfferNote {
                    via: Via::File,
                    reply_to: None,
                    reply_key: None,
                },
            };
        Ok((offer, note))
    }

    /// Finds an offer in either direction, incoming first.
    pub fn find(&self, id: &ActId) -> Result<(Direction, CustodyOffer, OfferNote), OfferBoxError> {
        for direction in [Direction::Incoming, Direction::Outgoing] {
            match self.get(direction, id) {
                Ok((o, n)) => return Ok((direction, o, n)),
                Err(OfferBoxError::Unknown { .. }) => continue,
                Err(e) => return Err(e),
            }
        }
        Err(OfferBoxError::Unknown {
            direction: "incoming or outgoing",
            id: id.to_string(),
        })
    }

    /// The ids of the offers kept in `direction`.
    pub fn ids(&self, direction: Direction) -> Result<Vec<ActId>, OfferBoxError> {
        let dir = self.dir.join(direction.folder());
        let entries = match std::fs::read_dir(&dir) {
            Ok(e) => e,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
            Err(e) => return Err(io(&dir)(e)),
        };
        let mut ids = Vec::new();
        for entry in entries {
            let entry = entry.map_err(io(&dir))?;
            let name = entry.file_name().to_string_lossy().into_owned();
            if let Some(stem) = name.strip_suffix(".offer") {
                if let Ok(id) = ActId::from_hex(stem) {
                    ids.push(id);
                }
            }
        }
        ids.sort();
        Ok(ids)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tamga_core::fixtures::{Story, AIRPORT_POST};

    #[test]
    fn offers_are_kept_found_and_listed_by_direction() {
        let story = Story::new();
        let body = story.transfer_body(
            30,
            AIRPORT_POST,
            None,
            &story.airport_officer,
            &story.escort_lead,
        );
        let offer = CustodyOffer::create(body, &story.airport_officer.key).unwrap();
        let dir = tempfile::tempdir().unwrap();
        let offers = OfferBox::new(dir.path());
        assert!(offers.ids(Direction::Incoming).unwrap().is_empty());
        let note = OfferNote {
            via: Via::Lan,
            reply_to: Some("https://127.0.0.1:7300".into()),
            reply_key: Some(story.vehicle_device.id.clone()),
        };
        offers.put(Direction::Incoming, &offer, &note).unwrap();
        assert_eq!(offers.ids(Direction::Incoming).unwrap(), vec![offer.id()]);
        assert!(offers.ids(Direction::Outgoing).unwrap().is_empty());
        let (direction, found, kept) = offers.find(&offer.id()).unwrap();
        assert_eq!(
            (direction, &found, &kept),
            (Direction::Incoming, &offer, &note)
        );
        assert!(matches!(
            offers.get(Direction::Outgoing, &offer.id()),
            Err(OfferBoxError::Unknown { .. })
        ));

        // A file edited on disk is reported, not trusted.
        let path = dir
            .path()
            .join("offers/incoming")
            .join(format!("{}.offer", offer.id()));
        let text = std::fs::read_to_string(&path)
            .unwrap()
            .replace("\"packages\":1", "\"packages\":2");
        std::fs::write(&path, text).unwrap();
        assert!(matches!(
            offers.get(Direction::Incoming, &offer.id()),
            Err(OfferBoxError::Damaged { .. })
        ));
    }
}
