/**
 * The most requested cached queries of late (bounded in count and in bytes: a spec may hold a
 * request body; counts halve at each warming round so old favourites fade), for warming.
 */
import { LRUCache } from 'lru-cache'

export class HotKeys<Spec> {
  private readonly seen: LRUCache<string, { spec: Spec; hits: number }>

  /** `sizeOf`: approximate bytes of a key and its spec (default: twice the key, which describes the spec). */
  constructor (max = 1_000, sizeOf: (key: string, spec: Spec) => number = (key) => key.length * 2, maxBytes = 8 * 1024 * 1024) {
    this.seen = new LRUCache({ max, maxSize: maxBytes, sizeCalculation: (e, key) => Math.max(1, sizeOf(key, e.spec)) })
  }

  touch (key: string, spec: () => Spec): void {
    const e = this.seen.get(key, { updateAgeOnGet: false })
    if (e) e.hits++
    else this.seen.set(key, { spec: spec(), hits: 1 })
  }

  /** The `n` hottest, hottest first; then decays every count. */
  takeTop (n: number): Array<{ key: string; spec: Spec; hits: number }> {
    const all = [...this.seen.entries()].map(([key, e]) => ({ key, spec: e.spec, hits: e.hits }))
    all.sort((a, b) => b.hits - a.hits)
    for (const [, e] of this.seen.entries()) e.hits = Math.floor(e.hits / 2)
    return all.slice(0, n).filter((e) => e.hits > 0)
  }
}
