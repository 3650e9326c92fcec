/**
 * Validation with hypopg (Dexter's method): the candidates are created as hypothetical indexes in
 * batches below hypopg's limit (its OIDs run out past ~500 per backend: Dexter #49), with
 * hypopg_reset between batches; each statement that proposed a candidate of the batch is
 * EXPLAINed again, and the planner's cheapest plan over all batches, with the hypothetical
 * indexes it scans, is the statement's result. hypopg cannot simulate GIN: trigram candidates
 * are estimated instead (src/optimizer/advisor/estimate.ts).
 */
import type pg from 'pg'
import { MONITORING_MARK } from '../../monitoring/slow-queries/pg-stat-statements.js'
import { candidateKey, hypotheticalStatement } from './candidates.js'
import { explainCost } from './plan-cost.js'
import type { IndexCandidate, WorkloadStatement } from './types.js'

export interface Trial {
  statement: WorkloadStatement
  candidates: IndexCandidate[]
}

export interface TrialResult {
  cost: number
  /** Keys (candidateKey) of the hypothetical indexes the cheapest plan uses. */
  used: string[]
}

export interface HypotheticalOutcome {
  results: Map<string, TrialResult>
  /** hypopg_relation_size of every candidate a cheapest plan used, by key. */
  sizes: Map<string, number>
  /** Candidates hypopg refused, with its message. */
  refused: Array<{ key: string; error: string }>
}

const HYPO_NAME = /^<(\d+)>/

export async function validateWithHypopg (client: pg.ClientBase, trials: Trial[], batchSize: number): Promise<HypotheticalOutcome> {
  const all = new Map<string, IndexCandidate>()
  for (const t of trials) for (const c of t.candidates) if (c.method === 'btree') all.set(candidateKey(c), c)
  const keys = [...all.keys()]
  const out: HypotheticalOutcome = { results: new Map(), sizes: new Map(), refused: [] }
  const size = Math.max(1, Math.min(batchSize, 499))
  for (let i = 0; i < keys.length; i += size) {
    const batch = new Set(keys.slice(i, i + size))
    await client.query(`SELECT ${MONITORING_MARK} hypopg_reset()`)
    const byOid = new Map<string, string>()
    for (const key of batch) {
      try {
        const { rows } = await client.query<{ oid: string }>(`SELECT ${MONITORING_MARK} indexrelid::text AS oid FROM hypopg_create_index($1)`, [hypotheticalStatement(all.get(key)!)])
        if (rows[0] !== undefined) byOid.set(rows[0].oid, key)
      } catch (err) {
        out.refused.push({ key, error: (err as Error).message })
      }
    }
    for (const t of trials) {
      if (!t.candidates.some((c) => batch.has(candidateKey(c)))) continue
      const plan = await explainCost(client, t.statement).catch(() => undefined)
      if (plan === undefined) continue
      const used = plan.indexes.map((n) => byOid.get(HYPO_NAME.exec(n)?.[1] ?? '')).filter((k): k is string => k !== undefined)
      const best = out.results.get(t.statement.fingerprint)
      if (used.length > 0 && (best === undefined || plan.cost < best.cost)) out.results.set(t.statement.fingerprint, { cost: plan.cost, used })
    }
    for (const [oid, key] of byOid) {
      if (out.sizes.has(key) || ![...out.results.values()].some((r) => r.used.includes(key))) continue
      const { rows } = await client.query<{ bytes: number }>(`SELECT ${MONITORING_MARK} hypopg_relation_size($1::oid)::float8 AS bytes`, [oid])
      out.sizes.set(key, rows[0]?.bytes ?? 0)
    }
  }
  await client.query(`SELECT ${MONITORING_MARK} hypopg_reset()`)
  return out
}
