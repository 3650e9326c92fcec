/**
 * The HTTP response tier (SPEC §4, §6): routes that declare `config: { cache }` are answered from
 * the engine by URL (GET) or by GraphQL query (POST). A miss opens a Fill before the handler runs
 * and closes it with the serialized body, so one miss costs one Redis round trip before the
 * handler and one after; the handler's own cached reads go straight to the database and report
 * their tags and freshness through the request's trace (query-cache.ts `direct`).
 *
 * A response is stored under the tags of the reads that built it plus the route's own tags, with
 * the generation taken before the handler ran, so a write during the handler makes it invalid
 * (two-tier-cache.ts). Stale responses are served once and re-rendered in the background (one
 * re-render per key per process). No Fastify here: plugins/response-cache.ts wires the hooks.
 */
import { randomBytes } from 'node:crypto'
import type { RequestContext } from '../context/request-context.js'
import { HotKeys } from './hot-keys.js'
import { requiredLsn } from './lsn.js'
import { startTrace, traceOf } from './read-trace.js'
import { replayableSize, responseKey, type ReplayableRequest } from './response-key.js'
import type { WarmResult } from './query-cache.js'
import { etagOf, type Fill, type TwoTierCache } from './two-tier-cache.js'

export interface RouteCachePolicy {
  /** Seconds; CACHE_TTL when absent. */
  ttl?: number
  /** Tags besides those of the reads the handler makes (e.g. for raw-SQL reads). */
  tags?: string[]
}

export interface ResponseCounters { hits: number; stale: number; misses: number; bypass: number; notModified: number; stored: number }

export interface RequestInfo {
  method: string
  url: string
  body?: unknown
  headers: Record<string, string | string[] | undefined>
}

/** A response to send from the cache. */
export interface Served { status: 200 | 304; body: string; etag: string; age: number; type: string; outcome: 'HIT' | 'STALE' }

/** A miss (or bypass) the handler answers; `finish` stores its body. */
export interface Pending { key: string; ctx: RequestContext; policy: RouteCachePolicy; outcome: 'MISS' | 'BYPASS'; fill?: Fill }

export interface Finished { etag: string; notModified: boolean }

/** The URLs warmed at start and on schedule, besides the hottest ones. */
export const DECLARED_WARM_URLS = ['/universities', '/users']
export const REFRESH_HEADER = 'x-gateway-cache-refresh'
const DEFAULT_TYPE = 'application/json; charset=utf-8'

export function etagMatches (ifNoneMatch: string | string[] | undefined, etag: string): boolean {
  if (typeof ifNoneMatch !== 'string' || ifNoneMatch === '') return false
  if (ifNoneMatch.trim() === '*') return true
  return ifNoneMatch.split(',').some((t) => t.trim().replace(/^W\//, '') === etag)
}

export class ResponseTier {
  readonly counters: ResponseCounters = { hits: 0, stale: 0, misses: 0, bypass: 0, notModified: 0, stored: 0 }
  private readonly refreshToken = randomBytes(12).toString('hex')
  private readonly refreshing = new Set<string>()
  private readonly hot = new HotKeys<ReplayableRequest>(500, replayableSize)

  constructor (readonly engine: TwoTierCache, private readonly opts: {
    defaultTtlSeconds: number
    /** Re-runs a request through the app (background refresh, warming). */
    replay: (r: ReplayableRequest, headers: Record<string, string>) => Promise<void>
    warn: (obj: object, msg: string) => void
  }) {}

  /** Before the handler: a cached response to send, a pending miss to finish, or undefined (not cacheable). */
  async start (req: RequestInfo, ctx: RequestContext, policy: RouteCachePolicy): Promise<Served | Pending | undefined> {
    const replayable = responseKey(req)
    if (!replayable) return undefined
    const key = replayable.key
    const cacheControl = req.headers['cache-control']
    if (ctx.strong === true || ctx.cacheBypass === true || (typeof cacheControl === 'string' && /no-cache|no-store/.test(cacheControl))) {
      this.counters.bypass++
      return { key, ctx, policy, outcome: 'BYPASS' }
    }
    const forced = req.headers[REFRESH_HEADER] === this.refreshToken
    if (!forced) this.hot.touch(key, () => replayable.request)
    const opened = await this.engine.open(key, requiredLsn(ctx), forced)
    if (opened.found) {
      const { entry, stale } = opened.found
      if (stale) {
        this.counters.stale++
        this.refresh(key, replayable.request)
      } else {
        this.counters.hits++
      }
      const notModified = etagMatches(req.headers['if-none-match'], entry.etag)
      if (notModified) this.counters.notModified++
      return {
        status: notModified ? 304 : 200,
        body: entry.body,
        etag: entry.etag,
        age: Math.max(0, Math.floor((Date.now() - entry.created) / 1000)),
        type: entry.extra?.type ?? DEFAULT_TYPE,
        outcome: stale ? 'STALE' : 'HIT'
      }
    }
    this.counters.misses++
    this.engine.counters.misses++
    startTrace(ctx, true)
    return { key, ctx, policy, outcome: 'MISS', fill: opened.fill }
  }

  /** After the handler: stores a 200 body built only from cached reads; tells whether to answer 304. */
  async finish (p: Pending, status: number, payload: string, type: string | undefined, ifNoneMatch: string | string[] | undefined): Promise<Finished> {
    const trace = traceOf(p.ctx)
    const tags = [...(p.policy.tags ?? []), ...(trace?.tags ?? [])]
    const etag = etagOf(payload)
    const fill = p.fill
    // No tags = nothing could ever invalidate it (the handler read around db.cached): not stored.
    const storable = status === 200 && trace !== undefined && !trace.bypassed && tags.length > 0 &&
      !payload.startsWith('{"errors"') && !payload.includes('"errors":[')
    if (fill) {
      if (storable) {
        const entry = await this.engine.close(fill, {
          body: payload, tags, etag, lsn: trace.reads > 0 ? trace.lsn : undefined, extra: { type: type ?? DEFAULT_TYPE }
        }, (p.policy.ttl ?? this.opts.defaultTtlSeconds) * 1000)
        if (entry?.stored !== false) this.counters.stored++
      } else {
        await this.engine.close(fill, undefined, 0)
      }
    }
    const notModified = status === 200 && etagMatches(ifNoneMatch, etag)
    if (notModified) this.counters.notModified++
    return { etag, notModified }
  }

  /** The request ended without `finish` (error, abort): joiners must not wait for it. */
  abandon (p: Pending): void {
    if (p.fill && !p.fill.closed) void this.engine.close(p.fill, undefined, 0)
  }

  async warm (): Promise<WarmResult[]> {
    const out: WarmResult[] = []
    const todo: Array<{ spec: ReplayableRequest; source: 'declared' | 'hot' }> = [
      ...DECLARED_WARM_URLS.map((url) => ({ spec: { method: 'GET' as const, url }, source: 'declared' as const })),
      ...this.hot.takeTop(20).map((h) => ({ spec: h.spec, source: 'hot' as const }))]
    const seen = new Set<string>()
    for (const { spec, source } of todo) {
      const key = `${spec.method} ${spec.url}${spec.body ?? ''}`
      if (seen.has(key)) continue
      seen.add(key)
      const started = Date.now()
      try {
        await this.opts.replay(spec, { [REFRESH_HEADER]: this.refreshToken })
        out.push({ key, ok: true, ms: Date.now() - started, source })
      } catch (err) {
        out.push({ key, ok: false, ms: Date.now() - started, source, error: (err as Error).message })
      }
    }
    return out
  }

  private refresh (key: string, request: ReplayableRequest): void {
    if (this.refreshing.has(key)) return
    this.refreshing.add(key)
    this.opts.replay(request, { [REFRESH_HEADER]: this.refreshToken })
      .catch((err: Error) => this.opts.warn({ err: err.message }, 'response cache: background refresh failed'))
      .finally(() => this.refreshing.delete(key))
  }
}
