/**
 * One evaluation of every rule across all instances, in ONE transaction under a transaction-level
 * advisory lock: whichever instance gets the lock aggregates the fresh samples, steps the state
 * machines from the persisted state, appends the transitions and enqueues their deliveries — the
 * state change and its notifications commit together or not at all. An instance that does not get
 * the lock skips this round (another is doing the same work on the same data). The unique keys of
 * events and deliveries are a second guard: a transition is enqueued once per channel, ever.
 */
import type pg from 'pg'
import type { AlertRuleName, AlertSample } from '../types.js'
import { aggregate, type AggregatedValue } from './aggregate.js'
import { breached, type AlertRule } from './rules.js'
import { step, INITIAL, type RuleMemory, type Timing } from './state-machine.js'
import type { AlertNotification, ChannelName, Transition } from './types.js'
import { ADVISORY_LOCKS } from '../../db/advisory-locks.js'

/** Shared by every gateway instance (src/db/advisory-locks.ts). */
export const ALERT_LOCK_KEY = ADVISORY_LOCKS.alertEvaluation
/** Bounds the evaluation's statements and lock waits: a stuck database must not pile up rounds. */
const STATEMENT_TIMEOUT = '5s'

export interface EvaluationContext {
  rules: readonly AlertRule[]
  timing: Timing
  channels: readonly ChannelName[]
  instance: string
  now: number
  /** Samples older than this (by the database's clock) belong to instances that stopped. */
  sampleMaxAgeMs: number
  /** Events (and their deliveries) older than this are pruned. */
  retentionMs: number
}

export interface TransitionRecord { rule: AlertRuleName; transition: Transition; episode: number; enqueued: number }

export interface EvaluationOutcome {
  /** False when another instance held the lock. */
  evaluated: boolean
  instances: number
  transitions: TransitionRecord[]
}

export const dedupKey = (rule: string, episode: number): string => `stellarrec-gateway/${rule}/${episode}`

export async function writeSample (pool: pg.Pool, sample: AlertSample): Promise<void> {
  await pool.query(
    `INSERT INTO gateway_alert_samples (instance, sample, at) VALUES ($1, $2, now())
     ON CONFLICT (instance) DO UPDATE SET sample = EXCLUDED.sample, at = EXCLUDED.at`,
    [sample.instance, JSON.stringify(sample)])
}

interface StateRow { rule: string; state: RuleMemory['state']; since_ms: number | null; episode: number; clear_since_ms: number | null }

export async function evaluateAll (pool: pg.Pool, ctx: EvaluationContext): Promise<EvaluationOutcome> {
  const client = await pool.connect()
  let broken = false
  try {
    await client.query('BEGIN')
    await client.query(`SET LOCAL statement_timeout = '${STATEMENT_TIMEOUT}'`)
    const { rows: [lock] } = await client.query<{ locked: boolean }>('SELECT pg_try_advisory_xact_lock($1) AS locked', [ALERT_LOCK_KEY])
    if (lock?.locked !== true) {
      await client.query('ROLLBACK')
      return { evaluated: false, instances: 0, transitions: [] }
    }
    const { rows: sampleRows } = await client.query<{ sample: AlertSample }>(
      'SELECT sample FROM gateway_alert_samples WHERE at > now() - make_interval(secs => $1)', [ctx.sampleMaxAgeMs / 1000])
    const samples = sampleRows.map((r) => r.sample)
    const { rows: stateRows } = await client.query<StateRow>(
      `SELECT rule, state, (extract(epoch FROM since) * 1000)::float8 AS since_ms, episode::int AS episode,
              (extract(epoch FROM clear_since) * 1000)::float8 AS clear_since_ms
         FROM gateway_alert_state`)
    const memories = new Map(stateRows.map((r) => [r.rule, { state: r.state, since: r.since_ms, episode: r.episode, clearSince: r.clear_since_ms } satisfies RuleMemory]))
    if (ctx.rules.some((r) => !memories.has(r.name))) {
      // A rule without a state row (first run, or the row was deleted) continues after its last
      // recorded episode, so its next event cannot collide with an old one and be dropped.
      const { rows } = await client.query<{ rule: string; episode: number }>('SELECT rule, max(episode)::int AS episode FROM gateway_alert_events GROUP BY rule')
      for (const r of rows) if (!memories.has(r.rule)) memories.set(r.rule, { ...INITIAL, episode: r.episode })
    }

    const transitions: TransitionRecord[] = []
    for (const rule of ctx.rules) {
      const agg = aggregate(rule, samples)
      const before = memories.get(rule.name) ?? INITIAL
      const r = step(before, breached(rule, agg.value), ctx.now, ctx.timing)
      await saveState(client, rule, r.next, agg, ctx.now, r.transition === 'resolved')
      if (r.transition === undefined) continue
      const n = notification(rule, r.transition, r.next.episode, agg, r.startsAt ?? ctx.now, ctx)
      const enqueued = await enqueue(client, n, ctx)
      transitions.push({ rule: rule.name, transition: r.transition, episode: r.next.episode, enqueued })
    }
    await client.query('DELETE FROM gateway_alert_samples WHERE at < now() - make_interval(secs => $1)', [Math.max(ctx.sampleMaxAgeMs, ctx.retentionMs) / 1000])
    await client.query('DELETE FROM gateway_alert_events WHERE at < $1', [new Date(ctx.now - ctx.retentionMs)])
    await client.query('COMMIT')
    return { evaluated: true, instances: samples.length, transitions }
  } catch (err) {
    await client.query('ROLLBACK').catch(() => { broken = true })
    throw err
  } finally {
    // A connection whose ROLLBACK failed is destroyed, not returned (cf. src/client/transaction.ts).
    client.release(broken)
  }
}

async function saveState (client: pg.PoolClient, rule: AlertRule, m: RuleMemory, agg: AggregatedValue, now: number, resolved: boolean): Promise<void> {
  const ts = (ms: number | null): Date | null => ms === null ? null : new Date(ms)
  await client.query(
    `INSERT INTO gateway_alert_state (rule, state, since, episode, clear_since, value, threshold, detail, last_resolved_at, evaluated_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, CASE WHEN $9 THEN $10::timestamptz END, $10)
     ON CONFLICT (rule) DO UPDATE SET state = EXCLUDED.state, since = EXCLUDED.since, episode = EXCLUDED.episode,
       clear_since = EXCLUDED.clear_since, value = EXCLUDED.value, threshold = EXCLUDED.threshold, detail = EXCLUDED.detail,
       last_resolved_at = COALESCE(EXCLUDED.last_resolved_at, gateway_alert_state.last_resolved_at), evaluated_at = EXCLUDED.evaluated_at`,
    [rule.name, m.state, ts(m.since), m.episode, ts(m.clearSince), agg.value, rule.threshold, agg.detail ?? null, resolved, new Date(now)])
}

function notification (rule: AlertRule, transition: Transition, episode: number, agg: AggregatedValue, startsAt: number, ctx: EvaluationContext): AlertNotification {
  const n: AlertNotification = {
    rule: rule.name,
    state: transition,
    episode,
    value: agg.value,
    threshold: rule.threshold,
    comparison: rule.comparison,
    unit: rule.unit,
    severity: rule.severity,
    description: rule.description,
    startsAt: new Date(startsAt).toISOString(),
    instance: ctx.instance,
    dedupKey: dedupKey(rule.name, episode)
  }
  if (agg.detail !== undefined) n.detail = agg.detail
  if (transition === 'resolved') n.endsAt = new Date(ctx.now).toISOString()
  return n
}

/** Appends the event and one pending delivery per channel; returns how many deliveries it added. */
async function enqueue (client: pg.PoolClient, n: AlertNotification, ctx: EvaluationContext): Promise<number> {
  const { rows: [event] } = await client.query<{ id: string }>(
    `INSERT INTO gateway_alert_events (rule, episode, transition, notification, at) VALUES ($1, $2, $3, $4, $5)
     ON CONFLICT (rule, episode, transition) DO NOTHING RETURNING id::text`,
    [n.rule, n.episode, n.state, JSON.stringify(n), new Date(ctx.now)])
  if (event === undefined || ctx.channels.length === 0) return 0
  const { rowCount } = await client.query(
    `INSERT INTO gateway_alert_deliveries (event_id, rule, episode, transition, channel)
     SELECT $1::bigint, $2, $3, $4, channel FROM unnest($5::text[]) AS channel
     ON CONFLICT (rule, episode, transition, channel) DO NOTHING`,
    [event.id, n.rule, n.episode, n.state, ctx.channels])
  return rowCount ?? 0
}
