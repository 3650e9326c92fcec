/**
 * Hand-written baselines (SPEC §7): what a team would write without the gateway, on the same data
 * with the same SQL text (compiled once from the model registry, so it cannot drift from what the
 * gateway sends) and the same pool size.
 *   - fastify-pg: Fastify + pg; the write routes are one hand-written transaction mirroring
 *     src/domain/writes.ts (row lock, UPDATE, audit_logs row, notifications row for status moves);
 *   - fastify-redis: the same reads behind a cache-aside ioredis layer (GET; miss → pg, SET EX);
 *   - static: constant JSON, the framework's ceiling.
 */
import Fastify, { type FastifyInstance, type FastifyRequest } from 'fastify'
import type { Redis } from 'ioredis'
import type pg from 'pg'
import { compileCreate, compileFindMany, compileFindUnique, compileUpdate, models } from '../../src/index.js'
import { APPLICATION_TRANSITIONS } from '../../src/domain/transitions.js'
import type { ApplicationStatus } from '../../src/models/types.js'

export interface Counter { count: number }

const SQL = {
  user: compileFindUnique(models.users, { where: { id: 0 } }).text,
  universitiesSearch: compileFindMany(models.universities, { where: { name: { contains: 'x' } }, orderBy: { id: 'asc' }, take: 21 }).text,
  universities: compileFindMany(models.universities, { orderBy: { id: 'asc' }, take: 21 }).text,
  applicationsOf: compileFindMany(models.applications, { where: { userId: 0 }, orderBy: { id: 'asc' }, take: 21 }).text,
  notificationsOf: compileFindMany(models.notifications, { where: { userId: 0 }, orderBy: [{ createdAt: 'desc' }, { id: 'desc' }], take: 21 }).text,
  recommendationsOf: compileFindMany(models.recommendations, { where: { applicationId: { in: [0] } }, orderBy: { id: 'asc' }, take: 1000 }).text,
  lockUser: 'SELECT id, email, name, role, is_active AS "isActive" FROM users WHERE id = $1 FOR UPDATE',
  updateUserName: compileUpdate(models.users, { where: { id: 0 }, data: { name: 'x' } }).text,
  lockApplication: 'SELECT id, status, user_id AS "userId" FROM applications WHERE id = $1 FOR UPDATE',
  updateStatus: compileUpdate(models.applications, { where: { id: 0 }, data: { status: 'under_review' } }).text,
  updateStatusSubmitted: compileUpdate(models.applications, { where: { id: 0 }, data: { status: 'submitted', submittedAt: new Date() } }).text,
  audit: compileCreate(models.auditLogs, { data: { actorId: null, action: 'update', entity: 'users', entityId: 0, diff: {} } }).text,
  notify: compileCreate(models.notifications, { data: { userId: 0, kind: 'k', payload: {} } }).text
}

type Query = (text: string, values: unknown[]) => Promise<pg.QueryResult>
type Read = (req: FastifyRequest) => Promise<unknown>

const escapeLike = (s: string): string => s.replace(/[\\%_]/g, '\\$&')
const idOf = (req: FastifyRequest): number => Number((req.params as { id: string }).id)
const limitOf = (req: FastifyRequest): number => Math.min(100, Number((req.query as { limit?: string }).limit ?? 20))
const page = (rows: Array<{ id: unknown }>, limit: number) => ({
  items: rows.slice(0, limit),
  nextCursor: rows.length > limit ? Buffer.from(JSON.stringify([rows[limit - 1]!.id])).toString('base64url') : null
})

interface GraphqlBody { operationName?: string; variables?: { id?: string | number; first?: number } }

function reads (q: Query): Record<string, Read> {
  const user = async (id: number) => (await q(SQL.user, [id])).rows[0] ?? null
  return {
    '/users/:id': (req) => user(idOf(req)),
    '/users/:id/applications': async (req) => page((await q(SQL.applicationsOf, [idOf(req), limitOf(req) + 1])).rows, limitOf(req)),
    '/users/:id/notifications': async (req) => page((await q(SQL.notificationsOf, [idOf(req), limitOf(req) + 1])).rows, limitOf(req)),
    '/universities': async (req) => {
      const search = (req.query as { search?: string }).search
      const rows = search === undefined
        ? (await q(SQL.universities, [limitOf(req) + 1])).rows
        : (await q(SQL.universitiesSearch, [`%${escapeLike(search)}%`, limitOf(req) + 1])).rows
      return page(rows, limitOf(req))
    },
    // Not a GraphQL server: the two operations of the scenarios, answered with the same reads the
    // gateway's resolvers and batched loaders make (user; applications; recommendations by ANY).
    '/graphql': async (req) => {
      const body = req.body as GraphqlBody
      const id = Number(body.variables?.id)
      const row = await user(id)
      if (!row || body.operationName !== 'Nested') return { data: { user: row && { id: String(row.id), email: row.email, name: row.name } } }
      const first = body.variables?.first ?? 20
      const apps = (await q(SQL.applicationsOf, [id, first + 1])).rows.slice(0, first)
      const recs = apps.length === 0 ? [] : (await q(SQL.recommendationsOf, [apps.map((a) => a.id), 1000])).rows
      const items = apps.map((a) => ({
        id: String(a.id), status: a.status,
        recommendations: recs.filter((r) => r.applicationId === a.id).map((r) => ({ id: String(r.id), status: r.status }))
      }))
      return { data: { user: { id: String(row.id), name: row.name, applications: { items } } } }
    }
  }
}

function register (app: FastifyInstance, routes: Record<string, Read>, wrap: (read: Read) => (req: FastifyRequest, reply: any) => Promise<unknown>): void {
  for (const [url, read] of Object.entries(routes)) {
    if (url === '/graphql') app.post(url, wrap(read))
    else app.get(url, wrap(read))
  }
}

const notFound = (reply: any) => reply.code(404).send({ statusCode: 404, code: 'NOT_FOUND', error: 'Not Found', message: 'not found' })

export function pgBaseline (pool: pg.Pool, counter: Counter): FastifyInstance {
  const q: Query = (text, values) => { counter.count++; return pool.query(text, values) }
  const app = Fastify({ logger: false })
  register(app, reads(q), (read) => async (req, reply) => (await read(req)) ?? notFound(reply))
  writeRoutes(app, pool, counter)
  return app
}

export function redisBaseline (pool: pg.Pool, redis: Redis, prefix: string, ttl: number, counter: Counter): FastifyInstance {
  const q: Query = (text, values) => { counter.count++; return pool.query(text, values) }
  const app = Fastify({ logger: false })
  register(app, reads(q), (read) => async (req, reply) => {
    const key = `${prefix}${req.method} ${req.url}${req.method === 'POST' ? JSON.stringify(req.body) : ''}`
    const hit = await redis.get(key)
    if (hit !== null) return reply.type('application/json; charset=utf-8').send(hit)
    const value = await read(req)
    if (value === null) return notFound(reply)
    const body = JSON.stringify(value)
    redis.set(key, body, 'EX', ttl).catch(() => {})
    return reply.type('application/json; charset=utf-8').send(body)
  })
  return app
}

const STATIC_USER = JSON.stringify({ id: 1, email: 'ada@example.com', name: 'Ada Lovelace', role: 'student', isActive: true, createdAt: '2026-01-01T00:00:00.000Z', updatedAt: '2026-01-01T00:00:00.000Z' })

export function staticBaseline (): FastifyInstance {
  const app = Fastify({ logger: false })
  app.get('/users/:id', (_req, reply) => { reply.type('application/json; charset=utf-8').send(STATIC_USER) })
  return app
}

/** One transaction on one connection; ROLLBACK on failure, and a connection whose ROLLBACK failed is dropped. */
async function transaction<T> (pool: pg.Pool, counter: Counter, fn: (q: Query) => Promise<T>): Promise<T> {
  const client = await pool.connect()
  const q: Query = (text, values) => { counter.count++; return client.query(text, values) }
  let broken: Error | undefined
  try {
    await q('BEGIN', [])
    const out = await fn(q)
    await q('COMMIT', [])
    return out
  } catch (err) {
    await q('ROLLBACK', []).catch((e: Error) => { broken = e })
    throw err
  } finally {
    client.release(broken)
  }
}

function writeRoutes (app: FastifyInstance, pool: pg.Pool, counter: Counter): void {
  app.patch<{ Params: { id: string }; Body: { name: string } }>('/users/:id', async (req, reply) => {
    const id = Number(req.params.id)
    const user = await transaction(pool, counter, async (q) => {
      const before = (await q(SQL.lockUser, [id])).rows[0]
      if (!before) return null
      const after = (await q(SQL.updateUserName, [req.body.name, id])).rows[0]
      const diff = before.name === after.name ? {} : { name: [before.name, after.name] }
      await q(SQL.audit, [null, 'update', 'users', id, JSON.stringify(diff)])
      return after
    })
    return user ?? notFound(reply)
  })

  app.patch<{ Params: { id: string }; Body: { status: ApplicationStatus } }>('/applications/:id', async (req, reply) => {
    const id = Number(req.params.id)
    const to = req.body.status
    const result = await transaction(pool, counter, async (q) => {
      const before = (await q(SQL.lockApplication, [id])).rows[0] as { status: ApplicationStatus; userId: number } | undefined
      if (!before) return null
      if (!APPLICATION_TRANSITIONS[before.status].includes(to)) return 'invalid' as const
      const row = to === 'submitted'
        ? (await q(SQL.updateStatusSubmitted, [to, new Date(), id])).rows[0]
        : (await q(SQL.updateStatus, [to, id])).rows[0]
      await q(SQL.audit, [null, 'update', 'applications', id, JSON.stringify({ status: [before.status, to] })])
      await q(SQL.notify, [before.userId, 'application.status_changed', JSON.stringify({ applicationId: id, from: before.status, to })])
      return row
    })
    if (result === 'invalid') return reply.code(422).send({ statusCode: 422, code: 'CONSTRAINT', error: 'Unprocessable Entity', message: 'invalid status move' })
    return result ?? notFound(reply)
  })
}
