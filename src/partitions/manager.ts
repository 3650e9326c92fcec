/**
 * Partition maintenance (SPEC §6 Partitions; docs/partitions.md): for each declared table, on its
 * own connection and in its own transactions, every step under `lock_timeout`:
 *
 * 1. finish detaches a crash left pending (`DETACH … FINALIZE`);
 * 2. move rows that landed in the DEFAULT partition into a partition of their own (one
 *    transaction per month: create the table, move the rows, attach it — readers never see the
 *    rows missing, nothing is lost if it fails);
 * 3. premake partitions ahead;
 * 4. retention: `DETACH PARTITION … CONCURRENTLY` (PostgreSQL forbids it while a DEFAULT partition
 *    exists, so the default is detached for the moment of the detaches and attached again), then
 *    DROP, or move to the archive schema.
 *
 * A step that cannot get its lock within `lock_timeout` is reported and left for the next run.
 * One instance acts at a time (a session advisory lock); a standby is never maintained.
 */
import type pg from 'pg'
import { dayPeriod, dayStart, monthPeriod, monthStart, parseRangeBound, type Period } from './periods.js'
import type { DailyTable, HashTable, MonthlyTable, PartitionedTable } from './tables.js'
import { ADVISORY_LOCKS } from '../db/advisory-locks.js'
import { quoteName as ident } from '../query/identifiers.js'
import { lockNotGranted, retriedNextRun } from '../db/lock-timeout.js'

/** Advisory-lock key shared by every instance (src/db/advisory-locks.ts). */
export const PARTITION_MAINTENANCE_LOCK = ADVISORY_LOCKS.partitionMaintenance

export type StepName = 'finalize-detach' | 'move-default' | 'premake' | 'retention' | 'attach-default' | 'skew'

export interface StepResult {
  table: string
  step: StepName
  /** `would`: a dry run's plan; `skipped`: lock timeout or nothing allowed now (retried next run). */
  status: 'done' | 'would' | 'skipped' | 'failed' | 'nothing'
  detail: string
  partitions?: string[]
  rows?: number
}

export interface MaintenanceRun {
  status: 'done' | 'partial' | 'skipped'
  reason?: string
  dryRun: boolean
  at: string
  durationMs: number
  steps: StepResult[]
}

/** One table's share of a run (`GET /admin/partitions` lastRun). */
export interface TableRun { at: string; status: MaintenanceRun['status']; reason: string | null; steps: StepResult[] }

export interface PartitionView {
  name: string
  from: string | null
  to: string | null
  isDefault: boolean
  rowsEstimate: number
  bytes: number
}

export interface PartitionManagerOptions {
  tables: PartitionedTable[]
  lockTimeoutMs?: number
  /** Move expired partitions here instead of dropping them. */
  archiveSchema?: string
  now?: () => Date
  logger?: { warn: (obj: object, msg: string) => void }
}

/** pg's `'2025-12-01 01:00:00+01'` (any session TimeZone) as ISO-8601 that Date parses everywhere. */
function isoBounds (expr: string): string {
  return expr.replace(/'(\d{4}-\d\d-\d\d) (\d\d:\d\d:\d\d(?:\.\d+)?)([+-]\d\d)(?::?(\d\d))?'/g, (_m, d: string, t: string, h: string, m?: string) => `'${d}T${t}${h}:${m ?? '00'}'`)
}


/**
 * Before a step takes ACCESS EXCLUSIVE on a parent (CREATE … PARTITION OF, DETACH of the default):
 * SHARE ROW EXCLUSIVE on the tables its foreign keys reference, which the step needs too (the
 * foreign key of a new partition). Taken first, so the step never holds the parent while it waits
 * for them: holding notifications while waiting for users deadlocked (40P01) with a user update
 * waiting for a row a new application had locked, whose notification waited for the parent
 * (maintenance-under-load.test.ts; pg_partman #796).
 */
async function lockReferencedTables (client: pg.PoolClient, parent: string): Promise<void> {
  const { rows } = await client.query<{ t: string }>(
    "SELECT DISTINCT confrelid::regclass::text AS t FROM pg_constraint WHERE conrelid = to_regclass($1) AND contype = 'f' ORDER BY 1", [parent])
  // regclass text is already quoted as an identifier where it needs to be.
  for (const { t } of rows) await client.query(`LOCK TABLE ${t} IN SHARE ROW EXCLUSIVE MODE`)
}

export class PartitionManager {
  private readonly lockTimeoutMs: number
  private readonly last = new Map<string, TableRun>()

  constructor (private readonly pool: pg.Pool, private readonly opts: PartitionManagerOptions) {
    this.lockTimeoutMs = opts.lockTimeoutMs ?? 2_000
  }

  /** The declared tables this manager maintains. */
  get tables (): readonly PartitionedTable[] {
    return this.opts.tables
  }

  /** A table's part of the last real (not dry) run of this process that covered it. */
  lastRunOf (table: string): TableRun | undefined {
    return this.last.get(table)
  }

  /** One run over every declared table, or only those named in `tables`. */
  async run (options: { dryRun?: boolean; now?: Date; tables?: readonly string[] } = {}): Promise<MaintenanceRun> {
    const run = await this.runOnce(options)
    if (!run.dryRun) {
      for (const t of this.opts.tables) {
        if (options.tables !== undefined && !options.tables.includes(t.name)) continue
        this.last.set(t.name, { at: run.at, status: run.status, reason: run.reason ?? null, steps: run.steps.filter((x) => x.table === t.name) })
      }
    }
    return run
  }

  private async runOnce (options: { dryRun?: boolean; now?: Date; tables?: readonly string[] }): Promise<MaintenanceRun> {
    const started = Date.now()
    const now = options.now ?? this.opts.now?.() ?? new Date()
    const dryRun = options.dryRun ?? false
    const base = { dryRun, at: now.toISOString() }
    const client = await this.pool.connect()
    let locked = false
    try {
      if ((await client.query<{ r: boolean }>('SELECT pg_is_in_recovery() AS r')).rows[0]?.r === true) {
        return { ...base, status: 'skipped', reason: 'a standby is never maintained', durationMs: Date.now() - started, steps: [] }
      }
      locked = (await client.query<{ ok: boolean }>('SELECT pg_try_advisory_lock($1) AS ok', [PARTITION_MAINTENANCE_LOCK])).rows[0]?.ok === true
      if (!locked) return { ...base, status: 'skipped', reason: 'held by another instance', durationMs: Date.now() - started, steps: [] }
      await client.query("SET TIME ZONE 'UTC'")
      await client.query(`SET lock_timeout = ${Math.max(1, Math.floor(this.lockTimeoutMs))}`)
      const steps: StepResult[] = []
      for (const table of this.opts.tables) {
        if (options.tables !== undefined && !options.tables.includes(table.name)) continue
        try {
          steps.push(...await this.maintain(client, table, now, dryRun))
        } catch (err) {
          // Anything a step did not catch (a catalog read that timed out) skips the rest of this table.
          await client.query('ROLLBACK').catch(() => {})
          steps.push(this.failure({ table: table.name, step: 'premake' }, err))
        }
      }
      const partial = steps.some((s) => s.status === 'skipped' || s.status === 'failed')
      return { ...base, status: partial ? 'partial' : 'done', durationMs: Date.now() - started, steps }
    } finally {
      if (locked) await client.query('SELECT pg_advisory_unlock($1)', [PARTITION_MAINTENANCE_LOCK]).catch(() => {})
      await client.query('RESET lock_timeout').catch(() => {})
      await client.query('RESET TIME ZONE').catch(() => {})
      client.release()
    }
  }

  /**
   * Partitions of a table with bounds, row estimates and sizes — from the catalog only (reltuples,
   * relpages as of the last VACUUM/ANALYZE; bounds deparsed without opening the relation), so it
   * never waits for a lock a partition's user holds.
   */
  async partitions (table: string, client: pg.PoolClient | pg.Pool = this.pool): Promise<Array<PartitionView & { detachPending: boolean }>> {
    const { rows } = await client.query<{ name: string; bound: string; rows: number; bytes: string; pending: boolean }>(
      `SELECT c.relname AS name, pg_get_expr(c.relpartbound, 0) AS bound, GREATEST(c.reltuples, 0)::float8 AS rows,
              (c.relpages::bigint * current_setting('block_size')::bigint)::text AS bytes, i.inhdetachpending AS pending
         FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
        WHERE i.inhparent = to_regclass($1) ORDER BY c.relname`, [table])
    return rows.map((r) => {
      const b = parseRangeBound(isoBounds(r.bound))
      return {
        name: r.name, from: b?.from.toISOString() ?? null, to: b?.to.toISOString() ?? null, isDefault: r.bound === 'DEFAULT',
        rowsEstimate: Math.round(r.rows), bytes: Number(r.bytes), detachPending: r.pending
      }
    })
  }

  private async maintain (client: pg.PoolClient, table: PartitionedTable, now: Date, dryRun: boolean): Promise<StepResult[]> {
    if ((await client.query('SELECT to_regclass($1) AS t', [table.name])).rows[0]?.t === null) {
      return [{ table: table.name, step: 'premake', status: 'failed', detail: 'the table does not exist (run the migrations)' }]
    }
    if (table.kind === 'hash') return [await this.skew(client, table)]
    const steps: StepResult[] = []
    steps.push(await this.finalizeDetaches(client, table, dryRun))
    if (table.kind === 'monthly' && table.defaultPartition !== undefined) {
      steps.push(await this.attachDefault(client, table, dryRun))
      steps.push(await this.moveDefault(client, table, dryRun))
    }
    steps.push(await this.premake(client, table, now, dryRun))
    steps.push(await this.retention(client, table, now, dryRun))
    return steps.filter((s) => s.status !== 'nothing')
  }

  /** Runs `fn` in one transaction; a lock timeout becomes a `skipped` step. */
  private async step (client: pg.PoolClient, result: Omit<StepResult, 'status' | 'detail'>, fn: () => Promise<string>): Promise<StepResult> {
    try {
      await client.query('BEGIN')
      const detail = await fn()
      await client.query('COMMIT')
      return { ...result, status: 'done', detail }
    } catch (err) {
      await client.query('ROLLBACK').catch(() => {})
      return this.failure(result, err)
    }
  }

  private failure (result: Omit<StepResult, 'status' | 'detail'>, err: unknown): StepResult {
    if (lockNotGranted(err)) return { ...result, status: 'skipped', detail: retriedNextRun(this.lockTimeoutMs) }
    this.opts.logger?.warn({ table: result.table, step: result.step, err: (err as Error).message }, 'partition maintenance step failed')
    return { ...result, status: 'failed', detail: (err as Error).message }
  }

  private async finalizeDetaches (client: pg.PoolClient, table: MonthlyTable | DailyTable, dryRun: boolean): Promise<StepResult> {
    const pending = (await this.partitions(table.name, client)).filter((p) => p.detachPending).map((p) => p.name)
    const r = { table: table.name, step: 'finalize-detach' as const, partitions: pending }
    if (pending.length === 0) return { ...r, status: 'nothing', detail: '' }
    if (dryRun) return { ...r, status: 'would', detail: `would finish ${pending.length} interrupted detach(es)` }
    try {
      for (const p of pending) await client.query(`ALTER TABLE ${ident(table.name)} DETACH PARTITION ${ident(p)} FINALIZE`)
      return { ...r, status: 'done', detail: `finished ${pending.length} interrupted detach(es)` }
    } catch (err) {
      return this.failure(r, err)
    }
  }

  /** A default partition left detached by an interrupted retention step is attached again. */
  private async attachDefault (client: pg.PoolClient, table: MonthlyTable, dryRun: boolean): Promise<StepResult> {
    const name = table.defaultPartition!
    const attached = (await this.partitions(table.name, client)).some((p) => p.isDefault)
    const exists = (await client.query('SELECT to_regclass($1) AS t', [name])).rows[0]?.t !== null
    const r = { table: table.name, step: 'attach-default' as const, partitions: [name] }
    if (attached || !exists) return { ...r, status: 'nothing', detail: '' }
    if (dryRun) return { ...r, status: 'would', detail: `would attach ${name} again as the DEFAULT partition` }
    return await this.step(client, r, async () => {
      await client.query(`ALTER TABLE ${ident(table.name)} ATTACH PARTITION ${ident(name)} DEFAULT`)
      return `attached ${name} again as the DEFAULT partition`
    })
  }

  private async moveDefault (client: pg.PoolClient, table: MonthlyTable, dryRun: boolean): Promise<StepResult> {
    const def = ident(table.defaultPartition!)
    const col = ident(table.column)
    const { rows } = await client.query<{ m: Date; n: string }>(
      `SELECT date_trunc('month', ${col}) AS m, count(*)::text AS n FROM ${def} GROUP BY 1 ORDER BY 1`)
    const r = { table: table.name, step: 'move-default' as const }
    if (rows.length === 0) return { ...r, status: 'nothing', detail: '' }
    const periods = rows.map((row) => ({ ...monthPeriod(table.name, row.m), rows: Number(row.n) }))
    const total = periods.reduce((a, p) => a + p.rows, 0)
    if (dryRun) return { ...r, status: 'would', partitions: periods.map((p) => p.name), rows: total, detail: `would move ${total} row(s) out of the default partition into ${periods.length} partition(s)` }
    const moved: string[] = []
    let count = 0
    for (const p of periods) {
      const res = await this.step(client, { ...r, partitions: [p.name] }, async () => {
        // Built beside the parent and attached in the same transaction: readers see the rows in the
        // default until the commit and in their partition after it, never neither. That needs the
        // parent locked (ONLY: not every partition): a reader takes the partition list before it
        // locks (and waits for) the default, so one queued behind the ATTACH ran with the old list
        // and a snapshot taken after the commit and missed the moved rows (the load test saw it).
        await lockReferencedTables(client, table.name)
        await client.query(`LOCK TABLE ONLY ${ident(table.name)} IN ACCESS EXCLUSIVE MODE`)
        await client.query(`CREATE TABLE ${ident(p.name)} (LIKE ${ident(table.name)} INCLUDING DEFAULTS INCLUDING CONSTRAINTS)`)
        const ins = await client.query(`WITH moved AS (DELETE FROM ${def} WHERE ${col} >= $1 AND ${col} < $2 RETURNING *) INSERT INTO ${ident(p.name)} SELECT * FROM moved`, [p.from, p.to])
        await client.query(`ALTER TABLE ${ident(table.name)} ATTACH PARTITION ${ident(p.name)} FOR VALUES FROM ('${p.from.toISOString()}') TO ('${p.to.toISOString()}')`)
        count += ins.rowCount ?? 0
        return ''
      })
      if (res.status !== 'done') return { ...res, partitions: [...moved, p.name], rows: count, detail: `moved ${count} row(s) into ${moved.length} partition(s); ${p.name}: ${res.detail}` }
      moved.push(p.name)
    }
    return { ...r, status: 'done', partitions: moved, rows: count, detail: `moved ${count} row(s) out of the default partition into ${moved.length} new partition(s)` }
  }

  private wanted (table: MonthlyTable | DailyTable, now: Date): Period[] {
    const out: Period[] = []
    if (table.kind === 'monthly') for (let i = 0; i <= table.premakeMonths; i++) out.push(monthPeriod(table.name, monthStart(now, i)))
    else for (let i = 0; i <= table.premakeDays; i++) out.push(dayPeriod(table.name, dayStart(now, i)))
    return out
  }

  private async premake (client: pg.PoolClient, table: MonthlyTable | DailyTable, now: Date, dryRun: boolean): Promise<StepResult> {
    const existing = await this.partitions(table.name, client)
    const covered = (p: Period): boolean => existing.some((e) => e.from !== null && e.to !== null && new Date(e.from) <= p.from && new Date(e.to) >= p.to)
    const missing = this.wanted(table, now).filter((p) => !covered(p))
    const r = { table: table.name, step: 'premake' as const, partitions: missing.map((p) => p.name) }
    if (missing.length === 0) return { ...r, status: 'nothing', detail: '' }
    if (dryRun) return { ...r, status: 'would', detail: `would create ${missing.length} partition(s) ahead` }
    return await this.step(client, r, async () => {
      await lockReferencedTables(client, table.name)
      for (const p of missing) {
        await client.query(`CREATE TABLE ${ident(p.name)} PARTITION OF ${ident(table.name)} FOR VALUES FROM ('${p.from.toISOString()}') TO ('${p.to.toISOString()}')`)
      }
      return `created ${missing.length} partition(s) ahead`
    })
  }

  private async retention (client: pg.PoolClient, table: MonthlyTable | DailyTable, now: Date, dryRun: boolean): Promise<StepResult> {
    const cutoff = table.kind === 'monthly' ? monthStart(now, -table.retentionMonths) : dayStart(now, -table.retentionDays + 1)
    const expired = (await this.partitions(table.name, client)).filter((p) => !p.isDefault && p.to !== null && new Date(p.to) <= cutoff)
    const names = expired.map((p) => p.name)
    const rows = expired.reduce((a, p) => a + p.rowsEstimate, 0)
    const archive = this.opts.archiveSchema
    const r = { table: table.name, step: 'retention' as const, partitions: names, rows }
    if (names.length === 0) return { ...r, status: 'nothing', detail: '' }
    const verb = archive === undefined ? 'drop' : `move to schema ${archive}`
    if (dryRun) return { ...r, status: 'would', detail: `would detach and ${verb} ${names.length} partition(s) ending before ${cutoff.toISOString()}` }
    const def = table.kind === 'monthly' ? table.defaultPartition : undefined
    let defaultDetached = false
    const done: string[] = []
    try {
      // DETACH … CONCURRENTLY is refused while a DEFAULT partition exists: detach the default for
      // the moment (a short ACCESS EXCLUSIVE, bounded by lock_timeout), then attach it again.
      if (def !== undefined && (await this.partitions(table.name, client)).some((p) => p.isDefault)) {
        await client.query('BEGIN')
        await lockReferencedTables(client, table.name)
        await client.query(`ALTER TABLE ${ident(table.name)} DETACH PARTITION ${ident(def)}`)
        // Rows still in the default (move-default did not finish) would vanish from every read while
        // it is detached: undo the detach, still uncommitted, and leave retention to the run that
        // has emptied it (maintenance-under-load.test.ts saw readers miss them).
        if ((await client.query(`SELECT EXISTS (SELECT 1 FROM ${ident(def)}) AS rows`)).rows[0]?.rows === true) {
          await client.query('ROLLBACK')
          return { ...r, partitions: [], status: 'skipped', detail: 'the default partition still holds rows (move-default did not finish): detaching it would hide them from readers; retried on the next run' }
        }
        await client.query('COMMIT')
        defaultDetached = true
      }
      for (const name of names) {
        // Not in a transaction block (PostgreSQL requires it); waits for readers, blocks nobody.
        await client.query(`ALTER TABLE ${ident(table.name)} DETACH PARTITION ${ident(name)} CONCURRENTLY`)
        if (archive === undefined) await client.query(`DROP TABLE ${ident(name)}`)
        else {
          await client.query(`CREATE SCHEMA IF NOT EXISTS ${ident(archive)}`)
          await client.query(`ALTER TABLE ${ident(name)} SET SCHEMA ${ident(archive)}`)
        }
        done.push(name)
      }
      return { ...r, partitions: done, status: 'done', detail: `detached concurrently and ${archive === undefined ? 'dropped' : `moved to ${archive}`} ${done.length} partition(s)` }
    } catch (err) {
      await client.query('ROLLBACK').catch(() => {}) // the detach of the default timed out in its transaction
      const f = this.failure(r, err)
      return { ...f, partitions: done, detail: `${done.length} of ${names.length} done; ${f.detail}` }
    } finally {
      if (defaultDetached) {
        try {
          await client.query(`ALTER TABLE ${ident(table.name)} ATTACH PARTITION ${ident(def!)} DEFAULT`)
        } catch (err) {
          // The next run attaches it first (attach-default); until then out-of-range rows are refused.
          this.opts.logger?.warn({ table: table.name, err: (err as Error).message }, 'could not attach the default partition again')
        }
      }
    }
  }

  private async skew (client: pg.PoolClient, table: HashTable): Promise<StepResult> {
    const parts = await this.partitions(table.name, client)
    const rows = parts.map((p) => p.rowsEstimate)
    const total = rows.reduce((a, b) => a + b, 0)
    const mean = parts.length === 0 ? 0 : total / parts.length
    const max = rows.length === 0 ? 0 : Math.max(...rows)
    const ratio = mean === 0 ? 1 : max / mean
    return {
      table: table.name, step: 'skew', status: 'done', rows: total,
      detail: `${parts.length} hash partitions, ${total} rows (estimate); largest ${ratio.toFixed(2)}× the mean${ratio > 1.5 ? ' — see docs/partitions.md to split' : ''}`
    }
  }
}
