/**
 * Id distributions for the scenarios (SPEC §7): uniform over the whole table for uncached paths,
 * Zipf-like (s ≈ 1) with a long tail for cached ones. Seeded, so every target sees the same stream.
 */

/** mulberry32: small, fast, good enough to pick ids. */
export function rng (seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6D2B79F5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

/** Draws one item with the given source of randomness (so one sampler serves many seeded streams). */
export type Sampler<T> = (random: () => number) => T

export function uniform<T> (items: readonly T[]): Sampler<T> {
  if (items.length === 0) throw new Error('uniform(): no items to sample from')
  return (random) => items[Math.floor(random() * items.length)] as T
}

function shuffled<T> (items: readonly T[], random: () => number): T[] {
  const out = items.slice()
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1))
    const tmp = out[i] as T
    out[i] = out[j] as T
    out[j] = tmp
  }
  return out
}

/**
 * Rank r (1-based) is drawn with probability ∝ 1/r^s, by inverse CDF (binary search over the
 * cumulative weights). Ranks map to a shuffled copy of the items, so the hot ids are spread over
 * the table instead of being its lowest ids (which would also sit together in the heap and index).
 */
export function zipf<T> (items: readonly T[], s = 1, mappingSeed = 7): Sampler<T> {
  if (items.length === 0) throw new Error('zipf(): no items to sample from')
  const byRank = shuffled(items, rng(mappingSeed))
  const cdf = new Float64Array(byRank.length)
  let sum = 0
  for (let r = 0; r < byRank.length; r++) {
    sum += 1 / Math.pow(r + 1, s)
    cdf[r] = sum
  }
  return (random) => {
    const u = random() * sum
    let lo = 0
    let hi = cdf.length - 1
    while (lo < hi) {
      const mid = (lo + hi) >>> 1
      if ((cdf[mid] as number) < u) lo = mid + 1
      else hi = mid
    }
    return byRank[lo] as T
  }
}

/** Weighted choice among labels, e.g. { user: 5, universities: 2 }. */
export function weighted<K extends string> (weights: Record<K, number>): Sampler<K> {
  const entries = Object.entries(weights) as Array<[K, number]>
  const total = entries.reduce((s, [, w]) => s + w, 0)
  return (random) => {
    let u = random() * total
    for (const [k, w] of entries) {
      u -= w
      if (u < 0) return k
    }
    return entries[entries.length - 1]![0]
  }
}
