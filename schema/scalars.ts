/**
 * Custom scalars. Rows carry Date objects from the driver, or ISO strings when they come back from
 * a serialized cache entry; both serialize to the same ISO text.
 */
import { GraphQLError, Kind, valueFromASTUntyped, type ValueNode } from 'graphql'

/** Date-time with an explicit zone; a bare date or a local time is ambiguous, so it is refused. */
const ISO_DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})$/i

function toIso (value: unknown): string | undefined {
  const date = value instanceof Date ? value : typeof value === 'string' ? new Date(value) : undefined
  return date && !Number.isNaN(date.getTime()) ? date.toISOString() : undefined
}

function parseDateTime (value: unknown): string {
  const iso = typeof value === 'string' && ISO_DATE_TIME.test(value) ? toIso(value) : undefined
  if (iso === undefined) throw new GraphQLError('DateTime must be an ISO 8601 date-time with a time zone, e.g. 2025-01-31T12:00:00Z')
  return iso
}

export const DateTime = {
  serialize (value: unknown): string {
    const iso = toIso(value)
    // A TypeError is an internal error to the formatter: a row that is not a date is our bug.
    if (iso === undefined) throw new TypeError('DateTime cannot represent a non-date value')
    return iso
  },
  parseValue: parseDateTime,
  parseLiteral (ast: ValueNode): string {
    return parseDateTime(ast.kind === Kind.STRING ? ast.value : undefined)
  }
}

export const JSONScalar = {
  serialize: (value: unknown): unknown => value,
  parseValue: (value: unknown): unknown => value,
  parseLiteral: (ast: ValueNode, variables?: Record<string, unknown> | null): unknown => valueFromASTUntyped(ast, variables)
}
