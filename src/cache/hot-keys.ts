/**
 * The most requested cached queries of late (bounded; counts halve at each warming round so old
 * favourites fade), for warming.
 */
import { LRUCache } from 'lru-cache'

export class HotKeys<Spec> {
  private readonly seen: LRUCache<string, { spec: Spec; hits: number }>

  constructor (max = 1_000) {
    this.seen = new LRUCache({ max })
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
