/**
 * Redis for the L2 cache (SPEC §6): a command connection and a pub/sub subscriber, to one server
 * (`REDIS_URL`) or a Redis Cluster (`REDIS_CLUSTER_NODES`). Absent both, nothing is decorated and
 * the cache runs L1-only.
 *
 * A Redis that is down never fails start-up or a request: connections are lazy and retried in the
 * background, commands fail fast instead of queueing (no offline queue, no per-request retries),
 * and the cache's circuit breaker stops sending them at all while Redis is away.
 *
 * Not through @fastify/redis (which takes existing clients and named instances): its registration
 * waits for the client's 'ready' (or 'end') before it lets start-up continue, so a Redis that is
 * down at start-up — retried forever here, never 'end' — would become a plugin timeout and a
 * failed start, the opposite of the behaviour above (test/faults/redis-outage.test.ts).
 */
import fp from 'fastify-plugin'
import type { FastifyInstance } from 'fastify'
import { clusterNodes, createRedisConnections, REDIS_CONNECT_TIMEOUT_MS as CONNECT_TIMEOUT_MS, type RedisConnection } from '../src/cache/index.js'

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
  let warned = false
  redis.on('error', (err: Error) => {
    // One line per outage, not one per reconnect attempt.
    if (!warned) app.log.warn({ err: err.message }, 'Redis unavailable; the cache serves from L1 and the database')
    warned = true
  })
  redis.on('ready', () => {
    if (warned) app.log.info('Redis is back')
    warned = false
  })
  // The subscriber fails with the same outage the main connection already reports once.
  subscriber.on('error', (err: Error) => { app.log.debug({ err: err.message }, 'Redis subscriber connection error') })
  // Give a healthy Redis a moment to connect so the first requests use it; never wait longer.
  await Promise.race([
    Promise.allSettled([redis.connect(), subscriber.connect()]),
    new Promise((resolve) => setTimeout(resolve, CONNECT_TIMEOUT_MS).unref())
  ])
  app.decorate<RedisConnection>('redis', redis)
  app.decorate<RedisConnection>('redisSubscriber', subscriber)
  app.addHook('onClose', async () => {
    redis.disconnect()
    subscriber.disconnect()
  })
}

export default fp(redisPlugin, { name: 'gateway-redis', dependencies: ['gateway-config'], fastify: '5.x' })
