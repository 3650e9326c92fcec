import { test } from 'node:test'
import assert from 'node:assert/strict'
import { bucketIndex, emptyBuckets, quantileMs, LATENCY_BUCKETS_SECONDS } from '../../src/monitoring/buckets.js'
import { SnapshotRing, zeroTotals, copyTotals, type Snapshot } from '../../src/monitoring/windows.js'
import { parsePeriod } from '../../src/monitoring/report.js'

test('buckets: le semantics and interpolated quantiles', () => {
  assert.equal(bucketIndex(0), 0)
  assert.equal(bucketIndex(0.1), 0, '0.1 ms is in the 0.1 ms bucket (le)')
  assert.equal(bucketIndex(0.11), 1)
  assert.equal(bucketIndex(1e9), LATENCY_BUCKETS_SECONDS.length, 'overflow bucket')
  const b = emptyBuckets()
  for (let i = 0; i < 100; i++) b[bucketIndex(i < 90 ? 0.4 : 40)]!++
  const p50 = quantileMs(b, 0.5)
  assert.ok(p50 > 0.25 && p50 <= 0.5, `p50 ${p50} within the 0.25–0.5 ms bucket`)
  const p95 = quantileMs(b, 0.95)
  assert.ok(p95 > 25 && p95 <= 50, `p95 ${p95} within the 25–50 ms bucket`)
  assert.equal(quantileMs(emptyBuckets(), 0.5), 0)
})

function snap (t: number, queries: number, usage: number): Snapshot {
  const totals = zeroTotals()
  totals.queries = queries
  totals.queryMs = queries * 2
  totals.queryBuckets[bucketIndex(2)] = queries
  return { t, totals: copyTotals(totals), poolUsage: usage, waiting: 0, pools: { primary: usage }, replicaLagMs: null }
}

test('windows: a window is now minus the snapshot just before it began', () => {
  const ring = new SnapshotRing(900_000)
  // One snapshot a second for 20 minutes, 10 queries a second; pool usage 0.9 only in the last 30 s.
  for (let s = 0; s <= 1_200; s++) ring.push(snap(s * 1000, s * 10, s > 1_170 ? 0.9 : 0.1))
  const now = ring.latest()!
  const w1 = ring.window(60, now)
  assert.equal(w1.queries.total, 600)
  assert.equal(w1.queries.qps, 10)
  assert.equal(w1.queries.avgTime, 2)
  assert.equal(w1.connections.poolUsageMax, 0.9)
  assert.ok(w1.connections.poolUsage > 0.4 && w1.connections.poolUsage < 0.6, `mean usage ${w1.connections.poolUsage}`)
  const w15 = ring.window(900, now)
  assert.equal(w15.queries.total, 9_000)
  assert.equal(w15.coveredSeconds, 900)
  assert.ok(ring.size <= 902, `bounded: ${ring.size}`)
  // Younger than the window: covered is what was seen.
  const young = new SnapshotRing(900_000)
  young.push(snap(0, 0, 0))
  young.push(snap(30_000, 300, 0))
  const wy = young.window(300, young.latest()!)
  assert.equal(wy.coveredSeconds, 30)
  assert.equal(wy.queries.qps, 10)
})

test('report: periods', () => {
  assert.equal(parsePeriod('15m'), 15)
  assert.equal(parsePeriod('24h'), 1_440)
  assert.equal(parsePeriod('7d'), 10_080)
  assert.equal(parsePeriod('0h'), undefined)
  assert.equal(parsePeriod('91d'), undefined)
  assert.equal(parsePeriod('1w'), undefined)
})
