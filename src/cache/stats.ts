/** Counters of the cache, per tier, as `getCacheStats()` and `GET /admin/cache/stats` report them. */
export interface TierCounters { hits: number; misses: number; stale: number }

export class CacheCounters {
  l1: TierCounters = { hits: 0, misses: 0, stale: 0 }
  l2: TierCounters = { hits: 0, misses: 0, stale: 0 }
  /** Lookups answered by neither tier (went to the database). */
  misses = 0
  bypass = 0
  evictions = 0
  invalidations = 0
  /** Refills not stored because an invalidation overtook them (race-safety at work). */
  rejectedStores = 0
  /** Callers that joined a refill already running in this process. */
  singleFlightJoins = 0
  /** Refills that waited for another instance holding the refill lease. */
  leaseWaits = 0
  staleRefreshes = 0
  /** Misses not stored because the key had not missed before (CACHE_ADMISSION=second-hit). */
  notAdmitted = 0
  rawBytes = 0
  storedBytes = 0

  hitRate (): number {
    const hits = this.l1.hits + this.l2.hits + this.l1.stale + this.l2.stale
    const total = hits + this.misses
    return total === 0 ? 0 : hits / total
  }
}
