/** The query compiler, pure: SQL shape, bind parameters, and what it refuses to build. */
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { models } from '../../src/models/registry.js'
import {
  compileCount, compileCreate, compileDelete, compileFindFirst, compileFindMany, compileFindUnique, compileUpdate, MAX_TAKE
} from '../../src/query/compile.js'
import { escapeLike } from '../../src/query/where.js'

const { users, universities, notifications, applications, universityApplicationStats: stats } = models
const USER_COLUMNS = '"id", "email", "name", "role", "is_active" AS "isActive", "created_at" AS "createdAt", "updated_at" AS "updatedAt"'

/** Asserts `fn` throws GW_ERR_INVALID_QUERY (400) whose message matches `message`. */
function rejects (fn: () => unknown, message: RegExp, field?: string): void {
  assert.throws(fn, (err: any) => {
    assert.equal(err.code, 'GW_ERR_INVALID_QUERY')
    assert.equal(err.statusCode, 400)
    assert.match(err.message, message)
    if (field !== undefined) assert.equal(err.details?.field, field)
    return true
  })
}

test('findMany: every field aliased to camelCase, primary key order, capped at MAX_TAKE rows', () => {
  const q = compileFindMany(users)
  assert.equal(q.text, `SELECT ${USER_COLUMNS} FROM "users" ORDER BY "id" ASC LIMIT $1`)
  assert.deepEqual(q.values, [MAX_TAKE])
})

test('where: equality, null, operators and nesting are bound parameters', () => {
  const q = compileFindMany(users, {
    where: {
      email: 'a@b.test',
      isActive: true,
      role: { in: ['student', 'admin'] },
      id: { gt: 5, lte: 90 },
      OR: [{ name: { contains: 'ada' } }, { name: { startsWith: 'Bob' } }],
      NOT: { role: 'admin' }
    }
  })
  assert.equal(q.text, `SELECT ${USER_COLUMNS} FROM "users" WHERE ("email" = $1 AND "is_active" = $2 AND "role" = ANY($3) AND "id" > $4 AND "id" <= $5 AND ("name" ILIKE $6 OR "name" ILIKE $7) AND NOT ("role" = $8)) ORDER BY "id" ASC LIMIT $9`)
  assert.deepEqual(q.values, ['a@b.test', true, ['student', 'admin'], 5, 90, '%ada%', 'Bob%', 'admin', MAX_TAKE])
})

test('where: null means IS NULL, not: null means IS NOT NULL, not: v is <>', () => {
  assert.match(compileFindMany(universities, { where: { ranking: null } }).text, /WHERE "ranking" IS NULL ORDER/)
  assert.match(compileFindMany(universities, { where: { ranking: { equals: null } } }).text, /WHERE "ranking" IS NULL ORDER/)
  assert.match(compileFindMany(universities, { where: { ranking: { not: null } } }).text, /WHERE "ranking" IS NOT NULL ORDER/)
  const q = compileFindMany(universities, { where: { ranking: { not: 3 } } })
  assert.match(q.text, /WHERE "ranking" <> \$1 ORDER/)
  assert.deepEqual(q.values, [3, MAX_TAKE])
})

test('where: empty in is FALSE, empty notIn is no condition, NULL members become IS [NOT] NULL', () => {
  assert.match(compileFindMany(users, { where: { id: { in: [] } } }).text, /WHERE FALSE ORDER/)
  assert.equal(compileFindMany(users, { where: { id: { notIn: [] } } }).text, `SELECT ${USER_COLUMNS} FROM "users" ORDER BY "id" ASC LIMIT $1`)
  const q = compileFindMany(universities, { where: { ranking: { in: [1, null] } } })
  assert.match(q.text, /WHERE \("ranking" = ANY\(\$1\) OR "ranking" IS NULL\) ORDER/)
  assert.deepEqual(q.values, [[1], MAX_TAKE])
  assert.match(compileFindMany(universities, { where: { ranking: { notIn: [2, null] } } }).text, /WHERE \("ranking" <> ALL\(\$1\) AND "ranking" IS NOT NULL\)/)
  assert.match(compileFindMany(users, { where: { OR: [] } }).text, /WHERE FALSE ORDER/)
  assert.match(compileFindMany(users, { where: { AND: [], NOT: [] } }).text, /FROM "users" ORDER/)
})

test('where: NOT of a condition every row meets (an empty notIn) matches no row', () => {
  assert.match(compileFindMany(users, { where: { NOT: { id: { notIn: [] } } } }).text, /WHERE FALSE ORDER/)
  assert.match(compileFindMany(users, { where: { NOT: [{ id: { notIn: [] } }, { role: { notIn: [] } }] } }).text, /WHERE FALSE ORDER/)
  assert.match(compileFindMany(users, { where: { NOT: { id: { notIn: [] }, role: 'admin' } } }).text, /WHERE NOT \("role" = \$1\) ORDER/)
  assert.match(compileCount(users, { where: { OR: [{ NOT: { id: { notIn: [] } } }, { role: 'admin' }] } }).text, /WHERE \(FALSE OR "role" = \$1\)$/)
})

test('contains/startsWith escape LIKE wildcards so user text matches literally', () => {
  assert.equal(escapeLike('50%_off\\now'), '50\\%\\_off\\\\now')
  const q = compileFindMany(users, { where: { name: { contains: '100%_' } } })
  assert.deepEqual(q.values, ['%100\\%\\_%', MAX_TAKE])
})

test('values are coerced per field type', () => {
  const q = compileFindMany(applications, { where: { userId: '42', submittedAt: { gte: new Date('2024-01-02T03:04:05.678Z'), lt: '2024-02-01T00:00:00.123456Z' } } })
  assert.deepEqual(q.values, [42, '2024-01-02T03:04:05.678Z', '2024-02-01T00:00:00.123456Z', MAX_TAKE])
  const p = compileFindMany(models.programs, { where: { deadline: new Date('2027-01-15T00:00:00Z') } })
  assert.deepEqual(p.values, ['2027-01-15', MAX_TAKE])
  assert.deepEqual(compileFindMany(users, { where: { isActive: 'false' } }).values, [false, MAX_TAKE])
})

test('wrong types are 400s naming the field', () => {
  rejects(() => compileFindMany(users, { where: { id: 'abc' } }), /users\.id expects a safe integer/, 'id')
  rejects(() => compileFindMany(users, { where: { id: 2 ** 53 } }), /users\.id/, 'id')
  rejects(() => compileFindMany(users, { where: { id: 1.5 } }), /users\.id/, 'id')
  rejects(() => compileFindMany(universities, { where: { ranking: 2 ** 31 } }), /32-bit integer/, 'ranking')
  rejects(() => compileFindMany(users, { where: { role: 'root' } }), /users\.role must be one of student, recommender, admin/, 'role')
  rejects(() => compileFindMany(users, { where: { email: 42 } }), /users\.email expects a string/, 'email')
  rejects(() => compileFindMany(users, { where: { email: 'a\u0000b' } }), /NUL/, 'email')
  rejects(() => compileFindMany(users, { where: { isActive: 1 } }), /boolean/, 'isActive')
  rejects(() => compileFindMany(users, { where: { createdAt: 'yesterday' } }), /ISO 8601/, 'createdAt')
  rejects(() => compileFindMany(users, { where: { createdAt: new Date('nope') } }), /date-time/, 'createdAt')
  rejects(() => compileFindMany(models.programs, { where: { deadline: '2024-02-30' } }), /YYYY-MM-DD/, 'deadline')
  rejects(() => compileFindMany(users, { where: { id: [1, 2] } }), /use \{ in: \[\.\.\.\] \}/, 'id')
  rejects(() => compileFindMany(users, { where: { id: { in: 5 } } }), /in expects an array/, 'id')
  rejects(() => compileFindMany(users, { where: { id: { lt: null } } }), /cannot compare with null/, 'id')
})

test('unknown fields, operators and arguments are 400s; unsupported operators too', () => {
  rejects(() => compileFindMany(users, { where: { password: 'x' } }), /Unknown field "password" on users/, 'password')
  rejects(() => compileFindMany(users, { where: { id: { like: '1' } } }), /Unknown operator "like" on users\.id/, 'id')
  rejects(() => compileFindMany(users, { where: { isActive: { gt: true } } }), /not supported on users\.isActive/, 'isActive')
  rejects(() => compileFindMany(users, { where: { id: { contains: '1' } } }), /not supported/, 'id')
  rejects(() => compileFindMany(notifications, { where: { payload: { in: [{}] } } }), /not supported/, 'payload')
  rejects(() => compileFindMany(users, { skip: 10 }), /Unknown argument "skip"/)
  rejects(() => compileFindMany(users, { where: 'id = 1' }), /where must be an object/)
  rejects(() => compileFindMany(users, { orderBy: { name: 'up' } }), /orderBy\.name must be "asc" or "desc"/, 'name')
  rejects(() => compileFindMany(notifications, { orderBy: { payload: 'asc' } }), /jsonb/, 'payload')
  rejects(() => compileFindMany(users, { select: { email: 'yes' } }), /select\.email must be true or false/, 'email')
  rejects(() => compileFindMany(users, { select: { email: false } }), /at least one field/)
})

test('cache options ttl/tags are accepted on reads and do not change the SQL', () => {
  assert.deepEqual(compileFindMany(users, { ttl: 60, tags: ['users'] }), compileFindMany(users))
})

test('injection attempts never reach the SQL text', () => {
  const evil = 'email" = \'\' OR 1=1; DROP TABLE users; --'
  rejects(() => compileFindMany(users, { where: { [evil]: 'x' } }), /Unknown field/)
  rejects(() => compileFindMany(users, { orderBy: { [evil]: 'asc' } }), /Unknown field/)
  rejects(() => compileFindMany(users, { select: { [evil]: true } }), /Unknown field/)
  rejects(() => compileCreate(users, { data: { email: 'a', name: 'b', [evil]: 1 } }), /Unknown field/)
  rejects(() => compileFindMany(users, { where: { id: { [evil]: 1 } } }), /Unknown operator/)
  // Prototype members are not fields, even when a parsed body carries them as own keys.
  rejects(() => compileFindMany(users, { where: JSON.parse('{"__proto__": {"email": "x"}}') }), /Unknown field "__proto__"/)
  rejects(() => compileFindMany(users, { where: { constructor: 'x' } }), /Unknown field "constructor"/)
  rejects(() => compileFindMany(users, { where: { toString: 'x' } }), /Unknown field "toString"/)
  // A hostile value is only ever a parameter.
  const q = compileFindMany(users, { where: { email: evil, name: { contains: evil } } })
  assert.ok(!q.text.includes('DROP'))
  assert.equal(q.values[0], evil)
})

test('deep nesting is bounded', () => {
  let where: Record<string, unknown> = { id: 1 }
  for (let i = 0; i < 40; i++) where = { AND: [where] }
  rejects(() => compileFindMany(users, { where }), /nested more than/)
})

test('select: exactly the fields asked for, aliased', () => {
  const q = compileFindMany(users, { select: { isActive: true, email: true, name: false } })
  assert.equal(q.text, 'SELECT "is_active" AS "isActive", "email" FROM "users" ORDER BY "id" ASC LIMIT $1')
})

test('orderBy: object or array, primary key appended once as tie-breaker', () => {
  assert.match(compileFindMany(users, { orderBy: { name: 'desc' } }).text, /ORDER BY "name" DESC, "id" ASC LIMIT \$1$/)
  assert.match(compileFindMany(users, { orderBy: [{ role: 'asc' }, { createdAt: 'desc' }] }).text, /ORDER BY "role" ASC, "created_at" DESC, "id" ASC LIMIT \$1$/)
  assert.match(compileFindMany(users, { orderBy: [{ id: 'desc' }] }).text, /ORDER BY "id" DESC LIMIT \$1$/)
  rejects(() => compileFindMany(users, { orderBy: [{ name: 'asc' }, { name: 'desc' }] }), /twice/, 'name')
})

test('take: parameterized, capped at 10 000 (also when omitted), must be a non-negative integer', () => {
  const q = compileFindMany(users, { take: 25 })
  assert.match(q.text, /ORDER BY "id" ASC LIMIT \$1$/)
  assert.deepEqual(q.values, [25])
  assert.deepEqual(compileFindMany(users, { take: 1_000_000 }).values, [MAX_TAKE])
  assert.deepEqual(compileFindMany(users, { take: 0 }).values, [0])
  rejects(() => compileFindMany(users, { take: -1 }), /take must be a non-negative integer/)
  rejects(() => compileFindMany(users, { take: 2.5 }), /take/)
  rejects(() => compileFindMany(users, { take: '10' }), /take/)
})

test('cursor: row-value comparison when directions agree and keys are NOT NULL', () => {
  const q = compileFindMany(users, { orderBy: { name: 'asc' }, cursor: { name: 'Bob', id: 7 }, take: 10 })
  assert.match(q.text, /WHERE \("name", "id"\) > \(\$1, \$2\) ORDER BY "name" ASC, "id" ASC LIMIT \$3$/)
  assert.deepEqual(q.values, ['Bob', 7, 10])
  const d = compileFindMany(users, { orderBy: [{ createdAt: 'desc' }, { id: 'desc' }], cursor: { createdAt: '2024-01-01T00:00:00.5Z', id: 9 } })
  assert.match(d.text, /WHERE \("created_at", "id"\) < \(\$1, \$2\)/)
  const only = compileFindMany(users, { where: { role: 'admin' }, cursor: { id: 3 } })
  assert.match(only.text, /WHERE "role" = \$1 AND "id" > \$2 ORDER BY "id" ASC LIMIT \$3$/)
})

test('cursor: mixed directions expand to an OR chain; NULLs follow PostgreSQL order', () => {
  const q = compileFindMany(users, { orderBy: [{ role: 'asc' }, { name: 'desc' }], cursor: { role: 'admin', name: 'Zed', id: 4 } })
  assert.match(q.text, /WHERE \("role" > \$1 OR \("role" = \$1 AND "name" < \$2\) OR \("role" = \$1 AND "name" = \$2 AND "id" > \$3\)\) ORDER BY/)
  assert.deepEqual(q.values, ['admin', 'Zed', 4, MAX_TAKE])
  // Nullable key, ASC: NULLs come last, so "after 5" includes them, "after NULL" is only ties.
  const n = compileFindMany(universities, { orderBy: { ranking: 'asc' }, cursor: { ranking: 5, id: 2 } })
  assert.match(n.text, /WHERE \(\("ranking" > \$1 OR "ranking" IS NULL\) OR \("ranking" = \$1 AND "id" > \$2\)\)/)
  const after = compileFindMany(universities, { orderBy: { ranking: 'asc' }, cursor: { ranking: null, id: 2 } })
  assert.match(after.text, /WHERE \(\("ranking" IS NULL AND "id" > \$1\)\)/)
  const desc = compileFindMany(universities, { orderBy: { ranking: 'desc' }, cursor: { ranking: null, id: 2 } })
  assert.match(desc.text, /WHERE \("ranking" IS NOT NULL OR \("ranking" IS NULL AND "id" > \$1\)\)/)
})

test('cursor on a RANGE partition key also bounds the key itself, which pruning can use (a row comparison it cannot)', () => {
  const d = compileFindMany(notifications, { orderBy: [{ createdAt: 'desc' }, { id: 'desc' }], cursor: { createdAt: '2024-01-01T00:00:00.5Z', id: 9 } })
  assert.match(d.text, /WHERE \("created_at" <= \$1 AND \("created_at", "id"\) < \(\$1, \$2\)\)/)
  const mixed = compileFindMany(notifications, { orderBy: [{ createdAt: 'asc' }, { id: 'desc' }], cursor: { createdAt: '2024-01-01T00:00:00Z', id: 9 } })
  assert.match(mixed.text, /WHERE \("created_at" >= \$1 AND \("created_at" > \$1 OR \("created_at" = \$1 AND "id" < \$2\)\)\)/)
  const other = compileFindMany(notifications, { orderBy: [{ userId: 'asc' }], cursor: { userId: 1, id: 2 } })
  assert.doesNotMatch(other.text, /<=|>=/, 'only when the partition key leads')
})

test('cursor: must carry every sort key; unknown keys are refused; whole rows are fine', () => {
  rejects(() => compileFindMany(users, { orderBy: { name: 'asc' }, cursor: { id: 1 } }), /cursor must include "name"/, 'name')
  rejects(() => compileFindMany(users, { cursor: { id: 1, bogus: 2 } }), /Unknown field "bogus"/)
  rejects(() => compileFindMany(users, { cursor: { id: null } }), /users\.id cannot be null/, 'id')
  const row = { id: 1, email: 'a', name: 'n', role: 'student', isActive: true, createdAt: new Date(0), updatedAt: new Date(0) }
  assert.deepEqual(compileFindMany(users, { cursor: row }).values, [1, MAX_TAKE])
})

test('findFirst is findMany with LIMIT 1; findUnique addresses one row by a unique key', () => {
  assert.match(compileFindFirst(users, { where: { role: 'admin' }, orderBy: { name: 'asc' } }).text, /ORDER BY "name" ASC, "id" ASC LIMIT \$2$/)
  rejects(() => compileFindFirst(users, { take: 5 }), /Unknown argument "take"/)
  const byId = compileFindUnique(users, { where: { id: 3 }, select: { email: true } })
  assert.equal(byId.text, 'SELECT "email" FROM "users" WHERE "id" = $1 LIMIT 1')
  assert.match(compileFindUnique(users, { where: { email: 'x@y.test' } }).text, /WHERE "email" = \$1 LIMIT 1$/)
  assert.match(compileFindUnique(applications, { where: { programId: 2, userId: 1 } }).text, /WHERE "program_id" = \$1 AND "user_id" = \$2 LIMIT 1$/)
  rejects(() => compileFindUnique(users, { where: { name: 'x' } }), /exactly one of: id \| email/)
  rejects(() => compileFindUnique(users, { where: { id: 1, email: 'x' } }), /exactly one of/)
  rejects(() => compileFindUnique(users, { where: {} }), /exactly one of/)
  rejects(() => compileFindUnique(users, { where: { id: { in: [1] } } }), /plain value/, 'id')
  rejects(() => compileFindUnique(users, { where: { id: null } }), /cannot be null/, 'id')
  rejects(() => compileFindUnique(users, undefined), /expects an object argument/)
})

test('count', () => {
  const q = compileCount(users, { where: { role: 'admin' } })
  assert.equal(q.text, 'SELECT count(*) AS "count" FROM "users" WHERE "role" = $1')
  assert.equal(compileCount(users).text, 'SELECT count(*) AS "count" FROM "users"')
})

test('create: INSERT … RETURNING, required fields, read-only fields, jsonb', () => {
  const q = compileCreate(users, { data: { email: 'a@b.test', name: 'A', isActive: undefined }, select: { id: true } })
  assert.equal(q.text, 'INSERT INTO "users" ("email", "name") VALUES ($1, $2) RETURNING "id"')
  assert.deepEqual(q.values, ['a@b.test', 'A'])
  rejects(() => compileCreate(users, { data: { name: 'A' } }), /users\.email is required/, 'email')
  assert.equal(compileCreate(users, { data: { email: 'a@b.test' } }).text, 'INSERT INTO "users" ("email") VALUES ($1) RETURNING "id", "email", "name", "role", "is_active" AS "isActive", "created_at" AS "createdAt", "updated_at" AS "updatedAt"', 'the name has a default (sql/011)')
  rejects(() => compileCreate(users, { data: { id: 5, email: 'a', name: 'b' } }), /users\.id is read-only/, 'id')
  rejects(() => compileCreate(users, { data: { email: 'a', name: 'b', updatedAt: new Date() } }), /read-only/, 'updatedAt')
  rejects(() => compileCreate(users, { data: { email: null, name: 'b' } }), /users\.email cannot be null/, 'email')
  rejects(() => compileCreate(users, { data: 'x' }), /needs data as an object/)
  const n = compileCreate(notifications, { data: { userId: 1, kind: 'k', payload: { a: [1, 'two'] } } })
  assert.match(n.text, /VALUES \(\$1, \$2, \$3::jsonb\) RETURNING/)
  assert.deepEqual(n.values, [1, 'k', '{"a":[1,"two"]}'])
  // A nullable field may be set to null; a model with only defaults inserts DEFAULT VALUES.
  assert.deepEqual(compileCreate(universities, { data: { name: 'U', country: 'C', city: 'c', ranking: null } }).values, ['U', 'C', 'c', null])
})

test('update and delete: by a unique key, RETURNING the row', () => {
  const u = compileUpdate(users, { where: { id: 9 }, data: { name: 'N', isActive: false } })
  assert.equal(u.text, `UPDATE "users" SET "name" = $1, "is_active" = $2 WHERE "id" = $3 RETURNING ${USER_COLUMNS}`)
  assert.deepEqual(u.values, ['N', false, 9])
  rejects(() => compileUpdate(users, { where: { id: 9 }, data: {} }), /needs at least one field/)
  rejects(() => compileUpdate(users, { where: { id: 9 }, data: { name: undefined } }), /needs at least one field/)
  rejects(() => compileUpdate(users, { where: { role: 'admin' }, data: { name: 'x' } }), /exactly one of/)
  rejects(() => compileUpdate(users, { where: { id: 9 }, data: { createdAt: 'soon' } }), /ISO 8601/, 'createdAt')
  const d = compileDelete(users, { where: { email: 'a@b.test' }, select: { id: true } })
  assert.equal(d.text, 'DELETE FROM "users" WHERE "email" = $1 RETURNING "id"')
})

test('read-only models refuse writes', () => {
  rejects(() => compileCreate(stats, { data: { total: 1 } }), /universityApplicationStats is read-only; create/)
  rejects(() => compileUpdate(stats, { where: { universityId: 1 }, data: { total: 2 } }), /read-only; update/)
  rejects(() => compileDelete(stats, { where: { universityId: 1 } }), /read-only; delete/)
  assert.match(compileFindUnique(stats, { where: { universityId: 1 } }).text, /FROM "university_application_stats" WHERE "university_id" = \$1/)
})
