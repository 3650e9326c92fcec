/**
 * `npm run db:migrate`: applies pending migrations to DATABASE_URL (unset: the embedded database).
 */
import { migrate } from '../db/migrate.js'
import { maskUrl } from '../config/database.js'
import { cliDatabase } from './database-url.js'

async function main (): Promise<void> {
  const db = await cliDatabase((m) => console.log(m))
  const url = db.url
  try {
    console.log(`migrating ${maskUrl(url)}`)
    const { applied } = await migrate(url, { log: (msg) => console.log(msg) })
    for (const name of applied) console.log(`  ${name}`)
  } finally {
    await db.release()
  }
}

main().catch((err: unknown) => {
  console.error(`db:migrate failed: ${err instanceof Error ? err.message : String(err)}`)
  process.exitCode = 1
})
