/**
 * Applying a suggestion: `CREATE INDEX CONCURRENTLY` on one primary connection, under a
 * session advisory lock (one build at a time across every gateway instance) and `lock_timeout`
 * (a build waiting for a lock queues every later writer behind it; better to fail and retry).
 * A concurrent build that fails leaves an INVALID index behind: it is detected and reported, and
 * dropped with `DROP INDEX CONCURRENTLY` only when asked.
 * @see https://www.postgresql.org/docs/current/sql-createindex.html#SQL-CREATEINDEX-CONCURRENTLY
 */
import type pg from 'pg'
import { gatewayError } from '../../errors.js'
import { MONITORING_MARK } from '../../monitoring/slow-queries/pg-stat-statements.js'
import { indexState, qualified } from './catalog.js'
import { ADVISORY_LOCKS } from '../../db/advisory-locks.js'

/** Advisory-lock key shared by every instance (index builds and drops) (src/db/advisory-locks.ts). */
const BUILD_LOCK_KEY = ADVISORY_LOCKS.indexBuild

export interface BuildTarget { schema: string; index: string; statement: string; prerequisites: string[] }

export function dropStatement (schema: string, index: string): string {
  return `DROP INDEX CONCURRENTLY IF EXISTS ${qualified(schema, index)}`
}

async function underBuildLock<T> (pool: pg.Pool, lockTimeoutMs: number, fn: (client: pg.PoolClient) => Promise<T>): Promise<T> {
  const client = await pool.connect()
  let broken: Error | undefined
  try {
    const { rows } = await client.query<{ ok: boolean }>(`SELECT ${MONITORING_MARK} pg_try_advisory_lock($1) AS ok`, [BUILD_LOCK_KEY])
    if (rows[0]?.ok !== true) throw gatewayError('GW_ERR_CONFLICT', 'Another index build or drop is running (advisory lock held); try again later', { reason: 'locked' })
    try {
      // Integers we built; SET takes no parameters. A build may run long: only the lock wait is bounded.
      await client.query(`SET lock_timeout = ${Math.max(1, Math.round(lockTimeoutMs))}`)
      await client.query('SET statement_timeout = 0')
      return await fn(client)
    } finally {
      await client.query(`SELECT ${MONITORING_MARK} pg_advisory_unlock($1)`, [BUILD_LOCK_KEY]).catch((e: Error) => { broken = e })
      await client.query('RESET lock_timeout').catch((e: Error) => { broken = e })
      await client.query('RESET statement_timeout').catch((e: Error) => { broken = e })
    }
  } finally {
    client.release(broken)
  }
}

function invalidIndex (t: { schema: string; index: string }, message: string, reason: string, error?: string) {
  return gatewayError('GW_ERR_CONFLICT', message, {
    reason, index: t.index, valid: false, dropStatement: dropStatement(t.schema, t.index),
    hint: 'POST /admin/indexes/apply with { id, confirm: true, dropInvalid: true } drops it', ...(error !== undefined ? { error } : {})
  })
}

/** Builds the index; 'exists' when a valid one of that name is there. Failures are GW_ERR_CONFLICT with details. */
export async function buildIndex (pool: pg.Pool, t: BuildTarget, lockTimeoutMs: number): Promise<'created' | 'exists'> {
  return await underBuildLock(pool, lockTimeoutMs, async (client) => {
    const before = await indexState(client, t.schema, t.index)
    if (before.exists && before.valid) return 'exists'
    if (before.exists && before.building) throw gatewayError('GW_ERR_CONFLICT', `Index ${t.index} is being built right now`, { reason: 'building', index: t.index })
    if (before.exists) throw invalidIndex(t, `Index ${t.index} exists but is INVALID (a failed earlier build)`, 'invalid-index')
    try {
      for (const sql of t.prerequisites) await client.query(sql)
      await client.query(t.statement)
      return 'created'
    } catch (err) {
      const message = (err as Error).message
      const after = await indexState(client, t.schema, t.index)
      if (after.exists && !after.valid) throw invalidIndex(t, `Building ${t.index} failed and left an INVALID index: ${message}`, 'build-failed-invalid', message)
      throw gatewayError('GW_ERR_CONFLICT', `Building ${t.index} failed: ${message}`, { reason: 'build-failed', index: t.index, error: message })
    }
  })
}

/** Drops the index only while it is INVALID and not being built (never a working index). */
export async function dropInvalidIndex (pool: pg.Pool, t: { schema: string; index: string }, lockTimeoutMs: number): Promise<'dropped' | 'absent'> {
  return await underBuildLock(pool, lockTimeoutMs, async (client) => {
    const state = await indexState(client, t.schema, t.index)
    if (!state.exists) return 'absent'
    if (state.valid) throw gatewayError('GW_ERR_CONFLICT', `Index ${t.index} is valid; dropInvalid only drops an INVALID index`, { reason: 'valid-index', index: t.index })
    if (state.building) throw gatewayError('GW_ERR_CONFLICT', `Index ${t.index} is being built right now`, { reason: 'building', index: t.index })
    await client.query(dropStatement(t.schema, t.index))
    return 'dropped'
  })
}
