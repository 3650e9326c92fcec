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
import { commandConnection, connectBriefly, reportOutages } from './redis-connections.js'

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
  // The command connection only: strict validation needs no subscriber (the servers' pubsub mode does).
  const redis = cfg.redisUrl === undefined ? undefined : commandConnection(cfg.redisUrl)
  if (redis !== undefined) {
    reportOutages(redis, log)
    await connectBriefly([redis])
  }
  const namespace = await cacheNamespace(db, log)
  const cache = createQueryCache(db, {
    enabled: true,
    redis,
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
      redis?.disconnect()
    }
  }
}
