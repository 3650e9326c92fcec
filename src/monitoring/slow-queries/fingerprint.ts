/**
 * Statement identity from the real PostgreSQL parser (libpg-query 18, WebAssembly): a fingerprint
 * that ignores constants and `$n` (so the gateway's parameterized statements, their literal-laden
 * hand-written twins and pg_stat_statements' texts all meet), the normalized text, and the kind of
 * statement (what may be EXPLAINed). Results are cached per distinct SQL text: the gateway's own
 * statements repeat, and a parse costs far more than a lookup.
 */
import { createHash } from 'node:crypto'
import { fingerprintSync, loadModule, normalizeSync, parseSync } from 'libpg-query'
import { LRUCache } from 'lru-cache'

/** 'explainable': one SELECT/VALUES/WITH/INSERT/UPDATE/DELETE; 'control': transaction control and SET. */
export type StatementKind = 'explainable' | 'control' | 'other'

export interface StatementIdentity {
  fingerprint: string
  /** No literals: the parser's `$n`, or for unparsable text a masked approximation. */
  query: string
  kind: StatementKind
  /** False when the parser rejected the text (fingerprint is then a hash of the masked text). */
  parsed: boolean
}

/** Fallback fingerprints start with this mark, so they can never collide with the parser's hex ones. */
export const UNPARSED_MARK = 'raw:'

const EXPLAINABLE = new Set(['SelectStmt', 'InsertStmt', 'UpdateStmt', 'DeleteStmt'])
const CONTROL = new Set(['TransactionStmt', 'VariableSetStmt', 'VariableShowStmt', 'DiscardStmt'])

let loading: Promise<void> | undefined
let loaded = false

/** Loads the WebAssembly parser once per process; later calls share the first load. */
export async function loadParser (): Promise<void> {
  loading ??= loadModule().then(() => { loaded = true }, (err: unknown) => { loading = undefined; throw err })
  await loading
}

export function parserLoaded (): boolean {
  return loaded
}

/**
 * Quoted strings and numbers masked, whitespace collapsed: what is shown for text the parser
 * rejects, so a literal never leaks even then.
 */
export function maskLiterals (sql: string): string {
  return sql
    .replace(/'(?:[^']|'')*'/g, "'?'")
    .replace(/\$([A-Za-z_]\w*)?\$[\s\S]*?\$\1\$/g, "'?'")
    .replace(/(?<![\w$])\d+(?:\.\d+)?(?:e[+-]?\d+)?\b/gi, '?')
    .replace(/\s+/g, ' ')
    .trim()
}

function kindOf (sql: string): StatementKind {
  const stmts = parseSync(sql).stmts ?? []
  if (stmts.length !== 1) return 'other'
  const node = Object.keys(stmts[0]?.stmt ?? {})[0] ?? ''
  if (EXPLAINABLE.has(node)) return 'explainable'
  return CONTROL.has(node) ? 'control' : 'other'
}

/** Identifies one SQL text without a cache (the parser must be loaded). */
export function identify (sql: string): StatementIdentity {
  try {
    return { fingerprint: fingerprintSync(sql), query: normalizeSync(sql), kind: kindOf(sql), parsed: true }
  } catch {
    const query = maskLiterals(sql)
    const hash = createHash('sha1').update(query).digest('hex').slice(0, 16)
    return { fingerprint: `${UNPARSED_MARK}${hash}`, query, kind: 'other', parsed: false }
  }
}

/** `identify` behind a bounded LRU keyed by the exact text. */
export class StatementIdentifier {
  private readonly cache: LRUCache<string, StatementIdentity>

  constructor (max = 2_000) {
    this.cache = new LRUCache({ max })
  }

  identify (sql: string): StatementIdentity {
    let id = this.cache.get(sql)
    if (id === undefined) {
      id = identify(sql)
      this.cache.set(sql, id)
    }
    return id
  }
}

const CONTROL_KEYWORDS = new Set(['BEGIN', 'COMMIT', 'ROLLBACK', 'START', 'END', 'SET', 'RESET', 'SAVEPOINT', 'RELEASE', 'ABORT', 'SHOW', 'DISCARD'])

/** Transaction control by its first keyword: cheap enough for the event path, no parse needed. */
export function isTransactionControl (sql: string): boolean {
  const m = /^\s*([A-Za-z]+)/.exec(sql)
  return m !== null && CONTROL_KEYWORDS.has(m[1]!.toUpperCase())
}
