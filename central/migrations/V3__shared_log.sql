-- Central's transparency log, one for every process of a central: the leaves in the order
-- they were sequenced, the signed tree heads, and how far the log has sequenced the feed.
-- Each process mirrors the leaves into its own store, where it makes the proofs. The one row
-- of log_state is locked by every sequencing and signing transaction, so leaves are appended
-- and heads signed one process at a time: one order of leaves, one line of heads, whichever
-- process a node asks.

-- Replaced by the shared log: no process keeps the log alone any more.
DROP TABLE log_keeper;

CREATE TABLE log_state (
    only_row boolean PRIMARY KEY DEFAULT true CHECK (only_row),
    -- The database feed position up to which every document's acts have a leaf.
    fed bigint NOT NULL,
    -- Leaves in the log.
    size bigint NOT NULL
);
INSERT INTO log_state (fed, size) VALUES (0, 0);

CREATE TABLE log_leaves (
    index bigint PRIMARY KEY,
    act bytea NOT NULL UNIQUE,
    -- When the log first saw the act (seconds since 1970-01-01T00:00:00Z).
    seen bigint NOT NULL
);

CREATE TABLE log_heads (
    size bigint PRIMARY KEY,
    -- The signed tree head as text (docs/act-format.md §14.4).
    head text NOT NULL
);
