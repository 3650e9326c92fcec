/**
 * The schema from sql/ on the test primary (migrated and seeded by test/run.ts): the registry
 * contract, partitions, constraints, the materialized view, and the seed's determinism.
 * Checks that write run inside a rolled-back transaction, so the shared data set is unchanged.
 */
import assert from 'node:assert/strict'
import { test, type TestContext } from 'node:test'
import pg from 'pg'
import { migrate } from '../../src/db/migrate.js'
import { SEED_TABLES, seed } from '../../src/db/seed.js'
import { models, modelNames, type ModelDef } from '../../src/models/registry.js'
import { testEnv } from '../helpers/env.js'

async function connect (t: TestContext, url = testEnv().primaryUrl): Promise<pg.Client> {
  const client = new pg.Client({ connectionString: url })
  client.on('error', () => {})
  await client.connect()
  t.after(async () => await client.end())
  return client
}

/** A short-lived client, closed before returning (for databases the test drops afterwards). */
async function withClient<T> (url: string, body: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url })
  client.on('error', () => {})
  await client.connect()
  try {
    return await body(client)
  } finally {
    await client.end()
  }
}

async function queryRows<T extends pg.QueryResultRow> (client: pg.Client, sql: string, params: unknown[] = []): Promise<T[]> {
  return (await client.query<T>(sql, params)).rows
}

/** Runs `body` in a transaction that is always rolled back. */
async function rolledBack (client: pg.Client, body: () => Promise<void>): Promise<void> {
  await client.query('BEGIN')
  try {
    await body()
  } finally {
    await client.query('ROLLBACK')
  }
}

/** Asserts `sql` fails with SQLSTATE `code` (or one of them), under a savepoint so the transaction goes on. */
async function rejects (client: pg.Client, code: string | string[], sql: string, params: unknown[] = []): Promise<void> {
  const codes = typeof code === 'string' ? [code] : code
  await client.query('SAVEPOINT expect_error')
  await assert.rejects(client.query(sql, params), (err: { code?: string }) => {
    assert.ok(codes.includes(err.code ?? ''), `${sql} failed with ${err.code ?? 'no code'}, expected ${codes.join(' or ')}`)
    return true
  })
  await client.query('ROLLBACK TO SAVEPOINT expect_error')
}

function utcMonth (offset: number): string {
  const now = new Date()
  const d = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() + offset, 1))
  return `${d.getUTCFullYear()}${String(d.getUTCMonth() + 1).padStart(2, '0')}`
}

async function partitionsOf (client: pg.Client, parent: string): Promise<string[]> {
  const rows = await queryRows<{ name: string }>(client,
    'SELECT inhrelid::regclass::text AS name FROM pg_inherits WHERE inhparent = $1::regclass ORDER BY 1', [parent])
  return rows.map((r) => r.name)
}

test('tables and columns match the model registry', async (t) => {
  const client = await connect(t)
  for (const name of modelNames) {
    const model: ModelDef = models[name]
    // pg_attribute rather than information_schema: it also lists materialized views.
    const columns = await queryRows<{ column: string, notnull: boolean }>(client, `
      SELECT attname AS column, attnotnull AS notnull FROM pg_attribute
      WHERE attrelid = $1::regclass AND attnum > 0 AND NOT attisdropped`, [model.table])
    const fields: Array<{ column: string, nullable?: boolean }> = Object.values(model.fields)
    assert.deepEqual(columns.map((c) => c.column).sort(), fields.map((f) => f.column).sort(), `${model.table} columns`)
    // A unique key of a partitioned table must contain the partition key: theirs is (id, <key>).
    const primaryKey = model.partitioning === undefined ? [model.primaryKey] : [model.primaryKey, model.partitioning.key]
    const uniqueKeys = model.readOnly === true ? [] : [primaryKey, ...(model.unique ?? [])]
    for (const key of uniqueKeys) {
      const wanted = key.map((f) => model.fields[f]?.column)
      const found = await queryRows(client, `
        SELECT 1 FROM pg_index i
        WHERE i.indrelid = $1::regclass AND i.indisunique
          AND (SELECT array_agg(a.attname::text ORDER BY k.ord)
               FROM unnest(i.indkey) WITH ORDINALITY AS k(attnum, ord)
               JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.attnum) = $2::text[]`,
      [model.table, wanted])
      assert.equal(found.length, 1, `${model.table} unique (${wanted.join(', ')})`)
    }
    if (model.readOnly === true) continue
    for (const field of fields) {
      const column = columns.find((c) => c.column === field.column)
      assert.equal(column?.notnull, field.nullable !== true, `${model.table}.${field.column} nullability`)
    }
  }
})

test('notifications and audit_logs have monthly partitions from 12 months back to 3 ahead, and a default', async (t) => {
  const client = await connect(t)
  for (const table of [models.notifications.table, models.auditLogs.table]) {
    const parts = await partitionsOf(client, table)
    for (const offset of [-12, -1, 0, 1, 2, 3]) {
      assert.ok(parts.includes(`${table}_p${utcMonth(offset)}`), `${table}_p${utcMonth(offset)} exists`)
    }
    assert.ok(parts.includes(`${table}_default`), `${table}_default exists`)
    assert.ok(parts.filter((p) => /_p\d{6}$/.test(p)).length >= 16, `${table} has 16 monthly partitions`)

    // The month boundary is UTC whatever the session time zone.
    await rolledBack(client, async () => {
      await client.query("SET LOCAL TimeZone = 'Pacific/Kiritimati'")
      const [bound] = await queryRows<{ bound: string }>(client,
        "SELECT pg_get_expr(relpartbound, oid) AS bound FROM pg_class WHERE oid = $1::regclass", [`${table}_p${utcMonth(0)}`])
      const start = new Date(Date.UTC(new Date().getUTCFullYear(), new Date().getUTCMonth(), 1))
      const [shown] = await queryRows<{ text: string }>(client, 'SELECT $1::timestamptz::text AS text', [start])
      assert.ok(bound?.bound.includes(`FROM ('${shown?.text ?? ''}')`), `${bound?.bound ?? ''} starts at ${start.toISOString()}`)
    })
  }
})

test('new rows land in the current month partition', async (t) => {
  const client = await connect(t)
  await rolledBack(client, async () => {
    const [row] = await queryRows<{ part: string }>(client, `
      INSERT INTO notifications (user_id, kind) SELECT min(id), 'test' FROM users
      RETURNING tableoid::regclass::text AS part`)
    assert.equal(row?.part, `notifications_p${utcMonth(0)}`)
    const [audit] = await queryRows<{ part: string }>(client, `
      INSERT INTO audit_logs (action, entity, entity_id) VALUES ('update', 'users', 1)
      RETURNING tableoid::regclass::text AS part`)
    assert.equal(audit?.part, `audit_logs_p${utcMonth(0)}`)
  })
})

test('gateway_ensure_monthly_partitions is idempotent and checks its parent', async (t) => {
  const client = await connect(t)
  const rows = await queryRows(client,
    "SELECT gateway_ensure_monthly_partitions('notifications', (now() AT TIME ZONE 'UTC')::date, (now() AT TIME ZONE 'UTC')::date + 60)")
  assert.deepEqual(rows, [], 'existing months are not created again')
  await rolledBack(client, async () => {
    await rejects(client, '22023', "SELECT gateway_ensure_monthly_partitions('users', current_date, current_date)")
    await rejects(client, '22023', "SELECT gateway_ensure_monthly_partitions('activity_events', current_date, current_date)")
  })
})

test('activity_events is hash-partitioned into 16 partitions', async (t) => {
  const client = await connect(t)
  const parts = await partitionsOf(client, models.activityEvents.table)
  assert.deepEqual(parts, Array.from({ length: 16 }, (_, i) => `activity_events_p${String(i).padStart(2, '0')}`))
  const [strategy] = await queryRows<{ partstrat: string }>(client,
    "SELECT partstrat FROM pg_partitioned_table WHERE partrelid = 'activity_events'::regclass")
  assert.equal(strategy?.partstrat, 'h')
})

test('re-running the migrations applies nothing', async () => {
  const { applied } = await migrate(testEnv().primaryUrl)
  assert.deepEqual(applied, [])
})

test('constraints reject bad rows', async (t) => {
  const client = await connect(t)
  await rolledBack(client, async () => {
    const [user] = await queryRows<{ id: string, email: string }>(client,
      "SELECT id, email FROM users WHERE role = 'student' AND EXISTS (SELECT 1 FROM applications a WHERE a.user_id = users.id) ORDER BY id LIMIT 1")
    const [app] = await queryRows<{ id: string, user_id: string, program_id: string }>(client,
      'SELECT a.id, a.user_id, a.program_id FROM applications a WHERE EXISTS (SELECT 1 FROM recommendations r WHERE r.application_id = a.id) ORDER BY id LIMIT 1')
    const [rec] = await queryRows<{ application_id: string, recommender_id: string }>(client,
      'SELECT application_id, recommender_id FROM recommendations ORDER BY id LIMIT 1')
    assert.ok(user !== undefined && app !== undefined && rec !== undefined, 'the seed made users, applications and recommendations')

    // Foreign keys (23503). ON DELETE RESTRICT: 23503 up to PostgreSQL 17, 23001 from 18 on.
    const restrict = ['23503', '23001']
    await rejects(client, '23503', 'INSERT INTO applications (user_id, program_id) VALUES (-1, $1)', [app.program_id])
    await rejects(client, '23503', 'INSERT INTO applications (user_id, program_id) VALUES ($1, -1)', [user.id])
    await rejects(client, '23503', 'INSERT INTO recommendations (application_id, recommender_id) VALUES (-1, $1)', [rec.recommender_id])
    await rejects(client, '23503', 'INSERT INTO notifications (user_id, kind) VALUES (-1, $1)', ['test'])
    await rejects(client, restrict, 'DELETE FROM users WHERE id = $1', [user.id])
    await rejects(client, restrict, 'DELETE FROM programs WHERE id = $1', [app.program_id])

    // Unique constraints (23505).
    await rejects(client, '23505', "INSERT INTO users (email, name) VALUES ($1, 'Copy')", [user.email])
    await rejects(client, '23505', 'INSERT INTO applications (user_id, program_id) VALUES ($1, $2)', [app.user_id, app.program_id])
    await rejects(client, '23505', 'INSERT INTO recommendations (application_id, recommender_id) VALUES ($1, $2)',
      [rec.application_id, rec.recommender_id])

    // Enumerations (23514) and NOT NULL (23502).
    await rejects(client, '23514', "INSERT INTO users (email, name, role) VALUES ('x@example.test', 'X', 'root')")
    await rejects(client, '23514', "UPDATE applications SET status = 'lost' WHERE id = $1", [app.id])
    await rejects(client, '23514', "UPDATE recommendations SET status = 'lost' WHERE application_id = $1", [app.id])
    await rejects(client, '23502', "INSERT INTO users (name) VALUES ('Y')")

    // Deleting an application takes its recommendations with it.
    await client.query('DELETE FROM applications WHERE id = $1', [app.id])
    const [left] = await queryRows<{ n: number }>(client, 'SELECT count(*)::int AS n FROM recommendations WHERE application_id = $1', [app.id])
    assert.equal(left?.n, 0)
  })
})

test('defaults and the updated_at trigger', async (t) => {
  const client = await connect(t)
  await rolledBack(client, async () => {
    const [created] = await queryRows<{ id: string, role: string, is_active: boolean, fresh: boolean }>(client, `
      INSERT INTO users (email, name) VALUES ('defaults@example.test', 'Defaults')
      RETURNING id, role, is_active, created_at = now()::timestamptz(3) AND updated_at = now()::timestamptz(3) AS fresh`)
    assert.deepEqual({ role: created?.role, isActive: created?.is_active, fresh: created?.fresh },
      { role: 'student', isActive: true, fresh: true })
    const [max] = await queryRows<{ id: string }>(client, "SELECT max(id) AS id FROM users WHERE email <> 'defaults@example.test'")
    assert.ok(BigInt(created?.id ?? 0) > BigInt(max?.id ?? 0), 'the identity sequence continues after the seeded ids')

    await client.query("UPDATE users SET updated_at = '2000-01-01', created_at = '2000-01-01' WHERE id = $1", [created?.id])
    const [after] = await queryRows<{ updated: boolean, created: boolean }>(client,
      "SELECT updated_at = now()::timestamptz(3) AS updated, created_at = '2000-01-01' AS created FROM users WHERE id = $1", [created?.id])
    assert.deepEqual(after, { updated: true, created: true })
  })
})

test('university_application_stats refreshes concurrently and matches the tables', async (t) => {
  const client = await connect(t)
  await client.query('REFRESH MATERIALIZED VIEW CONCURRENTLY university_application_stats')
  const types = await queryRows<{ column: string, type: string }>(client, `
    SELECT attname AS column, format_type(atttypid, atttypmod) AS type FROM pg_attribute
    WHERE attrelid = 'university_application_stats'::regclass AND attnum > 0 ORDER BY attnum`)
  assert.deepEqual(types.map((r) => `${r.column} ${r.type}`), [
    'university_id bigint', 'total integer', 'draft integer', 'submitted integer', 'under_review integer',
    'accepted integer', 'rejected integer', 'acceptance_rate numeric'
  ])
  const [check] = await queryRows<{ universities: number, stats: number, total: number, apps: number, bad_rate: number }>(client, `
    SELECT (SELECT count(*)::int FROM universities) AS universities,
      (SELECT count(*)::int FROM university_application_stats) AS stats,
      (SELECT sum(total)::int FROM university_application_stats) AS total,
      (SELECT count(*)::int FROM applications) AS apps,
      (SELECT count(*)::int FROM university_application_stats
        WHERE acceptance_rate IS DISTINCT FROM round(accepted::numeric / nullif(accepted + rejected, 0), 4)
          OR total <> draft + submitted + under_review + accepted + rejected) AS bad_rate`)
  assert.equal(check?.stats, check?.universities, 'one row per university, with or without applications')
  assert.equal(check?.total, check?.apps)
  assert.equal(check?.bad_rate, 0)
})

test('seed is deterministic, refuses to overwrite, and resets on request', { timeout: 180_000 }, async (t) => {
  const primaryUrl = testEnv().primaryUrl
  const names = ['a', 'b'].map((suffix) => `sr_schema_test_${process.pid}_${suffix}`)
  const dbUrl = (name: string): string => {
    const url = new URL(primaryUrl)
    url.pathname = `/${name}`
    return url.toString()
  }
  const dropAll = async (): Promise<void> => await withClient(primaryUrl, async (client) => {
    for (const name of names) await client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)
  })
  await dropAll()
  t.after(dropAll)
  await withClient(primaryUrl, async (client) => {
    for (const name of names) await client.query(`CREATE DATABASE ${name}`)
  })

  const anchor = new Date('2026-03-15T00:00:00Z')
  const [a, b] = await Promise.all(names.map(async (name) => {
    const url = dbUrl(name)
    await migrate(url)
    const summary = await seed(url, { scale: 0.002, anchor })
    return { summary, digest: await digest(url) }
  }))
  assert.ok(a !== undefined && b !== undefined)
  assert.deepEqual(a.summary.counts, b.summary.counts)
  assert.deepEqual(a.digest, b.digest)
  for (const table of SEED_TABLES) {
    assert.equal((a.digest[table] as { n: number }).n, a.summary.counts[table], `${table} row count`)
    assert.ok(a.summary.counts[table] >= 1)
  }

  const url = dbUrl(names[0] ?? '')
  await assert.rejects(seed(url, { scale: 0.002, anchor }), { code: 'GW_ERR_CONFLICT' })
  await seed(url, { scale: 0.002, anchor, reset: true })
  assert.deepEqual(await digest(url), a.digest, 'a reset seed reproduces the same data')

  const invariants = await withClient(url, async (client) => (await queryRows(client, `
    SELECT
      (SELECT count(*)::int FROM notifications_default) + (SELECT count(*)::int FROM audit_logs_default) AS in_default,
      (SELECT count(*)::int FROM users WHERE email <> lower(email)) AS upper_case_emails,
      (SELECT count(*)::int FROM recommendations r JOIN users u ON u.id = r.recommender_id WHERE u.role <> 'recommender') AS non_recommenders,
      (SELECT count(*)::int FROM applications WHERE (status = 'draft') <> (submitted_at IS NULL)) AS bad_submitted_at,
      (SELECT count(*)::int FROM notifications WHERE created_at < $1::timestamptz - interval '12 months' OR created_at >= $1) AS notifications_outside,
      (SELECT count(*)::int FROM audit_logs WHERE created_at < $1::timestamptz - interval '12 months' OR created_at >= $1) AS audit_outside,
      (SELECT count(DISTINCT role)::int FROM users) AS roles,
      (SELECT count(DISTINCT status)::int FROM applications) AS statuses`, [anchor]))[0])
  assert.deepEqual(invariants, {
    in_default: 0,
    upper_case_emails: 0,
    non_recommenders: 0,
    bad_submitted_at: 0,
    notifications_outside: 0,
    audit_outside: 0,
    roles: 3,
    statuses: 5
  })
})

/** Row count and an md5 over every row of each seeded table, plus the identity positions. */
async function digest (url: string): Promise<Record<string, unknown>> {
  return await withClient(url, async (client) => {
    await client.query("SET TimeZone = 'UTC'")
    const result: Record<string, unknown> = {}
    for (const table of [...SEED_TABLES, models.universityApplicationStats.table]) {
      const key = table === models.universityApplicationStats.table ? 'university_id' : 'id'
      const [row] = await queryRows(client, `
        SELECT count(*)::int AS n, md5(coalesce(string_agg(t::text, E'\\n' ORDER BY t.${key}), '')) AS md5
        FROM ${table} AS t`)
      result[table] = row
    }
    const [sequences] = await queryRows(client, `
      SELECT ${SEED_TABLES.map((table) => `(SELECT last_value FROM ${table}_id_seq) AS ${table}`).join(', ')}`)
    result.sequences = sequences
    return result
  })
}
