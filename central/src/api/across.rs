//! The dashboard's findings across consignments: `GET /api/across` lists every KPC and every
//! active seal held by two or more consignments (optionally one `kind`), from the
//! reconciliation index, each finding with its consignments and the acts that prove them; and
//! `GET /api/duties`, the duties of every consignment not done by their end.

use crate::reconcile::AcrossKind;
use crate::reply::{bad, ApiResult};
use crate::shared::Shared;
use axum::extract::{Query, State};
use axum::Json;
use serde_json::{json, Value};
use std::collections::BTreeMap;
use std::sync::Arc;

/// Which kind a query asks for (`kind`, empty for any); any other parameter is refused.
fn kind_asked(params: &BTreeMap<String, String>) -> Result<Option<AcrossKind>, String> {
    let mut kind = None;
    for (name, value) in params {
        let value = value.trim();
        match name.as_str() {
            "kind" if value.is_empty() => {}
            "kind" => {
                kind = Some(AcrossKind::of(value).ok_or_else(|| {
                    format!(
                    "kind: {value:?}: expected kpc_on_two_consignments or seal_on_two_consignments"
                )
                })?)
            }
            _ => return Err(format!("{name}: unknown parameter")),
        }
    }
    Ok(kind)
}

#[utoipa::path(
    get,
    path = "/api/across",
    tag = "consignments",
    summary = "Findings across consignments: a KPC or an active seal on two or more",
    params(
        ("kind" = Option<String>, Query, description = "kpc_on_two_consignments or seal_on_two_consignments; empty: both")
    ),
    responses(
        (status = 200, description = "The findings, each with its consignments and proofs", body = Vec<serde_json::Value>),
        (status = 400, description = "An unknown parameter, or a kind that is not kpc_on_two_consignments or seal_on_two_consignments", body = crate::reply::ErrorAnswer)
    )
)]
pub(super) async fn across(
    State(s): State<Arc<Shared>>,
    Query(params): Query<BTreeMap<String, String>>,
) -> ApiResult<Json<Value>> {
    let kind = kind_asked(&params).map_err(bad)?;
    let findings = s.reconciler.read(|index, _| {
        let mut findings = index.across();
        findings.retain(|f| kind.is_none_or(|k| f.kind == k));
        findings
    });
    Ok(Json(json!(findings)))
}

/// A list that takes no parameters refuses any, naming it.
fn takes_no_parameters(params: &BTreeMap<String, String>) -> ApiResult<()> {
    match params.keys().next() {
        Some(name) => Err(bad(format!("{name}: unknown parameter"))),
        None => Ok(()),
    }
}

/// `GET /api/duties`: the duties not done by their end, now, the earliest end first, each with
/// its consignment, what it arose from and when it ended (in people's words too).
#[utoipa::path(
    get,
    path = "/api/duties",
    tag = "consignments",
    summary = "The duties not done by their end, the earliest end first",
    responses(
        (status = 200, description = "The duties past their end", body = Vec<crate::api::schemas::OverdueDuty>),
        (status = 400, description = "The list takes no parameters", body = crate::reply::ErrorAnswer)
    )
)]
pub(super) async fn overdue_duties(
    State(s): State<Arc<Shared>>,
    Query(params): Query<BTreeMap<String, String>>,
) -> ApiResult<Json<Value>> {
    takes_no_parameters(&params)?;
    let now = tamga_core::Timestamp::now();
    let duties = s.reconciler.read(|index, _| index.overdue_duties(now));
    Ok(Json(json!(duties
        .into_iter()
        .map(|(consignment, d)| json!({
            "consignment": consignment,
            "duty": d.duty,
            "since_act": d.since_act.to_hex(),
            "since": d.since,
            "due": d.due,
            "due_for_people": d.due.for_people(),
        }))
        .collect::<Vec<_>>())))
}

/// `GET /api/silent`: the tracked consignments in transit not heard of for longer than the
/// tracking gap allowed (`tracking_gap_seconds`, 30 minutes by default), the longest silent
/// first, each with when and where it was last heard of and who holds it.
#[utoipa::path(
    get,
    path = "/api/silent",
    tag = "consignments",
    summary = "Tracked consignments in transit not heard of for longer than allowed",
    responses(
        (status = 200, description = "The silent consignments, the longest silent first", body = Vec<crate::api::schemas::Silent>),
        (status = 400, description = "The list takes no parameters", body = crate::reply::ErrorAnswer)
    )
)]
pub(super) async fn silent(
    State(s): State<Arc<Shared>>,
    Query(params): Query<BTreeMap<String, String>>,
) -> ApiResult<Json<Value>> {
    takes_no_parameters(&params)?;
    let now = tamga_core::Timestamp::now();
    let allowed = tamga_core::Tolerances::default().tracking_gap_seconds;
    let zone = s.central.config.local_time();
    let rows = s.reconciler.read(|index, _| {
        index
            .silent(now, allowed)
            .into_iter()
            .map(|(r, h)| {
                json!({
                    "consignment": r.consignment,
                    "custodian": r.custodian,
                    "heard_at": h.at,
                    "heard_at_for_people": zone.for_people(h.at),
                    "silent_minutes": now.seconds_since(&h.at) / 60,
                    "last_fix": h.last_fix,
                })
            })
            .collect::<Vec<_>>()
    });
    Ok(Json(json!(rows)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn params(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    }

    #[test]
    fn the_kind_is_read_and_anything_else_refused_naming_it() {
        assert_eq!(kind_asked(&params(&[])), Ok(None));
        assert_eq!(kind_asked(&params(&[("kind", " ")])), Ok(None));
        assert_eq!(
            kind_asked(&params(&[("kind", "seal_on_two_consignments")])),
            Ok(Some(AcrossKind::SealOnTwoConsignments))
        );
        assert!(kind_asked(&params(&[("kind", "seal")]))
            .unwrap_err()
            .starts_with("kind:"));
        assert!(kind_asked(&params(&[("colour", "red")]))
            .unwrap_err()
            .starts_with("colour:"));
    }
}
