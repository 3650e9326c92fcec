/** "Did you mean" for a mistyped name: the candidate within a small edit distance, if any. */
export function closest (word: string, candidates: Iterable<string>): string | undefined {
  let best: string | undefined
  let bestDist = Math.max(3, Math.floor(word.length / 4)) + 1
  const lower = word.toLowerCase()
  for (const c of candidates) {
    const d = levenshtein(lower, c.toLowerCase())
    if (d < bestDist) { best = c; bestDist = d }
  }
  return best
}

function levenshtein (a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, i) => i)
  for (let i = 1; i <= a.length; i++) {
    const cur = [i]
    for (let j = 1; j <= b.length; j++) {
      cur[j] = Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1))
    }
    prev = cur
  }
  return prev[b.length]!
}
