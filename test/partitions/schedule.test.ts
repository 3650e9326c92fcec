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
  assert.deepEqual(jobs.map((j) => j.id), ['partitions', 'warm-cache', 'cleanup-metrics'])
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
