import { test } from 'node:test'
import type { InjectOptions } from 'fastify'
import assert from 'node:assert/strict'
import { buildTestApp, cleanup, uniq } from '../helpers/app.js'
import { removeUsers } from '../helpers/fixtures.js'

test('users: create, read, update, list', async (t) => {
  const app = await buildTestApp(t)
  const created: number[] = []
  cleanup(app, () => removeUsers(app, created))

  const email = `Ada-${uniq()}@Example.test`
  const res = await app.inject({ method: 'POST' as const, url: '/users', payload: { email, name: 'Ada', role: 'student' }, headers: { 'x-actor-id': '1' } })
  assert.equal(res.statusCode, 201, res.body)
  const user = res.json()
  created.push(user.id)
  assert.equal(res.headers.location, `/users/${user.id}`)
  assert.equal(user.email, email.toLowerCase(), 'emails are stored lower-case')
  assert.equal(user.isActive, true)
  assert.match(user.createdAt, /^\d{4}-\d\d-\d\dT/)

  const got = await app.inject({ url: `/users/${user.id}` })
  assert.equal(got.statusCode, 200)
  assert.deepEqual(got.json(), user)

  const patched = await app.inject({ method: 'PATCH', url: `/users/${user.id}`, payload: { name: 'Ada Lovelace', role: 'recommender' } })
  assert.equal(patched.statusCode, 200, patched.body)
  assert.equal(patched.json().name, 'Ada Lovelace')
  assert.equal(patched.json().role, 'recommender')

  const audit = await app.db.query('SELECT action, actor_id, diff FROM audit_logs WHERE entity = $1 AND entity_id = $2 ORDER BY id', ['users', user.id])
  assert.deepEqual(audit.rows.map((r) => r.action), ['create', 'update'])
  assert.equal(Number(audit.rows[0].actor_id), 1)
  assert.deepEqual(audit.rows[1].diff.name, ['Ada', 'Ada Lovelace'])
})

test('users: keyset pagination walks pages without overlap', async (t) => {
  const app = await buildTestApp(t)
  const first = await app.inject({ url: '/users?limit=3' })
  assert.equal(first.statusCode, 200)
  const p1 = first.json()
  assert.equal(p1.items.length, 3)
  assert.equal(typeof p1.nextCursor, 'string')
  const second = await app.inject({ url: `/users?limit=3&cursor=${p1.nextCursor}` })
  const p2 = second.json()
  assert.equal(p2.items.length, 3)
  assert.ok(p2.items[0].id > p1.items[2].id, 'second page starts after the first')
})

test('users: bad input is a 400 naming the field', async (t) => {
  const app = await buildTestApp(t)
  const cases: Array<[string, InjectOptions, string]> = [
    ['id not a number', { url: '/users/abc' }, 'params.id'],
    ['id zero', { url: '/users/0' }, 'params.id'],
    ['limit too big', { url: '/users?limit=101' }, 'querystring.limit'],
    ['unknown query param', { url: '/users?sort=email' }, 'querystring.sort'],
    ['unknown body field', { method: 'POST' as const, url: '/users', payload: { email: `x-${uniq()}@e.test`, name: 'x', admin: true } }, 'body.admin'],
    ['wrong type', { method: 'POST' as const, url: '/users', payload: { email: `x-${uniq()}@e.test`, name: 'x', isActive: 'maybe' } }, 'body.isActive'],
    ['bad email', { method: 'POST' as const, url: '/users', payload: { email: 'not-an-email', name: 'x' } }, 'body.email'],
    ['missing field', { method: 'POST' as const, url: '/users', payload: { email: `x-${uniq()}@e.test` } }, 'body.name'],
    ['unknown enum value', { method: 'POST' as const, url: '/users', payload: { email: `x-${uniq()}@e.test`, name: 'x', role: 'superuser' } }, 'body.role'],
    ['empty patch', { method: 'PATCH' as const, url: '/users/1', payload: {} }, 'body']
  ]
  for (const [name, req, field] of cases) {
    const res = await app.inject(req)
    assert.equal(res.statusCode, 400, `${name}: ${res.body}`)
    const body = res.json()
    assert.equal(body.code, 'GW_ERR_VALIDATION', name)
    assert.equal(body.details.field, field, name)
    assert.match(body.message, new RegExp(field.replace('.', '\\.')), name)
  }
})

test('users: malformed JSON, bad cursor and actor header are coded 400s', async (t) => {
  const app = await buildTestApp(t)
  const bad = await app.inject({ method: 'POST', url: '/users', headers: { 'content-type': 'application/json' }, payload: '{"email": ' })
  assert.equal(bad.statusCode, 400)
  assert.equal(bad.json().code, 'GW_ERR_BAD_JSON')

  for (const cursor of ['garbage', Buffer.from('[1,2,3]').toString('base64url'), Buffer.from('["1; DROP TABLE users"]').toString('base64url')]) {
    const res = await app.inject({ url: `/users?cursor=${cursor}` })
    assert.equal(res.statusCode, 400, cursor)
    assert.equal(res.json().code, 'GW_ERR_INVALID_CURSOR')
  }

  const actor = await app.inject({ method: 'POST', url: '/users', headers: { 'x-actor-id': 'root' }, payload: { email: `x-${uniq()}@e.test`, name: 'x' } })
  assert.equal(actor.statusCode, 400)
})

test('users: 404 for a missing user, 409 for a duplicate email', async (t) => {
  const app = await buildTestApp(t)
  const created: number[] = []
  cleanup(app, () => removeUsers(app, created))

  for (const url of ['/users/987654321', '/users/987654321/applications', '/users/987654321/notifications', '/users/987654321/events']) {
    const res = await app.inject({ url })
    assert.equal(res.statusCode, 404, url)
    assert.equal(res.json().code, 'GW_ERR_NOT_FOUND')
  }
  const missingPatch = await app.inject({ method: 'PATCH', url: '/users/987654321', payload: { name: 'x' } })
  assert.equal(missingPatch.statusCode, 404)

  const email = `dup-${uniq()}@example.test`
  const a = await app.inject({ method: 'POST' as const, url: '/users', payload: { email, name: 'A' } })
  created.push(a.json().id)
  const b = await app.inject({ method: 'POST' as const, url: '/users', payload: { email: email.toUpperCase(), name: 'B' } })
  assert.equal(b.statusCode, 409, b.body)
  const body = b.json()
  assert.equal(body.code, 'GW_ERR_CONFLICT')
  assert.doesNotMatch(JSON.stringify(body), /INSERT|SELECT|postgres:\/\//i, 'no SQL or URL in errors')

  const dupPatch = await app.inject({ method: 'PATCH', url: `/users/${a.json().id}`, payload: { email } })
  assert.equal(dupPatch.statusCode, 200, 'patching to its own email is fine')
})

test('users: a write that fails mid-transaction leaves no row and no audit entry', async (t) => {
  const app = await buildTestApp(t)
  // Fault injection with a real trigger: the audit insert fails after the user insert succeeded.
  await app.db.query(`CREATE OR REPLACE FUNCTION test_fail_audit() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      IF NEW.diff -> 'after' ->> 'name' = 'fail-the-audit' THEN RAISE EXCEPTION 'injected audit failure'; END IF;
      RETURN NEW;
    END $$`)
  await app.db.query('CREATE TRIGGER test_fail_audit BEFORE INSERT ON audit_logs FOR EACH ROW EXECUTE FUNCTION test_fail_audit()')
  cleanup(app, async () => {
    await app.db.query('DROP TRIGGER IF EXISTS test_fail_audit ON audit_logs')
    await app.db.query('DROP FUNCTION IF EXISTS test_fail_audit()')
  })

  const email = `atomic-${uniq()}@example.test`
  const res = await app.inject({ method: 'POST' as const, url: '/users', payload: { email, name: 'fail-the-audit' } })
  assert.equal(res.statusCode, 500)
  assert.equal(res.json().code, 'GW_ERR_INTERNAL')
  assert.doesNotMatch(res.body, /injected|audit_logs|stack/i, '5xx messages are hidden')
  const rows = await app.db.query('SELECT count(*)::int AS n FROM users WHERE email = $1', [email])
  assert.equal(rows.rows[0].n, 0, 'the user insert was rolled back with the audit insert')
})
