/**
 * One scenario against one target, e.g.
 *
 *   tsx load/run-scenario.ts user-by-id --target gateway --duration 10 [--connections 32] [--warmup 1] [--pool 20] [--json]
 *
 * Scenarios: user-by-id, hot-set, universities-search, graphql-user, graphql-nested, mixed,
 * mixed-reads, write-heavy, connections. Targets: gateway, gateway-nomon, gateway-l1, gateway-off, fastify-pg,
 * fastify-redis, static (not every target serves every scenario: see load/suite/scenarios.ts).
 * DATABASE_URL and REDIS_URL as for `npm run bench` (load/bench.ts).
 */
import { Args } from './suite/args.js'
import { progressLine, runScenario } from './suite/measure.js'
import { SCENARIOS, scenario, seedFor } from './suite/scenarios.js'
import { openSession } from './suite/session.js'
import { TARGETS, type TargetName } from './suite/targets.js'

async function main (): Promise<void> {
  const args = new Args()
  const [name] = args.positional()
  if (name === undefined || args.flag('help')) {
    console.error(`usage: tsx load/run-scenario.ts <${SCENARIOS.map((s) => s.name).join('|')}> --target <${TARGETS.join('|')}> [--duration 10]`)
    process.exitCode = 1
    return
  }
  const s = scenario(name)
  const target = (args.string('target') ?? 'gateway') as TargetName
  if (!TARGETS.includes(target)) throw new Error(`unknown target "${target}"; one of: ${TARGETS.join(', ')}`)
  if (!s.targets.includes(target)) console.error(`note: ${s.name} is not compared on ${target} by the bench (it is run anyway)`)
  const duration = args.number('duration', 10)
  const session = await openSession({ targets: [target], pool: args.number('pool', 20) })
  try {
    const r = await runScenario(s, target, session.servers, session.redis, session.context(seedFor(s.name, 1)), {
      duration, connections: args.number('connections', 32), warmup: args.string('warmup') === '0' ? 0 : args.number('warmup', Math.min(1, duration / 4)), round: 1
    })
    console.error(progressLine(r))
    if (args.flag('json')) console.log(JSON.stringify(r, null, 2))
  } finally {
    await session.close()
  }
}

main().then(() => process.exit(process.exitCode ?? 0), (err: unknown) => { console.error(err); process.exit(1) })
