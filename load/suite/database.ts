/**
 * The bench database: DATABASE_URL (default postgres://postgres@127.0.0.1:5432/gateway_bench),
 * created, migrated and seeded at the default scale when it is missing or empty. A non-empty
 * database is used as it is (migrations still run, they are idempotent).
 */
import pg from 'pg'
import { maskUrl } from '../../src/config/database.js'
import { migrate } from '../../src/db/migrate.js'
import { seed } from '../../src/db/seed.js'

export const DEFAULT_DATABASE_URL = 'postgres://postgres@127.0.0.1:5432/gateway_bench'

async function ensureExists (url: string, log: (m: string) => void): Promise<void> {
  const target = new URL(url)
  const name = decodeURIComponent(target.pathname.replace(/^\//, ''))
  const admin = new URL(url)
  admin.pathname = '/postgres'
  const c = new pg.Client({ connectionString: admin.toString() })
  await c.connect()
  try {
    const r = await c.query('SELECT 1 FROM pg_database WHERE datname = $1', [name])
    if (r.rowCount === 0) {
      log(`creating database ${name}`)
      await c.query(`CREATE DATABASE ${pg.escapeIdentifier(name)}`)
    }
  } finally {
    await c.end()
  }
}

async function userCount (url: string): Promise<number> {
  const c = new pg.Client({ connectionString: url })
  await c.connect()
  try {
    const has = await c.query<{ has: boolean }>("SELECT to_regclass('public.users') IS NOT NULL AS has")
    if (has.rows[0]?.has !== true) return 0
    const r = await c.query<{ n: string }>('SELECT count(*) AS n FROM (SELECT 1 FROM users LIMIT 1) s')
    return Number(r.rows[0]?.n ?? 0)
  } finally {
    await c.end()
  }
}

export async function prepareDatabase (url: string, opts: { scale?: number; log?: (m: string) => void } = {}): Promise<void> {
  const log = opts.log ?? ((m: string) => console.error(m))
  await ensureExists(url, log)
  await migrate(url, {})
  if (await userCount(url) === 0) {
    const scale = opts.scale ?? 1
    log(`${maskUrl(url)} is empty: seeding at scale ${scale}`)
    await seed(url, { scale, progress: process.stderr.isTTY === true, log })
  }
}
