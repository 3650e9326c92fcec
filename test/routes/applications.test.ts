import { test } from 'node:test'
import assert from 'node:assert/strict'
import { buildTestApp, cleanup } from '../helpers/app.js'
import { makeProgram, makeUser, removeUniversity, removeUsers } from '../helpers/fixtures.js'

test('applications and recommendations: the whole flow, with audit and notifications', async (t) => {
  const app = await buildTestApp(t)
  const student = await makeUser(app)
  const recommender = await makeUser(app, 'recommender')
  const { university, program } = await makeProgram(app)
  cleanup(app, async () => { await removeUsers(app, [student.id, recommender.id]); await removeUniversity(app, university.id) })

  const created = await app.inject({ method: 'POST', url: '/applications', payload: { userId: student.id, programId: program.id } })
  assert.equal(created.statusCode, 201, created.body)
  const application = created.json()
  assert.equal(application.status, 'draft')
  assert.equal(application.submittedAt, null)
  assert.equal(created.headers.location, `/applications/${application.id}`)

  const dup = await app.inject({ method: 'POST', url: '/applications', payload: { userId: student.id, programId: program.id } })
  assert.equal(dup.statusCode, 409)
  assert.equal(dup.json().code, 'GW_ERR_CONFLICT')

  const rec = await app.inject({ method: 'POST', url: '/recommendations', payload: { applicationId: application.id, recommenderId: recommender.id } })
  assert.equal(rec.statusCode, 201, rec.body)
  assert.equal(rec.json().status, 'requested')
  const notRecommender = await app.inject({ method: 'POST', url: '/recommendations', payload: { applicationId: application.id, recommenderId: student.id } })
  assert.equal(notRecommender.statusCode, 422)
  assert.equal(notRecommender.json().details.field, 'recommenderId')

  const submitted = await app.inject({ method: 'PATCH', url: `/applications/${application.id}`, payload: { status: 'submitted' } })
  assert.equal(submitted.statusCode, 200, submitted.body)
  assert.equal(submitted.json().status, 'submitted')
  assert.ok(submitted.json().submittedAt)

  const backwards = await app.inject({ method: 'PATCH', url: `/applications/${application.id}`, payload: { status: 'draft' } })
  assert.equal(backwards.statusCode, 422)
  assert.equal(backwards.json().code, 'GW_ERR_CONSTRAINT')

  const recDone = await app.inject({ method: 'PATCH', url: `/recommendations/${rec.json().id}`, payload: { status: 'submitted' } })
  assert.equal(recDone.statusCode, 200, recDone.body)
  assert.ok(recDone.json().submittedAt)

  const detail = await app.inject({ url: `/applications/${application.id}` })
  assert.equal(detail.statusCode, 200)
  assert.equal(detail.json().recommendations.length, 1)
  assert.equal(detail.json().recommendations[0].status, 'submitted')

  const list = await app.inject({ url: `/applications?userId=${student.id}&status=submitted` })
  assert.deepEqual(list.json().items.map((a: { id: number }) => a.id), [application.id])
  const byUser = await app.inject({ url: `/users/${student.id}/applications` })
  assert.equal(byUser.json().items.length, 1)

  const notes = await app.inject({ url: `/users/${student.id}/notifications?unread=true` })
  assert.equal(notes.statusCode, 200)
  assert.deepEqual(notes.json().items.map((n: { kind: string }) => n.kind).sort(), ['application.status_changed', 'recommendation.status_changed'])
  const future = await app.inject({ url: `/users/${student.id}/notifications?from=${encodeURIComponent(new Date(Date.now() + 86_400_000).toISOString())}` })
  assert.equal(future.json().items.length, 0, 'the from bound filters')
  const recNotes = await app.inject({ url: `/users/${recommender.id}/notifications` })
  assert.equal(recNotes.json().items[0].kind, 'recommendation.requested')

  const audit = await app.inject({ url: `/audit-logs?entity=applications&entityId=${application.id}` })
  assert.equal(audit.statusCode, 200)
  assert.deepEqual(audit.json().items.map((a: { action: string }) => a.action), ['update', 'create'])
})

test('applications: constraint failures are 422 and 404s are coded', async (t) => {
  const app = await buildTestApp(t)
  const student = await makeUser(app)
  cleanup(app, () => removeUsers(app, [student.id]))

  const before = await app.db.query("SELECT count(*)::int AS n FROM audit_logs WHERE entity = 'applications'")
  const badFk = await app.inject({ method: 'POST', url: '/applications', payload: { userId: student.id, programId: 987654321 } })
  assert.equal(badFk.statusCode, 422, badFk.body)
  assert.equal(badFk.json().code, 'GW_ERR_CONSTRAINT')
  assert.equal(badFk.json().details.field, 'programId')
  const after = await app.db.query("SELECT count(*)::int AS n FROM audit_logs WHERE entity = 'applications'")
  assert.equal(after.rows[0].n, before.rows[0].n, 'no audit row for a failed write')

  for (const req of [
    { url: '/applications/987654321' },
    { method: 'PATCH' as const, url: '/applications/987654321', payload: { status: 'submitted' } },
    { method: 'PATCH' as const, url: '/recommendations/987654321', payload: { status: 'submitted' } }
  ]) {
    const res = await app.inject(req)
    assert.equal(res.statusCode, 404, req.url)
    assert.equal(res.json().code, 'GW_ERR_NOT_FOUND')
  }
  const badStatus = await app.inject({ method: 'PATCH', url: '/applications/1', payload: { status: 'won' } })
  assert.equal(badStatus.statusCode, 400)
  assert.equal(badStatus.json().details.field, 'body.status')
  const badCreateStatus = await app.inject({ method: 'POST', url: '/applications', payload: { userId: student.id, programId: 1, status: 'accepted' } })
  assert.equal(badCreateStatus.statusCode, 400)
})

test('universities: list, search, detail with programs, stats', async (t) => {
  const app = await buildTestApp(t)
  const { university, program } = await makeProgram(app)
  cleanup(app, () => removeUniversity(app, university.id))

  const list = await app.inject({ url: '/universities?limit=5' })
  assert.equal(list.statusCode, 200)
  assert.equal(list.json().items.length, 5)

  const search = await app.inject({ url: `/universities?search=${encodeURIComponent(university.name.slice(5).toUpperCase())}&country=Testland` })
  assert.deepEqual(search.json().items.map((u: { id: number }) => u.id), [university.id], 'search is a case-insensitive substring match')
  const wildcard = await app.inject({ url: '/universities?search=%25' })
  assert.equal(wildcard.statusCode, 200)
  assert.ok(wildcard.json().items.every((u: { name: string }) => u.name.includes('%')), 'LIKE wildcards are literal')

  const detail = await app.inject({ url: `/universities/${university.id}` })
  assert.equal(detail.statusCode, 200)
  assert.deepEqual(detail.json().programs.map((p: { id: number }) => p.id), [program.id])
  assert.equal(detail.json().programs[0].deadline, '2027-01-15')

  assert.equal((await app.inject({ url: '/universities/987654321' })).statusCode, 404)

  await app.db.query('REFRESH MATERIALIZED VIEW CONCURRENTLY university_application_stats')
  const stats = await app.inject({ url: `/universities/${university.id}/stats` })
  assert.equal(stats.statusCode, 200, stats.body)
  assert.equal(stats.json().total, 0)
  assert.equal(stats.json().acceptanceRate, null)
  assert.equal((await app.inject({ url: '/universities/987654321/stats' })).statusCode, 404)
})

test('events: batch ingest and per-user listing', async (t) => {
  const app = await buildTestApp(t)
  const user = await makeUser(app)
  cleanup(app, () => removeUsers(app, [user.id]))

  const events = Array.from({ length: 25 }, (_, i) => ({ userId: user.id, kind: i % 2 ? 'page_view' : 'click', payload: { i } }))
  const res = await app.inject({ method: 'POST', url: '/events', payload: { events } })
  assert.equal(res.statusCode, 202, res.body)
  assert.deepEqual(res.json(), { accepted: 25 })

  const page1 = await app.inject({ url: `/users/${user.id}/events?limit=20` })
  assert.equal(page1.statusCode, 200)
  assert.equal(page1.json().items.length, 20)
  const page2 = await app.inject({ url: `/users/${user.id}/events?limit=20&cursor=${page1.json().nextCursor}` })
  assert.equal(page2.json().items.length, 5)
  assert.equal(page2.json().nextCursor, null)

  assert.equal((await app.inject({ method: 'POST', url: '/events', payload: { events: [] } })).statusCode, 400)
  const tooMany = Array.from({ length: 1001 }, () => ({ userId: user.id, kind: 'x' }))
  assert.equal((await app.inject({ method: 'POST', url: '/events', payload: { events: tooMany } })).statusCode, 400)
  const unknownUser = await app.inject({ method: 'POST', url: '/events', payload: { events: [{ userId: 987654321, kind: 'x' }] } })
  assert.equal(unknownUser.statusCode, 422, unknownUser.body)
})
