/**
 * The one set of Fastify options, shared by the server and the tests (STYLE §1): tests build the
 * app exactly as production does.
 */
import { LogController, type FastifyServerOptions } from 'fastify'
import type { GatewayConfig } from './config/schema.js'

/** Connection strings and tokens must never reach a log line. */
const REDACT = ['req.headers.authorization', 'req.headers["x-admin-token"]', '*.password', '*.connectionString']

/**
 * Development on a terminal (stdout a TTY, not production): pino-pretty, one line per request
 * (`requestLine`, plugins/errors.ts); otherwise JSON lines as Fastify writes them.
 */
export function prettyLogs (config: Pick<GatewayConfig, 'NODE_ENV'>, isTTY = process.stdout.isTTY === true): boolean {
  return isTTY && config.NODE_ENV !== 'production' && config.NODE_ENV !== 'test'
}

export function appOptions (config: GatewayConfig, overrides: { logger?: FastifyServerOptions['logger']; isTTY?: boolean } = {}): FastifyServerOptions {
  const pretty = prettyLogs(config, overrides.isTTY)
  return {
    logger: overrides.logger ?? {
      level: config.LOG_LEVEL,
      redact: REDACT,
      ...(pretty ? { transport: { target: 'pino-pretty', options: { singleLine: true, translateTime: 'SYS:HH:MM:ss', ignore: 'pid,hostname,reqId' } } } : {})
    },
    // Pretty mode logs one line per request itself (method, URL, status, time); JSON keeps Fastify's pair.
    ...(pretty ? { logController: new LogController({ disableRequestLogging: true }) } : {}),
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
