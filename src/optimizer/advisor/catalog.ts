/**
 * What the advisor reads from the catalog: tables (size, rows, columns), their existing indexes
 * (method, key columns, INCLUDE columns, predicate, validity), pg_stats, extensions and the write
 * counters of pg_stat_user_tables. Every statement is parameterized and carries MONITORING_MARK,
 * so pg_stat_statements leaves it out of the workload.
 */
import type pg from 'pg'
import { MONITORING_MARK } from '../../monitoring/slow-queries/pg-stat-statements.js'
import { qualifiedName } from '../../query/identifiers.js'

export interface ExistingIndex {
  name: string
  method: string
  /** Key columns in order; null for an expression key. */
  keys: Array<string | null>
  include: string[]
  /** Operator class per key (text_pattern_ops, gin_trgm_ops, … or null for the default). */
  opclasses: Array<string | null>
  partial: boolean
  valid: boolean
}

export interface ColumnStats { nullFrac: number; nDistinct: number; mostCommonFreqs: number[]; mostCommonVals: string[]; correlation: number | null; avgWidth: number }

export interface TableInfo {
  schema: string
  table: string
  oid: number
  bytes: number
  pages: number
  rows: number
  columns: Set<string>
  indexes: ExistingIndex[]
  stats: Map<string, ColumnStats>
  /** n_tup_ins + n_tup_upd + n_tup_del since the statistics were reset. */
  writes: number
}

const TABLE_SQL = `SELECT ${MONITORING_MARK} c.oid::int AS oid, n.nspname AS schema, c.relname AS table, pg_relation_size(c.oid)::float8 AS bytes,
    c.relpages::float8 AS pages, greatest(c.reltuples, 0)::float8 AS rows,
    array(SELECT a.attname::text FROM pg_attribute a WHERE a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped) AS columns,
    coalesce((SELECT (s.n_tup_ins + s.n_tup_upd + s.n_tup_del)::float8 FROM pg_stat_user_tables s WHERE s.relid = c.oid), 0) AS writes
  FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
 WHERE c.oid = to_regclass($1) AND c.relkind IN ('r', 'p', 'm')`

const INDEX_SQL = `SELECT ${MONITORING_MARK} i.relname AS name, am.amname AS method, x.indisvalid AS valid, x.indpred IS NOT NULL AS partial,
    x.indnkeyatts AS nkeys,
    array(SELECT CASE WHEN k.attnum = 0 THEN NULL ELSE (SELECT a.attname::text FROM pg_attribute a WHERE a.attrelid = x.indrelid AND a.attnum = k.attnum) END
            FROM unnest(x.indkey::int2[]) WITH ORDINALITY AS k(attnum, ord) ORDER BY k.ord) AS cols,
    array(SELECT CASE WHEN oc.opcdefault THEN NULL ELSE oc.opcname::text END
            FROM unnest(x.indclass::oid[]) WITH ORDINALITY AS o(oid, ord) JOIN pg_opclass oc ON oc.oid = o.oid ORDER BY o.ord) AS opclasses
  FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid JOIN pg_am am ON am.oid = i.relam
 WHERE x.indrelid = $1`

const STATS_SQL = `SELECT ${MONITORING_MARK} attname::text AS column, null_frac::float8 AS null_frac, n_distinct::float8 AS n_distinct,
    coalesce(most_common_freqs::float8[], '{}') AS mcf, coalesce(most_common_vals::text::text[], '{}') AS mcv,
    correlation::float8 AS correlation, avg_width::int AS avg_width
  FROM pg_stats WHERE schemaname = $1 AND tablename = $2`

interface TableRow { oid: number; schema: string; table: string; bytes: number; pages: number; rows: number; columns: string[]; writes: number }
interface IndexRow { name: string; method: string; valid: boolean; partial: boolean; nkeys: number; cols: Array<string | null>; opclasses: Array<string | null> }
interface StatsRow { column: string; null_frac: number; n_distinct: number; mcf: number[]; mcv: string[]; correlation: number | null; avg_width: number }

/** Quoted `schema.table` for to_regclass (identifiers from the parser, never executed as SQL). */
export const qualified = qualifiedName

export async function readTable (db: pg.ClientBase | pg.Pool, schema: string | undefined, table: string): Promise<TableInfo | undefined> {
  const { rows } = await db.query<TableRow>(TABLE_SQL, [qualified(schema, table)])
  const t = rows[0]
  if (t === undefined) return undefined
  const idx = await db.query<IndexRow>(INDEX_SQL, [t.oid])
  const st = await db.query<StatsRow>(STATS_SQL, [t.schema, t.table])
  return {
    schema: t.schema,
    table: t.table,
    oid: t.oid,
    bytes: t.bytes,
    pages: t.pages,
    rows: t.rows,
    columns: new Set(t.columns),
    writes: t.writes,
    indexes: idx.rows.map((r) => ({
      name: r.name, method: r.method, valid: r.valid, partial: r.partial,
      keys: r.cols.slice(0, r.nkeys), include: r.cols.slice(r.nkeys).filter((c): c is string => c !== null), opclasses: r.opclasses.slice(0, r.nkeys)
    })),
    stats: new Map(st.rows.map((r) => [r.column, {
      nullFrac: r.null_frac, nDistinct: r.n_distinct, mostCommonFreqs: r.mcf, mostCommonVals: r.mcv, correlation: r.correlation, avgWidth: r.avg_width
    }]))
  }
}

export type ExtensionState = 'installed' | 'available' | 'absent'

export async function extensionState (db: pg.ClientBase | pg.Pool, name: string): Promise<ExtensionState> {
  const { rows } = await db.query<{ installed: boolean }>(
    `SELECT ${MONITORING_MARK} installed_version IS NOT NULL AS installed FROM pg_available_extensions WHERE name = $1`, [name])
  if (rows.length === 0) return 'absent'
  return rows[0]!.installed ? 'installed' : 'available'
}

/** An index of this name on this table: whether it exists and is valid. */
export async function indexState (db: pg.ClientBase | pg.Pool, schema: string, name: string): Promise<{ exists: boolean; valid: boolean; building: boolean }> {
  const { rows } = await db.query<{ valid: boolean; building: boolean }>(
    `SELECT ${MONITORING_MARK} x.indisvalid AS valid,
            EXISTS (SELECT 1 FROM pg_stat_progress_create_index p WHERE p.index_relid = x.indexrelid) AS building
       FROM pg_index x WHERE x.indexrelid = to_regclass($1)`, [qualified(schema, name)])
  const r = rows[0]
  return r === undefined ? { exists: false, valid: false, building: false } : { exists: true, valid: r.valid, building: r.building }
}
