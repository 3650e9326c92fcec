import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from 'typebox'
import { OPERATIONS } from '../../src/client/delegates.js'
import { modelNames } from '../../src/models/registry.js'
import {
  EXPLAIN_SETTINGS, FINDING_KINDS, MAX_EXPLAIN_TIMEOUT_MS, MAX_SQL_LENGTH, type ExplainInput
} from '../../src/optimizer/explain/index.js'
import { errorResponses } from '../schemas.js'

// No type keyword: a union under the app's type coercion would turn 5 into "5". The core checks the
// values (a string, number, boolean or null; for params also an array of those).
const Param = Type.Unsafe<unknown>({ description: 'Value bound to $n: string, number, boolean, null, or an array of those (for = ANY ($n))' })
const SettingValue = Type.Unsafe<string | number | boolean>({ description: 'string, number or boolean' })
const Settings = Type.Object(
  Object.fromEntries(EXPLAIN_SETTINGS.map((name) => [name, Type.Optional(SettingValue)])),
  { additionalProperties: false, description: 'Planner settings for this explain only (SET LOCAL), e.g. { "work_mem": "64kB", "enable_nestloop": false }' }
)

const Body = Type.Object({
  sql: Type.Optional(Type.String({ minLength: 1, maxLength: MAX_SQL_LENGTH, description: 'One SQL statement; $1… are bound to params' })),
  params: Type.Optional(Type.Array(Param, { maxItems: 1_000 })),
  model: Type.Optional(Type.String({ enum: [...modelNames], description: 'A model of the registry; with op and args the statement is compiled as the client would run it' })),
  op: Type.Optional(Type.String({ enum: [...OPERATIONS] })),
  args: Type.Optional(Type.Object({}, { additionalProperties: true, description: 'The delegate arguments ({ where, orderBy, take, cursor, select } …)' })),
  analyze: Type.Optional(Type.Boolean({ description: 'EXPLAIN ANALYZE: executes the statement; only for a proven read-only SELECT' })),
  node: Type.Optional(Type.String({ enum: ['primary', 'replica'], description: 'Where to plan (default primary; replica falls back to the primary when none is in rotation)' })),
  timeoutMs: Type.Optional(Type.Integer({ minimum: 1, maximum: MAX_EXPLAIN_TIMEOUT_MS, description: 'statement_timeout of the explain (default 5000)' })),
  settings: Type.Optional(Settings)
}, { additionalProperties: false, oneOf: [{ required: ['sql'] }, { required: ['model', 'op'] }] })

const NodeRef = Type.Object({
  id: Type.Integer({ description: 'Pre-order position in the plan (root = 0)' }),
  type: Type.String(),
  path: Type.String({ description: 'Node types from the root down, e.g. "Limit > Seq Scan"' }),
  relation: Type.Optional(Type.String()),
  index: Type.Optional(Type.String())
})
const Finding = Type.Object({
  kind: Type.String({ enum: [...FINDING_KINDS] }),
  measured: Type.Boolean({ description: 'From executing the statement (ANALYZE) rather than from estimates' }),
  node: Type.Union([NodeRef, Type.Null()]),
  message: Type.String(),
  numbers: Type.Record(Type.String(), Type.Number()),
  suggestion: Type.String(),
  statement: Type.Optional(Type.String({ description: 'A statement acting on the suggestion; never run by the gateway' }))
})
const Result = Type.Object({
  node: Type.String({ description: 'The node that planned it' }),
  analyzed: Type.Boolean(),
  sql: Type.String(),
  params: Type.Array(Type.Unknown()),
  plan: Type.Unknown({ description: 'EXPLAIN (FORMAT JSON, BUFFERS, VERBOSE, SETTINGS) output as PostgreSQL returned it' }),
  totalCost: Type.Number(),
  planningMs: Type.Union([Type.Number(), Type.Null()]),
  executionMs: Type.Union([Type.Number(), Type.Null()]),
  findings: Type.Array(Finding)
})

/** `POST /admin/explain` (issue 10 item 4): plan analysis of a model query or one SQL statement. Admin scope. */
const explainAdmin: FastifyPluginAsyncTypebox = async (app) => {
  app.post('/admin/explain', {
    schema: {
      tags: ['admin'],
      summary: 'EXPLAIN a model query or one SQL statement (ANALYZE only for a proven read-only SELECT) and report findings',
      description: 'Runs in a READ ONLY transaction that is always rolled back, under its own statement timeout; never changes a row. See docs/optimizer.md.',
      security: [{ bearerAuth: [] }],
      body: Body,
      response: { 200: Result, 401: errorResponses[400], ...errorResponses }
    }
  }, async (req) => {
    const { analyze, node, timeoutMs, settings, ...input } = req.body
    return await app.db.explain(input as ExplainInput, { analyze, node: node as 'primary' | 'replica' | undefined, timeoutMs, settings })
  })
}

export default explainAdmin
