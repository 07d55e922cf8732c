//! Scope: which consignments a peer may receive.
//!
//! A node receives a consignment's document only if its unit is concerned with it: a post on
//! the consignment's planned route, the escort unit assigned to it, or a unit that held or
//! received custody of it. Central's units receive everything. Every node receives the registry.
//! Only acts that hold count: an act signed by nobody in particular cannot widen a scope. The
//! units concerned are [`tamga_core::assessment::units_concerned`], kept by the store in its
//! `unit` index. The same rule bounds what a peer may write ([`Scope::writer`]): its changes to a
//! consignment are merged only if its unit is concerned with the consignment as merged.

use std::collections::BTreeSet;
use tamga_core::registry::AuthorizationError;
use tamga_core::{KeyId, Registry, Role, Timestamp, UnitCode};
use tamga_store::Writer;

/// What a peer may receive.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Scope {
    /// Everything (central).
    All,
    /// The consignments its unit is concerned with.
    Unit(UnitCode),
}

impl Scope {
    /// The scope of a peer enrolled at `unit`, given the units that are central.
    pub fn of(unit: &UnitCode, central_units: &[UnitCode]) -> Self {
        if central_units.contains(unit) {
            Scope::All
        } else {
            Scope::Unit(unit.clone())
        }
    }

    /// The scope of the node whose device key is `device`, as enrolled at `at`: the one way a
    /// peer's scope is worked out from the registry (for a sync session, a bundle's addressee,
    /// and the answering side, whose authenticator has looked up the same enrollment). A key
    /// not enrolled as a device at that time has no scope.
    pub fn of_device(
        registry: &Registry,
        device: &KeyId,
        at: Timestamp,
        central_units: &[UnitCode],
    ) -> Result<Self, AuthorizationError> {
        let enrollment = registry.enrollment_at(device, at, &[Role::Device])?;
        Ok(Scope::of(&enrollment.unit, central_units))
    }

    /// What a peer of this scope may write: the same consignments it may receive, judged on the
    /// document as its changes would leave it (`tamga_store::Writer`).
    pub fn writer(&self) -> Writer {
        match self {
            Scope::All => Writer::Anyone,
            Scope::Unit(unit) => Writer::Unit(unit.clone()),
        }
    }

    /// Whether a consignment concerning `units` is in this scope.
    pub fn includes(&self, units: &BTreeSet<UnitCode>) -> bool {
        match self {
            Scope::All => true,
            Scope::Unit(unit) => units.contains(unit),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tamga_core::fixtures::{key, Story};
    use tamga_core::signing::key_id;

    #[test]
    fn a_device_s_scope_comes_from_its_enrollment_at_the_time() {
        let story = Story::new();
        let mut registry = story.registry();
        let post = key_id(&key("post device"));
        registry
            .apply(&story.device_enrollment(&post, AIRPORT_POST, "post"))
            .unwrap();
        let hq = [unit("HQ-RECON")];
        assert_eq!(
            Scope::of_device(&registry, &post, story.t(0), &hq),
            Ok(Scope::Unit(unit(AIRPORT_POST)))
        );
        // An officer's key is not a device; an unknown key has no scope.
        let officer = story.airport_officer.id.clone();
        assert!(Scope::of_device(&registry, &officer, story.t(0), &hq).is_err());
        let stranger = key_id(&key("nobody"));
        assert!(Scope::of_device(&registry, &stranger, story.t(0), &hq).is_err());
    }
    use tamga_core::fixtures::{unit, AIRPORT_POST, DEPARTMENT, ESCORT_UNIT, OTHER_POST};

    #[test]
    fn central_units_see_everything_other_units_what_concerns_them() {
        let units: BTreeSet<UnitCode> = [AIRPORT_POST, DEPARTMENT, ESCORT_UNIT]
            .into_iter()
            .map(unit)
            .collect();
        let central = [unit("HQ-RECON")];
        for inside in [AIRPORT_POST, DEPARTMENT, ESCORT_UNIT, "HQ-RECON"] {
            assert!(
                Scope::of(&unit(inside), &central).includes(&units),
                "{inside}"
            );
        }
        assert!(!Scope::of(&unit(OTHER_POST), &central).includes(&units));
    }
}
