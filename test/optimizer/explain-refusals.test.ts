import { test } from 'node:test'
import assert from 'node:assert/strict'
import { buildTestApp } from '../helpers/app.js'
import { explain, scratchSchema } from './helpers/explain.js'

const SETUP = (s: string): string => `
  CREATE TABLE ${s}.victims (id int PRIMARY KEY, v int NOT NULL);
  INSERT INTO ${s}.victims SELECT i, i * 10 FROM generate_series(1, 10) i;
  CREATE SEQUENCE ${s}.seq;
  CREATE VIEW ${s}.next_ids AS SELECT nextval('${s}.seq') AS id;
  CREATE VIEW ${s}.over_view AS SELECT * FROM ${s}.next_ids;`

test('POST /admin/explain refuses every unsafe statement class and never changes a row', async (t) => {
  const app = await buildTestApp(t)
  const s = await scratchSchema(app, SETUP)
  const db = app.db.pools.primary
  /** Everything a refused (or plain) explain could have changed. */
  const state = async (): Promise<unknown> => {
    const rows = await db.query(`SELECT count(*)::int AS n, sum(v)::int AS total FROM ${s}.victims`)
    const seq = await db.query(`SELECT last_value::int, is_called FROM ${s}.seq`)
    const tables = await db.query('SELECT count(*)::int AS n FROM pg_class WHERE relnamespace = $1::regnamespace', [s])
    const locks = await db.query("SELECT count(*)::int AS n FROM pg_locks WHERE locktype = 'advisory'")
    return { rows: rows.rows[0], seq: seq.rows[0], relations: tables.rows[0].n, advisoryLocks: locks.rows[0].n }
  }
  const before = await state()

  // Refused whether or not ANALYZE is asked for: never plannable as one safe statement.
  const never: Array<[string, string]> = [
    [`DROP TABLE ${s}.victims`, 'ddl'],
    [`CREATE TABLE ${s}.made (a int)`, 'ddl'],
    [`TRUNCATE ${s}.victims`, 'ddl'],
    [`ALTER TABLE ${s}.victims ADD COLUMN w int`, 'ddl'],
    [`VACUUM ${s}.victims`, 'utility'],
    [`COPY ${s}.victims TO STDOUT`, 'utility'],
    [`DO $$ BEGIN DELETE FROM ${s}.victims; END $$`, 'utility'],
    ['SET work_mem = \'1MB\'', 'utility'],
    [`EXPLAIN ANALYZE DELETE FROM ${s}.victims`, 'utility'],
    [`SELECT 1; DELETE FROM ${s}.victims`, 'multiple_statements'],
    [`SELECT * INTO ${s}.copied FROM ${s}.victims`, 'select_into'],
    ['-- only a comment', 'empty']
  ]
  // Planned without executing by plain EXPLAIN; refused with analyze: true. The third element is
  // the code plain EXPLAIN answers with when PostgreSQL itself rejects the statement.
  const analyzeOnly: Array<[string, string, string?]> = [
    [`DELETE FROM ${s}.victims`, 'write'],
    [`UPDATE ${s}.victims SET v = 0`, 'write'],
    [`INSERT INTO ${s}.victims VALUES (99, 0)`, 'write'],
    [`MERGE INTO ${s}.victims t USING (SELECT 1 AS id) src ON t.id = src.id WHEN MATCHED THEN DELETE`, 'write'],
    [`WITH gone AS (DELETE FROM ${s}.victims RETURNING id) SELECT count(*) FROM gone`, 'data_modifying_cte'],
    [`SELECT * FROM (SELECT 1) x, LATERAL (WITH u AS (UPDATE ${s}.victims SET v = 0 RETURNING 1) SELECT * FROM u) y`, 'data_modifying_cte', 'GW_ERR_INVALID_QUERY'],
    [`SELECT * FROM ${s}.victims FOR UPDATE`, 'locking_clause'],
    [`SELECT * FROM ${s}.victims WHERE id IN (SELECT id FROM ${s}.victims FOR SHARE)`, 'locking_clause'],
    [`SELECT nextval('${s}.seq')`, 'volatile_function'],
    [`SELECT setval('${s}.seq', 100)`, 'volatile_function'],
    [`SELECT pg_catalog.pg_advisory_lock(4242)`, 'volatile_function'],
    ['SELECT set_config(\'work_mem\', \'1MB\', false)', 'volatile_function'],
    [`SELECT * FROM ${s}.victims WHERE v > (SELECT pg_terminate_backend(0)::int)`, 'volatile_function'],
    [`SELECT * FROM ${s}.next_ids`, 'volatile_function'],
    [`SELECT * FROM ${s}.over_view`, 'volatile_function'],
    ['SELECT no_such_function_anywhere(1)', 'unknown_function', 'GW_ERR_INVALID_QUERY']
  ]

  for (const [sql, reason] of never) {
    for (const analyze of [false, true]) {
      const { statusCode, json } = await explain(app, { sql, analyze })
      assert.equal(statusCode, 400, `${sql} (analyze ${analyze}): ${JSON.stringify(json)}`)
      assert.equal(json.code, 'GW_ERR_EXPLAIN_REFUSED', sql)
      assert.equal(json.details.reason, reason, sql)
    }
  }
  for (const [sql, reason] of analyzeOnly) {
    const { statusCode, json } = await explain(app, { sql, analyze: true })
    assert.equal(statusCode, 400, `${sql}: ${JSON.stringify(json)}`)
    assert.equal(json.code, 'GW_ERR_EXPLAIN_REFUSED', sql)
    assert.equal(json.details.reason, reason, sql)
  }
  assert.deepEqual(await state(), before, 'no refused statement changed anything')

  // Plain EXPLAIN of the same statements plans them and still changes nothing.
  for (const [sql, reason, rejected] of analyzeOnly) {
    const { statusCode, json } = await explain(app, { sql })
    if (rejected !== undefined) {
      assert.deepEqual([statusCode, json.code], [400, rejected], sql)
      continue
    }
    assert.equal(statusCode, 200, `${sql} (${reason}): ${JSON.stringify(json)}`)
    assert.equal(json.analyzed, false)
    assert.equal(json.executionMs, null)
  }
  assert.deepEqual(await state(), before, 'plain EXPLAIN executed nothing')

  // What ANALYZE may run: a read-only SELECT with stable, immutable or allow-listed functions.
  const ok = await explain(app, { sql: `SELECT random(), now(), count(*) FROM ${s}.victims WHERE v > $1`, params: [0], analyze: true })
  assert.equal(ok.statusCode, 200, JSON.stringify(ok.json))
  assert.equal(ok.json.analyzed, true)
  assert.equal(ok.json.plan[0].Plan['Actual Rows'], 1)
  const trailing = await explain(app, { sql: `SELECT id FROM ${s}.victims;`, analyze: true })
  assert.equal(trailing.statusCode, 200, 'a trailing semicolon is still one statement')
  assert.deepEqual(await state(), before)
})

test('malformed input, statement errors and timeouts are 4xx with stable codes', async (t) => {
  const app = await buildTestApp(t)
  const cases: Array<[Record<string, unknown>, number, string]> = [
    [{}, 400, 'GW_ERR_VALIDATION'],
    [{ sql: 'SELECT 1', model: 'users', op: 'findMany' }, 400, 'GW_ERR_VALIDATION'],
    [{ sql: 'SELECT 1', op: 'findMany' }, 400, 'GW_ERR_INVALID_QUERY'],
    [{ sql: 'SELECT 1', extra: true }, 400, 'GW_ERR_VALIDATION'],
    [{ sql: 'SELECT 1', analyze: 'maybe' }, 400, 'GW_ERR_VALIDATION'],
    [{ sql: 'SELECT 1', node: 'elsewhere' }, 400, 'GW_ERR_VALIDATION'],
    [{ sql: 'SELECT 1', timeoutMs: 0 }, 400, 'GW_ERR_VALIDATION'],
    [{ sql: 'SELECT 1', settings: { shared_buffers: '1GB' } }, 400, 'GW_ERR_VALIDATION'],
    [{ sql: 'SELECT 1', settings: { work_mem: { a: 1 } } }, 400, 'GW_ERR_INVALID_QUERY'],
    [{ sql: 'SELECT 1', settings: { work_mem: 'lots' } }, 400, 'GW_ERR_INVALID_QUERY'],
    [{ sql: 'SELECT $1', params: [{ nested: 'object' }] }, 400, 'GW_ERR_INVALID_QUERY'],
    [{ model: 'nope', op: 'findMany' }, 400, 'GW_ERR_VALIDATION'],
    [{ model: 'users', op: 'upsert' }, 400, 'GW_ERR_VALIDATION'],
    [{ model: 'users', op: 'findMany', args: { where: { nope: 1 } } }, 400, 'GW_ERR_INVALID_QUERY'],
    [{ model: 'users', op: 'findUnique', args: { where: { name: 'x' } } }, 400, 'GW_ERR_INVALID_QUERY'],
    [{ sql: 'SELEC 1' }, 400, 'GW_ERR_INVALID_QUERY'],
    [{ sql: 'SELECT * FROM no_such_table' }, 400, 'GW_ERR_INVALID_QUERY'],
    [{ sql: 'SELECT no_such_column FROM users' }, 400, 'GW_ERR_INVALID_QUERY'],
    [{ sql: 'SELECT $1::int + $2::int', params: [1] }, 400, 'GW_ERR_INVALID_QUERY'],
    [{ sql: 'SELECT $1::int', params: ['not a number'] }, 400, 'GW_ERR_INVALID_QUERY'],
    [{ sql: 'SELECT count(*) FROM generate_series(1, 1000000000)', analyze: true, timeoutMs: 100 }, 422, 'GW_ERR_EXPLAIN_TIMEOUT']
  ]
  for (const [body, status, code] of cases) {
    const { statusCode, json } = await explain(app, body)
    assert.equal(statusCode, status, `${JSON.stringify(body)} → ${JSON.stringify(json)}`)
    assert.equal(json.code, code, JSON.stringify(body))
    assert.ok(!/at .*\.ts:\d+/.test(json.message), 'no stack')
  }
  const bad = await app.inject({ method: 'POST', url: '/admin/explain', headers: { authorization: 'Bearer nope', 'content-type': 'application/json' }, payload: '{"sql":"SELECT 1"}' })
  assert.equal(bad.statusCode, 401)
  const notJson = await explain(app, { sql: 'SELECT 1' })
  assert.equal(notJson.statusCode, 200, 'the pool is healthy after the timeout')
})

test('a model write is planned, not run; with analyze it is refused', async (t) => {
  const app = await buildTestApp(t)
  const count = async (): Promise<number> => (await app.db.pools.primary.query('SELECT count(*)::int AS n FROM users')).rows[0].n
  const before = await count()
  const args = { data: { email: `explain-${Date.now()}@example.com`, name: 'Explain' } }
  const plain = await explain(app, { model: 'users', op: 'create', args })
  assert.equal(plain.statusCode, 200, JSON.stringify(plain.json))
  assert.match(plain.json.sql, /^INSERT INTO "users"/)
  assert.equal(plain.json.plan[0].Plan['Node Type'], 'ModifyTable')
  const analyzed = await explain(app, { model: 'users', op: 'create', args, analyze: true })
  assert.equal(analyzed.statusCode, 400)
  assert.equal(analyzed.json.details.reason, 'write')
  const del = await explain(app, { model: 'users', op: 'delete', args: { where: { id: 1 } }, analyze: true })
  assert.equal(del.json.details.reason, 'write')
  assert.equal(await count(), before)
})
