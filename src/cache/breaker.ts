/**
 * Circuit breaker for Redis: after `failureThreshold` consecutive failures (or one timeout) it
 * opens, and every cache operation skips Redis at once. After `cooldownMs` one probe is allowed;
 * success closes it, failure re-opens it with a doubled cooldown (up to `maxCooldownMs`).
 * Requests never wait on the probe.
 */
export type BreakerState = 'closed' | 'open' | 'half-open'

export interface BreakerOptions {
  failureThreshold?: number
  cooldownMs?: number
  maxCooldownMs?: number
}

export class CircuitBreaker {
  state: BreakerState = 'closed'
  opens = 0
  private failures = 0
  private openUntil = 0
  private cooldown: number
  private readonly threshold: number
  private readonly baseCooldown: number
  private readonly maxCooldown: number

  constructor (opts: BreakerOptions = {}, private readonly onChange: (state: BreakerState) => void = () => {}) {
    this.threshold = opts.failureThreshold ?? 3
    this.baseCooldown = opts.cooldownMs ?? 500
    this.maxCooldown = opts.maxCooldownMs ?? 5_000
    this.cooldown = this.baseCooldown
  }

  /** May a normal command go to Redis now? */
  get closed (): boolean {
    return this.state === 'closed'
  }

  /** True exactly once per cooldown while open: the caller should run a probe. */
  probeDue (): boolean {
    if (this.state !== 'open' || Date.now() < this.openUntil) return false
    this.set('half-open')
    return true
  }

  /**
   * A normal command succeeded. It may have been sent before the breaker opened: only the probe
   * (`success`) closes an open breaker, after the outage's invalidations were replayed.
   */
  commandSucceeded (): void {
    if (this.state === 'closed') this.failures = 0
  }

  /** The probe succeeded (its recovery work included): closes the breaker. */
  success (): void {
    this.failures = 0
    if (this.state !== 'closed') {
      this.cooldown = this.baseCooldown
      this.set('closed')
    }
  }

  failure (timeout = false): void {
    this.failures++
    if (this.state === 'half-open' || timeout || this.failures >= this.threshold) this.trip()
  }

  /** Opens now (e.g. the connection reported it closed). */
  trip (): void {
    if (this.state === 'half-open') this.cooldown = Math.min(this.cooldown * 2, this.maxCooldown)
    this.openUntil = Date.now() + this.cooldown
    if (this.state !== 'open') {
      this.opens++
      this.set('open')
    }
  }

  private set (state: BreakerState): void {
    this.state = state
    this.onChange(state)
  }
}
