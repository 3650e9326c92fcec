/**
 * Per-request consistency and cache context, carried by AsyncLocalStorage so the client can honour
 * it without every call site passing it along (the route declares, one hook applies: STYLE §5).
 * Outside a context (plain library use) everything behaves with the defaults.
 */
import { AsyncLocalStorage } from 'node:async_hooks'

export interface RequestContext {
  /** Reads must come from a node (or cache entry) whose replay position has reached this LSN. */
  minLsn?: string
  /** Reads go to the primary (X-Read-Consistency: strong, or a route declaring it). */
  strong?: boolean
  /** Skip the cache for this request's reads (route or caller choice). */
  cacheBypass?: boolean
  /** Set by the client after each commit in this context: the primary's WAL position. */
  lastCommitLsn?: string
  /**
   * Set by the read path: a lower bound of the WAL position the data just read reflects (the
   * serving node's replay position, or the primary's). The cache layer runs each inner read in a
   * child context and records this as the entry's freshness.
   */
  observedLsn?: string
  /** The route pattern serving the request (`/users/:id`, never the URL): a closed-set label for monitoring. */
  route?: string
}

const storage = new AsyncLocalStorage<RequestContext>()

export function runWithContext<T> (ctx: RequestContext, fn: () => T): T {
  return storage.run(ctx, fn)
}

/** Enters a context for the rest of the current async execution (used by a Fastify onRequest hook). */
export function enterContext (ctx: RequestContext): void {
  storage.enterWith(ctx)
}

export function currentContext (): RequestContext | undefined {
  return storage.getStore()
}
