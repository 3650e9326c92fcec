-- Slow-query capture (docs/slow-queries.md): the samples every gateway instance records, the plan
-- captured once per fingerprint, and the seed document's SQL helpers.
--
-- A plain table with a retention DELETE, not daily partitions: slow statements are few by
-- definition, so deleting old rows by the (at) index is cheap, and no gateway has to run DDL on
-- its write path. The gateway deletes rows older than METRICS_RETENTION_DAYS every hour.

-- pg_stat_statements only works when preloaded; creating it elsewhere would leave a view that
-- raises on every read, so it is created only where it can work, and never fails the migration
-- (not installed, or not allowed for this role).
DO $$
BEGIN
  IF current_setting('shared_preload_libraries', true) ~ '(^|[,\s])"?pg_stat_statements"?($|[,\s])' THEN
    CREATE EXTENSION IF NOT EXISTS pg_stat_statements;
  END IF;
EXCEPTION WHEN OTHERS THEN
  RAISE NOTICE 'pg_stat_statements not created: %', SQLERRM;
END
$$;

CREATE TABLE gateway_slow_queries (
  at          timestamptz      NOT NULL,
  instance    text             NOT NULL,
  fingerprint text             NOT NULL,
  -- Normalized by the PostgreSQL parser: literals are $n placeholders, values are never stored.
  query       text             NOT NULL,
  duration_ms double precision NOT NULL,
  node        text             NOT NULL,
  model       text,
  route       text,
  error       boolean          NOT NULL DEFAULT false
);
CREATE INDEX gateway_slow_queries_at ON gateway_slow_queries (at);
CREATE INDEX gateway_slow_queries_fingerprint_at ON gateway_slow_queries (fingerprint, at);

CREATE TABLE gateway_query_plans (
  fingerprint text        PRIMARY KEY,
  query       text        NOT NULL,
  -- EXPLAIN (FORMAT JSON), never ANALYZE; may show the recorded parameter values (admin only).
  plan        jsonb       NOT NULL,
  node        text        NOT NULL,
  captured_at timestamptz NOT NULL DEFAULT now()
);

-- Statements whose mean time is at least min_ms: from pg_stat_statements (lifetime figures, this
-- database) when it is installed and loaded, else from the gateway's samples (the retained days).
CREATE FUNCTION get_slow_queries(min_ms double precision)
RETURNS TABLE (query text, calls bigint, total_ms double precision, mean_ms double precision,
               max_ms double precision, rows bigint, source text)
LANGUAGE plpgsql STABLE AS $$
BEGIN
  IF EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'pg_stat_statements') THEN
    BEGIN
      -- Dynamic SQL: the function must compile and run where the view does not exist.
      RETURN QUERY EXECUTE
        'SELECT s.query, s.calls::bigint, s.total_exec_time, s.mean_exec_time, s.max_exec_time, s.rows::bigint,
                ''pg_stat_statements''::text
           FROM pg_stat_statements s
          WHERE s.dbid = (SELECT oid FROM pg_database WHERE datname = current_database())
            AND s.mean_exec_time >= $1
          ORDER BY s.total_exec_time DESC'
        USING min_ms;
      RETURN;
    EXCEPTION WHEN OTHERS THEN
      -- Installed but not preloaded ("must be loaded via shared_preload_libraries"): fall through.
      NULL;
    END;
  END IF;
  RETURN QUERY
    SELECT (array_agg(g.query ORDER BY g.at DESC))[1], count(*)::bigint, sum(g.duration_ms),
           avg(g.duration_ms), max(g.duration_ms), NULL::bigint, 'gateway'::text
      FROM gateway_slow_queries g
     GROUP BY g.fingerprint
    HAVING avg(g.duration_ms) >= min_ms
     ORDER BY sum(g.duration_ms) DESC;
END
$$;

-- Client connections of the current database per state, with how long the oldest has been in it
-- (clamped at 0: now() is the transaction start, a little before a statement that began since).
CREATE FUNCTION get_connection_stats()
RETURNS TABLE (state text, count bigint, waiting bigint, max_state_ms double precision,
               max_query_ms double precision, max_xact_ms double precision)
LANGUAGE sql STABLE AS $$
  SELECT coalesce(a.state, 'unknown'),
         count(*),
         count(*) FILTER (WHERE a.wait_event_type IS NOT NULL AND a.wait_event_type <> 'Client'),
         greatest(max(extract(epoch FROM now() - a.state_change) * 1000), 0),
         greatest(max(extract(epoch FROM now() - a.query_start) * 1000) FILTER (WHERE a.state = 'active'), 0),
         greatest(max(extract(epoch FROM now() - a.xact_start) * 1000), 0)
    FROM pg_stat_activity a
   WHERE a.datname = current_database() AND a.backend_type = 'client backend'
   GROUP BY 1
   ORDER BY 1
$$;
