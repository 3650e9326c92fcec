import { test } from 'node:test'
import assert from 'node:assert/strict'
import pg from 'pg'
import { cleanup } from '../helpers/app.js'
import { testEnv } from '../helpers/env.js'
import { makeUser, removeUsers } from '../helpers/fixtures.js'
import { cacheApp } from './helpers/cache-app.js'
import { tagsOfNotification } from '../../src/cache/pg-notify.js'

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
  assert.deepEqual(tagsOfNotification('{"t":"applications","ids":null}'), ['applications'])
  assert.deepEqual(tagsOfNotification('{"t":"no_such_table","ids":[1]}'), [])
  assert.deepEqual(tagsOfNotification('not json'), [])
})
