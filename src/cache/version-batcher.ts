/**
 * Coalesces the validation reads of one event-loop turn into one MGET: every cache hit checks its
 * tags' versions in Redis, and under load many hits arrive together. Each caller still gets
 * versions read after its own lookup began, so the check is exactly as strict as a lone MGET.
 */
export interface TagRecord { gen: number; lsn?: string; at: number }
export interface VersionRead { epoch: string | null; records: Array<TagRecord | null> }

type Mget = (tags: string[]) => Promise<Array<string | null> | undefined>

interface Waiter { tags: readonly string[]; resolve: (r: VersionRead | undefined) => void }

export class VersionBatcher {
  private pending: { tags: Set<string>; waiters: Waiter[] } | undefined

  /** `mget(tags)` returns [epoch, ...one value per tag] or undefined when Redis is unavailable. */
  constructor (private readonly mget: Mget) {}

  read (tags: readonly string[]): Promise<VersionRead | undefined> {
    return new Promise((resolve) => {
      if (!this.pending) {
        this.pending = { tags: new Set(), waiters: [] }
        setImmediate(() => { void this.flush() })
      }
      for (const t of tags) this.pending.tags.add(t)
      this.pending.waiters.push({ tags, resolve })
    })
  }

  private async flush (): Promise<void> {
    const batch = this.pending!
    this.pending = undefined
    const tags = [...batch.tags]
    const r = await this.mget(tags)
    if (r === undefined) {
      for (const w of batch.waiters) w.resolve(undefined)
      return
    }
    const byTag = new Map<string, TagRecord | null>(tags.map((t, i) => [t, parseRecord(r[i + 1] ?? null)]))
    const epoch = r[0] ?? null
    for (const w of batch.waiters) w.resolve({ epoch, records: w.tags.map((t) => byTag.get(t) ?? null) })
  }
}

export function parseRecord (raw: string | null): TagRecord | null {
  if (raw === null) return null
  const [gen, lsn, at] = raw.split('|')
  const rec: TagRecord = { gen: Number(gen), at: Number(at) }
  if (lsn) rec.lsn = lsn
  return rec
}
