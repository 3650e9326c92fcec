import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from 'typebox'
import { errorResponses } from '../schemas.js'

const security = [{ bearerAuth: [] }]
const Nullable = <T extends Parameters<typeof Type.Union>[0][number]>(t: T) => Type.Union([t, Type.Null()])
const Source = Type.String({ enum: ['gateway', 'pg_stat_statements'] })

const Served = Type.Object({
  fingerprint: Type.String(),
  query: Type.String({ description: 'normalized by the PostgreSQL parser: no literals' }),
  source: Source,
  calls: Type.Number(),
  meanMs: Type.Number(),
  loadShare: Type.Number({ description: "share of the analysed workload's total time" }),
  costBefore: Type.Number(),
  costAfter: Type.Number()
})

const Suggestion = Type.Object({
  id: Type.String({ description: 'stable: a hash of the statement; POST /admin/indexes/apply takes it' }),
  table: Type.String(),
  index: Type.String(),
  kind: Type.String({ enum: ['single', 'multi', 'partial', 'include', 'trigram'] }),
  method: Type.String({ enum: ['btree', 'gin'] }),
  columns: Type.Array(Type.String()),
  include: Type.Array(Type.String()),
  where: Nullable(Type.String()),
  statement: Type.String({ description: 'CREATE INDEX CONCURRENTLY …' }),
  prerequisites: Type.Array(Type.String()),
  validated: Type.Boolean({ description: 'true: hypopg proved the saving by EXPLAIN; false: estimated from pg_stats' }),
  fingerprints: Type.Array(Served),
  loadShare: Type.Number(),
  costBefore: Type.Number(),
  costAfter: Type.Number(),
  saving: Type.Number(),
  estimatedBytes: Type.Number(),
  writeOverhead: Type.Object({
    writesPerMinute: Nullable(Type.Number()),
    source: Nullable(Type.String({ enum: ['pg_stat_user_tables', 'gateway'] })),
    scansPerMinute: Type.Number()
  }),
  notes: Type.Array(Type.String())
})

const Latency = Type.Object({ calls: Type.Number(), meanMs: Nullable(Type.Number()) })

const Applied = Type.Object({
  id: Type.String(),
  index: Type.String(),
  table: Type.String(),
  statement: Type.String(),
  appliedAt: Type.String({ format: 'date-time' }),
  fingerprints: Type.Array(Type.String()),
  verification: Nullable(Type.Object({
    index: Type.String(),
    exists: Type.Boolean(),
    valid: Nullable(Type.Boolean()),
    used: Type.Boolean({ description: 'idx_scan > 0 on the primary or any replica' }),
    nodes: Type.Array(Type.Object({ node: Type.String(), idxScan: Nullable(Type.Number()), error: Type.Optional(Type.String()) })),
    statements: Type.Array(Type.Object({
      fingerprint: Type.String(), query: Type.String(), before: Latency, after: Latency, faster: Nullable(Type.Boolean()), source: Source
    })),
    faster: Nullable(Type.Boolean())
  }))
})

/**
 * `GET /admin/index-suggestions` and `POST /admin/indexes/apply` (SPEC §4, docs/optimizer.md).
 * Admin scope. Nothing is built without `confirm: true`.
 */
const indexAdviceAdmin: FastifyPluginAsyncTypebox = async (app) => {
  app.get('/admin/index-suggestions', {
    schema: {
      tags: ['admin'], summary: 'Index suggestions for the workload (validated with hypopg, else estimated), and the verification of applied ones', security,
      response: {
        200: Type.Object({
          at: Type.String({ format: 'date-time' }),
          hypopg: Type.Boolean(),
          pgTrgm: Type.String({ enum: ['installed', 'available', 'absent'] }),
          workload: Type.Object({ statements: Type.Integer(), analysed: Type.Integer(), statStatements: Type.Boolean(), since: Type.String({ format: 'date-time' }) }),
          suggestions: Type.Array(Suggestion),
          skipped: Type.Array(Type.Object({ fingerprint: Type.String(), query: Type.String(), reason: Type.String() })),
          applied: Type.Array(Applied)
        }),
        ...errorResponses
      }
    }
  }, async () => {
    const analysis = await app.db.advisor.analyze()
    return { ...analysis, applied: await app.db.advisor.applied() }
  })

  app.post('/admin/indexes/apply', {
    schema: {
      tags: ['admin'], summary: 'Build a suggested index with CREATE INDEX CONCURRENTLY (explicit opt-in), or drop the INVALID index a failed build left', security,
      body: Type.Object({
        id: Type.String({ pattern: '^[0-9a-f]{16}$', description: 'a suggestion id from GET /admin/index-suggestions' }),
        confirm: Type.Literal(true, { description: 'must be true: nothing is built without it' }),
        dropInvalid: Type.Optional(Type.Boolean({ description: 'drop the INVALID index a failed build of this suggestion left, instead of building' }))
      }, { additionalProperties: false }),
      response: {
        200: Type.Object({
          id: Type.String(),
          index: Type.String(),
          status: Type.String({ enum: ['created', 'exists', 'dropped', 'absent'] }),
          statement: Type.String(),
          durationMs: Type.Number()
        }),
        ...errorResponses
      }
    }
  }, async (req) => await app.db.advisor.apply(req.body.id, { dropInvalid: req.body.dropInvalid }))
}

export default indexAdviceAdmin
