import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from 'typebox'
import { ActivityEvent, AuditLog, Id, IdParams, PageOf, PageQuery, TimeRangeQuery, errorResponses } from './schemas.js'
import { actorOf, userScoped } from './helpers.js'
import { listAuditLogs, listEvents } from '../src/domain/reads.js'

export const MAX_EVENTS_PER_BATCH = 1000

const NewEvent = Type.Object({
  userId: Id,
  kind: Type.String({ minLength: 1, maxLength: 100 }),
  payload: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
  createdAt: Type.Optional(Type.String({ format: 'date-time' }))
}, { additionalProperties: false })

const events: FastifyPluginAsyncTypebox = async (app) => {
  app.post('/events', {
    schema: {
      tags: ['events'], summary: `Batch-ingest activity events (1 to ${MAX_EVENTS_PER_BATCH})`,
      body: Type.Object({ events: Type.Array(NewEvent, { minItems: 1, maxItems: MAX_EVENTS_PER_BATCH }) }, { additionalProperties: false }),
      response: { 202: Type.Object({ accepted: Type.Integer() }), ...errorResponses }
    }
  }, async (req, reply) => {
    const accepted = await app.writes.recordEvents(req.body.events, actorOf(req))
    return reply.code(202).send({ accepted })
  })

  app.get('/users/:id/events', {
    config: { cache: { ttl: 60 } },
    schema: {
      tags: ['events'], summary: "A user's activity events, newest first",
      params: IdParams,
      querystring: Type.Object({
        limit: PageQuery.limit, cursor: Type.Optional(PageQuery.cursor), from: Type.Optional(TimeRangeQuery.from), to: Type.Optional(TimeRangeQuery.to)
      }, { additionalProperties: false }),
      response: { 200: PageOf(ActivityEvent), ...errorResponses }
    }
  }, (req) => userScoped(app, req.params.id, listEvents(app.db.cached, { ...req.query, userId: req.params.id })))

  app.get('/audit-logs', {
    config: { cache: { ttl: 60 } },
    schema: {
      tags: ['audit'], summary: 'Audit trail, newest first',
      querystring: Type.Object({
        limit: PageQuery.limit,
        cursor: Type.Optional(PageQuery.cursor),
        entity: Type.Optional(Type.String({ enum: ['users', 'applications', 'recommendations', 'activity_events'] })),
        entityId: Type.Optional(Id),
        from: Type.Optional(TimeRangeQuery.from),
        to: Type.Optional(TimeRangeQuery.to)
      }, { additionalProperties: false }),
      response: { 200: PageOf(AuditLog), ...errorResponses }
    }
  }, (req) => listAuditLogs(app.db.cached, req.query))
}

export default events
