/**
 * Read-your-writes over HTTP (SPEC §6): write responses carry X-Consistency-Token (REST and GraphQL
 * mutations); a read presenting it is answered from a node that has replayed it; strong reads use
 * the primary; bad tokens are 400s; tokens hold across instances sharing the secret.
 */
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { randomUUID } from 'node:crypto'
import type { FastifyInstance } from 'fastify'
import { buildTestApp, cleanup } from '../helpers/app.js'
import { makeUser, removeUsers } from '../helpers/fixtures.js'
import { testEnv } from '../helpers/env.js'
import { pauseReplay, waitUntil } from '../helpers/replica-faults.js'
import { TokenCodec } from '../../src/consistency/index.js'

const SECRET = 'consistency-test-secret-0123456789abcdef'
const ENV = { REPLICA_HEALTH_INTERVAL_MS: '100', REPLICA_MAX_LAG_MS: '600000', CONSISTENCY_TOKEN_SECRET: SECRET, CACHE_ENABLED: 'false' }

function servedBy (t: { after: (fn: () => void) => void }, app: FastifyInstance): string[] {
  const nodes: string[] = []
  const on = (e: { node: string }): void => { nodes.push(e.node) }
  app.db.on('query', on)
  t.after(() => app.db.off('query', on))
  return nodes
}

test('REST and GraphQL writes carry a token; reads do not', async (t) => {
  const app = await buildTestApp(t, { replicas: true, env: ENV })
  const ids: number[] = []
  cleanup(app, () => removeUsers(app, ids))
  const created = await app.inject({ method: 'POST', url: '/users', payload: { email: `ct-${randomUUID()}@example.test`, name: 'Token' } })
  assert.equal(created.statusCode, 201, created.body)
  ids.push(created.json().id)
  const token = created.headers['x-consistency-token']
  assert.match(String(token), /^c1\.[A-Za-z0-9_-]{32}$/, 'an opaque token')
  const lsn = app.consistencyTokens.decode(String(token))
  assert.ok((await app.db.query('SELECT $1::pg_lsn <= pg_current_wal_lsn() AS ok', [lsn])).rows[0].ok, 'a real WAL position')

  const patched = await app.inject({ method: 'PATCH', url: `/users/${ids[0]}`, payload: { name: 'Token 2' } })
  assert.ok(patched.headers['x-consistency-token'])
  assert.ok((await app.db.query('SELECT $1::pg_lsn > $2::pg_lsn AS later', [app.consistencyTokens.decode(String(patched.headers['x-consistency-token'])), lsn])).rows[0].later)

  const gql = await app.inject({
    method: 'POST', url: '/graphql',
    payload: { query: 'mutation ($input: CreateUserInput!) { createUser(input: $input) { id } }', variables: { input: { email: `cg-${randomUUID()}@example.test`, name: 'G' } } }
  })
  assert.equal(gql.statusCode, 200, gql.body)
  ids.push(Number(gql.json().data.createUser.id))
  assert.ok(gql.headers['x-consistency-token'], 'GraphQL mutations carry the token too')

  const tokened = await app.inject({
    method: 'POST', url: '/graphql', headers: { 'x-consistency-token': String(gql.headers['x-consistency-token']) },
    payload: { query: `{ user(id: ${ids[1]}) { id } }` }
  })
  assert.equal(tokened.json().data.user.id, String(ids[1]), 'a GraphQL read with the token sees the mutation')
  const read = await app.inject({ url: `/users/${ids[0]}` })
  assert.equal(read.headers['x-consistency-token'], undefined)
  const query = await app.inject({ method: 'POST', url: '/graphql', payload: { query: `{ user(id: ${ids[0]}) { id } }` } })
  assert.equal(query.headers['x-consistency-token'], undefined)
  const failed = await app.inject({ method: 'POST', url: '/users', payload: { email: 'not-an-email', name: '' } })
  assert.equal(failed.statusCode, 400)
  assert.equal(failed.headers['x-consistency-token'], undefined)
})

test('malformed, forged and future tokens are 400s; a bad X-Read-Consistency too', async (t) => {
  const app = await buildTestApp(t, { replicas: true, env: ENV })
  const user = await makeUser(app)
  cleanup(app, () => removeUsers(app, [user.id]))
  const good = app.consistencyTokens.encode((await app.db.query('SELECT pg_current_wal_lsn()::text AS l')).rows[0].l)
  const forged = `${good.slice(0, 5)}${good[5] === 'A' ? 'B' : 'A'}${good.slice(6)}`
  const cases: Array<[Record<string, string>, RegExp]> = [
    [{ 'x-consistency-token': 'abc' }, /malformed/],
    [{ 'x-consistency-token': `${good}x` }, /malformed/],
    [{ 'x-consistency-token': forged }, /not issued/],
    [{ 'x-consistency-token': new TokenCodec('another-secret-another-secret-0123').encode('0/1000') }, /not issued/],
    [{ 'x-consistency-token': app.consistencyTokens.encode('FFFF/0') }, /future/],
    [{ 'x-read-consistency': 'sometimes' }, /strong/]
  ]
  for (const [headers, message] of cases) {
    for (const url of [`/users/${user.id}`, `/graphql?query=${encodeURIComponent(`{ user(id: ${user.id}) { id } }`)}`]) {
      const res = await app.inject({ url, headers })
      assert.equal(res.statusCode, 400, `${JSON.stringify(headers)} ${url}: ${res.body}`)
      // GraphQL reports the same code in its own error shape.
      const body = res.json()
      const err = body.errors === undefined ? body : { code: body.errors[0].extensions.code, message: body.errors[0].message }
      assert.equal(err.code, 'GW_ERR_INVALID_CONSISTENCY_TOKEN')
      assert.match(err.message, message)
    }
  }
  assert.equal((await app.inject({ url: `/users/${user.id}`, headers: { 'x-consistency-token': good } })).statusCode, 200)
})

test('X-Read-Consistency: strong reads from the primary; eventual from the replicas', async (t) => {
  const app = await buildTestApp(t, { replicas: true, env: ENV })
  const user = await makeUser(app)
  cleanup(app, () => removeUsers(app, [user.id]))
  await waitUntil('replicas to have the user', async () => (await Promise.all([0, 1].map(() => app.db.read.users.findUnique({ where: { id: user.id } })))).every(Boolean))
  const nodes = servedBy(t, app)
  for (let i = 0; i < 4; i++) assert.equal((await app.inject({ url: `/users/${user.id}`, headers: { 'x-read-consistency': 'strong' } })).statusCode, 200)
  assert.deepEqual(nodes, ['primary', 'primary', 'primary', 'primary'])
  nodes.length = 0
  for (let i = 0; i < 4; i++) assert.equal((await app.inject({ url: `/users/${user.id}`, headers: { 'x-read-consistency': 'eventual' } })).statusCode, 200)
  assert.ok(nodes.every((n) => n !== 'primary'), nodes.join(','))
})

test('500 write-then-read sequences with a token while one replica is paused: zero stale reads', async (t) => {
  const app = await buildTestApp(t, { replicas: true, env: ENV })
  const user = await makeUser(app)
  cleanup(app, () => removeUsers(app, [user.id]))
  const { replicaUrls } = testEnv()
  await waitUntil('replicas to have the user', async () => (await Promise.all([0, 1].map(() => app.db.read.users.findUnique({ where: { id: user.id } })))).every(Boolean))
  await pauseReplay(t, replicaUrls[0]!)
  const nodes = servedBy(t, app)

  let stale = 0
  let untokenedStale = 0
  const tally = new Map<string, number>()
  for (let i = 0; i < 500; i++) {
    const name = `seq ${i}`
    const w = await app.inject({ method: 'PATCH', url: `/users/${user.id}`, payload: { name } })
    assert.equal(w.statusCode, 200, w.body)
    const token = String(w.headers['x-consistency-token'])
    nodes.length = 0
    const r = await app.inject({ url: `/users/${user.id}`, headers: { 'x-consistency-token': token } })
    assert.equal(r.statusCode, 200, r.body)
    if (r.json().name !== name) stale++
    assert.ok(!nodes.includes('replica0'), 'the paused replica never answers a tokened read')
    for (const n of nodes) tally.set(n, (tally.get(n) ?? 0) + 1)
    if (i % 50 === 0) {
      const plain = await app.inject({ url: `/users/${user.id}` })
      if (plain.json().name !== name) untokenedStale++
    }
  }
  assert.equal(stale, 0)
  t.diagnostic(`tokened reads served by ${JSON.stringify(Object.fromEntries(tally))}`)
  assert.ok((tally.get('replica1') ?? 0) > 0, 'the replica that keeps up serves tokened reads (tokens do not just mean "primary")')
  assert.ok(untokenedStale > 0, 'without the token the paused replica does serve stale data (the test has teeth)')
})

test('with the cache on: write-then-read with a token never returns the value before the write', async (t) => {
  const app = await buildTestApp(t, { replicas: true, env: { ...ENV, CACHE_ENABLED: 'true' } })
  const user = await makeUser(app)
  cleanup(app, () => removeUsers(app, [user.id]))
  await pauseReplay(t, testEnv().replicaUrls[0]!)
  let stale = 0
  for (let i = 0; i < 200; i++) {
    // Fill the cache, then write, then read with the token.
    await app.inject({ url: `/users/${user.id}` })
    const w = await app.inject({ method: 'PATCH', url: `/users/${user.id}`, payload: { name: `cached ${i}` } })
    const r = await app.inject({ url: `/users/${user.id}`, headers: { 'x-consistency-token': String(w.headers['x-consistency-token']) } })
    if (r.json().name !== `cached ${i}`) stale++
  }
  assert.equal(stale, 0)
})

test('tokens hold across instances sharing CONSISTENCY_TOKEN_SECRET, and only those', async (t) => {
  const a = await buildTestApp(t, { replicas: true, env: ENV })
  const b = await buildTestApp(t, { replicas: true, env: ENV })
  const c = await buildTestApp(t, { replicas: true, env: { ...ENV, CONSISTENCY_TOKEN_SECRET: undefined } })
  const user = await makeUser(a)
  cleanup(a, () => removeUsers(a, [user.id]))
  await waitUntil('replicas to have the user', async () => (await Promise.all([0, 1].map(() => b.db.read.users.findUnique({ where: { id: user.id } })))).every(Boolean))
  // Both replicas stop replaying: only honouring the token (not replication speed) can make b's
  // read see a's write.
  for (const url of testEnv().replicaUrls) await pauseReplay(t, url)
  const w = await a.inject({ method: 'PATCH', url: `/users/${user.id}`, payload: { name: 'Across' } })
  assert.equal(w.statusCode, 200, w.body)
  const token = String(w.headers['x-consistency-token'])
  const nodes = servedBy(t, b)
  const r = await b.inject({ url: `/users/${user.id}`, headers: { 'x-consistency-token': token } })
  assert.equal(r.statusCode, 200, r.body)
  assert.equal(r.json().name, 'Across', 'b honours a token issued by a')
  assert.deepEqual(nodes, ['primary'], 'no paused replica answers the tokened read')
  nodes.length = 0
  const plain = await b.inject({ url: `/users/${user.id}` })
  assert.notEqual(plain.json().name, 'Across', 'without the token b reads a paused replica (the test has teeth)')
  assert.ok(nodes.length > 0 && nodes.every((n) => n !== 'primary'), nodes.join(','))
  const other = await c.inject({ url: `/users/${user.id}`, headers: { 'x-consistency-token': token } })
  assert.equal(other.statusCode, 400)
})

test('library: a session reads its own writes; { consistency: { minLsn } } per call', async (t) => {
  const app = await buildTestApp(t, { replicas: true, env: ENV })
  const user = await makeUser(app)
  cleanup(app, () => removeUsers(app, [user.id]))
  await waitUntil('replicas to have the user', async () => (await Promise.all([0, 1].map(() => app.db.read.users.findUnique({ where: { id: user.id } })))).every(Boolean))
  await pauseReplay(t, testEnv().replicaUrls[0]!)
  const session = app.db.session()
  for (let i = 0; i < 20; i++) {
    await session.primary.users.update({ where: { id: user.id }, data: { name: `s${i}` } })
    assert.ok(session.lastCommitLsn)
    assert.equal((await session.read.users.findUnique({ where: { id: user.id } }))?.name, `s${i}`)
    assert.equal((await session.cached.users.findUnique({ where: { id: user.id } }))?.name, `s${i}`)
    const minLsn = session.lastCommitLsn
    assert.equal((await app.db.read.users.findUnique({ where: { id: user.id }, consistency: { minLsn } }))?.name, `s${i}`)
    const raw = await app.db.query('SELECT name FROM users WHERE id = $1', [user.id], { target: 'read', consistency: { minLsn } })
    assert.equal(raw.rows[0].name, `s${i}`)
  }
  await assert.rejects(app.db.read.users.count({ consistency: { minLsn: 'soon' } }), (err: any) => err.code === 'GW_ERR_INVALID_QUERY')
})
