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

/** The command connection alone (a library client's cache validates against Redis; it subscribes to nothing). */
export function commandConnection (url: string): RedisConnection {
  return new Redis(url, commandOptions)
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
  const redis = commandConnection(opts.url)
  const subscriber = new Redis(opts.url, { lazyConnect: true, connectTimeout: CONNECT_TIMEOUT_MS, retryStrategy: retry, maxRetriesPerRequest: null })
  return { redis, subscriber }
}

interface OutageLog { warn: (obj: object, msg: string) => void; info: (obj: object, msg: string) => void }

/** One warning per outage of the command connection (not one per reconnect attempt), one line when it is back. */
export function reportOutages (redis: RedisConnection, log: OutageLog): void {
  let warned = false
  redis.on('error', (err: Error) => {
    if (!warned) log.warn({ err: err.message }, 'Redis unavailable; the cache serves from L1 and the database')
    warned = true
  })
  redis.on('ready', () => {
    if (warned) log.info({}, 'Redis is back')
    warned = false
  })
}

/** Gives a healthy Redis a moment to connect so the first reads use it; never waits longer (a Redis that is down is retried in the background). */
export async function connectBriefly (connections: RedisConnection[]): Promise<void> {
  let timer: NodeJS.Timeout | undefined
  await Promise.race([
    Promise.allSettled(connections.map(async (c) => { await c.connect() })),
    new Promise((resolve) => { timer = setTimeout(resolve, CONNECT_TIMEOUT_MS) })
  ])
  clearTimeout(timer)
}
