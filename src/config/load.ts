import envSchema from 'env-schema'
import { configSchema, type GatewayConfig } from './schema.js'
import { Cron } from 'croner'
import { closest } from '../util/closest.js'
import { gatewayError } from '../errors.js'

/** Prefixes that mark a variable as meant for the gateway; unknown ones get a "did you mean" hint. */
const OWN_PREFIXES = ['DATABASE_', 'DB_', 'REDIS_', 'CACHE_', 'ALERT_', 'PARTITION', 'RETENTION_', 'REPLICA_', 'MONITORING_', 'SLOW_QUERY', 'METRICS_', 'GRAPHQL_', 'ADMIN_']

const known = Object.keys(configSchema.properties)

interface AjvError { instancePath: string; keyword: string; params: Record<string, unknown> }

export interface LoadConfigOptions {
  /** Variables to read; defaults to process.env. */
  env?: Record<string, string | undefined>
  /** Read a .env file from this path (true = ./.env). Real environment variables win over it. */
  dotenv?: boolean | string
}

export interface LoadedConfig {
  config: GatewayConfig
  /** Hints about variables that look like misspelt gateway settings. */
  warnings: string[]
}

/**
 * Parses and validates the configuration. A bad value throws GW_ERR_CONFIG with one line that
 * names the variable and the expected form; the value itself is not echoed (it may be a secret).
 */
export function loadConfig (opts: LoadConfigOptions = {}): LoadedConfig {
  const env = opts.env ?? process.env
  const data: Record<string, string> = {}
  for (const [k, v] of Object.entries(env)) {
    // Empty strings mean "unset", as in most .env conventions.
    if (v !== undefined && v !== '' && known.includes(k)) data[k] = v
  }
  let config: GatewayConfig
  try {
    config = envSchema<GatewayConfig>({
      schema: configSchema,
      data,
      env: false,
      dotenv: opts.dotenv === undefined || opts.dotenv === false ? false : (opts.dotenv === true ? true : { path: opts.dotenv })
    })
  } catch (err) {
    throw gatewayError('GW_ERR_CONFIG', describe(err))
  }
  if (config.DB_POOL_MIN > config.DB_POOL_MAX) {
    throw gatewayError('GW_ERR_CONFIG', `Invalid configuration: DB_POOL_MIN (${config.DB_POOL_MIN}) must not exceed DB_POOL_MAX (${config.DB_POOL_MAX})`)
  }
  const cronError = cronProblem(config.PARTITION_MAINTENANCE_SCHEDULE)
  if (cronError !== undefined) {
    throw gatewayError('GW_ERR_CONFIG', `Invalid configuration: PARTITION_MAINTENANCE_SCHEDULE must be a 5-field cron expression such as "0 2 * * *" (${cronError})`)
  }
  return { config, warnings: misspellings(env) }
}

/** Why croner refuses a cron expression (undefined when it parses): the library, not a regex, decides. */
export function cronProblem (expression: string): string | undefined {
  try {
    new Cron(expression, { paused: true }).stop()
    return undefined
  } catch (err) {
    return (err as Error).message
  }
}

function describe (err: unknown): string {
  const ajvErrors = (err as { errors?: AjvError[] }).errors
  const first = ajvErrors?.find((e) => e.instancePath !== '') ?? ajvErrors?.[0]
  if (!first) return `Invalid configuration: ${(err as Error).message}`
  const name = first.instancePath.replace(/^\//, '') || String(first.params.missingProperty ?? '')
  const prop = (configSchema.properties as Record<string, { description?: string }>)[name]
  return `Invalid configuration: ${name} must be ${prop?.description ?? 'valid'}`
}

function misspellings (env: Record<string, string | undefined>): string[] {
  const out: string[] = []
  for (const key of Object.keys(env)) {
    if (known.includes(key) || !OWN_PREFIXES.some((p) => key.startsWith(p))) continue
    const best = closest(key, known)
    out.push(best ? `Unknown setting ${key}: did you mean ${best}?` : `Unknown setting ${key} (ignored)`)
  }
  return out
}

/** Parses CACHE_MAX_MEMORY-style sizes into bytes. */
export function parseSize (size: string): number {
  const m = /^(\d+(?:\.\d+)?)\s*(b|kb|mb|gb)?$/i.exec(size.trim())
  if (!m) throw gatewayError('GW_ERR_CONFIG', `Invalid size "${size}"`)
  const mult = { b: 1, kb: 1024, mb: 1024 ** 2, gb: 1024 ** 3 }[(m[2] ?? 'b').toLowerCase() as 'b']
  return Math.floor(Number(m[1]) * mult)
}

export function splitUrls (list: string): string[] {
  return list.split(',').map((s) => s.trim()).filter(Boolean)
}
