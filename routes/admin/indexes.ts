import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from 'typebox'
import { INDEX_HEALTH_DEFAULTS } from '../../src/optimizer/index-health/index.js'
import { errorResponses } from '../schemas.js'

const Nullable = <T extends Parameters<typeof Type.Union>[0][number]>(t: T) => Type.Union([t, Type.Null()])
const security = [{ bearerAuth: [] }]
const Name = Type.String({ minLength: 1, maxLength: 63, description: 'exact name, as in the catalog' })

const Problem = {
  schema: Type.String(),
  table: Type.String(),
  index: Type.String(),
  sizeBytes: Type.Number(),
  statement: Nullable(Type.String({ description: 'offered, never run by the gateway; null when no single statement fixes it (see note)' })),
  note: Type.Optional(Type.String())
}

const Report = Type.Object({
  at: Type.String({ format: 'date-time' }),
  filter: Type.Object({ schema: Nullable(Type.String()), table: Nullable(Type.String()) }),
  nodes: Type.Array(Type.Object({
    name: Type.String(),
    role: Type.String({ enum: ['primary', 'replica'] }),
    reachable: Type.Boolean(),
    error: Type.Optional(Type.String()),
    statsReset: Nullable(Type.String({ format: 'date-time', description: 'pg_stat_database.stats_reset on this node; null: never reset' })),
    statsSince: Nullable(Type.String({ format: 'date-time', description: 'counters count at least since then: stats_reset, else the server start' }))
  })),
  bloatMethod: Type.String({ enum: ['estimate', 'pgstattuple'] }),
  bloatNote: Type.Optional(Type.String()),
  totals: Type.Object({
    indexes: Type.Integer(), unused: Type.Integer(), unknown: Type.Integer(), duplicates: Type.Integer(), invalid: Type.Integer(), bloated: Type.Integer()
  }),
  truncated: Type.Boolean({ description: 'some list was cut at limit (largest indexes first)' }),
  indexes: Type.Array(Type.Object({
    schema: Type.String(),
    table: Type.String(),
    name: Type.String(),
    method: Type.String(),
    definition: Type.String(),
    sizeBytes: Type.Number(),
    unique: Type.Boolean(),
    primary: Type.Boolean(),
    constraint: Nullable(Type.Object({ name: Type.String(), type: Type.String({ enum: ['primary key', 'unique', 'exclusion'] }) })),
    valid: Type.Boolean(),
    partitionOf: Nullable(Type.String()),
    idxScan: Type.Number({ description: 'sum over the reachable nodes' }),
    idxTupRead: Type.Number(),
    nodes: Type.Array(Type.Object({ node: Type.String(), idxScan: Type.Number(), idxTupRead: Type.Number() })),
    bloat: Nullable(Type.Object({ bytes: Type.Number(), percent: Type.Number() }))
  })),
  unused: Type.Array(Type.Object({
    ...Problem,
    verdict: Type.String({ enum: ['unused', 'unknown'], description: 'unknown: some replica did not answer' }),
    statsCoverSeconds: Nullable(Type.Number({ description: 'the shortest coverage among the nodes that answered (at least)' }))
  })),
  duplicates: Type.Array(Type.Object({
    ...Problem, kind: Type.String({ enum: ['exact', 'prefix'] }), coveredBy: Type.String(), coveredByDefinition: Type.String()
  })),
  invalid: Type.Array(Type.Object({ ...Problem, definition: Type.String() })),
  bloated: Type.Array(Type.Object({ ...Problem, bloatBytes: Type.Number(), bloatPercent: Type.Number() }))
})

/**
 * `GET /admin/indexes` (SPEC §4; docs/optimizer.md "Index health"): usage on every node, unused,
 * duplicate and overlapping, invalid and bloated indexes with the statements that would fix them.
 * Nothing is run. Admin scope.
 */
const indexesAdmin: FastifyPluginAsyncTypebox = async (app) => {
  app.get('/admin/indexes', {
    schema: {
      tags: ['admin'], summary: 'Index health: usage per node, unused (primary and every replica), duplicate, invalid, bloated; DROP/REINDEX CONCURRENTLY offered', security,
      querystring: Type.Object({
        schema: Type.Optional(Name),
        table: Type.Optional(Name),
        limit: Type.Integer({ minimum: 1, maximum: 1000, default: INDEX_HEALTH_DEFAULTS.limit, description: 'rows per list, largest indexes first' }),
        bloat: Type.Unsafe<'auto' | 'estimate'>(Type.String({ enum: ['auto', 'estimate'], default: 'auto', description: 'auto: pgstattuple when installed (reads every index page), else the estimate' })),
        bloatMinBytes: Type.Integer({ minimum: 0, default: INDEX_HEALTH_DEFAULTS.bloatMinBytes, description: 'report bloat from this many wasted bytes…' }),
        bloatMinPercent: Type.Number({ minimum: 0, maximum: 100, default: INDEX_HEALTH_DEFAULTS.bloatMinPercent, description: '…and this share of the index' })
      }, { additionalProperties: false }),
      response: { 200: Report, 401: errorResponses[400], ...errorResponses }
    }
  }, async (req) => await app.db.indexHealth(req.query))
}

export default indexesAdmin
