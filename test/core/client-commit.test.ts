import { test } from 'node:test'
import assert from 'node:assert/strict'
import { OptimizedDatabaseClient, createDatabaseConfig, type CommitEvent } from '../../src/index.js'
import { testEnv } from '../helpers/env.js'

test("client: 'commit' announces autocommit writes and committed transactions, never rolled-back ones", async (t) => {
  const db = new OptimizedDatabaseClient(createDatabaseConfig({ url: testEnv().primaryUrl, poolMax: 2 }, {}))
  await db.connect()
  t.after(() => db.close())
  const events: CommitEvent[] = []
  db.on('commit', (e) => events.push(e))
  const email = `commit-${Date.now()}-${Math.random().toString(36).slice(2)}@example.test`

  const user = await db.primary.users.create({ data: { email, name: 'Commit' } })
  assert.equal(events.length, 1)
  assert.deepEqual(events[0]!.writes.map((w) => [w.model, w.op, w.row?.id]), [['users', 'create', user.id]])

  await db.transaction(async (tx) => {
    await tx.users.update({ where: { id: user.id }, data: { name: 'Committed' } })
    await tx.query('INSERT INTO activity_events (user_id, kind) VALUES ($1, $2)', [user.id, 'raw'])
    tx.markWritten('activityEvents', [{ userId: user.id }])
  })
  assert.equal(events.length, 2)
  assert.deepEqual(events[1]!.writes.map((w) => [w.model, w.op]), [['users', 'update'], ['activityEvents', 'raw']])

  await assert.rejects(db.transaction(async (tx) => {
    await tx.users.update({ where: { id: user.id }, data: { name: 'Never' } })
    throw new Error('abort')
  }))
  assert.equal(events.length, 2, 'a rolled-back transaction announces nothing')

  const reads = events.length
  await db.read.users.findUnique({ where: { id: user.id } })
  assert.equal(events.length, reads, 'reads announce nothing')

  await db.query('DELETE FROM activity_events WHERE user_id = $1', [user.id])
  await db.primary.users.delete({ where: { id: user.id } })
  assert.equal(events.at(-1)!.writes[0]!.op, 'delete')
})

test('client: commit hooks run after the transaction connection is back in the pool', async (t) => {
  // One connection in the pool: a hook that needs a connection only succeeds once it is released.
  const db = new OptimizedDatabaseClient(createDatabaseConfig({ url: testEnv().primaryUrl, poolMin: 0, poolMax: 1, connectionTimeoutMillis: 1_000 }, {}))
  await db.connect()
  t.after(() => db.close())
  const seen: number[] = []
  db.addCommitHook(async () => { seen.push(await db.primary.users.count({ where: { id: -1 } })) })
  const email = `hook-${Date.now()}-${Math.random().toString(36).slice(2)}@example.test`
  const user = await db.transaction((tx) => tx.users.create({ data: { email, name: 'Hook' } }))
  assert.deepEqual(seen, [0], 'the hook got a connection and ran its query')
  await db.primary.users.delete({ where: { id: user.id } })
})
