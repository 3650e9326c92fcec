/**
 * Builds the app exactly as production does (same options module, same plugins), configured for
 * the test cluster, and closes it when the test ends (STYLE §13).
 */
import Fastify, { type FastifyInstance } from 'fastify'
import type { TestContext } from 'node:test'
import { app as gatewayApp } from '../../src/app.js'
import { appOptions } from '../../src/app-options.js'
import { loadConfig } from '../../src/config/load.js'
import { testEnv } from './env.js'

export const TEST_ADMIN_TOKEN = 'test-admin-token-0123456789'

export interface BuildOptions {
  /** Extra or overriding environment variables. */
  env?: Record<string, string | undefined>
  /** Route reads to the replicas too (default: primary only, so read-after-write is exact). */
  replicas?: boolean
  /** Leave the maintenance cron jobs running (default: stopped, so a test alive at 02:00 UTC is not maintained under its feet; `runNow` still works). */
  schedule?: boolean
}

export async function buildTestApp (t: TestContext | undefined, opts: BuildOptions = {}): Promise<FastifyInstance> {
  const { primaryUrl, replicaUrls, redisUrl } = testEnv()
  const { config } = loadConfig({
    env: {
      NODE_ENV: 'test',
      LOG_LEVEL: 'silent',
      DATABASE_URL: primaryUrl,
      DATABASE_READ_URLS: opts.replicas ? replicaUrls.join(',') : '',
      REDIS_URL: redisUrl,
      ADMIN_TOKEN: TEST_ADMIN_TOKEN,
      DB_POOL_MIN: '0',
      DB_POOL_MAX: '10',
      ...opts.env
    }
  })
  const fastify = Fastify(appOptions(config))
  await fastify.register(gatewayApp, { config })
  await fastify.ready()
  if (opts.schedule !== true) fastify.scheduler.stop()
  const stack: Array<() => Promise<unknown> | unknown> = []
  cleanups.set(fastify, stack)
  // One after-hook: the test's own cleanups run newest first, then the app closes.
  t?.after(async () => {
    for (const fn of stack.reverse()) await fn()
    await fastify.close()
  })
  return fastify
}

const cleanups = new WeakMap<FastifyInstance, Array<() => Promise<unknown> | unknown>>()

/** Registers a cleanup that runs (newest first) before the test's app is closed. */
export function cleanup (app: FastifyInstance, fn: () => Promise<unknown> | unknown): void {
  const stack = cleanups.get(app)
  if (!stack) throw new Error('cleanup() needs an app built by buildTestApp(t)')
  stack.push(fn)
}

export const adminHeaders = { authorization: `Bearer ${TEST_ADMIN_TOKEN}` }

/** A unique suffix so each test's rows never collide with another's. */
export function uniq (): string {
  return `${Date.now().toString(36)}${Math.random().toString(36).slice(2, 8)}`
}
