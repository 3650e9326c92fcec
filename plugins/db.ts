/**
 * The gateway's own services: the library client over the named pools, and the domain writes.
 * The pools belong to @fastify/postgres (it ends them); the client only stops what it started.
 */
import fp from 'fastify-plugin'
import type { FastifyInstance } from 'fastify'
import { OptimizedDatabaseClient } from '../src/index.js'
import { databaseConfigFrom, replicaEntries } from '../src/config/database-from-gateway.js'
import { createWrites, type DomainWrites } from '../src/domain/writes.js'

declare module 'fastify' {
  interface FastifyInstance {
    db: OptimizedDatabaseClient
    writes: DomainWrites
  }
}

async function dbPlugin (app: FastifyInstance) {
  const dbConfig = databaseConfigFrom(app.config)
  const pg = app.pg as unknown as Record<string, { pool: import('pg').Pool }>
  const client = new OptimizedDatabaseClient(dbConfig, {
    pools: {
      primary: pg.primary!.pool,
      replicas: replicaEntries(dbConfig).map(([name]) => ({ name, pool: pg[name]!.pool }))
    },
    logger: app.log
  })
  await client.connect()
  app.decorate('db', client)
  app.decorate('writes', createWrites(client))
  app.addHook('onClose', async () => { await client.close() })
}

export default fp(dbPlugin, { name: 'gateway-db', dependencies: ['gateway-config', 'gateway-postgres'], fastify: '5.x' })
