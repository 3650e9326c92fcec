/**
 * Slow-query capture on the app's client (src/monitoring/slow-queries): `app.slowQueries`, null
 * when MONITORING_ENABLED is false. Started (parser, pg_stat_statements detection, timers) and
 * attached in onReady, flushed and detached in onClose — before the pools end.
 */
import fp from 'fastify-plugin'
import type { FastifyInstance } from 'fastify'
import { createSlowQueryLog, type SlowQueryLog } from '../src/monitoring/slow-queries/index.js'

declare module 'fastify' {
  interface FastifyInstance {
    slowQueries: SlowQueryLog | null
  }
}

async function slowQueriesPlugin (app: FastifyInstance) {
  if (!app.config.MONITORING_ENABLED) {
    app.decorate('slowQueries', null)
    return
  }
  const log = createSlowQueryLog(app.db, app.config, { logger: app.log })
  app.decorate('slowQueries', log)
  // getSlowQueries(), reports and the dashboard read slow queries through the monitor.
  app.db.monitor.setSlowQuerySource(log)
  app.addHook('onReady', async () => {
    await log.start()
    log.attach()
  })
  app.addHook('onClose', async () => { await log.close() })
}

export default fp(slowQueriesPlugin, { name: 'gateway-slow-queries', dependencies: ['gateway-config', 'gateway-db'], fastify: '5.x' })
