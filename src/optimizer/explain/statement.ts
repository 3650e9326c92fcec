/**
 * The statement an explain input stands for. A model query is compiled by the client's own
 * operation handler (src/client/delegates.ts) over a target that records the statement instead of
 * running it, so what is planned is exactly what `db.read.<model>.<op>(args)` would send.
 */
import { OPERATIONS, createOperationHandler, type OperationName, type StatementTarget } from '../../client/delegates.js'
import { codedError } from '../../client/pg-errors.js'
import { models, type ModelName } from '../../models/registry.js'
import type { CompiledQuery } from '../../query/compile.js'
import { describeName, invalid, isPlainObject } from '../../query/identifiers.js'
import type { ExplainInput } from './types.js'

/** Thrown by the recording target to stop the handler once the statement is known. */
class Recorded {
  constructor (readonly query: CompiledQuery) {}
}

const recorder: StatementTarget = {
  read: async (query) => { throw new Recorded(query) },
  write: async (query) => { throw new Recorded(query) }
}
const compileOperation = createOperationHandler(recorder)

/** Longest SQL text accepted: a statement to diagnose, not a script. */
export const MAX_SQL_LENGTH = 100_000

export async function resolveStatement (input: ExplainInput): Promise<CompiledQuery> {
  if (!isPlainObject(input)) throw invalid('explain expects { sql, params? } or { model, op, args? }')
  if ('sql' in input && ('model' in input || 'op' in input || 'args' in input)) throw invalid('give either { sql, params? } or { model, op, args? }, not both')
  if ('sql' in input) {
    if (typeof input.sql !== 'string' || input.sql.trim() === '') throw invalid('sql must be a non-empty string')
    if (input.sql.length > MAX_SQL_LENGTH) throw invalid(`sql is longer than ${MAX_SQL_LENGTH} characters`)
    if (input.params !== undefined && (!Array.isArray(input.params) || !input.params.every(bindable))) {
      throw invalid('params must be an array of strings, numbers, booleans, nulls or arrays of those')
    }
    return { text: input.sql, values: input.params ?? [] }
  }
  const { model, op, args } = input as { model?: unknown; op?: unknown; args?: unknown }
  if (typeof model !== 'string' || !Object.hasOwn(models, model)) {
    throw invalid(`Unknown model ${describeName(String(model))}`, { model })
  }
  if (typeof op !== 'string' || !(OPERATIONS as readonly string[]).includes(op)) {
    throw invalid(`op must be one of: ${OPERATIONS.join(', ')}`, { op })
  }
  try {
    await compileOperation(model as ModelName, op as OperationName, args)
  } catch (err) {
    if (err instanceof Recorded) return err.query
    throw err
  }
  throw codedError('GW_ERR_INTERNAL', `${model}.${op} compiled no statement`)
}

function scalar (v: unknown): boolean {
  return v === null || ['string', 'number', 'boolean'].includes(typeof v)
}

function bindable (v: unknown): boolean {
  return scalar(v) || (Array.isArray(v) && v.every(scalar))
}
