/**
 * The cache a library client builds for itself from `createDatabaseConfig()`'s cache settings
 * (REDIS_URL, CACHE_*), so `db.cached` caches and `db.invalidateCache` / `warmCache` /
 * `getCacheStats` exist without `createQueryCache(db)` (the seed document's examples). Same keys as
 * the gateway's (prefix + the database's namespace), so a library process and the servers share
 * Redis entries and invalidations. Writers that use neither (psql, another service) reach it only
 * through the database's change notifications (CACHE_DB_NOTIFY).
 */
import type { OptimizedDatabaseClient } from '../client/optimized-database-client.js'
import type { CacheConfig } from '../client/types.js'
import { DbChangeListener } from './pg-notify.js'
import { createQueryCache, type QueryCache } from './query-cache.js'
import { CONNECT_TIMEOUT_MS, createRedisConnections } from './redis-connections.js'

export interface ClientCache { cache: QueryCache; close: () => Promise<void> }

interface Log { warn: (obj: object, msg: string) => void; info: (obj: object, msg: string) => void; error: (obj: object, msg: string) => void }

/** The database's cache namespace (sql/005); '' for a database without the table. */
export async function cacheNamespace (db: Pick<OptimizedDatabaseClient, 'query'>, log?: Pick<Log, 'warn'>): Promise<string> {
  try {
    const { rows } = await db.query<{ id: string }>('SELECT id FROM gateway_cache_namespace LIMIT 1')
    return rows[0]?.id ?? ''
  } catch {
    log?.warn({}, 'cache: no gateway_cache_namespace table (run the migrations); Redis keys are not bound to this database')
    return ''
  }
}

export async function attachClientCache (db: OptimizedDatabaseClient, cfg: CacheConfig, primaryUrl: string, log: Log): Promise<ClientCache> {
  const conns = createRedisConnections({ url: cfg.redisUrl })
  let warned = false
  conns?.redis.on('error', (err: Error) => {
    if (!warned) log.warn({ err: err.message }, 'Redis unavailable; the cache serves from memory and the database')
    warned = true
  })
  conns?.redis.on('ready', () => { warned = false })
  conns?.subscriber.on('error', () => {})
  // Give a healthy Redis a moment to connect so the first reads use it (strict validation needs
  // it); never wait longer: a Redis that is down is retried in the background.
  if (conns !== undefined) {
    let timer: NodeJS.Timeout | undefined
    await Promise.race([conns.redis.connect().catch(() => {}), new Promise((resolve) => { timer = setTimeout(resolve, CONNECT_TIMEOUT_MS) })])
    clearTimeout(timer)
  }
  const namespace = await cacheNamespace(db, log)
  const cache = createQueryCache(db, {
    enabled: true,
    redis: conns?.redis,
    keyPrefix: namespace === '' ? cfg.keyPrefix : `${cfg.keyPrefix}${namespace}:`,
    redisTimeoutMs: cfg.redisTimeoutMs,
    ttlSeconds: cfg.ttlSeconds,
    staleTtlSeconds: cfg.staleTtlSeconds,
    maxMemory: cfg.maxMemory,
    compression: cfg.compression,
    readsMayLag: db.config.readUrls.length > 0,
    logger: log
  })
  const listener = cfg.dbNotify ? new DbChangeListener(primaryUrl, async (tags) => { await cache.engine.invalidate(tags) }, log) : undefined
  await listener?.start()
  return {
    cache,
    close: async () => {
      await listener?.stop()
      conns?.redis.disconnect()
      conns?.subscriber.disconnect()
    }
  }
}
