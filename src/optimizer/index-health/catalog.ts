/**
 * The user indexes as the primary's catalog describes them. Physical replicas share the catalog,
 * so an index's OID names the same index on every node. Only indexes that hold data (relkind 'i'):
 * a partitioned index has no storage and no scans of its own — its partitions' indexes do.
 */
import type pg from 'pg'

export interface CatalogIndex {
  oid: number
  tableOid: number
  schema: string
  table: string
  name: string
  /** schema.name, quoted by the server (`format('%I.%I')`), ready for a statement. */
  qualified: string
  method: string
  definition: string
  /** Key columns (or expressions) as the server prints them. */
  keys: string[]
  /** Per key column: expression, operator class, collation and sort option — what makes two keys equal. */
  keySignature: string[]
  include: string[]
  expressions: string | null
  predicate: string | null
  unique: boolean
  primary: boolean
  valid: boolean
  /** A CREATE INDEX or REINDEX is in progress for it (pg_stat_progress_create_index). */
  building: boolean
  constraintName: string | null
  constraintType: 'p' | 'u' | 'x' | null
  sizeBytes: number
  partitionOf: string | null
}

const INDEXES_SQL = `
SELECT i.indexrelid AS oid, i.indrelid AS "tableOid", n.nspname AS schema, t.relname AS "table", c.relname AS name,
  format('%I.%I', n.nspname, c.relname) AS qualified, am.amname AS method,
  pg_get_indexdef(i.indexrelid) AS definition,
  ARRAY(SELECT pg_get_indexdef(i.indexrelid, k + 1, true) FROM generate_series(0, i.indnkeyatts - 1) k ORDER BY k) AS keys,
  ARRAY(SELECT concat_ws(' ', pg_get_indexdef(i.indexrelid, k + 1, true), i.indclass[k], i.indcollation[k], i.indoption[k])
        FROM generate_series(0, i.indnkeyatts - 1) k ORDER BY k) AS "keySignature",
  ARRAY(SELECT pg_get_indexdef(i.indexrelid, k + 1, true) FROM generate_series(i.indnkeyatts, i.indnatts - 1) k ORDER BY k) AS include,
  pg_get_expr(i.indexprs, i.indrelid) AS expressions, pg_get_expr(i.indpred, i.indrelid) AS predicate,
  i.indisunique AS unique, i.indisprimary AS primary, i.indisvalid AS valid,
  EXISTS (SELECT 1 FROM pg_stat_progress_create_index p
          WHERE p.index_relid = i.indexrelid OR (p.relid = i.indrelid AND p.command LIKE 'REINDEX%')) AS building,
  con.conname AS "constraintName", con.contype AS "constraintType",
  pg_relation_size(i.indexrelid)::float8 AS "sizeBytes",
  (SELECT format('%I.%I', rn.nspname, r.relname) FROM pg_class r JOIN pg_namespace rn ON rn.oid = r.relnamespace
    WHERE r.oid = pg_partition_root(i.indexrelid) AND r.oid <> i.indexrelid) AS "partitionOf"
FROM pg_index i
JOIN pg_class c ON c.oid = i.indexrelid
JOIN pg_class t ON t.oid = i.indrelid
JOIN pg_namespace n ON n.oid = c.relnamespace
JOIN pg_am am ON am.oid = c.relam
LEFT JOIN pg_constraint con ON con.conindid = i.indexrelid AND con.conrelid = i.indrelid AND con.contype IN ('p', 'u', 'x')
WHERE c.relkind = 'i' AND t.relkind IN ('r', 'm')
  AND n.nspname <> 'information_schema' AND n.nspname !~ '^pg_'
  AND ($1::text IS NULL OR n.nspname = $1) AND ($2::text IS NULL OR t.relname = $2)
ORDER BY n.nspname, t.relname, c.relname`

export async function readIndexes (primary: pg.Pool, filter: { schema?: string; table?: string }): Promise<CatalogIndex[]> {
  return (await primary.query<CatalogIndex>(INDEXES_SQL, [filter.schema ?? null, filter.table ?? null])).rows
}
