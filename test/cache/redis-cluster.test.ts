import { test } from 'node:test'
import assert from 'node:assert/strict'
import { buildTestApp, cleanup } from '../helpers/app.js'
import { makeUser, removeUsers } from '../helpers/fixtures.js'
import { startRedisCluster } from './helpers/redis-servers.js'
import { countStatements, uniquePrefix } from './helpers/cache-app.js'

test('Redis Cluster (3 masters): entries spread over slots; an invalidation on one instance reaches the other across slots', async (t) => {
  const cluster = await startRedisCluster()
  const prefix = uniquePrefix()
  const env = { REDIS_URL: undefined, REDIS_CLUSTER_NODES: cluster.nodes, CACHE_KEY_PREFIX: prefix }
  const a = await buildTestApp(t, { env })
  const b = await buildTestApp(t, { env })
  t.after(() => cluster.stop())
  // The cluster clients connect in the background (slot map first): wait until both can use L2.
  for (const app of [a, b]) {
    for (let i = 0; i < 100 && (app.redis.status !== 'ready' || await app.cache.store!.start() === undefined); i++) await new Promise((resolve) => setTimeout(resolve, 50))
    assert.equal(app.redis.status, 'ready')
  }
  const users = await Promise.all(Array.from({ length: 6 }, () => makeUser(a)))
  cleanup(a, () => removeUsers(a, users.map((u) => u.id)))
  const sqlB = countStatements(b, /FROM "?users"?/i)

  for (const u of users) {
    assert.equal((await a.inject({ url: `/users/${u.id}` })).headers['x-cache'], 'MISS')
    const fromB = await b.inject({ url: `/users/${u.id}` })
    assert.equal(fromB.headers['x-cache'], 'HIT', 'b is served from L2 on the cluster')
  }
  assert.equal(sqlB.count, 0)
  assert.equal(b.cache.getCacheStats().l2.hits, users.length)

  // Entry keys landed on more than one master.
  const perNode = await Promise.all(cluster.ports.map(async (port) => {
    const { Redis } = await import('ioredis')
    const r = new Redis(port, '127.0.0.1')
    const n = (await r.keys(`${prefix}*e:*`)).length
    r.disconnect()
    return n
  }))
  assert.ok(perNode.filter((n) => n > 0).length >= 2, `entries per master: ${perNode.join(', ')}`)

  for (const u of users) {
    const res = await a.inject({ method: 'PATCH', url: `/users/${u.id}`, payload: { name: `cluster ${u.id}` } })
    assert.equal(res.statusCode, 200)
    const read = await b.inject({ url: `/users/${u.id}` })
    assert.equal(read.headers['x-cache'], 'MISS')
    assert.equal(read.json().name, `cluster ${u.id}`)
  }
  assert.equal(a.cache.getCacheStats().l2.breaker, 'closed')
  assert.equal(b.cache.getCacheStats().l2.errors, 0)
})
