-- Alerts (issue 8, docs/alerts.md). Every instance writes what it observes to
-- gateway_alert_samples; one instance at a time (pg_try_advisory_xact_lock) aggregates the fresh
-- samples, steps each rule's state machine (gateway_alert_state), appends the transitions
-- (gateway_alert_events) and enqueues one delivery per channel (gateway_alert_deliveries, the
-- outbox every instance's sender drains). The unique keys are the second guard against a
-- transition notified twice.

CREATE TABLE IF NOT EXISTS gateway_alert_samples (
  instance text PRIMARY KEY,
  sample jsonb NOT NULL,
  at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE IF NOT EXISTS gateway_alert_state (
  rule text PRIMARY KEY,
  state text NOT NULL CHECK (state IN ('inactive', 'pending', 'firing')),
  -- When the current state began (pending: the condition's start; firing: the episode's start).
  since timestamptz,
  -- Firing episodes of this rule so far; the current or last one is its id.
  episode bigint NOT NULL DEFAULT 0,
  -- Firing while the condition has been clear since then (keep-firing hysteresis).
  clear_since timestamptz,
  value double precision,
  threshold double precision NOT NULL,
  detail text,
  last_resolved_at timestamptz,
  evaluated_at timestamptz NOT NULL
);

CREATE TABLE IF NOT EXISTS gateway_alert_events (
  id bigserial PRIMARY KEY,
  rule text NOT NULL,
  episode bigint NOT NULL,
  transition text NOT NULL CHECK (transition IN ('firing', 'resolved')),
  -- The notification every channel renders (AlertNotification in src/monitoring/alerts/types.ts).
  notification jsonb NOT NULL,
  at timestamptz NOT NULL,
  UNIQUE (rule, episode, transition)
);
CREATE INDEX IF NOT EXISTS gateway_alert_events_at ON gateway_alert_events (at DESC);

CREATE TABLE IF NOT EXISTS gateway_alert_deliveries (
  id bigserial PRIMARY KEY,
  event_id bigint NOT NULL REFERENCES gateway_alert_events (id) ON DELETE CASCADE,
  rule text NOT NULL,
  episode bigint NOT NULL,
  transition text NOT NULL,
  channel text NOT NULL,
  status text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'delivered', 'failed')),
  attempts integer NOT NULL DEFAULT 0,
  next_attempt_at timestamptz NOT NULL DEFAULT now(),
  -- A sender's claim: its token, and when the claim lapses (a crashed sender's row is retried).
  claim uuid,
  locked_until timestamptz,
  last_error text,
  delivered_at timestamptz,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  UNIQUE (rule, episode, transition, channel)
);
CREATE INDEX IF NOT EXISTS gateway_alert_deliveries_due ON gateway_alert_deliveries (next_attempt_at) WHERE status = 'pending';
