/**
 * Slow-query capture (docs/slow-queries.md). The wiring: `const log = createSlowQueryLog(client,
 * config)`, `await log.start()`, `log.attach()`, … `await log.getSlowQueries({ limit, windowMinutes })`,
 * `await log.close()`.
 */
import os from 'node:os'
import type { OptimizedDatabaseClient } from '../../client/optimized-database-client.js'
import type { ClientLogger } from '../../client/logger.js'
import type { GatewayConfig } from '../../config/schema.js'
import { SlowQueryLog } from './slow-query-log.js'

export { SlowQueryLog, type SlowQueryLogOptions, type SlowQueryWindow } from './slow-query-log.js'
export { StatementIdentifier, identify, loadParser, maskLiterals, isTransactionControl, UNPARSED_MARK, type StatementIdentity, type StatementKind } from './fingerprint.js'

/** `MONITORING_INSTANCE_ID`, else `host:pid` (unique per process on a host). */
export function instanceId (config: Pick<GatewayConfig, 'MONITORING_INSTANCE_ID'>): string {
  return config.MONITORING_INSTANCE_ID ?? `${os.hostname()}:${process.pid}`
}

export function createSlowQueryLog (
  client: OptimizedDatabaseClient,
  config: Pick<GatewayConfig, 'SLOW_QUERY_THRESHOLD' | 'SLOW_QUERY_PLANS' | 'MONITORING_INSTANCE_ID' | 'METRICS_RETENTION_DAYS'>,
  opts: { logger?: ClientLogger; persist?: boolean } = {}
): SlowQueryLog {
  return new SlowQueryLog({
    client,
    thresholdMs: config.SLOW_QUERY_THRESHOLD,
    capturePlans: config.SLOW_QUERY_PLANS,
    instance: instanceId(config),
    retentionDays: config.METRICS_RETENTION_DAYS,
    persist: opts.persist ?? true,
    logger: opts.logger
  })
}
