/**
 * Before ANALYZE executes a SELECT: every function and operator it names must be immutable or
 * stable in pg_proc (a volatile one may have side effects: nextval, setval, pg_advisory_lock,
 * dblink, lo_*, set_config, pg_terminate_backend, …), except a short allow-list of volatile
 * functions that only read a clock or a random source. Views are expanded (their definitions are
 * parsed and checked the same way), so a SELECT from a view that calls nextval is refused too.
 * Names are matched over-inclusively (every overload, every schema on the search path): a
 * function is allowed only if no candidate it could resolve to is volatile.
 */
import type pg from 'pg'
import { refused, statementFacts, type QualifiedName, type StatementFacts } from './statement-facts.js'
import { qualifiedName } from '../../query/identifiers.js'

/** Volatile in pg_proc, but without effects beyond their own result. */
export const VOLATILE_ALLOWED = new Set([
  'random', 'random_normal', 'clock_timestamp', 'timeofday', 'gen_random_uuid', 'uuidv4', 'uuidv7'
])

const MAX_VIEW_DEPTH = 8

const FUNCTIONS_SQL = `SELECT f.i, count(p.oid)::int AS found, count(p.oid) FILTER (WHERE p.provolatile = 'v')::int AS volatile
  FROM unnest($1::text[], $2::text[]) WITH ORDINALITY AS f(schema, name, i)
  LEFT JOIN pg_proc p ON p.proname = f.name AND p.pronamespace IN (
    SELECT n.oid FROM pg_namespace n WHERE (f.schema = '' AND n.nspname = ANY (current_schemas(true))) OR n.nspname = f.schema)
 GROUP BY f.i ORDER BY f.i`

const OPERATORS_SQL = `SELECT DISTINCT o.oprname FROM pg_operator o JOIN pg_proc p ON p.oid = o.oprcode
 WHERE o.oprname = ANY ($1::text[]) AND p.provolatile = 'v'`

const VIEWS_SQL = `SELECT c.oid::regclass::text AS name, pg_get_viewdef(c.oid) AS definition
  FROM unnest($1::text[]) AS r(name) JOIN pg_class c ON c.oid = to_regclass(r.name)
 WHERE c.relkind = 'v'`

/** Throws GW_ERR_EXPLAIN_REFUSED unless executing the statement can only read. */
export async function assertExecutable (
  client: pg.ClientBase, facts: StatementFacts, where = 'The statement', depth = 0, seen = new Set<string>()
): Promise<void> {
  if (facts.notReadOnly !== undefined) {
    throw refused(facts.notReadOnly.reason, `${where}: ${facts.notReadOnly.message}; ANALYZE would execute it (plain EXPLAIN plans without executing)`)
  }
  await assertFunctions(client, facts.functions, where)
  await assertOperators(client, facts.operators, where)
  const names = [...new Set(facts.relations.map(regclassText))].filter((n) => !seen.has(n))
  if (names.length === 0) return
  for (const n of names) seen.add(n)
  const { rows } = await client.query<{ name: string; definition: string }>({ text: VIEWS_SQL, values: [names] })
  for (const view of rows) {
    if (depth >= MAX_VIEW_DEPTH) throw refused('view_too_deep', `Views nest more than ${MAX_VIEW_DEPTH} deep (${view.name}): too deep to check`)
    await assertExecutable(client, statementFacts(view.definition), `View ${view.name}`, depth + 1, seen)
  }
}

async function assertFunctions (client: pg.ClientBase, functions: QualifiedName[], where: string): Promise<void> {
  const checked = functions.filter((f) => !(VOLATILE_ALLOWED.has(f.name) && (f.schema === undefined || f.schema === 'pg_catalog')))
  if (checked.length === 0) return
  const { rows } = await client.query<{ i: string; found: number; volatile: number }>({
    text: FUNCTIONS_SQL, values: [checked.map((f) => f.schema ?? ''), checked.map((f) => f.name)]
  })
  for (const row of rows) {
    const f = checked[Number(row.i) - 1] as QualifiedName
    const shown = f.schema === undefined ? f.name : `${f.schema}.${f.name}`
    if (row.found === 0) throw refused('unknown_function', `${where} calls ${shown}(), which is not in pg_proc; only known functions can be checked for side effects`)
    if (row.volatile > 0) throw refused('volatile_function', `${where} calls ${shown}(), a volatile function that may have side effects; ANALYZE would execute it`)
  }
}

async function assertOperators (client: pg.ClientBase, operators: string[], where: string): Promise<void> {
  const distinct = [...new Set(operators)]
  if (distinct.length === 0) return
  const { rows } = await client.query<{ oprname: string }>({ text: OPERATORS_SQL, values: [distinct] })
  if (rows.length > 0) throw refused('volatile_function', `${where} uses the operator ${rows[0]!.oprname}, backed by a volatile function`)
}

/** `"schema"."name"` for to_regclass (a lookup argument, never SQL text). */
function regclassText (r: QualifiedName): string {
  return qualifiedName(r.schema, r.name)
}
