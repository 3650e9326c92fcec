/**
 * The GraphQL interface (SPEC §4): mercurius at /graphql (POST, and GET for queries), over the
 * same client and domain functions as REST (STYLE §9). Depth (outside introspection, which has
 * its own bound so GraphiQL and codegen can load the schema), estimated cost and the `first`
 * range are checked by limits.ts before execution; GRAPHQL_INTROSPECTION=false refuses
 * introspection altogether.
 */
import { readFileSync } from 'node:fs'
import fp from 'fastify-plugin'
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { gatewayError } from '../src/errors.js'
import { acceptsGraphqlResponse, GRAPHQL_RESPONSE } from '../src/util/media-type.js'
import { NoSchemaIntrospectionCustomRule } from 'graphql'
import mercurius from 'mercurius'
import { createErrorFormatter, RequestRejected } from './errors.js'
import { checkLimits } from './limits.js'
import { loaders } from './loaders.js'
import { resolvers } from './resolvers.js'

export const schemaText = readFileSync(new URL('./schema.graphql', import.meta.url), 'utf8')

async function graphqlPlugin (app: FastifyInstance) {
  const { config } = app
  // Response cache policy for GraphQL queries (mutations are never cached). User.applications and
  // User.notifications are read with raw SQL (nested-pages.ts), which reports no tags: declared here.
  app.addHook('onRoute', (route) => {
    if (route.url !== '/graphql') return
    route.config = { ...route.config, cache: { ttl: 60, tags: ['applications', 'notifications'] } }
    // The media type (and a request error's status) depends on Accept (GraphQL over HTTP).
    const sends = route.onSend === undefined ? [] : Array.isArray(route.onSend) ? route.onSend : [route.onSend]
    route.onSend = [...sends, async (request: FastifyRequest, reply: FastifyReply, payload: unknown) => {
      reply.header('vary', 'Accept')
      if (acceptsGraphqlResponse(request.headers.accept) && /^application\/json\b/.test(String(reply.getHeader('content-type') ?? ''))) {
        reply.header('content-type', `${GRAPHQL_RESPONSE}; charset=utf-8`)
      }
      return payload
    }]
    // Query text is bounded before mercurius parses (and caches) it: parsed documents are kept.
    const limit = config.GRAPHQL_MAX_QUERY_LENGTH
    const existing = route.preValidation === undefined ? [] : Array.isArray(route.preValidation) ? route.preValidation : [route.preValidation]
    route.preValidation = [...existing, async (request: FastifyRequest) => {
      const source = request.method === 'GET' ? request.query : request.body
      const query = (source as { query?: unknown } | undefined)?.query
      if (typeof query === 'string' && query.length > limit) {
        throw gatewayError('GW_ERR_GRAPHQL_TOO_COMPLEX', `GraphQL query text is longer than ${limit} characters (GRAPHQL_MAX_QUERY_LENGTH)`, { length: query.length, maxLength: limit })
      }
    }]
  })
  await app.register(mercurius, {
    schema: schemaText,
    resolvers,
    loaders,
    path: '/graphql',
    // GraphiQL is ours (routes/graphiql.ts): mercurius' loads its assets from a CDN.
    graphiql: false,
    ...(config.GRAPHQL_INTROSPECTION ? {} : { validationRules: [NoSchemaIntrospectionCustomRule] }),
    // Parsed-document cache: bounded in count here and in size by GRAPHQL_MAX_QUERY_LENGTH.
    cache: 256,
    // A query run twice is compiled with graphql-jit (mercurius' `jit`): the uncached GraphQL
    // lookup's executor cost, measured in BENCHMARKS.md.
    jit: 1,
    errorFormatter: createErrorFormatter()
  })
  app.graphql.addHook('preExecution', (schema, document, _ctx, variables) => {
    const errors = checkLimits(schema, document, variables, config.GRAPHQL_MAX_COST, config.GRAPHQL_MAX_DEPTH)
    if (errors.length > 0) throw new RequestRejected(errors)
  })
}

export default fp(graphqlPlugin, { name: 'gateway-graphql', dependencies: ['gateway-config', 'gateway-db'], fastify: '5.x' })
