/**
 * The one error catalogue (STYLE §7). Every code is documented in docs/errors.md; a test checks it.
 * Keys equal codes. 4xx messages are shown to clients; 5xx messages are replaced by a generic text.
 */
import createError from '@fastify/error'

export const errors = {
  // --- Configuration (start-up) ---
  GW_ERR_CONFIG: createError('GW_ERR_CONFIG', '%s', 500),

  // --- Request validation ---
  GW_ERR_VALIDATION: createError('GW_ERR_VALIDATION', '%s', 400),
  GW_ERR_BAD_JSON: createError('GW_ERR_BAD_JSON', 'Request body is not valid JSON: %s', 400),
  GW_ERR_INVALID_CURSOR: createError('GW_ERR_INVALID_CURSOR', 'Invalid pagination cursor', 400),
  GW_ERR_INVALID_QUERY: createError('GW_ERR_INVALID_QUERY', '%s', 400),
  GW_ERR_PAYLOAD_TOO_LARGE: createError('GW_ERR_PAYLOAD_TOO_LARGE', 'Request body is too large', 413),
  GW_ERR_UNSUPPORTED_MEDIA_TYPE: createError('GW_ERR_UNSUPPORTED_MEDIA_TYPE', 'Unsupported content type: %s', 415),
  GW_ERR_INVALID_CONSISTENCY_TOKEN: createError('GW_ERR_INVALID_CONSISTENCY_TOKEN', '%s', 400),

  // --- Auth ---
  GW_ERR_UNAUTHORIZED: createError('GW_ERR_UNAUTHORIZED', 'Missing or invalid bearer token', 401),

  // --- Resources ---
  GW_ERR_NOT_FOUND: createError('GW_ERR_NOT_FOUND', '%s', 404),
  GW_ERR_ROUTE_NOT_FOUND: createError('GW_ERR_ROUTE_NOT_FOUND', 'Route %s not found', 404),
  GW_ERR_CONFLICT: createError('GW_ERR_CONFLICT', '%s', 409),
  GW_ERR_CONSTRAINT: createError('GW_ERR_CONSTRAINT', '%s', 422),
  GW_ERR_MAINTENANCE_RUNNING: createError('GW_ERR_MAINTENANCE_RUNNING', '%s', 409),

  // --- GraphQL ---
  GW_ERR_GRAPHQL_TOO_COMPLEX: createError('GW_ERR_GRAPHQL_TOO_COMPLEX', '%s', 400),

  // --- Database availability ---
  GW_ERR_DB_UNAVAILABLE: createError('GW_ERR_DB_UNAVAILABLE', 'Database unavailable', 503),
  GW_ERR_POOL_TIMEOUT: createError('GW_ERR_POOL_TIMEOUT', 'Timed out waiting for a database connection', 503),
  GW_ERR_QUERY_TIMEOUT: createError('GW_ERR_QUERY_TIMEOUT', 'Query exceeded the statement timeout', 503),
  GW_ERR_PRIMARY_READ_ONLY: createError('GW_ERR_PRIMARY_READ_ONLY', 'The primary database is in recovery (read-only)', 503),

  // --- Optimizer: plan analysis (POST /admin/explain) ---
  GW_ERR_EXPLAIN_REFUSED: createError('GW_ERR_EXPLAIN_REFUSED', '%s', 400),
  GW_ERR_EXPLAIN_TIMEOUT: createError('GW_ERR_EXPLAIN_TIMEOUT', '%s', 422),

  // --- Anything else ---
  GW_ERR_INTERNAL: createError('GW_ERR_INTERNAL', 'Internal server error', 500)
} as const

export type ErrorCode = keyof typeof errors

/** A coded error as thrown by the core (instances of the @fastify/error classes above). */
export interface GatewayError extends Error {
  code: ErrorCode
  statusCode: number
  /** Optional machine-readable details (e.g. the offending field); safe to show for 4xx. */
  details?: Record<string, unknown>
}

export function gatewayError (code: ErrorCode, message?: string, details?: Record<string, unknown>): GatewayError {
  const Ctor = errors[code]
  const err = (message === undefined ? new Ctor() : new Ctor(message)) as GatewayError
  if (details) err.details = details
  return err
}

export function isGatewayError (err: unknown): err is GatewayError {
  return err instanceof Error && typeof (err as { code?: unknown }).code === 'string' &&
    Object.hasOwn(errors, (err as unknown as { code: string }).code)
}
