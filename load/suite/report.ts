/** Medians over rounds and the markdown tables of `npm run bench`. */
import type { Comparison } from './comparisons.js'
import type { RunResult } from './measure.js'
import { TARGET_LABELS, type TargetName } from './targets.js'

/** A scenario on a target over all rounds: medians, except errors, timeouts and non-2xx (summed: any non-zero is worth seeing). */
export interface Summary extends Omit<RunResult, 'round' | 'seconds' | 'connections' | 'statusCodes'> {
  rounds: number
}

function median (xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b)
  const mid = s.length >> 1
  return s.length % 2 === 1 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2
}
const medianOrNull = (xs: Array<number | null>): number | null => {
  const present = xs.filter((x): x is number => x !== null)
  return present.length === 0 ? null : Math.round(median(present) * 1000) / 1000
}
const sum = (xs: number[]): number => xs.reduce((a, b) => a + b, 0)

export function summarize (runs: RunResult[]): Summary[] {
  const groups = new Map<string, RunResult[]>()
  for (const r of runs) {
    const key = `${r.scenario}\u0000${r.target}`
    groups.set(key, [...(groups.get(key) ?? []), r])
  }
  return [...groups.values()].map((rs) => ({
    scenario: rs[0]!.scenario,
    target: rs[0]!.target,
    rounds: rs.length,
    rps: Math.round(median(rs.map((r) => r.rps))),
    p50: Math.round(median(rs.map((r) => r.p50)) * 100) / 100,
    p95: Math.round(median(rs.map((r) => r.p95)) * 100) / 100,
    p99: Math.round(median(rs.map((r) => r.p99)) * 100) / 100,
    errors: sum(rs.map((r) => r.errors)),
    timeouts: sum(rs.map((r) => r.timeouts)),
    non2xx: sum(rs.map((r) => r.non2xx)),
    requests: sum(rs.map((r) => r.requests)),
    hitRate: medianOrNull(rs.map((r) => r.hitRate)),
    queryHitRate: medianOrNull(rs.map((r) => r.queryHitRate)),
    sqlPerRequest: medianOrNull(rs.map((r) => r.sqlPerRequest)),
    redisPerRequest: medianOrNull(rs.map((r) => r.redisPerRequest))
  }))
}

const pct = (v: number | null): string => v === null ? '—' : `${Math.round(v * 1000) / 10} %`
const num = (v: number | null): string => v === null ? '—' : String(v)
const find = (s: Summary[], scenario: string, target: TargetName): Summary | undefined => s.find((x) => x.scenario === scenario && x.target === target)
const describe = (x: Summary): string =>
  `${x.rps} req/s, p50 ${x.p50} / p99 ${x.p99} ms${x.hitRate === null ? '' : `, hit ${pct(x.hitRate)}`}${x.errors + x.timeouts + x.non2xx > 0 ? `, errors ${x.errors}, timeouts ${x.timeouts}, non-2xx ${x.non2xx}` : ''}`

export interface RatioRow { label: string; ratio: number | null; num: Summary; den: Summary }

export function ratios (comparisons: readonly Comparison[], s: Summary[]): RatioRow[] {
  const rows: RatioRow[] = []
  for (const c of comparisons) {
    const a = find(s, c.num.scenario, c.num.target)
    const b = find(s, c.den.scenario, c.den.target)
    if (!a || !b) continue
    const [x, y] = c.metric === 'hitRate' ? [a.hitRate, b.hitRate] : [a.rps, b.rps]
    rows.push({ label: c.label, ratio: x === null || y === null || y === 0 ? null : Math.round((x / y) * 100) / 100, num: a, den: b })
  }
  return rows
}

export function ratioTable (rows: RatioRow[]): string {
  const out = ['| comparison | ratio | numerator | denominator | numerator p99/p50 |', '|---|---:|---|---|---:|']
  for (const r of rows) {
    const tail = r.num.p50 > 0 ? (r.num.p99 / r.num.p50).toFixed(1) : '—'
    out.push(`| ${r.label} | ${r.ratio === null ? '—' : `${r.ratio}×`} | ${describe(r.num)} | ${describe(r.den)} | ${tail} |`)
  }
  return out.join('\n')
}

/** The seed document's before/after: everything off (CACHE_ENABLED=false, no replicas) against everything on. */
export function beforeAfterTable (s: Summary[], replicas: boolean): string {
  const out = [`| scenario | before: req/s | before: p99 ms | before: SQL/req | after: req/s | after: p99 ms | after: SQL/req | after: hit rate | after / before |`,
    '|---|---:|---:|---:|---:|---:|---:|---:|---:|']
  for (const before of s.filter((x) => x.target === 'gateway-off')) {
    const after = find(s, before.scenario, 'gateway')
    if (!after) continue
    out.push(`| ${before.scenario} | ${before.rps} | ${before.p99} | ${num(before.sqlPerRequest)} | ${after.rps} | ${after.p99} | ${num(after.sqlPerRequest)} | ${pct(after.hitRate)} | ${before.rps > 0 ? (after.rps / before.rps).toFixed(2) : '—'}× |`)
  }
  out.push('', `before = CACHE_ENABLED=false, no replicas; after = cache on (L1 + Redis)${replicas ? ' and reads on DATABASE_READ_URLS' : ' (no replicas: DATABASE_READ_URLS was not set)'}`)
  return out.join('\n')
}

export function detailTable (s: Summary[]): string {
  const out = ['| scenario | target | rounds | req/s | p50 ms | p95 ms | p99 ms | errors | timeouts | non-2xx | requests | hit rate | query-tier hit | SQL/req | Redis cmds/req |',
    '|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|']
  for (const x of s) {
    out.push(`| ${x.scenario} | ${TARGET_LABELS[x.target]} | ${x.rounds} | ${x.rps} | ${x.p50} | ${x.p95} | ${x.p99} | ${x.errors} | ${x.timeouts} | ${x.non2xx} | ${x.requests} | ${pct(x.hitRate)} | ${pct(x.queryHitRate)} | ${num(x.sqlPerRequest)} | ${num(x.redisPerRequest)} |`)
  }
  return out.join('\n')
}
