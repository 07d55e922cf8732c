//! Central's configuration: `tamga-central.toml` in the data directory, written by `init`, with
//! the environment taking precedence for the listen address (`TAMGA_CENTRAL_LISTEN`).

use serde::{Deserialize, Serialize};
use std::path::Path;
use tamga_core::UnitCode;

/// The configuration file's name in the data directory.
pub const FILE_NAME: &str = "tamga-central.toml";

/// The address central listens on unless told otherwise.
/// The largest configuration file read.
const MAX_FILE_BYTES: u64 = 1024 * 1024;

/// The default listen address.
pub const DEFAULT_LISTEN: &str = "127.0.0.1:7400";

/// Central's configuration.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// Central's own unit code (its device key is enrolled there), like `HQ-RECON`.
    pub unit: UnitCode,
    /// Where central listens for edge nodes and staff, like `127.0.0.1:7400`.
    pub listen: String,
    /// The customs authority's root key (64 hex digits), which every node pins; its secret half
    /// is kept offline. Written by `init`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub authority: Option<tamga_core::KeyId>,
    /// The units whose nodes receive every consignment: central's own, and any other
    /// headquarters unit. Edge nodes are configured with the same list.
    pub central_units: Vec<UnitCode>,
    /// How often every consignment is reassessed, in seconds (deadlines pass without any new
    /// act); changed consignments are reassessed as their changes arrive.
    #[serde(default = "default_reassess_seconds")]
    pub reassess_seconds: u64,
    /// After how many seconds without a sync an edge node counts as silent on the dashboard.
    #[serde(default = "default_silent_after_seconds")]
    pub silent_after_seconds: u64,
    /// Seconds between background compactions of the store (incremental changes folded into
    /// saved documents).
    #[serde(default = "default_compact_interval_seconds")]
    pub compact_interval_seconds: u64,
    /// The time zone headquarters and the posts work in (IANA name): the years of the KP
    /// report and the default periods of the reports are local years. Kyrgyz posts and
    /// headquarters work at Asia/Bishkek (UTC+6, no daylight saving).
    #[serde(default = "default_time_zone")]
    pub time_zone: String,
    /// The offline allowance, in seconds: an act first seen by central's transparency log more
    /// than this after its own time is flagged as backdated (a node may be offline on the road
    /// for days, not weeks). Three days by default.
    #[serde(default = "default_offline_allowance_seconds")]
    pub offline_allowance_seconds: u64,
    /// Where the dashboard and its API answer staff over HTTPS, like `0.0.0.0:7443`; absent, or
    /// `off` in `TAMGA_CENTRAL_STAFF_LISTEN`, not at all (the environment takes precedence).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub staff_listen: Option<String>,
    /// The organisation's certificate chain for the staff port (PEM, relative to the data
    /// directory or absolute); without it, central's own (`staff-tls.crt`, made at `init`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub staff_tls_cert: Option<String>,
    /// Its private key (PEM).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub staff_tls_key: Option<String>,
    /// Host names central's own certificate is made for, besides `localhost` and this machine's
    /// name.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub staff_tls_names: Vec<String>,
    /// The host name staff open the dashboard by, for security keys (WebAuthn's relying party):
    /// by default the first of `staff_tls_names`, else `localhost`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub staff_rp_id: Option<String>,
    /// A staff session ends after this many seconds without a request (15 minutes by default).
    #[serde(default = "default_staff_idle_seconds")]
    pub staff_idle_seconds: u64,
    /// The PostgreSQL database several central processes share, like
    /// `postgres://tamga@db.hq:5432/tamga` ([`crate::postgres`]); absent, central keeps
    /// everything in its own store. `TAMGA_CENTRAL_POSTGRES` takes precedence (`off`: none).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub postgres: Option<String>,
}

/// Where `init` has the staff port listen.
pub const DEFAULT_STAFF_LISTEN: &str = "0.0.0.0:7443";

/// Staff are logged out after 15 idle minutes by default.
pub const DEFAULT_STAFF_IDLE_SECONDS: u64 = 15 * 60;

fn default_staff_idle_seconds() -> u64 {
    DEFAULT_STAFF_IDLE_SECONDS
}

fn default_offline_allowance_seconds() -> u64 {
    tamga_core::transparency::evidence::DEFAULT_OFFLINE_ALLOWANCE_SECONDS
}

/// The time zone of Kyrgyz customs (DOMAIN.md, "Local time").
pub const DEFAULT_TIME_ZONE: &str = "Asia/Bishkek";

fn default_time_zone() -> String {
    DEFAULT_TIME_ZONE.to_owned()
}

/// Every consignment is reassessed once a minute by default.
pub const DEFAULT_REASSESS_SECONDS: u64 = 60;
/// A node is silent after a day without a sync by default.
pub const DEFAULT_SILENT_AFTER_SECONDS: u64 = 24 * 3600;

fn default_reassess_seconds() -> u64 {
    DEFAULT_REASSESS_SECONDS
}

fn default_silent_after_seconds() -> u64 {
    DEFAULT_SILENT_AFTER_SECONDS
}

/// The store is compacted once an hour by default.
pub const DEFAULT_COMPACT_INTERVAL_SECONDS: u64 = 3600;

fn default_compact_interval_seconds() -> u64 {
    DEFAULT_COMPACT_INTERVAL_SECONDS
}

/// Why the configuration could not be used.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// The file could not be read or written.
    #[error(
        "{path}: {source}; check --data-dir, or create central there with `tamga-central init`"
    )]
    Io {
        /// The file.
        path: String,
        /// What happened.
        source: std::io::Error,
    },
    /// The file or the options are not valid.
    #[error("{path} is not a valid configuration: {detail}")]
    Invalid {
        /// The file (or what was checked).
        path: String,
        /// What is wrong.
        detail: String,
    },
}

impl Config {
    /// A new configuration for `unit`, listening on `listen`, with `unit` as the only central
    /// unit.
    pub fn new(unit: &str, listen: &str) -> Result<Config, String> {
        let unit = UnitCode::new(unit).map_err(|e| format!("unit: {e}"))?;
        let config = Config {
            unit: unit.clone(),
            listen: listen.to_owned(),
            authority: None,
            central_units: vec![unit],
            reassess_seconds: DEFAULT_REASSESS_SECONDS,
            silent_after_seconds: DEFAULT_SILENT_AFTER_SECONDS,
            compact_interval_seconds: DEFAULT_COMPACT_INTERVAL_SECONDS,
            time_zone: default_time_zone(),
            offline_allowance_seconds: default_offline_allowance_seconds(),
            staff_listen: Some(DEFAULT_STAFF_LISTEN.to_owned()),
            staff_tls_cert: None,
            staff_tls_key: None,
            staff_tls_names: Vec::new(),
            staff_rp_id: None,
            staff_idle_seconds: DEFAULT_STAFF_IDLE_SECONDS,
            postgres: None,
        };
        config.check()?;
        Ok(config)
    }

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
        let mut config = Config::parse(&text).map_err(|detail| ConfigError::Invalid {
            path: shown.clone(),
            detail: format!("{detail}; fix the file"),
        })?;
        if let Ok(listen) = std::env::var("TAMGA_CENTRAL_LISTEN") {
            config.listen = listen;
            config.check().map_err(|detail| ConfigError::Invalid {
                path: "TAMGA_CENTRAL_LISTEN".into(),
                detail,
            })?;
        }
        match std::env::var("TAMGA_CENTRAL_POSTGRES").as_deref() {
            Ok("off") => config.postgres = None,
            Ok(url) => {
                config.postgres = Some(url.to_owned());
                config.check().map_err(|detail| ConfigError::Invalid {
                    path: "TAMGA_CENTRAL_POSTGRES".into(),
                    detail,
                })?;
            }
            Err(_) => {}
        }
        match std::env::var("TAMGA_CENTRAL_STAFF_LISTEN").as_deref() {
            Ok("off") => config.staff_listen = None,
            Ok(listen) => config.staff_listen = Some(listen.to_owned()),
            Err(_) => {}
        }
        if config.staff_tls_cert.is_some() != config.staff_tls_key.is_some() {
            return Err(ConfigError::Invalid {
                path: shown,
                detail: "staff_tls_cert and staff_tls_key go together: give both or neither".into(),
            });
        }
        Ok(config)
    }

    /// The root key the configuration names.
    pub fn root(&self) -> Result<tamga_core::KeyId, String> {
        self.authority.clone().ok_or_else(|| {
            "it names no customs authority root key (authority = \"<64 hex digits>\"); add the key every edge node pins".to_owned()
        })
    }

    /// Parses and checks the text of a configuration file.
    pub fn parse(text: &str) -> Result<Config, String> {
        let config: Config = toml::from_str(text).map_err(|e| e.to_string())?;
        config.check()?;
        Ok(config)
    }

    /// The text of the configuration file.
    pub fn to_toml(&self) -> String {
        toml::to_string_pretty(self).expect("the configuration serializes")
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

    /// The time zone as people read and type times in it (checked at load; the default zone
    /// if a configuration built in code names none the database knows).
    pub fn local_time(&self) -> tamga_node::local_time::LocalTime {
        tamga_node::local_time::LocalTime::new(&self.time_zone).unwrap_or_default()
    }

    /// Checks codes and addresses.
    pub fn check(&self) -> Result<(), String> {
        self.listen.parse::<std::net::SocketAddr>().map_err(|e| {
            format!(
                "listen {:?}: {e} (expected like 127.0.0.1:7400)",
                self.listen
            )
        })?;
        if !(1..=86_400).contains(&self.reassess_seconds) {
            return Err(format!(
                "reassess_seconds {} must be between 1 and 86400",
                self.reassess_seconds
            ));
        }
        if self.silent_after_seconds == 0 {
            return Err("silent_after_seconds must be at least 1".into());
        }
        if self.compact_interval_seconds == 0 {
            return Err("compact_interval_seconds must be at least 1".into());
        }
        self.zone()?;
        if let Some(url) = &self.postgres {
            if !(url.starts_with("postgres://") || url.starts_with("postgresql://")) {
                return Err(format!(
                    "postgres {:?} is not a PostgreSQL URL (expected like postgres://tamga@db.hq:5432/tamga)",
                    crate::postgres::redact(url)
                ));
            }
        }
        if !self.central_units.contains(&self.unit) {
            return Err(format!(
                "central_units must include central's own unit {}",
                self.unit
            ));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_new_configuration_round_trips() {
        let config = Config::new("HQ-RECON", DEFAULT_LISTEN).unwrap();
        config.check().unwrap();
        assert_eq!(
            config.central_units,
            vec![UnitCode::new("HQ-RECON").unwrap()]
        );
        assert_eq!(Config::parse(&config.to_toml()).unwrap(), config);
    }

    #[test]
    fn bad_values_are_refused_with_the_field() {
        let bad_unit = Config::new("hq recon", DEFAULT_LISTEN);
        assert!(bad_unit.unwrap_err().starts_with("unit:"));
        let bad_listen = Config::new("HQ-RECON", "localhost");
        assert!(bad_listen.unwrap_err().starts_with("listen"));
        let mut without_own = Config::new("HQ-RECON", DEFAULT_LISTEN).unwrap();
        without_own.central_units = vec![UnitCode::new("HQ-AUDIT").unwrap()];
        assert!(without_own.check().unwrap_err().contains("own unit"));
        let unknown_field = format!(
            "{}extra = 1\n",
            Config::new("HQ", DEFAULT_LISTEN).unwrap().to_toml()
        );
        assert!(Config::parse(&unknown_field).is_err());
        let mut never = Config::new("HQ-RECON", DEFAULT_LISTEN).unwrap();
        never.reassess_seconds = 0;
        assert!(never.check().unwrap_err().starts_with("reassess_seconds"));
        // Codes in the file are checked as they are read, naming the field.
        for (field, file) in [
            ("unit", "unit = \"hq recon\"\nlisten = \"127.0.0.1:7400\"\ncentral_units = [\"HQ-RECON\"]\n"),
            ("central_units", "unit = \"HQ-RECON\"\nlisten = \"127.0.0.1:7400\"\ncentral_units = [\"HQ-RECON\", \"a b\"]\n"),
        ] {
            let e = Config::parse(file).unwrap_err();
            assert!(e.contains(field), "{e}");
        }
        // A file written before these settings existed still loads, with the defaults.
        let old =
            "unit = \"HQ-RECON\"\nlisten = \"127.0.0.1:7400\"\ncentral_units = [\"HQ-RECON\"]\n";
        assert_eq!(
            Config::parse(old).unwrap().reassess_seconds,
            DEFAULT_REASSESS_SECONDS
        );
    }

    #[test]
    fn the_time_zone_is_bishkek_unless_set_and_a_wrong_one_is_refused() {
        let text = Config::new("HQ-RECON", DEFAULT_LISTEN)
            .unwrap()
            .to_toml()
            .replace("time_zone = \"Asia/Bishkek\"\n", "");
        assert!(!text.contains("time_zone"), "{text}");
        let config = Config::parse(&text).unwrap();
        assert_eq!(config.zone().unwrap(), chrono_tz::Asia::Bishkek);
        let almaty = format!("{text}time_zone = \"Asia/Almaty\"\n");
        assert_eq!(
            Config::parse(&almaty).unwrap().zone().unwrap(),
            chrono_tz::Asia::Almaty
        );
        let wrong = format!("{text}time_zone = \"UTC+6\"\n");
        let e = Config::parse(&wrong).unwrap_err();
        assert!(
            e.contains("time_zone \"UTC+6\"") && e.contains("Asia/Bishkek"),
            "{e}"
        );
    }
}
