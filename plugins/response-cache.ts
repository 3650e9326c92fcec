/**
 * HTTP response cache (SPEC §4, §6) for routes that declare `config: { cache: { ttl?, tags? } }`:
 * the domain GET routes and GraphQL queries. One hook pair applies every route's policy
 * (STYLE §5). Headers: `X-Cache: HIT|MISS|STALE|BYPASS`, `Age`, `ETag`; `If-None-Match` → 304.
 *
 * A response is stored under the tags of the cached reads that built it (collected through the
 * request context) plus the route's own tags, and with the generation taken before the handler
 * ran, so a write during the handler makes it invalid (two-tier-cache.ts). It shares the engine,
 * L1 budget and Redis of the query cache. Stale responses are served once and re-rendered in the
 * background (one re-render per key per process).
 */
import fp from 'fastify-plugin'
import { randomBytes } from 'node:crypto'
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { currentContext, runWithContext, type RequestContext } from '../src/context/request-context.js'
import { etagOf, startTrace, traceOf, type FillStart, type WarmResult } from '../src/cache/index.js'
import { HotKeys } from '../src/cache/hot-keys.js'
import { requiredLsn } from '../src/cache/lsn.js'
import { replayableSize, responseKey, type ReplayableRequest } from '../src/cache/response-key.js'

export interface RouteCachePolicy {
  /** Seconds; CACHE_TTL when absent. */
  ttl?: number
  /** Tags besides those of the reads the handler makes (e.g. for raw-SQL reads). */
  tags?: string[]
}

declare module 'fastify' {
  interface FastifyContextConfig { cache?: RouteCachePolicy }
}

interface State { key: string; ctx: RequestContext; policy: RouteCachePolicy; outcome: 'MISS' | 'BYPASS'; start?: FillStart }

export interface ResponseCounters { hits: number; stale: number; misses: number; bypass: number; notModified: number; stored: number }

declare module 'fastify' {
  interface FastifyInstance { responseCacheStats: () => ResponseCounters }
}

const kState = Symbol('response-cache')
type WithState = FastifyRequest & { [kState]?: State }

/** The URLs warmed at start and on schedule, besides the hottest ones. */
export const DECLARED_WARM_URLS = ['/universities', '/users']
const REFRESH_HEADER = 'x-gateway-cache-refresh'

function matches (ifNoneMatch: string | undefined, etag: string): boolean {
  if (!ifNoneMatch) return false
  if (ifNoneMatch.trim() === '*') return true
  return ifNoneMatch.split(',').some((t) => t.trim().replace(/^W\//, '') === etag)
}

async function responseCachePlugin (app: FastifyInstance) {
  const engine = app.cache.engine
  const counters: ResponseCounters = { hits: 0, stale: 0, misses: 0, bypass: 0, notModified: 0, stored: 0 }
  const refreshToken = randomBytes(12).toString('hex')
  const refreshing = new Set<string>()
  const hot = new HotKeys<ReplayableRequest>(500, replayableSize)
  const defaultTtl = app.config.CACHE_TTL
  app.decorate('responseCacheStats', () => ({ ...counters }))

  const replay = async (r: ReplayableRequest): Promise<void> => {
    await app.inject({ method: r.method, url: r.url, headers: { [REFRESH_HEADER]: refreshToken, 'content-type': 'application/json' }, ...(r.body !== undefined ? { payload: r.body } : {}) })
  }

  app.decorate('warmResponses', async (): Promise<WarmResult[]> => {
    const out: WarmResult[] = []
    const todo: Array<{ spec: ReplayableRequest; source: 'declared' | 'hot' }> = [
      ...DECLARED_WARM_URLS.map((url) => ({ spec: { method: 'GET' as const, url }, source: 'declared' as const })),
      ...hot.takeTop(20).map((h) => ({ spec: h.spec, source: 'hot' as const }))]
    const seen = new Set<string>()
    for (const { spec, source } of todo) {
      const key = `${spec.method} ${spec.url}${spec.body ?? ''}`
      if (seen.has(key)) continue
      seen.add(key)
      const started = Date.now()
      try {
        await replay(spec)
        out.push({ key, ok: true, ms: Date.now() - started, source })
      } catch (err) {
        out.push({ key, ok: false, ms: Date.now() - started, source, error: (err as Error).message })
      }
    }
    return out
  })

  const serve = (reply: FastifyReply, request: FastifyRequest, found: { entry: { body: string; etag: string; created: number; extra?: Record<string, string> }; stale: boolean }) => {
    const { entry } = found
    reply.header('x-cache', found.stale ? 'STALE' : 'HIT')
      .header('age', String(Math.max(0, Math.floor((Date.now() - entry.created) / 1000))))
      .header('etag', entry.etag)
    if (matches(request.headers['if-none-match'], entry.etag)) {
      counters.notModified++
      return reply.code(304).send()
    }
    return reply.code(200).type(entry.extra?.type ?? 'application/json; charset=utf-8').send(entry.body)
  }

  app.addHook('preHandler', async (request: WithState, reply) => {
    const policy = request.routeOptions.config.cache
    if (!policy || !app.cache.enabled) return
    const replayable = responseKey(request)
    if (!replayable) return
    const ctx = currentContext() ?? {}
    const forced = request.headers[REFRESH_HEADER] === refreshToken
    const state: State = { key: replayable.key, ctx, policy, outcome: 'MISS' }
    request[kState] = state
    if (ctx.strong === true || ctx.cacheBypass === true || /no-cache|no-store/.test(request.headers['cache-control'] ?? '')) {
      state.outcome = 'BYPASS'
      counters.bypass++
      return
    }
    if (!forced) {
      hot.touch(replayable.key, () => replayable.request)
      const found = await engine.lookup(state.key, requiredLsn(ctx))
      if (found) {
        request[kState] = undefined
        if (found.stale) {
          counters.stale++
          if (!refreshing.has(state.key)) {
            refreshing.add(state.key)
            replay(replayable.request).catch((err: Error) => request.log.warn({ err: err.message }, 'response cache: background refresh failed'))
              .finally(() => refreshing.delete(state.key))
          }
        } else {
          counters.hits++
        }
        return serve(reply, request, found)
      }
    }
    counters.misses++
    state.start = await engine.begin()
    startTrace(ctx)
  })

  // Callback style on purpose: `done` runs the handler inside the context, so its cached reads
  // report their tags to this request's trace.
  app.addHook('preHandler', (request: WithState, _reply, done) => {
    const state = request[kState]
    if (!state) return done()
    runWithContext(state.ctx, done)
  })

  app.addHook('onSend', async (request: WithState, reply, payload) => {
    const state = request[kState]
    if (!state) return payload
    reply.header('x-cache', state.outcome)
    if (reply.statusCode !== 200 || typeof payload !== 'string') return payload
    const trace = traceOf(state.ctx)
    let etag = etagOf(payload)
    const tags = [...(state.policy.tags ?? []), ...(trace?.tags ?? [])]
    // No tags = nothing could ever invalidate it (the handler read around db.cached): not stored.
    if (state.outcome === 'MISS' && state.start && trace && !trace.bypassed && tags.length > 0 && !payload.startsWith('{"errors"') && !payload.includes('"errors":[')) {
      const ttl = (state.policy.ttl ?? defaultTtl) * 1000
      const entry = await engine.commit(state.key, state.start, {
        body: payload,
        tags,
        lsn: trace.reads > 0 ? trace.lsn : undefined,
        extra: { type: String(reply.getHeader('content-type') ?? 'application/json; charset=utf-8') }
      }, ttl)
      etag = entry.etag
      counters.stored++
    }
    reply.header('etag', etag)
    if (matches(request.headers['if-none-match'], etag)) {
      counters.notModified++
      reply.code(304)
      return ''
    }
    return payload
  })
}

export default fp(responseCachePlugin, { name: 'gateway-response-cache', dependencies: ['gateway-config', 'gateway-cache'], fastify: '5.x' })
