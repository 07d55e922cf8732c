//! The dashboard's consignments and discrepancies by filter, read with SQL from the
//! reconciliation's rows (`consignment_rows`, `consignment_posts`, `discrepancy_rows` and
//! their indexes), so that every process answers staff from the one set of rows and none
//! needs the whole index to filter it.
//!
//! The list's order is a column, and an index by status in that order (`listing_rank`,
//! `migrations/V4__listing_order.sql`): a page is the first rows of each status read from the
//! index and merged, never a sort of every row the filter keeps.
//!
//! [`Filter`] means here exactly what it means to the in-memory index
//! ([`crate::reconcile::Index::consignments`], [`crate::reconcile::Index::discrepancies`]):
//! the same rows in the same order, each as the index lists it (tested side by side in
//! `listing_tests`).

use super::{failed, Replica};
use crate::reconcile::{kind_of, severity_of, DiscrepancyState, Filter, STATUSES};
use postgres::types::ToSql;
use serde_json::Value;
use tamga_store::StoreError;

/// A query's text and its parameters, built a condition at a time.
#[derive(Default)]
struct Query {
    conditions: Vec<String>,
    params: Vec<Box<dyn ToSql + Sync>>,
}

impl Query {
    /// `$n` for `value`, the next parameter.
    fn param(&mut self, value: impl ToSql + Sync + 'static) -> String {
        self.params.push(Box::new(value));
        format!("${}", self.params.len())
    }

    fn when(&mut self, condition: String) {
        self.conditions.push(condition);
    }

    fn clause(&self) -> String {
        if self.conditions.is_empty() {
            "true".into()
        } else {
            self.conditions.join(" AND ")
        }
    }

    fn refs(&self) -> Vec<&(dyn ToSql + Sync)> {
        self.params.iter().map(|p| p.as_ref()).collect()
    }
}

/// The consignment part of `filter` on `consignment_rows c` ([`Filter::matches_consignment`]).
fn consignment_part(filter: &Filter, q: &mut Query) {
    if let Some(status) = filter.status {
        let p = q.param(status.as_str());
        q.when(format!("c.status = {p}"));
    }
    if let Some(post) = &filter.post {
        let p = q.param(post.as_str().to_owned());
        q.when(format!(
            "EXISTS (SELECT 1 FROM consignment_posts p WHERE p.consignment = c.consignment AND p.post = {p})"
        ));
    }
    if let Some(from) = filter.from {
        let p = q.param(from.to_string());
        q.when(format!("c.registered_at >= {p}::text::timestamptz"));
    }
    if let Some(until) = filter.until {
        let p = q.param(until.to_string());
        q.when(format!("c.registered_at < {p}::text::timestamptz"));
    }
    if let Some(before) = filter.due_before {
        let p = q.param(before.to_string());
        q.when(format!("c.deadline < {p}::text::timestamptz"));
    }
    if let Some(overdue) = filter.overdue {
        let p = q.param(overdue);
        q.when(format!("c.overdue = {p}"));
    }
}

/// The discrepancy part of `filter` on `discrepancy_rows` under `alias`
/// ([`Filter::matches_discrepancy`]).
fn discrepancy_part(filter: &Filter, alias: &str, q: &mut Query) -> String {
    let mut parts = vec![match filter.state {
        DiscrepancyState::Open => format!("NOT {alias}.resolved"),
        DiscrepancyState::Resolved => format!("{alias}.resolved"),
        DiscrepancyState::All => "true".into(),
    }];
    if let Some(kind) = filter.kind {
        let p = q.param(kind.as_str());
        parts.push(format!("{alias}.kind = {p}"));
    }
    if let Some(severity) = filter.severity {
        let p = q.param(severity.as_str());
        parts.push(format!("{alias}.severity = {p}"));
    }
    parts.join(" AND ")
}

/// `LIMIT` and `OFFSET` of the page `filter` asks for.
fn page(filter: &Filter, q: &mut Query) -> String {
    let limit = match filter.limit {
        Some(n) => format!("LIMIT {}", q.param(n as i64)),
        None => String::new(),
    };
    format!("{limit} OFFSET {}", q.param(filter.offset as i64))
}

impl Replica {
    /// The consignments `filter` keeps, each as the index lists it (its row with `open` and
    /// `worst_open`): the most severe open discrepancy first, then by deadline, then by id.
    pub fn consignments(&self, filter: &Filter) -> Result<Vec<Value>, StoreError> {
        let mut q = Query::default();
        consignment_part(filter, &mut q);
        let asks = filter.kind.is_some() || filter.severity.is_some();
        let any = |q: &mut Query| {
            let matching = discrepancy_part(filter, "d", q);
            format!(
                "EXISTS (SELECT 1 FROM discrepancy_rows d WHERE d.consignment = c.consignment AND {matching})"
            )
        };
        match (filter.with_discrepancies, asks) {
            // Without discrepancies of a kind or severity asked for: none is kept.
            (Some(false), true) => return Ok(Vec::new()),
            (Some(false), false) => {
                let any = any(&mut q);
                q.when(format!("NOT {any}"))
            }
            (Some(true), _) | (None, true) => {
                let any = any(&mut q);
                q.when(any)
            }
            (None, false) => {}
        }
        let sql = match filter.limit {
            None => format!(
                "SELECT c.record::text, c.open_discrepancies, c.worst_open_severity FROM consignment_rows c \
                 WHERE {} ORDER BY c.listing_rank, c.deadline NULLS FIRST, c.consignment COLLATE \"C\" {}",
                q.clause(),
                page(filter, &mut q)
            ),
            // A page: the first rows of each status in the list's order, each read from the
            // (status, order) index, then merged; never a sort of every row the filter keeps.
            Some(limit) => {
                let clause = q.clause();
                let first = q.param((filter.offset + limit) as i64);
                let statuses: Vec<&str> = match filter.status {
                    Some(status) => vec![status.as_str()],
                    None => STATUSES.iter().map(|s| s.as_str()).collect(),
                };
                let branches: Vec<String> = statuses
                    .into_iter()
                    .map(|status| {
                        let status = q.param(status);
                        format!(
                            "(SELECT c.record::text AS record, c.open_discrepancies, c.worst_open_severity, \
                             c.listing_rank, c.deadline, c.consignment FROM consignment_rows c \
                             WHERE c.status = {status} AND {clause} \
                             ORDER BY c.listing_rank, c.deadline NULLS FIRST, c.consignment COLLATE \"C\" LIMIT {first})"
                        )
                    })
                    .collect();
                format!(
                    "SELECT record, open_discrepancies, worst_open_severity FROM ({}) AS firsts \
                     ORDER BY listing_rank, deadline NULLS FIRST, consignment COLLATE \"C\" {}",
                    branches.join(" UNION ALL "),
                    page(filter, &mut q)
                )
            }
        };
        let rows = self
            .database()
            .connection()?
            .query(&sql, &q.refs())
            .map_err(failed)?;
        rows.iter()
            .map(|row| {
                let mut v: Value = serde_json::from_str(&row.get::<_, String>(0))
                    .map_err(|e| failed(format!("a consignment row's JSON: {e}")))?;
                v["open"] = Value::from(row.get::<_, i32>(1));
                v["worst_open"] = row
                    .get::<_, Option<String>>(2)
                    .map_or(Value::Null, Value::from);
                Ok(v)
            })
            .collect()
    }

    /// The discrepancies `filter` keeps (of the consignments its consignment part keeps), each
    /// as the index lists it: the most severe first, then by consignment, kind and id.
    pub fn discrepancies(&self, filter: &Filter) -> Result<Vec<Value>, StoreError> {
        let mut q = Query::default();
        consignment_part(filter, &mut q);
        let matching = discrepancy_part(filter, "d", &mut q);
        q.when(matching);
        let sql = format!(
            "SELECT d.severity, d.consignment, d.kind, d.id, \
             (SELECT e::text FROM jsonb_array_elements(c.record->'discrepancies') e WHERE e->>'id' = d.id LIMIT 1) \
             FROM discrepancy_rows d JOIN consignment_rows c ON c.consignment = d.consignment \
             WHERE {}",
            q.clause()
        );
        let rows = self
            .database()
            .connection()?
            .query(&sql, &q.refs())
            .map_err(failed)?;
        // Sorted here: the order of kinds is the vocabulary's, not the alphabet's.
        let mut out = Vec::with_capacity(rows.len());
        for row in &rows {
            let severity: String = row.get(0);
            let kind: String = row.get(2);
            let json: Option<String> = row.get(4);
            let json = json.ok_or_else(|| {
                failed(format!(
                    "discrepancy {} of {} is not in its consignment's row",
                    row.get::<_, String>(3),
                    row.get::<_, String>(1)
                ))
            })?;
            let key = (
                severity_of(&severity)
                    .ok_or_else(|| failed(format!("no such severity {severity:?}")))?,
                row.get::<_, String>(1),
                kind_of(&kind).ok_or_else(|| failed(format!("no such kind {kind:?}")))?,
                row.get::<_, String>(3),
            );
            let value: Value = serde_json::from_str(&json)
                .map_err(|e| failed(format!("a discrepancy's JSON: {e}")))?;
            out.push((key, value));
        }
        out.sort_by(|a, b| a.0.cmp(&b.0));
        Ok(filter.page(out.into_iter().map(|(_, v)| v).collect()))
    }
}
