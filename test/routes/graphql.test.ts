import { test } from 'node:test'
import assert from 'node:assert/strict'
import type { FastifyInstance } from 'fastify'
import { buildSchema, parse } from 'graphql'
import { buildTestApp, cleanup, uniq } from '../helpers/app.js'
import { makeProgram, makeUser, removeUniversity, removeUsers } from '../helpers/fixtures.js'
import { encodeCursor } from '../../src/domain/cursor.js'
import type { QueryEvent } from '../../src/client/types.js'
import type { User } from '../../src/models/types.js'
import { schemaText } from '../../schema/index.js'
import { checkLimits } from '../../schema/limits.js'

interface GqlError { message: string; path?: string[]; extensions: { code: string; statusCode: number; details?: Record<string, unknown> } }
interface GqlResponse { statusCode: number; data: any; errors: GqlError[] | undefined; raw: string }

/** As a GraphQL-over-HTTP client of the current spec: request errors are 4xx with this media type. */
const MODERN = { accept: 'application/graphql-response+json' }

async function gql (app: FastifyInstance, query: string, variables?: Record<string, unknown>, headers: Record<string, string> = {}): Promise<GqlResponse> {
  const res = await app.inject({ method: 'POST', url: '/graphql', payload: { query, variables }, headers: { ...MODERN, ...headers } })
  const body = res.json()
  return { statusCode: res.statusCode, data: body.data, errors: body.errors, raw: res.body }
}

/** Statements the client ran while `fn` ran (one 'query' event per statement). */
async function countStatements<T> (app: FastifyInstance, fn: () => Promise<T>): Promise<{ result: T; count: number }> {
  let count = 0
  const listener = (_e: QueryEvent) => { count++ }
  app.db.on('query', listener)
  try {
    return { result: await fn(), count }
  } finally {
    app.db.off('query', listener)
  }
}

function assertNoLeak (raw: string) {
  assert.doesNotMatch(raw, /\bat .+\.(ts|js):\d+|SELECT |INSERT |postgres(ql)?:\/\//, 'no stack, SQL or URL in the response')
}

test('graphql: every root query', async (t) => {
  const app = await buildTestApp(t)
  const student = await makeUser(app)
  const recommender = await makeUser(app, 'recommender')
  const { university, program } = await makeProgram(app)
  cleanup(app, async () => { await removeUsers(app, [student.id, recommender.id]); await removeUniversity(app, university.id) })
  const application = await app.writes.createApplication({ userId: student.id, programId: program.id, status: 'submitted' }, { id: null })
  await app.writes.createRecommendation({ applicationId: application.id, recommenderId: recommender.id }, { id: null })
  await app.db.query('REFRESH MATERIALIZED VIEW university_application_stats')

  const one = await gql(app, 'query ($id: ID!) { user(id: $id) { id email role isActive createdAt } missing: user(id: "987654321") { id } }', { id: String(student.id) })
  assert.equal(one.statusCode, 200, one.raw)
  assert.deepEqual(one.data.user, { id: String(student.id), email: student.email, role: 'student', isActive: true, createdAt: new Date(student.createdAt).toISOString() })
  assert.equal(one.data.missing, null, 'an unknown id is null, not an error')
  assert.equal(one.errors, undefined)

  const p1 = await gql(app, '{ users(first: 2) { items { id } nextCursor } }')
  assert.equal(p1.data.users.items.length, 2)
  const p2 = await gql(app, 'query ($after: String) { users(first: 2, after: $after) { items { id } } }', { after: p1.data.users.nextCursor })
  assert.ok(Number(p2.data.users.items[0].id) > Number(p1.data.users.items[1].id), 'the second page starts after the first')

  const uni = await gql(app, `{ university(id: "${university.id}") { name country programs { id name deadline university { id } } stats { universityId total submitted acceptanceRate } } }`)
  assert.equal(uni.statusCode, 200, uni.raw)
  assert.deepEqual(uni.data.university.programs, [{ id: String(program.id), name: 'Test Program', deadline: '2027-01-15', university: { id: String(university.id) } }])
  assert.deepEqual(uni.data.university.stats, { universityId: String(university.id), total: 1, submitted: 1, acceptanceRate: null })

  const search = await gql(app, 'query ($s: String) { universities(search: $s, country: "Testland", first: 5) { items { id } nextCursor } }', { s: university.name.slice(-10).toUpperCase() })
  assert.deepEqual(search.data.universities, { items: [{ id: String(university.id) }], nextCursor: null })

  const app1 = await gql(app, `{ application(id: ${application.id}) { status submittedAt user { id } program { id university { name } } recommendations { status recommender { id role } application { id } } } }`)
  assert.equal(app1.statusCode, 200, app1.raw)
  assert.equal(app1.data.application.status, 'submitted')
  assert.equal(app1.data.application.program.university.name, university.name)
  assert.deepEqual(app1.data.application.recommendations, [{ status: 'requested', recommender: { id: String(recommender.id), role: 'recommender' }, application: { id: String(application.id) } }])

  const list = await gql(app, `{ applications(userId: "${student.id}", status: submitted) { items { id userId programId } nextCursor } none: applications(userId: "${student.id}", status: draft) { items { id } } }`)
  assert.deepEqual(list.data.applications, { items: [{ id: String(application.id), userId: String(student.id), programId: String(program.id) }], nextCursor: null })
  assert.deepEqual(list.data.none.items, [])

  const stats = await gql(app, `{ universityStats(id: ${university.id}) { total draft underReview accepted rejected } }`)
  assert.deepEqual(stats.data.universityStats, { total: 1, draft: 0, underReview: 0, accepted: 0, rejected: 0 })

  const notes = await gql(app, `{ user(id: ${student.id}) { notifications(unread: true) { items { kind payload readAt } } read: notifications(unread: false) { items { id } } } }`)
  assert.deepEqual(notes.data.user.notifications.items.map((n: { kind: string }) => n.kind), ['application.status_changed'])
  assert.equal(notes.data.user.notifications.items[0].payload.to, 'submitted')
  assert.deepEqual(notes.data.user.read.items, [])

  const get = await app.inject({ url: `/graphql?query=${encodeURIComponent(`{ user(id: ${student.id}) { id } }`)}` })
  assert.equal(get.statusCode, 200, get.body)
  assert.equal(get.json().data.user.id, String(student.id))
  const getMutation = await app.inject({ url: `/graphql?query=${encodeURIComponent('mutation { recordEvents(events: []) { accepted } }')}` })
  assert.equal(getMutation.statusCode, 405)
})

test('graphql: nested relations are batched — the statement count does not grow with the parents', async (t) => {
  const app = await buildTestApp(t, { env: { CACHE_ENABLED: 'false' } })
  const recommender = await makeUser(app, 'recommender')
  const a = await makeProgram(app)
  const b = await makeProgram(app)
  const students: User[] = []
  for (let i = 0; i < 25; i++) students.push(await makeUser(app))
  cleanup(app, async () => { await removeUsers(app, [recommender.id, ...students.map((s) => s.id)]); await removeUniversity(app, a.university.id); await removeUniversity(app, b.university.id) })
  for (const [i, s] of students.entries()) {
    const created = await app.writes.createApplication({ userId: s.id, programId: (i % 2 === 0 ? a : b).program.id }, { id: null })
    await app.writes.createRecommendation({ applicationId: created.id, recommenderId: recommender.id }, { id: null })
  }
  const query = `query ($n: Int, $after: String) { users(first: $n, after: $after) { items { id
    applications(first: 5) { items { id program { id university { id } } recommendations { id recommender { id } } } } } } }`
  const after = encodeCursor({ id: students[0]!.id - 1 }, ['id'])

  const counts: number[] = []
  for (const n of [5, 25]) {
    const { result, count } = await countStatements(app, () => gql(app, query, { n, after }))
    assert.equal(result.statusCode, 200, result.raw)
    const users = result.data.users.items
    assert.equal(users.length, n)
    for (const [i, u] of users.entries()) {
      const [application] = u.applications.items
      assert.equal(application.program.university.id, String((i % 2 === 0 ? a : b).university.id))
      assert.equal(application.recommendations[0].recommender.id, String(recommender.id))
    }
    counts.push(count)
  }
  // users, User.applications, Application.program, Program.university, Application.recommendations, Recommendation.recommender
  assert.ok(counts[0]! <= 6, `at most 6 statements, got ${counts[0]}`)
  assert.equal(counts[1], counts[0], `5 parents: ${counts[0]} statements; 25 parents: ${counts[1]}`)
})

test('graphql: nested pages are exact per parent and follow their cursor', async (t) => {
  const app = await buildTestApp(t)
  const [s1, s2] = [await makeUser(app), await makeUser(app)]
  const progs = [await makeProgram(app), await makeProgram(app), await makeProgram(app)]
  cleanup(app, async () => { await removeUsers(app, [s1!.id, s2!.id]); for (const p of progs) await removeUniversity(app, p.university.id) })
  const apps = []
  for (const p of progs) apps.push(await app.writes.createApplication({ userId: s1!.id, programId: p.program.id, status: 'submitted' }, { id: null }))
  await app.writes.createApplication({ userId: s2!.id, programId: progs[0]!.program.id }, { id: null })

  const q = `query ($after: String) { a: user(id: "${s1!.id}") { applications(first: 2, after: $after) { items { programId } nextCursor } }
    b: user(id: "${s2!.id}") { applications(first: 2, after: $after) { items { programId } nextCursor } } }`
  const page1 = await gql(app, q)
  assert.equal(page1.statusCode, 200, page1.raw)
  assert.deepEqual(page1.data.a.applications.items.map((x: { programId: string }) => Number(x.programId)), [progs[0]!.program.id, progs[1]!.program.id])
  assert.equal(page1.data.b.applications.items.length, 1, 'a busy parent does not starve the other')
  assert.equal(page1.data.b.applications.nextCursor, null)
  const page2 = await gql(app, q, { after: page1.data.a.applications.nextCursor })
  assert.deepEqual(page2.data.a.applications, { items: [{ programId: String(progs[2]!.program.id) }], nextCursor: null })

  const notes = `query ($after: String) { user(id: "${s1!.id}") { notifications(first: 2, after: $after) { items { payload } nextCursor } } }`
  const n1 = await gql(app, notes)
  assert.deepEqual(n1.data.user.notifications.items.map((n: { payload: { applicationId: number } }) => n.payload.applicationId), [apps[2]!.id, apps[1]!.id], 'newest first')
  const n2 = await gql(app, notes, { after: n1.data.user.notifications.nextCursor })
  assert.deepEqual(n2.data.user.notifications.items.map((n: { payload: { applicationId: number } }) => n.payload.applicationId), [apps[0]!.id])
  assert.equal(n2.data.user.notifications.nextCursor, null)
})

test('graphql: mutations call the domain writes, with coded errors', async (t) => {
  const app = await buildTestApp(t)
  const ids: number[] = []
  const { university, program } = await makeProgram(app)
  cleanup(app, async () => { await removeUsers(app, ids); await removeUniversity(app, university.id) })
  const email = `Gq-${uniq()}@Example.test`

  const createUser = 'mutation ($input: CreateUserInput!) { createUser(input: $input) { id email role } }'
  const created = await gql(app, createUser, { input: { email, name: 'Grace' } }, { 'x-actor-id': '7' })
  assert.equal(created.statusCode, 200, created.raw)
  const user = created.data.createUser
  ids.push(Number(user.id))
  assert.deepEqual(user, { id: user.id, email: email.toLowerCase(), role: 'student' })
  const audit = await app.db.query('SELECT actor_id FROM audit_logs WHERE entity = $1 AND entity_id = $2', ['users', Number(user.id)])
  assert.deepEqual(audit.rows.map((r) => Number(r.actor_id)), [7])

  const dup = await gql(app, createUser, { input: { email, name: 'Again' } })
  assert.equal(dup.statusCode, 200, 'a field error keeps HTTP 200')
  assert.equal(dup.data.createUser, null)
  assert.equal(dup.errors?.[0]?.extensions.code, 'GW_ERR_CONFLICT')
  assert.equal(dup.errors?.[0]?.extensions.statusCode, 409)
  assert.deepEqual(dup.errors?.[0]?.path, ['createUser'])
  assertNoLeak(dup.raw)

  const badActor = await gql(app, createUser, { input: { email: `a-${uniq()}@x.test`, name: 'A' } }, { 'x-actor-id': 'abc' })
  assert.equal(badActor.errors?.[0]?.extensions.details?.field, 'headers.x-actor-id')
  const badEmail = await gql(app, createUser, { input: { email: 'not-an-email', name: 'X' } })
  assert.equal(badEmail.errors?.[0]?.extensions.code, 'GW_ERR_VALIDATION')
  assert.equal(badEmail.errors?.[0]?.extensions.details?.field, 'input.email')
  const badRole = await gql(app, `mutation { createUser(input: { email: "r-${uniq()}@x.test", name: "R", role: wizard }) { id } }`)
  assert.equal(badRole.statusCode, 400, 'a bad enum is rejected before execution')
  assert.equal(badRole.errors?.[0]?.extensions.code, 'GW_ERR_VALIDATION')
  const badVar = await gql(app, createUser, { input: { email: 'x@y.test', name: 'X', role: 'wizard' } })
  assert.equal(badVar.statusCode, 400)
  assert.equal(badVar.errors?.[0]?.extensions.code, 'GW_ERR_VALIDATION')

  const updateUser = 'mutation ($id: ID!, $input: UpdateUserInput!) { updateUser(id: $id, input: $input) { name role } }'
  const updated = await gql(app, updateUser, { id: user.id, input: { name: 'Grace Hopper', role: 'recommender' } })
  assert.deepEqual(updated.data.updateUser, { name: 'Grace Hopper', role: 'recommender' })
  const missing = await gql(app, updateUser, { id: '987654321', input: { name: 'Nobody' } })
  assert.equal(missing.errors?.[0]?.extensions.code, 'GW_ERR_NOT_FOUND')
  const empty = await gql(app, updateUser, { id: user.id, input: {} })
  assert.equal(empty.errors?.[0]?.extensions.code, 'GW_ERR_VALIDATION')

  const student = await makeUser(app)
  ids.push(student.id)
  const createApp = 'mutation ($input: CreateApplicationInput!) { createApplication(input: $input) { id status program { id } } }'
  const auditCount = async () => (await app.db.query("SELECT count(*)::int AS n FROM audit_logs WHERE entity = 'applications'")).rows[0].n as number
  const before = await auditCount()
  const badFk = await gql(app, createApp, { input: { userId: student.id, programId: 987654321 } })
  assert.equal(badFk.data.createApplication, null)
  assert.equal(badFk.errors?.[0]?.extensions.code, 'GW_ERR_CONSTRAINT')
  assert.equal(badFk.errors?.[0]?.extensions.details?.field, 'programId')
  assert.equal(await auditCount(), before, 'a failed write leaves no audit row')
  assertNoLeak(badFk.raw)

  const application = (await gql(app, createApp, { input: { userId: student.id, programId: program.id } })).data.createApplication
  assert.deepEqual(application, { id: application.id, status: 'draft', program: { id: String(program.id) } })
  const dupApp = await gql(app, createApp, { input: { userId: student.id, programId: program.id } })
  assert.equal(dupApp.errors?.[0]?.extensions.code, 'GW_ERR_CONFLICT')

  const updateApp = 'mutation ($id: ID!, $s: ApplicationStatus!) { updateApplication(id: $id, status: $s) { status submittedAt } }'
  const submitted = await gql(app, updateApp, { id: application.id, s: 'submitted' })
  assert.equal(submitted.data.updateApplication.status, 'submitted')
  assert.ok(submitted.data.updateApplication.submittedAt)
  const backwards = await gql(app, updateApp, { id: application.id, s: 'draft' })
  assert.equal(backwards.errors?.[0]?.extensions.code, 'GW_ERR_CONSTRAINT')

  const createRec = 'mutation ($input: CreateRecommendationInput!) { createRecommendation(input: $input) { id status recommender { id } } }'
  const rec = await gql(app, createRec, { input: { applicationId: application.id, recommenderId: user.id } })
  assert.equal(rec.data.createRecommendation.status, 'requested', rec.raw)
  const notRecommender = await gql(app, createRec, { input: { applicationId: application.id, recommenderId: student.id } })
  assert.equal(notRecommender.errors?.[0]?.extensions.code, 'GW_ERR_CONSTRAINT')
  const updateRec = 'mutation ($id: ID!) { updateRecommendation(id: $id, status: submitted) { status submittedAt } }'
  assert.equal((await gql(app, updateRec, { id: rec.data.createRecommendation.id })).data.updateRecommendation.status, 'submitted')

  const record = 'mutation ($events: [EventInput!]!) { recordEvents(events: $events) { accepted } }'
  const events = await gql(app, record, { events: [{ userId: student.id, kind: 'login', payload: { ip: '127.0.0.1' } }, { userId: student.id, kind: 'view', createdAt: new Date().toISOString() }] })
  assert.deepEqual(events.data.recordEvents, { accepted: 2 }, events.raw)
  assert.equal((await gql(app, record, { events: [] })).errors?.[0]?.extensions.code, 'GW_ERR_VALIDATION')
  assert.equal((await gql(app, record, { events: [{ userId: student.id, kind: 'x', payload: [1] }] })).errors?.[0]?.extensions.code, 'GW_ERR_VALIDATION')
  const badDate = await gql(app, record, { events: [{ userId: student.id, kind: 'x', createdAt: 'yesterday' }] })
  assert.equal(badDate.statusCode, 400)
  assert.equal(badDate.errors?.[0]?.extensions.code, 'GW_ERR_VALIDATION')
})

test('graphql: bad requests are 400 with a code, never internals', async (t) => {
  const app = await buildTestApp(t)
  for (const [query, code] of [
    ['{ users(first: 2', 'GW_ERR_VALIDATION'],
    ['{ nope }', 'GW_ERR_VALIDATION'],
    ['{ users(first: 101) { items { id } } }', 'GW_ERR_VALIDATION'],
    ['{ users(first: 0) { items { id } } }', 'GW_ERR_VALIDATION']
  ] as const) {
    const res = await gql(app, query)
    assert.equal(res.statusCode, 400, `${query}: ${res.raw}`)
    assert.equal(res.errors?.[0]?.extensions.code, code, query)
    assertNoLeak(res.raw)
  }
  const badCursor = await gql(app, '{ users(after: "bm90LWpzb24") { items { id } } }')
  assert.equal(badCursor.statusCode, 200)
  assert.equal(badCursor.errors?.[0]?.extensions.code, 'GW_ERR_INVALID_CURSOR')
  const badId = await gql(app, '{ user(id: "abc") { id } }')
  assert.equal(badId.errors?.[0]?.extensions.code, 'GW_ERR_VALIDATION')
})

test('graphql: depth and cost limits reject abusive queries', async (t) => {
  const app = await buildTestApp(t, { env: { GRAPHQL_MAX_DEPTH: '6', GRAPHQL_MAX_COST: '1000' } })
  const deep = await gql(app, '{ applications { items { user { applications { items { user { applications { items { id } } } } } } } } }')
  assert.equal(deep.statusCode, 400, deep.raw)
  assert.equal(deep.errors?.[0]?.extensions.code, 'GW_ERR_GRAPHQL_TOO_COMPLEX')
  assert.equal(deep.data, undefined, 'a request error has no data entry')

  const costly = 'query ($n: Int) { users(first: $n) { items { applications(first: $n) { items { id program { id } } } } } }'
  const rejected = await gql(app, costly, { n: 30 }) // 30 + 900 + 900
  assert.equal(rejected.statusCode, 400, rejected.raw)
  assert.equal(rejected.errors?.[0]?.extensions.code, 'GW_ERR_GRAPHQL_TOO_COMPLEX')
  assert.deepEqual(rejected.errors?.[0]?.extensions.details, { cost: 1830, maxCost: 1000 })
  const allowed = await gql(app, costly, { n: 10 }) // 10 + 100 + 100
  assert.equal(allowed.statusCode, 200, allowed.raw)
  assert.equal(allowed.errors, undefined)
})

test('graphql: GraphiQL is served outside production only', async (t) => {
  const dev = await buildTestApp(t)
  assert.equal((await dev.inject({ url: '/graphiql' })).statusCode, 200)
  const prod = await buildTestApp(t, { env: { NODE_ENV: 'production' } })
  assert.equal((await prod.inject({ url: '/graphiql' })).statusCode, 404)
})

test('graphql: cost estimation (unit)', () => {
  const schema = buildSchema(schemaText)
  const cost = (query: string, variables?: Record<string, unknown>) => {
    const [error] = checkLimits(schema, parse(query), variables, 0)
    return error?.extensions.details as { cost: number } | undefined
  }
  assert.equal(cost('{ users { items { id } } }')?.cost, 20, 'first defaults to 20; items add nothing')
  assert.equal(cost('{ users(first: 3) { items { applications(first: 4) { items { program { university { id } } } } } } }')?.cost, 3 + 12 + 12 + 12)
  assert.equal(cost('{ university(id: 1) { programs { id } stats { total } } }')?.cost, 1 + 20 + 1, 'plain lists count LIST_FACTOR')
  assert.equal(cost('query ($n: Int = 7) { users(first: $n) { items { id } } }')?.cost, 7, 'variable defaults apply')
  assert.equal(cost('query { ...F } fragment F on Query { users(first: 2) { items { ...G } } } fragment G on User { applications(first: 5) { items { id } } }')?.cost, 2 + 10, 'fragments count')
  assert.equal(cost('{ user(id: 1) { id } }')?.cost, 1)
  const [bad] = checkLimits(schema, parse('query ($n: Int) { users(first: $n) { items { id } } }'), { n: 500 }, 1_000_000)
  assert.equal(bad?.extensions.code, 'GW_ERR_VALIDATION')
  assert.equal(checkLimits(schema, parse('{ users(first: 100) { items { id } } }'), undefined, 100).length, 0)
})
