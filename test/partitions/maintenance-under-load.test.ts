/**
 * Issue 9: partition maintenance with work to do on the real tables (rows planted in the DEFAULT
 * partitions to move, months to premake, expired partitions to archive, at an injected `now`)
 * while a bounded REST load reads and writes notifications, audit_logs and activity_events through
 * their parents; a first run meets a transaction holding a lock on notifications_default, gives
 * up on those steps within lock_timeout and the second run finishes them. Every request succeeds,
 * no statement fails (no deadlock, 40P01), readers always see every planted row, and row counts
 * before and after account for every row. Everything it creates it removes.
 */
import { test } from 'node:test'
import assert from 'node:assert/strict'
import type { FastifyInstance } from 'fastify'
import pg from 'pg'
import { buildTestApp, cleanup, uniq } from '../helpers/app.js'
import { testEnv } from '../helpers/env.js'
import { makeProgram, makeUser, removeUniversity, removeUsers } from '../helpers/fixtures.js'
import { PartitionManager, gatewayTables, type MaintenanceRun, type StepResult } from '../../src/partitions/index.js'
import { monthPeriod, monthStart } from '../../src/partitions/periods.js'
import type { QueryEvent } from '../../src/client/types.js'
import type { Program } from '../../src/models/types.js'

const now = new Date()
const at = (month: number): Date => new Date(monthStart(now, month).getTime() + 2 * 86_400_000)
const MONTHLY = ['notifications', 'audit_logs'] as const
/** Months the run creates: +4 and +7 out of the default, +5 premade (PARTITION_PREMAKE_MONTHS 5). */
const NEW_MONTHS = [4, 5, 7]
/** Past retention (12 and 24 months): planted partitions the run archives. */
const EXPIRED = { notifications: -20, audit_logs: -30 } as const
const PLANTED_PER_MONTH = 4

const count = async (db: pg.Pool, sql: string, values: unknown[] = []): Promise<number> => Number((await db.query(sql, values)).rows[0].n)

async function totals (db: pg.Pool): Promise<Record<string, number>> {
  return {
    notifications: await count(db, 'SELECT count(*) AS n FROM notifications'),
    audit_logs: await count(db, 'SELECT count(*) AS n FROM audit_logs'),
    activity_events: await count(db, 'SELECT count(*) AS n FROM activity_events')
  }
}

interface Load { requests: number; failures: string[]; notifications: number; audits: number; events: number; minPlantedSeen: number }

/** Workers issuing requests one after another until `stop()`; every write is counted once acknowledged. */
function startLoad (app: FastifyInstance, users: number[], planted: number, programs: Program[], workers = 4): { stop: () => Promise<Load> } {
  const load: Load = { requests: 0, failures: [], notifications: 0, audits: 0, events: 0, minPlantedSeen: Number.POSITIVE_INFINITY }
  const pairs = users.flatMap((u) => programs.map((p) => [u, p.id] as const))
  let stopping = false
  const from = monthStart(now, -1).toISOString()
  const to = monthStart(now, 1).toISOString()
  const request = async (method: 'GET' | 'POST' | 'PATCH', url: string, payload?: object): Promise<any> => {
    const res = await app.inject({ method, url, ...(payload === undefined ? {} : { payload }) })
    load.requests++
    if (res.statusCode >= 300) {
      load.failures.push(`${method} ${url} → ${res.statusCode} ${res.body}`)
      return undefined
    }
    return res.json()
  }
  const worker = async (w: number): Promise<void> => {
    for (let i = w; !stopping; i++) {
      const user = users[i % users.length]!
      switch (i % 7) {
        case 0: {
          const pair = pairs.pop()
          if (pair === undefined) break
          if (await request('POST', '/applications', { userId: pair[0], programId: pair[1], status: 'submitted' }) !== undefined) {
            load.audits++
            load.notifications++
          }
          break
        }
        case 1:
          if (await request('PATCH', `/users/${user}`, { name: `Load ${i}` }) !== undefined) load.audits++
          break
        case 2: {
          const body = await request('POST', '/events', { events: [1, 2, 3].map((k) => ({ userId: user, kind: `load.${k}` })) })
          if (body !== undefined) {
            load.events += body.accepted as number
            load.audits++
          }
          break
        }
        case 3: {
          // The planted rows are in the DEFAULT partition, then in their new partitions: never neither.
          const body = await request('GET', `/users/${planted}/notifications?limit=100`)
          if (body !== undefined) load.minPlantedSeen = Math.min(load.minPlantedSeen, body.items.length)
          break
        }
        case 4:
          await request('GET', `/users/${user}/notifications?limit=5&from=${from}&to=${to}`)
          break
        case 5:
          await request('GET', `/users/${user}/events?limit=5`)
          break
        default:
          await request('GET', `/audit-logs?limit=5&entity=users&entityId=${user}`)
      }
    }
  }
  const running = Promise.all(Array.from({ length: workers }, (_, w) => worker(w)))
  return { stop: async () => { stopping = true; await running; return load } }
}

const stepOf = (run: MaintenanceRun, table: string, step: StepResult['step']): StepResult | undefined =>
  run.steps.find((s) => s.table === table && s.step === step)

test('maintenance under a concurrent REST load: no error, no deadlock, nothing lost; a step timed out under lock_timeout is finished by the next run', async (t) => {
  const app = await buildTestApp(t, { env: { CACHE_ENABLED: 'false' } })
  const db = new pg.Pool({ connectionString: testEnv().primaryUrl, max: 4 })
  const archive = `archive_${uniq()}`.toLowerCase()
  const users = [await makeUser(app), await makeUser(app), await makeUser(app)].map((u) => u.id)
  const planted = (await makeUser(app)).id
  const { university } = await makeProgram(app)
  const programs = await Promise.all(Array.from({ length: 30 }, (_, i) =>
    app.db.primary.programs.create({ data: { universityId: university.id, name: `Load ${i}`, degree: 'MSc', deadline: null } })))
  const holder = await db.connect()
  cleanup(app, async () => {
    await holder.query('ROLLBACK').catch(() => {})
    holder.release()
    for (const table of MONTHLY) {
      for (const m of NEW_MONTHS) await db.query(`DROP TABLE IF EXISTS ${monthPeriod(table, monthStart(now, m)).name}`)
      await db.query(`DROP TABLE IF EXISTS ${monthPeriod(table, monthStart(now, EXPIRED[table])).name}`)
      await db.query(`DELETE FROM ${table}_default WHERE created_at >= $1`, [monthStart(now, 4)])
    }
    await db.query(`DROP SCHEMA IF EXISTS ${archive} CASCADE`)
    await db.query("DELETE FROM audit_logs WHERE (entity = 'users' AND entity_id = ANY($1::bigint[])) OR (entity = 'applications' AND entity_id IN (SELECT id FROM applications WHERE user_id = ANY($1::bigint[]))) OR (entity = 'activity_events' AND action = 'ingest' AND created_at >= $2)", [[...users, planted], now])
    await removeUsers(app, [...users, planted])
    await removeUniversity(app, university.id)
    await db.end()
  })

  // Work to do: rows for months without a partition land in the DEFAULT; expired partitions hold rows.
  for (const m of [4, 7]) {
    await db.query(`INSERT INTO notifications (user_id, kind, created_at) SELECT $1, 'planted', $2::timestamptz + g * interval '1 minute' FROM generate_series(1, $3) g`, [planted, at(m), PLANTED_PER_MONTH])
    await db.query(`INSERT INTO audit_logs (action, entity, entity_id, created_at) SELECT 'planted', 'users', $1, $2::timestamptz + g * interval '1 minute' FROM generate_series(1, $3) g`, [planted, at(m), PLANTED_PER_MONTH])
  }
  for (const table of MONTHLY) {
    await db.query('SELECT gateway_ensure_monthly_partitions($1, $2, $2)', [table, monthStart(now, EXPIRED[table])])
  }
  await db.query(`INSERT INTO notifications (user_id, kind, created_at) SELECT $1, 'expired', $2::timestamptz + g * interval '1 minute' FROM generate_series(1, 5) g`, [users[0], at(EXPIRED.notifications)])
  await db.query(`INSERT INTO audit_logs (action, entity, entity_id, created_at) SELECT 'expired', 'users', $1, $2::timestamptz + g * interval '1 minute' FROM generate_series(1, 7) g`, [planted, at(EXPIRED.audit_logs)])
  for (const table of MONTHLY) assert.equal(await count(db, `SELECT count(*) AS n FROM ${table}_default`), 2 * PLANTED_PER_MONTH, `${table}: planted rows are in the default`)
  const expiredRows = { notifications: 5, audit_logs: 7 }
  const before = await totals(db)

  const manager = new PartitionManager(db, {
    tables: gatewayTables({ PARTITION_PREMAKE_MONTHS: 5, RETENTION_NOTIFICATIONS_MONTHS: 12, RETENTION_AUDIT_LOGS_MONTHS: 24, METRICS_RETENTION_DAYS: 7 })
      .filter((x) => x.kind !== 'daily'),
    lockTimeoutMs: 1_000,
    archiveSchema: archive
  })
  const statementErrors: string[] = []
  const onQuery = (e: QueryEvent): void => {
    if (e.error !== undefined) statementErrors.push(`${(e.error.cause as { code?: string } | undefined)?.code ?? e.error.message} ${(e.error.cause as Error | undefined)?.message ?? ''}: ${e.sql.slice(0, 80)}`)
  }
  app.db.on('query', onQuery)

  const load = startLoad(app, users, planted, programs)
  // Another transaction holds SHARE on notifications_default: readers pass; the move, the premake
  // and the detach of the default cannot get their locks and give up.
  await holder.query('BEGIN')
  await holder.query('LOCK TABLE notifications_default IN SHARE MODE')
  const first = await manager.run({ now })
  await holder.query('ROLLBACK')
  const second = await manager.run({ now })
  const third = await manager.run({ now })
  const done = await load.stop()
  app.db.off('query', onQuery)
  t.diagnostic(`${done.requests} requests; run 1 ${first.durationMs} ms, run 2 ${second.durationMs} ms`)

  assert.deepEqual(statementErrors, [], 'no statement failed (no deadlock, no lock timeout in traffic)')
  assert.deepEqual(done.failures, [], 'every request succeeded')
  assert.equal(done.minPlantedSeen, 2 * PLANTED_PER_MONTH, 'every read saw every planted row')
  assert.ok(done.notifications > 0 && done.events > 0, 'the load wrote to every table')

  // Run 1: notifications' steps gave up within lock_timeout; audit_logs completed.
  assert.equal(first.status, 'partial', JSON.stringify(first.steps))
  assert.equal(stepOf(first, 'notifications', 'move-default')?.status, 'skipped')
  assert.match(stepOf(first, 'notifications', 'move-default')!.detail, /lock_timeout/)
  assert.ok(first.steps.every((s) => s.status !== 'failed'), JSON.stringify(first.steps))
  for (const step of ['move-default', 'premake', 'retention'] as const) assert.equal(stepOf(first, 'audit_logs', step)?.status, 'done', `audit_logs ${step}`)
  // Run 2 finishes them; run 3 has nothing left.
  assert.equal(second.status, 'done', JSON.stringify(second.steps))
  assert.equal(stepOf(second, 'notifications', 'move-default')?.rows, 2 * PLANTED_PER_MONTH)
  assert.deepEqual(stepOf(second, 'notifications', 'retention')?.partitions, [monthPeriod('notifications', monthStart(now, EXPIRED.notifications)).name])
  assert.deepEqual(third.steps.filter((s) => s.step !== 'skew'), [])

  // Nothing lost: the parents hold what they held plus what the load wrote, minus the archived rows.
  const after = await totals(db)
  assert.equal(after.notifications, before.notifications! + done.notifications - expiredRows.notifications)
  assert.equal(after.audit_logs, before.audit_logs! + done.audits - expiredRows.audit_logs)
  assert.equal(after.activity_events, before.activity_events! + done.events)
  for (const table of MONTHLY) {
    assert.equal(await count(db, `SELECT count(*) AS n FROM ${archive}.${monthPeriod(table, monthStart(now, EXPIRED[table])).name}`), expiredRows[table], `${table}: archived rows kept`)
    assert.equal(await count(db, `SELECT count(*) AS n FROM ${table}_default`), 0, `${table}: the default is empty`)
    const marker = table === 'notifications' ? 'kind' : 'action'
    const homes = await db.query<{ p: string; n: string }>(`SELECT tableoid::regclass::text AS p, count(*) AS n FROM ${table} WHERE ${marker} = 'planted' GROUP BY 1 ORDER BY 1`)
    assert.deepEqual(homes.rows.map((r) => [r.p, Number(r.n)]), [4, 7].map((m) => [monthPeriod(table, monthStart(now, m)).name, PLANTED_PER_MONTH]), `${table}: planted rows in their months`)
  }
})
