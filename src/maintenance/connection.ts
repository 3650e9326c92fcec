/**
 * One connection of its own per maintenance statement batch: VACUUM cannot run in a transaction
 * block, and nothing here may hold a pooled connection in a state another caller would inherit.
 * Every statement waits at most `lock_timeout` for its lock (then it is reported and retried on
 * the next run instead of queueing traffic behind it) and runs without the gateway's
 * statement_timeout (a VACUUM of a big table legitimately takes longer than a request).
 */
import type pg from 'pg'
import type { TaskItem } from './types.js'
import { lockNotGranted, retriedNextRun } from '../db/lock-timeout.js'

export const STANDBY = 'a standby is never maintained'



/** Runs `fn` on a connection of its own; `STANDBY` (without running it) when the node is in recovery. */
export async function onOwnConnection<T> (pool: pg.Pool, lockTimeoutMs: number, fn: (client: pg.PoolClient) => Promise<T>): Promise<T | typeof STANDBY> {
  const client = await pool.connect()
  let broken: Error | undefined
  try {
    if ((await client.query<{ r: boolean }>('SELECT pg_is_in_recovery() AS r')).rows[0]?.r === true) return STANDBY
    await client.query(`SET lock_timeout = ${Math.max(1, Math.floor(lockTimeoutMs))}`)
    await client.query('SET statement_timeout = 0')
    return await fn(client)
  } finally {
    // RESET returns to the connection's start-up values (the pool's statement_timeout).
    await client.query('RESET lock_timeout; RESET statement_timeout').catch((err: Error) => { broken = err })
    client.release(broken)
  }
}

/** A statement's failure as an item: a lock timeout is `skipped` (retried next run), anything else `failed`. */
export function failedItem (item: Omit<TaskItem, 'status'>, err: unknown, lockTimeoutMs: number): TaskItem {
  if (lockNotGranted(err)) return { ...item, status: 'skipped', detail: retriedNextRun(lockTimeoutMs) }
  return { ...item, status: 'failed', detail: (err as Error).message }
}
