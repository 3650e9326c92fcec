import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from 'typebox'
import { errorResponses } from '../schemas.js'
import { withTimeout } from '../../src/util/with-timeout.js'

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
    const manager = app.db.replicaManager
    const db = await app.db.getDatabaseHealth()
    const nodes: Array<typeof db.nodes[number] | { name: string; role: 'cache'; up: boolean; latencyMs: number | null; error?: string }> = [...db.nodes]
    const primary = manager.primaryStatus()
    const replicas = manager.checkReplicationLag()
    let status = db.status
    const viaPool = db.nodes.find((n) => n.role === 'primary')
    if (primary.state === 'down' || primary.state === 'read-only') status = 'down'
    // The health loop's own connection says the primary answers; a pool probe that only timed out
    // waiting met a saturated pool: overload (requests get 503 + Retry-After), not an outage.
    else if (status === 'down' && primary.state === 'up' && /^timed out/i.test(viaPool?.error ?? '')) status = 'degraded'
    else if (status === 'ok' && replicas.some((r) => r.state !== 'in-rotation')) status = 'degraded'
    if (app.hasDecorator('redis')) {
      const started = performance.now()
      try {
        await withTimeout(app.redis.ping(), 1000, () => new Error('no answer within 1000 ms'))
        nodes.push({ name: 'redis', role: 'cache', up: true, latencyMs: round(performance.now() - started) })
      } catch (err) {
        nodes.push({ name: 'redis', role: 'cache', up: false, latencyMs: null, error: (err as Error).message })
        // The cache is optional: losing it degrades, it does not take the gateway down.
        if (status === 'ok') status = 'degraded'
      }
    }
    return reply.code(status === 'down' ? 503 : 200).send({ status, nodes, primary, replicas })
  })
}

const round = (ms: number) => Math.round(ms * 100) / 100

export default health
