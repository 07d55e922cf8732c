//! The findings only central can make, from its transparency log's times: an act that reached
//! the log long after its date (`seen_late`), or dated before its signer's revocation but
//! first seen after it (`seen_after_revocation`). Added to a consignment's assessment before
//! its row is made, so they are listed, filtered, counted and resolved like the others.

use tamga_core::transparency::evidence::sighting_discrepancies;
use tamga_core::{Assessment, Registry, SignedAct};
use tamga_store::Store;

/// `assessment` with the log's findings about `acts` added (acts not yet in the log have none).
pub fn with_sightings(
    store: &Store,
    registry: &Registry,
    mut assessment: Assessment,
    acts: &[SignedAct],
    allowance: u64,
) -> Assessment {
    let seen = |id: &tamga_core::ActId| store.log_seen(id).ok().flatten();
    assessment
        .discrepancies
        .extend(sighting_discrepancies(acts, &seen, registry, allowance));
    assessment
}
