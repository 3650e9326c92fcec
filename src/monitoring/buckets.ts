/**
 * Latency bucket bounds shared by the Prometheus histograms, the sliding windows and the persisted
 * roll-ups, so all three agree. Fine at the low end: the gateway's queries and cached requests take
 * well under a millisecond, and Prometheus' default buckets (5 ms and up) would put them all in one.
 */
export const LATENCY_BUCKETS_SECONDS = [
  0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30
] as const

const BOUNDS_MS = LATENCY_BUCKETS_SECONDS.map((s) => s * 1000)

/** Bucket count: one per bound plus the overflow (above the last bound). */
export const BUCKET_COUNT = BOUNDS_MS.length + 1

export function emptyBuckets (): number[] {
  return new Array<number>(BUCKET_COUNT).fill(0)
}

/** Index of the first bound ≥ ms (Prometheus `le` semantics); the overflow index past the last. */
export function bucketIndex (ms: number): number {
  let i = 0
  while (i < BOUNDS_MS.length && ms > BOUNDS_MS[i]!) i++
  return i
}

export function subtractBuckets (now: readonly number[], before: readonly number[]): number[] {
  return now.map((v, i) => v - (before[i] ?? 0))
}

export function addBuckets (into: number[], more: readonly number[]): number[] {
  for (let i = 0; i < into.length; i++) into[i]! += more[i] ?? 0
  return into
}

/**
 * The q-quantile (0..1) in ms of per-bucket (non-cumulative) counts, interpolated linearly inside
 * the bucket as Prometheus' histogram_quantile does; the overflow bucket answers its lower bound.
 * 0 when empty.
 */
export function quantileMs (counts: readonly number[], q: number): number {
  const total = counts.reduce((a, b) => a + b, 0)
  if (total === 0) return 0
  const rank = q * total
  let seen = 0
  for (let i = 0; i < counts.length; i++) {
    const c = counts[i]!
    if (c > 0 && seen + c >= rank) {
      if (i >= BOUNDS_MS.length) return BOUNDS_MS[BOUNDS_MS.length - 1]!
      const lower = i === 0 ? 0 : BOUNDS_MS[i - 1]!
      const upper = BOUNDS_MS[i]!
      return lower + (upper - lower) * Math.max(0, Math.min(1, (rank - seen) / c))
    }
    seen += c
  }
  return BOUNDS_MS[BOUNDS_MS.length - 1]!
}
