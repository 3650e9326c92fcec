/**
 * Seeded randomness for property tests. mulberry32 stays in 32-bit integer arithmetic
 * (`Math.imul`, `>>> 0`), unlike a textbook LCG written with `*` on doubles, which loses its low
 * bits past 2^53 and collapses into a short cycle.
 * @see https://gist.github.com/tommyettinger/46a874533244883189143505d203312c
 */
import { randomInt } from 'node:crypto'

/** `rand(n)`: an integer in [0, n), from a 32-bit seed. */
export function mulberry32 (seed: number): (n: number) => number {
  let s = seed >>> 0
  return (n) => {
    s = (s + 0x6D2B79F5) >>> 0
    let z = s
    z = Math.imul(z ^ (z >>> 15), z | 1)
    z ^= z + Math.imul(z ^ (z >>> 7), z | 61)
    return Math.floor((((z ^ (z >>> 14)) >>> 0) / 2 ** 32) * n)
  }
}

/**
 * A seed for this run: `process.env[name]` when set (to replay a failure), else random. Callers
 * print it, so a failing run can be repeated.
 */
export function runSeed (name: string): number {
  const given = process.env[name]
  if (given === undefined || given === '') return randomInt(2 ** 32)
  const seed = Number(given)
  if (!Number.isSafeInteger(seed) || seed < 0 || seed >= 2 ** 32) throw new Error(`${name} must be an integer in [0, 2^32), got ${given}`)
  return seed
}
