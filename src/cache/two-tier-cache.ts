/**
 * The cache engine behind the query cache and the response cache: L1 (in-process LRU bounded by
 * bytes) in front of L2 (Redis), string bodies, tags, freshness.
 *
 * Race safety (an invalidation is never undone by a slower read): a refill records the global
 * generation (and this process's local sequence) BEFORE it reads; an entry is valid only while
 * every tag's last invalidation is not newer than that. A read that started before a write thus
 * never serves its result as fresh, even if it stores it after the write. A refill whose data is
 * older than a tag's recorded invalidation LSN (a lagging replica) is not stored at all.
 *
 * Memory stays bounded: no per-tag key sets, only one version record per invalidated tag, which
 * expires after the longest entry lifetime.
 */
import { createHash, randomBytes } from 'node:crypto'
import { LRUCache } from 'lru-cache'
import { decodeEntry, encodeEntry, type CacheEntry, type Codec } from './codec.js'
import { digest } from './keys.js'
import { LocalVersions } from './local-versions.js'
import { lsnAtLeast } from './lsn.js'
import type { RedisStore } from './redis-store.js'
import { CacheCounters } from './stats.js'
import { SingleFlight } from './single-flight.js'

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
  logger?: { warn: (obj: object, msg: string) => void }
}

export interface Loaded { body: string; tags: readonly string[]; lsn?: string | undefined; extra?: Record<string, string>; value?: unknown }
export interface FillStart { gen: number; epoch: string; local: number }
export interface Found { entry: CacheEntry; tier: 'l1' | 'l2'; stale: boolean }
export interface Fetched { entry: CacheEntry; body: string; outcome: Outcome; value?: unknown }

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

export class TwoTierCache {
  readonly counters = new CacheCounters()
  readonly local = new LocalVersions()
  readonly instanceId = randomBytes(6).toString('hex')
  readonly l1: LRUCache<string, CacheEntry>
  private readonly flights: SingleFlight<Fetched>
  private pending = new Set<string>()
  private pendingOverflow = false

  constructor (readonly opts: TwoTierOptions) {
    this.l1 = new LRUCache<string, CacheEntry>({
      maxSize: Math.max(1024, opts.maxMemoryBytes),
      sizeCalculation: (e) => e.body.length * 2 + 200 + e.tags.length * 40,
      dispose: (_v, _k, reason) => { if (reason === 'evict') this.counters.evictions++ }
    })
    this.flights = new SingleFlight(this.counters)
  }

  get store (): RedisStore | undefined { return this.opts.store }

  /** Expiry with jitter so hot keys filled together do not expire together. */
  jitteredTtl (ttlMs: number): number {
    return Math.max(1, Math.round(ttlMs * (1 - (this.opts.jitter ?? 0.1) * Math.random())))
  }

  async fetch (req: FetchRequest): Promise<Fetched> {
    if (!req.force) {
      const found = await this.lookup(req.key, req.minLsn)
      if (found) {
        if (found.stale) {
          this.counters.staleRefreshes++
          void this.flights.run(req.key, () => this.refill(req)).promise.catch((err: unknown) =>
            this.opts.logger?.warn({ err: (err as Error).message, key: req.key }, 'stale-while-revalidate refresh failed'))
        }
        return { entry: found.entry, body: found.entry.body, outcome: found.stale ? 'STALE' : 'HIT' }
      }
      this.counters.misses++
    }
    // A read with a consistency token must not share a refill that may have started on staler data.
    if (req.minLsn !== undefined) return await this.refill(req)
    const flight = this.flights.run(req.key, () => this.refill(req))
    const r = await flight.promise
    if (!flight.joined) return r
    // The leader may have read before a write that completed before this read started: its result
    // answers a joiner only if still storable now. Otherwise join (or lead) a refill that began
    // after this read did.
    if (!await this.storable(r.entry, r.entry.lsn, Date.now())) {
      const again = this.flights.run(req.key, () => this.refill(req))
      const r2 = await again.promise
      return again.joined ? { entry: r2.entry, body: r2.body, outcome: r2.outcome } : r2
    }
    // Joiners get the body only: the leader's value object must not be shared between callers.
    return { entry: r.entry, body: r.body, outcome: r.outcome }
  }

  /** L1, then L2; an entry is returned only if still valid (tags, epoch, freshness, TTL + stale window). */
  async lookup (key: string, minLsn?: string): Promise<Found | undefined> {
    const now = Date.now()
    const e1 = this.l1.get(key)
    if (e1 && now <= e1.staleUntil && await this.valid(e1)) {
      // Too old for this read's consistency token, but still good for others: keep it.
      if (fresherThan(e1, minLsn)) return this.found(e1, 'l1', now)
    } else if (e1) {
      this.l1.delete(key)
    }
    this.counters.l1.misses++
    const store = this.store
    if (!store?.available) return undefined
    const localStart = this.local.now()
    const raw = await store.getEntry(digest(key))
    const decoded = raw ? decodeEntry(raw) : undefined
    if (decoded) {
      const e2: CacheEntry = { ...decoded.entry, local: localStart }
      // `local` is only the lookup's start here: the entry is valid only if Redis confirms it.
      if (usable(e2, now, minLsn) && await this.valid(e2, true)) {
        this.l1.set(key, e2)
        return this.found(e2, 'l2', now)
      }
    }
    this.counters.l2.misses++
    return undefined
  }

  /** What a refill records before it reads. */
  async begin (): Promise<FillStart> {
    const local = this.local.now()
    const s = this.store?.available ? await this.store.start() : undefined
    return s ? { ...s, local } : { gen: -1, epoch: '', local }
  }

  /** Stores a refill unless an invalidation overtook it; returns the entry (also when not stored). */
  async commit (key: string, start: FillStart, loaded: Loaded, ttlMs: number): Promise<CacheEntry> {
    const now = Date.now()
    const ttl = this.jitteredTtl(ttlMs)
    const tags = [...new Set(loaded.tags)]
    const entry: CacheEntry = {
      body: loaded.body, tags, gen: start.gen, epoch: start.epoch, local: start.local, created: now,
      freshUntil: now + ttl, staleUntil: now + ttl + this.opts.staleTtlMs, etag: etagOf(loaded.body)
    }
    if (loaded.lsn !== undefined) entry.lsn = loaded.lsn
    if (loaded.extra) entry.extra = loaded.extra
    if (!await this.storable(entry, loaded.lsn, now)) {
      this.counters.rejectedStores++
      return entry
    }
    this.l1.set(key, entry)
    const store = this.store
    if (store && start.gen >= 0 && store.available) {
      const buf = encodeEntry(entry, { compress: this.opts.compression, threshold: this.opts.compressionThreshold, ...(this.opts.codec ? { codec: this.opts.codec } : {}) })
      this.counters.rawBytes += Buffer.byteLength(entry.body)
      this.counters.storedBytes += buf.length
      await store.setEntry(digest(key), buf, ttl + this.opts.staleTtlMs)
    }
    return entry
  }

  /** Makes every entry depending on `tags` invalid here at once, then in Redis and on every instance. */
  async invalidate (tags: readonly string[], lsn?: string): Promise<void> {
    if (tags.length === 0) return
    this.local.bump(tags)
    this.counters.invalidations++
    const store = this.store
    if (!store) return
    const gen = store.available ? await store.invalidate(tags, lsn, this.instanceId) : undefined
    if (gen === undefined) this.remember(tags)
  }

  /** A pub/sub message from an instance ("<gen>|<origin>|<tags>"). */
  onRemoteInvalidation (message: string): void {
    const a = message.indexOf('|')
    const b = message.indexOf('|', a + 1)
    if (a < 0 || b < 0) return
    const origin = message.slice(a + 1, b)
    const tags = message.slice(b + 1)
    if (origin === this.instanceId || tags === '') return
    this.local.bump(tags.split('\u0001'))
  }

  /**
   * Run by the store before its breaker closes again: invalidations made while Redis was away are
   * applied first, so no instance validates an entry against a Redis that missed them.
   */
  async recover (): Promise<void> {
    const store = this.store
    if (!store) return
    // Taken before each await and put back on failure: invalidations made while the replay runs
    // (the breaker is not closed yet) are replayed by the next round, never dropped.
    while (this.pendingOverflow || this.pending.size > 0) {
      const overflow = this.pendingOverflow
      const tags = [...this.pending]
      this.pending.clear()
      this.pendingOverflow = false
      try {
        if (overflow) await store.rotateEpoch(true)
        else await store.invalidate(tags, undefined, this.instanceId, true)
      } catch (err) {
        if (overflow) this.pendingOverflow = true
        else this.remember(tags)
        throw err
      }
    }
  }

  clearLocal (): void {
    this.local.bumpAll()
    this.l1.clear()
  }

  private async refill (req: FetchRequest): Promise<Fetched> {
    const start = await this.begin()
    const store = this.store
    const d = digest(req.key)
    let token: string | undefined
    if (store && start.gen >= 0) {
      token = randomBytes(8).toString('hex')
      const leaseMs = this.opts.leaseMs ?? 2_000
      const got = await store.lock(d, token, leaseMs)
      if (got === false) {
        token = undefined
        const peer = await this.waitForPeer(req, leaseMs)
        if (peer) return { entry: peer.entry, body: peer.entry.body, outcome: 'HIT' }
      }
    }
    try {
      const loaded = await req.load()
      const entry = await this.commit(req.key, start, loaded, req.ttlMs)
      return { entry, body: loaded.body, outcome: 'MISS', value: loaded.value }
    } finally {
      if (token !== undefined) void store?.unlock(d, token)
    }
  }

  /** Another instance holds the refill lease: poll L2 for its result until the lease is gone. */
  private async waitForPeer (req: FetchRequest, leaseMs: number): Promise<Found | undefined> {
    this.counters.leaseWaits++
    const deadline = Date.now() + leaseMs
    const store = this.store!
    while (Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 10))
      const found = await this.lookup(req.key, req.minLsn)
      if (found && !found.stale) return found
      if (!store.available || await store.lockHeld(digest(req.key)) !== true) return undefined
    }
    return undefined
  }

  private async storable (entry: CacheEntry, lsn: string | undefined, now: number): Promise<boolean> {
    if (!this.local.validSince(entry.tags, entry.local)) return false
    const store = this.store
    if (!store || entry.gen < 0 || !store.available) return true
    const v = await store.versions(entry.tags)
    if (v === undefined) return true
    if (v.epoch !== entry.epoch) return false
    for (const rec of v.records) {
      if (rec === null) continue
      if (rec.gen > entry.gen) return false
      if (rec.lsn !== undefined && lsn !== undefined) {
        if (!lsnAtLeast(lsn, rec.lsn)) return false
      } else if (this.opts.readsMayLag && now - rec.at < (this.opts.lagWindowMs ?? 5_000)) {
        return false
      }
    }
    return true
  }

  /**
   * Tags and epoch against Redis when it is up; against this process's own view when it is not
   * (unless `remote`: an entry just read from Redis has no local history to check).
   */
  private async valid (e: CacheEntry, remote = false): Promise<boolean> {
    if (!this.local.validSince(e.tags, e.local)) return false
    const store = this.store
    if (!store?.available) return !remote
    if (e.gen < 0) return false
    const v = await store.versions(e.tags)
    if (v === undefined) return !remote
    if (v.epoch !== e.epoch) return false
    return v.records.every((r) => r === null || r.gen <= e.gen)
  }

  private found (entry: CacheEntry, tier: 'l1' | 'l2', now: number): Found {
    const stale = now > entry.freshUntil
    if (stale) this.counters[tier].stale++
    else this.counters[tier].hits++
    return { entry, tier, stale }
  }

  private remember (tags: readonly string[]): void {
    for (const t of tags) this.pending.add(t)
    if (this.pending.size > 10_000) {
      this.pending.clear()
      this.pendingOverflow = true
    }
  }
}

function fresherThan (e: CacheEntry, minLsn: string | undefined): boolean {
  return minLsn === undefined || lsnAtLeast(e.lsn, minLsn)
}

function usable (e: CacheEntry, now: number, minLsn: string | undefined): boolean {
  return now <= e.staleUntil && fresherThan(e, minLsn)
}
