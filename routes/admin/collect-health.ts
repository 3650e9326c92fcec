/**
 * The figures behind `GET /admin/health`, as one function so the dashboard's stream reports the
 * same status the health route does.
 */
import type { FastifyInstance } from 'fastify'
import { withTimeout } from '../../src/util/with-timeout.js'

type DatabaseHealth = Awaited<ReturnType<FastifyInstance['db']['getDatabaseHealth']>>
type CacheNode = { name: string; role: 'cache'; up: boolean; latencyMs: number | null; error?: string }

export interface GatewayHealth {
  status: 'ok' | 'degraded' | 'down'
  nodes: Array<DatabaseHealth['nodes'][number] | CacheNode>
  primary: ReturnType<FastifyInstance['db']['replicaManager']['primaryStatus']>
  replicas: ReturnType<FastifyInstance['db']['replicaManager']['checkReplicationLag']>
}

export async function collectHealth (app: FastifyInstance): Promise<GatewayHealth> {
  const manager = app.db.replicaManager
  const db = await app.db.getDatabaseHealth()
  const nodes: GatewayHealth['nodes'] = [...db.nodes]
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
  return { status, nodes, primary, replicas }
}

const round = (ms: number) => Math.round(ms * 100) / 100
