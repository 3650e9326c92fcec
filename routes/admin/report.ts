import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from 'typebox'
import { gatewayError } from '../../src/errors.js'
import { parsePeriod, renderHtml, renderMarkdown } from '../../src/monitoring/report.js'
import { errorResponses } from '../schemas.js'

const security = [{ bearerAuth: [] }]

/** `GET /admin/report?format=json|md|html&period=24h` (SPEC §4). Admin scope. */
const reportAdmin: FastifyPluginAsyncTypebox = async (app) => {
  app.get('/admin/report', {
    schema: {
      tags: ['admin'], summary: 'Performance report over a period: headline figures, slowest queries with plans, cache, replicas, alerts', security,
      querystring: Type.Object({
        format: Type.Union([Type.Literal('json'), Type.Literal('md'), Type.Literal('html')], { default: 'json', description: 'one of json, md, html' }),
        period: Type.String({ default: '24h', pattern: '^\\d{1,5}[mhd]$', description: 'a period such as 15m, 1h, 24h or 7d (at most 90d)' })
      }, { additionalProperties: false }),
      response: { 200: Type.Unknown({ description: 'the report: JSON, Markdown (text/markdown) or HTML' }), ...errorResponses }
    }
  }, async (req, reply) => {
    if (parsePeriod(req.query.period) === undefined) throw gatewayError('GW_ERR_VALIDATION', 'period must be 1m to 90d, such as 15m, 1h, 24h or 7d')
    const report = await app.monitoring.generateReport(req.query.period)
    if (req.query.format === 'md') return reply.type('text/markdown; charset=utf-8').send(renderMarkdown(report))
    if (req.query.format === 'html') return reply.type('text/html; charset=utf-8').send(renderHtml(report))
    return report
  })
}

export default reportAdmin
