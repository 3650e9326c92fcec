/**
 * The invalidation side of the engine: local at once, then Redis (generation, tag records,
 * pub/sub) — and, while Redis is away, remembered and replayed before the breaker closes again,
 * so no instance validates an entry against a Redis that missed them.
 */
import type { LocalVersions } from './local-versions.js'
import type { RedisStore } from './redis-store.js'
import type { CacheCounters } from './stats.js'

/** Past this many remembered tags the replay rotates the epoch instead (everything invalid). */
const MAX_PENDING = 10_000

export class Invalidations {
  private pending = new Set<string>()
  private pendingOverflow = false

  constructor (private readonly local: LocalVersions, private readonly counters: CacheCounters,
    private readonly instanceId: string, private readonly store: () => RedisStore | undefined) {}

  async invalidate (tags: readonly string[], lsn?: string): Promise<void> {
    if (tags.length === 0) return
    this.local.bump(tags)
    this.counters.invalidations++
    const store = this.store()
    if (!store) return
    const gen = store.available ? await store.invalidate(tags, lsn, this.instanceId) : undefined
    if (gen === undefined) this.remember(tags)
  }

  /** A pub/sub message from an instance ("<gen>|<origin>|<tags>"). */
  onRemote (message: string): void {
    const a = message.indexOf('|')
    const b = message.indexOf('|', a + 1)
    if (a < 0 || b < 0) return
    const origin = message.slice(a + 1, b)
    const tags = message.slice(b + 1)
    if (origin === this.instanceId || tags === '') return
    this.local.bump(tags.split('\u0001'))
  }

  async recover (): Promise<void> {
    const store = this.store()
    if (!store) return
    // Taken before each await and put back on failure: invalidations made while the replay runs
    // (the breaker is not closed yet) are replayed by the next round, never dropped.
    while (this.pendingOverflow || this.pending.size > 0) {
      const overflow = this.pendingOverflow
      const tags = [...this.pending]
      this.pending.clear()
      this.pendingOverflow = false
      try {
        if (overflow) await store.rotateEpoch(true)
        else await store.invalidate(tags, undefined, this.instanceId, true)
      } catch (err) {
        if (overflow) this.pendingOverflow = true
        else this.remember(tags)
        throw err
      }
    }
  }

  private remember (tags: readonly string[]): void {
    for (const t of tags) this.pending.add(t)
    if (this.pending.size > MAX_PENDING) {
      this.pending.clear()
      this.pendingOverflow = true
    }
  }
}
