/**
 * The partition manager of the app: the client's (src/partitions, on the primary pool, over the
 * tables of src/partitions/tables.ts with the retention settings — src/config/database-from-gateway.ts).
 * The maintenance jobs that run it are plugins/maintenance.ts.
 */
import fp from 'fastify-plugin'
import type { FastifyInstance } from 'fastify'
import type { PartitionManager, PartitionedTable } from '../src/partitions/index.js'

declare module 'fastify' {
  interface FastifyInstance {
    partitions: PartitionManager
    partitionedTables: PartitionedTable[]
  }
}

async function partitionsPlugin (app: FastifyInstance) {
  app.decorate('partitionedTables', [...app.db.partitions.tables])
  app.decorate('partitions', app.db.partitions)
}

export default fp(partitionsPlugin, { name: 'gateway-partitions', dependencies: ['gateway-config', 'gateway-db'], fastify: '5.x' })
