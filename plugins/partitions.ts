/**
 * The partition manager of the app: the client's (src/partitions, on the primary pool, over the
 * tables of src/partitions/tables.ts with the retention settings — src/config/database-from-gateway.ts).
 * The maintenance jobs that run it are plugins/maintenance.ts; `app.partitionsOverview()` feeds
 * GET /admin/partitions, the report's Partitions section and the dashboard.
 */
import fp from 'fastify-plugin'
import type { FastifyInstance } from 'fastify'
import { METRICS_TABLES, overviewSummary, partitionsOverview, type PartitionManager, type PartitionedTable, type TableOverview } from '../src/partitions/index.js'

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
  const tables = [...app.db.partitions.tables]
  app.decorate('partitionedTables', tables)
  app.decorate('partitions', app.db.partitions)
  const overview = async (): Promise<TableOverview[]> => await partitionsOverview({
    manager: app.partitions,
    tables,
    pool: app.db.pools.primary,
    // The schedule registers after this plugin; read it when asked. The roll-up days are the
    // cleanup-metrics job's, the domain tables the partitions job's.
    nextRunAt: (table) => {
      if (!app.hasDecorator('maintenanceSchedule')) return null
      const job = METRICS_TABLES.includes(table) ? 'cleanup-metrics' : 'partitions'
      return app.maintenanceSchedule.jobs().find((j) => j.id === job)?.nextRunAt ?? null
    }
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
