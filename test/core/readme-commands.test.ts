/**
 * Every `curl` and `npm run report` command in the README's sh/bash blocks, run as written (the
 * one change: `localhost:3000` becomes the port the test server got) against the embedded default
 * (`npm start` without DATABASE_URL in a fresh folder), with the `export` lines the server prints.
 * A command fails the test on a non-zero exit or an HTTP status ≥ 400 (curl --fail-with-body).
 */
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { spawn, spawnSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { userEnv } from '../helpers/env.js'

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..')
const tsx = import.meta.resolve('tsx')

/** Commands of the README's shell blocks, continuation lines joined. */
export function readmeCommands (markdown: string): string[] {
  const out: string[] = []
  let inShell = false
  let pending = ''
  for (const line of markdown.split('\n')) {
    if (/^```(sh|bash)\s*$/.test(line)) { inShell = true; continue }
    if (line.startsWith('```')) { inShell = false; continue }
    if (!inShell) continue
    pending = pending === '' ? line : `${pending}\n${line}`
    if (/\\\s*$/.test(line) || (pending.split("'").length - 1) % 2 === 1) continue
    out.push(pending)
    pending = ''
  }
  return out
}

test('the README\'s commands run as written against the embedded default', { timeout: 240_000 }, async (t) => {
  const all = readmeCommands(readFileSync(path.join(repo, 'README.md'), 'utf8'))
  const runnable = all.filter((c) => /^(TOKEN=|APP=)?\$?\(?curl |^TOKEN=|^APP=|^curl |^npm run report/.test(c.trim()))
  assert.ok(runnable.length >= 15, `found ${runnable.length} runnable commands of ${all.length}`)

  const dir = mkdtempSync(path.join(os.tmpdir(), 'gateway-readme-'))
  const env = userEnv()
  const server = spawn(process.execPath, ['--import', tsx, path.join(repo, 'src/server.ts')], { cwd: dir, env: { ...env, PORT: '0', LOG_LEVEL: 'warn' }, stdio: ['ignore', 'pipe', 'pipe'] })
  let out = ''
  server.stdout.on('data', (d) => { out += String(d) })
  server.stderr.on('data', (d) => { out += String(d) })
  t.after(async () => {
    if (server.exitCode === null) { server.kill('SIGTERM'); await new Promise((resolve) => server.once('exit', resolve)) }
    rmSync(dir, { recursive: true, force: true })
  })
  for (const deadline = Date.now() + 120_000; !/export DATABASE_URL=/.test(out);) {
    if (server.exitCode !== null || Date.now() > deadline) assert.fail(`the server did not start:\n${out}`)
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
  const port = /listening on http:\/\/127\.0\.0\.1:(\d+)/.exec(out)![1]!
  const exports = out.split('\n').filter((l) => /^ {2}export (ADMIN_TOKEN|DATABASE_URL)=/.test(l)).map((l) => l.trim())
  assert.equal(exports.length, 2, out)

  const script = [
    'set -euo pipefail',
    // Any HTTP error fails the command (the README's own flags are kept).
    'curl () { command curl --fail-with-body "$@"; }',
    `cd ${JSON.stringify(repo)}`,
    ...exports,
    ...runnable.flatMap((c, i) => [`echo "### ${i}"`, c.replaceAll('localhost:3000', `localhost:${port}`)])
  ].join('\n')
  const file = path.join(dir, 'readme.sh')
  writeFileSync(file, script)
  const r = spawnSync('bash', [file], { encoding: 'utf8', env: { ...env, PATH: process.env.PATH ?? '' }, timeout: 120_000 })
  const failedAt = /### (\d+)\n(?![^]*### )/.exec(r.stdout)?.[1]
  assert.equal(r.status, 0, `command ${failedAt === undefined ? '?' : runnable[Number(failedAt)]} failed:\n${r.stdout.slice(-2000)}\n${r.stderr.slice(-2000)}`)
  assert.match(r.stdout, /"Ada"/, 'the read-your-writes example sees the new name')
  assert.match(r.stdout, /"status":"submitted"/, 'the draft application was submitted')
})
