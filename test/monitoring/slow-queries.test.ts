import { test } from 'node:test'
import assert from 'node:assert/strict'
import pg from 'pg'
import type { FastifyInstance } from 'fastify'
import { runWithContext } from '../../src/context/request-context.js'
import type { QueryEvent } from '../../src/client/types.js'
import { SlowQueryLog, identify } from '../../src/monitoring/slow-queries/index.js'
import type { SlowQueryGroup } from '../../src/monitoring/types.js'
import { adminHeaders, buildTestApp, cleanup, uniq } from '../helpers/app.js'
import { testEnv } from '../helpers/env.js'

const THRESHOLD = { SLOW_QUERY_THRESHOLD: '200' }

/**
 * A one-row table per test, so each test's statements have a fingerprint (and a
 * pg_stat_statements queryid: it ignores names of columns and aliases, not relations) of their own.
 */
async function probeTable (app: FastifyInstance): Promise<string> {
  const tag = uniq()
  await app.db.query(`CREATE TABLE slow_probe_${tag} (id int); INSERT INTO slow_probe_${tag} VALUES (1)`)
  cleanup(app, () => app.db.query(`DROP TABLE slow_probe_${tag}`))
  return tag
}

/** Sleeps `seconds` once (one row): slow by construction, whatever the machine. */
const sleepSql = (tag: string, literal: string, seconds = 0.3): string =>
  `SELECT pg_sleep(${seconds}), '${literal}' AS a FROM slow_probe_${tag} WHERE id = 1`

async function slowQueries (app: FastifyInstance, query = ''): Promise<{ window: { minutes: number; since: string }; threshold: number; enabled: boolean; statStatements: boolean; queries: SlowQueryGroup[] }> {
  const res = await app.inject({ url: `/admin/slow-queries${query}`, headers: adminHeaders })
  assert.equal(res.statusCode, 200, res.body)
  return res.json()
}

const groupsOf = (queries: SlowQueryGroup[], tag: string): SlowQueryGroup[] => queries.filter((g) => g.query.includes(`slow_probe_${tag} `))

test('a slow statement appears once per fingerprint with normalized text, its plan and window stats; a fast one does not', async (t) => {
  const app = await buildTestApp(t, { env: THRESHOLD })
  const tag = await probeTable(app)
  await app.db.query(sleepSql(tag, 'literal-x'))
  await runWithContext({ route: '/test/:tag' }, () => app.db.query(sleepSql(tag, 'literal-y', 0.35)))
  await app.db.query(`SELECT 'fast-literal' AS fast FROM slow_probe_${tag}`)
  await app.slowQueries!.flush()
  await app.slowQueries!.plansIdle()

  const body = await slowQueries(app, '?limit=100')
  assert.equal(body.enabled, true)
  assert.equal(body.threshold, 200)
  assert.equal(body.window.minutes, 60)
  assert.equal(body.queries.filter((g) => g.query.includes('AS fast')).length, 0, 'the fast statement is not recorded')
  const groups = groupsOf(body.queries, tag)
  assert.equal(groups.length, 1, 'one group for both literals')
  const g = groups[0]!
  assert.equal(g.source, 'gateway')
  assert.equal(g.count, 2)
  assert.doesNotMatch(g.query, /literal-x|literal-y|0\.3/)
  assert.match(g.query, /pg_sleep\(\$1\), \$2 AS a/)
  assert.ok(g.meanMs >= 300, `mean ${g.meanMs}`)
  assert.ok(g.maxMs >= 350 && g.maxMs >= g.p95Ms && g.p95Ms >= g.meanMs, JSON.stringify(g))
  assert.equal(g.duration, g.maxMs)
  assert.ok(Date.parse(g.firstSeen) <= Date.parse(g.lastSeen))
  assert.ok(Date.parse(g.firstSeen) >= Date.parse(body.window.since))
  assert.deepEqual(g.nodes, ['primary'])
  assert.deepEqual(g.routes, ['/test/:tag'])
  assert.deepEqual(g.instances, [app.slowQueries!.instance])
  assert.equal(g.errors, 0)
  assert.equal(g.planNode, 'primary')
  assert.ok(Array.isArray(g.plan) && typeof (g.plan as Array<{ Plan?: unknown }>)[0]?.Plan === 'object', JSON.stringify(g.plan))
  // The test cluster preloads pg_stat_statements and sql/008 creates it: its deltas are merged.
  assert.equal(body.statStatements, true)
  assert.ok((g.statStatements?.calls ?? 0) >= 2, JSON.stringify(g.statStatements))

  // Stored without values: the table holds the normalized text only.
  const { rows } = await app.db.query('SELECT query FROM gateway_slow_queries WHERE fingerprint = $1', [g.fingerprint])
  assert.equal(rows.length, 2)
  for (const r of rows) assert.doesNotMatch(r.query, /literal/)
  const plans = await app.db.query('SELECT count(*)::int AS n FROM gateway_query_plans WHERE fingerprint = $1', [g.fingerprint])
  assert.equal(plans.rows[0].n, 1, 'one plan per fingerprint')
})

test('a parameterized model read is recorded with its model and explained with its recorded values (threshold 0)', async (t) => {
  const app = await buildTestApp(t, { env: { SLOW_QUERY_THRESHOLD: '0' } })
  const [user] = await app.db.primary.users.findMany({ take: 1, orderBy: { id: 'asc' } })
  assert.ok(user, 'the seed has users')
  let seen: QueryEvent | undefined
  app.db.once('query', (e) => { seen = e })
  await app.db.primary.users.findUnique({ where: { id: user.id } })
  assert.ok(seen?.values !== undefined && seen.values.length > 0, 'a parameterized statement')
  await app.slowQueries!.flush()
  await app.slowQueries!.plansIdle()
  const { queries } = await slowQueries(app, '?limit=100&window=5')
  const g = queries.find((q) => q.fingerprint === identify(seen!.sql).fingerprint)
  assert.ok(g, JSON.stringify(queries.map((q) => q.query)))
  assert.deepEqual(g.models, ['users'])
  assert.ok(Array.isArray(g.plan), 'explained with the bound values')
  assert.ok(!g.query.includes(String(user.email)))
  // Transaction control and monitoring's own statements (samples, plans, snapshots) are never
  // listed, even at threshold 0 where every pg_stat_statements entry reaches the threshold.
  const own = queries.filter((q) => /^(BEGIN|COMMIT|ROLLBACK|SET)\b|^EXPLAIN|INSERT INTO gateway_(slow_queries|query_plans)|FROM pg_stat_statements/i.test(q.query))
  assert.deepEqual(own.map((q) => q.query), [])
})

test('a failed slow statement is recorded with an error; transaction control is not', async (t) => {
  const app = await buildTestApp(t, { env: THRESHOLD })
  const tag = await probeTable(app)
  await assert.rejects(app.db.transaction(async (tx) => {
    await tx.query('SET LOCAL statement_timeout = 250')
    await tx.query(sleepSql(tag, 'timed-out', 2))
  }), { code: 'GW_ERR_QUERY_TIMEOUT' })
  const [g] = groupsOf((await slowQueries(app, '?limit=100')).queries, tag)
  assert.ok(g, 'the cancelled statement is recorded')
  assert.equal(g.count, 1)
  assert.equal(g.errors, 1)
  assert.ok(g.maxMs >= 200)
  const { rows } = await app.db.query("SELECT count(*)::int AS n FROM gateway_slow_queries WHERE query ILIKE 'SET%' OR query IN ('BEGIN', 'ROLLBACK', 'COMMIT')")
  assert.equal(rows[0].n, 0)
})

test("a second instance's slow query shows in the same window", async (t) => {
  const id = uniq()
  const a = await buildTestApp(t, { env: { ...THRESHOLD, MONITORING_INSTANCE_ID: `slow-a-${id}` } })
  const b = await buildTestApp(t, { env: { ...THRESHOLD, MONITORING_INSTANCE_ID: `slow-b-${id}` } })
  const tag = await probeTable(a)
  await a.db.query(sleepSql(tag, 'from-a'))
  await b.db.query(sleepSql(tag, 'from-b'))
  await b.slowQueries!.flush()
  const [g] = groupsOf((await slowQueries(a, '?window=5&limit=100')).queries, tag)
  assert.ok(g)
  assert.equal(g.count, 2)
  assert.deepEqual(g.instances, [`slow-a-${id}`, `slow-b-${id}`])
  // b's own view is the same window over the same table.
  const [fromB] = groupsOf((await slowQueries(b, '?window=5&limit=100')).queries, tag)
  assert.deepEqual(fromB?.instances, g.instances)
})

test('limit and window are validated; the route needs the admin token', async (t) => {
  const app = await buildTestApp(t, { env: THRESHOLD })
  for (const q of ['limit=0', 'limit=101', 'limit=abc', 'window=0', 'window=10081', 'window=1.5', 'other=1']) {
    const res = await app.inject({ url: `/admin/slow-queries?${q}`, headers: adminHeaders })
    assert.equal(res.statusCode, 400, q)
    assert.equal(res.json().code, 'GW_ERR_VALIDATION', q)
  }
  const body = await slowQueries(app, '?limit=1&window=10080')
  assert.equal(body.window.minutes, 10080)
  assert.ok(body.queries.length <= 1)
  assert.equal((await app.inject({ url: '/admin/slow-queries' })).statusCode, 401)
})

test('a slow statement run outside the gateway shows from pg_stat_statements', async (t) => {
  const app = await buildTestApp(t, { env: THRESHOLD })
  const tag = await probeTable(app)
  const direct = new pg.Client({ connectionString: testEnv().primaryUrl })
  await direct.connect()
  t.after(() => direct.end())
  await direct.query(sleepSql(tag, 'outside', 0.25))
  const [g] = groupsOf((await slowQueries(app, '?limit=100')).queries, tag)
  assert.ok(g, 'found through pg_stat_statements')
  assert.equal(g.source, 'pg_stat_statements')
  assert.equal(g.count, 1)
  assert.equal(g.statStatements?.calls, 1)
  assert.ok(g.meanMs >= 250 && g.maxMs >= 250, JSON.stringify(g))
  assert.doesNotMatch(g.query, /outside/)
  // A statement below the threshold on average is not its own group.
  const fast = await probeTable(app)
  await direct.query(sleepSql(fast, 'outside', 0.01))
  assert.equal(groupsOf((await slowQueries(app, '?limit=100')).queries, fast).length, 0)
})

test('get_slow_queries(ms) and get_connection_stats() are callable from SQL', async (t) => {
  const app = await buildTestApp(t, { env: THRESHOLD })
  const tag = await probeTable(app)
  await app.db.query(sleepSql(tag, 'helper', 0.15))
  const slow = await app.db.query('SELECT * FROM get_slow_queries(100)')
  const mine = slow.rows.filter((r) => String(r.query).includes(`slow_probe_${tag} `))
  assert.equal(mine.length, 1, 'pg_stat_statements has it (threshold of the helper, not of the gateway)')
  assert.equal(mine[0].source, 'pg_stat_statements')
  assert.ok(mine[0].mean_ms >= 150)
  assert.equal((await app.db.query('SELECT * FROM get_slow_queries(1000000)')).rows.filter((r) => String(r.query).includes(`slow_probe_${tag} `)).length, 0)
  const stats = await app.db.query('SELECT * FROM get_connection_stats()')
  const active = stats.rows.find((r) => r.state === 'active')
  assert.ok(active && active.count >= 1, JSON.stringify(stats.rows))
  for (const r of stats.rows) assert.ok(r.max_state_ms >= 0)
})

test('without the table (persist off) samples and plans are answered from memory', async (t) => {
  const app = await buildTestApp(t, { env: THRESHOLD })
  const log = new SlowQueryLog({ client: app.db, thresholdMs: 200, capturePlans: true, instance: 'memory-only', persist: false })
  await log.start()
  log.attach()
  t.after(() => log.close())
  const tag = await probeTable(app)
  await app.db.query(sleepSql(tag, 'mem'))
  await log.flush()
  await log.plansIdle()
  const [g] = groupsOf(await log.getSlowQueries({ limit: 100, windowMinutes: 5 }), tag)
  assert.ok(g)
  assert.equal(g.count, 1)
  assert.deepEqual(g.instances, ['memory-only'])
  assert.ok(Array.isArray(g.plan))
  await log.close()
  await app.db.query(sleepSql(tag, 'after-close'))
  await log.flush()
  const [after] = groupsOf(await log.getSlowQueries({ limit: 100, windowMinutes: 5 }), tag)
  assert.equal(after?.count, 1, 'detached at close')
})

test('with MONITORING_ENABLED=false the route answers enabled: false and nothing is recorded', async (t) => {
  const app = await buildTestApp(t, { env: { ...THRESHOLD, MONITORING_ENABLED: 'false' } })
  assert.equal(app.slowQueries, null)
  const body = await slowQueries(app)
  assert.equal(body.enabled, false)
  assert.deepEqual(body.queries, [])
})
