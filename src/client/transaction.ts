/**
 * One transaction on one primary connection. BEGIN … COMMIT, ROLLBACK when the callback throws;
 * a connection whose ROLLBACK fails is destroyed rather than returned to the pool in an unknown
 * state.
 */
import type pg from 'pg'
import type { ModelDef } from '../models/registry.js'
import { createDelegates, createOperationHandler } from './delegates.js'
import { execute, type QueryListener } from './executor.js'
import { codedError, toGatewayError } from './pg-errors.js'
import type { ModelDelegates } from './types.js'

export type IsolationLevel = 'read committed' | 'repeatable read' | 'serializable'

export interface TransactionOptions {
  isolation?: IsolationLevel
  readOnly?: boolean
}

export type TransactionClient = ModelDelegates & {
  query<R extends pg.QueryResultRow = any> (text: string, values?: unknown[]): Promise<pg.QueryResult<R>>
}

const ISOLATION: Record<IsolationLevel, string> = {
  'read committed': 'READ COMMITTED',
  'repeatable read': 'REPEATABLE READ',
  serializable: 'SERIALIZABLE'
}

function beginStatement (opts: TransactionOptions): string {
  let text = 'BEGIN'
  if (opts.isolation !== undefined) {
    const level = Object.hasOwn(ISOLATION, opts.isolation) ? ISOLATION[opts.isolation] : undefined
    if (level === undefined) throw codedError('GW_ERR_INVALID_QUERY', 'isolation must be one of: read committed, repeatable read, serializable')
    text += ` ISOLATION LEVEL ${level}`
  }
  if (opts.readOnly === true) text += ' READ ONLY'
  return text
}

export async function runTransaction<T> (
  pool: pg.Pool,
  onQuery: QueryListener,
  fn: (tx: TransactionClient) => Promise<T>,
  opts: TransactionOptions = {}
): Promise<T> {
  const begin = beginStatement(opts)
  let client: pg.PoolClient
  try {
    client = await pool.connect()
  } catch (err) {
    throw toGatewayError(err, { node: 'primary' })
  }
  let open = true
  const run = (text: string, values?: unknown[], model?: ModelDef): Promise<pg.QueryResult> => {
    // A statement after COMMIT/ROLLBACK would run outside the transaction on a pooled connection.
    if (!open) return Promise.reject(codedError('GW_ERR_INTERNAL', 'The transaction has already finished', { node: 'primary' }))
    return execute('primary', client, text, values, onQuery, model)
  }
  const delegates = createDelegates(createOperationHandler({
    read: (q, model) => run(q.text, q.values, model),
    write: (q, model) => run(q.text, q.values, model)
  }))
  const tx = { ...delegates, query: (text: string, values?: unknown[]) => run(text, values) } as TransactionClient

  try {
    await run(begin)
    const result = await fn(tx)
    await run('COMMIT')
    open = false
    client.release()
    return result
  } catch (err) {
    let destroy: Error | undefined
    try {
      await execute('primary', client, 'ROLLBACK', undefined, onQuery)
    } catch (rollbackErr) {
      destroy = rollbackErr as Error
    }
    open = false
    client.release(destroy ?? false)
    throw err
  }
}
