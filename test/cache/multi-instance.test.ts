import { test } from 'node:test'
import assert from 'node:assert/strict'
import { cleanup } from '../helpers/app.js'
import { makeUser, removeUsers } from '../helpers/fixtures.js'
import { cacheApp, countStatements, uniquePrefix } from './helpers/cache-app.js'

test('stale-read property: two instances sharing Redis, random writes and reads (REST and library) never return data older than a completed write', async (t) => {
  const prefix = uniquePrefix()
  const a = await cacheApp(t, {}, prefix)
  const b = await cacheApp(t, {}, prefix)
  const users = await Promise.all([1, 2, 3].map(() => makeUser(a)))
  cleanup(a, () => removeUsers(a, users.map((u) => u.id)))
  const instances = [a, b]
  /** Per user: the highest version whose write has completed. */
  const completed = new Map<number, number>(users.map((u) => [u.id, -1]))
  let nextVersion = 0
  // Writes to one user are serialized, so commit order is version order and "newest" is defined.
  const writing = new Map<number, Promise<void>>()
  const violations: string[] = []
  let seed = 42
  const rand = (n: number): number => { seed = (seed * 1103515245 + 12345) % 2 ** 31; return seed % n }

  const versionOf = (name: string | undefined): number => name?.startsWith('v') ? Number(name.slice(1)) : -1
  const worker = async (w: number): Promise<void> => {
    for (let i = 0; i < 60; i++) {
      const user = users[rand(users.length)]!
      const app = instances[rand(2)]!
      const kind = rand(5)
      if (kind === 0) {
        const previous = writing.get(user.id) ?? Promise.resolve()
        const done = previous.then(async () => {
          const v = nextVersion++
          const res = await app.inject({ method: 'PATCH', url: `/users/${user.id}`, payload: { name: `v${v}` } })
          assert.equal(res.statusCode, 200)
          completed.set(user.id, v)
        })
        writing.set(user.id, done)
        await done
        continue
      }
      const floor = completed.get(user.id)!
      let seen: number
      if (kind === 1) {
        seen = versionOf((await app.db.cached.users.findUnique({ where: { id: user.id } }))?.name)
      } else if (kind === 2) {
        const page = await app.inject({ url: `/users?limit=100&cursor=${''}` })
        const row = page.json().items.find((u: { id: number }) => u.id === user.id)
        if (!row) continue
        seen = versionOf(row.name)
      } else {
        seen = versionOf((await app.inject({ url: `/users/${user.id}` })).json().name)
      }
      if (seen < floor) violations.push(`worker ${w}: user ${user.id} read v${seen} after v${floor} completed`)
    }
  }
  await Promise.all(Array.from({ length: 8 }, (_, w) => worker(w)))
  assert.deepEqual(violations, [])
  const stats = a.cache.getCacheStats()
  assert.ok(stats.hits + b.cache.getCacheStats().hits > 0, 'the cache was used')
})

test('stampede across instances: concurrent misses on two instances make one SQL statement', async (t) => {
  const prefix = uniquePrefix()
  const a = await cacheApp(t, {}, prefix)
  const b = await cacheApp(t, {}, prefix)
  const match = /FROM "?universities"?/i
  const ca = countStatements(a, match)
  const cb = countStatements(b, match)
  const args = { where: { country: { not: 'Nowhere' } }, orderBy: { id: 'asc' as const }, take: 11 }
  const calls = [...Array.from({ length: 50 }, () => a.db.cached.universities.findMany(args)),
    ...Array.from({ length: 50 }, () => b.db.cached.universities.findMany(args))]
  const results = await Promise.all(calls)
  for (const r of results) assert.deepEqual(r, results[0])
  assert.equal(ca.count + cb.count, 1, `statements: ${ca.count} on a, ${cb.count} on b`)
})

test('invalidations reach the L1 of every instance (pub/sub) even without a Redis round trip', async (t) => {
  const prefix = uniquePrefix()
  const a = await cacheApp(t, {}, prefix)
  const b = await cacheApp(t, {}, prefix)
  const user = await makeUser(a)
  cleanup(a, () => removeUsers(a, [user.id]))
  await b.db.cached.users.findUnique({ where: { id: user.id } })
  const before = b.cache.engine.local.now()
  await a.inject({ method: 'PATCH', url: `/users/${user.id}`, payload: { name: 'Pushed' } })
  for (let i = 0; i < 100 && b.cache.engine.local.now() === before; i++) await new Promise((resolve) => setTimeout(resolve, 10))
  assert.ok(b.cache.engine.local.now() > before, 'b received the invalidation message')
  assert.equal(b.cache.engine.local.validSince([`users:${user.id}`], before), false)
})
