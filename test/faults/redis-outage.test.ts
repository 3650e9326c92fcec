import { test } from 'node:test'
import assert from 'node:assert/strict'
import type { FastifyInstance } from 'fastify'
import { buildTestApp, cleanup } from '../helpers/app.js'
import { makeUser, removeUsers } from '../helpers/fixtures.js'
import { startRedisServer } from '../cache/helpers/redis-servers.js'
import { uniquePrefix } from '../cache/helpers/cache-app.js'
import { setTimeout as sleep } from 'node:timers/promises'

interface Window { ok: number; failed: number; hits: number }

/** Requests in a loop on a few URLs until `stop()`; counts failures and cache hits per phase. */
function load (app: FastifyInstance, urls: string[]) {
  let phase: Window = { ok: 0, failed: 0, hits: 0 }
  let running = true
  const loops = Array.from({ length: 4 }, async (_, i) => {
    let n = i
    while (running) {
      const res = await app.inject({ url: urls[n++ % urls.length]! })
      if (res.statusCode === 200) phase.ok++
      else phase.failed++
      if (res.headers['x-cache'] === 'HIT') phase.hits++
      // An L1 hit with Redis away resolves in microtasks only: yield so timers (and the test) run.
      await new Promise((resolve) => setImmediate(resolve))
    }
  })
  return {
    next (): Window { const done = phase; phase = { ok: 0, failed: 0, hits: 0 }; return done },
    async stop () { running = false; await Promise.all(loops) }
  }
}


test('Redis stopped mid-run and restarted: zero failed requests, the breaker opens, hit rate recovers', async (t) => {
  const redis = await startRedisServer(t)
  const app = await buildTestApp(t, { env: { REDIS_URL: redis.url, CACHE_KEY_PREFIX: uniquePrefix() } })
  const users = await Promise.all([1, 2, 3].map(() => makeUser(app)))
  cleanup(app, () => removeUsers(app, users.map((u) => u.id)))
  const runner = load(app, [...users.map((u) => `/users/${u.id}`), '/universities?limit=5'])

  await sleep(500)
  const before = runner.next()
  assert.ok(before.hits > before.ok / 2, `warm: ${JSON.stringify(before)}`)

  await redis.stop()
  await sleep(300)
  // A write while Redis is away still invalidates this instance's L1.
  const patched = await app.inject({ method: 'PATCH', url: `/users/${users[0]!.id}`, payload: { name: 'During outage' } })
  assert.equal(patched.statusCode, 200)
  assert.equal((await app.inject({ url: `/users/${users[0]!.id}` })).json().name, 'During outage')
  await sleep(500)
  const during = runner.next()
  const stats = app.cache.getCacheStats()
  assert.equal(stats.l2.breaker, 'open')
  assert.ok(during.ok > 0)

  await redis.start()
  for (let i = 0; i < 100 && app.cache.getCacheStats().l2.breaker !== 'closed'; i++) await sleep(50)
  assert.equal(app.cache.getCacheStats().l2.breaker, 'closed', 'the breaker closed by itself')
  runner.next()
  await sleep(600)
  const after = runner.next()
  await runner.stop()

  assert.equal(before.failed + during.failed + after.failed, 0, 'no request failed')
  assert.ok(after.hits > after.ok / 2, `hit rate recovered: ${JSON.stringify(after)}`)
  assert.equal((await app.inject({ url: `/users/${users[0]!.id}` })).json().name, 'During outage')
})

test('Redis that hangs (SIGSTOP): requests still succeed and the breaker opens after a timeout', async (t) => {
  const redis = await startRedisServer(t)
  const app = await buildTestApp(t, { env: { REDIS_URL: redis.url, CACHE_KEY_PREFIX: uniquePrefix(), CACHE_REDIS_TIMEOUT_MS: '50' } })
  const user = await makeUser(app)
  cleanup(app, () => removeUsers(app, [user.id]))
  t.after(() => redis.resume())
  await app.inject({ url: `/users/${user.id}` })
  redis.pause()
  const results = await Promise.all(Array.from({ length: 20 }, () => app.inject({ url: `/users/${user.id}` })))
  for (const r of results) assert.equal(r.statusCode, 200)
  assert.equal(app.cache.getCacheStats().l2.breaker, 'open')
  assert.ok(app.cache.getCacheStats().l2.timeouts >= 1)
  redis.resume()
})

test('Redis down at start-up: the app starts and serves without errors (L1 and the database)', async (t) => {
  const redis = await startRedisServer(t)
  await redis.stop()
  const app = await buildTestApp(t, { env: { REDIS_URL: redis.url, CACHE_KEY_PREFIX: uniquePrefix() } })
  const user = await makeUser(app)
  cleanup(app, () => removeUsers(app, [user.id]))
  assert.equal((await app.inject({ url: `/users/${user.id}` })).statusCode, 200)
  const second = await app.inject({ url: `/users/${user.id}` })
  assert.equal(second.statusCode, 200)
  assert.equal(second.headers['x-cache'], 'HIT', 'L1 still caches')
  const health = await app.inject({ url: '/admin/health', headers: { authorization: 'Bearer test-admin-token-0123456789' } })
  assert.ok([200, 503].includes(health.statusCode))
})
