/**
 * The package as a plain Node service uses it: `npm run build` compiles to dist/, `exports` points
 * there, so `import … from 'stellarrec-gateway'` works in a .mjs file without tsx; and the compiled
 * server (what `npm start` runs) serves.
 */
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { spawn, spawnSync } from 'node:child_process'
import { mkdtempSync, mkdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { testEnv, userEnv } from '../helpers/env.js'

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..')

test('npm run build, then a plain Node service imports the library and the compiled server serves', { timeout: 180_000 }, async (t) => {
  const build = spawnSync(process.execPath, [path.join(repo, 'scripts/build.mjs')], { cwd: repo, encoding: 'utf8' })
  assert.equal(build.status, 0, build.stdout + build.stderr)

  const dir = mkdtempSync(path.join(os.tmpdir(), 'gateway-consumer-'))
  t.after(() => { rmSync(dir, { recursive: true, force: true }) })
  mkdirSync(path.join(dir, 'node_modules'))
  symlinkSync(repo, path.join(dir, 'node_modules', 'stellarrec-gateway'), 'dir')
  writeFileSync(path.join(dir, 'package.json'), JSON.stringify({ name: 'consumer', type: 'module', private: true }))
  writeFileSync(path.join(dir, 'app.mjs'), `
import { OptimizedDatabaseClient, createDatabaseConfig } from 'stellarrec-gateway'
const db = new OptimizedDatabaseClient(createDatabaseConfig())
await db.connect()
const n = await db.read.users.count()
const [u] = await db.cached.users.findMany({ take: 1, orderBy: { id: 'asc' } })
console.log(JSON.stringify({ n, id: u.id, stats: typeof db.getCacheStats }))
await db.close()
`)
  const run = spawnSync(process.execPath, ['app.mjs'], { cwd: dir, encoding: 'utf8', env: userEnv({ DATABASE_URL: testEnv().primaryUrl }) })
  assert.equal(run.status, 0, run.stdout + run.stderr)
  const out = JSON.parse(run.stdout.trim().split('\n').at(-1)!) as { n: number; id: number; stats: string }
  assert.ok(out.n > 0 && out.id === 1 && out.stats === 'function', run.stdout)

  const server = spawn(process.execPath, [path.join(repo, 'dist/src/server.js')], {
    cwd: dir, env: userEnv({ DATABASE_URL: testEnv().primaryUrl, PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'warn' }), stdio: ['ignore', 'pipe', 'pipe']
  })
  t.after(() => { if (server.exitCode === null) server.kill('SIGKILL') })
  let log = ''
  server.stdout.on('data', (d) => { log += String(d) })
  server.stderr.on('data', (d) => { log += String(d) })
  let base: string | undefined
  for (const deadline = Date.now() + 30_000; base === undefined && Date.now() < deadline && server.exitCode === null;) {
    base = /listening on (http:\/\/\S+)/.exec(log)?.[1]
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
  assert.ok(base, log)
  assert.equal((await fetch(`${base}/universities?limit=1`)).status, 200)
  assert.equal((await fetch(`${base}/graphiql/assets/graphiql-init.js`)).status, 200, 'static files are in dist too')
  server.kill('SIGTERM')
  await new Promise((resolve) => server.once('exit', resolve))
  assert.equal(server.exitCode, 0, log)
})
