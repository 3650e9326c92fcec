import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from 'typebox'
import { errorResponses } from '../schemas.js'

const Node = Type.Object({
  name: Type.String(),
  role: Type.String({ enum: ['primary', 'replica', 'cache'] }),
  up: Type.Boolean(),
  latencyMs: Type.Union([Type.Number(), Type.Null()]),
  error: Type.Optional(Type.String())
})

const health: FastifyPluginAsyncTypebox = async (app) => {
  app.get('/admin/health', {
    schema: {
      tags: ['admin'], summary: 'Primary, each replica and Redis: up or down with latency',
      security: [{ bearerAuth: [] }],
      response: {
        200: Type.Object({ status: Type.String({ enum: ['ok', 'degraded', 'down'] }), nodes: Type.Array(Node) }),
        401: errorResponses[400],
        503: Type.Object({ status: Type.String({ enum: ['ok', 'degraded', 'down'] }), nodes: Type.Array(Node) })
      }
    }
  }, async (_req, reply) => {
    const db = await app.db.getDatabaseHealth()
    const nodes: Array<typeof db.nodes[number] | { name: string; role: 'cache'; up: boolean; latencyMs: number | null; error?: string }> = [...db.nodes]
    let status = db.status
    if (app.hasDecorator('redis')) {
      const started = performance.now()
      try {
        await withTimeout(app.redis.ping(), 1000)
        nodes.push({ name: 'redis', role: 'cache', up: true, latencyMs: round(performance.now() - started) })
      } catch (err) {
        nodes.push({ name: 'redis', role: 'cache', up: false, latencyMs: null, error: (err as Error).message })
        // The cache is optional: losing it degrades, it does not take the gateway down.
        if (status === 'ok') status = 'degraded'
      }
    }
    return reply.code(status === 'down' ? 503 : 200).send({ status, nodes })
  })
}

const round = (ms: number) => Math.round(ms * 100) / 100

function withTimeout<T> (p: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined
  return Promise.race([
    p,
    new Promise<T>((_resolve, reject) => { timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms) })
  ]).finally(() => clearTimeout(timer))
}

export default health
