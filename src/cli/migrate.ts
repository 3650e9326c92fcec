/**
 * `npm run db:migrate`: applies pending migrations to DATABASE_URL.
 */
import { gatewayError } from '../errors.js'
import { migrate } from '../db/migrate.js'
import { maskUrl } from '../config/database.js'

async function main (): Promise<void> {
  const url = process.env.DATABASE_URL
  if (url === undefined || url.trim() === '') {
    throw gatewayError('GW_ERR_CONFIG', 'DATABASE_URL is not set: export DATABASE_URL=postgres://user@host:5432/db')
  }
  console.log(`migrating ${maskUrl(url)}`)
  const { applied } = await migrate(url, { log: (msg) => console.log(msg) })
  for (const name of applied) console.log(`  ${name}`)
}

main().catch((err: unknown) => {
  console.error(`db:migrate failed: ${err instanceof Error ? err.message : String(err)}`)
  process.exitCode = 1
})
