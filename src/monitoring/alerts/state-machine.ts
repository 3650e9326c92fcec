/**
 * One rule's lifecycle, as a pure function of its memory, one judgement and the time:
 *
 *   inactive ──breach──▶ pending ──held ALERT_FOR──▶ firing ──clear for ALERT_KEEP_FIRING──▶ inactive
 *       ▲                   │ clear (a blip: nothing sent)   │ ▲ breach again (stays firing)
 *       └───────────────────┘                                └─┘
 *
 * Only two transitions notify: → firing (a new episode) and firing → inactive ("resolved", with
 * the episode it ends). Each is returned exactly once, so a flap (fire, resolve, fire again) yields
 * every resolve as well: nothing is coalesced or dropped (cf. Alertmanager #2398).
 *
 * A null judgement (no data, too small a sample) keeps the state and its timers as they are: it
 * neither confirms nor clears, and the next real judgement is measured from the original start.
 */
import type { AlertState } from '../types.js'
import type { Transition } from './types.js'

export interface RuleMemory {
  state: AlertState
  /** Epoch ms the current state began (pending: the breach's start; firing: the episode's start); null when inactive. */
  since: number | null
  /** Episodes fired so far; while firing (and after its resolve), the current episode's id. */
  episode: number
  /** While firing: epoch ms since which the condition has been clear, null while it holds. */
  clearSince: number | null
}

export interface StepResult {
  next: RuleMemory
  transition?: Transition
  /** For a transition: when the episode began firing (a resolve carries its episode's start). */
  startsAt?: number
}

export interface Timing {
  forMs: number
  keepFiringMs: number
}

export const INITIAL: RuleMemory = Object.freeze({ state: 'inactive', since: null, episode: 0, clearSince: null })

function fire (m: RuleMemory, now: number): StepResult {
  const next: RuleMemory = { state: 'firing', since: now, episode: m.episode + 1, clearSince: null }
  return { next, transition: 'firing', startsAt: now }
}

export function step (m: RuleMemory, judgement: boolean | null, now: number, t: Timing): StepResult {
  if (judgement === null) return { next: m }
  switch (m.state) {
    case 'inactive':
      if (!judgement) return { next: m }
      return t.forMs <= 0 ? fire(m, now) : { next: { ...m, state: 'pending', since: now, clearSince: null } }
    case 'pending':
      if (!judgement) return { next: { ...m, state: 'inactive', since: null, clearSince: null } }
      return now - (m.since ?? now) >= t.forMs ? fire(m, now) : { next: m }
    case 'firing': {
      if (judgement) return m.clearSince === null ? { next: m } : { next: { ...m, clearSince: null } }
      const clearSince = m.clearSince ?? now
      if (now - clearSince < t.keepFiringMs) return { next: { ...m, clearSince } }
      const result: StepResult = { next: { state: 'inactive', since: null, episode: m.episode, clearSince: null }, transition: 'resolved' }
      if (m.since !== null) result.startsAt = m.since
      return result
    }
  }
}
