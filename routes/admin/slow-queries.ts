import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from 'typebox'
import { errorResponses } from '../schemas.js'

const Nullable = <T extends Parameters<typeof Type.Union>[0][number]>(t: T) => Type.Union([t, Type.Null()])
const security = [{ bearerAuth: [] }]

const StatStatements = Type.Object({ calls: Type.Number(), totalMs: Type.Number(), meanMs: Type.Number(), rows: Type.Number() })

const SlowQueryGroup = Type.Object({
  fingerprint: Type.String(),
  query: Type.String({ description: 'normalized by the PostgreSQL parser: no literals, $n placeholders' }),
  count: Type.Integer(),
  meanMs: Type.Number(),
  p95Ms: Type.Number(),
  maxMs: Type.Number(),
  duration: Type.Number({ description: 'alias of maxMs' }),
  firstSeen: Type.String({ format: 'date-time' }),
  lastSeen: Type.String({ format: 'date-time' }),
  nodes: Type.Array(Type.String()),
  models: Type.Array(Type.String()),
  routes: Type.Array(Type.String()),
  instances: Type.Array(Type.String()),
  errors: Type.Optional(Type.Integer()),
  plan: Type.Unknown({ description: 'EXPLAIN (FORMAT JSON) of one recorded execution, null until captured' }),
  planNode: Nullable(Type.String()),
  statStatements: Type.Optional(Nullable(StatStatements)),
  source: Type.String({ enum: ['gateway', 'pg_stat_statements'] })
})

/**
 * `GET /admin/slow-queries` (SPEC §4): slow statements grouped by fingerprint over a window, from
 * every instance. With MONITORING_ENABLED=false: 200, `enabled: false`, no queries.
 */
const slowQueriesAdmin: FastifyPluginAsyncTypebox = async (app) => {
  app.get('/admin/slow-queries', {
    schema: {
      tags: ['admin'], summary: 'Slow statements by fingerprint over a window: count, mean, p95, max, plan, pg_stat_statements deltas', security,
      querystring: Type.Object({
        limit: Type.Integer({ minimum: 1, maximum: 100, default: 10, description: 'groups, by total time' }),
        window: Type.Integer({ minimum: 1, maximum: 10_080, default: 60, description: 'minutes back from now (at most 7 days)' })
      }, { additionalProperties: false }),
      response: {
        200: Type.Object({
          enabled: Type.Boolean(),
          window: Type.Object({ minutes: Type.Integer(), since: Type.String({ format: 'date-time' }) }),
          threshold: Type.Number({ description: 'SLOW_QUERY_THRESHOLD, ms' }),
          statStatements: Type.Boolean({ description: 'pg_stat_statements deltas are merged in' }),
          queries: Type.Array(SlowQueryGroup)
        }),
        ...errorResponses
      }
    }
  }, async (req) => {
    const { limit, window } = req.query
    const since = new Date(Date.now() - window * 60_000).toISOString()
    const log = app.slowQueries
    if (log === null) {
      return { enabled: false, window: { minutes: window, since }, threshold: app.config.SLOW_QUERY_THRESHOLD, statStatements: false, queries: [] }
    }
    const queries = await log.getSlowQueries({ limit, windowMinutes: window })
    return { enabled: true, window: { minutes: window, since }, threshold: log.thresholdMs, statStatements: log.statStatementsEnabled, queries }
  })
}

export default slowQueriesAdmin
