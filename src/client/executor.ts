/**
 * Runs one statement on one node: the per-query type parsers, the 'query' event and the error
 * mapping happen here and nowhere else, so every path (delegates, raw queries, transactions)
 * behaves the same.
 */
import { performance } from 'node:perf_hooks'
import type pg from 'pg'
import type { ModelDef } from '../models/registry.js'
import { gatewayTypes } from '../pools/type-parsers.js'
import { toGatewayError } from './pg-errors.js'
import type { QueryEvent } from './types.js'

/** A pool or a checked-out client. */
export interface Queryable {
  query (config: pg.QueryConfig): Promise<pg.QueryResult>
}

export type QueryListener = (event: QueryEvent) => void

/**
 * Statements compiled from the model registry run as named prepared statements: each connection
 * parses and plans a shape once, then only binds (the uncached lookup's server-side cost halves).
 * Bounded: past MAX_PREPARED shapes (e.g. `in` lists of many lengths) new ones run unnamed, so
 * neither this map nor each connection's statement list grows without bound.
 */
const MAX_PREPARED = 1_000
const prepared = new Map<string, string>()

function statementName (text: string): string | undefined {
  let name = prepared.get(text)
  if (name === undefined && prepared.size < MAX_PREPARED) {
    name = `gw_${prepared.size.toString(36)}`
    prepared.set(text, name)
  }
  return name
}

export async function execute (
  node: string,
  target: Queryable,
  text: string,
  values: unknown[] | undefined,
  onQuery: QueryListener,
  model?: ModelDef
): Promise<pg.QueryResult> {
  const start = performance.now()
  try {
    // Per-query types: pools handed in by the caller may not carry the gateway's parsers.
    const config: pg.QueryConfig = values === undefined ? { text, types: gatewayTypes } : { text, values, types: gatewayTypes }
    if (model !== undefined && values !== undefined) {
      const name = statementName(text)
      if (name !== undefined) config.name = name
    }
    const result = await target.query(config)
    onQuery({ sql: text, node, durationMs: performance.now() - start, rowCount: result.rowCount, values, model: model?.name })
    return result
  } catch (err) {
    const mapped = toGatewayError(err, { model, node })
    onQuery({ sql: text, node, durationMs: performance.now() - start, rowCount: null, error: mapped, values, model: model?.name })
    throw mapped
  }
}
