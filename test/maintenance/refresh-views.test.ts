/**
 * refresh-views: the materialized view behind GET /universities/:id/stats is refreshed
 * concurrently, the time is recorded for every instance, and the cached response (ttl 300) is
 * invalidated, so the very next GET shows the new numbers and a newer refreshedAt.
 */
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { adminHeaders, buildTestApp, cleanup } from '../helpers/app.js'
import { makeProgram, makeUser, removeUniversity, removeUsers } from '../helpers/fixtures.js'
import { pollJob } from './helpers.js'

test('after refresh-views the next GET /universities/:id/stats shows the new numbers and refreshedAt, never the cached body', async (t) => {
  const app = await buildTestApp(t)
  const other = await buildTestApp(t)
  const { university, program } = await makeProgram(app)
  const student = await makeUser(app)
  cleanup(app, () => removeUniversity(app, university.id))
  cleanup(app, () => removeUsers(app, [student.id]))
  const url = `/universities/${university.id}/stats`

  // The new university enters the view with a first refresh.
  const first = await app.maintenance.run(['refresh-views'])
  assert.equal(first.status, 'done', JSON.stringify(first.results))
  const before = await app.inject({ url })
  assert.equal(before.statusCode, 200, before.body)
  assert.equal(before.json().total, 0)
  const refreshedAt = before.json().refreshedAt as string
  assert.equal(refreshedAt, first.results[0]!.items[0]!.refreshedAt, 'the recorded refresh time')
  assert.equal((await app.inject({ url })).headers['x-cache'], 'HIT')

  await app.writes.createApplication({ userId: student.id, programId: program.id, status: 'submitted' }, { id: null })
  const cached = await app.inject({ url })
  assert.equal(cached.headers['x-cache'], 'HIT', 'an application write does not touch the view: the cached body stays')
  assert.equal(cached.json().total, 0)

  const res = await other.inject({ method: 'POST', url: '/admin/maintenance', headers: adminHeaders, payload: { tasks: ['refresh-views'] } })
  assert.equal(res.statusCode, 202, res.body)
  const job = await pollJob(other, res.json().id)
  assert.equal(job.status, 'done', JSON.stringify(job.results))
  const item = job.results[0]!.items[0]!
  assert.equal(item.target, 'university_application_stats')
  assert.equal(item.action, 'REFRESH MATERIALIZED VIEW CONCURRENTLY')
  assert.match(item.detail!, /cache tag universityApplicationStats invalidated/)

  // Refreshed and invalidated by the other instance: this one's cached body is gone too.
  const after = await app.inject({ url })
  assert.equal(after.statusCode, 200)
  assert.notEqual(after.headers['x-cache'], 'HIT')
  assert.equal(after.json().total, 1)
  assert.equal(after.json().submitted, 1)
  assert.ok(Date.parse(after.json().refreshedAt) > Date.parse(refreshedAt), `${after.json().refreshedAt} after ${refreshedAt}`)
  assert.equal(after.json().refreshedAt, item.refreshedAt)

  const gql = await app.inject({ method: 'POST', url: '/graphql', payload: { query: `{ universityStats(id: ${university.id}) { total refreshedAt } university(id: ${university.id}) { stats { refreshedAt } } }` } })
  assert.equal(gql.statusCode, 200, gql.body)
  assert.deepEqual(gql.json().data, { universityStats: { total: 1, refreshedAt: item.refreshedAt }, university: { stats: { refreshedAt: item.refreshedAt } } })
})
