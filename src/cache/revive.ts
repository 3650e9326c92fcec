/**
 * Cached query results travel as JSON; timestamps come back as Date objects, as the client
 * returns them on a miss. Only the model's `timestamptz` fields are revived (never a text field
 * that merely looks like a date).
 */
import { models, type ModelName } from '../models/registry.js'

const timestampFields = new Map<ModelName, string[]>(Object.entries(models).map(([name, def]) => [
  name as ModelName,
  Object.entries(def.fields).filter(([, f]) => f.type === 'timestamptz').map(([field]) => field)
]))

function reviveRow (row: unknown, fields: string[]): unknown {
  if (row === null || typeof row !== 'object') return row
  const r = row as Record<string, unknown>
  for (const f of fields) if (typeof r[f] === 'string') r[f] = new Date(r[f] as string)
  return row
}

export function reviveResult (model: ModelName, body: string): unknown {
  const value = JSON.parse(body) as unknown
  const fields = timestampFields.get(model) ?? []
  if (fields.length === 0) return value
  if (Array.isArray(value)) for (const row of value) reviveRow(row, fields)
  else reviveRow(value, fields)
  return value
}
