import { test } from 'node:test'
import assert from 'node:assert/strict'
import { buildTestApp } from '../helpers/app.js'

test('validation errors say what is allowed: enum values, "did you mean" for unknown parameters and fields, JSON expected', async (t) => {
  const app = await buildTestApp(t)
  const [app0] = (await app.inject({ url: '/applications?limit=1' })).json().items as Array<{ id: number }>

  const status = await app.inject({ method: 'PATCH', url: `/applications/${app0!.id}`, payload: { status: 'lost' } })
  assert.equal(status.statusCode, 400, status.body)
  assert.equal(status.json().code, 'GW_ERR_VALIDATION')
  assert.match(status.json().message, /^body\.status: must be one of draft, submitted, under_review, accepted, rejected$/)
  assert.deepEqual(status.json().details.allowed, ['draft', 'submitted', 'under_review', 'accepted', 'rejected'])

  const query = await app.inject({ url: '/users?limt=5' })
  assert.equal(query.statusCode, 400)
  assert.match(query.json().message, /^querystring\.limt: unknown query parameter; did you mean limit\? \(allowed: limit, cursor\)$/)
  assert.equal(query.json().details.didYouMean, 'limit')

  const field = await app.inject({ method: 'POST', url: '/users', payload: { emial: 'x@example.test', name: 'X' } })
  assert.equal(field.statusCode, 400)
  assert.match(field.json().message, /^body\.email: is required; got "emial" — did you mean email\?$/)
  const extra = await app.inject({ method: 'POST', url: '/users', payload: { email: 'x@example.test', name: 'X', rol: 'student' } })
  assert.match(extra.json().message, /^body\.rol: unknown field; did you mean role\? \(allowed: /)

  const far = await app.inject({ url: '/users?zzzzzzzz=1' })
  assert.match(far.json().message, /^querystring\.zzzzzzzz: unknown query parameter \(allowed: limit, cursor\)$/)

  // curl -d sends application/x-www-form-urlencoded; text/plain is parsed (as a string) and refused by the schema.
  for (const type of ['application/x-www-form-urlencoded', 'application/xml']) {
    const res = await app.inject({ method: 'POST', url: '/users', headers: { 'content-type': type }, payload: 'email=x' })
    assert.equal(res.statusCode, 415, res.body)
    assert.equal(res.json().code, 'GW_ERR_UNSUPPORTED_MEDIA_TYPE')
    assert.equal(res.json().message, `Unsupported request body (Content-Type ${type}): send JSON with Content-Type: application/json`)
  }
  for (const res of [await app.inject({ method: 'POST', url: '/users' }), await app.inject({ method: 'POST', url: '/users', headers: { 'content-type': 'text/plain' }, payload: 'email=x' })]) {
    assert.equal(res.statusCode, 400)
    assert.match(res.json().message, /^body: must be object — send a JSON body with Content-Type: application\/json$/)
  }
})
