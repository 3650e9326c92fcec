/**
 * Index health (issue 10 item 5): usage per node, unused, duplicate and overlapping, invalid and
 * bloated indexes, each problem with the statement that would fix it — offered, never run.
 * Introspection, not workload: it queries the pools directly, so it never shows up as traffic.
 */
import { gatewayError } from '../../errors.js'
import type { PoolEntry } from '../../pools/pool-registry.js'
import { toGatewayError } from '../../client/pg-errors.js'
import { estimateBloat, measureBloat, pgstatindexFunction, type Bloat } from './bloat.js'
import { readIndexes, type CatalogIndex } from './catalog.js'
import { dropAdvice, findDuplicates, isInvalid, mayBeUnused, reindexAdvice } from './classify.js'
import { readNodeCounters, type NodeCounters } from './node-stats.js'
import type { BloatedIndex, DuplicateIndex, IndexHealthOptions, IndexHealthReport, IndexUsage, InvalidIndex, UnusedIndex } from './types.js'

export const INDEX_HEALTH_DEFAULTS = { limit: 100, bloatMinBytes: 10 * 1024 * 1024, bloatMinPercent: 30, nodeTimeoutMs: 3_000 } as const

export async function collectIndexHealth (nodes: readonly PoolEntry[], opts: IndexHealthOptions = {}): Promise<IndexHealthReport> {
  const { limit, bloatMinBytes, bloatMinPercent, nodeTimeoutMs } = { ...INDEX_HEALTH_DEFAULTS, ...opts }
  if (!Number.isInteger(limit) || limit < 1) throw gatewayError('GW_ERR_VALIDATION', 'limit must be a positive integer')
  const primary = nodes.find((n) => n.role === 'primary')
  if (primary === undefined) throw gatewayError('GW_ERR_CONFIG', 'Index health needs the primary pool')
  const now = new Date()

  let catalog: CatalogIndex[]
  let bloat: BloatResult
  let counters: NodeCounters[]
  try {
    catalog = await readIndexes(primary.pool, opts)
    const oids = catalog.map((ix) => ix.oid)
    ;[counters, bloat] = await Promise.all([
      Promise.all(nodes.map(async (n) => await readNodeCounters(n, oids, nodeTimeoutMs))),
      readBloat(primary.pool, oids, opts.bloat ?? 'auto')
    ])
  } catch (err) {
    throw toGatewayError(err, { node: 'primary' })
  }

  const reachable = counters.filter((c) => c.stats.reachable)
  const allAnswered = reachable.length === counters.length
  const coverSeconds = reachable.length === 0
    ? null
    : Math.min(...reachable.map((c) => Math.max(0, Math.round((now.getTime() - Date.parse(c.stats.statsSince as string)) / 1000))))

  const usage = (ix: CatalogIndex): IndexUsage => {
    const perNode = reachable.map((c) => ({ node: c.stats.name, ...(c.usage.get(ix.oid) ?? { idxScan: 0, idxTupRead: 0 }) }))
    return {
      schema: ix.schema,
      table: ix.table,
      name: ix.name,
      method: ix.method,
      definition: ix.definition,
      sizeBytes: ix.sizeBytes,
      unique: ix.unique,
      primary: ix.primary,
      constraint: ix.constraintType === null ? null : { name: ix.constraintName as string, type: CONSTRAINT_TYPES[ix.constraintType] },
      valid: ix.valid,
      partitionOf: ix.partitionOf,
      idxScan: perNode.reduce((s, n) => s + n.idxScan, 0),
      idxTupRead: perNode.reduce((s, n) => s + n.idxTupRead, 0),
      nodes: perNode,
      bloat: bloat.byOid.get(ix.oid) ?? null
    }
  }
  const rows = new Map(catalog.map((ix) => [ix, usage(ix)]))
  const base = (ix: CatalogIndex) => ({ schema: ix.schema, table: ix.table, index: ix.name, sizeBytes: ix.sizeBytes })

  const unused: UnusedIndex[] = catalog
    .filter((ix) => mayBeUnused(ix) && rows.get(ix)?.idxScan === 0)
    .map((ix) => ({ ...base(ix), verdict: allAnswered ? 'unused' : 'unknown', statsCoverSeconds: coverSeconds, ...dropAdvice(ix) }))
  const duplicates: DuplicateIndex[] = findDuplicates(catalog)
    .map(({ ix, by, kind }) => ({ ...base(ix), kind, coveredBy: by.name, coveredByDefinition: by.definition, ...dropAdvice(ix) }))
  const invalid: InvalidIndex[] = catalog.filter(isInvalid)
    .map((ix) => ({ ...base(ix), definition: ix.definition, ...dropAdvice(ix) }))
  const bloated: BloatedIndex[] = catalog.flatMap((ix) => {
    const b = bloat.byOid.get(ix.oid)
    if (b === undefined || !ix.valid || b.bytes < bloatMinBytes || b.percent < bloatMinPercent) return []
    return [{ ...base(ix), bloatBytes: b.bytes, bloatPercent: b.percent, ...reindexAdvice(ix) }]
  })

  const lists = { indexes: [...rows.values()], unused, duplicates, invalid, bloated }
  return {
    at: now.toISOString(),
    filter: { schema: opts.schema ?? null, table: opts.table ?? null },
    nodes: counters.map((c) => c.stats),
    bloatMethod: bloat.method,
    ...(bloat.note === undefined ? {} : { bloatNote: bloat.note }),
    totals: {
      indexes: catalog.length,
      unused: unused.filter((u) => u.verdict === 'unused').length,
      unknown: unused.filter((u) => u.verdict === 'unknown').length,
      duplicates: duplicates.length,
      invalid: invalid.length,
      bloated: bloated.length
    },
    truncated: Object.values(lists).some((l) => l.length > limit),
    indexes: largestFirst(lists.indexes, limit),
    unused: largestFirst(unused, limit),
    duplicates: largestFirst(duplicates, limit),
    invalid: largestFirst(invalid, limit),
    bloated: largestFirst(bloated, limit)
  }
}

const CONSTRAINT_TYPES = { p: 'primary key', u: 'unique', x: 'exclusion' } as const

interface BloatResult { method: 'estimate' | 'pgstattuple'; byOid: Map<number, Bloat>; note?: string }

/** pgstatindex may be refused (it needs pg_stat_scan_tables): then the estimate, saying why. */
async function readBloat (primary: PoolEntry['pool'], oids: number[], mode: 'auto' | 'estimate'): Promise<BloatResult> {
  const fn = mode === 'auto' ? await pgstatindexFunction(primary) : null
  let note: string | undefined
  if (fn !== null) {
    try {
      return { method: 'pgstattuple', byOid: await measureBloat(primary, fn, oids) }
    } catch (err) {
      note = `pgstatindex failed (${toGatewayError(err, { node: 'primary' }).message}); estimated instead`
    }
  }
  return { method: 'estimate', byOid: await estimateBloat(primary, oids), ...(note === undefined ? {} : { note }) }
}

function largestFirst<T extends { sizeBytes: number }> (list: T[], limit: number): T[] {
  return [...list].sort((a, b) => b.sizeBytes - a.sizeBytes).slice(0, limit)
}
