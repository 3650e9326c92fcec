-- Indexes the advisor built on request (docs/optimizer.md, "Index advice"): what each served and
-- how fast those statements were before, so the verify report can compare later windows with it,
-- from any gateway instance and after a restart.
CREATE TABLE gateway_index_applications (
  id           text        PRIMARY KEY,
  index_schema text        NOT NULL,
  index_name   text        NOT NULL,
  table_name   text        NOT NULL,
  statement    text        NOT NULL,
  -- [{ fingerprint, query, source, calls, meanMs }]: the statements served and their latency before.
  served       jsonb       NOT NULL,
  applied_at   timestamptz NOT NULL DEFAULT now(),
  instance     text
);
