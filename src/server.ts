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
import type { GatewayConfig } from './config/schema.js'

async function main (): Promise<void> {
  let config: GatewayConfig
  let warnings: string[]
  try {
    ({ config, warnings } = loadConfig({ dotenv: true }))
  } catch (err) {
    // One clear line naming the variable; no stack trace for a configuration mistake.
    console.error(isGatewayError(err) ? err.message : String(err))
    process.exit(1)
  }

  let stopEmbedded: (() => Promise<void>) | undefined
  if (!config.DATABASE_URL) {
    const { ensureEmbeddedDatabase } = await import('./embedded/index.js')
    console.log('DATABASE_URL is not set: starting the embedded PostgreSQL in ./.data …')
    const embedded = await ensureEmbeddedDatabase({ log: (m: string) => console.log(m) })
    config = { ...config, DATABASE_URL: embedded.url }
    stopEmbedded = embedded.stop
  }
  const generatedToken = config.ADMIN_TOKEN === undefined
  if (generatedToken) config = { ...config, ADMIN_TOKEN: randomBytes(24).toString('base64url') }

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
    await server.listen({ port: config.PORT, host: config.HOST })
  } catch (err) {
    server.log.error({ err }, 'could not start')
    await server.close().catch(() => {})
    await stopEmbedded?.()
    process.exit(1)
  }
  const base = `http://${config.HOST === '0.0.0.0' || config.HOST === '::' ? 'localhost' : config.HOST}:${(server.server.address() as { port: number }).port}`
  console.log([
    '',
    `StellarRec gateway listening on ${base}`,
    `  REST        ${base}/users, ${base}/universities, …`,
    `  GraphQL     ${base}/graphql${config.NODE_ENV === 'production' ? '' : ` (GraphiQL: ${base}/graphiql)`}`,
    `  API docs    ${base}/docs`,
    `  Health      ${base}/admin/health`,
    `  Database    ${maskUrl(config.DATABASE_URL!)}${stopEmbedded ? ' (embedded)' : ''}`,
    `  Cache       ${describeCache(config)}`,
    generatedToken ? `  Admin token ${config.ADMIN_TOKEN} (generated; set ADMIN_TOKEN to choose one)` : '  Admin token from ADMIN_TOKEN',
    ''
  ].join('\n'))
}

function describeCache (config: GatewayConfig): string {
  if (!config.CACHE_ENABLED) return 'off (CACHE_ENABLED=false)'
  if (config.REDIS_CLUSTER_NODES) return `in-process + Redis Cluster ${config.REDIS_CLUSTER_NODES}`
  if (config.REDIS_URL) return `in-process + Redis ${maskUrl(config.REDIS_URL)}`
  return 'in-process only (set REDIS_URL for the shared tier)'
}

main().catch((err) => {
  console.error(isGatewayError(err) ? err.message : err)
  process.exit(1)
})
