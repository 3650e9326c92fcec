/**
 * The sender every instance runs: claims due deliveries of the channels it has configured, sends
 * them, records the outcome. It runs on its own timer, never on a request's path.
 */
import type pg from 'pg'
import type { ClientLogger } from '../../client/logger.js'
import { backoffMs, claimDue, markDelivered, markFailed, type ClaimedDelivery, type RetryPolicy } from './outbox.js'
import { DeliveryError, type Channel } from './types.js'

export interface DeliveryRound { delivered: number; retrying: number; failed: number }

const BATCH = 20
/** Batches per run: a long backlog drains over several ticks instead of one endless loop. */
const MAX_BATCHES = 10

export class DeliveryWorker {
  private readonly byName: Map<string, Channel>

  constructor (
    private readonly pool: pg.Pool,
    channels: readonly Channel[],
    private readonly policy: RetryPolicy,
    private readonly logger: ClientLogger
  ) {
    this.byName = new Map(channels.map((c) => [c.name, c]))
  }

  get channels (): Channel[] { return [...this.byName.values()] }

  async runOnce (): Promise<DeliveryRound> {
    const round: DeliveryRound = { delivered: 0, retrying: 0, failed: 0 }
    const names = [...this.byName.keys()] as Channel['name'][]
    for (let i = 0; i < MAX_BATCHES; i++) {
      const claimed = await claimDue(this.pool, names, BATCH, this.policy.leaseMs)
      if (claimed.length === 0) break
      const outcomes = await Promise.all(claimed.map(async (d) => await this.deliver(d)))
      for (const o of outcomes) round[o]++
      // No early exit on a short batch: a rule's next notification becomes claimable only once
      // the one before it is settled (in order per rule and channel), i.e. in the next batch.
    }
    return round
  }

  private async deliver (d: ClaimedDelivery): Promise<keyof DeliveryRound> {
    const channel = this.byName.get(d.channel)!
    const about = { channel: d.channel, rule: d.notification.rule, state: d.notification.state, episode: d.notification.episode, attempts: d.attempts }
    try {
      await channel.send(d.notification)
    } catch (err) {
      const e = err instanceof DeliveryError ? err : new DeliveryError((err as Error).message ?? String(err))
      const giveUp = e.permanent || d.attempts >= this.policy.maxAttempts
      const retryIn = giveUp ? null : backoffMs(d.attempts, this.policy)
      await markFailed(this.pool, d, e.message, retryIn)
      if (giveUp) this.logger.error({ ...about, err: e.message }, `alert notification via ${d.channel} failed for good`)
      else this.logger.warn({ ...about, err: e.message, retryInMs: retryIn }, `alert notification via ${d.channel} failed; will retry`)
      return giveUp ? 'failed' : 'retrying'
    }
    await markDelivered(this.pool, d)
    this.logger.info(about, `alert notification sent via ${d.channel}`)
    return 'delivered'
  }
}
