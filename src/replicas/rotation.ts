/**
 * Hysteresis for one node (SPEC §6): a node leaves the read rotation after `unhealthyThreshold`
 * consecutive bad readings and returns after `healthyThreshold` consecutive good ones, so a node on
 * the edge does not flap. The very first reading decides directly (there is nothing to smooth yet).
 * A promoted replica leaves at once: reading from a second writable node is never right.
 */

export type RotationState = 'unknown' | 'in' | 'out'

export interface Verdict {
  good: boolean
  /** Why the reading is bad: 'unreachable', 'lagging', 'promoted', 'suspect'. */
  reason?: string
  /** Leave the rotation now, without waiting for the threshold. */
  immediate?: boolean
}

export interface Transition { from: RotationState; to: RotationState; reason?: string }

export class Rotation {
  state: RotationState = 'unknown'
  /** Why the node is out (or the last bad reading while still in). */
  reason: string | undefined
  private bad = 0
  private good = 0

  constructor (private readonly unhealthyThreshold: number, private readonly healthyThreshold: number) {}

  /** Applies one reading; returns the transition when the state changed. */
  apply (verdict: Verdict): Transition | undefined {
    const from = this.state
    if (verdict.good) {
      this.bad = 0
      this.good++
      if (from === 'unknown' || (from === 'out' && this.good >= this.healthyThreshold)) return this.move('in', undefined)
      if (from === 'in') this.reason = undefined
      return undefined
    }
    this.good = 0
    this.bad++
    this.reason = verdict.reason
    if (from === 'unknown' || (from === 'in' && (verdict.immediate === true || this.bad >= this.unhealthyThreshold))) {
      return this.move('out', verdict.reason)
    }
    return undefined
  }

  private move (to: RotationState, reason: string | undefined): Transition {
    const from = this.state
    this.state = to
    this.reason = reason
    return reason === undefined ? { from, to } : { from, to, reason }
  }
}
