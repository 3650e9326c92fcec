import { test } from 'node:test'
import assert from 'node:assert/strict'
import type pg from 'pg'
import { buildTestApp } from '../helpers/app.js'
import { testEnv } from '../helpers/env.js'
import { sleep, sql } from '../helpers/replica-faults.js'

// On close, the client (gateway-db) detaches its pool listeners before @fastify/postgres ends the
// pools; an idle connection that died in between (e.g. the database shutting down together with
// the gateway) emitted an 'error' nobody listened to, and the process crashed instead of exiting.
test('an idle pool connection that dies while the app is closing does not crash the process', async () => {
  const app = await buildTestApp(undefined)
  const pool = (app.pg as unknown as Record<string, { pool: pg.Pool }>).primary!.pool
  await Promise.all([app.db.query('SELECT pg_sleep(0.05)'), app.db.query('SELECT pg_sleep(0.05)')])
  assert.ok(pool.idleCount > 0, 'the pool has idle connections')

  // The fault is real (the server ends the backends); only its moment is chosen: just before the
  // pool is ended, after every other plugin has closed.
  const end = pool.end.bind(pool)
  let killed = 0
  pool.end = ((callback?: (err?: Error) => void) => {
    const run = async (): Promise<void> => {
      const rows = await sql(testEnv().primaryUrl, 'SELECT pg_terminate_backend(pid) AS ok FROM pg_stat_activity WHERE application_name = $1',
        [`${app.db.config.applicationName}:primary`])
      killed = rows.length
      await sleep(200)
      await end()
    }
    if (callback === undefined) return run()
    run().then(() => callback(), callback)
    return undefined as never
  }) as typeof pool.end

  await app.close()
  assert.ok(killed > 0, 'idle backends were terminated during close')
})
