import { test, type TestContext } from 'node:test'
import assert from 'node:assert/strict'
import { Redis } from 'ioredis'
import { RedisStore, TwoTierCache, compress, decompress, type Codec, type Loaded } from '../../src/cache/index.js'
import { encodeEntry, decodeEntry } from '../../src/cache/codec.js'
import { testEnv } from '../helpers/env.js'
import { dropPrefix, uniquePrefix } from './helpers/cache-app.js'

async function engine (t: TestContext, opts: Partial<ConstructorParameters<typeof TwoTierCache>[0]> = {}, prefix = uniquePrefix()) {
  const redis = new Redis(testEnv().redisUrl, { lazyConnect: true, enableOfflineQueue: false, maxRetriesPerRequest: 0 })
  await redis.connect()
  // Wired as createQueryCache wires it: the probe replays the outage's invalidations.
  const store: RedisStore = new RedisStore(redis, { prefix, timeoutMs: 200, versionTtlMs: 60_000, onRecover: () => cache.recover() })
  const cache: TwoTierCache = new TwoTierCache({ maxMemoryBytes: 1 << 20, staleTtlMs: 0, compression: true, compressionThreshold: 100, store, ...opts })
  t.after(async () => {
    await dropPrefix(testEnv().redisUrl, prefix)
    redis.disconnect()
  })
  return { cache, store, prefix }
}

const loaded = (body: string, tags = ['users'], lsn?: string): Loaded => ({ body, tags, lsn })

test('race safety: a read that started before an invalidation is never served as fresh', async (t) => {
  const { cache } = await engine(t)
  const start = await cache.begin()
  await cache.invalidate(['users'])
  await cache.commit('k', start, loaded('old'), 60_000)
  assert.equal(await cache.lookup('k'), undefined, 'not served from L1')
  const { cache: other } = await engine(t, {}, (cache.store as RedisStore).channel.replace(/invalidate$/, ''))
  assert.equal(await other.lookup('k'), undefined, 'not served from L2 by another instance')
  assert.ok(cache.counters.rejectedStores >= 1)
})

test('race safety: an invalidation after the store makes the entry invalid on every instance', async (t) => {
  const { cache, prefix } = await engine(t)
  const { cache: other } = await engine(t, {}, prefix)
  await cache.commit('k', await cache.begin(), loaded('v1'), 60_000)
  assert.equal((await other.lookup('k'))?.entry.body, 'v1', 'L2 serves the other instance')
  await cache.invalidate(['users'])
  assert.equal(await other.lookup('k'), undefined, "the other instance's L1 copy is invalid at once")
  assert.equal(await cache.lookup('k'), undefined)
})

test('freshness: a refill older than the invalidation LSN is not stored; minLsn bypasses older entries', async (t) => {
  const { cache } = await engine(t)
  await cache.invalidate(['users'], '0/2000')
  await cache.commit('lagging', await cache.begin(), loaded('old', ['users'], '0/1000'), 60_000)
  assert.equal(await cache.lookup('lagging'), undefined, 'a lagging replica cannot refill a just-invalidated entry')
  await cache.commit('fresh', await cache.begin(), loaded('new', ['users'], '0/3000'), 60_000)
  assert.equal((await cache.lookup('fresh'))?.entry.body, 'new')
  assert.equal(await cache.lookup('fresh', '0/4000'), undefined, 'a newer consistency token bypasses it')
  assert.equal((await cache.lookup('fresh', '0/2FFF'))?.entry.body, 'new')
  await cache.commit('unknown', await cache.begin(), loaded('x', ['other']), 60_000)
  assert.equal(await cache.lookup('unknown', '0/1'), undefined, 'unknown freshness counts as oldest')
})

test('freshness: with lagging replicas, a refill of unknown freshness right after an invalidation is not stored', async (t) => {
  const { cache } = await engine(t, { readsMayLag: true, lagWindowMs: 60_000 })
  await cache.invalidate(['users'])
  await cache.commit('k', await cache.begin(), loaded('maybe-old'), 60_000)
  assert.equal(await cache.lookup('k'), undefined)
})

test('TTL: entries expire; jitter keeps expiry within [0.9·ttl, ttl]', async (t) => {
  const { cache } = await engine(t)
  await cache.commit('short', await cache.begin(), loaded('v'), 40)
  assert.ok(await cache.lookup('short'))
  await new Promise((resolve) => setTimeout(resolve, 80))
  assert.equal(await cache.lookup('short'), undefined)
  const samples = Array.from({ length: 2000 }, () => cache.jitteredTtl(10_000))
  assert.ok(Math.min(...samples) >= 9_000 && Math.max(...samples) <= 10_000)
  assert.ok(new Set(samples).size > 100, 'expiries are spread')
})

test('stale-while-revalidate: a stale entry is served once and refreshed in the background', async (t) => {
  const { cache } = await engine(t, { staleTtlMs: 10_000 })
  let version = 0
  const req = { key: 'swr', ttlMs: 30, load: async () => loaded(`v${++version}`) }
  assert.equal((await cache.fetch(req)).outcome, 'MISS')
  await new Promise((resolve) => setTimeout(resolve, 60))
  req.ttlMs = 60_000
  const stale = await cache.fetch(req)
  assert.equal(stale.outcome, 'STALE')
  assert.equal(stale.body, 'v1')
  for (let i = 0; i < 50 && version < 2; i++) await new Promise((resolve) => setTimeout(resolve, 10))
  await new Promise((resolve) => setTimeout(resolve, 20))
  const fresh = await cache.fetch(req)
  assert.equal(fresh.outcome, 'HIT')
  assert.equal(fresh.body, 'v2')
})

test('compression: every codec round-trips; L2 entries above the threshold are stored compressed', async (t) => {
  const body = JSON.stringify(Array.from({ length: 200 }, (_, i) => ({ id: i, email: `user${i}@example.test`, role: 'student', createdAt: new Date(0).toISOString() })))
  for (const codec of ['none', 'gzip', 'deflate', 'br'] as Codec[]) {
    assert.equal(decompress(compress(Buffer.from(body), codec), codec).toString(), body)
    const entry = { body, tags: ['a'], gen: 1, epoch: 'e', local: 0, created: 1, freshUntil: 2, staleUntil: 3, etag: '"x"' }
    const decoded = decodeEntry(encodeEntry(entry, { compress: true, threshold: 10, codec }))
    assert.equal(decoded?.entry.body, body)
    assert.equal(decoded?.codec, codec)
  }
  const { cache, prefix } = await engine(t)
  await cache.commit('big', await cache.begin(), loaded(body), 60_000)
  assert.ok(cache.counters.storedBytes < cache.counters.rawBytes / 3, `stored ${cache.counters.storedBytes} of ${cache.counters.rawBytes} bytes`)
  const { cache: cold } = await engine(t, {}, prefix)
  assert.equal((await cold.lookup('big'))?.entry.body, body, 'another instance decodes it')
})

test('L1 is bounded by bytes and evicts the least recently used', async (t) => {
  const { cache } = await engine(t, { maxMemoryBytes: 64 * 1024, store: undefined })
  const body = 'x'.repeat(4_000)
  for (let i = 0; i < 100; i++) await cache.commit(`k${i}`, await cache.begin(), loaded(body), 60_000)
  assert.ok(cache.l1.calculatedSize <= 64 * 1024)
  assert.ok(cache.counters.evictions > 80)
  assert.ok(await cache.lookup('k99'))
  assert.equal(await cache.lookup('k0'), undefined)
})

test('a Redis that lost its data (new epoch) invalidates every L1 entry', async (t) => {
  const { cache, prefix } = await engine(t)
  await cache.commit('k', await cache.begin(), loaded('v'), 60_000)
  assert.ok(await cache.lookup('k'))
  await dropPrefix(testEnv().redisUrl, prefix)
  assert.equal(await cache.lookup('k'), undefined)
})

test('pub/sub messages from other instances bump local versions (tags may contain "|"); own messages are ignored', async (t) => {
  const { cache } = await engine(t, { store: undefined })
  const before = cache.local.now()
  cache.onRemoteInvalidation(`7|${cache.instanceId}|users`)
  assert.equal(cache.local.validSince(['users'], before), true, 'own message: already applied locally')
  cache.onRemoteInvalidation('8|someone-else|vip|gold\u0001users:5')
  assert.equal(cache.local.validSince(['vip|gold'], before), false)
  assert.equal(cache.local.validSince(['users:5'], before), false)
  assert.equal(cache.local.validSince(['users:6'], before), true)
})

test('breaker: a command answered after the breaker opened does not close it before the outage invalidations are replayed', async (t) => {
  const { cache, store, prefix } = await engine(t)
  const { cache: other } = await engine(t, {}, prefix)
  await cache.commit('k', await cache.begin(), loaded('v1', ['users:1']), 60_000)
  const inFlight = store.getEntry('another-key') // sent while the breaker is closed
  store.breaker.trip() // meanwhile a concurrent command timed out
  await cache.invalidate(['users:1']) // a write during the outage: remembered for the replay
  await inFlight // the late answer arrives
  assert.equal(await cache.lookup('k'), undefined, 'this instance never serves what it invalidated')
  for (let i = 0; i < 100 && store.breaker.state !== 'closed'; i++) {
    void store.available // lets the probe run once the cooldown is over
    await new Promise((resolve) => setTimeout(resolve, 20))
  }
  assert.equal(store.breaker.state, 'closed', 'the probe closed it')
  assert.equal(await other.lookup('k'), undefined, 'the replay reached Redis before the breaker closed')
})

test('single flight: a miss that starts after an invalidation does not take the result of a refill that started before it', async (t) => {
  const { cache } = await engine(t)
  let row = 'old'
  let release!: () => void
  const gate = new Promise<void>((resolve) => { release = resolve })
  const req = { key: 'sf', ttlMs: 60_000, load: async () => { const body = row; await gate; return loaded(body, ['users:1']) } }
  const leader = cache.fetch(req)
  await new Promise((resolve) => setTimeout(resolve, 30)) // the leader has read the old row
  row = 'new'
  await cache.invalidate(['users:1']) // the write completes
  const late = cache.fetch(req) // a read that starts after it, while the leader is still running
  for (let i = 0; i < 100 && cache.counters.singleFlightJoins === 0; i++) await new Promise((resolve) => setTimeout(resolve, 5))
  release()
  assert.equal((await leader).body, 'old', 'the leader started before the write')
  assert.equal((await late).body, 'new', 'the later read sees the write')
})

test('recovery: invalidations made while the outage replay is in flight are replayed too', async (t) => {
  const { cache, store, prefix } = await engine(t)
  const { cache: other } = await engine(t, {}, prefix)
  await cache.commit('k2', await cache.begin(), loaded('v1', ['users:2']), 60_000)
  store.breaker.trip()
  await cache.invalidate(['users:1'])
  const replay = cache.recover() // what the probe runs before the breaker closes
  await cache.invalidate(['users:2']) // a write while the replay is in flight
  await replay
  assert.equal(await other.lookup('k2'), undefined, 'users:2 reached Redis')
})

test('L2: an entry read from Redis is not served when its tags cannot be checked (Redis went away in between)', async (t) => {
  const { cache, store } = await engine(t)
  await cache.commit('k', await cache.begin(), loaded('v1', ['users:1']), 60_000)
  await cache.invalidate(['users:1']) // own write: the L1 copy is invalid, Redis has the newer record
  const getEntry = store.getEntry.bind(store)
  // Fault: a concurrent command times out between the GET of the entry and its validation.
  store.getEntry = async (d: string) => { const r = await getEntry(d); store.breaker.trip(); return r }
  assert.equal(await cache.lookup('k'), undefined, 'the old entry is not served')
  assert.equal(await cache.lookup('k'), undefined, 'nor copied into L1')
})
