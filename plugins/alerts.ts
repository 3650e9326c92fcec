/**
 * The alert engine in the app (docs/alerts.md): evaluates in onReady's timers, stops in onClose.
 * Its observations come from `app.monitoring.alertSample()` once the metrics layer decorates it,
 * and until then from the basic sampler (pools, replicas, Redis). MONITORING_ENABLED=false keeps
 * `app.alerts` (GET /admin/alerts answers `enabled: false`) but starts nothing.
 */
import os from 'node:os'
import fp from 'fastify-plugin'
import type { FastifyInstance } from 'fastify'
import { AlertManager, alertSettingsFrom, basicSample } from '../src/monitoring/alerts/index.js'
import type { AlertSample } from '../src/monitoring/types.js'

declare module 'fastify' {
  interface FastifyInstance {
    alerts: AlertManager
  }
}

type Sampler = () => AlertSample | Promise<AlertSample>

async function alertsPlugin (app: FastifyInstance) {
  const c = app.config
  const instance = c.MONITORING_INSTANCE_ID ?? `${os.hostname()}:${process.pid}`
  const fallback = basicSample({
    db: app.db,
    ...(app.hasDecorator('redis') ? { redisStatus: () => app.redis.status } : {})
  }, instance)
  // Looked up at each evaluation: the monitoring plugin may register after this one.
  const sample: Sampler = () => {
    const monitoring = (app as unknown as { monitoring?: { alertSample?: Sampler } }).monitoring
    return monitoring?.alertSample ? monitoring.alertSample() : fallback()
  }
  const alerts = new AlertManager({
    // The raw primary pool: alert bookkeeping is not the client's traffic (no query events, no routing).
    pool: app.db.pools.primary,
    settings: alertSettingsFrom(c),
    sample,
    instance,
    enabled: c.MONITORING_ENABLED,
    logger: app.log
  })
  app.decorate('alerts', alerts)
  app.addHook('onReady', async () => { alerts.start() })
  app.addHook('onClose', async () => { await alerts.stop() })
}

export default fp(alertsPlugin, { name: 'gateway-alerts', dependencies: ['gateway-config', 'gateway-db'], fastify: '5.x' })
