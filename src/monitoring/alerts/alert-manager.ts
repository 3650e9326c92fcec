/**
 * The alert engine of one gateway instance (docs/alerts.md). Every ALERT_EVAL_INTERVAL it records
 * what this instance observes and, if no other instance is evaluating right now, evaluates the
 * rules over all instances' fresh observations (src/monitoring/alerts/evaluation.ts). Its sender
 * drains the delivery outbox on its own timer. Neither ever runs on a request's path, and a
 * failing round (PostgreSQL away) is logged and simply tried again at the next tick.
 */
import type pg from 'pg'
import { defaultLogger, type ClientLogger } from '../../client/logger.js'
import type { AlertSample, AlertStatus } from '../types.js'
import { createChannels } from './channels/index.js'
import { DeliveryWorker, type DeliveryRound } from './delivery.js'
import { evaluateAll, writeSample, type EvaluationOutcome } from './evaluation.js'
import { readDeliveries, readEvents, readStates, type AlertEventView, type DeliveryView } from './history.js'
import { DEFAULT_RETRY, type RetryPolicy } from './outbox.js'
import { alertRules, type AlertRule } from './rules.js'
import type { AlertSettings } from './settings.js'
import type { ChannelName } from './types.js'

export interface AlertManagerOptions {
  /** The primary's pool: the coordination tables live there. */
  pool: pg.Pool
  settings: AlertSettings
  /** What this instance observes now; null values mean "cannot judge". */
  sample: () => AlertSample | Promise<AlertSample>
  instance: string
  enabled?: boolean
  logger?: ClientLogger
  /** The state machine's clock (epoch ms); queue timing uses the database's clock. */
  clock?: () => number
  retry?: Partial<RetryPolicy>
  /** How often the sender looks for due deliveries (default 1 s). */
  deliveryIntervalMs?: number
  /** Samples older than this are ignored (default 3 evaluation intervals, at least 30 s). */
  sampleMaxAgeMs?: number
  /** History kept (default 30 days). */
  retentionMs?: number
}

/** A rule's status with every optional field of AlertStatus filled in. */
export type AlertRuleStatus = Required<AlertStatus>

export interface AlertsStatus {
  enabled: boolean
  instance: string
  channels: ChannelName[]
  rules: AlertRuleStatus[]
  /** Rules pending or firing. */
  active: AlertRuleStatus[]
  /** The last 50 transitions, newest first. */
  history: AlertEventView[]
  /** The last 50 deliveries, newest first. */
  deliveries: DeliveryView[]
}

const HISTORY = 50

export class AlertManager {
  readonly rules: readonly AlertRule[]
  readonly enabled: boolean
  private readonly worker: DeliveryWorker
  private readonly clock: () => number
  private readonly logger: ClientLogger
  private evalTimer: NodeJS.Timeout | undefined
  private deliveryTimer: NodeJS.Timeout | undefined
  private evaluating: Promise<unknown> | undefined
  private delivering: Promise<unknown> = Promise.resolve()
  private deliveryFailing = false
  /** The shared states as last read after an evaluation round (for `gateway_alert_state` at scrape time). */
  private known: AlertStatus[] | undefined

  constructor (private readonly opts: AlertManagerOptions) {
    this.enabled = opts.enabled ?? true
    this.rules = alertRules(opts.settings.thresholds)
    this.clock = opts.clock ?? Date.now
    this.logger = opts.logger ?? defaultLogger
    this.worker = new DeliveryWorker(opts.pool, this.enabled ? createChannels(opts.settings.channels, this.clock) : [],
      { ...DEFAULT_RETRY, ...opts.retry }, this.logger)
  }

  get channels (): ChannelName[] { return this.worker.channels.map((c) => c.name) }

  start (): void {
    if (!this.enabled || this.evalTimer !== undefined) return
    this.evalTimer = setInterval(() => { void this.tick() }, this.opts.settings.evalIntervalMs).unref()
    // Also on instances that never win an evaluation: the queue is everyone's (it survives the evaluator).
    if (this.channels.length > 0) {
      this.deliveryTimer = setInterval(() => { void this.deliverQuietly() }, this.opts.deliveryIntervalMs ?? 1_000).unref()
    }
  }

  async stop (): Promise<void> {
    clearInterval(this.evalTimer)
    clearInterval(this.deliveryTimer)
    this.evalTimer = undefined
    this.deliveryTimer = undefined
    await this.evaluating
    await this.delivering.catch(() => {})
    for (const c of this.worker.channels) await c.close?.()
  }

  /** Records this instance's sample and evaluates if no other instance is; throws on failure. */
  async evaluateOnce (): Promise<EvaluationOutcome> {
    const s = this.opts.settings
    const observed = await this.opts.sample()
    await writeSample(this.opts.pool, { ...observed, instance: this.opts.instance })
    const outcome = await evaluateAll(this.opts.pool, {
      rules: this.rules,
      timing: { forMs: s.forMs, keepFiringMs: s.keepFiringMs },
      channels: this.channels,
      instance: this.opts.instance,
      now: this.clock(),
      sampleMaxAgeMs: this.opts.sampleMaxAgeMs ?? Math.max(3 * s.evalIntervalMs, 30_000),
      retentionMs: this.opts.retentionMs ?? 30 * 86_400_000
    })
    for (const t of outcome.transitions) {
      this.logger.warn({ rule: t.rule, episode: t.episode, notifications: t.enqueued }, `alert ${t.rule} ${t.transition}`)
    }
    // Send what was just enqueued now rather than at the sender's next tick.
    if (this.deliveryTimer !== undefined && outcome.transitions.some((t) => t.enqueued > 0)) void this.deliverQuietly()
    return outcome
  }

  /** One sender run; runs queue behind each other, so a caller sees the effect of its own run. */
  async deliverOnce (): Promise<DeliveryRound> {
    const run = this.delivering.catch(() => {}).then(async () => await this.worker.runOnce())
    this.delivering = run
    return await run
  }

  async status (): Promise<AlertsStatus> {
    const base = { enabled: this.enabled, instance: this.opts.instance, channels: this.channels }
    const described = (r: AlertRule): AlertRuleStatus => ({
      rule: r.name, state: 'inactive', value: null, threshold: r.threshold, since: null, description: r.description,
      episode: 0, comparison: r.comparison, unit: r.unit, detail: null, lastResolvedAt: null, evaluatedAt: null
    })
    if (!this.enabled) return { ...base, rules: this.rules.map(described), active: [], history: [], deliveries: [] }
    const [states, history, deliveries] = await Promise.all([
      readStates(this.opts.pool), readEvents(this.opts.pool, HISTORY), readDeliveries(this.opts.pool, HISTORY)
    ])
    const byRule = new Map(states.map((s) => [s.rule, s]))
    const rules = this.rules.map((r): AlertRuleStatus => {
      const s = byRule.get(r.name)
      if (s === undefined) return described(r)
      return { ...described(r), state: s.state, value: s.value, since: s.since, episode: s.episode, detail: s.detail, lastResolvedAt: s.lastResolvedAt, evaluatedAt: s.evaluatedAt }
    })
    return { ...base, rules, active: rules.filter((r) => r.state !== 'inactive'), history, deliveries }
  }

  /** Every rule's state as last seen (undefined before the first round); no database call. */
  knownStates (): AlertStatus[] | undefined {
    return this.known
  }

  private async refreshKnown (): Promise<void> {
    const states = new Map((await readStates(this.opts.pool)).map((s) => [s.rule, s]))
    this.known = this.rules.map((r) => {
      const s = states.get(r.name)
      return { rule: r.name, state: s?.state ?? 'inactive', value: s?.value ?? null, threshold: r.threshold, since: s?.since ?? null, description: r.description }
    })
  }

  private async tick (): Promise<void> {
    if (this.evaluating !== undefined) return
    this.evaluating = this.evaluateOnce().then(async () => await this.refreshKnown()).catch((err: Error) => {
      this.logger.warn({ err: err.message }, 'alert evaluation failed; retrying at the next interval')
    }).finally(() => { this.evaluating = undefined })
    await this.evaluating
  }

  private async deliverQuietly (): Promise<void> {
    try {
      await this.deliverOnce()
      if (this.deliveryFailing) this.logger.info({}, 'alert delivery queue reachable again')
      this.deliveryFailing = false
    } catch (err) {
      // One line per outage: the sender polls every second.
      if (!this.deliveryFailing) this.logger.warn({ err: (err as Error).message }, 'alert delivery queue unavailable; retrying')
      this.deliveryFailing = true
    }
  }
}
