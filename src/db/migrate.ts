/**
 * Applies the numbered migrations in `sql/` with postgrator, on a dedicated pg.Client.
 *
 * Idempotent: applied versions are recorded in `gateway_migrations`, so a re-run applies nothing.
 * A session advisory lock serializes concurrent runs (several instances starting at once).
 * Each migration file is sent as one multi-statement simple query, which PostgreSQL runs as one
 * implicit transaction: a failing file leaves no half-applied schema behind.
 */
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import pg from 'pg'
import Postgrator from 'postgrator'
import { ADVISORY_LOCKS } from './advisory-locks.js'

export const MIGRATIONS_TABLE = 'gateway_migrations'
export const SQL_DIR = fileURLToPath(new URL('../../sql/', import.meta.url))

/** Advisory-lock key shared by every gateway instance (src/db/advisory-locks.ts). */
const MIGRATION_LOCK_KEY = ADVISORY_LOCKS.migrations

export interface MigrateOptions {
  log?: (msg: string) => void
}

export interface MigrateResult {
  /** File names of the migrations applied by this run, in order (empty when already current). */
  applied: string[]
}

export async function migrate (connectionString: string, opts: MigrateOptions = {}): Promise<MigrateResult> {
  const log = opts.log ?? (() => {})
  const client = new pg.Client({ connectionString, application_name: 'gateway-migrate' })
  // A connection dropped while idle would otherwise be an unhandled 'error' event.
  client.on('error', (err) => log(`migration connection error: ${err.message}`))
  await client.connect()
  try {
    await client.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK_KEY])
    try {
      const postgrator = new Postgrator({
        driver: 'pg',
        schemaTable: MIGRATIONS_TABLE,
        // glob needs forward slashes, also on Windows.
        migrationPattern: path.join(SQL_DIR, '*.do.*.sql').split(path.sep).join('/'),
        execQuery: async (query: string) => {
          const result = await client.query(query)
          return { rows: result.rows }
        },
        execSqlScript: async (script: string) => {
          await client.query(script)
        }
      })
      postgrator.on('migration-started', (m) => log(`applying ${path.basename(m.filename)}`))
      const applied = await postgrator.migrate()
      const names = applied.map((m) => path.basename(m.filename))
      log(names.length === 0 ? 'schema is up to date' : `applied ${names.length} migration(s)`)
      return { applied: names }
    } finally {
      // The lock also ends with the session; a failed unlock must not hide the migration's error.
      await client.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK_KEY])
        .catch((err: Error) => log(`could not release the migration lock: ${err.message}`))
    }
  } finally {
    await client.end()
  }
}
