/**
 * The seed document's library examples (Basic Usage, Performance Monitoring, Cache Management,
 * Migration Guide) run as written — `createDatabaseConfig()` from the environment, no
 * `createQueryCache` — and `db.cached` really caches, with Redis shared like the servers'.
 */
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { OptimizedDatabaseClient, createDatabaseConfig } from '../../src/index.js'
import { testEnv } from '../helpers/env.js'
import { uniq } from '../helpers/app.js'
import { dropPrefix } from '../cache/helpers/cache-app.js'

function seedEnv (redis: boolean): Record<string, string | undefined> {
  const { primaryUrl, replicaUrls, redisUrl } = testEnv()
  return { DATABASE_URL: primaryUrl, DATABASE_READ_URLS: replicaUrls.join(','), REDIS_URL: redis ? redisUrl : undefined, CACHE_KEY_PREFIX: `seedex${process.pid}:` }
}

/** Runs `fn` with process.env set as a user's shell would have it. */
async function withEnv<T> (env: Record<string, string | undefined>, fn: () => Promise<T>): Promise<T> {
  const saved = { ...process.env }
  for (const [k, v] of Object.entries(env)) { if (v === undefined) delete process.env[k]; else process.env[k] = v }
  try { return await fn() } finally { process.env = saved }
}

for (const redis of [true, false]) {
  test(`seed document examples work as written (${redis ? 'with' : 'without'} REDIS_URL)`, async (t) => {
    const env = seedEnv(redis)
    t.after(async () => { if (redis) await dropPrefix(testEnv().redisUrl, env.CACHE_KEY_PREFIX!) })
    await withEnv(env, async () => {
      // --- Basic Usage / Migration Guide step 2
      const config = createDatabaseConfig()
      const db = new OptimizedDatabaseClient(config)
      const created: number[] = []
      // node:test runs after-hooks in registration order: rows go before the client closes.
      t.after(async () => {
        for (const id of created) await db.query('DELETE FROM users WHERE id = $1', [id])
        await db.close()
      })
      await db.connect()
      const statements: string[] = []
      db.on('query', (e) => { statements.push(e.sql) })

      const users = await db.cached.users.findMany({ where: { is_active: true } })
      assert.ok(users.length > 0 && users.every((u) => u.isActive === true))
      const before = statements.length
      const again = await db.cached.users.findMany({ where: { is_active: true } })
      assert.deepEqual(statements.slice(before), [], 'db.cached caches: the second read ran no statement')
      assert.deepEqual(again, users)

      const stats = await db.read.applications.count()
      assert.ok(stats > 0)
      const email = `user-${uniq()}@example.com`
      const newUser = await db.primary.users.create({ data: { email } })
      created.push(newUser.id)
      assert.equal(newUser.email, email)
      // A write through the client invalidates what it cached.
      const after = await db.cached.users.findMany({ where: { is_active: true } })
      assert.equal(after.length, users.length + 1, 'the new user is visible through db.cached at once')

      // --- Performance Monitoring / Migration Guide step 4
      const metrics = await db.getPerformanceMetrics()
      assert.equal(typeof metrics.connections.poolUsage, 'number')
      assert.equal(typeof metrics.queries.avgTime, 'number')
      assert.equal(typeof metrics.cache.hitRate, 'number')
      const slowQueries = await db.getSlowQueries(10)
      for (const q of slowQueries) assert.equal(typeof `Slow query: ${q.query} (${q.duration}ms)`, 'string')
      const health = await db.getDatabaseHealth()
      assert.equal(health.status, 'ok')
      assert.equal(health.checks.primary, 'up')

      // --- Cache Management
      const universities = await db.cached.universities.findMany({ where: { is_active: true }, ttl: 600, tags: ['universities', 'active'] })
      assert.ok(universities.length > 0)
      const n = statements.length
      await db.cached.universities.findMany({ where: { is_active: true }, ttl: 600, tags: ['universities', 'active'] })
      assert.equal(statements.length, n, 'served from the cache')
      assert.deepEqual(await db.invalidateCache!(['universities']), { invalidated: ['universities'] })
      await db.cached.universities.findMany({ where: { is_active: true }, ttl: 600, tags: ['universities', 'active'] })
      assert.equal(statements.length, n + 1, 'invalidated: read again from the database')
      assert.ok(Array.isArray(await db.warmCache!()))
      const cacheStats = db.getCacheStats!()
      assert.ok(cacheStats.hitRate > 0 && cacheStats.hitRate <= 1, String(cacheStats.hitRate))
    })
  })
}

test('with Redis, a write through one library client reaches another process\'s cache (shared version keys)', async (t) => {
  const env = seedEnv(true)
  t.after(async () => { await dropPrefix(testEnv().redisUrl, env.CACHE_KEY_PREFIX!) })
  await withEnv(env, async () => {
    const a = new OptimizedDatabaseClient(createDatabaseConfig())
    const b = new OptimizedDatabaseClient(createDatabaseConfig())
    let restore = async (): Promise<unknown> => undefined
    t.after(async () => { await restore(); await a.close(); await b.close() })
    await a.connect()
    await b.connect()
    const [user] = await a.primary.users.findMany({ take: 1, orderBy: { id: 'asc' } })
    const original = user!.name
    restore = async () => await a.primary.users.update({ where: { id: user!.id }, data: { name: original } })
    assert.equal((await a.cached.users.findUnique({ where: { id: user!.id } }))?.name, original)
    await b.primary.users.update({ where: { id: user!.id }, data: { name: `${original} (renamed)` } })
    assert.equal((await a.cached.users.findUnique({ where: { id: user!.id } }))?.name, `${original} (renamed)`, 'no stale read after another client\'s write')
  })
})

test('createQueryCache on a client that built its own cache is refused with the fix', async (t) => {
  const { createQueryCache } = await import('../../src/index.js')
  const db = new OptimizedDatabaseClient(createDatabaseConfig({ url: testEnv().primaryUrl }, {}))
  t.after(() => db.close())
  await db.connect()
  assert.throws(() => createQueryCache(db), (err: { code?: string; message: string }) => err.code === 'GW_ERR_CONFIG' && /cache: false/.test(err.message))
  const mistyped = await db.primary.users.findMany({ where: { emial: 'x' } as never }).catch((err: unknown) => err as { code: string; message: string })
  assert.equal((mistyped as { code: string }).code, 'GW_ERR_INVALID_QUERY')
  assert.match((mistyped as { message: string }).message, /Unknown field "emial" on users: did you mean email\?/)
})
