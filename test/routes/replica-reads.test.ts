import { test } from 'node:test'
import assert from 'node:assert/strict'
import { buildTestApp, cleanup } from '../helpers/app.js'
import { makeUser, removeUsers } from '../helpers/fixtures.js'
import type { QueryEvent } from '../../src/index.js'

test('REST reads are served by the replicas, writes by the primary', async (t) => {
  // Cache off: every GET must reach a node (with the cache on, the second GET is a hit).
  const app = await buildTestApp(t, { replicas: true, env: { CACHE_ENABLED: 'false' } })
  const user = await makeUser(app)
  cleanup(app, () => removeUsers(app, [user.id]))

  // Wait until both replicas have replayed the insert (bounded).
  for (let i = 0; i < 100; i++) {
    const seen = await Promise.all([0, 1].map(() => app.db.read.users.findUnique({ where: { id: user.id } })))
    if (seen.every(Boolean)) break
    await new Promise((resolve) => setTimeout(resolve, 50))
  }

  const events: QueryEvent[] = []
  const onQuery = (e: QueryEvent) => events.push(e)
  app.db.on('query', onQuery)
  t.after(() => app.db.off('query', onQuery))

  for (let i = 0; i < 6; i++) {
    const res = await app.inject({ url: `/users/${user.id}` })
    assert.equal(res.statusCode, 200, res.body)
  }
  const readNodes = events.map((e) => e.node)
  assert.equal(readNodes.length, 6)
  assert.ok(readNodes.includes('replica0') && readNodes.includes('replica1'), `reads spread over both replicas: ${readNodes}`)
  assert.ok(!readNodes.includes('primary'), 'no read touched the primary')

  const inRecovery = await app.db.query('SELECT pg_is_in_recovery() AS r', [], { target: 'read' })
  assert.equal(inRecovery.rows[0].r, true, 'the read target really is a standby')

  events.length = 0
  const res = await app.inject({ method: 'PATCH', url: `/users/${user.id}`, payload: { name: 'Replica Reader' } })
  assert.equal(res.statusCode, 200)
  assert.ok(events.length > 0 && events.every((e) => e.node === 'primary'), 'the write transaction ran on the primary only')
})
