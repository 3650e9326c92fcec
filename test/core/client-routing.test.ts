/**
 * Where statements run: `db.read` really reaches the streaming replicas (round-robin), writes and
 * transactions stay on the primary, and the client closes only the pools it opened.
 * Needs the harness cluster (`tsx test/run.ts test/core/client-routing.test.ts`).
 */
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { randomUUID } from 'node:crypto'
import pg from 'pg'
import { OptimizedDatabaseClient, createDatabaseConfig, type ClientLogger, type QueryEvent } from '../../src/index.js'
import { testEnv } from '../helpers/env.js'

const { primaryUrl, replicaUrls } = testEnv()
const quiet: ClientLogger = { warn () {}, error () {}, info () {}, debug () {} }

function record (db: OptimizedDatabaseClient): QueryEvent[] {
  const events: QueryEvent[] = []
  db.on('query', (e) => { events.push(e) })
  return events
}

test('reads through db.read alternate over the replicas, which are in recovery', async (t) => {
  assert.ok(replicaUrls.length >= 2, 'TEST_REPLICA_URLS must list the harness replicas')
  const db = new OptimizedDatabaseClient(createDatabaseConfig({ url: primaryUrl, readUrls: replicaUrls }, {}))
  t.after(() => db.close())
  await db.connect()
  assert.deepEqual(db.nodeNames(), ['primary', ...replicaUrls.map((_, i) => `replica${i}`)])
  const events = record(db)

  for (let i = 0; i < 4; i++) {
    const { rows } = await db.query<{ r: boolean }>('SELECT pg_is_in_recovery() AS r', [], { target: 'read' })
    assert.equal(rows[0]?.r, true, 'a read target is a standby')
  }
  await db.read.users.findMany({ take: 1 })
  await db.read.users.count()
  await db.cached.users.findFirst({ ttl: 30, tags: ['users'] })
  const expected = Array.from({ length: 7 }, (_, i) => `replica${i % replicaUrls.length}`)
  assert.deepEqual(events.map((e) => e.node), expected)

  const { rows } = await db.query<{ r: boolean }>('SELECT pg_is_in_recovery() AS r')
  assert.equal(rows[0]?.r, false, 'raw queries default to the primary')
})

test('writes through db.read, db.primary and transactions run on the primary', async (t) => {
  const db = new OptimizedDatabaseClient(createDatabaseConfig({ url: primaryUrl, readUrls: replicaUrls }, {}))
  const email = `cr-${randomUUID().slice(0, 8)}@example.test`
  t.after(async () => {
    await db.query('DELETE FROM users WHERE email = $1', [email])
    await db.close()
  })
  const events = record(db)
  const user = await db.read.users.create({ data: { email, name: 'Routed' } })
  await db.read.users.update({ where: { id: user.id }, data: { name: 'Routed 2' } })
  await db.primary.users.findUnique({ where: { id: user.id } })
  await db.transaction(async (tx) => {
    await tx.users.findUnique({ where: { id: user.id } })
    const { rows } = await tx.query<{ r: boolean }>('SELECT pg_is_in_recovery() AS r')
    assert.equal(rows[0]?.r, false)
  })
  assert.ok(events.length === 7 && events.every((e) => e.node === 'primary'), JSON.stringify(events.map((e) => [e.node, e.sql.slice(0, 20)])))
})

test('with no replicas configured, reads go to the primary', async (t) => {
  const db = new OptimizedDatabaseClient(createDatabaseConfig({ url: primaryUrl, readUrls: [] }, {}))
  t.after(() => db.close())
  const events = record(db)
  const { rows } = await db.query<{ r: boolean }>('SELECT pg_is_in_recovery() AS r', [], { target: 'read' })
  assert.equal(rows[0]?.r, false)
  await db.read.users.count()
  await db.cached.users.count()
  assert.deepEqual(events.map((e) => e.node), ['primary', 'primary', 'primary'])
  assert.deepEqual(db.nodeNames(), ['primary'])
})

test('health: ok with every node up, degraded when a replica is down; connect() tolerates it', async (t) => {
  const db = new OptimizedDatabaseClient(createDatabaseConfig({ url: primaryUrl, readUrls: replicaUrls }, {}))
  t.after(() => db.close())
  const ok = await db.getDatabaseHealth()
  assert.equal(ok.status, 'ok')
  assert.deepEqual(ok.nodes.map((n) => [n.name, n.role, n.up]), db.nodeNames().map((n) => [n, n === 'primary' ? 'primary' : 'replica', true]))
  assert.ok(ok.nodes.every((n) => typeof n.latencyMs === 'number'))

  const warnings: object[] = []
  const logger: ClientLogger = { ...quiet, warn (obj) { warnings.push(obj) } }
  const broken = new OptimizedDatabaseClient(
    createDatabaseConfig({ url: primaryUrl, readUrls: [replicaUrls[0] ?? primaryUrl, 'postgres://gw:pw@127.0.0.1:1/none'], connectionTimeoutMillis: 1000 }, {}),
    { logger }
  )
  t.after(() => broken.close())
  await broken.connect()
  assert.deepEqual(warnings, [{ node: 'replica1', reason: 'connection refused' }])
  const degraded = await broken.getDatabaseHealth(1000)
  assert.equal(degraded.status, 'degraded')
  assert.deepEqual(degraded.nodes.map((n) => n.up), [true, true, false])
  assert.equal(degraded.nodes[2]?.latencyMs, null)
})

test('pools passed in are used with the gateway types, and never ended by the client', async (t) => {
  // Plain pools without the gateway's type parsers: rows must still come back in API shape.
  const primary = new pg.Pool({ connectionString: primaryUrl, max: 2 })
  const replica = new pg.Pool({ connectionString: replicaUrls[0] ?? primaryUrl, max: 2 })
  t.after(async () => { await primary.end(); await replica.end() })
  const db = new OptimizedDatabaseClient(createDatabaseConfig({ url: primaryUrl }, {}), { pools: { primary, replicas: [{ name: 'replica0', pool: replica }] } })
  assert.equal(db.pools.owned, false)
  assert.equal(db.pools.get('replica0'), replica)
  const events = record(db)
  const { rows } = await db.query<{ id: unknown; d: unknown; n: unknown }>("SELECT 7::int8 AS id, '2027-01-15'::date AS d, 1.5::numeric AS n", [], { target: 'read' })
  assert.deepEqual(rows[0], { id: 7, d: '2027-01-15', n: 1.5 })
  assert.equal(events[0]?.node, 'replica0')
  assert.equal(primary.listenerCount('error'), 1, 'the client handles idle-client errors on borrowed pools')

  await db.close()
  await db.close()
  assert.equal(primary.listenerCount('error'), 0, 'and removes its listener on close')
  assert.equal((await primary.query('SELECT 1 AS one')).rows[0]?.one, 1, 'a borrowed pool still works after close')
  assert.equal((await replica.query('SELECT 1 AS one')).rows[0]?.one, 1)
  await assert.rejects(db.query('SELECT 1'), (err: any) => err.code === 'GW_ERR_DB_UNAVAILABLE')
})

test('pools the client opened are ended by close(), once', async () => {
  const db = new OptimizedDatabaseClient(createDatabaseConfig({ url: primaryUrl, readUrls: replicaUrls, applicationName: 'sr-routing-test' }, {}))
  assert.equal(db.pools.owned, true)
  const { rows } = await db.query<{ app: string }>('SELECT current_setting($1) AS app', ['application_name'])
  assert.equal(rows[0]?.app, 'sr-routing-test:primary')
  await Promise.all([db.close(), db.close()])
  assert.ok(db.pools.all().every((e) => e.pool.ended), 'every owned pool has ended')
  await db.close()
})

test('an idle connection killed by the server is reported, not fatal', async (t) => {
  const db = new OptimizedDatabaseClient(createDatabaseConfig({ url: primaryUrl, readUrls: [], poolMin: 0 }, {}), { logger: quiet })
  t.after(() => db.close())
  const { rows } = await db.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')
  const reported = new Promise<{ node: string; error: Error }>((resolve) => db.once('poolError', resolve))
  const killer = new pg.Client({ connectionString: primaryUrl })
  await killer.connect()
  try {
    await killer.query('SELECT pg_terminate_backend($1)', [rows[0]!.pid])
  } finally {
    await killer.end()
  }
  const { node } = await reported
  assert.equal(node, 'primary')
  assert.equal(typeof await db.primary.users.count(), 'number', 'the pool replaces the dead connection')
})
