/**
 * The default read router: asks the replica manager which replicas may serve (healthy, in the
 * rotation, fresh enough for the caller's LSN) and lets the strategy choose among them. No replica
 * allowed → the primary.
 */
import type { ReplicaManager } from '../replicas/replica-manager.js'
import type { NodeName, PickOptions, ReadRouter } from './read-router.js'
import type { ReadStrategy } from './read-strategies.js'

export class HealthAwareRouter implements ReadRouter {
  constructor (private readonly manager: ReplicaManager, private readonly strategy: ReadStrategy) {}

  pick (options: PickOptions = {}): NodeName {
    let candidates = this.manager.eligible(options.minLsn)
    if (options.exclude !== undefined && options.exclude.length > 0) candidates = candidates.filter((c) => !options.exclude?.includes(c))
    if (options.keepingUp === true) {
      const current = candidates.filter((c) => this.manager.keepingUp(c))
      if (current.length > 0) candidates = current
    }
    return candidates.length === 0 ? 'primary' : this.strategy.choose(candidates)
  }
}
