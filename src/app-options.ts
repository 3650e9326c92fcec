/**
 * The one set of Fastify options, shared by the server and the tests (STYLE §1): tests build the
 * app exactly as production does.
 */
import type { FastifyServerOptions } from 'fastify'
import type { GatewayConfig } from './config/schema.js'

export function appOptions (config: GatewayConfig, overrides: { logger?: FastifyServerOptions['logger'] } = {}): FastifyServerOptions {
  return {
    logger: overrides.logger ?? {
      level: config.LOG_LEVEL,
      // Connection strings and tokens must never reach a log line.
      redact: ['req.headers.authorization', 'req.headers["x-admin-token"]', '*.password', '*.connectionString']
    },
    bodyLimit: config.BODY_LIMIT,
    trustProxy: false,
    return503OnClosing: true,
    connectionTimeout: 30_000,
    requestTimeout: 60_000,
    ajv: {
      customOptions: {
        // Unknown fields are a client error, not something to strip silently.
        removeAdditional: false,
        coerceTypes: 'array',
        useDefaults: true,
        allErrors: false,
        // Errors carry their schema, so a 400 can list the allowed fields (plugins/errors.ts).
        verbose: true
      }
    },
    routerOptions: { ignoreTrailingSlash: true, maxParamLength: 200 }
  }
}
