/**
 * The replica manager against the real cluster: lag from LSNs (zero on an idle primary, growing
 * while replay is paused and WAL arrives), hysteresis on the way out and back, promoted-node and
 * read-only-primary detection. Units for the lag arithmetic and the hysteresis come first.
 */
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { randomUUID } from 'node:crypto'
import { OptimizedDatabaseClient, createDatabaseConfig, type ClientLogger } from '../../src/index.js'
import { ReplicaManager, compareLsn, formatLsn, lsnDiff, parseLsn, type NodeStateChange } from '../../src/replicas/index.js'
import { Rotation } from '../../src/replicas/rotation.js'
import { WalFrontier } from '../../src/replicas/wal-frontier.js'
import { testEnv } from '../helpers/env.js'
import { pauseReplay, resumeReplay, sleep, sql, waitUntil } from '../helpers/replica-faults.js'

const { primaryUrl, replicaUrls } = testEnv()
const quiet: ClientLogger = { warn () {}, error () {}, info () {}, debug () {} }

test('LSN text: parse, format, compare, diff', () => {
  assert.equal(parseLsn('0/16B3748'), 0x16B3748n)
  assert.equal(parseLsn('1/0'), 1n << 32n)
  assert.equal(parseLsn('nope'), undefined)
  assert.equal(formatLsn(parseLsn('a/ff')!), 'A/FF')
  assert.ok(compareLsn('1/0', '0/FFFFFFFF') > 0)
  assert.equal(lsnDiff('0/100', '0/80'), 0x80)
  assert.equal(lsnDiff('0/80', '0/100'), 0)
})

test('WAL frontier: time lag is zero once replay catches up, and grows while it is stuck', () => {
  const f = new WalFrontier(60_000)
  f.record(1_000, '0/100')
  f.record(2_000, '0/100') // idle primary: no new sample
  assert.equal(f.lagMs('0/100', 10_000), 0, 'an idle primary never makes a caught-up replica lagged')
  f.record(3_000, '0/200')
  f.record(4_000, '0/300')
  assert.equal(f.lagMs('0/100', 5_000), 2_000, 'behind since the frontier first passed 0/100 at t=3000')
  assert.equal(f.lagMs('0/250', 5_000), 1_000)
  assert.equal(f.lagBytes('0/250'), 0xB0)
  assert.equal(f.lagMs('0/300', 5_000), 0)
})

test('rotation: leaves after N bad readings, returns after M good ones, promoted leaves at once', () => {
  const r = new Rotation(2, 3)
  assert.deepEqual(r.apply({ good: true }), { from: 'unknown', to: 'in' })
  assert.equal(r.apply({ good: false, reason: 'lagging' }), undefined, 'one bad reading is not enough')
  assert.equal(r.apply({ good: true }), undefined)
  assert.equal(r.apply({ good: false, reason: 'lagging' }), undefined)
  assert.deepEqual(r.apply({ good: false, reason: 'lagging' }), { from: 'in', to: 'out', reason: 'lagging' })
  assert.equal(r.apply({ good: true }), undefined)
  assert.equal(r.apply({ good: true }), undefined)
  assert.deepEqual(r.apply({ good: true }), { from: 'out', to: 'in' })
  assert.deepEqual(r.apply({ good: false, reason: 'promoted', immediate: true }), { from: 'in', to: 'out', reason: 'promoted' })
})

function client (opts: { maxLagMs: number; intervalMs?: number; primary?: string }): OptimizedDatabaseClient {
  return new OptimizedDatabaseClient(createDatabaseConfig({ url: opts.primary ?? primaryUrl, readUrls: replicaUrls, poolMax: 4 }, {}), {
    logger: quiet,
    replicaHealth: { intervalMs: opts.intervalMs ?? 100, maxLagMs: opts.maxLagMs, unhealthyThreshold: 2, healthyThreshold: 3 }
  })
}

test('idle primary for longer than REPLICA_MAX_LAG_MS: no replica is reported lagged', async (t) => {
  const maxLagMs = 200
  const db = client({ maxLagMs })
  t.after(() => db.close())
  await db.connect()
  const changes: NodeStateChange[] = []
  db.replicaManager.on('stateChange', (c) => changes.push(c))
  await sleep(1_000) // five times the allowed lag, with no write anywhere
  const readings = db.replicaManager.checkReplicationLag()
  assert.equal(readings.length, replicaUrls.length)
  for (const r of readings) {
    assert.equal(r.state, 'in-rotation', JSON.stringify(r))
    // Idle means no write of this test's; a background write elsewhere (a roll-up, autovacuum's
    // WAL) may be caught mid-replay for a few ms, which is not lag by the limit.
    assert.ok(r.lagMs !== null && r.lagMs < maxLagMs, `lagMs ${r.lagMs}`)
    assert.equal(r.inRecovery, true)
    assert.ok(r.replayLsn !== null && r.lastCheckAt !== null)
  }
  assert.deepEqual(changes, [], 'no state change while idle')
  // The naive measure would call it lagged: the last replayed transaction is older than the limit.
  const [naive] = await sql<{ ms: number }>(replicaUrls[0]!, 'SELECT extract(epoch FROM now() - pg_last_xact_replay_timestamp()) * 1000 AS ms')
  assert.ok(Number(naive!.ms) > maxLagMs, `now() - pg_last_xact_replay_timestamp() = ${naive!.ms} ms`)
  assert.equal(db.replicaManager.primaryStatus().state, 'up')
})

test('replay paused while writes continue: the replica leaves the rotation on lag; resumed, it returns', async (t) => {
  const db = client({ maxLagMs: 300 })
  let writing = true
  let writer: Promise<void> = Promise.resolve()
  // after-hooks run in order: stop writing, resume replay (pauseReplay's), drop, close.
  t.after(async () => { writing = false; await writer })
  const paused = replicaUrls[0]!
  await pauseReplay(t, paused)
  t.after(async () => {
    await db.query('DROP TABLE IF EXISTS replica_lag_probe')
    await db.close()
  })
  await db.connect()
  const changes: NodeStateChange[] = []
  db.replicaManager.on('stateChange', (c) => changes.push(c))
  await db.query('CREATE TABLE IF NOT EXISTS replica_lag_probe (id serial PRIMARY KEY, note text)')

  writer = (async () => {
    while (writing) {
      await db.query('INSERT INTO replica_lag_probe (note) VALUES ($1)', [randomUUID()])
      await sleep(20)
    }
  })()

  await waitUntil('replica0 to leave the rotation', () => db.replicaManager.checkReplicationLag()[0]!.state === 'out-of-rotation', 10_000)
  const out = db.replicaManager.checkReplicationLag()
  assert.equal(out[0]!.reason, 'lagging')
  assert.equal(out[0]!.replayPaused, true)
  assert.ok(out[0]!.lagMs! > 300 && out[0]!.lagBytes! > 0, JSON.stringify(out[0]))
  assert.equal(out[1]!.state, 'in-rotation', 'the other replica keeps up')
  assert.deepEqual(changes.map((c) => [c.node, c.to, c.reason]), [['replica0', 'out-of-rotation', 'lagging']])
  for (let i = 0; i < 10; i++) {
    const { rows } = await db.query<{ port: number }>('SELECT inet_server_port() AS port', [], { target: 'read' })
    assert.notEqual(rows[0]!.port, Number(new URL(paused).port), 'no read goes to the lagging replica')
  }

  await resumeReplay(paused)
  await waitUntil('replica0 to return', () => db.replicaManager.checkReplicationLag()[0]!.state === 'in-rotation', 10_000)
  assert.deepEqual(changes.at(-1), { ...changes.at(-1), node: 'replica0', from: 'out-of-rotation', to: 'in-rotation' })
  // Caught up: the lag reads zero once the next round sees replay at the primary's position (a
  // round taken while the writer still writes may read a few ms).
  await waitUntil('replica0 lag to read 0', () => db.replicaManager.checkReplicationLag()[0]!.lagMs === 0, 5_000)
})

test('a "replica" that is not in recovery is reported as promoted and never read from', async (t) => {
  const m = new ReplicaManager([], {})
  assert.deepEqual(m.eligible(), [])
  const db = new OptimizedDatabaseClient(createDatabaseConfig({ url: primaryUrl, readUrls: [replicaUrls[0]!, primaryUrl] }, {}), {
    logger: quiet, replicaHealth: { intervalMs: 100 }
  })
  t.after(() => db.close())
  await db.connect()
  const [, promoted] = db.replicaManager.checkReplicationLag()
  assert.equal(promoted!.state, 'out-of-rotation')
  assert.equal(promoted!.reason, 'promoted')
  assert.equal(promoted!.inRecovery, false)
  assert.deepEqual(db.replicaManager.eligible(), ['replica0'])
})

test('a primary that reports being in recovery makes writes fail fast with 503', async (t) => {
  // The "primary" URL points at a standby: a real node in recovery, as after a failover gone wrong.
  const db = new OptimizedDatabaseClient(createDatabaseConfig({ url: replicaUrls[0]!, readUrls: [] }, {}), { logger: quiet })
  t.after(() => db.close())
  await db.connect()
  assert.equal(db.replicaManager.primaryState(), 'read-only')
  const started = Date.now()
  await assert.rejects(db.primary.users.create({ data: { email: `ro-${randomUUID()}@example.test`, name: 'No' } }),
    (err: any) => err.code === 'GW_ERR_PRIMARY_READ_ONLY' && err.statusCode === 503)
  await assert.rejects(db.transaction(async () => {}), (err: any) => err.code === 'GW_ERR_PRIMARY_READ_ONLY')
  assert.ok(Date.now() - started < 100, 'refused without a round trip')
  assert.equal(typeof await db.read.users.count(), 'number', 'reads still work')
})

test('a throwing replica-manager listener neither stops the health loop nor crashes the process', async (t) => {
  const db = new OptimizedDatabaseClient(createDatabaseConfig({ url: primaryUrl, readUrls: [replicaUrls[0]!] }, {}), {
    logger: quiet, replicaHealth: { intervalMs: 50 }
  })
  t.after(() => db.close())
  const warnings: string[] = []
  const onWarning = (w: Error) => { if (w.name === 'GatewayListenerWarning') warnings.push(w.message) }
  process.on('warning', onWarning)
  t.after(() => { process.off('warning', onWarning) })
  await db.connect()
  let checks = 0
  db.replicaManager.on('check', () => { checks++; throw new Error('listener bug') })
  await waitUntil('three more health rounds', () => checks >= 3, 5_000)
  await sleep(20)
  assert.ok(warnings.some((m) => m.includes('listener bug')), 'the failure is reported as a warning')
})
