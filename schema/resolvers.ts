/**
 * Root resolvers. Reads are the domain reads REST uses, on `db.cached`; writes are the domain
 * writes (one transaction with the audit row). Relations are resolved by loaders.ts.
 */
import type { IResolvers, MercuriusContext } from 'mercurius'
import { getApplication, getUniversity, getUniversityStats, getUser, listApplications, listUniversities, listUsers } from '../src/domain/reads.js'
import type { ApplicationStatus, RecommendationStatus } from '../src/models/types.js'
import { actorOf, found } from '../routes/helpers.js'
import { DateTime, JSONScalar } from './scalars.js'
import {
  cursorArg, newApplication, newEvents, newRecommendation, newUser, optionalId, optionalText, pageSize, toId, userPatch
} from './inputs.js'

type Args = Record<string, unknown>
type Resolver = (root: unknown, args: Args, ctx: MercuriusContext) => unknown

const page = (args: Args) => ({ limit: pageSize(args.first), cursor: cursorArg(args.after) })

const query: Record<string, Resolver> = {
  user: (_, args, ctx) => getUser(ctx.app.db.cached, toId(args.id, 'id')),
  users: (_, args, ctx) => listUsers(ctx.app.db.cached, page(args)),
  university: (_, args, ctx) => getUniversity(ctx.app.db.cached, toId(args.id, 'id')),
  universities: (_, args, ctx) => listUniversities(ctx.app.db.cached, {
    ...page(args), search: optionalText(args.search, 'search'), country: optionalText(args.country, 'country')
  }),
  application: (_, args, ctx) => getApplication(ctx.app.db.cached, toId(args.id, 'id')),
  applications: (_, args, ctx) => listApplications(ctx.app.db.cached, {
    ...page(args), userId: optionalId(args.userId, 'userId'), status: (args.status ?? undefined) as ApplicationStatus | undefined
  }),
  universityStats: (_, args, ctx) => getUniversityStats(ctx.app.db.cached, toId(args.id, 'id'))
}

const actor = (ctx: MercuriusContext) => actorOf(ctx.reply.request)

const mutation: Record<string, Resolver> = {
  createUser: (_, args, ctx) => ctx.app.writes.createUser(newUser(args.input as Args), actor(ctx)),
  updateUser: async (_, args, ctx) => {
    const id = toId(args.id, 'id')
    return found(await ctx.app.writes.updateUser(id, userPatch(args.input as Args), actor(ctx)), 'User', id)
  },
  createApplication: (_, args, ctx) => ctx.app.writes.createApplication(newApplication(args.input as Args), actor(ctx)),
  updateApplication: async (_, args, ctx) => {
    const id = toId(args.id, 'id')
    return found(await ctx.app.writes.updateApplication(id, { status: args.status as ApplicationStatus }, actor(ctx)), 'Application', id)
  },
  createRecommendation: (_, args, ctx) => ctx.app.writes.createRecommendation(newRecommendation(args.input as Args), actor(ctx)),
  updateRecommendation: async (_, args, ctx) => {
    const id = toId(args.id, 'id')
    return found(await ctx.app.writes.updateRecommendation(id, { status: args.status as RecommendationStatus }, actor(ctx)), 'Recommendation', id)
  },
  recordEvents: async (_, args, ctx) => ({ accepted: await ctx.app.writes.recordEvents(newEvents(args.events), actor(ctx)) })
}

export const resolvers: IResolvers = {
  DateTime,
  JSON: JSONScalar,
  Query: query,
  Mutation: mutation
}
