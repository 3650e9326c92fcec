/** The stats snapshot of `getCacheStats()` / `GET /admin/cache/stats`. */
import type { TwoTierCache } from './two-tier-cache.js'

export interface CacheStats {
  enabled: boolean
  hitRate: number
  hits: number
  misses: number
  stale: number
  bypass: number
  l1: { hits: number; misses: number; stale: number; entries: number; bytes: number; maxBytes: number; evictions: number }
  l2: {
    configured: boolean
    available: boolean
    breaker: string
    breakerOpens: number
    hits: number
    misses: number
    stale: number
    latencyMs: { avg: number; max: number; last: number }
    commands: number
    errors: number
    timeouts: number
    compression: { rawBytes: number; storedBytes: number; ratio: number }
  }
  invalidations: number
  rejectedStores: number
  singleFlightJoins: number
  leaseWaits: number
  staleRefreshes: number
  notAdmitted: number
}

const round = (n: number): number => Math.round(n * 1000) / 1000

export function cacheStats (engine: TwoTierCache, enabled: boolean): CacheStats {
  const c = engine.counters
  const store = engine.store
  const lat = store?.latency
  return {
    enabled,
    hitRate: round(c.hitRate()),
    hits: c.l1.hits + c.l2.hits,
    misses: c.misses,
    stale: c.l1.stale + c.l2.stale,
    bypass: c.bypass,
    l1: { ...c.l1, entries: engine.l1.size, bytes: engine.l1.calculatedSize, maxBytes: engine.l1.maxSize, evictions: c.evictions },
    l2: {
      configured: store !== undefined,
      available: store?.breaker.closed ?? false,
      breaker: store?.breaker.state ?? 'none',
      breakerOpens: store?.breaker.opens ?? 0,
      ...c.l2,
      latencyMs: { avg: lat && lat.count > 0 ? round(lat.totalMs / lat.count) : 0, max: round(lat?.maxMs ?? 0), last: round(lat?.lastMs ?? 0) },
      commands: lat?.count ?? 0,
      errors: lat?.errors ?? 0,
      timeouts: lat?.timeouts ?? 0,
      compression: { rawBytes: c.rawBytes, storedBytes: c.storedBytes, ratio: c.rawBytes === 0 ? 1 : round(c.storedBytes / c.rawBytes) }
    },
    invalidations: c.invalidations,
    rejectedStores: c.rejectedStores,
    singleFlightJoins: c.singleFlightJoins,
    leaseWaits: c.leaseWaits,
    staleRefreshes: c.staleRefreshes,
    notAdmitted: c.notAdmitted
  }
}
