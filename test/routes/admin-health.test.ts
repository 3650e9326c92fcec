import { test } from 'node:test'
import assert from 'node:assert/strict'
import { adminHeaders, buildTestApp } from '../helpers/app.js'

test('admin health needs the bearer token', async (t) => {
  const app = await buildTestApp(t)
  for (const authorization of [undefined, 'Bearer wrong-token-wrong-token', 'Basic abc']) {
    const res = await app.inject({ url: '/admin/health', headers: authorization ? { authorization } : {} })
    assert.equal(res.statusCode, 401)
    assert.equal(res.json().code, 'GW_ERR_UNAUTHORIZED')
  }
})

test('admin health reports the primary, each replica and Redis with latency', async (t) => {
  const app = await buildTestApp(t, { replicas: true })
  const res = await app.inject({ url: '/admin/health', headers: adminHeaders })
  assert.equal(res.statusCode, 200, res.body)
  const body = res.json()
  assert.equal(body.status, 'ok')
  assert.deepEqual(body.nodes.map((n: { name: string }) => n.name), ['primary', 'replica0', 'replica1', 'redis'])
  for (const n of body.nodes) {
    assert.equal(n.up, true, n.name)
    assert.equal(typeof n.latencyMs, 'number')
  }
})

test('OpenAPI document lists every REST route', async (t) => {
  const app = await buildTestApp(t)
  const res = await app.inject({ url: '/docs/json' })
  assert.equal(res.statusCode, 200)
  const paths = Object.keys(res.json().paths)
  for (const p of ['/users', '/users/{id}', '/users/{id}/applications', '/users/{id}/notifications', '/universities', '/universities/{id}',
    '/universities/{id}/stats', '/applications', '/applications/{id}', '/recommendations', '/recommendations/{id}', '/events',
    '/users/{id}/events', '/audit-logs', '/admin/health']) {
    assert.ok(paths.includes(p), `${p} is documented`)
  }
  assert.equal((await app.inject({ url: '/nope' })).json().code, 'GW_ERR_ROUTE_NOT_FOUND')
})
