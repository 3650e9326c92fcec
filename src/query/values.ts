/**
 * Converts caller values to driver parameters, per field type. Every value travels as a bind
 * parameter; this file only decides whether it is acceptable and in which form pg receives it.
 */
import type { FieldDef, ModelDef } from '../models/registry.js'
import { invalid } from './identifiers.js'

const INT4_MIN = -2147483648
const INT4_MAX = 2147483647
const INTEGER_TEXT = /^-?\d{1,16}$/
const NUMERIC_TEXT = /^-?(\d+(\.\d*)?|\.\d+)([eE][-+]?\d+)?$/
const DATE_TEXT = /^(\d{4})-(\d{2})-(\d{2})$/
// Date-only, or date-time with optional seconds, fraction (to microseconds) and zone.
const TIMESTAMP_TEXT = /^(\d{4}-\d{2}-\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.\d{1,6})?)?(?:Z|[+-]\d{2}(?::?\d{2})?)?)?$/

export interface ValueContext { model: ModelDef; field: string; def: FieldDef }

function wrongType (ctx: ValueContext, expected: string): Error {
  return invalid(`${ctx.model.name}.${ctx.field} expects ${expected}`, { model: ctx.model.name, field: ctx.field, expected })
}

/** Validates one non-null value for `ctx.def` and returns what is bound as the parameter. */
export function coerceValue (ctx: ValueContext, value: unknown): unknown {
  const { def } = ctx
  switch (def.type) {
    case 'int':
    case 'bigint': {
      const n = toInteger(value)
      const ok = n !== undefined && (def.type === 'bigint' || (n >= INT4_MIN && n <= INT4_MAX))
      if (!ok) throw wrongType(ctx, def.type === 'int' ? 'a 32-bit integer' : 'a safe integer')
      return n
    }
    case 'numeric': {
      if (typeof value === 'number' && Number.isFinite(value)) return value
      if (typeof value === 'string' && NUMERIC_TEXT.test(value.trim())) return value.trim()
      throw wrongType(ctx, 'a finite number')
    }
    case 'text': {
      if (typeof value !== 'string') throw wrongType(ctx, 'a string')
      // PostgreSQL text cannot hold NUL; reject it here rather than as a driver error.
      if (value.includes('\u0000')) throw wrongType(ctx, 'a string without NUL characters')
      return value
    }
    case 'bool': {
      if (typeof value === 'boolean') return value
      if (value === 'true' || value === 'false') return value === 'true'
      throw wrongType(ctx, 'a boolean')
    }
    case 'enum': {
      const allowed = def.enumValues ?? []
      if (typeof value === 'string' && allowed.includes(value)) return value
      throw invalid(`${ctx.model.name}.${ctx.field} must be one of ${allowed.join(', ')}`, {
        model: ctx.model.name, field: ctx.field, expected: allowed
      })
    }
    case 'timestamptz': {
      if (value instanceof Date) {
        if (Number.isNaN(value.getTime())) throw wrongType(ctx, 'a valid date-time')
        return value.toISOString()
      }
      // Strings pass through unchanged so that microsecond precision survives (keyset cursors).
      if (typeof value === 'string' && isTimestamp(value)) return value
      throw wrongType(ctx, 'an ISO 8601 date-time string or a Date')
    }
    case 'date': {
      if (value instanceof Date && !Number.isNaN(value.getTime())) return value.toISOString().slice(0, 10)
      if (typeof value === 'string' && isCalendarDate(value)) return value
      throw wrongType(ctx, 'a date as YYYY-MM-DD')
    }
    case 'jsonb': {
      let text: string | undefined
      try { text = JSON.stringify(value) } catch { text = undefined }
      if (text === undefined) throw wrongType(ctx, 'a JSON value')
      return text
    }
  }
}

/** A value for `ctx.def`, or null when allowed; `allowNull` false rejects null with a clear message. */
export function coerceNullable (ctx: ValueContext, value: unknown, allowNull: boolean): unknown {
  if (value === null) {
    if (allowNull) return null
    throw invalid(`${ctx.model.name}.${ctx.field} cannot be null`, { model: ctx.model.name, field: ctx.field })
  }
  return coerceValue(ctx, value)
}

/** The placeholder text for a bound value of this field (jsonb is sent as text and cast). */
export function placeholder (def: FieldDef, ref: string): string {
  return def.type === 'jsonb' ? `${ref}::jsonb` : ref
}

function toInteger (value: unknown): number | undefined {
  if (typeof value === 'number') return Number.isSafeInteger(value) ? value : undefined
  if (typeof value === 'bigint') {
    const n = Number(value)
    return Number.isSafeInteger(n) ? n : undefined
  }
  if (typeof value === 'string' && INTEGER_TEXT.test(value)) {
    const n = Number(value)
    return Number.isSafeInteger(n) ? n : undefined
  }
  return undefined
}

function isTimestamp (text: string): boolean {
  const m = TIMESTAMP_TEXT.exec(text)
  if (!m || !isCalendarDate(m[1] ?? '')) return false
  return Number(m[2] ?? 0) < 24 && Number(m[3] ?? 0) < 60 && Number(m[4] ?? 0) < 60
}

function isCalendarDate (text: string): boolean {
  const m = DATE_TEXT.exec(text)
  if (!m) return false
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])]
  const date = new Date(Date.UTC(y, mo - 1, d))
  return date.getUTCFullYear() === y && date.getUTCMonth() === mo - 1 && date.getUTCDate() === d
}
