/**
 * Wires the client's monitor (src/monitoring) to the app: request totals from the route
 * histogram, cache totals from both cache tiers, minute roll-ups persisted on the primary, and
 * `GET /metrics` (Prometheus text: the process-wide prom-client registry — route and process
 * metrics — merged with the gateway's own). Open unless METRICS_TOKEN is set, then bearer-only.
 */
import fp from 'fastify-plugin'
import type { FastifyInstance } from 'fastify'
import { Registry, register as processRegistry } from 'prom-client'
import type { Monitor } from '../src/monitoring/monitor.js'
import type { CacheTotals } from '../src/monitoring/prometheus.js'
import { requestTotalsOf } from '../src/monitoring/request-totals.js'

declare module 'fastify' {
  interface FastifyInstance { monitoring: Monitor }
}

function cacheTotals (app: FastifyInstance): CacheTotals | undefined {
  if (!app.cache.enabled) return undefined
  const q = app.cache.getCacheStats()
  const r = app.hasDecorator('responseCacheStats') ? app.responseCacheStats() : { hits: 0, stale: 0, misses: 0 }
  return {
    tiers: { l1: q.l1, redis: { hits: q.l2.hits, misses: q.l2.misses, stale: q.l2.stale }, response: { hits: r.hits, misses: r.misses, stale: r.stale } },
    l1Bytes: q.l1.bytes,
    l1Entries: q.l1.entries,
    evictions: q.l1.evictions,
    redisUp: q.l2.configured ? q.l2.available : undefined,
    // Reads answered without the database: response-tier hits, and query-cache hits (a response
    // miss whose query hits counts once, as a hit); misses are the lookups that went to PostgreSQL.
    hits: r.hits + r.stale + q.hits + q.stale,
    misses: q.misses
  }
}

async function monitoringPlugin (app: FastifyInstance) {
  const monitor = app.db.monitor
  app.decorate('monitoring', monitor)
  if (monitor.enabled) {
    monitor.setCacheSource(() => cacheTotals(app))
    const hist = app.routeHistogram
    if (hist !== undefined) monitor.setRequestSource(async () => requestTotalsOf(hist))
    await monitor.persistTo(app.db.pools.primary)
  }
  monitor.setReportSection('cache', () => ({
    title: 'Cache',
    available: app.cache.enabled,
    note: 'CACHE_ENABLED=false',
    data: { query: app.cache.getCacheStats(), responses: app.hasDecorator('responseCacheStats') ? app.responseCacheStats() : null }
  }))

  const token = app.config.METRICS_TOKEN
  app.get('/metrics', {
    schema: {
      tags: ['monitoring'],
      summary: 'Prometheus metrics (text exposition format)',
      description: token === undefined ? 'Open (set METRICS_TOKEN to require a bearer token).' : 'Requires `Authorization: Bearer <METRICS_TOKEN>`.',
      ...(token === undefined ? {} : { security: [{ metricsBearer: [] }] })
    },
    onRequest: token === undefined ? [] : [app.verifyBearer(token)]
  }, async (_request, reply) => {
    const merged = Registry.merge([processRegistry, monitor.metrics.registry])
    reply.type(merged.contentType)
    return await merged.metrics()
  })
}

export default fp(monitoringPlugin, {
  name: 'gateway-monitoring',
  dependencies: ['gateway-config', 'gateway-db', 'gateway-cache', 'gateway-route-metrics', 'gateway-admin-auth'],
  fastify: '5.x'
})
