/** createDatabaseConfig and maskUrl: precedence, defaults, and errors that name the variable. */
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { createDatabaseConfig, maskUrl } from '../../src/index.js'
import { poolOptions } from '../../src/pools/create-pool.js'

const URL_A = 'postgres://gw:secret@db-a:5432/app'

function configError (fn: () => unknown, message: RegExp): void {
  assert.throws(fn, (err: any) => {
    assert.equal(err.code, 'GW_ERR_CONFIG')
    assert.match(err.message, message)
    assert.ok(!err.message.includes('secret'), 'values are never echoed')
    return true
  })
}

test('defaults apply when only DATABASE_URL is set', () => {
  assert.deepEqual(createDatabaseConfig({}, { DATABASE_URL: URL_A }), {
    primaryUrl: URL_A,
    readUrls: [],
    pool: { min: 2, max: 20, idleTimeoutMillis: 30_000, connectionTimeoutMillis: 5_000 },
    readStrategy: 'round-robin',
    statementTimeoutMillis: 30_000,
    applicationName: 'stellarrec-gateway',
    monitoring: { enabled: true, slowQueryThresholdMs: 500 },
    cache: { enabled: true, keyPrefix: 'sr:', ttlSeconds: 300, staleTtlSeconds: 60, maxMemory: '64mb', compression: true, redisTimeoutMs: 100, dbNotify: false }
  })
})

test('cache settings are read from the gateway\'s own variables (REDIS_URL, CACHE_*); bad ones are named', () => {
  const c = createDatabaseConfig({}, { DATABASE_URL: URL_A, REDIS_URL: 'redis://cache:6379/2', CACHE_TTL: '60', CACHE_MAX_MEMORY: '16mb', CACHE_ENABLE_COMPRESSION: 'false', CACHE_KEY_PREFIX: 'app:', CACHE_DB_NOTIFY: 'true' })
  assert.deepEqual(c.cache, { enabled: true, redisUrl: 'redis://cache:6379/2', keyPrefix: 'app:', ttlSeconds: 60, staleTtlSeconds: 60, maxMemory: '16mb', compression: false, redisTimeoutMs: 100, dbNotify: true })
  assert.equal(createDatabaseConfig({ cache: false }, { DATABASE_URL: URL_A, CACHE_ENABLED: 'true' }).cache?.enabled, false, 'explicit input wins')
  assert.equal(createDatabaseConfig({}, { DATABASE_URL: URL_A, CACHE_ENABLED: 'false' }).cache?.enabled, false)
  configError(() => createDatabaseConfig({}, { DATABASE_URL: URL_A, REDIS_URL: 'http://secret@x' }), /REDIS_URL must be a redis:\/\/ or rediss:\/\/ URL/)
  configError(() => createDatabaseConfig({}, { DATABASE_URL: URL_A, CACHE_MAX_MEMORY: 'lots' }), /CACHE_MAX_MEMORY must be a size/)
  configError(() => createDatabaseConfig({}, { DATABASE_URL: URL_A, CACHE_TTL: '0' }), /CACHE_TTL must be an integer from 1/)
})

test('monitoring settings are read from MONITORING_ENABLED and SLOW_QUERY_THRESHOLD; bad ones are named', () => {
  const c = createDatabaseConfig({}, { DATABASE_URL: URL_A, MONITORING_ENABLED: 'false', SLOW_QUERY_THRESHOLD: '250' })
  assert.deepEqual(c.monitoring, { enabled: false, slowQueryThresholdMs: 250 })
  assert.throws(() => createDatabaseConfig({}, { DATABASE_URL: URL_A, MONITORING_ENABLED: 'yes' }), /MONITORING_ENABLED must be true or false/)
  assert.throws(() => createDatabaseConfig({}, { DATABASE_URL: URL_A, SLOW_QUERY_THRESHOLD: '-1' }), /SLOW_QUERY_THRESHOLD must be an integer/)
})

test('environment variables are read; explicit input wins over them', () => {
  const env = {
    DATABASE_URL: URL_A,
    DATABASE_READ_URLS: ' postgres://r1/app , postgresql://r2/app ,',
    DB_POOL_MIN: '1',
    DB_POOL_MAX: '8',
    DB_POOL_IDLE_TIMEOUT: '1000',
    DB_POOL_CONNECTION_TIMEOUT: '250',
    DB_READ_STRATEGY: 'latency',
    DB_STATEMENT_TIMEOUT: '0'
  }
  const fromEnv = createDatabaseConfig({}, env)
  assert.deepEqual(fromEnv.readUrls, ['postgres://r1/app', 'postgresql://r2/app'])
  assert.deepEqual(fromEnv.pool, { min: 1, max: 8, idleTimeoutMillis: 1000, connectionTimeoutMillis: 250 })
  assert.equal(fromEnv.readStrategy, 'latency')
  assert.equal(fromEnv.statementTimeoutMillis, 0)
  const explicit = createDatabaseConfig({ url: 'postgres://other/db', readUrls: [], poolMax: 3, readStrategy: 'round-robin' }, env)
  assert.equal(explicit.primaryUrl, 'postgres://other/db')
  assert.deepEqual(explicit.readUrls, [])
  assert.equal(explicit.pool.max, 3)
  assert.equal(explicit.readStrategy, 'round-robin')
  // An undefined option (e.g. an unset config value passed through) falls back to the env.
  assert.equal(createDatabaseConfig({ url: undefined }, env).primaryUrl, URL_A)
})

test('bad values are GW_ERR_CONFIG naming the variable and the expected form', () => {
  configError(() => createDatabaseConfig({}, {}), /DATABASE_URL is not set: it must be a postgres:\/\/ connection URL/)
  configError(() => createDatabaseConfig({}, { DATABASE_URL: '' }), /DATABASE_URL is not set/)
  configError(() => createDatabaseConfig({}, { DATABASE_URL: 'mysql://gw:secret@h/db' }), /DATABASE_URL must be a postgres:\/\/ connection URL/)
  configError(() => createDatabaseConfig({}, { DATABASE_URL: URL_A, DATABASE_READ_URLS: 'postgres://a/b,secret' }), /DATABASE_READ_URLS must be comma-separated postgres:\/\/ URLs/)
  configError(() => createDatabaseConfig({}, { DATABASE_URL: URL_A, DB_POOL_MAX: 'many' }), /DB_POOL_MAX must be an integer from 1 to 1000/)
  configError(() => createDatabaseConfig({}, { DATABASE_URL: URL_A, DB_POOL_MIN: '-1' }), /DB_POOL_MIN must be an integer from 0 to 1000/)
  configError(() => createDatabaseConfig({}, { DATABASE_URL: URL_A, DB_POOL_MIN: '9', DB_POOL_MAX: '4' }), /DB_POOL_MIN \(9\) must not exceed DB_POOL_MAX \(4\)/)
  configError(() => createDatabaseConfig({}, { DATABASE_URL: URL_A, DB_POOL_IDLE_TIMEOUT: '1.5' }), /DB_POOL_IDLE_TIMEOUT must be an integer/)
  configError(() => createDatabaseConfig({}, { DATABASE_URL: URL_A, DB_POOL_CONNECTION_TIMEOUT: '0' }), /DB_POOL_CONNECTION_TIMEOUT must be an integer from 1/)
  configError(() => createDatabaseConfig({}, { DATABASE_URL: URL_A, DB_READ_STRATEGY: 'random' }), /DB_READ_STRATEGY must be one of round-robin, least-connections, latency/)
  configError(() => createDatabaseConfig({ url: URL_A, poolMax: 0 }), /option poolMax must be an integer from 1 to 1000/)
  configError(() => createDatabaseConfig({ url: URL_A, applicationName: 'x; drop' }), /option applicationName must be/)
})

test('maskUrl hides passwords in URLs and in malformed strings', () => {
  assert.equal(maskUrl(URL_A), 'postgres://gw:***@db-a:5432/app')
  assert.equal(maskUrl('postgres://db-a/app?sslmode=require&password=secret'), 'postgres://db-a/app?sslmode=require&password=***')
  assert.equal(maskUrl('postgres://gw@db-a/app'), 'postgres://gw@db-a/app')
  assert.ok(!maskUrl('postgres://gw:sec ret@db a/app').includes('sec'))
})

test('pool options carry sizing, the node name and the statement timeout', () => {
  const config = createDatabaseConfig({ url: URL_A, poolMin: 1, poolMax: 7, statementTimeoutMillis: 1500 }, {})
  const opts = poolOptions(config, URL_A, 'replica1')
  assert.equal(opts.min, 1)
  assert.equal(opts.max, 7)
  assert.equal(opts.idleTimeoutMillis, 30_000)
  assert.equal(opts.connectionTimeoutMillis, 5_000)
  assert.equal(opts.application_name, 'stellarrec-gateway:replica1')
  assert.equal(opts.options, '-c statement_timeout=1500')
  assert.ok(opts.types, 'per-pool type parsers, not the global pg.types')
  assert.equal(poolOptions(createDatabaseConfig({ url: URL_A, statementTimeoutMillis: 0 }, {}), URL_A, 'primary').options, undefined)
})
