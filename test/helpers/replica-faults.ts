/**
 * Real faults for the replica tests (no mocks): pause WAL replay with SQL, stop nodes with the
 * cluster handles. Every fault registers its own undo on the test, so the shared cluster is whole
 * again for the next test file even when an assertion fails.
 */
import type { TestContext } from 'node:test'
import pg from 'pg'
import { clusterFromInfo, waitForReplay, type NodeHandle } from './cluster.js'
import { testEnv } from './env.js'
import { setTimeout as sleep } from 'node:timers/promises'

export { sleep }

/** Polls `check` until true; fails with `what` after `timeoutMs`. Returns the time it took. */
export async function waitUntil (what: string, check: () => boolean | Promise<boolean>, timeoutMs = 15_000, everyMs = 20): Promise<number> {
  const start = Date.now()
  while (Date.now() - start < timeoutMs) {
    if (await check()) return Date.now() - start
    await sleep(everyMs)
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`)
}

export async function sql<R extends pg.QueryResultRow = any> (url: string, text: string, values: unknown[] = []): Promise<R[]> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 5_000 })
  client.on('error', () => {})
  await client.connect()
  try {
    return (await client.query<R>(text, values)).rows
  } finally {
    await client.end().catch(() => {})
  }
}

/** Pauses WAL replay on a replica until the test ends (resumed even if it fails). */
export async function pauseReplay (t: TestContext, url: string): Promise<void> {
  t.after(async () => { await resumeReplay(url) })
  await sql(url, 'SELECT pg_wal_replay_pause()')
}

export async function resumeReplay (url: string): Promise<void> {
  await sql(url, 'SELECT pg_wal_replay_resume()')
}

export function cluster (): { primary: NodeHandle; replicas: NodeHandle[] } {
  return clusterFromInfo()
}

/**
 * Stops a node; when the test ends it is started again (if still down) and the replicas have
 * replayed everything, so the next test finds the cluster as it was.
 */
export async function stopNode (t: TestContext, node: NodeHandle, mode: 'fast' | 'immediate'): Promise<void> {
  t.after(async () => { await restoreCluster() })
  await node.stop(mode)
}

/** Starts every stopped node, resumes replay everywhere and waits until the replicas are current. */
export async function restoreCluster (): Promise<void> {
  const { primary, replicas } = clusterFromInfo()
  if (!primary.isRunning()) await primary.start()
  for (const r of replicas) if (!r.isRunning()) await r.start()
  const env = testEnv()
  for (const url of env.replicaUrls) await resumeReplay(url).catch(() => {})
  await waitForReplay(env.primaryUrl, env.replicaUrls)
}
