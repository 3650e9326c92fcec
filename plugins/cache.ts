/**
 * The query cache behind `app.db.cached` (src/cache), wired to the app: configuration, Redis (L2,
 * optional), pub/sub invalidations from the other instances, PostgreSQL change notifications
 * (CACHE_DB_NOTIFY) and warming (CACHE_ENABLE_WARMING: at start and every CACHE_WARM_INTERVAL).
 */
import fp from 'fastify-plugin'
import type { FastifyInstance } from 'fastify'
import { cacheNamespace, createQueryCache, type QueryCache, type WarmQuery, type WarmResult } from '../src/cache/index.js'
import { DbChangeListener } from '../src/cache/pg-notify.js'
import { splitUrls } from '../src/config/load.js'

export interface WarmReport { queries: WarmResult[]; responses: WarmResult[] }

declare module 'fastify' {
  interface FastifyInstance {
    cache: QueryCache
    /** Warms the query cache and (when registered) the response cache. */
    warmCaches: () => Promise<WarmReport>
    /** Set by the response-cache plugin. */
    warmResponses?: () => Promise<WarmResult[]>
  }
}

/** First pages of the busiest lists, exactly as src/domain/reads.ts asks for them (default limit 20). */
export const DECLARED_WARM_QUERIES: WarmQuery[] = [
  { model: 'universities', op: 'findMany', args: { where: {}, orderBy: { id: 'asc' }, take: 21 } },
  { model: 'users', op: 'findMany', args: { orderBy: { id: 'asc' }, take: 21 } }
]

async function cachePlugin (app: FastifyInstance) {
  const c = app.config
  const namespace = c.CACHE_ENABLED ? await cacheNamespace(app.db, app.log) : ''
  const cache = createQueryCache(app.db, {
    enabled: c.CACHE_ENABLED,
    redis: app.hasDecorator('redis') && c.CACHE_ENABLED ? app.redis : undefined,
    keyPrefix: namespace === '' ? c.CACHE_KEY_PREFIX : `${c.CACHE_KEY_PREFIX}${namespace}:`,
    redisTimeoutMs: c.CACHE_REDIS_TIMEOUT_MS,
    ttlSeconds: c.CACHE_TTL,
    staleTtlSeconds: c.CACHE_STALE_TTL,
    maxMemory: c.CACHE_MAX_MEMORY,
    compression: c.CACHE_ENABLE_COMPRESSION,
    compressionThreshold: c.CACHE_COMPRESSION_THRESHOLD,
    readsMayLag: splitUrls(c.DATABASE_READ_URLS).length > 0,
    lagWindowMs: c.REPLICA_MAX_LAG_MS,
    validation: c.CACHE_VALIDATION,
    admission: c.CACHE_ADMISSION,
    warm: DECLARED_WARM_QUERIES,
    logger: app.log
  })
  app.decorate('cache', cache)
  app.decorate('warmCaches', async (): Promise<WarmReport> => ({
    queries: await cache.warmCache(),
    responses: app.warmResponses ? await app.warmResponses() : []
  }))

  const store = cache.store
  if (store && app.hasDecorator('redisSubscriber')) {
    const sub = app.redisSubscriber
    sub.on('message', (channel: string, message: string) => {
      if (channel === store.channel) cache.engine.onRemoteInvalidation(message)
    })
    // pub/sub validation trusts L1 only while subscribed: messages sent while the subscriber was
    // away are lost, so after a reconnect everything held in L1 is dropped once.
    let live = false
    let missed = false
    const subscribe = (): void => {
      sub.subscribe(store.channel).then(() => {
        if (missed && c.CACHE_VALIDATION === 'pubsub') cache.engine.clearLocal()
        missed = false
        live = true
      }, (err: Error) => app.log.warn({ err: err.message }, 'cache invalidation channel: subscribe failed'))
    }
    sub.on('close', () => { live = false; missed = true })
    sub.on('ready', subscribe)
    cache.engine.subscribed = () => live
    // Resolves once subscribed; a Redis that is down now subscribes when it comes back ('ready').
    subscribe()
  }

  let listener: DbChangeListener | undefined
  if (c.CACHE_DB_NOTIFY && c.CACHE_ENABLED && c.DATABASE_URL) {
    // The notification's own tags (rows, or all rows when it has no ids), not invalidateCache's
    // model expansion: a one-row change must not drop every lookup by key of its table.
    listener = new DbChangeListener(c.DATABASE_URL, (tags) => cache.engine.invalidate(tags), app.log)
    app.addHook('onReady', async () => { await listener!.start() })
  }

  let timer: NodeJS.Timeout | undefined
  if (c.CACHE_ENABLE_WARMING && c.CACHE_ENABLED) {
    const warm = (): void => {
      app.warmCaches().then((r) => app.log.info({ queries: r.queries.length, responses: r.responses.length }, 'cache warmed'),
        (err: Error) => app.log.warn({ err: err.message }, 'cache warming failed'))
    }
    app.addHook('onReady', async () => {
      warm()
      if (c.CACHE_WARM_INTERVAL > 0) timer = setInterval(warm, c.CACHE_WARM_INTERVAL * 1000).unref()
    })
  }
  app.addHook('onClose', async () => {
    clearInterval(timer)
    await listener?.stop()
  })
}

export default fp(cachePlugin, { name: 'gateway-cache', dependencies: ['gateway-config', 'gateway-db'], fastify: '5.x' })
