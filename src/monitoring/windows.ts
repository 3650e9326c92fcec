/**
 * Sliding windows from cumulative snapshots: every second the monitor records its running totals
 * (and the gauges it samples), and a window is the difference between now and the snapshot taken
 * just before the window began — constant work per request, none per window.
 */
import { BUCKET_COUNT, emptyBuckets, quantileMs, subtractBuckets } from './buckets.js'
import type { WindowMetrics } from './types.js'

/** Running totals since the monitor started. */
export interface Totals {
  queries: number
  queryErrors: number
  queryMs: number
  queryBuckets: number[]
  slow: number
  requests: number
  requestErrors: number
  requestBuckets: number[]
  cacheHits: number
  cacheMisses: number
}

export interface Snapshot {
  /** Epoch ms. */
  t: number
  totals: Totals
  /** Busiest pool's usage (0..1) and waiting clients over all pools, sampled at `t`. */
  poolUsage: number
  waiting: number
  /** Per pool usage at `t`. */
  pools: Record<string, number>
  /** Highest replica lag (ms) at `t`; null without replicas or readings. */
  replicaLagMs: number | null
}

export function zeroTotals (): Totals {
  return {
    queries: 0, queryErrors: 0, queryMs: 0, queryBuckets: emptyBuckets(), slow: 0,
    requests: 0, requestErrors: 0, requestBuckets: emptyBuckets(), cacheHits: 0, cacheMisses: 0
  }
}

export function copyTotals (t: Totals): Totals {
  return { ...t, queryBuckets: [...t.queryBuckets], requestBuckets: [...t.requestBuckets] }
}

/** `now − before`, field by field. */
export function diffTotals (now: Totals, before: Totals): Totals {
  return {
    queries: now.queries - before.queries,
    queryErrors: now.queryErrors - before.queryErrors,
    queryMs: now.queryMs - before.queryMs,
    queryBuckets: subtractBuckets(now.queryBuckets, before.queryBuckets),
    slow: now.slow - before.slow,
    requests: now.requests - before.requests,
    requestErrors: now.requestErrors - before.requestErrors,
    requestBuckets: subtractBuckets(now.requestBuckets, before.requestBuckets),
    cacheHits: now.cacheHits - before.cacheHits,
    cacheMisses: now.cacheMisses - before.cacheMisses
  }
}

const round = (n: number, digits = 3): number => {
  const f = 10 ** digits
  return Math.round(n * f) / f
}

/** Window figures from totals over `coveredSeconds` and the gauge samples inside the window. */
export function windowFrom (seconds: number, coveredSeconds: number, d: Totals, gauges: readonly Snapshot[]): WindowMetrics {
  const span = Math.max(coveredSeconds, 1e-3)
  const lookups = d.cacheHits + d.cacheMisses
  const usage = gauges.map((g) => g.poolUsage)
  return {
    seconds,
    coveredSeconds: round(coveredSeconds, 1),
    connections: {
      poolUsage: usage.length === 0 ? 0 : round(usage.reduce((a, b) => a + b, 0) / usage.length),
      poolUsageMax: usage.length === 0 ? 0 : round(Math.max(...usage)),
      waiting: gauges.length === 0 ? 0 : round(gauges.reduce((a, g) => a + g.waiting, 0) / gauges.length, 2)
    },
    queries: {
      total: d.queries,
      errors: d.queryErrors,
      qps: round(d.queries / span, 2),
      avgTime: d.queries === 0 ? 0 : round(d.queryMs / d.queries),
      p50: round(quantileMs(d.queryBuckets, 0.5)),
      p95: round(quantileMs(d.queryBuckets, 0.95)),
      p99: round(quantileMs(d.queryBuckets, 0.99)),
      errorRate: d.queries === 0 ? 0 : round(d.queryErrors / d.queries, 4),
      slow: d.slow
    },
    requests: {
      total: d.requests,
      errors: d.requestErrors,
      rps: round(d.requests / span, 2),
      errorRate: d.requests === 0 ? 0 : round(d.requestErrors / d.requests, 4),
      p50: round(quantileMs(d.requestBuckets, 0.5)),
      p95: round(quantileMs(d.requestBuckets, 0.95)),
      p99: round(quantileMs(d.requestBuckets, 0.99))
    },
    cache: { hits: d.cacheHits, misses: d.cacheMisses, lookups, hitRate: lookups === 0 ? 0 : round(d.cacheHits / lookups, 4) }
  }
}

/**
 * Snapshots of the last `keepMs` (plus the one just before, the base of the longest window).
 * Times must be pushed in increasing order.
 */
export class SnapshotRing {
  private readonly items: Snapshot[] = []

  constructor (private readonly keepMs: number) {}

  push (s: Snapshot): void {
    this.items.push(s)
    // Keep one snapshot older than keepMs: it is the base of a window of exactly keepMs.
    while (this.items.length > 2 && this.items[1]!.t <= s.t - this.keepMs) this.items.shift()
  }

  get size (): number {
    return this.items.length
  }

  latest (): Snapshot | undefined {
    return this.items[this.items.length - 1]
  }

  /** The latest snapshot at or before `t` (the oldest one if none is that old). */
  at (t: number): Snapshot | undefined {
    let found: Snapshot | undefined
    for (const s of this.items) {
      if (s.t <= t) found = s
      else break
    }
    return found ?? this.items[0]
  }

  /** Snapshots with `from < t ≤ to`. */
  between (from: number, to: number): Snapshot[] {
    return this.items.filter((s) => s.t > from && s.t <= to)
  }

  /** The window of `seconds` ending at `now` (a live snapshot, not necessarily pushed). */
  window (seconds: number, now: Snapshot): WindowMetrics {
    const base = this.at(now.t - seconds * 1000) ?? now
    const gauges = [...this.between(base.t, now.t), ...(this.latest() === now ? [] : [now])]
    return windowFrom(seconds, (now.t - base.t) / 1000, diffTotals(now.totals, base.totals), gauges)
  }
}

export { BUCKET_COUNT }
