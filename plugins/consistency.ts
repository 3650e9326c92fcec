/**
 * Read-your-writes over HTTP (SPEC §6): reads `X-Consistency-Token` / `X-Read-Consistency` (and a
 * route's `config: { consistency: 'strong' }`) into the request context the client honours, and
 * puts `X-Consistency-Token` on every successful response to a request that committed a write
 * (REST and GraphQL mutations alike: the client records the commit's WAL position in the context).
 *
 * The context is entered in onRequest and re-entered in preValidation: the body of a request is
 * parsed in the socket's async context, so what runs after parsing would otherwise lose it.
 * @see https://github.com/fastify/fastify-request-context (same technique)
 */
import { AsyncResource } from 'node:async_hooks'
import fp from 'fastify-plugin'
import type { FastifyInstance, FastifyRequest } from 'fastify'
import { runWithContext, type RequestContext } from '../src/context/request-context.js'
import { TokenCodec, assertNotFromFuture, parseReadConsistency, tokenHeader, TOKEN_HEADER, READ_CONSISTENCY_HEADER } from '../src/consistency/index.js'

declare module 'fastify' {
  interface FastifyInstance { consistencyTokens: TokenCodec }
  interface FastifyRequest { consistency: RequestContext | undefined }
  interface FastifyContextConfig { consistency?: 'strong' | 'eventual' }
}

const kScope = Symbol('consistency scope')
type Scoped = FastifyRequest & { [kScope]?: AsyncResource }

async function readContext (app: FastifyInstance, request: FastifyRequest): Promise<RequestContext> {
  const ctx: RequestContext = {}
  const route = request.routeOptions.url
  if (route !== undefined) ctx.route = route
  const declared = request.routeOptions.config?.consistency
  const asked = parseReadConsistency(request.headers[READ_CONSISTENCY_HEADER])
  if ((asked ?? declared) === 'strong') ctx.strong = true
  const token = tokenHeader(request.headers[TOKEN_HEADER])
  if (token !== undefined && token !== '') {
    const lsn = app.consistencyTokens.decode(token)
    await assertNotFromFuture(lsn, app.db)
    ctx.minLsn = lsn
  }
  return ctx
}

async function consistencyPlugin (app: FastifyInstance) {
  app.decorate('consistencyTokens', new TokenCodec(app.config.CONSISTENCY_TOKEN_SECRET))
  app.decorateRequest('consistency', undefined)

  app.addHook('onRequest', (request, _reply, done) => {
    readContext(app, request).then((ctx) => {
      request.consistency = ctx
      runWithContext(ctx, () => {
        const scope = new AsyncResource('gateway-consistency')
        ;(request as Scoped)[kScope] = scope
        scope.runInAsyncScope(done)
      })
    }, done)
  })

  app.addHook('preValidation', (request, _reply, done) => {
    const scope = (request as Scoped)[kScope]
    if (scope === undefined) done()
    else scope.runInAsyncScope(done)
  })

  app.addHook('onSend', async (request, reply, payload) => {
    const lsn = request.consistency?.lastCommitLsn
    if (lsn !== undefined && reply.statusCode < 400) reply.header(TOKEN_HEADER, app.consistencyTokens.encode(lsn))
    return payload
  })
}

export default fp(consistencyPlugin, { name: 'gateway-consistency', dependencies: ['gateway-config', 'gateway-db'], fastify: '5.x' })
