//! `/metrics` in the Prometheus text exposition format (version 0.0.4): counters of the sync
//! endpoint, gauges of what reconciliation holds, and how far it lags behind the store.
//!
//! [`render`] is pure: the counters and a [`Snapshot`] in, the text out.

use crate::reconcile::{AcrossKind, Progress, Totals};
use std::fmt::Write as _;
use std::sync::atomic::{AtomicU64, Ordering};
use tamga_core::{Severity, Timestamp};

/// Counters of the running server.
#[derive(Debug, Default)]
pub struct Counters {
    /// Sync requests answered with success.
    pub sync_ok: AtomicU64,
    /// Sync requests refused (401, 400, 413, 503, 500).
    pub sync_refused: AtomicU64,
    /// Discrepancies resolved through this server.
    pub resolutions: AtomicU64,
    /// Resolution attempts refused (wrong PIN, not enrolled, bad input).
    pub resolutions_refused: AtomicU64,
    /// Reconciliation passes that failed (the store answered with an error).
    pub reconcile_errors: AtomicU64,
}

/// What reconciliation holds, read at one moment.
#[derive(Clone, Debug)]
pub struct Snapshot {
    /// Counts over the index.
    pub totals: Totals,
    /// Where reconciliation stands.
    pub progress: Progress,
    /// The store's feed position.
    pub store_position: u64,
    /// Leaves in the transparency log, and the size of the latest signed tree head.
    pub log: (u64, u64),
    /// Documents in the store.
    pub documents: usize,
    /// Nodes that synced / gone silent / never synced.
    pub nodes: (usize, usize, usize),
    /// Refused sync requests since start, by reason.
    pub refusals: std::collections::BTreeMap<&'static str, u64>,
    /// Now.
    pub now: Timestamp,
}

fn metric(out: &mut String, name: &str, kind: &str, help: &str, samples: &[(&str, u64)]) {
    let _ = writeln!(out, "# HELP {name} {help}");
    let _ = writeln!(out, "# TYPE {name} {kind}");
    for (labels, value) in samples {
        if labels.is_empty() {
            let _ = writeln!(out, "{name} {value}");
        } else {
            let _ = writeln!(out, "{name}{{{labels}}} {value}");
        }
    }
}

/// The text of `/metrics`.
pub fn render(counters: &Counters, s: &Snapshot) -> String {
    let get = |c: &AtomicU64| c.load(Ordering::Relaxed);
    let mut out = String::new();
    metric(
        &mut out,
        "tamga_central_sync_requests_total",
        "counter",
        "Sync requests from edge nodes, by outcome.",
        &[
            ("outcome=\"ok\"", get(&counters.sync_ok)),
            ("outcome=\"refused\"", get(&counters.sync_refused)),
        ],
    );
    let reasons: Vec<String> = s
        .refusals
        .keys()
        .map(|k| format!("reason=\"{k}\""))
        .collect();
    let samples: Vec<(&str, u64)> = reasons
        .iter()
        .zip(s.refusals.values())
        .map(|(l, v)| (l.as_str(), *v))
        .collect();
    metric(
        &mut out,
        "tamga_central_sync_refusals_total",
        "counter",
        "Sync requests refused, by reason (clock_skew, replayed, not_enrolled, too_large, ...); the last ones are listed at /api/refusals.",
        &samples,
    );
    metric(
        &mut out,
        "tamga_central_acts_ingested_total",
        "counter",
        "Acts that arrived since central started (held or left out), as reconciliation saw them.",
        &[("", s.progress.acts_ingested)],
    );
    metric(
        &mut out,
        "tamga_central_acts_held",
        "gauge",
        "Acts that hold, over every consignment.",
        &[("", s.totals.acts as u64)],
    );
    metric(
        &mut out,
        "tamga_central_verification_failures",
        "gauge",
        "Acts left out of an assessment: bad signature, unknown, expired or revoked key, role not permitted.",
        &[("", s.totals.rejected as u64)],
    );
    let statuses: Vec<String> = s
        .totals
        .by_status
        .keys()
        .map(|k| format!("status=\"{k}\""))
        .collect();
    let samples: Vec<(&str, u64)> = statuses
        .iter()
        .zip(s.totals.by_status.values())
        .map(|(l, v)| (l.as_str(), *v as u64))
        .collect();
    metric(
        &mut out,
        "tamga_central_consignments",
        "gauge",
        "Consignments, by status.",
        &samples,
    );
    metric(
        &mut out,
        "tamga_central_consignments_overdue",
        "gauge",
        "Consignments past their delivery deadline and not delivered.",
        &[("", s.totals.overdue as u64)],
    );
    let open = |sev: Severity| s.totals.open_by_severity.get(&sev).copied().unwrap_or(0) as u64;
    metric(
        &mut out,
        "tamga_central_open_discrepancies",
        "gauge",
        "Discrepancies not yet resolved, by severity.",
        &[
            ("severity=\"critical\"", open(Severity::Critical)),
            ("severity=\"major\"", open(Severity::Major)),
            ("severity=\"minor\"", open(Severity::Minor)),
        ],
    );
    let across = |k: AcrossKind| s.totals.across.get(&k).copied().unwrap_or(0) as u64;
    let kinds: Vec<String> = AcrossKind::ALL
        .iter()
        .map(|k| format!("kind=\"{}\"", k.as_str()))
        .collect();
    let samples: Vec<(&str, u64)> = kinds
        .iter()
        .zip(AcrossKind::ALL)
        .map(|(l, k)| (l.as_str(), across(k)))
        .collect();
    metric(
        &mut out,
        "tamga_central_across_findings",
        "gauge",
        "Findings across consignments (a KPC, or a seal active, on two or more consignments), by kind.",
        &samples,
    );
    metric(
        &mut out,
        "tamga_central_resolved_discrepancies",
        "gauge",
        "Discrepancies resolved by staff.",
        &[("", s.totals.resolved as u64)],
    );
    metric(
        &mut out,
        "tamga_central_resolutions_total",
        "counter",
        "Resolutions signed through this server, by outcome.",
        &[
            ("outcome=\"recorded\"", get(&counters.resolutions)),
            ("outcome=\"refused\"", get(&counters.resolutions_refused)),
        ],
    );
    metric(
        &mut out,
        "tamga_central_reconcile_lag_positions",
        "gauge",
        "Change-feed positions recorded in the store and not yet reconciled.",
        &[("", s.store_position.saturating_sub(s.progress.position))],
    );
    let age = |t: Option<Timestamp>| t.map(|t| (s.now.unix() - t.unix()).max(0) as u64);
    let lag = if s.store_position > s.progress.position {
        age(s.progress.last_pass).unwrap_or(0)
    } else {
        0
    };
    metric(
        &mut out,
        "tamga_central_reconcile_lag_seconds",
        "gauge",
        "Seconds since the last reconciliation pass while changes wait (0 when caught up).",
        &[("", lag)],
    );
    metric(
        &mut out,
        "tamga_central_full_reassessment_age_seconds",
        "gauge",
        "Seconds since every consignment was last reassessed.",
        &[("", age(s.progress.last_full).unwrap_or(0))],
    );
    metric(
        &mut out,
        "tamga_central_reconcile_errors_total",
        "counter",
        "Reconciliation passes that failed.",
        &[("", get(&counters.reconcile_errors))],
    );
    metric(
        &mut out,
        "tamga_central_store_documents",
        "gauge",
        "Documents in central's store (consignments and the registry).",
        &[("", s.documents as u64)],
    );
    metric(
        &mut out,
        "tamga_central_store_feed_position",
        "gauge",
        "The store's change-feed position.",
        &[("", s.store_position)],
    );
    metric(
        &mut out,
        "tamga_central_log_leaves",
        "gauge",
        "Acts in central's transparency log.",
        &[("", s.log.0)],
    );
    metric(
        &mut out,
        "tamga_central_log_signed_size",
        "gauge",
        "Leaves under the latest signed tree head (the log's leaves once sequenced and signed).",
        &[("", s.log.1)],
    );
    metric(
        &mut out,
        "tamga_central_nodes",
        "gauge",
        "Enrolled edge devices, by contact state.",
        &[
            ("state=\"ok\"", s.nodes.0 as u64),
            ("state=\"silent\"", s.nodes.1 as u64),
            ("state=\"never\"", s.nodes.2 as u64),
        ],
    );
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use tamga_core::fixtures::at;

    #[test]
    fn the_text_names_each_metric_once_with_its_samples() {
        let counters = Counters::default();
        counters.sync_ok.fetch_add(3, Ordering::Relaxed);
        let mut totals = Totals::default();
        totals.by_status.insert("in_transit", 2);
        totals.open_by_severity.insert(Severity::Critical, 1);
        totals.rejected = 1;
        totals.across.insert(AcrossKind::KpcOnTwoConsignments, 1);
        let snapshot = Snapshot {
            totals,
            progress: Progress {
                position: 7,
                last_pass: Some(at("2026-11-23T10:00:00Z")),
                last_full: Some(at("2026-11-23T09:59:00Z")),
                acts_ingested: 5,
                assessments: 9,
            },
            store_position: 9,
            log: (12, 11),
            documents: 3,
            nodes: (1, 0, 2),
            refusals: [("clock_skew", 2)].into_iter().collect(),
            now: at("2026-11-23T10:00:30Z"),
        };
        let text = render(&counters, &snapshot);
        for line in [
            "tamga_central_sync_requests_total{outcome=\"ok\"} 3",
            "tamga_central_acts_ingested_total 5",
            "tamga_central_verification_failures 1",
            "tamga_central_consignments{status=\"in_transit\"} 2",
            "tamga_central_open_discrepancies{severity=\"critical\"} 1",
            "tamga_central_open_discrepancies{severity=\"minor\"} 0",
            "tamga_central_across_findings{kind=\"kpc_on_two_consignments\"} 1",
            "tamga_central_across_findings{kind=\"seal_on_two_consignments\"} 0",
            "tamga_central_reconcile_lag_positions 2",
            "tamga_central_reconcile_lag_seconds 30",
            "tamga_central_full_reassessment_age_seconds 90",
            "tamga_central_nodes{state=\"never\"} 2",
            "tamga_central_log_leaves 12",
            "tamga_central_log_signed_size 11",
            "tamga_central_sync_refusals_total{reason=\"clock_skew\"} 2",
        ] {
            assert!(text.lines().any(|l| l == line), "{line} in:\n{text}");
        }
        assert_eq!(
            text.matches("# TYPE tamga_central_open_discrepancies gauge")
                .count(),
            1
        );
    }
}
