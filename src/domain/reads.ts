/**
 * Domain reads shared by REST and GraphQL. Every function takes the delegates to read from
 * (`db.cached`, `db.read` or `db.primary`), so the caller's consistency choice decides the node.
 * Lists are keyset-paginated; queries on partitioned tables always bound the partition key when
 * the caller gives a range so the planner prunes.
 */
import type { ModelDelegates, WhereInput } from '../client/types.js'
import type { ActivityEvent, Application, AuditLog, Notification, Program, University, User, ApplicationStatus } from '../models/types.js'
import { decodeCursor, toPage, type Page } from './cursor.js'
import { viewRefreshedAt } from '../maintenance/views.js'

/** A raw read (`(text, values) => db.query(text, values, { target: 'read' })`). */
export type RawQuery = (text: string, values: unknown[]) => Promise<{ rows: Array<{ at: Date }> }>

export interface ListArgs { limit: number; cursor?: string | undefined }
interface Range { from?: string | undefined; to?: string | undefined }

const ID = ['id'] as const
const ID_KIND = ['int'] as const
const TIME_ID = ['createdAt', 'id'] as const
const TIME_ID_KIND = ['timestamp', 'int'] as const

function range (r: Range): Record<string, unknown> | undefined {
  if (!r.from && !r.to) return undefined
  const f: Record<string, unknown> = {}
  if (r.from) f.gte = r.from
  if (r.to) f.lt = r.to
  return f
}

export async function listUsers (d: ModelDelegates, a: ListArgs): Promise<Page<User>> {
  const rows = await d.users.findMany({ orderBy: { id: 'asc' }, take: a.limit + 1, cursor: decodeCursor(a.cursor, ID, ID_KIND) as Partial<User> })
  return toPage(rows, a.limit, ID)
}

export function getUser (d: ModelDelegates, id: number): Promise<User | null> {
  return d.users.findUnique({ where: { id } })
}

export async function listApplications (d: ModelDelegates, a: ListArgs & { userId?: number | undefined; programId?: number | undefined; status?: ApplicationStatus | undefined }): Promise<Page<Application>> {
  const where: WhereInput<Application> = {}
  if (a.userId !== undefined) where.userId = a.userId
  if (a.programId !== undefined) where.programId = a.programId
  if (a.status !== undefined) where.status = a.status
  const rows = await d.applications.findMany({ where, orderBy: { id: 'asc' }, take: a.limit + 1, cursor: decodeCursor(a.cursor, ID, ID_KIND) as Partial<Application> })
  return toPage(rows, a.limit, ID)
}

export function getApplication (d: ModelDelegates, id: number): Promise<Application | null> {
  return d.applications.findUnique({ where: { id } })
}

export function listRecommendationsOf (d: ModelDelegates, applicationId: number) {
  return d.recommendations.findMany({ where: { applicationId }, orderBy: { id: 'asc' }, take: 1000 })
}

export async function listNotifications (d: ModelDelegates, a: ListArgs & Range & { userId: number; unread?: boolean | undefined }): Promise<Page<Notification>> {
  const where: WhereInput<Notification> = { userId: a.userId }
  const created = range(a)
  if (created) where.createdAt = created
  if (a.unread === true) where.readAt = null
  if (a.unread === false) where.readAt = { not: null }
  const rows = await d.notifications.findMany({ where, orderBy: [{ createdAt: 'desc' }, { id: 'desc' }], take: a.limit + 1, cursor: decodeCursor(a.cursor, TIME_ID, TIME_ID_KIND) as Partial<Notification> })
  return toPage(rows, a.limit, TIME_ID)
}

export async function listUniversities (d: ModelDelegates, a: ListArgs & { search?: string | undefined; country?: string | undefined }): Promise<Page<University>> {
  const where: WhereInput<University> = {}
  if (a.search) where.name = { contains: a.search }
  if (a.country) where.country = a.country
  const rows = await d.universities.findMany({ where, orderBy: { id: 'asc' }, take: a.limit + 1, cursor: decodeCursor(a.cursor, ID, ID_KIND) as Partial<University> })
  return toPage(rows, a.limit, ID)
}

export function getUniversity (d: ModelDelegates, id: number): Promise<University | null> {
  return d.universities.findUnique({ where: { id } })
}

/** A university's programs; bounded because the detail view embeds them. */
export function listProgramsOf (d: ModelDelegates, universityId: number): Promise<Program[]> {
  return d.programs.findMany({ where: { universityId }, orderBy: { id: 'asc' }, take: 500 })
}

export function getUniversityStats (d: ModelDelegates, universityId: number) {
  return d.universityApplicationStats.findUnique({ where: { universityId } })
}

/** When maintenance last refreshed the view behind getUniversityStats (null if never recorded). */
export function statsRefreshedAt (query: RawQuery): Promise<Date | null> {
  return viewRefreshedAt(query, 'university_application_stats')
}

/** The stats with `refreshedAt`; null if the university has no row in the view. */
export async function getUniversityStatsWithRefresh (d: ModelDelegates, query: RawQuery, universityId: number) {
  const [stats, refreshedAt] = await Promise.all([getUniversityStats(d, universityId), statsRefreshedAt(query)])
  return stats === null ? null : { ...stats, refreshedAt }
}

export async function listEvents (d: ModelDelegates, a: ListArgs & Range & { userId: number }): Promise<Page<ActivityEvent>> {
  const where: WhereInput<ActivityEvent> = { userId: a.userId }
  const created = range(a)
  if (created) where.createdAt = created
  const rows = await d.activityEvents.findMany({ where, orderBy: [{ createdAt: 'desc' }, { id: 'desc' }], take: a.limit + 1, cursor: decodeCursor(a.cursor, TIME_ID, TIME_ID_KIND) as Partial<ActivityEvent> })
  return toPage(rows, a.limit, TIME_ID)
}

export async function listAuditLogs (d: ModelDelegates, a: ListArgs & Range & { entity?: string | undefined; entityId?: number | undefined }): Promise<Page<AuditLog>> {
  const where: WhereInput<AuditLog> = {}
  if (a.entity) where.entity = a.entity
  if (a.entityId !== undefined) where.entityId = a.entityId
  const created = range(a)
  if (created) where.createdAt = created
  const rows = await d.auditLogs.findMany({ where, orderBy: [{ createdAt: 'desc' }, { id: 'desc' }], take: a.limit + 1, cursor: decodeCursor(a.cursor, TIME_ID, TIME_ID_KIND) as Partial<AuditLog> })
  return toPage(rows, a.limit, TIME_ID)
}
