/**
 * The rule table: what each alert compares, against which setting, in which direction. A rule is
 * breached when its aggregated value is at or above (`above`) or strictly below (`below`) the
 * threshold; boolean rules carry 1 (bad) or 0 and a threshold of 1.
 */
import type { AlertRuleName } from '../types.js'
import type { Severity } from './types.js'

export interface AlertRule {
  name: AlertRuleName
  description: string
  threshold: number
  comparison: 'above' | 'below'
  unit: 'ratio' | 'ms' | 'boolean'
  severity: Severity
  /**
   * How the values of several instances combine: `max` takes the worst; `weighted` averages by
   * each instance's `sample` (queries, requests, lookups) so an idle instance cannot hide a busy
   * one's errors, and falls back to the worst value when an instance gives no sample.
   */
  aggregate: 'max' | 'weighted'
  /** Below this total sample the rule does not judge (the cache hit rate of ten lookups means nothing). */
  minSample?: number
}

export interface RuleThresholds {
  poolUsage: number
  cacheHitRate: number
  cacheMinSample: number
  queryTimeMs: number
  errorRate: number
  replicationLagMs: number
}

export function alertRules (t: RuleThresholds): AlertRule[] {
  return [
    { name: 'pool_usage', description: 'share of a connection pool in use', threshold: t.poolUsage, comparison: 'above', unit: 'ratio', severity: 'warning', aggregate: 'max' },
    { name: 'cache_hit_rate', description: 'cache hit rate', threshold: t.cacheHitRate, comparison: 'below', unit: 'ratio', severity: 'warning', aggregate: 'weighted', minSample: t.cacheMinSample },
    { name: 'query_time', description: 'average query time', threshold: t.queryTimeMs, comparison: 'above', unit: 'ms', severity: 'warning', aggregate: 'weighted' },
    { name: 'error_rate', description: 'share of failed requests', threshold: t.errorRate, comparison: 'above', unit: 'ratio', severity: 'error', aggregate: 'weighted' },
    { name: 'replication_lag', description: 'replication lag of the furthest replica', threshold: t.replicationLagMs, comparison: 'above', unit: 'ms', severity: 'warning', aggregate: 'max' },
    { name: 'replica_down', description: 'a read replica is down or out of the rotation', threshold: 1, comparison: 'above', unit: 'boolean', severity: 'error', aggregate: 'max' },
    { name: 'redis_down', description: 'Redis is unreachable (the cache serves from L1 and the database)', threshold: 1, comparison: 'above', unit: 'boolean', severity: 'error', aggregate: 'max' },
    { name: 'maintenance_failed', description: 'the last partition maintenance run failed', threshold: 1, comparison: 'above', unit: 'boolean', severity: 'error', aggregate: 'max' }
  ]
}

/** True when the value breaches the rule, null when there is no value to judge. */
export function breached (rule: AlertRule, value: number | null): boolean | null {
  if (value === null || !Number.isFinite(value)) return null
  return rule.comparison === 'above' ? value >= rule.threshold : value < rule.threshold
}

/** `0.93 (threshold 0.8)`, `1250 ms`, … for messages. */
export function formatValue (unit: AlertRule['unit'], value: number | null): string {
  if (value === null) return 'n/a'
  if (unit === 'ms') return `${Math.round(value)} ms`
  if (unit === 'boolean') return value >= 1 ? 'yes' : 'no'
  return `${(value * 100).toFixed(1)} %`
}
