import { test } from 'node:test'
import assert from 'node:assert/strict'
import { buildTestApp } from '../helpers/app.js'
import { compileFindUnique } from '../../src/query/compile.js'
import { models } from '../../src/models/registry.js'
import { explain, findingsOf, scratchSchema } from './helpers/explain.js'

// Tables built to cause each finding; the seed is too small for "large" and autovacuum is off on
// them so the statistics stay exactly as the test left them.
const TABLES = (s: string): string => `
  CREATE TABLE ${s}.scan_t (id int PRIMARY KEY, a int NOT NULL, pad text NOT NULL) WITH (autovacuum_enabled = false);
  INSERT INTO ${s}.scan_t SELECT i, i % 1000, md5(i::text) FROM generate_series(1, 50000) i;
  ANALYZE ${s}.scan_t;

  CREATE TABLE ${s}.skew_t (id int, v text) WITH (autovacuum_enabled = false);
  INSERT INTO ${s}.skew_t SELECT i, 'a' FROM generate_series(1, 1000) i;
  ANALYZE ${s}.skew_t;
  INSERT INTO ${s}.skew_t SELECT i, 'b' FROM generate_series(1001, 51000) i;

  -- a = 5 is 1 % of the rows, as the statistics say, but all of them come last in created_at order.
  CREATE TABLE ${s}.ord_t (id int PRIMARY KEY, a int NOT NULL, created_at timestamptz NOT NULL) WITH (autovacuum_enabled = false);
  INSERT INTO ${s}.ord_t SELECT i, CASE WHEN i > 49500 THEN 5 ELSE 6 + i % 99 END, timestamptz '2024-01-01' + i * interval '1 minute'
    FROM generate_series(1, 50000) i;
  CREATE INDEX ord_t_created_at ON ${s}.ord_t (created_at);
  ANALYZE ${s}.ord_t;

  CREATE TABLE ${s}.parent_t (id int PRIMARY KEY);
  CREATE TABLE ${s}.child_t (id int PRIMARY KEY, parent_id int NOT NULL REFERENCES ${s}.parent_t (id));
  INSERT INTO ${s}.parent_t VALUES (1), (2);
  INSERT INTO ${s}.child_t VALUES (1, 1), (2, 2);
  ANALYZE ${s}.parent_t; ANALYZE ${s}.child_t;`

test('plan findings, each from a query built to cause it', async (t) => {
  const app = await buildTestApp(t)
  const s = await scratchSchema(app, TABLES)

  await t.test('sequential scan of a large table under a selective filter, with the index that serves it', async () => {
    const { statusCode, json } = await explain(app, { sql: `SELECT * FROM ${s}.scan_t WHERE a = $1`, params: [7] })
    assert.equal(statusCode, 200, JSON.stringify(json))
    assert.equal(json.analyzed, false)
    const [f] = findingsOf(json, 'seq_scan_large_table')
    assert.ok(f, JSON.stringify(json.findings))
    assert.equal(f.measured, false)
    assert.equal(f.node?.relation, `${s}.scan_t`)
    assert.equal(f.numbers.rowsScanned, 50000)
    assert.ok(f.numbers.keptPercent! < 1)
    assert.equal(f.statement, `CREATE INDEX CONCURRENTLY ON ${s}.scan_t (a)`)

    const measured = await explain(app, { sql: `SELECT * FROM ${s}.scan_t WHERE a = $1`, params: [7], analyze: true, settings: { max_parallel_workers_per_gather: 0 } })
    const [m] = findingsOf(measured.json, 'seq_scan_large_table')
    assert.equal(m?.measured, true)
    assert.equal(m?.numbers.rowsReturned, 50, 'i % 1000 = 7 for 50 of 50000 rows')
    assert.equal(m?.numbers.rowsRemovedByFilter, 49950)

    const wide = await explain(app, { sql: `SELECT * FROM ${s}.scan_t WHERE a >= 0` })
    assert.deepEqual(findingsOf(wide.json, 'seq_scan_large_table'), [], 'a filter that keeps every row is not selective')
  })

  await t.test('row misestimate of 10× or more from stale statistics (ANALYZE only)', async () => {
    const sql = `SELECT count(*) FROM ${s}.skew_t WHERE v = 'b'`
    assert.deepEqual(findingsOf((await explain(app, { sql })).json, 'row_misestimate'), [], 'estimates alone prove nothing')
    const { statusCode, json } = await explain(app, { sql, analyze: true })
    assert.equal(statusCode, 200, JSON.stringify(json))
    const [f] = findingsOf(json, 'row_misestimate')
    assert.ok(f, JSON.stringify(json.findings))
    assert.equal(f.node?.type, 'Seq Scan')
    assert.equal(f.numbers.actualRows, 50000)
    assert.ok(f.numbers.factor! >= 10)
    assert.equal(f.statement, `ANALYZE ${s}.skew_t`, 'the 50000 rows inserted after ANALYZE make the statistics stale')
    assert.equal(findingsOf(json, 'row_misestimate').length, 1)
  })

  await t.test('sort and hash spilling to disk under a small work_mem', async () => {
    const sort = await explain(app, { sql: `SELECT * FROM ${s}.scan_t ORDER BY pad`, analyze: true, settings: { work_mem: '64kB' } })
    assert.equal(sort.statusCode, 200, JSON.stringify(sort.json))
    const [f] = findingsOf(sort.json, 'disk_spill')
    assert.ok(f, JSON.stringify(sort.json.findings))
    assert.equal(f.node?.type, 'Sort')
    assert.equal(f.numbers.workMemKb, 64)
    assert.ok(f.numbers.diskKb! > 64)
    assert.match(f.statement ?? '', /^SET LOCAL work_mem = '\d+MB'$/)

    const hash = await explain(app, {
      sql: `SELECT count(*) FROM ${s}.scan_t x JOIN ${s}.scan_t y ON x.pad = y.pad`,
      analyze: true,
      settings: { work_mem: '64kB', enable_mergejoin: false, enable_nestloop: false, max_parallel_workers_per_gather: 0 }
    })
    const [h] = findingsOf(hash.json, 'disk_spill')
    assert.equal(h?.node?.type, 'Hash', JSON.stringify(hash.json.findings))
    assert.ok(h!.numbers.batches! > 1)

    const roomy = await explain(app, { sql: `SELECT * FROM ${s}.scan_t ORDER BY pad`, analyze: true, settings: { work_mem: '64MB' } })
    assert.deepEqual(findingsOf(roomy.json, 'disk_spill'), [])
  })

  await t.test('nested loop over many rows', async () => {
    const { json } = await explain(app, {
      sql: `SELECT count(*) FROM ${s}.scan_t x JOIN ${s}.scan_t y ON y.id = x.a + 1`,
      analyze: true,
      settings: { enable_hashjoin: false, enable_mergejoin: false, max_parallel_workers_per_gather: 0 }
    })
    const [f] = findingsOf(json, 'nested_loop_many_rows')
    assert.ok(f, JSON.stringify(json.findings))
    assert.equal(f.node?.type, 'Nested Loop')
    assert.equal(f.numbers.innerLoops, 50000)
    assert.equal(f.numbers.outerRows, 50000)
  })

  await t.test('ORDER BY + LIMIT walking an index while the filter throws most rows away', async () => {
    const sql = `SELECT * FROM ${s}.ord_t WHERE a = 5 ORDER BY created_at LIMIT 10`
    const { json } = await explain(app, { sql, analyze: true })
    const [f] = findingsOf(json, 'order_limit_wrong_index')
    assert.ok(f, JSON.stringify(json.findings))
    assert.equal(f.node?.index, `${s}.ord_t_created_at`)
    assert.equal(f.numbers.rowsReturned, 10)
    assert.equal(f.numbers.rowsRemovedByFilter, 49500)
    assert.equal(f.statement, `CREATE INDEX CONCURRENTLY ON ${s}.ord_t (a, created_at)`)
    const [risk] = findingsOf((await explain(app, { sql })).json, 'order_limit_wrong_index')
    assert.equal(risk?.measured, false, 'from estimates alone it is a risk: a selective filter the index does not serve')
    const common = await explain(app, { sql: `SELECT * FROM ${s}.ord_t WHERE a <> 5 ORDER BY created_at LIMIT 10` })
    assert.deepEqual(findingsOf(common.json, 'order_limit_wrong_index'), [], 'a filter most rows pass is no risk')

    await app.db.pools.primary.query(`CREATE INDEX ord_t_a_created_at ON ${s}.ord_t (a, created_at)`)
    const fixed = await explain(app, { sql, analyze: true })
    assert.deepEqual(findingsOf(fixed.json, 'order_limit_wrong_index'), [], 'the suggested index ends it')
  })

  await t.test('foreign key without an index leading with its columns', async () => {
    const { json } = await explain(app, { sql: `SELECT * FROM ${s}.child_t WHERE id = 1` })
    const [f] = findingsOf(json, 'missing_fk_index')
    assert.ok(f, JSON.stringify(json.findings))
    assert.equal(f.node?.relation, `${s}.child_t`)
    assert.equal(f.statement, `CREATE INDEX CONCURRENTLY ON ${s}.child_t (parent_id)`)
    assert.ok(findingsOf(json, 'missing_fk_index').every((x) => !x.message.includes('scan_t')))

    const del = await explain(app, { sql: `DELETE FROM ${s}.parent_t WHERE id = 1` })
    assert.equal(del.statusCode, 200, JSON.stringify(del.json))
    assert.ok(findingsOf(del.json, 'missing_fk_index').some((x) => x.statement?.includes('child_t')), 'a DELETE of parent rows looks up the referencing table')

    await app.db.pools.primary.query(`CREATE INDEX child_t_parent_id ON ${s}.child_t (parent_id)`)
    assert.deepEqual(findingsOf((await explain(app, { sql: `SELECT * FROM ${s}.child_t WHERE id = 1` })).json, 'missing_fk_index'), [])
  })

  await t.test('partitions not pruned, on the real partitioned tables through model queries', async () => {
    const all = await explain(app, { model: 'notifications', op: 'findMany', args: { where: { kind: 'x' }, take: 5 } })
    assert.equal(all.statusCode, 200, JSON.stringify(all.json))
    const [f] = findingsOf(all.json, 'partitions_not_pruned')
    assert.ok(f, JSON.stringify(all.json.findings))
    const { rows } = await app.db.pools.primary.query("SELECT count(*)::int AS n FROM pg_inherits WHERE inhparent = 'notifications'::regclass")
    assert.equal(f.numbers.partitionsTotal, rows[0].n)
    assert.equal(f.numbers.partitionsScanned, rows[0].n)
    assert.match(f.suggestion, /created_at/)

    const now = new Date()
    const from = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), 1))
    const to = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() + 1, 1))
    const month = await explain(app, {
      model: 'notifications', op: 'findMany',
      args: { where: { kind: 'x', createdAt: { gte: from.toISOString(), lt: to.toISOString() } }, take: 5 }
    })
    assert.deepEqual(findingsOf(month.json, 'partitions_not_pruned'), [], 'a one-month range prunes')

    const events = await explain(app, { model: 'activityEvents', op: 'findMany', args: { where: { kind: 'x' }, take: 5 } })
    assert.match(findingsOf(events.json, 'partitions_not_pruned')[0]?.suggestion ?? '', /user_id/, 'hash partitions: filter on user_id')
    const oneUser = await explain(app, { model: 'activityEvents', op: 'findMany', args: { where: { userId: 1 }, take: 5 } })
    assert.deepEqual(findingsOf(oneUser.json, 'partitions_not_pruned'), [])
  })
})

test('model queries are compiled exactly as the client runs them; db.explain is the same', async (t) => {
  const app = await buildTestApp(t)
  const args = { where: { id: 1 }, select: { id: true, email: true } }
  const { statusCode, json } = await explain(app, { model: 'users', op: 'findUnique', args, analyze: true })
  assert.equal(statusCode, 200, JSON.stringify(json))
  const compiled = compileFindUnique(models.users, args)
  assert.equal(json.sql, compiled.text)
  assert.deepEqual(json.params, JSON.parse(JSON.stringify(compiled.values)))
  assert.equal(json.analyzed, true)
  assert.equal(typeof json.executionMs, 'number')
  assert.equal(json.plan[0].Plan['Node Type'], 'Limit')

  const count = await explain(app, { model: 'applications', op: 'count', args: { where: { status: 'submitted' } } })
  assert.equal(count.statusCode, 200)
  assert.match(count.json.sql, /^SELECT count\(\*\)/)

  const lib = await app.db.explain({ model: 'users', op: 'findUnique', args }, {})
  assert.equal(lib.sql, compiled.text)
  assert.equal(lib.node, 'primary')
  assert.deepEqual(lib.findings, [])

  const doc = (await app.inject({ url: '/docs/json' })).json()
  const op = doc.paths['/admin/explain'].post
  assert.deepEqual(op.security, [{ bearerAuth: [] }])
  assert.ok(op.requestBody.content['application/json'].schema.properties.sql)
  assert.ok(op.responses['200'].content['application/json'].schema.properties.findings)
})

test('node: replica plans on a replica in rotation', async (t) => {
  const app = await buildTestApp(t, { replicas: true })
  const { statusCode, json } = await explain(app, { sql: 'SELECT count(*) FROM users', node: 'replica', analyze: true })
  assert.equal(statusCode, 200, JSON.stringify(json))
  assert.notEqual(json.node, 'primary')
  assert.ok(app.db.nodeNames().includes(json.node))
})
