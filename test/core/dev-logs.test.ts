/**
 * Development logs: on a terminal, pino-pretty and one line per request; JSON otherwise. The
 * terminal is a real pseudo-terminal (util-linux `script`, part of Debian's bsdutils).
 */
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { appOptions, prettyLogs } from '../../src/app-options.js'
import { loadConfig } from '../../src/config/load.js'
import { testEnv, userEnv } from '../helpers/env.js'

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..')

test('pretty logs only on a terminal outside production and tests', () => {
  const { config } = loadConfig({ env: { DATABASE_URL: 'postgres://x@h/db' } })
  assert.equal(prettyLogs(config, true), true)
  assert.equal(prettyLogs(config, false), false)
  assert.equal(prettyLogs({ NODE_ENV: 'production' }, true), false)
  const pretty = appOptions(config, { isTTY: true })
  assert.ok(pretty.logController !== undefined, 'request logging is ours (one line)')
  assert.equal((pretty.logger as { transport?: { target: string } }).transport?.target, 'pino-pretty')
  const json = appOptions(config, { isTTY: false })
  assert.equal(json.logController, undefined)
  assert.equal((json.logger as { transport?: unknown }).transport, undefined)
})

test('on a terminal: one pretty line per request, no JSON', { timeout: 60_000 }, async () => {
  const env = userEnv({ DATABASE_URL: testEnv().primaryUrl, PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'info', NO_COLOR: '1' })
  const cmd = `${process.execPath} --import tsx src/server.ts`
  const child = spawn('script', ['-qfec', cmd, '/dev/null'], { cwd: repo, env, stdio: ['pipe', 'pipe', 'pipe'] })
  let out = ''
  child.stdout.on('data', (d) => { out += String(d) })
  const deadline = Date.now() + 45_000
  let base: string | undefined
  while (base === undefined && Date.now() < deadline && child.exitCode === null) {
    base = /listening on (http:\/\/[\d.]+:\d+)/.exec(out)?.[1]
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
  assert.ok(base, out)
  for (let i = 0; i < 3; i++) assert.equal((await fetch(`${base}/universities?limit=1`)).status, 200)
  await new Promise((resolve) => setTimeout(resolve, 500))
  child.kill('SIGTERM')
  await new Promise((resolve) => child.once('exit', resolve))
  const lines = out.split(/\r?\n/)
  const requests = lines.filter((l) => l.includes('/universities?limit=1'))
  assert.equal(requests.length, 3, out)
  for (const l of requests) assert.match(l, /INFO.*GET \/universities\?limit=1 → 200 in [\d.]+ ms/)
  assert.equal(lines.filter((l) => l.trimStart().startsWith('{"level"')).length, 0, 'no JSON lines on a terminal')
})
