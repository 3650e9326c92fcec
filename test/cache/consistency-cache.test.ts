import { test } from 'node:test'
import assert from 'node:assert/strict'
import { cleanup } from '../helpers/app.js'
import { makeUser, removeUsers } from '../helpers/fixtures.js'
import { cacheApp } from './helpers/cache-app.js'

test('consistency tokens: a read carrying a token newer than the cached entry bypasses it, and the refill then serves it', async (t) => {
  const app = await cacheApp(t)
  const [reader, writer] = await Promise.all([makeUser(app), makeUser(app)])
  cleanup(app, () => removeUsers(app, [reader.id, writer.id]))
  const url = `/users/${reader.id}`
  await app.inject({ url })
  assert.equal((await app.inject({ url })).headers['x-cache'], 'HIT')

  // A write elsewhere: its token is newer than the entry, whose tags it did not touch.
  const write = await app.inject({ method: 'PATCH', url: `/users/${writer.id}`, payload: { name: 'Token' } })
  const token = write.headers['x-consistency-token'] as string | undefined
  assert.ok(token, 'writes carry X-Consistency-Token')
  assert.equal((await app.inject({ url })).headers['x-cache'], 'HIT', 'without the token the entry still serves')

  const withToken = await app.inject({ url, headers: { 'x-consistency-token': token } })
  assert.equal(withToken.statusCode, 200)
  assert.equal(withToken.headers['x-cache'], 'MISS', 'the entry is older than the token')
  const again = await app.inject({ url, headers: { 'x-consistency-token': token } })
  assert.equal(again.headers['x-cache'], 'HIT', 'the refill records its freshness and satisfies the token')
})
