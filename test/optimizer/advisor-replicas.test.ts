/**
 * Index advice on the embedded PostgreSQL 18 cluster (primary + 2 streaming replicas, no hypopg):
 * the advice is an estimate, and an index that serves only the replicas' reads is reported used.
 */
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { buildTestApp, cleanup, uniq } from '../helpers/app.js'
import { waitForReplay } from '../helpers/cluster.js'
import { testEnv } from '../helpers/env.js'

test('without hypopg the advice is estimated; an index used only by replica reads is reported used', async (t) => {
  const app = await buildTestApp(t, { replicas: true, env: { OPTIMIZER_MIN_TABLE_SIZE: '1mb' } })
  const { primaryUrl, replicaUrls } = testEnv()
  const table = `advisor_probe_${uniq().replace(/[^a-z0-9]/g, '')}`
  await app.db.query(`CREATE TABLE ${table} (id bigint PRIMARY KEY, k int NOT NULL, payload text NOT NULL)`)
  cleanup(app, async () => {
    await app.db.query(`DROP TABLE IF EXISTS ${table}`)
    await app.db.query("DELETE FROM gateway_index_applications WHERE table_name = 'public.' || $1", [table])
  })
  await app.db.query(`INSERT INTO ${table} SELECT g, g % 5000, repeat('x', 40) FROM generate_series(1, 100000) g`)
  await app.db.query(`ANALYZE ${table}`)
  await waitForReplay(primaryUrl, replicaUrls)
  const workload = async () => {
    for (let i = 0; i < 30; i++) await app.db.query(`SELECT id, payload FROM ${table} WHERE k = $1 ORDER BY id LIMIT 10`, [i * 13], { target: 'read' })
  }
  await workload()

  const analysis = await app.db.analyzePerformance()
  assert.equal(analysis.hypopg, false)
  const s = analysis.suggestions.find((x) => x.table === `public.${table}` && x.columns[0] === 'k')
  assert.ok(s, JSON.stringify([analysis.suggestions, analysis.skipped.filter((x) => x.query.includes(table))]))
  assert.equal(s.validated, false)
  assert.ok(s.saving >= 0.5)

  const applied = await app.db.advisor.apply(s.id)
  assert.equal(applied.status, 'created')
  await waitForReplay(primaryUrl, replicaUrls)
  await workload()
  let v
  for (let i = 0; i < 30; i++) {
    v = (await app.db.advisor.applied()).find((x) => x.id === s.id)?.verification
    if (v?.used === true) break
    await new Promise((resolve) => setTimeout(resolve, 1_000))
  }
  assert.ok(v)
  assert.deepEqual(v.nodes.map((n) => n.node), ['primary', 'replica0', 'replica1'])
  assert.equal(v.used, true, JSON.stringify(v.nodes))
  assert.equal(v.nodes[0]!.idxScan, 0, 'the primary ran none of the reads')
  assert.ok(v.nodes.slice(1).some((n) => (n.idxScan ?? 0) > 0))
})
