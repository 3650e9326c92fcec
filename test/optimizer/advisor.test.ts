/**
 * Index advice against the machine's PostgreSQL 15 (the only server here with hypopg), on a
 * scratch database migrated by the gateway and dropped at the end. The workload runs through the
 * app's own client, so it is recorded exactly as production records it.
 */
import { after, before, test, type TestContext } from 'node:test'
import assert from 'node:assert/strict'
import pg from 'pg'
import type { FastifyInstance } from 'fastify'
import { adminHeaders, buildTestApp, cleanup } from '../helpers/app.js'
import { createScratchDatabase, pg15Reachable, type ScratchDatabase } from './helpers/pg15.js'

const unreachable = await pg15Reachable()
if (unreachable !== undefined) console.warn(unreachable)
const skip = unreachable ?? false

let db: ScratchDatabase
before(async () => { if (skip === false) db = await createScratchDatabase(100_000) })
after(async () => { await db?.drop() })

interface Suggestion {
  id: string; index: string; kind: string; method: string; columns: string[]; statement: string; prerequisites: string[]; validated: boolean
  costBefore: number; costAfter: number; saving: number; loadShare: number; estimatedBytes: number; notes: string[]
  fingerprints: Array<{ fingerprint: string; query: string; loadShare: number }>
  writeOverhead: { writesPerMinute: number | null; scansPerMinute: number }
}
interface Advice {
  hypopg: boolean; pgTrgm: string; suggestions: Suggestion[]; skipped: Array<{ query: string; reason: string }>
  applied: Array<{ id: string; index: string; verification: { used: boolean; valid: boolean | null; nodes: Array<{ node: string; idxScan: number | null }>; faster: boolean | null; statements: Array<{ before: { calls: number; meanMs: number | null }; after: { calls: number; meanMs: number | null }; faster: boolean | null }> } }>
}

async function appOn (t: TestContext): Promise<FastifyInstance> {
  await db.query('CREATE EXTENSION IF NOT EXISTS hypopg')
  return await buildTestApp(t, { env: { DATABASE_URL: db.url, OPTIMIZER_MIN_TABLE_SIZE: '1mb', OPTIMIZER_LOCK_TIMEOUT_MS: '300', SLOW_QUERY_THRESHOLD: '60000' } })
}

async function advice (app: FastifyInstance): Promise<Advice> {
  const res = await app.inject({ url: '/admin/index-suggestions', headers: adminHeaders })
  assert.equal(res.statusCode, 200, res.body)
  return res.json() as Advice
}

async function apply (app: FastifyInstance, body: Record<string, unknown>) {
  return await app.inject({ method: 'POST', url: '/admin/indexes/apply', headers: adminHeaders, payload: body })
}

const byCity = async (app: FastifyInstance, n: number) => {
  for (let i = 0; i < n; i++) await app.db.read.universities.findMany({ where: { city: `City ${(i * 7) % 4000}` }, take: 20 })
}
const byCountry = async (app: FastifyInstance, n: number) => {
  for (let i = 0; i < n; i++) await app.db.read.universities.findMany({ where: { country: `Country ${i % 40}` }, take: 20 })
}
const cityAdvice = (a: Advice) => a.suggestions.find((s) => s.columns[0] === 'city' && s.method === 'btree')

async function planOf (sql: string, values: unknown[]): Promise<string> {
  const { rows } = await db.query(`EXPLAIN (FORMAT JSON) ${sql}`, values)
  return JSON.stringify(rows[0]['QUERY PLAN'])
}

test('a workload filtering on an unindexed column yields a validated suggestion; a covered column yields none', { skip }, async (t) => {
  const app = await appOn(t)
  await byCity(app, 30)
  await byCountry(app, 30)
  const a = await advice(app)
  assert.equal(a.hypopg, true)
  const s = cityAdvice(a)
  assert.ok(s, JSON.stringify(a.suggestions.map((x) => x.statement)))
  assert.equal(s.validated, true)
  assert.match(s.statement, /^CREATE INDEX CONCURRENTLY "universities_city[a-z_0-9]*" ON "public"\."universities" USING btree \("city"/)
  assert.match(s.id, /^[0-9a-f]{16}$/)
  assert.ok(s.costBefore >= 100 && s.costAfter <= s.costBefore / 2, `${s.costBefore} → ${s.costAfter}`)
  assert.ok(s.fingerprints.some((f) => f.query.includes('"city" = $1')))
  assert.ok(s.loadShare > 0 && s.loadShare <= 1)
  assert.ok(s.estimatedBytes > 0)
  assert.ok(s.writeOverhead.scansPerMinute > 0)
  // country is served by universities_country_id_idx: nothing suggested for its statement.
  assert.ok(!a.suggestions.some((x) => x.fingerprints.some((f) => f.query.includes('"country" = $1'))))
  assert.ok(a.skipped.some((x) => x.query.includes('"country" = $1')), JSON.stringify(a.skipped))
  // Same analysis twice: same ids (stable), and hypopg left no real index behind.
  assert.equal(cityAdvice(await advice(app))!.id, s.id)
  const { rows } = await db.query("SELECT count(*)::int AS n FROM pg_indexes WHERE tablename = 'universities' AND indexname LIKE '%city%'")
  assert.equal(rows[0].n, 0)
})

test('the same workload without hypopg yields an unvalidated suggestion estimated from pg_stats', { skip }, async (t) => {
  const app = await appOn(t)
  await db.query('DROP EXTENSION hypopg')
  t.after(async () => { await db.query('CREATE EXTENSION IF NOT EXISTS hypopg') })
  await byCity(app, 30)
  const a = await advice(app)
  assert.equal(a.hypopg, false)
  const s = cityAdvice(a)
  assert.ok(s, JSON.stringify(a))
  assert.equal(s.validated, false)
  assert.ok(s.notes.some((n) => n.includes('pg_stats')))
  assert.ok(s.costAfter <= s.costBefore / 2)
})

test('contains on universities yields a trigram suggestion when pg_trgm is available', { skip }, async (t) => {
  const app = await appOn(t)
  for (let i = 0; i < 20; i++) await app.db.read.universities.findMany({ where: { name: { contains: `place ${12345 + i * 17}` } }, take: 20 })
  const a = await advice(app)
  const available = (await db.query("SELECT 1 FROM pg_available_extensions WHERE name = 'pg_trgm'")).rows.length > 0
  const trgm = a.suggestions.find((s) => s.kind === 'trigram')
  if (!available) {
    assert.equal(a.pgTrgm, 'absent')
    assert.equal(trgm, undefined)
    return
  }
  assert.ok(trgm, JSON.stringify(a))
  assert.equal(trgm.method, 'gin')
  assert.deepEqual(trgm.columns, ['name'])
  assert.match(trgm.statement, /USING gin \("name" gin_trgm_ops\)$/)
  assert.ok(trgm.fingerprints.some((f) => f.query.includes('ILIKE $1')))
  if (a.pgTrgm === 'available') assert.deepEqual(trgm.prerequisites, ['CREATE EXTENSION IF NOT EXISTS pg_trgm'])
  // hypopg cannot simulate GIN: the trigram saving is an estimate and says so.
  assert.equal(trgm.validated, false)
})

test('POST /admin/indexes/apply needs confirm: true and a known id', { skip }, async (t) => {
  const app = await appOn(t)
  assert.equal((await app.inject({ method: 'POST', url: '/admin/indexes/apply', payload: { id: '0123456789abcdef', confirm: true } })).statusCode, 401)
  for (const body of [{ id: '0123456789abcdef' }, { id: '0123456789abcdef', confirm: false }, { confirm: true }, { id: 'x; DROP TABLE users', confirm: true }]) {
    const res = await apply(app, body)
    assert.equal(res.statusCode, 400, res.body)
    assert.equal(res.json().code, 'GW_ERR_VALIDATION')
  }
  const res = await apply(app, { id: '0123456789abcdef', confirm: true })
  assert.equal(res.statusCode, 404, res.body)
  assert.equal(res.json().code, 'GW_ERR_NOT_FOUND')
})

test('an applied suggestion changes the plan, and the verify report shows it used and the statement faster', { skip }, async (t) => {
  const app = await appOn(t)
  await byCity(app, 40)
  const s = cityAdvice(await advice(app))
  assert.ok(s)
  cleanup(app, async () => { await db.query(`DROP INDEX IF EXISTS "${s.index}"`) })
  const sample = (await app.db.read.universities.findMany({ where: { city: 'City 5' }, take: 20 })).length
  assert.ok(sample > 0)
  const statementSql = "SELECT id FROM universities WHERE city = $1 ORDER BY id LIMIT 20"
  assert.ok(!(await planOf(statementSql, ['City 5'])).includes(s.index))

  const res = await apply(app, { id: s.id, confirm: true })
  assert.equal(res.statusCode, 200, res.body)
  assert.equal(res.json().status, 'created')
  assert.equal((await apply(app, { id: s.id, confirm: true })).json().status, 'exists')
  const valid = await db.query('SELECT x.indisvalid FROM pg_index x WHERE x.indexrelid = to_regclass($1)', [s.index])
  assert.equal(valid.rows[0]?.indisvalid, true)
  assert.ok((await planOf(statementSql, ['City 5'])).includes(s.index), 'the plan now uses the index')
  const stored = await db.query('SELECT index_name FROM gateway_index_applications WHERE id = $1', [s.id])
  assert.equal(stored.rows[0]?.index_name, s.index)

  await byCity(app, 40)
  // idx_scan reaches pg_stat_user_indexes when the backends flush their statistics (within ~10 s idle).
  let entry: Advice['applied'][number] | undefined
  for (let i = 0; i < 30; i++) {
    entry = (await advice(app)).applied.find((x) => x.id === s.id)
    if (entry?.verification.used === true) break
    await new Promise((resolve) => setTimeout(resolve, 1_000))
  }
  assert.ok(entry, 'the application is listed')
  const v = entry.verification
  assert.equal(v.used, true, JSON.stringify(v.nodes))
  assert.equal(v.valid, true)
  assert.deepEqual(v.nodes.map((n) => n.node), ['primary'])
  const st = v.statements[0]!
  assert.ok(st.before.calls >= 40 && st.after.calls >= 40, JSON.stringify(st))
  assert.ok(st.after.meanMs! < st.before.meanMs!, JSON.stringify(st))
  assert.equal(v.faster, true)
})

test('a failing build is reported as an INVALID index and dropped on request', { skip }, async (t) => {
  const app = await appOn(t)
  for (let i = 0; i < 30; i++) await app.db.read.universities.findMany({ where: { ranking: (i * 37) % 2000 }, take: 20 })
  const s = (await advice(app)).suggestions.find((x) => x.columns[0] === 'ranking' && x.method === 'btree')
  assert.ok(s)
  cleanup(app, async () => { await db.query(`DROP INDEX IF EXISTS "${s.index}"`) })
  // An open writing transaction: the concurrent build waits for it, and lock_timeout (300 ms) ends the wait.
  const blocker = new pg.Client({ connectionString: db.url })
  await blocker.connect()
  try {
    await blocker.query('BEGIN')
    await blocker.query('UPDATE universities SET is_active = is_active WHERE id = 1')
    const failed = await apply(app, { id: s.id, confirm: true })
    assert.equal(failed.statusCode, 409, failed.body)
    const body = failed.json()
    assert.equal(body.code, 'GW_ERR_CONFLICT')
    assert.equal(body.details.reason, 'build-failed-invalid')
    assert.equal(body.details.dropStatement, `DROP INDEX CONCURRENTLY IF EXISTS "public"."${s.index}"`)
    const state = await db.query('SELECT x.indisvalid FROM pg_index x WHERE x.indexrelid = to_regclass($1)', [s.index])
    assert.equal(state.rows[0]?.indisvalid, false)
    const again = await apply(app, { id: s.id, confirm: true })
    assert.equal(again.statusCode, 409)
    assert.equal(again.json().details.reason, 'invalid-index')
  } finally {
    await blocker.query('ROLLBACK')
    await blocker.end()
  }
  const dropped = await apply(app, { id: s.id, confirm: true, dropInvalid: true })
  assert.equal(dropped.statusCode, 200, dropped.body)
  assert.equal(dropped.json().status, 'dropped')
  assert.equal((await db.query('SELECT to_regclass($1) AS r', [s.index])).rows[0].r, null)
})
