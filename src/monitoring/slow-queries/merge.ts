/**
 * pg_stat_statements window deltas merged into the gateway's groups by fingerprint. The parser's
 * fingerprint ignores constants and `$n`, so the view's normalized texts meet the gateway's own
 * statements (parameterized or not). Statements the gateway never saw slow — run by other
 * clients, or slow only on average — become groups of their own when their window mean reaches
 * the threshold.
 */
import type { SlowQueryGroup } from '../types.js'
import type { StatementIdentifier } from './fingerprint.js'
import { MONITORING_MARK, type StatDelta } from './pg-stat-statements.js'

export interface MergedStat {
  fingerprint: string
  query: string
  calls: number
  totalMs: number
  rows: number
  maxMs: number
}

/** Deltas summed per fingerprint, leaving out monitoring's own statements and transaction control. */
export function byFingerprint (ds: StatDelta[], ids: StatementIdentifier): MergedStat[] {
  const out = new Map<string, MergedStat>()
  for (const d of ds) {
    if (d.query.includes(MONITORING_MARK)) continue
    const id = ids.identify(d.query)
    if (id.kind !== 'explainable' && id.kind !== 'other') continue
    if (id.kind === 'other' && /^\s*EXPLAIN\b/i.test(id.query)) continue
    const m = out.get(id.fingerprint)
    if (m === undefined) out.set(id.fingerprint, { fingerprint: id.fingerprint, query: id.query, calls: d.calls, totalMs: d.totalMs, rows: d.rows, maxMs: d.maxMs })
    else {
      m.calls += d.calls
      m.totalMs += d.totalMs
      m.rows += d.rows
      m.maxMs = Math.max(m.maxMs, d.maxMs)
    }
  }
  return [...out.values()]
}

/**
 * Sets `statStatements` on the matching groups (null on the others) and appends the slow
 * statements only pg_stat_statements knows. `plans` supplies plans captured earlier for those.
 */
export function mergeStatStatements (
  groups: SlowQueryGroup[],
  stats: MergedStat[],
  thresholdMs: number,
  windowStart: string,
  plans: Map<string, { plan: unknown; node: string }>
): SlowQueryGroup[] {
  const byFp = new Map(stats.map((s) => [s.fingerprint, s]))
  const summary = (s: MergedStat) => ({ calls: s.calls, totalMs: s.totalMs, meanMs: s.totalMs / s.calls, rows: s.rows })
  const merged: SlowQueryGroup[] = groups.map((g) => {
    const s = byFp.get(g.fingerprint)
    byFp.delete(g.fingerprint)
    return { ...g, statStatements: s === undefined ? null : summary(s) }
  })
  for (const s of byFp.values()) {
    const meanMs = s.totalMs / s.calls
    if (meanMs < thresholdMs) continue
    const plan = plans.get(s.fingerprint)
    merged.push({
      fingerprint: s.fingerprint,
      query: s.query,
      count: s.calls,
      meanMs,
      // The view keeps no distribution and only a lifetime maximum.
      p95Ms: meanMs,
      maxMs: s.maxMs,
      duration: s.maxMs,
      firstSeen: windowStart,
      lastSeen: new Date().toISOString(),
      nodes: ['primary'],
      models: [],
      routes: [],
      instances: [],
      plan: plan?.plan ?? null,
      planNode: plan?.node ?? null,
      statStatements: summary(s),
      source: 'pg_stat_statements'
    })
  }
  return merged.sort((a, b) => b.count * b.meanMs - a.count * a.meanMs)
}
