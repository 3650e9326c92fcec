/**
 * OpenAPI generated from the route schemas (`/docs/json`); Swagger UI at `/docs`.
 *
 * The transform makes the document complete without repeating it in every route: each operation
 * gets an `operationId` derived from its method and path (unless it names one), routes without a
 * `security` requirement say they are public (`security: []`), authenticated ones document their
 * 401, GraphQL says what it is, and GraphiQL's asset routes are left out.
 */
import fp from 'fastify-plugin'
import swagger from '@fastify/swagger'
import swaggerUi from '@fastify/swagger-ui'
import type { FastifyInstance, FastifySchema } from 'fastify'
import { Error as ErrorBody } from '../routes/schemas.js'

type DocSchema = Omit<FastifySchema, 'tags' | 'security'> & { operationId?: string; summary?: string; description?: string; tags?: string[]; security?: Array<Record<string, string[]>>; hide?: boolean }

/** `GET /users/:id/notifications` → `getUsersByIdNotifications`. */
export function operationIdOf (method: string, url: string): string {
  const words = url.split('/').filter((s) => s !== '').map((s) => {
    const param = /^[:{]([^}]+)}?$/.exec(s)
    const word = param === null ? s : `by-${param[1]!}`
    return word.split(/[^A-Za-z0-9]+/).filter((w) => w !== '').map((w) => w[0]!.toUpperCase() + w.slice(1)).join('')
  })
  return method.toLowerCase() + (words.join('') || 'Root')
}

const GRAPHQL = {
  tags: ['graphql'],
  summary: 'GraphQL over HTTP',
  description: 'GraphQL at /graphql: POST a JSON body `{ query, variables?, operationName? }`, or GET with the same as query parameters (queries only). The schema is introspectable (GraphiQL at /graphiql outside production).'
}

const GRAPHQL_REJECTED = {
  description: 'The request was rejected before execution (parse or validation error, depth or cost limit): `data` is null and `errors` say why, each with `extensions.code`',
  type: 'object',
  properties: { data: { type: 'null' }, errors: { type: 'array', items: { type: 'object', properties: { message: { type: 'string' }, extensions: { type: 'object' } } } } }
}

function transform ({ schema, url, route }: { schema: FastifySchema | undefined; url: string; route: { method: string | string[] } }): { schema: FastifySchema; url: string } {
  const s = { ...(schema ?? {}) } as DocSchema
  if (url.startsWith('/graphiql')) return { schema: { ...s, hide: true }, url }
  if (url === '/graphql') {
    Object.assign(s, { ...GRAPHQL, ...s })
    const response = (s.response ?? {}) as Record<string, unknown>
    s.response = { ...response, 400: GRAPHQL_REJECTED }
  }
  if (s.operationId === undefined && typeof route.method === 'string') s.operationId = operationIdOf(route.method, url)
  if (s.security === undefined) s.security = []
  else if (s.security.some((req) => Object.keys(req).length > 0)) {
    const response = (s.response ?? {}) as Record<string, unknown>
    if (response['401'] === undefined) s.response = { ...response, 401: { ...ErrorBody, description: 'Missing or wrong bearer token' } }
  }
  return { schema: s, url }
}

async function swaggerPlugin (app: FastifyInstance) {
  await app.register(swagger, {
    openapi: {
      info: { title: 'StellarRec data gateway', version: '0.1.0', description: 'REST API over the StellarRec domain. GraphQL at /graphql.', license: { name: 'UNLICENSED (private)', url: 'https://spdx.org/licenses/' } },
      // Relative: the document describes whichever gateway serves it (Swagger UI "Try it out" included).
      servers: [{ url: '/', description: 'this gateway' }],
      components: {
        securitySchemes: {
          bearerAuth: { type: 'http', scheme: 'bearer', description: 'ADMIN_TOKEN' },
          ...(app.config.METRICS_TOKEN === undefined ? {} : { metricsBearer: { type: 'http', scheme: 'bearer', description: 'METRICS_TOKEN' } })
        }
      }
    },
    transform
  })
  await app.register(swaggerUi, { routePrefix: '/docs' })
}

export default fp(swaggerPlugin, { name: 'gateway-swagger', dependencies: ['gateway-config'], fastify: '5.x' })
