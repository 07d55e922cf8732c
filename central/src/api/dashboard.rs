//! The dashboard's JSON API: the overview, consignments and discrepancies by filter (one
//! consignment with its chain and proofs is `api::consignment`), nodes, refusals, officers, the
//! registry and the vocabulary the UI translates.

use crate::central::registry_entries;
use crate::reply::{bad, blocking, filter, internal, ApiResult};
use crate::shared::Shared;
use crate::staff::OFFICERS_DIR;
use axum::extract::{Query, State};
use axum::Json;
use serde_json::{json, Value};
use std::collections::BTreeMap;
use std::sync::Arc;
use tamga_core::Timestamp;

#[utoipa::path(
    get,
    path = "/api/overview",
    tag = "dashboard",
    summary = "Central at a glance",
    responses(
        (status = 200, description = "The unit, the clock, the totals, the reconciliation's progress, the nodes", body = crate::api::schemas::Overview),
        crate::reply::Failed
    )
)]
pub(super) async fn overview(State(s): State<Arc<Shared>>) -> ApiResult<Json<Value>> {
    let v = blocking(&s, |s| {
        let now = Timestamp::now();
        let snapshot = s.snapshot(now).map_err(internal)?;
        Ok(json!({
            "unit": s.central.config.unit,
            "authority_fingerprint": s.central.root().fingerprint(),
            "now": now,
            "now_for_people": s.central.config.local_time().for_people(now),
            "time_zone": s.central.config.local_time().at(now),
            "totals": snapshot.totals,
            "progress": snapshot.progress,
            "feed_position": snapshot.store_position,
            "lag_positions": snapshot.store_position.saturating_sub(snapshot.progress.position),
            "nodes": {"ok": snapshot.nodes.0, "silent": snapshot.nodes.1, "never": snapshot.nodes.2},
        }))
    })
    .await?;
    Ok(Json(v))
}

#[utoipa::path(
    get,
    path = "/api/consignments",
    tag = "consignments",
    summary = "Consignments by filter",
    params(crate::reply::FilterParams),
    responses(
        (status = 200, description = "Each consignment's reconciled row, with its open discrepancies counted and the worst of them", body = Vec<crate::api::schemas::ConsignmentRow>),
        (status = 400, description = "A filter parameter does not read: the error names it", body = crate::reply::ErrorAnswer)
    )
)]
pub(super) async fn consignments(
    State(s): State<Arc<Shared>>,
    Query(params): Query<BTreeMap<String, String>>,
) -> ApiResult<Json<Value>> {
    let filter = filter(&params, &s.central.config.local_time())?;
    if let Some(replica) = s.replica.clone() {
        // Several processes on one database: the rows every process writes, read with SQL.
        let rows = blocking(&s, move |_| replica.consignments(&filter).map_err(internal)).await?;
        return Ok(Json(json!(rows)));
    }
    let rows = s.reconciler.read(|index, _| {
        index
            .consignments(&filter)
            .into_iter()
            .map(|r| r.listed())
            .collect::<Vec<_>>()
    });
    Ok(Json(json!(rows)))
}

#[utoipa::path(
    get,
    path = "/api/discrepancies",
    tag = "consignments",
    summary = "Discrepancies by filter",
    params(crate::reply::FilterParams),
    responses(
        (status = 200, description = "The discrepancies of the consignments the filter keeps", body = Vec<serde_json::Value>),
        (status = 400, description = "A filter parameter does not read: the error names it", body = crate::reply::ErrorAnswer)
    )
)]
pub(super) async fn discrepancies(
    State(s): State<Arc<Shared>>,
    Query(params): Query<BTreeMap<String, String>>,
) -> ApiResult<Json<Value>> {
    let filter = filter(&params, &s.central.config.local_time())?;
    if let Some(replica) = s.replica.clone() {
        let rows = blocking(&s, move |_| {
            replica.discrepancies(&filter).map_err(internal)
        })
        .await?;
        return Ok(Json(json!(rows)));
    }
    let rows = s
        .reconciler
        .read(|index, _| json!(index.discrepancies(&filter)));
    Ok(Json(rows))
}

#[utoipa::path(
    get,
    path = "/api/nodes",
    tag = "dashboard",
    summary = "Which devices synced and when",
    params(
        ("silent_after_hours" = Option<u32>, Query, description = "A device silent this long is listed as silent (1 to 8760; the configuration's by default)")
    ),
    responses(
        (status = 200, description = "The devices and their last contact", body = crate::api::schemas::NodesAnswer),
        (status = 400, description = "silent_after_hours is not a whole number of hours from 1 to 8760", body = crate::reply::ErrorAnswer),
        crate::reply::Failed
    )
)]
pub(super) async fn nodes(
    State(s): State<Arc<Shared>>,
    Query(params): Query<BTreeMap<String, String>>,
) -> ApiResult<Json<Value>> {
    let silent_after = match params.get("silent_after_hours").map(|v| v.trim()) {
        None | Some("") => s.silent_after(),
        Some(v) => {
            let hours: u32 = v
                .parse()
                .ok()
                .filter(|h| (1..=24 * 365).contains(h))
                .ok_or_else(|| {
                    bad(format!(
                        "silent_after_hours: {v:?} is not a whole number of hours from 1 to 8760"
                    ))
                })?;
            i64::from(hours) * 3600
        }
    };
    let v = blocking(&s, move |s| {
        let now = Timestamp::now();
        let rows = crate::nodes::rows(
            &s.central.store.registry(),
            &s.contacts.snapshot(),
            &s.central.device_id(),
            now,
            silent_after,
            &s.central.config.local_time(),
        );
        Ok(json!({"now": now, "silent_after_seconds": silent_after, "nodes": rows}))
    })
    .await?;
    Ok(Json(v))
}

#[utoipa::path(
    get,
    path = "/api/refusals",
    tag = "dashboard",
    summary = "The last refused sync requests, counted by reason",
    responses(
        (status = 200, description = "The refusals", body = crate::api::schemas::RefusalsAnswer)
    )
)]
pub(super) async fn refusals(State(s): State<Arc<Shared>>) -> Json<Value> {
    let now = Timestamp::now();
    Json(json!({
        "now": now,
        "kept_at_most": crate::nodes::REFUSALS_KEPT,
        "counts": s.refusals.counts(),
        "refusals": s.refusals.recent(),
    }))
}

#[utoipa::path(
    get,
    path = "/api/officers",
    tag = "dashboard",
    summary = "The staff signing keys held in central's keystore",
    responses(
        (status = 200, description = "The keys and their enrollments as central staff or supervisor", body = Vec<crate::api::schemas::StaffKey>),
        crate::reply::Failed
    )
)]
pub(super) async fn officers(State(s): State<Arc<Shared>>) -> ApiResult<Json<Value>> {
    let v = blocking(&s, |s| {
        let keystore = tamga_node::keystore::Keystore::open(s.central.dir.join(OFFICERS_DIR))
            .map_err(internal)?;
        let registry = s.central.store.registry();
        let now = Timestamp::now();
        let list: Vec<Value> = keystore
            .list()
            .map_err(internal)?
            .into_iter()
            .map(|k| {
                let enrolled = registry
                    .enrollment_at(
                        &k.id,
                        now,
                        &[tamga_core::Role::CentralStaff, tamga_core::Role::Supervisor],
                    )
                    .ok()
                    .map(|e| json!({"name": e.holder, "personal_number": e.personal_number, "unit": e.unit, "role": e.role.as_str(), "valid_until": e.valid_until}));
                let supervisor = enrolled
                    .as_ref()
                    .is_some_and(|e| e["role"] == "supervisor");
                json!({"key": k.id, "holder": k.holder, "central_staff": enrolled, "supervisor": supervisor})
            })
            .collect();
        Ok(json!(list))
    })
    .await?;
    Ok(Json(v))
}

#[utoipa::path(
    get,
    path = "/api/registry",
    tag = "dashboard",
    summary = "Every enrolled key",
    responses(
        (status = 200, description = "The registry's entries", body = Vec<serde_json::Value>)
    )
)]
pub(super) async fn registry(State(s): State<Arc<Shared>>) -> ApiResult<Json<Value>> {
    let now = Timestamp::now();
    Ok(Json(json!(registry_entries(
        &s.central.store.registry(),
        now
    ))))
}

/// Every discrepancy kind, in the order the dashboard lists them (the filter's choices).
pub(crate) const KINDS: [tamga_core::DiscrepancyKind; 46] = {
    use tamga_core::DiscrepancyKind as K;
    [
        K::BadSignature,
        K::UnknownKey,
        K::ExpiredKey,
        K::RevokedKey,
        K::RoleNotPermitted,
        K::NotPermitted,
        K::MissingRegistration,
        K::ConflictingRegistration,
        K::CustodyFork,
        K::CustodyGap,
        K::NotInCrew,
        K::TranshipmentWithoutPermission,
        K::SealNotApplied,
        K::SealMissing,
        K::SealDamaged,
        K::SealRemovedWithoutGrounds,
        K::SealStateConflict,
        K::PackageCountMismatch,
        K::MassMismatch,
        K::NetMassMismatch,
        K::GoodsUnitMismatch,
        K::Shortage,
        K::DeliveryRefused,
        K::DocumentMissing,
        K::MissingCertificate,
        K::KpNonParticipant,
        K::KpcIncomplete,
        K::KpcExpired,
        K::KpcMismatch,
        K::GoodsNotConforming,
        K::DutyLate,
        K::IncidentOpen,
        K::IncidentReportedLate,
        K::Overdue,
        K::OffRoute,
        K::RouteDeviation,
        K::LongStop,
        K::TrackingGap,
        K::SealOpened,
        K::SealTampered,
        K::SealBatteryLow,
        K::ClockAnomaly,
        K::ArrivalNotifiedLate,
        K::ArrivalNotNotified,
        K::SeenLate,
        K::SeenAfterRevocation,
    ]
};

/// The outcomes a consignment's transit may have.
pub(crate) const OUTCOMES: [&str; 4] = ["delivered", "delivered_short", "refused", "returned"];

#[utoipa::path(
    get,
    path = "/api/vocabulary",
    tag = "dashboard",
    summary = "Every status, outcome, discrepancy kind and severity the dashboard translates",
    responses(
        (status = 200, description = "The words", body = crate::api::schemas::Vocabulary)
    )
)]
pub(super) async fn vocabulary() -> Json<Value> {
    Json(json!({
        "statuses": crate::reconcile::STATUSES,
        "outcomes": OUTCOMES,
        "kinds": &KINDS[..],
        "across_kinds": crate::reconcile::AcrossKind::ALL,
        "severities": [tamga_core::Severity::Critical, tamga_core::Severity::Major, tamga_core::Severity::Minor],
    }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeSet;

    const I18N: &str = include_str!("../../ui/i18n.js");
    const APP: &str = include_str!("../../ui/app.js");
    const INDEX: &str = include_str!("../../ui/index.html");
    const TRACK: &str = tamga_node::local::TRACK_JS;

    /// Each language's keys, in the order written (`  en: {` opens a language, `    key:` or
    /// `    "key":` is an entry).
    fn languages() -> BTreeMap<String, Vec<String>> {
        let mut langs: BTreeMap<String, Vec<String>> = BTreeMap::new();
        let mut current = None;
        for line in I18N.lines() {
            if let Some(name) = line
                .strip_prefix("  ")
                .and_then(|l| l.strip_suffix(": {"))
                .filter(|n| n.chars().all(|c| c.is_ascii_lowercase()))
            {
                current = Some(name.to_owned());
                langs.entry(name.to_owned()).or_default();
                continue;
            }
            let (Some(lang), Some(entry)) = (&current, line.strip_prefix("    ")) else {
                continue;
            };
            let key = match entry.strip_prefix('"') {
                Some(quoted) => quoted.split('"').next(),
                None => entry.split(':').next(),
            };
            if let Some(key) = key.filter(|k| !k.is_empty() && !k.contains(' ')) {
                langs.get_mut(lang).unwrap().push(key.to_owned());
            }
        }
        langs
    }

    /// The keys `app.js` and `index.html` name literally: `t("key")` and `data-t="key"`, and the
    /// shared map's (`/track.js`, `t('track.…')`) (a key built from a prefix, `t("kind." + k)`,
    /// is checked through the vocabulary).
    fn literal_keys() -> BTreeSet<String> {
        let mut keys = BTreeSet::new();
        for (text, open, close) in [
            (APP, "t(\"", "\")"),
            (INDEX, "data-t=\"", "\""),
            (TRACK, "t('", "'"),
        ] {
            let mut rest = text;
            while let Some(at) = rest.find(open) {
                let before = rest[..at].chars().next_back();
                let after = &rest[at + open.len()..];
                rest = after;
                if before.is_some_and(|c| c.is_ascii_alphanumeric() || c == '_' || c == '.') {
                    continue;
                }
                let quote = close.chars().next().expect("a closing quote");
                if let Some(end) = after.find(quote) {
                    if after[end..].starts_with(close) {
                        keys.insert(after[..end].to_owned());
                    }
                }
            }
        }
        keys
    }

    #[test]
    fn every_language_has_every_word_the_dashboard_shows() {
        let langs = languages();
        assert_eq!(
            langs.keys().map(String::as_str).collect::<Vec<_>>(),
            ["en", "ky", "ru"],
            "the dashboard's languages"
        );
        let en: BTreeSet<&String> = langs["en"].iter().collect();
        let mut needed: BTreeSet<String> = literal_keys();
        for s in crate::reconcile::STATUSES {
            needed.insert(format!("status.{}", s.as_str()));
        }
        for k in KINDS {
            needed.insert(format!("kind.{}", k.as_str()));
        }
        for o in OUTCOMES {
            needed.insert(format!("outcome.{o}"));
        }
        for k in crate::reconcile::AcrossKind::ALL {
            needed.insert(format!("across.{}", k.as_str()));
        }
        for s in ["critical", "major", "minor"] {
            needed.insert(format!("severity.{s}"));
        }
        for (lang, keys) in &langs {
            let set: BTreeSet<&String> = keys.iter().collect();
            assert_eq!(set.len(), keys.len(), "{lang}: a key written twice");
            assert_eq!(set, en, "{lang} and en have different keys");
            let missing: Vec<&String> = needed.iter().filter(|k| !set.contains(k)).collect();
            assert!(missing.is_empty(), "{lang} lacks {missing:?}");
        }
    }

    #[test]
    fn the_vocabulary_lists_every_discrepancy_kind_once() {
        use tamga_core::DiscrepancyKind as K;
        // A new kind fails to compile here until it is listed.
        let position = |k: K| -> usize {
            match k {
                K::BadSignature
                | K::UnknownKey
                | K::ExpiredKey
                | K::RevokedKey
                | K::RoleNotPermitted
                | K::NotPermitted
                | K::MissingRegistration
                | K::ConflictingRegistration
                | K::CustodyFork
                | K::CustodyGap
                | K::NotInCrew
                | K::TranshipmentWithoutPermission
                | K::SealNotApplied
                | K::SealMissing
                | K::SealDamaged
                | K::SealRemovedWithoutGrounds
                | K::SealStateConflict
                | K::PackageCountMismatch
                | K::MassMismatch
                | K::NetMassMismatch
                | K::GoodsUnitMismatch
                | K::Shortage
                | K::DeliveryRefused
                | K::DocumentMissing
                | K::MissingCertificate
                | K::KpNonParticipant
                | K::KpcIncomplete
                | K::KpcExpired
                | K::KpcMismatch
                | K::GoodsNotConforming
                | K::DutyLate
                | K::IncidentOpen
                | K::IncidentReportedLate
                | K::Overdue
                | K::OffRoute
                | K::RouteDeviation
                | K::LongStop
                | K::TrackingGap
                | K::SealOpened
                | K::SealTampered
                | K::SealBatteryLow
                | K::ClockAnomaly
                | K::ArrivalNotifiedLate
                | K::ArrivalNotNotified
                | K::SeenLate
                | K::SeenAfterRevocation => KINDS.iter().position(|x| *x == k).unwrap(),
            }
        };
        let distinct: BTreeSet<usize> = KINDS.iter().map(|k| position(*k)).collect();
        assert_eq!(distinct.len(), KINDS.len());
    }

    /// Each language's `finding.<key>` texts (`    "finding.key": "text",`).
    fn findings() -> BTreeMap<String, BTreeMap<String, String>> {
        let mut out: BTreeMap<String, BTreeMap<String, String>> = BTreeMap::new();
        let mut current = None;
        for line in I18N.lines() {
            if let Some(name) = line.strip_prefix("  ").and_then(|l| l.strip_suffix(": {")) {
                current = Some(name.to_owned());
                continue;
            }
            let (Some(lang), Some(entry)) = (&current, line.strip_prefix("    \"finding.")) else {
                continue;
            };
            let (key, text) = entry.split_once("\": ").expect("a finding's entry");
            let text: String = serde_json::from_str(text.trim_end_matches(','))
                .unwrap_or_else(|e| panic!("{lang}: finding.{key}: {e}"));
            out.entry(lang.clone())
                .or_default()
                .insert(key.to_owned(), text);
        }
        out
    }

    #[test]
    fn every_finding_is_said_in_every_language_with_its_placeholders() {
        use tamga_core::assessment::words::{template, ALL, TERMS};
        let findings = findings();
        assert_eq!(
            findings.keys().map(String::as_str).collect::<Vec<_>>(),
            ["en", "ky", "ru"]
        );
        for t in ALL {
            for (lang, texts) in &findings {
                let text = texts
                    .get(t.key)
                    .unwrap_or_else(|| panic!("{lang} lacks finding.{}", t.key));
                if let Err(e) = t.check_translation(text) {
                    panic!("{lang}: finding.{}: {e}", t.key);
                }
            }
            assert_eq!(findings["en"][t.key], t.english);
        }
        for (lang, texts) in &findings {
            for key in texts.keys() {
                assert!(
                    template(key).is_some(),
                    "{lang}: finding.{key} is no template"
                );
            }
        }
        // The dashboard says each kind of term a finding may hold in words.
        for term in TERMS {
            assert!(APP.contains(&format!("{term}: \"")), "app.js: {term}");
        }
    }
}
