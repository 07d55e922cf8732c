//! tamga-central: the headquarters server.
//!
//! Central keeps the **registry of keys** of record: which officer and device keys are enrolled,
//! in which role, for which unit and for how long, and which are revoked. These are facts signed
//! by the customs authority (`key_enrolled`, `key_revoked` acts), recorded in central's store like
//! any other act and handed to edge nodes as an **enrollment file**: every registry act, one
//! canonical signed act per line, which `tamga-edge record` and `tamga-edge init --enrollment`
//! import. The authority's **root key**, the root of trust every node pins, stays offline
//! ([`root`]); it enrolls central's **registrar key**, which enrolls and revokes officers, staff
//! and devices. The root's later acts (a new registrar, a revocation) come as act files central
//! imports.
//!
//! Central is also the hub edge nodes sync with: `tamga-central serve` runs the sync endpoint,
//! reconciles every consignment as its acts arrive, and serves the dashboard for reconciliation
//! staff, who close discrepancies with acts signed by their own keys.
//!
//! - [`authority`] is a key that signs registry acts and its decision to sign one (a
//!   functional core: the registry and the time in, a signed act or a refusal out).
//! - [`root`] is the root key file, encrypted under a passphrase, and the root's act files.
//! - [`config`] reads and writes `tamga-central.toml`.
//! - [`central`] opens the data directory (keys, configuration, store) and enrolls, revokes,
//!   imports the root's act files, rotates the registrar key, lists and exports.
//! - [`admin`] enrolls, revokes and imports, here or through the running server.
//! - [`reconcile`] keeps every consignment's assessment indexed for the dashboard's filters; its full
//!   pass runs on every core.
//! - [`nodes`] records which edge nodes synced, and when.
//! - [`metrics`] renders `/metrics`.
//! - [`staff`] signs the staff's resolutions of discrepancies; [`pending`] keeps a critical
//!   one's first signature until a supervisor countersigns (the two-person rule).
//! - [`accounts`], [`security_keys`], [`sessions`], [`audit`] and [`staff_tls`] are headquarters staff's access
//!   from their own desks: accounts with a password and a second factor and one role each,
//!   sessions, the hash-chained audit trail, the staff port's certificate; `api::access` is the
//!   staff port's gate (every route mapped to an action the role table judges).
//! - [`serve`] and [`api`] are the running server: sync, health, metrics, dashboard, JSON API;
//!   [`shared`] is its state and [`reply`] how its handlers answer.
//! - [`reports`] computes the KP statistics and the reconciliation with the Department, one
//!   file per report, and renders them as CSV and HTML fragments; `reports::department`
//!   compares the Department's own figures with the reconciliation.
//! - [`department`] reads and verifies the Department's signed figures file.
//! - [`epcis`] exports custody, seal, refusal and return acts as a GS1 EPCIS 2.0 JSON-LD
//!   document, a correction as an error declaration and a corrective event.
//! - [`exports`] serves the reports and the exports to the dashboard: JSON, CSV, a printable
//!   page, EPCIS.
//!
//! The command line (`tamga-central`) is a thin shell over these: see `tamga-central --help`.

pub mod accounts;
pub mod admin;
pub mod api;
pub mod audit;
pub mod authority;
pub mod backup;
pub mod central;
pub mod config;
pub mod department;
pub mod epcis;
pub mod exports;
pub mod log;
pub mod metrics;
pub mod nodes;
pub mod pending;
pub mod postgres;
pub mod published;
pub mod reconcile;
pub mod reply;
pub mod reports;
pub mod root;
pub mod security_keys;
pub mod serve;
pub mod sessions;
pub mod shared;
pub mod staff;
pub mod staff_tls;

pub use authority::{Authority, AuthorityError, EnrollmentRequest, RevocationRequest};
pub use central::{Central, CentralError, InitOptions};
