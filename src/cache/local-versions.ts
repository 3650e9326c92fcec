/**
 * This process's view of tag invalidations: tag → local sequence number of its last invalidation
 * (own writes, pub/sub messages from other instances). An L1 entry records the sequence when its
 * read started; it is valid only while none of its tags moved past it.
 *
 * Bounded: the map is an LRU of `maxTags`. A forgotten tag reads as `floor`, the highest sequence
 * ever forgotten — conservative (it may drop a valid entry, never keeps an invalid one).
 */
import { LRUCache } from 'lru-cache'

export class LocalVersions {
  private seq = 0
  private floor = 0
  private readonly map: LRUCache<string, number>

  constructor (maxTags = 100_000) {
    this.map = new LRUCache<string, number>({
      max: maxTags,
      dispose: (v, _k, reason) => { if (reason === 'evict' && v > this.floor) this.floor = v }
    })
  }

  /** The sequence a read starting now records. */
  now (): number {
    return this.seq
  }

  bump (tags: readonly string[]): void {
    const v = ++this.seq
    for (const t of tags) this.map.set(t, v)
  }

  /** Invalidates everything this process holds (e.g. after Redis lost its data). */
  bumpAll (): void {
    this.floor = ++this.seq
    this.map.clear()
  }

  validSince (tags: readonly string[], start: number): boolean {
    if (this.floor > start) return false
    for (const t of tags) if ((this.map.get(t) ?? 0) > start) return false
    return true
  }
}
