/**
 * Generates realistic, deterministic domain data at a chosen scale (1 ≈ 100k users, 5.6M rows).
 *
 * Set-based: each table is filled by `INSERT … SELECT … FROM generate_series(lo, hi)` in chunks
 * (sql/seed/*.sql), every value derived from hashes of the row number, so the same scale and
 * anchor always produce the same rows. Ids are written explicitly (foreign keys are computed, not
 * looked up) and the identity sequences are moved past them afterwards.
 */
import { readFileSync } from 'node:fs'
import path from 'node:path'
import cliProgress from 'cli-progress'
import pg from 'pg'
import { gatewayError } from '../errors.js'
import { models } from '../models/registry.js'
import { SQL_DIR } from './migrate.js'

export type SeedTable =
  | 'users' | 'universities' | 'programs' | 'applications' | 'recommendations'
  | 'notifications' | 'audit_logs' | 'activity_events'

export interface SeedOptions {
  /** Multiplies every row count (1 = the default data set); each table gets at least one row. */
  scale: number
  /** Show a progress bar (cli-progress, on stderr). */
  progress?: boolean
  /** Truncate the domain tables first; without it, seeding a non-empty database is an error. */
  reset?: boolean
  /** "Now" for generated timestamps; default: today 00:00 UTC. Same anchor → same data. */
  anchor?: Date
  log?: (msg: string) => void
}

export interface SeedSummary {
  scale: number
  anchor: string
  durationMs: number
  counts: Record<SeedTable, number>
}

/** Rows per INSERT: big enough to amortize planning, small enough for a smooth progress bar. */
const CHUNK_ROWS = 50_000
const YEAR_MONTHS = 12
const EVENT_WINDOW_DAYS = 90

/** Tables with foreign keys between them, loaded in this order on one connection. */
const RELATIONAL_TABLES: readonly SeedTable[] = [
  models.users.table, models.universities.table, models.programs.table, models.applications.table,
  models.recommendations.table
]
/** Log-like tables: need only users to exist, so they load on a second connection meanwhile. */
const EVENT_TABLES: readonly SeedTable[] = [
  models.notifications.table, models.auditLogs.table, models.activityEvents.table
]
export const SEED_TABLES: readonly SeedTable[] = [...RELATIONAL_TABLES, ...EVENT_TABLES]

export interface SeedPlan {
  counts: Record<SeedTable, number>
  students: number
  recommenders: number
  admins: number
  /** Users who own applications: the students, or everyone when there are none (tiny scales). */
  applicants: number
}

export function seedPlan (scale: number): SeedPlan {
  if (!Number.isFinite(scale) || scale <= 0) {
    throw gatewayError('GW_ERR_VALIDATION', `seed scale must be a positive number, got ${scale}`)
  }
  const n = (base: number): number => Math.max(1, Math.round(base * scale))
  const users = n(100_000)
  const recommenders = Math.max(1, Math.round(users * 0.08))
  const admins = users - recommenders >= 2 ? Math.max(1, Math.round(users * 0.001)) : 0
  const students = users - recommenders - admins
  const applicants = students > 0 ? students : users
  const programs = n(20_000)
  // Each application needs a distinct (user, program) pair, each recommendation a distinct
  // (application, recommender) pair; only the tiniest scales hit these caps.
  const applications = Math.min(n(500_000), applicants * programs)
  const recommendations = Math.min(n(1_000_000), applications * recommenders)
  return {
    counts: {
      users,
      universities: n(5_000),
      programs,
      applications,
      recommendations,
      notifications: n(1_000_000),
      audit_logs: n(1_000_000),
      activity_events: n(2_000_000)
    },
    students,
    recommenders,
    admins,
    applicants
  }
}

type ChunkParams = (lo: number, hi: number) => unknown[]

export async function seed (connectionString: string, opts: SeedOptions): Promise<SeedSummary> {
  const started = Date.now()
  const log = opts.log ?? (() => {})
  const plan = seedPlan(opts.scale)
  const { counts } = plan
  const anchor = opts.anchor ?? startOfUtcDay(new Date())
  const yearAgo = new Date(anchor)
  yearAgo.setUTCMonth(yearAgo.getUTCMonth() - YEAR_MONTHS)
  const eventsFrom = new Date(anchor.getTime() - EVENT_WINDOW_DAYS * 86_400_000)
  const yearSeconds = (anchor.getTime() - yearAgo.getTime()) / 1000
  const eventSeconds = EVENT_WINDOW_DAYS * 86_400

  // Parameters of each sql/seed/<table>.sql, for the id range lo..hi.
  const steps: Record<SeedTable, ChunkParams> = {
    users: (lo, hi) => [lo, hi, anchor, counts.users, plan.students, plan.recommenders],
    universities: (lo, hi) => [lo, hi, counts.universities],
    programs: (lo, hi) => [lo, hi, anchor, counts.universities],
    applications: (lo, hi) => [lo, hi, anchor, counts.users, plan.applicants, counts.programs],
    recommendations: (lo, hi) => [lo, hi, anchor, counts.users, plan.applicants, counts.applications,
      plan.students, plan.recommenders],
    notifications: (lo, hi) => [lo, hi, anchor, counts.notifications, yearAgo, yearSeconds, counts.users,
      counts.applications],
    audit_logs: (lo, hi) => [lo, hi, counts.audit_logs, yearAgo, yearSeconds, counts.users,
      counts.applications, counts.recommendations, counts.programs],
    activity_events: (lo, hi) => [lo, hi, counts.activity_events, eventsFrom, eventSeconds, counts.users,
      counts.programs, counts.universities]
  }

  const totalRows = Object.values(counts).reduce((a, b) => a + b, 0)
  const bar = opts.progress === true
    ? new cliProgress.SingleBar({
      format: 'seed {bar} {percentage}% | {value}/{total} rows | {table}',
      hideCursor: true
    }, cliProgress.Presets.shades_classic)
    : undefined
  const load = async (client: pg.Client, tables: readonly SeedTable[]): Promise<void> => {
    for (const table of tables) {
      const step = steps[table]
      const sql = seedSql(table)
      const tableStarted = Date.now()
      for (let lo = 1; lo <= counts[table]; lo += CHUNK_ROWS) {
        const hi = Math.min(lo + CHUNK_ROWS - 1, counts[table])
        await client.query(sql, step(lo, hi))
        bar?.increment(hi - lo + 1, { table })
      }
      // A log line would tear the progress bar apart; the bar already shows the progress.
      if (bar === undefined) log(`${table}: ${counts[table]} rows in ${Date.now() - tableStarted} ms`)
    }
  }

  const main = await openSeedClient(connectionString, log)
  const second = await openSeedClient(connectionString, log).catch(async (err: unknown) => {
    await main.end()
    throw err
  })
  try {
    await prepareTables(main, opts.reset === true, log)
    for (const table of [models.notifications.table, models.auditLogs.table]) {
      await main.query('SELECT gateway_ensure_monthly_partitions($1::regclass, $2::date, $3::date)',
        [table, isoDate(yearAgo), isoDate(anchor)])
    }
    log(`seeding ${totalRows} rows at scale ${opts.scale} (anchor ${anchor.toISOString()})`)
    bar?.start(totalRows, 0, { table: '' })
    await load(main, RELATIONAL_TABLES.slice(0, 3))
    // Two independent chains on two connections: the server gets one busy backend per core.
    await Promise.all([load(main, RELATIONAL_TABLES.slice(3)), load(second, EVENT_TABLES)])
    bar?.stop()

    const finishing = Date.now()
    for (const table of SEED_TABLES) {
      // Explicit ids bypassed the identity sequences; move them past the data.
      await main.query(`SELECT setval(pg_get_serial_sequence($1, 'id'), (SELECT max(id) FROM ${ident(table)}))`,
        [table])
    }
    // VACUUM as well as ANALYZE: it sets hint bits and the visibility map once, here, instead of
    // on the first reads, and lets index-only scans skip the heap.
    await Promise.all([
      main.query(`VACUUM (ANALYZE) ${RELATIONAL_TABLES.map(ident).join(', ')}`)
        .then(async () => await main.query(`REFRESH MATERIALIZED VIEW ${ident(models.universityApplicationStats.table)}`)),
      second.query(`VACUUM (ANALYZE) ${EVENT_TABLES.map(ident).join(', ')}`)
    ])
    log(`sequences, vacuum, analyze and refresh in ${Date.now() - finishing} ms`)
  } finally {
    bar?.stop()
    await Promise.all([main.end(), second.end()])
  }
  const durationMs = Date.now() - started
  log(`seeded in ${(durationMs / 1000).toFixed(1)} s`)
  return { scale: opts.scale, anchor: anchor.toISOString(), durationMs, counts }
}

async function openSeedClient (connectionString: string, log: (msg: string) => void): Promise<pg.Client> {
  const client = new pg.Client({ connectionString, application_name: 'gateway-seed' })
  client.on('error', (err) => log(`seed connection error: ${err.message}`))
  await client.connect()
  try {
    // Bulk load: losing the last commits in a crash is harmless here, and JIT only slows these
    // short, repeated statements down.
    await client.query("SET synchronous_commit = off; SET jit = off; SET TimeZone = 'UTC'")
    await client.query(seedSql('functions'))
  } catch (err) {
    await client.end()
    throw err
  }
  return client
}

async function prepareTables (client: pg.Client, reset: boolean, log: (msg: string) => void): Promise<void> {
  if (reset) {
    // CASCADE: tables added later that reference these are emptied too rather than blocking.
    await client.query(`TRUNCATE ${SEED_TABLES.map(ident).join(', ')} RESTART IDENTITY CASCADE`)
    log('truncated the domain tables')
    return
  }
  for (const table of SEED_TABLES) {
    const { rows } = await client.query<{ found: boolean }>(`SELECT EXISTS (SELECT 1 FROM ${ident(table)}) AS found`)
    if (rows[0]?.found === true) {
      throw gatewayError('GW_ERR_CONFLICT',
        `refusing to seed: table ${table} already has rows (use --reset to truncate the domain tables first)`)
    }
  }
}

function seedSql (name: string): string {
  return readFileSync(path.join(SQL_DIR, 'seed', `${name}.sql`), 'utf8')
}

/** Table names come from the model registry only; quoting keeps them exact. */
function ident (name: string): string {
  return `"${name.replaceAll('"', '""')}"`
}

function startOfUtcDay (d: Date): Date {
  return new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate()))
}

function isoDate (d: Date): string {
  return d.toISOString().slice(0, 10)
}
