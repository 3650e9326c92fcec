/**
 * GraphQL error formatting (SPEC §4 Errors, STYLE §7): every error carries
 * `extensions: { code, statusCode, details? }` with a GW_ERR_* code from the one catalogue, built
 * by the same `toErrorBody` REST uses. Responses are rebuilt field by field (message, locations,
 * path, extensions), so no stack, SQL text or driver detail can ride along.
 *
 * HTTP status: a request that executed (data present, even null) is 200 — field errors sit next
 * to partial data. A request rejected before execution (syntax, validation, depth, cost, bad
 * variables) answers with its error's status (400; 405 for a mutation over GET).
 */
import { acceptsGraphqlResponse } from '../src/util/media-type.js'
import { GraphQLError, type ExecutionResult, type GraphQLFormattedError } from 'graphql'
import type { MercuriusContext } from 'mercurius'
import { toErrorBody } from '../plugins/errors.js'
import { isGatewayError, type ErrorCode } from '../src/errors.js'

interface Extensions { code: ErrorCode; statusCode: number; details?: Record<string, unknown> }

/** Thrown before execution with the errors that reject the request (see limits.ts). */
export class RequestRejected extends Error {
  readonly statusCode = 400
  constructor (readonly errors: readonly GraphQLError[]) {
    super(errors[0]?.message ?? 'Invalid request')
  }
}

const isCoded = (e: unknown): e is { extensions: Extensions } => {
  const ext = (e as { extensions?: Partial<Extensions> } | undefined)?.extensions
  return typeof ext?.code === 'string' && typeof ext.statusCode === 'number'
}

/** Not a GraphQL request error but a malformed HTTP request (bad JSON, content type, body shape, a bad header): 4xx always. */
const HTTP_LEVEL = new Set(['GW_ERR_BAD_JSON', 'GW_ERR_UNSUPPORTED_MEDIA_TYPE', 'GW_ERR_PAYLOAD_TOO_LARGE', 'GW_ERR_INVALID_CONSISTENCY_TOKEN'])
function httpLevel (ext: Partial<Extensions> | undefined): boolean {
  if (ext?.code === undefined) return false
  return HTTP_LEVEL.has(ext.code) || (ext.code === 'GW_ERR_VALIDATION' && typeof (ext.details as { field?: unknown } | undefined)?.field === 'string')
}

export function createErrorFormatter () {
  /**
   * An error raised while parsing, validating or checking the request: the client's mistake.
   * `trusted`: made by mercurius or graphql-js from the query itself, so its message is safe.
   */
  function requestError (err: Error, statusCode: number, trusted: boolean): { message: string; extensions: Extensions } {
    if (isCoded(err)) return { message: err.message, extensions: err.extensions }
    const original = err instanceof GraphQLError ? err.originalError : undefined
    const cause = original ?? err
    if (isGatewayError(cause)) return fromBody(cause)
    if (Array.isArray((cause as { validation?: unknown }).validation) || cause instanceof SyntaxError) return fromBody(cause)
    // graphql-js parse, validation and coercion messages quote the query, never server internals.
    const fromGraphql = err instanceof GraphQLError && (original === undefined || original instanceof GraphQLError)
    if (fromGraphql || trusted) return { message: err.message, extensions: { code: 'GW_ERR_VALIDATION', statusCode } }
    return fromBody(cause)
  }

  return function errorFormatter (execution: ExecutionResult & { errors: readonly GraphQLError[] }, ctx: MercuriusContext) {
    const log = ctx.reply?.log ?? ctx.app.log
    const report = (out: { message: string; extensions: Extensions }, err: Error, path?: GraphQLError['path']) => {
      if (out.extensions.statusCode >= 500) log.error({ err, path }, 'GraphQL request failed')
      else log.info({ code: out.extensions.code, path }, out.message)
    }
    const executed = execution.data !== undefined
    const errors: GraphQLFormattedError[] = []
    let statusCode = 200
    for (const error of execution.errors) {
      const original = error.originalError as (Error & { errors?: unknown; statusCode?: number }) | undefined
      if (!executed && original && Array.isArray(original.errors)) {
        // mercurius wraps pre-execution failures (MER_ERR_GQL_VALIDATION, …) around a list.
        const status = typeof original.statusCode === 'number' && original.statusCode >= 400 ? original.statusCode : 400
        const trusted = (original as { code?: unknown }).code?.toString().startsWith('MER_ERR_') === true
        for (const inner of original.errors as Error[]) {
          const out = requestError(inner, status, trusted)
          report(out, inner)
          statusCode = Math.max(statusCode, out.extensions.statusCode)
          errors.push(shape(inner, out))
        }
        continue
      }
      const out = executed ? fieldError(error) : requestError(error, 400, false)
      report(out, original ?? error, error.path)
      if (!executed) statusCode = Math.max(statusCode, out.extensions.statusCode)
      errors.push(shape(error, out))
    }
    if (executed) return { statusCode, response: { data: execution.data ?? null, errors } }
    // A request error (parse, validation, coercion, limits): no `data` entry (GraphQL spec). The
    // status follows GraphQL over HTTP: 4xx for `application/graphql-response+json`; for
    // `application/json` (and no Accept, treated so) 200 — legacy clients read the errors from a
    // 200 — for a well-formed request.
    const modern = acceptsGraphqlResponse(ctx.reply?.request.headers.accept)
    const wellFormed = errors.every((e) => !httpLevel(e.extensions as Partial<Extensions> | undefined))
    // Only a 400 becomes 200: 405 (a mutation over GET), 413, 415 and 5xx keep theirs.
    return { statusCode: statusCode === 400 && wellFormed && !modern ? 200 : statusCode, response: { errors } }
  }
}

/** An error raised while executing a field: a gateway error keeps its code; anything else is internal. */
function fieldError (error: GraphQLError): { message: string; extensions: Extensions } {
  // graphql-js' own execution errors (e.g. null for a non-null field) have no originalError: our bug.
  return fromBody(error.originalError ?? new Error('internal'))
}

function fromBody (err: unknown): { message: string; extensions: Extensions } {
  const body = toErrorBody(err)
  const extensions: Extensions = { code: body.code, statusCode: body.statusCode }
  if (body.details) extensions.details = body.details
  return { message: body.message, extensions }
}

function shape (source: Error, out: { message: string; extensions: Extensions }): GraphQLFormattedError {
  const formatted: { -readonly [K in keyof GraphQLFormattedError]: GraphQLFormattedError[K] } = { message: out.message }
  const gql = source as Partial<GraphQLError>
  if (gql.locations && gql.locations.length > 0) formatted.locations = gql.locations
  if (gql.path) formatted.path = gql.path
  formatted.extensions = { ...out.extensions }
  return formatted
}
