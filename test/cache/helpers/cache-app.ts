/** Apps and clients for the cache tests: a unique key prefix per test, whose keys are removed after. */
import type { TestContext } from 'node:test'
import type { FastifyInstance } from 'fastify'
import { Redis } from 'ioredis'
import { buildTestApp, uniq } from '../../helpers/app.js'
import { testEnv } from '../../helpers/env.js'

export function uniquePrefix (): string {
  return `t${uniq().slice(-10)}:`
}

/** Deletes the keys of one prefix (entries, leases and the `{prefix… m}` slot) — never anything else. */
export async function dropPrefix (url: string, prefix: string): Promise<void> {
  const r = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0 })
  try {
    await r.connect()
    for (const pattern of [`${prefix}*`, `{${prefix}*`]) {
      let cursor = '0'
      do {
        const [next, keys] = await r.scan(cursor, 'MATCH', pattern, 'COUNT', 1000)
        cursor = next
        if (keys.length > 0) await r.del(...keys)
      } while (cursor !== '0')
    }
  } catch {
    // The server may be gone (fault tests); nothing to clean then.
  } finally {
    r.disconnect()
  }
}

/** An app on the shared test Redis (DB 15) with its own prefix; extra env wins. */
export async function cacheApp (t: TestContext, env: Record<string, string | undefined> = {}, prefix = uniquePrefix()): Promise<FastifyInstance> {
  const app = await buildTestApp(t, { env: { CACHE_KEY_PREFIX: prefix, ...env } })
  const url = env.REDIS_URL ?? testEnv().redisUrl
  t.after(() => dropPrefix(url, prefix))
  return app
}

/** Counts the SQL statements the app's client runs (the 'query' event), optionally only matching ones. */
export function countStatements (app: FastifyInstance, match: RegExp = /./): { readonly count: number } {
  const counter = { count: 0 }
  app.db.on('query', (e) => { if (match.test(e.sql)) counter.count++ })
  return counter
}
