/**
 * The index advisor of one client: records the workload, analyses it on request
 * (`analyze()`, the client's `analyzePerformance()`), applies a suggestion only when asked
 * (`apply(id)`), and reports on what it applied (`applied()`). `runScheduled()` is what a
 * maintenance schedule calls: an analysis, plus OPTIMIZER_AUTO_APPLY's builds when enabled.
 */
import os from 'node:os'
import type pg from 'pg'
import { gatewayError } from '../../errors.js'
import { analyzeWorkload, type WriteSnapshot } from './analysis.js'
import { buildIndex, dropInvalidIndex } from './build.js'
import { ADVISOR_DEFAULTS, type AdvisorOptions, type AnalysisResult, type AppliedIndex, type ApplyResult, type IndexSuggestion, type WorkloadReport } from './types.js'
import { readApplications, saveApplication, verifyApplication, type ApplicationRecord } from './verify.js'
import { WorkloadRecorder, type FingerprintCounters, type WorkloadSource } from './workload.js'

/** What the advisor needs of the client (structural: the core does not import the client class). */
export interface AdvisedClient extends WorkloadSource {
  readonly pools: { readonly primary: pg.Pool; all (): ReadonlyArray<{ readonly name: string; readonly pool: pg.Pool }> }
}

export interface AdvisorLogger { warn: (obj: object, msg: string) => void; info: (obj: object, msg: string) => void }

export interface ScheduledRun {
  analysis: AnalysisResult
  /** Builds OPTIMIZER_AUTO_APPLY made (empty when it is off). */
  applied: ApplyResult[]
  failed: Array<{ id: string; index: string; error: string }>
  verifications: AppliedIndex[]
}

interface Baseline { gateway: Map<string, FingerprintCounters>; stat: Map<string, FingerprintCounters> | undefined }

export class IndexAdvisor {
  readonly options: AdvisorOptions
  readonly recorder = new WorkloadRecorder()
  private last: AnalysisResult | undefined
  private analysing: Promise<AnalysisResult> | undefined
  private readonly writeSnapshots = new Map<number, WriteSnapshot>()
  /** Applications made here while gateway_index_applications does not exist (migrations not run). */
  private readonly unsaved = new Map<string, ApplicationRecord>()
  private readonly baselines = new Map<string, Baseline>()
  private readonly instance: string
  private readonly logger: AdvisorLogger | undefined

  constructor (private readonly client: AdvisedClient, opts: Partial<AdvisorOptions> & { instance?: string; logger?: AdvisorLogger } = {}) {
    const { instance, logger: _l, ...rest } = opts
    this.options = { ...ADVISOR_DEFAULTS, ...Object.fromEntries(Object.entries(rest).filter(([, v]) => v !== undefined)) }
    this.instance = instance ?? `${os.hostname()}:${process.pid}`
    this.logger = opts.logger
  }

  /** The latest analysis of this process (the weekly run's, or the last one asked for); undefined before one. */
  get lastAnalysis (): AnalysisResult | undefined {
    return this.last
  }

  /** Starts recording the client's statements (the client calls this in connect()). */
  start (): void {
    this.recorder.attach(this.client)
  }

  stop (): void {
    this.recorder.detach()
  }

  async workload (): Promise<WorkloadReport> {
    return await this.recorder.workload(this.client.pools.primary, this.options.maxStatements)
  }

  /** Index suggestions for the workload so far (one analysis at a time; concurrent callers share it). */
  async analyze (): Promise<AnalysisResult> {
    this.analysing ??= (async () => {
      const result = await analyzeWorkload({ pool: this.client.pools.primary, workload: await this.workload(), options: this.options, writeSnapshots: this.writeSnapshots })
      this.last = result
      return result
    })().finally(() => { this.analysing = undefined })
    return await this.analysing
  }

  /** A suggestion of the latest analysis, else of a fresh one. */
  async suggestion (id: string): Promise<IndexSuggestion | undefined> {
    return this.last?.suggestions.find((s) => s.id === id) ?? (await this.analyze()).suggestions.find((s) => s.id === id)
  }

  /**
   * Builds a suggestion's index (CREATE INDEX CONCURRENTLY, advisory lock, lock_timeout), or with
   * `dropInvalid` drops the INVALID index a failed build left. Unknown id → GW_ERR_NOT_FOUND;
   * a failed build, a lock held elsewhere, an invalid index in the way → GW_ERR_CONFLICT with details.
   */
  async apply (id: string, opts: { dropInvalid?: boolean } = {}): Promise<ApplyResult> {
    const s = await this.suggestion(id)
    if (s === undefined) throw gatewayError('GW_ERR_NOT_FOUND', `No index suggestion ${id} in the current analysis; GET /admin/index-suggestions lists them`, { id })
    const schema = s.table.slice(0, s.table.indexOf('.'))
    const started = Date.now()
    const primary = this.client.pools.primary
    if (opts.dropInvalid === true) {
      const status = await dropInvalidIndex(primary, { schema, index: s.index }, this.options.lockTimeoutMs)
      return { id, index: s.index, status, statement: s.statement, durationMs: Date.now() - started }
    }
    const baseline: Baseline = { gateway: await this.recorder.counters(), stat: await this.recorder.statCounters(primary).catch(() => undefined) }
    const appliedAt = new Date()
    const status = await buildIndex(primary, { schema, index: s.index, statement: s.statement, prerequisites: s.prerequisites }, this.options.lockTimeoutMs)
    if (status === 'created') {
      const record: ApplicationRecord = {
        id, schema, index: s.index, table: s.table, statement: s.statement, appliedAt,
        served: s.fingerprints.map((f) => {
          const c = (f.source === 'gateway' ? baseline.gateway : baseline.stat)?.get(f.fingerprint)
          return { fingerprint: f.fingerprint, query: f.query, source: f.source, calls: c?.calls ?? f.calls, meanMs: c !== undefined && c.calls > 0 ? c.totalMs / c.calls : f.meanMs }
        })
      }
      this.baselines.set(id, baseline)
      if (!await saveApplication(primary, record, this.instance)) this.unsaved.set(id, record)
      this.logger?.info({ index: s.index, table: s.table, ms: Date.now() - started }, 'index advisor: index built')
    }
    return { id, index: s.index, status, statement: s.statement, durationMs: Date.now() - started }
  }

  /** Every index applied through the advisor, newest first, with its verification now. */
  async applied (): Promise<AppliedIndex[]> {
    const primary = this.client.pools.primary
    const stored = await readApplications(primary) ?? []
    const records = [...stored, ...[...this.unsaved.values()].filter((r) => !stored.some((x) => x.id === r.id))]
    if (records.length === 0) return []
    const gatewayNow = await this.recorder.counters()
    const statNow = await this.recorder.statCounters(primary).catch(() => undefined)
    const nodes = this.client.pools.all().map((e) => ({ name: e.name, pool: e.pool }))
    return await Promise.all(records.map(async (r) => {
      const base = this.baselines.get(r.id)
      return await verifyApplication(r, primary, nodes, {
        gatewayNow,
        gatewayAtBuild: base?.gateway,
        gatewayStartedAfterBuild: this.recorder.since > r.appliedAt.getTime(),
        statNow,
        statAtBuild: base?.stat
      })
    }))
  }

  /**
   * For a maintenance schedule: analyse, then (OPTIMIZER_AUTO_APPLY) build the validated
   * suggestions saving at least `autoApplyMinSaving`, then verify what was applied before.
   */
  async runScheduled (): Promise<ScheduledRun> {
    const analysis = await this.analyze()
    const applied: ApplyResult[] = []
    const failed: ScheduledRun['failed'] = []
    if (this.options.autoApply) {
      for (const s of analysis.suggestions) {
        if (!s.validated || s.saving < this.options.autoApplyMinSaving) continue
        try {
          applied.push(await this.apply(s.id))
        } catch (err) {
          failed.push({ id: s.id, index: s.index, error: (err as Error).message })
          this.logger?.warn({ index: s.index, err: (err as Error).message }, 'index advisor: automatic build failed')
        }
      }
    }
    return { analysis, applied, failed, verifications: await this.applied() }
  }
}
