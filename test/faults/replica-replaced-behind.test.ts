/**
 * A replica's replay position only moves forward while that server lives. A node that restarts
 * (recovery resumes from its last restartpoint) or is replaced behind the same address can come
 * back behind what the gateway recorded; keeping the old, higher position let a read carrying a
 * consistency token be served stale. The replacement here is real: a TCP proxy in front of one
 * replica is switched to the other, whose replay is paused.
 */
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { randomUUID } from 'node:crypto'
import { OptimizedDatabaseClient, createDatabaseConfig, type ClientLogger } from '../../src/index.js'
import { compareLsn } from '../../src/replicas/index.js'
import { testEnv } from '../helpers/env.js'
import { pauseReplay, sleep, sql, waitUntil } from '../helpers/replica-faults.js'
import { startSwitchProxy } from '../helpers/switch-proxy.js'

const quiet: ClientLogger = { warn () {}, error () {}, info () {}, debug () {} }

test('a replica that comes back behind its recorded replay position never serves a token read stale', async (t) => {
  const { primaryUrl, replicaUrls } = testEnv()
  const [fresh, behind] = [new URL(replicaUrls[0]!), new URL(replicaUrls[1]!)]
  const proxy = await startSwitchProxy(fresh.hostname, Number(fresh.port))
  t.after(() => proxy.close())
  const viaProxy = new URL(fresh)
  viaProxy.port = String(proxy.port)

  const db = new OptimizedDatabaseClient(createDatabaseConfig({ url: primaryUrl, readUrls: [viaProxy.toString()], poolMax: 2 }, {}), {
    logger: quiet,
    // No background rounds: the test takes each reading itself.
    replicaHealth: { intervalMs: 60_000, maxLagMs: 60_000, unhealthyThreshold: 2, healthyThreshold: 1 }
  })
  let userId: number | undefined
  // after-hooks run in order: the row goes before the client closes.
  t.after(async () => {
    if (userId !== undefined) await db.primary.users.delete({ where: { id: userId } })
    await db.close()
  })
  await db.connect()

  await pauseReplay(t, behind.toString())
  const user = await db.primary.users.create({ data: { email: `replaced-${randomUUID()}@example.test`, name: 'Replaced' } })
  userId = user.id
  const token = db.lastKnownLsn()!
  await waitUntil('the proxied replica to replay the write', async () =>
    (await sql(fresh.toString(), 'SELECT pg_last_wal_replay_lsn() >= $1::pg_lsn AS ok', [token]))[0].ok === true)
  await db.replicaManager.refresh()
  assert.ok(db.replicaManager.eligible(token).includes('replica0'), 'fresh enough before the switch')

  // Same address, another server: one that has not replayed the write.
  proxy.switchTo(Number(behind.port))
  await sleep(100)
  await db.replicaManager.refresh()
  await db.replicaManager.refresh()
  const [status] = db.replicaManager.checkReplicationLag()
  assert.equal(status!.up, true, JSON.stringify(status))
  assert.ok(compareLsn(status!.replayLsn ?? undefined, token) < 0, `replay position ${status!.replayLsn} is the new server's, behind ${token}`)
  assert.ok(!db.replicaManager.eligible(token).includes('replica0'), 'not eligible for a token it has not replayed')

  for (let i = 0; i < 5; i++) {
    const read = await db.read.users.findUnique({ where: { id: user.id }, consistency: { minLsn: token } })
    assert.equal(read?.id, user.id, 'a read with the token sees the write')
  }
})
