/**
 * A replica crashes (`pg_ctl stop -m immediate`) under 200 concurrent reads: no read fails (each
 * read that hits the dying node is retried once elsewhere), the node is out of the rotation within
 * two health intervals, and back after it restarts.
 */
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { adminHeaders, buildTestApp, cleanup } from '../helpers/app.js'
import { makeUser, removeUsers } from '../helpers/fixtures.js'
import { cluster, stopNode, waitUntil } from '../helpers/replica-faults.js'
import type { NodeStateChange } from '../../src/replicas/index.js'

const INTERVAL = 150
const CONCURRENCY = 200

test('a replica stopped under 200 concurrent reads: zero failed reads, out within two intervals, back after restart', async (t) => {
  const app = await buildTestApp(t, { replicas: true, env: { REPLICA_HEALTH_INTERVAL_MS: String(INTERVAL), DB_POOL_MAX: '10', CACHE_ENABLED: 'false' } })
  const user = await makeUser(app)
  cleanup(app, () => removeUsers(app, [user.id]))
  const manager = app.db.replicaManager
  await waitUntil('both replicas to have the user', async () => {
    const rows = await Promise.all([0, 1].map(() => app.db.read.users.findUnique({ where: { id: user.id } })))
    return rows.every((r) => r !== null)
  })
  const changes: Array<NodeStateChange & { ms: number }> = []
  let stoppedAt = 0
  manager.on('stateChange', (c) => changes.push({ ...c, ms: Date.now() - stoppedAt }))

  let running = true
  let ok = 0
  const failures: string[] = []
  const served = new Map<string, number>()
  const onQuery = (e: { node: string }): void => { served.set(e.node, (served.get(e.node) ?? 0) + 1) }
  app.db.on('query', onQuery)
  t.after(() => app.db.off('query', onQuery))
  const worker = async (): Promise<void> => {
    while (running) {
      const res = await app.inject({ url: `/users/${user.id}` })
      if (res.statusCode === 200) ok++
      else failures.push(`${res.statusCode} ${res.body}`)
    }
  }
  const workers = Array.from({ length: CONCURRENCY }, worker)
  await waitUntil('load to build up', () => ok >= CONCURRENCY)

  const victim = cluster().replicas[0]!
  stoppedAt = Date.now()
  await stopNode(t, victim, 'immediate')
  const stoppedIn = Date.now() - stoppedAt
  const outAfter = await waitUntil('replica0 out of rotation', () => manager.checkReplicationLag()[0]!.state === 'out-of-rotation', 5_000, 5)
  const okAtOut = ok
  await waitUntil('more reads after the failover', () => ok >= okAtOut + CONCURRENCY)
  running = false
  await Promise.all(workers)

  assert.deepEqual(failures.slice(0, 3), [], `${failures.length} failed reads out of ${ok + failures.length}`)
  const out = changes.find((c) => c.node === 'replica0' && c.to === 'out-of-rotation')
  assert.ok(out, 'a stateChange event announced it')
  assert.equal(out.reason, 'unreachable')
  // pg_ctl returns only once the server is gone; the detection clock starts then.
  assert.ok(outAfter <= 2 * INTERVAL, `out of rotation ${outAfter} ms after the node died (interval ${INTERVAL} ms)`)
  t.diagnostic(`reads: ${ok} ok, 0 failed; replica0 out of rotation ${outAfter} ms after pg_ctl returned (${stoppedIn + outAfter} ms after the stop began); served by ${JSON.stringify(Object.fromEntries(served))}`)

  const health = await app.inject({ url: '/admin/health', headers: adminHeaders })
  assert.equal(health.statusCode, 200)
  assert.equal(health.json().status, 'degraded')
  assert.deepEqual(health.json().replicas.map((r: { state: string }) => r.state), ['out-of-rotation', 'in-rotation'])

  const restartAt = Date.now()
  await victim.start()
  const backAfter = await waitUntil('replica0 back in rotation', () => manager.checkReplicationLag()[0]!.state === 'in-rotation', 10_000)
  t.diagnostic(`replica0 back in rotation ${backAfter} ms after it streams again (restart took ${Date.now() - restartAt - backAfter} ms)`)
  const events = changes.filter((c) => c.node === 'replica0').map((c) => c.to)
  assert.deepEqual(events, ['out-of-rotation', 'in-rotation'])
})
