/**
 * Health loop vs routing: a read that fails on a replica marks it suspect and routes around it
 * until a probe answers again. A health round already in flight carries a reading taken before the
 * failure; letting that old reading clear the mark put a dead replica straight back into rotation.
 * Real faults only: the primary sits behind a delaying proxy (so the round is still in flight), the
 * replica behind a proxy that is switched to a port where nothing listens.
 */
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { OptimizedDatabaseClient, createDatabaseConfig, type ClientLogger } from '../../src/index.js'
import { testEnv } from '../helpers/env.js'
import { startDelayProxy } from '../helpers/delay-proxy.js'
import { sleep } from '../helpers/replica-faults.js'
import { deadPort, startSwitchProxy } from '../helpers/switch-proxy.js'

const quiet: ClientLogger = { warn () {}, error () {}, info () {}, debug () {} }

test('a health round that started before a read failed does not clear the replica\'s suspect mark', async (t) => {
  const { primaryUrl, replicaUrls } = testEnv()
  const primary = new URL(primaryUrl)
  const replica = new URL(replicaUrls[0]!)
  const slow = await startDelayProxy({ host: primary.hostname, port: Number(primary.port) }, 150)
  t.after(() => slow.close())
  const proxy = await startSwitchProxy(replica.hostname, Number(replica.port))
  t.after(() => proxy.close())
  const slowPrimary = new URL(primary)
  slowPrimary.port = String(slow.port)
  const viaProxy = new URL(replica)
  viaProxy.port = String(proxy.port)

  const db = new OptimizedDatabaseClient(createDatabaseConfig({ url: slowPrimary.toString(), readUrls: [viaProxy.toString()], poolMax: 2 }, {}), {
    logger: quiet,
    // No background rounds: the test starts the one that matters itself.
    replicaHealth: { intervalMs: 60_000, probeTimeoutMs: 10_000, unhealthyThreshold: 2, healthyThreshold: 1 }
  })
  t.after(() => db.close())
  await db.connect()
  assert.deepEqual(db.replicaManager.eligible(), ['replica0'])

  // The round's replica probe answers at once; the primary's takes a 300 ms round trip.
  const round = db.replicaManager.refresh()
  await sleep(50)
  proxy.switchTo(await deadPort())
  // Fails on the replica (connection error), is retried on the primary, and marks the replica suspect.
  assert.equal(typeof await db.read.users.count(), 'number')
  await round
  assert.ok(!db.replicaManager.eligible().includes('replica0'), 'the dead replica stays out of the read rotation')
  assert.equal(db.replicaManager.checkReplicationLag()[0]!.reason, 'suspect')

  // The next round's own reading decides: it is unreachable.
  await db.replicaManager.refresh()
  assert.ok(!db.replicaManager.eligible().includes('replica0'))
  assert.equal(db.replicaManager.checkReplicationLag()[0]!.up, false)
})
