/**
 * DB_READ_STRATEGY distributions (SPEC §6), on the real replicas:
 * round-robin alternates exactly; least-connections sends reads away from a replica busy with a
 * long read; latency sends reads to the fast replica and none to one behind a 15 ms-per-hop path.
 */
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { OptimizedDatabaseClient, createDatabaseConfig, type ClientLogger, type DatabaseConfig } from '../../src/index.js'
import { testEnv } from '../helpers/env.js'
import { startDelayProxy } from '../helpers/delay-proxy.js'
import { waitUntil } from '../helpers/replica-faults.js'

const { primaryUrl, replicaUrls } = testEnv()
const quiet: ClientLogger = { warn () {}, error () {}, info () {}, debug () {} }

async function client (t: { after: (fn: () => Promise<void>) => void }, readStrategy: DatabaseConfig['readStrategy'], readUrls = replicaUrls): Promise<{ db: OptimizedDatabaseClient; nodes: string[] }> {
  const db = new OptimizedDatabaseClient(createDatabaseConfig({ url: primaryUrl, readUrls, readStrategy, poolMax: 6 }, {}), {
    logger: quiet, replicaHealth: { intervalMs: 100 }
  })
  t.after(() => db.close())
  await db.connect()
  const nodes: string[] = []
  db.on('query', (e) => { nodes.push(e.node) })
  return { db, nodes }
}

const count = (nodes: string[]): Record<string, number> => nodes.reduce<Record<string, number>>((acc, n) => ({ ...acc, [n]: (acc[n] ?? 0) + 1 }), {})

test('round-robin: reads alternate over the replicas in rotation, evenly', async (t) => {
  const { db, nodes } = await client(t, 'round-robin')
  for (let i = 0; i < 40; i++) await db.read.users.count()
  assert.deepEqual(count(nodes), { replica0: 20, replica1: 20 })
  for (let i = 1; i < nodes.length; i++) assert.notEqual(nodes[i], nodes[i - 1], 'strictly alternating')
})

test('least-connections: reads go to the replica with fewer reads in flight', async (t) => {
  const { db, nodes } = await client(t, 'least-connections')
  // Two long reads: one lands on each replica (the second sees the first in flight).
  const short = db.query('SELECT pg_sleep(0.5)', [], { target: 'read' })
  const long = db.query('SELECT pg_sleep(1.2)', [], { target: 'read' })
  await short
  const idle = nodes[0]!
  nodes.length = 0
  for (let i = 0; i < 10; i++) await db.read.users.count()
  assert.deepEqual(count(nodes), { [idle]: 10 }, 'every read avoided the replica still busy with the long read')
  await long
  const busy = nodes.at(-1)!
  assert.notEqual(busy, idle, 'the two long reads ran on different replicas')
  nodes.length = 0
  for (let i = 0; i < 10; i++) await db.read.users.count()
  assert.deepEqual(count(nodes), { replica0: 5, replica1: 5 }, 'both idle again: shared evenly')
})

test('latency: reads go to the fast replica, none to the one behind a slow path', async (t) => {
  const slow = new URL(replicaUrls[1]!)
  const proxy = await startDelayProxy({ host: slow.hostname, port: Number(slow.port) }, 15)
  t.after(() => proxy.close())
  slow.port = String(proxy.port)
  const { db, nodes } = await client(t, 'latency', [replicaUrls[0]!, slow.toString()])
  await waitUntil('both latencies measured', () => db.replicaManager.checkReplicationLag().every((r) => r.latencyMs !== null))
  for (let i = 0; i < 30; i++) await db.read.users.count()
  const lag = db.replicaManager.checkReplicationLag().map((r) => r.latencyMs)
  assert.deepEqual(count(nodes), { replica0: 30 }, `latencies ${JSON.stringify(lag)}`)
  assert.ok(db.replicaManager.latency('replica1')! > 20, 'the slow path measures slow')
})

test('locking and writing statements sent with target: read still run on the primary', async (t) => {
  const { db, nodes } = await client(t, 'round-robin')
  await db.query('SELECT id FROM users ORDER BY id LIMIT 1 FOR UPDATE', [], { target: 'read' })
  await db.query('SELECT id FROM users ORDER BY id LIMIT 1 FOR SHARE', [], { target: 'read' })
  await db.query('WITH x AS (UPDATE users SET name = name WHERE false RETURNING id) SELECT * FROM x', [], { target: 'read' })
  await db.query('SELECT updated_at FROM users LIMIT 1', [], { target: 'read' })
  assert.deepEqual(nodes.slice(0, 3), ['primary', 'primary', 'primary'])
  assert.notEqual(nodes[3], 'primary', 'a column named like a keyword does not fool it')
})
