import { test } from 'node:test'
import assert from 'node:assert/strict'
import { Redis } from 'ioredis'
import { OptimizedDatabaseClient, createDatabaseConfig, createQueryCache } from '../../src/index.js'
import { testEnv } from '../helpers/env.js'
import { uniq } from '../helpers/app.js'
import { dropPrefix, uniquePrefix } from './helpers/cache-app.js'

async function libraryClient (t: import('node:test').TestContext, opts: Parameters<typeof createQueryCache>[1] = {}) {
  const db = new OptimizedDatabaseClient(createDatabaseConfig({ url: testEnv().primaryUrl, poolMax: 5, cache: false }, {}))
  await db.connect()
  const prefix = uniquePrefix()
  const redis = new Redis(testEnv().redisUrl, { lazyConnect: true, enableOfflineQueue: false, maxRetriesPerRequest: 0 })
  await redis.connect()
  const cache = createQueryCache(db, { redis, keyPrefix: prefix, ...opts })
  const statements = { count: 0 }
  db.on('query', (e) => { if (/FROM "?users"?/i.test(e.sql) && !/^(INSERT|UPDATE|DELETE)/i.test(e.sql)) statements.count++ })
  const cleanups: Array<() => Promise<unknown>> = []
  // node:test runs after-hooks in registration order: the test's own cleanups go first, here.
  t.after(async () => {
    for (const fn of cleanups.reverse()) await fn()
    await dropPrefix(testEnv().redisUrl, prefix)
    redis.disconnect()
    await db.close()
  })
  return { db, cache, statements, later: (fn: () => Promise<unknown>) => cleanups.push(fn) }
}

test('library: db.cached honours ttl/tags (stripped before SQL), returns Dates, and writes invalidate', async (t) => {
  const { db, cache, statements, later } = await libraryClient(t)
  const user = await db.primary.users.create({ data: { email: `qc-${uniq()}@example.test`, name: 'Lib' } })
  later(() => db.primary.users.delete({ where: { id: user.id } }))

  const a = await db.cached.users.findUnique({ where: { id: user.id }, ttl: 30, tags: ['custom-tag'] })
  const b = await db.cached.users.findUnique({ where: { id: user.id }, ttl: 30, tags: ['custom-tag'] })
  assert.equal(statements.count, 1)
  assert.ok(b?.createdAt instanceof Date, 'timestamps come back as Date from the cache too')
  assert.deepEqual(b, a)

  await db.primary.users.update({ where: { id: user.id }, data: { name: 'Lib 2' } })
  assert.equal((await db.cached.users.findUnique({ where: { id: user.id }, ttl: 30, tags: ['custom-tag'] }))?.name, 'Lib 2')
  assert.equal(statements.count, 2)

  await db.cached.users.findUnique({ where: { id: user.id }, ttl: 30, tags: ['custom-tag'] })
  assert.equal(statements.count, 2)
  const res = await db.invalidateCache!(['custom-tag'])
  assert.deepEqual(res.invalidated, ['custom-tag'])
  await db.cached.users.findUnique({ where: { id: user.id }, ttl: 30, tags: ['custom-tag'] })
  assert.equal(statements.count, 3, 'a custom tag invalidates')

  const stats = cache.getCacheStats()
  assert.ok(stats.hits >= 2)
  assert.ok(stats.invalidations >= 2)
  assert.equal(stats.l2.configured, true)
  assert.equal(db.getCacheStats!().hits, stats.hits)
})

test('library: 100 concurrent misses on one key make one SQL statement', async (t) => {
  const { db, cache, statements } = await libraryClient(t)
  const args = { where: { role: 'recommender' as const }, orderBy: { id: 'asc' as const }, take: 7 }
  const results = await Promise.all(Array.from({ length: 100 }, () => db.cached.users.findMany(args)))
  assert.equal(statements.count, 1)
  for (const r of results) assert.deepEqual(r, results[0])
  assert.equal(cache.getCacheStats().singleFlightJoins, 99)
})

test('library: a lookup by key is tagged with its row: writes to other rows keep it cached', async (t) => {
  const { db, statements, later } = await libraryClient(t)
  const [u1, u2] = await Promise.all([1, 2].map((i) => db.primary.users.create({ data: { email: `row${i}-${uniq()}@example.test`, name: 'Row' } })))
  later(() => db.primary.users.delete({ where: { id: u1!.id } }).then(() => db.primary.users.delete({ where: { id: u2!.id } })))
  await db.cached.users.findUnique({ where: { id: u1!.id } })
  await db.primary.users.update({ where: { id: u2!.id }, data: { name: 'Other' } })
  await db.cached.users.findUnique({ where: { id: u1!.id } })
  assert.equal(statements.count, 1, 'still cached after a write to another row')
  await db.cached.users.count()
  await db.primary.users.update({ where: { id: u2!.id }, data: { name: 'Other 2' } })
  await db.cached.users.count()
  assert.equal(statements.count, 3, 'a count depends on the whole table')
})

test('library: warmCache() refreshes declared and hot queries and reports them', async (t) => {
  const { db, statements } = await libraryClient(t, { warm: [{ model: 'users', op: 'count' }] })
  await db.cached.users.findMany({ take: 3, orderBy: { id: 'asc' } })
  await db.cached.users.findMany({ take: 3, orderBy: { id: 'asc' } })
  const report = await db.warmCache!()
  assert.deepEqual(report.map((r) => [r.source, r.ok]), [['declared', true], ['hot', true]])
  const before = statements.count
  await db.cached.users.count()
  assert.equal(statements.count, before, 'the declared query is warm')
})

test('library: the same query asked with different custom tags is cached apart, so invalidating one caller\'s tag refreshes its read', async (t) => {
  const { db, later } = await libraryClient(t)
  const user = await db.primary.users.create({ data: { email: `tags-${uniq()}@example.test`, name: 'Before' } })
  later(() => db.primary.users.delete({ where: { id: user.id } }))
  await db.cached.users.findMany({ where: { id: user.id }, tags: ['team-a'] })
  await db.cached.users.findMany({ where: { id: user.id }, tags: ['team-b'] })
  // A change the gateway does not see (raw SQL), announced by the owner of 'team-b' through its tag.
  await db.query('UPDATE users SET name = $1 WHERE id = $2', ['After', user.id])
  await db.invalidateCache!(['team-b'])
  const rows = await db.cached.users.findMany({ where: { id: user.id }, tags: ['team-b'] })
  assert.equal(rows[0]?.name, 'After')
})

test('library: invalidating a model drops its lookups by key too (e.g. after a materialized view refresh or a raw write)', async (t) => {
  const { db, later } = await libraryClient(t)
  const user = await db.primary.users.create({ data: { email: `model-${uniq()}@example.test`, name: 'Before' } })
  later(() => db.primary.users.delete({ where: { id: user.id } }))
  await db.cached.users.findUnique({ where: { id: user.id } })
  await db.query('UPDATE users SET name = $1 WHERE id = $2', ['After', user.id])
  await db.invalidateCache!(['users'])
  assert.equal((await db.cached.users.findUnique({ where: { id: user.id } }))?.name, 'After')
})

test('library: a raw write declared with tx.markWritten(model) and no rows drops the model\'s lookups by key', async (t) => {
  const { db, later } = await libraryClient(t)
  const user = await db.primary.users.create({ data: { email: `marked-${uniq()}@example.test`, name: 'Before' } })
  later(() => db.primary.users.delete({ where: { id: user.id } }))
  await db.cached.users.findUnique({ where: { id: user.id } })
  await db.transaction(async (tx) => {
    await tx.query('UPDATE users SET name = $1 WHERE id = $2', ['After', user.id])
    tx.markWritten('users')
  })
  assert.equal((await db.cached.users.findUnique({ where: { id: user.id } }))?.name, 'After')
})

test('library: deleting an application drops the cached reads of the recommendations its delete cascades to', async (t) => {
  const { db, later } = await libraryClient(t)
  const [student, recommender] = await Promise.all(['student', 'recommender'].map((role) =>
    db.primary.users.create({ data: { email: `cascade-${role}-${uniq()}@example.test`, name: 'Cascade', role: role as 'student' | 'recommender' } })))
  const university = await db.primary.universities.create({ data: { name: `Cascade University ${uniq()}`, country: 'Testland', city: 'Testville', ranking: null } })
  const program = await db.primary.programs.create({ data: { universityId: university.id, name: 'Cascade Program', degree: 'MSc', deadline: '2027-01-15' } })
  later(async () => {
    await db.primary.programs.delete({ where: { id: program.id } })
    await db.primary.universities.delete({ where: { id: university.id } })
    await db.primary.users.delete({ where: { id: student!.id } })
    await db.primary.users.delete({ where: { id: recommender!.id } })
  })
  const application = await db.primary.applications.create({ data: { userId: student!.id, programId: program.id } })
  const recommendation = await db.primary.recommendations.create({ data: { applicationId: application.id, recommenderId: recommender!.id } })
  assert.equal((await db.cached.recommendations.findMany({ where: { recommenderId: recommender!.id } })).length, 1)
  assert.ok(await db.cached.recommendations.findUnique({ where: { id: recommendation.id } }))

  await db.primary.applications.delete({ where: { id: application.id } }) // ON DELETE CASCADE removes the recommendation
  assert.deepEqual(await db.cached.recommendations.findMany({ where: { recommenderId: recommender!.id } }), [])
  assert.equal(await db.cached.recommendations.findUnique({ where: { id: recommendation.id } }), null)
})
