/**
 * Request totals for the windows, read from fastify-metrics' route histogram (so requests are
 * timed once, by one hook pair): the histogram's cumulative `le` buckets summed over every route
 * and status, turned into per-bucket counts on the shared bounds; 5xx responses are the errors.
 */
import type { Histogram } from 'prom-client'
import { emptyBuckets, LATENCY_BUCKETS_SECONDS } from './buckets.js'
import type { RequestTotals } from './monitor.js'

export async function requestTotalsOf (hist: Histogram<string>): Promise<RequestTotals> {
  const { values } = await hist.get()
  const cumulative = new Map<string, number>()
  let count = 0
  let errors = 0
  for (const v of values) {
    const name = v.metricName ?? ''
    if (name.endsWith('_bucket')) {
      const le = String(v.labels.le)
      cumulative.set(le, (cumulative.get(le) ?? 0) + v.value)
    } else if (name.endsWith('_count')) {
      count += v.value
      if (Number(v.labels.status_code) >= 500) errors += v.value
    }
  }
  const buckets = emptyBuckets()
  let below = 0
  LATENCY_BUCKETS_SECONDS.forEach((bound, i) => {
    const c = cumulative.get(String(bound)) ?? below
    buckets[i] = Math.max(0, c - below)
    below = c
  })
  buckets[buckets.length - 1] = Math.max(0, count - below)
  return { count, errors, buckets }
}
