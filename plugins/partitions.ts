/**
 * The partition manager of the app (src/partitions): `app.partitions`, on the primary pool, over
 * the tables of src/partitions/tables.ts with the retention settings; `app.partitionsOverview()`
 * feeds GET /admin/partitions, the report's Partitions section and the dashboard.
 */
import fp from 'fastify-plugin'
import type { FastifyInstance } from 'fastify'
import { PartitionManager, gatewayTables, overviewSummary, partitionsOverview, type PartitionedTable, type TableOverview } from '../src/partitions/index.js'

declare module 'fastify' {
  interface FastifyInstance {
    partitions: PartitionManager
    partitionedTables: PartitionedTable[]
    /** The tables with their partitions, default rows, retention, next run and last result. */
    partitionsOverview: () => Promise<TableOverview[]>
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
  const overview = async (): Promise<TableOverview[]> => await partitionsOverview({
    manager: app.partitions,
    tables,
    pool: app.db.pools.primary,
    // The schedule registers after this plugin; read it when asked.
    nextRunAt: () => (app.hasDecorator('maintenanceSchedule') ? app.maintenanceSchedule.jobs().find((j) => j.id === 'partitions')?.nextRunAt ?? null : null)
  })
  app.decorate('partitionsOverview', overview)
  app.db.monitor.setReportSection('partitions', async () => ({
    title: 'Partitions',
    available: true,
    ...(c.PARTITIONING_ENABLED ? {} : { note: 'PARTITIONING_ENABLED=false: maintenance is not scheduled' }),
    data: overviewSummary(await overview())
  }))
}

export default fp(partitionsPlugin, { name: 'gateway-partitions', dependencies: ['gateway-config', 'gateway-db'], fastify: '5.x' })
