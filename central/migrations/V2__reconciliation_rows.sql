-- The reconciliation's rows: what central's processes derive from each consignment's acts,
-- written by whichever process assessed it last (a row derived from a later feed position,
-- or at a later time from the same one, replaces an earlier one). Derived, never
-- authoritative: the acts are in `changes`; every full reassessment writes them again.
-- docs/analyst-views.md documents the read-only views (schema `analyst`) over them.

CREATE TABLE consignment_rows (
    consignment text PRIMARY KEY,
    derived_position bigint NOT NULL,
    assessed_at timestamptz NOT NULL,
    status text NOT NULL,
    outcome text,
    declaration text,
    direction text,
    registered_at timestamptz,
    departure text,
    destination text,
    custodian text,
    custody_disputed boolean NOT NULL,
    deadline timestamptz,
    overdue boolean NOT NULL,
    last_act_at timestamptz,
    acts integer NOT NULL,
    rejected integer NOT NULL,
    worst_open_severity text,
    open_discrepancies integer NOT NULL,
    -- The dashboard's row as JSON (what `GET /api/consignments` lists).
    record jsonb NOT NULL
);
CREATE INDEX consignment_rows_status ON consignment_rows (status, registered_at);
CREATE INDEX consignment_rows_departure ON consignment_rows (departure);
CREATE INDEX consignment_rows_destination ON consignment_rows (destination);
CREATE INDEX consignment_rows_custodian ON consignment_rows (custodian);
CREATE INDEX consignment_rows_deadline ON consignment_rows (deadline);
CREATE INDEX consignment_rows_registered ON consignment_rows (registered_at);
CREATE INDEX consignment_rows_worst ON consignment_rows (worst_open_severity);
-- The dashboard's counts (by status, post and severity) read from this index alone.
CREATE INDEX consignment_rows_counts ON consignment_rows (status, departure, worst_open_severity);

-- Every post a consignment concerns (route, places of its acts, custody parties).
CREATE TABLE consignment_posts (
    consignment text NOT NULL REFERENCES consignment_rows ON DELETE CASCADE,
    post text NOT NULL,
    PRIMARY KEY (consignment, post)
);
CREATE INDEX consignment_posts_post ON consignment_posts (post);

CREATE TABLE discrepancy_rows (
    consignment text NOT NULL REFERENCES consignment_rows ON DELETE CASCADE,
    id text NOT NULL,
    kind text NOT NULL,
    severity text NOT NULL,
    resolved boolean NOT NULL,
    subject text NOT NULL,
    summary text NOT NULL,
    acts text[] NOT NULL,
    PRIMARY KEY (consignment, id)
);
CREATE INDEX discrepancy_rows_kind ON discrepancy_rows (kind, severity);

-- Kimberley Process figures of a consignment carrying rough diamonds, as the KP statistics
-- count it (central's own rules: a short delivery less its shortage with the value
-- apportioned, a refusal or return set apart): summing them by year and direction gives the
-- report's tables.
CREATE TABLE kp_facts (
    consignment text PRIMARY KEY REFERENCES consignment_rows ON DELETE CASCADE,
    year integer NOT NULL,
    direction text NOT NULL,
    counted boolean NOT NULL,
    volume_ct numeric NOT NULL,
    value_usd numeric NOT NULL,
    usd_valued_ct numeric NOT NULL,
    shortage_ct numeric NOT NULL,
    refused_or_returned_ct numeric NOT NULL
);
CREATE INDEX kp_facts_year ON kp_facts (year, direction);

CREATE TABLE kp_not_in_usd (
    consignment text NOT NULL REFERENCES consignment_rows ON DELETE CASCADE,
    currency text NOT NULL,
    amount numeric NOT NULL,
    volume_ct numeric NOT NULL,
    PRIMARY KEY (consignment, currency)
);

CREATE TABLE kp_certificates (
    consignment text NOT NULL REFERENCES consignment_rows ON DELETE CASCADE,
    issued_by text NOT NULL,
    number text NOT NULL,
    PRIMARY KEY (consignment, issued_by, number)
);

-- Goods lines of precious stones and metals, as the Department reconciliation lists them.
CREATE TABLE goods_lines (
    consignment text NOT NULL REFERENCES consignment_rows ON DELETE CASCADE,
    line integer NOT NULL,
    registered_at timestamptz NOT NULL,
    declaration text NOT NULL,
    direction text NOT NULL,
    status text NOT NULL,
    outcome text,
    hs_code text NOT NULL,
    description text NOT NULL,
    quantity numeric NOT NULL,
    unit text NOT NULL,
    net_mass_g numeric NOT NULL,
    value numeric NOT NULL,
    currency text NOT NULL,
    PRIMARY KEY (consignment, line)
);
CREATE INDEX goods_lines_registered ON goods_lines (registered_at);

CREATE TABLE state_control_certificates (
    consignment text NOT NULL REFERENCES consignment_rows ON DELETE CASCADE,
    issued_by text NOT NULL,
    number text NOT NULL,
    PRIMARY KEY (consignment, issued_by, number)
);

-- What analysts and BI tools read: views only, through a role that may read nothing else.
CREATE SCHEMA analyst;

CREATE VIEW analyst.consignments AS
SELECT consignment, status, outcome, declaration, direction, registered_at, departure,
       destination, custodian, custody_disputed, deadline, overdue, last_act_at, acts,
       rejected, worst_open_severity, open_discrepancies, assessed_at
FROM consignment_rows;

CREATE VIEW analyst.consignment_posts AS
SELECT consignment, post FROM consignment_posts;

CREATE VIEW analyst.discrepancies AS
SELECT d.consignment, d.id, d.kind, d.severity, d.resolved, d.subject, d.summary, d.acts,
       c.status, c.departure, c.destination, c.registered_at
FROM discrepancy_rows d JOIN consignment_rows c USING (consignment);

-- The KP statistics tables (seed 003, section E, tables 1 and 2), one row per year and
-- direction with rough diamonds: as `GET /api/reports/kp` computes them.
CREATE VIEW analyst.kp_statistics AS
SELECT f.year,
       f.direction,
       count(*) FILTER (WHERE f.counted) AS consignments,
       coalesce(sum(f.volume_ct) FILTER (WHERE f.counted), 0) AS volume_ct,
       coalesce(sum(f.value_usd) FILTER (WHERE f.counted), 0) AS value_usd,
       coalesce(sum(f.usd_valued_ct) FILTER (WHERE f.counted), 0) AS usd_valued_ct,
       round(sum(f.value_usd) FILTER (WHERE f.counted)
             / nullif(sum(f.usd_valued_ct) FILTER (WHERE f.counted), 0), 2) AS usd_per_ct,
       (SELECT count(*) FROM (
            SELECT DISTINCT k.issued_by, k.number
            FROM kp_certificates k JOIN kp_facts g USING (consignment)
            WHERE g.counted AND g.year = f.year AND g.direction = f.direction) AS distinct_kpc
       ) AS kp_certificates,
       coalesce(sum(f.shortage_ct) FILTER (WHERE f.counted), 0) AS shortage_ct,
       count(*) FILTER (WHERE NOT f.counted) AS refused_or_returned,
       coalesce(sum(f.refused_or_returned_ct) FILTER (WHERE NOT f.counted), 0)
           AS refused_or_returned_ct
FROM kp_facts f
GROUP BY f.year, f.direction;

CREATE VIEW analyst.kp_not_in_usd AS
SELECT f.year, f.direction, n.currency, sum(n.amount) AS amount, sum(n.volume_ct) AS volume_ct,
       array_agg(n.consignment ORDER BY n.consignment) AS consignments
FROM kp_not_in_usd n JOIN kp_facts f USING (consignment)
WHERE f.counted
GROUP BY f.year, f.direction, n.currency;

-- The Department reconciliation (Technological Scheme, item 8): goods lines of precious
-- stones and metals, and their sums by direction and HS heading.
CREATE VIEW analyst.reconciliation_lines AS
SELECT consignment, line, registered_at, declaration, direction, status, outcome, hs_code,
       substr(hs_code, 1, 4) AS heading, description, quantity, unit, net_mass_g, value, currency
FROM goods_lines;

-- Its sums by direction and HS heading for the period [period_from, period_until) of
-- registration, as `GET /api/reports/reconciliation` computes them.
CREATE FUNCTION analyst.reconciliation_by_heading(period_from timestamptz, period_until timestamptz)
RETURNS TABLE (
    direction text, heading text, consignments bigint, delivered bigint,
    delivered_short bigint, refused bigint, returned bigint, in_transit bigint, lines bigint,
    quantity_ct numeric, quantity_g numeric, quantity_kg numeric, quantity_pcs numeric,
    net_mass_g numeric, state_control_certificates bigint
)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public AS $$
    WITH l AS (
        SELECT g.*, substr(g.hs_code, 1, 4) AS heading
        FROM goods_lines g
        WHERE g.registered_at >= period_from AND g.registered_at < period_until
    )
    SELECT l.direction,
           l.heading,
           count(DISTINCT l.consignment),
           count(DISTINCT l.consignment) FILTER (WHERE l.outcome = 'delivered'),
           count(DISTINCT l.consignment) FILTER (WHERE l.outcome = 'delivered_short'),
           count(DISTINCT l.consignment) FILTER (WHERE l.outcome = 'refused'),
           count(DISTINCT l.consignment) FILTER (WHERE l.outcome = 'returned'),
           count(DISTINCT l.consignment) FILTER (WHERE l.outcome IS NULL),
           count(*),
           coalesce(sum(l.quantity) FILTER (WHERE l.unit = 'ct'), 0),
           coalesce(sum(l.quantity) FILTER (WHERE l.unit = 'g'), 0),
           coalesce(sum(l.quantity) FILTER (WHERE l.unit = 'kg'), 0),
           coalesce(sum(l.quantity) FILTER (WHERE l.unit = 'pcs'), 0),
           sum(l.net_mass_g),
           (SELECT count(*) FROM (
                SELECT DISTINCT s.issued_by, s.number
                FROM state_control_certificates s
                WHERE s.consignment IN (
                    SELECT m.consignment FROM l AS m
                    WHERE m.direction = l.direction AND m.heading = l.heading)
            ) AS distinct_scc)
    FROM l
    GROUP BY l.direction, l.heading
$$;

-- The values of those rows, per currency (no conversion).
CREATE FUNCTION analyst.reconciliation_values(period_from timestamptz, period_until timestamptz)
RETURNS TABLE (direction text, heading text, currency text, amount numeric)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public AS $$
    SELECT g.direction, substr(g.hs_code, 1, 4), g.currency, sum(g.value)
    FROM goods_lines g
    WHERE g.registered_at >= period_from AND g.registered_at < period_until
    GROUP BY g.direction, substr(g.hs_code, 1, 4), g.currency
$$;

-- The role analysts log in under (a login role granted it: `GRANT tamga_analyst TO alice`):
-- it reads the views above and nothing else.
-- Roles belong to the cluster: another database may have made it, perhaps at this moment.
DO $$
BEGIN
    CREATE ROLE tamga_analyst NOLOGIN;
EXCEPTION WHEN duplicate_object OR unique_violation THEN
    NULL;
END
$$;
GRANT USAGE ON SCHEMA analyst TO tamga_analyst;
GRANT SELECT ON ALL TABLES IN SCHEMA analyst TO tamga_analyst;
REVOKE ALL ON ALL FUNCTIONS IN SCHEMA analyst FROM PUBLIC;
GRANT EXECUTE ON ALL FUNCTIONS IN SCHEMA analyst TO tamga_analyst;
