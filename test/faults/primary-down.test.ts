/**
 * The primary stopped: reads keep working from the replicas; writes fail fast with 503 and
 * Retry-After, well within the connection timeout; health is down. After a restart writes work.
 */
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { randomUUID } from 'node:crypto'
import { adminHeaders, buildTestApp, cleanup } from '../helpers/app.js'
import { makeUser, removeUsers } from '../helpers/fixtures.js'
import { cluster, stopNode, waitUntil } from '../helpers/replica-faults.js'

const CONNECTION_TIMEOUT = 2_000

test('primary stopped: reads from the replicas, writes fail fast with 503 + Retry-After', async (t) => {
  const app = await buildTestApp(t, {
    replicas: true,
    env: { REPLICA_HEALTH_INTERVAL_MS: '100', DB_POOL_CONNECTION_TIMEOUT: String(CONNECTION_TIMEOUT), CACHE_ENABLED: 'false' }
  })
  const user = await makeUser(app)
  cleanup(app, () => removeUsers(app, [user.id]))
  await waitUntil('the replicas to have the user', async () =>
    (await Promise.all([0, 1].map(() => app.db.read.users.findUnique({ where: { id: user.id } })))).every((u) => u !== null))

  const { primary } = cluster()
  const stopped = Date.now()
  await stopNode(t, primary, 'fast')
  const stopMs = Date.now() - stopped

  const writeStarted = Date.now()
  const write = await app.inject({ method: 'POST', url: '/users', payload: { email: `pd-${randomUUID()}@example.test`, name: 'Nope' } })
  const firstWriteMs = Date.now() - writeStarted
  assert.equal(write.statusCode, 503, write.body)
  assert.equal(write.headers['retry-after'], '1')
  assert.equal(write.json().code, 'GW_ERR_DB_UNAVAILABLE')
  assert.ok(firstWriteMs < CONNECTION_TIMEOUT, `the first write failed in ${firstWriteMs} ms`)

  const detected = await waitUntil('the primary to be seen down', () => app.db.replicaManager.primaryState() === 'down', 5_000, 5)
  const patchStarted = Date.now()
  const patch = await app.inject({ method: 'PATCH', url: `/users/${user.id}`, payload: { name: 'Nope' } })
  const knownDownWriteMs = Date.now() - patchStarted
  assert.equal(patch.statusCode, 503)
  assert.equal(patch.headers['retry-after'], '1')
  const gql = await app.inject({ method: 'POST', url: '/graphql', payload: { query: `mutation { updateUser(id: ${user.id}, input: { name: "Nope" }) { id } }` } })
  assert.match(gql.body, /GW_ERR_DB_UNAVAILABLE/)

  for (let i = 0; i < 10; i++) {
    const read = await app.inject({ url: `/users/${user.id}` })
    assert.equal(read.statusCode, 200, read.body)
    assert.equal(read.json().id, user.id)
  }
  const health = await app.inject({ url: '/admin/health', headers: adminHeaders })
  assert.equal(health.statusCode, 503)
  assert.equal(health.json().status, 'down')
  assert.equal(health.json().primary.state, 'down')
  assert.ok(health.json().replicas.every((r: { state: string }) => r.state === 'in-rotation'), 'the replicas keep serving')
  t.diagnostic(`pg_ctl stop took ${stopMs} ms; first write 503 in ${firstWriteMs} ms; primary seen down ${detected} ms later; writes then fail in ${knownDownWriteMs} ms`)

  await primary.start()
  await waitUntil('the primary to be seen up', () => app.db.replicaManager.primaryState() === 'up', 10_000)
  const again = await app.inject({ method: 'PATCH', url: `/users/${user.id}`, payload: { name: 'Back' } })
  assert.equal(again.statusCode, 200, again.body)
})
