import { test } from 'node:test'
import assert from 'node:assert/strict'
import { cacheApp, countStatements } from './helpers/cache-app.js'
import { cleanup } from '../helpers/app.js'
import { makeProgram, makeUser, removeUniversity, removeUsers } from '../helpers/fixtures.js'

test('response cache: MISS then HIT with Age and ETag; If-None-Match → 304; a write invalidates', async (t) => {
  const app = await cacheApp(t)
  const user = await makeUser(app)
  cleanup(app, () => removeUsers(app, [user.id]))
  const sql = countStatements(app, /FROM "?users"?/i)

  const first = await app.inject({ method: 'GET', url: `/users/${user.id}` })
  assert.equal(first.statusCode, 200)
  assert.equal(first.headers['x-cache'], 'MISS')
  const etag = first.headers.etag as string
  assert.match(etag, /^".+"$/)

  const second = await app.inject({ method: 'GET', url: `/users/${user.id}` })
  assert.equal(second.headers['x-cache'], 'HIT')
  assert.equal(second.headers.etag, etag)
  assert.equal(second.headers.age, '0')
  assert.equal(second.body, first.body)
  assert.equal(sql.count, 1, 'the hit ran no SQL')

  const notModified = await app.inject({ method: 'GET', url: `/users/${user.id}`, headers: { 'if-none-match': etag } })
  assert.equal(notModified.statusCode, 304)
  assert.equal(notModified.body, '')
  assert.equal(notModified.headers.etag, etag)

  const patched = await app.inject({ method: 'PATCH', url: `/users/${user.id}`, payload: { name: 'Renamed' } })
  assert.equal(patched.statusCode, 200)
  const after = await app.inject({ method: 'GET', url: `/users/${user.id}`, headers: { 'if-none-match': etag } })
  assert.equal(after.statusCode, 200, 'the old ETag no longer matches')
  assert.equal(after.headers['x-cache'], 'MISS')
  assert.equal(after.json().name, 'Renamed')
})

test('response cache: lists are invalidated by creates; BYPASS on Cache-Control: no-cache and strong reads', async (t) => {
  const app = await cacheApp(t)
  const user = await makeUser(app)
  const url = `/users/${user.id}/applications`
  assert.equal((await app.inject({ url })).headers['x-cache'], 'MISS')
  assert.equal((await app.inject({ url })).headers['x-cache'], 'HIT')
  const { program } = await makeProgram(app)
  cleanup(app, () => removeUniversity(app, program.universityId))
  // Cleanups run newest first: the user (and its applications) goes before the program.
  cleanup(app, () => removeUsers(app, [user.id]))
  const created = await app.inject({ method: 'POST', url: '/applications', payload: { userId: user.id, programId: program.id } })
  assert.equal(created.statusCode, 201)
  const list = await app.inject({ url })
  assert.equal(list.headers['x-cache'], 'MISS')
  assert.equal(list.json().items.length, 1)

  const bypass = await app.inject({ url, headers: { 'cache-control': 'no-cache' } })
  assert.equal(bypass.headers['x-cache'], 'BYPASS')
  const strong = await app.inject({ url, headers: { 'x-read-consistency': 'strong' } })
  assert.equal(strong.headers['x-cache'], 'BYPASS')
  assert.equal(strong.json().items.length, 1)
})

test('response cache: GraphQL queries are cached and invalidated; mutations and errors are not cached', async (t) => {
  const app = await cacheApp(t)
  const user = await makeUser(app)
  cleanup(app, () => removeUsers(app, [user.id]))
  const query = { query: 'query($id: ID!) { user(id: $id) { id name } }', variables: { id: String(user.id) } }
  const a = await app.inject({ method: 'POST', url: '/graphql', payload: query })
  assert.equal(a.statusCode, 200, a.body)
  assert.equal(a.headers['x-cache'], 'MISS')
  const b = await app.inject({ method: 'POST', url: '/graphql', payload: query })
  assert.equal(b.headers['x-cache'], 'HIT')
  assert.equal(b.body, a.body)

  const m = await app.inject({ method: 'POST', url: '/graphql', payload: { query: `mutation { updateUser(id: ${user.id}, input: { name: "GQL" }) { name } }` } })
  assert.equal(m.statusCode, 200, m.body)
  assert.equal(m.headers['x-cache'], undefined)
  const c = await app.inject({ method: 'POST', url: '/graphql', payload: query })
  assert.equal(c.headers['x-cache'], 'MISS')
  assert.equal(c.json().data.user.name, 'GQL')

  const bad = { query: '{ user(id: "999999999") { id nope } }' }
  await app.inject({ method: 'POST', url: '/graphql', payload: bad })
  const bad2 = await app.inject({ method: 'POST', url: '/graphql', payload: bad })
  assert.notEqual(bad2.headers['x-cache'], 'HIT')
})

test('response cache: past its TTL a response is served STALE once and re-rendered in the background', async (t) => {
  const app = await cacheApp(t)
  const user = await makeUser(app)
  cleanup(app, () => removeUsers(app, [user.id]))
  const url = `/users/${user.id}`
  await app.inject({ url })
  // Age the entry past its TTL (inside the stale window) instead of waiting for the route's 60 s.
  const key = `h:GET:${url}`
  const entry = app.cache.engine.l1.get(key)!
  entry.freshUntil = Date.now() - 1
  const stale = await app.inject({ url })
  assert.equal(stale.headers['x-cache'], 'STALE')
  let next = ''
  for (let i = 0; i < 50 && next !== 'HIT'; i++) {
    await new Promise((resolve) => setTimeout(resolve, 10))
    next = (await app.inject({ url })).headers['x-cache'] as string
  }
  assert.equal(next, 'HIT', 'the background re-render stored a fresh entry')
  assert.ok(app.cache.engine.l1.get(key)!.freshUntil > Date.now())
})
