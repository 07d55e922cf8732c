//! Which registry acts hold: the root key's and its registrars' powers.
//!
//! - The root key (the pinned customs authority key) may enroll any key in any role, registrars
//!   included, and revoke any key.
//! - A registrar may sign an enrollment or a revocation only while its own enrollment as
//!   registrar (by the root) is in force and it is not revoked, judged at the act's time. It may
//!   not enroll a registrar, revoke a registrar, enroll or revoke its own key, or enroll the root
//!   key.
//! - Nobody may enroll a key from a time before the enrolling act, unless the act carries over a
//!   paper record (`migrated_from`).
//!
//! Only the root's acts decide who is a registrar, so the registrars' acts are judged against
//! the root's acts alone: one pass, whatever the order they arrived in.

use super::{
    CalendarEntry, Enrollment, KpList, PostEntry, Registry, RegistryError, Revocation, Role,
};
use crate::act::ActBody;
use crate::calendar::{Hours, YearCalendar};
use crate::codes::KeyId;
use crate::signing::SignedAct;
use crate::time::Timestamp;

impl Registry {
    /// Takes `act` in: verifies its signature, judges it and records what it says if it holds,
    /// or why not. Returns whether the registrars' acts must be judged again (the act changed
    /// who is a registrar). An act that is not a registry act, or whose signature does not
    /// verify, is not kept.
    pub(super) fn take(&mut self, act: &SignedAct) -> Result<bool, RegistryError> {
        let id = act.id();
        let signer = signer(act)?;
        act.verify_signatures()?;
        if self.delegated.contains_key(&id) || self.refused.contains_key(&id) || self.holds(act) {
            return Ok(false);
        }
        let by_root = signer == &self.authority;
        if !by_root {
            self.delegated.insert(id, act.clone());
        }
        match self.judge(act) {
            Err(e) => {
                self.refused.insert(id, e);
                Ok(false)
            }
            Ok(()) => {
                let rejudge = by_root && self.touches_registrars(act.body());
                self.record(act);
                Ok(rejudge)
            }
        }
    }

    /// Judges every registrar's act again against the root's acts as they now stand.
    pub(super) fn rejudge_delegated(&mut self) {
        let root = self.authority.clone();
        for list in self.enrollments.values_mut() {
            list.retain(|e| e.by == root);
        }
        self.enrollments.retain(|_, list| !list.is_empty());
        for list in self.revocations.values_mut() {
            list.retain(|r| r.by == root);
        }
        self.revocations.retain(|_, list| !list.is_empty());
        self.kp_lists.retain(|l| l.by == root);
        self.calendars.retain(|c| c.by == root);
        for list in self.posts.values_mut() {
            list.retain(|p| p.by == root);
        }
        self.posts.retain(|_, list| !list.is_empty());
        let delegated = std::mem::take(&mut self.delegated);
        self.refused.retain(|id, _| !delegated.contains_key(id));
        for act in delegated.values() {
            match self.judge(act) {
                Ok(()) => self.record(act),
                Err(e) => {
                    self.refused.insert(act.id(), e);
                }
            }
        }
        self.delegated = delegated;
    }

    /// Whether `act` holds under the registry as it stands (its signature aside).
    pub(super) fn judge(&self, act: &SignedAct) -> Result<(), RegistryError> {
        let id = act.id();
        let signer = signer(act)?;
        if let ActBody::KeyEnrolled(a) = act.body() {
            if a.valid_from < a.at && a.migrated_from.is_none() {
                return Err(RegistryError::Retroactive {
                    act: id,
                    at: a.at,
                    valid_from: a.valid_from,
                });
            }
        }
        if signer == &self.authority {
            return Ok(());
        }
        let at = act.body().at();
        self.registrar_in_force(signer, at).map_err(|e| match e {
            Standing::Never => RegistryError::ForeignAuthority {
                act: id,
                named: signer.clone(),
                pinned: self.authority.clone(),
            },
            Standing::NotInForce(detail) => RegistryError::RegistrarNotInForce {
                act: id,
                registrar: signer.clone(),
                at,
                detail,
            },
        })?;
        let beyond = |what| Err(RegistryError::BeyondRegistrar { act: id, what });
        let subject = match act.body() {
            ActBody::KeyEnrolled(a) => {
                if a.role == Role::Registrar {
                    return beyond("enroll a registrar");
                }
                &a.key
            }
            ActBody::KeyRevoked(a) => {
                if self.is_registrar(&a.key) {
                    return beyond("revoke a registrar");
                }
                &a.key
            }
            // A registrar in force keeps the authority's lists.
            ActBody::KpParticipantsListed(_)
            | ActBody::CalendarPublished(_)
            | ActBody::PostRegistered(_) => return Ok(()),
            _ => unreachable!("signer() accepts registry acts only"),
        };
        if subject == signer {
            return beyond("enroll or revoke its own key");
        }
        if subject == &self.authority {
            return beyond("enroll the root key");
        }
        Ok(())
    }

    /// Whether the root ever enrolled `key` as a registrar.
    pub fn is_registrar(&self, key: &KeyId) -> bool {
        self.enrollments(key)
            .iter()
            .any(|e| e.role == Role::Registrar && e.by == self.authority)
    }

    /// The registry acts whose signatures verify but which do not hold, with the reason.
    pub fn refused(&self) -> impl Iterator<Item = (&crate::canonical::ActId, &RegistryError)> {
        self.refused.iter()
    }

    fn registrar_in_force(&self, key: &KeyId, at: Timestamp) -> Result<(), Standing> {
        let root = &self.authority;
        let enrollments: Vec<&Enrollment> = self
            .enrollments(key)
            .iter()
            .filter(|e| e.role == Role::Registrar && &e.by == root)
            .collect();
        if enrollments.is_empty() {
            return Err(Standing::Never);
        }
        let revoked = self
            .revocations
            .get(key)
            .into_iter()
            .flatten()
            .filter(|r| &r.by == root && r.effective_from <= at)
            .min_by_key(|r| r.effective_from);
        if let Some(r) = revoked {
            return Err(Standing::NotInForce(format!(
                "revoked from {} ({})",
                r.effective_from, r.reason
            )));
        }
        if enrollments
            .iter()
            .any(|e| e.valid_from <= at && at < e.valid_until)
        {
            return Ok(());
        }
        let nearest = super::nearest(enrollments.iter().copied(), at).expect("not empty");
        Err(Standing::NotInForce(format!(
            "its enrollment as registrar covers {} to {}",
            nearest.valid_from, nearest.valid_until
        )))
    }

    /// Whether a root act changes who is a registrar, or what a registrar may do.
    fn touches_registrars(&self, body: &ActBody) -> bool {
        match body {
            ActBody::KeyEnrolled(a) => a.role == Role::Registrar,
            ActBody::KeyRevoked(a) => self.is_registrar(&a.key),
            _ => false,
        }
    }

    /// Whether what `act` says is already recorded.
    fn holds(&self, act: &SignedAct) -> bool {
        let id = act.id();
        match act.body() {
            ActBody::KeyEnrolled(a) => self.enrollments(&a.key).iter().any(|e| e.act == id),
            ActBody::KeyRevoked(a) => self
                .revocations
                .get(&a.key)
                .is_some_and(|list| list.iter().any(|r| r.act == id)),
            ActBody::KpParticipantsListed(_) => self.kp_lists.iter().any(|l| l.act == id),
            ActBody::CalendarPublished(_) => self.calendars.iter().any(|c| c.act == id),
            ActBody::PostRegistered(a) => self
                .posts
                .get(&a.post)
                .is_some_and(|list| list.iter().any(|p| p.act == id)),
            _ => false,
        }
    }

    /// Records what a registry act that holds says.
    fn record(&mut self, act: &SignedAct) {
        let id = act.id();
        match act.body() {
            ActBody::KeyEnrolled(a) => {
                let list = self.enrollments.entry(a.key.clone()).or_default();
                if !list.iter().any(|e| e.act == id) {
                    list.push(Enrollment {
                        act: id,
                        by: a.authority.clone(),
                        holder: a.holder.name.to_string(),
                        personal_number: a.holder.personal_number.as_ref().map(|p| p.to_string()),
                        role: a.role,
                        unit: a.unit.clone(),
                        valid_from: a.valid_from,
                        valid_until: a.valid_until,
                        migrated_from: a.migrated_from.as_ref().map(|m| m.to_string()),
                    });
                    list.sort_by_key(|e| (e.valid_from, e.act));
                }
            }
            ActBody::KeyRevoked(a) => {
                let list = self.revocations.entry(a.key.clone()).or_default();
                if !list.iter().any(|r| r.act == id) {
                    list.push(Revocation {
                        act: id,
                        by: a.authority.clone(),
                        effective_from: a.effective_from,
                        reason: a.reason.to_string(),
                    });
                    list.sort_by_key(|r| (r.effective_from, r.act));
                }
            }
            ActBody::KpParticipantsListed(a) if !self.kp_lists.iter().any(|l| l.act == id) => {
                self.kp_lists.push(KpList {
                    act: id,
                    by: a.authority.clone(),
                    at: a.at,
                    participants: a.participants.clone(),
                    source: a.source.to_string(),
                });
                self.kp_lists.sort_by_key(|l| (l.at, l.act));
            }
            ActBody::CalendarPublished(a) if !self.calendars.iter().any(|c| c.act == id) => {
                self.calendars.push(CalendarEntry {
                    act: id,
                    by: a.authority.clone(),
                    at: a.at,
                    year: a.year,
                    calendar: YearCalendar {
                        weekly_rest: a.weekly_rest.clone(),
                        days_off: a.days_off.clone(),
                        working_days: a.working_days.clone(),
                    },
                });
                self.calendars.sort_by_key(|c| (c.at, c.act));
            }
            ActBody::PostRegistered(a) => {
                let list = self.posts.entry(a.post.clone()).or_default();
                if !list.iter().any(|p| p.act == id) {
                    list.push(PostEntry {
                        act: id,
                        by: a.authority.clone(),
                        at: a.at,
                        name: a.name.to_string(),
                        zone: a.time_zone,
                        hours: a.working_hours.map(|h| Hours {
                            from: h.from,
                            until: h.until,
                        }),
                        coordinates: a.coordinates.clone(),
                    });
                    list.sort_by_key(|p| (p.at, p.act));
                }
            }
            _ => {}
        }
    }
}

/// A key's standing as registrar at a time.
enum Standing {
    /// Never enrolled as registrar by the root.
    Never,
    /// Enrolled, but not in force then: why.
    NotInForce(String),
}

/// The key that signs a registry act.
fn signer(act: &SignedAct) -> Result<&KeyId, RegistryError> {
    match act.body() {
        ActBody::KeyEnrolled(a) => Ok(&a.authority),
        ActBody::KeyRevoked(a) => Ok(&a.authority),
        ActBody::KpParticipantsListed(a) => Ok(&a.authority),
        ActBody::CalendarPublished(a) => Ok(&a.authority),
        ActBody::PostRegistered(a) => Ok(&a.authority),
        other => Err(RegistryError::NotRegistryAct(act.id(), other.kind())),
    }
}
