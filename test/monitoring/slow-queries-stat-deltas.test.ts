import { test } from 'node:test'
import assert from 'node:assert/strict'
import { StatSnapshots, deltas, type StatEntry } from '../../src/monitoring/slow-queries/pg-stat-statements.js'

const entry = (key: string, calls: number, totalMs: number, maxMs = 500): StatEntry => ({ key, query: `SELECT ${key}`, calls, totalMs, rows: calls, maxMs })
const MIN = 60_000

test('window figures are the live counters minus the snapshot nearest before the window start', () => {
  const snaps = new StatSnapshots()
  const t0 = 10 * 3_600_000
  snaps.add(t0, [entry('a', 10, 5_000)])
  snaps.add(t0 + 10 * MIN, [entry('a', 20, 9_000)])
  snaps.add(t0 + 20 * MIN, [entry('a', 30, 14_000)])
  const live = [entry('a', 34, 16_000), entry('b', 2, 1_200)]
  // Window starting at +15 min: baseline is the +10 min snapshot.
  assert.deepEqual(deltas(live, snaps.baseline(t0 + 15 * MIN)).map((d) => [d.query, d.calls, d.totalMs]),
    [['SELECT a', 14, 7_000], ['SELECT b', 2, 1_200]])
  // A window reaching back before the first snapshot uses the oldest one.
  assert.equal(snaps.baseline(t0 - 60 * MIN)?.at, t0)
  assert.equal(deltas(live, snaps.baseline(t0 - 60 * MIN))[0]?.calls, 24)
})

test('rows without new calls are left out; a counter below its baseline (evicted, re-created) counts from zero', () => {
  const snaps = new StatSnapshots()
  snaps.add(0, [entry('a', 10, 5_000), entry('b', 50, 100_000)])
  const ds = deltas([entry('a', 10, 5_000), entry('b', 3, 900)], snaps.baseline(0))
  assert.deepEqual(ds.map((d) => [d.query, d.calls, d.totalMs]), [['SELECT b', 3, 900]])
})

test('snapshots stay bounded: per minute for an hour, per hour for a day', () => {
  const snaps = new StatSnapshots()
  for (let m = 0; m <= 3 * 24 * 60; m++) snaps.add(m * MIN, [entry('a', m, m)])
  assert.ok(snaps.size <= 61 + 25, `${snaps.size} snapshots`)
  const end = 3 * 24 * 60 * MIN
  assert.equal(snaps.baseline(end - 30 * MIN)?.at, end - 30 * MIN, 'minute resolution within the hour')
  const hourly = snaps.baseline(end - 5 * 3_600_000 - 30 * MIN)!.at
  assert.ok(hourly <= end - 5 * 3_600_000 - 30 * MIN && hourly > end - 7 * 3_600_000, 'hour resolution within the day')
})
