import { test } from 'node:test'
import assert from 'node:assert/strict'
import { buildTestApp } from '../helpers/app.js'

test('graphql: query text longer than GRAPHQL_MAX_QUERY_LENGTH is a coded 400 before parsing', async (t) => {
  const app = await buildTestApp(t, { env: { GRAPHQL_MAX_QUERY_LENGTH: '200' } })
  const ok = await app.inject({ method: 'POST', url: '/graphql', payload: { query: '{ users(first: 1) { items { id } } }' } })
  assert.equal(ok.statusCode, 200, ok.body)

  const long = `{ users(first: 1) { items { id } } }${' '.repeat(300)}`
  for (const req of [
    { method: 'POST' as const, url: '/graphql', payload: { query: long }, headers: { accept: 'application/graphql-response+json' } },
    { method: 'GET' as const, url: `/graphql?query=${encodeURIComponent(long)}`, headers: { accept: 'application/graphql-response+json' } }
  ]) {
    const res = await app.inject(req)
    assert.equal(res.statusCode, 400, res.body)
    const [error] = res.json().errors
    assert.equal(error.extensions.code, 'GW_ERR_GRAPHQL_TOO_COMPLEX')
    assert.match(error.message, /GRAPHQL_MAX_QUERY_LENGTH/)
  }
})
