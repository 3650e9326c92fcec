/** pg.Pool options derived from the gateway configuration, shared by the app plugin and the library. */
import type { PoolConfig } from 'pg'
import type { GatewayConfig } from '../config/schema.js'
import { splitUrls } from '../config/load.js'

type PoolSettings = Pick<GatewayConfig, 'DB_POOL_MIN' | 'DB_POOL_MAX' | 'DB_POOL_IDLE_TIMEOUT' | 'DB_POOL_CONNECTION_TIMEOUT' | 'DB_STATEMENT_TIMEOUT'>

export function poolConfigFor (config: PoolSettings, connectionString: string, name: string): PoolConfig {
  return {
    connectionString,
    min: config.DB_POOL_MIN,
    max: config.DB_POOL_MAX,
    idleTimeoutMillis: config.DB_POOL_IDLE_TIMEOUT,
    connectionTimeoutMillis: config.DB_POOL_CONNECTION_TIMEOUT,
    statement_timeout: config.DB_STATEMENT_TIMEOUT || undefined,
    application_name: `stellarrec-gateway:${name}`,
    keepAlive: true
  } as PoolConfig
}

/** Replica names are positional: replica0, replica1, … in DATABASE_READ_URLS order. */
export function replicaNames (config: Pick<GatewayConfig, 'DATABASE_READ_URLS'>): Array<[string, string]> {
  return splitUrls(config.DATABASE_READ_URLS).map((url, i) => [`replica${i}`, url])
}
