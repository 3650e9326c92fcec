import { test } from 'node:test'
import assert from 'node:assert/strict'
import { adminHeaders, buildTestApp } from '../helpers/app.js'

test('GET /admin/partitions lists every maintained table with bounds, estimates and retention', async (t) => {
  const app = await buildTestApp(t, { env: { RETENTION_NOTIFICATIONS_MONTHS: '6' } })
  assert.equal((await app.inject({ url: '/admin/partitions' })).statusCode, 401)
  const res = await app.inject({ url: '/admin/partitions', headers: adminHeaders })
  assert.equal(res.statusCode, 200, res.body)
  const tables = res.json().tables as Array<{ table: string; kind: string; retention: string | null; defaultPartitionRows: number | null; partitions: Array<{ name: string; from: string | null; isDefault: boolean }> }>
  assert.deepEqual(tables.map((x) => x.table), ['notifications', 'audit_logs', 'gateway_metrics_minute', 'activity_events'])
  const n = tables[0]!
  assert.equal(n.retention, '6 months')
  assert.equal(n.defaultPartitionRows, 0)
  assert.ok(n.partitions.some((p) => p.isDefault))
  assert.ok(n.partitions.filter((p) => !p.isDefault).length >= 16, 'the migration made 12 back + 3 ahead')
  assert.ok(n.partitions.filter((p) => !p.isDefault).every((p) => p.from !== null && /^\d{4}-\d\d-01T00:00:00.000Z$/.test(p.from)), 'monthly bounds in UTC')
  const hash = tables[3]!
  assert.equal(hash.kind, 'hash')
  assert.equal(hash.partitions.length, 16)
  assert.equal(hash.defaultPartitionRows, null)
})

test('a dry run over the real tables plans without changing anything', async (t) => {
  const app = await buildTestApp(t)
  const before = (await app.partitions.partitions('notifications')).map((p) => p.name)
  const run = await app.partitions.run({ dryRun: true, now: new Date(Date.now() + 400 * 86_400_000) })
  assert.equal(run.status, 'done', JSON.stringify(run.steps))
  assert.ok(run.steps.some((s) => s.table === 'notifications' && s.step === 'premake' && s.status === 'would'))
  assert.ok(run.steps.some((s) => s.table === 'activity_events' && s.step === 'skew'))
  assert.deepEqual((await app.partitions.partitions('notifications')).map((p) => p.name), before)
})

test('GET /admin/partitions gives the next scheduled run and this instance\'s last result per table', async (t) => {
  const app = await buildTestApp(t, { env: { PARTITION_MAINTENANCE_SCHEDULE: '10 3 * * *' } })
  const before = (await app.inject({ url: '/admin/partitions', headers: adminHeaders })).json().tables as Array<{ table: string; nextRunAt: string | null; lastRun: unknown }>
  assert.ok(before.every((x) => x.lastRun === null), 'no run yet in this instance')
  for (const x of before) assert.match(x.nextRunAt ?? '', x.table === 'gateway_metrics_minute' ? /T02:30:00\.000Z$/ : /T03:10:00\.000Z$/, x.table)
  await app.partitions.run({ dryRun: true })
  assert.ok(((await app.inject({ url: '/admin/partitions', headers: adminHeaders })).json().tables as Array<{ lastRun: unknown }>).every((x) => x.lastRun === null), 'a dry run is not the last result')
  const run = await app.partitions.run()
  const after = (await app.inject({ url: '/admin/partitions', headers: adminHeaders })).json().tables as Array<{ table: string; lastRun: { at: string; status: string; steps: Array<{ step: string; status: string }> } }>
  for (const x of after) {
    assert.equal(x.lastRun.at, run.at)
    assert.equal(x.lastRun.status, run.status)
    assert.deepEqual(x.lastRun.steps.map((s) => s.step), run.steps.filter((s) => s.table === x.table).map((s) => s.step))
  }
  assert.ok(after.find((x) => x.table === 'activity_events')!.lastRun.steps.some((s) => s.step === 'skew'))
})
