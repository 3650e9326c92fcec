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
  partitions: Type.Array(Partition)
})

/** `GET /admin/partitions` (SPEC §4): every maintained table with its partitions. Admin scope. */
const partitionsAdmin: FastifyPluginAsyncTypebox = async (app) => {
  app.get('/admin/partitions', {
    schema: {
      tags: ['admin'], summary: 'Partitioned tables: partitions with bounds, row estimates and sizes, default-partition rows, retention', security: [{ bearerAuth: [] }],
      response: { 200: Type.Object({ tables: Type.Array(Table) }), 401: errorResponses[400] }
    }
  }, async () => {
    const tables = []
    for (const t of app.partitionedTables) {
      const parts = (await app.partitions.partitions(t.name)).map(({ detachPending: _p, ...p }) => p)
      const def = t.kind === 'monthly' ? t.defaultPartition : undefined
      const defaultRows = def === undefined
        ? null
        : Number((await app.db.pools.primary.query(`SELECT count(*)::text AS n FROM "${def}"`)).rows[0]?.n ?? 0)
      tables.push({
        table: t.name,
        kind: t.kind,
        column: t.column,
        retention: t.kind === 'monthly' ? `${t.retentionMonths} months` : t.kind === 'daily' ? `${t.retentionDays} days` : null,
        premake: t.kind === 'monthly' ? `${t.premakeMonths} months` : t.kind === 'daily' ? `${t.premakeDays} days` : null,
        defaultPartitionRows: defaultRows,
        partitions: parts
      })
    }
    return { tables }
  })
}

export default partitionsAdmin
