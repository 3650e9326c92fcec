/**
 * Process metrics through fastify-metrics (prom-client's default metrics on the process-wide
 * registry) and the route histogram: request duration by method, route pattern and status.
 *
 * The route histogram is ours, not fastify-metrics' `routeMetrics`: measured on the cached hot
 * path (`hot-set`), fastify-metrics' onRequest timer + onResponse observation (a WeakMap entry, a
 * label object and a label hash per request) cost 13 % of throughput against MONITORING_ENABLED=
 * false; one onResponse hook reading Fastify's own `reply.elapsedTime` into a per-route child
 * (FastHistogram) keeps the cost within noise (BENCHMARKS.md). Registered before every plugin that
 * answers in onRequest (the response cache) so those hits are timed; `GET /metrics` itself is
 * served by the monitoring plugin. Off with MONITORING_ENABLED=false.
 * @see https://github.com/SkeLLLa/fastify-metrics
 */
import fp from 'fastify-plugin'
import type { FastifyInstance } from 'fastify'
import metricsPluginModule from 'fastify-metrics'
import { FastHistogram, type HistogramChild } from '../src/monitoring/fast-histogram.js'

// CommonJS default export under NodeNext (SPEC §8).
const metricsPlugin = metricsPluginModule.default

/** Long-lived or self-referential routes whose duration says nothing about the gateway's speed. */
export const UNTIMED_ROUTES = ['/metrics', '/admin/performance/stream']

const MISNAMED_DEFAULT_METRICS = ['nodejs_active_handles_total', 'nodejs_active_requests_total', 'nodejs_active_resources_total']

declare module 'fastify' {
  interface FastifyInstance {
    /** The request-duration histogram of this app (undefined when monitoring is off). */
    routeHistogram: FastHistogram | undefined
  }
}

async function routeMetricsPlugin (app: FastifyInstance) {
  if (!app.config.MONITORING_ENABLED) {
    app.decorate('routeHistogram', undefined)
    return
  }
  await app.register(metricsPlugin, {
    endpoint: null,
    // Each app re-registers its metrics on the process-wide prom-client registry (tests build many).
    clearRegisterOnInit: true,
    defaultMetrics: { enabled: true },
    routeMetrics: { enabled: false }
  })
  const registry = app.metrics.client.register
  // prom-client's default metrics name three gauges `…_total`, which the Prometheus naming rules
  // (and `promtool check metrics`) reserve for counters; the same counts are in process_* metrics.
  for (const name of MISNAMED_DEFAULT_METRICS) registry.removeSingleMetric(name)
  const hist = new FastHistogram('http_request_duration_seconds', 'Request duration by method, route pattern and status', ['method', 'route', 'status_code'], registry)
  app.decorate('routeHistogram', hist)

  const untimed = new Set(UNTIMED_ROUTES)
  // method → route pattern → status → child; only registered routes (a 404's URL is not a label).
  const children = new Map<string, Map<string, Map<number, HistogramChild>>>()
  app.addHook('onResponse', (request, reply, done) => {
    const route = request.routeOptions.url
    if (route !== undefined && !untimed.has(route)) {
      let byRoute = children.get(request.method)
      if (byRoute === undefined) children.set(request.method, byRoute = new Map())
      let byStatus = byRoute.get(route)
      if (byStatus === undefined) byRoute.set(route, byStatus = new Map())
      let child = byStatus.get(reply.statusCode)
      if (child === undefined) byStatus.set(reply.statusCode, child = hist.child(request.method, route, String(reply.statusCode)))
      child.observeMs(reply.elapsedTime)
    }
    done()
  })
}

export default fp(routeMetricsPlugin, { name: 'gateway-route-metrics', dependencies: ['gateway-config'], fastify: '5.x' })
