/**
 * DatabaseConfig for the library client: explicit options win over environment variables
 * (SPEC §5 names), then defaults. A bad value throws GW_ERR_CONFIG naming the variable and the
 * expected form; values are never echoed, since a URL may carry a password.
 */
import type { CacheConfig, DatabaseConfig } from '../client/types.js'
import { gatewayError } from '../errors.js'

export interface DatabaseConfigInput {
  url: string
  readUrls: string[] | string
  poolMin: number
  poolMax: number
  idleTimeoutMillis: number
  connectionTimeoutMillis: number
  readStrategy: DatabaseConfig['readStrategy']
  statementTimeoutMillis: number
  applicationName: string
  monitoring: boolean
  slowQueryThresholdMillis: number
  cache: boolean
  redisUrl: string
  cacheTtlSeconds: number
  cacheStaleTtlSeconds: number
  cacheMaxMemory: string
  cacheCompression: boolean
  cacheKeyPrefix: string
  cacheRedisTimeoutMs: number
  cacheDbNotify: boolean
}

type Env = Record<string, string | undefined>

const READ_STRATEGIES = ['round-robin', 'least-connections', 'latency'] as const

/** Each option with the environment variable it falls back to (if any). */
const ENV_NAMES: Record<keyof DatabaseConfigInput, string | undefined> = {
  url: 'DATABASE_URL',
  readUrls: 'DATABASE_READ_URLS',
  poolMin: 'DB_POOL_MIN',
  poolMax: 'DB_POOL_MAX',
  idleTimeoutMillis: 'DB_POOL_IDLE_TIMEOUT',
  connectionTimeoutMillis: 'DB_POOL_CONNECTION_TIMEOUT',
  readStrategy: 'DB_READ_STRATEGY',
  statementTimeoutMillis: 'DB_STATEMENT_TIMEOUT',
  applicationName: undefined,
  monitoring: 'MONITORING_ENABLED',
  slowQueryThresholdMillis: 'SLOW_QUERY_THRESHOLD',
  // The gateway's own names (src/config/schema.ts), so one environment configures both.
  cache: 'CACHE_ENABLED',
  redisUrl: 'REDIS_URL',
  cacheTtlSeconds: 'CACHE_TTL',
  cacheStaleTtlSeconds: 'CACHE_STALE_TTL',
  cacheMaxMemory: 'CACHE_MAX_MEMORY',
  cacheCompression: 'CACHE_ENABLE_COMPRESSION',
  cacheKeyPrefix: 'CACHE_KEY_PREFIX',
  cacheRedisTimeoutMs: 'CACHE_REDIS_TIMEOUT_MS',
  cacheDbNotify: 'CACHE_DB_NOTIFY'
}

export const DATABASE_DEFAULTS = {
  poolMin: 2,
  poolMax: 20,
  idleTimeoutMillis: 30_000,
  connectionTimeoutMillis: 5_000,
  readStrategy: 'round-robin',
  statementTimeoutMillis: 30_000,
  applicationName: 'stellarrec-gateway',
  monitoring: true,
  slowQueryThresholdMillis: 500,
  cache: true,
  cacheTtlSeconds: 300,
  cacheStaleTtlSeconds: 60,
  cacheMaxMemory: '64mb',
  cacheCompression: true,
  cacheKeyPrefix: 'sr:',
  cacheRedisTimeoutMs: 100
} as const

export function createDatabaseConfig (input: Partial<DatabaseConfigInput> = {}, env: Env = process.env): DatabaseConfig {
  const source = (key: keyof DatabaseConfigInput): { label: string; value: unknown } => {
    const given = input[key]
    if (given !== undefined && given !== '') return { label: `option ${key}`, value: given }
    const name = ENV_NAMES[key]
    const fromEnv = name === undefined ? undefined : env[name]
    // An empty variable means "unset", as in most .env conventions.
    return { label: name ?? `option ${key}`, value: fromEnv === '' ? undefined : fromEnv }
  }

  const url = source('url')
  if (url.value === undefined) throw configError('DATABASE_URL is not set: it must be a postgres:// connection URL')
  const primaryUrl = postgresUrl(url.label, url.value)

  const read = source('readUrls')
  const readList = read.value === undefined ? [] : Array.isArray(read.value) ? read.value : typeof read.value === 'string' ? read.value.split(',') : null
  if (readList === null) throw configError(`${read.label} must be comma-separated postgres:// URLs`)
  const readUrls = readList.map((u) => (typeof u === 'string' ? u.trim() : u)).filter((u) => u !== '')
    .map((u) => postgresUrl(read.label, u, 'comma-separated postgres:// URLs'))

  const min = integer(source('poolMin'), DATABASE_DEFAULTS.poolMin, 0, 1000)
  const max = integer(source('poolMax'), DATABASE_DEFAULTS.poolMax, 1, 1000)
  if (min > max) throw configError(`${source('poolMin').label} (${min}) must not exceed ${source('poolMax').label} (${max})`)

  const strategy = source('readStrategy')
  const readStrategy = strategy.value ?? DATABASE_DEFAULTS.readStrategy
  if (!(READ_STRATEGIES as readonly unknown[]).includes(readStrategy)) {
    throw configError(`${strategy.label} must be one of ${READ_STRATEGIES.join(', ')}`)
  }

  const app = source('applicationName')
  const applicationName = app.value ?? DATABASE_DEFAULTS.applicationName
  if (typeof applicationName !== 'string' || !/^[\w.:-]{1,48}$/.test(applicationName)) {
    throw configError(`${app.label} must be 1 to 48 letters, digits, or . _ : -`)
  }

  return {
    primaryUrl,
    readUrls,
    pool: {
      min,
      max,
      idleTimeoutMillis: integer(source('idleTimeoutMillis'), DATABASE_DEFAULTS.idleTimeoutMillis, 0, 86_400_000),
      connectionTimeoutMillis: integer(source('connectionTimeoutMillis'), DATABASE_DEFAULTS.connectionTimeoutMillis, 1, 600_000)
    },
    readStrategy: readStrategy as DatabaseConfig['readStrategy'],
    statementTimeoutMillis: integer(source('statementTimeoutMillis'), DATABASE_DEFAULTS.statementTimeoutMillis, 0, 3_600_000),
    applicationName,
    monitoring: {
      enabled: boolean(source('monitoring'), DATABASE_DEFAULTS.monitoring),
      slowQueryThresholdMs: integer(source('slowQueryThresholdMillis'), DATABASE_DEFAULTS.slowQueryThresholdMillis, 0, 3_600_000)
    },
    cache: cacheConfig(source)
  }
}

function cacheConfig (source: (key: keyof DatabaseConfigInput) => { label: string; value: unknown }): CacheConfig {
  const redis = source('redisUrl')
  if (redis.value !== undefined && (typeof redis.value !== 'string' || !/^rediss?:\/\/\S+$/.test(redis.value))) throw configError(`${redis.label} must be a redis:// or rediss:// URL`)
  const memory = source('cacheMaxMemory')
  const maxMemory = memory.value ?? DATABASE_DEFAULTS.cacheMaxMemory
  if (typeof maxMemory !== 'string' || !/^\d+(\.\d+)?\s*(b|kb|mb|gb)?$/i.test(maxMemory)) throw configError(`${memory.label} must be a size such as 67108864, 512kb, 64mb or 1gb`)
  const prefix = source('cacheKeyPrefix')
  const keyPrefix = prefix.value ?? DATABASE_DEFAULTS.cacheKeyPrefix
  if (typeof keyPrefix !== 'string' || !/^[A-Za-z0-9:_.-]{1,32}$/.test(keyPrefix)) throw configError(`${prefix.label} must be a key prefix of 1 to 32 letters, digits or :_.-`)
  const redisUrl = redis.value as string | undefined
  return {
    enabled: boolean(source('cache'), DATABASE_DEFAULTS.cache),
    ...(redisUrl === undefined ? {} : { redisUrl }),
    keyPrefix,
    ttlSeconds: integer(source('cacheTtlSeconds'), DATABASE_DEFAULTS.cacheTtlSeconds, 1, 31_536_000),
    staleTtlSeconds: integer(source('cacheStaleTtlSeconds'), DATABASE_DEFAULTS.cacheStaleTtlSeconds, 0, 86_400),
    maxMemory,
    compression: boolean(source('cacheCompression'), DATABASE_DEFAULTS.cacheCompression),
    redisTimeoutMs: integer(source('cacheRedisTimeoutMs'), DATABASE_DEFAULTS.cacheRedisTimeoutMs, 5, 10_000),
    dbNotify: boolean(source('cacheDbNotify'), false)
  }
}

function boolean (src: { label: string; value: unknown }, fallback: boolean): boolean {
  if (src.value === undefined) return fallback
  if (typeof src.value === 'boolean') return src.value
  if (src.value === 'true') return true
  if (src.value === 'false') return false
  throw configError(`${src.label} must be true or false`)
}

function configError (message: string): Error {
  return gatewayError('GW_ERR_CONFIG', `Invalid configuration: ${message}`)
}

function postgresUrl (label: string, value: unknown, form = 'a postgres:// connection URL'): string {
  if (typeof value !== 'string') throw configError(`${label} must be ${form}`)
  let parsed: URL
  try { parsed = new URL(value) } catch { throw configError(`${label} must be ${form}`) }
  if (parsed.protocol !== 'postgres:' && parsed.protocol !== 'postgresql:') throw configError(`${label} must be ${form}`)
  return value
}

function integer (src: { label: string; value: unknown }, fallback: number, min: number, max: number): number {
  if (src.value === undefined) return fallback
  const n = typeof src.value === 'number' ? src.value : typeof src.value === 'string' && /^\s*\d+\s*$/.test(src.value) ? Number(src.value) : NaN
  if (!Number.isSafeInteger(n) || n < min || n > max) {
    throw configError(`${src.label} must be an integer from ${min} to ${max}`)
  }
  return n
}

/** The URL with its password (and any password parameter) replaced by `***`, for log lines. */
export function maskUrl (url: string): string {
  try {
    const parsed = new URL(url)
    if (parsed.password) parsed.password = '***'
    for (const key of [...parsed.searchParams.keys()]) {
      if (/pass/i.test(key)) parsed.searchParams.set(key, '***')
    }
    return parsed.toString()
  } catch {
    // Not a URL: still strip anything shaped like "user:secret@" or "password=…".
    return url.replace(/(\/\/[^:/@]*:)[^@]*@/, '$1***@').replace(/(pass\w*=)[^&\s]*/gi, '$1***')
  }
}
