/** The logging surface the client needs; a pino/Fastify logger fits it as is. */
export interface ClientLogger {
  warn (obj: object, msg?: string): void
  error (obj: object, msg?: string): void
  info (obj: object, msg?: string): void
  debug (obj: object, msg?: string): void
}

/** Used when no logger is injected: problems still reach stderr, chatter does not. */
export const defaultLogger: ClientLogger = {
  warn: (obj, msg) => { console.warn(`[stellarrec-gateway] ${msg ?? ''}`, obj) },
  error: (obj, msg) => { console.error(`[stellarrec-gateway] ${msg ?? ''}`, obj) },
  info: () => {},
  debug: () => {}
}
