/** What `GET /admin/alerts` shows: each rule's state, recent transitions, recent delivery outcomes. */
import type pg from 'pg'
import type { AlertRuleName, AlertState } from '../types.js'
import type { ChannelName, Transition } from './types.js'

export interface StateView {
  rule: AlertRuleName
  state: AlertState
  since: string | null
  episode: number
  value: number | null
  detail: string | null
  lastResolvedAt: string | null
  evaluatedAt: string
}

export interface AlertEventView {
  id: number
  rule: AlertRuleName
  transition: Transition
  episode: number
  value: number | null
  threshold: number
  at: string
  instance: string
}

export interface DeliveryView {
  id: number
  eventId: number
  rule: AlertRuleName
  transition: Transition
  episode: number
  channel: ChannelName
  status: 'pending' | 'delivered' | 'failed'
  attempts: number
  lastError: string | null
  nextAttemptAt: string | null
  deliveredAt: string | null
  createdAt: string
}

const iso = (col: string): string => `to_char(${col} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`

export async function readStates (pool: pg.Pool): Promise<StateView[]> {
  const { rows } = await pool.query<StateView>(
    `SELECT rule, state, ${iso('since')} AS since, episode::int AS episode, value, detail,
            ${iso('last_resolved_at')} AS "lastResolvedAt", ${iso('evaluated_at')} AS "evaluatedAt"
       FROM gateway_alert_state`)
  return rows
}

export async function readEvents (pool: pg.Pool, limit: number): Promise<AlertEventView[]> {
  const { rows } = await pool.query<AlertEventView>(
    `SELECT id::int AS id, rule, transition, episode::int AS episode, (notification->>'value')::float8 AS value,
            (notification->>'threshold')::float8 AS threshold, ${iso('at')} AS at, notification->>'instance' AS instance
       FROM gateway_alert_events ORDER BY id DESC LIMIT $1`, [limit])
  return rows
}

export async function readDeliveries (pool: pg.Pool, limit: number): Promise<DeliveryView[]> {
  const { rows } = await pool.query<DeliveryView>(
    `SELECT id::int AS id, event_id::int AS "eventId", rule, transition, episode::int AS episode, channel, status, attempts,
            last_error AS "lastError", CASE WHEN status = 'pending' THEN ${iso('next_attempt_at')} END AS "nextAttemptAt",
            ${iso('delivered_at')} AS "deliveredAt", ${iso('created_at')} AS "createdAt"
       FROM gateway_alert_deliveries ORDER BY id DESC LIMIT $1`, [limit])
  return rows
}
