/**
 * What the cached reads of one request touched: their tags and the oldest freshness among them.
 * The response cache stores a response under exactly these tags. Attached to the request context
 * object (which the consistency layer shares), without adding fields to it.
 */
import type { RequestContext } from '../context/request-context.js'
import { olderLsn } from './lsn.js'

export interface ReadTrace {
  tags: Set<string>
  /** Oldest observed LSN of the reads; undefined when any read's freshness was unknown. */
  lsn: string | undefined
  reads: number
  /** Some read skipped the cache (strong consistency, bypass): the response must not be stored. */
  bypassed: boolean
  /** The response tier stores the result: the query tier reads straight from the database. */
  direct: boolean
}

const traces = new WeakMap<RequestContext, ReadTrace>()

export function startTrace (ctx: RequestContext, direct = false): ReadTrace {
  const trace: ReadTrace = { tags: new Set(), lsn: undefined, reads: 0, bypassed: false, direct }
  traces.set(ctx, trace)
  return trace
}

export function traceOf (ctx: RequestContext | undefined): ReadTrace | undefined {
  return ctx === undefined ? undefined : traces.get(ctx)
}

export function recordRead (ctx: RequestContext | undefined, tags: readonly string[], lsn: string | undefined): void {
  const trace = traceOf(ctx)
  if (!trace) return
  for (const t of tags) trace.tags.add(t)
  trace.lsn = trace.reads === 0 ? lsn : olderLsn(trace.lsn, lsn)
  trace.reads++
}
