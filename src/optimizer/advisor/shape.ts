/**
 * What an index could serve in one statement, from the real PostgreSQL parser (libpg-query 18):
 * the tables, the AND-ed column conditions of WHERE (with their operators, parameters and
 * constants), ORDER BY, LIMIT and the columns read. OR branches, subqueries and expressions on a
 * column are left out: a plain B-tree on the column would not serve them.
 */
import { parseSync } from 'libpg-query'
import type { ColumnFilter, FilterOp, QueryShape, Relation, SortKey } from './types.js'
import { quoteName as quote } from '../../query/identifiers.js'

type Node = Record<string, any>

const RANGE_OPS = new Set(['<', '<=', '>', '>='])

function columnOf (node: Node | undefined): { qualifier?: string; column: string } | undefined {
  const ref = unwrap(node)?.ColumnRef
  if (ref === undefined) return undefined
  const names = (ref.fields as Node[]).map((f) => f.String?.sval as string | undefined)
  if (names.some((n) => n === undefined)) return undefined
  if (names.length === 1) return { column: names[0]! }
  return { qualifier: names.at(-2), column: names.at(-1)! }
}

/** TypeCast wrappers (`$1::jsonb`) do not change what an index can match. */
function unwrap (node: Node | undefined): Node | undefined {
  let n = node
  while (n?.TypeCast !== undefined) n = n.TypeCast.arg
  return n
}

/** A literal as SQL text (for a partial-index predicate), or undefined when it is not a plain constant. */
function literalOf (node: Node | undefined): { sql: string; value: string } | undefined {
  const c = unwrap(node)?.A_Const
  if (c === undefined || c.isnull === true) return undefined
  if (c.sval !== undefined) {
    const v = String(c.sval.sval ?? '')
    return { sql: `'${v.replace(/'/g, "''")}'`, value: v }
  }
  if (c.ival !== undefined) return { sql: String(c.ival.ival ?? 0), value: String(c.ival.ival ?? 0) }
  if (c.fval !== undefined) return { sql: String(c.fval.fval), value: String(c.fval.fval) }
  if (c.boolval !== undefined) return { sql: c.boolval.boolval === true ? 'true' : 'false', value: String(c.boolval.boolval === true) }
  return undefined
}

function paramOf (node: Node | undefined): number | undefined {
  const p = unwrap(node)?.ParamRef
  return p === undefined ? undefined : Number(p.number)
}


function conditions (node: Node | undefined, out: ColumnFilter[]): void {
  if (node === undefined) return
  if (node.BoolExpr !== undefined) {
    if (node.BoolExpr.boolop === 'AND_EXPR') for (const arg of node.BoolExpr.args as Node[]) conditions(arg, out)
    return
  }
  if (node.NullTest !== undefined) {
    const col = columnOf(node.NullTest.arg)
    if (col === undefined) return
    const isNull = node.NullTest.nulltesttype === 'IS_NULL'
    out.push({ ...col, op: isNull ? 'null' : 'not-null', operator: isNull ? 'IS NULL' : 'IS NOT NULL', constantPredicate: `${quote(col.column)} IS ${isNull ? '' : 'NOT '}NULL` })
    return
  }
  const e = node.A_Expr
  if (e === undefined) return
  const operator = (e.name as Node[] | undefined)?.[0]?.String?.sval as string | undefined
  if (operator === undefined) return
  let col = columnOf(e.lexpr)
  let other: Node | undefined = e.rexpr
  let op = operator
  if (col === undefined && e.kind === 'AEXPR_OP') {
    // `$1 < col`: the same condition seen from the column.
    col = columnOf(e.rexpr)
    other = e.lexpr
    op = ({ '<': '>', '<=': '>=', '>': '<', '>=': '<=' } as Record<string, string>)[operator] ?? operator
  }
  if (col === undefined) return
  const lit = literalOf(other)
  const param = paramOf(other)
  if (lit === undefined && param === undefined && e.kind !== 'AEXPR_IN' && e.kind !== 'AEXPR_BETWEEN') return
  let kind: FilterOp | undefined
  if (e.kind === 'AEXPR_OP' && op === '=') kind = 'eq'
  else if (e.kind === 'AEXPR_OP' && RANGE_OPS.has(op)) kind = 'range'
  else if (e.kind === 'AEXPR_OP_ANY' && op === '=') kind = 'eq'
  else if (e.kind === 'AEXPR_IN' && op === '=') kind = 'eq'
  else if (e.kind === 'AEXPR_BETWEEN') kind = 'range'
  else if (e.kind === 'AEXPR_ILIKE' && op === '~~*') kind = 'contains'
  else if (e.kind === 'AEXPR_LIKE' && op === '~~' && (lit === undefined || lit.value.startsWith('%'))) kind = 'contains'
  if (kind === undefined) return
  const filter: ColumnFilter = { ...col, op: kind, operator: op }
  if (param !== undefined) filter.param = param
  if (lit !== undefined) {
    filter.literal = lit.value
    if (kind === 'eq' && e.kind === 'AEXPR_OP') filter.constantPredicate = `${quote(col.column)} = ${lit.sql}`
  }
  out.push(filter)
}

function relations (from: Node[] | undefined, out: Relation[]): void {
  for (const item of from ?? []) {
    if (item.RangeVar !== undefined) {
      const rv = item.RangeVar
      out.push({ ...(rv.schemaname !== undefined ? { schema: rv.schemaname as string } : {}), table: rv.relname, alias: rv.alias?.aliasname ?? rv.relname })
    } else if (item.JoinExpr !== undefined) {
      relations([item.JoinExpr.larg, item.JoinExpr.rarg], out)
    }
  }
}

function readColumns (targets: Node[] | undefined, shape: QueryShape): QueryShape['columns'] {
  const cols: Array<{ qualifier?: string; column: string }> = []
  for (const t of targets ?? []) {
    const val = t.ResTarget?.val as Node | undefined
    if (val?.ColumnRef !== undefined && (val.ColumnRef.fields as Node[]).some((f) => f.A_Star !== undefined)) return null
    const col = columnOf(val)
    if (col !== undefined) { cols.push(col); continue }
    // count(*) and other aggregates over no column read nothing an index must carry.
    const fn = val?.FuncCall
    if (fn !== undefined && fn.agg_star === true) continue
    return null
  }
  for (const f of shape.filters) cols.push({ ...(f.qualifier !== undefined ? { qualifier: f.qualifier } : {}), column: f.column })
  for (const s of shape.sort) cols.push({ ...(s.qualifier !== undefined ? { qualifier: s.qualifier } : {}), column: s.column })
  return cols
}

/** The statement's shape, or undefined when it is none of the forms an index suggestion can serve. */
export function queryShape (sql: string): QueryShape | undefined {
  let stmts: Node[]
  try {
    stmts = parseSync(sql).stmts ?? []
  } catch {
    return undefined
  }
  if (stmts.length !== 1) return undefined
  const stmt = stmts[0]!.stmt as Node
  const shape: QueryShape = { kind: 'select', relations: [], filters: [], sort: [], limit: null, columns: null }
  if (stmt.SelectStmt !== undefined) {
    const s = stmt.SelectStmt
    if ((s.op !== undefined && s.op !== 'SETOP_NONE') || s.withClause !== undefined || s.valuesLists !== undefined) return undefined
    relations(s.fromClause, shape.relations)
    conditions(s.whereClause, shape.filters)
    for (const item of (s.sortClause ?? []) as Node[]) {
      const col = columnOf(item.SortBy?.node)
      if (col === undefined) break
      shape.sort.push({ ...col, desc: item.SortBy.sortby_dir === 'SORTBY_DESC' } satisfies SortKey)
    }
    const limit = unwrap(s.limitCount)
    if (limit?.ParamRef !== undefined) shape.limit = { param: Number(limit.ParamRef.number) }
    else if (limit?.A_Const?.ival !== undefined) shape.limit = Number(limit.A_Const.ival.ival ?? 0)
    shape.columns = readColumns(s.targetList, shape)
  } else if (stmt.UpdateStmt !== undefined || stmt.DeleteStmt !== undefined) {
    const s = stmt.UpdateStmt ?? stmt.DeleteStmt
    shape.kind = stmt.UpdateStmt !== undefined ? 'update' : 'delete'
    relations([{ RangeVar: s.relation }], shape.relations)
    conditions(s.whereClause, shape.filters)
  } else if (stmt.InsertStmt !== undefined) {
    shape.kind = 'insert'
    relations([{ RangeVar: stmt.InsertStmt.relation }], shape.relations)
  } else {
    return undefined
  }
  return shape.relations.length === 0 ? undefined : shape
}

/** The relation a column belongs to: by its qualifier, else the only relation, else the one whose columns hold it. */
export function relationOf (shape: QueryShape, col: { qualifier?: string }, column: string, hasColumn: (r: Relation, column: string) => boolean): Relation | undefined {
  if (col.qualifier !== undefined) return shape.relations.find((r) => r.alias === col.qualifier || r.table === col.qualifier)
  if (shape.relations.length === 1) return shape.relations[0]
  const owners = shape.relations.filter((r) => hasColumn(r, column))
  return owners.length === 1 ? owners[0] : undefined
}
