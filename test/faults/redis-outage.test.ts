import { test } from 'node:test'
import assert from 'node:assert/strict'
import type { FastifyInstance } from 'fastify'
import { adminHeaders, buildTestApp, cleanup } from '../helpers/app.js'
import { makeUser, removeUsers } from '../helpers/fixtures.js'
import { startRedisServer } from '../cache/helpers/redis-servers.js'
import { countStatements, uniquePrefix } from '../cache/helpers/cache-app.js'
import { setTimeout as sleep } from 'node:timers/promises'

interface Window { ok: number; failed: number; hits: number }

/**
 * Requests in a loop on a few URLs until `stop()`; counts successes and cache hits per window.
 * Failures are also kept for the whole run, so no window (a restart, a breaker closing) is ever
 * left out of the zero-failure count.
 */
function load (app: FastifyInstance, urls: string[]) {
  let phase: Window = { ok: 0, failed: 0, hits: 0 }
  const failures: string[] = []
  let running = true
  const loops = Array.from({ length: 4 }, async (_, i) => {
    let n = i
    while (running) {
      const url = urls[n++ % urls.length]!
      const res = await app.inject({ url }).catch((err: Error) => err)
      if (!(res instanceof Error) && res.statusCode === 200) phase.ok++
      else {
        phase.failed++
        failures.push(`${url}: ${res instanceof Error ? res.message : `${res.statusCode} ${res.body.slice(0, 200)}`}`)
      }
      if (!(res instanceof Error) && res.headers['x-cache'] === 'HIT') phase.hits++
      // An L1 hit with Redis away resolves in microtasks only: yield so timers (and the test) run.
      await new Promise((resolve) => setImmediate(resolve))
    }
  })
  return {
    failures,
    next (): Window { const done = phase; phase = { ok: 0, failed: 0, hits: 0 }; return done },
    /** Waits until the current window has seen `count` requests (a count, not a duration: the machine may be slow). */
    async until (count: number): Promise<void> {
      // Only a guard against a hang (a request that never returns), far above any slow machine.
      const deadline = Date.now() + 60_000
      while (phase.ok + phase.failed < count) {
        assert.ok(Date.now() < deadline, `requests hang: ${phase.ok + phase.failed} of ${count} done; failures: ${failures.slice(0, 3).join('; ')}`)
        await sleep(20)
      }
    },
    async stop () { running = false; await Promise.all(loops) }
  }
}

async function breakerBecomes (app: FastifyInstance, state: string): Promise<void> {
  // Bounded by the breaker's longest cooldown (5 s) with room for a slow machine.
  for (let i = 0; i < 300 && app.cache.getCacheStats().l2.breaker !== state; i++) await sleep(50)
  assert.equal(app.cache.getCacheStats().l2.breaker, state, `the breaker became ${state} by itself`)
}

test('Redis stopped mid-run and restarted: zero failed requests, the breaker opens, Redis serves again', async (t) => {
  const redis = await startRedisServer(t)
  const prefix = uniquePrefix()
  const env = { REDIS_URL: redis.url, CACHE_KEY_PREFIX: prefix }
  const app = await buildTestApp(t, { env })
  const users = await Promise.all([1, 2, 3].map(() => makeUser(app)))
  cleanup(app, () => removeUsers(app, users.map((u) => u.id)))
  const urls = [...users.map((u) => `/users/${u.id}`), '/universities?limit=5']
  const runner = load(app, urls)
  cleanup(app, () => runner.stop())

  await runner.until(40)
  const before = runner.next()
  assert.ok(before.hits > before.ok / 2, `warm: ${JSON.stringify(before)}`)

  await redis.stop()
  await breakerBecomes(app, 'open')
  // A write while Redis is away still invalidates this instance's L1.
  const patched = await app.inject({ method: 'PATCH', url: `/users/${users[0]!.id}`, payload: { name: 'During outage' } })
  assert.equal(patched.statusCode, 200, patched.body)
  assert.equal((await app.inject({ url: `/users/${users[0]!.id}` })).json().name, 'During outage')
  runner.next()
  await runner.until(40)
  const during = runner.next()
  assert.equal(app.cache.getCacheStats().l2.breaker, 'open')
  assert.ok(during.ok >= 40, `served during the outage: ${JSON.stringify(during)}`)

  await redis.start()
  await breakerBecomes(app, 'closed')
  await runner.until(40)
  await runner.stop()
  assert.deepEqual(runner.failures, [], 'no request failed: before, during, while Redis restarted and the breaker closed, after')

  // Redis answers again: a pass on this instance refills anything its L1 does not hold validly
  // into the new Redis; a second instance with an empty L1 can then only be answered from Redis.
  for (const url of urls) assert.equal((await app.inject({ url })).statusCode, 200)
  const other = await buildTestApp(t, { env })
  const statements = countStatements(other, /FROM "?(users|universities)"?/i)
  const l2Before = other.cache.getCacheStats().l2.hits
  for (const url of urls) {
    const res = await other.inject({ url })
    assert.equal(res.statusCode, 200, res.body)
    assert.equal(res.headers['x-cache'], 'HIT', `${url} is answered from Redis after the restart`)
  }
  assert.equal(other.cache.getCacheStats().l2.hits - l2Before, urls.length, 'every read was an L2 (Redis) hit')
  assert.equal(statements.count, 0, 'no read reached the database')
  assert.equal((await other.inject({ url: `/users/${users[0]!.id}` })).json().name, 'During outage')
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
  // Losing the optional cache degrades the gateway; it is not an outage (SPEC: no errors).
  const health = await app.inject({ url: '/admin/health', headers: adminHeaders })
  assert.equal(health.statusCode, 200, health.body)
  assert.equal(health.json().status, 'degraded')
  assert.deepEqual(health.json().nodes.find((n: { name: string }) => n.name === 'redis')?.up, false)
})
