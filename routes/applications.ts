import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from 'typebox'
import { Application, ApplicationStatus, Id, IdParams, PageOf, PageQuery, Recommendation, RecommendationStatus, errorResponses } from './schemas.js'
import { actorOf, found } from './helpers.js'
import { getApplication, listApplications, listRecommendationsOf } from '../src/domain/reads.js'

const ApplicationWithRecommendations = Type.Intersect([Application, Type.Object({ recommendations: Type.Array(Recommendation) })])

const applications: FastifyPluginAsyncTypebox = async (app) => {
  app.get('/applications', {
    config: { cache: { ttl: 60 } },
    schema: {
      tags: ['applications'], summary: 'List applications',
      querystring: Type.Object({
        limit: PageQuery.limit,
        cursor: Type.Optional(PageQuery.cursor),
        userId: Type.Optional(Id),
        programId: Type.Optional(Id),
        status: Type.Optional(ApplicationStatus)
      }, { additionalProperties: false }),
      response: { 200: PageOf(Application), ...errorResponses }
    }
  }, (req) => listApplications(app.db.cached, req.query))

  app.post('/applications', {
    schema: {
      tags: ['applications'], summary: 'Create an application (draft unless status is submitted)',
      body: Type.Object({
        userId: Id,
        programId: Id,
        status: Type.Optional(Type.Unsafe<'draft' | 'submitted'>(Type.String({ enum: ['draft', 'submitted'] })))
      }, { additionalProperties: false }),
      response: { 201: Application, ...errorResponses }
    }
  }, async (req, reply) => {
    const created = await app.writes.createApplication(req.body, actorOf(req))
    return reply.code(201).header('location', `/applications/${created.id}`).send(created)
  })

  app.get('/applications/:id', {
    config: { cache: { ttl: 60 } },
    schema: { tags: ['applications'], summary: 'An application with its recommendations', params: IdParams, response: { 200: ApplicationWithRecommendations, ...errorResponses } }
  }, async (req) => {
    const [row, recommendations] = await Promise.all([
      getApplication(app.db.cached, req.params.id),
      listRecommendationsOf(app.db.cached, req.params.id)
    ])
    return { ...found(row, 'Application', req.params.id), recommendations }
  })

  app.patch('/applications/:id', {
    schema: {
      tags: ['applications'], summary: 'Change the status of an application',
      params: IdParams,
      body: Type.Object({ status: ApplicationStatus }, { additionalProperties: false }),
      response: { 200: Application, ...errorResponses }
    }
  }, async (req) => found(await app.writes.updateApplication(req.params.id, req.body, actorOf(req)), 'Application', req.params.id))

  app.post('/recommendations', {
    schema: {
      tags: ['recommendations'], summary: 'Ask a recommender for a letter',
      body: Type.Object({ applicationId: Id, recommenderId: Id }, { additionalProperties: false }),
      response: { 201: Recommendation, ...errorResponses }
    }
  }, async (req, reply) => {
    const created = await app.writes.createRecommendation(req.body, actorOf(req))
    return reply.code(201).header('location', `/recommendations/${created.id}`).send(created)
  })

  app.patch('/recommendations/:id', {
    schema: {
      tags: ['recommendations'], summary: 'Change the status of a recommendation',
      params: IdParams,
      body: Type.Object({ status: RecommendationStatus }, { additionalProperties: false }),
      response: { 200: Recommendation, ...errorResponses }
    }
  }, async (req) => found(await app.writes.updateRecommendation(req.params.id, req.body, actorOf(req)), 'Recommendation', req.params.id))
}

export default applications
