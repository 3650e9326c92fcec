import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from 'typebox'
import { gatewayError } from '../../src/errors.js'
import type { FastifyReply } from 'fastify'
import { parsePeriod, renderHtml, renderMarkdown, type PerformanceReport } from '../../src/monitoring/report.js'
import { listReports, readReport } from '../../src/monitoring/report-store.js'
import { IdParams, errorResponses } from '../schemas.js'

const security = [{ bearerAuth: [] }]

/** `GET /admin/report?format=json|md|html&period=24h` (SPEC §4) and the stored reports. Admin scope. */
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
    return await rendered(reply, await app.monitoring.generateReport(req.query.period), req.query.format)
  })

  app.get('/admin/reports', {
    schema: {
      tags: ['admin'], summary: 'Stored reports (the weekly schedule\'s), newest first', security,
      querystring: Type.Object({ limit: Type.Integer({ minimum: 1, maximum: 104, default: 20 }) }, { additionalProperties: false }),
      response: {
        200: Type.Object({ reports: Type.Array(Type.Object({ id: Type.Integer(), period: Type.String(), generatedAt: Type.String({ format: 'date-time' }), instance: Type.String() })) }),
        ...errorResponses
      }
    }
  }, async (req) => ({ reports: await listReports(app.db.pools.primary, req.query.limit) }))

  app.get('/admin/reports/:id', {
    schema: {
      tags: ['admin'], summary: 'One stored report as JSON, Markdown or HTML', security, params: IdParams,
      querystring: Type.Object({ format: Type.Union([Type.Literal('json'), Type.Literal('md'), Type.Literal('html')], { default: 'json', description: 'one of json, md, html' }) }, { additionalProperties: false }),
      response: { 200: Type.Unknown({ description: 'the report: JSON, Markdown (text/markdown) or HTML' }), ...errorResponses }
    }
  }, async (req, reply) => {
    const report = await readReport(app.db.pools.primary, req.params.id)
    if (report === undefined) throw gatewayError('GW_ERR_NOT_FOUND', `No stored report ${req.params.id}`, { id: req.params.id })
    return await rendered(reply, report, req.query.format)
  })
}

async function rendered (reply: FastifyReply, report: PerformanceReport, format: 'json' | 'md' | 'html'): Promise<unknown> {
  if (format === 'md') return await reply.type('text/markdown; charset=utf-8').send(renderMarkdown(report))
  if (format === 'html') return await reply.type('text/html; charset=utf-8').send(renderHtml(report))
  return report
}

export default reportAdmin
