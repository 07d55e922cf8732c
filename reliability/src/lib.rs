//! tamga's reliability suite on real processes: a fault-injecting TCP proxy put between nodes,
//! and the harness that starts tamga-central and tamga-edge, kills them, and checks that every
//! acknowledged act survives and every node converges. `scripts/reliability.sh` runs it.
//!
//! - [`proxy`]: the fault-injecting proxy and its seeded schedules;
//! - [`cluster`]: real `tamga-central` and `tamga-edge` processes in temporary directories,
//!   officers who record acts through the CLI, acknowledgements, convergence checks;
//! - [`lazyfs`]: a FUSE layer that loses what was not fsynced at a "power cut" (LazyFS-like),
//!   for the opt-in power-loss test (`tests/power_loss.rs`, `scripts/power-loss.sh`);
//! - the tests: `tests/network_faults.rs` (schedules of faults on every sync path) and
//!   `tests/crashes.rs` (SIGKILL while recording, syncing and compacting).

pub mod cluster;
pub mod lazyfs;
pub mod proxy;
