/** PostgreSQL WAL positions ('16/B374D848') compared as 64-bit numbers. */
export function parseLsn (lsn: string): bigint | undefined {
  const m = /^([0-9A-Fa-f]{1,8})\/([0-9A-Fa-f]{1,8})$/.exec(lsn)
  if (!m) return undefined
  return (BigInt(`0x${m[1]!}`) << 32n) | BigInt(`0x${m[2]!}`)
}

/**
 * True when `lsn` is known and at least `min`. An unknown or unparsable position is treated as the
 * oldest possible one (the safe reading: such data is never "fresh enough").
 */
export function lsnAtLeast (lsn: string | undefined, min: string): boolean {
  if (lsn === undefined) return false
  const a = parseLsn(lsn)
  const b = parseLsn(min)
  if (a === undefined) return false
  if (b === undefined) return true
  return a >= b
}

/** The older of two positions; undefined (unknown = oldest) wins. */
export function olderLsn (a: string | undefined, b: string | undefined): string | undefined {
  if (a === undefined || b === undefined) return undefined
  return lsnAtLeast(a, b) ? b : a
}

/** The freshness a read in this context needs: its consistency token, or its own last commit. */
export function requiredLsn (ctx: { minLsn?: string | undefined; lastCommitLsn?: string | undefined } | undefined): string | undefined {
  const a = ctx?.minLsn
  const b = ctx?.lastCommitLsn
  if (a === undefined) return b
  if (b === undefined) return a
  return lsnAtLeast(a, b) ? a : b
}
