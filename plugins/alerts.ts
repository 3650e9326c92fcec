/**
 * The alert engine in the app (docs/alerts.md): evaluates in onReady's timers, stops in onClose.
 * Its observations come from the client's monitor (`db.monitor.alertSample()`: pools, windows,
 * cache, replicas, Redis). MONITORING_ENABLED=false keeps
 * `app.alerts` (GET /admin/alerts answers `enabled: false`) but starts nothing.
 */
import os from 'node:os'
import fp from 'fastify-plugin'
import type { FastifyInstance } from 'fastify'
import { AlertManager, alertSettingsFrom } from '../src/monitoring/alerts/index.js'

declare module 'fastify' {
  interface FastifyInstance {
    alerts: AlertManager
  }
}

async function alertsPlugin (app: FastifyInstance) {
  const c = app.config
  const instance = c.MONITORING_INSTANCE_ID ?? `${os.hostname()}:${process.pid}`
  // The client's monitor observes pools, windows, replicas and (once the monitoring plugin gave it
  // the cache's totals) the cache and Redis.
  const sample = () => app.db.monitor.alertSample()
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
  app.db.monitor.setAlertSource(() => alerts.knownStates())
  app.addHook('onReady', async () => { alerts.start() })
  app.addHook('onClose', async () => { await alerts.stop() })
}

export default fp(alertsPlugin, { name: 'gateway-alerts', dependencies: ['gateway-config', 'gateway-db'], fastify: '5.x' })
