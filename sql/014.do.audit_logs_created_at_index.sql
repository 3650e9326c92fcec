-- GET /audit-logs without `entity` pages newest first (ORDER BY created_at DESC, id DESC LIMIT n).
-- Without an index on the sort key every month scanned was read whole and sorted (328 ms for the
-- first page at seed scale 1); with it a page is a merge of short index scans. Created on the
-- partitioned parent, so PostgreSQL builds it on every partition and on each new one. (On a large
-- existing installation this migration holds writes to audit_logs while it builds; build it first
-- with CREATE INDEX CONCURRENTLY on each partition and ATTACH them to an index created ON ONLY the
-- parent, under this name, to avoid that.)
CREATE INDEX audit_logs_created_at_id_idx ON audit_logs (created_at, id);
