/**
 * Replica routing benchmark (SPEC §7, issue 3), side by side in one run on one cluster:
 *   - a plain pg.Pool on replica0 running the same SQL (the baseline without the gateway);
 *   - the library client routing to replica0 only: raw SQL through the router (the cost of the
 *     routing layer itself), and the model delegate (plus the query compiler);
 *   - the client over both replicas (round-robin), and with a consistency token on every read;
 * then failover: reads under load while a replica crashes (time out of rotation, failed reads),
 * and writes while the primary is down (time to a 503).
 *
 *   tsx load/replica-bench.ts [--duration 5] [--concurrency 32]
 *
 * Starts a throw-away primary + 2 streaming replicas from the embedded binaries.
 */
import { performance } from 'node:perf_hooks'
import pg from 'pg'
import { OptimizedDatabaseClient, createDatabaseConfig, compileFindUnique, models, type ClientLogger } from '../src/index.js'
import { migrate } from '../src/db/migrate.js'
import { seed } from '../src/db/seed.js'
import { startCluster, waitForReplay } from '../test/helpers/cluster.js'

const arg = (name: string, def: number): number => {
  const i = process.argv.indexOf(`--${name}`)
  return i >= 0 ? Number(process.argv[i + 1]) : def
}
const quiet: ClientLogger = { warn () {}, error () {}, info () {}, debug () {} }
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms))

interface Result { name: string; ops: number; p50: number; p99: number; errors: number }

async function load (name: string, seconds: number, concurrency: number, op: (i: number) => Promise<unknown>): Promise<Result> {
  const latencies: number[] = []
  let errors = 0
  const until = performance.now() + seconds * 1000
  await Promise.all(Array.from({ length: concurrency }, async (_, w) => {
    for (let i = w; performance.now() < until; i += concurrency) {
      const start = performance.now()
      try { await op(i) } catch { errors++ }
      latencies.push(performance.now() - start)
    }
  }))
  latencies.sort((a, b) => a - b)
  const pct = (p: number): number => Math.round((latencies[Math.min(latencies.length - 1, Math.floor(latencies.length * p))] ?? 0) * 100) / 100
  return { name, ops: Math.round(latencies.length / seconds), p50: pct(0.5), p99: pct(0.99), errors }
}

function client (primaryUrl: string, readUrls: string[], intervalMs = 1000): OptimizedDatabaseClient {
  return new OptimizedDatabaseClient(createDatabaseConfig({ url: primaryUrl, readUrls, poolMax: 10, poolMin: 0 }, {}), {
    logger: quiet, replicaHealth: { intervalMs }
  })
}

async function main (): Promise<void> {
  const seconds = arg('duration', 5)
  const concurrency = arg('concurrency', 32)
  console.log(`starting a primary + 2 replicas; ${seconds} s per run, ${concurrency} concurrent reads`)
  const cluster = await startCluster({ replicas: 2 })
  try {
    const primaryUrl = cluster.primary.url
    const replicaUrls = cluster.replicas.map((r) => r.url)
    await migrate(primaryUrl, {})
    await seed(primaryUrl, { scale: 0.01, progress: false })
    await waitForReplay(primaryUrl, replicaUrls)
    const idPool = new pg.Pool({ connectionString: primaryUrl, max: 1 })
    const ids = (await idPool.query<{ id: string }>('SELECT id FROM users ORDER BY id LIMIT 1000')).rows.map((r) => Number(r.id))
    await idPool.end()
    const id = (i: number): number => ids[i % ids.length] as number
    const sql = compileFindUnique(models.users, { where: { id: 1 } }).text

    const results: Result[] = []
    const plain = new pg.Pool({ connectionString: replicaUrls[0], max: 10 })
    const one = client(primaryUrl, [replicaUrls[0]!])
    const two = client(primaryUrl, replicaUrls)
    await Promise.all([one.connect(), two.connect(), plain.query('SELECT 1')])
    const writer = two.session()
    await writer.primary.users.update({ where: { id: id(0) }, data: { name: 'bench' } })
    const token = writer.lastCommitLsn!
    await waitForReplay(primaryUrl, replicaUrls)
    // Warm-up, then alternate the targets twice so drift on the machine hits every target alike.
    await load('warm-up', 1, concurrency, (i) => plain.query(sql, [id(i)]))
    for (let round = 0; round < 2; round++) {
      results.push(await load('plain pg.Pool on replica0', seconds, concurrency, (i) => plain.query(sql, [id(i)])))
      results.push(await load('client.query(sql, { target: read }) → replica0 (router + executor)', seconds, concurrency, (i) => one.query(sql, [id(i)], { target: 'read' })))
      results.push(await load('client db.read.users.findUnique → replica0 (+ query compiler)', seconds, concurrency, (i) => one.read.users.findUnique({ where: { id: id(i) } })))
      results.push(await load('client → 2 replicas, round-robin', seconds, concurrency, (i) => two.read.users.findUnique({ where: { id: id(i) } })))
      results.push(await load('client → 2 replicas, with a token', seconds, concurrency, (i) => two.read.users.findUnique({ where: { id: id(i) }, consistency: { minLsn: token } })))
    }
    await Promise.all([plain.end(), one.close(), two.close()])
    printThroughput(results)
    await failover(primaryUrl, replicaUrls, cluster, concurrency, id)
  } finally {
    // Seen once: a pooled connection of an already closed client reported the shutdown's
    // "terminating connection" (57P01) with no listener left. It must not fail the run's teardown.
    process.on('uncaughtException', (err: { code?: string }) => { if (err.code !== '57P01') throw err })
    await cluster.stop()
  }
}

function printThroughput (results: Result[]): void {
  const byName = new Map<string, Result[]>()
  for (const r of results) byName.set(r.name, [...(byName.get(r.name) ?? []), r])
  const base = avg(byName.get('plain pg.Pool on replica0')!.map((r) => r.ops))
  console.log('\n| target | reads/s | p50 ms | p99 ms | errors | vs plain pool |\n|---|---|---|---|---|---|')
  for (const [name, rs] of byName) {
    const ops = avg(rs.map((r) => r.ops))
    console.log(`| ${name} | ${ops} | ${avg(rs.map((r) => r.p50))} | ${avg(rs.map((r) => r.p99))} | ${rs.reduce((s, r) => s + r.errors, 0)} | ${(ops / base).toFixed(2)} |`)
  }
}

const avg = (xs: number[]): number => Math.round(xs.reduce((s, x) => s + x, 0) / xs.length * 100) / 100

async function failover (primaryUrl: string, replicaUrls: string[], cluster: Awaited<ReturnType<typeof startCluster>>, concurrency: number, id: (i: number) => number): Promise<void> {
  for (const intervalMs of [200, 1000]) {
    const db = client(primaryUrl, replicaUrls, intervalMs)
    await db.connect()
    let stopAt = 0
    let outAt = 0
    db.replicaManager.on('stateChange', (c) => { if (c.node === 'replica1' && c.to === 'out-of-rotation') outAt = performance.now() })
    const run = load('reads during a replica crash', 3, concurrency, (i) => db.read.users.findUnique({ where: { id: id(i) } }))
    await sleep(1000)
    stopAt = performance.now()
    await cluster.replicas[1]!.stop('immediate')
    const died = performance.now()
    const r = await run
    const restartAt = performance.now()
    await cluster.replicas[1]!.start()
    const streaming = performance.now()
    while (db.replicaManager.checkReplicationLag()[1]!.state !== 'in-rotation') await sleep(10)
    console.log(`\nreplica crash (REPLICA_HEALTH_INTERVAL_MS=${intervalMs}): pg_ctl stop -m immediate took ${Math.round(died - stopAt)} ms; ` +
      `out of rotation ${Math.round(outAt - died)} ms after it died; ${r.errors} failed reads of ${r.ops * 3} (p99 ${r.p99} ms); ` +
      `back in rotation ${Math.round(performance.now() - streaming)} ms after it streamed again (restart ${Math.round(streaming - restartAt)} ms)`)

    const stopped = performance.now()
    await cluster.primary.stop('fast')
    const down = performance.now()
    const t0 = performance.now()
    const first = await db.primary.users.update({ where: { id: id(1) }, data: { name: 'x' } }).then(() => 'ok', (e: { code: string }) => e.code)
    const firstMs = performance.now() - t0
    while (db.replicaManager.primaryState() !== 'down') await sleep(5)
    const seen = performance.now()
    const reads = await load('reads with the primary down', 1, 8, (i) => db.read.users.findUnique({ where: { id: id(i) } }))
    console.log(`primary stop (interval ${intervalMs} ms): stop took ${Math.round(down - stopped)} ms; first write → ${first} in ${firstMs.toFixed(1)} ms; ` +
      `seen down ${Math.round(seen - down)} ms after it stopped; reads meanwhile: ${reads.ops}/s, ${reads.errors} errors`)
    await cluster.primary.start()
    await db.close()
  }
}

main().then(() => process.exit(0), (err: unknown) => { console.error(err); process.exit(1) })
