/**
 * Paginated one-to-many relations for many parents in ONE statement, with an exact per-parent
 * `first`: `unnest(parent ids) CROSS JOIN LATERAL (… ORDER BY … LIMIT first+1)`. Each parent is an
 * index range scan that stops after first+1 rows (applications_user_id_id_idx,
 * notifications_user_id_created_at_idx), so one busy parent cannot starve the others — which a
 * single `IN (…)` query with a global LIMIT would.
 *
 * notifications is RANGE-partitioned on created_at: `created_at <= coalesce(cursor, 'infinity')` is
 * the bound the keyset predicate implies, written so pruning sees it (an `IS NULL OR` row comparison
 * prunes nothing), also in a generic plan (docs/partitions.md, "Queries and pruning").
 *
 * Why raw SQL: the delegate language has no per-parent limit. The text is static (identifiers are
 * literals here, values are bound), and it runs on the read node like `db.cached` reads; it skips
 * the response cache, which keys on delegate calls (see schema/loaders.ts for the other relations).
 */
import type { OptimizedDatabaseClient } from '../src/index.js'
import { decodeCursor, toPage, type Page } from '../src/domain/cursor.js'
import type { Application, Notification } from '../src/models/types.js'

const ID = ['id'] as const
const ID_KIND = ['int'] as const
const TIME_ID = ['createdAt', 'id'] as const
const TIME_ID_KIND = ['timestamp', 'int'] as const

const APPLICATIONS_OF_USERS = `
SELECT a.id, a.user_id AS "userId", a.program_id AS "programId", a.status, a.submitted_at AS "submittedAt",
       a.created_at AS "createdAt", a.updated_at AS "updatedAt"
  FROM unnest($1::bigint[]) AS p(id)
 CROSS JOIN LATERAL (
       SELECT x.* FROM applications x
        WHERE x.user_id = p.id AND x.id > $2::bigint
        ORDER BY x.id
        LIMIT $3::int
       ) AS a`

const NOTIFICATIONS_OF_USERS = `
SELECT n.id, n.user_id AS "userId", n.kind, n.payload, n.read_at AS "readAt", n.created_at AS "createdAt"
  FROM unnest($1::bigint[]) AS p(id)
 CROSS JOIN LATERAL (
       SELECT x.* FROM notifications x
        WHERE x.user_id = p.id
          AND ($2::boolean IS NULL OR (x.read_at IS NULL) = $2::boolean)
          AND x.created_at <= coalesce($3::timestamptz, 'infinity')
          AND ($3::timestamptz IS NULL OR (x.created_at, x.id) < ($3::timestamptz, $4::bigint))
        ORDER BY x.created_at DESC, x.id DESC
        LIMIT $5::int
       ) AS n`

export interface PageArgs { first: number; after?: string | undefined }

function byParent<T extends { userId: number }> (rows: T[], parentIds: readonly number[], first: number, keys: readonly string[]): Map<number, Page<T>> {
  const groups = new Map<number, T[]>(parentIds.map((id) => [id, []]))
  for (const row of rows) groups.get(row.userId)?.push(row)
  const pages = new Map<number, Page<T>>()
  for (const [id, group] of groups) pages.set(id, toPage(group, first, keys))
  return pages
}

export async function applicationsOfUsers (db: OptimizedDatabaseClient, userIds: readonly number[], a: PageArgs): Promise<Map<number, Page<Application>>> {
  const cursor = decodeCursor(a.after, ID, ID_KIND)
  const res = await db.query<Application>(APPLICATIONS_OF_USERS, [userIds, cursor?.id ?? 0, a.first + 1], { target: 'read' })
  return byParent(res.rows, userIds, a.first, ID)
}

export async function notificationsOfUsers (db: OptimizedDatabaseClient, userIds: readonly number[], a: PageArgs & { unread?: boolean | null | undefined }): Promise<Map<number, Page<Notification>>> {
  const cursor = decodeCursor(a.after, TIME_ID, TIME_ID_KIND)
  const values = [userIds, a.unread ?? null, cursor?.createdAt ?? null, cursor?.id ?? null, a.first + 1]
  const res = await db.query<Notification>(NOTIFICATIONS_OF_USERS, values, { target: 'read' })
  return byParent(res.rows, userIds, a.first, TIME_ID)
}
