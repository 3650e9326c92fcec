/**
 * One plan per fingerprint, captured in the background on the node that ran the statement:
 * `EXPLAIN (FORMAT JSON)` with the recorded parameters, never ANALYZE (it would execute writes),
 * inside a transaction that is always rolled back, under its own statement timeout. One capture
 * at a time and a bounded queue: plans are a diagnosis aid, never a load of their own.
 */
import type pg from 'pg'
import { LRUCache } from 'lru-cache'
import type { ClientLogger } from '../../client/logger.js'
import { withStatementTimeout } from './bounded.js'
import { MONITORING_MARK } from './pg-stat-statements.js'
import { hasPlan, savePlan } from './store.js'

export interface PlanRequest {
  fingerprint: string
  /** The statement as run (the text the values bind to). */
  sql: string
  /** Normalized text, stored next to the plan. */
  query: string
  values: unknown[] | undefined
  node: string
}

export interface PlanCaptureOptions {
  pools: { get (node: string): pg.Pool | undefined; readonly primary: pg.Pool }
  /** Plans are looked up in and saved to gateway_query_plans. */
  persist: boolean
  timeoutMs?: number
  logger?: ClientLogger
}

const MAX_QUEUE = 100

export class PlanCapture {
  /** Fingerprints already handled by this process (captured, found stored, or not explainable). */
  private readonly seen = new LRUCache<string, true>({ max: 10_000, ttl: 24 * 3_600_000 })
  /** Plans captured here, for answers from memory when the plans table cannot be used. */
  readonly captured = new LRUCache<string, { plan: unknown; node: string }>({ max: 500 })
  private readonly queue: PlanRequest[] = []
  private running: Promise<void> | undefined
  private closed = false
  private failuresLogged = 0

  constructor (private readonly opts: PlanCaptureOptions) {}

  /** Queues a capture the first time this process sees the fingerprint; returns at once. */
  offer (req: PlanRequest): void {
    if (this.closed || this.seen.has(req.fingerprint)) return
    if (this.queue.length >= MAX_QUEUE) return
    this.seen.set(req.fingerprint, true)
    this.queue.push(req)
    this.running ??= this.drain().finally(() => { this.running = undefined })
  }

  /** Resolves when the queue is empty (tests, and close). */
  async idle (): Promise<void> {
    while (this.running !== undefined) await this.running
  }

  async close (): Promise<void> {
    this.closed = true
    this.queue.length = 0
    await this.idle()
  }

  private async drain (): Promise<void> {
    for (let req = this.queue.shift(); req !== undefined && !this.closed; req = this.queue.shift()) {
      try {
        await this.capture(req)
      } catch (err) {
        // One line per failure up to a few, then silence: a broken table must not flood the log.
        if (this.failuresLogged++ < 5) this.opts.logger?.warn({ fingerprint: req.fingerprint, err: (err as Error).message }, 'slow queries: plan capture failed')
      }
    }
  }

  private async capture (req: PlanRequest): Promise<void> {
    const { pools } = this.opts
    // Without the table (persist off, migrations not run) the plan is still captured for memory.
    const stored = this.opts.persist ? await hasPlan(pools.primary, req.fingerprint).catch(() => false) : false
    if (stored) return
    const pool = pools.get(req.node)
    if (pool === undefined) return
    const plan = await withStatementTimeout(pool, this.opts.timeoutMs ?? 2_000, async (client) => {
      const res = await client.query<{ 'QUERY PLAN': unknown }>({ text: `EXPLAIN ${MONITORING_MARK} (FORMAT JSON) ${req.sql}`, values: req.values })
      return res.rows[0]?.['QUERY PLAN'] ?? null
    }, { rollback: true })
    if (plan === null) return
    this.captured.set(req.fingerprint, { plan, node: req.node })
    if (this.opts.persist) await savePlan(pools.primary, { fingerprint: req.fingerprint, query: req.query, plan, node: req.node })
  }
}
