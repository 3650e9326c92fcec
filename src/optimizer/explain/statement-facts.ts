/**
 * What the real PostgreSQL parser (libpg-query 18, loaded once by the slow-query fingerprinting)
 * says about one statement: whether it may be planned at all, whether it may be executed
 * (ANALYZE), and the functions, operators and relations it names (checked against the catalog
 * before ANALYZE, see volatility.ts).
 */
import { parseSync } from 'libpg-query'
import { codedError } from '../../client/pg-errors.js'
import type { GatewayError } from '../../errors.js'
import { invalid } from '../../query/identifiers.js'

export type RefusalReason =
  | 'empty' | 'multiple_statements' | 'ddl' | 'utility' | 'select_into'
  | 'write' | 'data_modifying_cte' | 'locking_clause' | 'volatile_function' | 'unknown_function' | 'view_too_deep'

export interface QualifiedName { schema?: string; name: string }

export interface StatementFacts {
  /** The top-level statement: a SELECT (or VALUES/TABLE) or a plain write. */
  kind: 'select' | 'write'
  /** Why executing it could change something, when the parse tree alone shows it. */
  notReadOnly?: { reason: RefusalReason; message: string }
  functions: QualifiedName[]
  /** Operator symbols (`=`, `~~`, …): each is backed by a function with its own volatility. */
  operators: string[]
  relations: QualifiedName[]
}

const WRITES = new Set(['InsertStmt', 'UpdateStmt', 'DeleteStmt', 'MergeStmt'])
const DDL = /^(Create|Alter|Drop|Truncate|Rename|Comment|Grant|Revoke|Index|View|Define|Composite|SecLabel|Import|Rule|ReassignOwned)/

export function refused (reason: RefusalReason, message: string): GatewayError {
  return codedError('GW_ERR_EXPLAIN_REFUSED', message, { reason })
}

/** Parses `sql` (the parser must be loaded); statements that may never be explained throw GW_ERR_EXPLAIN_REFUSED. */
export function statementFacts (sql: string): StatementFacts {
  let stmts: Array<{ stmt?: Record<string, unknown> }>
  try {
    stmts = (parseSync(sql) as { stmts?: typeof stmts }).stmts ?? []
  } catch (err) {
    throw invalid(`The SQL does not parse: ${(err as Error).message}`)
  }
  if (stmts.length === 0) throw refused('empty', 'The SQL holds no statement')
  if (stmts.length > 1) throw refused('multiple_statements', `One statement at a time: the SQL holds ${stmts.length}`)
  const [type, body] = Object.entries(stmts[0]?.stmt ?? {})[0] ?? ['', {}]
  if (DDL.test(type)) throw refused('ddl', `${type} is DDL; only SELECT, INSERT, UPDATE, DELETE and MERGE can be explained`)
  if (type !== 'SelectStmt' && !WRITES.has(type)) {
    throw refused('utility', `${type} is a utility statement; only SELECT, INSERT, UPDATE, DELETE and MERGE can be explained`)
  }
  if (type === 'SelectStmt' && (body as { intoClause?: unknown }).intoClause !== undefined) {
    throw refused('select_into', 'SELECT … INTO creates a table; use a plain SELECT')
  }
  const facts: StatementFacts = { kind: type === 'SelectStmt' ? 'select' : 'write', functions: [], operators: [], relations: [] }
  let nestedWrite = false
  let locking = false
  walk(body, (node, value) => {
    if (WRITES.has(node)) nestedWrite = true
    else if (node === 'FuncCall') facts.functions.push(qualified((value as { funcname?: unknown[] }).funcname))
    else if (node === 'A_Expr') facts.operators.push(qualified((value as { name?: unknown[] }).name).name)
    else if (node === 'RangeVar') {
      const r = value as { schemaname?: string; relname?: string }
      if (r.relname !== undefined) facts.relations.push(r.schemaname === undefined ? { name: r.relname } : { schema: r.schemaname, name: r.relname })
    } else if (node === 'lockingClause' && Array.isArray(value) && value.length > 0) locking = true
  })
  if (facts.kind === 'write') facts.notReadOnly = { reason: 'write', message: `${type.replace(/Stmt$/, '').toUpperCase()} changes rows` }
  else if (nestedWrite) facts.notReadOnly = { reason: 'data_modifying_cte', message: 'The SELECT holds a data-modifying statement (INSERT/UPDATE/DELETE/MERGE in a WITH clause)' }
  else if (locking) facts.notReadOnly = { reason: 'locking_clause', message: 'SELECT … FOR UPDATE/SHARE locks rows' }
  return facts
}

/** Visits every key of the parse tree; node types and list fields alike arrive as `(key, value)`. */
function walk (value: unknown, visit: (key: string, value: unknown) => void): void {
  if (Array.isArray(value)) {
    for (const v of value) walk(v, visit)
  } else if (value !== null && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) {
      visit(k, v)
      walk(v, visit)
    }
  }
}

/** `[{ String: { sval: 'pg_catalog' } }, { String: { sval: 'now' } }]` → { schema, name }. */
function qualified (parts: unknown[] | undefined): QualifiedName {
  const names = (parts ?? []).map((p) => (p as { String?: { sval?: string } }).String?.sval ?? '')
  const name = names.at(-1) ?? ''
  return names.length > 1 ? { schema: names.at(-2) as string, name } : { name }
}
