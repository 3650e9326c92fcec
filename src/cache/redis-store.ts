/**
 * L2: the Redis side of the cache. Every operation is guarded by the circuit breaker and a short
 * timeout and never throws: `undefined` means "Redis is not available now", and the caller goes on
 * with L1 and the database.
 *
 * Keys: entries `<p>e:<digest>`, refill leases `<p>l:<digest>`; the invalidation state lives in one
 * hash slot (`{<p>m}`) so the invalidation script and the version MGET work on Redis Cluster:
 * - `{<p>m}:gen`   global generation, INCR'd by each invalidation;
 * - `{<p>m}:epoch` random id of this Redis dataset: a restarted or flushed Redis has a new one, which
 *   invalidates every entry made against the old one;
 * - `{<p>m}:v:<tag>` "<gen>|<lsn>|<ms>" of the tag's last invalidation, expiring after the longest
 *   entry lifetime (an entry older than that cannot exist), so memory stays bounded.
 */
import { randomBytes } from 'node:crypto'
import { performance } from 'node:perf_hooks'
import type { Cluster, Redis } from 'ioredis'
import { CircuitBreaker, type BreakerState } from './breaker.js'
import { VersionBatcher, type VersionRead } from './version-batcher.js'
import { withTimeout } from '../util/with-timeout.js'

export type RedisConnection = Redis | Cluster

export type { TagRecord } from './version-batcher.js'

const INVALIDATE = `
local gen = redis.call('INCR', KEYS[1])
local rec = gen .. '|' .. ARGV[2] .. '|' .. ARGV[3]
for i = 2, #KEYS do redis.call('SET', KEYS[i], rec, 'PX', ARGV[1]) end
redis.call('PUBLISH', ARGV[4], gen .. '|' .. ARGV[5])
return gen`

const UNLOCK = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0`

/**
 * A miss's first round trip as one command: the entry (unless skipped) and, when there is none,
 * the refill lease; then the generation and epoch a refill records. KEYS: entry, lease, gen,
 * epoch; ARGV: token, lease ms, '1' to read the entry. Single Redis only (the keys span slots).
 */
const OPEN = `
local v = false
if ARGV[3] == '1' then v = redis.call('GET', KEYS[1]) end
local got = 0
if not v and redis.call('SET', KEYS[2], ARGV[1], 'PX', ARGV[2], 'NX') then got = 1 end
return { v, redis.call('GET', KEYS[3]), redis.call('GET', KEYS[4]), got }`

/** The second: store the entry, then release the lease if still ours. KEYS: entry, lease; ARGV: value, ttl ms, token. */
const STORE = `
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
if ARGV[3] ~= '' and redis.call('GET', KEYS[2]) == ARGV[3] then redis.call('DEL', KEYS[2]) end
return 1`

/** What a miss learns in its first round trip. */
export interface Opening {
  /** The stored entry (undefined when none, or when not asked for). */
  raw: Buffer | undefined
  /** Generation and epoch for the refill; undefined when Redis did not answer. */
  start: { gen: number; epoch: string } | undefined
  /** true: this caller holds the refill lease; false: another does; undefined: unknown. */
  locked: boolean | undefined
}

type Scripted = RedisConnection & {
  gatewayOpenBuffer: (...args: Array<string | number>) => Promise<[Buffer | null, Buffer | null, Buffer | null, number]>
  gatewayStore: (...args: Array<string | number | Buffer>) => Promise<number>
  gatewayInvalidate: (...args: Array<string | number>) => Promise<number>
  gatewayUnlock: (key: string, token: string) => Promise<number>
}

class Timeout extends Error {}

export interface RedisStoreOptions {
  prefix: string
  timeoutMs: number
  /** Lifetime of tag version records: at least the longest entry lifetime. */
  versionTtlMs: number
  onStateChange?: (state: BreakerState) => void
  /** Runs when the breaker may close again; its success closes it. */
  onRecover?: () => Promise<void>
}

export class RedisStore {
  readonly breaker: CircuitBreaker
  readonly channel: string
  latency = { count: 0, totalMs: 0, maxMs: 0, lastMs: 0, errors: 0, timeouts: 0 }
  private readonly p: string
  private readonly meta: string
  private readonly batcher = new VersionBatcher((tags) => this.run(() => this.redis.mget(this.epochKey, ...tags.map((t) => this.versionKey(t)))))

  constructor (readonly redis: RedisConnection, private readonly opts: RedisStoreOptions) {
    this.p = opts.prefix
    this.meta = `{${opts.prefix}m}`
    this.channel = `${opts.prefix}invalidate`
    this.breaker = new CircuitBreaker({}, (s) => opts.onStateChange?.(s))
    redis.on('close', () => this.breaker.trip())
    // Errors are logged by the connection's owner (plugins/redis.ts); the listener only keeps an
    // unowned connection from crashing the process. Outages are handled through 'close' above.
    redis.on('error', () => {})
    // EVALSHA (ioredis falls back to EVAL once per connection when the server lacks the script).
    redis.defineCommand('gatewayInvalidate', { lua: INVALIDATE })
    redis.defineCommand('gatewayUnlock', { numberOfKeys: 1, lua: UNLOCK })
    if (!redis.isCluster) {
      redis.defineCommand('gatewayOpen', { numberOfKeys: 4, lua: OPEN })
      redis.defineCommand('gatewayStore', { numberOfKeys: 2, lua: STORE })
    }
  }

  /**
   * One round trip before a refill: the entry (unless `skipEntry`), the lease when there is no
   * entry, and the refill's generation. One script on a single Redis; on a cluster three commands
   * sent together (auto-pipelined).
   */
  async open (digest: string, token: string, leaseMs: number, skipEntry: boolean): Promise<Opening> {
    if (this.redis.isCluster) {
      const [raw, start, locked] = await Promise.all([
        skipEntry ? undefined : this.getEntry(digest),
        this.start(),
        this.lock(digest, token, leaseMs)
      ])
      if (raw && locked === true) void this.unlock(digest, token)
      return { raw: raw ?? undefined, start, locked: raw ? undefined : locked }
    }
    const r = await this.run(() => (this.redis as Scripted).gatewayOpenBuffer(this.entryKey(digest), this.leaseKey(digest), this.genKey, this.epochKey,
      token, leaseMs, skipEntry ? '0' : '1'))
    if (r === undefined) return { raw: undefined, start: undefined, locked: undefined }
    const [raw, gen, epoch, got] = r
    const known = epoch === null ? await this.ensureEpoch() : epoch.toString()
    return {
      raw: raw ?? undefined,
      start: known === undefined ? undefined : { gen: gen === null ? 0 : Number(gen.toString()), epoch: known },
      locked: raw ? undefined : got === 1
    }
  }

  /** Stores an entry and releases the refill lease `token` (when given) in one round trip. */
  async store (digest: string, value: Buffer, ttlMs: number, token: string | undefined): Promise<boolean> {
    const px = Math.max(1, Math.round(ttlMs))
    if (this.redis.isCluster) {
      const set = this.setEntry(digest, value, px)
      if (token !== undefined) void this.unlock(digest, token)
      return await set
    }
    return (await this.run(() => (this.redis as Scripted).gatewayStore(this.entryKey(digest), this.leaseKey(digest), value, px, token ?? ''))) === 1
  }

  entryKey (digest: string): string { return `${this.p}e:${digest}` }
  get genKey (): string { return `${this.meta}:gen` }
  get epochKey (): string { return `${this.meta}:epoch` }
  versionKey (tag: string): string { return `${this.meta}:v:${tag}` }
  leaseKey (digest: string): string { return `${this.p}l:${digest}` }

  get available (): boolean {
    if (this.breaker.probeDue()) void this.probe()
    return this.breaker.closed
  }

  async getEntry (digest: string): Promise<Buffer | null | undefined> {
    return this.run(() => this.redis.getBuffer(this.entryKey(digest)))
  }

  async setEntry (digest: string, value: Buffer, ttlMs: number): Promise<boolean> {
    return (await this.run(() => this.redis.set(this.entryKey(digest), value, 'PX', Math.max(1, Math.round(ttlMs))))) === 'OK'
  }

  /** The generation and epoch a read starting now records. */
  async start (): Promise<{ gen: number; epoch: string } | undefined> {
    const r = await this.run(() => this.redis.mget(this.genKey, this.epochKey))
    if (r === undefined) return undefined
    const epoch = r[1] ?? await this.ensureEpoch()
    if (epoch === undefined) return undefined
    return { gen: Number(r[0] ?? 0), epoch }
  }

  /** Current epoch and the invalidation record of each tag (null: none within the retention). */
  async versions (tags: readonly string[]): Promise<VersionRead | undefined> {
    return await this.batcher.read(tags)
  }

  /** Bumps the tags' versions and tells every instance; resolves to the new generation. */
  async invalidate (tags: readonly string[], lsn: string | undefined, origin: string, direct = false): Promise<number | undefined> {
    if (tags.length === 0) return 0
    const keys = [this.genKey, ...tags.map((t) => this.versionKey(t))]
    const payload = `${origin}|${tags.join('\u0001')}`
    const r = await this.run(() => (this.redis as Scripted).gatewayInvalidate(keys.length, ...keys,
      String(this.opts.versionTtlMs), lsn ?? '', String(Date.now()), this.channel, payload), direct)
    return r === undefined ? undefined : Number(r)
  }

  /** A new epoch: every entry everywhere becomes invalid (used when invalidations may have been lost). */
  async rotateEpoch (direct = false): Promise<boolean> {
    return (await this.run(() => this.redis.set(this.epochKey, randomBytes(8).toString('hex')), direct)) === 'OK'
  }

  async lock (digest: string, token: string, leaseMs: number): Promise<boolean | undefined> {
    const r = await this.run(() => this.redis.set(this.leaseKey(digest), token, 'PX', leaseMs, 'NX'))
    return r === undefined ? undefined : r === 'OK'
  }

  async lockHeld (digest: string): Promise<boolean | undefined> {
    const r = await this.run(() => this.redis.exists(this.leaseKey(digest)))
    return r === undefined ? undefined : r === 1
  }

  async unlock (digest: string, token: string): Promise<void> {
    await this.run(() => (this.redis as Scripted).gatewayUnlock(this.leaseKey(digest), token))
  }

  private async ensureEpoch (): Promise<string | undefined> {
    await this.run(() => this.redis.set(this.epochKey, randomBytes(8).toString('hex'), 'NX'))
    return (await this.run(() => this.redis.get(this.epochKey))) ?? undefined
  }

  private async probe (): Promise<void> {
    try {
      await this.timed(() => this.redis.ping())
      await this.opts.onRecover?.()
      this.breaker.success()
    } catch {
      this.breaker.failure()
    }
  }

  /**
   * One guarded command: skipped while the breaker is open, bounded by the timeout. `direct`
   * (recovery work inside the probe) bypasses the breaker and throws, failing the probe.
   */
  private async run<T> (fn: () => Promise<T>, direct = false): Promise<T | undefined> {
    if (direct) return await this.timed(fn)
    if (!this.available) return undefined
    try {
      const r = await this.timed(fn)
      this.breaker.commandSucceeded()
      return r
    } catch (err) {
      this.latency.errors++
      if (err instanceof Timeout) this.latency.timeouts++
      this.breaker.failure(err instanceof Timeout)
      return undefined
    }
  }

  private async timed<T> (fn: () => Promise<T>): Promise<T> {
    const started = performance.now()
    try {
      return await withTimeout(fn(), this.opts.timeoutMs, () => new Timeout())
    } finally {
      const ms = performance.now() - started
      this.latency.count++
      this.latency.totalMs += ms
      this.latency.lastMs = ms
      if (ms > this.latency.maxMs) this.latency.maxMs = ms
    }
  }
}

