/** OpenAPI generated from the route schemas (`/docs/json`); Swagger UI at `/docs`. */
import fp from 'fastify-plugin'
import swagger from '@fastify/swagger'
import swaggerUi from '@fastify/swagger-ui'
import type { FastifyInstance } from 'fastify'

async function swaggerPlugin (app: FastifyInstance) {
  await app.register(swagger, {
    openapi: {
      info: { title: 'StellarRec data gateway', version: '0.1.0', description: 'REST API over the StellarRec domain. GraphQL at /graphql.' },
      components: { securitySchemes: { bearerAuth: { type: 'http', scheme: 'bearer', description: 'ADMIN_TOKEN' }, metricsBearer: { type: 'http', scheme: 'bearer', description: 'METRICS_TOKEN (only when set)' } } }
    }
  })
  await app.register(swaggerUi, { routePrefix: '/docs' })
}

export default fp(swaggerPlugin, { name: 'gateway-swagger', dependencies: ['gateway-config'], fastify: '5.x' })
