/** The JSON plan as a flat list of nodes with ids, parents and paths. */
import type { PlanNodeRef } from './types.js'
import { quoteName } from '../../query/identifiers.js'

export type PlanNode = Record<string, unknown> & { Plans?: PlanNode[] }

export interface WalkedNode {
  /** Pre-order position, root = 0. */
  id: number
  plan: PlanNode
  parent: WalkedNode | undefined
  children: WalkedNode[]
  path: string
}

export function walkPlan (root: PlanNode): WalkedNode[] {
  const out: WalkedNode[] = []
  const visit = (plan: PlanNode, parent: WalkedNode | undefined): void => {
    const type = String(plan['Node Type'] ?? '?')
    const node: WalkedNode = { id: out.length, plan, parent, children: [], path: parent === undefined ? type : `${parent.path} > ${type}` }
    out.push(node)
    parent?.children.push(node)
    for (const child of plan.Plans ?? []) visit(child, node)
  }
  visit(root, undefined)
  return out
}

export function num (plan: PlanNode, key: string): number | undefined {
  const v = plan[key]
  return typeof v === 'number' && Number.isFinite(v) ? v : undefined
}

export function str (plan: PlanNode, key: string): string | undefined {
  const v = plan[key]
  return typeof v === 'string' ? v : undefined
}

/** `schema.table` of a scan or modify node (VERBOSE plans carry the schema). */
export function relationOf (plan: PlanNode): string | undefined {
  const rel = str(plan, 'Relation Name')
  return rel === undefined ? undefined : `${str(plan, 'Schema') ?? 'public'}.${rel}`
}

/** `schema.index` of an index scan; a Bitmap Index Scan carries no schema and gets the bare name. */
export function indexOf (plan: PlanNode): string | undefined {
  const idx = str(plan, 'Index Name')
  const schema = str(plan, 'Schema')
  return idx === undefined || schema === undefined ? idx : `${schema}.${idx}`
}

/** Whether ANALYZE ran this node at least once (actual numbers exist and mean something). */
export function executed (plan: PlanNode): boolean {
  return (num(plan, 'Actual Loops') ?? 0) > 0
}

/** Rows over all loops: per-loop figures (Actual Rows, Rows Removed by Filter) times Actual Loops. */
export function total (plan: PlanNode, key: string): number {
  return Math.round((num(plan, key) ?? 0) * Math.max(1, num(plan, 'Actual Loops') ?? 1))
}

export function nodeRef (node: WalkedNode): PlanNodeRef {
  const ref: PlanNodeRef = { id: node.id, type: String(node.plan['Node Type'] ?? '?'), path: node.path }
  const relation = relationOf(node.plan)
  if (relation !== undefined) ref.relation = relation
  const index = indexOf(node.plan)
  if (index !== undefined) ref.index = index
  return ref
}

/**
 * Columns of `alias` named in a VERBOSE condition such as `((t.a = 5) AND (t.b > $1))`, in order
 * of appearance: what an index suggestion is built from.
 */
export function columnsIn (condition: string | undefined, alias: string | undefined): string[] {
  if (condition === undefined || alias === undefined) return []
  const a = alias.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
  const re = new RegExp(`(?<![\\w$"])"?${a}"?\\.("(?:[^"]|"")+"|[A-Za-z_][\\w$]*)`, 'g')
  const cols: string[] = []
  for (const m of condition.matchAll(re)) {
    const raw = m[1] as string
    const col = raw.startsWith('"') ? raw.slice(1, -1).replace(/""/g, '"') : raw
    if (!cols.includes(col)) cols.push(col)
  }
  return cols
}

/** An identifier as PostgreSQL would print it: bare when it can be, quoted otherwise. */
export function ident (name: string): string {
  return /^[a-z_][a-z0-9_$]*$/.test(name) ? name : quoteName(name)
}

/** `schema.table` → `schema.table` with each part quoted as needed; `public.` is dropped. */
export function qualifiedIdent (key: string): string {
  const dot = key.indexOf('.')
  const schema = key.slice(0, dot)
  const name = key.slice(dot + 1)
  return schema === 'public' ? ident(name) : `${ident(schema)}.${ident(name)}`
}
