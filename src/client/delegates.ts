/**
 * Model delegates (`db.primary.users.findMany(…)`) over one operation handler. Layers that add
 * behaviour — cache, metrics, routing — wrap the handler (`(model, op, args) => …`, STYLE §10);
 * the compiler and the executor stay plain.
 */
import type pg from 'pg'
import { modelNames, models, type ModelDef, type ModelName } from '../models/registry.js'
import {
  compileCount, compileCreate, compileDelete, compileFindFirst, compileFindMany, compileFindUnique, compileUpdate,
  type CompiledQuery
} from '../query/compile.js'
import { codedError } from './pg-errors.js'
import type { ModelDelegate, ModelDelegates } from './types.js'

export const OPERATIONS = ['findMany', 'findUnique', 'findFirst', 'count', 'create', 'update', 'delete'] as const
export type OperationName = typeof OPERATIONS[number]
export const WRITE_OPERATIONS: ReadonlySet<OperationName> = new Set(['create', 'update', 'delete'])

/** The fields an update sets, for its write record (cache tags of lists keyed by them). */
export function updatedFields (op: OperationName, args: unknown): { fields?: string[] } {
  if (op !== 'update') return {}
  const data = (args as { data?: Record<string, unknown> } | undefined)?.data
  return data && typeof data === 'object' ? { fields: Object.keys(data) } : {}
}

export type OperationHandler = (model: ModelName, op: OperationName, args: unknown) => Promise<unknown>

/** Where compiled statements run: reads and writes may go to different nodes. */
export interface StatementTarget {
  read (query: CompiledQuery, model: ModelDef): Promise<pg.QueryResult>
  write (query: CompiledQuery, model: ModelDef): Promise<pg.QueryResult>
}

/** Compiles an operation, runs it on `target` and shapes the result. */
export function createOperationHandler (target: StatementTarget): OperationHandler {
  return async (name, op, args) => {
    const model: ModelDef = models[name]
    switch (op) {
      case 'findMany':
        return (await target.read(compileFindMany(model, args), model)).rows
      case 'findUnique':
        return first((await target.read(compileFindUnique(model, args), model)).rows)
      case 'findFirst':
        return first((await target.read(compileFindFirst(model, args), model)).rows)
      case 'count':
        return Number((first((await target.read(compileCount(model, args), model)).rows) as { count: unknown } | null)?.count ?? 0)
      case 'create': {
        const row = first((await target.write(compileCreate(model, args), model)).rows)
        if (row === null) throw codedError('GW_ERR_INTERNAL', 'INSERT returned no row', { model: name })
        return row
      }
      case 'update':
        return first((await target.write(compileUpdate(model, args), model)).rows)
      case 'delete':
        return first((await target.write(compileDelete(model, args), model)).rows)
    }
  }
}

function first (rows: unknown[]): unknown {
  return rows[0] ?? null
}

export function createDelegates (handle: OperationHandler): ModelDelegates {
  const out: Record<string, ModelDelegate<unknown>> = {}
  for (const name of modelNames) {
    const call = (op: OperationName) => (args?: unknown) => handle(name, op, args)
    out[name] = Object.freeze({
      findMany: call('findMany'),
      findUnique: call('findUnique'),
      findFirst: call('findFirst'),
      count: call('count'),
      create: call('create'),
      update: call('update'),
      delete: call('delete')
    }) as ModelDelegate<unknown>
  }
  return Object.freeze(out) as unknown as ModelDelegates
}
