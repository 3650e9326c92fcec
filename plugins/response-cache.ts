/**
 * Wires the response tier (src/cache/response-tier.ts) into the request lifecycle for routes that
 * declare `config: { cache: { ttl?, tags? } }`: one hook pair applies every route's policy
 * (STYLE §5). Headers: `X-Cache: HIT|MISS|STALE|BYPASS`, `Age`, `ETag`; `If-None-Match` → 304.
 */
import fp from 'fastify-plugin'
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { currentContext, runWithContext } from '../src/context/request-context.js'
import { ResponseTier, type Pending, type ResponseCounters, type RouteCachePolicy } from '../src/cache/response-tier.js'

declare module 'fastify' {
  interface FastifyContextConfig { cache?: RouteCachePolicy }
  interface FastifyInstance { responseCacheStats: () => ResponseCounters }
}

const kPending = Symbol('response-cache')
type WithPending = FastifyRequest & { [kPending]?: Pending }

async function responseCachePlugin (app: FastifyInstance) {
  const tier = new ResponseTier(app.cache.engine, {
    defaultTtlSeconds: app.config.CACHE_TTL,
    replay: async (r, headers) => {
      await app.inject({ method: r.method, url: r.url, headers: { ...headers, 'content-type': 'application/json', ...(r.accept === undefined ? {} : { accept: r.accept }) }, ...(r.body !== undefined ? { payload: r.body } : {}) })
    },
    warn: (obj, msg) => app.log.warn(obj, msg)
  })
  app.decorate('responseCacheStats', () => ({ ...tier.counters }))
  app.decorate('warmResponses', () => tier.warm())

  const lookup = async (request: WithPending, reply: FastifyReply): Promise<unknown> => {
    const policy = request.routeOptions.config.cache
    if (!policy || !app.cache.enabled) return
    const r = await tier.start(request, currentContext() ?? {}, policy)
    if (r === undefined) return
    if ('status' in r) {
      reply.header('x-cache', r.outcome).header('age', String(r.age)).header('etag', r.etag)
      return r.status === 304 ? reply.code(304).send() : reply.code(200).type(r.type).send(r.body)
    }
    request[kPending] = r
  }
  // A GET is keyed by its URL: answered right after the consistency context is read, before
  // validation and the rest of the lifecycle (only 200s are stored, so only valid URLs hit).
  // A GraphQL POST needs its parsed body: answered before the handler.
  app.addHook('onRequest', async (request: WithPending, reply) => {
    if (request.method === 'GET') return await lookup(request, reply)
  })
  app.addHook('preHandler', async (request: WithPending, reply) => {
    if (request.method !== 'GET') return await lookup(request, reply)
  })

  // Callback style on purpose: `done` runs the handler inside the context, so its cached reads
  // report their tags to this request's trace.
  app.addHook('preHandler', (request: WithPending, _reply, done) => {
    const p = request[kPending]
    if (!p) return done()
    runWithContext(p.ctx, done)
  })

  app.addHook('onSend', async (request: WithPending, reply, payload) => {
    const p = request[kPending]
    if (!p) return payload
    request[kPending] = undefined
    reply.header('x-cache', p.outcome)
    if (typeof payload !== 'string') {
      tier.abandon(p)
      return payload
    }
    const type = reply.getHeader('content-type')
    const r = await tier.finish(p, reply.statusCode, payload, type === undefined ? undefined : String(type), request.headers['if-none-match'])
    if (reply.statusCode !== 200) return payload
    reply.header('etag', r.etag)
    if (!r.notModified) return payload
    reply.code(304)
    return ''
  })

  // A request that failed before onSend (or was aborted) must not leave joiners waiting.
  const abandon = async (request: WithPending): Promise<void> => {
    const p = request[kPending]
    if (p) tier.abandon(p)
  }
  app.addHook('onResponse', abandon)
  app.addHook('onRequestAbort', abandon)
}

export default fp(responseCachePlugin, { name: 'gateway-response-cache', dependencies: ['gateway-config', 'gateway-cache'], fastify: '5.x' })
