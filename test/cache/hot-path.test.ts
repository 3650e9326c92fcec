/**
 * The lean hot path (issue 7): what one miss costs in Redis commands and SQL, that the response
 * tier stores a row once, and that writes invalidate only what they change (tags).
 */
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { cleanup } from '../helpers/app.js'
import { makeProgram, makeUser, removeUniversity, removeUsers } from '../helpers/fixtures.js'
import { setTimeout } from 'node:timers/promises'
import { cacheApp, countStatements, uniquePrefix } from './helpers/cache-app.js'
import { readTags, writeTags } from '../../src/cache/index.js'

test('a response-tier miss costs two Redis commands (lookup + lease + generation; store + release) and stores the row once', async (t) => {
  const app = await cacheApp(t)
  const user = await makeUser(app)
  cleanup(app, () => removeUsers(app, [user.id]))
  const store = app.cache.store!
  const engine = app.cache.engine
  await app.inject({ url: '/users/1' }) // the prefix's first use creates its epoch (two more commands, once)
  engine.l1.clear()
  const commands = store.latency.count
  const sql = countStatements(app)
  const res = await app.inject({ url: `/users/${user.id}` })
  assert.equal(res.headers['x-cache'], 'MISS')
  assert.equal(sql.count, 1, 'one SQL statement')
  // One script (entry, lease, generation), then one (store, release the lease).
  assert.equal(store.latency.count - commands, 2, 'two Redis commands, one round trip each')
  assert.equal(engine.l1.size, 1, 'one entry (the response), not the response and the row')
  assert.ok(engine.l1.has(`h:GET:/users/${user.id}`))

  const hitCommands = store.latency.count
  const hit = await app.inject({ url: `/users/${user.id}` })
  assert.equal(hit.headers['x-cache'], 'HIT')
  assert.equal(store.latency.count - hitCommands, 1, 'an L1 hit: one MGET of tag versions')
  assert.equal(sql.count, 1)
})

test('a PATCH runs three statements on the primary: BEGIN, one statement (lock, update, audit), COMMIT with its WAL position', async (t) => {
  const app = await cacheApp(t)
  const user = await makeUser(app)
  cleanup(app, () => removeUsers(app, [user.id]))
  const statements: string[] = []
  app.db.on('query', (e) => statements.push(e.sql.split(/\s/)[0]!))
  const res = await app.inject({ method: 'PATCH', url: `/users/${user.id}`, payload: { name: 'Three', isActive: false } })
  assert.equal(res.statusCode, 200, res.body)
  assert.equal(res.json().name, 'Three')
  assert.equal(res.json().isActive, false)
  assert.match(res.headers['x-consistency-token'] as string, /./)
  assert.deepEqual(statements, ['BEGIN', 'WITH', 'COMMIT'])
  const audit = await app.db.query<{ diff: unknown; actor_id: string | null }>(
    "SELECT diff, actor_id FROM audit_logs WHERE entity = 'users' AND entity_id = $1 AND action = 'update' ORDER BY id DESC LIMIT 1", [user.id])
  assert.deepEqual(audit.rows[0]?.diff, { name: [user.name, 'Three'], isActive: [true, false] }, 'only the changed fields, before and after')
  const same = await app.inject({ method: 'PATCH', url: `/users/${user.id}`, payload: { name: 'Three' } })
  assert.equal(same.statusCode, 200)
  const unchanged = await app.db.query<{ diff: unknown }>(
    "SELECT diff FROM audit_logs WHERE entity = 'users' AND entity_id = $1 AND action = 'update' ORDER BY id DESC LIMIT 1", [user.id])
  assert.deepEqual(unchanged.rows[0]?.diff, {}, 'an update that changes nothing records an empty diff')
  const missing = await app.inject({ method: 'PATCH', url: '/users/999999999', payload: { name: 'Nobody' } })
  assert.equal(missing.statusCode, 404)
})

test('tags: a list filtered by its parent is tagged by that parent; creates add no row tags; a moved parent key reaches every keyed list', () => {
  assert.deepEqual(readTags('applications', 'findMany', { where: { userId: 5 } }, []), ['applications:userId=5', 'applications:userId:*'])
  assert.deepEqual(readTags('applications', 'findMany', { where: { status: 'draft' } }, []), ['applications'])
  assert.deepEqual(readTags('applications', 'findMany', { where: { userId: { in: [1, 2] } } }, []), ['applications'], 'only plain equality is keyed')
  assert.deepEqual(readTags('users', 'findUnique', { where: { id: 3 } }, { id: 3 }), ['users:3', 'users:*'])
  assert.deepEqual(writeTags([{ model: 'applications', op: 'create', row: { id: 9, userId: 5, programId: 2 } }]),
    ['applications', 'applications:userId=5', 'applications:programId=2'])
  assert.deepEqual(writeTags([{ model: 'applications', op: 'update', row: { id: 9, userId: 5, programId: 2 }, fields: ['status'] }]),
    ['applications', 'applications:9', 'applications:userId=5', 'applications:programId=2'])
  assert.deepEqual(writeTags([{ model: 'applications', op: 'update', row: { id: 9, userId: 6, programId: 2 }, fields: ['userId'] }]),
    ['applications', 'applications:9', 'applications:userId:*', 'applications:programId=2'], 'the old user is unknown: all user-keyed lists')
  assert.deepEqual(writeTags([{ model: 'activityEvents', op: 'create', row: { id: 1, userId: 5 } }, { model: 'activityEvents', op: 'create', row: { id: 2, userId: 5 } }]),
    ['activityEvents', 'activityEvents:userId=5'], 'ingest adds no per-row tags')
  assert.deepEqual(writeTags([{ model: 'notifications', op: 'raw', row: null }]),
    ['notifications', 'notifications:*', 'notifications:userId:*'])
})

test('writes invalidate only what they change: a new application of one user leaves another user\'s cached lists and lookups cached', async (t) => {
  const app = await cacheApp(t)
  const [a, b] = await Promise.all([makeUser(app), makeUser(app)])
  const { university, program } = await makeProgram(app)
  const programId = program.id
  cleanup(app, async () => {
    await removeUsers(app, [a.id, b.id])
    await removeUniversity(app, university.id)
  })
  const urls = [`/users/${b.id}/applications`, `/users/${b.id}`, `/users/${a.id}`]
  for (const url of urls) await app.inject({ url })
  for (const url of urls) assert.equal((await app.inject({ url })).headers['x-cache'], 'HIT', url)
  const listA = `/users/${a.id}/applications`
  await app.inject({ url: listA })

  const created = await app.inject({ method: 'POST', url: '/applications', payload: { userId: a.id, programId, status: 'submitted' } })
  assert.equal(created.statusCode, 201, created.body)
  for (const url of urls) assert.equal((await app.inject({ url })).headers['x-cache'], 'HIT', `${url} stays cached`)
  const after = await app.inject({ url: listA })
  assert.equal(after.headers['x-cache'], 'MISS', "the writer's own list is invalidated")
  assert.equal(after.json().items.length, 1)
  const notes = await app.inject({ url: `/users/${a.id}/notifications` })
  assert.equal(notes.json().items.length, 1, 'the notification of the submitted application is listed')
})

test('NOTIFY triggers are off unless a gateway listens (CACHE_DB_NOTIFY)', async (t) => {
  const app = await cacheApp(t)
  const state = async (): Promise<string[]> => (await app.db.query<{ e: string }>(
    "SELECT DISTINCT t.tgenabled AS e FROM pg_trigger t JOIN pg_proc p ON p.oid = t.tgfoid WHERE p.proname = 'gateway_cache_notify'")).rows.map((r) => r.e)
  await app.db.query('SELECT gateway_cache_notify_triggers(false)')
  try {
    assert.deepEqual(await state(), ['D'], 'disabled')
    await cacheApp(t, { CACHE_DB_NOTIFY: 'true' })
    assert.deepEqual(await state(), ['O'], 'enabled by the listening instance')
  } finally {
    await app.db.query('SELECT gateway_cache_notify_triggers(false)')
  }
})

test('CACHE_VALIDATION=pubsub: L1 hits ask Redis nothing; another instance\'s write arrives by pub/sub, its token at once; a resubscribe drops L1', async (t) => {
  const prefix = uniquePrefix()
  const env = { CACHE_VALIDATION: 'pubsub', CONSISTENCY_TOKEN_SECRET: 'hot-path-test-secret-0123456789abcdef' }
  const a = await cacheApp(t, env, prefix)
  const b = await cacheApp(t, env, prefix)
  const user = await makeUser(a)
  cleanup(a, () => removeUsers(a, [user.id]))
  const url = `/users/${user.id}`
  for (let i = 0; i < 50 && !a.cache.engine.subscribed(); i++) await setTimeout(20)
  assert.equal(a.cache.engine.subscribed(), true)
  await a.inject({ url })
  const before = a.cache.store!.latency.count
  const hit = await a.inject({ url })
  assert.equal(hit.headers['x-cache'], 'HIT')
  assert.equal(a.cache.store!.latency.count, before, 'an L1 hit sends no Redis command')

  const patched = await b.inject({ method: 'PATCH', url, payload: { name: 'Pushed by b' } })
  const token = patched.headers['x-consistency-token'] as string
  assert.equal((await a.inject({ url, headers: { 'x-consistency-token': token } })).json().name, 'Pushed by b', 'the token is honoured at once')
  let name = ''
  for (let i = 0; i < 100 && name !== 'Pushed by b'; i++) {
    name = (await a.inject({ url })).json().name
    if (name !== 'Pushed by b') await setTimeout(10)
  }
  assert.equal(name, 'Pushed by b', 'the invalidation arrives by pub/sub')

  await a.inject({ url })
  assert.ok(a.cache.engine.l1.size > 0)
  a.redisSubscriber.disconnect(true)
  for (let i = 0; i < 100 && (a.cache.engine.l1.size > 0 || !a.cache.engine.subscribed()); i++) await setTimeout(20)
  assert.equal(a.cache.engine.l1.size, 0, 'messages may have been missed while away: L1 dropped')
  assert.equal(a.cache.engine.subscribed(), true, 'subscribed again')
})

test('CACHE_ADMISSION=second-hit: the first miss of a key is not stored, the second is, the third hits', async (t) => {
  const app = await cacheApp(t, { CACHE_ADMISSION: 'second-hit' })
  const user = await makeUser(app)
  cleanup(app, () => removeUsers(app, [user.id]))
  const url = `/users/${user.id}`
  const store = app.cache.store!
  const commands = store.latency.count
  assert.equal((await app.inject({ url })).headers['x-cache'], 'MISS')
  assert.equal(store.latency.count, commands, 'a first miss asks Redis nothing')
  assert.equal(app.cache.getCacheStats().notAdmitted, 1)
  assert.equal((await app.inject({ url })).headers['x-cache'], 'MISS')
  const third = await app.inject({ url })
  assert.equal(third.headers['x-cache'], 'HIT')
  assert.equal(third.json().id, user.id)
})
