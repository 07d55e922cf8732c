//! The running server's state, shared by the handlers and the background loops: central
//! opened, the reconciliation index, the nodes' contacts, counters, refusals, the admin token,
//! the PIN throttle staff resolutions are signed under, staff accounts, sessions and the audit
//! trail.

use crate::central::Central;
use crate::metrics::{Counters, Snapshot};
use crate::nodes::{Contacts, Refusals};
use crate::reconcile::Reconciler;
use std::sync::Arc;
use tamga_core::Timestamp;
use tamga_node::keystore::Throttle;

/// The running server's state shared by the handlers and the background loops.
pub struct Shared {
    /// Central, opened.
    pub central: Central,
    /// The index of assessments.
    pub reconciler: Reconciler,
    /// The nodes' last contact.
    pub contacts: Contacts,
    /// Counters for `/metrics`.
    pub counters: Counters,
    /// The last refused sync requests, and counts by reason.
    pub refusals: Refusals,
    /// The token for the administration endpoints.
    pub admin_token: String,
    /// The PIN throttle of this process over central's store: every unlock of a staff key goes
    /// through it (counts in the store, waits from this process's start, one attempt at a time
    /// per key).
    pub pins: Throttle,
    /// Central's transparency log keeper (its key enrolled as `transparency_log`).
    pub log: Arc<tamga_sync::receipts::LogKeeper>,
    /// Headquarters staff accounts.
    pub accounts: crate::accounts::Accounts,
    /// Security keys: the relying party and the ceremonies under way.
    pub security_keys: crate::security_keys::SecurityKeys,
    /// Staff sessions and the login throttle.
    pub sessions: crate::sessions::Sessions,
    /// The audit trail.
    pub audit: crate::audit::Audit,
    /// With several central processes on one database: this process's store as its replica
    /// ([`crate::postgres`]); `None` for central on its own store.
    pub replica: Option<Arc<crate::postgres::Replica>>,
    /// With a shared database: where the reconciliation's rows are written.
    pub rows: Option<Arc<crate::postgres::RowWriter>>,
}

impl Shared {
    /// The shared state of `central`.
    pub fn new(central: Central) -> Result<Shared, String> {
        let reconciler = Reconciler::new(Arc::clone(&central.store))
            .with_offline_allowance(central.config.offline_allowance_seconds);
        let pins = Throttle::new(Arc::clone(&central.store) as _);
        let contacts = Contacts::open(&central.dir);
        let log = crate::log::keeper(&central, Timestamp::now())
            .map_err(|e| format!("the transparency log key: {e}"))?;
        let accounts = crate::accounts::Accounts::open(&central.dir).map_err(|e| e.to_string())?;
        let sessions = crate::sessions::Sessions::new(std::time::Duration::from_secs(
            central.config.staff_idle_seconds.max(1),
        ));
        let audit = crate::audit::Audit::open(&central.dir)?;
        let security_keys = crate::security_keys::SecurityKeys::new(
            &crate::security_keys::rp_id_of(&central.config),
        )?;
        let mut token = [0u8; 32];
        getrandom::fill(&mut token).map_err(|e| format!("no randomness: {e}"))?;
        Ok(Shared {
            central,
            reconciler,
            contacts,
            counters: Counters::default(),
            refusals: Refusals::default(),
            admin_token: hex::encode(token),
            pins,
            log,
            accounts,
            security_keys,
            sessions,
            audit,
            replica: None,
            rows: None,
        })
    }

    /// This state of a process joined to the shared database.
    pub fn joined(mut self, joined: crate::postgres::Joined) -> Shared {
        let rows = Arc::clone(&joined.rows);
        self.reconciler = self
            .reconciler
            .with_tap(Arc::new(move |assessment, record| {
                rows.take(assessment, record)
            }));
        self.replica = Some(joined.replica);
        self.rows = Some(joined.rows);
        self
    }

    /// What the sync endpoint and the log answer with: the shared database's ledger when this
    /// process is one of several, else central's store.
    pub fn ledger(&self) -> Arc<dyn tamga_sync::ledger::Ledger> {
        match &self.replica {
            Some(replica) => Arc::clone(replica) as _,
            None => Arc::clone(&self.central.store) as _,
        }
    }

    /// Seconds after which a node that has not synced counts as silent.
    pub fn silent_after(&self) -> i64 {
        self.central.config.silent_after_seconds as i64
    }

    /// What `/metrics` reports now.
    pub fn snapshot(&self, now: Timestamp) -> Result<Snapshot, tamga_store::StoreError> {
        let (totals, progress) = self.reconciler.read(|i, p| (i.totals(), p.clone()));
        let rows = crate::nodes::rows(
            &self.central.store.registry(),
            &self.contacts.snapshot(),
            &self.central.device_id(),
            now,
            self.silent_after(),
            &self.central.config.local_time(),
        );
        let count = |s: &str| rows.iter().filter(|r| r.state == s).count();
        Ok(Snapshot {
            totals,
            progress,
            store_position: self.central.store.last_seq()?,
            log: (
                self.central.store.log_size()?,
                self.central
                    .store
                    .log_latest_head()?
                    .map_or(0, |(size, _)| size),
            ),
            documents: self.central.store.doc_count(),
            nodes: (count("ok"), count("silent"), count("never")),
            refusals: self.refusals.counts(),
            now,
        })
    }
}
