/**
 * B-tree bloat: wasted bytes per index, by one of two methods.
 *
 * - `estimate`: from the catalog alone (pg_class.reltuples/relpages of the last VACUUM or ANALYZE
 *   and the columns' pg_stats widths), the size the index would have if packed to its fillfactor,
 *   compared with the size it has. Cheap; as good as the statistics. An index whose statistics
 *   are missing (never analyzed, or a `name` column, which pg_stats does not size) gets none.
 *   @see https://github.com/ioguix/pgsql-bloat-estimation/blob/master/btree/btree_bloat.sql (the method)
 * - `pgstattuple`: `pgstatindex()` reads every page: exact, but it costs a full index read, so it is
 *   used only when the extension is installed (and `bloat: 'estimate'` is not asked for).
 */
import type pg from 'pg'

export interface Bloat { bytes: number; percent: number }

const ESTIMATE_SQL = `
WITH idx AS (
  SELECT i.indexrelid, i.indrelid, i.indkey, i.indnatts, c.reltuples, c.relpages, n.nspname,
    coalesce((SELECT substring(o FROM 11)::int FROM unnest(c.reloptions) o WHERE o LIKE 'fillfactor=%'), 90) AS fillfactor
  FROM pg_index i
  JOIN pg_class c ON c.oid = i.indexrelid
  JOIN pg_namespace n ON n.oid = c.relnamespace
  JOIN pg_am am ON am.oid = c.relam
  WHERE i.indexrelid = ANY($1::oid[]) AND am.amname = 'btree' AND c.relpages > 0
), cols AS (
  -- A key column's statistics are the table column's; an expression's are kept under the index.
  SELECT idx.*, s.null_frac, s.avg_width, a.atttypid
  FROM idx
  CROSS JOIN generate_series(1, idx.indnatts) AS k
  JOIN pg_attribute a ON (idx.indkey[k - 1] <> 0 AND a.attrelid = idx.indrelid AND a.attnum = idx.indkey[k - 1])
                      OR (idx.indkey[k - 1] = 0 AND a.attrelid = idx.indexrelid AND a.attnum = k)
  JOIN pg_class r ON r.oid = a.attrelid
  LEFT JOIN pg_stats s ON s.schemaname = idx.nspname AND s.tablename = r.relname AND s.attname = a.attname
), widths AS (
  SELECT indexrelid, reltuples, relpages, fillfactor,
    -- IndexTupleData, plus the null bitmap when some column has nulls
    CASE WHEN max(coalesce(null_frac, 0)) > 0 THEN 6 ELSE 2 END AS header,
    sum((1 - coalesce(null_frac, 0)) * coalesce(avg_width, 0)) AS data,
    bool_or(avg_width IS NULL OR atttypid = 'pg_catalog.name'::regtype) OR reltuples < 0 AS unknown
  FROM cols GROUP BY indexrelid, reltuples, relpages, fillfactor
), sized AS (
  SELECT w.*, current_setting('block_size')::float8 AS bs,
    CASE WHEN version() ~ 'mingw32|64-bit|x86_64|ppc64|ia64|amd64|aarch64' THEN 8 ELSE 4 END AS align
  FROM widths w
), pages AS (
  SELECT indexrelid, relpages, bs, unknown,
    -- meta page + leaf pages at fillfactor; per tuple a 4-byte line pointer and the aligned tuple;
    -- per page a 24-byte header and 16 bytes of B-tree special space
    1 + ceil(reltuples / nullif(floor((bs - 24 - 16) * fillfactor
      / (100 * (4 + ceil(header / align) * align + ceil(data / align) * align))), 0)) AS expected
  FROM sized
)
SELECT indexrelid AS oid, unknown OR expected IS NULL AS unknown,
  (bs * greatest(relpages - expected, 0))::float8 AS bytes,
  (100 * greatest(relpages - expected, 0) / relpages)::float8 AS percent
FROM pages`

const PGSTATINDEX_SQL = (fn: string): string => `
SELECT i.indexrelid AS oid, p.index_size::float8 AS size,
  ((p.empty_pages + p.deleted_pages) * current_setting('block_size')::float8
    + p.leaf_pages * current_setting('block_size')::float8 * coalesce(greatest(0, 1 - nullif(p.avg_leaf_density, 'NaN')
      / coalesce((SELECT substring(o FROM 11)::int FROM unnest(c.reloptions) o WHERE o LIKE 'fillfactor=%'), 90)), 0))::float8 AS bytes
FROM pg_index i
JOIN pg_class c ON c.oid = i.indexrelid
JOIN pg_am am ON am.oid = c.relam
CROSS JOIN LATERAL ${fn}(i.indexrelid::regclass) p
WHERE i.indexrelid = ANY($1::oid[]) AND am.amname = 'btree' AND i.indisvalid AND i.indisready
  AND c.relpersistence <> 't'`

/** The schema-qualified pgstatindex of an installed pgstattuple (quoted by the server), else null. */
export async function pgstatindexFunction (primary: pg.Pool): Promise<string | null> {
  const { rows } = await primary.query<{ fn: string }>(
    "SELECT format('%I.pgstatindex', n.nspname) AS fn FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace WHERE e.extname = 'pgstattuple'")
  return rows[0]?.fn ?? null
}

export async function estimateBloat (primary: pg.Pool, oids: number[]): Promise<Map<number, Bloat>> {
  const { rows } = await primary.query<{ oid: number; unknown: boolean; bytes: number; percent: number }>(ESTIMATE_SQL, [oids])
  return new Map(rows.filter((r) => !r.unknown).map((r) => [r.oid, { bytes: r.bytes, percent: round(r.percent) }]))
}

/** `fn` comes from pgstatindexFunction (catalog names quoted by format('%I')), never from a caller. */
export async function measureBloat (primary: pg.Pool, fn: string, oids: number[]): Promise<Map<number, Bloat>> {
  const { rows } = await primary.query<{ oid: number; size: number; bytes: number }>(PGSTATINDEX_SQL(fn), [oids])
  return new Map(rows.map((r) => [r.oid, { bytes: Math.round(r.bytes), percent: r.size > 0 ? round(100 * r.bytes / r.size) : 0 }]))
}

const round = (x: number): number => Math.round(x * 10) / 10
