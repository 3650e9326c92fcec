/**
 * Route metrics through fastify-metrics (prom-client): one histogram of request duration by
 * method, route pattern and status (the summary is off — it costs a quantile sketch per request).
 * Registered before every plugin that answers in onRequest (the response cache), so cached hits
 * are timed too. `GET /metrics` itself is served by the monitoring plugin (auth, gateway metrics).
 * Off with MONITORING_ENABLED=false.
 * @see https://github.com/SkeLLLa/fastify-metrics
 */
import fp from 'fastify-plugin'
import type { FastifyInstance } from 'fastify'
import metricsPluginModule from 'fastify-metrics'
import type { Histogram } from 'prom-client'
import { LATENCY_BUCKETS_SECONDS } from '../src/monitoring/buckets.js'

// CommonJS default export under NodeNext (SPEC §8).
const metricsPlugin = metricsPluginModule.default

/** Long-lived or self-referential routes whose duration says nothing about the gateway's speed. */
export const UNTIMED_ROUTES = ['/metrics', '/admin/performance/stream']

const MISNAMED_DEFAULT_METRICS = ['nodejs_active_handles_total', 'nodejs_active_requests_total', 'nodejs_active_resources_total']

declare module 'fastify' {
  interface FastifyInstance {
    /** The request-duration histogram of this app (undefined when monitoring is off). */
    routeHistogram: Histogram<string> | undefined
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
    routeMetrics: {
      enabled: { histogram: true, summary: false },
      routeBlacklist: UNTIMED_ROUTES,
      overrides: { histogram: { buckets: [...LATENCY_BUCKETS_SECONDS] } }
    }
  })
  // prom-client's default metrics name three gauges `…_total`, which the Prometheus naming rules
  // (and `promtool check metrics`) reserve for counters; the same counts are in process_* metrics.
  for (const name of MISNAMED_DEFAULT_METRICS) app.metrics.client.register.removeSingleMetric(name)
  const fm = app.metrics as unknown as { routeMetrics?: { routeHist?: Histogram<string> } }
  app.decorate('routeHistogram', fm.routeMetrics?.routeHist)
}

export default fp(routeMetricsPlugin, { name: 'gateway-route-metrics', dependencies: ['gateway-config'], fastify: '5.x' })
