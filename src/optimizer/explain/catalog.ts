/**
 * Catalog facts about the relations and indexes a plan names, read in the explain's own
 * transaction on the node that planned it: row estimates, partition parents, statistics
 * freshness, index columns, and foreign keys without an index that has their columns leading.
 */
import type pg from 'pg'
import { indexOf, relationOf, str, type WalkedNode } from './plan.js'

export interface RelationInfo {
  /** pg_class.reltuples (-1: never analyzed). */
  rows: number
  /** Top of its partition tree (itself when not a partition). */
  root: string
  parent?: string
  /** Number of partitions of `parent`. */
  siblings?: number
  /** `RANGE (created_at)` / `HASH (user_id)` of `parent`. */
  partitionKey?: string
  modifiedSinceAnalyze: number
  lastAnalyze: Date | null
}

export interface ForeignKeyGap {
  table: string
  constraint: string
  references: string
  columns: string[]
  rows: number
  /** A partitioned table: its index cannot be built CONCURRENTLY in one statement. */
  partitioned: boolean
}

export interface PlanCatalog {
  relations: Map<string, RelationInfo>
  indexColumns: Map<string, string[]>
  foreignKeyGaps: ForeignKeyGap[]
  workMemKb: number
}

/** pg_class rows `c` for the `schema.name` keys passed as $1 (schemas) and $2 (names), keyed back as `r`. */
const BY_NAME = `FROM unnest($1::text[], $2::text[]) AS r(schema, name)
  JOIN pg_namespace n ON n.nspname = r.schema
  JOIN pg_class c ON c.relnamespace = n.oid AND c.relname = r.name`

const RELATIONS_SQL = `SELECT r.schema || '.' || r.name AS key, c.reltuples::float8 AS rows,
  rn.nspname || '.' || rc.relname AS root, pn.nspname || '.' || pc.relname AS parent,
  (SELECT count(*) FROM pg_inherits s WHERE s.inhparent = pc.oid)::int AS siblings,
  CASE WHEN pc.oid IS NOT NULL THEN pg_get_partkeydef(pc.oid) END AS partition_key,
  coalesce(st.n_mod_since_analyze, 0)::float8 AS modified, greatest(st.last_analyze, st.last_autoanalyze) AS last_analyze
  ${BY_NAME}
  JOIN pg_class rc ON rc.oid = coalesce(pg_partition_root(c.oid), c.oid)
  JOIN pg_namespace rn ON rn.oid = rc.relnamespace
  LEFT JOIN pg_inherits i ON c.relispartition AND i.inhrelid = c.oid
  LEFT JOIN pg_class pc ON pc.oid = i.inhparent
  LEFT JOIN pg_namespace pn ON pn.oid = pc.relnamespace
  LEFT JOIN pg_stat_all_tables st ON st.relid = c.oid`

const INDEXES_SQL = `SELECT r.schema || '.' || r.name AS key,
  array(SELECT a.attname::text FROM unnest(x.indkey::int2[]) WITH ORDINALITY AS k(attnum, pos)
          JOIN pg_attribute a ON a.attrelid = x.indrelid AND a.attnum = k.attnum
         WHERE k.pos <= x.indnkeyatts ORDER BY k.pos) AS columns
  ${BY_NAME}
  JOIN pg_index x ON x.indexrelid = c.oid`

/**
 * Foreign keys of the tables in $1 (or referencing a table in $2) with no valid, non-partial index
 * whose leading columns are exactly the key's columns (in any order). Inherited copies on
 * partitions (conparentid ≠ 0) are left out: the parent's key stands for them.
 */
const FOREIGN_KEYS_SQL = `SELECT cn.nspname || '.' || cl.relname AS table, c.conname AS constraint, fn.nspname || '.' || fl.relname AS references,
  array(SELECT a.attname::text FROM unnest(c.conkey) WITH ORDINALITY AS k(attnum, pos)
          JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = k.attnum ORDER BY k.pos) AS columns,
  cl.reltuples::float8 AS rows, cl.relkind = 'p' AS partitioned
  FROM pg_constraint c
  JOIN pg_class cl ON cl.oid = c.conrelid JOIN pg_namespace cn ON cn.oid = cl.relnamespace
  JOIN pg_class fl ON fl.oid = c.confrelid JOIN pg_namespace fn ON fn.oid = fl.relnamespace
 WHERE c.contype = 'f' AND c.conparentid = 0
   AND (cn.nspname || '.' || cl.relname = ANY ($1::text[]) OR fn.nspname || '.' || fl.relname = ANY ($2::text[]))
   AND NOT EXISTS (
     SELECT 1 FROM pg_index x, LATERAL (SELECT (string_to_array(x.indkey::text, ' ')::int2[])[1:cardinality(c.conkey)] AS lead) l
      WHERE x.indrelid = c.conrelid AND x.indisvalid AND x.indpred IS NULL AND l.lead @> c.conkey AND l.lead <@ c.conkey)
 ORDER BY 1, 2`

export async function loadCatalog (client: pg.ClientBase, nodes: WalkedNode[]): Promise<PlanCatalog> {
  const relations = new Map<string, RelationInfo>()
  const indexColumns = new Map<string, string[]>()
  const relKeys = distinct(nodes.map((n) => relationOf(n.plan)))
  const indexKeys = distinct(nodes.map((n) => indexOf(n.plan)))
  if (relKeys.length > 0) {
    const { rows } = await client.query({ text: RELATIONS_SQL, values: split(relKeys) })
    for (const r of rows) {
      const info: RelationInfo = { rows: r.rows, root: r.root, modifiedSinceAnalyze: r.modified, lastAnalyze: r.last_analyze }
      if (r.parent !== null) Object.assign(info, { parent: r.parent, siblings: r.siblings, partitionKey: r.partition_key })
      relations.set(r.key, info)
    }
  }
  if (indexKeys.length > 0) {
    const { rows } = await client.query({ text: INDEXES_SQL, values: split(indexKeys) })
    for (const r of rows) indexColumns.set(r.key, r.columns)
  }
  const roots = distinct([...relations.values()].map((r) => r.root))
  // A DELETE or UPDATE of a referenced key makes PostgreSQL look up every referencing table.
  const modified = distinct(nodes.filter((n) => n.plan['Node Type'] === 'ModifyTable' && ['Delete', 'Update', 'Merge'].includes(str(n.plan, 'Operation') ?? ''))
    .map((n) => { const k = relationOf(n.plan); return k === undefined ? undefined : relations.get(k)?.root ?? k }))
  const foreignKeyGaps = roots.length + modified.length === 0
    ? []
    : (await client.query<ForeignKeyGap>({ text: FOREIGN_KEYS_SQL, values: [roots, modified] })).rows
  const workMem = await client.query<{ kb: number }>("SELECT setting::float8 AS kb FROM pg_settings WHERE name = 'work_mem'")
  return { relations, indexColumns, foreignKeyGaps, workMemKb: workMem.rows[0]?.kb ?? 4096 }
}

function distinct (keys: Array<string | undefined>): string[] {
  return [...new Set(keys.filter((k): k is string => k !== undefined))]
}

/** `schema.name` keys → [schemas, names] for unnest. */
function split (keys: string[]): [string[], string[]] {
  return [keys.map((k) => k.slice(0, k.indexOf('.'))), keys.map((k) => k.slice(k.indexOf('.') + 1))]
}
