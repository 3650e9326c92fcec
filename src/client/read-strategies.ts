/**
 * DB_READ_STRATEGY (SPEC §6): how one replica is chosen among those allowed to serve a read.
 * - round-robin: in turn, so each gets an equal share;
 * - least-connections: the one with the fewest reads in flight from this client (ties in turn);
 * - latency: the one with the lowest smoothed probe round trip; nodes within 25 % (+0.5 ms) of the
 *   best share in turn, so equal nodes split the load and a slow one gets none.
 */
import type { NodeName } from './read-router.js'

export type ReadStrategyName = 'round-robin' | 'least-connections' | 'latency'

export interface ReadStrategy {
  /** `candidates` is never empty. */
  choose (candidates: readonly NodeName[]): NodeName
}

/** Reads in flight per node, kept by the client around every statement. */
export class InFlight {
  private readonly counts = new Map<NodeName, number>()

  get (node: NodeName): number {
    return this.counts.get(node) ?? 0
  }

  begin (node: NodeName): void {
    this.counts.set(node, this.get(node) + 1)
  }

  end (node: NodeName): void {
    this.counts.set(node, Math.max(0, this.get(node) - 1))
  }
}

class Turns {
  private n = 0
  take<T> (items: readonly T[]): T {
    const item = items[this.n % items.length] as T
    this.n = (this.n + 1) % 1_000_000_007
    return item
  }
}

export function roundRobin (): ReadStrategy {
  const turns = new Turns()
  return { choose: (candidates) => turns.take(candidates) }
}

export function leastConnections (inFlight: InFlight): ReadStrategy {
  const turns = new Turns()
  return {
    choose (candidates) {
      let best = Infinity
      for (const c of candidates) best = Math.min(best, inFlight.get(c))
      return turns.take(candidates.filter((c) => inFlight.get(c) === best))
    }
  }
}

export function lowestLatency (latency: (node: NodeName) => number | undefined): ReadStrategy {
  const turns = new Turns()
  return {
    choose (candidates) {
      const known = candidates.map((c) => [c, latency(c)] as const)
      const measured = known.filter(([, ms]) => ms !== undefined) as Array<readonly [NodeName, number]>
      // Until every candidate has been measured, share evenly.
      if (measured.length < candidates.length) return turns.take(candidates)
      const best = Math.min(...measured.map(([, ms]) => ms))
      return turns.take(measured.filter(([, ms]) => ms <= best * 1.25 + 0.5).map(([c]) => c))
    }
  }
}

export function createStrategy (name: ReadStrategyName, inFlight: InFlight, latency: (node: NodeName) => number | undefined): ReadStrategy {
  switch (name) {
    case 'least-connections': return leastConnections(inFlight)
    case 'latency': return lowestLatency(latency)
    default: return roundRobin()
  }
}
