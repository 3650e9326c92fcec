/**
 * What a bench run measures and in which order: the (scenario, target) pairs the selected
 * comparisons need (or every target of the selected scenarios), in alternating rounds — odd rounds
 * in order, even rounds reversed — so drift on the machine hits every target alike.
 */
import type { Comparison } from './comparisons.js'
import { SCENARIOS, scenario, type Scenario } from './scenarios.js'
import type { TargetName } from './targets.js'

export interface Pair { scenario: Scenario; target: TargetName }

export function planPairs (opts: { comparisons: readonly Comparison[]; scenarios?: string[]; targets?: string[]; everything: boolean }): Pair[] {
  const wanted = new Set<string>()
  if (opts.everything) {
    for (const s of SCENARIOS) for (const t of s.targets) wanted.add(`${s.name} ${t}`)
  } else {
    for (const c of opts.comparisons) for (const side of [c.num, c.den]) wanted.add(`${side.scenario} ${side.target}`)
  }
  const onlyScenarios = opts.scenarios?.map((n) => scenario(n).name)
  const pairs: Pair[] = []
  for (const s of SCENARIOS) {
    if (onlyScenarios && !onlyScenarios.includes(s.name)) continue
    for (const t of s.targets) {
      if (opts.targets && !opts.targets.includes(t)) continue
      if (!wanted.has(`${s.name} ${t}`)) continue
      pairs.push({ scenario: s, target: t })
    }
  }
  return pairs
}

export function roundOrder (pairs: Pair[], round: number): Pair[] {
  return round % 2 === 1 ? pairs : [...pairs].reverse()
}
