-- Maintenance jobs (src/maintenance, docs/maintenance.md): every run of the maintenance runner —
-- POST /admin/maintenance, the schedule, the library's runMaintenance() — is one row, so a job
-- survives restarts and every instance sees it. The runner holds a session advisory lock while a
-- job runs; a 'queued'/'running' row whose lock is free belongs to an instance that stopped, and is
-- marked 'abandoned'. The partial unique index is the invariant behind the lock: one active job.

CREATE TABLE gateway_maintenance_jobs (
  id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  tasks         text[] NOT NULL,
  dry_run       boolean NOT NULL DEFAULT false,
  status        text NOT NULL DEFAULT 'queued'
                CHECK (status IN ('queued', 'running', 'done', 'partial', 'failed', 'abandoned')),
  -- One element per task, in run order: { task, status, startedAt, durationMs, detail, items }.
  results       jsonb NOT NULL DEFAULT '[]'::jsonb,
  requested_by  text NOT NULL,
  instance      text NOT NULL,
  error         text,
  created_at    timestamptz NOT NULL DEFAULT now(),
  started_at    timestamptz,
  finished_at   timestamptz
);

CREATE UNIQUE INDEX gateway_maintenance_jobs_one_active ON gateway_maintenance_jobs ((true))
  WHERE status IN ('queued', 'running');
CREATE INDEX gateway_maintenance_jobs_created_at_idx ON gateway_maintenance_jobs (created_at DESC);

-- When each materialized view was last refreshed, written in the refresh's own transaction so the
-- time and the view's contents commit together (GET /universities/:id/stats `refreshedAt`).
CREATE TABLE gateway_view_refreshes (
  view_name     text PRIMARY KEY,
  refreshed_at  timestamptz NOT NULL,
  duration_ms   double precision NOT NULL,
  job_id        bigint
);
