/**
 * Each alert rule fires and resolves against a real condition on the real stack (issue 8): a
 * saturated pool (pool_usage, and error_rate from the 503s it causes), slow statements
 * (query_time), reads that miss (cache_hit_rate), a Redis server stopped (redis_down), a replica
 * whose replay is paused (replication_lag), a replica stopped (replica_down). The engine runs on
 * its own timers (ALERT_EVAL_INTERVAL=1, ALERT_FOR=0, ALERT_KEEP_FIRING=0) and a local webhook
 * receiver records what is delivered.
 */
import { test } from 'node:test'
import assert from 'node:assert/strict'
import type { FastifyInstance } from 'fastify'
import type pg from 'pg'
import { buildTestApp, cleanup, uniq } from '../helpers/app.js'
import { startRedisServer } from '../cache/helpers/redis-servers.js'
import { cluster, pauseReplay, resumeReplay, stopNode, waitUntil, sleep } from '../helpers/replica-faults.js'
import { testEnv } from '../helpers/env.js'
import { startReceiver, type Receiver } from './helpers/receivers.js'

async function freshAlertState (app: FastifyInstance): Promise<void> {
  await app.db.query('DELETE FROM gateway_alert_deliveries')
  await app.db.query('DELETE FROM gateway_alert_events')
  await app.db.query('DELETE FROM gateway_alert_state')
  await app.db.query('DELETE FROM gateway_alert_samples')
}

function notified (receiver: Receiver, rule: string, state: 'firing' | 'resolved'): boolean {
  return receiver.requests.some((r) => r.json?.rule === rule && r.json?.state === state)
}

async function expectNotified (receiver: Receiver, rule: string, state: 'firing' | 'resolved'): Promise<void> {
  await waitUntil(`${rule} ${state} delivered`, () => notified(receiver, rule, state), 30_000, 100)
}

async function userIds (app: FastifyInstance, n: number): Promise<number[]> {
  const { rows } = await app.db.query<{ id: string }>('SELECT id FROM users ORDER BY id LIMIT $1', [n])
  return rows.map((r) => Number(r.id))
}

const alertEnv = (receiver: Receiver, extra: Record<string, string>): Record<string, string> => ({
  ALERT_WEBHOOK_URL: receiver.url, ALERT_EVAL_INTERVAL: '1', ALERT_FOR: '0', ALERT_KEEP_FIRING: '0',
  MONITORING_INSTANCE_ID: `alerts-${uniq()}`, ...extra
})

test('alerts on real conditions: pool saturation, 5xx, slow statements, cache misses, Redis stopped', async (t) => {
  const receiver = await startReceiver(t)
  const redis = await startRedisServer(t)
  const app = await buildTestApp(t, {
    env: alertEnv(receiver, {
      REDIS_URL: redis.url, CACHE_KEY_PREFIX: `al${uniq()}:`, DB_POOL_MAX: '2', DB_POOL_CONNECTION_TIMEOUT: '150',
      ALERT_QUERY_TIME: '100', ALERT_CACHE_HIT_RATE: '0.5', ALERT_CACHE_MIN_SAMPLE: '20', ALERT_ERROR_RATE: '0.05'
    })
  })
  await freshAlertState(app)
  const ids = await userIds(app, 400)

  // pool_usage + error_rate: both connections held; uncached reads wait 150 ms and get 503.
  const held: pg.PoolClient[] = [await app.db.pools.primary.connect(), await app.db.pools.primary.connect()]
  const release = (): void => { for (const c of held.splice(0)) c.release() }
  cleanup(app, release)
  let failures = 0
  for (const id of ids.slice(0, 20)) {
    const res = await app.inject({ url: `/users/${id}` })
    if (res.statusCode === 503) failures++
  }
  assert.ok(failures >= 10, `a saturated pool fails requests fast: ${failures}`)
  await expectNotified(receiver, 'pool_usage', 'firing')
  await expectNotified(receiver, 'error_rate', 'firing')
  release()
  await expectNotified(receiver, 'pool_usage', 'resolved')
  // Successful requests dilute the 1-minute error rate below 5 %.
  for (let i = 0; i < 500; i++) await app.inject({ url: `/users/${ids[20 + (i % 300)]}` })
  await expectNotified(receiver, 'error_rate', 'resolved')

  // query_time: a few slow statements lift the 1-minute average over 100 ms; many fast ones lower it.
  for (let i = 0; i < 3; i++) await app.db.query('SELECT pg_sleep(0.3)')
  await expectNotified(receiver, 'query_time', 'firing')
  for (let i = 0; i < 1_000; i++) await app.db.query('SELECT 1')
  await expectNotified(receiver, 'query_time', 'resolved')

  // cache_hit_rate: the same few ids again and again are hits — after the many misses above, the
  // rule fired; a hot loop brings it back above 0.5.
  await expectNotified(receiver, 'cache_hit_rate', 'firing')
  for (let i = 0; i < 3_000; i++) await app.inject({ url: `/users/${ids[i % 5]}` })
  await expectNotified(receiver, 'cache_hit_rate', 'resolved')

  // redis_down: the server stopped; cache traffic opens the breaker.
  await redis.stop()
  await waitUntil('the breaker opens', async () => {
    await app.inject({ url: `/users/${ids[Math.floor(Math.random() * 300)]}` })
    return app.cache.getCacheStats().l2.breaker === 'open'
  }, 20_000, 20)
  await expectNotified(receiver, 'redis_down', 'firing')
  await redis.start()
  await waitUntil('the breaker closes', async () => {
    await app.inject({ url: `/users/${ids[Math.floor(Math.random() * 300)]}` })
    return app.cache.getCacheStats().l2.breaker === 'closed'
  }, 30_000, 50)
  await expectNotified(receiver, 'redis_down', 'resolved')

  // Each transition was delivered once, and the shared state says so.
  for (const rule of ['pool_usage', 'error_rate', 'query_time', 'cache_hit_rate', 'redis_down']) {
    const fired = receiver.requests.filter((r) => r.json?.rule === rule && r.json?.state === 'firing')
    assert.equal(fired.length, 1, `${rule} fired once`)
  }
  const status = await app.alerts.status()
  assert.ok(status.history.some((e) => e.rule === 'redis_down' && e.transition === 'resolved'))
})

test('alerts on real conditions: replica replay paused (lag), replica stopped (down)', async (t) => {
  const receiver = await startReceiver(t)
  const app = await buildTestApp(t, {
    replicas: true,
    env: alertEnv(receiver, { ALERT_REPLICATION_LAG: '1500', REPLICA_HEALTH_INTERVAL_MS: '200' })
  })
  await freshAlertState(app)
  const replicaUrl = testEnv().replicaUrls[0]!
  await pauseReplay(t, replicaUrl)
  // Writes on the primary the paused replica does not replay: its lag grows past 1.5 s.
  const stop = Date.now() + 30_000
  while (!notified(receiver, 'replication_lag', 'firing') && Date.now() < stop) {
    await app.db.query("SELECT pg_notify('gateway_test_lag', 'x'), txid_current()")
    await sleep(100)
  }
  await expectNotified(receiver, 'replication_lag', 'firing')
  await resumeReplay(replicaUrl)
  await expectNotified(receiver, 'replication_lag', 'resolved')

  const node = cluster().replicas[1]!
  await stopNode(t, node, 'fast')
  await expectNotified(receiver, 'replica_down', 'firing')
  await node.start()
  await expectNotified(receiver, 'replica_down', 'resolved')
})
