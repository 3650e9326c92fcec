import { test } from 'node:test'
import assert from 'node:assert/strict'
import pg from 'pg'
import { cleanup } from '../helpers/app.js'
import { testEnv } from '../helpers/env.js'
import { makeUser, removeUsers } from '../helpers/fixtures.js'
import { cacheApp } from './helpers/cache-app.js'
import { DbChangeListener, tagsOfNotification } from '../../src/cache/pg-notify.js'
import { startDelayProxy } from '../helpers/delay-proxy.js'

test('CACHE_DB_NOTIFY: a write made outside the gateway invalidates the cached row', async (t) => {
  const app = await cacheApp(t, { CACHE_DB_NOTIFY: 'true' })
  const user = await makeUser(app)
  cleanup(app, () => removeUsers(app, [user.id]))
  const url = `/users/${user.id}`
  await app.inject({ url })
  assert.equal((await app.inject({ url })).headers['x-cache'], 'HIT')

  const outside = new pg.Client({ connectionString: testEnv().primaryUrl })
  await outside.connect()
  try {
    await outside.query('UPDATE users SET name = $1 WHERE id = $2', ['Changed outside', user.id])
  } finally {
    await outside.end()
  }
  let name = ''
  for (let i = 0; i < 100 && name !== 'Changed outside'; i++) {
    await new Promise((resolve) => setTimeout(resolve, 20))
    name = (await app.inject({ url })).json().name
  }
  assert.equal(name, 'Changed outside')
})

test('notification payloads map to table and row tags; foreign payloads are ignored', () => {
  assert.deepEqual(tagsOfNotification('{"t":"users","ids":[1,2]}'), ['users', 'users:1', 'users:2'])
  // The payload names no parent keys: every list keyed by one is invalidated too.
  assert.deepEqual(tagsOfNotification('{"t":"applications","ids":[7]}'), ['applications', 'applications:userId:*', 'applications:programId:*', 'applications:7'])
  assert.deepEqual(tagsOfNotification('{"t":"applications","ids":null}'), ['applications', 'applications:*', 'applications:userId:*', 'applications:programId:*'])
  assert.deepEqual(tagsOfNotification('{"t":"no_such_table","ids":[1]}'), [])
  assert.deepEqual(tagsOfNotification('not json'), [])
})

test('CACHE_DB_NOTIFY: a listener stopped while it is still connecting closes that connection (app close leaves no LISTEN client)', async (t) => {
  const target = new URL(testEnv().primaryUrl)
  const proxy = await startDelayProxy({ host: target.hostname, port: Number(target.port) }, 100)
  t.after(() => proxy.close())
  const slow = new URL(target.toString())
  slow.port = String(proxy.port)
  const applicationName = `listener-stop-${process.pid}`
  slow.searchParams.set('application_name', applicationName)
  const listener = new DbChangeListener(slow.toString(), async () => {}, { warn: () => {} })
  const started = listener.start()
  await listener.stop() // app close while the LISTEN connection is being set up
  await started
  const probe = new pg.Client({ connectionString: testEnv().primaryUrl })
  await probe.connect()
  t.after(() => probe.end())
  let open = -1
  for (let i = 0; i < 100 && open !== 0; i++) {
    await new Promise((resolve) => setTimeout(resolve, 30))
    open = (await probe.query<{ n: number }>('SELECT count(*)::int AS n FROM pg_stat_activity WHERE application_name = $1', [applicationName])).rows[0]!.n
  }
  assert.equal(open, 0, 'the listener connection was closed')
})

test('CACHE_DB_NOTIFY: a statement writing more than 100 rows outside the gateway invalidates the cached rows too', async (t) => {
  const app = await cacheApp(t, { CACHE_DB_NOTIFY: 'true' })
  const tag = `bulk-${Date.now()}`
  const { rows } = await app.db.query<{ id: number }>(
    "INSERT INTO users (email, name) SELECT 'bulk-' || $1 || '-' || g || '@example.test', 'Before' FROM generate_series(1, 101) g RETURNING id", [tag])
  const ids = rows.map((r) => Number(r.id))
  cleanup(app, () => removeUsers(app, ids))
  const url = `/users/${ids[0]}`
  // The insert's own notification may land after the first read and drop its entry: read until
  // it has arrived and a cached copy survives.
  let state = ''
  for (let i = 0; i < 50 && state !== 'HIT'; i++) {
    await app.inject({ url })
    await new Promise((resolve) => setTimeout(resolve, 20))
    state = (await app.inject({ url })).headers['x-cache'] as string
  }
  assert.equal(state, 'HIT')

  const outside = new pg.Client({ connectionString: testEnv().primaryUrl })
  await outside.connect()
  try {
    await outside.query("UPDATE users SET name = 'Bulk changed' WHERE id = ANY($1::bigint[])", [ids])
  } finally {
    await outside.end()
  }
  let name = ''
  for (let i = 0; i < 100 && name !== 'Bulk changed'; i++) {
    await new Promise((resolve) => setTimeout(resolve, 20))
    name = (await app.inject({ url })).json().name
  }
  assert.equal(name, 'Bulk changed')
})
