/** When a plan fact becomes a finding. Documented in docs/optimizer.md (Explain). */
export const EXPLAIN_THRESHOLDS = {
  /** A sequential scan reading at least this many rows is of a large table. */
  largeTableRows: 10_000,
  /** …and is under a selective filter when it keeps at most this fraction of them. */
  selectiveFraction: 0.1,
  /** Estimated vs actual rows differ by this factor or more… */
  misestimateFactor: 10,
  /** …and the larger of the two is at least this many rows (1 vs 9 is noise). */
  misestimateMinRows: 100,
  /** A nested loop runs its inner side this many times or more. */
  nestedLoopRows: 10_000,
  /** An index walked for ORDER BY + LIMIT throws away at least this many rows… */
  wrongIndexRemovedRows: 1_000,
  /** …and this many times more than it returns. */
  wrongIndexFactor: 10
} as const

export type ExplainThresholds = { -readonly [K in keyof typeof EXPLAIN_THRESHOLDS]: number }
