/**
 * One transaction on one primary connection. BEGIN … COMMIT, ROLLBACK when the callback throws;
 * a connection whose ROLLBACK fails is destroyed rather than returned to the pool in an unknown
 * state.
 */
import { performance } from 'node:perf_hooks'
import type pg from 'pg'
import { commitReadingLsn } from './commit-lsn.js'
import type { ModelDef, ModelName } from '../models/registry.js'
import { WRITE_OPERATIONS, updatedFields, createDelegates, createOperationHandler } from './delegates.js'
import { execute, type QueryListener } from './executor.js'
import { codedError, toGatewayError } from './pg-errors.js'
import type { ModelDelegates, WriteRecord } from './types.js'

export type IsolationLevel = 'read committed' | 'repeatable read' | 'serializable'

export interface TransactionOptions {
  isolation?: IsolationLevel
  readOnly?: boolean
}

export type TransactionClient = ModelDelegates & {
  query<R extends pg.QueryResultRow = any> (text: string, values?: unknown[]): Promise<pg.QueryResult<R>>
  /**
   * Declares a write made with raw SQL so the commit event (and cache invalidation) covers it:
   * the rows written (with their key and parent-key fields) and, for updates, the fields set.
   */
  markWritten (model: ModelName, rows?: Array<Record<string, unknown>>, fields?: string[]): void
  /** Declares rows inserted with raw SQL (new rows: their lists change, no cached lookup can hold them). */
  markCreated (model: ModelName, rows: Array<Record<string, unknown>>): void
}

/**
 * Called after COMMIT with every write the transaction made, on the same connection (to read the
 * commit's WAL position). What it returns runs after the connection is back in the pool, so slow
 * follow-up work (cache invalidation over Redis) never holds a primary connection.
 */
export type CommitHook = (writes: WriteRecord[], client: pg.PoolClient, lsn: string | undefined) => Promise<(() => Promise<void>) | void>

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

/** COMMIT (reported as a 'query' event like any statement) and the WAL position after it. */
async function commitWithLsn (client: pg.PoolClient, onQuery: QueryListener): Promise<string | undefined> {
  const start = performance.now()
  try {
    const lsn = await commitReadingLsn(client)
    onQuery({ sql: 'COMMIT', node: 'primary', durationMs: performance.now() - start, rowCount: null })
    return lsn
  } catch (err) {
    const mapped = toGatewayError(err, { node: 'primary' })
    onQuery({ sql: 'COMMIT', node: 'primary', durationMs: performance.now() - start, rowCount: null, error: mapped })
    throw mapped
  }
}

export async function runTransaction<T> (
  pool: pg.Pool,
  onQuery: QueryListener,
  fn: (tx: TransactionClient) => Promise<T>,
  opts: TransactionOptions = {},
  onCommit?: CommitHook
): Promise<T> {
  const begin = beginStatement(opts)
  let client: pg.PoolClient
  try {
    client = await pool.connect()
  } catch (err) {
    throw toGatewayError(err, { node: 'primary' })
  }
  // Checked out, a client has no pool listener: a backend that dies while the callback awaits
  // something else would emit an unhandled 'error' and crash the process. The next statement
  // fails on its own; the connection is then destroyed, never returned to the pool.
  let lost: Error | undefined
  const onLost = (err: Error): void => { lost ??= err }
  client.on('error', onLost)
  const release = (err?: Error): void => {
    client.off('error', onLost)
    client.release(err ?? lost ?? false)
  }
  let open = true
  const run = (text: string, values?: unknown[], model?: ModelDef): Promise<pg.QueryResult> => {
    // A statement after COMMIT/ROLLBACK would run outside the transaction on a pooled connection.
    if (!open) return Promise.reject(codedError('GW_ERR_INTERNAL', 'The transaction has already finished', { node: 'primary' }))
    return execute('primary', client, text, values, onQuery, model)
  }
  const writes: WriteRecord[] = []
  const handler = createOperationHandler({
    read: (q, model) => run(q.text, q.values, model),
    write: (q, model) => run(q.text, q.values, model)
  })
  const delegates = createDelegates(async (model, op, args) => {
    const result = await handler(model, op, args)
    if (WRITE_OPERATIONS.has(op)) writes.push({ model, op: op as WriteRecord['op'], row: result as Record<string, unknown> | null, ...updatedFields(op, args) })
    return result
  })
  const tx = {
    ...delegates,
    query: (text: string, values?: unknown[]) => run(text, values),
    markWritten: (model: ModelName, rows?: Array<Record<string, unknown>>, fields?: string[]) => {
      if (rows === undefined || rows.length === 0) writes.push({ model, op: 'raw', row: null })
      else for (const row of rows) writes.push({ model, op: 'raw', row, ...(fields ? { fields } : {}) })
    },
    markCreated: (model: ModelName, rows: Array<Record<string, unknown>>) => {
      for (const row of rows) writes.push({ model, op: 'create', row })
    }
  } as TransactionClient

  try {
    await run(begin)
    const result = await fn(tx)
    // A transaction that wrote reads its commit position in the COMMIT's own round trip.
    const lsn = writes.length > 0 && onCommit !== undefined ? await commitWithLsn(client, onQuery) : (await run('COMMIT'), undefined)
    open = false
    let afterRelease: (() => Promise<void>) | void = undefined
    try {
      afterRelease = await onCommit?.(writes, client, lsn)
    } catch {
      // The hook reports its own failures; a committed write is never reported as failed.
    } finally {
      release()
    }
    await afterRelease?.()
    return result
  } catch (err) {
    let destroy: Error | undefined
    try {
      await execute('primary', client, 'ROLLBACK', undefined, onQuery)
    } catch (rollbackErr) {
      destroy = rollbackErr as Error
    }
    open = false
    release(destroy)
    throw err
  }
}
