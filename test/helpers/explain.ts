/**
 * Statements the gateway really issues, captured from the client's 'query' event (or a pool's
 * `query`), explained on a connection of the test's own: as a custom plan (the bound values are
 * constants, so plan-time pruning applies), as a generic plan (`force_generic_plan`: pruning
 * happens at executor start and shows as "Subplans Removed"), or executed (EXPLAIN ANALYZE).
 */
import type { FastifyInstance } from 'fastify'
import pg from 'pg'
import type { QueryEvent } from '../../src/client/types.js'

export interface Issued { sql: string; values: unknown[] }

export interface PlanSummary {
  /** Relations read by scan nodes, sorted. */
  scanned: string[]
  /** Sum of "Subplans Removed" over Append / Merge Append nodes. */
  removed: number
  nodeTypes: string[]
  /** Relations whose scan node never ran (EXPLAIN ANALYZE only). */
  neverExecuted: string[]
  plan: unknown
}

/** Statements naming one of `tables` that the app's client ran (successfully) while `fn` ran. */
export async function issuedOn (app: FastifyInstance, tables: string | string[], fn: () => Promise<unknown>): Promise<Issued[]> {
  const seen: Issued[] = []
  const pattern = new RegExp(`\\b(?:${[tables].flat().join('|')})\\b`)
  const listener = (e: QueryEvent): void => {
    if (e.error === undefined && pattern.test(e.sql)) seen.push({ sql: e.sql, values: e.values ?? [] })
  }
  app.db.on('query', listener)
  try {
    await fn()
  } finally {
    app.db.off('query', listener)
  }
  return seen
}

/** A pool whose `query(text, values)` calls are recorded (for code that takes a pg.Pool). */
export function recordingPool (pool: pg.Pool, seen: Issued[]): pg.Pool {
  return new Proxy(pool, {
    get (target, prop) {
      if (prop === 'query') {
        return (text: string, values?: unknown[]) => {
          if (typeof text === 'string') seen.push({ sql: text, values: values ?? [] })
          return target.query(text, values)
        }
      }
      const v = Reflect.get(target, prop) as unknown
      return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v
    }
  })
}

const prepareValue = (pg as unknown as { utils: { prepareValue: (v: unknown) => unknown } }).utils.prepareValue
let seq = 0

export async function explain (db: pg.Pool, q: Issued, mode: 'custom' | 'generic' | 'analyze'): Promise<PlanSummary> {
  const c = await db.connect()
  try {
    let rows: Array<Record<string, unknown>>
    if (mode === 'generic') {
      const name = `prune_probe_${++seq}`
      // Parameter types are inferred as when pg sends the statement unnamed with its values.
      await c.query(`PREPARE ${name} AS ${q.sql}`)
      await c.query('SET plan_cache_mode = force_generic_plan')
      try {
        // EXECUTE takes no bind parameters: the values go in as literals of unknown type (the
        // driver's own text form), coerced to the prepared statement's parameter types.
        const args = q.values.map((v) => (v === null || v === undefined ? 'NULL' : c.escapeLiteral(String(prepareValue(v)))))
        rows = (await c.query(`EXPLAIN (FORMAT JSON) EXECUTE ${name}${args.length === 0 ? '' : `(${args.join(', ')})`}`)).rows
      } finally {
        await c.query('RESET plan_cache_mode')
        await c.query(`DEALLOCATE ${name}`)
      }
    } else if (mode === 'analyze') {
      await c.query('BEGIN')
      try {
        rows = (await c.query(`EXPLAIN (ANALYZE, FORMAT JSON) ${q.sql}`, q.values)).rows
      } finally {
        await c.query('ROLLBACK')
      }
    } else {
      rows = (await c.query(`EXPLAIN (FORMAT JSON) ${q.sql}`, q.values)).rows
    }
    const plan = (rows[0]!['QUERY PLAN'] as Array<{ Plan: PlanNode }>)[0]!.Plan
    const out: PlanSummary = { scanned: [], removed: 0, nodeTypes: [], neverExecuted: [], plan }
    walk(plan, out)
    out.scanned.sort()
    return out
  } finally {
    c.release()
  }
}

interface PlanNode { 'Node Type': string; 'Relation Name'?: string; 'Subplans Removed'?: number; 'Actual Loops'?: number; Plans?: PlanNode[] }

function walk (node: PlanNode, out: PlanSummary): void {
  out.nodeTypes.push(node['Node Type'])
  const rel = node['Relation Name']
  if (rel !== undefined && node['Node Type'].endsWith('Scan')) {
    out.scanned.push(rel)
    if (node['Actual Loops'] === 0) out.neverExecuted.push(rel)
  }
  out.removed += node['Subplans Removed'] ?? 0
  for (const child of node.Plans ?? []) walk(child, out)
}
