/**
 * What every entry point of the load suite sets up and tears down: the database (prepared, then
 * read into a dataset), a Redis key prefix of its own, the server child with the chosen targets,
 * and the application status moves the write scenarios use (put back afterwards).
 */
import { randomBytes } from 'node:crypto'
import { Redis } from 'ioredis'
import { dropPrefix } from '../../test/cache/helpers/cache-app.js'
import { DEFAULT_DATABASE_URL, prepareDatabase } from './database.js'
import { loadDataset, restoreMoves, type Dataset, type StatusMove } from './dataset.js'
import type { ScenarioContext } from './scenarios.js'
import { startServers, type Servers } from './servers.js'
import type { TargetName } from './targets.js'

export interface SessionOptions {
  databaseUrl?: string
  redisUrl?: string
  targets: TargetName[]
  pool?: number
  /** Seed scale when the database is empty (default 1, the default data set). */
  scale?: number
  /** Skip creating/migrating/seeding (the caller's database is ready). */
  prepared?: boolean
  log?: (m: string) => void
}

export interface Session {
  databaseUrl: string
  data: Dataset
  servers: Servers
  redis: Redis | undefined
  context: (seed: number) => ScenarioContext
  close: () => Promise<void>
}

/** The bench uses DB index 14 unless REDIS_URL names one: 15 is the test suite's, which tests may flush. */
export function benchRedisUrl (raw = process.env.REDIS_URL): string {
  const url = new URL(raw === undefined || raw === '' ? 'redis://127.0.0.1:6379' : raw)
  if (url.pathname.replace(/^\/+/, '') === '') url.pathname = '/14'
  return url.toString()
}

export async function openSession (opts: SessionOptions): Promise<Session> {
  const log = opts.log ?? ((m: string) => console.error(m))
  const databaseUrl = opts.databaseUrl ?? process.env.DATABASE_URL ?? DEFAULT_DATABASE_URL
  const redisUrl = opts.redisUrl ?? benchRedisUrl()
  const prefix = `bench${randomBytes(3).toString('hex')}:`
  if (opts.prepared !== true) await prepareDatabase(databaseUrl, { scale: opts.scale ?? 1, log })
  const data = await loadDataset(databaseUrl)
  log(`dataset: ${data.userIds.length} users (ids ${data.minUserId}..${data.maxUserId}), ${data.searchTerms.length} search terms, ${data.moves.length} application status moves`)
  const redis = new Redis(redisUrl, { maxRetriesPerRequest: 1, lazyConnect: true })
  let redisOk: Redis | undefined
  try {
    await redis.connect()
    redisOk = redis
  } catch (err) {
    log(`Redis at ${redisUrl} does not answer (${(err as Error).message}): Redis commands per request are not measured`)
    redis.disconnect()
  }
  const servers = await startServers({
    databaseUrl, redisUrl, prefix, pool: opts.pool ?? 20, targets: opts.targets, readUrls: process.env.DATABASE_READ_URLS ?? ''
  })
  const used: StatusMove[] = []
  let next = 0
  const takeMove = (): StatusMove | undefined => {
    const m = data.moves[next]
    if (m === undefined) return undefined
    next++
    used.push(m)
    return m
  }
  return {
    databaseUrl,
    data,
    servers,
    redis: redisOk,
    context: (seed) => ({ data, seed, takeMove }),
    close: async () => {
      await servers.stop()
      redisOk?.disconnect()
      await dropPrefix(redisUrl, prefix)
      await restoreMoves(databaseUrl, used)
    }
  }
}
