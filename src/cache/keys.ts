/**
 * Cache keys and tags. A tag names what an entry depends on: the model (`users`: any write to the
 * table) or one row (`users:42`: a write to that row). Lookups by key are tagged with their row
 * only, so a write elsewhere in the table leaves them cached; everything else (lists, counts,
 * lookups that found nothing) depends on the whole table.
 */
import { createHash } from 'node:crypto'
import { models, type ModelName } from '../models/registry.js'
import type { WriteRecord } from '../client/types.js'

/** JSON with sorted keys and no undefined members: equal queries give equal keys. */
export function stableStringify (value: unknown): string {
  if (value === null || typeof value !== 'object') return value === undefined ? 'null' : JSON.stringify(value)
  if (value instanceof Date) return JSON.stringify(value.toISOString())
  if (Array.isArray(value)) return `[${value.map(stableStringify).join(',')}]`
  const obj = value as Record<string, unknown>
  const parts: string[] = []
  for (const k of Object.keys(obj).sort()) {
    if (obj[k] !== undefined) parts.push(`${JSON.stringify(k)}:${stableStringify(obj[k])}`)
  }
  return `{${parts.join(',')}}`
}

/** Short, Redis-friendly digest of a logical key. */
export function digest (text: string): string {
  return createHash('sha1').update(text).digest('base64url')
}

export const tableTag = (model: ModelName): string => model
export const rowTag = (model: ModelName, pk: unknown): string => `${model}:${String(pk)}`
/**
 * Carried by every lookup by key besides its row tag, so that a write whose rows are unknown (raw
 * SQL declared by model, a bulk change notified without ids, an explicit model invalidation)
 * reaches them too; writes to known rows never invalidate it.
 */
export const allRowsTag = (model: ModelName): string => `${model}:*`

/** The tags an explicit invalidation of `tags` covers: a model name also means all its rows. */
export function withAllRows (tags: readonly string[]): string[] {
  const out = new Set(tags)
  for (const t of tags) if (Object.hasOwn(models, t)) out.add(allRowsTag(t as ModelName))
  return [...out]
}

/** Tags of a cached read, from its arguments and its result. */
export function readTags (model: ModelName, op: string, args: unknown, result: unknown): string[] {
  const def = models[model]
  if (op === 'findUnique') {
    const where = (args as { where?: Record<string, unknown> } | undefined)?.where ?? {}
    const fromWhere = where[def.primaryKey]
    const pk = fromWhere ?? (result as Record<string, unknown> | null)?.[def.primaryKey]
    // A lookup that found nothing depends on the table: a create may make it find a row.
    if (result !== null && pk !== undefined && pk !== null && typeof pk !== 'object') return [rowTag(model, pk), allRowsTag(model)]
  }
  return [tableTag(model)]
}

/**
 * Rows a delete removes in other tables, by ON DELETE CASCADE (sql/001.do.core_tables.sql:
 * recommendations.application_id). Their ids are unknown here: all their rows are invalidated.
 */
const CASCADES: Partial<Record<ModelName, readonly ModelName[]>> = { applications: ['recommendations'] }

/** Tags a committed unit of work invalidates: each written model, and each written row. */
export function writeTags (writes: readonly WriteRecord[]): string[] {
  const tags = new Set<string>()
  for (const w of writes) {
    if (w.op === 'delete' || w.op === 'raw') {
      for (const child of CASCADES[w.model] ?? []) tags.add(tableTag(child)).add(allRowsTag(child))
    }
    tags.add(tableTag(w.model))
    const pk = w.row?.[models[w.model].primaryKey]
    if (pk !== undefined && pk !== null) tags.add(rowTag(w.model, pk))
    else if (w.op === 'raw') tags.add(allRowsTag(w.model))
  }
  return [...tags]
}

/** Model of a table name (for invalidations that arrive from PostgreSQL triggers). */
export function modelOfTable (table: string): ModelName | undefined {
  for (const [name, def] of Object.entries(models)) if (def.table === table) return name as ModelName
  return undefined
}
