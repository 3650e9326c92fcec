import { test } from 'node:test'
import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { once } from 'node:events'
import { testEnv } from '../helpers/env.js'

test('server: starts on DATABASE_URL, answers, and exits cleanly on SIGTERM', async (t) => {
  const { primaryUrl } = testEnv()
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/server.ts'], {
    env: { ...process.env, DATABASE_URL: primaryUrl, DATABASE_READ_URLS: '', PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'info', REDIS_URL: '', ADMIN_TOKEN: '' },
    stdio: ['ignore', 'pipe', 'pipe']
  })
  t.after(() => { if (child.exitCode === null) child.kill('SIGKILL') })
  let out = ''
  child.stdout.on('data', (d) => { out += String(d) })
  child.stderr.on('data', (d) => { out += String(d) })

  const deadline = Date.now() + 60_000
  let base: string | undefined
  while (!base && Date.now() < deadline) {
    base = /listening on (http:\/\/\S+)/.exec(out)?.[1]
    if (child.exitCode !== null) assert.fail(`server exited early:\n${out}`)
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
  assert.ok(base, `server printed its URL:\n${out}`)
  assert.match(out, /Admin token \S{20,} \(generated/, 'a generated admin token is printed')
  assert.doesNotMatch(out, /postgres:\/\/[^:\s]+:[^*@\s]+@/, 'no password in the output')

  const res = await fetch(`${base}/universities?limit=1`)
  assert.equal(res.status, 200)

  child.kill('SIGTERM')
  const [code] = await once(child, 'exit')
  assert.equal(code, 0, out)
  assert.match(out, /"signal":"SIGTERM".*closing/)
})
