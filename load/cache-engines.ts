/**
 * Engine decision (issue 4): async-cache-dedupe (the engine of mercurius-cache) against our
 * TwoTierCache, in-process and with Redis. Measures hit throughput and dedupe, and checks the
 * property that decided it: an invalidation during a slow refill must not be undone.
 *
 *   REDIS_URL=redis://127.0.0.1:6379/15 tsx load/cache-engines.ts
 */
import { performance } from 'node:perf_hooks'
import { createCache } from 'async-cache-dedupe'
import { Redis } from 'ioredis'
import { RedisStore, TwoTierCache } from '../src/cache/index.js'
import { dropPrefix } from '../test/cache/helpers/cache-app.js'

const BODY = JSON.stringify(Array.from({ length: 20 }, (_, i) => ({ id: i, name: `University ${i}`, country: 'Testland', city: 'Testville', ranking: i, isActive: true })))
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

async function opsPerSec (fn: () => Promise<unknown>, ms = 1_000): Promise<number> {
  let n = 0
  const start = performance.now()
  while (performance.now() - start < ms) {
    await Promise.all([fn(), fn(), fn(), fn(), fn(), fn(), fn(), fn(), fn(), fn()])
    n += 10
  }
  return Math.round(n / ((performance.now() - start) / 1000))
}

async function main (): Promise<void> {
  const url = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379/15'
  const redis = new Redis(url, { enableOfflineQueue: true, maxRetriesPerRequest: 1 })
  const rows: string[] = []
  const report = (engine: string, storage: string, hitOps: number, dedupe: string, race: string) =>
    rows.push(`| ${engine} | ${storage} | ${hitOps} | ${dedupe} | ${race} |`)

  for (const storage of ['memory', 'redis'] as const) {
    let loads = 0
    let value = 'old'
    const acd = createCache({
      ttl: 60,
      storage: storage === 'memory' ? { type: 'memory', options: { invalidation: true } } : { type: 'redis', options: { client: redis, invalidation: { referencesTTL: 60 } } }
    }).define('uni', { references: () => ['universities'] }, async (k: number) => { loads++; const v = value; await sleep(30); return { k, body: v } })
    await acd.uni(1)
    const hitOps = await opsPerSec(() => acd.uni(1))
    loads = 0
    await Promise.all(Array.from({ length: 100 }, () => acd.uni(2)))
    const dedupe = `${loads} load(s) for 100 concurrent misses`
    // Race: refill in flight, a write commits and invalidates, the refill then stores old data.
    value = 'old'
    const inflight = acd.uni(3)
    await sleep(5)
    value = 'new'
    await acd.invalidateAll(['universities'])
    await inflight
    const after = (await acd.uni(3)).body
    report('async-cache-dedupe 3.4', storage, hitOps, dedupe, after === 'new' ? 'ok' : `**stale "${after}" served after the invalidation**`)
  }

  for (const storage of ['memory', 'redis'] as const) {
    const prefix = `engines${Date.now().toString(36)}:`
    const store = storage === 'redis' ? new RedisStore(redis, { prefix, timeoutMs: 200, versionTtlMs: 60_000 }) : undefined
    const cache = new TwoTierCache({ maxMemoryBytes: 64 << 20, staleTtlMs: 0, compression: true, compressionThreshold: 1024, store })
    let loads = 0
    let value = 'old'
    const fetch = (k: number) => cache.fetch({ key: `uni:${k}`, ttlMs: 60_000, load: async () => { loads++; const v = value; await sleep(30); return { body: JSON.stringify({ k, body: v, BODY }), tags: ['universities'] } } })
    await fetch(1)
    const hitOps = await opsPerSec(() => fetch(1).then((r) => JSON.parse(r.body)))
    loads = 0
    await Promise.all(Array.from({ length: 100 }, () => fetch(2)))
    const dedupe = `${loads} load(s) for 100 concurrent misses`
    const inflight = fetch(3)
    await sleep(5)
    value = 'new'
    await cache.invalidate(['universities'])
    await inflight
    const after = JSON.parse((await fetch(3)).body).body as string
    report('ours (TwoTierCache)', storage === 'redis' ? 'L1 + Redis' : 'L1 only', hitOps, dedupe, after === 'new' ? 'ok (refill not stored)' : `stale "${after}"`)
    if (store) await dropPrefix(url, prefix)
  }
  console.log('| engine | storage | hits/s (10 concurrent) | stampede | invalidation during a refill |')
  console.log('|---|---|---:|---|---|')
  for (const r of rows) console.log(r)
  redis.disconnect()
}

main().then(() => process.exit(0), (err: unknown) => { console.error(err); process.exit(1) })
