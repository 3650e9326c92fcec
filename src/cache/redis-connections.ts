/**
 * The two Redis connections of a cache (commands, and a subscriber for invalidation messages), to
 * one server or a Redis Cluster, unconnected. A Redis that is down never fails start-up or a read:
 * connections are lazy and retried in the background, commands fail fast instead of queueing.
 * Used by the app (plugins/redis.ts) and by a library client's own cache.
 */
import { Cluster, Redis, type ClusterNode, type RedisOptions } from 'ioredis'
import type { RedisConnection } from './redis-store.js'

export const CONNECT_TIMEOUT_MS = 1_000
const retry = (attempt: number): number => Math.min(100 * attempt, 1_000)

const commandOptions: RedisOptions = {
  lazyConnect: true,
  enableOfflineQueue: false,
  maxRetriesPerRequest: 0,
  connectTimeout: CONNECT_TIMEOUT_MS,
  retryStrategy: retry,
  // Concurrent cache lookups in one tick share one write to the socket.
  enableAutoPipelining: true
}

export function clusterNodes (spec: string): ClusterNode[] {
  return spec.split(',').map((hp) => {
    const i = hp.lastIndexOf(':')
    return { host: hp.slice(0, i), port: Number(hp.slice(i + 1)) }
  })
}

export function createRedisConnections (opts: { url?: string | undefined; clusterNodes?: string | undefined }): { redis: RedisConnection; subscriber: RedisConnection } | undefined {
  if (opts.clusterNodes) {
    const redis = new Cluster(clusterNodes(opts.clusterNodes), {
      lazyConnect: true,
      enableOfflineQueue: false,
      enableAutoPipelining: true,
      clusterRetryStrategy: retry,
      slotsRefreshTimeout: CONNECT_TIMEOUT_MS,
      redisOptions: { connectTimeout: CONNECT_TIMEOUT_MS, maxRetriesPerRequest: 0 }
    })
    const subscriber = new Cluster(clusterNodes(opts.clusterNodes), {
      lazyConnect: true,
      clusterRetryStrategy: retry,
      redisOptions: { connectTimeout: CONNECT_TIMEOUT_MS }
    })
    return { redis, subscriber }
  }
  if (!opts.url) return undefined
  const redis = new Redis(opts.url, commandOptions)
  const subscriber = new Redis(opts.url, { lazyConnect: true, connectTimeout: CONNECT_TIMEOUT_MS, retryStrategy: retry, maxRetriesPerRequest: null })
  return { redis, subscriber }
}

