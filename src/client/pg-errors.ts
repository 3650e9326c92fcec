/**
 * The one place where driver and server errors become coded gateway errors. Messages name models
 * and camelCase fields, never SQL text, connection strings or the offending row's values; the
 * original error is kept as `cause` for logs.
 * @see https://www.postgresql.org/docs/current/errcodes-appendix.html
 */
import { gatewayError, isGatewayError, type ErrorCode, type GatewayError } from '../errors.js'
import { models, type ModelDef } from '../models/registry.js'

export interface ErrorContext {
  /** The model the statement was compiled for, when known. */
  model?: ModelDef | undefined
  node?: string | undefined
}

interface PgLikeError extends Error {
  code?: string
  detail?: string
  table?: string
  column?: string
  constraint?: string
}

/** Builds a coded error with a specific message (also for codes whose template has no `%s`). */
export function codedError (code: ErrorCode, message: string, details?: Record<string, unknown>, cause?: unknown): GatewayError {
  const err = gatewayError(code, undefined, details)
  err.message = message
  if (cause !== undefined) err.cause = cause
  return err
}

const CONNECTION_CODES: Record<string, string> = {
  ECONNREFUSED: 'connection refused',
  ECONNRESET: 'connection reset',
  EPIPE: 'connection closed',
  ETIMEDOUT: 'connection timed out',
  EHOSTUNREACH: 'host unreachable',
  ENETUNREACH: 'network unreachable',
  ENOTFOUND: 'host not found',
  EAI_AGAIN: 'host lookup failed',
  '28P01': 'authentication failed',
  '28000': 'authorization failed',
  '3D000': 'database does not exist',
  '53300': 'too many connections',
  '57P01': 'server shutting down',
  '57P02': 'server crashed',
  '57P03': 'server not accepting connections yet'
}

const CONNECTION_MESSAGES: Array<[RegExp, string]> = [
  [/Connection terminated due to connection timeout/i, 'connection timed out'],
  [/Connection terminated|Client has encountered a connection error|Client was closed|connection error/i, 'connection lost'],
  [/Cannot use a pool after calling end/i, 'pool closed']
]

// 22009: a UTC offset past ±15:59 (valid ISO 8601, out of PostgreSQL's range); 22P05: a NUL (\u0000)
// inside JSON text, which jsonb cannot store.
const INVALID_INPUT = new Set(['22P02', '22003', '22007', '22008', '22009', '22001', '22021', '22023', '22P05', '2201W', '2201X'])

/** Maps anything thrown by pg (or already coded) to a GatewayError. */
export function toGatewayError (err: unknown, ctx: ErrorContext = {}): GatewayError {
  if (isGatewayError(err)) return err
  const e = (err instanceof Error ? err : new Error(String(err))) as PgLikeError
  const node = ctx.node ?? 'database'
  const code = e.code ?? ''
  if (/timeout exceeded when trying to connect/i.test(e.message)) {
    return codedError('GW_ERR_POOL_TIMEOUT', `Timed out waiting for a connection to ${node}`, { node }, err)
  }
  const lost = connectionReason(e)
  if (lost !== undefined) return codedError('GW_ERR_DB_UNAVAILABLE', `Database unavailable (${node}: ${lost})`, { node }, err)
  if (code.startsWith('08')) return codedError('GW_ERR_DB_UNAVAILABLE', `Database unavailable (${node}: connection failure)`, { node }, err)
  if (code === '57014') return codedError('GW_ERR_QUERY_TIMEOUT', 'Query exceeded the statement timeout', { node }, err)
  // A write refused by a primary that turned out to be a standby (mid-failover): retry later, not a 500.
  if (code === '25006' && node === 'primary') return codedError('GW_ERR_PRIMARY_READ_ONLY', 'The primary database is in recovery (read-only)', { node }, err)

  const model = ctx.model ?? modelOfTable(e.table)
  const modelName = model?.name ?? 'row'
  switch (code) {
    case '23505':
    case '23P01': {
      const fields = keyColumns(e.detail).map((c) => fieldOfColumn(model, c))
      const message = fields.length === 1
        ? `${modelName}.${fields[0] as string} already exists`
        : fields.length > 1 ? `${modelName} with the same ${fields.join(' and ')} already exists` : `${modelName} conflicts with an existing row`
      return codedError('GW_ERR_CONFLICT', message, { model: modelName, fields }, err)
    }
    // 23001: PostgreSQL 18 reports ON DELETE RESTRICT as restrict_violation, older versions as 23503.
    case '23001':
    case '23503': {
      const field = fieldOfColumn(model, keyColumns(e.detail)[0] ?? '')
      const referencing = /referenced from table "([^"]+)"/.exec(e.detail ?? '') ??
        (/^update or delete on table .* on table "([^"]+)"/.exec(e.message))
      if (referencing) {
        // On delete, pg's `table` is the referencing table; the row's own table is in the message.
        const owner = ctx.model?.name ?? modelOfTable(/on table "([^"]+)"/.exec(e.message)?.[1])?.name ?? 'row'
        const from = modelOfTable(referencing[1])?.name ?? 'another table'
        return codedError('GW_ERR_CONSTRAINT', `${owner} is still referenced by ${from}`, { model: owner, referencedBy: from }, err)
      }
      const target = /present in table "([^"]+)"/.exec(e.detail ?? '')
      const targetName = modelOfTable(target?.[1])?.name ?? 'referenced'
      return codedError('GW_ERR_CONSTRAINT', `${modelName}.${field} refers to a ${targetName} row that does not exist`, { model: modelName, field }, err)
    }
    case '23502': {
      const field = fieldOfColumn(model, e.column ?? '')
      return codedError('GW_ERR_CONSTRAINT', `${modelName}.${field} cannot be null`, { model: modelName, field }, err)
    }
    case '23514':
      return codedError('GW_ERR_CONSTRAINT', `${modelName} violates the check ${e.constraint ?? 'constraint'}`, { model: modelName, constraint: e.constraint }, err)
    case '23000':
      return codedError('GW_ERR_CONSTRAINT', `${modelName} violates an integrity constraint`, { model: modelName }, err)
    case '40001':
    case '40P01':
      return codedError('GW_ERR_CONFLICT', 'The transaction conflicted with a concurrent one; retry it', { retryable: true }, err)
  }
  if (INVALID_INPUT.has(code)) {
    // pg's own text here names a type and echoes the caller's value, never SQL or a URL.
    return codedError('GW_ERR_INVALID_QUERY', `Invalid value: ${e.message}`, { model: model?.name }, err)
  }
  return codedError('GW_ERR_INTERNAL', 'Internal server error', { node }, err)
}

/** A short, credential-free reason for health reports and logs. */
export function failureReason (err: unknown, node?: string): string {
  const mapped = toGatewayError(err, { node })
  const original = mapped.cause instanceof Error ? mapped.cause as PgLikeError : undefined
  return (original && connectionReason(original)) ?? mapped.message
}

function connectionReason (e: PgLikeError): string | undefined {
  const byCode = e.code === undefined ? undefined : CONNECTION_CODES[e.code]
  if (byCode !== undefined) return byCode
  // AggregateError (several addresses tried) carries the codes on its members.
  const inner = (e as { errors?: unknown[] }).errors
  if (Array.isArray(inner)) {
    for (const i of inner) {
      const r = i instanceof Error ? connectionReason(i as PgLikeError) : undefined
      if (r !== undefined) return r
    }
  }
  return CONNECTION_MESSAGES.find(([re]) => re.test(e.message))?.[1]
}

/** Columns of `Key (a, b)=(…)` in a constraint error's detail; the values are not kept. */
function keyColumns (detail: string | undefined): string[] {
  const m = /^Key \(([^)]*)\)=/.exec(detail ?? '')
  if (!m?.[1]) return []
  return m[1].split(',').map((c) => c.trim().replace(/^"|"$/g, ''))
}

function fieldOfColumn (model: ModelDef | undefined, column: string): string {
  const hit = model && Object.entries(model.fields).find(([, def]) => def.column === column)
  return hit ? hit[0] : column
}

/** The model for a table name, including a partition's name (`notifications_p202401`). */
function modelOfTable (table: string | undefined): ModelDef | undefined {
  if (!table) return undefined
  const all = Object.values(models) as ModelDef[]
  return all.find((m) => m.table === table) ??
    all.filter((m) => m.partitioning && table.startsWith(`${m.table}_`)).sort((a, b) => b.table.length - a.table.length)[0]
}
