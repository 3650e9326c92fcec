/** One pg.Pool for one node, configured from a DatabaseConfig. */
import pg from 'pg'
import type { DatabaseConfig } from '../client/types.js'
import { gatewayTypes } from './type-parsers.js'

export function poolOptions (config: DatabaseConfig, url: string, name: string): pg.PoolConfig {
  const options: pg.PoolConfig = {
    connectionString: url,
    min: config.pool.min,
    max: config.pool.max,
    idleTimeoutMillis: config.pool.idleTimeoutMillis,
    connectionTimeoutMillis: config.pool.connectionTimeoutMillis,
    // Shows which gateway node a backend serves in pg_stat_activity.
    application_name: `${config.applicationName}:${name}`,
    keepAlive: true,
    types: gatewayTypes
  }
  // A server-side setting, so it also bounds statements sent through the raw `query` escape hatch.
  if (config.statementTimeoutMillis > 0) options.options = `-c statement_timeout=${config.statementTimeoutMillis}`
  return options
}

export function createPool (config: DatabaseConfig, url: string, name: string): pg.Pool {
  return new pg.Pool(poolOptions(config, url, name))
}
