/**
 * Every delegate operation against the real primary: where operators, ordering and keyset paging,
 * select, writes, coded errors, transactions. Each test makes its own rows and removes them.
 */
import { after, before, test, type TestContext } from 'node:test'
import assert from 'node:assert/strict'
import { randomUUID } from 'node:crypto'
import { OptimizedDatabaseClient, createDatabaseConfig, type QueryEvent } from '../../src/index.js'
import type { User } from '../../src/models/types.js'
import { testEnv } from '../helpers/env.js'

const { primaryUrl } = testEnv()
let db: OptimizedDatabaseClient

before(async () => {
  db = new OptimizedDatabaseClient(createDatabaseConfig({ url: primaryUrl, readUrls: [] }, {}))
  await db.connect()
})
after(() => db.close())

const suffix = (): string => randomUUID().slice(0, 8)

/** Creates users tagged with one random marker; removes them after the test. */
async function makeUsers (t: TestContext, specs: Array<Partial<User>>): Promise<{ tag: string; users: User[] }> {
  const tag = `cd${suffix()}`
  const users: User[] = []
  // node:test runs after-hooks in registration order, so rows hanging off these users go here too.
  t.after(async () => {
    const mine = 'SELECT id FROM users WHERE email LIKE $1'
    await db.query(`DELETE FROM notifications WHERE user_id IN (${mine})`, [`${tag}-%`])
    await db.query(`DELETE FROM applications WHERE user_id IN (${mine})`, [`${tag}-%`])
    await db.query('DELETE FROM users WHERE email LIKE $1', [`${tag}-%`])
  })
  for (const [i, spec] of specs.entries()) {
    users.push(await db.primary.users.create({ data: { email: `${tag}-${i}@example.test`, name: `User ${i}`, ...spec } }))
  }
  return { tag, users }
}

/** Records the SQL statements the client runs while `fn` runs. */
async function capture<T> (fn: () => Promise<T>): Promise<{ result: T; events: QueryEvent[] }> {
  const events: QueryEvent[] = []
  const listener = (e: QueryEvent): void => { events.push(e) }
  db.on('query', listener)
  try {
    return { result: await fn(), events }
  } finally {
    db.off('query', listener)
  }
}

async function rejectsWith (promise: Promise<unknown>, code: string, status: number, message?: RegExp): Promise<any> {
  let caught: any
  await assert.rejects(promise, (err: any) => {
    caught = err
    assert.equal(err.code, code, `${err.message} (cause: ${err.cause?.code} ${err.cause?.message})`)
    assert.equal(err.statusCode, status)
    if (message) assert.match(err.message, message)
    return true
  })
  return caught
}

test('create returns the row in API shape; findUnique by id and by email; missing is null', async (t) => {
  const { users: [ada] } = await makeUsers(t, [{ name: 'Ada', role: 'admin', isActive: false }])
  assert.ok(ada)
  assert.equal(typeof ada.id, 'number', 'bigint ids come back as numbers')
  assert.equal(ada.role, 'admin')
  assert.equal(ada.isActive, false)
  assert.ok(ada.createdAt instanceof Date)
  assert.deepEqual(await db.primary.users.findUnique({ where: { id: ada.id } }), ada)
  assert.deepEqual(await db.primary.users.findUnique({ where: { email: ada.email }, select: { id: true, isActive: true } }), { id: ada.id, isActive: false })
  assert.equal(await db.primary.users.findUnique({ where: { id: 2 ** 52 } }), null)
})

test('where operators select exactly the intended rows', async (t) => {
  const { tag, users } = await makeUsers(t, [
    { name: 'Alice 50%', role: 'student' },
    { name: 'Alicia', role: 'recommender' },
    { name: 'Bob_x', role: 'admin', isActive: false },
    { name: 'Carol', role: 'student' }
  ])
  const ids = users.map((u) => u.id)
  const mine = { email: { startsWith: `${tag}-` } }
  const names = async (where: object): Promise<string[]> =>
    (await db.primary.users.findMany({ where: { AND: [mine, where] }, orderBy: { name: 'asc' } })).map((u) => u.name)

  assert.deepEqual(await names({}), ['Alice 50%', 'Alicia', 'Bob_x', 'Carol'])
  assert.deepEqual(await names({ name: 'Carol' }), ['Carol'])
  assert.deepEqual(await names({ name: { contains: 'ALIC' } }), ['Alice 50%', 'Alicia'], 'contains is case-insensitive')
  assert.deepEqual(await names({ name: { contains: '50%' } }), ['Alice 50%'], '% is literal')
  assert.deepEqual(await names({ name: { contains: '_' } }), ['Bob_x'], '_ is literal')
  assert.deepEqual(await names({ role: { in: ['admin', 'recommender'] } }), ['Alicia', 'Bob_x'])
  assert.deepEqual(await names({ role: { notIn: ['student'] } }), ['Alicia', 'Bob_x'])
  assert.deepEqual(await names({ role: { in: [] } }), [])
  assert.deepEqual(await names({ NOT: { role: { notIn: [] } } }), [], 'NOT of an empty notIn matches nothing')
  assert.deepEqual(await names({ id: { gt: ids[0], lte: ids[2] } }), ['Alicia', 'Bob_x'])
  assert.deepEqual(await names({ OR: [{ isActive: false }, { name: { startsWith: 'car' } }] }), ['Bob_x', 'Carol'])
  assert.deepEqual(await names({ NOT: [{ role: 'admin' }, { isActive: false }] }), ['Alice 50%', 'Alicia', 'Carol'])
  assert.deepEqual(await names({ NOT: { role: 'student' } }), ['Alicia', 'Bob_x'])
  assert.deepEqual(await names({ role: { not: 'student' }, isActive: true }), ['Alicia'])
  assert.deepEqual(await names({ createdAt: { gte: users[0]!.createdAt } }), ['Alice 50%', 'Alicia', 'Bob_x', 'Carol'])
  assert.equal(await db.primary.users.count({ where: mine }), 4)
  assert.equal(await db.primary.users.count({ where: { AND: [mine, { role: 'student' }] } }), 2)
  const first = await db.primary.users.findFirst({ where: mine, orderBy: { name: 'desc' } })
  assert.equal(first?.name, 'Carol')
  assert.equal(await db.primary.users.findFirst({ where: { AND: [mine, { name: 'nobody' }] } }), null)
})

test('null filters on nullable columns', async (t) => {
  const tag = `cd${suffix()}`
  const made: number[] = []
  t.after(() => db.query('DELETE FROM universities WHERE id = ANY($1::bigint[])', [made]))
  for (const ranking of [3, null, 1]) {
    made.push((await db.primary.universities.create({ data: { name: `${tag} U${String(ranking)}`, country: tag, city: 'X', ranking } })).id)
  }
  const rankings = async (where: object, order: 'asc' | 'desc' = 'asc') =>
    (await db.primary.universities.findMany({ where: { country: tag, ...where }, orderBy: { ranking: order } })).map((u) => u.ranking)
  assert.deepEqual(await rankings({}), [1, 3, null])
  assert.deepEqual(await rankings({}, 'desc'), [null, 3, 1])
  assert.deepEqual(await rankings({ ranking: null }), [null])
  assert.deepEqual(await rankings({ ranking: { not: null } }), [1, 3])
  assert.deepEqual(await rankings({ ranking: { in: [3, null] } }), [3, null])
  assert.deepEqual(await rankings({ ranking: { notIn: [3, null] } }), [1])

  // Keyset paging over a nullable key, both directions, one row per page.
  for (const dir of ['asc', 'desc'] as const) {
    const seen: Array<number | null> = []
    let cursor: { ranking: number | null; id: number } | undefined
    for (;;) {
      const page = await db.primary.universities.findMany({ where: { country: tag }, orderBy: { ranking: dir }, take: 1, cursor })
      if (page.length === 0) break
      const row = page[0]!
      seen.push(row.ranking)
      cursor = { ranking: row.ranking, id: row.id }
    }
    assert.deepEqual(seen, await rankings({}, dir), `paging ${dir}`)
  }
})

test('orderBy + take + cursor pages through a set without gaps or repeats', async (t) => {
  const roles = ['student', 'admin', 'recommender'] as const
  const specs = Array.from({ length: 11 }, (_, i) => ({ name: `N${i % 4}`, role: roles[i % 3] }))
  const { tag } = await makeUsers(t, specs)
  const where = { email: { startsWith: `${tag}-` } }
  for (const orderBy of [{ name: 'desc' }, [{ role: 'asc' }, { name: 'desc' }], [{ name: 'asc' }, { id: 'desc' }]] as const) {
    const all = await db.primary.users.findMany({ where, orderBy: orderBy as any })
    assert.equal(all.length, 11)
    const paged: number[] = []
    let cursor: User | undefined
    for (let guard = 0; guard < 20; guard++) {
      const page = await db.primary.users.findMany({ where, orderBy: orderBy as any, take: 3, cursor })
      paged.push(...page.map((u) => u.id))
      if (page.length < 3) break
      cursor = page[page.length - 1]
    }
    assert.deepEqual(paged, all.map((u) => u.id), `paging by ${JSON.stringify(orderBy)}`)
  }
  assert.equal((await db.primary.users.findMany({ where, take: 0 })).length, 0)
})

test('select returns exactly the fields asked for', async (t) => {
  const { users: [u] } = await makeUsers(t, [{ name: 'Sel' }])
  const rows = await db.primary.users.findMany({ where: { id: u!.id }, select: { isActive: true, email: true } })
  assert.deepEqual(rows, [{ isActive: true, email: u!.email }])
})

test('update and delete by unique key; no match is null', async (t) => {
  const { users: [u] } = await makeUsers(t, [{ name: 'Before' }])
  const updated = await db.primary.users.update({ where: { id: u!.id }, data: { name: 'After', role: 'recommender' } })
  assert.equal(updated?.name, 'After')
  assert.equal(updated?.role, 'recommender')
  assert.ok(updated!.updatedAt.getTime() >= u!.updatedAt.getTime())
  assert.equal(await db.primary.users.update({ where: { id: 2 ** 52 }, data: { name: 'x' } }), null)
  const byEmail = await db.primary.users.update({ where: { email: u!.email }, data: { isActive: false }, select: { isActive: true } })
  assert.deepEqual(byEmail, { isActive: false })
  assert.deepEqual(await db.primary.users.delete({ where: { id: u!.id }, select: { id: true } }), { id: u!.id })
  assert.equal(await db.primary.users.delete({ where: { id: u!.id } }), null)
})

test('jsonb, date and numeric values round-trip', async (t) => {
  const { users: [u] } = await makeUsers(t, [{}])
  const payload = { list: [1, 'two', { three: true }], note: "it's \"quoted\"" }
  const n = await db.primary.notifications.create({ data: { userId: u!.id, kind: 'test', payload } })
  assert.deepEqual(n.payload, payload)
  assert.equal(n.readAt, null)
  const arrayPayload = await db.primary.notifications.create({ data: { userId: u!.id, kind: 'test', payload: [1, 2] } })
  assert.deepEqual(arrayPayload.payload, [1, 2], 'arrays are JSON, not PostgreSQL arrays')
  assert.equal(await db.primary.notifications.count({ where: { userId: u!.id, readAt: null } }), 2)

  const tag = `cd${suffix()}`
  const uni = await db.primary.universities.create({ data: { name: `${tag} U`, country: tag, city: 'X' } })
  t.after(async () => {
    await db.query('DELETE FROM programs WHERE university_id = $1', [uni.id])
    await db.query('DELETE FROM universities WHERE id = $1', [uni.id])
  })
  const p = await db.primary.programs.create({ data: { universityId: uni.id, name: 'P', degree: 'MSc', deadline: '2027-01-15' } })
  assert.equal(p.deadline, '2027-01-15', 'dates stay YYYY-MM-DD strings')
  assert.deepEqual(await db.primary.programs.findMany({ where: { deadline: { gte: '2027-01-01', lt: '2027-02-01' }, universityId: uni.id }, select: { id: true } }), [{ id: p.id }])
  const numeric = await db.query<{ n: unknown; big: unknown }>('SELECT 0.25::numeric AS n, 9007199254740991::int8 AS big')
  assert.deepEqual(numeric.rows[0], { n: 0.25, big: Number.MAX_SAFE_INTEGER })
  assert.equal(typeof await db.primary.universityApplicationStats.count(), 'number')
})

test('each delegate call is one SQL statement; invalid queries never reach the database', async (t) => {
  const { users: [u] } = await makeUsers(t, [{}])
  const { events } = await capture(() => db.primary.users.findUnique({ where: { id: u!.id } }))
  assert.equal(events.length, 1)
  assert.equal(events[0]!.node, 'primary')
  assert.equal(events[0]!.rowCount, 1)
  assert.equal(typeof events[0]!.durationMs, 'number')
  const bad = await capture(() => rejectsWith(db.primary.users.findMany({ where: { nope: 1 } as any }), 'GW_ERR_INVALID_QUERY', 400, /Unknown field "nope"/))
  assert.equal(bad.events.length, 0)
  await rejectsWith(db.primary.universityApplicationStats.create({ data: { total: 1 } }), 'GW_ERR_INVALID_QUERY', 400, /read-only/)
})

test('unique violation is a 409 naming the field, without the value', async (t) => {
  const { users: [u] } = await makeUsers(t, [{}])
  const { events, result: err } = await capture(() =>
    rejectsWith(db.primary.users.create({ data: { email: u!.email, name: 'Dup' } }), 'GW_ERR_CONFLICT', 409, /^users\.email already exists$/))
  assert.ok(!err.message.includes(u!.email))
  assert.deepEqual(err.details, { model: 'users', fields: ['email'] })
  assert.equal(err.cause?.code, '23505', 'the pg error is kept as cause')
  assert.equal(events[0]?.error, err, "the 'query' event carries the coded error")
})

test('foreign key, not-null, check and bad input map to coded errors', async (t) => {
  const { users: [u] } = await makeUsers(t, [{}])
  const fk = await rejectsWith(db.primary.applications.create({ data: { userId: u!.id, programId: 2 ** 52 } }), 'GW_ERR_CONSTRAINT', 422, /applications\.programId refers to a programs row that does not exist/)
  assert.equal(fk.details.field, 'programId')
  await db.primary.notifications.create({ data: { userId: u!.id, kind: 'k' } })
  await rejectsWith(db.primary.users.delete({ where: { id: u!.id } }), 'GW_ERR_CONSTRAINT', 422, /users is still referenced by notifications/)
  await rejectsWith(db.query('UPDATE users SET name = NULL WHERE id = $1', [u!.id]), 'GW_ERR_CONSTRAINT', 422, /users\.name cannot be null/)
  await rejectsWith(db.query("UPDATE users SET role = 'root' WHERE id = $1", [u!.id]), 'GW_ERR_CONSTRAINT', 422, /users violates the check users_role_check/)
  await rejectsWith(db.query('SELECT $1::bigint', ['abc']), 'GW_ERR_INVALID_QUERY', 400, /invalid input syntax/)
  await rejectsWith(db.query('SELECT $1::int', [2 ** 40]), 'GW_ERR_INVALID_QUERY', 400)
  await rejectsWith(db.query('SELECT $1::timestamptz', ['2024-13-45']), 'GW_ERR_INVALID_QUERY', 400)
  const internal = await rejectsWith(db.query('SELECT * FROM no_such_table'), 'GW_ERR_INTERNAL', 500, /^Internal server error$/)
  assert.equal(internal.cause.code, '42P01')
})

test('statement timeout and pool exhaustion are 503s with their own codes', async (t) => {
  const slow = new OptimizedDatabaseClient(createDatabaseConfig({ url: primaryUrl, readUrls: [], statementTimeoutMillis: 100, poolMin: 0, poolMax: 1, connectionTimeoutMillis: 200 }, {}))
  t.after(() => slow.close())
  await rejectsWith(slow.query('SELECT pg_sleep(2)'), 'GW_ERR_QUERY_TIMEOUT', 503)
  let release!: () => void
  const held = slow.transaction(() => new Promise<void>((resolve) => { release = resolve }))
  await new Promise((resolve) => setTimeout(resolve, 50))
  await rejectsWith(slow.primary.users.count(), 'GW_ERR_POOL_TIMEOUT', 503)
  release()
  await held
  assert.equal(typeof await slow.primary.users.count(), 'number', 'the pool recovers')
})

test('transaction commits together and rolls back on throw', async (t) => {
  const tag = `cd${suffix()}`
  t.after(() => db.query('DELETE FROM users WHERE email LIKE $1', [`${tag}-%`]))
  const { events, result: id } = await capture(() => db.transaction(async (tx) => {
    const a = await tx.users.create({ data: { email: `${tag}-a@example.test`, name: 'A' } })
    const seen = await tx.query<{ n: number }>('SELECT count(*)::int AS n FROM users WHERE email LIKE $1', [`${tag}-%`])
    assert.equal(seen.rows[0]?.n, 1)
    return a.id
  }, { isolation: 'repeatable read' }))
  assert.deepEqual(events.map((e) => e.sql.split(' ')[0]), ['BEGIN', 'INSERT', 'SELECT', 'COMMIT'])
  assert.equal(events[0]!.sql, 'BEGIN ISOLATION LEVEL REPEATABLE READ')
  assert.ok(events.every((e) => e.node === 'primary'))
  assert.notEqual(await db.primary.users.findUnique({ where: { id } }), null)

  let leaked: unknown
  const rolled = await capture(() => assert.rejects(db.transaction(async (tx) => {
    await tx.users.create({ data: { email: `${tag}-b@example.test`, name: 'B' } })
    await tx.users.update({ where: { id }, data: { name: 'changed' } })
    leaked = tx
    throw new Error('boom')
  }), /boom/))
  assert.equal(rolled.events.at(-1)?.sql, 'ROLLBACK')
  assert.equal(await db.primary.users.findUnique({ where: { email: `${tag}-b@example.test` } }), null)
  assert.equal((await db.primary.users.findUnique({ where: { id } }))?.name, 'A')
  // A transaction handle used after it finished must not run on a pooled connection.
  await rejectsWith((leaked as any).users.count(), 'GW_ERR_INTERNAL', 500, /already finished/)

  // A failed statement inside the transaction rolls everything back too.
  await rejectsWith(db.transaction(async (tx) => {
    await tx.users.create({ data: { email: `${tag}-c@example.test`, name: 'C' } })
    await tx.users.create({ data: { email: `${tag}-c@example.test`, name: 'C again' } })
  }), 'GW_ERR_CONFLICT', 409)
  assert.equal(await db.primary.users.count({ where: { email: { startsWith: `${tag}-` } } }), 1)
})

test('an unreachable primary fails connect() with a 503 that hides the URL', async () => {
  const down = new OptimizedDatabaseClient(
    createDatabaseConfig({ url: 'postgres://gw:s3cret-pw@127.0.0.1:1/nowhere', readUrls: [], connectionTimeoutMillis: 1000, poolMin: 0 }, {}),
    { logger: { warn () {}, error () {}, info () {}, debug () {} } }
  )
  try {
    const err = await rejectsWith(down.connect(), 'GW_ERR_DB_UNAVAILABLE', 503, /primary/)
    assert.ok(!/s3cret|127\.0\.0\.1|postgres:\/\//.test(err.message), err.message)
    const health = await down.getDatabaseHealth(500)
    assert.equal(health.status, 'down')
    assert.equal(health.nodes[0]?.up, false)
    assert.equal(health.nodes[0]?.error, 'connection refused')
    await rejectsWith(down.primary.users.count(), 'GW_ERR_DB_UNAVAILABLE', 503)
  } finally {
    await down.close()
  }
})
