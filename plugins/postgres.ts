/**
 * The primary and each replica as named @fastify/postgres instances (STYLE §4): `app.pg.primary`,
 * `app.pg.replica0`, … Each plugin instance owns and ends its pool on close.
 */
import fp from 'fastify-plugin'
import fastifyPostgres from '@fastify/postgres'
import type { FastifyInstance } from 'fastify'
import { poolConfigFor, replicaNames } from '../src/pools/config.js'

async function postgresPlugin (app: FastifyInstance) {
  const { config } = app
  if (!config.DATABASE_URL) throw new Error('DATABASE_URL must be set before the app is built')
  await app.register(fastifyPostgres, { name: 'primary', ...poolConfigFor(config, config.DATABASE_URL, 'primary') })
  for (const [name, url] of replicaNames(config)) {
    await app.register(fastifyPostgres, { name, ...poolConfigFor(config, url, name) })
  }
}

export default fp(postgresPlugin, { name: 'gateway-postgres', dependencies: ['gateway-config'], fastify: '5.x' })
