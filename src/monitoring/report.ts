/**
 * The performance report (`generatePerformanceReport()`, `GET /admin/report`, `npm run report`):
 * the seed document's headline figures over a period — average query time, pool usage, cache hit
 * rate, slow queries per minute, P95, error rate — then the slowest queries with their plans,
 * cache, replicas, alerts, and sections later layers fill (partitions, index advice).
 */
import { quantileMs } from './buckets.js'
import type { RollupSummary } from './rollups.js'
import type { HistoryPoint, ReplicaSample, SlowQueryGroup } from './types.js'

export interface ReportSection {
  title: string
  /** false: the feature behind it is not built or not configured; `note` says why. */
  available: boolean
  note?: string
  data?: unknown
}

export interface PerformanceReport {
  generatedAt: string
  period: { label: string; minutes: number; from: string; to: string }
  /** Where the figures come from: the persisted roll-ups of every instance, or this process only. */
  source: 'rollups' | 'process'
  instances: string[]
  minutesWithData: number
  headline: {
    avgQueryTimeMs: number
    p95QueryTimeMs: number
    p99QueryTimeMs: number
    queries: number
    qps: number
    poolUsageAvg: number
    poolUsageMax: number
    cacheHitRate: number
    cacheLookups: number
    slowQueries: number
    slowQueriesPerMinute: number
    requests: number
    requestErrorRate: number
    queryErrorRate: number
    replicaLagMaxMs: number | null
  }
  slowQueries: SlowQueryGroup[]
  replicas: ReplicaSample[]
  history: HistoryPoint[]
  sections: Record<string, ReportSection>
}

const PERIOD = /^(\d{1,5})([mhd])$/
const UNIT_MINUTES = { m: 1, h: 60, d: 1_440 } as const

/** `15m`, `1h`, `24h`, `7d` → minutes; undefined when malformed or outside 1 minute … 90 days. */
export function parsePeriod (label: string): number | undefined {
  const m = PERIOD.exec(label)
  if (m === null) return undefined
  const minutes = Number(m[1]) * UNIT_MINUTES[m[2] as keyof typeof UNIT_MINUTES]
  return minutes >= 1 && minutes <= 90 * 1_440 ? minutes : undefined
}

export interface ReportInputs {
  summary: (minutes: number) => Promise<RollupSummary & { source: 'rollups' | 'process' }>
  history: (minutes: number) => Promise<HistoryPoint[]>
  slowQueries: (limit: number, minutes: number) => Promise<SlowQueryGroup[]>
  replicas: () => ReplicaSample[]
  /** Extra sections by key (cache, alerts, partitions, indexAdvice …). */
  sections: () => Promise<Record<string, ReportSection>>
  now?: () => number
}

const r3 = (n: number): number => Math.round(n * 1000) / 1000

export async function buildReport (inputs: ReportInputs, periodLabel = '24h'): Promise<PerformanceReport> {
  const minutes = parsePeriod(periodLabel)
  if (minutes === undefined) throw new RangeError(`period must look like 15m, 1h, 24h or 7d (at most 90d), got ${JSON.stringify(periodLabel)}`)
  const now = inputs.now?.() ?? Date.now()
  const [summary, history, slow, sections] = await Promise.all([
    inputs.summary(minutes),
    inputs.history(Math.min(minutes, 1_440)),
    inputs.slowQueries(10, minutes),
    inputs.sections()
  ])
  const t = summary.totals
  const covered = Math.max(summary.minutes, 1)
  const lookups = t.cacheHits + t.cacheMisses
  return {
    generatedAt: new Date(now).toISOString(),
    period: { label: periodLabel, minutes, from: new Date(now - minutes * 60_000).toISOString(), to: new Date(now).toISOString() },
    source: summary.source,
    instances: summary.instances,
    minutesWithData: summary.minutes,
    headline: {
      avgQueryTimeMs: t.queries === 0 ? 0 : r3(t.queryMs / t.queries),
      p95QueryTimeMs: r3(quantileMs(t.queryBuckets, 0.95)),
      p99QueryTimeMs: r3(quantileMs(t.queryBuckets, 0.99)),
      queries: t.queries,
      qps: r3(t.queries / (covered * 60)),
      poolUsageAvg: r3(summary.poolUsageAvg),
      poolUsageMax: r3(summary.poolUsageMax),
      cacheHitRate: lookups === 0 ? 0 : r3(t.cacheHits / lookups),
      cacheLookups: lookups,
      slowQueries: t.slow,
      slowQueriesPerMinute: r3(t.slow / covered),
      requests: t.requests,
      requestErrorRate: t.requests === 0 ? 0 : r3(t.requestErrors / t.requests),
      queryErrorRate: t.queries === 0 ? 0 : r3(t.queryErrors / t.queries),
      replicaLagMaxMs: summary.replicaLagMaxMs
    },
    slowQueries: slow,
    replicas: inputs.replicas(),
    history,
    sections
  }
}

// --- rendering --------------------------------------------------------------------------------

const pct = (r: number): string => `${(r * 100).toFixed(1)} %`
const ms = (v: number): string => `${v.toFixed(v < 10 ? 2 : 0)} ms`

function headlineRows (r: PerformanceReport): Array<[string, string]> {
  const h = r.headline
  return [
    ['Average query time', ms(h.avgQueryTimeMs)],
    ['P95 query time', ms(h.p95QueryTimeMs)],
    ['P99 query time', ms(h.p99QueryTimeMs)],
    ['Queries (per second)', `${h.queries} (${h.qps.toFixed(1)}/s)`],
    ['Connection pool usage (average / peak)', `${pct(h.poolUsageAvg)} / ${pct(h.poolUsageMax)}`],
    ['Cache hit rate', `${pct(h.cacheHitRate)} of ${h.cacheLookups} lookups`],
    ['Slow queries per minute', `${h.slowQueriesPerMinute.toFixed(2)} (${h.slowQueries} in all)`],
    ['Request error rate (5xx)', `${pct(h.requestErrorRate)} of ${h.requests} requests`],
    ['Query error rate', pct(h.queryErrorRate)],
    ['Replica lag (peak)', h.replicaLagMaxMs === null ? 'no replicas' : ms(h.replicaLagMaxMs)]
  ]
}

const mdCell = (s: string): string => s.replace(/\|/g, '\\|').replace(/\s+/g, ' ')

export function renderMarkdown (r: PerformanceReport): string {
  const out: string[] = []
  out.push(`# StellarRec gateway performance report`, '')
  out.push(`Period: last ${r.period.label} (${r.period.from} → ${r.period.to}); ${r.minutesWithData} minutes with data from ${r.instances.length} instance(s) (${r.source}).`, '')
  out.push('## Headline', '', '| Figure | Value |', '|---|---|')
  for (const [k, v] of headlineRows(r)) out.push(`| ${k} | ${v} |`)
  out.push('', '## Slowest queries', '')
  if (r.slowQueries.length === 0) out.push('None over the threshold in this period.')
  else {
    out.push('| Query (normalized) | Count | Mean | P95 | Max | Nodes |', '|---|---|---|---|---|---|')
    for (const q of r.slowQueries) out.push(`| \`${mdCell(q.query.slice(0, 160))}\` | ${q.count} | ${ms(q.meanMs)} | ${ms(q.p95Ms)} | ${ms(q.maxMs)} | ${q.nodes.join(', ')} |`)
    for (const q of r.slowQueries.filter((x) => x.plan !== null).slice(0, 3)) {
      out.push('', `Plan of \`${mdCell(q.query.slice(0, 80))}\` (on ${q.planNode ?? '?'}):`, '', '```json', JSON.stringify(q.plan, null, 2).slice(0, 4_000), '```')
    }
  }
  out.push('', '## Replicas', '')
  if (r.replicas.length === 0) out.push('No read replicas configured.')
  else {
    out.push('| Replica | State | Up | Lag |', '|---|---|---|---|')
    for (const x of r.replicas) out.push(`| ${x.name} | ${x.state} | ${x.up ? 'yes' : 'no'} | ${x.lagMs === null ? '–' : ms(x.lagMs)} |`)
  }
  for (const [, s] of Object.entries(r.sections)) {
    out.push('', `## ${s.title}`, '')
    if (!s.available) out.push(`Not available: ${s.note ?? 'not configured'}.`)
    else {
      if (s.note !== undefined) out.push(`${s.note}.`, '')
      const rows = flatRows(s.data)
      if (Array.isArray(s.data) && s.data.length === 0) out.push('None.')
      else if (rows === undefined) out.push('```json', JSON.stringify(s.data, null, 2).slice(0, 6_000), '```')
      else {
        out.push(`| ${rows.columns.map(mdCell).join(' | ')} |`, `|${rows.columns.map(() => '---').join('|')}|`)
        for (const row of rows.cells) out.push(`| ${row.map(mdCell).join(' | ')} |`)
      }
    }
  }
  return out.join('\n') + '\n'
}

/** A section whose data is a list of flat records renders as a table; anything else as JSON. */
function flatRows (data: unknown): { columns: string[]; cells: string[][] } | undefined {
  if (!Array.isArray(data) || data.length === 0) return undefined
  const records = data as Array<Record<string, unknown>>
  if (!records.every((r) => r !== null && typeof r === 'object' && Object.values(r).every((v) => v === null || typeof v !== 'object'))) return undefined
  const columns = [...new Set(records.flatMap((r) => Object.keys(r)))]
  return { columns, cells: records.map((r) => columns.map((c) => (r[c] === null || r[c] === undefined ? '–' : String(r[c])))) }
}

function htmlSection (data: unknown): string {
  const rows = flatRows(data)
  if (rows === undefined) return `<pre>${esc(JSON.stringify(data, null, 2).slice(0, 12_000))}</pre>`
  return `<table><thead><tr>${rows.columns.map((c) => `<th>${esc(c)}</th>`).join('')}</tr></thead><tbody>${
    rows.cells.map((r) => `<tr>${r.map((v) => `<td>${esc(v)}</td>`).join('')}</tr>`).join('')}</tbody></table>`
}

const esc = (s: string): string => s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' }[c]!))

export function renderHtml (r: PerformanceReport): string {
  const rows = headlineRows(r).map(([k, v]) => `<tr><th scope="row">${esc(k)}</th><td>${esc(v)}</td></tr>`).join('')
  const slow = r.slowQueries.length === 0
    ? '<p>None over the threshold in this period.</p>'
    : `<table><thead><tr><th>Query (normalized)</th><th>Count</th><th>Mean</th><th>P95</th><th>Max</th><th>Nodes</th></tr></thead><tbody>${
      r.slowQueries.map((q) => `<tr><td><code>${esc(q.query.slice(0, 300))}</code>${q.plan === null ? '' : `<details><summary>plan (${esc(q.planNode ?? '?')})</summary><pre>${esc(JSON.stringify(q.plan, null, 2).slice(0, 8_000))}</pre></details>`}</td><td>${q.count}</td><td>${esc(ms(q.meanMs))}</td><td>${esc(ms(q.p95Ms))}</td><td>${esc(ms(q.maxMs))}</td><td>${esc(q.nodes.join(', '))}</td></tr>`).join('')
    }</tbody></table>`
  const replicas = r.replicas.length === 0
    ? '<p>No read replicas configured.</p>'
    : `<table><thead><tr><th>Replica</th><th>State</th><th>Up</th><th>Lag</th></tr></thead><tbody>${
      r.replicas.map((x) => `<tr><td>${esc(x.name)}</td><td>${esc(x.state)}</td><td>${x.up ? 'yes' : 'no'}</td><td>${x.lagMs === null ? '–' : esc(ms(x.lagMs))}</td></tr>`).join('')
    }</tbody></table>`
  const sections = Object.values(r.sections).map((s) => `<section><h2>${esc(s.title)}</h2>${
    !s.available
      ? `<p>Not available: ${esc(s.note ?? 'not configured')}.</p>`
      : `${s.note === undefined ? '' : `<p>${esc(s.note)}.</p>`}${Array.isArray(s.data) && s.data.length === 0 ? '<p>None.</p>' : htmlSection(s.data)}`
  }</section>`).join('')
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Gateway performance report</title>
<style>body{font:14px/1.45 system-ui,sans-serif;margin:2rem;max-width:72rem}table{border-collapse:collapse;margin:.5rem 0}th,td{border:1px solid #8884;padding:.3rem .6rem;text-align:left;vertical-align:top}pre{overflow:auto;max-height:24rem;background:#8881;padding:.5rem}code{font-size:12px}</style>
</head><body><h1>StellarRec gateway performance report</h1>
<p>Period: last ${esc(r.period.label)} (${esc(r.period.from)} → ${esc(r.period.to)}); ${r.minutesWithData} minutes with data from ${r.instances.length} instance(s) (${esc(r.source)}).</p>
<h2>Headline</h2><table><tbody>${rows}</tbody></table>
<h2>Slowest queries</h2>${slow}
<h2>Replicas</h2>${replicas}
${sections}
</body></html>
`
}
