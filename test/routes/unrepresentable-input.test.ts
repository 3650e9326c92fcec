import { test } from 'node:test'
import assert from 'node:assert/strict'
import type { InjectOptions } from 'fastify'
import { buildTestApp, cleanup } from '../helpers/app.js'
import { makeUser, removeUsers } from '../helpers/fixtures.js'

// Inputs that pass schema validation but that PostgreSQL cannot represent: a UTC offset past
// ±15:59 (22009) and a NUL character inside JSON (22P05) were 500s instead of coded 400s.
test('a time zone offset PostgreSQL rejects and a NUL in a JSON payload are 400s, not 500s', async (t) => {
  const app = await buildTestApp(t)
  const user = await makeUser(app)
  cleanup(app, () => removeUsers(app, [user.id]))
  const cursor = Buffer.from(JSON.stringify(['2024-01-01T00:00:00+20:00', 1])).toString('base64url')

  const cases: Array<[string, InjectOptions]> = [
    ['from with +23:00', { url: `/users/${user.id}/notifications?from=${encodeURIComponent('2024-01-01T00:00:00+23:00')}` }],
    ['to with -16:00', { url: `/audit-logs?to=${encodeURIComponent('2024-01-01T00:00:00-16:00')}` }],
    ['cursor with +20:00', { url: `/audit-logs?cursor=${cursor}` }],
    ['event createdAt with +23:00', { method: 'POST' as const, url: '/events', payload: { events: [{ userId: user.id, kind: 'x', createdAt: '2024-01-01T00:00:00+23:00' }] } }],
    ['NUL in an event payload', { method: 'POST' as const, url: '/events', payload: { events: [{ userId: user.id, kind: 'x', payload: { a: 'nul\u0000' } }] } }]
  ]
  for (const [name, req] of cases) {
    const res = await app.inject(req)
    assert.equal(res.statusCode, 400, `${name}: ${res.body}`)
    assert.equal(res.json().code, 'GW_ERR_INVALID_QUERY', name)
  }
  const { rows } = await app.db.query('SELECT count(*)::int AS n FROM activity_events WHERE user_id = $1', [user.id])
  assert.equal(rows[0].n, 0, 'nothing was ingested')
})
