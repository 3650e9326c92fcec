/**
 * Row value parsing for the gateway's pools, set per pool and per query — never on the global
 * `pg.types`, which belongs to whoever else shares the process.
 * - int8 (ids, counts) → number; a value past Number.MAX_SAFE_INTEGER fails the query rather than
 *   silently losing precision.
 * - numeric → number (rates and averages; exactness beyond double is not needed here).
 * - date → the 'YYYY-MM-DD' text, untouched (a Date would shift it by the process time zone).
 */
import pg from 'pg'
import { gatewayError } from '../errors.js'

export const OID = { int8: 20, numeric: 1700, date: 1082 } as const

function parseInt8 (text: string): number {
  const n = Number(text)
  if (!Number.isSafeInteger(n)) throw gatewayError('GW_ERR_INTERNAL', 'int8 value exceeds the safe integer range')
  return n
}

const overrides = new Map<number, (text: string) => unknown>([
  [OID.int8, parseInt8],
  [OID.numeric, (text) => Number(text)],
  [OID.date, (text) => text]
])

type GetTypeParser = pg.CustomTypesConfig['getTypeParser']

const getTypeParser = ((oid: number, format?: 'text' | 'binary') => {
  const own = format === 'binary' ? undefined : overrides.get(oid)
  return own ?? pg.types.getTypeParser(oid, format ?? 'text')
}) as GetTypeParser

/** Pass as `types` to `new pg.Pool(…)` or a query config. */
export const gatewayTypes: pg.CustomTypesConfig = { getTypeParser }
