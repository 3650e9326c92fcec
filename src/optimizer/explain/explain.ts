/**
 * Plan analysis (issue 10 item 4): `EXPLAIN (FORMAT JSON, BUFFERS, VERBOSE, SETTINGS[, ANALYZE])`
 * of one statement, in a READ ONLY transaction that is always rolled back, under its own
 * statement_timeout, then findings in plain words.
 *
 * Safety, in layers: the real parser must see exactly one SELECT/INSERT/UPDATE/DELETE/MERGE
 * (statement-facts.ts), and the statement is sent with the extended protocol, which refuses a
 * second statement anyway. Plain EXPLAIN only plans — the executor never starts, so even a write
 * is planned without touching a row. ANALYZE executes, so it needs a proven read-only SELECT
 * whose functions, operators and views are non-volatile in the catalog (volatility.ts). The
 * connection is discarded afterwards (even plain EXPLAIN evaluates immutable and stable functions
 * while planning), so no session state survives the request.
 */
import type pg from 'pg'
import { codedError, toGatewayError } from '../../client/pg-errors.js'
import { isGatewayError } from '../../errors.js'
import { invalid } from '../../query/identifiers.js'
import { withStatementTimeout } from '../../monitoring/slow-queries/bounded.js'
import { loadParser } from '../../monitoring/slow-queries/fingerprint.js'
import { MONITORING_MARK } from '../../monitoring/slow-queries/pg-stat-statements.js'
import { analysePlan } from './analyse.js'
import { loadCatalog } from './catalog.js'
import { num, walkPlan, type PlanNode } from './plan.js'
import { statementFacts } from './statement-facts.js'
import { resolveStatement } from './statement.js'
import type { ExplainThresholds } from './thresholds.js'
import { EXPLAIN_SETTINGS, type ExplainInput, type ExplainOptions, type ExplainResult } from './types.js'
import { assertExecutable } from './volatility.js'

/** What explain needs of the client: its pools and which replicas are in rotation. */
export interface ExplainDeps {
  pools: { readonly primary: pg.Pool; get (name: string): pg.Pool | undefined }
  replicaManager: { eligible (): string[] }
}

export const DEFAULT_EXPLAIN_TIMEOUT_MS = 5_000
export const MAX_EXPLAIN_TIMEOUT_MS = 60_000

// Classes whose errors describe the statement, not the server: undefined table or column, type
// mismatch, bad parameter count (08P01 from Bind), a value planner settings reject, a statement
// too complex (54).
const STATEMENT_ERROR = /^(42|22|0A|2F|54|08P01$)/

export async function explainStatement (
  deps: ExplainDeps, input: ExplainInput, opts: ExplainOptions = {}, thresholds: Partial<ExplainThresholds> = {}
): Promise<ExplainResult> {
  const query = await resolveStatement(input)
  await loadParser()
  const facts = statementFacts(query.text)
  const analyze = opts.analyze === true
  const timeoutMs = checkTimeout(opts.timeoutMs)
  const settings = checkSettings(opts.settings)
  const node = opts.node === 'replica' ? deps.replicaManager.eligible()[0] ?? 'primary' : 'primary'
  const pool = node === 'primary' ? deps.pools.primary : deps.pools.get(node)
  if (pool === undefined) throw codedError('GW_ERR_INTERNAL', `No pool for node ${node}`, { node })
  const explainOptions = `FORMAT JSON, BUFFERS, VERBOSE, SETTINGS${analyze ? ', ANALYZE' : ''}`
  try {
    return await withStatementTimeout(pool, timeoutMs, async (client) => {
      // The parser that vetted the text reads string literals this way; the server must too.
      await client.query('SET LOCAL standard_conforming_strings = on')
      for (const [name, value] of settings) await client.query({ text: 'SELECT set_config($1, $2, true)', values: [name, value] })
      if (analyze) await assertExecutable(client, facts)
      const config = { text: `EXPLAIN ${MONITORING_MARK} (${explainOptions}) ${query.text}`, values: query.values, queryMode: 'extended' }
      const res = await client.query<{ 'QUERY PLAN': unknown }>(config as pg.QueryConfig)
      const plan = res.rows[0]?.['QUERY PLAN'] as Array<Record<string, unknown>> | undefined
      const top = plan?.[0]
      const root = top?.Plan as PlanNode | undefined
      if (top === undefined || root === undefined) throw codedError('GW_ERR_INTERNAL', 'EXPLAIN returned no plan', { node })
      const nodes = walkPlan(root)
      const findings = analysePlan(nodes, await loadCatalog(client, nodes), analyze, thresholds)
      return {
        node,
        analyzed: analyze,
        sql: query.text,
        params: query.values,
        plan,
        totalCost: num(root, 'Total Cost') ?? 0,
        planningMs: num(top as PlanNode, 'Planning Time') ?? null,
        executionMs: num(top as PlanNode, 'Execution Time') ?? null,
        findings
      }
    }, { rollback: true, readOnly: true, discardConnection: true })
  } catch (err) {
    throw explainError(err, node, timeoutMs)
  }
}

function explainError (err: unknown, node: string, timeoutMs: number): Error {
  if (isGatewayError(err)) return err
  const code = String((err as { code?: unknown }).code ?? '')
  if (code === '57014') {
    return codedError('GW_ERR_EXPLAIN_TIMEOUT', `The explain ran past its statement timeout of ${timeoutMs} ms; try without analyze or with a larger timeoutMs (at most ${MAX_EXPLAIN_TIMEOUT_MS})`, { node, timeoutMs }, err)
  }
  // Something the checks let through tried to write (25006) or lock: refused, never a 500.
  if (code === '25006') return codedError('GW_ERR_EXPLAIN_REFUSED', 'The statement tried to write in a read-only transaction', { reason: 'write', node }, err)
  if (STATEMENT_ERROR.test(code)) return codedError('GW_ERR_INVALID_QUERY', `PostgreSQL rejected the statement: ${(err as Error).message}`, { node, sqlState: code }, err)
  return toGatewayError(err, { node })
}

function checkTimeout (ms: number | undefined): number {
  if (ms === undefined) return DEFAULT_EXPLAIN_TIMEOUT_MS
  if (!Number.isInteger(ms) || ms < 1 || ms > MAX_EXPLAIN_TIMEOUT_MS) throw invalid(`timeoutMs must be an integer from 1 to ${MAX_EXPLAIN_TIMEOUT_MS}`)
  return ms
}

function checkSettings (settings: ExplainOptions['settings']): Array<[string, string]> {
  if (settings === undefined) return []
  return Object.entries(settings).map(([name, value]) => {
    if (!(EXPLAIN_SETTINGS as readonly string[]).includes(name)) throw invalid(`Setting ${JSON.stringify(name)} cannot be changed for an explain; allowed: ${EXPLAIN_SETTINGS.join(', ')}`)
    if (!['string', 'number', 'boolean'].includes(typeof value) || String(value).length > 64) {
      throw invalid(`Setting ${name} needs a string (at most 64 characters), number or boolean value`)
    }
    return [name, String(value)]
  })
}
