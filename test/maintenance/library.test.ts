/**
 * The library's runMaintenance() / cleanupPartitions() on a client without an app: VACUUM and
 * ANALYZE choose the tables pg_stat_user_tables says are due (a table made dirty on purpose, with
 * the numbers that chose it) and leave a clean one alone; expired roll-up days are dropped by the
 * one path, cleanup-metrics.
 */
import { test, type TestContext } from 'node:test'
import assert from 'node:assert/strict'
import { OptimizedDatabaseClient, createDatabaseConfig } from '../../src/index.js'
import { dayPeriod, dayStart } from '../../src/partitions/periods.js'
import { testEnv } from '../helpers/env.js'
import { uniq } from '../helpers/app.js'
import { cleanTable, dropAtEnd, modify, tableStats, testPool } from './helpers.js'

async function client (t: TestContext): Promise<OptimizedDatabaseClient> {
  const db = new OptimizedDatabaseClient(createDatabaseConfig({ url: testEnv().primaryUrl, poolMin: 0, poolMax: 4, monitoring: false, cache: false }, {}))
  await db.connect()
  t.after(async () => { await db.close() })
  return db
}

test('runMaintenance: VACUUM and ANALYZE only the tables over their thresholds, each with its reason', async (t) => {
  const db = await client(t)
  const pool = testPool(t)
  const dirty = `mt_dirty_${uniq()}`.toLowerCase()
  const clean = `mt_clean_${uniq()}`.toLowerCase()
  await cleanTable(pool, dirty)
  await cleanTable(pool, clean)
  await modify(pool, `UPDATE ${dirty} SET v = v + 1 WHERE id <= 600`)
  await modify(pool, `DELETE FROM ${dirty} WHERE id > 900`)
  const [dirtyBefore, cleanBefore] = [await tableStats(pool, dirty), await tableStats(pool, clean)]
  assert.equal(dirtyBefore.dead, 700)
  assert.equal(cleanBefore.dead, 0)

  const job = await db.runMaintenance(['analyze', 'vacuum'])
  assert.equal(job.status, 'done', JSON.stringify(job.results))
  assert.equal(job.requestedBy, 'library')
  assert.deepEqual(job.results.map((r) => r.task), ['vacuum', 'analyze'])
  const [vacuum, analyze] = job.results
  const v = vacuum!.items.find((i) => i.target === `public.${dirty}`)
  assert.equal(v?.status, 'done', JSON.stringify(vacuum))
  assert.equal(v!.action, 'VACUUM')
  // 600 updated + 100 deleted rows: 700 dead tuples, 900 live.
  assert.match(v!.reason!, /^n_dead_tup 700 > 50 \+ 0\.1 × n_live_tup 900 \(dead ratio 0\.438\)$/)
  const a = analyze!.items.find((i) => i.target === `public.${dirty}`)
  assert.equal(a?.status, 'done', JSON.stringify(analyze))
  assert.match(a!.reason!, /^n_mod_since_analyze 700 > 50 \+ 0\.05 × n_live_tup \d+$/)
  for (const r of [vacuum!, analyze!]) {
    assert.ok(!r.items.some((i) => i.target === `public.${clean}`), `${r.task} left the clean table alone`)
    assert.match(r.detail, /^\d+ of \d+ tables over the (vacuum|analyze) threshold$/)
  }

  const [dirtyAfter, cleanAfter] = [await tableStats(pool, dirty), await tableStats(pool, clean)]
  // (n_dead_tup need not be 0 after it: the replicas' hot_standby_feedback may still hold some back.)
  assert.equal(dirtyAfter.vacuums, dirtyBefore.vacuums + 1, 'vacuumed once')
  assert.equal(dirtyAfter.analyzes, dirtyBefore.analyzes + 1, 'analyzed once')
  assert.equal(dirtyAfter.mods, 0)
  assert.deepEqual(cleanAfter, cleanBefore, 'the clean table was neither vacuumed nor analyzed')
})

test('runMaintenance() without tasks: every task but warm-cache (cache: false); dry run', async (t) => {
  const db = await client(t)
  const job = await db.runMaintenance(undefined, { dryRun: true })
  assert.deepEqual(job.tasks, ['partitions', 'vacuum', 'analyze', 'refresh-views', 'cleanup-metrics'])
  assert.equal(job.status, 'done', JSON.stringify(job.results))
  const warm = await db.runMaintenance(['warm-cache'])
  assert.equal(warm.results[0]!.status, 'skipped')
  assert.equal(warm.results[0]!.detail, 'no cache to warm')
})

test('cleanupPartitions() runs the partitions task; cleanup-metrics alone drops expired roll-up days', async (t) => {
  const db = await client(t)
  const pool = testPool(t)
  // A roll-up day long past METRICS_RETENTION_DAYS (7 by default).
  const old = dayPeriod('gateway_metrics_minute', dayStart(new Date(), -40))
  await pool.query(`CREATE TABLE IF NOT EXISTS ${old.name} PARTITION OF gateway_metrics_minute FOR VALUES FROM ('${old.from.toISOString()}') TO ('${old.to.toISOString()}')`)
  dropAtEnd(pool, old.name)

  const partitions = await db.cleanupPartitions()
  assert.deepEqual(partitions.tasks, ['partitions'])
  assert.equal(partitions.status, 'done', JSON.stringify(partitions.results))
  const steps = partitions.results[0]!.items
  assert.ok(steps.some((s) => s.target === 'activity_events' && s.action === 'skew'))
  assert.ok(!steps.some((s) => s.target === 'gateway_metrics_minute'), 'roll-up days are cleanup-metrics\' own')
  assert.notEqual((await pool.query('SELECT to_regclass($1) AS t', [old.name])).rows[0].t, null)

  const plan = await db.runMaintenance(['cleanup-metrics'], { dryRun: true })
  const planned = plan.results[0]!.items.find((i) => i.action === 'retention')
  assert.equal(planned?.status, 'would', JSON.stringify(plan.results))
  assert.ok(planned!.partitions!.includes(old.name))
  assert.notEqual((await pool.query('SELECT to_regclass($1) AS t', [old.name])).rows[0].t, null, 'a dry run drops nothing')

  const job = await db.runMaintenance(['cleanup-metrics'])
  const retention = job.results[0]!.items.find((i) => i.action === 'retention')
  assert.equal(retention?.status, 'done', JSON.stringify(job.results))
  assert.ok(retention!.partitions!.includes(old.name))
  assert.equal((await pool.query('SELECT to_regclass($1) AS t', [old.name])).rows[0].t, null, 'dropped')
  const today = dayPeriod('gateway_metrics_minute', dayStart(new Date()))
  assert.notEqual((await pool.query('SELECT to_regclass($1) AS t', [today.name])).rows[0].t, null, 'today kept')
})

test('runMaintenance() on a client with its own cache (the default) includes warm-cache', async (t) => {
  const db = new OptimizedDatabaseClient(createDatabaseConfig({ url: testEnv().primaryUrl, poolMin: 0, poolMax: 4, monitoring: false }, {}))
  t.after(() => db.close())
  await db.connect()
  const job = await db.runMaintenance(undefined, { dryRun: true })
  assert.deepEqual(job.tasks, ['partitions', 'vacuum', 'analyze', 'refresh-views', 'warm-cache', 'cleanup-metrics'])
})
