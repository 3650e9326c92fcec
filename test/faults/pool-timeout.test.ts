/**
 * Pool behaviour (issue 3, item 5): a pool at its maximum queues; a wait longer than
 * DB_POOL_CONNECTION_TIMEOUT is a 503 GW_ERR_POOL_TIMEOUT with Retry-After, never a hang. Health
 * probes have their own connection, so a saturated pool does not make its node look down.
 */
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { randomUUID } from 'node:crypto'
import type pg from 'pg'
import { adminHeaders, buildTestApp, cleanup } from '../helpers/app.js'
import { makeUser, removeUsers } from '../helpers/fixtures.js'

const TIMEOUT = 400

test('a saturated pool queues, and a wait past DB_POOL_CONNECTION_TIMEOUT is 503 GW_ERR_POOL_TIMEOUT', async (t) => {
  const app = await buildTestApp(t, { env: { DB_POOL_MAX: '2', DB_POOL_CONNECTION_TIMEOUT: String(TIMEOUT), REPLICA_HEALTH_INTERVAL_MS: '100', CACHE_ENABLED: 'false' } })
  const user = await makeUser(app)
  cleanup(app, () => removeUsers(app, [user.id]))

  // Queued, not refused: six reads through two connections.
  const queued = await Promise.all(Array.from({ length: 6 }, () => app.db.query('SELECT pg_sleep(0.05) AS s')))
  assert.equal(queued.length, 6)

  const held: pg.PoolClient[] = [await app.db.pools.primary.connect(), await app.db.pools.primary.connect()]
  t.after(() => { for (const c of held) c.release() })

  const started = Date.now()
  const read = await app.inject({ url: `/users/${user.id}` })
  const waited = Date.now() - started
  assert.equal(read.statusCode, 503, read.body)
  assert.equal(read.json().code, 'GW_ERR_POOL_TIMEOUT')
  assert.equal(read.headers['retry-after'], '1')
  assert.ok(waited >= TIMEOUT - 20 && waited < TIMEOUT + 1_000, `answered after ${waited} ms`)

  const write = await app.inject({ method: 'POST', url: '/users', payload: { email: `pt-${randomUUID()}@example.test`, name: 'Wait' } })
  assert.equal(write.statusCode, 503)
  assert.equal(write.json().code, 'GW_ERR_POOL_TIMEOUT')
  assert.equal(write.headers['retry-after'], '1')
  await new Promise((resolve) => setTimeout(resolve, 250))
  assert.equal(app.db.replicaManager.primaryState(), 'up', 'the health probe does not queue behind traffic')
  const health = await app.inject({ url: '/admin/health', headers: adminHeaders })

  for (const c of held.splice(0)) c.release()
  // Overload is not an outage: /admin/health must not call a saturated but answering primary down.
  assert.equal(health.statusCode, 200, health.body)
  assert.equal(health.json().status, 'degraded')
  assert.equal(health.json().primary.state, 'up')
  assert.equal((await app.inject({ url: `/users/${user.id}` })).statusCode, 200, 'served again once connections free up')
})
