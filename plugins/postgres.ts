/**
 * The primary and each replica as named @fastify/postgres instances (STYLE §4): `app.pg.primary`,
 * `app.pg.replica0`, … Each plugin instance owns and ends its pool on close.
 */
import fp from 'fastify-plugin'
import fastifyPostgres from '@fastify/postgres'
import type { FastifyInstance } from 'fastify'
import type pg from 'pg'
import { poolOptions } from '../src/pools/index.js'
import { databaseConfigFrom, replicaEntries } from '../src/config/database-from-gateway.js'

async function postgresPlugin (app: FastifyInstance) {
  const db = databaseConfigFrom(app.config)
  await app.register(fastifyPostgres, { name: 'primary', ...poolOptions(db, db.primaryUrl, 'primary') })
  for (const [name, url] of replicaEntries(db)) {
    await app.register(fastifyPostgres, { name, ...poolOptions(db, url, name) })
  }
  // The owner listens for the pool's whole life: the client reports idle-connection errors while
  // it is open, but it closes (and detaches) before the pools end, and an 'error' without a
  // listener would crash the process during shutdown.
  const pools = app.pg as unknown as Record<string, { pool: pg.Pool }>
  for (const name of ['primary', ...replicaEntries(db).map(([n]) => n)]) {
    pools[name]!.pool.on('error', (err) => { app.log.debug({ node: name, err: err.message }, 'idle database connection failed') })
  }
}

export default fp(postgresPlugin, { name: 'gateway-postgres', dependencies: ['gateway-config'], fastify: '5.x' })
