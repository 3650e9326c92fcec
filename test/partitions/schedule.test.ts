import { test } from 'node:test'
import assert from 'node:assert/strict'
import { loadConfig } from '../../src/config/load.js'
import { buildTestApp } from '../helpers/app.js'

test('an invalid PARTITION_MAINTENANCE_SCHEDULE is a start-up error naming the variable (croner decides)', () => {
  for (const bad of ['61 2 * * *', '0 2 * * 9', '0 25 * * *']) {
    assert.throws(() => loadConfig({ env: { DATABASE_URL: 'postgres://x@h/db', PARTITION_MAINTENANCE_SCHEDULE: bad } }),
      (err: Error) => /^Invalid configuration: PARTITION_MAINTENANCE_SCHEDULE must be a 5-field cron expression/.test(err.message) && !err.message.includes('\n'), bad)
  }
  assert.throws(() => loadConfig({ env: { DATABASE_URL: 'postgres://x@h/db', PARTITION_MAINTENANCE_SCHEDULE: '* *' } }), /PARTITION_MAINTENANCE_SCHEDULE/)
  assert.equal(loadConfig({ env: { DATABASE_URL: 'postgres://x@h/db' } }).config.PARTITION_MAINTENANCE_SCHEDULE, '0 2 * * *')
})

test('the schedule is one table of jobs; a run records its result, the success metric and the alert input', async (t) => {
  const app = await buildTestApp(t, { env: { PARTITION_MAINTENANCE_SCHEDULE: '45 1 * * *' } })
  const jobs = app.maintenanceSchedule.jobs()
  assert.deepEqual(jobs.map((j) => j.id), ['partitions', 'warm-cache', 'index-analysis', 'weekly-report', 'cleanup-metrics'])
  const partitions = jobs[0]!
  assert.equal(partitions.cron, '45 1 * * *')
  assert.match(partitions.nextRunAt!, /T01:45:00\.000Z$/, 'next run from the cron expression, in UTC')
  assert.equal(jobs[1]!.enabled, false, 'warming is off unless CACHE_ENABLE_WARMING')
  assert.equal(app.db.monitor.alertSample().values.maintenance_failed!.value, null, 'no judgement before a run')

  const ran = await app.maintenanceSchedule.runNow('partitions')
  assert.ok(ran !== undefined && (ran.lastStatus === 'ok' || ran.lastStatus === 'partial'), JSON.stringify(ran))
  assert.ok(ran.lastSuccessAt !== null)
  assert.equal(app.db.monitor.alertSample().values.maintenance_failed!.value, 0)
  const metrics = await app.inject({ url: '/metrics' })
  assert.match(metrics.body, /gateway_maintenance_last_success_timestamp_seconds\{task="partitions"\} \d{10}/)
  assert.equal(await app.maintenanceSchedule.runNow('nope'), undefined)
  assert.ok(app.scheduler.existsById('partitions'), 'the cron job is scheduled')
})

test('weekly jobs: the index analysis fills the report\'s Index advice; the 7-day report is stored and served', async (t) => {
  const app = await buildTestApp(t)
  const jobs = app.maintenanceSchedule.jobs()
  const analysis = jobs.find((j) => j.id === 'index-analysis')!
  assert.equal(analysis.cron, '0 3 * * 0')
  assert.match(analysis.nextRunAt!, /T03:00:00\.000Z$/)
  assert.equal(new Date(analysis.nextRunAt!).getUTCDay(), 0, 'on Sundays')
  const headers = { authorization: 'Bearer test-admin-token-0123456789' }

  // Some workload for the advisor to look at.
  for (let i = 0; i < 5; i++) await app.inject({ url: '/universities?search=tech' })
  const ran = await app.maintenanceSchedule.runNow('index-analysis')
  assert.equal(ran?.lastStatus, 'ok', ran?.lastDetail ?? '')
  assert.match(ran!.lastDetail!, /suggestion\(s\) .* over \d+ statement\(s\)/)
  const report = (await app.inject({ url: '/admin/report?period=1h', headers })).json()
  assert.equal(report.sections.indexAdvice.available, true)
  assert.match(report.sections.indexAdvice.note, /^analysis of \S+ over \d+ statement\(s\)/)
  assert.ok(Array.isArray(report.sections.indexAdvice.data))

  const weekly = await app.maintenanceSchedule.runNow('weekly-report')
  assert.equal(weekly?.lastStatus, 'ok', weekly?.lastDetail ?? '')
  const id = Number(/^report (\d+):/.exec(weekly!.lastDetail!)![1])
  const list = (await app.inject({ url: '/admin/reports?limit=5', headers })).json().reports as Array<{ id: number; period: string }>
  assert.equal(list[0]!.id, id)
  assert.equal(list[0]!.period, '7d')
  const stored = await app.inject({ url: `/admin/reports/${id}`, headers })
  assert.equal(stored.statusCode, 200)
  assert.equal(stored.json().period.label, '7d')
  const md = await app.inject({ url: `/admin/reports/${id}?format=md`, headers })
  assert.match(md.body, /## Index advice/)
  assert.equal((await app.inject({ url: '/admin/reports/999999999', headers })).json().code, 'GW_ERR_NOT_FOUND')
  assert.equal((await app.inject({ url: '/admin/reports' })).statusCode, 401)
  await app.db.pools.primary.query('DELETE FROM gateway_reports WHERE id = $1', [id])
})
