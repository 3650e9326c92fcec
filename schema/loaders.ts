/**
 * Batched relation loaders (mercurius `loaders`: one call per relation per execution level, with
 * every parent of that level). Each relation is ONE statement however many parents there are:
 * - to-one relations: `findMany({ where: { id: { in: [...] } } })` on `db.cached`, mapped back by key;
 * - bounded lists (University.programs, Application.recommendations): one `in` query on `db.cached`
 *   ordered by (parent, id), sliced per parent to the same cap as REST. The batch is capped at
 *   MAX_TAKE rows (10 000, far above real data: ~4 programs per university, ~2 recommendations
 *   per application); a batch that reaches it logs a warning, as its last parents may be short;
 * - paginated lists (User.applications, User.notifications): one LATERAL query with an exact
 *   per-parent `first` (nested-pages.ts), one per distinct argument set (aliases may differ).
 */
import type { MercuriusContext, MercuriusLoaders } from 'mercurius'
import type { ModelDelegate, ModelDelegates, OrderByInput, WhereInput } from '../src/client/types.js'
import { MAX_TAKE } from '../src/index.js'
import type { Page } from '../src/domain/cursor.js'
import type { Application, Notification, Program, Recommendation, University, UniversityApplicationStats, User } from '../src/models/types.js'
import { cursorArg, pageSize } from './inputs.js'
import { statsRefreshedAt } from '../src/domain/reads.js'
import { readQuery } from '../routes/helpers.js'
import { applicationsOfUsers, notificationsOfUsers } from './nested-pages.js'

/** Per-parent caps of the plain lists, as on the REST detail views (routes/universities.ts, routes/applications.ts). */
export const PROGRAMS_PER_UNIVERSITY = 500
export const RECOMMENDATIONS_PER_APPLICATION = 1000

interface LoaderQuery<Obj, Params = Record<string, unknown>> { obj: Obj; params: Params }
type DelegateOf<Row> = (d: ModelDelegates) => ModelDelegate<Row>

const unique = (ids: number[]): number[] => [...new Set(ids)]

function toOne<Obj, Row> (pick: DelegateOf<Row>, key: keyof Row & string, fk: (obj: Obj) => number) {
  return async (queries: LoaderQuery<Obj>[], ctx: MercuriusContext): Promise<(Row | null)[]> => {
    const ids = unique(queries.map((q) => fk(q.obj)))
    const where = { [key]: { in: ids } } as WhereInput<Row>
    const rows = await pick(ctx.app.db.cached).findMany({ where, take: ids.length })
    const byKey = new Map(rows.map((r) => [r[key] as number, r]))
    return queries.map((q) => byKey.get(fk(q.obj)) ?? null)
  }
}

function toMany<Row extends { id: number }> (pick: DelegateOf<Row>, fk: keyof Row & string, perParent: number, relation: string) {
  return async (queries: LoaderQuery<{ id: number }>[], ctx: MercuriusContext): Promise<Row[][]> => {
    const ids = unique(queries.map((q) => q.obj.id))
    const where = { [fk]: { in: ids } } as WhereInput<Row>
    const orderBy = [{ [fk]: 'asc' }, { id: 'asc' }] as OrderByInput<Row>
    // The cap is on the batch, not per parent times parents: a parent with more than perParent
    // rows must not push the next parents out of a smaller LIMIT.
    const rows = await pick(ctx.app.db.cached).findMany({ where, orderBy, take: MAX_TAKE })
    if (rows.length === MAX_TAKE) {
      ctx.reply.log.warn({ relation, parents: ids.length, take: MAX_TAKE }, 'GraphQL list batch reached the row cap; trailing parents may be incomplete')
    }
    const groups = new Map<number, Row[]>(ids.map((id) => [id, []]))
    for (const row of rows) {
      const group = groups.get(row[fk] as number)
      if (group && group.length < perParent) group.push(row)
    }
    return queries.map((q) => groups.get(q.obj.id) ?? [])
  }
}

type PageFetch<P, T> = (ctx: MercuriusContext, ids: number[], params: P) => Promise<Map<number, Page<T>>>

/** One statement per distinct argument set; a bad argument fails only the parents that used it. */
function nestedPages<P, T> (fetch: PageFetch<P, T>) {
  return async (queries: LoaderQuery<{ id: number }, P>[], ctx: MercuriusContext): Promise<(Page<T> | Error)[]> => {
    const groups = new Map<string, { params: P; ids: number[] }>()
    for (const q of queries) {
      const key = JSON.stringify(q.params)
      const group = groups.get(key) ?? { params: q.params, ids: [] }
      group.ids.push(q.obj.id)
      groups.set(key, group)
    }
    const results = new Map<string, Map<number, Page<T>> | Error>()
    await Promise.all([...groups].map(async ([key, g]) => {
      try {
        results.set(key, await fetch(ctx, unique(g.ids), g.params))
      } catch (err) {
        results.set(key, err as Error)
      }
    }))
    return queries.map((q) => {
      const r = results.get(JSON.stringify(q.params))
      return r instanceof Error ? r : r?.get(q.obj.id) ?? { items: [], nextCursor: null }
    })
  }
}

interface PageParams { first?: number | null; after?: string | null }

export const loaders = {
  User: {
    applications: nestedPages<PageParams, Application>((ctx, ids, p) =>
      applicationsOfUsers(ctx.app.db, ids, { first: pageSize(p.first), after: cursorArg(p.after) })),
    notifications: nestedPages<PageParams & { unread?: boolean | null }, Notification>((ctx, ids, p) =>
      notificationsOfUsers(ctx.app.db, ids, { first: pageSize(p.first), after: cursorArg(p.after), unread: p.unread }))
  },
  University: {
    programs: toMany<Program>((d) => d.programs, 'universityId', PROGRAMS_PER_UNIVERSITY, 'University.programs'),
    stats: toOne<University, UniversityApplicationStats>((d) => d.universityApplicationStats, 'universityId', (u) => u.id)
  },
  UniversityStats: {
    // One read per execution level, whatever the number of stats objects.
    refreshedAt: async (queries: LoaderQuery<unknown>[], ctx: MercuriusContext): Promise<Array<Date | null>> => {
      const at = await statsRefreshedAt(readQuery(ctx.app))
      return queries.map(() => at)
    }
  },
  Program: {
    university: toOne<Program, University>((d) => d.universities, 'id', (p) => p.universityId)
  },
  Application: {
    user: toOne<Application, User>((d) => d.users, 'id', (a) => a.userId),
    program: toOne<Application, Program>((d) => d.programs, 'id', (a) => a.programId),
    recommendations: toMany<Recommendation>((d) => d.recommendations, 'applicationId', RECOMMENDATIONS_PER_APPLICATION, 'Application.recommendations')
  },
  Recommendation: {
    recommender: toOne<Recommendation, User>((d) => d.users, 'id', (r) => r.recommenderId),
    application: toOne<Recommendation, Application>((d) => d.applications, 'id', (r) => r.applicationId)
  }
} satisfies MercuriusLoaders
