/** Helpers of the maintenance tests: polling a job, a connection released when the test ends. */
import { setTimeout as sleep } from 'node:timers/promises'
import type { TestContext } from 'node:test'
import type { FastifyInstance } from 'fastify'
import pg from 'pg'
import { adminHeaders } from '../helpers/app.js'
import { testEnv } from '../helpers/env.js'
import type { MaintenanceJob } from '../../src/maintenance/index.js'

/** GET /admin/maintenance/:id until `until(job)` (default: finished); fails after ~60 s of polls. */
export async function pollJob (app: FastifyInstance, id: number, until = (j: MaintenanceJob) => j.status !== 'queued' && j.status !== 'running'): Promise<MaintenanceJob> {
  for (let i = 0; i < 3000; i++) {
    const res = await app.inject({ url: `/admin/maintenance/${id}`, headers: adminHeaders })
    if (res.statusCode !== 200) throw new Error(`GET /admin/maintenance/${id}: ${res.statusCode} ${res.body}`)
    const job = res.json() as MaintenanceJob
    if (until(job)) return job
    await sleep(20)
  }
  throw new Error(`job ${id} never reached the expected state`)
}

/** Polls `sql` (returning one row with `ok`) until true: waiting for a backend to block on a lock. */
export async function waitFor (db: pg.Pool, sql: string, values: unknown[] = []): Promise<void> {
  for (let i = 0; i < 3000; i++) {
    if ((await db.query<{ ok: boolean }>(sql, values)).rows[0]?.ok === true) return
    await sleep(20)
  }
  throw new Error(`never true: ${sql}`)
}

const tablesOf = new WeakMap<pg.Pool, string[]>()

/** A pool of the test's own on the primary; when the test ends its tables are dropped and it is ended. */
export function testPool (t: TestContext, max = 4): pg.Pool {
  const pool = new pg.Pool({ connectionString: testEnv().primaryUrl, max })
  tablesOf.set(pool, [])
  t.after(async () => {
    for (const name of tablesOf.get(pool)!) await pool.query(`DROP TABLE IF EXISTS ${name}`)
    await pool.end()
  })
  return pool
}

/** The statistics of one table as pg_stat_user_tables has them. */
export async function tableStats (db: pg.Pool, table: string): Promise<{ dead: number; mods: number; vacuums: number; analyzes: number }> {
  const { rows } = await db.query(
    `SELECT n_dead_tup::int AS dead, n_mod_since_analyze::int AS mods, (vacuum_count + autovacuum_count)::int AS vacuums,
            (analyze_count + autoanalyze_count)::int AS analyzes FROM pg_stat_user_tables WHERE relid = $1::regclass`, [table])
  return rows[0]
}

/** Drops `table` when the test of `db` (from testPool) ends, before the pool is ended. */
export function dropAtEnd (db: pg.Pool, table: string): void {
  tablesOf.get(db)!.push(table)
}

/**
 * A table with `rows` rows, vacuumed and analyzed (clean) and out of autovacuum's reach, so only
 * the test decides when it gets dirty. Dropped when the test ends (`db` from testPool).
 */
export async function cleanTable (db: pg.Pool, name: string, rows = 1000): Promise<void> {
  await db.query(`CREATE TABLE ${name} (id int PRIMARY KEY, v int NOT NULL) WITH (autovacuum_enabled = false)`)
  dropAtEnd(db, name)
  await modify(db, `INSERT INTO ${name} SELECT g, 0 FROM generate_series(1, ${rows}) g`)
  await db.query(`VACUUM ANALYZE ${name}`)
}

/**
 * Runs `sql` and flushes this backend's table statistics before returning (pg_stat_force_next_flush:
 * they are otherwise flushed up to a second later), so pg_stat_user_tables shows the change at once.
 */
export async function modify (db: pg.Pool, sql: string): Promise<void> {
  const c = await db.connect()
  try {
    await c.query(sql)
    await c.query('SELECT pg_stat_force_next_flush()')
  } finally {
    c.release()
  }
}
