/** Both replicas stopped: reads are served by the primary without a failure, health says degraded. */
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { adminHeaders, buildTestApp, cleanup } from '../helpers/app.js'
import { makeUser, removeUsers } from '../helpers/fixtures.js'
import { cluster, stopNode, waitUntil } from '../helpers/replica-faults.js'

test('all replicas down: reads are served by the primary and health is degraded', async (t) => {
  const app = await buildTestApp(t, { replicas: true, env: { REPLICA_HEALTH_INTERVAL_MS: '100', CACHE_ENABLED: 'false' } })
  const user = await makeUser(app)
  cleanup(app, () => removeUsers(app, [user.id]))
  const { replicas } = cluster()
  await Promise.all(replicas.map(async (r) => await stopNode(t, r, 'fast')))

  const nodes: string[] = []
  const onQuery = (e: { node: string }): void => { nodes.push(e.node) }
  app.db.on('query', onQuery)
  t.after(() => app.db.off('query', onQuery))
  // Straight after the stop, before any health round noticed: the retry covers it.
  for (let i = 0; i < 20; i++) {
    const res = await app.inject({ url: `/users/${user.id}` })
    assert.equal(res.statusCode, 200, res.body)
    assert.equal(res.json().id, user.id)
  }
  await waitUntil('both replicas out of rotation', () => app.db.replicaManager.checkReplicationLag().every((r) => r.state === 'out-of-rotation'))
  nodes.length = 0
  for (let i = 0; i < 10; i++) assert.equal((await app.inject({ url: `/users/${user.id}` })).statusCode, 200)
  assert.ok(nodes.length >= 10 && nodes.every((n) => n === 'primary'), `reads on the primary: ${nodes.join(',')}`)

  const res = await app.inject({ url: '/admin/health', headers: adminHeaders })
  assert.equal(res.statusCode, 200)
  const body = res.json()
  assert.equal(body.status, 'degraded')
  assert.equal(body.primary.state, 'up')
  for (const r of body.replicas) {
    assert.equal(r.state, 'out-of-rotation')
    assert.equal(r.reason, 'unreachable')
    assert.equal(r.up, false)
    assert.equal(typeof r.lastCheckAt, 'string')
  }
})
