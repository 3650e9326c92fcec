/**
 * The query cache behind `db.cached.<model>` (SPEC §9): `createQueryCache(db, options)` installs
 * itself as the client's cache layer and commit hook, and offers `invalidateCache(tags)`,
 * `warmCache()` and `getCacheStats()` (also attached to the client).
 *
 * Per call: `db.cached.users.findMany({ where, ttl: 60, tags: ['vip'] })` — `ttl` in seconds,
 * `tags` added to the automatic ones (keys.ts). Both are stripped before the query compiler sees
 * the arguments.
 */
import { WRITE_OPERATIONS, type OperationHandler, type OperationName } from '../client/delegates.js'
import type { OptimizedDatabaseClient } from '../client/optimized-database-client.js'
import type { CommitEvent } from '../client/types.js'
import { currentContext, runWithContext, type RequestContext } from '../context/request-context.js'
import type { ModelName } from '../models/registry.js'
import { HotKeys } from './hot-keys.js'
import { readTags, stableStringify, withAllRows, writeTags } from './keys.js'
import { requiredLsn } from './lsn.js'
import { recordRead, traceOf } from './read-trace.js'
import { RedisStore, type RedisConnection } from './redis-store.js'
import { reviveResult } from './revive.js'
import { parseSize } from './size.js'
import { cacheStats, type CacheStats } from './stats-report.js'
import { TwoTierCache, type Validation } from './two-tier-cache.js'

export type ReadOperation = 'findMany' | 'findUnique' | 'findFirst' | 'count'
export interface WarmQuery { model: ModelName; op: ReadOperation; args?: Record<string, unknown> }
export interface WarmResult { key: string; ok: boolean; ms: number; source: 'declared' | 'hot'; error?: string }

export interface QueryCacheOptions {
  enabled?: boolean
  /** L2; without it the cache is L1-only. */
  redis?: RedisConnection | undefined
  keyPrefix?: string
  redisTimeoutMs?: number
  ttlSeconds?: number
  staleTtlSeconds?: number
  maxMemory?: string | number
  compression?: boolean
  compressionThreshold?: number
  /** Reads may be served by lagging replicas (see TwoTierOptions.readsMayLag). */
  readsMayLag?: boolean
  lagWindowMs?: number
  /** How L1 hits are confirmed (TwoTierOptions.validation); `strict` by default. */
  validation?: Validation
  /** Store a key on its first miss (`always`) or its second (TwoTierOptions.admission). */
  admission?: 'always' | 'second-hit'
  /** Queries to warm at start and on schedule, besides the hottest keys. */
  warm?: WarmQuery[]
  hotKeysToWarm?: number
  logger?: { warn: (obj: object, msg: string) => void; info?: (obj: object, msg: string) => void }
}

/** Entries never live longer than this, whatever `ttl` a call asks for (bounds the version records). */
export const MAX_TTL_SECONDS = 86_400

declare module '../client/optimized-database-client.js' {
  interface OptimizedDatabaseClient {
    /** Present once a query cache is installed (createQueryCache). */
    invalidateCache?: (tags: string[]) => Promise<{ invalidated: string[] }>
    warmCache?: () => Promise<WarmResult[]>
    getCacheStats?: () => CacheStats
  }
}

export class QueryCache {
  readonly engine: TwoTierCache
  readonly store: RedisStore | undefined
  readonly enabled: boolean
  private inner: OperationHandler | undefined
  private readonly hot = new HotKeys<WarmQuery>()
  private readonly defaultTtlMs: number

  constructor (readonly db: OptimizedDatabaseClient, private readonly opts: QueryCacheOptions = {}) {
    this.enabled = opts.enabled ?? true
    this.defaultTtlMs = (opts.ttlSeconds ?? 300) * 1000
    const staleTtlMs = (opts.staleTtlSeconds ?? 60) * 1000
    this.store = opts.redis
      ? new RedisStore(opts.redis, {
        prefix: opts.keyPrefix ?? 'sr:',
        timeoutMs: opts.redisTimeoutMs ?? 100,
        versionTtlMs: (Math.max(MAX_TTL_SECONDS, opts.ttlSeconds ?? 300) + (opts.staleTtlSeconds ?? 60) + 60) * 1000,
        onRecover: () => this.engine.recover()
      })
      : undefined
    this.engine = new TwoTierCache({
      maxMemoryBytes: parseSize(opts.maxMemory ?? '64mb'),
      staleTtlMs,
      compression: opts.compression ?? true,
      compressionThreshold: opts.compressionThreshold ?? 1024,
      store: this.store,
      readsMayLag: opts.readsMayLag ?? false,
      lagWindowMs: opts.lagWindowMs ?? 5_000,
      validation: opts.validation ?? 'strict',
      admission: opts.admission ?? 'always',
      ...(opts.logger ? { logger: opts.logger } : {})
    })
    db.useCacheLayer((inner) => {
      this.inner = inner
      return (model, op, args) => this.handle(model, op, args)
    })
    db.addCommitHook((event) => this.onCommit(event))
    db.invalidateCache = (tags) => this.invalidateCache(tags)
    db.warmCache = () => this.warmCache()
    db.getCacheStats = () => this.getCacheStats()
  }

  /** A model name invalidates everything read from the model, its lookups by key included. */
  async invalidateCache (tags: string[]): Promise<{ invalidated: string[] }> {
    const unique = [...new Set(tags)]
    await this.engine.invalidate(withAllRows(unique))
    return { invalidated: unique }
  }

  /** Refreshes the declared queries and the hottest recent ones; reports each. */
  async warmCache (): Promise<WarmResult[]> {
    const declared = (this.opts.warm ?? []).map((spec) => ({ spec, source: 'declared' as const }))
    const hot = this.hot.takeTop(this.opts.hotKeysToWarm ?? 20).map((h) => ({ spec: h.spec, source: 'hot' as const }))
    const seen = new Set<string>()
    const out: WarmResult[] = []
    for (const { spec, source } of [...declared, ...hot]) {
      const { ttl, tags, ...rest } = (spec.args ?? {}) as { ttl?: number; tags?: string[] }
      const key = this.keyOf(spec.model, spec.op, rest, tags)
      if (seen.has(key)) continue
      seen.add(key)
      const started = Date.now()
      try {
        await this.read(spec.model, spec.op, rest, ttl, tags, currentContext(), true)
        out.push({ key, ok: true, ms: Date.now() - started, source })
      } catch (err) {
        out.push({ key, ok: false, ms: Date.now() - started, source, error: (err as Error).message })
      }
    }
    return out
  }

  getCacheStats (): CacheStats {
    return cacheStats(this.engine, this.enabled)
  }

  private async handle (model: ModelName, op: OperationName, args: unknown): Promise<unknown> {
    const inner = this.inner!
    if (WRITE_OPERATIONS.has(op)) return await inner(model, op, args)
    const { ttl, tags, ...rest } = (args ?? {}) as { ttl?: number; tags?: string[] } & Record<string, unknown>
    const ctx = currentContext()
    if (!this.enabled || ctx?.strong === true || ctx?.cacheBypass === true) {
      this.engine.counters.bypass++
      const trace = traceOf(ctx)
      if (trace) trace.bypassed = true
      return await inner(model, op, rest)
    }
    const trace = traceOf(ctx)
    // Inside a response being built for the response cache, that tier stores the result: reading
    // through this tier too would store the same rows twice and cost a second set of round trips.
    if (trace?.direct === true) return await this.direct(model, op, rest, tags, ctx!)
    return await this.read(model, op as ReadOperation, rest, ttl, tags, ctx, false)
  }

  /** A database read that reports its tags and freshness to the response being built. */
  private async direct (model: ModelName, op: OperationName, args: Record<string, unknown>, tags: string[] | undefined, ctx: RequestContext): Promise<unknown> {
    const r = await this.observedRead(model, op, args, tags, ctx)
    if (r.lsn !== undefined) ctx.observedLsn = r.lsn
    recordRead(ctx, r.tags, r.lsn)
    return r.value
  }

  /**
   * One database read in a child context, so the read path's observedLsn is this read's own
   * (concurrent reads of one request each keep theirs); with the read's tags.
   */
  private async observedRead (model: ModelName, op: OperationName, args: Record<string, unknown>, tags: string[] | undefined, ctx: RequestContext | undefined): Promise<{ value: unknown; tags: string[]; lsn: string | undefined }> {
    const child: RequestContext = { ...ctx, observedLsn: undefined }
    const value = await runWithContext(child, () => this.inner!(model, op, args))
    return { value, tags: [...readTags(model, op, args, value), ...(tags ?? [])], lsn: child.observedLsn }
  }

  /**
   * The custom tags are part of the key: an entry stored under one caller's tags must not answer
   * a caller that invalidates the same query through other tags.
   */
  private keyOf (model: ModelName, op: string, args: Record<string, unknown>, tags: readonly string[] | undefined): string {
    const key = `q:${model}:${op}:${stableStringify(args)}`
    return tags && tags.length > 0 ? `${key}:${stableStringify([...new Set(tags)].sort())}` : key
  }

  private async read (model: ModelName, op: ReadOperation, args: Record<string, unknown>, ttl: number | undefined,
    tags: string[] | undefined, ctx: RequestContext | undefined, force: boolean): Promise<unknown> {
    const key = this.keyOf(model, op, args, tags)
    if (!force) this.hot.touch(key, () => ({ model, op, args: { ...args, ...(ttl !== undefined ? { ttl } : {}), ...(tags ? { tags } : {}) } }))
    const ttlMs = ttl === undefined ? this.defaultTtlMs : Math.min(Math.max(ttl, 1), MAX_TTL_SECONDS) * 1000
    const r = await this.engine.fetch({
      key,
      ttlMs,
      minLsn: requiredLsn(ctx),
      force,
      load: async () => {
        const r = await this.observedRead(model, op, args, tags, ctx)
        return { ...r, body: JSON.stringify(r.value) }
      }
    })
    if (ctx && r.entry.lsn !== undefined) ctx.observedLsn = r.entry.lsn
    recordRead(ctx, r.entry.tags, r.entry.lsn)
    return r.value !== undefined ? r.value : reviveResult(model, r.body)
  }

  private async onCommit (event: CommitEvent): Promise<void> {
    await this.engine.invalidate(writeTags(event.writes), event.lsn)
  }
}

export function createQueryCache (db: OptimizedDatabaseClient, opts: QueryCacheOptions = {}): QueryCache {
  return new QueryCache(db, opts)
}
