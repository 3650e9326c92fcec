import { test } from 'node:test'
import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import { buildTestApp, adminHeaders, uniq } from '../helpers/app.js'
import { testEnv } from '../helpers/env.js'

async function someUserIds (app: Awaited<ReturnType<typeof buildTestApp>>, n: number): Promise<number[]> {
  const { rows } = await app.db.query<{ id: string }>('SELECT id FROM users ORDER BY id LIMIT $1', [n])
  return rows.map((r) => Number(r.id))
}

test('metrics: /metrics passes promtool and labels only closed sets', async (t) => {
  const app = await buildTestApp(t)
  const ids = await someUserIds(app, 5)
  for (const id of ids) assert.equal((await app.inject({ url: `/users/${id}` })).statusCode, 200)
  await app.inject({ url: '/users/999999999' })
  await app.db.query('SELECT 1 AS one')

  const res = await app.inject({ url: '/metrics' })
  assert.equal(res.statusCode, 200)
  assert.match(String(res.headers['content-type']), /^text\/plain/)
  const text = res.body
  const check = spawnSync('promtool', ['check', 'metrics'], { input: text, encoding: 'utf8' })
  assert.equal(check.status, 0, `promtool: ${check.stdout}${check.stderr}`)

  for (const name of [
    'http_request_duration_seconds_bucket', 'gateway_db_pool_connections', 'gateway_db_pool_usage_ratio', 'gateway_db_pool_waiting_clients',
    'gateway_db_pool_acquire_duration_seconds_bucket', 'gateway_db_query_duration_seconds_bucket', 'gateway_cache_requests_total',
    'gateway_cache_bytes', 'process_cpu_seconds_total'
  ]) assert.match(text, new RegExp(`^${name}[{ ]`, 'm'), `${name} is exposed`)
  assert.match(text, /gateway_db_pool_connections\{pool="primary",state="active"\}/)
  assert.match(text, /gateway_db_query_duration_seconds_count\{pool="primary",model="users",operation="select"\} [1-9]/)
  assert.match(text, /gateway_db_query_duration_seconds_count\{pool="primary",model="raw",operation="select"\} [1-9]/)
  assert.match(text, /http_request_duration_seconds_count\{method="GET",route="\/users\/:id",status_code="200"\} [1-9]/)
  // Closed label sets: no SQL text, no ids, no URLs with ids in any label value.
  const closed: Record<string, RegExp> = {
    pool: /^(primary|replica\d+)$/,
    model: /^(raw|users|universities|programs|applications|recommendations|notifications|auditLogs|activityEvents|[a-zA-Z]+)$/,
    operation: /^(select|insert|update|delete|with|transaction|utility|copy|call|other)$/,
    route: /^\/[\w/:.-]*$/,
    status_code: /^\d{3}$/,
    le: /^(\+Inf|[\d.e+-]+)$/
  }
  for (const m of text.matchAll(/\{([^}]*)\}/g)) {
    for (const [, name, value] of m[1]!.matchAll(/(\w+)="([^"]*)"/g)) {
      assert.doesNotMatch(value!, /SELECT|FROM|\s/, `label ${name}=${value} carries no SQL`)
      if (name === 'route') assert.doesNotMatch(value!, /\/\d/, `route label ${value} is a pattern, not a URL with an id`)
      const rule = closed[name!]
      if (rule !== undefined) assert.match(value!, rule, `label ${name}=${value} is from its closed set`)
    }
  }
})

test('metrics: METRICS_TOKEN protects /metrics', async (t) => {
  const token = `metrics-${uniq()}-secret`
  const app = await buildTestApp(t, { env: { METRICS_TOKEN: token } })
  const open = await app.inject({ url: '/metrics' })
  assert.equal(open.statusCode, 401)
  assert.equal(open.json().code, 'GW_ERR_UNAUTHORIZED')
  const ok = await app.inject({ url: '/metrics', headers: { authorization: `Bearer ${token}` } })
  assert.equal(ok.statusCode, 200)
  assert.match(ok.body, /gateway_db_pool_connections/)
})

test('metrics: GET /admin/metrics reports the windows with the seed document names', async (t) => {
  const app = await buildTestApp(t, { env: { SLOW_QUERY_THRESHOLD: '50' } })
  assert.equal((await app.inject({ url: '/admin/metrics' })).statusCode, 401)
  const ids = await someUserIds(app, 20)
  for (const id of ids) await app.inject({ url: `/users/${id}` })
  await app.db.query('SELECT pg_sleep(0.06)')
  // Request totals are sampled once a second.
  await new Promise((resolve) => setTimeout(resolve, 1_300))
  const res = await app.inject({ url: '/admin/metrics', headers: adminHeaders })
  assert.equal(res.statusCode, 200, res.body)
  const m = res.json()
  assert.equal(m.enabled, true)
  for (const w of ['1m', '5m', '15m']) assert.ok(m.windows[w], `window ${w}`)
  assert.ok(m.windows['1m'].requests.total >= 20, `requests counted: ${m.windows['1m'].requests.total}`)
  assert.ok(m.queries.total >= 1, 'queries counted')
  assert.ok(m.queries.slow >= 1, 'the pg_sleep statement counted as slow')
  assert.ok(m.queries.p99 >= 50, `p99 reflects the slow statement: ${m.queries.p99}`)
  assert.ok(m.queries.avgTime > 0)
  assert.equal(typeof m.connections.poolUsage, 'number')
  assert.equal(typeof m.cache.hitRate, 'number')
  assert.ok(m.cache.lookups >= 20, `cache lookups counted: ${m.cache.lookups}`)
  assert.deepEqual(m.connections.pools.map((p: { name: string }) => p.name), ['primary'])
  // The library call answers the same shape.
  const lib = app.db.getPerformanceMetrics()
  assert.ok(lib.windows['5m'].queries.total >= m.windows['5m'].queries.total)
})

test('metrics: minute roll-ups persist across restarts and sum over instances', async (t) => {
  const tag = uniq()
  for (const instance of [`a-${tag}`, `b-${tag}`]) {
    const app = await buildTestApp(undefined, { env: { MONITORING_INSTANCE_ID: instance } })
    const ids = await someUserIds(app, 10)
    for (const id of ids) await app.inject({ url: `/users/${id}` })
    await new Promise((resolve) => setTimeout(resolve, 1_100))
    await app.close() // writes the minute in progress
  }
  const app = await buildTestApp(t)
  const { rows } = await app.db.query('SELECT instance, requests, queries FROM gateway_metrics_minute WHERE instance = ANY($1)', [[`a-${tag}`, `b-${tag}`]])
  assert.equal(new Set(rows.map((r) => r.instance)).size, 2, 'both instances wrote a roll-up')
  for (const r of rows) assert.ok(r.requests >= 10, `requests of ${r.instance}: ${r.requests}`)
  const res = await app.inject({ url: '/admin/metrics/history?minutes=5', headers: adminHeaders })
  assert.equal(res.statusCode, 200, res.body)
  const points = res.json().points as Array<{ instances: number; requests: number }>
  assert.ok(points.some((p) => p.instances >= 2 && p.requests >= 20), JSON.stringify(points))
  assert.equal((await app.inject({ url: '/admin/metrics/history?minutes=0', headers: adminHeaders })).statusCode, 400)
  const parts = await app.db.query("SELECT count(*)::int AS n FROM pg_inherits WHERE inhparent = 'gateway_metrics_minute'::regclass")
  assert.ok(parts.rows[0].n >= 3, 'today and the next two days have partitions')
})

test('metrics: MONITORING_ENABLED=false serves no /metrics and idle figures', async (t) => {
  const app = await buildTestApp(t, { env: { MONITORING_ENABLED: 'false' } })
  const ids = await someUserIds(app, 3)
  for (const id of ids) await app.inject({ url: `/users/${id}` })
  const m = (await app.inject({ url: '/admin/metrics', headers: adminHeaders })).json()
  assert.equal(m.enabled, false)
  assert.equal(m.queries.total, 0)
  assert.equal(app.routeHistogram, undefined)
})

test('report: json, md and html carry the headline figures; a bad period is a 400', async (t) => {
  const app = await buildTestApp(t, { env: { SLOW_QUERY_THRESHOLD: '50' } })
  const ids = await someUserIds(app, 10)
  for (const id of ids) await app.inject({ url: `/users/${id}` })
  await app.db.query('SELECT pg_sleep(0.06)')
  await new Promise((resolve) => setTimeout(resolve, 1_100))
  const json = await app.inject({ url: '/admin/report?format=json&period=1h', headers: adminHeaders })
  assert.equal(json.statusCode, 200, json.body)
  const r = json.json()
  assert.equal(r.period.minutes, 60)
  assert.equal(r.source, 'rollups')
  for (const k of ['avgQueryTimeMs', 'p95QueryTimeMs', 'poolUsageAvg', 'cacheHitRate', 'slowQueriesPerMinute', 'requestErrorRate']) {
    assert.equal(typeof r.headline[k], 'number', k)
  }
  assert.ok(r.headline.queries >= 1 && r.headline.slowQueries >= 1, JSON.stringify(r.headline))
  assert.ok(r.headline.requests >= 10)
  assert.equal(r.sections.partitions.available, true)
  assert.deepEqual(r.sections.partitions.data.map((p: { table: string }) => p.table), ['notifications', 'audit_logs', 'gateway_metrics_minute', 'activity_events'])
  assert.equal(r.sections.indexAdvice.available, true)
  assert.match(r.sections.indexAdvice.note, /no analysis in this process yet/)
  assert.equal(r.sections.cache.available, true)

  const md = await app.inject({ url: '/admin/report?format=md&period=1h', headers: adminHeaders })
  assert.match(String(md.headers['content-type']), /^text\/markdown/)
  for (const label of ['Average query time', 'Connection pool usage', 'Cache hit rate', 'Slow queries per minute', 'P95 query time', 'Request error rate']) {
    assert.match(md.body, new RegExp(`\\| ${label}[^|]* \\| [^|]+ \\|`), label)
  }
  assert.match(md.body, /## Partitions\n\n\| table \| partitions \| oldest \| newest \| defaultPartitionRows \| retention \| lastRun \|\n\|---\|/)
  assert.match(md.body, /\| notifications \| \d+ \| \d{4}-\d\d-01T00:00:00\.000Z \|/)
  const html = await app.inject({ url: '/admin/report?format=html&period=1h', headers: adminHeaders })
  assert.match(String(html.headers['content-type']), /^text\/html/)
  assert.match(html.body, /<th scope="row">Average query time<\/th><td>[\d.]+ ms<\/td>/)
  assert.match(html.body, /<th scope="row">Cache hit rate<\/th><td>[\d.]+ %/)

  for (const bad of ['period=0m', 'period=91d', 'period=abc', 'format=pdf']) {
    const res = await app.inject({ url: `/admin/report?${bad}`, headers: adminHeaders })
    assert.equal(res.statusCode, 400, bad)
    assert.equal(res.json().code, 'GW_ERR_VALIDATION', bad)
  }
  const lib = await app.db.generatePerformanceReport({ period: '15m' })
  assert.equal(lib.period.minutes, 15)
})

test('report: npm run report prints the report from what the instances stored', async (t) => {
  const tag = uniq()
  const writer = await buildTestApp(undefined, { env: { MONITORING_INSTANCE_ID: `cli-${tag}` } })
  const ids = await someUserIds(writer, 5)
  for (const id of ids) await writer.inject({ url: `/users/${id}` })
  await new Promise((resolve) => setTimeout(resolve, 1_100))
  await writer.close()
  const { primaryUrl } = testEnv()
  const run = (args: string[]) => spawnSync(process.execPath, ['--import', 'tsx', 'src/cli/report.ts', ...args], {
    encoding: 'utf8', env: { ...process.env, DATABASE_URL: primaryUrl }, timeout: 60_000
  })
  const json = run(['--period', '1h', '--format', 'json'])
  assert.equal(json.status, 0, json.stderr)
  const report = JSON.parse(json.stdout)
  assert.ok(report.instances.includes(`cli-${tag}`), `the stored instance is in the report: ${report.instances}`)
  assert.ok(report.headline.requests >= 5)
  assert.ok(!report.instances.includes('report-cli'), 'the command itself records nothing')
  const md = run(['--period', '1h'])
  assert.equal(md.status, 0, md.stderr)
  assert.match(md.stdout, /\| Average query time \| [\d.]+ ms \|/)
  const bad = run(['--period', 'soon'])
  assert.equal(bad.status, 1)
  assert.match(bad.stderr, /^report failed: .*--period must look like/m)
  t.diagnostic(`report CLI: ${report.minutesWithData} minutes from ${report.instances.length} instances`)
})
