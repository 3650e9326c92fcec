/**
 * Maintenance jobs in the app: `app.maintenance` is the client's runner (src/maintenance), its
 * warm-cache task warming the response cache as well as the query cache. Routes:
 * routes/admin/maintenance.ts; the schedule (plugins/schedule.ts) runs its jobs through it.
 */
import fp from 'fastify-plugin'
import type { FastifyInstance } from 'fastify'
import type { MaintenanceRunner } from '../src/maintenance/index.js'

declare module 'fastify' {
  interface FastifyInstance { maintenance: MaintenanceRunner }
}

async function maintenancePlugin (app: FastifyInstance) {
  const runner = app.db.maintenance
  runner.setWarmer(app.cache.enabled
    ? async () => {
      const r = await app.warmCaches()
      return [...r.queries, ...r.responses]
    }
    : null)
  app.decorate('maintenance', runner)
  // The client's close() waits too; here the job finishes before the pools' plugin ends them.
  app.addHook('onClose', async () => { await runner.close() })
}

export default fp(maintenancePlugin, { name: 'gateway-maintenance', dependencies: ['gateway-config', 'gateway-db', 'gateway-cache'], fastify: '5.x' })
