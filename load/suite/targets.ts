/**
 * The targets of the load suite, all built in one process (the server child): the gateway in
 * three cache settings, and the hand-written baselines. Each counts the SQL statements it runs:
 * the gateway through its client's 'query' event, the baselines in their query wrapper.
 */
import Fastify, { type FastifyInstance } from 'fastify'
import { Redis } from 'ioredis'
import pg from 'pg'
import { app as gatewayApp } from '../../src/app.js'
import { appOptions } from '../../src/app-options.js'
import { loadConfig } from '../../src/config/load.js'
import { gatewayTypes } from '../../src/pools/type-parsers.js'
import { pgBaseline, redisBaseline, staticBaseline, type Counter } from './baselines.js'

export const TARGETS = ['gateway', 'gateway-nomon', 'gateway-pubsub', 'gateway-2hit', 'gateway-l1', 'gateway-off', 'fastify-pg', 'fastify-redis', 'static'] as const
export type TargetName = typeof TARGETS[number]

export const TARGET_LABELS: Record<TargetName, string> = {
  gateway: 'gateway, cache on (L1 + Redis)',
  'gateway-nomon': 'gateway, cache on, MONITORING_ENABLED=false',
  'gateway-pubsub': 'gateway, cache on, CACHE_VALIDATION=pubsub',
  'gateway-2hit': 'gateway, cache on, CACHE_ADMISSION=second-hit',
  'gateway-l1': 'gateway, cache L1 only',
  'gateway-off': 'gateway, CACHE_ENABLED=false',
  'fastify-pg': 'Fastify + pg (hand-written)',
  'fastify-redis': 'Fastify + ioredis cache-aside',
  static: 'Fastify, static JSON'
}

export const isGateway = (t: TargetName): boolean => t.startsWith('gateway')

export const ADMIN_TOKEN = 'bench-admin-token-0123456789'

export interface ServeOptions {
  databaseUrl: string
  redisUrl: string
  /** Redis key prefix of this run (gateway CACHE_KEY_PREFIX and the ioredis baseline). */
  prefix: string
  pool: number
  targets: TargetName[]
  /** DATABASE_READ_URLS for the cache-on gateway ("everything on"); empty for none. */
  readUrls?: string
}

export interface Served { urls: Partial<Record<TargetName, string>>; close: () => Promise<void> }

export type Counters = Partial<Record<TargetName, Counter>>

async function gateway (env: Record<string, string>, counter: Counter): Promise<FastifyInstance> {
  const { config } = loadConfig({
    env: { LOG_LEVEL: 'silent', NODE_ENV: 'production', ADMIN_TOKEN, DB_POOL_MIN: '0', DB_POOL_IDLE_TIMEOUT: '10000', ...env }
  })
  const server = Fastify(appOptions(config))
  await server.register(gatewayApp, { config })
  await server.ready()
  server.db.on('query', () => { counter.count++ })
  return server
}

export async function serve (opts: ServeOptions, counters: Counters): Promise<Served> {
  const common = { DATABASE_URL: opts.databaseUrl, REDIS_URL: opts.redisUrl, CACHE_KEY_PREFIX: opts.prefix, DB_POOL_MAX: String(opts.pool) }
  const apps: Array<[TargetName, FastifyInstance]> = []
  const closers: Array<() => Promise<unknown>> = []
  let pool: pg.Pool | undefined
  const sharedPool = (): pg.Pool => {
    pool ??= new pg.Pool({ connectionString: opts.databaseUrl, max: opts.pool, idleTimeoutMillis: 10_000, types: gatewayTypes })
    return pool
  }
  for (const name of opts.targets) {
    const counter: Counter = counters[name] = { count: 0 }
    switch (name) {
      case 'gateway': apps.push([name, await gateway({ ...common, DATABASE_READ_URLS: opts.readUrls ?? '' }, counter)]); break
      case 'gateway-nomon': apps.push([name, await gateway({ ...common, DATABASE_READ_URLS: opts.readUrls ?? '', MONITORING_ENABLED: 'false' }, counter)]); break
      case 'gateway-pubsub': apps.push([name, await gateway({ ...common, CACHE_VALIDATION: 'pubsub' }, counter)]); break
      case 'gateway-2hit': apps.push([name, await gateway({ ...common, CACHE_ADMISSION: 'second-hit' }, counter)]); break
      case 'gateway-l1': apps.push([name, await gateway({ ...common, REDIS_URL: '' }, counter)]); break
      case 'gateway-off': apps.push([name, await gateway({ ...common, CACHE_ENABLED: 'false' }, counter)]); break
      case 'fastify-pg': apps.push([name, pgBaseline(sharedPool(), counter)]); break
      case 'fastify-redis': {
        const redis = new Redis(opts.redisUrl, { maxRetriesPerRequest: 1 })
        closers.push(async () => redis.disconnect())
        apps.push([name, redisBaseline(sharedPool(), redis, `${opts.prefix}base:`, 60, counter)])
        break
      }
      case 'static': apps.push([name, staticBaseline()]); break
    }
  }
  const urls: Partial<Record<TargetName, string>> = {}
  for (const [name, app] of apps) urls[name] = await app.listen({ port: 0, host: '127.0.0.1' })
  return {
    urls,
    close: async () => {
      for (const [, app] of apps) await app.close()
      for (const c of closers) await c()
      await pool?.end()
    }
  }
}
