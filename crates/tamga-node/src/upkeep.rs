//! Background upkeep of a serving node's store, shared by tamga-edge and tamga-central: the
//! store's incremental changes are folded into saved documents on an interval
//! ([`tamga_store::Store::compact`]), so a node that runs for months neither grows its change
//! log without bound nor slows its loading. Compaction is crash-safe document by document (the
//! store's guarantee), so stopping or killing the node in the middle loses nothing.
//!
//! A tokio task around a blocking call: shell code, beside the server it runs with.

use std::sync::Arc;
use std::time::Duration;
use tamga_store::Store;
use tokio::sync::watch;
use tracing::{debug, warn};

/// A document is compacted once it has at least this many incremental changes.
pub const MIN_CHANGES: usize = 4;

/// Compacts `store` every `every` until `stop` changes (or its sender is dropped). A failed pass
/// is logged and retried at the next interval; nothing is acknowledged by compaction, so a
/// failure loses nothing.
pub async fn compaction_loop(store: Arc<Store>, every: Duration, mut stop: watch::Receiver<bool>) {
    loop {
        tokio::select! {
            _ = tokio::time::sleep(every) => {}
            _ = stop.changed() => return,
        }
        let store = Arc::clone(&store);
        match tokio::task::spawn_blocking(move || store.compact(MIN_CHANGES)).await {
            Ok(Ok(report)) => debug!(
                docs = report.docs,
                changes = report.changes,
                "compaction pass"
            ),
            Ok(Err(e)) => warn!(error = %e, "compaction failed; retrying at the next interval"),
            Err(e) => warn!(error = %e, "compaction task ended abnormally"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tamga_core::fixtures::stream;
    use tamga_core::fixtures::Story;

    #[tokio::test]
    async fn the_loop_compacts_and_stops() {
        let dir = tempfile::tempdir().unwrap();
        let story = Story::new();
        let store = Arc::new(Store::open(dir.path(), &story.authority_id()).unwrap());
        for act in story.registry_acts() {
            store.record(&act).unwrap();
        }
        for k in 0..8 {
            store.record(&stream::post_stream_act(&story, k)).unwrap();
        }
        let before = store.uncompacted_changes();
        let (tx, rx) = watch::channel(false);
        let task = tokio::spawn(compaction_loop(
            Arc::clone(&store),
            Duration::from_millis(20),
            rx,
        ));
        let mut waited = 0;
        while store.uncompacted_changes() >= before && waited < 250 {
            tokio::time::sleep(Duration::from_millis(20)).await;
            waited += 1;
        }
        assert!(store.uncompacted_changes() < before, "nothing compacted");
        tx.send(true).unwrap();
        tokio::time::timeout(Duration::from_secs(5), task)
            .await
            .unwrap()
            .unwrap();
        assert!(store.check().unwrap().is_empty());
    }
}
