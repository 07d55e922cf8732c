//! tamga-central: the headquarters server.
//!
//! Central holds the **customs authority key**, the root of trust of every tamga node, and keeps
//! the **registry of keys** of record: which officer and device keys are enrolled, in which
//! role, for which unit and for how long, and which are revoked. Both are facts signed by the
//! authority (`key_enrolled`, `key_revoked` acts), recorded in central's store like any other
//! act and handed to edge nodes as an **enrollment file**: every registry act, one canonical
//! signed act per line, which `tamga-edge record` and `tamga-edge init --enrollment` import.
//!
//! Later, central also syncs with edge nodes, reconciles every consignment and serves the
//! dashboard for reconciliation staff; [`Central`] is the data directory those parts open.
//!
//! - [`authority`] holds the authority key and the decision to sign a registry act (a
//!   functional core: the registry and the time in, a signed act or a refusal out).
//! - [`config`] reads and writes `tamga-central.toml`.
//! - [`central`] opens the data directory (keys, configuration, store) and enrolls, revokes,
//!   lists and exports.
//! - [`reports`] computes the KP statistics and the reconciliation with the Department.
//! - [`epcis`] exports custody and seal acts as a GS1 EPCIS 2.0 JSON-LD document.
//!
//! The command line (`tamga-central`) is a thin shell over these: see `tamga-central --help`.

pub mod authority;
pub mod central;
pub mod config;
pub mod epcis;
pub mod reports;

pub use authority::{Authority, AuthorityError, EnrollmentRequest, RevocationRequest};
pub use central::{Central, CentralError, InitOptions};
