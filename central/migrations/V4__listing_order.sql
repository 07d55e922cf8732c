-- The dashboard's order of consignments (`GET /api/consignments`): the most severe open
-- discrepancy first (critical, major, minor, none), then by deadline (none first), then by
-- consignment number as bytes. Kept as a column, and an index by status in that order: a page
-- of the list is the first rows of each status read from the index and merged
-- (`central/src/postgres/listing.rs`), never a sort of every row the filter keeps. By status,
-- because one index in the list's order alone lets a filter pass over many rows that do not
-- match before it finds a page that does.
ALTER TABLE consignment_rows ADD COLUMN listing_rank smallint
    GENERATED ALWAYS AS (CASE worst_open_severity
        WHEN 'critical' THEN 0 WHEN 'major' THEN 1 WHEN 'minor' THEN 2 ELSE 255 END) STORED;
CREATE INDEX consignment_rows_status_listing
    ON consignment_rows (status, listing_rank, deadline NULLS FIRST, consignment COLLATE "C");
