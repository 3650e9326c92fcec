import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from 'typebox'
import { errorResponses } from '../schemas.js'
import { collectHealth } from './collect-health.js'

const Nullable = <T extends Parameters<typeof Type.Union>[0][number]>(t: T) => Type.Union([t, Type.Null()])

const Node = Type.Object({
  name: Type.String(),
  role: Type.String({ enum: ['primary', 'replica', 'cache'] }),
  up: Type.Boolean(),
  latencyMs: Nullable(Type.Number()),
  error: Type.Optional(Type.String())
})

const Replica = Type.Object({
  name: Type.String(),
  state: Type.String({ enum: ['unknown', 'in-rotation', 'out-of-rotation'] }),
  reason: Type.Optional(Type.String({ description: 'why it is out: unreachable, lagging, promoted, suspect' })),
  up: Nullable(Type.Boolean()),
  inRecovery: Nullable(Type.Boolean()),
  lagBytes: Nullable(Type.Number()),
  lagMs: Nullable(Type.Number()),
  receiveLsn: Nullable(Type.String()),
  replayLsn: Nullable(Type.String()),
  replayPaused: Nullable(Type.Boolean()),
  latencyMs: Nullable(Type.Number()),
  lastCheckAt: Nullable(Type.String({ format: 'date-time' })),
  error: Type.Optional(Type.String())
})

const Primary = Type.Object({
  name: Type.String(),
  state: Type.String({ enum: ['unknown', 'up', 'down', 'read-only'] }),
  up: Nullable(Type.Boolean()),
  currentLsn: Nullable(Type.String()),
  latencyMs: Nullable(Type.Number()),
  lastCheckAt: Nullable(Type.String({ format: 'date-time' })),
  error: Type.Optional(Type.String())
})

const Health = Type.Object({
  status: Type.String({ enum: ['ok', 'degraded', 'down'] }),
  nodes: Type.Array(Node),
  primary: Primary,
  replicas: Type.Array(Replica)
})

const health: FastifyPluginAsyncTypebox = async (app) => {
  app.get('/admin/health', {
    schema: {
      tags: ['admin'],
      summary: 'Primary, each replica (rotation state, lag) and Redis; overall ok / degraded / down',
      description: 'down: the primary does not answer or is read-only (writes fail); degraded: a replica is down or out of the read rotation, a pool is saturated, or Redis is down.',
      security: [{ bearerAuth: [] }],
      response: { 200: Health, 401: errorResponses[400], 503: Health }
    }
  }, async (_req, reply) => {
    const health = await collectHealth(app)
    return reply.code(health.status === 'down' ? 503 : 200).send(health)
  })
}

export default health
