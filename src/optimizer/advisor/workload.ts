/**
 * The workload: every statement the client runs for a caller, counted per SQL text (calls, time,
 * rows written) with the values of its latest run, so a suggestion can EXPLAIN the statement as
 * the application really runs it. Cost per statement: one Map lookup and a few additions on the
 * 'query' event. Fingerprints are computed only when the workload is read (one parse per text).
 *
 * pg_stat_statements (when installed and readable) adds the statements of other clients; its
 * counters are lifetime counters, read without ever resetting them.
 */
import type pg from 'pg'
import type { QueryEvent } from '../../client/types.js'
import { StatementIdentifier, isTransactionControl, loadParser } from '../../monitoring/slow-queries/fingerprint.js'
import { byFingerprint } from '../../monitoring/slow-queries/merge.js'
import { readStatStatements, statStatementsUsable } from '../../monitoring/slow-queries/pg-stat-statements.js'
import type { WorkloadReport, WorkloadStatement } from './types.js'

export interface WorkloadSource {
  on (event: 'query', listener: (e: QueryEvent) => void): unknown
  off (event: 'query', listener: (e: QueryEvent) => void): unknown
}

interface TextStats { calls: number; totalMs: number; rowsWritten: number; values: unknown[] | undefined; model: string | undefined }

/** Cumulative counters of one fingerprint at one moment (apply-time baselines). */
export interface FingerprintCounters { calls: number; totalMs: number }

const MAX_TEXTS = 5_000
const WRITE_VERB = /^\s*(INSERT|UPDATE|DELETE)\b/i

export class WorkloadRecorder {
  private readonly texts = new Map<string, TextStats>()
  private readonly ids = new StatementIdentifier()
  private startedAt = Date.now()
  private attached: WorkloadSource | undefined
  private overflow = 0

  private readonly onQuery = (e: QueryEvent): void => {
    if (e.error !== undefined) return
    let s = this.texts.get(e.sql)
    if (s === undefined) {
      if (this.texts.size >= MAX_TEXTS || isTransactionControl(e.sql)) { this.overflow++; return }
      s = { calls: 0, totalMs: 0, rowsWritten: 0, values: undefined, model: e.model }
      this.texts.set(e.sql, s)
    }
    s.calls++
    s.totalMs += e.durationMs
    s.values = e.values
    if (e.rowCount !== null && WRITE_VERB.test(e.sql)) s.rowsWritten += e.rowCount
  }

  attach (source: WorkloadSource): void {
    if (this.attached !== undefined) return
    this.attached = source
    this.startedAt = Date.now()
    source.on('query', this.onQuery)
  }

  detach (): void {
    this.attached?.off('query', this.onQuery)
    this.attached = undefined
  }

  get since (): number {
    return this.startedAt
  }

  /** Statements not recorded because the text table was full (raw SQL of very many shapes). */
  get dropped (): number {
    return this.overflow
  }

  /** The gateway's own statements by fingerprint (the parser must be loadable). */
  async statements (): Promise<WorkloadStatement[]> {
    await loadParser()
    const out = new Map<string, WorkloadStatement>()
    for (const [sql, s] of this.texts) {
      const id = this.ids.identify(sql)
      if (id.kind !== 'explainable') continue
      const w = out.get(id.fingerprint)
      if (w === undefined) {
        out.set(id.fingerprint, {
          fingerprint: id.fingerprint, query: id.query, sql, ...(s.values !== undefined ? { values: s.values } : {}), source: 'gateway',
          model: s.model ?? null, calls: s.calls, totalMs: s.totalMs, meanMs: s.totalMs / s.calls, rowsWritten: s.rowsWritten
        })
      } else {
        w.calls += s.calls
        w.totalMs += s.totalMs
        w.meanMs = w.totalMs / w.calls
        w.rowsWritten += s.rowsWritten
      }
    }
    return [...out.values()]
  }

  /** Cumulative calls and time per fingerprint now. */
  async counters (): Promise<Map<string, FingerprintCounters>> {
    return new Map((await this.statements()).map((s) => [s.fingerprint, { calls: s.calls, totalMs: s.totalMs }]))
  }

  /** pg_stat_statements' lifetime counters by fingerprint, or undefined when it cannot be read. */
  async statCounters (primary: pg.Pool): Promise<Map<string, FingerprintCounters> | undefined> {
    if (!await statStatementsUsable(primary).catch(() => false)) return undefined
    await loadParser()
    return new Map(byFingerprint(await readStatStatements(primary, 0), this.ids).map((s) => [s.fingerprint, { calls: s.calls, totalMs: s.totalMs }]))
  }

  /** The gateway's statements plus pg_stat_statements' (by total time, at most `limit`). */
  async workload (primary: pg.Pool, limit: number): Promise<WorkloadReport> {
    const own = await this.statements()
    const byFp = new Map(own.map((s) => [s.fingerprint, s]))
    const statStatements = await statStatementsUsable(primary).catch(() => false)
    if (statStatements) {
      for (const s of byFingerprint(await readStatStatements(primary, 0), this.ids)) {
        // DDL, utility statements and function calls offer nothing an index could serve.
        if (byFp.has(s.fingerprint) || this.ids.identify(s.query).kind !== 'explainable') continue
        byFp.set(s.fingerprint, {
          fingerprint: s.fingerprint, query: s.query, sql: s.query, source: 'pg_stat_statements', model: null,
          calls: s.calls, totalMs: s.totalMs, meanMs: s.totalMs / s.calls, rowsWritten: 0
        })
      }
    }
    const statements = [...byFp.values()].sort((a, b) => b.totalMs - a.totalMs).slice(0, limit)
    return { since: new Date(this.startedAt).toISOString(), minutes: (Date.now() - this.startedAt) / 60_000, statements, statStatements }
  }
}
