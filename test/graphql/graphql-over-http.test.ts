/**
 * GraphQL over HTTP (the GraphQL Foundation spec): the `graphql-http` package's server audits —
 * every MUST and SHOULD item the spec lists — run against the gateway over a real socket.
 */
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { serverAudits } from 'graphql-http'
import { buildTestApp } from '../helpers/app.js'

test('GraphQL over HTTP: every MUST and SHOULD audit passes', async (t) => {
  const app = await buildTestApp(t)
  await app.listen({ port: 0, host: '127.0.0.1' })
  const url = `http://127.0.0.1:${(app.server.address() as { port: number }).port}/graphql`
  const results = await Promise.all(serverAudits({ url, fetchFn: fetch }).map(async (audit) => ({ audit, result: await audit.fn() })))
  const failed = results.filter((r) => r.result.status !== 'ok' && !r.audit.name.startsWith('MAY'))
  const report = failed.map((r) => `${r.audit.id} ${r.audit.name}: ${r.result.status} — ${'reason' in r.result ? String(r.result.reason) : ''}`).join('\n')
  t.diagnostic(`${results.length} audits, ${results.filter((r) => r.result.status === 'ok').length} ok`)
  assert.equal(failed.length, 0, report)
})

test('request errors: 200 for application/json, 400 for application/graphql-response+json, never a data entry; cached variants kept apart', async (t) => {
  const app = await buildTestApp(t)
  const bad = { query: '{ nope }' }
  const legacy = await app.inject({ method: 'POST', url: '/graphql', payload: bad })
  assert.equal(legacy.statusCode, 200, 'no Accept is application/json')
  assert.match(String(legacy.headers['content-type']), /^application\/json/)
  assert.equal('data' in legacy.json(), false)
  assert.equal(legacy.json().errors[0].extensions.code, 'GW_ERR_VALIDATION')
  const modern = await app.inject({ method: 'POST', url: '/graphql', payload: bad, headers: { accept: 'application/graphql-response+json' } })
  assert.equal(modern.statusCode, 400)
  assert.match(String(modern.headers['content-type']), /^application\/graphql-response\+json/)
  assert.equal('data' in modern.json(), false)
  // Malformed HTTP (not a GraphQL request error) stays 4xx for either media type.
  assert.equal((await app.inject({ method: 'POST', url: '/graphql', headers: { 'content-type': 'application/json' }, payload: '{"query":' })).statusCode, 400)

  const ok = { query: '{ users(first: 1) { items { id } } }' }
  const a = await app.inject({ method: 'POST', url: '/graphql', payload: ok, headers: { accept: 'application/graphql-response+json' } })
  const b = await app.inject({ method: 'POST', url: '/graphql', payload: ok, headers: { accept: 'application/json' } })
  const c = await app.inject({ method: 'POST', url: '/graphql', payload: ok, headers: { accept: 'application/graphql-response+json' } })
  assert.equal(a.headers.vary, 'Accept')
  assert.match(String(a.headers['content-type']), /^application\/graphql-response\+json/)
  assert.match(String(b.headers['content-type']), /^application\/json/)
  assert.equal(b.headers['x-cache'], 'MISS', 'the application/json variant is its own entry')
  assert.equal(c.headers['x-cache'], 'HIT')
  assert.match(String(c.headers['content-type']), /^application\/graphql-response\+json/)
})
