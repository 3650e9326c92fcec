/**
 * Redis through @fastify/redis, only when REDIS_URL is set (L1-only cache otherwise).
 * Until the cache issue adds a circuit breaker, a Redis that is down at start-up fails start-up.
 */
import fp from 'fastify-plugin'
import fastifyRedis from '@fastify/redis'
import type { FastifyInstance } from 'fastify'

async function redisPlugin (app: FastifyInstance) {
  const url = app.config.REDIS_URL
  if (!url) return
  await app.register(fastifyRedis, { url, lazyConnect: false, maxRetriesPerRequest: 1, enableOfflineQueue: false, connectTimeout: 2000 })
}

export default fp(redisPlugin, { name: 'gateway-redis', dependencies: ['gateway-config'], fastify: '5.x' })
