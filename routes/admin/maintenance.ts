import type { FastifySchemaCompiler } from 'fastify'
import { TypeBoxValidatorCompiler, type FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type, type TSchema } from 'typebox'
import { gatewayError } from '../../src/errors.js'
import { isTaskName, MAINTENANCE_TASKS } from '../../src/maintenance/index.js'
import { toErrorBody } from '../../plugins/errors.js'
import { errorResponses, Id, IdParams } from '../schemas.js'
import { found } from '../helpers.js'

const security = [{ bearerAuth: [] }]
const NullableTime = Type.Union([Type.String({ format: 'date-time' }), Type.Null()])
const TaskName = Type.String({ enum: [...MAINTENANCE_TASKS] })

const TaskItem = Type.Object({
  target: Type.String({ description: 'table, partitioned table, view or cache key' }),
  action: Type.String({ description: 'VACUUM, ANALYZE, a partition step, REFRESH MATERIALIZED VIEW CONCURRENTLY, warm' }),
  status: Type.String({ enum: ['done', 'would', 'skipped', 'failed'], description: '`would`: a dry run\'s plan; `skipped`: lock not granted within lock_timeout, retried on the next run' }),
  reason: Type.Optional(Type.String({ description: 'why VACUUM / ANALYZE chose this table (pg_stat_user_tables)' })),
  detail: Type.Optional(Type.String()),
  durationMs: Type.Optional(Type.Number()),
  partitions: Type.Optional(Type.Array(Type.String())),
  rows: Type.Optional(Type.Number()),
  refreshedAt: Type.Optional(Type.String({ format: 'date-time' }))
})
const TaskResult = Type.Object({
  task: TaskName,
  status: Type.String({ enum: ['pending', 'running', 'done', 'partial', 'skipped', 'failed'] }),
  startedAt: NullableTime,
  durationMs: Type.Union([Type.Number(), Type.Null()]),
  detail: Type.String(),
  items: Type.Array(TaskItem)
})
const Job = Type.Object({
  id: Id,
  tasks: Type.Array(TaskName),
  dryRun: Type.Boolean(),
  status: Type.String({ enum: ['queued', 'running', 'done', 'partial', 'failed', 'abandoned'] }),
  results: Type.Array(TaskResult),
  requestedBy: Type.String({ description: 'api, schedule:<job> or library' }),
  instance: Type.String({ description: 'the gateway instance that ran it' }),
  error: Type.Union([Type.String(), Type.Null()]),
  createdAt: Type.String({ format: 'date-time' }),
  startedAt: NullableTime,
  finishedAt: NullableTime
})

const StartBody = Type.Object({
  tasks: Type.Optional(Type.Array(TaskName, { minItems: 1, uniqueItems: true, description: `Default: all (${MAINTENANCE_TASKS.join(', ')}); warm-cache only with the cache on. Run in that order.` })),
  dryRun: Type.Optional(Type.Boolean({ description: 'Report what would be done; change nothing' }))
}, { additionalProperties: false })

/**
 * The app's Ajv coerces types (`"true"` → true, `"vacuum"` → ["vacuum"]); a maintenance request
 * must say exactly what it means, so its body is checked by TypeBox as it is. No body = `{}`.
 */
const exactBody: FastifySchemaCompiler<TSchema> = (route) => {
  const check = TypeBoxValidatorCompiler(route)
  return (value: unknown) => value === undefined ? { value } : check(value)
}

/** Maintenance jobs (SPEC §4; docs/maintenance.md). Registered in the admin scope. */
const maintenanceAdmin: FastifyPluginAsyncTypebox = async (app) => {
  app.post('/admin/maintenance', {
    attachValidation: true,
    validatorCompiler: exactBody,
    schema: {
      tags: ['admin'], security,
      summary: 'Start a maintenance job (runs in the background; one at a time across instances)',
      body: StartBody,
      response: { 202: Job, ...errorResponses, 401: errorResponses[400] }
    }
  }, async (req, reply) => {
    if (req.validationError !== undefined) {
      const b = toErrorBody(req.validationError)
      const body: unknown = req.body
      const fields = body !== null && typeof body === 'object' && !Array.isArray(body) ? Object.keys(body) : []
      const extra = fields.filter((k) => !Object.hasOwn(StartBody.properties, k)).map((k) => JSON.stringify(k))
      const tasks: unknown = (body as { tasks?: unknown } | null)?.tasks
      const unknown = Array.isArray(tasks) ? tasks.filter((t) => !isTaskName(t)).map((t) => JSON.stringify(t)) : []
      // TypeBox words an extra field "schema is false": say what is wrong instead.
      const reason = extra.length > 0 ? `body: unknown field(s) ${extra.join(', ')}` : `${b.message}${unknown.length > 0 ? ` (unknown task(s) ${unknown.join(', ')})` : ''}`
      throw gatewayError('GW_ERR_VALIDATION', `${reason}; the body is { tasks?: string[], dryRun?: boolean } with tasks from: ${MAINTENANCE_TASKS.join(', ')}`,
        { ...b.details, allowedTasks: [...MAINTENANCE_TASKS] })
    }
    const job = await app.maintenance.start(req.body?.tasks, { dryRun: req.body?.dryRun ?? false, requestedBy: 'api' })
    return reply.code(202).header('location', `/admin/maintenance/${job.id}`).send(job)
  })

  app.get('/admin/maintenance', {
    schema: {
      tags: ['admin'], security, summary: 'Recent maintenance jobs, newest first',
      querystring: Type.Object({ limit: Type.Integer({ minimum: 1, maximum: 100, default: 20 }) }, { additionalProperties: false }),
      response: { 200: Type.Object({ jobs: Type.Array(Job) }), ...errorResponses, 401: errorResponses[400] }
    }
  }, async (req) => ({ jobs: await app.maintenance.jobs(req.query.limit) }))

  app.get('/admin/maintenance/:id', {
    schema: {
      tags: ['admin'], security, summary: 'A maintenance job with per-task status, duration and detail',
      params: IdParams,
      response: { 200: Job, ...errorResponses, 401: errorResponses[400] }
    }
  }, async (req) => found(await app.maintenance.job(req.params.id), 'Maintenance job', req.params.id))
}

export default maintenanceAdmin
