import { test } from 'node:test'
import assert from 'node:assert/strict'
import { cleanup } from '../helpers/app.js'
import { makeUser, removeUsers } from '../helpers/fixtures.js'
import { cacheApp, countStatements, uniquePrefix } from './helpers/cache-app.js'
import { mulberry32, runSeed } from '../helpers/random.js'
import { encodeCursor } from '../../src/domain/cursor.js'

test('stale-read property: two instances sharing Redis, random writes and reads (REST and library) never return data older than a completed write', async (t) => {
  const seed = runSeed('STALE_SEED')
  t.diagnostic(`STALE_SEED=${seed}`)
  console.log(`stale-read property: STALE_SEED=${seed} (set it to replay this run's schedule)`)
  const prefix = uniquePrefix()
  const a = await cacheApp(t, {}, prefix)
  const b = await cacheApp(t, {}, prefix)
  const users = await Promise.all([1, 2, 3].map(() => makeUser(a)))
  const ids = users.map((u) => u.id)
  cleanup(a, () => removeUsers(a, ids))
  // The list page starts just before the test's users, so they are on it (keyset: id > cursor).
  const listUrl = `/users?limit=100&cursor=${encodeCursor({ id: Math.min(...ids) - 1 }, ['id'])}`
  const instances = [['a', a], ['b', b]] as const
  /** Per user: the highest version whose write has completed. */
  const completed = new Map<number, number>(ids.map((id) => [id, -1]))
  let nextVersion = 0
  // Writes to one user are serialized, so commit order is version order and "newest" is defined.
  const writing = new Map<number, Promise<void>>()
  const violations: string[] = []
  const done = { a: { writes: 0, rowReads: 0, listReads: 0 }, b: { writes: 0, rowReads: 0, listReads: 0 } }

  const versionOf = (name: string | undefined): number => name?.startsWith('v') ? Number(name.slice(1)) : -1
  const fromList = (items: Array<{ id: number; name: string }>, id: number, where: string): number => {
    const row = items.find((u) => u.id === id)
    // A list that misses the user would make the read check nothing.
    assert.ok(row, `${where}: user ${id} is on the list (STALE_SEED=${seed})`)
    return versionOf(row.name)
  }
  const worker = async (w: number): Promise<void> => {
    // One generator per worker: its schedule depends on the seed only, not on interleaving.
    const rand = mulberry32(seed + w * 0x9E3779B9)
    for (let i = 0; i < 60; i++) {
      const user = users[rand(users.length)]!
      const [name, app] = instances[rand(2)]!
      const kind = rand(10)
      if (kind < 2) {
        const previous = writing.get(user.id) ?? Promise.resolve()
        const write = previous.then(async () => {
          const v = nextVersion++
          if (kind === 0) {
            const res = await app.inject({ method: 'PATCH', url: `/users/${user.id}`, payload: { name: `v${v}` } })
            assert.equal(res.statusCode, 200, res.body)
          } else {
            await app.db.primary.users.update({ where: { id: user.id }, data: { name: `v${v}` } })
          }
          completed.set(user.id, v)
          done[name].writes++
        })
        writing.set(user.id, write)
        await write
        continue
      }
      const floor = completed.get(user.id)!
      let seen: number
      if (kind < 4) {
        seen = versionOf((await app.db.cached.users.findUnique({ where: { id: user.id } }))?.name)
        done[name].rowReads++
      } else if (kind < 6) {
        const res = await app.inject({ url: `/users/${user.id}` })
        assert.equal(res.statusCode, 200, res.body)
        seen = versionOf(res.json().name)
        done[name].rowReads++
      } else if (kind < 8) {
        const res = await app.inject({ url: listUrl })
        assert.equal(res.statusCode, 200, res.body)
        seen = fromList(res.json().items, user.id, `GET ${listUrl} on ${name}`)
        done[name].listReads++
      } else {
        const rows = await app.db.cached.users.findMany({ where: { id: { in: ids } }, orderBy: { id: 'asc' } })
        seen = fromList(rows, user.id, `db.cached.users.findMany on ${name}`)
        done[name].listReads++
      }
      if (seen < floor) violations.push(`worker ${w} on ${name} (kind ${kind}): user ${user.id} read v${seen} after v${floor} completed`)
    }
  }
  await Promise.all(Array.from({ length: 8 }, (_, w) => worker(w)))
  t.diagnostic(`operations: ${JSON.stringify(done)}`)
  assert.deepEqual(violations, [], `stale reads (STALE_SEED=${seed})`)
  // 480 operations, about 48 of each kind per instance: a schedule that lost one cannot pass.
  for (const [name, counts] of Object.entries(done)) {
    for (const [kind, n] of Object.entries(counts)) assert.ok(n >= 15, `instance ${name} made ${n} ${kind} (STALE_SEED=${seed}): ${JSON.stringify(done)}`)
  }
  for (const [name, app] of instances) assert.ok(app.cache.getCacheStats().hits > 0, `the cache answered reads on ${name}`)
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
