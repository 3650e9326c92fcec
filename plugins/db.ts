/**
 * The gateway's own services: the library client over the named pools, and the domain writes.
 * The pools belong to @fastify/postgres (it ends them); the client only stops what it started.
 */
import fp from 'fastify-plugin'
import type { FastifyInstance } from 'fastify'
import { OptimizedDatabaseClient, createDatabaseConfig } from '../src/index.js'
import { replicaNames } from '../src/pools/config.js'
import { splitUrls } from '../src/config/load.js'
import { createWrites, type DomainWrites } from '../src/domain/writes.js'

declare module 'fastify' {
  interface FastifyInstance {
    db: OptimizedDatabaseClient
    writes: DomainWrites
  }
}

async function dbPlugin (app: FastifyInstance) {
  const { config } = app
  const dbConfig = createDatabaseConfig({
    url: config.DATABASE_URL,
    readUrls: splitUrls(config.DATABASE_READ_URLS),
    poolMin: config.DB_POOL_MIN,
    poolMax: config.DB_POOL_MAX,
    idleTimeoutMillis: config.DB_POOL_IDLE_TIMEOUT,
    connectionTimeoutMillis: config.DB_POOL_CONNECTION_TIMEOUT,
    readStrategy: config.DB_READ_STRATEGY,
    statementTimeoutMillis: config.DB_STATEMENT_TIMEOUT
  })
  const pg = app.pg as unknown as Record<string, { pool: import('pg').Pool }>
  const client = new OptimizedDatabaseClient(dbConfig, {
    pools: {
      primary: pg.primary!.pool,
      replicas: replicaNames(config).map(([name]) => ({ name, pool: pg[name]!.pool }))
    },
    logger: app.log
  })
  await client.connect()
  app.decorate('db', client)
  app.decorate('writes', createWrites(client))
  app.addHook('onClose', async () => { await client.close() })
}

export default fp(dbPlugin, { name: 'gateway-db', dependencies: ['gateway-config', 'gateway-postgres'], fastify: '5.x' })
