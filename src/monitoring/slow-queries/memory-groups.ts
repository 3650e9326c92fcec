/**
 * The same grouping as the table read (src/monitoring/slow-queries/store.ts), over this process's
 * recent samples: what `getSlowQueries` answers when the table cannot be read (migrations not run,
 * primary away). It sees one instance only.
 */
import type { SlowSample, StoredGroup } from './store.js'

/** percentile_cont: linear interpolation between the closest ranks (sorted input). */
export function percentileCont (sorted: number[], p: number): number {
  if (sorted.length === 0) return 0
  const rank = p * (sorted.length - 1)
  const lo = Math.floor(rank)
  const hi = Math.ceil(rank)
  return sorted[lo]! + (sorted[hi]! - sorted[lo]!) * (rank - lo)
}

const distinct = (values: Array<string | null>): string[] => [...new Set(values.filter((v): v is string => v !== null))].sort()

export function groupSamples (samples: SlowSample[], since: Date, limit: number, plans: Map<string, { plan: unknown; node: string }>): StoredGroup[] {
  const byFingerprint = new Map<string, SlowSample[]>()
  for (const s of samples) {
    if (s.at < since) continue
    const list = byFingerprint.get(s.fingerprint)
    if (list === undefined) byFingerprint.set(s.fingerprint, [s])
    else list.push(s)
  }
  const groups: StoredGroup[] = []
  for (const [fingerprint, list] of byFingerprint) {
    const durations = list.map((s) => s.durationMs).sort((a, b) => a - b)
    const total = durations.reduce((a, b) => a + b, 0)
    const times = list.map((s) => s.at.getTime())
    const latest = list.reduce((a, b) => (b.at >= a.at ? b : a))
    const plan = plans.get(fingerprint)
    groups.push({
      fingerprint,
      query: latest.query,
      count: list.length,
      meanMs: total / list.length,
      p95Ms: percentileCont(durations, 0.95),
      maxMs: durations.at(-1)!,
      duration: durations.at(-1)!,
      firstSeen: new Date(Math.min(...times)).toISOString(),
      lastSeen: new Date(Math.max(...times)).toISOString(),
      nodes: distinct(list.map((s) => s.node)),
      models: distinct(list.map((s) => s.model)),
      routes: distinct(list.map((s) => s.route)),
      instances: distinct(list.map((s) => s.instance)),
      errors: list.filter((s) => s.error).length,
      plan: plan?.plan ?? null,
      planNode: plan?.node ?? null,
      source: 'gateway'
    })
  }
  return groups.sort((a, b) => b.count * b.meanMs - a.count * a.meanMs).slice(0, limit)
}
