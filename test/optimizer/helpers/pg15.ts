/**
 * A scratch database on the machine's PostgreSQL 15 (127.0.0.1:5432, trust auth), the only server
 * here with hypopg (`postgresql-15-hypopg`; CI installs it). Migrated with the gateway's own
 * migrations and filled with enough universities for plan costs to matter. Dropped by `drop()`.
 */
import pg from 'pg'
import { migrate } from '../../../src/db/migrate.js'
import { uniq } from '../../helpers/app.js'

export const PG15_URL = process.env.TEST_HYPOPG_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres'

export interface ScratchDatabase { url: string; name: string; query: (sql: string, values?: unknown[]) => Promise<pg.QueryResult>; drop: () => Promise<void> }

/** Undefined (with the reason) when the server does not answer. */
export async function pg15Reachable (): Promise<string | undefined> {
  const client = new pg.Client({ connectionString: PG15_URL, connectionTimeoutMillis: 2_000 })
  try {
    await client.connect()
    await client.query('SELECT 1')
    return undefined
  } catch (err) {
    return `PostgreSQL 15 with hypopg at ${PG15_URL} is unreachable (${(err as Error).message}): hypopg tests skipped`
  } finally {
    await client.end().catch(() => {})
  }
}

export async function createScratchDatabase (universities: number): Promise<ScratchDatabase> {
  const name = `gw_advisor_${uniq().replace(/[^a-z0-9]/g, '')}`
  const admin = new pg.Client({ connectionString: PG15_URL })
  await admin.connect()
  try {
    await admin.query(`CREATE DATABASE ${name}`)
  } finally {
    await admin.end()
  }
  const url = new URL(PG15_URL)
  url.pathname = `/${name}`
  const pool = new pg.Pool({ connectionString: url.toString(), max: 3 })
  const query = async (sql: string, values?: unknown[]) => await pool.query(sql, values)
  await migrate(url.toString())
  await query(`INSERT INTO universities (name, country, city, ranking, is_active)
    SELECT 'University of Place ' || g, 'Country ' || (g % 40), 'City ' || (g % 4000), g % 2000, g % 10 <> 0
      FROM generate_series(1, $1::int) g`, [universities])
  await query('ANALYZE universities')
  return {
    url: url.toString(),
    name,
    query,
    drop: async () => {
      await pool.end()
      const c = new pg.Client({ connectionString: PG15_URL })
      await c.connect()
      try {
        await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)
      } finally {
        await c.end()
      }
    }
  }
}
