/**
 * A Prometheus histogram for the per-statement hot path: each label set is a child holding plain
 * bucket counts, found once and then observed with one bucket search and three additions — no
 * label hashing or validation per observation (prom-client's Histogram does both on every call,
 * measured as most of the monitoring cost on the cache-miss path). Registered on a prom-client
 * Registry like any metric: the registry only needs `name` and `get()`.
 */
import type { MetricValueWithName, Registry } from 'prom-client'
import { bucketIndex, BUCKET_COUNT, LATENCY_BUCKETS_SECONDS } from './buckets.js'

export class HistogramChild {
  readonly counts = new Array<number>(BUCKET_COUNT).fill(0)
  sum = 0
  count = 0

  constructor (readonly labels: Readonly<Record<string, string>>) {}

  /** Records one duration in milliseconds (exported in seconds). */
  observeMs (ms: number): void {
    this.counts[bucketIndex(ms)]!++
    this.sum += ms
    this.count++
  }
}

export class FastHistogram {
  readonly type = 'histogram'
  private readonly children = new Map<string, HistogramChild>()

  constructor (readonly name: string, readonly help: string, private readonly labelNames: readonly string[], registry: Registry) {
    registry.registerMetric(this as never)
  }

  /** The child of these label values (in `labelNames` order); keep it, it is the fast path. */
  child (...values: string[]): HistogramChild {
    const key = values.join('\u0000')
    let c = this.children.get(key)
    if (c === undefined) {
      const labels: Record<string, string> = {}
      this.labelNames.forEach((n, i) => { labels[n] = values[i] ?? '' })
      c = new HistogramChild(labels)
      this.children.set(key, c)
    }
    return c
  }

  async get (): Promise<{ name: string; help: string; type: 'histogram'; values: Array<MetricValueWithName<string>>; aggregator: 'sum' }> {
    const values: Array<MetricValueWithName<string>> = []
    for (const c of this.children.values()) {
      let cumulative = 0
      LATENCY_BUCKETS_SECONDS.forEach((le, i) => {
        cumulative += c.counts[i]!
        values.push({ metricName: `${this.name}_bucket`, labels: { ...c.labels, le }, value: cumulative })
      })
      values.push({ metricName: `${this.name}_bucket`, labels: { ...c.labels, le: '+Inf' }, value: c.count })
      values.push({ metricName: `${this.name}_sum`, labels: c.labels, value: c.sum / 1000 })
      values.push({ metricName: `${this.name}_count`, labels: c.labels, value: c.count })
    }
    return { name: this.name, help: this.help, type: 'histogram', values, aggregator: 'sum' }
  }

  /** Count, sum (ms) and bucket counts over every child whose labels pass `keep`. */
  totals (keep: (labels: Readonly<Record<string, string>>) => boolean = () => true): { count: number; sumMs: number; buckets: number[] } {
    const buckets = new Array<number>(BUCKET_COUNT).fill(0)
    let count = 0
    let sumMs = 0
    for (const c of this.children.values()) {
      if (!keep(c.labels)) continue
      count += c.count
      sumMs += c.sum
      for (let i = 0; i < BUCKET_COUNT; i++) buckets[i]! += c.counts[i]!
    }
    return { count, sumMs, buckets }
  }

  /** Every child (for totals across label sets). */
  all (): IterableIterator<HistogramChild> {
    return this.children.values()
  }

  // prom-client's Registry calls these on clear/reset.
  reset (): void { this.children.clear() }
}
