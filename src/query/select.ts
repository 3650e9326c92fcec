import type { ModelDef } from '../models/registry.js'
import { definedEntries, fieldOf, invalid, isPlainObject, selectItem } from './identifiers.js'

/**
 * The select list, aliased to the API's camelCase names. Without `select`, every field; with it,
 * exactly the fields set to `true` (nothing is added behind the caller's back).
 */
export function selectList (model: ModelDef, select: unknown): string {
  if (select === undefined) {
    return Object.entries(model.fields).map(([field, def]) => selectItem(field, def)).join(', ')
  }
  if (!isPlainObject(select)) throw invalid('select must be an object of field: true')
  const items: string[] = []
  for (const [field, on] of definedEntries(select)) {
    const def = fieldOf(model, field)
    if (typeof on !== 'boolean') throw invalid(`select.${field} must be true or false`, { model: model.name, field })
    if (on) items.push(selectItem(field, def))
  }
  if (items.length === 0) throw invalid(`select must pick at least one field of ${model.name}`, { model: model.name })
  return items.join(', ')
}
