import { test } from 'node:test'
import assert from 'node:assert/strict'
import { adminHeaders, buildTestApp } from '../helpers/app.js'
import { fakeSampler, resetAlerts, startReceiver, testEngine, testPool, until } from './helpers/receivers.js'
import type { AlertManager } from '../../src/monitoring/alerts/index.js'

/** Both instances evaluate at once, twice: the second pair sees both instances' samples of this round. */
async function round (engines: AlertManager[]): Promise<number> {
  let evaluated = 0
  for (let pass = 0; pass < 2; pass++) {
    const outcomes = await Promise.all(engines.map(async (e) => await e.evaluateOnce()))
    evaluated += outcomes.filter((o) => o.evaluated).length
  }
  return evaluated
}

test('two instances evaluating and sending at the same moments send exactly one notification per transition, pending and keep-firing included', async (t) => {
  const pool = testPool(t)
  await resetAlerts(pool)
  const receiver = await startReceiver(t)
  let now = Date.parse('2026-03-01T12:00:00Z')
  const clock = (): number => now
  const env = { ALERT_WEBHOOK_URL: `${receiver.url}/hook`, ALERT_FOR: '30', ALERT_KEEP_FIRING: '30' }
  const samplers = [fakeSampler('coord-a'), fakeSampler('coord-b')]
  const engines = samplers.map((s, i) => testEngine(t, { pool: testPool(t), instance: `coord-${'ab'[i]}`, sample: s.sample, clock, env }))

  // Every 15 s: instance a's busiest pool; b stays idle (the cluster is judged by its busiest member).
  const schedule = [true, true, true, false, false, false, true, true, true, false, true, false, false, false, true, false]
  let evaluations = 0
  for (const busy of schedule) {
    samplers[0]!.set('pool_usage', busy ? 0.95 : 0.2)
    samplers[1]!.set('pool_usage', 0.1)
    evaluations += await round(engines)
    await Promise.all(engines.map(async (e) => await e.deliverOnce()))
    now += 15_000
  }
  assert.ok(evaluations >= schedule.length * 2, 'at least one instance evaluated each time')
  await Promise.all(engines.map(async (e) => await e.deliverOnce()))

  const got = receiver.requests.map((r) => `${r.json.state}#${r.json.episode}@${(Date.parse(r.json.endsAt ?? r.json.startsAt) - Date.parse('2026-03-01T12:00:00Z')) / 1000}`)
  // Fires after 30 s of breach, resolves after 30 s clear; the 15 s clear at 135 s and the blip at 210 s send nothing.
  assert.deepEqual(got, ['firing#1@30', 'resolved#1@75', 'firing#2@120', 'resolved#2@195'])
  const { rows } = await pool.query<{ n: number }>('SELECT count(*)::int AS n FROM gateway_alert_events')
  assert.equal(rows[0]!.n, 4)
  const status = await engines[1]!.status()
  assert.equal(status.rules.find((r) => r.rule === 'pool_usage')?.state, 'inactive')
  assert.equal(status.rules.find((r) => r.rule === 'pool_usage')?.episode, 2)
  assert.deepEqual(status.history.map((e) => `${e.transition}#${e.episode}`), ['resolved#2', 'firing#2', 'resolved#1', 'firing#1'])
})

test('regression (Alertmanager #2398): a rule flapping at every evaluation across two instances delivers every firing and every resolve once, in order', async (t) => {
  const pool = testPool(t)
  await resetAlerts(pool)
  const receiver = await startReceiver(t)
  const samplers = [fakeSampler('flap-a'), fakeSampler('flap-b')]
  const engines = samplers.map((s, i) => testEngine(t, { pool: testPool(t), instance: `flap-${'ab'[i]}`, sample: s.sample, env: { ALERT_WEBHOOK_URL: receiver.url } }))
  const rounds = 12
  for (let i = 0; i < rounds; i++) {
    for (const s of samplers) s.set('replica_down', i % 2 === 0 ? 1 : 0)
    await round(engines)
    // Sends race too, and sometimes lag behind evaluation by a round.
    if (i % 3 !== 1) await Promise.all(engines.map(async (e) => await e.deliverOnce()))
  }
  await Promise.all(engines.map(async (e) => await e.deliverOnce()))
  const got = receiver.requests.map((r) => `${r.json.state}#${r.json.episode}`)
  const expected = Array.from({ length: rounds }, (_, i) => `${i % 2 === 0 ? 'firing' : 'resolved'}#${Math.floor(i / 2) + 1}`)
  assert.deepEqual(got, expected)
})

test('across instances error rate is weighted by requests, and the cache hit rate waits for its minimum sample', async (t) => {
  const pool = testPool(t)
  await resetAlerts(pool)
  const [a, b] = [fakeSampler('agg-a'), fakeSampler('agg-b')]
  const env = { ALERT_CACHE_MIN_SAMPLE: '100' }
  const engines = [testEngine(t, { pool, instance: 'agg-a', sample: a.sample, env }), testEngine(t, { pool, instance: 'agg-b', sample: b.sample, env })]
  const rule = async (name: string) => (await engines[0]!.status()).rules.find((r) => r.rule === name)!

  // a: 50 % of 10 requests failed; b: none of 990. Cluster-wide 0.5 %: below the 5 % threshold.
  a.set('error_rate', 0.5, 10)
  b.set('error_rate', 0, 990)
  a.set('cache_hit_rate', 0.1, 40)
  b.set('cache_hit_rate', 0.2, 40)
  await round(engines)
  assert.equal((await rule('error_rate')).state, 'inactive')
  assert.equal((await rule('error_rate')).value, 0.005)
  assert.equal((await rule('cache_hit_rate')).value, null, '80 lookups are too few to judge')
  assert.equal((await rule('cache_hit_rate')).state, 'inactive')

  a.set('error_rate', 0.5, 500)
  b.set('cache_hit_rate', 0.2, 160)
  await round(engines)
  assert.equal((await rule('error_rate')).state, 'firing')
  assert.equal((await rule('error_rate')).value, (0.5 * 500) / 1490)
  assert.equal((await rule('cache_hit_rate')).state, 'firing')
  assert.equal((await rule('cache_hit_rate')).value, (0.1 * 40 + 0.2 * 160) / 200)
})

test('two gateway apps: one webhook per transition from their own timers, GET /admin/alerts shows active, history and deliveries, and needs the token', async (t) => {
  const pool = testPool(t)
  await resetAlerts(pool)
  const receiver = await startReceiver(t)
  const env = { ALERT_WEBHOOK_URL: receiver.url, ALERT_FOR: '0', ALERT_KEEP_FIRING: '0', ALERT_EVAL_INTERVAL: '3600' }
  const a = await buildTestApp(t, { env: { ...env, MONITORING_INSTANCE_ID: 'app-a' } })
  const b = await buildTestApp(t, { env: { ...env, MONITORING_INSTANCE_ID: 'app-b' } })
  // A third instance's observation, as the table holds it: it sees a replica out of the rotation.
  const fake = { at: new Date().toISOString(), instance: 'app-c', values: { replica_down: { value: 1, detail: 'replica9 unreachable' } } }
  await pool.query('INSERT INTO gateway_alert_samples (instance, sample, at) VALUES ($1, $2, now())', ['app-c', JSON.stringify(fake)])

  await Promise.all([a.alerts.evaluateOnce(), b.alerts.evaluateOnce()])
  // Both apps' senders poll every second; only one may deliver.
  await until(() => receiver.requests.length >= 1, 'the firing webhook')
  await new Promise((resolve) => setTimeout(resolve, 2_500))
  assert.equal(receiver.requests.length, 1)
  assert.equal(receiver.requests[0]!.json.rule, 'replica_down')
  assert.equal(receiver.requests[0]!.json.detail, 'replica9 unreachable')

  const res = await b.inject({ url: '/admin/alerts', headers: adminHeaders })
  assert.equal(res.statusCode, 200, res.body)
  const body = res.json()
  assert.equal(body.enabled, true)
  assert.equal(body.instance, 'app-b')
  assert.deepEqual(body.channels, ['webhook'])
  assert.equal(body.rules.length, 8)
  assert.deepEqual(body.active.map((r: any) => [r.rule, r.state, r.episode, r.detail]), [['replica_down', 'firing', 1, 'replica9 unreachable']])
  assert.deepEqual(body.history.map((e: any) => [e.rule, e.transition, e.episode]), [['replica_down', 'firing', 1]])
  assert.ok(['app-a', 'app-b'].includes(body.history[0].instance))
  assert.deepEqual(body.deliveries.map((d: any) => [d.channel, d.status, d.attempts, d.lastError]), [['webhook', 'delivered', 1, null]])
  assert.ok(!Number.isNaN(Date.parse(body.deliveries[0].deliveredAt)))

  const noToken = await a.inject({ url: '/admin/alerts' })
  assert.equal(noToken.statusCode, 401)
  assert.equal(noToken.json().code, 'GW_ERR_UNAUTHORIZED')
})

test('MONITORING_ENABLED=false: GET /admin/alerts answers enabled: false and nothing is evaluated', async (t) => {
  const app = await buildTestApp(t, { env: { MONITORING_ENABLED: 'false', ALERT_EVAL_INTERVAL: '1' } })
  const res = await app.inject({ url: '/admin/alerts', headers: adminHeaders })
  assert.equal(res.statusCode, 200, res.body)
  assert.equal(res.json().enabled, false)
  assert.deepEqual(res.json().active, [])
  assert.equal(res.json().rules.length, 8)
})
