/**
 * The test harness itself: a primary with streaming hot standbys that replicate, refuse writes,
 * pause and resume replay, and come back after a crash. Other suites rely on all of this.
 */
import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import pg from 'pg'
import { clusterFromInfo, waitForReplay } from '../helpers/cluster.js'
import { testEnv } from '../helpers/env.js'

const PROBE = 'test_cluster_probe'

async function connect (url: string): Promise<pg.Client> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 5000 })
  client.on('error', () => {})
  await client.connect()
  return client
}

/** Polls until `check` holds; replication is asynchronous, so tests wait for it, never sleep. */
async function eventually (what: string, check: () => Promise<boolean>, timeoutMs = 20_000): Promise<void> {
  const until = Date.now() + timeoutMs
  while (Date.now() < until) {
    if (await check()) return
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
  assert.fail(`timed out waiting for ${what}`)
}

async function sees (client: pg.Client, id: number): Promise<boolean> {
  const { rowCount } = await client.query(`SELECT 1 FROM ${PROBE} WHERE id = $1`, [id])
  return rowCount === 1
}

async function insertProbe (primary: pg.Client, note: string): Promise<{ id: number, lsn: string }> {
  const { rows } = await primary.query<{ id: number }>(`INSERT INTO ${PROBE} (note) VALUES ($1) RETURNING id`, [note])
  const { rows: [pos] } = await primary.query<{ lsn: string }>('SELECT pg_current_wal_lsn()::text AS lsn')
  return { id: rows[0]?.id ?? -1, lsn: pos?.lsn ?? '0/0' }
}

describe('test cluster', () => {
  const env = testEnv()
  let primary: pg.Client
  let replicas: pg.Client[]

  before(async () => {
    primary = await connect(env.primaryUrl)
    await primary.query(`CREATE TABLE IF NOT EXISTS ${PROBE} (id int GENERATED ALWAYS AS IDENTITY PRIMARY KEY, note text NOT NULL)`)
    await waitForReplay(env.primaryUrl, env.replicaUrls)
    replicas = await Promise.all(env.replicaUrls.map(connect))
  })

  after(async () => {
    await Promise.all([primary, ...replicas].map(async (c) => await c.end().catch(() => {})))
    // A fresh connection: a failed primary-restart test may have left `primary` closed.
    const cleanup = await connect(env.primaryUrl)
    await cleanup.query(`DROP TABLE IF EXISTS ${PROBE}`)
    await cleanup.end()
  })

  test('has two replicas in recovery, streaming from the primary', async () => {
    assert.equal(replicas.length, 2)
    const { rows: [p] } = await primary.query<{ r: boolean }>('SELECT pg_is_in_recovery() AS r')
    assert.equal(p?.r, false)
    for (const replica of replicas) {
      const { rows: [r] } = await replica.query<{ r: boolean }>('SELECT pg_is_in_recovery() AS r')
      assert.equal(r?.r, true)
    }
    const { rows } = await primary.query<{ state: string }>('SELECT state FROM pg_stat_replication')
    assert.deepEqual(rows.map((r) => r.state), ['streaming', 'streaming'])
  })

  test('a row written on the primary appears on every replica', async () => {
    const { id } = await insertProbe(primary, 'replicated')
    for (const [i, replica] of replicas.entries()) {
      await eventually(`replica ${i + 1} to see row ${id}`, async () => await sees(replica, id))
    }
  })

  test('a write on a replica fails as read-only', async () => {
    for (const replica of replicas) {
      await assert.rejects(replica.query(`INSERT INTO ${PROBE} (note) VALUES ('nope')`),
        (err: { code?: string }) => err.code === '25006')
    }
  })

  test('pausing WAL replay hides new rows until replay resumes', async (t) => {
    const [paused, other] = replicas as [pg.Client, pg.Client]
    await paused.query('SELECT pg_wal_replay_pause()')
    t.after(async () => { await paused.query('SELECT pg_wal_replay_resume()') })
    await eventually('replay to pause', async () => {
      const { rows: [r] } = await paused.query<{ state: string }>('SELECT pg_get_wal_replay_pause_state() AS state')
      return r?.state === 'paused'
    })

    const { id, lsn } = await insertProbe(primary, 'while paused')
    await eventually('the other replica to see the row', async () => await sees(other, id))
    // The paused replica has received the WAL with the row but not applied it.
    await eventually('the paused replica to receive the WAL', async () => {
      const { rows: [r] } = await paused.query<{ ok: boolean }>('SELECT pg_last_wal_receive_lsn() >= $1::pg_lsn AS ok', [lsn])
      return r?.ok === true
    })
    assert.equal(await sees(paused, id), false)

    await paused.query('SELECT pg_wal_replay_resume()')
    await eventually('the resumed replica to catch up', async () => await sees(paused, id))
  })

  test('a replica stopped with mode immediate comes back streaming and catches up', async (t) => {
    const nodes = clusterFromInfo()
    const node = nodes.replicas[0]
    assert.ok(node !== undefined)
    t.after(async () => { if (!node.isRunning()) await node.start() })

    await node.stop('immediate')
    assert.equal(node.isRunning(), false)
    await assert.rejects(connect(node.url))
    const { id } = await insertProbe(primary, 'while down')

    await node.start()
    const { rows } = await primary.query('SELECT 1 FROM pg_stat_replication WHERE application_name = $1 AND state = $2', [node.name, 'streaming'])
    assert.equal(rows.length, 1)
    const again = await connect(node.url)
    t.after(async () => { await again.end() })
    await eventually('the restarted replica to see the row', async () => await sees(again, id))
  })

  test('replicas keep serving reads while the primary is down and stream again after it restarts', async (t) => {
    const node = clusterFromInfo().primary
    t.after(async () => { if (!node.isRunning()) await node.start() })
    const { id } = await insertProbe(primary, 'before primary stop')
    await waitForReplay(env.primaryUrl, env.replicaUrls)
    await primary.end()

    await node.stop('fast')
    const readers = await Promise.all(env.replicaUrls.map(connect))
    t.after(async () => { await Promise.all(readers.map(async (c) => await c.end())) })
    for (const reader of readers) assert.equal(await sees(reader, id), true)

    await node.start()
    primary = await connect(env.primaryUrl)
    const { rows } = await primary.query<{ state: string }>('SELECT state FROM pg_stat_replication')
    assert.deepEqual(rows.map((r) => r.state), ['streaming', 'streaming'])
    const after = await insertProbe(primary, 'after primary restart')
    for (const reader of readers) await eventually('a replica to see a row written after the restart', async () => await sees(reader, after.id))
  })
})
