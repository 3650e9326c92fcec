/**
 * Issue 9 item 6: every statement the gateway issues on a partitioned table lets the planner prune.
 * The statements are the ones the app really ran (captured from the client's 'query' event, or
 * from the pool the roll-up store was given), explained with their own values as a custom plan
 * (plan-time pruning) and as a generic plan (pruning at executor start: "Subplans Removed").
 * docs/partitions.md, "Queries and pruning", states the rules these tests hold the code to.
 */
import { test, type TestContext } from 'node:test'
import assert from 'node:assert/strict'
import type { FastifyInstance } from 'fastify'
import pg from 'pg'
import { buildTestApp, cleanup, uniq } from '../helpers/app.js'
import { explain, issuedOn, recordingPool, type Issued } from '../helpers/explain.js'
import { testEnv } from '../helpers/env.js'
import { makeProgram, makeUser, removeUniversity, removeUsers } from '../helpers/fixtures.js'
import { dayPeriod, dayStart, monthPeriod, monthStart } from '../../src/partitions/periods.js'
import { RollupStore } from '../../src/monitoring/rollups.js'
import { zeroTotals } from '../../src/monitoring/windows.js'
import type { User } from '../../src/models/types.js'

const DAY = 86_400_000
const now = new Date()
const at = (month: number, day: number): Date => new Date(monthStart(now, month).getTime() + day * DAY)
const month = (table: string, m: number): string => monthPeriod(table, monthStart(now, m)).name

async function setup (t: TestContext): Promise<{ app: FastifyInstance; db: pg.Pool; user: User }> {
  // Cache off: every request reaches PostgreSQL, so each one issues its statements.
  const app = await buildTestApp(t, { env: { CACHE_ENABLED: 'false' } })
  const db = new pg.Pool({ connectionString: testEnv().primaryUrl, max: 2 })
  const user = await makeUser(app)
  cleanup(app, async () => {
    await db.query("DELETE FROM audit_logs WHERE entity = 'users' AND entity_id = $1", [user.id])
    await removeUsers(app, [user.id])
    await db.end()
  })
  // Five notifications and audit rows: three in month −1, two in month −2 (fixed created_at).
  for (const [m, d, n] of [[-1, 3, 3], [-2, 3, 2]] as const) {
    for (let i = 0; i < n; i++) {
      const createdAt = new Date(at(m, d).getTime() + i * 60_000)
      await app.db.primary.notifications.create({ data: { userId: user.id, kind: 'prune.test', payload: { i }, createdAt } })
      await app.db.primary.auditLogs.create({ data: { actorId: null, action: 'prune.test', entity: 'users', entityId: user.id, createdAt } })
    }
  }
  await db.query('ANALYZE notifications, audit_logs')
  return { app, db, user }
}

/** The one statement on `table` that `fn` issued. */
async function only (app: FastifyInstance, table: string, fn: () => Promise<unknown>): Promise<Issued> {
  const seen = await issuedOn(app, table, fn)
  assert.equal(seen.length, 1, `one statement on ${table}: ${seen.map((s) => s.sql).join(' | ')}`)
  return seen[0]!
}

/** Custom and generic plan both read exactly `expected` of `table`'s partitions. */
async function assertPrunesTo (db: pg.Pool, app: FastifyInstance, table: string, q: Issued, expected: string[]): Promise<void> {
  const all = (await app.partitions.partitions(table)).map((p) => p.name)
  const custom = await explain(db, q, 'custom')
  assert.deepEqual(custom.scanned.filter((r) => all.includes(r)), [...expected].sort(), `custom plan of ${q.sql}`)
  const generic = await explain(db, q, 'generic')
  assert.deepEqual(generic.scanned.filter((r) => all.includes(r)), [...expected].sort(), `generic plan of ${q.sql}`)
  assert.equal(generic.removed, all.length - expected.length, 'the generic plan removes the other partitions at executor start')
}

const get = async (app: FastifyInstance, url: string): Promise<any> => {
  const res = await app.inject({ url })
  assert.equal(res.statusCode, 200, res.body)
  return res.json()
}

test('GET /users/:id/notifications with from/to inside the partitioned window reads those months only, never the DEFAULT', async (t) => {
  const { app, db, user } = await setup(t)
  const range = `from=${at(-2, 1).toISOString()}&to=${at(-1, 10).toISOString()}`
  let page: any
  // limit=1 reads 2 rows; the Incremental Sort above the Append reads one more to close its group.
  const q = await only(app, 'notifications', async () => { page = await get(app, `/users/${user.id}/notifications?limit=1&${range}`) })
  assert.equal(page.items.length, 1)
  await assertPrunesTo(db, app, 'notifications', q, [month('notifications', -2), month('notifications', -1)])
  // With the DEFAULT pruned the Append is ordered: the newest month fills the page, the older is never run.
  const run = await explain(db, q, 'analyze')
  assert.ok(!run.nodeTypes.includes('Merge Append'), run.nodeTypes.join(', '))
  assert.deepEqual(run.neverExecuted, [month('notifications', -2)])
})

test('a page after the first adds the bound its cursor implies: partitions newer than the cursor are pruned', async (t) => {
  const { app, db, user } = await setup(t)
  const first = await get(app, `/users/${user.id}/notifications?limit=2`)
  const q = await only(app, 'notifications', () => get(app, `/users/${user.id}/notifications?limit=2&cursor=${first.nextCursor}`))
  const cursorAt = new Date(first.items[1].createdAt)
  const parts = await app.partitions.partitions('notifications')
  const expected = parts.filter((p) => p.isDefault || new Date(p.from!) <= cursorAt).map((p) => p.name)
  assert.ok(expected.length < parts.length, 'something is pruned')
  await assertPrunesTo(db, app, 'notifications', q, expected)
})

test('without a range no implicit bound is added: every partition and the DEFAULT are read, by a Merge Append', async (t) => {
  const { app, db, user } = await setup(t)
  const q = await only(app, 'notifications', () => get(app, `/users/${user.id}/notifications?limit=2`))
  const all = (await app.partitions.partitions('notifications')).map((p) => p.name).sort()
  const run = await explain(db, q, 'analyze')
  assert.deepEqual(run.scanned.filter((r) => all.includes(r)), all)
  // A live DEFAULT makes the partitions unordered (partitions_are_ordered): the merge starts every
  // child, so no partition is "never executed" — the reason to give from/to (docs/partitions.md).
  assert.ok(run.nodeTypes.includes('Merge Append'), run.nodeTypes.join(', '))
  assert.deepEqual(run.neverExecuted, [])
})

test('GraphQL User.notifications: the nested page after a cursor prunes partitions newer than it (custom and generic plan)', async (t) => {
  const { app, db, user } = await setup(t)
  const query = 'query ($id: ID!, $after: String) { user(id: $id) { notifications(first: 2, after: $after) { items { createdAt } nextCursor } } }'
  const gql = async (after?: string): Promise<any> => {
    const res = await app.inject({ method: 'POST', url: '/graphql', payload: { query, variables: { id: String(user.id), after } } })
    assert.equal(res.statusCode, 200, res.body)
    return res.json().data.user.notifications
  }
  let p1: any
  const q1 = await only(app, 'notifications', async () => { p1 = await gql() })
  const all = (await app.partitions.partitions('notifications')).map((p) => p.name).sort()
  assert.deepEqual((await explain(db, q1, 'generic')).scanned.filter((r) => all.includes(r)), all, 'no cursor: no bound')
  const q2 = await only(app, 'notifications', () => gql(p1.nextCursor))
  const cursorAt = new Date(p1.items[1].createdAt)
  const parts = await app.partitions.partitions('notifications')
  await assertPrunesTo(db, app, 'notifications', q2, parts.filter((p) => p.isDefault || new Date(p.from!) <= cursorAt).map((p) => p.name))
})

test('GET /audit-logs with from/to reads those months only (with and without entity)', async (t) => {
  const { app, db, user } = await setup(t)
  const range = `from=${at(-2, 1).toISOString()}&to=${at(-1, 10).toISOString()}`
  const expected = [month('audit_logs', -2), month('audit_logs', -1)]
  const byEntity = await only(app, 'audit_logs', () => get(app, `/audit-logs?limit=2&entity=users&entityId=${user.id}&${range}`))
  await assertPrunesTo(db, app, 'audit_logs', byEntity, expected)
  const all = await only(app, 'audit_logs', () => get(app, `/audit-logs?limit=2&${range}`))
  await assertPrunesTo(db, app, 'audit_logs', all, expected)
})

test('activity_events: the ingest routes each row to its user\'s hash partition and GET /users/:id/events reads exactly that one', async (t) => {
  const { app, db, user } = await setup(t)
  const ingest = await only(app, 'activity_events', async () => {
    const res = await app.inject({ method: 'POST', url: '/events', payload: { events: [{ userId: user.id, kind: 'prune.test' }, { userId: user.id, kind: 'prune.test' }] } })
    assert.equal(res.statusCode, 202, res.body)
  })
  const home = await db.query<{ p: string }>('SELECT DISTINCT tableoid::regclass::text AS p FROM activity_events WHERE user_id = $1', [user.id])
  assert.equal(home.rowCount, 1, 'tuple routing: one partition')
  assert.deepEqual((await explain(db, ingest, 'custom')).scanned.filter((r) => r.startsWith('activity_events')), [], 'the INSERT reads no partition')
  const read = await only(app, 'activity_events', () => get(app, `/users/${user.id}/events?limit=5`))
  await assertPrunesTo(db, app, 'activity_events', read, [home.rows[0]!.p])
  const ranged = await only(app, 'activity_events', () => get(app, `/users/${user.id}/events?limit=5&from=${at(-1, 0).toISOString()}`))
  await assertPrunesTo(db, app, 'activity_events', ranged, [home.rows[0]!.p])
})

test('domain writes: audit rows, notifications and the one-statement user update read no partition and land in the current month', async (t) => {
  const { app, db, user } = await setup(t)
  const { university, program } = await makeProgram(app)
  cleanup(app, async () => {
    await db.query("DELETE FROM audit_logs WHERE entity = 'applications' AND entity_id IN (SELECT id FROM applications WHERE user_id = $1)", [user.id])
    await removeUsers(app, [user.id])
    await removeUniversity(app, university.id)
  })
  const issued = await issuedOn(app, ['audit_logs', 'notifications'], async () => {
    const created = await app.inject({ method: 'POST', url: '/applications', payload: { userId: user.id, programId: program.id, status: 'submitted' } })
    assert.equal(created.statusCode, 201, created.body)
    const patched = await app.inject({ method: 'PATCH', url: `/users/${user.id}`, payload: { name: `Renamed ${uniq()}` } })
    assert.equal(patched.statusCode, 200, patched.body)
  })
  assert.ok(issued.some((q) => /INSERT INTO "?notifications"?/.test(q.sql)), 'a notification insert was captured')
  assert.ok(issued.some((q) => /UPDATE users/.test(q.sql) && /INSERT INTO audit_logs/.test(q.sql)), 'the user update with its audit CTE was captured')
  for (const q of issued) {
    for (const mode of ['custom', 'generic'] as const) {
      const plan = await explain(db, q, mode)
      assert.deepEqual(plan.scanned.filter((r) => /^(audit_logs|notifications)_/.test(r)), [], `${mode} plan of ${q.sql} reads no partition`)
    }
  }
  const homes = await db.query<{ p: string }>(
    `SELECT DISTINCT tableoid::regclass::text AS p FROM notifications WHERE user_id = $1 AND created_at >= $2
     UNION SELECT DISTINCT tableoid::regclass::text FROM audit_logs WHERE entity IN ('users', 'applications') AND created_at >= $2
       AND (entity_id = $1 OR entity_id IN (SELECT id FROM applications WHERE user_id = $1))`, [user.id, monthStart(now)])
  assert.deepEqual(homes.rows.map((r) => r.p).sort(), [month('audit_logs', 0), month('notifications', 0)].sort(), 'routed to the current month, not the DEFAULT')
})

test('monitoring roll-ups: the history read prunes to the day partitions of its window; the upsert reads none', async (t) => {
  const db = new pg.Pool({ connectionString: testEnv().primaryUrl, max: 3 })
  const instance = `prune-${uniq()}`
  t.after(async () => {
    await db.query('DELETE FROM gateway_metrics_minute WHERE instance = $1', [instance])
    await db.end()
  })
  const seen: Issued[] = []
  const store = new RollupStore(recordingPool(db, seen))
  const noon = new Date(dayStart(now).getTime() + DAY / 2)
  await store.ensurePartitions(1, noon.getTime())
  seen.length = 0
  await store.write({ minute: new Date(noon.getTime() - 5 * 60_000), instance, totals: zeroTotals(), poolUsageAvg: 0, poolUsageMax: 0, waitingAvg: 0, replicaLagMs: null, pools: {} })
  const summary = await store.summary(60, noon.getTime())
  assert.ok(summary.instances.includes(instance))
  const [upsert, read] = seen.filter((q) => /gateway_metrics_minute/.test(q.sql))
  assert.match(upsert!.sql, /^INSERT/)
  assert.match(read!.sql, /^\s*SELECT/)
  const all = (await db.query<{ name: string }>("SELECT c.relname AS name FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid WHERE i.inhparent = 'gateway_metrics_minute'::regclass")).rows.map((r) => r.name)
  const today = dayPeriod('gateway_metrics_minute', noon).name
  for (const mode of ['custom', 'generic'] as const) {
    assert.deepEqual((await explain(db, upsert!, mode)).scanned, [], `${mode} upsert reads no partition`)
    const plan = await explain(db, read!, mode)
    assert.deepEqual(plan.scanned, [today], `${mode} history read`)
    if (mode === 'generic') assert.equal(plan.removed, all.length - 1)
  }
})

test('GET /audit-logs without entity pages newest first through the (created_at, id) index: no sort of whole months (sql/014)', async (t) => {
  const { app, db } = await setup(t)
  const q = await only(app, 'audit_logs', async () => { await get(app, '/audit-logs?limit=20') })
  assert.match(q.sql, /ORDER BY "created_at" DESC, "id" DESC/)
  for (const mode of ['custom', 'generic'] as const) {
    const plan = await explain(db, q, mode)
    assert.ok(!plan.nodeTypes.includes('Sort'), `${mode}: no Sort node (${plan.nodeTypes.join(', ')})`)
    assert.ok(plan.nodeTypes.includes('Merge Append') || plan.nodeTypes.includes('Append'), `${mode}: partitions merged in order`)
    assert.ok(plan.nodeTypes.some((n) => n === 'Index Scan Backward' || n === 'Index Scan' || n === 'Index Only Scan'), `${mode}: ${plan.nodeTypes.join(', ')}`)
  }
})
