/**
 * Redis for the L2 cache (SPEC §6): a command connection and a pub/sub subscriber, to one server
 * (`REDIS_URL`) or a Redis Cluster (`REDIS_CLUSTER_NODES`). Absent both, nothing is decorated and
 * the cache runs L1-only.
 *
 * A Redis that is down never fails start-up or a request: connections are lazy and retried in the
 * background, commands fail fast instead of queueing (no offline queue, no per-request retries),
 * and the cache's circuit breaker stops sending them at all while Redis is away.
 *
 * Not through @fastify/redis (which takes existing clients and named instances): every release for
 * Fastify 5 (7.0.0 to 9.0.0, read 2026-12-08) holds registration until the client is 'ready' (or
 * 'end'), swallowing connection errors meanwhile; the `lazyConnect` escape of its Fastify 4 era
 * is gone. A Redis that is down at start-up — retried forever here, never 'end' — would become an
 * avvio plugin timeout and a failed start, the opposite of the behaviour above
 * (test/faults/redis-outage.test.ts, "Redis down at start-up").
 */
import fp from 'fastify-plugin'
import type { FastifyInstance } from 'fastify'
import { clusterNodes, connectBriefly, createRedisConnections, reportOutages, type RedisConnection } from '../src/cache/index.js'

declare module 'fastify' {
  interface FastifyInstance {
    /** Commands (the cache's L2; the health route pings it). */
    redis: RedisConnection
    /** A second connection in subscriber mode (invalidation messages). */
    redisSubscriber: RedisConnection
  }
}

export { createRedisConnections, clusterNodes }

async function redisPlugin (app: FastifyInstance) {
  const conns = createRedisConnections({ url: app.config.REDIS_URL, clusterNodes: app.config.REDIS_CLUSTER_NODES })
  if (!conns) return
  const { redis, subscriber } = conns
  reportOutages(redis, app.log)
  // The subscriber fails with the same outage the main connection already reports once.
  subscriber.on('error', (err: Error) => { app.log.debug({ err: err.message }, 'Redis subscriber connection error') })
  await connectBriefly([redis, subscriber])
  app.decorate<RedisConnection>('redis', redis)
  app.decorate<RedisConnection>('redisSubscriber', subscriber)
  app.addHook('onClose', async () => {
    redis.disconnect()
    subscriber.disconnect()
  })
}

export default fp(redisPlugin, { name: 'gateway-redis', dependencies: ['gateway-config'], fastify: '5.x' })
