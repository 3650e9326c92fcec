/**
 * A statement's verb as a closed-set metric label: what it does, never what it says. Cached per
 * distinct text (the gateway's statements repeat; the cache is bounded for raw SQL).
 */
const VERBS: Record<string, string> = {
  select: 'select', insert: 'insert', update: 'update', delete: 'delete', with: 'with', values: 'select',
  begin: 'transaction', commit: 'transaction', rollback: 'transaction', savepoint: 'transaction', release: 'transaction',
  start: 'transaction', set: 'utility', show: 'utility', explain: 'utility', copy: 'copy', call: 'call'
}
const MAX_CACHED = 2_000
const cache = new Map<string, string>()

export function statementVerb (sql: string): string {
  let verb = cache.get(sql)
  if (verb !== undefined) return verb
  const m = /^[\s(]*([A-Za-z]+)/.exec(sql)
  verb = (m && VERBS[m[1]!.toLowerCase()]) ?? 'other'
  if (cache.size < MAX_CACHED) cache.set(sql, verb)
  return verb
}
