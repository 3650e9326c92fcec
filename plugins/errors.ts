/**
 * One error handler (SPEC §4 Errors): every failure becomes `{ statusCode, code, error, message }`
 * with a stable GW_ERR_* code. 5xx messages are generic; no stack, SQL or URL ever leaves.
 */
import fp from 'fastify-plugin'
import type { FastifyError, FastifyInstance } from 'fastify'
import { STATUS_CODES } from 'node:http'
import { isGatewayError, type ErrorCode } from '../src/errors.js'
import { closest } from '../src/util/closest.js'

export interface ErrorBody {
  statusCode: number
  code: ErrorCode
  error: string
  message: string
  details?: Record<string, unknown>
}

const FASTIFY_CODES: Record<string, ErrorCode> = {
  FST_ERR_CTP_INVALID_JSON_BODY: 'GW_ERR_BAD_JSON',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'GW_ERR_BAD_JSON',
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: 'GW_ERR_BAD_JSON',
  FST_ERR_CTP_BODY_TOO_LARGE: 'GW_ERR_PAYLOAD_TOO_LARGE',
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'GW_ERR_UNSUPPORTED_MEDIA_TYPE',
  FST_ERR_VALIDATION: 'GW_ERR_VALIDATION'
}

/** Maps any thrown value to the public error body. Shared with GraphQL's error formatter. */
export function toErrorBody (err: unknown, contentType?: string): ErrorBody {
  if (isGatewayError(err)) {
    const statusCode = err.statusCode
    return body(statusCode, err.code, statusCode >= 500 ? undefined : err.message, statusCode < 500 ? err.details : undefined)
  }
  const fe = err as FastifyError
  if (fe && Array.isArray(fe.validation)) return validationBody(fe.validation as ValidationError[], fe.validationContext)
  if (fe?.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE') {
    const given = contentType === undefined || contentType === '' ? 'no Content-Type' : `Content-Type ${contentType.split(';')[0]!.trim()}`
    return body(415, 'GW_ERR_UNSUPPORTED_MEDIA_TYPE', `Unsupported request body (${given}): send JSON with Content-Type: application/json`)
  }
  if (fe && typeof fe.code === 'string' && FASTIFY_CODES[fe.code]) {
    const code = FASTIFY_CODES[fe.code]!
    return body(fe.statusCode ?? 400, code, fe.message)
  }
  if (fe && fe instanceof SyntaxError && (fe as { statusCode?: number }).statusCode === 400) {
    return body(400, 'GW_ERR_BAD_JSON', 'Request body is not valid JSON')
  }
  const statusCode = typeof fe?.statusCode === 'number' && fe.statusCode >= 400 && fe.statusCode < 500 ? fe.statusCode : 500
  return statusCode === 500 ? body(500, 'GW_ERR_INTERNAL') : body(statusCode, 'GW_ERR_VALIDATION', fe.message)
}

function body (statusCode: number, code: ErrorCode, message?: string, details?: Record<string, unknown>): ErrorBody {
  const out: ErrorBody = {
    statusCode,
    code,
    error: STATUS_CODES[statusCode] ?? 'Error',
    message: message ?? (statusCode === 503 ? 'Service temporarily unavailable' : 'Internal server error')
  }
  if (details) out.details = details
  return out
}

interface ValidationError {
  keyword?: string
  instancePath?: string
  message?: string
  params?: Record<string, unknown>
  /** With ajv's `verbose` (src/app-options.ts): the schema holding the failed keyword. */
  parentSchema?: { properties?: Record<string, unknown> }
  data?: unknown
}

/** The first error, said so the caller can fix it: allowed values, "did you mean" for unknown names. */
function validationBody (errors: ValidationError[], context: string | undefined): ErrorBody {
  const v = errors[0]
  const field = fieldOf(context, v?.instancePath, v?.params)
  if (v?.keyword === 'enum' && Array.isArray(v.params?.allowedValues)) {
    const allowed = v.params.allowedValues as unknown[]
    return body(400, 'GW_ERR_VALIDATION', `${field}: must be one of ${allowed.map(String).join(', ')}`, { field, allowed })
  }
  if (v?.keyword === 'additionalProperties' && typeof v.params?.additionalProperty === 'string') {
    const name = v.params.additionalProperty
    const known = Object.keys(v.parentSchema?.properties ?? {})
    const hint = closest(name, known)
    const what = context === 'querystring' ? 'query parameter' : context === 'headers' ? 'header' : 'field'
    const message = `${field}: unknown ${what}${hint === undefined ? '' : `; did you mean ${hint}?`}${known.length === 0 ? '' : ` (allowed: ${known.join(', ')})`}`
    return body(400, 'GW_ERR_VALIDATION', message, { field, ...(hint === undefined ? {} : { didYouMean: hint }), allowed: known })
  }
  if (v?.keyword === 'required' && typeof v.params?.missingProperty === 'string' && v.data !== null && typeof v.data === 'object') {
    // A required field missing beside an unknown one is usually a typo of it.
    const known = new Set(Object.keys(v.parentSchema?.properties ?? {}))
    const typo = closest(v.params.missingProperty, Object.keys(v.data).filter((k) => !known.has(k)))
    if (typo !== undefined) return body(400, 'GW_ERR_VALIDATION', `${field}: is required; got ${JSON.stringify(typo)} — did you mean ${v.params.missingProperty}?`, { field, didYouMean: v.params.missingProperty })
  }
  if (context === 'body' && (v?.instancePath ?? '') === '' && v?.keyword === 'type') {
    return body(400, 'GW_ERR_VALIDATION', `body: ${v.message ?? 'is invalid'} — send a JSON body with Content-Type: application/json`, { field })
  }
  return body(400, 'GW_ERR_VALIDATION', `${field}: ${v?.message ?? 'is invalid'}`, { field })
}

function fieldOf (context: string | undefined, path: string | undefined, params: Record<string, unknown> | undefined): string {
  const parts = [context ?? 'body']
  const p = (path ?? '').split('/').filter(Boolean)
  parts.push(...p)
  for (const key of ['missingProperty', 'additionalProperty']) {
    if (typeof params?.[key] === 'string') parts.push(params[key] as string)
  }
  return parts.join('.')
}

async function errorsPlugin (app: FastifyInstance) {
  app.setErrorHandler((err, request, reply) => {
    const out = toErrorBody(err, request.headers['content-type'])
    if (out.statusCode >= 500) request.log.error({ err }, 'request failed')
    else request.log.info({ code: out.code }, out.message)
    if (out.statusCode === 503) reply.header('Retry-After', '1')
    return reply.code(out.statusCode).type('application/json').send(out)
  })
  app.setNotFoundHandler((request, reply) => {
    const out = body(404, 'GW_ERR_ROUTE_NOT_FOUND', `Route ${request.method} ${request.url.split('?')[0]} not found`)
    return reply.code(404).send(out)
  })
}

export default fp(errorsPlugin, { name: 'gateway-errors', fastify: '5.x' })
