/**
 * Node selection for reads, behind one small interface so the replica manager can swap in a
 * health- and lag-aware router (SPEC §6) without touching the client.
 */
export type NodeName = string

export interface ReadRouter {
  /** The node to run the next read on: a replica name, or 'primary' when none should be used. */
  pick (): NodeName
}

/** Spreads reads evenly over the replicas, or sends them all to the primary when there are none. */
export class RoundRobinRouter implements ReadRouter {
  private next = 0

  constructor (private readonly replicas: readonly NodeName[]) {}

  pick (): NodeName {
    if (this.replicas.length === 0) return 'primary'
    const name = this.replicas[this.next % this.replicas.length] as NodeName
    this.next = (this.next + 1) % this.replicas.length
    return name
  }
}
