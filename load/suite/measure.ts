/**
 * One measured run: a scenario against one target. Around the autocannon run it takes deltas of
 * the gateway's cache counters (GET /admin/cache/stats), of the SQL statements the target ran
 * (counted in the server process), the gateway's own Redis command count (a script is one) and,
 * for the baselines, Redis' INFO commandstats (server-wide: other clients of
 * the same Redis show up in it too).
 */
import autocannon from 'autocannon'
import type { Redis } from 'ioredis'
import { modelNames } from '../../src/index.js'
import type { Scenario, ScenarioContext } from './scenarios.js'
import type { Servers } from './servers.js'
import { ADMIN_TOKEN, isGateway, type TargetName } from './targets.js'

export interface RunResult {
  scenario: string
  target: TargetName
  round: number
  seconds: number
  connections: number
  requests: number
  rps: number
  p50: number
  p95: number
  p99: number
  errors: number
  timeouts: number
  non2xx: number
  statusCodes: Record<string, number>
  /** Share of cacheable responses served from the response cache (hits + stale); null without a cache. */
  hitRate: number | null
  /** The same for the query cache tier (reads the response cache did not answer). */
  queryHitRate: number | null
  sqlPerRequest: number | null
  redisPerRequest: number | null
}

export interface RunOptions {
  duration: number
  connections: number
  /** Seconds of unmeasured load first (JIT, pools, cache fill); 0 for none. */
  warmup: number
  round: number
  /** Upper bound on connections, also for scenarios that set their own (the smoke test's small cluster). */
  maxConnections?: number
}

interface CacheSnapshot { hits: number; misses: number; qHits: number; qMisses: number; redisCommands: number }

async function cacheSnapshot (url: string): Promise<CacheSnapshot | null> {
  const res = await fetch(`${url}/admin/cache/stats`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } })
  if (!res.ok) throw new Error(`GET /admin/cache/stats answered ${res.status}`)
  const body = await res.json() as { query?: { enabled?: boolean; hits?: number; misses?: number; stale?: number; l2?: { commands?: number } }; responses?: { hits?: number; stale?: number; misses?: number; bypass?: number } }
  if (body.query?.enabled === false) return null
  const r = body.responses ?? {}
  const q = body.query ?? {}
  return {
    hits: (r.hits ?? 0) + (r.stale ?? 0),
    misses: (r.misses ?? 0) + (r.bypass ?? 0),
    qHits: (q.hits ?? 0) + (q.stale ?? 0),
    qMisses: q.misses ?? 0,
    // Commands the gateway sent (a script counts once: one round trip), not Redis' inner calls.
    redisCommands: q.l2?.commands ?? 0
  }
}

/** Total calls in INFO commandstats, without INFO itself (which this module sends). */
export async function redisCalls (redis: Redis): Promise<number> {
  const info = await redis.info('commandstats')
  let total = 0
  for (const m of info.matchAll(/^cmdstat_([^:]+):calls=(\d+)/gm)) if (m[1] !== 'info') total += Number(m[2])
  return total
}

async function invalidate (url: string, tags: readonly string[]): Promise<void> {
  const res = await fetch(`${url}/admin/cache/invalidate`, {
    method: 'POST', headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' }, body: JSON.stringify({ tags })
  })
  if (!res.ok) throw new Error(`POST /admin/cache/invalidate answered ${res.status}`)
}

async function load (url: string, requests: autocannon.Request[], seconds: number, connections: number): Promise<{ result: autocannon.Result; latencies: Float64Array; count: number }> {
  let latencies = new Float64Array(1 << 16)
  let count = 0
  const result = await new Promise<autocannon.Result>((resolve, reject) => {
    // autocannon checks for the end once per sample interval: short runs need a short one.
    const sampleInt = seconds < 2 ? 100 : 1000
    const instance = autocannon({ url, connections, duration: seconds, pipelining: 1, requests, sampleInt }, (err, r) => err ? reject(err) : resolve(r))
    // Every response's latency (autocannon's own histogram has no p95).
    instance.on('response', (_client: unknown, _status: number, _bytes: number, ms: number) => {
      if (count === latencies.length) {
        const grown = new Float64Array(latencies.length * 2)
        grown.set(latencies)
        latencies = grown
      }
      latencies[count++] = ms
    })
  })
  return { result, latencies: latencies.subarray(0, count).sort(), count }
}

const pct = (sorted: Float64Array, p: number): number =>
  sorted.length === 0 ? 0 : Math.round((sorted[Math.min(sorted.length - 1, Math.ceil(sorted.length * p) - 1)] ?? 0) * 100) / 100
const ratio = (part: number, whole: number): number | null => whole <= 0 ? null : Math.round((part / whole) * 1000) / 1000

/** The counter once it stopped moving (two equal reads 100 ms apart, at most 2 s). */
async function settled (read: () => Promise<number | undefined>): Promise<number | undefined> {
  let last = await read()
  for (let i = 0; i < 20; i++) {
    await new Promise((resolve) => setTimeout(resolve, 100))
    const now = await read()
    if (now === last) return now
    last = now
  }
  return last
}

export async function runScenario (s: Scenario, target: TargetName, servers: Servers, redis: Redis | undefined, ctx: ScenarioContext, opts: RunOptions): Promise<RunResult> {
  const url = servers.urls[target]
  if (url === undefined) throw new Error(`target ${target} is not running`)
  const connections = Math.min(s.connections ?? opts.connections, opts.maxConnections ?? Infinity)
  const gw = isGateway(target)
  const cached = gw && target !== 'gateway-off'
  // Every cached run starts from an empty cache filled by its own warm-up only, whatever ran
  // before it on the same gateway; a cold-cache scenario drops the warm-up's entries too.
  if (cached) await invalidate(url, modelNames)
  if (opts.warmup > 0) await load(url, s.requests({ ...ctx, seed: ctx.seed + 1_000_003 }), opts.warmup, connections)
  if (s.coldCache === true && cached) await invalidate(url, modelNames)

  const cache0 = gw ? await cacheSnapshot(url) : null
  const sql0 = (await servers.sqlCounts())[target]
  const redis0 = redis ? await redisCalls(redis) : undefined
  const { result, latencies, count } = await load(url, s.requests(ctx), opts.duration, connections)
  // Requests cut off when the run stopped still run on the server: let them finish, and divide
  // by the requests sent rather than those answered.
  const sql1 = await settled(async () => (await servers.sqlCounts())[target])
  const redis1 = redis ? await redisCalls(redis) : undefined
  const sent = Math.max(count, result.requests.sent ?? count)
  const cache1 = gw ? await cacheSnapshot(url) : null

  const statusCodes: Record<string, number> = {}
  for (const [code, v] of Object.entries(result.statusCodeStats ?? {})) statusCodes[code] = v.count ?? 0
  const hitRate = cache0 && cache1 ? ratio(cache1.hits - cache0.hits, cache1.hits - cache0.hits + cache1.misses - cache0.misses) : null
  const queryHitRate = cache0 && cache1 ? ratio(cache1.qHits - cache0.qHits, cache1.qHits - cache0.qHits + cache1.qMisses - cache0.qMisses) : null
  const perRequest = (a: number | undefined, b: number | undefined): number | null =>
    a === undefined || b === undefined || sent === 0 ? null : Math.round(((b - a) / sent) * 100) / 100
  return {
    scenario: s.name,
    target,
    round: opts.round,
    seconds: result.duration,
    connections,
    requests: count,
    rps: Math.round(count / result.duration),
    p50: pct(latencies, 0.5),
    p95: pct(latencies, 0.95),
    p99: pct(latencies, 0.99),
    errors: result.errors,
    timeouts: result.timeouts,
    non2xx: result.non2xx,
    statusCodes,
    hitRate,
    queryHitRate,
    sqlPerRequest: perRequest(sql0, sql1),
    redisPerRequest: cache0 && cache1 ? perRequest(cache0.redisCommands, cache1.redisCommands) : perRequest(redis0, redis1)
  }
}

export function progressLine (r: RunResult): string {
  const f = (v: number | null, suffix = ''): string => v === null ? '—' : `${v}${suffix}`
  return `[round ${r.round}] ${r.scenario.padEnd(19)} ${r.target.padEnd(13)} ${String(r.rps).padStart(6)} req/s  p50 ${r.p50} p95 ${r.p95} p99 ${r.p99} ms  ` +
    `err ${r.errors} timeouts ${r.timeouts} non2xx ${r.non2xx}  hit ${f(r.hitRate === null ? null : Math.round(r.hitRate * 100), '%')}  sql/req ${f(r.sqlPerRequest)}  redis/req ${f(r.redisPerRequest)}`
}
