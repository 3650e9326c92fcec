/**
 * Opaque keyset cursors: base64url JSON of the last row's sort values. Decoding checks the shape
 * so a forged cursor is a 400 (GW_ERR_INVALID_CURSOR), never a SQL error.
 */
import { gatewayError } from '../errors.js'

export type CursorValues = Record<string, string | number>

export function encodeCursor (row: Record<string, unknown>, keys: readonly string[]): string {
  const values = keys.map((k) => {
    const v = row[k]
    return v instanceof Date ? v.toISOString() : v
  })
  return Buffer.from(JSON.stringify(values)).toString('base64url')
}

export function decodeCursor (cursor: string | undefined, keys: readonly string[], kinds: readonly ('int' | 'timestamp' | 'text')[]): CursorValues | undefined {
  if (cursor === undefined || cursor === '') return undefined
  let values: unknown
  try {
    values = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'))
  } catch {
    throw gatewayError('GW_ERR_INVALID_CURSOR')
  }
  if (!Array.isArray(values) || values.length !== keys.length) throw gatewayError('GW_ERR_INVALID_CURSOR')
  const out: CursorValues = {}
  keys.forEach((k, i) => {
    const v = values[i]
    const kind = kinds[i]
    const ok = kind === 'int'
      ? Number.isSafeInteger(v) && (v as number) > 0
      : kind === 'timestamp'
        ? typeof v === 'string' && !Number.isNaN(Date.parse(v))
        : typeof v === 'string' && v.length <= 500
    if (!ok) throw gatewayError('GW_ERR_INVALID_CURSOR')
    out[k] = v as string | number
  })
  return out
}

export interface Page<T> { items: T[]; nextCursor: string | null }

/** Fetches limit+1 rows to know whether another page exists without a count query. */
export function toPage<T extends object> (rows: T[], limit: number, keys: readonly string[]): Page<T> {
  const more = rows.length > limit
  const items = more ? rows.slice(0, limit) : rows
  const last = items[items.length - 1]
  return { items, nextCursor: more && last ? encodeCursor(last as Record<string, unknown>, keys) : null }
}
