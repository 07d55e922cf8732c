-- Central's shared ledger: what several central processes on one database keep in common.
-- Applied by `tamga-central serve` at start (refinery), under an advisory lock so that two
-- processes starting together migrate once.

-- The customs authority this database is pinned to (one row): a central of another
-- authority is refused.
CREATE TABLE pinned_authority (
    only_row boolean PRIMARY KEY DEFAULT true CHECK (only_row),
    authority text NOT NULL
);

-- The feed's position (one row). A publishing transaction takes it FOR UPDATE, so positions
-- are given out in commit order: a reader that sees position p sees every change at or
-- before p.
CREATE TABLE feed_position (
    only_row boolean PRIMARY KEY DEFAULT true CHECK (only_row),
    position bigint NOT NULL
);
INSERT INTO feed_position (position) VALUES (0);

-- Every automerge change of every document, once: its hash is its identity, so the same
-- change merged through two processes at the same moment is recorded once. A document is the
-- set of its changes; no process ever overwrites another's.
CREATE TABLE changes (
    hash bytea PRIMARY KEY,
    doc text NOT NULL,
    position bigint NOT NULL,
    bytes bytea NOT NULL
);
CREATE INDEX changes_by_position ON changes (position);
CREATE INDEX changes_by_doc ON changes (doc);

-- How far central has heard from each node (the node's own feed position), whichever
-- process the node met.
CREATE TABLE checkpoints (
    peer text PRIMARY KEY,
    position bigint NOT NULL
);

-- The replay guard: every accepted request's nonce, within the clock skew window. A request
-- accepted by one process is a replay at every other.
CREATE TABLE nonces (
    device text NOT NULL,
    nonce bytea NOT NULL,
    at bigint NOT NULL,
    PRIMARY KEY (device, nonce)
);
CREATE INDEX nonces_by_at ON nonces (at);

-- The process that keeps central's transparency log (the replica id its store holds). The
-- log is sequenced in that process's store; another process never starts a second log, which
-- nodes would see as a fork.
CREATE TABLE log_keeper (
    only_row boolean PRIMARY KEY DEFAULT true CHECK (only_row),
    replica bigint NOT NULL
);
