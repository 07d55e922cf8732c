//! The node's configuration: `tamga-edge.toml` in the data directory, written by `init`, with
//! environment variables taking precedence (`TAMGA_EDGE_LISTEN`, `TAMGA_EDGE_PUBLIC_URL`,
//! `TAMGA_EDGE_SYNC_INTERVAL`, `TAMGA_EDGE_KEEP_DELIVERED_DAYS`, `TAMGA_EDGE_ARCHIVE_CLOSED_DAYS`,
//! `TAMGA_EDGE_GPSD`). `time_zone` (IANA, default Asia/Bishkek) is the local time people read on
//! paper acts. A vehicle's optional `[gps]` table ([`GpsConfig`]) reads positions from the
//! vehicle's GPS receiver through gpsd ([`crate::gps`]).

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

/// On a vehicle: where its GPS receiver's positions come from and how they are signed
/// (`[gps]` in `tamga-edge.toml`; see [`crate::gps`]). Every field has a default, so an empty
/// `[gps]` table turns it on with gpsd on this machine's standard port.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GpsConfig {
    /// gpsd's address, `host:port` (default `127.0.0.1:2947`, gpsd's own port on this machine;
    /// `TAMGA_EDGE_GPSD` overrides it).
    #[serde(default = "default_gpsd")]
    pub gpsd: String,
    /// The longest a fix waits before it is signed, in seconds (default 300): a batch is signed
    /// this long after its first fix, or sooner when it reaches `batch_fixes`.
    #[serde(default = "default_batch_seconds")]
    pub batch_seconds: u64,
    /// The most fixes in one batch (default 30; at most
    /// [`tamga_core::act::MAX_POSITIONS_PER_ACT`]).
    #[serde(default = "default_batch_fixes")]
    pub batch_fixes: usize,
    /// The fastest the vehicle may go, in km/h (default 300): a fix that would mean a faster
    /// move from the last one signed is a jump, held back (see [`crate::gps::fixes`]).
    #[serde(default = "default_max_speed_kmh")]
    pub max_speed_kmh: u32,
}

/// gpsd's own port on this machine.
pub const DEFAULT_GPSD: &str = "127.0.0.1:2947";

fn default_gpsd() -> String {
    DEFAULT_GPSD.to_owned()
}

fn default_batch_seconds() -> u64 {
    300
}

fn default_batch_fixes() -> usize {
    30
}

fn default_max_speed_kmh() -> u32 {
    300
}

impl Default for GpsConfig {
    fn default() -> Self {
        GpsConfig {
            gpsd: default_gpsd(),
            batch_seconds: default_batch_seconds(),
            batch_fixes: default_batch_fixes(),
            max_speed_kmh: default_max_speed_kmh(),
        }
    }
}

impl GpsConfig {
    /// Checks the address and the bounds.
    pub fn check(&self) -> Result<(), String> {
        let port = self
            .gpsd
            .rsplit_once(':')
            .filter(|(host, _)| !host.is_empty() && !host.contains(char::is_whitespace))
            .and_then(|(_, port)| port.parse::<u16>().ok())
            .filter(|p| *p != 0);
        if port.is_none() {
            return Err(format!(
                "gps.gpsd {:?} is not an address like {DEFAULT_GPSD} (host:port)",
                self.gpsd
            ));
        }
        if self.batch_seconds == 0 {
            return Err("gps.batch_seconds must be at least 1".into());
        }
        let most = tamga_core::act::MAX_POSITIONS_PER_ACT;
        if self.batch_fixes == 0 || self.batch_fixes > most {
            return Err(format!("gps.batch_fixes must be from 1 to {most}"));
        }
        if self.max_speed_kmh == 0 {
            return Err("gps.max_speed_kmh must be at least 1".into());
        }
        Ok(())
    }
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
    /// On a vehicle: positions from its GPS receiver through gpsd, signed by the device key for
    /// the consignments the vehicle's unit holds (absent: off). Refused on a post.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gps: Option<GpsConfig>,
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
        config.gpsd_from_env(std::env::var("TAMGA_EDGE_GPSD").ok());
        config.check().map_err(|detail| ConfigError::Invalid {
            path: shown,
            detail,
        })?;
        Ok(config)
    }

    /// `TAMGA_EDGE_GPSD`, when set and not empty: gpsd's address, as `[gps] gpsd = ...` would
    /// give it (turning GPS on with the other defaults if the file has no `[gps]` table).
    fn gpsd_from_env(&mut self, address: Option<String>) {
        if let Some(address) = address.filter(|a| !a.is_empty()) {
            self.gps.get_or_insert_with(GpsConfig::default).gpsd = address;
        }
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
        if let Some(gps) = &self.gps {
            if self.role != NodeRole::Vehicle {
                return Err("[gps] (or TAMGA_EDGE_GPSD) is for a vehicle node: a post reads no GPS receiver; remove the [gps] table from this post's configuration".into());
            }
            gps.check()?;
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

    fn vehicle() -> String {
        GOOD.replace("AUTH", &"ab".repeat(32))
            .replace("\"post\"", "\"vehicle\"")
            .replace("MANAS-AIRPORT", "ESCORT-BISHKEK")
    }

    #[test]
    fn gps_is_off_unless_configured_and_an_empty_table_takes_the_defaults() {
        assert_eq!(load(&vehicle()).unwrap().gps, None);
        let config = load(&format!("{}[gps]\n", vehicle())).unwrap();
        let gps = config.gps.clone().unwrap();
        assert_eq!(gps, GpsConfig::default());
        assert_eq!(
            (
                gps.gpsd.as_str(),
                gps.batch_seconds,
                gps.batch_fixes,
                gps.max_speed_kmh
            ),
            ("127.0.0.1:2947", 300, 30, 300)
        );
        // Written back, the table stays.
        let dir = tempfile::tempdir().unwrap();
        config.save(dir.path()).unwrap();
        assert_eq!(Config::load(dir.path()).unwrap().gps, Some(gps));
        let set = format!(
            "{}[gps]\ngpsd = \"gps.local:3000\"\nbatch_seconds = 60\nbatch_fixes = 10\nmax_speed_kmh = 150\n",
            vehicle()
        );
        let gps = load(&set).unwrap().gps.unwrap();
        assert_eq!(
            (
                gps.gpsd.as_str(),
                gps.batch_seconds,
                gps.batch_fixes,
                gps.max_speed_kmh
            ),
            ("gps.local:3000", 60, 10, 150)
        );
    }

    #[test]
    fn gps_on_a_post_and_bad_gps_values_are_refused_naming_them() {
        let post = GOOD.replace("AUTH", &"ab".repeat(32));
        let e = load(&format!("{post}[gps]\n")).unwrap_err().to_string();
        assert!(e.contains("[gps]") && e.contains("vehicle"), "{e}");
        for (table, named) in [
            ("gpsd = \"127.0.0.1\"", "gps.gpsd"),
            ("gpsd = \":2947\"", "gps.gpsd"),
            ("gpsd = \"127.0.0.1:0\"", "gps.gpsd"),
            ("batch_seconds = 0", "gps.batch_seconds"),
            ("batch_fixes = 0", "gps.batch_fixes"),
            ("batch_fixes = 1001", "gps.batch_fixes"),
            ("max_speed_kmh = 0", "gps.max_speed_kmh"),
            ("speed = 3", "speed"),
        ] {
            let e = load(&format!("{}[gps]\n{table}\n", vehicle()))
                .unwrap_err()
                .to_string();
            assert!(e.contains(named), "{table}: {e}");
        }
    }

    #[test]
    fn tamga_edge_gpsd_gives_the_address_and_turns_gps_on() {
        let mut config = load(&vehicle()).unwrap();
        config.gpsd_from_env(Some(String::new()));
        assert_eq!(config.gps, None);
        config.gpsd_from_env(Some("127.0.0.1:4000".into()));
        let gps = config.gps.clone().unwrap();
        assert_eq!(gps.gpsd, "127.0.0.1:4000");
        assert_eq!(gps.batch_fixes, 30);
        let mut config = load(&format!("{}[gps]\nbatch_fixes = 5\n", vehicle())).unwrap();
        config.gpsd_from_env(Some("10.0.0.2:2947".into()));
        let gps = config.gps.clone().unwrap();
        assert_eq!((gps.gpsd.as_str(), gps.batch_fixes), ("10.0.0.2:2947", 5));
        // On a post, the variable is refused like the table.
        let mut post = load(&GOOD.replace("AUTH", &"ab".repeat(32))).unwrap();
        post.gpsd_from_env(Some("127.0.0.1:4000".into()));
        assert!(post.check().unwrap_err().contains("TAMGA_EDGE_GPSD"));
    }
}
