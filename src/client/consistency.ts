/**
 * Read consistency for library callers (SPEC §6 Read-your-writes): a per-call
 * `{ consistency: { minLsn } | { strong: true } }` option, and sessions that carry their own
 * context so a session's reads see its writes. Both only set the request context the read path
 * already honours; nothing here chooses nodes.
 */
import type pg from 'pg'
import { currentContext, runWithContext, type RequestContext } from '../context/request-context.js'
import { isLsn, maxLsn } from '../replicas/lsn.js'
import { createDelegates, type OperationHandler } from './delegates.js'
import { codedError } from './pg-errors.js'
import type { RawQueryOptions } from './optimized-database-client.js'
import type { TransactionClient, TransactionOptions } from './transaction.js'
import type { ConsistencyOptions, ModelDelegates } from './types.js'

export function checkConsistency (c: unknown): ConsistencyOptions {
  if (c === null || typeof c !== 'object' || Array.isArray(c)) throw codedError('GW_ERR_INVALID_QUERY', 'consistency must be an object { minLsn?, strong? }')
  const { minLsn, strong, ...rest } = c as Record<string, unknown>
  const unknown = Object.keys(rest)[0]
  if (unknown !== undefined) throw codedError('GW_ERR_INVALID_QUERY', `Unknown consistency option ${JSON.stringify(unknown)}`)
  if (minLsn !== undefined && !isLsn(minLsn)) throw codedError('GW_ERR_INVALID_QUERY', 'consistency.minLsn must be a WAL position such as "0/16B3748"')
  if (strong !== undefined && typeof strong !== 'boolean') throw codedError('GW_ERR_INVALID_QUERY', 'consistency.strong must be true or false')
  const out: ConsistencyOptions = {}
  if (minLsn !== undefined) out.minLsn = minLsn as string
  if (strong === true) out.strong = true
  return out
}

/** Runs `fn` in a child of the current context that also demands `c`. */
export function withConsistency<T> (c: ConsistencyOptions, fn: () => T): T {
  const parent = currentContext()
  const child: RequestContext = { ...parent }
  const minLsn = maxLsn(parent?.minLsn, c.minLsn)
  if (minLsn !== undefined) child.minLsn = minLsn
  if (c.strong === true) child.strong = true
  return runWithContext(child, fn)
}

/** Strips `consistency` from a call's arguments and applies it to that call. */
export function honouringConsistency (inner: OperationHandler): OperationHandler {
  return async (model, op, args) => {
    if (args === null || typeof args !== 'object' || !Object.hasOwn(args, 'consistency')) return await inner(model, op, args)
    const { consistency, ...rest } = args as Record<string, unknown>
    const c = checkConsistency(consistency)
    return await withConsistency(c, () => inner(model, op, rest))
  }
}

/** What a session needs from the client. */
export interface SessionHost {
  readonly read: ModelDelegates
  readonly cached: ModelDelegates
  readonly primary: ModelDelegates
  query<R extends pg.QueryResultRow = any> (text: string, values?: unknown[], opts?: RawQueryOptions): Promise<pg.QueryResult<R>>
  transaction<T> (fn: (tx: TransactionClient) => Promise<T>, opts?: TransactionOptions): Promise<T>
}

/**
 * A unit of read-your-writes for library callers: reads through the session are at least as fresh
 * as its own last commit and the `minLsn` it was opened with (e.g. a token decoded elsewhere).
 */
export class DatabaseSession {
  readonly context: RequestContext
  readonly read: ModelDelegates
  readonly cached: ModelDelegates
  readonly primary: ModelDelegates

  constructor (private readonly host: SessionHost, opts: ConsistencyOptions = {}) {
    const c = checkConsistency(opts)
    this.context = {}
    if (c.minLsn !== undefined) this.context.minLsn = c.minLsn
    if (c.strong === true) this.context.strong = true
    const bind = (target: ModelDelegates): ModelDelegates => createDelegates((model, op, args) =>
      this.run(() => (target[model] as unknown as Record<string, (a: unknown) => Promise<unknown>>)[op]!(args)))
    this.read = bind(host.read)
    this.cached = bind(host.cached)
    this.primary = bind(host.primary)
  }

  /** The primary's WAL position after this session's last commit. */
  get lastCommitLsn (): string | undefined {
    return this.context.lastCommitLsn
  }

  /** Runs `fn` (any client calls) inside this session. */
  run<T> (fn: () => T): T {
    return runWithContext(this.context, fn)
  }

  query<R extends pg.QueryResultRow = any> (text: string, values?: unknown[], opts?: RawQueryOptions): Promise<pg.QueryResult<R>> {
    return this.run(() => this.host.query<R>(text, values, opts))
  }

  transaction<T> (fn: (tx: TransactionClient) => Promise<T>, opts?: TransactionOptions): Promise<T> {
    return this.run(() => this.host.transaction(fn, opts))
  }
}
