/**
 * The partition manager of the app (src/partitions): `app.partitions`, on the primary pool, over
 * the tables of src/partitions/tables.ts with the retention settings. Scheduling and the
 * maintenance job API are not built yet (docs/partitions.md).
 */
import fp from 'fastify-plugin'
import type { FastifyInstance } from 'fastify'
import { PartitionManager, gatewayTables, type PartitionedTable } from '../src/partitions/index.js'

declare module 'fastify' {
  interface FastifyInstance {
    partitions: PartitionManager
    partitionedTables: PartitionedTable[]
  }
}

async function partitionsPlugin (app: FastifyInstance) {
  const c = app.config
  const tables = gatewayTables(c)
  app.decorate('partitionedTables', tables)
  app.decorate('partitions', new PartitionManager(app.db.pools.primary, {
    tables,
    lockTimeoutMs: c.PARTITION_LOCK_TIMEOUT_MS,
    ...(c.PARTITION_ARCHIVE_SCHEMA !== undefined ? { archiveSchema: c.PARTITION_ARCHIVE_SCHEMA } : {}),
    logger: app.log
  }))
}

export default fp(partitionsPlugin, { name: 'gateway-partitions', dependencies: ['gateway-config', 'gateway-db'], fastify: '5.x' })
