/**
 * Domain writes shared by REST and GraphQL. Each runs in one primary transaction together with its
 * audit_logs row (and a notifications row for status changes), so a failed write leaves nothing.
 */
import type { ModelDelegates } from '../client/types.js'
import type { Application, ApplicationStatus, Recommendation, RecommendationStatus, User, UserRole } from '../models/types.js'
import { gatewayError } from '../errors.js'
import { APPLICATION_TRANSITIONS, RECOMMENDATION_TRANSITIONS, statusUpdate } from './transitions.js'

export interface Tx extends ModelDelegates {
  query (text: string, values?: unknown[]): Promise<{ rows: any[]; rowCount: number | null }>
  markWritten (model: 'users', rows: Array<Record<string, unknown>>, fields: string[]): void
  markCreated (model: 'activityEvents' | 'auditLogs', rows: Array<Record<string, unknown>>): void
}

/** What the domain needs from the client: a transaction on the primary. */
export interface TransactionRunner {
  transaction<T> (fn: (tx: Tx) => Promise<T>): Promise<T>
}

export interface Actor { id: number | null }

export interface NewUser { email: string; name: string; role?: UserRole; isActive?: boolean }
export interface UserPatch { email?: string; name?: string; role?: UserRole; isActive?: boolean }
export interface NewApplication { userId: number; programId: number; status?: 'draft' | 'submitted' }
export interface NewRecommendation { applicationId: number; recommenderId: number }
export interface NewEvent { userId: number; kind: string; payload?: unknown; createdAt?: string }

async function audit (tx: Tx, actor: Actor, action: string, entity: string, entityId: number, diff: unknown): Promise<void> {
  await tx.auditLogs.create({ data: { actorId: actor.id, action, entity, entityId, diff } })
}

async function notify (tx: Tx, userId: number, kind: string, payload: unknown): Promise<void> {
  await tx.notifications.create({ data: { userId, kind, payload } })
}

export function createWrites (db: TransactionRunner) {
  return {
    createUser (input: NewUser, actor: Actor): Promise<User> {
      return db.transaction(async (tx) => {
        const user = await tx.users.create({ data: { ...input, email: input.email.toLowerCase() } })
        await audit(tx, actor, 'create', 'users', user.id, { after: user })
        return user
      })
    },

    /**
     * One statement: lock the row, update it, write the audit row with the changed fields. Three
     * round trips in all (BEGIN, this, COMMIT with the WAL position) where the delegates took five.
     */
    updateUser (id: number, patch: UserPatch, actor: Actor): Promise<User | null> {
      return db.transaction(async (tx) => {
        const data = patch.email === undefined ? patch : { ...patch, email: patch.email.toLowerCase() }
        const { text, values } = updateUserStatement(id, data, actor)
        const res = await tx.query(text, values)
        const row = res.rows[0] as (User & { auditId: string | number }) | undefined
        if (!row) return null
        const { auditId, ...user } = row
        tx.markWritten('users', [{ ...user }], Object.keys(data))
        tx.markCreated('auditLogs', [{ id: auditId, entity: 'users', entityId: id }])
        return user as User
      })
    },

    createApplication (input: NewApplication, actor: Actor): Promise<Application> {
      return db.transaction(async (tx) => {
        const status = input.status ?? 'draft'
        const app = await tx.applications.create({
          data: { ...input, status, submittedAt: status === 'submitted' ? new Date() : null }
        })
        await audit(tx, actor, 'create', 'applications', app.id, { after: app })
        if (status === 'submitted') await notify(tx, app.userId, 'application.status_changed', { applicationId: app.id, from: null, to: status })
        return app
      })
    },

    updateApplication (id: number, patch: { status: ApplicationStatus }, actor: Actor): Promise<Application | null> {
      return db.transaction(async (tx) => {
        const before = await lockRow<Application>(tx, 'SELECT id, status, user_id AS "userId" FROM applications WHERE id = $1 FOR UPDATE', id)
        if (!before) return null
        if (before.status === patch.status) return tx.applications.findUnique({ where: { id } })
        const data = statusUpdate(APPLICATION_TRANSITIONS, 'application', before.status, patch.status)
        const app = await tx.applications.update({ where: { id }, data })
        if (!app) return null
        await audit(tx, actor, 'update', 'applications', id, { status: [before.status, app.status] })
        await notify(tx, app.userId, 'application.status_changed', { applicationId: id, from: before.status, to: app.status })
        return app
      })
    },

    createRecommendation (input: NewRecommendation, actor: Actor): Promise<Recommendation> {
      return db.transaction(async (tx) => {
        const recommender = await tx.users.findUnique({ where: { id: input.recommenderId }, select: { id: true, role: true } })
        if (!recommender) throw gatewayError('GW_ERR_CONSTRAINT', 'recommenderId does not reference an existing user', { field: 'recommenderId' })
        if (recommender.role !== 'recommender') throw gatewayError('GW_ERR_CONSTRAINT', 'recommenderId must reference a user with role recommender', { field: 'recommenderId' })
        const rec = await tx.recommendations.create({ data: { ...input, status: 'requested' } })
        await audit(tx, actor, 'create', 'recommendations', rec.id, { after: rec })
        await notify(tx, rec.recommenderId, 'recommendation.requested', { recommendationId: rec.id, applicationId: rec.applicationId })
        return rec
      })
    },

    updateRecommendation (id: number, patch: { status: RecommendationStatus }, actor: Actor): Promise<Recommendation | null> {
      return db.transaction(async (tx) => {
        const before = await lockRow<Recommendation & { studentId: number }>(tx,
          'SELECT r.id, r.status, a.user_id AS "studentId" FROM recommendations r JOIN applications a ON a.id = r.application_id WHERE r.id = $1 FOR UPDATE OF r', id)
        if (!before) return null
        if (before.status === patch.status) return tx.recommendations.findUnique({ where: { id } })
        const data = statusUpdate(RECOMMENDATION_TRANSITIONS, 'recommendation', before.status, patch.status)
        const rec = await tx.recommendations.update({ where: { id }, data })
        if (!rec) return null
        await audit(tx, actor, 'update', 'recommendations', id, { status: [before.status, rec.status] })
        await notify(tx, before.studentId, 'recommendation.status_changed', { recommendationId: id, applicationId: rec.applicationId, from: before.status, to: rec.status })
        return rec
      })
    },

    /**
     * Batch ingest in one statement; one audit row per batch keeps ingest cheap. activity_events
     * has no foreign key (ingest speed), so unknown users are checked here, once per batch.
     */
    recordEvents (events: NewEvent[], actor: Actor): Promise<number> {
      return db.transaction(async (tx) => {
        const userIds = [...new Set(events.map((e) => e.userId))]
        const missing = await tx.query(
          'SELECT array_agg(u) AS ids FROM unnest($1::bigint[]) AS u WHERE NOT EXISTS (SELECT 1 FROM users WHERE id = u)', [userIds])
        const ids = missing.rows[0]?.ids as number[] | null
        if (ids && ids.length > 0) {
          throw gatewayError('GW_ERR_CONSTRAINT', `userId does not reference an existing user: ${ids.slice(0, 10).join(', ')}`, { field: 'userId', missing: ids.slice(0, 100) })
        }
        const res = await tx.query(
          `INSERT INTO activity_events (user_id, kind, payload, created_at)
           SELECT u, k, p, coalesce(c, now())
             FROM unnest($1::bigint[], $2::text[], $3::jsonb[], $4::timestamptz[]) AS t(u, k, p, c)
           RETURNING id, user_id AS "userId"`,
          [events.map((e) => e.userId), events.map((e) => e.kind), events.map((e) => JSON.stringify(e.payload ?? {})), events.map((e) => e.createdAt ?? null)]
        )
        tx.markCreated('activityEvents', res.rows)
        const firstId = Number(res.rows[0]?.id ?? 0)
        await audit(tx, actor, 'ingest', 'activity_events', firstId, { count: res.rowCount })
        return res.rowCount ?? 0
      })
    }
  }
}

export type DomainWrites = ReturnType<typeof createWrites>

/** Column of each patchable user field (identifiers never come from the request). */
const USER_COLUMNS: Record<keyof UserPatch, string> = { email: 'email', name: 'name', role: 'role', isActive: 'is_active' }

function updateUserStatement (id: number, data: UserPatch, actor: Actor): { text: string; values: unknown[] } {
  const values: unknown[] = [id, actor.id]
  const sets: string[] = []
  const diffs: string[] = []
  for (const field of Object.keys(USER_COLUMNS) as Array<keyof UserPatch>) {
    if (data[field] === undefined) continue
    const col = USER_COLUMNS[field]
    values.push(data[field])
    sets.push(`${col} = $${values.length}`)
    diffs.push(`'${field}', CASE WHEN b.${col} IS DISTINCT FROM a.${col} THEN jsonb_build_array(b.${col}, a.${col}) END`)
  }
  const text = `WITH b AS (SELECT id, email, name, role, is_active FROM users WHERE id = $1 FOR UPDATE),
a AS (UPDATE users u SET ${sets.join(', ')} FROM b WHERE u.id = b.id
      RETURNING u.id, u.email, u.name, u.role, u.is_active, u.created_at, u.updated_at),
l AS (INSERT INTO audit_logs (actor_id, action, entity, entity_id, diff)
      SELECT $2, 'update', 'users', a.id, jsonb_strip_nulls(jsonb_build_object(${diffs.join(', ')})) FROM a, b
      RETURNING id)
SELECT a.id, a.email, a.name, a.role, a.is_active AS "isActive", a.created_at AS "createdAt", a.updated_at AS "updatedAt",
       (SELECT id FROM l) AS "auditId"
  FROM a`
  return { text, values }
}

async function lockRow<T> (tx: Tx, sql: string, id: number): Promise<T | null> {
  const res = await tx.query(sql, [id])
  return (res.rows[0] as T | undefined) ?? null
}
