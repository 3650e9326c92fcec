/**
 * The first hour of a new user (issue: first-run UX): `npm start` without DATABASE_URL in a fresh
 * folder — bound to 127.0.0.1, secrets that survive a restart, copy-pasteable exports — and the
 * start-up failures a user meets (a second start, a busy port) as one clear line each.
 */
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { spawn, spawnSync, type ChildProcess } from 'node:child_process'
import pg from 'pg'
import { once } from 'node:events'
import { mkdtempSync, rmSync, statSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { testEnv, userEnv } from '../helpers/env.js'

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..')
const server = path.join(repo, 'src/server.ts')
// The server runs in a scratch folder (its ./.data), which has no node_modules: tsx by URL.
const tsx = import.meta.resolve('tsx')

interface Run { child: ChildProcess; out: () => string }

const cleanEnv = (env: Record<string, string>): Record<string, string> => userEnv({ LOG_LEVEL: 'warn', ...env })

function start (cwd: string, env: Record<string, string>): Run {
  const child = spawn(process.execPath, ['--import', tsx, server], { cwd, env: cleanEnv(env), stdio: ['ignore', 'pipe', 'pipe'] })
  let out = ''
  child.stdout!.on('data', (d) => { out += String(d) })
  child.stderr!.on('data', (d) => { out += String(d) })
  return { child, out: () => out }
}

async function until (run: Run, pattern: RegExp, ms = 90_000): Promise<RegExpExecArray> {
  const deadline = Date.now() + ms
  for (;;) {
    const m = pattern.exec(run.out())
    if (m !== null) return m
    if (run.child.exitCode !== null) assert.fail(`exited (${run.child.exitCode}) before ${pattern}:\n${run.out()}`)
    if (Date.now() > deadline) assert.fail(`no ${pattern} within ${ms} ms:\n${run.out()}`)
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
}

async function exitOf (run: Run): Promise<number | null> {
  if (run.child.exitCode !== null) return run.child.exitCode
  const [code] = await once(run.child, 'exit')
  return code as number | null
}

test('npm start without DATABASE_URL: 127.0.0.1, kept secrets, exports; a second start and a busy port fail in one line', { timeout: 240_000 }, async (t) => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'gateway-first-run-'))
  const runs: Run[] = []
  t.after(async () => {
    for (const r of runs) if (r.child.exitCode === null) { r.child.kill('SIGTERM'); await exitOf(r) }
    rmSync(dir, { recursive: true, force: true })
  })
  const first = start(dir, { PORT: '0' })
  runs.push(first)
  const [, host, port] = await until(first, /listening on http:\/\/([\d.]+):(\d+)/)
  assert.equal(host, '127.0.0.1', 'the embedded default binds this machine only')
  const token = (await until(first, /^ {2}export ADMIN_TOKEN=(\S+)$/m))[1]!
  const url = (await until(first, /^ {2}export DATABASE_URL=(postgres:\/\/postgres:[^@\s*]+@127\.0\.0\.1:\d+\/stellarrec)$/m))[1]!
  assert.equal(statSync(path.join(dir, '.data/secrets.json')).mode & 0o777, 0o600)
  const health = await fetch(`http://127.0.0.1:${port}/admin/health`, { headers: { authorization: `Bearer ${token}` } })
  assert.equal(health.status, 200, 'the printed token is the admin token')

  // Another process writes (here a plain pg client on the exported URL, as a library script would):
  // the server's cached GET /users/1 must not keep the old name (CACHE_DB_NOTIFY is on by default here).
  const user = `http://127.0.0.1:${port}/users/1`
  const name0 = (await (await fetch(user)).json() as { name: string }).name
  assert.equal((await fetch(user)).headers.get('x-cache'), 'HIT', 'cached')
  const other = new pg.Client({ connectionString: url })
  await other.connect()
  await other.query('UPDATE users SET name = $1 WHERE id = 1', [`${name0} (other process)`])
  await other.end()
  let seen = name0
  for (const deadline = Date.now() + 5_000; seen === name0 && Date.now() < deadline;) {
    await new Promise((resolve) => setTimeout(resolve, 50))
    seen = (await (await fetch(user)).json() as { name: string }).name
  }
  assert.equal(seen, `${name0} (other process)`, 'the write from another process reached the server\'s cache')

  // npm run db:migrate without DATABASE_URL uses the running gateway's embedded database.
  const migrate = spawnSync(process.execPath, ['--import', tsx, path.join(path.dirname(server), 'cli/migrate.ts')], { cwd: dir, env: cleanEnv({}), encoding: 'utf8' })
  assert.equal(migrate.status, 0, migrate.stdout + migrate.stderr)
  assert.match(migrate.stdout, /using the embedded PostgreSQL of the running gateway[^]*schema is up to date/)

  const second = start(dir, { PORT: '0' })
  runs.push(second)
  assert.equal(await exitOf(second), 1)
  const lines = second.out().trim().split('\n')
  assert.match(lines.at(-1)!, new RegExp(`is in use by process ${first.child.pid!}.*stop pid ${first.child.pid!}.*set DATABASE_URL`))
  assert.doesNotMatch(second.out(), /\n\s+at /, 'no stack trace')

  const busy = start(dir, { PORT: port!, HOST: '127.0.0.1', DATABASE_URL: testEnv().primaryUrl })
  runs.push(busy)
  assert.equal(await exitOf(busy), 1)
  const busyOut = busy.out().trim().split('\n').filter((l) => !l.startsWith('{'))
  assert.equal(busyOut.length, 1, busy.out())
  assert.match(busyOut[0]!, new RegExp(`^Port ${port!} on 127\\.0\\.0\\.1 is already in use by process ${first.child.pid!}: set PORT`))

  first.child.kill('SIGTERM')
  assert.equal(await exitOf(first), 0)
  const again = start(dir, { PORT: '0' })
  runs.push(again)
  assert.equal((await until(again, /^ {2}export ADMIN_TOKEN=(\S+)$/m))[1], token, 'the token survives a restart')
  assert.equal((await until(again, /^ {2}export DATABASE_URL=(\S+)$/m))[1], url)
  again.child.kill('SIGTERM')
  assert.equal(await exitOf(again), 0)
})
