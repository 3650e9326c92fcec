/**
 * Combines the fresh samples of every instance into one value per rule (docs/alerts.md,
 * "Across instances"). The cluster is judged by its worst member for per-instance resources
 * (pools, replicas as each instance sees them, Redis); rates and averages are weighted by how much
 * each instance measured.
 */
import type { AlertRuleName, AlertSample } from '../types.js'
import type { AlertRule } from './rules.js'

export interface AggregatedValue {
  value: number | null
  /** Total sample behind a weighted value, when every instance gave one. */
  sample?: number
  /** The detail of the instance with the worst value ("replica1 unreachable"). */
  detail?: string
  instances: number
}

type Entry = { value: number; sample?: number; detail?: string; instance: string }

export function aggregate (rule: AlertRule, samples: readonly AlertSample[]): AggregatedValue {
  const entries: Entry[] = []
  for (const s of samples) {
    const v = s.values[rule.name as AlertRuleName]
    if (v === undefined || v.value === null || !Number.isFinite(v.value)) continue
    const e: Entry = { value: v.value, instance: s.instance }
    if (v.sample !== undefined) e.sample = v.sample
    if (v.detail !== undefined) e.detail = v.detail
    entries.push(e)
  }
  if (entries.length === 0) return { value: null, instances: 0 }
  const worst = entries.reduce((a, b) => (rule.comparison === 'above' ? b.value > a.value : b.value < a.value) ? b : a)
  const out: AggregatedValue = { value: worst.value, instances: entries.length }
  if (worst.detail !== undefined) out.detail = worst.detail
  if (rule.aggregate === 'weighted' && entries.every((e) => e.sample !== undefined)) {
    const total = entries.reduce((n, e) => n + e.sample!, 0)
    out.sample = total
    // Without any sample (no traffic anywhere) there is nothing to judge.
    out.value = total > 0 ? entries.reduce((n, e) => n + e.value * e.sample!, 0) / total : null
  }
  if (rule.minSample !== undefined && (out.sample === undefined || out.sample < rule.minSample)) out.value = null
  return out
}
