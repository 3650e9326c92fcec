import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from 'typebox'
import { Application, IdParams, Notification, PageOf, PageQuery, Role, TimeRangeQuery, User, errorResponses } from './schemas.js'
import { actorOf, found, userScoped } from './helpers.js'
import { getUser, listApplications, listNotifications, listUsers } from '../src/domain/reads.js'

const NewUser = Type.Object({
  email: Type.String({ format: 'email', maxLength: 254 }),
  name: Type.String({ minLength: 1, maxLength: 200 }),
  role: Type.Optional(Role),
  isActive: Type.Optional(Type.Boolean())
}, { additionalProperties: false })

const UserPatch = Type.Object({
  email: Type.Optional(Type.String({ format: 'email', maxLength: 254 })),
  name: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
  role: Type.Optional(Role),
  isActive: Type.Optional(Type.Boolean())
}, { additionalProperties: false, minProperties: 1 })

const users: FastifyPluginAsyncTypebox = async (app) => {
  app.get('/users', {
    config: { cache: { ttl: 60 } },
    schema: {
      tags: ['users'], summary: 'List users (keyset pagination)',
      querystring: Type.Object({ limit: PageQuery.limit, cursor: Type.Optional(PageQuery.cursor) }, { additionalProperties: false }),
      response: { 200: PageOf(User), ...errorResponses }
    }
  }, (req) => listUsers(app.db.cached, req.query))

  app.post('/users', {
    schema: {
      tags: ['users'], summary: 'Create a user',
      body: NewUser,
      response: { 201: User, ...errorResponses }
    }
  }, async (req, reply) => {
    const user = await app.writes.createUser(req.body, actorOf(req))
    return reply.code(201).header('location', `/users/${user.id}`).send(user)
  })

  app.get('/users/:id', {
    config: { cache: { ttl: 60 } },
    schema: { tags: ['users'], summary: 'Get a user', params: IdParams, response: { 200: User, ...errorResponses } }
  }, async (req) => found(await getUser(app.db.cached, req.params.id), 'User', req.params.id))

  app.patch('/users/:id', {
    schema: { tags: ['users'], summary: 'Update a user', params: IdParams, body: UserPatch, response: { 200: User, ...errorResponses } }
  }, async (req) => found(await app.writes.updateUser(req.params.id, req.body, actorOf(req)), 'User', req.params.id))

  app.get('/users/:id/applications', {
    config: { cache: { ttl: 60 } },
    schema: {
      tags: ['users'], summary: "A user's applications",
      params: IdParams,
      querystring: Type.Object({ limit: PageQuery.limit, cursor: Type.Optional(PageQuery.cursor) }, { additionalProperties: false }),
      response: { 200: PageOf(Application), ...errorResponses }
    }
  }, (req) => userScoped(app, req.params.id, listApplications(app.db.cached, { ...req.query, userId: req.params.id })))

  app.get('/users/:id/notifications', {
    config: { cache: { ttl: 60 } },
    schema: {
      tags: ['users'], summary: "A user's notifications, newest first",
      params: IdParams,
      querystring: Type.Object({
        limit: PageQuery.limit,
        cursor: Type.Optional(PageQuery.cursor),
        unread: Type.Optional(Type.Boolean({ description: 'true: only unread; false: only read' })),
        from: Type.Optional(TimeRangeQuery.from),
        to: Type.Optional(TimeRangeQuery.to)
      }, { additionalProperties: false }),
      response: { 200: PageOf(Notification), ...errorResponses }
    }
  }, (req) => userScoped(app, req.params.id, listNotifications(app.db.cached, { ...req.query, userId: req.params.id })))
}

export default users
