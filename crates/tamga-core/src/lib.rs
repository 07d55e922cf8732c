//! tamga-core: the pure heart of tamga. Acts and their canonical encoding, signatures, the key
//! registry, the custody handoff, and the assessment that derives a consignment's state and its
//! discrepancies from its acts.
//!
//! Nothing here does I/O or reads a clock: time comes in as an argument. Everything above this
//! crate (the store, the sync engine, the nodes) leans on these types and rules.

pub mod act;
pub mod assessment;
pub mod calendar;
pub mod canonical;
pub mod codes;
pub mod fixtures;
pub mod handoff;
pub mod id;
pub mod quantity;
pub mod registry;
pub mod signing;
pub mod time;
pub mod transparency;

pub use act::ActBody;
pub use assessment::{assess, Assessment, Discrepancy, DiscrepancyKind, Severity, Tolerances};
pub use canonical::{ActId, DecodeError, MAX_ACT_BYTES};
pub use codes::{ConsignmentId, KeyId, SealNumber, UnitCode};
pub use registry::{Registry, Role};
pub use signing::{SignedAct, SIGNATURE_CONTEXT};
pub use time::Timestamp;
