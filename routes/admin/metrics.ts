import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from 'typebox'
import { errorResponses } from '../schemas.js'

const N = Type.Number()
const NullableN = Type.Union([Type.Number(), Type.Null()])
const Connections = Type.Object({ poolUsage: N, poolUsageMax: N, waiting: N })
const Queries = Type.Object({ total: N, errors: N, qps: N, avgTime: N, p50: N, p95: N, p99: N, errorRate: N, slow: N })
const Requests = Type.Object({ total: N, errors: N, rps: N, errorRate: N, p50: N, p95: N, p99: N })
const Cache = Type.Object({ hits: N, misses: N, hitRate: N, lookups: N })
const Window = Type.Object({ seconds: N, coveredSeconds: N, connections: Connections, queries: Queries, requests: Requests, cache: Cache })
const Pool = Type.Object({
  name: Type.String(), role: Type.String({ enum: ['primary', 'replica'] }), total: N, idle: N, active: N, waiting: N, max: N, usage: N
})
const Replica = Type.Object({
  name: Type.String(), state: Type.String({ enum: ['unknown', 'in-rotation', 'out-of-rotation'] }), up: Type.Boolean(), lagBytes: NullableN, lagMs: NullableN
})
const PerformanceMetrics = Type.Object({
  at: Type.String({ format: 'date-time' }),
  instance: Type.String(),
  enabled: Type.Boolean(),
  connections: Type.Object({ poolUsage: N, poolUsageMax: N, waiting: N, pools: Type.Array(Pool) }),
  queries: Queries,
  requests: Requests,
  cache: Cache,
  replicas: Type.Array(Replica),
  windows: Type.Object({ '1m': Window, '5m': Window, '15m': Window })
}, { description: 'Times in ms, ratios 0..1; the top level is the 1-minute window plus live pool and replica samples' })
const HistoryPoint = Type.Object({
  minute: Type.String({ format: 'date-time' }), instances: N, requests: N, requestErrors: N, queries: N, queryErrors: N,
  avgTime: N, p50: N, p95: N, p99: N, qps: N, cacheHits: N, cacheMisses: N, hitRate: N, poolUsage: N, slowQueries: N, replicaLagMs: NullableN
})
const security = [{ bearerAuth: [] }]

/** Performance metrics as JSON (SPEC §4 `GET /admin/metrics`) and the per-minute history. Admin scope. */
const metricsAdmin: FastifyPluginAsyncTypebox = async (app) => {
  app.get('/admin/metrics', {
    schema: {
      tags: ['admin'], summary: 'Sliding 1/5/15-minute windows of pool usage, query time, QPS, error rate and cache hit rate', security,
      response: { 200: PerformanceMetrics, 401: errorResponses[400] }
    }
  }, async () => app.monitoring.getPerformanceMetrics())

  app.get('/admin/metrics/history', {
    schema: {
      tags: ['admin'], summary: 'Per-minute roll-ups of every instance (persisted; kept METRICS_RETENTION_DAYS)', security,
      querystring: Type.Object({ minutes: Type.Integer({ minimum: 1, maximum: 10_080, default: 60, description: 'how many minutes back (1 to 10080)' }) }, { additionalProperties: false }),
      response: { 200: Type.Object({ minutes: N, points: Type.Array(HistoryPoint) }), ...errorResponses }
    }
  }, async (req) => ({ minutes: req.query.minutes, points: await app.monitoring.getHistory(req.query.minutes) }))
}

export default metricsAdmin
