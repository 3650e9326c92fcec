/** The HTTP surface of read consistency (SPEC §4, §6): header names and parsing. */
import { gatewayError } from '../errors.js'

export const TOKEN_HEADER = 'x-consistency-token'
export const READ_CONSISTENCY_HEADER = 'x-read-consistency'

export type ReadConsistency = 'strong' | 'eventual'

/** `X-Read-Consistency`: absent → undefined; `strong` or `eventual` (any case); otherwise 400. */
export function parseReadConsistency (value: string | string[] | undefined): ReadConsistency | undefined {
  if (value === undefined) return undefined
  const v = (Array.isArray(value) ? value[0] ?? '' : value).trim().toLowerCase()
  if (v === 'strong' || v === 'eventual') return v
  throw gatewayError('GW_ERR_INVALID_CONSISTENCY_TOKEN', 'X-Read-Consistency must be "strong" or "eventual"')
}

/** The token header's single value (a repeated header is malformed). */
export function tokenHeader (value: string | string[] | undefined): string | undefined {
  if (value === undefined) return undefined
  if (Array.isArray(value)) {
    if (value.length !== 1) throw gatewayError('GW_ERR_INVALID_CONSISTENCY_TOKEN', 'X-Consistency-Token must be sent once')
    return value[0]
  }
  return value
}
