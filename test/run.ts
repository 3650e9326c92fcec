/**
 * `npm test`: starts a PostgreSQL primary with two streaming replicas, migrates and seeds it, then
 * runs every `test/**\/*.test.ts` with node:test in one child process per file, one at a time.
 *
 *   tsx test/run.ts                                   all tests
 *   tsx test/run.ts test/core test/routes/users.test.ts   folders, files
 *   tsx test/run.ts cache                             files whose path contains "cache"
 *   tsx test/run.ts --test-name-pattern=lag test/core node:test options pass through
 *
 * Node 20 expands no globs in `--test` and `--test dir/` runs nothing, hence the explicit list.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { existsSync, readdirSync, statSync } from 'node:fs'
import net from 'node:net'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { migrate } from '../src/db/migrate.js'
import { seed } from '../src/db/seed.js'
import { destroyAllOwned } from '../src/embedded/owned-dirs.js'
import { startCluster, waitForReplay, type Cluster } from './helpers/cluster.js'
import { testRedisUrl } from './helpers/env.js'

const SEED_SCALE = 0.005
const testDir = path.dirname(fileURLToPath(import.meta.url))
const repoRoot = path.dirname(testDir)

function walk (dir: string): string[] {
  const found: string[] = []
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.name === 'node_modules' || entry.name.startsWith('.')) continue
    const full = path.join(dir, entry.name)
    if (entry.isDirectory()) found.push(...walk(full))
    else if (entry.isFile() && entry.name.endsWith('.test.ts')) found.push(full)
  }
  return found
}

/** Test files selected by the CLI arguments: paths (files or folders) or substrings of paths. */
function selectFiles (args: string[]): string[] {
  const all = walk(testDir).sort()
  if (args.length === 0) return all
  const picked = new Set<string>()
  for (const arg of args) {
    const full = path.resolve(arg)
    if (existsSync(full)) {
      const files = statSync(full).isDirectory() ? walk(full) : [full]
      for (const f of files) picked.add(f)
    } else {
      for (const f of all) if (path.relative(repoRoot, f).includes(arg)) picked.add(f)
    }
  }
  return [...picked].sort()
}

async function redisReachable (url: string): Promise<boolean> {
  const { hostname, port } = new URL(url)
  return await new Promise((resolve) => {
    const socket = net.connect({ host: hostname === '' ? '127.0.0.1' : hostname, port: Number(port === '' ? 6379 : port) })
    socket.setTimeout(2000)
    socket.once('connect', () => { socket.destroy(); resolve(true) })
    socket.once('timeout', () => { socket.destroy(); resolve(false) })
    socket.once('error', () => resolve(false))
  })
}

const seconds = (since: number): string => `${((Date.now() - since) / 1000).toFixed(1)}s`

let child: ChildProcess | undefined
let cluster: Cluster | undefined
let interrupted = false

for (const [signal, code] of [['SIGINT', 130], ['SIGTERM', 143], ['SIGHUP', 129]] as const) {
  process.on(signal, () => {
    child?.kill(signal)
    if (interrupted) return
    interrupted = true
    // Async, so the event loop keeps answering tsx's signal relay (it SIGKILLs silent children).
    // A cluster still starting is not in `cluster` yet: destroyAllOwned() covers it.
    void (cluster?.stop() ?? destroyAllOwned()).finally(() => process.exit(code))
  })
}

async function runTests (files: string[], nodeOptions: string[]): Promise<number> {
  const redisUrl = testRedisUrl()
  if (!await redisReachable(redisUrl)) console.warn(`warning: Redis does not answer at ${redisUrl}; tests that need it will fail`)

  const started = Date.now()
  cluster = await startCluster({ replicas: 2, handleSignals: false, log: (m) => console.log(`cluster: ${m}`) })
  console.log(`cluster: primary + ${cluster.replicas.length} streaming replicas started in ${seconds(started)} (${cluster.info.baseDir})`)

  const prepared = Date.now()
  const log = (m: string): void => console.log(`setup: ${m}`)
  await migrate(cluster.primary.url, { log })
  await seed(cluster.primary.url, { scale: SEED_SCALE, progress: false, log })
  const replicaUrls = cluster.replicas.map((r) => r.url)
  await waitForReplay(cluster.primary.url, replicaUrls)
  console.log(`setup: migrated, seeded (scale ${SEED_SCALE}) and replicated in ${seconds(prepared)}`)

  const env = {
    ...process.env,
    TEST_PRIMARY_URL: cluster.primary.url,
    TEST_REPLICA_URLS: replicaUrls.join(','),
    TEST_CLUSTER_INFO: JSON.stringify(cluster.info),
    REDIS_URL: redisUrl
  }
  const testArgs = ['--import', 'tsx', '--test', '--test-concurrency=1', '--test-reporter=spec',
    ...nodeOptions, ...files.map((f) => path.relative(repoRoot, f))]
  console.log(`running ${files.length} test file(s)`)
  const running = spawn(process.execPath, testArgs, { cwd: repoRoot, env, stdio: 'inherit' })
  child = running
  return await new Promise<number>((resolve) => {
    running.once('error', (err) => { console.error(err); resolve(1) })
    running.once('exit', (code, signal) => resolve(code ?? (signal === null ? 1 : 128 + (signal === 'SIGINT' ? 2 : 15))))
  })
}

async function main (): Promise<number> {
  const args = process.argv.slice(2)
  const files = selectFiles(args.filter((a) => !a.startsWith('--')))
  if (files.length === 0) {
    console.error(`no test files found${args.length > 0 ? ` for: ${args.join(' ')}` : ''} (looking for test/**/*.test.ts)`)
    return 1
  }
  try {
    return await runTests(files, args.filter((a) => a.startsWith('--')))
  } catch (err) {
    if (!interrupted) console.error(err)
    return 1
  } finally {
    await cluster?.stop()
  }
}

main().then((code) => {
  // An interrupted run exits from its signal handler once the cluster is gone.
  if (interrupted) return
  // Explicit exit: lingering handles (a pool a failed setup left open) must not keep the run alive.
  process.exit(code)
}, (err: unknown) => {
  console.error(err)
  process.exit(1)
})
