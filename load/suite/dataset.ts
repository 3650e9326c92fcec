/**
 * What the scenarios draw from, read from the database once: every user id (uniform and Zipf
 * samplers need the real ids, not min..max with holes), substrings of real university names, and
 * applications that still have a valid forward status move (for PATCH /applications/:id).
 */
import pg from 'pg'
import { APPLICATION_TRANSITIONS } from '../../src/domain/transitions.js'
import type { ApplicationStatus } from '../../src/models/types.js'
import { rng } from './sampler.js'

export interface StatusMove { id: number; from: ApplicationStatus; to: ApplicationStatus; submittedAt: string | null }

export interface Dataset {
  userIds: number[]
  minUserId: number
  maxUserId: number
  searchTerms: string[]
  /** Consumed front to back by the write scenarios; each move is made once. */
  moves: StatusMove[]
}

const MOVES_WANTED = 60_000

/** Substrings of 3 to 6 letters taken from words of the names, e.g. "Univ", "tech", "ord". */
function searchTermsOf (names: string[], count: number, random: () => number): string[] {
  const words = names.flatMap((n) => n.split(/[^\p{L}]+/u)).filter((w) => w.length >= 3)
  const terms = new Set<string>()
  for (let tries = 0; terms.size < count && tries < count * 20 && words.length > 0; tries++) {
    const w = words[Math.floor(random() * words.length)]!
    const len = Math.min(w.length, 3 + Math.floor(random() * 4))
    const start = Math.floor(random() * (w.length - len + 1))
    terms.add(w.slice(start, start + len).toLowerCase())
  }
  return [...terms]
}

export async function loadDataset (url: string, seed = 42): Promise<Dataset> {
  const c = new pg.Client({ connectionString: url })
  await c.connect()
  try {
    const ids = (await c.query<{ id: string }>('SELECT id FROM users ORDER BY id')).rows.map((r) => Number(r.id))
    const names = (await c.query<{ name: string }>('SELECT name FROM universities')).rows.map((r) => r.name)
    const movable = Object.entries(APPLICATION_TRANSITIONS).filter(([, to]) => to.length > 0).map(([from]) => from)
    // Random order (seeded by the id hash, so two runs pick different rows only if the data changed).
    const rows = (await c.query<{ id: string; status: ApplicationStatus; submitted_at: Date | null }>(
      'SELECT id, status, submitted_at FROM applications WHERE status = ANY($1) ORDER BY hashint8(id) LIMIT $2', [movable, MOVES_WANTED])).rows
    const moves = rows.map((r) => ({
      id: Number(r.id), from: r.status, to: APPLICATION_TRANSITIONS[r.status][0]!, submittedAt: r.submitted_at?.toISOString() ?? null
    }))
    if (ids.length === 0) throw new Error('the users table is empty')
    return { userIds: ids, minUserId: ids[0]!, maxUserId: ids[ids.length - 1]!, searchTerms: searchTermsOf(names, 400, rng(seed)), moves }
  } finally {
    await c.end()
  }
}

/**
 * Puts the applications the run moved back to their status before it (the bench database is
 * shared and reused; without this, repeated runs would use up the movable rows).
 */
export async function restoreMoves (url: string, used: StatusMove[]): Promise<void> {
  if (used.length === 0) return
  const c = new pg.Client({ connectionString: url })
  await c.connect()
  try {
    await c.query(
      `UPDATE applications a SET status = m.status, submitted_at = m.submitted_at
         FROM unnest($1::bigint[], $2::text[], $3::timestamptz[]) AS m(id, status, submitted_at) WHERE a.id = m.id`,
      [used.map((m) => m.id), used.map((m) => m.from), used.map((m) => m.submittedAt)])
  } finally {
    await c.end()
  }
}
