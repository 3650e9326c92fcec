/** The servers of load/cache-bench.ts, in one child process: gateway (cache on, cache off) and plain Fastify. */
import Fastify from 'fastify'
import pg from 'pg'
import { app as gatewayApp } from '../src/app.js'
import { appOptions } from '../src/app-options.js'
import { loadConfig } from '../src/config/load.js'
import { gatewayTypes } from '../src/pools/type-parsers.js'

export interface Targets { cacheOn: string; cacheL1: string; cacheOff: string; plain: string }

async function gateway (env: Record<string, string>): Promise<string> {
  const { config } = loadConfig({ env: { LOG_LEVEL: 'silent', NODE_ENV: 'production', ADMIN_TOKEN: 'bench-admin-token-0123456789', ...env } })
  const server = Fastify(appOptions(config))
  await server.register(gatewayApp, { config })
  return await server.listen({ port: 0, host: '127.0.0.1' })
}

const STATIC = { id: 1, email: 'ada@example.com', name: 'Ada', role: 'student', isActive: true, createdAt: '2026-01-01T00:00:00.000Z', updatedAt: '2026-01-01T00:00:00.000Z' }

export async function serveTargets (databaseUrl: string, redisUrl: string, prefix: string): Promise<Targets> {
  const common = { DATABASE_URL: databaseUrl, REDIS_URL: redisUrl, CACHE_KEY_PREFIX: prefix, DB_POOL_MAX: '20' }
  const cacheOn = await gateway(common)
  const cacheL1 = await gateway({ ...common, REDIS_URL: '' })
  const cacheOff = await gateway({ ...common, CACHE_ENABLED: 'false' })

  // The baseline: what a hand-written Fastify + pg service would do for the same reads.
  const pool = new pg.Pool({ connectionString: databaseUrl, max: 20, types: gatewayTypes })
  const plain = Fastify({ logger: false })
  plain.get('/static', async () => STATIC)
  plain.get<{ Params: { id: string } }>('/plain/users/:id', async (req, reply) => {
    const r = await pool.query('SELECT id, email, name, role, is_active AS "isActive", created_at AS "createdAt", updated_at AS "updatedAt" FROM users WHERE id = $1', [Number(req.params.id)])
    return r.rows[0] ?? reply.code(404).send({ message: 'not found' })
  })
  plain.get('/plain/universities', async () => {
    const r = await pool.query('SELECT id, name, country, city, ranking, is_active AS "isActive" FROM universities ORDER BY id LIMIT 21')
    return { items: r.rows.slice(0, 20), nextCursor: null }
  })
  const plainUrl = await plain.listen({ port: 0, host: '127.0.0.1' })
  return { cacheOn, cacheL1, cacheOff, plain: plainUrl }
}
