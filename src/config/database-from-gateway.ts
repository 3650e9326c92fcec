/** The library's DatabaseConfig derived from the validated gateway configuration (one place). */
import type { DatabaseConfig } from '../client/types.js'
import type { GatewayConfig } from './schema.js'
import { createDatabaseConfig } from './database.js'
import { gatewayError } from '../errors.js'
import { splitUrls } from './load.js'
import { parseSize } from '../cache/size.js'
import { gatewayTables } from '../partitions/tables.js'

export function databaseConfigFrom (config: GatewayConfig): DatabaseConfig {
  if (!config.DATABASE_URL) throw gatewayError('GW_ERR_CONFIG', 'DATABASE_URL must be set before the app is built')
  const db = createDatabaseConfig({
    url: config.DATABASE_URL,
    readUrls: splitUrls(config.DATABASE_READ_URLS),
    poolMin: config.DB_POOL_MIN,
    poolMax: config.DB_POOL_MAX,
    idleTimeoutMillis: config.DB_POOL_IDLE_TIMEOUT,
    connectionTimeoutMillis: config.DB_POOL_CONNECTION_TIMEOUT,
    readStrategy: config.DB_READ_STRATEGY,
    statementTimeoutMillis: config.DB_STATEMENT_TIMEOUT,
    monitoring: config.MONITORING_ENABLED,
    slowQueryThresholdMillis: config.SLOW_QUERY_THRESHOLD
  }, {}) // the environment was already read once, by loadConfig
  // The app installs its cache itself (plugins/cache.ts), with its Redis connections.
  const { cache: _own, ...rest } = db
  return {
    ...rest,
    monitoring: { ...rest.monitoring!, alertWindowSeconds: config.ALERT_EVAL_INTERVAL, ...(config.MONITORING_INSTANCE_ID !== undefined ? { instance: config.MONITORING_INSTANCE_ID } : {}) },
    optimizer: {
      autoApply: config.OPTIMIZER_AUTO_APPLY,
      autoApplyMinSaving: config.OPTIMIZER_AUTO_APPLY_MIN_SAVING,
      minTableBytes: parseSize(config.OPTIMIZER_MIN_TABLE_SIZE),
      lockTimeoutMs: config.OPTIMIZER_LOCK_TIMEOUT_MS
    },
    maintenance: {
      tables: gatewayTables(config),
      lockTimeoutMs: config.PARTITION_LOCK_TIMEOUT_MS,
      ...(config.PARTITION_ARCHIVE_SCHEMA !== undefined ? { archiveSchema: config.PARTITION_ARCHIVE_SCHEMA } : {})
    },
    replicaHealth: {
      intervalMs: config.REPLICA_HEALTH_INTERVAL_MS,
      maxLagMs: config.REPLICA_MAX_LAG_MS,
      unhealthyThreshold: config.REPLICA_UNHEALTHY_THRESHOLD,
      healthyThreshold: config.REPLICA_HEALTHY_THRESHOLD
    }
  }
}

/** Replica names are positional: replica0, replica1, … in DATABASE_READ_URLS order. */
export function replicaEntries (db: DatabaseConfig): Array<[name: string, url: string]> {
  return db.readUrls.map((url, i) => [`replica${i}`, url])
}
