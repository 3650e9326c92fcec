import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from 'typebox'
import { errorResponses } from '../schemas.js'

const Partition = Type.Object({
  name: Type.String(),
  from: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
  to: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
  isDefault: Type.Boolean(),
  rowsEstimate: Type.Number({ description: 'pg_class.reltuples as of the last ANALYZE' }),
  bytes: Type.Number({ description: 'relpages × block size as of the last VACUUM/ANALYZE' })
})
const Table = Type.Object({
  table: Type.String(),
  kind: Type.String({ enum: ['monthly', 'daily', 'hash'] }),
  column: Type.String(),
  retention: Type.Union([Type.String(), Type.Null()], { description: 'e.g. "12 months"; null for hash tables' }),
  premake: Type.Union([Type.String(), Type.Null()]),
  defaultPartitionRows: Type.Union([Type.Number(), Type.Null()], { description: 'exact count of rows in the DEFAULT partition' }),
  nextRunAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()], { description: 'next scheduled maintenance (PARTITION_MAINTENANCE_SCHEDULE, UTC); null when not scheduled' }),
  lastRun: Type.Union([Type.Object({
    at: Type.String({ format: 'date-time' }),
    status: Type.String({ enum: ['done', 'partial', 'skipped'] }),
    reason: Type.Union([Type.String(), Type.Null()], { description: 'why the whole run was skipped (standby, held by another instance)' }),
    steps: Type.Array(Type.Object({ step: Type.String(), status: Type.String({ enum: ['done', 'would', 'skipped', 'failed', 'nothing'] }), detail: Type.String() }))
  }), Type.Null()], { description: "this table's steps in the last maintenance run of this instance" }),
  partitions: Type.Array(Partition)
})

/** `GET /admin/partitions` (SPEC §4): every maintained table with its partitions. Admin scope. */
const partitionsAdmin: FastifyPluginAsyncTypebox = async (app) => {
  app.get('/admin/partitions', {
    schema: {
      tags: ['admin'], summary: 'Partitioned tables: partitions with bounds, row estimates and sizes, default-partition rows, retention, next run and last result', security: [{ bearerAuth: [] }],
      response: { 200: Type.Object({ tables: Type.Array(Table) }), 401: errorResponses[400] }
    }
  }, async () => ({ tables: await app.partitionsOverview() }))
}

export default partitionsAdmin
