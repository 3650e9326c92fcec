/**
 * The process entry point: configuration, the embedded database when DATABASE_URL is unset,
 * listen, and graceful shutdown (SIGTERM: stop accepting, finish in-flight requests, close pools).
 */
import Fastify from 'fastify'
import closeWithGrace from 'close-with-grace'
import { randomBytes } from 'node:crypto'
import { app } from './app.js'
import { appOptions } from './app-options.js'
import { loadConfig } from './config/load.js'
import { maskUrl } from './config/database.js'
import { isGatewayError } from './errors.js'
import { portOwnerPid } from './util/port-owner.js'
import type { GatewayConfig } from './config/schema.js'

/** A start-up failure the user can fix: one line on stderr and exit 1, no stack trace. */
class StartupFailure extends Error {}

function fail (message: string): never {
  throw new StartupFailure(message)
}

async function main (): Promise<void> {
  let config: GatewayConfig
  let warnings: string[]
  try {
    ({ config, warnings } = loadConfig({ dotenv: true }))
  } catch (err) {
    // One clear line naming the variable; no stack trace for a configuration mistake.
    fail(isGatewayError(err) ? err.message : String(err))
  }

  let stopEmbedded: (() => Promise<void>) | undefined
  const embedded = !config.DATABASE_URL
  if (embedded) {
    const { ensureEmbeddedDatabase, EmbeddedInUseError } = await import('./embedded/index.js')
    const { devSecrets } = await import('./embedded/dev-secrets.js')
    console.log('DATABASE_URL is not set: starting the embedded PostgreSQL in ./.data …')
    const db = await ensureEmbeddedDatabase({ log: (m: string) => console.log(m) }).catch((err: unknown) => {
      if (err instanceof EmbeddedInUseError) fail(`The embedded PostgreSQL in ${err.dataDir} is in use by process ${err.pid} (another npm start?): stop pid ${err.pid} (kill ${err.pid}), or set DATABASE_URL to use another database`)
      throw err
    })
    stopEmbedded = db.stop
    const secrets = devSecrets('.data')
    config = {
      ...config,
      DATABASE_URL: db.url,
      // Kept in .data/secrets.json: a restart keeps the exported token and issued consistency tokens.
      ADMIN_TOKEN: config.ADMIN_TOKEN ?? secrets.adminToken,
      CONSISTENCY_TOKEN_SECRET: config.CONSISTENCY_TOKEN_SECRET ?? secrets.consistencyTokenSecret,
      // Writes from another process (the library, psql) invalidate this server's cache without Redis.
      CACHE_DB_NOTIFY: config.CACHE_DB_NOTIFY ?? true
    }
  }
  const generatedToken = config.ADMIN_TOKEN === undefined
  if (generatedToken) config = { ...config, ADMIN_TOKEN: randomBytes(24).toString('base64url') }
  // The embedded default is a development setup with an unauthenticated write API: this machine only.
  const host = config.HOST ?? (embedded ? '127.0.0.1' : '0.0.0.0')

  const server = Fastify(appOptions(config))
  for (const w of warnings) server.log.warn(w)
  await server.register(app, { config })

  closeWithGrace({ delay: 10_000, logger: server.log }, async ({ signal, err }) => {
    if (err) server.log.error({ err }, 'closing after an error')
    else server.log.info({ signal }, 'closing')
    await server.close()
    await stopEmbedded?.()
  })

  try {
    await server.listen({ port: config.PORT, host })
  } catch (err) {
    await server.close().catch(() => {})
    await stopEmbedded?.()
    if ((err as { code?: string }).code === 'EADDRINUSE') {
      const pid = portOwnerPid(config.PORT)
      fail(`Port ${config.PORT} on ${host} is already in use${pid === undefined ? '' : ` by process ${pid}`}: set PORT to another port${pid === undefined ? ' or stop the process using it' : `, or stop pid ${pid} (kill ${pid})`}`)
    }
    fail(`The gateway could not start: ${startupReason(err)}`)
  }
  const base = `http://${host === '0.0.0.0' || host === '::' ? 'localhost' : host}:${(server.server.address() as { port: number }).port}`
  console.log([
    '',
    `StellarRec gateway listening on ${base}`,
    `  REST        ${base}/users, ${base}/universities, …`,
    `  GraphQL     ${base}/graphql${config.NODE_ENV === 'production' ? '' : ` (GraphiQL: ${base}/graphiql)`}`,
    `  API docs    ${base}/docs`,
    `  Health      ${base}/admin/health`,
    `  Database    ${maskUrl(config.DATABASE_URL!)}${stopEmbedded ? ' (embedded)' : ''}`,
    `  Cache       ${describeCache(config)}`,
    embedded
      ? '  Admin token kept in .data/secrets.json (set ADMIN_TOKEN to choose one)'
      : generatedToken ? `  Admin token ${config.ADMIN_TOKEN} (generated; set ADMIN_TOKEN to choose one)` : '  Admin token from ADMIN_TOKEN',
    ...(embedded
      ? ['', 'For the admin API and the library (npm run db:migrate / db:seed find the embedded database themselves):',
          `  export ADMIN_TOKEN=${config.ADMIN_TOKEN}`, `  export DATABASE_URL=${config.DATABASE_URL}`]
      : []),
    ''
  ].join('\n'))
}

/** The first line of what went wrong (a connection refused, a bad URL), never a stack. */
function startupReason (err: unknown): string {
  const e = err as { message?: string; code?: string; errors?: Array<{ message?: string }> }
  // AggregateError (e.g. ECONNREFUSED on ::1 and 127.0.0.1) carries the reasons inside.
  const message = e.message !== undefined && e.message !== '' ? e.message : e.errors?.map((x) => x.message).join('; ') ?? String(err)
  return `${message.split('\n')[0]}${e.code !== undefined && !message.includes(e.code) ? ` (${e.code})` : ''}`
}

function describeCache (config: GatewayConfig): string {
  if (!config.CACHE_ENABLED) return 'off (CACHE_ENABLED=false)'
  if (config.REDIS_CLUSTER_NODES) return `in-process + Redis Cluster ${config.REDIS_CLUSTER_NODES}`
  if (config.REDIS_URL) return `in-process + Redis ${maskUrl(config.REDIS_URL)}`
  return 'in-process only (set REDIS_URL for the shared tier)'
}

main().catch((err) => {
  if (err instanceof StartupFailure || isGatewayError(err)) console.error(err.message)
  else if (process.env.LOG_LEVEL === 'debug' || process.env.LOG_LEVEL === 'trace') console.error(err)
  else console.error(`The gateway could not start: ${startupReason(err)} (LOG_LEVEL=debug shows the stack)`)
  process.exit(1)
})
