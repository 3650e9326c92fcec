/**
 * Request totals for the windows, read from the route histogram (so requests are timed once, by
 * one hook): bucket counts summed over every route and status; 5xx responses are the errors.
 */
import { addBuckets, emptyBuckets } from './buckets.js'
import type { FastHistogram } from './fast-histogram.js'
import type { RequestTotals } from './monitor.js'

export function requestTotalsOf (hist: FastHistogram): RequestTotals {
  const buckets = emptyBuckets()
  let count = 0
  let errors = 0
  for (const c of hist.all()) {
    count += c.count
    if (Number(c.labels.status_code) >= 500) errors += c.count
    addBuckets(buckets, c.counts)
  }
  return { count, errors, buckets }
}
