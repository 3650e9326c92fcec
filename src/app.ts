/**
 * The app: plugins in tiers (resources → gateway services → routes), nothing else (STYLE §1–2).
 * `src/server.ts` owns listen, shutdown and the logger choice.
 */
import fp from 'fastify-plugin'
import type { FastifyInstance } from 'fastify'
import type { GatewayConfig } from './config/schema.js'
import { prettyLogs } from './app-options.js'
import configPlugin from '../plugins/config.js'
import errorsPlugin from '../plugins/errors.js'
import routeMetricsPlugin from '../plugins/metrics.js'
import postgresPlugin from '../plugins/postgres.js'
import redisPlugin from '../plugins/redis.js'
import dbPlugin from '../plugins/db.js'
import replicasPlugin from '../plugins/replicas.js'
import consistencyPlugin from '../plugins/consistency.js'
import cachePlugin from '../plugins/cache.js'
import responseCachePlugin from '../plugins/response-cache.js'
import slowQueriesPlugin from '../plugins/slow-queries.js'
import alertsPlugin from '../plugins/alerts.js'
import partitionsPlugin from '../plugins/partitions.js'
import maintenancePlugin from '../plugins/maintenance.js'
import adminAuthPlugin from '../plugins/admin-auth.js'
import swaggerPlugin from '../plugins/swagger.js'
import monitoringPlugin from '../plugins/monitoring.js'
import schedulePlugin from '../plugins/schedule.js'
import graphqlPlugin from '../schema/index.js'
import graphiqlRoutes from '../routes/graphiql.js'
import usersRoutes from '../routes/users.js'
import universitiesRoutes from '../routes/universities.js'
import applicationsRoutes from '../routes/applications.js'
import eventsRoutes from '../routes/events.js'
import healthRoutes from '../routes/admin/health.js'
import cacheAdminRoutes from '../routes/admin/cache.js'
import metricsAdminRoutes from '../routes/admin/metrics.js'
import reportAdminRoutes from '../routes/admin/report.js'
import slowQueriesAdminRoutes from '../routes/admin/slow-queries.js'
import alertsAdminRoutes from '../routes/admin/alerts.js'
import partitionsAdminRoutes from '../routes/admin/partitions.js'
import indexesAdminRoutes from '../routes/admin/indexes.js'
import explainAdminRoutes from '../routes/admin/explain.js'
import indexAdviceAdminRoutes from '../routes/admin/index-advice.js'
import maintenanceAdminRoutes from '../routes/admin/maintenance.js'
import performancePageRoutes from '../routes/admin/performance-page.js'
import performanceStreamRoutes from '../routes/admin/performance-stream.js'

export interface AppOptions { config: GatewayConfig }

async function gatewayApp (fastify: FastifyInstance, opts: AppOptions): Promise<void> {
  // Tier 1: configuration and external resources.
  await fastify.register(configPlugin, { config: opts.config })
  if (prettyLogs(opts.config)) {
    // One line per request on a developer's terminal (Fastify's own pair is off: app-options.ts).
    fastify.addHook('onResponse', async (request, reply) => {
      request.log.info(`${request.method} ${request.url} → ${reply.statusCode} in ${reply.elapsedTime.toFixed(1)} ms`)
    })
  }
  await fastify.register(errorsPlugin)
  // Before any plugin that answers in onRequest (the response cache), so every response is timed.
  await fastify.register(routeMetricsPlugin)
  await fastify.register(postgresPlugin)
  await fastify.register(redisPlugin)
  // Tier 2: the gateway's own services.
  await fastify.register(dbPlugin)
  await fastify.register(replicasPlugin)
  await fastify.register(consistencyPlugin)
  await fastify.register(cachePlugin)
  await fastify.register(slowQueriesPlugin)
  await fastify.register(alertsPlugin)
  await fastify.register(partitionsPlugin)
  await fastify.register(maintenancePlugin)
  await fastify.register(responseCachePlugin)
  await fastify.register(adminAuthPlugin)
  await fastify.register(swaggerPlugin)
  await fastify.register(monitoringPlugin)
  await fastify.register(schedulePlugin)
  // Tier 3: routes.
  await fastify.register(usersRoutes)
  await fastify.register(universitiesRoutes)
  await fastify.register(applicationsRoutes)
  await fastify.register(eventsRoutes)
  await fastify.register(graphqlPlugin)
  if (opts.config.NODE_ENV !== 'production') await fastify.register(graphiqlRoutes)
  // The dashboard's page and assets hold no data; they stay outside the admin scope so a browser
  // can load the login form. Its stream is inside.
  await fastify.register(performancePageRoutes)
  await fastify.register(async (admin) => {
    admin.addHook('onRequest', admin.verifyBearer(opts.config.ADMIN_TOKEN))
    await admin.register(healthRoutes)
    await admin.register(cacheAdminRoutes)
    await admin.register(metricsAdminRoutes)
    await admin.register(reportAdminRoutes)
    await admin.register(slowQueriesAdminRoutes)
    await admin.register(alertsAdminRoutes)
    await admin.register(partitionsAdminRoutes)
    await admin.register(indexesAdminRoutes)
    await admin.register(explainAdminRoutes)
    await admin.register(indexAdviceAdminRoutes)
    await admin.register(maintenanceAdminRoutes)
    await admin.register(performanceStreamRoutes)
  })
}

/** Not encapsulated, so the server and tests see the decorators (`db`, `writes`, `config`). */
export const app = fp(gatewayApp, { name: 'gateway-app', fastify: '5.x' })
