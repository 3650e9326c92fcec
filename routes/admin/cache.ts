import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from 'typebox'
import { errorResponses } from '../schemas.js'

const Open = Type.Object({}, { additionalProperties: true })
const WarmResult = Type.Object({
  key: Type.String(), ok: Type.Boolean(), ms: Type.Number(), source: Type.String({ enum: ['declared', 'hot'] }), error: Type.Optional(Type.String())
})
const security = [{ bearerAuth: [] }]

/** Cache administration (SPEC §4): stats, invalidation by tag, warming. Registered in the admin scope. */
const cacheAdmin: FastifyPluginAsyncTypebox = async (app) => {
  app.get('/admin/cache/stats', {
    schema: {
      tags: ['admin'], summary: 'Cache statistics per tier (query cache) and for the response cache', security,
      response: { 200: Type.Object({ query: Open, responses: Open }), 401: errorResponses[400] }
    }
  }, async () => ({ query: app.cache.getCacheStats(), responses: app.responseCacheStats?.() ?? {} }))

  app.post('/admin/cache/invalidate', {
    schema: {
      tags: ['admin'], summary: 'Invalidate cache tags: a model ("users"), a row ("users:42") or a custom tag', security,
      body: Type.Object({ tags: Type.Array(Type.String({ minLength: 1, maxLength: 200 }), { minItems: 1, maxItems: 1000 }) }, { additionalProperties: false }),
      response: { 200: Type.Object({ invalidated: Type.Array(Type.String()) }), ...errorResponses }
    }
  }, async (req) => await app.cache.invalidateCache(req.body.tags))

  app.post('/admin/cache/warm', {
    schema: {
      tags: ['admin'], summary: 'Warm the declared and the hottest queries and responses now', security,
      response: { 200: Type.Object({ queries: Type.Array(WarmResult), responses: Type.Array(WarmResult) }), 401: errorResponses[400] }
    }
  }, async () => await app.warmCaches())
}

export default cacheAdmin
