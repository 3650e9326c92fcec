/**
 * Cache benchmark (SPEC §7, issue 4): the same GETs measured side by side in one run against
 *   - the gateway with the cache on (L1 + Redis), and with L1 only (no REDIS_URL),
 *   - the same gateway with CACHE_ENABLED=false,
 *   - plain Fastify + pg running the same SELECT (the baseline without the gateway),
 *   - plain Fastify returning static JSON (the framework's ceiling).
 *
 *   tsx load/cache-bench.ts [--duration 8] [--connections 32]
 *
 * DATABASE_URL: the database to use (migrated and seeded by this script when empty); without it a
 * throw-away PostgreSQL is started from the embedded binaries. REDIS_URL: default
 * redis://127.0.0.1:6379/15, keys under a random prefix that is removed afterwards. The servers run
 * in a child process, autocannon in this one, one target at a time.
 */
import { spawn } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { createInterface } from 'node:readline'
import { fileURLToPath } from 'node:url'
import autocannon from 'autocannon'
import pg from 'pg'
import { migrate } from '../src/db/migrate.js'
import { seed } from '../src/db/seed.js'
import { dropPrefix } from '../test/cache/helpers/cache-app.js'
import { serveTargets, type Targets } from './cache-bench-servers.js'

const arg = (name: string, def: number): number => {
  const i = process.argv.indexOf(`--${name}`)
  return i >= 0 ? Number(process.argv[i + 1]) : def
}

interface Row { target: string; path: string; rps: number; p50: number; p99: number; errors: number; non2xx: number }

async function bench (url: string, paths: string[], duration: number, connections: number): Promise<Omit<Row, 'target' | 'path'>> {
  const r = await autocannon({ url, connections, duration, pipelining: 1, requests: paths.map((path) => ({ method: 'GET', path })) })
  return { rps: Math.round(r.requests.average), p50: r.latency.p50, p99: r.latency.p99, errors: r.errors + r.timeouts, non2xx: r.non2xx }
}

async function prepareDatabase (): Promise<{ url: string; stop: () => Promise<void> }> {
  if (process.env.DATABASE_URL) {
    const url = process.env.DATABASE_URL
    const c = new pg.Client({ connectionString: url })
    await c.connect()
    const has = await c.query("SELECT to_regclass('public.users') IS NOT NULL AS has")
    await c.end()
    await migrate(url, {})
    if (!has.rows[0]?.has) await seed(url, { scale: 0.01, progress: false })
    return { url, stop: async () => {} }
  }
  const { startCluster } = await import('../test/helpers/cluster.js')
  const cluster = await startCluster({ replicas: 0 })
  await migrate(cluster.primary.url, {})
  await seed(cluster.primary.url, { scale: 0.01, progress: false })
  return { url: cluster.primary.url, stop: () => cluster.stop() }
}

async function main (): Promise<void> {
  if (process.argv.includes('--serve')) {
    const targets = await serveTargets(process.env.DATABASE_URL!, process.env.REDIS_URL!, process.env.CACHE_KEY_PREFIX!)
    console.log(JSON.stringify(targets))
    return
  }
  const duration = arg('duration', 8)
  const connections = arg('connections', 32)
  const redisUrl = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379/15'
  const prefix = `bench${randomBytes(3).toString('hex')}:`
  const db = await prepareDatabase()
  const child = spawn(process.execPath, ['--import', 'tsx', fileURLToPath(import.meta.url), '--serve'], {
    env: { ...process.env, DATABASE_URL: db.url, REDIS_URL: redisUrl, CACHE_KEY_PREFIX: prefix }, stdio: ['ignore', 'pipe', 'inherit']
  })
  try {
    const targets = await new Promise<Targets>((resolve, reject) => {
      createInterface({ input: child.stdout! }).once('line', (line) => resolve(JSON.parse(line) as Targets))
      child.once('exit', (code) => reject(new Error(`server process exited with ${code}`)))
    })
    const c = new pg.Client({ connectionString: db.url })
    await c.connect()
    const ids = (await c.query('SELECT id FROM users ORDER BY id LIMIT 100')).rows.map((r: { id: string }) => Number(r.id))
    await c.end()
    const scenarios: Array<{ name: string; paths: string[]; plain: string[] }> = [
      { name: 'GET /users/:id (100 ids)', paths: ids.map((id) => `/users/${id}`), plain: ids.map((id) => `/plain/users/${id}`) },
      { name: 'GET /universities?limit=20', paths: ['/universities?limit=20'], plain: ['/plain/universities'] }
    ]
    const rows: Row[] = []
    const run = async (target: string, url: string, path: string, paths: string[]): Promise<void> => {
      await bench(url, paths, 1, connections) // warm-up (fills the cache, JIT)
      const r = await bench(url, paths, duration, connections)
      rows.push({ target, path, ...r })
      console.error(`${target.padEnd(24)} ${path.padEnd(28)} ${String(r.rps).padStart(7)} req/s  p50 ${r.p50} ms  p99 ${r.p99} ms  errors ${r.errors}  non-2xx ${r.non2xx}`)
    }
    for (const s of scenarios) {
      await run('gateway, cache on', targets.cacheOn, s.name, s.paths)
      await run('gateway, cache L1 only', targets.cacheL1, s.name, s.paths)
      await run('gateway, cache off', targets.cacheOff, s.name, s.paths)
      await run('plain Fastify + pg', targets.plain, s.name, s.plain)
    }
    await run('plain Fastify, static', targets.plain, 'GET /static', ['/static'])
    const ceiling = rows.at(-1)!.rps
    console.log(`\nnode ${process.version}, ${duration}s per run, ${connections} connections, autocannon in a separate process\n`)
    console.log('| target | request | req/s | p50 ms | p99 ms | errors | vs cache off | vs static ceiling |')
    console.log('|---|---|---:|---:|---:|---:|---:|---:|')
    for (const r of rows) {
      const off = rows.find((o) => o.path === r.path && o.target === 'gateway, cache off')
      const ratio = off && r.target !== 'plain Fastify, static' ? `${(r.rps / off.rps).toFixed(2)}×` : '—'
      console.log(`| ${r.target} | ${r.path} | ${r.rps} | ${r.p50} | ${r.p99} | ${r.errors + r.non2xx} | ${ratio} | ${(r.rps / ceiling).toFixed(2)} |`)
    }
  } finally {
    child.kill('SIGTERM')
    await dropPrefix(redisUrl, prefix)
    await db.stop()
  }
}

main().then(() => { if (!process.argv.includes('--serve')) process.exit(0) }, (err: unknown) => { console.error(err); process.exit(1) })
