-- Monitoring roll-ups: one row per gateway instance per minute (src/monitoring/rollups.ts), so the
-- history outlives restarts and covers every instance. RANGE-partitioned by day on `minute`: the
-- gateway creates the day partitions ahead of use and drops those past METRICS_RETENTION_DAYS (a
-- whole-partition DROP, never a DELETE). No DEFAULT partition: a row for a day without its
-- partition fails (23514), and the writer creates the day and retries.
-- Latency histograms are cumulative-free bucket counts (the bounds are in src/monitoring/buckets.ts;
-- the last element counts samples above the highest bound), so minutes and instances add up.

CREATE TABLE gateway_metrics_minute (
  minute            timestamptz NOT NULL,
  instance          text NOT NULL,
  requests          integer NOT NULL DEFAULT 0,
  request_errors    integer NOT NULL DEFAULT 0,
  request_buckets   integer[] NOT NULL DEFAULT '{}',
  queries           integer NOT NULL DEFAULT 0,
  query_errors      integer NOT NULL DEFAULT 0,
  query_time_ms     double precision NOT NULL DEFAULT 0,
  query_buckets     integer[] NOT NULL DEFAULT '{}',
  slow_queries      integer NOT NULL DEFAULT 0,
  cache_hits        integer NOT NULL DEFAULT 0,
  cache_misses      integer NOT NULL DEFAULT 0,
  pool_usage_avg    real NOT NULL DEFAULT 0,
  pool_usage_max    real NOT NULL DEFAULT 0,
  waiting_avg       real NOT NULL DEFAULT 0,
  replica_lag_ms    double precision,
  pools             jsonb NOT NULL DEFAULT '{}'::jsonb,
  PRIMARY KEY (minute, instance)
) PARTITION BY RANGE (minute);

COMMENT ON TABLE gateway_metrics_minute IS 'StellarRec gateway: per-instance per-minute monitoring roll-ups (day partitions gateway_metrics_minute_pYYYYMMDD)';
