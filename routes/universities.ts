import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from 'typebox'
import { IdParams, PageOf, PageQuery, Program, University, UniversityStats, errorResponses } from './schemas.js'
import { found, readQuery } from './helpers.js'
import { getUniversity, getUniversityStatsWithRefresh, listProgramsOf, listUniversities } from '../src/domain/reads.js'

const UniversityWithPrograms = Type.Intersect([University, Type.Object({ programs: Type.Array(Program) })])

const universities: FastifyPluginAsyncTypebox = async (app) => {
  app.get('/universities', {
    config: { cache: { ttl: 60 } },
    schema: {
      tags: ['universities'], summary: 'List universities',
      querystring: Type.Object({
        limit: PageQuery.limit,
        cursor: Type.Optional(PageQuery.cursor),
        search: Type.Optional(Type.String({ minLength: 1, maxLength: 100, description: 'Case-insensitive substring of the name' })),
        country: Type.Optional(Type.String({ minLength: 1, maxLength: 100 }))
      }, { additionalProperties: false }),
      response: { 200: PageOf(University), ...errorResponses }
    }
  }, (req) => listUniversities(app.db.cached, req.query))

  app.get('/universities/:id', {
    config: { cache: { ttl: 60 } },
    schema: { tags: ['universities'], summary: 'A university with its programs', params: IdParams, response: { 200: UniversityWithPrograms, ...errorResponses } }
  }, async (req) => {
    const [uni, programs] = await Promise.all([
      getUniversity(app.db.cached, req.params.id),
      listProgramsOf(app.db.cached, req.params.id)
    ])
    return { ...found(uni, 'University', req.params.id), programs }
  })

  // Tagged with the view's model as well: refreshedAt is a raw read, and a refresh (refresh-views)
  // invalidates the model, so the next GET shows the new numbers and time.
  app.get('/universities/:id/stats', {
    config: { cache: { ttl: 300, tags: ['universityApplicationStats'] } },
    schema: {
      tags: ['universities'], summary: 'Application statistics (materialized view, refreshed by maintenance)',
      params: IdParams, response: { 200: UniversityStats, ...errorResponses }
    }
  }, async (req) => found(await getUniversityStatsWithRefresh(app.db.cached, readQuery(app), req.params.id), 'University', req.params.id))
}

export default universities
