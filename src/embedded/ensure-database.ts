/**
 * `npm start` without DATABASE_URL: the embedded PostgreSQL, migrated, with a small seeded data
 * set the first time (or whenever it has no users).
 */
import pg from 'pg'
import { migrate } from '../db/migrate.js'
import { seed } from '../db/seed.js'
import { startEmbeddedPostgres, type EmbeddedOptions, type EmbeddedPostgresHandle } from './start.js'

export const EMBEDDED_SEED_SCALE = 0.01

export interface EnsureEmbeddedOptions extends EmbeddedOptions {
  /** Default 0.01 (≈ 1k users, 5k applications). */
  seedScale?: number
}

export interface EmbeddedDatabase extends EmbeddedPostgresHandle {
  /** True when this start seeded the data set. */
  readonly seeded: boolean
}

async function hasUsers (url: string): Promise<boolean> {
  const client = new pg.Client({ connectionString: url })
  // A dropped connection also rejects the pending query; unhandled, the event would crash us.
  client.on('error', () => {})
  await client.connect()
  try {
    const { rowCount } = await client.query('SELECT 1 FROM users LIMIT 1')
    return rowCount !== null && rowCount > 0
  } finally {
    await client.end()
  }
}

export async function ensureEmbeddedDatabase (opts: EnsureEmbeddedOptions = {}): Promise<EmbeddedDatabase> {
  const log = opts.log ?? (() => {})
  const db = await startEmbeddedPostgres(opts)
  try {
    await migrate(db.url, { log })
    let seeded = false
    if (db.created || !await hasUsers(db.url)) {
      const scale = opts.seedScale ?? EMBEDDED_SEED_SCALE
      log(`seeding the embedded database (scale ${scale})`)
      // reset: a run interrupted mid-seed leaves some tables filled and users empty.
      await seed(db.url, { scale, progress: true, reset: true, log })
      seeded = true
    }
    return { ...db, seeded }
  } catch (err) {
    await db.stop()
    throw err
  }
}
