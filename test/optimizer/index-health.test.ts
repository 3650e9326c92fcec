import { test, type TestContext } from 'node:test'
import assert from 'node:assert/strict'
import { setTimeout as sleep } from 'node:timers/promises'
import type { FastifyInstance } from 'fastify'
import type pg from 'pg'
import { adminHeaders, buildTestApp, cleanup, uniq } from '../helpers/app.js'
import { waitForReplay } from '../helpers/cluster.js'
import { testEnv } from '../helpers/env.js'
import type { IndexHealthReport } from '../../src/index.js'

/** A scratch schema, dropped when the test ends. */
async function scratchSchema (app: FastifyInstance): Promise<string> {
  const schema = `ih_${uniq()}`
  await app.db.query(`CREATE SCHEMA ${schema}`)
  cleanup(app, async () => { await app.db.query(`DROP SCHEMA ${schema} CASCADE`) })
  return schema
}

async function report (app: FastifyInstance, query: string): Promise<IndexHealthReport> {
  const res = await app.inject({ url: `/admin/indexes?${query}`, headers: adminHeaders })
  assert.equal(res.statusCode, 200, res.body)
  return res.json() as IndexHealthReport
}

async function until (what: string, check: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + 30_000
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await sleep(200)
  }
}

/** Runs `sql` on one connection of `pool` with sequential scans off, so the planner takes the index. */
async function indexScan (pool: pg.Pool, sql: string): Promise<void> {
  const client = await pool.connect()
  try {
    await client.query('BEGIN READ ONLY')
    await client.query('SET LOCAL enable_seqscan = off')
    await client.query(sql)
    await client.query('COMMIT')
  } finally {
    client.release()
  }
}

const names = (list: Array<{ index: string }>): string[] => list.map((x) => x.index).sort()

async function buildSchema (t: TestContext): Promise<{ app: FastifyInstance; schema: string }> {
  const app = await buildTestApp(t, { replicas: true })
  const schema = await scratchSchema(app)
  const ddl = [
    `CREATE TABLE ${schema}.items (id int PRIMARY KEY, a int, b int, c int UNIQUE, code int, d int)`,
    `INSERT INTO ${schema}.items SELECT g, g % 10, g, g, g, g FROM generate_series(1, 2000) g`,
    `CREATE INDEX unused_code ON ${schema}.items (code)`,
    `CREATE INDEX replica_b ON ${schema}.items (b)`,
    `CREATE INDEX twin_d1 ON ${schema}.items (d)`,
    `CREATE INDEX twin_d2 ON ${schema}.items (d)`,
    `CREATE INDEX narrow_a ON ${schema}.items (a)`,
    `CREATE INDEX wide_a_b ON ${schema}.items (a, b)`,
    // Not covered: another predicate than wide_a_b's; an INCLUDE column wide_c_b lacks.
    `CREATE INDEX partial_a ON ${schema}.items (a) WHERE a > 0`,
    `CREATE INDEX wide_c_b ON ${schema}.items (c, b)`,
    `CREATE INDEX c_inc_d ON ${schema}.items (c) INCLUDE (d)`,
    `CREATE UNIQUE INDEX uniq_id_d ON ${schema}.items (id, d)`,
    `ANALYZE ${schema}.items`
  ]
  for (const sql of ddl) await app.db.query(sql)
  // a has duplicate values: the build fails and leaves the index behind, invalid.
  await assert.rejects(app.db.query(`CREATE UNIQUE INDEX CONCURRENTLY bad_uq ON ${schema}.items (a)`), /unique|already exists/i)
  const { primaryUrl, replicaUrls } = testEnv()
  await waitForReplay(primaryUrl, replicaUrls)
  return { app, schema }
}

test('GET /admin/indexes: unused on every node, used only on a replica, duplicate, overlapping, invalid, constraint-backing', async (t) => {
  const { app, schema } = await buildSchema(t)
  const replica = app.db.pools.replicas[0]!
  await until('the replica to count the scan of replica_b', async () => {
    await indexScan(replica.pool, `SELECT * FROM ${schema}.items WHERE b = 42`)
    const { rows } = await replica.pool.query('SELECT idx_scan FROM pg_stat_user_indexes WHERE schemaname = $1 AND indexrelname = $2', [schema, 'replica_b'])
    return Number(rows[0]?.idx_scan ?? 0) > 0
  })

  const r = await report(app, `schema=${schema}`)
  assert.deepEqual(r.nodes.map((n) => [n.name, n.reachable]), [['primary', true], ['replica0', true], ['replica1', true]])
  assert.ok(r.nodes.every((n) => n.statsSince !== null && Date.parse(n.statsSince) <= Date.parse(r.at)))
  assert.ok(r.indexes.every((ix) => ix.schema === schema && ix.table === 'items'))

  const usage = Object.fromEntries(r.indexes.map((ix) => [ix.name, ix]))
  const scansOf = (name: string) => Object.fromEntries(usage[name]!.nodes.map((n) => [n.node, n.idxScan]))
  assert.equal(scansOf('replica_b').primary, 0, 'never scanned on the primary')
  assert.ok(scansOf('replica_b').replica0! > 0, 'scanned on replica0')
  assert.equal(usage.replica_b!.idxScan, scansOf('replica_b').replica0! + scansOf('replica_b').replica1!)
  assert.equal(usage.items_pkey!.constraint?.type, 'primary key')
  assert.equal(usage.items_c_key!.constraint?.type, 'unique')
  assert.ok(usage.unused_code!.sizeBytes > 0)

  // Unused: no scans on any node; not the constraint-backing or unique ones, not the invalid one.
  const unused = names(r.unused)
  assert.ok(unused.includes('unused_code'))
  assert.ok(!unused.includes('replica_b'), 'used on a replica, so not unused')
  for (const kept of ['items_pkey', 'items_c_key', 'uniq_id_d', 'bad_uq']) assert.ok(!unused.includes(kept), kept)
  const code = r.unused.find((u) => u.index === 'unused_code')!
  assert.equal(code.verdict, 'unused')
  assert.equal(code.statement, `DROP INDEX CONCURRENTLY ${schema}.unused_code;`)
  assert.ok(code.statsCoverSeconds !== null && code.statsCoverSeconds >= 0)

  // Duplicates: the exact twin (second by name) and the prefix of a wider index; not the
  // partial index, not the one whose INCLUDE column the wider index lacks.
  const dup = Object.fromEntries(r.duplicates.map((x) => [x.index, x]))
  assert.deepEqual(Object.keys(dup).sort(), ['narrow_a', 'twin_d2'])
  assert.deepEqual([dup.twin_d2!.kind, dup.twin_d2!.coveredBy], ['exact', 'twin_d1'])
  assert.deepEqual([dup.narrow_a!.kind, dup.narrow_a!.coveredBy], ['prefix', 'wide_a_b'])
  assert.equal(dup.narrow_a!.statement, `DROP INDEX CONCURRENTLY ${schema}.narrow_a;`)

  // Invalid: the failed build. Its offered statement is real SQL: run here, it removes it.
  assert.deepEqual(names(r.invalid), ['bad_uq'])
  assert.equal(usage.bad_uq!.valid, false)
  await app.db.query(r.invalid[0]!.statement!)
  assert.deepEqual((await report(app, `schema=${schema}`)).invalid, [])

  // The library method answers the same.
  const lib = await app.db.indexHealth({ schema })
  assert.deepEqual(names(lib.duplicates), ['narrow_a', 'twin_d2'])
  assert.ok(names(lib.unused).includes('unused_code'))
})

test('an index being built concurrently is not reported invalid', async (t) => {
  const { app, schema } = await buildSchema(t)
  const primary = app.db.pools.primary
  // A snapshot older than the build holds CREATE INDEX CONCURRENTLY in its last wait, invalid.
  const holder = await primary.connect()
  let building: Promise<unknown> | undefined
  try {
    await holder.query('BEGIN ISOLATION LEVEL REPEATABLE READ')
    await holder.query('SELECT 1')
    building = primary.query(`CREATE INDEX CONCURRENTLY late_b ON ${schema}.items (b, d)`)
    await until('the concurrent build to wait for old snapshots', async () => {
      const { rows } = await primary.query(
        "SELECT 1 FROM pg_stat_progress_create_index p JOIN pg_index i ON i.indexrelid = p.index_relid WHERE p.index_relid = to_regclass($1) AND NOT i.indisvalid",
        [`${schema}.late_b`])
      return rows.length > 0
    })
    const r = await report(app, `schema=${schema}&table=items`)
    assert.equal(r.indexes.find((ix) => ix.name === 'late_b')?.valid, false, 'invalid while it is built')
    assert.deepEqual(names(r.invalid), ['bad_uq'], 'only the failed build')
  } finally {
    await holder.query('COMMIT').catch(() => {})
    holder.release()
    await building
  }
  assert.equal((await report(app, `schema=${schema}`)).indexes.find((ix) => ix.name === 'late_b')?.valid, true)
})

test('a replica that does not answer makes an index without scans unknown, not unused', async (t) => {
  const { replicaUrls } = testEnv()
  const dead = replicaUrls[0]!.replace(/:\d+\//, ':1/')
  const app = await buildTestApp(t, { env: { DATABASE_READ_URLS: `${replicaUrls[0]},${dead}` } })
  const schema = await scratchSchema(app)
  await app.db.query(`CREATE TABLE ${schema}.items (id int, code int)`)
  await app.db.query(`CREATE INDEX unused_code ON ${schema}.items (code)`)
  const r = await report(app, `schema=${schema}`)
  assert.deepEqual(r.nodes.map((n) => [n.name, n.reachable]), [['primary', true], ['replica0', true], ['replica1', false]])
  assert.equal(typeof r.nodes[2]!.error, 'string')
  assert.deepEqual(r.unused.map((u) => [u.index, u.verdict]), [['unused_code', 'unknown']])
  assert.deepEqual([r.totals.unused, r.totals.unknown], [0, 1])
})

test('bloat: the estimate, then pgstattuple when installed, each with REINDEX CONCURRENTLY offered', async (t) => {
  const app = await buildTestApp(t)
  const schema = await scratchSchema(app)
  await app.db.query(`CREATE TABLE ${schema}.bloaty (id int, v int)`)
  await app.db.query(`INSERT INTO ${schema}.bloaty SELECT g, g FROM generate_series(1, 100000) g`)
  await app.db.query(`CREATE INDEX bloaty_v ON ${schema}.bloaty (v)`)
  const before = Number((await app.db.query(`SELECT pg_relation_size('${schema}.bloaty') AS n`)).rows[0].n)
  await app.db.query(`DELETE FROM ${schema}.bloaty WHERE id > 10000`)
  // VACUUM truncates the emptied tail once it may remove the rows (a standby's feedback can hold
  // that back for a moment); then the index keeps its pages with a tenth of its entries.
  await until('VACUUM to remove the deleted rows', async () => {
    await app.db.query(`VACUUM ANALYZE ${schema}.bloaty`)
    return Number((await app.db.query(`SELECT pg_relation_size('${schema}.bloaty') AS n`)).rows[0].n) < before / 2
  })
  const thresholds = 'bloatMinBytes=0&bloatMinPercent=50'

  const estimated = await report(app, `schema=${schema}&bloat=estimate&${thresholds}`)
  assert.equal(estimated.bloatMethod, 'estimate')
  assert.deepEqual(estimated.bloated.map((b) => [b.index, b.statement]), [['bloaty_v', `REINDEX INDEX CONCURRENTLY ${schema}.bloaty_v;`]])
  assert.ok(estimated.bloated[0]!.bloatPercent >= 50 && estimated.bloated[0]!.bloatBytes < estimated.bloated[0]!.sizeBytes)
  assert.deepEqual((await report(app, `schema=${schema}&bloat=estimate`)).bloated, [], 'below the default 10 MiB')

  const had = (await app.db.query("SELECT 1 FROM pg_extension WHERE extname = 'pgstattuple'")).rowCount === 1
  if (!had) {
    await app.db.query('CREATE EXTENSION pgstattuple')
    cleanup(app, async () => { await app.db.query('DROP EXTENSION IF EXISTS pgstattuple') })
  }
  const measured = await report(app, `schema=${schema}&${thresholds}`)
  assert.equal(measured.bloatMethod, 'pgstattuple')
  assert.deepEqual(measured.bloated.map((b) => b.index), ['bloaty_v'])
  assert.equal((await report(app, `schema=${schema}&bloat=estimate`)).bloatMethod, 'estimate', 'the estimate on request')
})

test('GET /admin/indexes: 401 without the token, 400 on bad parameters, bounded by limit', async (t) => {
  const app = await buildTestApp(t)
  assert.equal((await app.inject({ url: '/admin/indexes' })).statusCode, 401)
  assert.equal((await app.inject({ url: '/admin/indexes', headers: { authorization: 'Bearer nope' } })).statusCode, 401)
  for (const q of ['limit=0', 'limit=1001', 'limit=abc', 'bloat=exact', 'bloatMinBytes=-1', 'bloatMinPercent=101', 'schema=', `table=${'x'.repeat(64)}`, 'nope=1']) {
    const res = await app.inject({ url: `/admin/indexes?${q}`, headers: adminHeaders })
    assert.equal(res.statusCode, 400, q)
    assert.equal(res.json().code, 'GW_ERR_VALIDATION', q)
  }
  const all = await report(app, 'table=users')
  assert.ok(all.indexes.length >= 2 && all.indexes.every((ix) => ix.table === 'users'), 'the domain table, any schema')
  const one = await report(app, 'table=users&limit=1')
  assert.equal(one.indexes.length, 1)
  assert.equal(one.truncated, true)
  assert.equal(one.totals.indexes, all.totals.indexes)
  assert.equal(one.indexes[0]!.sizeBytes, Math.max(...all.indexes.map((ix) => ix.sizeBytes)), 'largest first')

  const doc = (await app.inject({ url: '/docs/json' })).json()
  const op = doc.paths['/admin/indexes'].get
  assert.deepEqual(op.security, [{ bearerAuth: [] }])
  assert.deepEqual(op.parameters.map((p: { name: string }) => p.name).sort(), ['bloat', 'bloatMinBytes', 'bloatMinPercent', 'limit', 'schema', 'table'])
  assert.ok(op.responses['200'].content['application/json'].schema.properties.duplicates)
})

test("a partition's index is reported on its own, but the DROP offered is for its partitioned index", async (t) => {
  const app = await buildTestApp(t)
  const schema = await scratchSchema(app)
  await app.db.query(`CREATE TABLE ${schema}.events (id int, kind int) PARTITION BY HASH (id)`)
  await app.db.query(`CREATE TABLE ${schema}.events_p0 PARTITION OF ${schema}.events FOR VALUES WITH (MODULUS 2, REMAINDER 0)`)
  await app.db.query(`CREATE TABLE ${schema}.events_p1 PARTITION OF ${schema}.events FOR VALUES WITH (MODULUS 2, REMAINDER 1)`)
  await app.db.query(`CREATE INDEX events_kind ON ${schema}.events (kind)`)
  await app.db.query(`CREATE INDEX p0_only ON ${schema}.events_p0 (id)`)
  const r = await report(app, `schema=${schema}`)
  assert.deepEqual(r.indexes.map((ix) => ix.table).sort(), ['events_p0', 'events_p0', 'events_p1'], 'leaf indexes only: the partitioned one has no storage or scans')
  const unused = Object.fromEntries(r.unused.map((u) => [u.index, u]))
  assert.equal(unused.p0_only?.statement, `DROP INDEX CONCURRENTLY ${schema}.p0_only;`)
  const leaf = r.indexes.find((ix) => ix.table === 'events_p1')!
  assert.equal(leaf.partitionOf, `${schema}.events_kind`)
  assert.equal(unused[leaf.name]?.statement, null)
  assert.match(unused[leaf.name]!.note!, new RegExp(`DROP INDEX ${schema}\\.events_kind`))
})
