/**
 * Admission on the second miss (CACHE_ADMISSION=second-hit): a key is stored only once it has
 * missed before within the recent window, so one-off reads of a long tail never pay for a store
 * nor push useful entries out (the "doorkeeper" of TinyLFU; CDNs' cache-on-second-hit).
 *
 * Two generations of 32-bit key hashes, each of at most `capacity`: when the current one is full
 * it becomes the previous one. A hash collision only admits a key early (never wrong data).
 * @see https://arxiv.org/abs/1512.00727 (TinyLFU, §3.4.2 doorkeeper)
 */
export class Doorkeeper {
  private current = new Set<number>()
  private previous = new Set<number>()

  constructor (private readonly capacity = 100_000) {}

  /** true when `key` was seen recently (admit it); otherwise remembers it and says no. */
  admit (key: string): boolean {
    const h = fnv1a(key)
    if (this.current.has(h) || this.previous.has(h)) return true
    if (this.current.size >= this.capacity) {
      this.previous = this.current
      this.current = new Set()
    }
    this.current.add(h)
    return false
  }
}

function fnv1a (s: string): number {
  let h = 0x811c9dc5
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193)
  return h >>> 0
}
