import { test } from 'node:test'
import assert from 'node:assert/strict'
import { StatementIdentifier, UNPARSED_MARK, identify, isTransactionControl, loadParser, maskLiterals } from '../../src/monitoring/slow-queries/index.js'

test('one fingerprint for the same statement with other literals, parameters or spacing; normalized text has no literals', async () => {
  await loadParser()
  const a = identify("SELECT pg_sleep(0.3), 'literal-x' AS a FROM users WHERE id = 42")
  const b = identify("select  pg_sleep(1.5),\n 'literal-y' as a from users where id = 7")
  const c = identify('SELECT pg_sleep($1), $2 AS a FROM users WHERE id = $3')
  assert.equal(a.fingerprint, b.fingerprint)
  assert.equal(a.fingerprint, c.fingerprint)
  assert.match(a.fingerprint, /^[0-9a-f]{16}$/)
  assert.equal(a.query, 'SELECT pg_sleep($1), $2 AS a FROM users WHERE id = $3')
  assert.doesNotMatch(b.query, /literal|1\.5|\b7\b/)
  assert.equal(a.parsed, true)
  assert.notEqual(identify('SELECT id FROM users').fingerprint, identify('SELECT id FROM universities').fingerprint)
})

test('statement kinds: only single DML/SELECT statements are explainable', async () => {
  await loadParser()
  for (const sql of ['SELECT 1', 'VALUES (1)', 'WITH x AS (SELECT 1) SELECT * FROM x', 'INSERT INTO t VALUES (1)',
    'WITH x AS (SELECT 1) UPDATE t SET a = 1', 'DELETE FROM t WHERE a = $1']) {
    assert.equal(identify(sql).kind, 'explainable', sql)
  }
  for (const sql of ['BEGIN', 'COMMIT', 'SET statement_timeout = 5', 'SHOW work_mem']) assert.equal(identify(sql).kind, 'control', sql)
  for (const sql of ['SELECT 1; SELECT 2', 'CREATE TABLE t (a int)', 'EXPLAIN SELECT 1', 'VACUUM t']) assert.equal(identify(sql).kind, 'other', sql)
  assert.equal(isTransactionControl('  begin isolation level serializable'), true)
  assert.equal(isTransactionControl('SET LOCAL statement_timeout = 100'), true)
  assert.equal(isTransactionControl('SELECT 1'), false)
  assert.equal(isTransactionControl('WITH x AS (SELECT 1) SELECT * FROM x'), false)
})

test('text the parser rejects gets a marked, stable fingerprint with its literals masked', async () => {
  await loadParser()
  const a = identify("SELEC name FROM users WHERE email = 'secret@example.com' AND id = 42")
  const b = identify("SELEC   name FROM users\nWHERE email = 'other@example.com' AND id = 7")
  assert.equal(a.parsed, false)
  assert.ok(a.fingerprint.startsWith(UNPARSED_MARK))
  assert.equal(a.fingerprint, b.fingerprint)
  assert.equal(a.kind, 'other')
  assert.doesNotMatch(a.query, /secret|42/)
  assert.equal(maskLiterals("x = 'it''s' AND y = 3.5 AND z = $$body$$ AND c_1 = $2"), "x = '?' AND y = ? AND z = '?' AND c_1 = $2")
})

test('the identifier caches per text and stays bounded', async () => {
  await loadParser()
  const ids = new StatementIdentifier(2)
  const first = ids.identify('SELECT 1')
  assert.equal(ids.identify('SELECT 1'), first)
  ids.identify('SELECT 2')
  ids.identify('SELECT 3')
  assert.notEqual(ids.identify('SELECT 1'), first, 'evicted past its bound, identified anew')
  assert.deepEqual(ids.identify('SELECT 1'), first)
})
