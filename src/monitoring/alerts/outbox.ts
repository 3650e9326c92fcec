/**
 * The delivery queue in PostgreSQL (gateway_alert_deliveries): it survives restarts, and every
 * instance drains it. A sender claims due rows in one statement (`FOR UPDATE SKIP LOCKED`, so two
 * senders never take the same row), which commits the claim before any network call; the claim
 * lapses after `leaseMs`, so a sender that crashed mid-send leaves its rows to the others. The
 * outcome is written only under the sender's own claim token: a sender whose claim lapsed and
 * was taken over cannot overwrite the newer attempt's result.
 */
import type pg from 'pg'
import type { AlertNotification, ChannelName } from './types.js'

export interface ClaimedDelivery {
  id: number
  channel: ChannelName
  attempts: number
  claim: string
  notification: AlertNotification
}

export interface RetryPolicy {
  /** First retry after about this long; doubled per attempt (with jitter) up to `capMs`. */
  baseMs: number
  capMs: number
  /** After this many attempts the row is `failed` and left alone. */
  maxAttempts: number
  /** How long a claim lasts; longer than a send's timeout. */
  leaseMs: number
}

export const DEFAULT_RETRY: RetryPolicy = { baseMs: 5_000, capMs: 600_000, maxAttempts: 12, leaseMs: 60_000 }

/** Delay before retry number `attempts` (1-based): base · 2^(attempts−1), capped, then 50–100 % of it. */
export function backoffMs (attempts: number, p: RetryPolicy, random: () => number = Math.random): number {
  const full = Math.min(p.capMs, p.baseMs * 2 ** Math.min(30, Math.max(0, attempts - 1)))
  return Math.round(full * (0.5 + random() / 2))
}

/**
 * Claims up to `limit` due rows of the given channels. A row waits while an earlier row of the
 * same rule and channel is still pending, so a resolve never overtakes its trigger.
 */
export async function claimDue (pool: pg.Pool, channels: readonly ChannelName[], limit: number, leaseMs: number): Promise<ClaimedDelivery[]> {
  if (channels.length === 0) return []
  const { rows } = await pool.query<ClaimedDelivery>(
    `WITH due AS (
       SELECT d.id FROM gateway_alert_deliveries d
        WHERE d.status = 'pending' AND d.channel = ANY($1::text[]) AND d.next_attempt_at <= now()
          AND (d.locked_until IS NULL OR d.locked_until < now())
          AND NOT EXISTS (SELECT 1 FROM gateway_alert_deliveries e
                           WHERE e.rule = d.rule AND e.channel = d.channel AND e.status = 'pending' AND e.id < d.id)
        ORDER BY d.id LIMIT $2
        FOR UPDATE OF d SKIP LOCKED)
     UPDATE gateway_alert_deliveries t
        SET claim = gen_random_uuid(), locked_until = now() + make_interval(secs => $3), attempts = t.attempts + 1, updated_at = now()
       FROM due, gateway_alert_events ev
      WHERE t.id = due.id AND ev.id = t.event_id
     RETURNING t.id::int AS id, t.channel, t.attempts, t.claim::text AS claim, ev.notification`,
    [channels, limit, leaseMs / 1000])
  return rows
}

export async function markDelivered (pool: pg.Pool, d: ClaimedDelivery): Promise<void> {
  await pool.query(
    `UPDATE gateway_alert_deliveries SET status = 'delivered', delivered_at = now(), last_error = NULL,
            claim = NULL, locked_until = NULL, updated_at = now()
      WHERE id = $1 AND claim = $2::uuid`, [d.id, d.claim])
}

/** Records a failed attempt: retried after `retryInMs`, or `failed` for good when that is null. */
export async function markFailed (pool: pg.Pool, d: ClaimedDelivery, error: string, retryInMs: number | null): Promise<void> {
  await pool.query(
    `UPDATE gateway_alert_deliveries
        SET status = CASE WHEN $3::float8 IS NULL THEN 'failed' ELSE 'pending' END,
            next_attempt_at = CASE WHEN $3::float8 IS NULL THEN next_attempt_at ELSE now() + make_interval(secs => $3::float8 / 1000) END,
            last_error = $4, claim = NULL, locked_until = NULL, updated_at = now()
      WHERE id = $1 AND claim = $2::uuid`, [d.id, d.claim, retryInMs, error.slice(0, 500)])
}
