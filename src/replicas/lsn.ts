/**
 * PostgreSQL WAL positions (`pg_lsn`, text form `X/Y`, two hex halves of a 64-bit byte offset).
 * Compared and subtracted as bigints; nothing here talks to a server.
 */

const LSN_TEXT = /^([0-9A-Fa-f]{1,8})\/([0-9A-Fa-f]{1,8})$/

/** The byte offset of an `X/Y` LSN, or undefined when the text is not one. */
export function parseLsn (text: string | null | undefined): bigint | undefined {
  if (typeof text !== 'string') return undefined
  const m = LSN_TEXT.exec(text)
  if (m === null) return undefined
  return (BigInt(`0x${m[1] as string}`) << 32n) | BigInt(`0x${m[2] as string}`)
}

export function isLsn (text: unknown): text is string {
  return typeof text === 'string' && LSN_TEXT.test(text)
}

/** The canonical `X/Y` text PostgreSQL prints (upper-case hex, no leading zeros). */
export function formatLsn (value: bigint): string {
  return `${(value >> 32n).toString(16).toUpperCase()}/${(value & 0xFFFFFFFFn).toString(16).toUpperCase()}`
}

/** Negative, zero or positive like a comparator; unparsable values sort first. */
export function compareLsn (a: string | undefined, b: string | undefined): number {
  const x = parseLsn(a) ?? -1n
  const y = parseLsn(b) ?? -1n
  return x < y ? -1 : x > y ? 1 : 0
}

/** True when `have` is at or past `need` (an absent `need` is always reached). */
export function lsnReached (have: string | undefined, need: string | undefined): boolean {
  if (need === undefined) return true
  if (have === undefined) return false
  return compareLsn(have, need) >= 0
}

/** The later of two positions (either may be absent). */
export function maxLsn (a: string | undefined, b: string | undefined): string | undefined {
  if (a === undefined || parseLsn(a) === undefined) return b
  if (b === undefined || parseLsn(b) === undefined) return a
  return compareLsn(a, b) >= 0 ? a : b
}

/** `a - b` in bytes, never negative (0 when either is unknown). */
export function lsnDiff (a: string | undefined, b: string | undefined): number {
  const x = parseLsn(a)
  const y = parseLsn(b)
  if (x === undefined || y === undefined || x <= y) return 0
  return Number(x - y)
}
