/** Types and small pure helpers of the cache engine (two-tier-cache.ts). */
import { createHash } from 'node:crypto'
import type { CacheEntry, Codec } from './codec.js'
import { lsnAtLeast } from './lsn.js'
import type { RedisStore } from './redis-store.js'
import type { VersionRead } from './version-batcher.js'

export type Outcome = 'HIT' | 'STALE' | 'MISS'

export interface TwoTierOptions {
  maxMemoryBytes: number
  staleTtlMs: number
  /** Fraction of the TTL taken off at random (0.1: expiry anywhere in [0.9·ttl, ttl]). */
  jitter?: number
  compression: boolean
  compressionThreshold: number
  codec?: Codec
  store?: RedisStore | undefined
  /** Reads may come from lagging replicas: refills of unknown freshness are refused this long after an invalidation. */
  readsMayLag?: boolean
  lagWindowMs?: number
  leaseMs?: number
  validation?: Validation
  /** `second-hit`: store a key only on its second miss within the recent window (doorkeeper.ts). */
  admission?: 'always' | 'second-hit'
  logger?: { warn: (obj: object, msg: string) => void }
}

export interface Loaded { body: string; tags: readonly string[]; lsn?: string | undefined; extra?: Record<string, string>; value?: unknown; etag?: string }
export interface FillStart { gen: number; epoch: string; local: number }
export interface Found { entry: CacheEntry; tier: 'l1' | 'l2'; stale: boolean }
export interface Fetched { entry: CacheEntry; body: string; outcome: Outcome; value?: unknown }
/** A miss this caller must load and then `close()`; `settle` wakes the readers that joined it. */
export interface Fill { key: string; start: FillStart; token?: string | undefined; settle: (e: CacheEntry | undefined) => void; closed: boolean; admitted?: false }
export type Opened = { found: Found; fill?: undefined } | { found?: undefined; fill: Fill }
/**
 * How an L1 hit is confirmed: `strict` asks Redis (the hits of one event-loop turn share one
 * MGET); `pubsub` trusts this process's view, kept current by the invalidation channel, while
 * that channel is connected (a write on another instance may then be seen up to one pub/sub
 * delivery late; consistency tokens still guarantee read-your-writes).
 */
export type Validation = 'strict' | 'pubsub'

export interface FetchRequest {
  key: string
  ttlMs: number
  /** Only entries at least this fresh may answer (a consistency token). */
  minLsn?: string | undefined
  load: () => Promise<Loaded>
  /** Skip the lookup (warming): always load and store. */
  force?: boolean
}

export const etagOf = (body: string): string => `"${createHash('sha1').update(body).digest('base64url').slice(0, 22)}"`


/** What a refill records when Redis cannot tell the generation: never stored in, nor validated by, Redis. */
export const unknownStart = (local: number): FillStart => ({ gen: -1, epoch: '', local })

export const noop = (): void => {}

export function fresherThan (e: CacheEntry, minLsn: string | undefined): boolean {
  return minLsn === undefined || lsnAtLeast(e.lsn, minLsn)
}

export function usable (e: CacheEntry, now: number, minLsn: string | undefined): boolean {
  return now <= e.staleUntil && fresherThan(e, minLsn)
}

/**
 * Redis' view of an entry: same epoch, no tag invalidated after its read began, and its data at
 * least as fresh as each earlier invalidation (a lagging replica must not answer after a write;
 * with `lagWindowMs`, an entry of unknown freshness made that soon after one does not either).
 */
export function recordsAllow (v: VersionRead, e: CacheEntry, lagWindowMs: number | undefined): boolean {
  if (v.epoch !== e.epoch) return false
  for (const rec of v.records) {
    if (rec === null) continue
    if (rec.gen > e.gen) return false
    if (rec.lsn !== undefined && e.lsn !== undefined) {
      if (!lsnAtLeast(e.lsn, rec.lsn)) return false
    } else if (lagWindowMs !== undefined && e.created - rec.at < lagWindowMs) {
      return false
    }
  }
  return true
}
