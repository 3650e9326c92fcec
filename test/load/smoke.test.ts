/**
 * Smoke test of the load suite (issue 7 item 4): every scenario, for a fraction of a second with a
 * few connections, against each target the bench runs it on (the gateway and the baselines) on the
 * test cluster. It checks that the runs and the report have their shape and that every request
 * succeeded; it asserts nothing about speed (SPEC §7).
 */
import assert from 'node:assert/strict'
import { after, before, test } from 'node:test'
import { testEnv } from '../helpers/env.js'
import { COMPARISONS } from '../../load/suite/comparisons.js'
import { runScenario, type RunResult } from '../../load/suite/measure.js'
import { beforeAfterTable, detailTable, ratios, ratioTable, summarize } from '../../load/suite/report.js'
import { SCENARIOS, seedFor } from '../../load/suite/scenarios.js'
import { openSession, type Session } from '../../load/suite/session.js'
import { TARGETS, isGateway } from '../../load/suite/targets.js'

let session: Session
const runs: RunResult[] = []

before(async () => {
  const { primaryUrl, redisUrl } = testEnv()
  session = await openSession({ databaseUrl: primaryUrl, redisUrl, targets: [...TARGETS], pool: 5, prepared: true, log: () => {} })
})

after(async () => {
  await session?.close()
})

for (const s of SCENARIOS) {
  test(`load scenario ${s.name}`, async (t) => {
    for (const target of s.targets) {
      const r = await runScenario(s, target, session.servers, session.redis, session.context(seedFor(s.name, 1)), {
        duration: 0.5, connections: 4, warmup: 0, round: 1, maxConnections: 20
      })
      runs.push(r)
      t.diagnostic(`${target}: ${r.requests} requests in ${r.seconds} s`)
      const where = `${s.name} on ${target}: ${JSON.stringify(r.statusCodes)}`
      assert.ok(r.requests > 0, `${where}: no responses`)
      assert.equal(r.errors, 0, `${where}: errors`)
      assert.equal(r.timeouts, 0, `${where}: timeouts`)
      assert.equal(r.non2xx, 0, `${where}: non-2xx`)
      for (const k of ['rps', 'p50', 'p95', 'p99'] as const) assert.ok(Number.isFinite(r[k]) && r[k] >= 0, `${where}: ${k} = ${r[k]}`)
      assert.ok(r.p50 <= r.p95 && r.p95 <= r.p99, `${where}: percentiles out of order`)
      assert.ok(target === 'static' || (r.sqlPerRequest ?? 0) > 0 || (r.hitRate ?? 0) > 0, `${where}: no SQL and no cache hit`)
      if (isGateway(target) && target !== 'gateway-off') {
        if (!s.name.startsWith('write')) assert.ok(r.hitRate !== null && r.hitRate >= 0 && r.hitRate <= 1, `${where}: hit rate ${r.hitRate}`)
      } else {
        assert.equal(r.hitRate, null, `${where}: a hit rate without a gateway cache`)
      }
    }
  })
}

test('the bench report renders from the runs', () => {
  const summaries = summarize(runs)
  assert.equal(summaries.length, SCENARIOS.reduce((n, s) => n + s.targets.length, 0))
  const rows = ratios(COMPARISONS, summaries)
  assert.equal(rows.length, COMPARISONS.length, 'every comparison has both of its runs')
  const table = ratioTable(rows)
  assert.equal(table.split('\n').length, COMPARISONS.length + 2)
  for (const c of COMPARISONS) assert.ok(table.includes(c.label), c.label)
  assert.match(beforeAfterTable(summaries, false), /\| user-by-id \| \d+/)
  assert.equal(detailTable(summaries).split('\n').length, summaries.length + 2)
})
