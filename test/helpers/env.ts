/**
 * Where the servers of a test run are. `test/run.ts` starts the PostgreSQL cluster and passes its
 * URLs through env; Redis is the one at REDIS_URL, on a dedicated DB index so tests may flush it.
 */
export interface TestEnv {
  primaryUrl: string
  replicaUrls: string[]
  redisUrl: string
}

/** 15 unless TEST_REDIS_DB names another (parallel checkouts on one machine keep apart). */
export const TEST_REDIS_DB = Number(process.env.TEST_REDIS_DB ?? 15)

/** REDIS_URL with DB index TEST_REDIS_DB unless it names one. */
export function testRedisUrl (raw: string | undefined = process.env.REDIS_URL): string {
  const url = new URL(raw === undefined || raw === '' ? 'redis://127.0.0.1:6379' : raw)
  const db = url.pathname.replace(/^\/+/, '')
  if (db === '') url.pathname = `/${TEST_REDIS_DB}`
  return url.toString()
}

export function testEnv (): TestEnv {
  const primaryUrl = process.env.TEST_PRIMARY_URL
  if (primaryUrl === undefined || primaryUrl === '') {
    throw new Error('TEST_PRIMARY_URL is not set: run tests through `npm test` (or `tsx test/run.ts <files>`), which starts the PostgreSQL cluster')
  }
  const replicaUrls = (process.env.TEST_REPLICA_URLS ?? '').split(',').map((u) => u.trim()).filter((u) => u !== '')
  return { primaryUrl, replicaUrls, redisUrl: testRedisUrl() }
}

/**
 * This process's environment without anything that configures the gateway or the test harness
 * (DATABASE_*, REDIS_*, CACHE_*, ADMIN_TOKEN, HOST, PORT, TEST_*, NODE_ENV, NODE_OPTIONS), plus
 * `extra`: for a child process that must start as a new user's would.
 */
export function userEnv (extra: Record<string, string> = {}): Record<string, string> {
  const env: Record<string, string> = {}
  for (const [k, v] of Object.entries(process.env)) if (v !== undefined && !/^(DATABASE_|REDIS_|ADMIN_TOKEN|HOST|PORT|CACHE_|TEST_|NODE_ENV|NODE_OPTIONS)/.test(k)) env[k] = v
  return { ...env, ...extra }
}
