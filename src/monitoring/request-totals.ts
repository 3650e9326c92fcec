/**
 * Request totals for the windows, read from the route histogram (so requests are timed once, by
 * one hook): counts summed over every route and status; 5xx responses are the errors.
 */
import type { FastHistogram } from './fast-histogram.js'
import type { RequestTotals } from './monitor.js'

export function requestTotalsOf (hist: FastHistogram): RequestTotals {
  const all = hist.totals()
  const errors = hist.totals((labels) => Number(labels.status_code) >= 500).count
  return { count: all.count, errors, buckets: all.buckets }
}
