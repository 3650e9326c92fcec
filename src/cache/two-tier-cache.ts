/**
 * The cache engine behind the query cache and the response cache: L1 (in-process LRU bounded by
 * bytes) in front of L2 (Redis), string bodies, tags, freshness.
 *
 * Race safety (an invalidation is never undone by a slower read): a refill records the global
 * generation (and this process's local sequence) BEFORE it reads; an entry is valid only while
 * every tag's last invalidation is not newer than that. A read that started before a write thus
 * never serves its result as fresh, even if it stores it after the write. An entry whose data is
 * older than a tag's recorded invalidation LSN (a lagging replica) is never served.
 *
 * Memory stays bounded: no per-tag key sets, only one version record per invalidated tag, which
 * expires after the longest entry lifetime.
 */
import { randomBytes } from 'node:crypto'
import { LRUCache } from 'lru-cache'
import { decodeEntry, encodeEntry, type CacheEntry } from './codec.js'
import { etagOf, fresherThan, noop, recordsAllow, unknownStart, usable, type FetchRequest, type Fetched, type Fill, type FillStart, type Found, type Loaded, type Opened, type TwoTierOptions } from './engine-types.js'
import { Invalidations } from './invalidations.js'
import { Doorkeeper } from './doorkeeper.js'
import { redisKeyOf } from './keys.js'
import { LocalVersions } from './local-versions.js'
import type { RedisStore } from './redis-store.js'
import { CacheCounters } from './stats.js'

export { etagOf, type FetchRequest, type Fetched, type Fill, type FillStart, type Found, type Loaded, type Opened, type Outcome, type TwoTierOptions, type Validation } from './engine-types.js'

export class TwoTierCache {
  readonly counters = new CacheCounters()
  readonly local = new LocalVersions()
  readonly instanceId = randomBytes(6).toString('hex')
  readonly l1: LRUCache<string, CacheEntry>
  /** Refills in flight in this process: key → the entry they store (undefined: none). */
  private readonly fills = new Map<string, Promise<CacheEntry | undefined>>()
  private readonly refreshing = new Set<string>()
  private readonly doorkeeper: Doorkeeper | undefined
  /** Whether the invalidation channel is connected (pub/sub validation mode). */
  subscribed: () => boolean = () => false
  private readonly invalidations: Invalidations

  constructor (readonly opts: TwoTierOptions) {
    this.doorkeeper = opts.admission === 'second-hit' ? new Doorkeeper() : undefined
    this.invalidations = new Invalidations(this.local, this.counters, this.instanceId, () => this.store)
    this.l1 = new LRUCache<string, CacheEntry>({
      maxSize: Math.max(1024, opts.maxMemoryBytes),
      sizeCalculation: (e) => e.body.length * 2 + 200 + e.tags.length * 40,
      dispose: (_v, _k, reason) => { if (reason === 'evict') this.counters.evictions++ }
    })
  }

  get store (): RedisStore | undefined { return this.opts.store }

  private leaseSeq = 0
  /** Unique per lease: this instance's id and a counter (no random bytes per miss). */
  private leaseToken (): string {
    return `${this.instanceId}.${(++this.leaseSeq).toString(36)}`
  }

  /** Expiry with jitter so hot keys filled together do not expire together. */
  jitteredTtl (ttlMs: number): number {
    return Math.max(1, Math.round(ttlMs * (1 - (this.opts.jitter ?? 0.1) * Math.random())))
  }

  /**
   * The read-through: one lookup (L1; then, in one Redis round trip, the L2 entry, the generation
   * and the refill lease), the load on a miss, one round trip to store. Stale hits are answered at
   * once and refreshed in the background.
   */
  async fetch (req: FetchRequest): Promise<Fetched> {
    const opened = await this.open(req.key, req.minLsn, req.force === true)
    if (opened.found) {
      const { entry, stale } = opened.found
      if (stale) this.refreshInBackground(req)
      return { entry, body: entry.body, outcome: stale ? 'STALE' : 'HIT' }
    }
    return await this.loadInto(opened.fill, req)
  }

  /**
   * Starts a read of `key`: either an entry that may answer it, or a Fill to complete with
   * `close()` once the value is loaded. Concurrent misses for one key in this process wait for the
   * first (single flight); across instances the refill lease makes the others wait for its result.
   */
  async open (key: string, minLsn?: string, force = false): Promise<Opened> {
    if (!force) {
      const hit = await this.fromL1(key, minLsn)
      if (hit) return { found: hit }
      // A read with a consistency token must not share a refill that may have started on staler
      // data. A joiner whose leader's result does not answer it joins the next refill (at most a
      // few times), so a burst of joiners does not turn into a burst of leaders.
      for (let tries = 0; minLsn === undefined && tries < 3; tries++) {
        const running = this.fills.get(key)
        if (!running) break
        this.counters.singleFlightJoins++
        const e = await running
        // The leader may have read before a write that completed before this read started: its
        // result answers a joiner only if still valid now.
        if (e && usable(e, Date.now(), undefined) && await this.valid(e)) {
          return { found: this.found(e, 'l1', Date.now()) }
        }
      }
    }
    return await this.lead(key, minLsn, force)
  }

  /** Stores what a Fill loaded (unless an invalidation overtook it) and wakes its joiners. */
  async close (fill: Fill, loaded: Loaded | undefined, ttlMs: number): Promise<CacheEntry | undefined> {
    if (fill.closed) return undefined
    fill.closed = true
    let entry: CacheEntry | undefined
    try {
      if (loaded !== undefined && fill.admitted === false) entry = { ...this.entryOf(fill.start, loaded, ttlMs, Date.now()), stored: false }
      else if (loaded !== undefined) entry = await this.commit(fill.key, fill.start, loaded, ttlMs, fill.token)
      else if (fill.token !== undefined) void this.store?.unlock(redisKeyOf(fill.key), fill.token)
    } finally {
      fill.settle(entry !== undefined && entry.stored !== false ? entry : undefined)
    }
    return entry
  }

  /** L1, then L2; an entry is returned only if still valid (tags, epoch, freshness, TTL + stale window). */
  async lookup (key: string, minLsn?: string): Promise<Found | undefined> {
    const hit = await this.fromL1(key, minLsn)
    if (hit) return hit
    const store = this.store
    if (!store?.available) return undefined
    const local = this.local.now()
    const found = await this.fromL2(key, await store.getEntry(redisKeyOf(key)), local, Date.now(), minLsn)
    if (!found) this.counters.l2.misses++
    return found
  }

  /** What a refill records before it reads. */
  async begin (): Promise<FillStart> {
    const local = this.local.now()
    const s = this.store?.available ? await this.store.start() : undefined
    return s ? { ...s, local } : unknownStart(local)
  }

  /**
   * Stores a refill unless this process knows an invalidation overtook it; returns the entry (also
   * when not stored: `stored: false`). Redis-side invalidations and lagging data are checked when
   * an entry is read (valid()), so the store costs one round trip, shared with the lease release.
   * In pub/sub validation mode L1 hits are not checked against Redis, so the check runs here.
   */
  async commit (key: string, start: FillStart, loaded: Loaded, ttlMs: number, leaseToken?: string): Promise<CacheEntry> {
    const now = Date.now()
    const ttl = this.jitteredTtl(ttlMs)
    const entry = this.entryOf(start, loaded, ttl, now)
    const tags = entry.tags
    const store = this.store
    const d = store ? redisKeyOf(key) : ''
    const unlock = (): void => { if (leaseToken !== undefined) void store?.unlock(d, leaseToken) }
    const storable = this.local.validSince(tags, start.local) &&
      (this.opts.validation !== 'pubsub' || await this.validRemote(entry))
    if (!storable) {
      this.counters.rejectedStores++
      unlock()
      entry.stored = false
      return entry
    }
    this.l1.set(key, entry)
    if (store && start.gen >= 0 && store.available) {
      const buf = encodeEntry(entry, { compress: this.opts.compression, threshold: this.opts.compressionThreshold, ...(this.opts.codec ? { codec: this.opts.codec } : {}) })
      this.counters.rawBytes += Buffer.byteLength(entry.body)
      this.counters.storedBytes += buf.length
      // One round trip: the entry, then the lease released (peers waiting on it find the entry).
      await store.store(d, buf, ttl + this.opts.staleTtlMs, leaseToken)
    } else {
      unlock()
    }
    return entry
  }

  /** The entry a refill makes. */
  private entryOf (start: FillStart, loaded: Loaded, ttl: number, now: number): CacheEntry {
    const tags = loaded.tags.length > 1 ? [...new Set(loaded.tags)] : [...loaded.tags]
    const entry: CacheEntry = {
      body: loaded.body, tags, gen: start.gen, epoch: start.epoch, local: start.local, created: now,
      freshUntil: now + ttl, staleUntil: now + ttl + this.opts.staleTtlMs, etag: loaded.etag ?? etagOf(loaded.body)
    }
    if (loaded.lsn !== undefined) entry.lsn = loaded.lsn
    if (loaded.extra) entry.extra = loaded.extra
    return entry
  }

  /** Makes every entry depending on `tags` invalid here at once, then in Redis and on every instance. */
  async invalidate (tags: readonly string[], lsn?: string): Promise<void> {
    await this.invalidations.invalidate(tags, lsn)
  }

  /** A pub/sub message from an instance ("<gen>|<origin>|<tags>"). */
  onRemoteInvalidation (message: string): void {
    this.invalidations.onRemote(message)
  }

  /** Run by the store before its breaker closes again (invalidations.ts). */
  async recover (): Promise<void> {
    await this.invalidations.recover()
  }

  clearLocal (): void {
    this.local.bumpAll()
    this.l1.clear()
  }

  /** The first miss of a key in this process: Redis (entry, generation, lease) in one round trip. */
  private async lead (key: string, minLsn: string | undefined, force: boolean): Promise<Opened> {
    let settle: (e: CacheEntry | undefined) => void = noop
    if (minLsn === undefined && !this.fills.has(key)) {
      let resolve!: (e: CacheEntry | undefined) => void
      const promise = new Promise<CacheEntry | undefined>((r) => { resolve = r })
      this.fills.set(key, promise)
      settle = (e) => {
        if (this.fills.get(key) === promise) this.fills.delete(key)
        resolve(e)
      }
    }
    try {
      const local = this.local.now()
      const store = this.store
      // Not admitted (first miss of the key): straight to the database, nothing stored.
      if (this.doorkeeper !== undefined && !force && !this.doorkeeper.admit(key)) {
        this.counters.notAdmitted++
        return { fill: { key, start: unknownStart(local), settle, closed: false, admitted: false } }
      }
      if (!store?.available) return { fill: { key, start: unknownStart(local), settle, closed: false } }
      const d = redisKeyOf(key)
      const leaseMs = this.opts.leaseMs ?? 2_000
      const token = this.leaseToken()
      const { raw, start: s, locked } = await store.open(d, token, leaseMs, force)
      if (!force) {
        const found = await this.fromL2(key, raw, local, Date.now(), minLsn)
        if (found) {
          settle(found.entry)
          return { found }
        }
        this.counters.l2.misses++
      }
      const start: FillStart = s ? { ...s, local } : unknownStart(local)
      if (locked === false) {
        const peer = await this.waitForPeer(key, minLsn, leaseMs)
        if (peer) {
          settle(peer.entry)
          return { found: peer }
        }
      }
      return { fill: { key, start, token: locked === true ? token : undefined, settle, closed: false } }
    } catch (err) {
      settle(undefined)
      throw err
    }
  }

  private async loadInto (fill: Fill, req: FetchRequest): Promise<Fetched> {
    this.counters.misses++
    let loaded: Loaded
    try {
      loaded = await req.load()
    } catch (err) {
      await this.close(fill, undefined, 0)
      throw err
    }
    const entry = await this.close(fill, loaded, req.ttlMs)
    return { entry: entry!, body: loaded.body, outcome: 'MISS', value: loaded.value }
  }

  /** Stale-while-revalidate: one background refresh per key per process. */
  private refreshInBackground (req: FetchRequest): void {
    if (this.refreshing.has(req.key)) return
    this.refreshing.add(req.key)
    this.counters.staleRefreshes++
    const run = async (): Promise<void> => {
      const opened = await this.open(req.key, undefined, true)
      if (opened.fill) await this.loadInto(opened.fill, req)
    }
    run().catch((err: unknown) => this.opts.logger?.warn({ err: (err as Error).message, key: req.key }, 'stale-while-revalidate refresh failed'))
      .finally(() => this.refreshing.delete(req.key))
  }

  /** The L1 entry, if still valid and fresh enough for `minLsn`; an invalid one is dropped. Counts an L1 miss otherwise. */
  private async fromL1 (key: string, minLsn: string | undefined): Promise<Found | undefined> {
    const now = Date.now()
    const e1 = this.l1.get(key)
    if (e1 && now <= e1.staleUntil && await this.valid(e1)) {
      // Too old for this read's consistency token, but still good for others: keep it.
      if (fresherThan(e1, minLsn)) return this.found(e1, 'l1', now)
    } else if (e1) {
      this.l1.delete(key)
    }
    this.counters.l1.misses++
    return undefined
  }

  /** An entry just read from Redis, if it may answer (confirmed against Redis); copied into L1. */
  private async fromL2 (key: string, raw: Buffer | null | undefined, local: number, now: number, minLsn: string | undefined): Promise<Found | undefined> {
    const decoded = raw ? decodeEntry(raw) : undefined
    if (!decoded) return undefined
    // `local` is only the lookup's start here: the entry is valid only if Redis confirms it.
    const e2: CacheEntry = { ...decoded.entry, local }
    if (!usable(e2, now, minLsn) || !await this.valid(e2, true)) return undefined
    this.l1.set(key, e2)
    return this.found(e2, 'l2', now)
  }

  /** Another instance holds the refill lease: poll L2 for its result until the lease is gone. */
  private async waitForPeer (key: string, minLsn: string | undefined, leaseMs: number): Promise<Found | undefined> {
    this.counters.leaseWaits++
    const deadline = Date.now() + leaseMs
    const store = this.store!
    while (Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 10))
      const found = await this.lookup(key, minLsn)
      if (found && !found.stale) return found
      if (!store.available || await store.lockHeld(redisKeyOf(key)) !== true) return undefined
    }
    return undefined
  }

  /**
   * Tags and epoch against Redis when it is up; against this process's own view when it is not
   * (unless `remote`: an entry just read from Redis has no local history to check). In pub/sub
   * mode an L1 entry is checked locally only while the invalidation channel is connected.
   */
  private async valid (e: CacheEntry, remote = false): Promise<boolean> {
    if (!this.local.validSince(e.tags, e.local)) return false
    const store = this.store
    if (!store?.available) return !remote
    if (e.gen < 0) return false
    if (!remote && this.opts.validation === 'pubsub' && this.subscribed()) return true
    return await this.validRemote(e, !remote)
  }

  /**
   * Redis' view: same epoch, no tag invalidated after the read began, and the data at least as
   * fresh as each earlier invalidation (a lagging replica must not answer after a write).
   */
  private async validRemote (e: CacheEntry, whenUnknown = true): Promise<boolean> {
    const v = await this.store!.versions(e.tags)
    if (v === undefined) return whenUnknown
    return recordsAllow(v, e, this.opts.readsMayLag === true ? (this.opts.lagWindowMs ?? 5_000) : undefined)
  }

  private found (entry: CacheEntry, tier: 'l1' | 'l2', now: number): Found {
    const stale = now > entry.freshUntil
    if (stale) this.counters[tier].stale++
    else this.counters[tier].hits++
    return { entry, tier, stale }
  }

}
