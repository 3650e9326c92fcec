/**
 * POST /admin/maintenance and GET /admin/maintenance/:id on real PostgreSQL: a job runs in the
 * background and is recorded; one job at a time across instances (409 with the running id); a job
 * left running by an instance that vanished is found abandoned; bad input is a 400.
 */
import { test } from 'node:test'
import assert from 'node:assert/strict'
import pg from 'pg'
import { adminHeaders, buildTestApp, uniq } from '../helpers/app.js'
import { testEnv } from '../helpers/env.js'
import { MAINTENANCE_JOB_LOCK, MAINTENANCE_TASKS } from '../../src/maintenance/index.js'
import { cleanTable, modify, pollJob, tableStats, testPool, waitFor } from './helpers.js'

const post = (payload: unknown) => ({ method: 'POST' as const, url: '/admin/maintenance', headers: adminHeaders, payload: payload as object })

test('POST → 202 with the job at once; polling GET shows per-task status, duration and detail; the list has it', async (t) => {
  const app = await buildTestApp(t)
  assert.equal((await app.inject({ ...post({}), headers: {} })).statusCode, 401)
  const res = await app.inject(post({ tasks: ['analyze', 'partitions'] }))
  assert.equal(res.statusCode, 202, res.body)
  const started = res.json()
  assert.equal(res.headers.location, `/admin/maintenance/${started.id}`)
  assert.deepEqual(started.tasks, ['partitions', 'analyze'], 'run in the canonical order')
  assert.equal(started.dryRun, false)
  assert.equal(started.requestedBy, 'api')
  assert.ok(['queued', 'running'].includes(started.status))

  const job = await pollJob(app, started.id)
  assert.equal(job.status, 'done', JSON.stringify(job))
  assert.ok(job.startedAt !== null && job.finishedAt !== null && job.finishedAt >= job.startedAt)
  assert.deepEqual(job.results.map((r) => r.task), ['partitions', 'analyze'])
  for (const r of job.results) {
    assert.equal(r.status, 'done', JSON.stringify(r))
    assert.ok(typeof r.durationMs === 'number' && r.durationMs >= 0 && r.startedAt !== null)
    assert.ok(r.detail.length > 0)
  }
  const skew = job.results[0]!.items.find((i) => i.action === 'skew')
  assert.equal(skew?.target, 'activity_events', 'the partitions task maintains the domain tables')
  assert.ok(!job.results[0]!.items.some((i) => i.target === 'gateway_metrics_minute'), 'the metrics table is cleanup-metrics\' own')

  const list = await app.inject({ url: '/admin/maintenance?limit=5', headers: adminHeaders })
  assert.equal(list.statusCode, 200)
  assert.equal(list.json().jobs[0].id, started.id)
  assert.equal((await app.inject({ url: '/admin/maintenance/987654321', headers: adminHeaders })).json().code, 'GW_ERR_NOT_FOUND')
})

test('a dry run plans and changes nothing', async (t) => {
  const app = await buildTestApp(t)
  const db = testPool(t)
  const table = `mt_dry_${uniq()}`.toLowerCase()
  await cleanTable(db, table)
  await modify(db, `UPDATE ${table} SET v = v + 1`)
  const before = await tableStats(db, table)
  const refreshes = (await db.query('SELECT view_name, refreshed_at FROM gateway_view_refreshes ORDER BY 1')).rows
  const partitions = (await app.partitions.partitions('notifications')).map((p) => p.name)

  const res = await app.inject(post({ tasks: ['vacuum', 'analyze', 'refresh-views', 'partitions', 'cleanup-metrics'], dryRun: true }))
  assert.equal(res.statusCode, 202, res.body)
  const job = await pollJob(app, res.json().id)
  assert.equal(job.dryRun, true)
  assert.equal(job.status, 'done', JSON.stringify(job.results))
  const vacuum = job.results.find((r) => r.task === 'vacuum')!
  const item = vacuum.items.find((i) => i.target === `public.${table}`)
  assert.equal(item?.status, 'would', JSON.stringify(vacuum))
  assert.match(item!.reason!, /^n_dead_tup \d+ > 50 \+ 0\.1 × n_live_tup \d+/)
  assert.ok(job.results.every((r) => r.items.every((i) => i.status === 'would' || i.action === 'skew')), JSON.stringify(job.results))
  assert.equal(job.results.find((r) => r.task === 'refresh-views')!.items[0]!.status, 'would')

  assert.deepEqual(await tableStats(db, table), before, 'nothing vacuumed or analyzed')
  assert.deepEqual((await db.query('SELECT view_name, refreshed_at FROM gateway_view_refreshes ORDER BY 1')).rows, refreshes, 'no view refreshed')
  assert.deepEqual((await app.partitions.partitions('notifications')).map((p) => p.name), partitions)
})

test('one job at a time across instances: a second POST while one runs → 409 with its id; both instances see the job', async (t) => {
  // A waits for its lock as long as the test holds it: the refresh blocks deterministically.
  const a = await buildTestApp(t, { env: { PARTITION_LOCK_TIMEOUT_MS: '600000', MONITORING_INSTANCE_ID: 'maint-a' } })
  const b = await buildTestApp(t, { env: { MONITORING_INSTANCE_ID: 'maint-b' } })
  const db = testPool(t)
  // Its own client (not the pool's): released by end() in this test's after-hook, before the pool ends.
  const blocker = new pg.Client({ connectionString: testEnv().primaryUrl })
  await blocker.connect()
  t.after(async () => { await blocker.end().catch(() => {}) })
  await blocker.query('BEGIN')
  // A refresh left open in a transaction holds the view's EXCLUSIVE lock (LOCK TABLE refuses views).
  await blocker.query('REFRESH MATERIALIZED VIEW CONCURRENTLY university_application_stats')

  const first = await a.inject(post({ tasks: ['refresh-views'] }))
  assert.equal(first.statusCode, 202, first.body)
  const id = first.json().id as number
  await waitFor(db, "SELECT EXISTS (SELECT 1 FROM pg_locks WHERE relation = 'university_application_stats'::regclass AND NOT granted) AS ok")

  for (const app of [b, a]) {
    const second = await app.inject(post({ tasks: ['analyze'] }))
    assert.equal(second.statusCode, 409, second.body)
    assert.equal(second.json().code, 'GW_ERR_MAINTENANCE_RUNNING')
    assert.equal(second.json().details.runningJobId, id)
  }
  const seen = await pollJob(b, id, () => true)
  assert.equal(seen.status, 'running')
  assert.equal(seen.instance, 'maint-a')
  assert.equal(seen.results[0]!.status, 'running')

  await blocker.query('ROLLBACK')
  const done = await pollJob(b, id)
  assert.equal(done.status, 'done', JSON.stringify(done.results))
  assert.deepEqual(await pollJob(a, id), done, 'the same record from either instance')
  const next = await b.inject(post({ tasks: ['analyze'], dryRun: true }))
  assert.equal(next.statusCode, 202, 'free again once it finished')
  await pollJob(b, next.json().id)
})

test('a job left running by an instance that vanished is marked abandoned, and blocks nothing', async (t) => {
  const app = await buildTestApp(t)
  // The "other instance": holds the job lock and records a running job, then disappears.
  const other = new pg.Client({ connectionString: testEnv().primaryUrl })
  await other.connect()
  t.after(async () => { await other.end().catch(() => {}) })
  await other.query('SELECT pg_advisory_lock($1)', [MAINTENANCE_JOB_LOCK])
  const { rows } = await other.query(
    "INSERT INTO gateway_maintenance_jobs (tasks, status, requested_by, instance, started_at) VALUES ('{vacuum}', 'running', 'api', 'vanished', now()) RETURNING id")
  const id = Number(rows[0].id)

  assert.equal((await pollJob(app, id, () => true)).status, 'running', 'its lock is held: it is alive')
  const blocked = await app.inject(post({ tasks: ['analyze'] }))
  assert.equal(blocked.statusCode, 409)
  assert.equal(blocked.json().details.runningJobId, id)

  await other.end()
  const seen = await pollJob(app, id, () => true)
  assert.equal(seen.status, 'abandoned', 'its lock is free: the instance is gone')
  assert.match(seen.error!, /stopped before it finished/)
  assert.ok(seen.finishedAt !== null)
  const res = await app.inject(post({ tasks: ['analyze'], dryRun: true }))
  assert.equal(res.statusCode, 202, res.body)
  assert.equal((await pollJob(app, res.json().id)).status, 'done')
})

test('a stale running row does not block the next job: the start that takes the lock marks it abandoned', async (t) => {
  const app = await buildTestApp(t)
  const db = testPool(t)
  const { rows } = await db.query(
    "INSERT INTO gateway_maintenance_jobs (tasks, status, requested_by, instance, started_at) VALUES ('{analyze}', 'running', 'api', 'crashed', now()) RETURNING id")
  const stale = Number(rows[0].id)
  const res = await app.inject(post({ tasks: ['analyze'], dryRun: true }))
  assert.equal(res.statusCode, 202, res.body)
  const old = (await db.query('SELECT status, error FROM gateway_maintenance_jobs WHERE id = $1', [stale])).rows[0]
  assert.equal(old.status, 'abandoned')
  assert.match(old.error, /found when the next job started/)
  assert.equal((await pollJob(app, res.json().id)).status, 'done')
})

test('bad input → 400 naming the allowed tasks; bad ids → 400 / 404', async (t) => {
  const app = await buildTestApp(t)
  const cases: Array<[unknown, RegExp]> = [
    [{ tasks: ['vacuum', 'nope'] }, /^body\.tasks\.1: .* \(unknown task\(s\) "nope"\)/],
    [{ tasks: 'vacuum' }, /body\.tasks/],
    [{ tasks: [] }, /body\.tasks/],
    [{ tasks: ['vacuum', 'vacuum'] }, /body\.tasks/],
    [{ tasks: [1] }, /body\.tasks/],
    [{ dryRun: 'true' }, /body\.dryRun/],
    [{ dryRun: 1 }, /body\.dryRun/],
    [{ tasks: ['vacuum'], force: true }, /^body: unknown field\(s\) "force"/],
    [[], /body/]
  ]
  for (const [payload, message] of cases) {
    const res = await app.inject(post(payload))
    assert.equal(res.statusCode, 400, `${JSON.stringify(payload)}: ${res.body}`)
    const body = res.json()
    assert.equal(body.code, 'GW_ERR_VALIDATION')
    assert.match(body.message, message, JSON.stringify(payload))
    assert.ok(MAINTENANCE_TASKS.every((task) => body.message.includes(task)), `lists the allowed tasks: ${body.message}`)
    assert.deepEqual(body.details.allowedTasks, [...MAINTENANCE_TASKS])
  }
  const notJson = await app.inject({ method: 'POST', url: '/admin/maintenance', headers: { ...adminHeaders, 'content-type': 'application/json' }, payload: '{"tasks": [' })
  assert.equal(notJson.statusCode, 400)
  assert.equal(notJson.json().code, 'GW_ERR_BAD_JSON')
  assert.equal((await app.inject({ url: '/admin/maintenance/abc', headers: adminHeaders })).statusCode, 400)
  assert.equal((await app.inject({ url: '/admin/maintenance/987654321', headers: adminHeaders })).statusCode, 404)
  assert.equal((await app.inject({ url: '/admin/maintenance?limit=0', headers: adminHeaders })).statusCode, 400)
  await assert.rejects(app.maintenance.start(['vacuum', 'nope']), (err: Error & { code?: string }) => err.code === 'GW_ERR_VALIDATION' && /allowed tasks: partitions, vacuum/.test(err.message))
})

test('scheduled runs go through the runner and are recorded as jobs', async (t) => {
  const app = await buildTestApp(t)
  const ran = await app.maintenanceSchedule.runNow('cleanup-metrics')
  assert.equal(ran?.lastStatus, 'ok', JSON.stringify(ran))
  const id = Number(/^job (\d+):/.exec(ran!.lastDetail!)?.[1])
  const job = await pollJob(app, id)
  assert.equal(job.requestedBy, 'schedule:cleanup-metrics')
  assert.deepEqual(job.tasks, ['cleanup-metrics'])
  assert.equal(job.status, 'done')
})
