import { test } from 'node:test'
import assert from 'node:assert/strict'
import { OptimizedDatabaseClient, createDatabaseConfig } from '../../src/index.js'
import { testEnv } from '../helpers/env.js'

// While a transaction's connection is checked out, pg-pool listens for nothing on it: a backend
// killed between two statements emitted an unhandled 'error' and crashed the process.
test('transaction: a connection killed between statements fails the transaction, not the process', async (t) => {
  const db = new OptimizedDatabaseClient(createDatabaseConfig({ url: testEnv().primaryUrl, poolMax: 2 }, {}))
  await db.connect()
  t.after(() => db.close())

  await assert.rejects(db.transaction(async (tx) => {
    const { rows } = await tx.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')
    await db.query('SELECT pg_terminate_backend($1)', [rows[0]!.pid])
    // The connection is idle inside the transaction when the server ends it.
    await new Promise((resolve) => setTimeout(resolve, 300))
    await tx.query('SELECT 1')
  }), (err: Error & { code?: string }) => err.code === 'GW_ERR_DB_UNAVAILABLE')

  // The broken connection was destroyed, not handed to the next caller.
  for (let i = 0; i < 3; i++) assert.equal((await db.query('SELECT 1 AS one')).rows[0].one, 1)
  assert.equal(await db.transaction(async (tx) => (await tx.query('SELECT 2 AS two')).rows[0].two), 2)
})
