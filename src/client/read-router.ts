/**
 * Node selection for reads, behind one small interface so the replica manager's health- and
 * lag-aware router (SPEC §6) plugs into the client without touching it.
 */
export type NodeName = string

export interface PickOptions {
  /** Only nodes known to have replayed at least this WAL position (read-your-writes). */
  minLsn?: string
  /** Nodes not to use (a retry after a connection error). */
  exclude?: readonly NodeName[]
  /** Prefer nodes that kept up with the primary at the last health reading (fresh-check candidates). */
  keepingUp?: boolean
}

export interface ReadRouter {
  /** The node to run the next read on: a replica name, or 'primary' when none should be used. */
  pick (options?: PickOptions): NodeName
}

/** Spreads reads evenly over the replicas, or sends them all to the primary when there are none. */
export class RoundRobinRouter implements ReadRouter {
  private next = 0

  constructor (private readonly replicas: readonly NodeName[]) {}

  pick (options: PickOptions = {}): NodeName {
    // Without health readings nothing is known about replay positions: consistent reads stay on the primary.
    if (options.minLsn !== undefined) return 'primary'
    const names = options.exclude === undefined ? this.replicas : this.replicas.filter((n) => !options.exclude?.includes(n))
    if (names.length === 0) return 'primary'
    const name = names[this.next % names.length] as NodeName
    this.next = (this.next + 1) % Math.max(1, this.replicas.length)
    return name
  }
}
