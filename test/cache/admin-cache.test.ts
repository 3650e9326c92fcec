import { test } from 'node:test'
import assert from 'node:assert/strict'
import { adminHeaders, cleanup } from '../helpers/app.js'
import { makeUser, removeUsers } from '../helpers/fixtures.js'
import { cacheApp } from './helpers/cache-app.js'

test('admin cache routes: stats, invalidate by tag, warm; all behind the bearer token', async (t) => {
  const app = await cacheApp(t)
  const user = await makeUser(app)
  cleanup(app, () => removeUsers(app, [user.id]))
  for (const [method, url] of [['GET', '/admin/cache/stats'], ['POST', '/admin/cache/warm']] as const) {
    assert.equal((await app.inject({ method, url })).statusCode, 401)
  }
  await app.inject({ url: `/users/${user.id}` })
  assert.equal((await app.inject({ url: `/users/${user.id}` })).headers['x-cache'], 'HIT')

  const stats = await app.inject({ url: '/admin/cache/stats', headers: adminHeaders })
  assert.equal(stats.statusCode, 200)
  const body = stats.json()
  assert.equal(body.query.enabled, true)
  assert.equal(typeof body.query.hitRate, 'number')
  assert.ok(body.query.l1.bytes > 0)
  assert.equal(body.query.l2.breaker, 'closed')
  assert.ok(body.responses.hits >= 1)

  const inv = await app.inject({ method: 'POST', url: '/admin/cache/invalidate', headers: adminHeaders, payload: { tags: [`users:${user.id}`] } })
  assert.equal(inv.statusCode, 200)
  assert.deepEqual(inv.json(), { invalidated: [`users:${user.id}`] })
  assert.equal((await app.inject({ url: `/users/${user.id}` })).headers['x-cache'], 'MISS')
  assert.equal((await app.inject({ method: 'POST', url: '/admin/cache/invalidate', headers: adminHeaders, payload: { tags: [] } })).statusCode, 400)

  const warm = await app.inject({ method: 'POST', url: '/admin/cache/warm', headers: adminHeaders })
  assert.equal(warm.statusCode, 200)
  const report = warm.json()
  assert.ok(report.queries.some((q: { source: string; ok: boolean }) => q.source === 'declared' && q.ok))
  assert.ok(report.responses.some((r: { key: string; ok: boolean }) => r.key === 'GET /universities' && r.ok))
  assert.equal((await app.inject({ url: '/universities' })).headers['x-cache'], 'HIT', 'a declared URL is warm')
})

test('CACHE_ENABLED=false turns every tier off', async (t) => {
  const app = await cacheApp(t, { CACHE_ENABLED: 'false' })
  const user = await makeUser(app)
  cleanup(app, () => removeUsers(app, [user.id]))
  await app.inject({ url: `/users/${user.id}` })
  const again = await app.inject({ url: `/users/${user.id}` })
  assert.equal(again.headers['x-cache'], undefined)
  assert.equal(app.cache.getCacheStats().enabled, false)
  assert.equal(app.cache.getCacheStats().hits, 0)
})

test('CACHE_ENABLE_WARMING: declared URLs and queries are warm shortly after start', async (t) => {
  const app = await cacheApp(t, { CACHE_ENABLE_WARMING: 'true', CACHE_WARM_INTERVAL: '0' })
  let state: string | undefined
  for (let i = 0; i < 100 && state !== 'HIT'; i++) {
    await new Promise((resolve) => setTimeout(resolve, 20))
    // Ask only once warming has stored the declared responses, so the request itself fills nothing.
    if (app.responseCacheStats().stored >= 2) state = (await app.inject({ url: '/universities' })).headers['x-cache'] as string
  }
  assert.equal(state, 'HIT')
})
