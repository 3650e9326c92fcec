/** One refill per key per process: concurrent callers share the running promise. */
import type { CacheCounters } from './stats.js'

export class SingleFlight<T> {
  private readonly running = new Map<string, Promise<T>>()

  constructor (private readonly counters: CacheCounters) {}

  run (key: string, fn: () => Promise<T>): { promise: Promise<T>; joined: boolean } {
    const existing = this.running.get(key)
    if (existing) {
      this.counters.singleFlightJoins++
      return { promise: existing, joined: true }
    }
    const promise = fn().finally(() => this.running.delete(key))
    this.running.set(key, promise)
    return { promise, joined: false }
  }

  get size (): number { return this.running.size }
}
