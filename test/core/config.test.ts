import { test } from 'node:test'
import assert from 'node:assert/strict'
import { execFile } from 'node:child_process'
import { promisify } from 'node:util'
import { writeFile, mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { loadConfig, parseSize } from '../../src/config/load.js'

const bad: Array<[Record<string, string>, RegExp]> = [
  [{ PORT: 'eighty' }, /^Invalid configuration: PORT must be a TCP port/],
  [{ PORT: '70000' }, /PORT/],
  [{ DB_POOL_MAX: '0' }, /DB_POOL_MAX must be an integer from 1 to 1000/],
  [{ DB_POOL_MIN: '50', DB_POOL_MAX: '10' }, /DB_POOL_MIN \(50\) must not exceed DB_POOL_MAX \(10\)/],
  [{ DATABASE_URL: 'mysql://root@localhost/db' }, /DATABASE_URL must be a postgres:\/\/ connection URL/],
  [{ DATABASE_READ_URLS: 'postgres://a/b,,nope' }, /DATABASE_READ_URLS/],
  [{ DB_READ_STRATEGY: 'random' }, /DB_READ_STRATEGY must be one of round-robin, least-connections, latency/],
  [{ CACHE_ENABLED: 'sometimes' }, /CACHE_ENABLED must be true or false/],
  [{ CACHE_MAX_MEMORY: 'lots' }, /CACHE_MAX_MEMORY must be a size/],
  [{ ALERT_ERROR_RATE: '5' }, /ALERT_ERROR_RATE must be a number from 0 to 1/],
  [{ ADMIN_TOKEN: 'short' }, /ADMIN_TOKEN must be a secret of at least 16 characters/],
  [{ REDIS_URL: 'localhost:6379' }, /REDIS_URL must be a redis:\/\//]
]

test('configuration: each bad value stops with one line naming the variable', () => {
  for (const [env, message] of bad) {
    assert.throws(() => loadConfig({ env }), (err: Error & { code?: string }) => {
      assert.equal(err.code, 'GW_ERR_CONFIG')
      assert.match(err.message, message)
      assert.doesNotMatch(err.message, /\n/, 'one line')
      return true
    }, JSON.stringify(env))
  }
})

test('configuration: a password in a bad URL is never echoed', () => {
  assert.throws(() => loadConfig({ env: { DATABASE_URL: 'mysql://u:s3cret-pass@h/db' } }), (err: Error) => !err.message.includes('s3cret'))
})

test('configuration: defaults, types and did-you-mean hints', () => {
  const { config, warnings } = loadConfig({ env: { DB_POL_MAX: '5', CACHE_TTL: '60', CACHE_ENABLED: 'false', DATABASE_READ_URLS: 'postgres://a/b, postgres://c/d' } })
  assert.equal(config.PORT, 3000)
  assert.equal(config.DB_POOL_MAX, 20)
  assert.equal(config.CACHE_TTL, 60)
  assert.equal(config.CACHE_ENABLED, false)
  assert.equal(config.DB_READ_STRATEGY, 'round-robin')
  assert.deepEqual(warnings, ['Unknown setting DB_POL_MAX: did you mean DB_POOL_MAX?'])
  assert.equal(parseSize('64mb'), 64 * 1024 * 1024)
  assert.equal(parseSize('512kb'), 512 * 1024)
  assert.equal(parseSize('1000'), 1000)
})

test('configuration: .env is read and real environment variables win', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'gw-env-'))
  t.after(() => rm(dir, { recursive: true, force: true }))
  const file = join(dir, '.env')
  await writeFile(file, 'PORT=4100\nCACHE_TTL=42\n')
  const { config } = loadConfig({ env: { CACHE_TTL: '7' }, dotenv: file })
  assert.equal(config.PORT, 4100)
  assert.equal(config.CACHE_TTL, 7)
})

test('configuration: npm start with a bad value exits 1 with the message and no stack', async () => {
  const run = promisify(execFile)
  await assert.rejects(run(process.execPath, ['--import', 'tsx', 'src/server.ts'], { env: { ...process.env, DATABASE_URL: 'postgres://x/y', DB_POOL_MAX: 'many' }, timeout: 30_000 }),
    (err: { code: number; stderr: string }) => {
      assert.equal(err.code, 1)
      assert.equal(err.stderr.trim(), 'Invalid configuration: DB_POOL_MAX must be an integer from 1 to 1000')
      return true
    })
})
