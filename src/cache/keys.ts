/**
 * Cache keys and tags. A tag names what an entry depends on: the model (`users`: any write to the
 * table) or one row (`users:42`: a write to that row). Lookups by key are tagged with their row
 * only, so a write elsewhere in the table leaves them cached; everything else (lists, counts,
 * lookups that found nothing) depends on the whole table.
 */
import { createHash } from 'node:crypto'
import { models, type ModelDef, type ModelName } from '../models/registry.js'
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

/**
 * The Redis name of a cache key: short keys as they are (`h:GET:/users/42` — no hash to compute
 * on every miss, and readable in `redis-cli`), long ones (query arguments, GraphQL bodies) by
 * digest. No collision: a digest is base64url, which has no ':', and every key has one.
 */
export function redisKeyOf (key: string): string {
  return key.length <= 120 ? key : digest(key)
}

export const tableTag = (model: ModelName): string => model
export const rowTag = (model: ModelName, pk: unknown): string => `${model}:${String(pk)}`
/**
 * Carried by every lookup by key besides its row tag, so that a write whose rows are unknown (raw
 * SQL declared by model, a bulk change notified without ids, an explicit model invalidation)
 * reaches them too; writes to known rows never invalidate it.
 */
export const allRowsTag = (model: ModelName): string => `${model}:*`
/** A list filtered by `key = value` (models' `listKeys`): `applications:userId=5`. */
export const listTag = (model: ModelName, key: string, value: unknown): string => `${model}:${key}=${String(value)}`
/** Every list keyed by `key`, whatever the value: for writes whose old or new value is unknown. */
export const allListsTag = (model: ModelName, key: string): string => `${model}:${key}:*`

const listKeysOf = (model: ModelName): readonly string[] => (models[model] as ModelDef).listKeys ?? []

/** Every tag a change of unknown rows of `model` must reach: the table, all lookups by key, all keyed lists. */
export function modelWideTags (model: ModelName): string[] {
  return [tableTag(model), allRowsTag(model), ...listKeysOf(model).map((k) => allListsTag(model, k))]
}

/** The tags an explicit invalidation of `tags` covers: a model name also means all its rows and lists. */
export function withAllRows (tags: readonly string[]): string[] {
  const out = new Set(tags)
  for (const t of tags) if (Object.hasOwn(models, t)) for (const w of modelWideTags(t as ModelName)) out.add(w)
  return [...out]
}

const isKeyValue = (v: unknown): boolean => typeof v === 'number' || typeof v === 'string' || typeof v === 'bigint' || typeof v === 'boolean'

/** Tags of a cached read, from its arguments and its result. */
export function readTags (model: ModelName, op: string, args: unknown, result: unknown): string[] {
  const def = models[model] as ModelDef
  const where = (args as { where?: Record<string, unknown> } | undefined)?.where ?? {}
  if (op === 'findUnique') {
    const fromWhere = where[def.primaryKey]
    const pk = fromWhere ?? (result as Record<string, unknown> | null)?.[def.primaryKey]
    // A lookup that found nothing depends on the table: a create may make it find a row.
    if (result !== null && pk !== undefined && pk !== null && typeof pk !== 'object') return [rowTag(model, pk), allRowsTag(model)]
    return [tableTag(model)]
  }
  // A list filtered by one parent (top-level equality) depends on that parent's rows only.
  for (const k of def.listKeys ?? []) {
    const v = where[k]
    if (isKeyValue(v)) return [listTag(model, k, v), allListsTag(model, k)]
  }
  return [tableTag(model)]
}

/**
 * Rows a delete removes in other tables, by ON DELETE CASCADE (sql/001.do.core_tables.sql:
 * recommendations.application_id). Their ids are unknown here: all their rows are invalidated.
 */
const CASCADES: Partial<Record<ModelName, readonly ModelName[]>> = { applications: ['recommendations'] }

/**
 * Tags a committed unit of work invalidates: each written model (its unkeyed lists), each updated
 * or deleted row (a created row cannot be in any lookup that found it: lookups that found nothing
 * carry the table tag), and the keyed lists of each row's parents — of all parents when a key's
 * old value is unknown (an update that sets it, a raw write without rows).
 */
export function writeTags (writes: readonly WriteRecord[]): string[] {
  const tags = new Set<string>()
  for (const w of writes) {
    if (w.op === 'delete' || w.op === 'raw') {
      for (const child of CASCADES[w.model] ?? []) for (const t of modelWideTags(child)) tags.add(t)
    }
    tags.add(tableTag(w.model))
    const row = w.row
    const pk = row?.[models[w.model].primaryKey]
    if (pk !== undefined && pk !== null) {
      if (w.op !== 'create') tags.add(rowTag(w.model, pk))
    } else if (w.op === 'raw') {
      tags.add(allRowsTag(w.model))
    }
    for (const k of listKeysOf(w.model)) {
      const v = row?.[k]
      const moved = w.op === 'update' ? w.fields === undefined || w.fields.includes(k) : w.op === 'raw' && w.fields !== undefined && w.fields.includes(k)
      if (row === null || v === undefined || moved) tags.add(allListsTag(w.model, k))
      else if (v !== null) tags.add(listTag(w.model, k, v))
    }
  }
  return [...tags]
}

/** Model of a table name (for invalidations that arrive from PostgreSQL triggers). */
export function modelOfTable (table: string): ModelName | undefined {
  for (const [name, def] of Object.entries(models)) if (def.table === table) return name as ModelName
  return undefined
}
