//! The node's configuration: `tamga-edge.toml` in the data directory, written by `init`, with
//! environment variables taking precedence (`TAMGA_EDGE_LISTEN`, `TAMGA_EDGE_PUBLIC_URL`,
//! `TAMGA_EDGE_SYNC_INTERVAL`, `TAMGA_EDGE_KEEP_DELIVERED_DAYS`, `TAMGA_EDGE_ARCHIVE_CLOSED_DAYS`).
//! `time_zone` (IANA, default Asia/Bishkek) is the local time people read on paper acts.

use serde::{Deserialize, Serialize};
use std::path::Path;
use tamga_core::{KeyId, UnitCode};

/// The configuration file's name in the data directory.
pub const FILE_NAME: &str = "tamga-edge.toml";
/// The largest configuration file read.
pub const MAX_FILE_BYTES: u64 = 1024 * 1024;

/// What kind of node this is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum NodeRole {
    /// At a customs post or office.
    Post,
    /// In an escort vehicle.
    Vehicle,
}

/// A peer this node syncs with in the background.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PeerConfig {
    /// A name for people and logs ("central", "airport post").
    pub name: String,
    /// Its base URL, like `https://10.0.0.5:7300` (plain `http://` is refused).
    pub url: String,
    /// Its device key (64 hex digits).
    pub key: KeyId,
}

/// The node's configuration.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// Post or vehicle.
    pub role: NodeRole,
    /// The post's or escort unit's code.
    pub unit: UnitCode,
    /// The customs authority's public key, pinned at `init`.
    pub authority: KeyId,
    /// Where the node listens, like `127.0.0.1:7300`.
    pub listen: String,
    /// Where peers reach this node, like `https://192.168.1.10:7300`, when that is not the
    /// listen address (a node listening on `0.0.0.0`, or behind a forwarded port): a peer sends a
    /// completed handoff back there. Without it, a node listening on one address gives that.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub public_url: Option<String>,
    /// The units whose nodes receive every consignment (central's).
    #[serde(default)]
    pub central_units: Vec<UnitCode>,
    /// Peers to sync with in the background.
    #[serde(default)]
    pub peers: Vec<PeerConfig>,
    /// Seconds between background sync rounds when the last one succeeded.
    #[serde(default = "default_interval")]
    pub sync_interval_seconds: u64,
    /// Seconds between background compactions of the store (incremental changes folded into
    /// saved documents).
    #[serde(default = "default_compact_interval")]
    pub compact_interval_seconds: u64,
    /// On a vehicle: days a delivered consignment is kept once central holds it, then
    /// forgotten (default 7; 0: at the next sync). Posts keep what concerns them.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub keep_delivered_days: Option<u32>,
    /// At a post: days after delivery a consignment central holds stays in the live store before
    /// `serve` moves it into the archive (`archive/`, still searched and exported). Absent (the
    /// default): nothing is archived in the background; `tamga-edge archive run --days N` does
    /// it by hand.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub archive_closed_days: Option<u32>,
    /// The time zone the node's people work in (IANA name): paper acts give an act's time in
    /// it, with its offset, beside UTC. Kyrgyz posts and escort units work at Asia/Bishkek
    /// (UTC+6, no daylight saving; DOMAIN.md, "Local time"), the default.
    #[serde(default = "default_time_zone")]
    pub time_zone: String,
}

/// The time zone of Kyrgyz customs (DOMAIN.md, "Local time"), as central's default.
pub const DEFAULT_TIME_ZONE: &str = "Asia/Bishkek";

fn default_time_zone() -> String {
    DEFAULT_TIME_ZONE.to_owned()
}

fn default_interval() -> u64 {
    60
}

fn default_compact_interval() -> u64 {
    3600
}

/// Why the configuration could not be used.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// The file could not be read or written.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: String,
        /// What happened.
        source: std::io::Error,
    },
    /// The file is not valid.
    #[error("{path} is not a valid configuration: {detail}. Fix the file or run `tamga-edge init` again in a new directory")]
    Invalid {
        /// The file.
        path: String,
        /// What is wrong.
        detail: String,
    },
}

impl Config {
    /// Reads the configuration of the node in `dir`, with environment overrides, and checks it.
    pub fn load(dir: &Path) -> Result<Config, ConfigError> {
        let path = dir.join(FILE_NAME);
        let shown = path.display().to_string();
        let text =
            tamga_node::files::read_text_limited(&path, MAX_FILE_BYTES).map_err(|source| {
                ConfigError::Io {
                    path: shown.clone(),
                    source,
                }
            })?;
        let mut config: Config = toml::from_str(&text).map_err(|e| ConfigError::Invalid {
            path: shown.clone(),
            detail: e.to_string(),
        })?;
        if let Ok(listen) = std::env::var("TAMGA_EDGE_LISTEN") {
            config.listen = listen;
        }
        if let Ok(url) = std::env::var("TAMGA_EDGE_PUBLIC_URL") {
            config.public_url = Some(url).filter(|u| !u.is_empty());
        }
        if let Ok(interval) = std::env::var("TAMGA_EDGE_SYNC_INTERVAL") {
            config.sync_interval_seconds = interval.parse().map_err(|_| ConfigError::Invalid {
                path: "TAMGA_EDGE_SYNC_INTERVAL".into(),
                detail: format!("{interval:?} is not a number of seconds"),
            })?;
        }
        if let Ok(days) = std::env::var("TAMGA_EDGE_KEEP_DELIVERED_DAYS") {
            config.keep_delivered_days = Some(days.parse().map_err(|_| ConfigError::Invalid {
                path: "TAMGA_EDGE_KEEP_DELIVERED_DAYS".into(),
                detail: format!("{days:?} is not a number of days"),
            })?);
        }
        if let Ok(days) = std::env::var("TAMGA_EDGE_ARCHIVE_CLOSED_DAYS") {
            config.archive_closed_days = Some(days.parse().map_err(|_| ConfigError::Invalid {
                path: "TAMGA_EDGE_ARCHIVE_CLOSED_DAYS".into(),
                detail: format!("{days:?} is not a number of days"),
            })?);
        }
        config.check().map_err(|detail| ConfigError::Invalid {
            path: shown,
            detail,
        })?;
        Ok(config)
    }

    /// Writes the configuration into `dir`.
    pub fn save(&self, dir: &Path) -> Result<(), ConfigError> {
        let path = dir.join(FILE_NAME);
        let text = toml::to_string_pretty(self).expect("the configuration serializes");
        tamga_node::files::write_atomic(&path, text.as_bytes()).map_err(|source| ConfigError::Io {
            path: path.display().to_string(),
            source,
        })
    }

    /// The time zone ([`Config::time_zone`]).
    pub fn zone(&self) -> Result<chrono_tz::Tz, String> {
        self.time_zone.parse::<chrono_tz::Tz>().map_err(|_| {
            format!(
                "time_zone {:?} is not a time zone of the IANA database (like {DEFAULT_TIME_ZONE})",
                self.time_zone
            )
        })
    }

    /// The time zone as people read and type times in it (checked at load; the default zone if
    /// a configuration built in code names none the database knows).
    pub fn local_time(&self) -> tamga_node::local_time::LocalTime {
        tamga_node::local_time::LocalTime::new(&self.time_zone).unwrap_or_default()
    }

    /// Checks codes, keys, addresses and the time zone.
    pub fn check(&self) -> Result<(), String> {
        self.zone()?;
        self.listen
            .parse::<std::net::SocketAddr>()
            .map_err(|e| format!("listen {:?}: {e}", self.listen))?;
        if let Some(url) = &self.public_url {
            tamga_node::transport::check_peer_url(url).map_err(|e| format!("public_url: {e}"))?;
        }
        for p in &self.peers {
            tamga_node::transport::check_peer_url(&p.url)
                .map_err(|e| format!("peer {}: url: {e}", p.name))?;
        }
        if self.sync_interval_seconds == 0 {
            return Err("sync_interval_seconds must be at least 1".into());
        }
        if self.compact_interval_seconds == 0 {
            return Err("compact_interval_seconds must be at least 1".into());
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const GOOD: &str = "role = \"post\"\nunit = \"MANAS-AIRPORT\"\nauthority = \"AUTH\"\nlisten = \"127.0.0.1:7300\"\ncentral_units = [\"HQ-RECON\"]\n";

    fn load(text: &str) -> Result<Config, ConfigError> {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join(FILE_NAME), text).unwrap();
        Config::load(dir.path())
    }

    #[test]
    fn codes_and_keys_are_checked_as_the_file_is_read_naming_the_field() {
        let authority = "ab".repeat(32);
        let good = GOOD.replace("AUTH", &authority);
        let config = load(&good).unwrap();
        assert_eq!(config.unit.as_str(), "MANAS-AIRPORT");
        assert_eq!(config.authority.as_str(), authority);
        for (field, text) in [
            ("unit", good.replace("MANAS-AIRPORT", "manas airport")),
            ("authority", GOOD.replace("AUTH", "not-a-key")),
            ("central_units", good.replace("[\"HQ-RECON\"]", "[\"a b\"]")),
            (
                "key",
                format!("{good}[[peers]]\nname = \"hq\"\nurl = \"https://127.0.0.1:7400\"\nkey = \"zz\"\n"),
            ),
            (
                "write https://127.0.0.1:7400",
                format!("{good}[[peers]]\nname = \"hq\"\nurl = \"http://127.0.0.1:7400\"\nkey = \"{authority}\"\n"),
            ),
        ] {
            let e = load(&text).unwrap_err().to_string();
            assert!(e.contains(field), "{field}: {e}");
        }
    }

    #[test]
    fn the_time_zone_is_bishkek_unless_set_and_a_wrong_one_is_refused() {
        let good = GOOD.replace("AUTH", &"ab".repeat(32));
        assert_eq!(
            load(&good).unwrap().zone().unwrap(),
            chrono_tz::Asia::Bishkek
        );
        let almaty = format!("{good}time_zone = \"Asia/Almaty\"\n");
        assert_eq!(
            load(&almaty).unwrap().zone().unwrap(),
            chrono_tz::Asia::Almaty
        );
        let wrong = format!("{good}time_zone = \"Asia/Frunze-X\"\n");
        let e = load(&wrong).unwrap_err().to_string();
        assert!(
            e.contains("time_zone") && e.contains("Asia/Frunze-X"),
            "{e}"
        );
    }
}
